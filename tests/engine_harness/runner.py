"""Run a .tflite model in TFLM and in our compiler + host engine; return both int8 outputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from tinybench import fsutil, paths
from tinybench.compiler import analyze_model
from tinybench.compiler.hostlib import HostModel, build_host_library


def materialize(data: bytes, stem: str = "model") -> Path:
    """Write model bytes into the cache under their hash (shared by xdist workers)."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    path = paths.cache_dir() / "engine-tests" / f"{stem}-{digest}.tflite"
    if not path.is_file():
        fsutil.atomic_write_bytes(path, data)
    return path


def tflm_outputs(path: Path, inputs: np.ndarray) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime

    # Default arena is 10x the file size: too small for single-op models with big activations.
    interp = runtime.Interpreter.from_file(str(path), arena_size=max(path.stat().st_size * 10, 1 << 20))
    shape = interp.get_input_details(0)["shape"]
    outs = []
    for x in inputs:
        interp.set_input(np.asarray(x, dtype=np.int8).reshape(shape), 0)
        interp.invoke()
        outs.append(np.asarray(interp.get_output(0), dtype=np.int8).reshape(-1).copy())
    return np.stack(outs)


def engine_outputs(path: Path, inputs: np.ndarray, model_id: str = "test") -> np.ndarray:
    info = analyze_model(path, model_id)
    host = HostModel(build_host_library(path, model_id), info.input.elements, info.output.elements)
    return host.run(inputs)


def compare(path: Path, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return tflm_outputs(path, inputs), engine_outputs(path, inputs)


def first_mismatch(ref: np.ndarray, ours: np.ndarray) -> str:
    bad = np.argwhere(ref != ours)
    if bad.size == 0:
        return "none"
    i, j = bad[0]
    return f"input {i}, output element {j}: TFLM {ref[i, j]}, engine {ours[i, j]}"
