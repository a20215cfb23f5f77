/*
 * tb_ops_more.h — int8 kernels beyond the official models' seven operators, for custom
 * (open-division) models: MAX_POOL_2D, RELU / RELU6 / HARD_SWISH / LOGISTIC as standalone ops,
 * MEAN, CONCATENATION, PAD / PADV2, MUL and int8 QUANTIZE. Bit-exact with TFLM's reference
 * kernels (tests/test_anydut_ops.py runs both on random shapes and parameters).
 * Shapes are the .tflite shapes extended to 4-D with leading 1s; element order is row-major.
 */
#ifndef TB_OPS_MORE_H
#define TB_OPS_MORE_H

#include <stdint.h>

#include "tb_ops.h"

/* MAX_POOL_2D: the largest value of each window (padding excluded), then the activation clamp. */
void tb_maxpool_s8(const tb_pool_params_t *p, const int8_t *in, int8_t *out);

/* RELU / RELU6 (TFLM ReluQuantized) and QUANTIZE int8 -> int8 (TFLM Requantize): requantise
 * x - input zero point by input/output scale, add the output zero point, clamp to
 * [act_min, act_max]. */
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

/* MEAN (TFLM QuantizedMeanOrSum): per output, the sum over the reduced dimensions minus
 * count * input zero point, requantised by input/output scale / count (folded into
 * multiplier/shift by the compiler as TFLM does at Eval), plus the output zero point. */
typedef struct {
    int32_t dims[4];               /* input shape */
    int32_t reduce[4];             /* 1: dimension is averaged over */
    int32_t count;                 /* input elements per output element */
    int32_t input_zero_point, output_zero_point;
    int32_t multiplier, shift;
} tb_mean_params_t;

void tb_mean_s8(const tb_mean_params_t *p, const int8_t *in, int8_t *out);

/* CONCATENATION: TFLM requires every input to share the output's scale and zero point, so this
 * is a copy. Each of `inputs` tensors contributes sizes[i] elements per outer step. */
typedef struct {
    int32_t inputs;
    int32_t outer;                 /* product of the dimensions before the axis */
    int32_t out_stride;            /* output elements per outer step (sum of sizes) */
    const int32_t *sizes;
} tb_concat_params_t;

void tb_concat_s8(const tb_concat_params_t *p, const int8_t *const *in, int8_t *out);

/* PAD / PADV2: copy into the middle of the output, pad_value (raw int8) elsewhere. */
typedef struct {
    int32_t in_dims[4];
    int32_t out_dims[4];
    int32_t before[4];             /* leading padding per dimension */
    int32_t pad_value;
} tb_pad_params_t;

void tb_pad_s8(const tb_pad_params_t *p, const int8_t *in, int8_t *out);

/* MUL (TFLM int8 Mul / BroadcastMul): y = clamp(zo + requant((a - za) (b - zb))). Strides are in
 * elements; a stride of 0 broadcasts that input along the dimension. */
typedef struct {
    int32_t out_dims[4];
    int32_t in1_strides[4], in2_strides[4];
    int32_t input1_offset, input2_offset, output_offset;
    int32_t multiplier, shift;
    int32_t act_min, act_max;
    const int8_t *constant;        /* tb_mul_const_s8: the constant operand (weights in flash) */
    int32_t constant_first;        /* 1: the constant is input1, 0: input2 */
} tb_mul_params_t;

void tb_mul_s8(const tb_mul_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);
/* MUL of one activation by a constant tensor (e.g. a per-channel scale). */
void tb_mul_const_s8(const tb_mul_params_t *p, const int8_t *in, int8_t *out);

/* LOGISTIC (TFLM reference_integer_ops::Logistic): input rescaled to Q4.27, gemmlowp logistic,
 * output scale 1/256 and zero point -128; inputs beyond the radius saturate. */
typedef struct {
    int32_t size;
    int32_t input_zero_point;
    int32_t input_range_radius;
    int32_t input_multiplier, input_left_shift;
} tb_logistic_params_t;

void tb_logistic_s8(const tb_logistic_params_t *p, const int8_t *in, int8_t *out);

/* HARD_SWISH (TFLM reference_ops::HardSwish<int8_t>): x * relu6(x + 3) / 6 in int16 fixed point
 * with the two 16-bit multipliers TFLM's HardSwishPrepare derives. */
typedef struct {
    int32_t size;
    int32_t input_zero_point, output_zero_point;
    int32_t output_multiplier, output_exponent;      /* int16 fixed point, exponent <= 0 */
    int32_t reluish_multiplier, reluish_exponent;    /* int16 fixed point */
} tb_hard_swish_params_t;

void tb_hard_swish_s8(const tb_hard_swish_params_t *p, const int8_t *in, int8_t *out);

#endif /* TB_OPS_MORE_H */
