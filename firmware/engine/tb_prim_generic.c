/*
 * tb_prim_generic.c — portable C implementation of the primitive layer (tb_prim.h).
 * Plain loops the compiler can unroll; integer-only so results are identical on every target.
 */
#include "tb_prim.h"

#ifndef TB_PRIM_CUSTOM

int32_t tb_dot_s8(const int8_t *x, int32_t x_offset, const int8_t *w, int32_t n)
{
    int32_t acc = 0;
    int32_t i;
    for (i = 0; i < n; ++i) {
        acc += ((int32_t)x[i] + x_offset) * (int32_t)w[i];
    }
    return acc;
}

void tb_mac_row_s8(int32_t *acc, const int8_t *x, int32_t x_offset, const int8_t *w, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        acc[i] += ((int32_t)x[i] + x_offset) * (int32_t)w[i];
    }
}

int32_t tb_sum_s8(const int8_t *x, int32_t n)
{
    int32_t acc = 0;
    int32_t i;
    for (i = 0; i < n; ++i) {
        acc += x[i];
    }
    return acc;
}

#endif /* TB_PRIM_CUSTOM */
