/*
 * tb_ops.c — int8 kernels (conv, depthwise conv, fully connected, average pool, add, copy).
 * Arithmetic follows TFLM's reference integer kernels step by step: int32 accumulation of
 * filter * (input + input_offset), bias, MultiplyByQuantizedMultiplier, + output offset, clamp.
 * Taps outside the image are skipped (equivalent to padding with the input zero point).
 */
#include <stddef.h>
#include <string.h>

#include "tb_ops.h"
#include "tb_prim.h"

static inline int32_t tb_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static inline int8_t tb_finish(int32_t acc, int32_t mult, int32_t shift, int32_t out_offset,
                               int32_t lo, int32_t hi)
{
    acc = tb_requant(acc, mult, shift) + out_offset;
    return (int8_t)tb_clamp(acc, lo, hi);
}

/* Valid tap range [*k0, *k1) of a window starting at input coordinate `origin` (dilation d). */
static void tb_tap_range(int32_t origin, int32_t k, int32_t d, int32_t in_size,
                         int32_t *k0, int32_t *k1)
{
    int32_t lo = 0, hi = k;
    while (lo < k && origin + lo * d < 0) {
        ++lo;
    }
    while (hi > lo && origin + (hi - 1) * d >= in_size) {
        --hi;
    }
    *k0 = lo;
    *k1 = hi;
}

static void tb_dwconv2d_direct(const tb_conv_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t oy, ox, ky, kx, ic, m;
    for (oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_h;
        for (ox = 0; ox < p->out_w; ++ox) {
            const int32_t ix0 = ox * p->stride_w - p->pad_w;
            int8_t *o = out + ((size_t)oy * p->out_w + ox) * p->out_c;
            /* General depth multiplier: output channel ic * M + m reads input channel ic. */
            for (ic = 0; ic < p->in_c; ++ic) {
                for (m = 0; m < p->depth_multiplier; ++m) {
                    const int32_t oc = ic * p->depth_multiplier + m;
                    int32_t a = 0;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t iy = iy0 + ky * p->dil_h;
                        if (iy < 0 || iy >= p->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ix = ix0 + kx * p->dil_w;
                            if (ix < 0 || ix >= p->in_w) {
                                continue;
                            }
                            a += ((int32_t)in[((size_t)iy * p->in_w + ix) * p->in_c + ic]
                                  + p->input_offset)
                                 * (int32_t)p->filter[((size_t)ky * p->k_w + kx) * p->out_c + oc];
                        }
                    }
                    if (p->bias != NULL) {
                        a += p->bias[oc];
                    }
                    o[oc] = tb_finish(a, p->out_mult[oc], p->out_shift[oc], p->output_offset,
                                      p->act_min, p->act_max);
                }
            }
        }
    }
}

static void tb_fc_direct(const tb_fc_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t b, oc;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = in + (size_t)b * p->in_features;
        /* (w + fo)(x + xo) = w(x + xo) + fo * (sum(x) + n * xo) */
        int32_t x_term = 0;
        if (p->filter_offset != 0) {
            x_term = p->filter_offset * (tb_sum_s8(x, p->in_features)
                                         + p->in_features * p->input_offset);
        }
        for (oc = 0; oc < p->out_features; ++oc) {
            const int32_t k = p->per_channel ? oc : 0;
            int32_t acc = tb_dot_s8(x, p->input_offset,
                                    p->filter + (size_t)oc * p->in_features, p->in_features)
                          + x_term;
            if (p->bias != NULL) {
                acc += p->bias[oc];
            }
            out[(size_t)b * p->out_features + oc] =
                tb_finish(acc, p->out_mult[k], p->out_shift[k], p->output_offset,
                          p->act_min, p->act_max);
        }
    }
}


static void tb_conv_rq(const tb_conv_params_t *p, tb_rq_t *q)
{
    q->input_offset = p->input_offset;
    q->output_offset = p->output_offset;
    q->act_min = p->act_min;
    q->act_max = p->act_max;
    q->per_channel = 1;
    q->bias = p->bias;
    q->mult = p->out_mult;
    q->shift = p->out_shift;
    q->bias_folded = p->bias_folded;
    q->fast = p->rq_fast;
}

/* One pixel's patch (k_h x k_w x in_c) into col; taps outside the image hold the input zero
 * point, so (x + input_offset) is 0 there exactly as if the tap were skipped. */
