/*
 * tb_ops_more.c — int8 kernels for custom (open-division) models (see tb_ops_more.h).
 *
 * Why plain C loops: these operators are rare in the benchmarked models and cheap next to the
 * convolutions around them; what matters is that every rounding step is TFLM's.
 */
#include "tb_ops_more.h"

#include <stddef.h>

#include "tb_fixedpoint.h"
#include "tb_prim.h"

static int8_t clamp_s8(int32_t v, int32_t lo, int32_t hi)
{
    v = v < lo ? lo : v;
    return (int8_t)(v > hi ? hi : v);
}

void tb_maxpool_s8(const tb_pool_params_t *p, const int8_t *in, int8_t *out)
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
            for (c = 0; c < p->channels; ++c) {
                int32_t best = -128;
                for (ky = ky0; ky < ky1; ++ky) {
                    for (kx = kx0; kx < kx1; ++kx) {
                        const int32_t v = in[((size_t)(iy0 + ky) * p->in_w + (ix0 + kx)) * p->channels + c];
                        best = v > best ? v : best;
                    }
                }
                best = best < p->act_min ? p->act_min : best;
                best = best > p->act_max ? p->act_max : best;
                out[((size_t)oy * p->out_w + ox) * p->channels + c] = (int8_t)best;
            }
        }
    }
}

void tb_relu_s8(const tb_relu_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        int32_t v = p->output_zero_point +
                    tb_requant((int32_t)in[i] - p->input_zero_point, p->multiplier, p->shift);
        v = v < p->act_min ? p->act_min : v;
        v = v > p->act_max ? p->act_max : v;
        out[i] = (int8_t)v;
    }
}

void tb_mean_s8(const tb_mean_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t *d = p->dims;
    const int32_t stride[4] = {d[1] * d[2] * d[3], d[2] * d[3], d[3], 1};
    int32_t keep[4], span[4], o[4], r[4], i;
    for (i = 0; i < 4; ++i) {
        keep[i] = p->reduce[i] ? 1 : d[i];
        span[i] = p->reduce[i] ? d[i] : 1;
    }
    for (o[0] = 0; o[0] < keep[0]; ++o[0]) {
        for (o[1] = 0; o[1] < keep[1]; ++o[1]) {
            for (o[2] = 0; o[2] < keep[2]; ++o[2]) {
                for (o[3] = 0; o[3] < keep[3]; ++o[3]) {
                    const int8_t *base = in + o[0] * stride[0] + o[1] * stride[1] +
                                         o[2] * stride[2] + o[3];
                    int32_t sum = 0;
                    for (r[0] = 0; r[0] < span[0]; ++r[0]) {
                        for (r[1] = 0; r[1] < span[1]; ++r[1]) {
                            for (r[2] = 0; r[2] < span[2]; ++r[2]) {
                                const int8_t *x = base + r[0] * stride[0] + r[1] * stride[1] +
                                                  r[2] * stride[2];
                                for (r[3] = 0; r[3] < span[3]; ++r[3]) {
                                    sum += x[r[3]];
                                }
                            }
                        }
                    }
                    sum -= p->count * p->input_zero_point;
                    *out++ = clamp_s8(tb_requant(sum, p->multiplier, p->shift) + p->output_zero_point,
                                      -128, 127);
                }
            }
        }
    }
}

void tb_concat_s8(const tb_concat_params_t *p, const int8_t *const *in, int8_t *out)
{
    int32_t o, i;
    for (o = 0; o < p->outer; ++o) {
        int8_t *y = out + o * p->out_stride;
        for (i = 0; i < p->inputs; ++i) {
            tb_copy_row(y, in[i] + o * p->sizes[i], p->sizes[i]);
            y += p->sizes[i];
        }
    }
}

void tb_pad_s8(const tb_pad_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t *id = p->in_dims, *od = p->out_dims, *b = p->before;
    const int8_t v = (int8_t)p->pad_value;
    int32_t n, h, w;
    for (n = 0; n < od[0]; ++n) {
        for (h = 0; h < od[1]; ++h) {
            for (w = 0; w < od[2]; ++w) {
                const int32_t in_n = n - b[0], in_h = h - b[1], in_w = w - b[2];
                int8_t *y = out + ((n * od[1] + h) * od[2] + w) * od[3];
                if (in_n < 0 || in_n >= id[0] || in_h < 0 || in_h >= id[1] || in_w < 0 ||
                    in_w >= id[2]) {
                    tb_fill_row(y, v, od[3]);
                    continue;
                }
                tb_fill_row(y, v, b[3]);
                tb_copy_row(y + b[3], in + ((in_n * id[1] + in_h) * id[2] + in_w) * id[3], id[3]);
                tb_fill_row(y + b[3] + id[3], v, od[3] - b[3] - id[3]);
            }
        }
    }
}

