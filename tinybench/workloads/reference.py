"""Host reference: the official model in the pinned TFLM Python interpreter, on every input.

Why: our firmware must be bit-exact with TFLM. ``run_reference`` stores TFLM's int8 output for every
inference (AD: every window) in the data set folder; the runner compares the DUT's ``tb-raw`` output
with it ("agreement with the reference").

Files written into the data set directory (the format other areas rely on):
- ``reference.npz``: ``outputs`` int8 [inferences, output elements]; ``entry`` int32 [inferences]
  (0-based position of the file in ``y_labels.csv``); ``offset`` int32 [inferences] (byte offset of
  the window in its file; 0 for non-windowed workloads). Rows are in run order.
- ``reference.json``: ``workload``, ``model_file``, ``model_sha256``, ``tflite_micro`` version,
  ``index_sha256`` and ``files`` (name → sha256 of the input file) so stale references are detected.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinybench import fsutil
from tinybench.errors import TinybenchError
from tinybench.workloads.conversion import input_to_int8
from tinybench.workloads.dataset import Dataset
from tinybench.workloads.definitions import Workload

NPZ_NAME = "reference.npz"
JSON_NAME = "reference.json"


def tflm_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tflite-micro")
    except PackageNotFoundError as exc:
        raise TinybenchError("the TFLM Python interpreter (tflite-micro) is not installed",
                             "pip install -e '.[reference]'") from exc


class TflmModel:
    """The official model loaded in TFLM; ``run`` takes the flat int8 input, returns the int8 output."""

    def __init__(self, workload: Workload, model: Path) -> None:
        tflm_version()
        from tflite_micro.python.tflite_micro import runtime

        self.workload = workload
        self.interpreter = runtime.Interpreter.from_file(str(model))
        self._shape = tuple(workload.model.input.shape)

    def run(self, int8_input: np.ndarray) -> np.ndarray:
        self.interpreter.set_input(int8_input.reshape(self._shape), 0)
        self.interpreter.invoke()
        return np.asarray(self.interpreter.get_output(0), dtype=np.int8).reshape(-1).copy()


def run_reference(dataset: Dataset, model: Path | None = None) -> Path:
    """Run TFLM on every inference of ``dataset``; write ``reference.npz`` + ``reference.json``."""
    from tinybench.workloads.models import model_path

    workload = dataset.workload
    model = Path(model) if model else model_path(workload)
    model_sha = fsutil.sha256_file(model)
    if model_sha != workload.model.sha256:
        raise TinybenchError(f"{model} is not the official {workload.id} model (sha256 {model_sha})",
                             "use `tinybench fetch models` and omit --model")
    tflm = TflmModel(workload, model)
    outputs: list[np.ndarray] = []
    entry_idx: list[int] = []
    offsets: list[int] = []
    files: dict[str, str] = {}
    for i, entry in enumerate(dataset.entries):
        data = entry.read()
        files[entry.name] = fsutil.sha256_bytes(data)
        for off in entry.window_offsets:
            outputs.append(tflm.run(input_to_int8(data[off:off + entry.window_bytes], workload)))
            entry_idx.append(i)
            offsets.append(off)
    buffer = io.BytesIO()
    np.savez(buffer, outputs=np.stack(outputs).astype(np.int8),
             entry=np.asarray(entry_idx, dtype=np.int32), offset=np.asarray(offsets, dtype=np.int32))
    header = {
        "workload": workload.id,
        "model_file": workload.model.file,
        "model_sha256": model_sha,
        "tflite_micro": tflm_version(),
        "index": dataset.index.name,
        "index_sha256": fsutil.sha256_file(dataset.index),
        "inferences": len(outputs),
        "files": files,
    }
    fsutil.atomic_write_bytes(dataset.directory / NPZ_NAME, buffer.getvalue())
    fsutil.atomic_write_json(dataset.directory / JSON_NAME, header)
    return dataset.directory / NPZ_NAME


@dataclass(frozen=True)
class Reference:
    """TFLM's expected int8 outputs for a data set, keyed by file name."""

    header: dict
    outputs: np.ndarray
    entry: np.ndarray
    offset: np.ndarray
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        # (name, offset) → row, built once: AD full sets have 48,608 rows looked up one by one.
        rows = {(self.names[int(e)], int(o)): i for i, (e, o) in enumerate(zip(self.entry, self.offset))}
        object.__setattr__(self, "_rows", rows)

    def outputs_for(self, name: str) -> np.ndarray:
        """[windows, output elements] int8 of one file (one row for non-windowed workloads)."""
        try:
            i = self.names.index(name)
        except ValueError:
            raise KeyError(f"{name} has no reference output") from None
        return self.outputs[self.entry == i]

    def expected(self, name: str, offset: int = 0) -> np.ndarray:
        """The int8 output TFLM produced for the window at ``offset`` of file ``name``."""
        try:
            return self.outputs[self._rows[(name, int(offset))]]  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(f"no reference output for {name} at offset {offset}") from None

    def agrees(self, name: str, offset: int, dut_output: np.ndarray | bytes) -> bool:
        """True when the DUT's int8 output equals TFLM's exactly."""
        got = np.frombuffer(dut_output, dtype=np.int8) if isinstance(dut_output, (bytes, bytearray)) \
            else np.asarray(dut_output, dtype=np.int8).reshape(-1)
        return bool(np.array_equal(got, self.expected(name, offset)))


def load_reference(directory: Path, dataset: Dataset | None = None) -> Reference:
    """Read the reference of a data set folder; with ``dataset``, refuse a stale one (files changed)."""
    directory = Path(directory)
    npz_path, json_path = directory / NPZ_NAME, directory / JSON_NAME
    if not npz_path.is_file() or not json_path.is_file():
        raise TinybenchError(f"no TFLM reference outputs in {directory}",
                             f"run `tinybench reference --workload W --dataset {directory}`")
    try:
        header = json.loads(json_path.read_text(encoding="utf-8"))
        with np.load(npz_path) as npz:
            outputs, entry, offset = npz["outputs"], npz["entry"], npz["offset"]
    except (OSError, ValueError, KeyError) as exc:
        raise TinybenchError(f"cannot read the reference in {directory}: {exc}",
                             "re-create it with `tinybench reference`") from exc
    names = tuple(header["files"])
    if dataset is not None:
        if header["workload"] != dataset.workload.id:
            raise TinybenchError(f"reference in {directory} is for {header['workload']}, "
                                 f"not {dataset.workload.id}")
        current = {e.name: fsutil.sha256_file(e.path) for e in dataset.entries}
        if current != header["files"]:
            raise TinybenchError(f"reference in {directory} does not match the current input files",
                                 "re-create it with `tinybench reference`")
    return Reference(header, outputs, entry, offset, names)
