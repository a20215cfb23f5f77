/*
 * tb_ops_more.h — int8 kernels beyond the official models' seven operators, for custom
 * (open-division) models: MAX_POOL_2D and standalone RELU / RELU6. Bit-exact with TFLM's
 * reference kernels (tests/test_anydut_ops.py runs both on random shapes and parameters).
 */
#ifndef TB_OPS_MORE_H
#define TB_OPS_MORE_H

#include <stdint.h>

#include "tb_ops.h"

/* MAX_POOL_2D: the largest value of each window (padding excluded), then the activation clamp. */
void tb_maxpool_s8(const tb_pool_params_t *p, const int8_t *in, int8_t *out);

/* RELU / RELU6 (TFLM ReluQuantized): requantise x - input zero point by input/output scale, add
 * the output zero point, clamp to [act_min, act_max]. */
typedef struct {
    int32_t size;
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t multiplier;
    int32_t shift;
    int32_t act_min;
    int32_t act_max;
} tb_relu_params_t;

void tb_relu_s8(const tb_relu_params_t *p, const int8_t *in, int8_t *out);

#endif /* TB_OPS_MORE_H */
