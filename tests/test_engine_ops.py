"""Per-operator bit-exactness against TFLM's reference kernels.

Two sources of layers: real layers cut out of the official models (their weights, scales and
shapes), and synthetic layers covering what those models do not use (stride-2 SAME padding with
an odd padding total, dilation, depth multiplier, per-channel and bias-less FULLY_CONNECTED,
batched FC, partial pooling windows, ADD with unequal scales, softmax edge cases).
"""

from __future__ import annotations

import numpy as np
import pytest

from engine_harness import runner
from engine_harness import tflite_builder as tb

pytest.importorskip("tflite_micro")

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as sch  # noqa: E402

from tinybench.compiler.tflite import parse_model  # noqa: E402

OFFICIAL = {"kws01": "kws_ref_model.tflite", "vww01": "vww_96_int8.tflite",
            "ic01": "pretrainedResnet_quant.tflite", "ad01": "ad01_int8.tflite"}
INT32 = sch.TensorType.INT32
RELU, RELU_N1_TO_1, RELU6 = 1, 2, 3


def _check(data: bytes, stem: str, n: int = 12, seed: int = 0, inputs=None) -> None:
    path = runner.materialize(data, stem)
    elems = runner.analyze_model(path, "op").input.elements
    if inputs is None:
        rng = np.random.default_rng(seed)
        inputs = rng.integers(-128, 128, size=(n, elems), dtype=np.int8)
        inputs[0] = -128
        inputs[1] = 127
    ref, ours = runner.compare(path, np.asarray(inputs, dtype=np.int8))
    assert np.array_equal(ref, ours), f"{stem}: first mismatch {runner.first_mismatch(ref, ours)}"


def _real_layers() -> list[tuple[str, int]]:
    """(model id, op index) for every distinct layer configuration of the official models."""
    from tinybench import paths

    shared = paths.shared_dir()
    if shared is None:
        return []
    out = []
    for mid, name in OFFICIAL.items():
        path = shared / "mlperf-tiny" / "models" / name
        if not path.is_file():
            continue
        model = parse_model(path.read_bytes(), name)
        seen = set()
        for op in model.operators:
            if op.name == "ADD":      # two activation inputs: covered by the synthetic ADD graph
                continue
            shapes = tuple(tuple(model.tensors[t].shape) for t in op.inputs[1:2] if t >= 0)
            sig = (op.name, tuple(sorted(op.options.items(), key=str)), shapes,
                   model.tensors[op.inputs[0]].shape[-1] == 1)
            if sig in seen:
                continue
            seen.add(sig)
            out.append((mid, op.index))
    return out


@pytest.mark.parametrize("model_id,op_index", _real_layers())
def test_real_layer(shared, model_id, op_index):
    data = (shared / "mlperf-tiny" / "models" / OFFICIAL[model_id]).read_bytes()
    _check(tb.extract_op(data, op_index), f"{model_id}-op{op_index}", seed=op_index)


def _weights(rng, shape):
    return rng.integers(-127, 128, size=shape, dtype=np.int8)


def _bias(rng, n):
    return rng.integers(-3000, 3000, size=n, dtype=np.int32)


def test_conv_stride2_same_dilation_relu6_per_tensor():
    rng = np.random.default_rng(1)
    g = tb.GraphBuilder()
    x = g.tensor([1, 10, 9, 5], 0.05, 7)
    w = g.tensor([6, 3, 3, 5], 0.01, 0, data=_weights(rng, (6, 3, 3, 5)))
    b = g.tensor([6], 0.05 * 0.01, 0, dtype=INT32, data=_bias(rng, 6))
    y = g.tensor([1, 5, 5, 6], 0.04, -20)
    g.op("CONV_2D", [x, w, b], [y], *tb.conv_options(stride=(2, 2), act=RELU6))
    _check(g.build([x], [y]), "syn-conv-s2-relu6")

    g = tb.GraphBuilder()
    x = g.tensor([1, 9, 11, 4], 0.05, -3)
    w = g.tensor([3, 3, 3, 4], [0.01, 0.02, 0.005], 0, data=_weights(rng, (3, 3, 3, 4)))
    y = g.tensor([1, 9, 11, 3], 0.06, 5)
    g.op("CONV_2D", [x, w, -1], [y], *tb.conv_options(dilation=(2, 2)))
    _check(g.build([x], [y]), "syn-conv-dil2-nobias")

    g = tb.GraphBuilder()
    x = g.tensor([1, 12, 7, 3], 0.02, 0)
    w = g.tensor([4, 2, 3, 3], [0.01, 0.02, 0.03, 0.015], 0, data=_weights(rng, (4, 2, 3, 3)))
    b = g.tensor([4], 1.0, 0, dtype=INT32, data=_bias(rng, 4))
    y = g.tensor([1, 6, 3, 4], 0.03, -10)
    g.op("CONV_2D", [x, w, b], [y], *tb.conv_options(padding="VALID", stride=(2, 2), act=RELU))
    _check(g.build([x], [y]), "syn-conv-valid-s2")


