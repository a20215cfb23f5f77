/*
 * tb_prim_mve.c — primitive layer (tb_prim.h) for cores with Helium (M-profile Vector Extension,
 * Cortex-M55/M85), compiled instead of the DSP and generic versions when __ARM_FEATURE_MVE has
 * the integer bit.
 *
 * Matrix rows: the compiler folded the input offset into the bias, so dot products run on raw
 * int8 values with VMLADAVA.S8 (16 multiply-accumulates into a scalar per instruction) in
 * tail-predicated loops (VCTP: lanes past the row end load as zero). Four output channels share
 * each input vector; their four sums are requantised together as one int32x4 vector.
 * Depthwise: four channels per int32x4 vector (VLDRB.S32 widening loads), offset added per tap.
 *
 * Vector requantisation is bit-exact with TFLM's MultiplyByQuantizedMultiplier:
 * VQRDMULH == SaturatingRoundingDoublingHighMul for every input (see tb_srdhm), and
 * RoundingDivideByPOT (round half away from zero) == VRSHL by -exponent after adding -1 to
 * negative values when exponent > 0 (VRSHL alone rounds half up).
 */
#include <stddef.h>

#include "tb_prim.h"

#if defined(TB_PRIM_MVE)

#include <arm_mve.h>

static inline int32x4_t rq4(const tb_rq_t *q, int32x4_t acc, int32_t oc, mve_pred16_t p)
{
    const int32x4_t zero = vdupq_n_s32(0);
    int32x4_t m, s, left, rneg, fix;
    if (q->per_channel) {
        m = vldrwq_z_s32(q->mult + oc, p);
        s = vldrbq_z_s32(q->shift + oc, p);
    } else {
        m = vdupq_n_s32(q->mult[0]);
        s = vdupq_n_s32(q->shift[0]);
    }
    left = vmaxq_s32(s, zero);
    rneg = vminq_s32(s, zero);
    acc = vshlq_s32(acc, left);
    acc = vqrdmulhq_s32(acc, m);
    fix = vshrq_n_s32(vandq_s32(acc, rneg), 31);
    acc = vqaddq_s32(acc, fix);
    acc = vrshlq_s32(acc, rneg);
    acc = vaddq_n_s32(acc, q->output_offset);
    acc = vmaxq_s32(acc, vdupq_n_s32(q->act_min));
    return vminq_s32(acc, vdupq_n_s32(q->act_max));
}

/* One input row against four weight rows (rows may repeat for the channel tail): full 16-byte
 * blocks unpredicated, the last partial block with a VCTP predicate (zero-filled lanes). */
static inline int32x4_t dot4(const int8_t *x, const int8_t *w0, const int8_t *w1,
                             const int8_t *w2, const int8_t *w3, int32_t k)
{
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int32_t blocks = k >> 4;
    int32x4_t v;
    while (blocks-- > 0) {
        const int8x16_t xv = vldrbq_s8(x);
        a0 = vmladavaq_s8(a0, xv, vldrbq_s8(w0));
        a1 = vmladavaq_s8(a1, xv, vldrbq_s8(w1));
        a2 = vmladavaq_s8(a2, xv, vldrbq_s8(w2));
        a3 = vmladavaq_s8(a3, xv, vldrbq_s8(w3));
        x += 16;
        w0 += 16;
        w1 += 16;
        w2 += 16;
        w3 += 16;
    }
    if ((k & 15) != 0) {
        const mve_pred16_t p = vctp8q((uint32_t)(k & 15));
        const int8x16_t xv = vldrbq_z_s8(x, p);
        a0 = vmladavaq_s8(a0, xv, vldrbq_z_s8(w0, p));
        a1 = vmladavaq_s8(a1, xv, vldrbq_z_s8(w1, p));
        a2 = vmladavaq_s8(a2, xv, vldrbq_z_s8(w2, p));
        a3 = vmladavaq_s8(a3, xv, vldrbq_z_s8(w3, p));
    }
    v = vdupq_n_s32(a0);
    v = vsetq_lane_s32(a1, v, 1);
    v = vsetq_lane_s32(a2, v, 2);
    return vsetq_lane_s32(a3, v, 3);
}

