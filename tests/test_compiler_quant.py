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


def _tflm_requant(acc: np.ndarray, m: int, shift: int, zp: int) -> np.ndarray:
    """TFLM MultiplyByQuantizedMultiplier (double rounding) + output offset + int8 clamp, in
    Python integers (the definition the firmware must match)."""
    out = []
    for a in acc.tolist():
        x = a << max(shift, 0)
        h = (x * m + (1 << 30)) >> 31 if not (x == m == -(1 << 31)) else (1 << 31) - 1
        e = max(-shift, 0)
        mask = (1 << e) - 1
        r = (h >> e) + (1 if (h & mask) > (mask >> 1) + (1 if h < 0 else 0) else 0)
        out.append(min(127, max(-128, r + zp)))
    return np.array(out)


def _fast_sequence(acc: np.ndarray, m: int, shift: int, zp: int) -> np.ndarray:
    """The DSP kernels' sequence (tb_prim_dsp.c rq_fast) in Python integers: SMMULR of the
    doubled accumulator, add (2 zp + 1) 2^(e-1) and -1 if negative, shift right e, SSAT 8."""
    e = -shift
    r = ((2 * zp + 1) << e) >> 1
    out = []
    for a in acc.tolist():
        h = (2 * a * m + (1 << 31)) >> 32
        out.append(min(127, max(-128, (h + r + (-1 if h < 0 else 0)) >> e)))
    return np.array(out)


@pytest.mark.parametrize("seed", range(6))
def test_fast_requant_matches_tflm(seed):
    """lower._fast_requant marks a layer fast only when the short sequence equals TFLM's for
    every accumulator within the bound, including the shifts it rewrites (zero multipliers,
    shifts past the largest product) and bounds at the edge of its premises."""
    from tinybench.compiler.lower import ConstArray, _fast_requant

    rng = np.random.default_rng(seed)
    n = 24
    mults = rng.integers(1 << 30, 1 << 31, n)
    shifts = rng.integers(-31, 0, n)
    mults[:3] = 0
    shifts[:2] = rng.integers(0, 4, 2)                 # zero multiplier with a left shift
    mults[3], mults[4] = 1 << 30, (1 << 31) - 1        # edges of the Q0.31 range
    bound = rng.integers(1, 1 << int(rng.integers(8, 30)), n)
    bound[5], shifts[5] = (1 << 30) - 1, -5              # largest accumulator the doubling allows
    bound[6:12] = rng.integers(1, 1 << 20, 6)             # small products: large shifts lowered
    zp = int(rng.integers(-128, 128))
    params = {"act_min": -128, "act_max": 127, "output_offset": zp}
    arrays = {"out_mult": ConstArray("m", "int32_t", mults.copy()),
              "out_shift": ConstArray("s", "int8_t", shifts.copy())}
    _fast_requant(params, arrays, bound)
    new_shifts = arrays["out_shift"].values
    for c in range(n):
        a = int(bound[c])
        acc = np.concatenate([np.array([-a, a, 0, -1, 1]), rng.integers(-a, a + 1, 400)])
        want = _tflm_requant(acc, int(mults[c]), int(shifts[c]), zp)
        # the rewritten shift keeps TFLM's result (the generic and MVE kernels read it too)
        assert np.array_equal(_tflm_requant(acc, int(mults[c]), int(new_shifts[c]), zp), want)
        if params["rq_fast"]:
            assert np.array_equal(_fast_sequence(acc, int(mults[c]), int(new_shifts[c]), zp), want)
    if not params["rq_fast"]:
        # refused only for a reason: some channel's rounding constant would not fit int32
        def too_big(c):
            h = ((int(bound[c]) * int(mults[c]) + (1 << 30)) >> 31) + 1
            e = min(-int(shifts[c]), h.bit_length() + 1) if mults[c] else 1
            r = ((2 * zp + 1) << e) >> 1
            return abs(r) >= 1 << 30 or h + abs(r) >= (1 << 31) - 1
        assert any(too_big(c) for c in range(n))


def test_fast_requant_refusals():
    from tinybench.compiler.lower import ConstArray, _fast_requant

    def mark(m, s, bound, act=(-128, 127), zp=-128):
        params = {"act_min": act[0], "act_max": act[1], "output_offset": zp}
        arrays = {"out_mult": ConstArray("m", "int32_t", np.array([m])),
                  "out_shift": ConstArray("s", "int8_t", np.array([s]))}
        _fast_requant(params, arrays, np.array([bound]))
        return params["rq_fast"], int(arrays["out_shift"].values[0])

    assert mark(1 << 30, -7, 10_000) == (1, -7)
    assert mark(1 << 30, 1, 10_000)[0] == 0            # left shift: general sequence
    assert mark(1 << 30, 0, 10_000)[0] == 0            # e = 0: no rounding constant
    assert mark(1 << 30, -7, 1 << 30)[0] == 0          # doubling would overflow
    assert mark(1 << 30, -7, 100, act=(-128, 100))[0] == 0   # clamp narrower than SSAT
    assert mark(0, 2, 5) == (1, -1)                    # zero multiplier: any shift gives 0
    assert mark(1 << 30, -31, 1000) == (1, -10)        # |h| <= 501 < 2^9: shift 10 gives 0 too
