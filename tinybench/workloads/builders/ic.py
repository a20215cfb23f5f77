"""IC builder: CIFAR-10 python batches (``test_batch``) → 32×32×3 uint8 HWC files.

CIFAR stores each image planar (1024 R, 1024 G, 1024 B); the benchmark wants HWC. Output name: the
CIFAR file name with ``.png`` → ``.bin``. When the batch holds every file of the official ``ic01``
index (the 200 ``perf_samples_idxs.npy`` picks), exactly those are built in index order.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from tinybench.errors import TinybenchError
from tinybench.workloads.builders.common import BuiltInput, official_index, write_layout
from tinybench.workloads.definitions import Workload


def find_batch(source: Path) -> Path:
    for candidate in (source / "test_batch", source / "cifar-10-batches-py" / "test_batch"):
        if candidate.is_file():
            return candidate
    raise TinybenchError(f"no CIFAR-10 test_batch in {source}",
                         "point --source at the extracted cifar-10-python archive (cifar-10-batches-py)")


def read_batch(path: Path) -> tuple[np.ndarray, list[int], list[str]]:
    """(images N×32×32×3 uint8 HWC, labels, file names) of a CIFAR-10 python batch."""
    try:
        with open(path, "rb") as handle:
            batch = pickle.load(handle, encoding="bytes")  # noqa: S301 (the user's own CIFAR download)
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = [int(v) for v in batch[b"labels"]]
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in batch[b"filenames"]]
    except (OSError, EOFError, pickle.UnpicklingError, KeyError, TypeError, ValueError) as exc:
        raise TinybenchError(f"cannot read CIFAR-10 batch {path}: {exc}",
                             "re-download cifar-10-python.tar.gz") from exc
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data) or len(names) != len(data):
        raise TinybenchError(f"CIFAR-10 batch {path} has data shape {data.shape}, expected N×3072")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels, names


def build(workload: Workload, source: Path, out: Path, *, limit: int | None = None,
          official_index: Path | None = None) -> Path:
    batch_path = find_batch(source)
    images, labels, names = read_batch(batch_path)
    by_name = {Path(n).with_suffix(".bin").name: i for i, n in enumerate(names)}
    rows = official_index_rows(workload, official_index)
    if rows and all(r[0] in by_name for r in rows):
        order = [by_name[r[0]] for r in rows]
    else:
        order = list(range(len(names)))
    if limit is not None:
        order = order[:limit]
    rel = str(batch_path.relative_to(source))
    inputs = [BuiltInput(Path(names[i]).with_suffix(".bin").name, images[i].tobytes(), labels[i],
                         f"{rel}#{i}") for i in order]
    return write_layout(out, workload.dataset.num_classes, inputs)


def official_index_rows(workload: Workload, override: Path | None) -> list[list[str]] | None:
    return official_index(workload.id, override)