void tb_gemm_s8(const tb_rq_t *q, const int8_t *x, int32_t x_stride, int32_t rows, int32_t k,
                const int8_t *w, int32_t n, int8_t *y)
{
    int32_t oc, r;
    if (!q->bias_folded || q->bias == NULL) {
        /* Models compiled without the folded bias: the portable dot product. */
        for (r = 0; r < rows; ++r) {
            const int8_t *xr = x + (size_t)r * x_stride;
            for (oc = 0; oc < n; ++oc) {
                const int32_t b = q->bias != NULL ? q->bias[oc] : 0;
                y[(size_t)r * n + oc] =
                    tb_rq_out(q, tb_dot_s8(xr, q->input_offset, w + (size_t)oc * k, k) + b, oc);
            }
        }
        return;
    }
    /* Weights stationary: each group of four output channels sets up its weight rows, bias and
     * requantisation vectors once, then runs over every row. Scalars are copied out of q first:
     * int8 stores may alias them, which would force reloads in the row loop. */
    const int32_t out_off = q->output_offset;
    const int32x4_t lo = vdupq_n_s32(q->act_min), hi = vdupq_n_s32(q->act_max);
    for (oc = 0; oc < n; oc += 4) {
        const int full = n - oc >= 4;
        const mve_pred16_t p = vctp32q((uint32_t)(n - oc));
        const int8_t *w0 = w + (size_t)oc * k;
        const int8_t *w1 = oc + 1 < n ? w0 + k : w0;
        const int8_t *w2 = oc + 2 < n ? w0 + 2 * k : w0;
        const int8_t *w3 = oc + 3 < n ? w0 + 3 * k : w0;
        const int32x4_t b = vldrwq_z_s32(q->bias + oc, p);
        const int32x4_t zero = vdupq_n_s32(0);
        int32x4_t m, s, left, rneg;
        const int8_t *xr = x;
        int8_t *yr = y + oc;
        if (q->per_channel) {
            m = vldrwq_z_s32(q->mult + oc, p);
            s = vldrbq_z_s32(q->shift + oc, p);
        } else {
            m = vdupq_n_s32(q->mult[0]);
            s = vdupq_n_s32(q->shift[0]);
        }
        if (q->fast) {
            /* Short exact sequence (lower._fast_requant: shift e = -s >= 1, full int8 range):
             * VQRDMULH, then (h - (h < 0) + r) >> e with r = 2^(e-1) + offset 2^e; VSHL by a
             * negative amount truncates. Two vector instructions fewer than the general one. */
            const int32x4_t rv = vshrq_n_s32(vshlq_s32(vdupq_n_s32(2 * out_off + 1), vnegq_s32(s)), 1);
            for (r = rows; r > 0; --r) {
                int32x4_t acc = vqrdmulhq_s32(vaddq_s32(dot4(xr, w0, w1, w2, w3, k), b), m);
                acc = vaddq_s32(acc, vshrq_n_s32(acc, 31));
                acc = vshlq_s32(vaddq_s32(acc, rv), s);
                acc = vminq_s32(vmaxq_s32(acc, lo), hi);
                if (full) {
                    vstrbq_s32(yr, acc);
                } else {
                    vstrbq_p_s32(yr, acc, p);
                }
                xr += x_stride;
                yr += n;
            }
            continue;
        }
        left = vmaxq_s32(s, zero);
        rneg = vminq_s32(s, zero);
        for (r = rows; r > 0; --r) {
            int32x4_t acc = vaddq_s32(dot4(xr, w0, w1, w2, w3, k), b);
            acc = vqrdmulhq_s32(vshlq_s32(acc, left), m);
            acc = vqaddq_s32(acc, vshrq_n_s32(vandq_s32(acc, rneg), 31));
            acc = vaddq_n_s32(vrshlq_s32(acc, rneg), out_off);
            acc = vminq_s32(vmaxq_s32(acc, lo), hi);
            if (full) {
                vstrbq_s32(yr, acc);
            } else {
                vstrbq_p_s32(yr, acc, p);
            }
            xr += x_stride;
            yr += n;
        }
    }
}

/* Requantisation of four sums whose multipliers/shifts are given as vectors. */
static inline int32x4_t rq_vec(int32x4_t acc, int32x4_t m, int32x4_t s, int32_t out_off,
                               int32x4_t lo, int32x4_t hi)
{
    const int32x4_t zero = vdupq_n_s32(0);
    const int32x4_t rneg = vminq_s32(s, zero);
    acc = vqrdmulhq_s32(vshlq_s32(acc, vmaxq_s32(s, zero)), m);
    acc = vqaddq_s32(acc, vshrq_n_s32(vandq_s32(acc, rneg), 31));
    acc = vaddq_n_s32(vrshlq_s32(acc, rneg), out_off);
    return vminq_s32(vmaxq_s32(acc, lo), hi);
}

