/*
 * tb_softmax.c — int8 -> int8 softmax with TFLM's fixed-point reference algorithm.
 *
 * Why fixed point: TFLM's int8 softmax never uses float at run time; it rescales input
 * differences to Q5.26, evaluates exp() on negative values with gemmlowp's polynomial plus
 * barrel shifter, sums in Q12.19 and multiplies by a Newton-Raphson reciprocal. Any other
 * formulation (even a correctly rounded float one) differs in the last bit for some inputs,
 * so every step below mirrors those definitions.
 */
#include "tb_ops.h"
#include "tb_prim.h"

/* Saturating x * 2^exponent for exponent > 0 (gemmlowp SaturatingRoundingMultiplyByPOT). */
static int32_t sat_shl(int32_t x, int exponent)
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

/* exp(a) for a in [-1/4, 0), a and result in Q0.31. */
static int32_t exp_quarter(int32_t a)
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

/* exp(a) for a <= 0; a in Q5.26, result in Q0.31 (gemmlowp exp_on_negative_values). */
static int32_t exp_neg(int32_t a)
{
    static const int32_t multipliers[7] = {
        1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242
    };
    const int32_t quarter = 1 << 24;
    const int32_t mask = quarter - 1;
    const int32_t a_mod_minus_quarter = (a & mask) - quarter;
    const int32_t remainder = a_mod_minus_quarter - a;
    int32_t result = exp_quarter(sat_shl(a_mod_minus_quarter, 5));
    int k;
    for (k = 0; k < 7; ++k) {
        /* exponents -2..+4: bit (26 + exponent) of the remainder selects exp(-2^exponent). */
        if (remainder & ((int32_t)1 << (24 + k))) {
            result = tb_srdhm(result, multipliers[k]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + x) for x in [0, 1), x in Q0.31, result in Q0.31 (Newton-Raphson, 3 steps). */
static int32_t one_over_one_plus_x(int32_t a)
{
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_den = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t c48_17 = 1515870810;           /* Q2.29 */
    const int32_t cneg32_17 = -1010580540;       /* Q2.29 */
    const int32_t one_q2 = 1 << 29;
    int32_t x = c48_17 + tb_srdhm(half_den, cneg32_17);
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t hdx = tb_srdhm(half_den, x);
        const int32_t one_minus = one_q2 - hdx;
        x = x + sat_shl(tb_srdhm(x, one_minus), 2);
    }
    return sat_shl(x, 1);
}

static int clz32(uint32_t x)
{
    int n = 0;
    if (x == 0) {
        return 32;
    }
    while (!(x & 0x80000000u)) {
        x <<= 1;
        ++n;
    }
    return n;
}

void tb_softmax_s8(const tb_softmax_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t r, c;
    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = in + r * p->depth;
        int8_t *y = out + r * p->depth;
        int32_t max_in_row = -128;
        int32_t sum_of_exps = 0;            /* Q12.19 */
        int headroom_plus_one, num_bits_over_unit;
        int32_t shifted_scale;
        for (c = 0; c < p->depth; ++c) {
            if (x[c] > max_in_row) {
                max_in_row = x[c];
            }
        }
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t scaled = tb_srdhm(
                    (int32_t)((uint32_t)diff << p->input_left_shift), p->input_mult);
                sum_of_exps += tb_rdivpot(exp_neg(scaled), 12);
            }
        }
        headroom_plus_one = clz32((uint32_t)sum_of_exps);
        num_bits_over_unit = 12 - headroom_plus_one;
        shifted_scale = one_over_one_plus_x(
            (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - ((uint32_t)1 << 31)));
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t scaled = tb_srdhm(
                    (int32_t)((uint32_t)diff << p->input_left_shift), p->input_mult);
                const int32_t e = exp_neg(scaled);
                int32_t v = tb_rdivpot(tb_srdhm(shifted_scale, e), num_bits_over_unit + 31 - 8);
                v -= 128;
                y[c] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
            } else {
                y[c] = -128;
            }
        }
    }
}