static void tb_im2col(const tb_conv_params_t *p, const int8_t *in, int32_t oy, int32_t ox,
                      int8_t *col)
{
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    const int32_t ix0 = ox * p->stride_w - p->pad_w;
    const int8_t zp = (int8_t)(-p->input_offset);
    const size_t row = (size_t)p->k_w * p->in_c;
    int32_t ky, kx, ky0, ky1, kx0, kx1;
    if (p->dil_w == 1 && iy0 >= 0 && ix0 >= 0 && iy0 + (p->k_h - 1) * p->dil_h < p->in_h
        && ix0 + p->k_w <= p->in_w) {
        /* Window inside the image: k_h contiguous row copies. */
        const int8_t *src = in + ((size_t)iy0 * p->in_w + ix0) * p->in_c;
        const size_t step = (size_t)p->dil_h * p->in_w * p->in_c;
        for (ky = 0; ky < p->k_h; ++ky, src += step, col += row) {
            tb_copy_row(col, src, (int32_t)row);
        }
        return;
    }
    tb_tap_range(iy0, p->k_h, p->dil_h, p->in_h, &ky0, &ky1);
    tb_tap_range(ix0, p->k_w, p->dil_w, p->in_w, &kx0, &kx1);
    for (ky = 0; ky < p->k_h; ++ky) {
        int8_t *c = col + (size_t)ky * row;
        const int8_t *in_row;
        if (ky < ky0 || ky >= ky1 || kx0 >= kx1) {
            tb_fill_row(c, zp, (int32_t)row);
            continue;
        }
        in_row = in + ((size_t)(iy0 + ky * p->dil_h) * p->in_w) * p->in_c;
        if (kx0 > 0) {
            tb_fill_row(c, zp, kx0 * p->in_c);
        }
        if (p->dil_w == 1) {
            tb_copy_row(c + (size_t)kx0 * p->in_c, in_row + (size_t)(ix0 + kx0) * p->in_c,
                        (kx1 - kx0) * p->in_c);
        } else {
            for (kx = kx0; kx < kx1; ++kx) {
                tb_copy_row(c + (size_t)kx * p->in_c,
                            in_row + (size_t)(ix0 + kx * p->dil_w) * p->in_c, p->in_c);
            }
        }
        if (kx1 < p->k_w) {
            tb_fill_row(c + (size_t)kx1 * p->in_c, zp, (p->k_w - kx1) * p->in_c);
        }
    }
}

/* Target size of the im2col scratch on the stack (a batch of 2..16 pixels' patches). */
#define TB_IM2COL_BYTES 1536

void tb_conv2d_s8(const tb_conv_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t k = p->k_h * p->k_w * p->in_c;
    const int32_t pixels = p->out_h * p->out_w;
    const int pointwise = p->k_h == 1 && p->k_w == 1 && p->pad_h == 0 && p->pad_w == 0;
    int32_t i;
    tb_rq_t q;
    tb_conv_rq(p, &q);
    if (pointwise) {
        /* 1x1: every output pixel's patch is one input pixel, used in place (no im2col). */
        if (p->stride_h == 1 && p->stride_w == 1) {
            tb_gemm_s8(&q, in, p->in_c, pixels, k, p->filter, p->out_c, out);
            return;
        }
        for (i = 0; i < p->out_h; ++i) {
            tb_gemm_s8(&q, in + (size_t)i * p->stride_h * p->in_w * p->in_c, p->stride_w * p->in_c,
                       p->out_w, k, p->filter, p->out_c, out + (size_t)i * p->out_w * p->out_c);
        }
        return;
    }
    {
        /* A batch of pixels' patches on the stack (C99 VLA, about TB_IM2COL_BYTES bytes). */
        int32_t batch = (TB_IM2COL_BYTES / k) & ~1;
        batch = batch < 2 ? 2 : (batch > 16 ? 16 : batch);
        {
            int8_t col[batch * k];
            for (i = 0; i < pixels; i += batch) {
                const int32_t cnt = pixels - i < batch ? pixels - i : batch;
                int32_t j;
                for (j = 0; j < cnt; ++j) {
                    tb_im2col(p, in, (i + j) / p->out_w, (i + j) % p->out_w, col + (size_t)j * k);
                }
                tb_gemm_s8(&q, col, k, cnt, k, p->filter, p->out_c, out + (size_t)i * p->out_c);
            }
        }
    }
}

