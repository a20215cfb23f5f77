/*
 * tb_prim.h — the primitive layer under every int8 kernel: fixed-point requantisation helpers
 * (bit-exact with TFLM/gemmlowp reference arithmetic) and the few inner loops (dot products,
 * per-channel multiply-accumulate rows) that dominate run time.
 *
 * Why a separate layer: kernels in tb_ops.c only call these functions for their hot loops, so a
 * Cortex-M DSP (SMLAD) or Helium (MVE) version can replace tb_prim_generic.c without touching the
 * kernels or the model compiler. A port that provides its own primitives defines TB_PRIM_CUSTOM
 * and compiles its own file instead of tb_prim_generic.c.
 */
#ifndef TB_PRIM_H
#define TB_PRIM_H

#include <stdint.h>

/* gemmlowp SaturatingRoundingDoublingHighMul: (a*b*2 + 2^31 rounding) >> 32, saturating the one
 * overflow case INT32_MIN*INT32_MIN. The nudge and the truncating division reproduce TFLM. */
static inline int32_t tb_srdhm(int32_t a, int32_t b)
{
    /* (ab + 2^30 [or 1 - 2^30 if ab < 0]) / 2^31 truncating == floor((ab + 2^30) / 2^31) for every
     * ab, so one 64-bit add and arithmetic shift (SMULL + 3 ops on Cortex-M) gives gemmlowp's result. */
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 30)) >> 31);
}

/* gemmlowp RoundingDivideByPOT: arithmetic shift right rounding half away from zero. */
static inline int32_t tb_rdivpot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLM MultiplyByQuantizedMultiplier (double-rounding variant, the TFLM default). */
static inline int32_t tb_requant(int32_t x, int32_t multiplier, int32_t shift)
{
    const int left = shift > 0 ? (int)shift : 0;
    const int right = shift > 0 ? 0 : (int)-shift;
    return tb_rdivpot(tb_srdhm((int32_t)((uint32_t)x << left), multiplier), right);
}

/* sum_i (x[i] + x_offset) * w[i] over n contiguous int8 pairs. */
int32_t tb_dot_s8(const int8_t *x, int32_t x_offset, const int8_t *w, int32_t n);

/* acc[i] += (x[i] + x_offset) * w[i] for i < n (depthwise row: one tap, n channels). */
void tb_mac_row_s8(int32_t *acc, const int8_t *x, int32_t x_offset, const int8_t *w, int32_t n);

/* sum_i x[i] over n int8 values (for non-zero weight offsets and pooling). */
int32_t tb_sum_s8(const int8_t *x, int32_t n);

/* Requantisation of one layer's accumulators: y = clamp(requant(acc + bias[oc]) + output_offset). */
typedef struct {
    int32_t input_offset;          /* added to every input value (-input zero point) */
    int32_t output_offset;
    int32_t act_min, act_max;
    int32_t per_channel;           /* 0: mult[0] / shift[0] for every output */
    const int32_t *bias;           /* may be NULL */
    const int32_t *mult;
    const int8_t *shift;
    int32_t bias_folded;           /* 1: bias[oc] includes input_offset * sum(w row), so dot products
                                    * run on the raw inputs (the compiler folds it; see lower.py) */
    int32_t fast;                  /* 1: every channel has shift <= -1, |acc| < 2^30 and a full
                                    * int8 activation range, so SIMD kernels may requantise with
                                    * SMMULR and one rounding add (lower._fast_requant) */
} tb_rq_t;

/* Matrix product: y[r * n + oc] = rq(sum_j (x[r * x_stride + j] + input_offset) * w[oc * k + j])
 * for r < rows, oc < n. Rows are output pixels (1x1 convolutions read the input in place, other
 * convolutions an im2col buffer) or fully connected batches. */
void tb_gemm_s8(const tb_rq_t *q, const int8_t *x, int32_t x_stride, int32_t rows, int32_t k,
                const int8_t *w, int32_t n, int8_t *y);

/* Depthwise (multiplier 1) output pixel over a rectangle of taps: rows x taps valid taps, the
 * first at x (channel 0) / w; per tap x += x_tap, w += c; per row x += x_row, w += w_row
 * (strides in bytes, measured from the row's first tap). y[ch] for ch < c. */
void tb_dw_pixel_s8(const tb_rq_t *q, const int8_t *x, int32_t x_tap, int32_t x_row,
                    const int8_t *w, int32_t w_row, int32_t rows, int32_t taps, int32_t c,
                    int8_t *y);

/* im2col helpers: copy n bytes (no overlap) / fill n bytes with v. Freestanding builds would
 * otherwise call the C library's size-optimised byte loops. */
void tb_copy_row(int8_t *dst, const int8_t *src, int32_t n);
void tb_fill_row(int8_t *dst, int8_t v, int32_t n);

/* Element-wise quantised ADD (TFLM's int8 ADD arithmetic) over the first elements of n; returns
 * how many it did (a SIMD multiple; the caller finishes the rest). 0 where not vectorised.
 * m/s: input1, input2, output multiplier and shift; off: input1, input2, output offsets. */
int32_t tb_add_block_s8(const int8_t *a, const int8_t *b, int8_t *y, int32_t n,
                        const int32_t m[3], const int32_t s[3], const int32_t off[3],
                        int32_t left_shift, int32_t act_min, int32_t act_max);

/* Which primitive implementation this target compiles (tb_prim_<impl>.c test these). */
#if !defined(TB_PRIM_CUSTOM) && !defined(TB_PRIM_FORCE_GENERIC)
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#define TB_PRIM_MVE 1
#elif defined(__ARM_FEATURE_DSP) && (__ARM_FEATURE_DSP == 1)
#define TB_PRIM_DSP 1
#endif
#endif

/* tb_requant for a non-negative multiplier (every layer multiplier the compiler emits is in
 * [0, 2^31)), so SRDHM never saturates; RoundingDivideByPOT with 32-bit masks. Same result as
 * tb_requant, about a third of the instructions on a 32-bit core. */
static inline int32_t tb_requant_nonneg(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    const int64_t ab = (int64_t)(int32_t)((uint32_t)x << left) * (int64_t)multiplier;
    const int32_t h = (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
    const uint32_t mask = (1u << right) - 1u;
    const int32_t remainder = (int32_t)((uint32_t)h & mask);
    const int32_t threshold = (int32_t)(mask >> 1) + (h < 0 ? 1 : 0);
    return (h >> right) + (remainder > threshold ? 1 : 0);
}

static inline int8_t tb_rq_out(const tb_rq_t *q, int32_t acc, int32_t oc)
{
    const int32_t k = q->per_channel ? oc : 0;
    acc = tb_requant_nonneg(acc, q->mult[k], q->shift[k]) + q->output_offset;
    acc = acc < q->act_min ? q->act_min : acc;
    return (int8_t)(acc > q->act_max ? q->act_max : acc);
}

#endif /* TB_PRIM_H */
