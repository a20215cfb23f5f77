/*
 * tb_prim_dsp.c — primitive layer (tb_prim.h) for cores with the Armv7E-M DSP extension
 * (Cortex-M4/M7/M33): int8 values are widened two at a time with SXTB16 / SXTAB16 (the latter
 * adds the input offset to both halves for free) and multiplied-accumulated two at a time with
 * SMLAD. A 32-bit load holds bytes b0 b1 b2 b3: SXTB16 gives (b0, b2), SXTB16 ROR #8 gives
 * (b1, b3); doing the same to inputs and weights keeps the pairs matched, so no reordering of
 * either is needed. Integer arithmetic in the same order of magnitude as the generic C (int32
 * sums are exact), so results are bit-identical to it and to TFLM.
 */
#include <stddef.h>
#include <string.h>

#include "tb_prim.h"

#if defined(TB_PRIM_DSP)

#include <arm_acle.h>

static inline uint32_t ld32(const int8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4);        /* LDR: unaligned word loads are allowed on Armv7E-M */
    return v;
}

static inline uint32_t ext_even(uint32_t x)
{
    return (uint32_t)__sxtb16((int32_t)x);
}

static inline uint32_t ext_odd(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

static inline uint32_t exta_even(uint32_t off2, uint32_t x)
{
    return (uint32_t)__sxtab16((int32_t)off2, (int32_t)x);
}

static inline uint32_t exta_odd(uint32_t off2, uint32_t x)
{
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(off2), "r"(x));
    return r;
}

static inline int32_t smlad(uint32_t a, uint32_t b, int32_t acc)
{
    return __smlad((int32_t)a, (int32_t)b, acc);
}

static inline int32_t bias_of(const tb_rq_t *q, int32_t oc)
{
    return q->bias != NULL ? q->bias[oc] : 0;
}

/* Accumulator start for output oc: the bias, which the compiler folded the input offset into,
 * sum_j (x_j + off) w_j = sum_j x_j w_j + off * sum_j w_j (so the inner loops widen x as is). */
static inline int32_t start_of(const tb_rq_t *q, int32_t oc)
{
    return bias_of(q, oc);
}

