"""Shared pieces of the dataset builders: reading raw files with clear errors, writing the layout.

Why the index is written last: a data set directory is only usable once ``y_labels.csv`` exists,
so an interrupted build never looks complete. ``sources.csv`` records, per output file, the raw
file it came from and its sha256 — regenerated sets may differ from MLCommons' (selection/order is
version-dependent), so what was generated must be identifiable.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinybench import fsutil, paths
from tinybench.errors import TinybenchError


@dataclass(frozen=True)
class BuiltInput:
    """One output file: its name, bytes, true class and the raw file it came from."""

    name: str
    data: bytes
    label: int
    source: str
    extra: tuple[str, ...] = ()   # trailing index columns (AD: window bytes, stride bytes)


def official_index(workload_id: str, override: Path | None = None) -> list[list[str]] | None:
    """Rows of the official index (``../shared/mlperf-tiny/datasets/<id>/y_labels.csv``) or None."""
    path = override
    if path is None:
        shared = paths.shared_dir()
        if shared is None:
            return None
        path = shared / "mlperf-tiny" / "datasets" / workload_id / "y_labels.csv"
    if not Path(path).is_file():
        return None
    with open(path, newline="", encoding="utf-8") as handle:
        return [[f.strip() for f in row] for row in csv.reader(handle, skipinitialspace=True) if row]


def select_names(workload_id: str, available: Collection[str], override: Path | None,
                 fallback_key: Callable[[str], Any], limit: int | None) -> list[str]:
    """Output names in the official index's order when it lists only files we have, else sorted.

    Following the official ``y_labels.csv`` makes a regenerated set match MLCommons' file list;
    when the source lacks some of those files the builder falls back to its own stable order.
    ``limit`` keeps the first names of that order.
    """
    rows = official_index(workload_id, override)
    if rows and all(r[0] in available for r in rows):
        names = [r[0] for r in rows]
    else:
        names = sorted(available, key=fallback_key)
    return names if limit is None else names[:limit]


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples in [-1, 1) and the sample rate; unreadable audio → error naming the file."""
    from scipy.io import wavfile

    try:
        rate, data = wavfile.read(path)
    except (ValueError, OSError, EOFError) as exc:
        raise TinybenchError(f"cannot read audio file {path}: {exc}",
                             "the file is not a valid PCM WAV; re-download or delete it") from exc
    if data.dtype == np.int16:
        x = data.astype(np.float32) / 32768.0
    elif data.dtype == np.int32:
        x = data.astype(np.float32) / 2147483648.0
    elif data.dtype == np.uint8:
        x = (data.astype(np.float32) - 128.0) / 128.0
    elif data.dtype in (np.float32, np.float64):
        x = data.astype(np.float32)
    else:
        raise TinybenchError(f"audio file {path} has unsupported sample type {data.dtype}")
    if x.ndim == 2:
        x = x.mean(axis=1)
    if x.size == 0:
        raise TinybenchError(f"audio file {path} has no samples", "re-download or delete it")
    return x, int(rate)


def read_rgb(path: Path) -> np.ndarray:
    """HWC uint8 RGB pixels (greyscale replicated, alpha dropped); unreadable image → clear error."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            return np.asarray(img.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise TinybenchError(f"cannot read image file {path}: {exc}",
                             "the file is not a valid image; re-download or delete it") from exc


def write_layout(out: Path, num_classes: int, inputs: list[BuiltInput]) -> Path:
    """Write every ``.bin``, then ``sources.csv``, then ``y_labels.csv`` (the last step)."""
    if not inputs:
        raise TinybenchError(f"nothing to write into {out}: the source held no usable input files")
    out.mkdir(parents=True, exist_ok=True)
    index = io.StringIO()
    sources = io.StringIO()
    writer = csv.writer(sources, lineterminator="\n")
    writer.writerow(["file", "source", "sha256"])
    for item in inputs:
        fsutil.atomic_write_bytes(out / item.name, item.data)
        index.write(",".join([item.name, str(num_classes), str(item.label), *item.extra]) + "\n")
        writer.writerow([item.name, item.source, fsutil.sha256_bytes(item.data)])
    fsutil.atomic_write_text(out / "sources.csv", sources.getvalue())
    path = out / "y_labels.csv"
    fsutil.atomic_write_text(path, index.getvalue())
    return path
