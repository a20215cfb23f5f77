"""Importers: published and saved energy traces → one ``EnergyTrace`` the energy math understands.

Why: MLPerf Tiny energy results exist in two raw formats (EEMBC EnergyRunner's
``trace1-energy.bin`` + ``trace1-timestamps.json``; the MLCommons runner's ``results.json`` with
``power.samples``/``power.timestamps``) and tinybench writes a third (``energy/trace.npz``). Each
importer only *reads* — windows, N and samples — and hands them to :mod:`tinybench.power.energy`,
so every folder is recomputed by the same arithmetic. Formats: ``../shared/docs/run-rules-and-
formats.md`` §(c) and §(d).
"""

from __future__ import annotations

import io
import json
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinybench.errors import TinybenchError
from tinybench.power.energy import (EnergySummary, compute_windows, edge_position_from_time,
                                    pair_edges_energyrunner)

#: Name of the trace file tinybench's energy mode writes inside a run directory.
TINYBENCH_TRACE = "trace.npz"
TINYBENCH_TRACE_META = "trace.json"
_ER_TAG = 0xF1


@dataclass
class EnergyTrace:
    """A trace reduced to what the energy math needs, plus where it came from."""

    source: str  # "energyrunner" | "mlc-runner" | "tinybench"
    path: Path
    samples_j: np.ndarray  # energy per sample, joules
    sample_rate_hz: float
    bounds: list[tuple[float, float]]  # per-window (start, stop) positions in samples
    inferences: list[int]
    voltage_v: float | None = None
    category: str = "measured"
    meta: dict[str, Any] = field(default_factory=dict)

    def summarize(self) -> EnergySummary:
        return compute_windows(self.samples_j, self.sample_rate_hz, self.bounds, self.inferences)


