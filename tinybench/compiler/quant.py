"""Requantisation parameters computed exactly as TFLM computes them at Prepare time.

Why a module of its own: bit-exactness lives or dies here. TFLM derives every multiplier in
double precision from float32 scales (``QuantizeMultiplier`` via ``frexp``, ties away from zero),
and in a few places multiplies two float32 scales *in float32* before promoting. Each helper
below names the TFLM function it mirrors and keeps its order of operations.
"""

from __future__ import annotations

import math

import numpy as np


def f32(x: float) -> float:
    """Round a Python float to the nearest float32 value (as a C ``float`` would hold it)."""
    return float(np.float32(x))


def round_half_away(x: float) -> int:
    """``std::round``: halves go away from zero (Python's round() goes to even)."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLM ``QuantizeMultiplier``: real = m * 2^(shift - 31), m a Q0.31 int32."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = round_half_away(q * (1 << 31))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    if q_fixed > 0x7FFFFFFF:
        raise ValueError(f"multiplier {real!r} does not fit Q0.31")
    return int(q_fixed), int(shift)


def conv_multipliers(input_scale: float, filter_scales: list[float], output_scale: float,
                     channels: int) -> tuple[list[int], list[int]]:
    """``PopulateConvolutionQuantizationParams`` (also per-channel FULLY_CONNECTED):
    double(input) * double(filter[c]) / double(output), per output channel."""
    mults, shifts = [], []
    for c in range(channels):
        scale = filter_scales[c] if len(filter_scales) > 1 else filter_scales[0]
        m, s = quantize_multiplier(float(input_scale) * float(scale) / float(output_scale))
        mults.append(m)
        shifts.append(s)
    return mults, shifts


def fc_multiplier(input_scale: float, filter_scale: float, output_scale: float) -> tuple[int, int]:
    """Per-tensor FULLY_CONNECTED multiplier: double(input) * double(filter) / double(output).

    Older TFLM (``GetQuantizedConvolutionMultipler``) multiplied the two scales in float32 first;
    the pinned tflite-micro build does the product in double (measured: the float32 product
    disagrees on ~1 in 60 random AD inputs, the double product on none), so we follow the pin.
    """
    return quantize_multiplier(float(input_scale) * float(filter_scale) / float(output_scale))


def activation_range(activation: str, scale: float, zero_point: int) -> tuple[int, int]:
    """``CalculateActivationRangeQuantized`` for int8: zp + round(f / scale) with float32 division."""
    def q(f: float) -> int:
        return zero_point + round_half_away(f32(f32(f) / f32(scale)))

    lo, hi = -128, 127
    if activation == "RELU":
        return max(lo, q(0.0)), hi
    if activation == "RELU6":
        return max(lo, q(0.0)), min(hi, q(6.0))
    if activation == "RELU_N1_TO_1":
        return max(lo, q(-1.0)), min(hi, q(1.0))
    return lo, hi


def add_params(s1: float, s2: float, so: float, left_shift: int = 20) -> dict[str, int]:
    """TFLM ADD int8 prepare: inputs rescaled to 2*max(scale), 20 bits of headroom."""
    twice_max = 2.0 * max(float(s1), float(s2))
    m1, sh1 = quantize_multiplier(float(s1) / twice_max)
    m2, sh2 = quantize_multiplier(float(s2) / twice_max)
    mo, sho = quantize_multiplier(twice_max / ((1 << left_shift) * float(so)))
    return {"left_shift": left_shift, "input1_mult": m1, "input1_shift": sh1,
            "input2_mult": m2, "input2_shift": sh2, "output_mult": mo, "output_shift": sho}


SOFTMAX_SCALED_DIFF_INTEGER_BITS = 5


def softmax_params(beta: float, input_scale: float) -> dict[str, int]:
    """``PreprocessSoftmaxScaling`` + ``CalculateInputRadius`` for int8 softmax (5 integer bits)."""
    bits = SOFTMAX_SCALED_DIFF_INTEGER_BITS
    real = min(float(beta) * float(input_scale) * float(1 << (31 - bits)), float((1 << 31) - 1))
    mult, left_shift = quantize_multiplier(real)
    if left_shift < 0:
        raise ValueError("softmax input scale too small for TFLM's int8 softmax")
    max_input_rescaled = (1.0 * ((1 << bits) - 1) * float(1 << (31 - bits))
                          / float(1 << left_shift))
    radius = int(math.floor(max_input_rescaled))
    return {"input_mult": mult, "input_left_shift": left_shift, "diff_min": -radius}
