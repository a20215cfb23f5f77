"""Build small .tflite models for engine tests with tflite-micro's generated schema object API.

Why: per-operator bit-exactness is checked on (a) real layers cut out of the official models and
(b) synthetic layers that exercise cases the official models lack (depth multiplier, dilation,
SAME padding with odd totals, per-channel FC, softmax edge scales). Both go through TFLM and
through our compiler + engine, and the int8 outputs must match exactly.
"""

from __future__ import annotations

import copy

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as sch

CODES = {"ADD": 0, "AVERAGE_POOL_2D": 1, "CONV_2D": 3, "DEPTHWISE_CONV_2D": 4,
         "FULLY_CONNECTED": 9, "MUL": 18, "RESHAPE": 22, "SOFTMAX": 25, "MAX_POOL_2D": 17,
         "CONCATENATION": 2, "DEQUANTIZE": 6, "LOGISTIC": 14, "RELU": 19, "RELU6": 21, "PAD": 34,
         "MEAN": 40, "PADV2": 60, "QUANTIZE": 114, "HARD_SWISH": 117}


def _pack(model: "sch.ModelT") -> bytes:
    builder = flatbuffers.Builder(1 << 16)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def load(data: bytes) -> "sch.ModelT":
    return sch.ModelT.InitFromPackedBuf(bytearray(data), 0)


def extract_op(data: bytes, op_index: int) -> bytes:
    """A one-operator model holding operator ``op_index`` of ``data`` with its real weights."""
    src = load(data)
    sg = src.subgraphs[0]
    op = copy.deepcopy(sg.operators[op_index])
    used = [t for t in list(op.inputs) + list(op.outputs) if t >= 0]
    remap = {}
    tensors, buffers = [], [sch.BufferT()]
    for t in used:
        if t in remap:
            continue
        tensor = copy.deepcopy(sg.tensors[t])
        buf = src.buffers[tensor.buffer] if tensor.buffer else None
        if buf is not None and buf.data is not None and len(buf.data):
            nb = sch.BufferT()
            nb.data = np.array(buf.data, dtype=np.uint8)
            buffers.append(nb)
            tensor.buffer = len(buffers) - 1
        else:
            tensor.buffer = 0
        remap[t] = len(tensors)
        tensors.append(tensor)
    code = copy.deepcopy(src.operatorCodes[op.opcodeIndex])
    op.opcodeIndex = 0
    op.inputs = np.array([remap[t] if t >= 0 else -1 for t in op.inputs], dtype=np.int32)
    op.outputs = np.array([remap[t] for t in op.outputs], dtype=np.int32)
    out = sch.ModelT()
    out.version = 3
    out.operatorCodes = [code]
    out.buffers = buffers
    new_sg = sch.SubGraphT()
    new_sg.tensors = tensors
    new_sg.inputs = np.array([op.inputs[0]], dtype=np.int32)
    new_sg.outputs = np.array([op.outputs[0]], dtype=np.int32)
    new_sg.operators = [op]
    out.subgraphs = [new_sg]
    return _pack(out)