void tb_dw_pixel_s8(const tb_rq_t *q, const int8_t *x, int32_t x_tap, int32_t x_row,
                    const int8_t *w, int32_t w_row, int32_t rows, int32_t taps, int32_t c,
                    int8_t *y)
{
    const int32_t off = q->input_offset;
    int32_t ch = 0, r, t;
    /* 16 channels per pass as two int16x8 halves (x + offset fits int16): VMULLB/VMULLT give
     * the even and odd channels' products as int32x4, so four accumulators hold channels
     * {0,2,4,6}, {1,3,5,7}, {8,..}, {9,..}; gathers and scatters put them back in order. */
    if (q->bias != NULL && q->per_channel) {
        const int32_t out_off = q->output_offset;
        const int32x4_t lo = vdupq_n_s32(q->act_min), hi = vdupq_n_s32(q->act_max);
        const uint32x4_t ie = vidupq_n_u32(0u, 2), io = vidupq_n_u32(1u, 2);
        const int16_t off16 = (int16_t)off;
        for (; ch + 16 <= c; ch += 16) {
            const int8_t *xr = x + ch, *wr = w + ch;
            const int32_t *b = q->bias + ch, *m = q->mult + ch;
            const int8_t *sh = q->shift + ch;
            int32x4_t e0 = vldrwq_gather_shifted_offset_s32(b, ie);
            int32x4_t o0 = vldrwq_gather_shifted_offset_s32(b, io);
            int32x4_t e1 = vldrwq_gather_shifted_offset_s32(b + 8, ie);
            int32x4_t o1 = vldrwq_gather_shifted_offset_s32(b + 8, io);
            for (r = rows; r > 0; --r) {
                const int8_t *xp = xr, *wp = wr;
                for (t = taps; t > 0; --t) {
                    const int16x8_t xa = vaddq_n_s16(vldrbq_s16(xp), off16);
                    const int16x8_t wa = vldrbq_s16(wp);
                    const int16x8_t xb = vaddq_n_s16(vldrbq_s16(xp + 8), off16);
                    const int16x8_t wb = vldrbq_s16(wp + 8);
                    e0 = vaddq_s32(e0, vmullbq_int_s16(xa, wa));
                    o0 = vaddq_s32(o0, vmulltq_int_s16(xa, wa));
                    e1 = vaddq_s32(e1, vmullbq_int_s16(xb, wb));
                    o1 = vaddq_s32(o1, vmulltq_int_s16(xb, wb));
                    xp += x_tap;
                    wp += c;
                }
                xr += x_row;
                wr += w_row;
            }
            e0 = rq_vec(e0, vldrwq_gather_shifted_offset_s32(m, ie),
                        vldrbq_gather_offset_s32(sh, ie), out_off, lo, hi);
            vstrbq_scatter_offset_s32(y + ch, ie, e0);
            o0 = rq_vec(o0, vldrwq_gather_shifted_offset_s32(m, io),
                        vldrbq_gather_offset_s32(sh, io), out_off, lo, hi);
            vstrbq_scatter_offset_s32(y + ch, io, o0);
            e1 = rq_vec(e1, vldrwq_gather_shifted_offset_s32(m + 8, ie),
                        vldrbq_gather_offset_s32(sh + 8, ie), out_off, lo, hi);
            vstrbq_scatter_offset_s32(y + ch + 8, ie, e1);
            o1 = rq_vec(o1, vldrwq_gather_shifted_offset_s32(m + 8, io),
                        vldrbq_gather_offset_s32(sh + 8, io), out_off, lo, hi);
            vstrbq_scatter_offset_s32(y + ch + 8, io, o1);
        }
    }
    if (q->bias != NULL && q->per_channel && ch + 8 <= c) {
        /* One int16x8 half: channels ch..ch+7. */
        const uint32x4_t ie = vidupq_n_u32(0u, 2), io = vidupq_n_u32(1u, 2);
        const int16_t off16 = (int16_t)off;
        const int8_t *xr = x + ch, *wr = w + ch;
        const int32_t *b = q->bias + ch, *m = q->mult + ch;
        const int8_t *sh = q->shift + ch;
        const int32x4_t lo = vdupq_n_s32(q->act_min), hi = vdupq_n_s32(q->act_max);
        int32x4_t e0 = vldrwq_gather_shifted_offset_s32(b, ie);
        int32x4_t o0 = vldrwq_gather_shifted_offset_s32(b, io);
        for (r = rows; r > 0; --r) {
            const int8_t *xp = xr, *wp = wr;
            for (t = taps; t > 0; --t) {
                const int16x8_t xa = vaddq_n_s16(vldrbq_s16(xp), off16);
                const int16x8_t wa = vldrbq_s16(wp);
                e0 = vaddq_s32(e0, vmullbq_int_s16(xa, wa));
                o0 = vaddq_s32(o0, vmulltq_int_s16(xa, wa));
                xp += x_tap;
                wp += c;
            }
            xr += x_row;
            wr += w_row;
        }
        e0 = rq_vec(e0, vldrwq_gather_shifted_offset_s32(m, ie),
                    vldrbq_gather_offset_s32(sh, ie), q->output_offset, lo, hi);
        vstrbq_scatter_offset_s32(y + ch, ie, e0);
        o0 = rq_vec(o0, vldrwq_gather_shifted_offset_s32(m, io),
                    vldrbq_gather_offset_s32(sh, io), q->output_offset, lo, hi);
        vstrbq_scatter_offset_s32(y + ch, io, o0);
        ch += 8;
    }
    for (; ch < c; ch += 4) {
        const mve_pred16_t p = vctp32q((uint32_t)(c - ch));
        const int8_t *xr = x + ch, *wr = w + ch;
        int32x4_t acc = q->bias != NULL ? vldrwq_z_s32(q->bias + ch, p) : vdupq_n_s32(0);
        for (r = rows; r > 0; --r) {
            const int8_t *xp = xr, *wp = wr;
            for (t = taps; t > 0; --t) {
                const int32x4_t xv = vaddq_n_s32(vldrbq_z_s32(xp, p), off);
                acc = vaddq_s32(acc, vmulq_s32(xv, vldrbq_z_s32(wp, p)));
                xp += x_tap;
                wp += c;
            }
            xr += x_row;
            wr += w_row;
        }
        vstrbq_p_s32(y + ch, rq4(q, acc, ch, p), p);
    }
}

