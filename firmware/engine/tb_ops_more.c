/*
 * tb_ops_more.c — MAX_POOL_2D and standalone RELU / RELU6 (see tb_ops_more.h).
 */
#include "tb_ops_more.h"

#include <stddef.h>

#include "tb_prim.h"

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
