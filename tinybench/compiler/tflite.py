"""Read the subset of the TFLite flatbuffer schema that the int8 engine supports.

Why a plain-data view: the checker, planner and code generator should not know about flatbuffer
offsets; they get ``Model`` / ``Tensor`` / ``Operator`` dataclasses with numpy-free Python values.
Field numbers follow ``tensorflow/lite/schema/schema.fbs``.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from pathlib import Path

from tinybench.compiler.errors import ModelError
from tinybench.compiler.flatbuf import FlatBuffer, Table
from tinybench.compiler.opnames import operator_name

# TensorType enum values (schema.fbs) and the ones we name in messages.
TENSOR_TYPES = {0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 5: "STRING",
                6: "BOOL", 7: "INT16", 8: "COMPLEX64", 9: "INT8", 10: "FLOAT64"}
INT8, INT32, INT64, FLOAT32 = 9, 2, 4, 0

FUSED_ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}
PADDINGS = {0: "SAME", 1: "VALID"}


@dataclass
class Tensor:
    index: int
    name: str
    shape: list[int]
    dtype: int
    buffer: int
    data: bytes | None          # constant contents, None for activations
    scales: list[float]         # float32 values as read (Python floats hold them exactly)
    zero_points: list[int]
    quantized_dimension: int

    @property
    def dtype_name(self) -> str:
        return TENSOR_TYPES.get(self.dtype, f"type{self.dtype}")

    @property
    def elements(self) -> int:
        return math.prod(self.shape)


@dataclass
class Operator:
    index: int
    opcode: int
    name: str
    inputs: list[int]
    outputs: list[int]
    options: dict = field(default_factory=dict)


@dataclass
class Model:
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]
    description: str


def _f32(values: list[float]) -> list[float]:
    """Round-trip through float32 so every scale is exactly the float the file stores."""
    return [struct.unpack("<f", struct.pack("<f", v))[0] for v in values]


def _options(op_name: str, t: Table | None) -> dict:
    """Decode the builtin options we need, with schema defaults for absent fields."""
    if t is None:
        return {}
    s = t.scalar
    if op_name == "CONV_2D":
        return {"padding": s(0, "b"), "stride_w": s(1, "i"), "stride_h": s(2, "i"),
                "activation": s(3, "b"), "dilation_w": s(4, "i", 1), "dilation_h": s(5, "i", 1)}
    if op_name == "DEPTHWISE_CONV_2D":
        return {"padding": s(0, "b"), "stride_w": s(1, "i"), "stride_h": s(2, "i"),
                "depth_multiplier": s(3, "i"), "activation": s(4, "b"),
                "dilation_w": s(5, "i", 1), "dilation_h": s(6, "i", 1)}
    if op_name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return {"padding": s(0, "b"), "stride_w": s(1, "i"), "stride_h": s(2, "i"),
                "filter_w": s(3, "i"), "filter_h": s(4, "i"), "activation": s(5, "b")}
    if op_name == "FULLY_CONNECTED":
        return {"activation": s(0, "b"), "weights_format": s(1, "b"), "keep_num_dims": s(2, "B")}
    if op_name == "SOFTMAX":
        return {"beta": s(0, "f")}
    if op_name in ("ADD", "MUL"):
        return {"activation": s(0, "b")}
    if op_name == "CONCATENATION":
        return {"axis": s(0, "i"), "activation": s(1, "b")}
    if op_name in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD"):
        return {"keep_dims": s(0, "B")}
    if op_name == "RESHAPE":
        return {"new_shape": t.vector(0, "i")}
    return {}


def parse_model(data: bytes, what: str = "model") -> Model:
    """Parse a .tflite flatbuffer (first subgraph); raises ``ModelError`` on anything malformed."""
    if len(data) < 8:
        raise ModelError(f"{what}: file is {len(data)} bytes, too short to be a .tflite model",
                         "pass a complete .tflite flatbuffer")
    if data[4:8] != b"TFL3":
        raise ModelError(f"{what}: not a .tflite flatbuffer (missing 'TFL3' identifier)",
                         "pass a TensorFlow Lite model file (.tflite)")
    buf = FlatBuffer(data, what)
    root = buf.root()
    codes = []
    for oc in root.tables(1, "operator_codes"):
        deprecated = int(oc.scalar(0, "b"))
        builtin = int(oc.scalar(3, "i"))
        oc.scalar(2, "i", 1)   # version: unused, but reading it catches a file cut inside the table
        codes.append(max(deprecated, builtin))
    buffers = root.tables(4, "buffers")
    subgraphs = root.tables(2, "subgraphs")
    if len(subgraphs) != 1:
        raise ModelError(f"{what}: has {len(subgraphs)} subgraphs; exactly 1 is supported",
                         "export a single-subgraph model (no control flow)")
    sg = subgraphs[0]
    tensors = []
    for i, t in enumerate(sg.tables(0, "tensors")):
        bidx = int(t.scalar(2, "I"))
        data_bytes = None
        if 0 < bidx < len(buffers):
            if buffers[bidx].scalar(1, "Q") or buffers[bidx].scalar(2, "Q"):
                raise ModelError(f"{what}: tensor {i} keeps its data outside the flatbuffer",
                                 "re-export the model without external buffers")
            raw = buffers[bidx].bytes_vector(0)
            data_bytes = raw if raw else None
        elif bidx >= len(buffers) and bidx:
            raise ModelError(f"{what}: tensor {i} refers to missing buffer {bidx}",
                             "the file is corrupt; re-export it")
        q = t.table(4, f"tensors[{i}].quantization")
        scales, zps, qdim = [], [], 0
        if q is not None:
            scales = _f32(q.vector(2, "f"))
            zps = [int(z) for z in q.vector(3, "q")]
            qdim = int(q.scalar(6, "i"))
        tensors.append(Tensor(i, t.string(3), [int(d) for d in t.vector(0, "i")],
                              int(t.scalar(1, "b")), bidx, data_bytes, scales, zps, qdim))
    ops = []
    for i, o in enumerate(sg.tables(3, "operators")):
        ci = int(o.scalar(0, "I"))
        if ci >= len(codes):
            raise ModelError(f"{what}: operator {i} uses opcode index {ci}, only {len(codes)} exist",
                             "the file is corrupt; re-export it")
        code = codes[ci]
        name = operator_name(code)
        ops.append(Operator(i, code, name, [int(x) for x in o.vector(1, "i")],
                            [int(x) for x in o.vector(2, "i")],
                            _options(name, o.table(4, f"operators[{i}].options"))))
    n = len(tensors)
    for op in ops:
        for ti in op.inputs + op.outputs:
            if ti >= n or ti < -1:
                raise ModelError(f"{what}: operator {op.index} ({op.name}) refers to tensor {ti}, "
                                 f"only {n} exist", "the file is corrupt; re-export it")
    return Model(tensors, ops, [int(x) for x in sg.vector(1, "i")],
                 [int(x) for x in sg.vector(2, "i")], root.string(3))


def read_model(path: Path) -> Model:
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}", "pass the path of a .tflite file")
    return parse_model(path.read_bytes(), str(path))
