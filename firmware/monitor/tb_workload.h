/*
 * tb_workload.h — what differs between the MLPerf Tiny models on the wire: how the bytes of a
 * `db` load become the int8 input tensor, and how `m-results-[...]` is printed.
 *
 * Why a separate unit: the protocol engine (tb_monitor.c) stays model-agnostic; the model is
 * identified only by tb_model_info.id, exactly as the host identifies it from `m-model-[<id>]`.
 */
#ifndef TB_WORKLOAD_H
#define TB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    TB_INPUT_INT8 = 0,  /* kws01 and unknown ids: bytes are the int8 input */
    TB_INPUT_UINT8,     /* vww01, ic01: uint8 HWC pixels, q = pixel - 128 */
    TB_INPUT_FLOAT32    /* ad01: float32 LE, q = clamp(round_half_away(x / scale) + zp) */
} tb_input_kind_t;

typedef enum {
    TB_RESULT_KWS = 0,  /* "0." + three truncated digits, integer arithmetic */
    TB_RESULT_FIXED3,   /* "%0.3f" of every dequantised output */
    TB_RESULT_MSE       /* ad01: one "%0.3f" value, MSE(dequantised output, float input) */
} tb_result_kind_t;

tb_input_kind_t tb_workload_input_kind(void);
tb_result_kind_t tb_workload_result_kind(void);

/* Bytes a complete `db` load must hold for the compiled model. */
uint32_t tb_workload_input_bytes(void);

/* Convert `raw` (tb_workload_input_bytes() bytes) into the model's int8 input tensor. */
void tb_workload_convert(const uint8_t *raw, int8_t *input);

/* Quantise one float exactly like the firmware does (exposed for the unit tests of the rule). */
int8_t tb_workload_quantize(float x, float scale, int32_t zero_point);

/* Print the m-results-[...] line (with its line end) from the current output tensor. */
void tb_workload_print_results(const uint8_t *raw);

#endif /* TB_WORKLOAD_H */
