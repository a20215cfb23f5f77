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
    int64_t ab, nudge;
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
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

#endif /* TB_PRIM_H */
