"""Does a custom (open-division) model fit a workload's interface?

Why: the host sends each workload's inputs in a fixed wire format (KWS: int8 features quantised
with the official model's input scale; VWW/IC: uint8 pixels the firmware shifts by 128; AD: float32
log-mel windows the firmware quantises with the model's own input scale) and scores a fixed
output (one value per class; AD: the reconstruction the firmware turns into an MSE). A model
whose tensors do not match would run, and produce plausible-looking nonsense; this check names
the mismatch before anything is compiled or flashed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from tinybench.errors import TinybenchError


def _elements(shape: list[int] | tuple[int, ...]) -> int:
    return math.prod(int(d) for d in shape)


def check_interface(model: Path, workload: Any) -> Any:
    """Analyse ``model`` (unsupported operators are named with their index here) and refuse it
    unless its input/output tensors fit ``workload``; returns the compiler's ``CompiledModel``."""
    from tinybench.compiler import analyze_model

    model = Path(model)
    if not model.is_file():
        raise TinybenchError(f"model file {model} does not exist", "pass the path of a .tflite file")
    compiled = analyze_model(model, workload.id)   # ModelError names an unsupported op and its index
    official = workload.model
    want_in, want_out = _elements(official.input.shape), _elements(official.output.shape)
    problems = []
    if compiled.input.elements != want_in:
        problems.append(f"input has {compiled.input.elements} elements {list(compiled.input.shape)}, "
                        f"{workload.id} sends {want_in} {list(official.input.shape)}")
    if workload.input.format != "float32":
        # int8/uint8 inputs arrive already quantised for the official model's input tensor.
        if not math.isclose(compiled.input.scale, official.input.scale, rel_tol=1e-6) \
                or compiled.input.zero_point != official.input.zero_point:
            problems.append(f"input quantisation is scale {compiled.input.scale:g} / zero point "
                            f"{compiled.input.zero_point}, {workload.id} inputs are quantised with "
                            f"scale {official.input.scale:g} / zero point {official.input.zero_point}")
    if compiled.output.elements != want_out:
        what = "one per class" if workload.metric == "top1" else "the reconstructed window"
        problems.append(f"output has {compiled.output.elements} elements {list(compiled.output.shape)}, "
                        f"{workload.id} needs {want_out} ({what})")
    if problems:
        raise TinybenchError(f"{model.name} does not fit the {workload.id} interface: " + "; ".join(problems),
                             f"export the model with the {workload.id} input and output tensors "
                             f"(see workloads/{workload.id}.yaml)")
    return compiled
