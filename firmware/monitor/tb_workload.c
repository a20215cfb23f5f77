/*
 * tb_workload.c — per-model input conversion and result printing (DUT protocol §7 and §9).
 */
#include "tb_workload.h"

#include <string.h>

#include "tb_io.h"
#include "tb_model.h"

static int id_starts_with(const char *prefix)
{
    const char *id = tb_model_info.id;
    return id != 0 && strncmp(id, prefix, strlen(prefix)) == 0;
}

tb_input_kind_t tb_workload_input_kind(void)
{
    if (id_starts_with("ad")) {
        return TB_INPUT_FLOAT32;
    }
    if (id_starts_with("vww") || id_starts_with("ic")) {
        return TB_INPUT_UINT8;
    }
    return TB_INPUT_INT8;
}

tb_result_kind_t tb_workload_result_kind(void)
{
    if (id_starts_with("ad")) {
        return TB_RESULT_MSE;
    }
    if (id_starts_with("kws")) {
        return TB_RESULT_KWS;
    }
    return TB_RESULT_FIXED3;
}

uint32_t tb_workload_input_bytes(void)
{
    uint32_t n = tb_model_info.input_elements;
    return tb_workload_input_kind() == TB_INPUT_FLOAT32 ? n * 4u : n;
}

static float load_f32_le(const uint8_t *p)
{
    uint32_t bits = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                    ((uint32_t)p[3] << 24);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/*
 * The rounding rule, stated once (docs: firmware/monitor/README.md):
 *   v = x / scale               (IEEE single-precision division)
 *   r = round half away from zero (v)   — C99 roundf / TFLM's TfLiteRound
 *   q = clamp(r + zero_point, -128, 127)
 * NaN counts as 0.0 (q = zero_point); +-inf and huge values saturate. Computed without libm:
 * v - trunc(v) is exact in single precision, so comparing it with 0.5 is exact.
 */
int8_t tb_workload_quantize(float x, float scale, int32_t zero_point)
{
    float v = x / scale;
    int32_t r;
    int32_t q;
    float frac;

    if (v != v) {
        v = 0.0f;
    }
    if (v > 1.0e6f) {
        v = 1.0e6f;
    } else if (v < -1.0e6f) {
        v = -1.0e6f;
    }
    r = (int32_t)v; /* truncates toward zero */
    frac = v - (float)r;
    if (frac >= 0.5f) {
        r += 1;
    } else if (frac <= -0.5f) {
        r -= 1;
    }
    q = r + zero_point;
    if (q > 127) {
        q = 127;
    } else if (q < -128) {
        q = -128;
    }
    return (int8_t)q;
}

void tb_workload_convert(const uint8_t *raw, int8_t *input)
{
    uint32_t n = tb_model_info.input_elements;
    uint32_t i;

    switch (tb_workload_input_kind()) {
    case TB_INPUT_FLOAT32:
        for (i = 0; i < n; ++i) {
            input[i] = tb_workload_quantize(load_f32_le(raw + 4u * i), tb_model_info.input_scale,
                                            tb_model_info.input_zero_point);
        }
        break;
    case TB_INPUT_UINT8:
        for (i = 0; i < n; ++i) {
            input[i] = (int8_t)((int32_t)raw[i] - 128);
        }
        break;
    case TB_INPUT_INT8:
    default:
        memcpy(input, raw, n);
        break;
    }
}

static float dequantize(int8_t q)
{
    return (float)((int32_t)q - tb_model_info.output_zero_point) * tb_model_info.output_scale;
}

/* Mean squared error between the dequantised output and the float window as received. Summed
 * in element order in single precision (the reference port's arithmetic); builds use
 * -ffp-contract=off so no board fuses the multiply-add and every board prints the same digits. */
static float ad_mse(const uint8_t *raw, const int8_t *out)
{
    uint32_t n = tb_model_info.output_elements;
    uint32_t m = tb_model_info.input_elements;
    uint32_t count = n < m ? n : m;
    float sum = 0.0f;
    uint32_t i;

    for (i = 0; i < count; ++i) {
        float d = dequantize(out[i]) - load_f32_le(raw + 4u * i);
        sum += d * d;
    }
    return count == 0u ? 0.0f : sum / (float)count;
}

static void put_kws_value(float v)
{
    /* Integer arithmetic like the reference port: thousandths truncated, "0." + at least three
     * digits (exactly 1.0 would print 0.1000, which an int8 softmax cannot produce). */
    uint32_t milli = v <= 0.0f ? 0u : (uint32_t)(v * 1000.0f);
    char digits[3];
    tb_puts("0.");
    if (milli >= 1000u) {
        tb_put_u32(milli);
        return;
    }
    digits[0] = (char)('0' + (int)(milli / 100u));
    digits[1] = (char)('0' + (int)((milli / 10u) % 10u));
    digits[2] = (char)('0' + (int)(milli % 10u));
    tb_putn(digits, 3);
}

void tb_workload_print_results(const uint8_t *raw)
{
    const int8_t *out = tb_model_output();
    uint32_t n = tb_model_info.output_elements;
    uint32_t i;

    tb_puts("m-results-[");
    switch (tb_workload_result_kind()) {
    case TB_RESULT_MSE:
        tb_put_fixed3(ad_mse(raw, out));
        break;
    case TB_RESULT_KWS:
        for (i = 0; i < n; ++i) {
            if (i != 0u) {
                tb_putn(",", 1);
            }
            put_kws_value(dequantize(out[i]));
        }
        break;
    case TB_RESULT_FIXED3:
    default:
        for (i = 0; i < n; ++i) {
            if (i != 0u) {
                tb_putn(",", 1);
            }
            tb_put_fixed3(dequantize(out[i]));
        }
        break;
    }
    tb_line("]");
}
