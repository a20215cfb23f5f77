"""Requantisation helpers: properties TFLM's QuantizeMultiplier guarantees."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinybench.compiler import quant


@pytest.mark.parametrize("real", [1e-9, 3.1e-5, 0.0123, 0.25, 0.5, 0.75, 0.999999, 1.0, 1.5, 7.3])
def test_quantize_multiplier_reconstructs(real):
    m, shift = quant.quantize_multiplier(real)
    assert (1 << 30) <= m < (1 << 31)
    assert abs(m * 2.0 ** (shift - 31) - real) <= 2.0 ** (shift - 32)


def test_quantize_multiplier_edges():
    assert quant.quantize_multiplier(0.0) == (0, 0)
    assert quant.quantize_multiplier(1.0) == (1 << 30, 1)
    # Just below a power of two rounds up to 2^31 and must renormalise to 2^30, shift + 1.
    m, s = quant.quantize_multiplier(math.nextafter(0.5, 0.0))
    assert (m, s) == (1 << 30, 0)
    assert quant.quantize_multiplier(2.0 ** -40) == (0, 0)   # flushed like TFLM


def test_ties_round_away_from_zero():
    # q * 2^31 = 2^30 + 0.5 exactly: std::round goes up, Python's round() would go to even.
    real = (2 ** 30 + 0.5) / 2 ** 31
    assert quant.quantize_multiplier(real) == (2 ** 30 + 1, 0)


def test_activation_ranges():
    assert quant.activation_range("NONE", 0.1, 5) == (-128, 127)
    assert quant.activation_range("RELU", 0.1, -20) == (-20, 127)
    lo, hi = quant.activation_range("RELU6", 0.05, -128)
    assert (lo, hi) == (-128, -8)
    assert quant.activation_range("RELU6", 0.01, 0) == (0, 127)


def test_softmax_params_match_definition():
    p = quant.softmax_params(1.0, 0.5847029089927673)
    real = 0.5847029089927673 * 2 ** 26
    assert abs(p["input_mult"] * 2.0 ** (p["input_left_shift"] - 31) - real) < 2.0 ** (p["input_left_shift"] - 31)
    # diff_min: the most negative difference whose rescaled value still fits Q5.26.
    assert p["diff_min"] == -math.floor(31 * 2 ** 26 / 2 ** p["input_left_shift"])
    assert np.int32(p["diff_min"]) < 0