def load_trace(folder: Path) -> EnergyTrace:
    """Detect the format of ``folder`` (a trace directory or a tinybench run directory) and load it."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TinybenchError(f"{folder} is not a directory",
                             "pass the folder holding trace1-energy.bin, results.json or trace.npz")
    loader = None
    if (folder / TINYBENCH_TRACE).is_file():
        loader, folder = load_tinybench, folder
    elif (folder / "energy" / TINYBENCH_TRACE).is_file():
        loader, folder = load_tinybench, folder / "energy"
    elif (folder / "trace1-energy.bin").is_file():
        loader = load_energyrunner
    elif (folder / "results.json").is_file():
        loader = load_mlc_results
    if loader is not None:
        import zipfile

        try:
            return loader(folder)
        except (ValueError, KeyError, IndexError, TypeError, EOFError, struct.error,
                zipfile.BadZipFile) as exc:   # truncated or corrupt files: the user's data, not a bug
            raise TinybenchError(f"the energy trace in {folder} is corrupt or truncated "
                                 f"({type(exc).__name__}: {exc})",
                                 "copy the run or trace folder again from its source") from exc
    raise TinybenchError(
        f"no energy trace found in {folder}",
        "expected trace1-energy.bin + trace1-timestamps.json (EnergyRunner), results.json with "
        "power samples (MLCommons runner) or trace.npz (tinybench energy run)")


# --- EEMBC EnergyRunner -------------------------------------------------------------------------

_INFER_RE = re.compile(r"io dut infer\s+(\d+)\s+(\d+)")
_LOG_INFER_RE = re.compile(r'Command "io dut infer\s+(\d+)\s+(\d+)"')
_LOG_VOLT_RE = re.compile(r"m-voltage-mv\[(\d+)\]")


def read_energyrunner_bin(path: Path) -> tuple[np.ndarray, float]:
    """``trace1-energy.bin``: tag byte 0xF1, float32 sample rate, float32 µJ per sample (LE)."""
    raw = Path(path).read_bytes()
    if len(raw) < 5 or raw[0] != _ER_TAG or (len(raw) - 5) % 4:
        raise TinybenchError(
            f"{path} is not an EnergyRunner energy trace (expected byte 0xF1, a float32 sample "
            f"rate and whole float32 samples; got {len(raw)} bytes, first byte {raw[:1].hex()})")
    (rate,) = struct.unpack("<f", raw[1:5])
    if not rate > 0:
        raise TinybenchError(f"{path}: sample rate {rate} is not positive")
    samples_uj = np.frombuffer(raw[5:], dtype="<f4").astype(np.float64)
    # Sample value = µJ per 1 ms; at another rate the doc's rule is sum × 1000/fs.
    return samples_uj * 1e-6 * (1000.0 / rate), float(rate)


def _energyrunner_inferences(folder: Path, windows: int) -> list[int]:
    """N per window from ``script.async`` (the commands as run), else from ``log.txt``."""
    counts: list[int] = []
    script = folder / "script.async"
    if script.is_file():
        counts = [int(m.group(1)) for m in _INFER_RE.finditer(script.read_text(errors="replace"))]
    if not counts and (folder / "log.txt").is_file():
        counts = [int(m.group(1)) for m in _LOG_INFER_RE.finditer(
            (folder / "log.txt").read_text(errors="replace"))]
    if len(counts) != windows:
        raise TinybenchError(
            f"{folder}: found {len(counts)} `io dut infer N W` commands for {windows} energy windows",
            "the window count comes from trace1-timestamps.json and N from script.async/log.txt; "
            "both must be present and agree")
    return counts


def load_energyrunner(folder: Path) -> EnergyTrace:
    """EnergyRunner folder → trace; edges snapped by :func:`edge_position_from_time` (1 ms JSON)."""
    folder = Path(folder)
    samples, rate = read_energyrunner_bin(folder / "trace1-energy.bin")
    ts_path = folder / "trace1-timestamps.json"
    if not ts_path.is_file():
        raise TinybenchError(f"{ts_path} is missing", "EnergyRunner writes it beside trace1-energy.bin")
    try:
        times = [float(t) for t in json.loads(ts_path.read_text())]
    except (ValueError, TypeError) as exc:
        raise TinybenchError(f"{ts_path}: not a JSON list of edge times ({exc})") from exc
    positions = [edge_position_from_time(t, rate, 0.001) for t in times]
    bounds = pair_edges_energyrunner(positions)
    voltage = None
    log = folder / "log.txt"
    if log.is_file():
        volts = _LOG_VOLT_RE.findall(log.read_text(errors="replace"))
        voltage = int(volts[-1]) / 1000.0 if volts else None
    return EnergyTrace(
        source="energyrunner", path=folder, samples_j=samples, sample_rate_hz=rate, bounds=bounds,
        inferences=_energyrunner_inferences(folder, len(bounds)), voltage_v=voltage,
        meta={"edge_times_s": times, "edge_rule": "E[ceil(t*fs)] for 1 ms-rounded times"})


# --- MLCommons runner results.json -------------------------------------------------------------

def load_mlc_results(folder: Path) -> EnergyTrace:
    """MLC runner ``results.json``: per trial, joules per 1 ms sample and (counter, index) events.

    Each trial's samples start at 0; the window is the LAST two events of the trial (extra early
    events are ignored, as the runner does) and their counters must be consecutive. Trials are
    concatenated into one trace so one set of arithmetic applies.
    """
    path = Path(folder) / "results.json"
    try:
        trials = json.loads(path.read_text())
    except ValueError as exc:
        raise TinybenchError(f"{path}: not valid JSON ({exc})") from exc
    energy_trials = [t for t in trials if isinstance(t, dict) and t.get("power")]
    if not energy_trials:
        raise TinybenchError(f"{path} holds no energy trials (no `power` entries)",
                             "pass the energy/ folder of an MLC runner result")
    chunks: list[np.ndarray] = []
    bounds: list[tuple[float, float]] = []
    inferences: list[int] = []
    voltages: set[float] = set()
    offset = 0
    for k, trial in enumerate(energy_trials):
        power = trial["power"]
        samples = np.asarray(power.get("samples") or [], dtype=np.float64)
        events = power.get("timestamps") or []
        if len(events) < 2:
            raise TinybenchError(f"{path}: trial {k} has {len(events)} timestamp events, needs 2",
                                 "the DUT's timestamp edges did not reach the monitor")
        (c0, i0), (c1, i1) = events[-2], events[-1]
        if int(c1) != int(c0) + 1:
            raise TinybenchError(f"{path}: trial {k} event counters {c0}, {c1} are not consecutive",
                                 "the monitor missed an edge; re-run the trial")
        bounds.append((float(offset + int(i0)), float(offset + int(i1))))
        inferences.append(int(trial["infer"]["iterations"]))
        if power.get("voltage") is not None:
            voltages.add(float(power["voltage"]))
        chunks.append(samples)
        offset += len(samples)
    return EnergyTrace(
        source="mlc-runner", path=Path(folder), samples_j=np.concatenate(chunks),
        sample_rate_hz=1000.0, bounds=bounds, inferences=inferences,
        voltage_v=voltages.pop() if len(voltages) == 1 else None)


# --- tinybench's own energy runs ---------------------------------------------------------------

def save_tinybench_trace(folder: Path, *, samples_j: np.ndarray, sample_rate_hz: float,
                         edges: np.ndarray, window_edges: list[tuple[int, int]],
                         inferences: list[int], meta: dict[str, Any]) -> Path:
    """Write ``trace.npz`` (compressed raw samples, every edge, window→edge map) + ``trace.json``.

    ``edges`` are sample positions of every edge the monitor reported (also those not used by a
    window), so the recomputation and any audit see the raw evidence.
    """
    from tinybench import fsutil

    buf = io.BytesIO()
    np.savez_compressed(
        buf, samples_j=np.asarray(samples_j, dtype=np.float64),
        sample_rate_hz=np.float64(sample_rate_hz), edges=np.asarray(edges, dtype=np.float64),
        window_edges=np.asarray(window_edges, dtype=np.int64).reshape(-1, 2),
        inferences=np.asarray(inferences, dtype=np.int64))
    folder = Path(folder)
    fsutil.atomic_write_bytes(folder / TINYBENCH_TRACE, buf.getvalue())
    fsutil.atomic_write_json(folder / TINYBENCH_TRACE_META, meta)
    return folder / TINYBENCH_TRACE


def load_tinybench(folder: Path) -> EnergyTrace:
    folder = Path(folder)
    try:
        with np.load(folder / TINYBENCH_TRACE) as data:
            samples = data["samples_j"]
            rate = float(data["sample_rate_hz"])
            edges = data["edges"]
            window_edges = data["window_edges"]
            inferences = [int(n) for n in data["inferences"]]
    except (OSError, KeyError, ValueError) as exc:
        raise TinybenchError(f"{folder / TINYBENCH_TRACE} is not a readable tinybench trace ({exc})") from exc
    meta: dict[str, Any] = {}
    if (folder / TINYBENCH_TRACE_META).is_file():
        meta = json.loads((folder / TINYBENCH_TRACE_META).read_text())
    if window_edges.size and (window_edges.min() < 0 or window_edges.max() >= len(edges)):
        raise TinybenchError(f"{folder / TINYBENCH_TRACE}: window refers to an edge that is not recorded")
    bounds = [(float(edges[a]), float(edges[b])) for a, b in window_edges]
    return EnergyTrace(
        source="tinybench", path=folder, samples_j=samples, sample_rate_hz=rate, bounds=bounds,
        inferences=inferences, voltage_v=meta.get("voltage_v"),
        category=meta.get("category", "measured"), meta=meta)