def test_depthwise_multiplier_stride_and_clamps():
    rng = np.random.default_rng(2)
    g = tb.GraphBuilder()
    x = g.tensor([1, 8, 7, 3], 0.05, 4)
    w = g.tensor([1, 3, 3, 6], [0.01 * (i + 1) for i in range(6)], 0, data=_weights(rng, (1, 3, 3, 6)),
                 quantized_dimension=3)
    b = g.tensor([6], 1.0, 0, dtype=INT32, data=_bias(rng, 6))
    y = g.tensor([1, 4, 4, 6], 0.05, 0)
    g.op("DEPTHWISE_CONV_2D", [x, w, b], [y], *tb.dw_options(stride=(2, 2), multiplier=2,
                                                              act=RELU_N1_TO_1))
    _check(g.build([x], [y]), "syn-dw-mult2")

    g = tb.GraphBuilder()
    x = g.tensor([1, 9, 9, 40], 0.05, -7)   # 40 channels: crosses the 32-channel kernel block
    w = g.tensor([1, 3, 3, 40], 0.02, 0, data=_weights(rng, (1, 3, 3, 40)), quantized_dimension=3)
    # (TFLM's depthwise kernel crashes without a bias tensor, so this one has a bias too.)
    b = g.tensor([40], 1.0, 0, dtype=INT32, data=_bias(rng, 40))
    y = g.tensor([1, 9, 9, 40], 0.05, 3)
    g.op("DEPTHWISE_CONV_2D", [x, w, b], [y], *tb.dw_options(dilation=(2, 2), act=RELU6))
    _check(g.build([x], [y]), "syn-dw-dil2-40ch")


def test_fully_connected_variants():
    rng = np.random.default_rng(3)
    # Per-channel weights, no bias, batched input [2, 3, 16] -> 6 rows.
    g = tb.GraphBuilder()
    x = g.tensor([2, 3, 16], 0.1, 12)
    w = g.tensor([5, 16], [0.01, 0.02, 0.004, 0.03, 0.011], 0, data=_weights(rng, (5, 16)))
    y = g.tensor([6, 5], 0.2, -4)
    g.op("FULLY_CONNECTED", [x, w, -1], [y], *tb.fc_options())
    _check(g.build([x], [y]), "syn-fc-perchannel-nobias")
    # Per-tensor, bias, RELU6.
    g = tb.GraphBuilder()
    x = g.tensor([1, 33], 0.07, -5)
    w = g.tensor([9, 33], 0.013, 0, data=_weights(rng, (9, 33)))
    b = g.tensor([9], 0.07 * 0.013, 0, dtype=INT32, data=_bias(rng, 9))  # TFLM checks bias scale
    y = g.tensor([1, 9], 0.05, -100)
    g.op("FULLY_CONNECTED", [x, w, b], [y], *tb.fc_options(act=RELU6))
    _check(g.build([x], [y]), "syn-fc-relu6", n=40)


def test_average_pool_partial_windows():
    g = tb.GraphBuilder()
    x = g.tensor([1, 7, 8, 5], 0.1, -20)
    y = g.tensor([1, 4, 4, 5], 0.1, -20)
    g.op("AVERAGE_POOL_2D", [x], [y], *tb.pool_options(stride=(2, 2), filt=(3, 3)))
    _check(g.build([x], [y]), "syn-avgpool-same", n=30)
    g = tb.GraphBuilder()
    x = g.tensor([1, 6, 6, 3], 0.1, 10)
    y = g.tensor([1, 2, 2, 3], 0.1, 10)
    g.op("AVERAGE_POOL_2D", [x], [y], *tb.pool_options(padding="VALID", stride=(3, 3),
                                                        filt=(3, 3), act=RELU))
    _check(g.build([x], [y]), "syn-avgpool-valid-relu", n=30)


@pytest.mark.parametrize("scales,act", [((0.05, 0.08, 0.1), RELU), ((0.3, 0.02, 0.07), 0),
                                        ((0.05, 0.05, 0.05), RELU6)])
def test_add_unequal_scales(scales, act):
    """CONV 1x1 makes a second activation with its own scale, then ADD(input, conv)."""
    rng = np.random.default_rng(4)
    s1, s2, so = scales
    g = tb.GraphBuilder()
    x = g.tensor([1, 5, 4, 8], s1, -6)
    w = g.tensor([8, 1, 1, 8], 0.02, 0, data=_weights(rng, (8, 1, 1, 8)))
    c = g.tensor([1, 5, 4, 8], s2, 9)
    y = g.tensor([1, 5, 4, 8], so, -2)
    g.op("CONV_2D", [x, w, -1], [c], *tb.conv_options())
    g.op("ADD", [x, c], [y], *tb.add_options(act=act))
    _check(g.build([x], [y]), f"syn-add-{s1}-{s2}-{so}-{act}", n=30)


@pytest.mark.parametrize("scale,beta", [(0.5847, 1.0), (0.1, 1.0), (1 / 256, 1.0), (2.0, 1.0),
                                        (0.05, 0.5), (8.0, 1.0)])
def test_softmax_edge_cases(scale, beta):
    g = tb.GraphBuilder()
    x = g.tensor([1, 3, 11], scale, 3)
    y = g.tensor([1, 3, 11], 1 / 256, -128)
    g.op("SOFTMAX", [x], [y], *tb.softmax_options(beta))
    rng = np.random.default_rng(6)
    cases = [np.full(33, -128), np.full(33, 127), np.full(33, 0)]
    one_hot = np.full(33, -128)
    one_hot[[0, 15, 32]] = 127
    cases.append(one_hot)
    near = np.full(33, 100)
    near[[1, 12, 23]] = 101
    cases.append(near)
    cases.append(np.tile(np.arange(-128, 127, 23)[:11], 3))
    cases += list(rng.integers(-128, 128, size=(20, 33)))
    cases += list(rng.integers(90, 128, size=(10, 33)))   # narrow spread: many exp terms count
    _check(g.build([x], [y]), f"syn-softmax-{scale}-{beta}", inputs=np.array(cases))
