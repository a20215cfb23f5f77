"""Host build of the engine plus one compiled model as a shared library, for bit-exact checks.

Why: comparing the engine with TFLM on hundreds of inputs per model must be fast and must not
depend on the firmware/monitor area. The library exports ``tb_run_batch`` (n inputs in, n outputs
out) on top of the ``tb_model.h`` contract. Builds are cached under ``<cache>/engine-host/<key>``
where the key hashes the .tflite, the compiler sources and the engine sources; a file lock plus an
atomic rename make concurrent builders (pytest -n 2) safe.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from tinybench import fsutil, paths
from tinybench.compiler.model import compile_model
from tinybench.errors import TinybenchError

_BATCH_C = """
#include <string.h>
#include "tb_model.h"
/* n inputs of input_elements bytes -> n outputs of output_elements bytes. */
void tb_run_batch(const int8_t *in, int8_t *out, int n)
{
    int i;
    for (i = 0; i < n; ++i) {
        memcpy(tb_model_input(), in + (long)i * tb_model_info.input_elements,
               tb_model_info.input_elements);
        tb_model_invoke();
        memcpy(out + (long)i * tb_model_info.output_elements, tb_model_output(),
               tb_model_info.output_elements);
    }
}
"""

CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-fPIC", "-shared"]


def engine_dir() -> Path:
    return paths.firmware_dir() / "engine"


def engine_sources() -> list[Path]:
    return sorted(engine_dir().glob("*.c"))


def _key(tflite_bytes: bytes, model_id: str) -> str:
    h = hashlib.sha256(tflite_bytes)
    h.update(model_id.encode())
    roots = [engine_dir(), Path(__file__).resolve().parent]
    for root in roots:
        for p in sorted(list(root.glob("*.c")) + list(root.glob("*.h")) + list(root.glob("*.py"))):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    h.update(" ".join(CFLAGS).encode())
    return h.hexdigest()[:20]


def build_host_library(tflite: Path, model_id: str, cc: str = "gcc") -> Path:
    """Compile ``tflite`` and build ``libtbmodel.so`` (cached); returns the library path."""
    data = Path(tflite).read_bytes()
    final = paths.cache_dir() / "engine-host" / _key(data, model_id)
    lib = final / "libtbmodel.so"
    if lib.is_file():
        return lib
    final.parent.mkdir(parents=True, exist_ok=True)
    with fsutil.exclusive_lock(final.parent / f".{final.name}.lock"):
        if lib.is_file():
            return lib
        work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
        try:
            compile_model(Path(tflite), work, model_id)
            fsutil.atomic_write_text(work / "batch.c", _BATCH_C)
            cmd = [cc, *CFLAGS, f"-I{engine_dir()}", "-o", str(work / "libtbmodel.so"),
                   str(work / "model.c"), str(work / "batch.c"), *map(str, engine_sources())]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                raise TinybenchError(f"host engine build failed for {tflite}:\n{proc.stderr[-4000:]}",
                                     "this is a compiler/engine bug; report it with the model")
            os.replace(work, final)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    return lib


class HostModel:
    """A loaded host library: ``run(inputs)`` maps an (n, input_elements) int8 array to outputs."""

    def __init__(self, lib_path: Path, input_elements: int, output_elements: int) -> None:
        self.lib = ctypes.CDLL(str(lib_path))
        self.lib.tb_run_batch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
        self.lib.tb_run_batch.restype = None
        self.input_elements = input_elements
        self.output_elements = output_elements

    def run(self, inputs: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(inputs, dtype=np.int8).reshape(-1, self.input_elements)
        y = np.zeros((x.shape[0], self.output_elements), dtype=np.int8)
        self.lib.tb_run_batch(x.ctypes.data, y.ctypes.data, x.shape[0])
        return y


def load_host_model(tflite: Path, model_id: str) -> HostModel:
    from tinybench.compiler.model import analyze_model

    info = analyze_model(Path(tflite), model_id)
    return HostModel(build_host_library(Path(tflite), model_id), info.input.elements,
                     info.output.elements)
