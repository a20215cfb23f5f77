"""Operators for custom (open-division) models — MAX_POOL_2D, RELU / RELU6 / HARD_SWISH / LOGISTIC,
MEAN, CONCATENATION, PAD / PADV2, MUL, QUANTIZE and a float interface (QUANTIZE / DEQUANTIZE at the
model boundary) — bit-exact with the pinned tflite-micro interpreter on random shapes, axes,
broadcasts, paddings and quantisation (seeded)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
tb = pytest.importorskip("engine_harness.tflite_builder", reason="tflite-micro (test extra) missing")
pytest.importorskip("tflite_micro.python.tflite_micro.runtime", reason="tflite-micro interpreter missing")
from engine_harness.runner import compare, first_mismatch, materialize  # noqa: E402



def _inputs(rng, elements: int, n: int = 8) -> np.ndarray:
    return rng.integers(-128, 128, (n, elements), dtype=np.int64).astype(np.int8)


def _out_size(size: int, k: int, s: int, padding: str) -> int:
    return (size + s - 1) // s if padding == "SAME" else (size - k + s) // s


@pytest.mark.parametrize("seed", range(6))
def test_max_pool_random(seed):
    rng = np.random.default_rng(100 + seed)
    h, w, c = (int(v) for v in rng.integers(3, 12, 3))
    k_h, k_w = (int(v) for v in rng.integers(1, 4, 2))
    s_h, s_w = (int(v) for v in rng.integers(1, 3, 2))
    padding = ["SAME", "VALID"][seed % 2]
    act = [0, 1, 3][seed % 3]
    scale, zp = float(rng.uniform(0.01, 0.2)), int(rng.integers(-20, 20))
    g = tb.GraphBuilder()
    x = g.tensor([1, h, w, c], scale, zp)
    y = g.tensor([1, _out_size(h, k_h, s_h, padding), _out_size(w, k_w, s_w, padding), c], scale, zp)
    g.op("MAX_POOL_2D", [x], [y], *tb.pool_options(padding=padding, stride=(s_h, s_w),
                                                   filt=(k_h, k_w), act=act))
    path = materialize(g.build([x], [y]), f"maxpool{seed}")
    ref, ours = compare(path, _inputs(rng, h * w * c))
    assert np.array_equal(ref, ours), first_mismatch(ref, ours)


@pytest.mark.parametrize("op", ["RELU", "RELU6"])
@pytest.mark.parametrize("seed", range(4))
def test_relu_random(op, seed):
    rng = np.random.default_rng(200 + seed)
    shape = [1, int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.integers(1, 9))]
    si, so = float(rng.uniform(0.005, 0.1)), float(rng.uniform(0.005, 0.1))
    zi, zo = int(rng.integers(-60, 60)), int(rng.integers(-128, 0))
    g = tb.GraphBuilder()
    x = g.tensor(shape, si, zi)
    y = g.tensor(shape, so, zo)
    g.op(op, [x], [y])
    path = materialize(g.build([x], [y]), f"{op.lower()}{seed}")
    ref, ours = compare(path, _inputs(rng, int(np.prod(shape))))
    assert np.array_equal(ref, ours), first_mismatch(ref, ours)


def _q(rng, lo: float = 0.005, hi: float = 0.1) -> tuple[float, int]:
    return float(rng.uniform(lo, hi)), int(rng.integers(-100, 100))


def _check(g, x: int, y: int, stem: str, rng, n: int = 8) -> None:
    path = materialize(g.build([x], [y]), stem)
    ref, ours = compare(path, _inputs(rng, int(np.prod(g.tensors[x].shape)), n))
    assert np.array_equal(ref, ours), first_mismatch(ref, ours)


def _axes(g, values) -> int:
    return g.tensor([len(values)], 1.0, 0, dtype=tb.sch.TensorType.INT32,
                    data=np.array(values, np.int32))


MEAN_CASES = [([1, 2], True), ([2, 1], False), ([1], True), ([-1], False), ([3], True),
              ([0, 1, 2], False)]


@pytest.mark.parametrize("seed", range(len(MEAN_CASES)))
def test_mean_random(seed):
    rng = np.random.default_rng(300 + seed)
    axes, keep = MEAN_CASES[seed]
    shape = [1] + [int(v) for v in rng.integers(1, 9, 3)]
    # seed 0: equal input/output quantisation (TFLM's same-scale case); otherwise random
    qi = _q(rng)
    qo = qi if seed == 0 else _q(rng)
    reduced = {a % 4 for a in axes}
    out_shape = [1 if d in reduced else n for d, n in enumerate(shape)] if keep else \
        [n for d, n in enumerate(shape) if d not in reduced]
    g = tb.GraphBuilder()
    x = g.tensor(shape, *qi)
    y = g.tensor(out_shape, *qo)
    g.op("MEAN", [x, _axes(g, axes)], [y], *tb.reducer_options(keep_dims=keep))
    _check(g, x, y, f"mean{seed}", rng)


@pytest.mark.parametrize("seed", range(4))
def test_pad_random(seed):
    rng = np.random.default_rng(400 + seed)
    rank = [4, 3, 2, 4][seed]
    shape = [1] + [int(v) for v in rng.integers(1, 7, rank - 1)]
    pads = rng.integers(0, 3, (rank, 2))
    pads[0] = 0
    q = _q(rng)
    g = tb.GraphBuilder()
    x = g.tensor(shape, *q)
    y = g.tensor([int(n + a + b) for n, (a, b) in zip(shape, pads)], *q)
    paddings = g.tensor([rank, 2], 1.0, 0, dtype=tb.sch.TensorType.INT32, data=pads.astype(np.int32))
    if seed % 2:      # PADV2 with an explicit int8 pad value quantised like the output
        value = g.tensor([], *q, data=np.array([rng.integers(-128, 128)], np.int8))
        g.op("PADV2", [x, paddings, value], [y])
    else:
        g.op("PAD", [x, paddings], [y])
    _check(g, x, y, f"pad{seed}", rng)


@pytest.mark.parametrize("seed", range(4))
def test_concatenation_random(seed):
    """concat(x, PAD(x) along the axis, RELU(x)): pieces of different sizes on any axis."""
    rng = np.random.default_rng(500 + seed)
    shape = [1] + [int(v) for v in rng.integers(1, 6, 3)]
    axis = [3, 1, 2, -1][seed]
    ax = axis % 4
    q = _q(rng)
    g = tb.GraphBuilder()
    x = g.tensor(shape, *q)
    pads = np.zeros((4, 2), np.int32)
    pads[ax] = rng.integers(1, 3, 2)
    padded_shape = [int(n + a + b) for n, (a, b) in zip(shape, pads)]
    p = g.tensor(padded_shape, *q)
    g.op("PAD", [x, g.tensor([4, 2], 1.0, 0, dtype=tb.sch.TensorType.INT32, data=pads)], [p])
    r = g.tensor(shape, *q)
    g.op("RELU", [x], [r])
    out_shape = list(shape)
    out_shape[ax] = 2 * shape[ax] + padded_shape[ax]
    y = g.tensor(out_shape, *q)
    g.op("CONCATENATION", [x, p, r], [y], *tb.concat_options(axis))
    _check(g, x, y, f"concat{seed}", rng)


MUL_CASES = ["same", "channel", "pixel", "channel_first", "self_relu", "relu6", "const_channel",
             "const_scalar_first"]


@pytest.mark.parametrize("case", MUL_CASES)
def test_mul_random(case):
    """x * f(x) where f(x) broadcasts: MEAN over H, W ([1,1,1,C], a squeeze-excite gate), MEAN
    over C ([1,H,W,1]), either operand order; same-shape products, a fused activation, and a
    constant operand (per-channel [C] second, scalar first)."""
    seed = MUL_CASES.index(case)
    rng = np.random.default_rng(600 + seed)
    shape = [1] + [int(v) for v in rng.integers(1, 7, 3)]
    g = tb.GraphBuilder()
    x = g.tensor(shape, *_q(rng, 0.02, 0.1))
    if case in ("channel", "channel_first", "pixel"):
        axes, other_shape = ([1, 2], [1, 1, 1, shape[3]]) if case != "pixel" else ([3], shape[:3] + [1])
        other = g.tensor(other_shape, *_q(rng, 0.01, 0.05))
        g.op("MEAN", [x, _axes(g, axes)], [other], *tb.reducer_options(keep_dims=True))
    elif case.startswith("const"):
        cshape = [shape[3]] if case == "const_channel" else []
        other = g.tensor(cshape, *_q(rng, 0.005, 0.05),
                         data=rng.integers(-128, 128, cshape or [1], dtype=np.int8))
    else:
        other = g.tensor(shape, *_q(rng))
        g.op("RELU", [x], [other])
    y = g.tensor(shape, *_q(rng, 0.001, 0.02))
    operands = [other, x] if case.endswith("_first") else [x, other]
    g.op("MUL", operands, [y], *tb.mul_options(act=3 if case == "relu6" else 0))
    _check(g, x, y, f"mul_{case}", rng)


@pytest.mark.parametrize("seed", range(4))
def test_logistic_random(seed):
    rng = np.random.default_rng(700 + seed)
    shape = [1, int(rng.integers(1, 6)), int(rng.integers(1, 9))]
    g = tb.GraphBuilder()
    x = g.tensor(shape, *_q(rng, 0.01, [0.05, 0.1, 0.3, 1.0][seed]))
    y = g.tensor(shape, 1 / 256, -128)
    g.op("LOGISTIC", [x], [y])
    _check(g, x, y, f"logistic{seed}", rng, n=16)


@pytest.mark.parametrize("seed", range(4))
def test_hard_swish_random(seed):
    rng = np.random.default_rng(800 + seed)
    shape = [1, int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.integers(1, 9))]
    si = float(rng.uniform(0.005, [0.02, 0.05, 0.1, 0.5][seed]))
    g = tb.GraphBuilder()
    x = g.tensor(shape, si, int(rng.integers(-100, 100)))
    y = g.tensor(shape, si * float(rng.uniform(0.3, 3.0)), int(rng.integers(-128, 0)))
    g.op("HARD_SWISH", [x], [y])
    _check(g, x, y, f"hardswish{seed}", rng, n=16)


@pytest.mark.parametrize("seed", range(3))
def test_quantize_int8_requantises(seed):
    rng = np.random.default_rng(900 + seed)
    shape = [1, int(rng.integers(1, 8)), int(rng.integers(1, 8))]
    g = tb.GraphBuilder()
    x = g.tensor(shape, *_q(rng))
    y = g.tensor(shape, *_q(rng, 0.002, 0.2))
    g.op("QUANTIZE", [x], [y])
    _check(g, x, y, f"quantize{seed}", rng)


def test_unsupported_operator_is_named_with_its_index(tmp_path):
    """An operator the engine lacks (here REDUCE_MAX after a supported RELU) fails at analysis."""
    from tinybench.compiler import ModelError, analyze_model

    tb.CODES.setdefault("REDUCE_MAX", 82)
    g = tb.GraphBuilder()
    x = g.tensor([1, 4, 4, 2], 0.05, 0)
    r = g.tensor([1, 4, 4, 2], 0.05, 0)
    y = g.tensor([1, 2], 0.05, 0)
    g.op("RELU", [x], [r])
    g.op("REDUCE_MAX", [r, _axes(g, [1, 2])], [y])
    path = tmp_path / "max.tflite"
    path.write_bytes(g.build([x], [y]))
    with pytest.raises(ModelError, match=r"operator 1 \(REDUCE_MAX\) is not supported"):
        analyze_model(path, "custom")


def test_float_interface_is_folded_into_the_monitor_conversions():
    """float32 in -> QUANTIZE -> HARD_SWISH -> DEQUANTIZE -> float32 out (a model exported with
    float input/output types) runs int8-only and matches TFLM on the int8 boundary tensors."""
    from tinybench.compiler import analyze_model

    rng = np.random.default_rng(1000)
    shape = [1, 5, 4, 3]
    g = tb.GraphBuilder()
    xf = g.tensor(shape, 0.0, 0, dtype=tb.sch.TensorType.FLOAT32)
    x = g.tensor(shape, 0.04, 7)
    h = g.tensor(shape, 0.03, -90)
    yf = g.tensor(shape, 0.0, 0, dtype=tb.sch.TensorType.FLOAT32)
    g.op("QUANTIZE", [xf], [x])
    g.op("HARD_SWISH", [x], [h])
    g.op("DEQUANTIZE", [h], [yf])
    path = materialize(g.build([xf], [yf]), "float_io")
    info = analyze_model(path, "custom")
    assert info.ops == ["HARD_SWISH"]
    assert (info.input.scale, info.input.zero_point) == (np.float32(0.04), 7)
    assert (info.output.scale, info.output.zero_point) == (np.float32(0.03), -90)
    ref, ours = compare(path, _inputs(rng, int(np.prod(shape)), 16))
    assert np.array_equal(ref, ours), first_mismatch(ref, ours)


def test_float_tensors_inside_the_graph_are_refused(tmp_path):
    from tinybench.compiler import ModelError, analyze_model

    g = tb.GraphBuilder()
    x = g.tensor([1, 8], 0.05, 0)
    r = g.tensor([1, 8], 0.05, 0)
    f = g.tensor([1, 8], 0.0, 0, dtype=tb.sch.TensorType.FLOAT32)
    y = g.tensor([1, 8], 0.05, 0)
    g.op("DEQUANTIZE", [x], [f])     # not the last operator: a float activation mid-graph
    g.op("QUANTIZE", [f], [r])
    g.op("RELU", [r], [y])
    path = tmp_path / "mid.tflite"
    path.write_bytes(g.build([x], [y]))
    with pytest.raises(ModelError, match=r"operator 0 \(DEQUANTIZE\): int8 -> float32 inside"):
        analyze_model(path, "custom")