void tb_copy_row(int8_t *dst, const int8_t *src, int32_t n)
{
    while (n > 0) {
        const mve_pred16_t p = vctp8q((uint32_t)n);
        vstrbq_p_s8(dst, vldrbq_z_s8(src, p), p);
        dst += 16;
        src += 16;
        n -= 16;
    }
}

void tb_fill_row(int8_t *dst, int8_t v, int32_t n)
{
    const int8x16_t vv = vdupq_n_s8(v);
    while (n > 0) {
        vstrbq_p_s8(dst, vv, vctp8q((uint32_t)n));
        dst += 16;
        n -= 16;
    }
}

/* Per-tensor requantisation of a vector (same steps as rq4 without offset and clamp). */
static inline int32x4_t rq_tensor(int32x4_t acc, int32_t mult, int32_t shift)
{
    const int32x4_t rneg = vdupq_n_s32(shift > 0 ? 0 : shift);
    acc = vshlq_r_s32(acc, shift > 0 ? shift : 0);
    acc = vqrdmulhq_n_s32(acc, mult);
    acc = vqaddq_s32(acc, vshrq_n_s32(vandq_s32(acc, rneg), 31));
    return vrshlq_s32(acc, rneg);
}

int32_t tb_add_block_s8(const int8_t *a, const int8_t *b, int8_t *y, int32_t n,
                        const int32_t m[3], const int32_t s[3], const int32_t off[3],
                        int32_t left_shift, int32_t act_min, int32_t act_max)
{
    const int32_t done = n & ~3;
    int32_t i;
    for (i = 0; i < done; i += 4) {
        int32x4_t va = vshlq_r_s32(vaddq_n_s32(vldrbq_s32(a + i), off[0]), left_shift);
        int32x4_t vb = vshlq_r_s32(vaddq_n_s32(vldrbq_s32(b + i), off[1]), left_shift);
        int32x4_t r;
        va = rq_tensor(va, m[0], s[0]);
        vb = rq_tensor(vb, m[1], s[1]);
        r = vaddq_n_s32(rq_tensor(vaddq_s32(va, vb), m[2], s[2]), off[2]);
        r = vminq_s32(vmaxq_s32(r, vdupq_n_s32(act_min)), vdupq_n_s32(act_max));
        vstrbq_s32(y + i, r);
    }
    return done;
}

#endif /* TB_PRIM_MVE */