void tb_mul_s8(const tb_mul_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    const int32_t *od = p->out_dims, *s1 = p->in1_strides, *s2 = p->in2_strides;
    int32_t i0, i1, i2, i3;
    for (i0 = 0; i0 < od[0]; ++i0) {
        for (i1 = 0; i1 < od[1]; ++i1) {
            for (i2 = 0; i2 < od[2]; ++i2) {
                const int8_t *a = in1 + i0 * s1[0] + i1 * s1[1] + i2 * s1[2];
                const int8_t *b = in2 + i0 * s2[0] + i1 * s2[1] + i2 * s2[2];
                for (i3 = 0; i3 < od[3]; ++i3) {
                    const int32_t prod = ((int32_t)a[i3 * s1[3]] + p->input1_offset) *
                                         ((int32_t)b[i3 * s2[3]] + p->input2_offset);
                    *out++ = clamp_s8(tb_requant(prod, p->multiplier, p->shift) + p->output_offset,
                                      p->act_min, p->act_max);
                }
            }
        }
    }
}

void tb_mul_const_s8(const tb_mul_params_t *p, const int8_t *in, int8_t *out)
{
    if (p->constant_first) {
        tb_mul_s8(p, p->constant, in, out);
    } else {
        tb_mul_s8(p, in, p->constant, out);
    }
}

/* gemmlowp logistic for a Q4.27 input, result in Q0.31. */
static int32_t logistic_q4(int32_t a)
{
    const int32_t magnitude = a > 0 ? a : -a;
    const int32_t positive = tb_fx_one_over_one_plus_x(tb_fx_exp_neg(-magnitude, 4));
    if (a == 0) {
        return (int32_t)1 << 30;                 /* one half */
    }
    return a > 0 ? positive : INT32_MAX - positive;
}

void tb_logistic_s8(const tb_logistic_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t x = (int32_t)in[i] - p->input_zero_point;
        if (x <= -p->input_range_radius) {
            out[i] = -128;
        } else if (x >= p->input_range_radius) {
            out[i] = 127;
        } else {
            const int32_t q4 = tb_requant(x, p->input_multiplier, p->input_left_shift);
            /* Q0.31 -> 1/256 steps (31 - 8 bits), then the output zero point -128 */
            out[i] = clamp_s8(tb_rdivpot(logistic_q4(q4), 23) - 128, -128, 127);
        }
    }
}

/* int16 gemmlowp SaturatingRoundingDoublingHighMul. */
static int32_t srdhm16(int32_t a, int32_t b)
{
    const int32_t ab = a * b;
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    return (ab + (ab >= 0 ? (1 << 14) : 1 - (1 << 14))) / (1 << 15);   /* truncating division */
}

/* int16 SaturatingDoublingHighMul: no rounding nudge (TFLM cancels SRDHM's bias with it). */
static int32_t sdhm16(int32_t a, int32_t b)
{
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    return (a * b) / (1 << 15);
}

static int32_t sat_shl16(int32_t v, int amount)
{
    v *= 1 << amount;
    return v < INT16_MIN ? INT16_MIN : (v > INT16_MAX ? INT16_MAX : v);
}

void tb_hard_swish_s8(const tb_hard_swish_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t hires = ((int32_t)in[i] - p->input_zero_point) * (1 << 7);
        const int32_t preshift_out = srdhm16(hires, p->output_multiplier);
        int32_t reluish = hires;
        int16_t v;
        if (p->reluish_exponent > 0) {
            reluish = sat_shl16(reluish, p->reluish_exponent - 1);
        }
        reluish = srdhm16(reluish, p->reluish_multiplier);
        if (p->reluish_exponent > 0) {
            reluish = sat_shl16(reluish, 1);
        } else if (p->reluish_exponent < 0) {
            reluish = tb_rdivpot(reluish, -p->reluish_exponent);
        }
        reluish = (reluish + (1 << 15)) >> 1;            /* [-1, 1] -> [0, 1] */
        /* int16 arithmetic as in TFLM, including its wrap-around when adding the zero point */
        v = (int16_t)tb_rdivpot(sdhm16(reluish, preshift_out), -p->output_exponent);
        v = (int16_t)(uint16_t)((uint32_t)(uint16_t)v + (uint32_t)p->output_zero_point);
        out[i] = clamp_s8(v, -128, 127);
    }
}