void tb_dwconv2d_s8(const tb_conv_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t oy, ox, ky0, ky1, kx0, kx1;
    tb_rq_t q;
    if (p->depth_multiplier != 1) {
        tb_dwconv2d_direct(p, in, out);
        return;
    }
    tb_conv_rq(p, &q);
    for (oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_h;
        tb_tap_range(iy0, p->k_h, p->dil_h, p->in_h, &ky0, &ky1);
        for (ox = 0; ox < p->out_w; ++ox) {
            const int32_t ix0 = ox * p->stride_w - p->pad_w;
            tb_tap_range(ix0, p->k_w, p->dil_w, p->in_w, &kx0, &kx1);
            tb_dw_pixel_s8(&q,
                           in + ((size_t)(iy0 + ky0 * p->dil_h) * p->in_w + (ix0 + kx0 * p->dil_w))
                                    * p->in_c,
                           p->dil_w * p->in_c, p->dil_h * p->in_w * p->in_c,
                           p->filter + ((size_t)ky0 * p->k_w + kx0) * p->out_c, p->k_w * p->out_c,
                           ky1 - ky0, kx1 - kx0, p->out_c,
                           out + ((size_t)oy * p->out_w + ox) * p->out_c);
        }
    }
}

void tb_fc_s8(const tb_fc_params_t *p, const int8_t *in, int8_t *out)
{
    tb_rq_t q;
    if (p->filter_offset != 0) {
        tb_fc_direct(p, in, out);
        return;
    }
    q.input_offset = p->input_offset;
    q.output_offset = p->output_offset;
    q.act_min = p->act_min;
    q.act_max = p->act_max;
    q.per_channel = p->per_channel;
    q.bias = p->bias;
    q.mult = p->out_mult;
    q.shift = p->out_shift;
    q.bias_folded = p->bias_folded;
    q.fast = p->rq_fast;
    tb_gemm_s8(&q, in, p->in_features, p->batches, p->in_features, p->filter, p->out_features, out);
}

void tb_avgpool_s8(const tb_pool_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t oy, ox, c, ky, kx;
    for (oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_h;
        const int32_t ky0 = iy0 < 0 ? -iy0 : 0;
        const int32_t ky1 = p->k_h < p->in_h - iy0 ? p->k_h : p->in_h - iy0;
        for (ox = 0; ox < p->out_w; ++ox) {
            const int32_t ix0 = ox * p->stride_w - p->pad_w;
            const int32_t kx0 = ix0 < 0 ? -ix0 : 0;
            const int32_t kx1 = p->k_w < p->in_w - ix0 ? p->k_w : p->in_w - ix0;
            const int32_t count = (ky1 - ky0) * (kx1 - kx0);
            for (c = 0; c < p->channels; ++c) {
                int32_t acc = 0;
                for (ky = ky0; ky < ky1; ++ky) {
                    for (kx = kx0; kx < kx1; ++kx) {
                        acc += in[((size_t)(iy0 + ky) * p->in_w + (ix0 + kx)) * p->channels + c];
                    }
                }
                if (count > 0) {
                    /* TFLM: round half away from zero, integer division truncating. */
                    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                }
                out[((size_t)oy * p->out_w + ox) * p->channels + c] =
                    (int8_t)tb_clamp(acc, p->act_min, p->act_max);
            }
        }
    }
}

void tb_add_s8(const tb_add_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    const int32_t m[3] = {p->input1_mult, p->input2_mult, p->output_mult};
    const int32_t s[3] = {p->input1_shift, p->input2_shift, p->output_shift};
    const int32_t off[3] = {p->input1_offset, p->input2_offset, p->output_offset};
    int32_t i = tb_add_block_s8(in1, in2, out, p->size, m, s, off, p->left_shift, p->act_min,
                                p->act_max);
    for (; i < p->size; ++i) {
        const int32_t a = (int32_t)((uint32_t)((int32_t)in1[i] + p->input1_offset) << p->left_shift);
        const int32_t b = (int32_t)((uint32_t)((int32_t)in2[i] + p->input2_offset) << p->left_shift);
        /* The compiler's ADD multipliers are non-negative (quant.add_params). */
        const int32_t sa = tb_requant_nonneg(a, p->input1_mult, p->input1_shift);
        const int32_t sb = tb_requant_nonneg(b, p->input2_mult, p->input2_shift);
        const int32_t r = tb_requant_nonneg(sa + sb, p->output_mult, p->output_shift) + p->output_offset;
        out[i] = (int8_t)tb_clamp(r, p->act_min, p->act_max);
    }
}

void tb_copy_s8(const int8_t *in, int8_t *out, int32_t n)
{
    if (in != out) {
        memmove(out, in, (size_t)n);
    }
}
