"""Operators for custom (open-division) models — MAX_POOL_2D and standalone RELU / RELU6 — bit-exact
with the pinned tflite-micro interpreter on random shapes, strides, paddings and quantisation."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
tb = pytest.importorskip("engine_harness.tflite_builder", reason="tflite-micro (test extra) missing")
pytest.importorskip("tflite_micro.python.tflite_micro.runtime", reason="tflite-micro interpreter missing")
from engine_harness.runner import compare, first_mismatch, materialize  # noqa: E402

tb.CODES.setdefault("RELU", 19)
tb.CODES.setdefault("RELU6", 21)


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


def test_unsupported_operator_is_named_with_its_index(tmp_path):
    """An operator the engine lacks (here MEAN after a supported RELU) fails at analysis."""
    from tinybench.compiler import ModelError, analyze_model

    tb.CODES.setdefault("MEAN", 40)
    g = tb.GraphBuilder()
    x = g.tensor([1, 4, 4, 2], 0.05, 0)
    r = g.tensor([1, 4, 4, 2], 0.05, 0)
    axes = g.tensor([2], 1.0, 0, dtype=tb.sch.TensorType.INT32, data=np.array([1, 2], np.int32))
    y = g.tensor([1, 2], 0.05, 0)
    g.op("RELU", [x], [r])
    g.op("MEAN", [r, axes], [y])
    path = tmp_path / "mean.tflite"
    path.write_bytes(g.build([x], [y]))
    with pytest.raises(ModelError, match=r"operator 1 \(MEAN\) is not supported"):
        analyze_model(path, "custom")
