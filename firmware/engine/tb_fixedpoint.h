/*
 * tb_fixedpoint.h — gemmlowp's fixed-point transcendental functions as TFLM's int8 kernels use
 * them (SOFTMAX: exp on Q5.26 inputs; LOGISTIC: exp on Q4.27 inputs and 1 / (1 + x)).
 *
 * Why one header of static inline functions: both kernels must reproduce gemmlowp to the last
 * bit, so the arithmetic lives in one place; `int_bits` is a compile-time constant at every call
 * site, so after inlining each kernel gets the same code as a hand-specialised copy.
 * Raw values are int32 with `int_bits` integer bits (Q<int_bits>.<31 - int_bits>).
 */
#ifndef TB_FIXEDPOINT_H
#define TB_FIXEDPOINT_H

#include <stdint.h>

#include "tb_prim.h"

/* Saturating x * 2^exponent for 0 < exponent < 31 (gemmlowp SaturatingRoundingMultiplyByPOT). */
static inline int32_t tb_fx_sat_shl(int32_t x, int exponent)
{
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << exponent);
}

/* exp(a) for a in [-1/4, 0), a and result in Q0.31 (Taylor series around -1/8). */
static inline int32_t tb_fx_exp_quarter(int32_t a)
{
    const int32_t constant_term = 1895147668;   /* exp(-1/8) */
    const int32_t one_third = 715827883;
    const int32_t x = a + (1 << 28);            /* a + 1/8 */
    const int32_t x2 = tb_srdhm(x, x);
    const int32_t x3 = tb_srdhm(x2, x);
    const int32_t x4 = tb_srdhm(x2, x2);
    const int32_t x4_over_4 = tb_rdivpot(x4, 2);
    const int32_t poly = tb_rdivpot(tb_srdhm(x4_over_4 + x3, one_third) + x2, 1);
    return constant_term + tb_srdhm(constant_term, x + poly);
}

/* exp(a) for a <= 0 with `int_bits` (1..5) integer bits; result in Q0.31 (gemmlowp
 * exp_on_negative_values: exp of a mod 1/4, then one factor exp(-2^k) per set remainder bit). */
static inline int32_t tb_fx_exp_neg(int32_t a, int int_bits)
{
    static const int32_t multipliers[7] = {    /* exp(-2^k), k = -2 .. 4, Q0.31 */
        1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242
    };
    const int frac_bits = 31 - int_bits;
    const int32_t quarter = (int32_t)1 << (frac_bits - 2);
    const int32_t a_mod_minus_quarter = (a & (quarter - 1)) - quarter;
    const int32_t remainder = a_mod_minus_quarter - a;
    int32_t result = tb_fx_exp_quarter(tb_fx_sat_shl(a_mod_minus_quarter, int_bits));
    int k;
    for (k = 0; k < 7 && k - 2 < int_bits; ++k) {
        /* bit (frac_bits + exponent) of the remainder selects exp(-2^exponent) */
        if (remainder & ((int32_t)1 << (frac_bits - 2 + k))) {
            result = tb_srdhm(result, multipliers[k]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + x) for x in [0, 1), x and result in Q0.31 (three Newton-Raphson steps in Q2.29). */
static inline int32_t tb_fx_one_over_one_plus_x(int32_t a)
{
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_den = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t c48_17 = 1515870810;           /* 48/17, Q2.29 */
    const int32_t cneg32_17 = -1010580540;       /* -32/17, Q2.29 */
    const int32_t one_q2 = 1 << 29;
    int32_t x = c48_17 + tb_srdhm(half_den, cneg32_17);
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t hdx = tb_srdhm(half_den, x);
        const int32_t one_minus = one_q2 - hdx;
        x = x + tb_fx_sat_shl(tb_srdhm(x, one_minus), 2);
    }
    return tb_fx_sat_shl(x, 1);
}

#endif /* TB_FIXEDPOINT_H */
