/*
 * tb_ops.h — int8 kernels of the tinybench engine, bit-exact with TFLM's reference kernels.
 *
 * Why parameter structs: the model compiler precomputes everything that does not depend on the
 * input (shapes, padding, offsets, activation clamps, per-channel multipliers and shifts) and
 * emits one `const` struct per operator, so kernels do no float math and no allocation; the
 * generated tb_model_invoke() is a straight list of calls.
 * Layout: activations NHWC with N == 1; conv filters OHWI; depthwise filters 1HW(I*M);
 * fully-connected weights [out][in].
 */
#ifndef TB_OPS_H
#define TB_OPS_H

#include <stdint.h>

typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t dil_h, dil_w;
    int32_t pad_h, pad_w;          /* top/left padding (TFLM ComputePaddingHeightWidth) */
    int32_t depth_multiplier;      /* depthwise only */
    int32_t input_offset;          /* -input zero point */
    int32_t output_offset;         /* output zero point */
    int32_t act_min, act_max;      /* fused activation as a clamp */
    const int8_t *filter;
    const int32_t *bias;           /* may be NULL */
    const int32_t *out_mult;       /* per output channel */
    const int8_t *out_shift;       /* per output channel, TFLM sign convention (>0: left) */
    int32_t bias_folded;           /* conv: 1 if bias already holds input_offset * sum(filter row) */
    int32_t rq_fast;               /* 1: the short requantisation is exact (lower._fast_requant) */
} tb_conv_params_t;

typedef struct {
    int32_t batches, in_features, out_features;
    int32_t input_offset, filter_offset, output_offset;
    int32_t act_min, act_max;
    int32_t per_channel;           /* 0: out_mult[0]/out_shift[0] for all outputs */
    const int8_t *filter;
    const int32_t *bias;           /* may be NULL */
    const int32_t *out_mult;
    const int8_t *out_shift;
    int32_t bias_folded;           /* 1 if bias already holds input_offset * sum(weight row) */
    int32_t rq_fast;               /* 1: the short requantisation is exact (lower._fast_requant) */
} tb_fc_params_t;

typedef struct {
    int32_t in_h, in_w, channels;
    int32_t out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;
} tb_pool_params_t;

typedef struct {
    int32_t size;
    int32_t input1_offset, input2_offset, output_offset;
    int32_t left_shift;
    int32_t input1_mult, input1_shift, input2_mult, input2_shift, output_mult, output_shift;
    int32_t act_min, act_max;
} tb_add_params_t;

typedef struct {
    int32_t rows, depth;
    int32_t input_mult, input_left_shift;
    int32_t diff_min;
} tb_softmax_params_t;

void tb_conv2d_s8(const tb_conv_params_t *p, const int8_t *in, int8_t *out);
void tb_dwconv2d_s8(const tb_conv_params_t *p, const int8_t *in, int8_t *out);
void tb_fc_s8(const tb_fc_params_t *p, const int8_t *in, int8_t *out);
void tb_avgpool_s8(const tb_pool_params_t *p, const int8_t *in, int8_t *out);
void tb_add_s8(const tb_add_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void tb_softmax_s8(const tb_softmax_params_t *p, const int8_t *in, int8_t *out);
/* RESHAPE when the planner could not alias input and output (memmove semantics). */
void tb_copy_s8(const int8_t *in, int8_t *out, int32_t n);

#endif /* TB_OPS_H */
