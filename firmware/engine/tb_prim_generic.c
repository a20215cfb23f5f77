/*
 * tb_prim_generic.c — portable C implementation of the primitive layer (tb_prim.h).
 * Plain loops the compiler can unroll; integer-only so results are identical on every target.
 */
#include <stddef.h>
#include <string.h>

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

#if !defined(TB_PRIM_CUSTOM) && !defined(TB_PRIM_MVE)

void tb_copy_row(int8_t *dst, const int8_t *src, int32_t n)
{
#if defined(TB_PRIM_DSP)
    /* Word copies (unaligned LDR/STR are allowed on Armv7E-M), then the byte tail. */
    for (; n >= 4; n -= 4, dst += 4, src += 4) {
        uint32_t v;
        __builtin_memcpy(&v, src, 4);
        __builtin_memcpy(dst, &v, 4);
    }
    for (; n > 0; --n) {
        *dst++ = *src++;
    }
#else
    memcpy(dst, src, (size_t)n);
#endif
}

void tb_fill_row(int8_t *dst, int8_t v, int32_t n)
{
#if defined(TB_PRIM_DSP)
    const uint32_t w = (uint32_t)(uint8_t)v * 0x01010101u;
    for (; n >= 4; n -= 4, dst += 4) {
        __builtin_memcpy(dst, &w, 4);
    }
    for (; n > 0; --n) {
        *dst++ = v;
    }
#else
    memset(dst, v, (size_t)n);
#endif
}

int32_t tb_add_block_s8(const int8_t *a, const int8_t *b, int8_t *y, int32_t n,
                        const int32_t m[3], const int32_t s[3], const int32_t off[3],
                        int32_t left_shift, int32_t act_min, int32_t act_max)
{
    (void)a, (void)b, (void)y, (void)n, (void)m, (void)s, (void)off;
    (void)left_shift, (void)act_min, (void)act_max;
    return 0;
}

#endif

#if !defined(TB_PRIM_CUSTOM) && !defined(TB_PRIM_DSP) && !defined(TB_PRIM_MVE)

void tb_gemm_s8(const tb_rq_t *q, const int8_t *x, int32_t x_stride, int32_t rows, int32_t k,
                const int8_t *w, int32_t n, int8_t *y)
{
    const int32_t off = q->bias_folded ? 0 : q->input_offset;
    int32_t r, oc;
    for (r = 0; r < rows; ++r) {
        const int8_t *xr = x + (size_t)r * x_stride;
        for (oc = 0; oc < n; ++oc) {
            const int32_t b = q->bias != NULL ? q->bias[oc] : 0;
            y[(size_t)r * n + oc] = tb_rq_out(q, tb_dot_s8(xr, off, w + (size_t)oc * k, k) + b, oc);
        }
    }
}

void tb_dw_pixel_s8(const tb_rq_t *q, const int8_t *x, int32_t x_tap, int32_t x_row,
                    const int8_t *w, int32_t w_row, int32_t rows, int32_t taps, int32_t c,
                    int8_t *y)
{
    int32_t ch, r, t;
    for (ch = 0; ch < c; ++ch) {
        int32_t acc = 0;
        for (r = 0; r < rows; ++r) {
            const int8_t *xr = x + (size_t)r * x_row + ch;
            const int8_t *wr = w + (size_t)r * w_row + ch;
            for (t = 0; t < taps; ++t) {
                acc += ((int32_t)xr[(size_t)t * x_tap] + q->input_offset) * (int32_t)wr[(size_t)t * c];
            }
        }
        if (q->bias != NULL) {
            acc += q->bias[ch];
        }
        y[ch] = tb_rq_out(q, acc, ch);
    }
}

#endif
