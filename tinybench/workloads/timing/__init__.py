"""Official-size timing sets: the official file counts and sizes, built from the offline CI sets.

Why: the official evaluation inputs are not redistributable, but how long an accuracy run takes (and
how big its run directory grows) depends only on how many inputs of what size go over the link:
KWS 1000 × 490 B, VWW 1000 × 27,648 B, IC 200 × 3,072 B, AD 248 × 102,400 B (196 windows each).
These sets repeat the CI set's files (built from real signals by ``ci_sets`` through the workload
builders) round-robin up to the official count, so every input keeps a TFLM reference output (rows
copied from the CI set's ``reference.npz``, no TFLM re-run) and runs check bit-exactness exactly as
on the official set. The ``ci.json`` stamp labels every verdict as not the official evaluation set.

A subpackage on purpose: ``ci_sets.generator_fingerprint`` hashes the workloads package's own
modules, and this code does not change how a CI set is made.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from tinybench import fsutil
from tinybench.errors import TinybenchError

NOTE = "official-size timing set (CI files repeated) — not the official evaluation set"


def build_official_size(workload_id: str, out: Path, *, source: Path | None = None,
                        files: int | None = None) -> Path:
    """Write the official-size set of ``workload_id`` into ``out`` (must not exist or be empty).

    ``source``: a data set folder with ``reference.npz`` to repeat (default: the CI set, built if
    needed). ``files``: fewer files than the official count (a slice for quick timing; file sizes
    stay official). Returns ``out``.
    """
    from tinybench.workloads import load_dataset, load_workload
    from tinybench.workloads.ci_sets import ensure_ci_set
    from tinybench.workloads.reference import JSON_NAME, NPZ_NAME, load_reference

    workload = load_workload(workload_id)
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise TinybenchError(f"{out} already exists and is not empty", "choose a new --out folder")
    src = load_dataset(Path(source) if source else ensure_ci_set(workload_id), workload)
    ref = load_reference(src.directory, src)
    count = workload.dataset.size if files is None else files
    size = workload.dataset.file_bytes
    usable = [e for e in src.entries if e.size >= size or not workload.windowed]
    if not usable:
        raise TinybenchError(f"{src.directory} has no file of {size} bytes to repeat",
                             "pass --source with a set built by `tinybench data build`")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        rows, files, outputs, entry_idx, offsets = [], {}, [], [], []
        for i in range(count):
            e = usable[i % len(usable)]
            data = e.read()[:size] if workload.windowed else e.read()
            if len(data) != size:
                raise TinybenchError(f"{e.path} has {len(data)} bytes, {workload.id} inputs have {size}")
            name = f"os_{i:05d}_{Path(e.name).stem}.bin"
            (work / name).write_bytes(data)
            files[name] = fsutil.sha256_bytes(data)
            extra = f",{workload.window_bytes},{workload.stride_bytes}" if workload.windowed else ""
            rows.append(f"{name},{workload.dataset.num_classes},{e.label}{extra}")
            for off in range(0, size - workload.window_bytes + 1, workload.stride_bytes) \
                    if workload.windowed else [0]:
                outputs.append(ref.expected(e.name, off))
                entry_idx.append(i)
                offsets.append(off)
        fsutil.atomic_write_text(work / "y_labels.csv", "\n".join(rows) + "\n")
        buffer = io.BytesIO()
        np.savez(buffer, outputs=np.stack(outputs).astype(np.int8),
                 entry=np.asarray(entry_idx, dtype=np.int32), offset=np.asarray(offsets, dtype=np.int32))
        fsutil.atomic_write_bytes(work / NPZ_NAME, buffer.getvalue())
        header = {**ref.header, "index": "y_labels.csv",
                  "index_sha256": fsutil.sha256_file(work / "y_labels.csv"),
                  "inferences": len(outputs), "files": files, "repeated_from": str(src.directory)}
        fsutil.atomic_write_json(work / JSON_NAME, header)
        fsutil.atomic_write_json(work / "ci.json", {"note": NOTE, "workload": workload.id,
                                                    "files": count, "file_bytes": size,
                                                    "source": str(src.directory)})
        out.mkdir(parents=True, exist_ok=True)
        for item in work.iterdir():
            item.rename(out / item.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ds = load_dataset(out, workload)
    if len(ds) != count:
        raise TinybenchError(f"built {len(ds)} files in {out}, expected {count}")
    return out


def describe(directory: Path) -> dict:
    """The ``ci.json`` stamp of an official-size set (for reports)."""
    return json.loads((Path(directory) / "ci.json").read_text())
