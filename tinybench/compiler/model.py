"""The compile pipeline: read -> lower -> plan -> generate, and its result record.

Why one record for both analysis and compilation: the firmware build, ``tinybench compile --json``
and the board-fit check all need the same figures (arena, weights, shapes, quantisation, ops,
sha256), and they must come from the same code path that generates the C.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tinybench import fsutil
from tinybench.compiler.boundary import strip_float_io
from tinybench.compiler.codegen import generate_model_c
from tinybench.compiler.errors import ModelError
from tinybench.compiler.lower import LoweredOp, lower_model
from tinybench.compiler.planner import plan_arena
from tinybench.compiler.tflite import Model, parse_model

MODEL_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@dataclass
class TensorInfo:
    shape: list[int]
    elements: int
    scale: float
    zero_point: int


@dataclass
class CompiledModel:
    model_id: str
    source: str
    sha256: str
    arena_bytes: int
    weight_bytes: int
    input: TensorInfo
    output: TensorInfo
    ops: list[str]
    c_files: list[Path] = field(default_factory=list)
    out_dir: Path | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["c_files"] = [str(p) for p in self.c_files]
        d["out_dir"] = str(self.out_dir) if self.out_dir else None
        return d


@dataclass
class _Compiled:
    record: CompiledModel
    model: Model
    ops: list[LoweredOp]
    offsets: dict[int, int]


def _tensor_info(model: Model, idx: int) -> TensorInfo:
    t = model.tensors[idx]
    return TensorInfo(list(t.shape), t.elements, t.scales[0], t.zero_points[0])


def _build(data: bytes, source: str, model_id: str) -> _Compiled:
    if not MODEL_ID_RE.match(model_id):
        raise ModelError(f"model id {model_id!r} is not valid",
                         "use 1-32 letters, digits, '-', '_' or '.', e.g. kws01")
    model = strip_float_io(parse_model(data, source))
    ops = lower_model(model)
    sizes = {t.index: t.elements for t in model.tensors}
    offsets, arena = plan_arena(ops, sizes, model.inputs[0], model.outputs[0])
    weight_bytes = sum(a.nbytes for op in ops for a in op.arrays.values())
    record = CompiledModel(model_id=model_id, source=source,
                           sha256=hashlib.sha256(data).hexdigest(), arena_bytes=arena,
                           weight_bytes=weight_bytes, input=_tensor_info(model, model.inputs[0]),
                           output=_tensor_info(model, model.outputs[0]),
                           ops=[op.kind for op in ops])
    return _Compiled(record, model, ops, offsets)


def _read(tflite: Path) -> bytes:
    tflite = Path(tflite)
    if not tflite.is_file():
        raise ModelError(f"model file not found: {tflite}", "pass the path of a .tflite file")
    return tflite.read_bytes()


def analyze_model(tflite: Path, model_id: str = "model") -> CompiledModel:
    """Check and size a model without writing anything (for board-fit checks)."""
    return _build(_read(tflite), str(tflite), model_id).record


def compile_model(tflite: Path, out_dir: Path, model_id: str) -> CompiledModel:
    """Compile ``tflite`` into ``out_dir/model.c`` (and ``model.json`` with the same record)."""
    c = _build(_read(tflite), str(tflite), model_id)
    m, r = c.model, c.record
    src = generate_model_c(
        model_id=model_id, sha256=r.sha256, ops=c.ops, offsets=c.offsets,
        arena_bytes=r.arena_bytes, weight_bytes=r.weight_bytes, input_tensor=m.inputs[0],
        output_tensor=m.outputs[0], input_elements=r.input.elements,
        output_elements=r.output.elements, input_qp=(r.input.scale, r.input.zero_point),
        output_qp=(r.output.scale, r.output.zero_point), source_name=Path(tflite).name)
    out_dir = Path(out_dir)
    model_c = out_dir / "model.c"
    fsutil.atomic_write_text(model_c, src)
    r.c_files = [model_c]
    r.out_dir = out_dir
    fsutil.atomic_write_text(out_dir / "model.json", json.dumps(r.to_dict(), indent=2) + "\n")
    return r
