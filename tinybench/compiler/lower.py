"""Check a parsed TFLite graph against what the engine supports and lower it to kernel calls.

Why lowering happens in Python: everything that does not depend on the input (output shapes,
padding, activation clamps, requantisation multipliers) is computed once here, exactly as TFLM's
Prepare functions do, so the C side is a list of calls with constant parameter structs.
Every rejection names the operator, its index and what is supported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from tinybench.compiler import quant
from tinybench.compiler.errors import ModelError
from tinybench.compiler.tflite import (FUSED_ACTIVATIONS, INT8, INT32, PADDINGS, Model, Operator,
                                       Tensor)

SUPPORTED_OPS = ("ADD", "AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED",
                 "RESHAPE", "SOFTMAX")
SUPPORTED_ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


@dataclass
class ConstArray:
    """A constant array the generator emits into flash."""

    name: str
    ctype: str            # "int8_t" or "int32_t"
    values: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(self.values.size) * (1 if self.ctype == "int8_t" else 4)


@dataclass
class LoweredOp:
    index: int            # operator index in the .tflite
    kind: str             # builtin name
    inputs: list[int]     # activation tensor indices read
    output: int           # activation tensor index written
    params: dict = field(default_factory=dict)       # scalar fields of the C params struct
    arrays: dict[str, ConstArray] = field(default_factory=dict)   # pointer fields -> constants
    kernel: str | None = None   # C function when it is not the kind's usual one (codegen._STRUCTS)


class _Op:
    """Helpers bound to one operator so every error names it."""

    def __init__(self, model: Model, op: Operator) -> None:
        self.model, self.op = model, op

    def fail(self, what: str, supported: str) -> ModelError:
        return ModelError(f"operator {self.op.index} ({self.op.name}): {what}",
                          f"supported: {supported}")

    def tensor(self, pos: int, role: str, *, optional: bool = False) -> Tensor | None:
        ins = self.op.inputs
        if pos >= len(ins) or ins[pos] < 0:
            if optional:
                return None
            raise self.fail(f"missing {role} input", "a complete operator as exported by TFLite")
        return self.model.tensors[ins[pos]]

    def out(self) -> Tensor:
        if len(self.op.outputs) != 1:
            raise self.fail(f"{len(self.op.outputs)} outputs", "exactly one output")
        return self.model.tensors[self.op.outputs[0]]

    def int8_activation(self, t: Tensor, role: str) -> Tensor:
        if t.dtype != INT8:
            raise self.fail(f"{role} tensor {t.index} ({t.name!r}) is {t.dtype_name}",
                            "INT8 activations (full-integer quantised models)")
        if t.data is not None and role != "filter":
            raise self.fail(f"{role} tensor {t.index} is a constant", "variable activations")
        if not t.shape or any(d <= 0 for d in t.shape):
            raise self.fail(f"{role} tensor {t.index} has shape {t.shape}",
                            "static shapes with positive dimensions")
        if len(t.scales) != 1 or len(t.zero_points) != 1:
            raise self.fail(f"{role} tensor {t.index} has {len(t.scales)} scales",
                            "per-tensor quantised activations")
        self.positive_scale(t, role)
        return t

    def positive_scale(self, t: Tensor, role: str) -> None:
        """Every requantisation divides by a scale: refuse 0, negative, inf and NaN up front."""
        if not all(math.isfinite(s) and s > 0 for s in t.scales):
            raise self.fail(f"{role} tensor {t.index} has scale {t.scales}",
                            "positive, finite quantisation scales (re-export the model)")

    def constant(self, t: Tensor, role: str, dtype: int) -> np.ndarray:
        if t.data is None:
            raise self.fail(f"{role} tensor {t.index} is not constant", f"constant {role}")
        if t.dtype != dtype:
            raise self.fail(f"{role} tensor {t.index} is {t.dtype_name}",
                            f"{'INT8' if dtype == INT8 else 'INT32'} {role}")
        np_type = np.int8 if dtype == INT8 else np.int32
        need = t.elements * np.dtype(np_type).itemsize
        if len(t.data) != need:
            raise self.fail(f"{role} tensor {t.index} holds {len(t.data)} bytes, shape needs {need}",
                            "a well-formed model")
        return np.frombuffer(t.data, dtype=np.dtype(np_type).newbyteorder("<")).astype(np_type)

    def activation(self) -> str:
        act = FUSED_ACTIVATIONS.get(int(self.op.options.get("activation", 0)), "?")
        if act not in SUPPORTED_ACTIVATIONS:
            raise self.fail(f"fused activation {act}", ", ".join(SUPPORTED_ACTIVATIONS))
        return act

    def nhwc(self, t: Tensor, role: str) -> tuple[int, int, int]:
        if len(t.shape) != 4 or t.shape[0] != 1:
            raise self.fail(f"{role} shape {t.shape}", "4-D NHWC tensors with batch 1")
        return t.shape[1], t.shape[2], t.shape[3]


def _qp(t: Tensor) -> tuple[float, int]:
    return t.scales[0], t.zero_points[0]


def _padding(o: _Op, in_size: int, k: int, stride: int, dil: int, out_size: int,
             axis: str) -> int:
    """TFLM ComputeOutSize + ComputePaddingWithOffset; also checks the stored output shape."""
    pad_name = PADDINGS.get(int(o.op.options.get("padding", 0)))
    if pad_name is None:
        raise o.fail(f"padding type {o.op.options.get('padding')}", "SAME, VALID")
    if stride <= 0 or dil <= 0:
        raise o.fail(f"stride {stride} / dilation {dil} on {axis}", "positive strides and dilations")
    eff = (k - 1) * dil + 1
    expect = (in_size + stride - 1) // stride if pad_name == "SAME" else (in_size - eff + stride) // stride
    if expect != out_size:
        raise o.fail(f"output {axis} is {out_size}, {pad_name} padding gives {expect}",
                     "consistent tensor shapes")
    total = max(0, (out_size - 1) * stride + eff - in_size)
    return total // 2


def _bias(o: _Op, b: Tensor | None, count: int, per: str) -> np.ndarray | None:
    """The optional int32 bias as constant data, one value per output ``per`` (channel/output)."""
    if b is None:
        return None
    bias = o.constant(b, "bias", INT32)
    if bias.size != count:
        raise o.fail(f"bias has {bias.size} values for {count} {per}s", f"one bias per {per}")
    return bias

def _fold_bias(index: int, bias: np.ndarray | None, rows: np.ndarray, input_offset: int,
               params: dict, arrays: dict) -> None:
    """Fold the input zero point into the bias: sum (x + o) w + b = sum x w + (b + o sum w), so
    SIMD kernels multiply raw int8 inputs. Every tap a kernel reads holds a real input or, for
    padding, the input zero point (x + o = 0 there: im2col pads with it), keeping results exact."""
    b = (np.zeros(rows.shape[0], np.int64) if bias is None else bias.astype(np.int64))
    folded = b + input_offset * rows.astype(np.int64).sum(axis=1)
    if np.abs(folded).max(initial=0) >= 2**31:
        params["bias_folded"] = 0
        return
    arrays["bias"] = ConstArray(f"op{index}_bias", "int32_t", folded)
    params["bias_folded"] = 1


def _acc_bound(params: dict, arrays: dict, rows: np.ndarray, input_offset: int) -> np.ndarray:
    """Per output channel, a bound on |accumulator| (bias included) over every int8 input: with
    the folded bias the kernels multiply raw inputs (|x| <= 128), otherwise x + input_offset."""
    x_max = 128 if params.get("bias_folded") else max(abs(-128 + input_offset), abs(127 + input_offset))
    bound = np.abs(rows.astype(np.int64)).sum(axis=1) * x_max
    if "bias" in arrays:
        bound = bound + np.abs(arrays["bias"].values.astype(np.int64))
    return bound


def _fast_requant(params: dict, arrays: dict, acc_bound: np.ndarray) -> None:
    """Mark a layer whose requantisation the SIMD kernels may do in a short exact sequence
    (``rq_fast``): SaturatingRoundingDoublingHighMul as SMMULR of the doubled accumulator
    (exact while |acc| < 2^30), then RoundingDivideByPOT by e = -shift >= 1 with the output
    offset folded into its rounding constant, (h + 2^(e-1) + zp 2^e + (h < 0 ? -1 : 0)) >> e,
    which needs that sum to fit int32, and a saturation to int8 (full int8 activation range).
    Rewrites shifts where the result cannot change, so every channel fits: a zero multiplier
    gives 0 for any shift (stored as -1), and a right shift beyond the largest |h| gives 0 for
    all of them (lowered to the smallest such shift). Other layers keep the general sequence."""
    params["rq_fast"] = 0
    if params["act_min"] != -128 or params["act_max"] != 127:
        return
    mults = arrays["out_mult"].values.astype(np.int64)
    shifts = arrays["out_shift"].values.astype(np.int64).copy()
    bound = int(acc_bound.max(initial=0)) if mults.size == 1 else None
    zp = int(params["output_offset"])
    for c in range(mults.size):
        a = bound if bound is not None else int(acc_bound[c])
        m, e = int(mults[c]), -int(shifts[c])
        if a >= 1 << 30:
            return
        if m == 0:
            e = 1
        elif e < 1:
            return
        h = ((a * m + (1 << 30)) >> 31) + 1
        e = min(e, max(1, h.bit_length() + 1))
        r = (1 << (e - 1)) + zp * (1 << e)
        if abs(r) >= 1 << 30 or h + abs(r) >= (1 << 31) - 1:
            return
        shifts[c] = -e
    arrays["out_shift"].values = shifts
    params["rq_fast"] = 1


def _conv_like(o: _Op, depthwise: bool) -> LoweredOp:
    op = o.op
    x = o.int8_activation(o.tensor(0, "input"), "input")
    f = o.tensor(1, "filter")
    b = o.tensor(2, "bias", optional=True)
    y = o.int8_activation(o.out(), "output")
    in_h, in_w, in_c = o.nhwc(x, "input")
    out_h, out_w, out_c = o.nhwc(y, "output")
    w = o.constant(f, "filter", INT8)
    if len(f.shape) != 4:
        raise o.fail(f"filter shape {f.shape}", "4-D filters")
    if depthwise:
        _, k_h, k_w, f_c = f.shape
        mult = int(op.options.get("depth_multiplier", 1)) or 1
        if f_c != out_c or out_c != in_c * mult:
            raise o.fail(f"filter {f.shape} with input channels {in_c}, output {out_c}, "
                         f"depth multiplier {mult}", "output channels = input channels x multiplier")
    else:
        f_o, k_h, k_w, f_i = f.shape
        mult = 1
        if f_o != out_c or f_i != in_c:
            raise o.fail(f"filter {f.shape} does not match input channels {in_c} / output {out_c}",
                         "OHWI filters (grouped convolution is not supported)")
    if any(z != 0 for z in f.zero_points):
        raise o.fail("filter zero point is not 0", "symmetric int8 filters")
    if len(f.scales) not in (1, out_c):
        raise o.fail(f"{len(f.scales)} filter scales for {out_c} channels",
                     "per-tensor or per-output-channel filter scales")
    bias = _bias(o, b, out_c, "channel")
    s_h, s_w = int(op.options.get("stride_h", 1)), int(op.options.get("stride_w", 1))
    d_h, d_w = int(op.options.get("dilation_h", 1)), int(op.options.get("dilation_w", 1))
    pad_h = _padding(o, in_h, k_h, s_h, d_h, out_h, "height")
    pad_w = _padding(o, in_w, k_w, s_w, d_w, out_w, "width")
    xs, xz = _qp(x)
    ys, yz = _qp(y)
    mults, shifts = quant.conv_multipliers(xs, f.scales, ys, out_c)
    act_min, act_max = quant.activation_range(o.activation(), ys, yz)
    arrays = {"filter": ConstArray(f"op{op.index}_filter", "int8_t", w),
              "out_mult": ConstArray(f"op{op.index}_mult", "int32_t", np.array(mults, np.int64)),
              "out_shift": ConstArray(f"op{op.index}_shift", "int8_t", np.array(shifts, np.int64))}
    if bias is not None:
        arrays["bias"] = ConstArray(f"op{op.index}_bias", "int32_t", bias)
    params = {"in_h": in_h, "in_w": in_w, "in_c": in_c, "out_h": out_h, "out_w": out_w,
              "out_c": out_c, "k_h": k_h, "k_w": k_w, "stride_h": s_h, "stride_w": s_w,
              "dil_h": d_h, "dil_w": d_w, "pad_h": pad_h, "pad_w": pad_w,
              "depth_multiplier": mult, "input_offset": -xz, "output_offset": yz,
              "act_min": act_min, "act_max": act_max}
    if not depthwise:
        _fold_bias(op.index, bias, w.reshape(out_c, -1), -xz, params, arrays)
        rows = w.reshape(out_c, -1)
    else:
        rows = w.reshape(-1, out_c).T
    _fast_requant(params, arrays, _acc_bound(params, arrays, rows, -xz))
    return LoweredOp(op.index, op.name, [x.index], y.index, params, arrays)


def _fully_connected(o: _Op) -> LoweredOp:
    op = o.op
    x = o.int8_activation(o.tensor(0, "input"), "input")
    f = o.tensor(1, "weights")
    b = o.tensor(2, "bias", optional=True)
    y = o.int8_activation(o.out(), "output")
    if int(op.options.get("weights_format", 0)) != 0:
        raise o.fail("shuffled weights format", "DEFAULT weights format")
    w = o.constant(f, "weights", INT8)
    if len(f.shape) != 2:
        raise o.fail(f"weights shape {f.shape}", "2-D [out, in] weights")
    out_f, in_f = f.shape
    if in_f <= 0 or x.elements % in_f:
        raise o.fail(f"input of {x.elements} elements is not a multiple of {in_f}",
                     "inputs whose size is batches x weight columns")
    batches = x.elements // in_f
    if y.elements != batches * out_f:
        raise o.fail(f"output has {y.elements} elements, expected {batches * out_f}",
                     "consistent tensor shapes")
    bias = _bias(o, b, out_f, "output")
    xs, xz = _qp(x)
    ys, yz = _qp(y)
    if len(f.scales) > 1:
        if len(f.scales) != out_f:
            raise o.fail(f"{len(f.scales)} weight scales for {out_f} outputs",
                         "per-tensor or per-output-channel weight scales")
        mults, shifts = quant.conv_multipliers(xs, f.scales, ys, out_f)
        per_channel = 1
    elif len(f.scales) == 1:
        m, s = quant.fc_multiplier(xs, f.scales[0], ys)
        mults, shifts, per_channel = [m], [s], 0
    else:
        raise o.fail("weights are not quantised", "int8 quantised weights")
    fz = f.zero_points[0] if f.zero_points else 0
    act_min, act_max = quant.activation_range(o.activation(), ys, yz)
    arrays = {"filter": ConstArray(f"op{op.index}_weights", "int8_t", w),
              "out_mult": ConstArray(f"op{op.index}_mult", "int32_t", np.array(mults, np.int64)),
              "out_shift": ConstArray(f"op{op.index}_shift", "int8_t", np.array(shifts, np.int64))}
    if bias is not None:
        arrays["bias"] = ConstArray(f"op{op.index}_bias", "int32_t", bias)
    params = {"batches": batches, "in_features": in_f, "out_features": out_f,
              "input_offset": -xz, "filter_offset": -fz, "output_offset": yz,
              "act_min": act_min, "act_max": act_max, "per_channel": per_channel}
    if fz == 0:
        _fold_bias(op.index, bias, w.reshape(out_f, in_f), -xz, params, arrays)
        _fast_requant(params, arrays, _acc_bound(params, arrays, w.reshape(out_f, in_f), -xz))
    return LoweredOp(op.index, op.name, [x.index], y.index, params, arrays)


def _avg_pool(o: _Op) -> LoweredOp:
    op = o.op
    x = o.int8_activation(o.tensor(0, "input"), "input")
    y = o.int8_activation(o.out(), "output")
    in_h, in_w, c = o.nhwc(x, "input")
    out_h, out_w, c2 = o.nhwc(y, "output")
    if c != c2:
        raise o.fail(f"input has {c} channels, output {c2}", "pooling that keeps channels")
    if _qp(x) != _qp(y):
        raise o.fail("input and output quantisation differ", "identical input/output scale and zero point")
    k_h, k_w = int(op.options.get("filter_h", 0)), int(op.options.get("filter_w", 0))
    s_h, s_w = int(op.options.get("stride_h", 1)), int(op.options.get("stride_w", 1))
    if k_h <= 0 or k_w <= 0:
        raise o.fail(f"filter {k_h}x{k_w}", "positive pooling windows")
    pad_h = _padding(o, in_h, k_h, s_h, 1, out_h, "height")
    pad_w = _padding(o, in_w, k_w, s_w, 1, out_w, "width")
    act_min, act_max = quant.activation_range(o.activation(), *_qp(y))
    params = {"in_h": in_h, "in_w": in_w, "channels": c, "out_h": out_h, "out_w": out_w,
              "k_h": k_h, "k_w": k_w, "stride_h": s_h, "stride_w": s_w, "pad_h": pad_h,
              "pad_w": pad_w, "act_min": act_min, "act_max": act_max}
    return LoweredOp(op.index, op.name, [x.index], y.index, params)


def _add(o: _Op) -> LoweredOp:
    a = o.int8_activation(o.tensor(0, "input1"), "input1")
    b = o.int8_activation(o.tensor(1, "input2"), "input2")
    y = o.int8_activation(o.out(), "output")
    if a.shape != b.shape or a.elements != y.elements:
        raise o.fail(f"shapes {a.shape} + {b.shape} -> {y.shape}",
                     "element-wise ADD of equal shapes (no broadcasting)")
    (s1, z1), (s2, z2), (so, zo) = _qp(a), _qp(b), _qp(y)
    params = {"size": y.elements, "input1_offset": -z1, "input2_offset": -z2, "output_offset": zo}
    params.update(quant.add_params(s1, s2, so))
    params["act_min"], params["act_max"] = quant.activation_range(o.activation(), so, zo)
    return LoweredOp(o.op.index, o.op.name, [a.index, b.index], y.index, params)


def _reshape(o: _Op) -> LoweredOp:
    x = o.int8_activation(o.tensor(0, "input"), "input")
    y = o.int8_activation(o.out(), "output")
    if x.elements != y.elements:
        raise o.fail(f"{x.shape} -> {y.shape} changes the element count", "size-preserving reshapes")
    if _qp(x) != _qp(y):
        raise o.fail("input and output quantisation differ", "reshapes that keep quantisation")
    return LoweredOp(o.op.index, o.op.name, [x.index], y.index, {"n": y.elements})


def _softmax(o: _Op) -> LoweredOp:
    x = o.int8_activation(o.tensor(0, "input"), "input")
    y = o.int8_activation(o.out(), "output")
    if x.shape != y.shape or not x.shape:
        raise o.fail(f"shapes {x.shape} -> {y.shape}", "equal input and output shapes")
    ys, yz = _qp(y)
    if yz != -128 or ys != 1.0 / 256:
        raise o.fail(f"output scale {ys} / zero point {yz}", "int8 output with scale 1/256, zero point -128")
    depth = x.shape[-1]
    p = quant.softmax_params(float(o.op.options.get("beta", 1.0)), x.scales[0])
    params = {"rows": x.elements // depth, "depth": depth, **p}
    return LoweredOp(o.op.index, o.op.name, [x.index], y.index, params)


_LOWER = {"CONV_2D": lambda o: _conv_like(o, False),
          "DEPTHWISE_CONV_2D": lambda o: _conv_like(o, True),
          "FULLY_CONNECTED": _fully_connected, "AVERAGE_POOL_2D": _avg_pool, "ADD": _add,
          "RESHAPE": _reshape, "SOFTMAX": _softmax}

# Operators for custom (open-division) models live in their own module.
from tinybench.compiler.lower_more import LOWER as _LOWER_MORE  # noqa: E402

_LOWER.update(_LOWER_MORE)
SUPPORTED_OPS = tuple(sorted(set(SUPPORTED_OPS) | set(_LOWER_MORE)))


def lower_model(model: Model) -> list[LoweredOp]:
    """Validate the graph and return one ``LoweredOp`` per operator, in execution order."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ModelError(f"model has {len(model.inputs)} inputs and {len(model.outputs)} outputs",
                         "supported: exactly one input and one output tensor")
    for role, idx in (("input", model.inputs[0]), ("output", model.outputs[0])):
        t = model.tensors[idx]
        if t.dtype != INT8:
            raise ModelError(f"model {role} tensor {idx} ({t.name!r}) is {t.dtype_name}",
                             "supported: INT8 model input and output (full-integer quantisation), "
                             "or FLOAT32 ones converted by a QUANTIZE as the first operator / a "
                             "DEQUANTIZE as the last one")
    if not model.operators:
        raise ModelError("model has no operators", "pass a model with at least one operator")
    lowered = []
    for op in model.operators:
        fn = _LOWER.get(op.name)
        if fn is None:
            raise ModelError(f"operator {op.index} ({op.name}) is not supported by the tinybench engine",
                             f"supported operators: {', '.join(SUPPORTED_OPS)}")
        lowered.append(fn(_Op(model, op)))
    written = {model.inputs[0]}
    for lop in lowered:
        for t in lop.inputs:
            if t not in written:
                raise ModelError(f"operator {lop.index} ({lop.kind}) reads tensor {t} before it is "
                                 "written", "supported: operators in execution order")
        written.add(lop.output)
    if model.outputs[0] not in written:
        raise ModelError("the model output is never written", "re-export the model")
    return lowered
