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
#include "tb_fixedpoint.h"
#include "tb_prim.h"

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
                sum_of_exps += tb_rdivpot(tb_fx_exp_neg(scaled, 5), 12);
            }
        }
        headroom_plus_one = clz32((uint32_t)sum_of_exps);
        num_bits_over_unit = 12 - headroom_plus_one;
        shifted_scale = tb_fx_one_over_one_plus_x(
            (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - ((uint32_t)1 << 31)));
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t scaled = tb_srdhm(
                    (int32_t)((uint32_t)diff << p->input_left_shift), p->input_mult);
                const int32_t e = tb_fx_exp_neg(scaled, 5);
                int32_t v = tb_rdivpot(tb_srdhm(shifted_scale, e), num_bits_over_unit + 31 - 8);
                v -= 128;
                y[c] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
            } else {
                y[c] = -128;
            }
        }
    }
}
