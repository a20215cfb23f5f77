"""The Cortex-M kernels (DSP on Cortex-M4, the same primitives on M55) against TFLM, per operator
type, through QEMU: a chained graph of random shapes and quantisation parameters exercising the
SIMD paths and their tails (channel counts and patch sizes not multiples of 4, odd pixel counts,
SAME padding folded through im2col zero points, stride 2, ADD, batched FC with an odd batch).
The host build runs the generic C primitives: tests/test_engine_ops.py covers those.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine_harness import runner
from engine_harness import tflite_builder as tb

pytest.importorskip("tflite_micro")

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as sch  # noqa: E402

from tinybench.boards import load_board  # noqa: E402
from tinybench.flash.verify import verify_model  # noqa: E402

INT32 = sch.TensorType.INT32


def _graph(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(4, 8)) | 1, int(rng.integers(4, 8)) | 1   # odd sizes: odd pixel counts
    c0, c1, c2, f = (int(v) for v in rng.integers(3, 15, 4))
    g = tb.GraphBuilder()

    def act(shape, zp_lo=-60, zp_hi=60):
        return g.tensor(shape, float(rng.uniform(0.02, 0.1)), int(rng.integers(zp_lo, zp_hi)))

    def weights(shape, n, dim=0):
        scales = [float(s) for s in rng.uniform(0.003, 0.03, n)]
        return g.tensor(shape, scales, 0, data=rng.integers(-127, 128, size=shape, dtype=np.int8),
                        quantized_dimension=dim)

    def bias(n, scale):
        return g.tensor([n], scale, 0, dtype=INT32, data=rng.integers(-4000, 4000, size=n, dtype=np.int32))

    x = act([1, h, w, c0])
    # 1x1 conv (matrix rows straight from the input)
    y1 = act([1, h, w, c1])
    g.op("CONV_2D", [x, weights([c1, 1, 1, c0], c1), bias(c1, 1.0)], [y1], *tb.conv_options(act=1))
    # depthwise 3x3 SAME (4-channel SIMD body + scalar channel tail, edge taps skipped); no
    # activation, so the compiler marks it for the short requantisation (lower._fast_requant);
    # the RELU layer above keeps the general one
    y2 = act([1, h, w, c1])
    g.op("DEPTHWISE_CONV_2D", [y1, weights([1, 3, 3, c1], c1, 3), bias(c1, 1.0)], [y2],
         *tb.dw_options(act=0))
    # element-wise ADD of two activations with unequal scales (vector body + scalar tail)
    ys = act([1, h, w, c1])
    g.op("ADD", [y1, y2], [ys], *tb.add_options(act=int(rng.integers(0, 2))))
    # 3x3 stride-2 SAME conv (im2col with zero-point padding, patch 9 x c1)
    oh, ow = (h + 1) // 2, (w + 1) // 2
    y3 = act([1, oh, ow, c2])
    g.op("CONV_2D", [ys, weights([c2, 3, 3, c1], c2), bias(c2, 1.0)], [y3],
         *tb.conv_options(stride=(2, 2)))
    # batched fully connected: oh * ow rows (odd) of c2 features, per-tensor weights
    wf = g.tensor([f, c2], float(rng.uniform(0.003, 0.03)), 0,
                  data=rng.integers(-127, 128, size=(f, c2), dtype=np.int8))
    y4 = act([oh * ow, f])
    g.op("FULLY_CONNECTED", [y3, wf, -1], [y4], *tb.fc_options())
    return g.build([x], [y4])


@pytest.mark.qemu
@pytest.mark.parametrize("board,seed", [("qemu-mps2-an386", 5), ("qemu-mps3-an547", 6)])
def test_cortex_m_kernels_bit_exact(board: str, seed: int) -> None:
    from fixtures_firmware import needs_qemu

    needs_qemu(board)
    path = runner.materialize(_graph(seed), f"qemu-ops-{seed}")
    # Host reference first: a graph TFLM and the generic engine disagree on is a test bug.
    info = runner.analyze_model(path, "op")
    rng = np.random.default_rng(seed)
    inputs = rng.integers(-128, 128, size=(3, info.input.elements), dtype=np.int8)
    ref, ours = runner.compare(path, inputs)
    assert np.array_equal(ref, ours), runner.first_mismatch(ref, ours)
    report = verify_model(load_board(board), path, "op01", samples=6, seed=seed)
    assert report.first is None, report.to_json()
    assert report.ok and report.checked == 6
