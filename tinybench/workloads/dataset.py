"""Evaluation data sets in the MLPerf Tiny layout: ``y_labels.csv`` + one ``.bin`` per input.

Why validate everything up front: an accuracy run of VWW takes hours on a real board; a missing or
truncated file found at row 900 wastes all of it. ``load_dataset`` checks every row and every file
(existence, readability, size) and reports all problems at once, naming file and row, before any
board time is spent.

Index format (``run-rules-and-formats.md`` (b)): no header, comma-separated (``, `` tolerated),
``file, classes, class[, window_bytes, stride_bytes]``.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from tinybench.errors import TinybenchError
from tinybench.workloads.definitions import Workload

INDEX_NAME = "y_labels.csv"
_MAX_LISTED = 10


@dataclass(frozen=True)
class DatasetEntry:
    """One row of the index: an input file and its true class (AD: 0 normal, 1 anomaly)."""

    row: int            # 1-based line number in the index
    name: str           # file name as written in the index
    path: Path
    label: int
    size: int           # bytes on disk (validated)
    window_bytes: int
    stride_bytes: int

    @property
    def window_offsets(self) -> list[int]:
        """Byte offsets of the inference windows (one offset, 0, for non-windowed workloads)."""
        return list(range(0, self.size - self.window_bytes + 1, self.stride_bytes))

    def read(self) -> bytes:
        return self.path.read_bytes()

    def windows(self) -> Iterator[bytes]:
        """The bytes of each inference, in run order."""
        data = self.read()
        for off in self.window_offsets:
            yield data[off:off + self.window_bytes]


@dataclass(frozen=True)
class Dataset:
    """A validated data set: every entry's file exists, is readable and has a valid size."""

    directory: Path
    index: Path
    workload: Workload
    entries: tuple[DatasetEntry, ...]

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[DatasetEntry]:
        return iter(self.entries)

    @property
    def labels(self) -> list[int]:
        return [e.label for e in self.entries]

    @property
    def num_inferences(self) -> int:
        return sum(len(e.window_offsets) for e in self.entries)


def _parse_int(text: str | None, what: str, problems: list[str], where: str) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        problems.append(f"{where}: {what} {text!r} is not an integer")
        return None


def _size_problem(workload: Workload, size: int) -> str | None:
    if not workload.windowed:
        if size != workload.input.bytes:
            return f"has {size} bytes, expected {workload.input.bytes}"
        return None
    window, stride = workload.window_bytes, workload.stride_bytes
    if size < window or size % stride:
        return (f"has {size} bytes, expected {workload.dataset.file_bytes} (or any multiple of "
                f"{stride} bytes that is at least one {window}-byte window)")
    return None


def load_dataset(directory: Path, workload: Workload, index: str = INDEX_NAME) -> Dataset:
    """Read ``directory/index`` and validate every row and file; raise one error listing all problems."""
    directory = Path(directory)
    index_path = directory / index
    if not index_path.is_file():
        raise TinybenchError(
            f"no index {index_path}",
            f"point --dataset at a folder holding {index} and the .bin files "
            f"(build one with `tinybench data build {workload.id}` or `tinybench data ci-sets`)")
    try:
        with open(index_path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle, skipinitialspace=True))
    except (OSError, UnicodeDecodeError) as exc:
        raise TinybenchError(f"cannot read index {index_path}: {exc}") from exc

    problems: list[str] = []
    entries: list[DatasetEntry] = []
    seen: dict[str, int] = {}
    for lineno, row in enumerate(rows, start=1):
        row = [f.strip() for f in row]
        if not row or all(not f for f in row):
            continue
        where = f"{index_path.name} row {lineno}"
        if len(row) < 3:
            problems.append(f"{where}: expected 'file, classes, class', got {','.join(row)!r}")
            continue
        name = row[0]
        where = f"{where} ({name})"
        if name in seen:
            problems.append(f"{where}: file listed twice (first at row {seen[name]})")
            continue
        seen[name] = lineno
        if os.sep in name or name.startswith(".."):
            problems.append(f"{where}: file names must be plain names inside the data set folder")
            continue
        classes = _parse_int(row[1], "number of classes", problems, where)
        label = _parse_int(row[2], "class", problems, where)
        if classes is None or label is None:
            continue
        if classes != workload.dataset.num_classes:
            problems.append(f"{where}: {classes} classes, {workload.id} has {workload.dataset.num_classes}")
            continue
        if not 0 <= label < classes:
            problems.append(f"{where}: class {label} outside 0…{classes - 1}")
            continue
        window, stride = workload.window_bytes, workload.stride_bytes
        if len(row) >= 5 and row[3] and row[4]:
            w = _parse_int(row[3], "window bytes", problems, where)
            s = _parse_int(row[4], "stride bytes", problems, where)
            if w is None or s is None:
                continue
            if (w, s) != (window, stride):
                problems.append(f"{where}: window/stride {w}/{s}, {workload.id} runs {window}/{stride}")
                continue
        path = directory / name
        try:
            with open(path, "rb") as handle:
                size = len(handle.read())
        except FileNotFoundError:
            problems.append(f"{where}: file {path} is missing")
            continue
        except OSError as exc:
            problems.append(f"{where}: file {path} is unreadable ({exc.strerror or exc})")
            continue
        bad = _size_problem(workload, size)
        if bad:
            problems.append(f"{where}: file {path} {bad}")
            continue
        entries.append(DatasetEntry(lineno, name, path, label, size, window, stride))

    if not entries and not problems:
        problems.append(f"{index_path.name}: no rows")
    if problems:
        shown = "\n  ".join(problems[:_MAX_LISTED])
        more = f"\n  … and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
        raise TinybenchError(
            f"data set {directory} is not valid for {workload.id} ({len(problems)} problem(s)):\n  {shown}{more}",
            "rebuild the data set (`tinybench data build` / `tinybench data ci-sets`) or fix the listed files")
    return Dataset(directory, index_path, workload, tuple(entries))
