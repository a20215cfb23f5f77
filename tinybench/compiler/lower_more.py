"""Lowering of the operators beyond the official models' seven (custom, open-division models):
MAX_POOL_2D, RELU / RELU6 / HARD_SWISH / LOGISTIC as standalone ops, MEAN, CONCATENATION,
PAD / PADV2, MUL and QUANTIZE (QUANTIZE / DEQUANTIZE at a float32 model interface: ``boundary.py``).
Kernels: ``firmware/engine/tb_ops_more.c``.

Why a module of its own: the core lowering (``lower.py``) is tuned for the official models'
layers; these operators only need their TFLM parameters computed exactly as TFLM's ``Prepare``
does, and register themselves in ``lower._LOWER`` / ``codegen._STRUCTS``. Every limit below is
either TFLM's own (it refuses the model too) or named in the error with what is supported.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinybench.compiler import quant
from tinybench.compiler.tflite import INT8, INT32, Tensor

#: op name -> (params struct, kernel) for codegen
STRUCTS = {"MAX_POOL_2D": ("tb_pool_params_t", "tb_maxpool_s8"),
           "RELU": ("tb_relu_params_t", "tb_relu_s8"),
           "RELU6": ("tb_relu_params_t", "tb_relu_s8"),
           "QUANTIZE": ("tb_relu_params_t", "tb_relu_s8"),
           "MEAN": ("tb_mean_params_t", "tb_mean_s8"),
           "CONCATENATION": ("tb_concat_params_t", "tb_concat_s8"),
           "PAD": ("tb_pad_params_t", "tb_pad_s8"),
           "PADV2": ("tb_pad_params_t", "tb_pad_s8"),
           "MUL": ("tb_mul_params_t", "tb_mul_s8"),
           "LOGISTIC": ("tb_logistic_params_t", "tb_logistic_s8"),
           "HARD_SWISH": ("tb_hard_swish_params_t", "tb_hard_swish_s8")}
HEADER = "tb_ops_more.h"
#: kernels that take their inputs as one array of pointers (any number of inputs)
ARRAY_INPUTS = frozenset({"CONCATENATION"})


def _lowered(o: Any, inputs: list[Tensor], y: Tensor, params: dict, arrays: dict | None = None) -> Any:
    from tinybench.compiler.lower import LoweredOp

    return LoweredOp(o.op.index, o.op.name, [t.index for t in inputs], y.index, params, arrays or {})


def _qp(t: Tensor) -> tuple[float, int]:
    return t.scales[0], t.zero_points[0]


def _dims4(o: Any, t: Tensor, role: str) -> list[int]:
    """The shape extended to 4-D with leading 1s (the kernels' layout)."""
    if len(t.shape) > 4:
        raise o.fail(f"{role} tensor {t.index} has {len(t.shape)} dimensions", "up to 4 dimensions")
    return [1] * (4 - len(t.shape)) + list(t.shape)


def _same_quant(o: Any, x: Tensor, y: Tensor, what: str) -> None:
    if _qp(x) != _qp(y):
        raise o.fail(f"{what} tensor {x.index} is quantised with scale {x.scales[0]:g} / zero point "
                     f"{x.zero_points[0]}, the output with {y.scales[0]:g} / {y.zero_points[0]}",
                     "identical input and output quantisation (TFLM's int8 kernel requires it too)")


def _int_constant(o: Any, t: Tensor, role: str) -> np.ndarray:
    """A constant INT32 tensor (axes, paddings): TFLM reads these as int32 only."""
    return o.constant(t, role, INT32).astype(np.int64)


def _max_pool(o: Any) -> Any:
    from tinybench.compiler.lower import _avg_pool

    return _avg_pool(o)   # same window geometry, checks and activation clamp as AVERAGE_POOL_2D


def _requant_params(size: int, zi: int, zo: int, mult: int, shift: int, lo: int, hi: int) -> dict:
    return {"size": size, "input_zero_point": zi, "output_zero_point": zo, "multiplier": mult,
            "shift": shift, "act_min": lo, "act_max": hi}


def _relu(o: Any, upper: float | None) -> Any:
    x = o.int8_activation(o.tensor(0, "input"), "input")
    y = o.int8_activation(o.out(), "output")
    if x.elements != y.elements:
        raise o.fail(f"shapes {x.shape} -> {y.shape}", "element-wise RELU of equal sizes")
    (si, zi), (so, zo) = _qp(x), _qp(y)
    if upper is None:
        # TFLM CalculateReluOpData: requantise by double(input scale) / double(output scale).
        mult, shift = quant.quantize_multiplier(float(np.float32(si)) / float(np.float32(so)))
        return _lowered(o, [x], y, _requant_params(y.elements, zi, zo, mult, shift, max(-128, zo), 127))
    # TFLM Relu6: no requantisation; clamp to [input zero point, quantised 6] in the input's
    # quantisation (FloatToQuantizedType: zero point + round(6 / scale) in float, clamped).
    act_max = max(-128, min(127, zi + quant.round_half_away(float(np.float32(upper) / np.float32(si)))))
    return _lowered(o, [x], y, _requant_params(y.elements, 0, 0, 1 << 30, 1, zi, act_max))


def _quantize(o: Any) -> Any:
    """QUANTIZE int8 -> int8 (TFLM Requantize). float -> int8 exists only as the graph's first
    operator and is folded into the model input by ``boundary.strip_float_io``."""
    x = o.tensor(0, "input")
    if x.dtype != INT8:
        raise o.fail(f"input tensor {x.index} is {x.dtype_name}",
                      "int8 -> int8 requantisation, or FLOAT32 -> INT8 as the model's first "
                      "operator on the model input")
    x = o.int8_activation(x, "input")
    y = o.int8_activation(o.out(), "output")
    if x.elements != y.elements:
        raise o.fail(f"shapes {x.shape} -> {y.shape}", "element-wise QUANTIZE of equal sizes")
    mult, shift = quant.quantize_multiplier(float(x.scales[0]) / float(y.scales[0]))
    return _lowered(o, [x], y, _requant_params(y.elements, x.zero_points[0], y.zero_points[0],
                                               mult, shift, -128, 127))


def _dequantize(o: Any) -> Any:
    """Only reached when a DEQUANTIZE is not the model's last operator (see ``boundary``)."""
    raise o.fail("int8 -> float32 inside the graph (the engine has no float activations)",
                 "DEQUANTIZE only as the last operator, producing the model's float32 output")


def _mean(o: Any) -> Any:
    x = o.int8_activation(o.tensor(0, "input"), "input")
    y = o.int8_activation(o.out(), "output")
    dims = _dims4(o, x, "input")
    rank = len(x.shape)
    axes = set()
    for a in _int_constant(o, o.tensor(1, "axis"), "axis").tolist():
        if not -rank <= a < rank:
            raise o.fail(f"axis {a} of a {rank}-D input", f"axes in [-{rank}, {rank})")
        axes.add((a + rank) % rank + 4 - rank)
    reduce = [1 if d in axes else 0 for d in range(4)]
    count = math.prod(dims[d] for d in axes)
    kept = math.prod(dims[d] for d in range(4) if d not in axes)
    if y.elements != kept:
        raise o.fail(f"output has {y.elements} elements, reducing {x.shape} over axes "
                     f"{sorted(axes)} gives {kept}", "consistent tensor shapes")
    # TFLM PrepareMeanOrSum: double(input scale) / double(output scale); QuantizedMeanOrSum then
    # folds 1/count into the multiplier (shift by floor(log2 count), at most 32 and 31 + shift).
    mult, shift = quant.quantize_multiplier(float(x.scales[0]) / float(y.scales[0]))
    sh = min(count.bit_length() - 1, 32, 31 + shift)
    mult, shift = (mult << sh) // count, shift - sh
    params = {"dims": dims, "reduce": reduce, "count": count, "input_zero_point": x.zero_points[0],
              "output_zero_point": y.zero_points[0], "multiplier": mult, "shift": shift}
    return _lowered(o, [x], y, params)


def _concatenation(o: Any) -> Any:
    from tinybench.compiler.lower import ConstArray

    y = o.int8_activation(o.out(), "output")
    if o.activation() != "NONE":
        raise o.fail(f"fused activation {o.activation()}", "NONE (as TFLM)")
    xs = [o.int8_activation(o.tensor(i, f"input{i}"), f"input{i}") for i in range(len(o.op.inputs))]
    rank = len(y.shape)
    axis = int(o.op.options.get("axis", 0))
    if not -rank <= axis < rank:
        raise o.fail(f"axis {axis} of a {rank}-D output", f"axes in [-{rank}, {rank})")
    axis %= rank
    for i, x in enumerate(xs):
        _same_quant(o, x, y, f"input{i}")
        if len(x.shape) != rank or any(x.shape[d] != y.shape[d] for d in range(rank) if d != axis):
            raise o.fail(f"input{i} shape {x.shape} does not fit output {y.shape} on axis {axis}",
                         "inputs equal to the output except along the axis")
    if sum(x.shape[axis] for x in xs) != y.shape[axis]:
        raise o.fail(f"inputs add up to {sum(x.shape[axis] for x in xs)} along axis {axis}, "
                     f"output has {y.shape[axis]}", "consistent tensor shapes")
    outer = math.prod(y.shape[:axis])
    sizes = np.array([x.elements // outer for x in xs], np.int64)
    params = {"inputs": len(xs), "outer": outer, "out_stride": y.elements // outer}
    return _lowered(o, xs, y, params, {"sizes": ConstArray(f"op{o.op.index}_sizes", "int32_t", sizes)})


def _pad(o: Any) -> Any:
    x = o.int8_activation(o.tensor(0, "input"), "input")
    y = o.int8_activation(o.out(), "output")
    _same_quant(o, x, y, "input")
    rank = len(x.shape)
    pads = _int_constant(o, o.tensor(1, "paddings"), "paddings")
    if pads.size != 2 * rank or len(y.shape) != rank:
        raise o.fail(f"paddings of {pads.size} values for a {rank}-D input", "[rank, 2] paddings")
    pads = pads.reshape(rank, 2)
    if (pads < 0).any():
        raise o.fail("negative padding", "non-negative paddings")
    before = [0] * (4 - rank) + [int(p) for p in pads[:, 0]]
    in_dims, out_dims = _dims4(o, x, "input"), _dims4(o, y, "output")
    expect = [int(d + a + b) for d, (a, b) in zip(x.shape, pads.tolist())]
    if expect != list(y.shape):
        raise o.fail(f"output shape {y.shape}, padding {x.shape} gives {expect}", "consistent tensor shapes")
    pad_value = y.zero_points[0]
    value = o.tensor(2, "constant value", optional=True) if o.op.name == "PADV2" else None
    if value is not None:
        # TFLM: the pad value is an int8 constant quantised like the output.
        if value.elements != 1 or (value.scales and _qp(value) != _qp(y)):
            raise o.fail(f"constant value tensor {value.index} is not an int8 scalar quantised "
                         "like the output", "a scalar pad value with the output's quantisation")
        pad_value = int(o.constant(value, "constant value", INT8)[0])
    params = {"in_dims": in_dims, "out_dims": out_dims, "before": before, "pad_value": pad_value}
    return _lowered(o, [x], y, params)


def _broadcast_strides(o: Any, t: Tensor, out: list[int], role: str) -> list[int]:
    dims = _dims4(o, t, role)
    strides, step = [0] * 4, 1
    for d in range(3, -1, -1):
        if dims[d] not in (1, out[d]):
            raise o.fail(f"{role} shape {t.shape} does not broadcast to {out}",
                         "NumPy-style broadcasting up to 4-D")
        strides[d] = step if dims[d] == out[d] and out[d] != 1 else 0
        step *= dims[d]
    return strides


def _mul_operand(o: Any, pos: int) -> tuple[Tensor, np.ndarray | None]:
    """An activation, or a constant int8 tensor (returned with its values)."""
    t = o.tensor(pos, f"input{pos + 1}")
    if t.data is None:
        return o.int8_activation(t, f"input{pos + 1}"), None
    if len(t.scales) != 1 or len(t.zero_points) != 1:
        raise o.fail(f"constant input{pos + 1} tensor {t.index} has {len(t.scales)} scales",
                     "per-tensor quantised constants")
    o.positive_scale(t, f"input{pos + 1}")
    return t, o.constant(t, f"input{pos + 1}", INT8)


def _mul(o: Any) -> Any:
    from tinybench.compiler.lower import ConstArray

    (a, ca), (b, cb) = _mul_operand(o, 0), _mul_operand(o, 1)
    y = o.int8_activation(o.out(), "output")
    if ca is not None and cb is not None:
        raise o.fail("both inputs are constant", "at least one activation input")
    out = _dims4(o, y, "output")
    s1, s2 = _broadcast_strides(o, a, out, "input1"), _broadcast_strides(o, b, out, "input2")
    want = [max(p, q) for p, q in zip(_dims4(o, a, "input1"), _dims4(o, b, "input2"))]
    if want != out:
        raise o.fail(f"shapes {a.shape} x {b.shape} -> {y.shape}", "consistent tensor shapes")
    (sa, za), (sb, zb), (so, zo) = _qp(a), _qp(b), _qp(y)
    # TFLM mul Prepare: double(s1) * double(s2) / double(so).
    mult, shift = quant.quantize_multiplier(float(sa) * float(sb) / float(so))
    lo, hi = quant.activation_range(o.activation(), so, zo)
    params = {"out_dims": out, "in1_strides": s1, "in2_strides": s2, "input1_offset": -za,
              "input2_offset": -zb, "output_offset": zo, "multiplier": mult, "shift": shift,
              "act_min": lo, "act_max": hi}
    const = ca if ca is not None else cb
    if const is None:
        return _lowered(o, [a, b], y, params)
    params["constant_first"] = int(ca is not None)
    lop = _lowered(o, [b if ca is not None else a], y, params,
                   {"constant": ConstArray(f"op{o.op.index}_constant", "int8_t", const)})
    lop.kernel = "tb_mul_const_s8"
    return lop


def _fixed_output(o: Any, y: Tensor, scale: float, zero_point: int, why: str) -> None:
    if _qp(y) != (scale, zero_point):
        raise o.fail(f"output scale {y.scales[0]:g} / zero point {y.zero_points[0]}",
                     f"output scale {scale:g} and zero point {zero_point} ({why}; TFLM requires it)")


def _logistic(o: Any) -> Any:
    x = o.int8_activation(o.tensor(0, "input"), "input")
    y = o.int8_activation(o.out(), "output")
    if x.elements != y.elements:
        raise o.fail(f"shapes {x.shape} -> {y.shape}", "element-wise LOGISTIC of equal sizes")
    _fixed_output(o, y, 1.0 / 256, -128, "int8 sigmoid output")
    # TFLM CalculateArithmeticOpData: input rescaled to Q4.27 by frexp(scale * 2^27), rounded
    # half away from zero, no renormalisation; radius from CalculateInputRadius(4, shift, 31).
    q, left_shift = math.frexp(float(x.scales[0]) * float(1 << 27))
    mult = quant.round_half_away(q * (1 << 31))
    if mult >= 1 << 31 or not 0 <= left_shift <= 31:
        raise o.fail(f"input scale {x.scales[0]:g}", "input scales TFLM's int8 LOGISTIC can represent")
    radius = math.floor(15.0 * float(1 << 27) / float(1 << left_shift))
    params = {"size": y.elements, "input_zero_point": x.zero_points[0], "input_range_radius": radius,
              "input_multiplier": mult, "input_left_shift": left_shift}
    return _lowered(o, [x], y, params)


def _int16_multiplier(m32: int) -> int:
    """TFLM DownScaleInt32ToInt16Multiplier: round the Q0.31 multiplier to Q0.15."""
    return 32767 if m32 >= (1 << 31) - 1 - (1 << 15) else (m32 + (1 << 15)) >> 16


def _hard_swish(o: Any) -> Any:
    f32 = np.float32
    x = o.int8_activation(o.tensor(0, "input"), "input")
    y = o.int8_activation(o.out(), "output")
    if x.elements != y.elements:
        raise o.fail(f"shapes {x.shape} -> {y.shape}", "element-wise HARD_SWISH of equal sizes")
    # TFLM HardSwishPrepare: the scales are combined in float32, then promoted to double.
    hires = f32(1.0 / 128.0) * f32(x.scales[0])
    out_m, out_e = quant.quantize_multiplier(float(f32(hires / f32(y.scales[0]))))
    relu_m, relu_e = quant.quantize_multiplier(float(f32(hires / f32(3.0 / 32768.0))))
    if not -15 <= out_e <= 0 or not -15 <= relu_e <= 15:
        raise o.fail(f"input scale {x.scales[0]:g} / output scale {y.scales[0]:g}",
                     "an output scale between input scale / 128 and input scale x 512 (TFLM's "
                     "int16 HARD_SWISH arithmetic)")
    params = {"size": y.elements, "input_zero_point": x.zero_points[0],
              "output_zero_point": y.zero_points[0], "output_multiplier": _int16_multiplier(out_m),
              "output_exponent": out_e, "reluish_multiplier": _int16_multiplier(relu_m),
              "reluish_exponent": relu_e}
    return _lowered(o, [x], y, params)


LOWER = {"MAX_POOL_2D": _max_pool, "RELU": lambda o: _relu(o, None), "RELU6": lambda o: _relu(o, 6.0),
         "QUANTIZE": _quantize, "DEQUANTIZE": _dequantize, "MEAN": _mean,
         "CONCATENATION": _concatenation, "PAD": _pad, "PADV2": _pad, "MUL": _mul,
         "LOGISTIC": _logistic, "HARD_SWISH": _hard_swish}