static inline int32_t smmulr(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

/* Requantisation constants of one output channel for layers the compiler marked fast
 * (tb_rq_t.fast): multiplier m, right shift e >= 1, and the rounding constant with the output
 * offset folded in, r = 2^(e-1) + offset 2^e = (2 offset + 1) 2^(e-1) (|r| < 2^30). */
typedef struct {
    int32_t m, e, r;
} rqc_t;

static inline rqc_t rqc_of(const tb_rq_t *q, int32_t oc)
{
    const int32_t k = q->per_channel ? oc : 0;
    rqc_t c;
    c.m = q->mult[k];
    c.e = -(int32_t)q->shift[k];
    c.r = (int32_t)((uint32_t)(2 * q->output_offset + 1) << c.e) >> 1;
    return c;
}

/* TFLM MultiplyByQuantizedMultiplier + offset + int8 clamp in 6 instructions: SMMULR of the
 * doubled accumulator is SaturatingRoundingDoublingHighMul (|acc| < 2^30, m >= 0); adding
 * r - (h < 0) then shifting right by e is RoundingDivideByPOT plus the offset (e >= 1); SSAT
 * is the clamp (full int8 range). The compiler checked every premise (lower._fast_requant). */
static inline int8_t rq_fast(int32_t acc, rqc_t c)
{
    const int32_t h = smmulr((int32_t)((uint32_t)acc << 1), c.m);
    return (int8_t)__ssat((h + c.r + (h >> 31)) >> c.e, 8);
}

/* General requantisation, out of line: layers the compiler could not mark fast. */
static __attribute__((noinline)) int8_t rq_slow(const tb_rq_t *q, int32_t acc, int32_t oc)
{
    return tb_rq_out(q, acc, oc);
}

static inline int8_t rq_any(const tb_rq_t *q, int32_t acc, int32_t oc)
{
    return q->fast ? rq_fast(acc, rqc_of(q, oc)) : rq_slow(q, acc, oc);
}

/* sum_j x[j] * w[j] (no offset), k values. */
static inline int32_t dot1_fold(const int8_t *x, const int8_t *w, int32_t k, int32_t acc)
{
    int32_t j = k >> 2;
    while (j-- > 0) {
        const uint32_t xv = ld32(x), wv = ld32(w);
        x += 4;
        w += 4;
        acc = smlad(ext_even(xv), ext_even(wv), acc);
        acc = smlad(ext_odd(xv), ext_odd(wv), acc);
    }
    for (j = k & 3; j > 0; --j) {
        acc += (int32_t)*x++ * (int32_t)*w++;
    }
    return acc;
}

/* Four k steps of the 1-row x 4-channel tile in assembly: 5 loads, 10 widenings, 8 SMLAD. */
#define TB_ASM_1X4_W(w, acc)                                                                    \
    "ldr %[v], [%[" w "]], #4\n\t"                                                              \
    "sxtb16 %[t], %[v]\n\t"                                                                     \
    "smlad %[" acc "], %[xe], %[t], %[" acc "]\n\t"                                             \
    "sxtb16 %[v], %[v], ror #8\n\t"                                                             \
    "smlad %[" acc "], %[xo], %[v], %[" acc "]\n\t"
#define TB_ASM_1X4_STEP                                                                         \
    "ldr %[xo], [%[px]], #4\n\t"                                                                \
    "sxtb16 %[xe], %[xo]\n\t"                                                                   \
    "sxtb16 %[xo], %[xo], ror #8\n\t"                                                           \
    TB_ASM_1X4_W("w0", "s0") TB_ASM_1X4_W("w1", "s1") TB_ASM_1X4_W("w2", "s2")                  \
    TB_ASM_1X4_W("w3", "s3")

/* The weight half of four k steps of the 2-pixel x 2-channel tile, inputs already widened in
 * xae/xao (pixel a: even/odd pairs) and xbe/xbo (pixel b); second weight row at +k. */
#define TB_ASM_2X2_MACS                                                                         \
    "ldr %[v], [%[wa], %[k]]\n\t"                                                               \
    "sxtb16 %[t], %[v]\n\t"                                                                     \
    "smlad %[s01], %[xae], %[t], %[s01]\n\t"                                                    \
    "smlad %[s11], %[xbe], %[t], %[s11]\n\t"                                                    \
    "sxtb16 %[v], %[v], ror #8\n\t"                                                             \
    "smlad %[s01], %[xao], %[v], %[s01]\n\t"                                                    \
    "smlad %[s11], %[xbo], %[v], %[s11]\n\t"                                                    \
    "ldr %[v], [%[wa]], #4\n\t"                                                                 \
    "sxtb16 %[t], %[v]\n\t"                                                                     \
    "smlad %[s00], %[xae], %[t], %[s00]\n\t"                                                    \
    "smlad %[s10], %[xbe], %[t], %[s10]\n\t"                                                    \
    "sxtb16 %[v], %[v], ror #8\n\t"                                                             \
    "smlad %[s00], %[xao], %[v], %[s00]\n\t"                                                    \
    "smlad %[s10], %[xbo], %[v], %[s10]\n\t"

/* Four k steps of the 2-pixel x 2-channel tile in assembly (second pixel and second weight row
 * at +k): 4 loads, 8 widenings, 8 SMLAD. */
#define TB_ASM_2X2_STEP                                                                         \
    "ldr %[xbo], [%[pa], %[k]]\n\t"                                                             \
    "ldr %[xao], [%[pa]], #4\n\t"                                                               \
    "sxtb16 %[xbe], %[xbo]\n\t"                                                                 \
    "sxtb16 %[xbo], %[xbo], ror #8\n\t"                                                         \
    "sxtb16 %[xae], %[xao]\n\t"                                                                 \
    "sxtb16 %[xao], %[xao], ror #8\n\t"                                                         \
    TB_ASM_2X2_MACS

/* Four k steps of the 2-pixel x 2-channel tile on inputs widened beforehand (widen_pair): two
 * LDRD give both pixels' four int16 values, so 2 + 2 loads, 4 widenings, 8 SMLAD per 16 MACs. */
#define TB_ASM_2X2W_STEP                                                                        \
    "ldrd %[xae], %[xao], [%[pb]], #8\n\t"                                                      \
    "ldrd %[xbe], %[xbo], [%[pb]], #8\n\t"                                                      \
    TB_ASM_2X2_MACS

/* The hand-scheduled steps need 14 free registers; without optimisation GCC keeps r7 as the
 * frame pointer and cannot satisfy the constraints, so -O0 builds (debugging, the deliberately
 * slowed CI build) take the plain C loops, which compute the same sums. */
#if defined(__OPTIMIZE__)
#define TB_DSP_ASM 1
#else
#define TB_DSP_ASM 0
#endif

/* The first n4 * 4 bytes of two rows widened to int16 once for all output channels, per 4 bytes
 * [x0 even pair, x0 odd pair, x1 even pair, x1 odd pair] (SXTB16 / SXTB16 ROR #8, matching
 * how the weights are widened): the 2x2 tile then loads inputs without widening them. */
#if TB_DSP_ASM
static void widen_pair(uint32_t *wide, const int8_t *x0, const int8_t *x1, int32_t n4)
{
    for (; n4 > 0; --n4) {
        const uint32_t a = ld32(x0), b = ld32(x1);
        x0 += 4;
        x1 += 4;
        wide[0] = ext_even(a);
        wide[1] = ext_odd(a);
        wide[2] = ext_even(b);
        wide[3] = ext_odd(b);
        wide += 4;
    }
}
#endif

/* Largest k whose two widened rows tb_gemm_s8 keeps on the stack (16 bytes per 4 of k). */
#define TB_WIDE_MAX_K 768

/* Out of line: tb_gemm_s8 holds the widening buffer (a VLA, which needs a frame pointer) and the
 * scheduled assembly here needs every register but sp and pc. */
static __attribute__((noinline)) void gemm_rows(const tb_rq_t *q, const int8_t *x0,
                                                const int8_t *x1, int32_t k, const int8_t *w,
                                                int32_t n, int8_t *y0, int8_t *y1, uint32_t *wide)
{
    const int32_t tail = k & 3;
    int32_t oc = 0;
    if (!q->bias_folded) {
        /* Models compiled without the folded bias: the portable dot product. */
        for (; oc < n; ++oc) {
            const int8_t *wr = w + (size_t)oc * k;
            y0[oc] = rq_slow(q, tb_dot_s8(x0, q->input_offset, wr, k) + bias_of(q, oc), oc);
            if (x1 != NULL) {
                y1[oc] = rq_slow(q, tb_dot_s8(x1, q->input_offset, wr, k) + bias_of(q, oc), oc);
            }
        }
        return;
    }
    if (x1 != NULL) {
        const ptrdiff_t dx = x1 - x0;
#if TB_DSP_ASM
        const int widened = wide != NULL && k >= 8;
        if (widened) {
            widen_pair(wide, x0, x1, (k >> 3) * 2);
        }
#else
        (void)wide;
#endif
        /* 2 pixels x 2 output channels: 4 loads, 8 widenings, 8 SMLAD per 16 MACs. */
        for (; oc + 1 < n; oc += 2) {
            const int8_t *wa = w + (size_t)oc * k;
            const int8_t *pa = x0;
            int32_t s00 = start_of(q, oc), s01 = start_of(q, oc + 1);
            int32_t s10 = s00, s11 = s01;
            int32_t j;
#if TB_DSP_ASM
            if (widened) {
                const uint32_t *pb = wide;
                uint32_t xae, xao, xbe, xbo, v, t;
                j = k >> 3;
                __asm__ volatile(
                    "1:\n\t"
                    TB_ASM_2X2W_STEP
                    TB_ASM_2X2W_STEP
                    "subs %[cnt], %[cnt], #1\n\t"
                    "bne 1b\n\t"
                    : [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11),
                      [pb] "+r"(pb), [wa] "+r"(wa), [cnt] "+r"(j), [xae] "=&r"(xae),
                      [xao] "=&r"(xao), [xbe] "=&r"(xbe), [xbo] "=&r"(xbo), [v] "=&r"(v),
                      [t] "=&r"(t)
                    : [k] "r"(k)
                    : "cc", "memory");
                pa = x0 + (k & ~7);
                j = (k & 7) >> 2;
            } else if (dx == k && k >= 8) {
                /* Rows k apart (im2col batches, stride-1 1x1 convolutions): one register k
                 * addresses the second pixel and the second weight row. 8-byte steps in
                 * scheduled assembly (14 live registers). */
                uint32_t xae, xao, xbe, xbo, v, t;
                j = k >> 3;
                __asm__ volatile(
                    "1:\n\t"
                    TB_ASM_2X2_STEP
                    TB_ASM_2X2_STEP
                    "subs %[cnt], %[cnt], #1\n\t"
                    "bne 1b\n\t"
                    : [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11),
                      [pa] "+r"(pa), [wa] "+r"(wa), [cnt] "+r"(j), [xae] "=&r"(xae),
                      [xao] "=&r"(xao), [xbe] "=&r"(xbe), [xbo] "=&r"(xbo), [v] "=&r"(v),
                      [t] "=&r"(t)
                    : [k] "r"(k)
                    : "cc", "memory");
                j = (k & 7) >> 2;
            } else {
                j = k >> 2;
            }
#else
            j = k >> 2;
#endif
            while (j-- > 0) {
                const uint32_t xa = ld32(pa), xb = ld32(pa + dx);
                const uint32_t va = ld32(wa), vb = ld32(wa + k);
                uint32_t xe, xf, we;
                pa += 4;
                wa += 4;
                xe = ext_even(xa);
                xf = ext_even(xb);
                we = ext_even(va);
                s00 = smlad(xe, we, s00);
                s10 = smlad(xf, we, s10);
                we = ext_even(vb);
                s01 = smlad(xe, we, s01);
                s11 = smlad(xf, we, s11);
                xe = ext_odd(xa);
                xf = ext_odd(xb);
                we = ext_odd(va);
                s00 = smlad(xe, we, s00);
                s10 = smlad(xf, we, s10);
                we = ext_odd(vb);
                s01 = smlad(xe, we, s01);
                s11 = smlad(xf, we, s11);
            }
            for (j = tail; j > 0; --j) {
                const int32_t a = pa[0], b = pa[dx];
                const int32_t u = wa[0], v = wa[k];
                ++pa;
                ++wa;
                s00 += a * u;
                s01 += a * v;
                s10 += b * u;
                s11 += b * v;
            }
            if (q->fast) {
                const rqc_t c0 = rqc_of(q, oc), c1 = rqc_of(q, oc + 1);
                y0[oc] = rq_fast(s00, c0);
                y1[oc] = rq_fast(s10, c0);
                y0[oc + 1] = rq_fast(s01, c1);
                y1[oc + 1] = rq_fast(s11, c1);
            } else {
                y0[oc] = rq_slow(q, s00, oc);
                y0[oc + 1] = rq_slow(q, s01, oc + 1);
                y1[oc] = rq_slow(q, s10, oc);
                y1[oc + 1] = rq_slow(q, s11, oc + 1);
            }
        }
        for (; oc < n; ++oc) {
            const int8_t *wr = w + (size_t)oc * k;
            y0[oc] = rq_any(q, dot1_fold(x0, wr, k, start_of(q, oc)), oc);
            y1[oc] = rq_any(q, dot1_fold(x1, wr, k, start_of(q, oc)), oc);
        }
        return;
    }
    /* One row (fully connected): 1 x 4 output channels, each input word widened once. The
     * 8-byte steps are hand-scheduled (14 live registers: GCC's own allocation spills). */
    for (; oc + 3 < n; oc += 4) {
        const int8_t *w0 = w + (size_t)oc * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
        const int8_t *px = x0;
        int32_t s0 = start_of(q, oc), s1 = start_of(q, oc + 1);
        int32_t s2 = start_of(q, oc + 2), s3 = start_of(q, oc + 3);
        int32_t j = k >> 3;
#if TB_DSP_ASM
        if (j > 0) {
            uint32_t xe, xo, v, t;
            __asm__ volatile(
                "1:\n\t"
                TB_ASM_1X4_STEP
                TB_ASM_1X4_STEP
                "subs %[cnt], %[cnt], #1\n\t"
                "bne 1b\n\t"
                : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [px] "+r"(px),
                  [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [cnt] "+r"(j),
                  [xe] "=&r"(xe), [xo] "=&r"(xo), [v] "=&r"(v), [t] "=&r"(t)
                :
                : "cc", "memory");
        }
        j = k & 7;
#else
        j = k;       /* no hand-scheduled steps: the plain loop takes every byte */
#endif
        for (; j > 0; --j) {
            const int32_t a = *px++;
            s0 += a * *w0++;
            s1 += a * *w1++;
            s2 += a * *w2++;
            s3 += a * *w3++;
        }
        y0[oc] = rq_any(q, s0, oc);
        y0[oc + 1] = rq_any(q, s1, oc + 1);
        y0[oc + 2] = rq_any(q, s2, oc + 2);
        y0[oc + 3] = rq_any(q, s3, oc + 3);
    }
    for (; oc < n; ++oc) {
        y0[oc] = rq_any(q, dot1_fold(x0, w + (size_t)oc * k, k, start_of(q, oc)), oc);
    }
}

void tb_gemm_s8(const tb_rq_t *q, const int8_t *x, int32_t x_stride, int32_t rows, int32_t k,
                const int8_t *w, int32_t n, int8_t *y)
{
    int32_t r;
    /* Inputs widened once per pixel pair pay off from a few output channels on. */
    const int widen = TB_DSP_ASM && rows > 1 && n >= 4 && k >= 8 && k <= TB_WIDE_MAX_K;
    uint32_t wide[widen ? (k >> 3) * 8 : 1];
    for (r = 0; r < rows; r += 2) {
        const int two = r + 1 < rows;
        gemm_rows(q, x + (size_t)r * x_stride, two ? x + (size_t)(r + 1) * x_stride : NULL, k, w, n,
                  y + (size_t)r * n, two ? y + (size_t)(r + 1) * n : NULL, widen ? wide : NULL);
    }
}

/* One tap of four channels: inputs widened with the offset added (SXTAB16), weights widened
 * (SXTB16), SMLABB/SMLATT into channels 0 and 2 (even bytes) and 1 and 3 (odd bytes). */
#define TB_DW_TAP(xp, wp)                                                                       \
    do {                                                                                        \
        const uint32_t xv_ = ld32(xp), wv_ = ld32(wp);                                          \
        const uint32_t xe_ = exta_even(off2, xv_), we_ = ext_even(wv_);                         \
        const uint32_t xo_ = exta_odd(off2, xv_), wo_ = ext_odd(wv_);                           \
        a0 = __smlabb((int32_t)xe_, (int32_t)we_, a0);                                          \
        a2 = __smlatt((int32_t)xe_, (int32_t)we_, a2);                                          \
        a1 = __smlabb((int32_t)xo_, (int32_t)wo_, a1);                                          \
        a3 = __smlatt((int32_t)xo_, (int32_t)wo_, a3);                                          \
    } while (0)

void tb_dw_pixel_s8(const tb_rq_t *q, const int8_t *x, int32_t x_tap, int32_t x_row,
                    const int8_t *w, int32_t w_row, int32_t rows, int32_t taps, int32_t c,
                    int8_t *y)
{
    const int32_t off = q->input_offset;
    const uint32_t off2 = ((uint32_t)(uint16_t)off) * 0x10001u;
    const int32_t *bias = q->bias;
    const int fast = q->fast;
    /* Rows of three (3x3 windows and their top/bottom edges) or two (left/right edges) taps of
     * stride-1 dilation-1 layers are unrolled: taps addressed at +c, +2c, no loop counter. */
    const int32_t unroll = x_tap == c ? taps : 0;
    const int32_t c2 = 2 * c;
    int32_t ch = 0, r, t;
    /* 4 channels per pass: one word of inputs and one of weights per tap, SMLABB/SMLATT. */
    for (; ch + 3 < c; ch += 4) {
        const int8_t *xr = x + ch, *wr = w + ch;
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        if (bias != NULL) {
            a0 = bias[ch];
            a1 = bias[ch + 1];
            a2 = bias[ch + 2];
            a3 = bias[ch + 3];
        }
        for (r = rows; r > 0; --r) {
            if (unroll == 3) {
                TB_DW_TAP(xr, wr);
                TB_DW_TAP(xr + c, wr + c);
                TB_DW_TAP(xr + c2, wr + c2);
            } else if (unroll == 2) {
                TB_DW_TAP(xr, wr);
                TB_DW_TAP(xr + c, wr + c);
            } else {
                const int8_t *xp = xr, *wp = wr;
                for (t = taps; t > 0; --t) {
                    TB_DW_TAP(xp, wp);
                    xp += x_tap;
                    wp += c;
                }
            }
            xr += x_row;
            wr += w_row;
        }
        if (fast) {
            y[ch] = rq_fast(a0, rqc_of(q, ch));
            y[ch + 1] = rq_fast(a1, rqc_of(q, ch + 1));
            y[ch + 2] = rq_fast(a2, rqc_of(q, ch + 2));
            y[ch + 3] = rq_fast(a3, rqc_of(q, ch + 3));
        } else {
            y[ch] = rq_slow(q, a0, ch);
            y[ch + 1] = rq_slow(q, a1, ch + 1);
            y[ch + 2] = rq_slow(q, a2, ch + 2);
            y[ch + 3] = rq_slow(q, a3, ch + 3);
        }
    }
    for (; ch < c; ++ch) {
        const int8_t *xr = x + ch, *wr = w + ch;
        int32_t acc = bias_of(q, ch);
        for (r = 0; r < rows; ++r) {
            for (t = 0; t < taps; ++t) {
                acc += ((int32_t)xr[(size_t)t * x_tap] + off) * (int32_t)wr[(size_t)t * c];
            }
            xr += x_row;
            wr += w_row;
        }
        y[ch] = rq_any(q, acc, ch);
    }
}

#endif /* TB_PRIM_DSP */
