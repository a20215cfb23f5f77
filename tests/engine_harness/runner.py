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
    """TFLM's int8 outputs (float32-interface models: through the verify reference's exact
    int8 <-> float32 mapping)."""
    from tinybench.flash.verify import TflmReference

    # Default arena is 10x the file size: too small for single-op models with big activations.
    ref = TflmReference(path, arena_size=max(path.stat().st_size * 10, 1 << 20))
    return np.stack([ref.run(np.asarray(x, dtype=np.int8)) for x in inputs])


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