class GraphBuilder:
    """Assemble a single-subgraph int8 model tensor by tensor (synthetic layers)."""

    def __init__(self) -> None:
        self.tensors: list = []
        self.buffers: list = [sch.BufferT()]
        self.ops: list = []
        self.codes: list[int] = []

    def tensor(self, shape, scale, zero_point, *, dtype=sch.TensorType.INT8, data=None,
               quantized_dimension=0, name="t") -> int:
        t = sch.TensorT()
        t.shape = np.array(shape, dtype=np.int32)
        t.type = dtype
        t.name = f"{name}{len(self.tensors)}".encode()
        q = sch.QuantizationParametersT()
        scales = np.atleast_1d(np.asarray(scale, dtype=np.float32))
        q.scale = scales.tolist()
        zps = np.atleast_1d(np.asarray(zero_point, dtype=np.int64))
        q.zeroPoint = (zps if zps.size == scales.size else np.zeros(scales.size, np.int64)).tolist()
        q.quantizedDimension = quantized_dimension
        t.quantization = q
        t.buffer = 0
        if data is not None:
            b = sch.BufferT()
            b.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), dtype=np.uint8).copy()
            self.buffers.append(b)
            t.buffer = len(self.buffers) - 1
        self.tensors.append(t)
        return len(self.tensors) - 1

    def op(self, name: str, inputs, outputs, options_type=0, options=None) -> None:
        code = CODES[name]
        if code not in self.codes:
            self.codes.append(code)
        o = sch.OperatorT()
        o.opcodeIndex = self.codes.index(code)
        o.inputs = np.array(inputs, dtype=np.int32)
        o.outputs = np.array(outputs, dtype=np.int32)
        o.builtinOptionsType = options_type
        o.builtinOptions = options
        self.ops.append(o)

    def build(self, inputs, outputs) -> bytes:
        m = sch.ModelT()
        m.version = 3
        codes = []
        for c in self.codes:
            oc = sch.OperatorCodeT()
            oc.builtinCode = c
            oc.deprecatedBuiltinCode = min(c, 127)
            oc.version = 1
            codes.append(oc)
        m.operatorCodes = codes
        m.buffers = self.buffers
        sg = sch.SubGraphT()
        sg.tensors = self.tensors
        sg.inputs = np.array(inputs, dtype=np.int32)
        sg.outputs = np.array(outputs, dtype=np.int32)
        sg.operators = self.ops
        m.subgraphs = [sg]
        return _pack(m)


def conv_options(*, padding="SAME", stride=(1, 1), act=0, dilation=(1, 1)):
    o = sch.Conv2DOptionsT()
    o.padding = 0 if padding == "SAME" else 1
    o.strideH, o.strideW = stride
    o.fusedActivationFunction = act
    o.dilationHFactor, o.dilationWFactor = dilation
    return sch.BuiltinOptions.Conv2DOptions, o


def dw_options(*, padding="SAME", stride=(1, 1), act=0, dilation=(1, 1), multiplier=1):
    o = sch.DepthwiseConv2DOptionsT()
    o.padding = 0 if padding == "SAME" else 1
    o.strideH, o.strideW = stride
    o.fusedActivationFunction = act
    o.dilationHFactor, o.dilationWFactor = dilation
    o.depthMultiplier = multiplier
    return sch.BuiltinOptions.DepthwiseConv2DOptions, o


def pool_options(*, padding="SAME", stride=(1, 1), filt=(2, 2), act=0):
    o = sch.Pool2DOptionsT()
    o.padding = 0 if padding == "SAME" else 1
    o.strideH, o.strideW = stride
    o.filterHeight, o.filterWidth = filt
    o.fusedActivationFunction = act
    return sch.BuiltinOptions.Pool2DOptions, o


def fc_options(*, act=0):
    o = sch.FullyConnectedOptionsT()
    o.fusedActivationFunction = act
    return sch.BuiltinOptions.FullyConnectedOptions, o


def add_options(*, act=0):
    o = sch.AddOptionsT()
    o.fusedActivationFunction = act
    return sch.BuiltinOptions.AddOptions, o


def softmax_options(beta=1.0):
    o = sch.SoftmaxOptionsT()
    o.beta = beta
    return sch.BuiltinOptions.SoftmaxOptions, o


def mul_options(*, act=0):
    o = sch.MulOptionsT()
    o.fusedActivationFunction = act
    return sch.BuiltinOptions.MulOptions, o


def concat_options(axis: int, *, act=0):
    o = sch.ConcatenationOptionsT()
    o.axis = axis
    o.fusedActivationFunction = act
    return sch.BuiltinOptions.ConcatenationOptions, o


def reducer_options(*, keep_dims: bool):
    o = sch.ReducerOptionsT()
    o.keepDims = keep_dims
    return sch.BuiltinOptions.ReducerOptions, o
