"""Energy mode: 5 windows on 5 inputs, energy between the monitor's timestamp edges, median µJ/inf.

Why this procedure: it is MLPerf Tiny's (``../shared/docs/run-rules-and-formats.md`` §(a)
Energy) — energy-mode firmware pulses its timestamp pin before the first and after the last timed
inference of ``infer N W``; the monitor records the pulses in its own sample stream; window
energy = samples between the two edges, Energy/Inf. = energy / N, reported = median over windows.
Timing comes from the edges too (the DUT prints no laps in energy mode). What tinybench adds:

* the acquisition runs once across all windows and the **raw trace + every edge** is saved with
  the run (``trace.npz``, compressed), also when the run fails — measured data is never lost;
  ``tinybench energy RUN_DIR`` recomputes every figure from it;
* N is calibrated from edge-timed probes so each window lasts ``min_window_s`` (10 s by default;
  a smaller ``--min-window-s`` is marked non-compliant);
* a window whose edge count is not exactly 2 (missing or extra edges) or that overlaps samples
  the instrument dropped is **repeated once** on the same input (documented recovery; the failed
  attempt stays in the trace and the transcript); a second failure is an error naming the
  window. Never a silently wrong number;
* results name the instrument (model, firmware, serial), voltage, sample rate and whether the
  figure is ``measured`` or ``estimated`` (simulated instrument on a simulated board).
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinybench import fsutil
from tinybench.errors import TinybenchError
from tinybench.power.energy import compute_windows
from tinybench.power.figures import EnergyFigures, EnergyWindowFigures, InstrumentFacts
from tinybench.power.importers import TINYBENCH_TRACE, save_tinybench_trace
from tinybench.power.monitor import Capture, EdgeEvent, PowerMonitor
from tinybench.protocol import DutClient
from tinybench.run.board_timer import BoardTimer
from tinybench.run.common import RULE_MIN_ITERATIONS, RULE_MIN_WINDOW_S, RunOptions, RunTarget
from tinybench.run import metrics
from tinybench.run.progress import Progress

#: Why a performance image fails energy mode, for our firmware and a vendor's alike.
ENERGY_BUILD_HINT = ("energy mode needs the energy-mode build of the firmware (EE_CFG_ENERGY_MODE): "
                     "tinybench builds its own; with --firmware pass the vendor's energy image")

PLOT_FILE = "energy_windows.png"
EDGES_PER_WINDOW = 2
MAX_ITERATIONS = 100_000_000


class _WindowFault(Exception):
    """A window attempt that cannot be used (edge count or dropped samples); retried once."""


class EnergySession:
    """One acquisition spanning all windows: edge bookkeeping and the window/edge map."""

    def __init__(self, client: DutClient, monitor: PowerMonitor, options: RunOptions,
                 transcript: Any, edge_timeout_s: float, settle_s: float) -> None:
        self.client = client
        self.monitor = monitor
        self.options = options
        self.transcript = transcript
        self.edge_timeout_s = edge_timeout_s
        self.settle_s = settle_s
        self.wall_per_dut = 1.0

    def note(self, text: str) -> None:
        if self.transcript is not None:
            self.transcript.note(text)

    def timed_infer(self, n: int, w: int, expected_s: float,
                    allow_zero: bool = False) -> tuple[int, int, float]:
        """``infer n w``; returns (edge index of start, of stop, duration in s from the edges)."""
        before = self.monitor.edge_count()
        timeout = max(self.options.line_timeout_s, expected_s * self.wall_per_dut * 3.0 + 10.0)
        t0 = time.monotonic()
        self.client.infer(n, w, timeout=timeout)
        wall = time.monotonic() - t0
        edges = self.monitor.wait_edges(before + EDGES_PER_WINDOW, self.edge_timeout_s, self.settle_s)
        new = edges[before:]
        if len(new) != EDGES_PER_WINDOW:
            kind = "missing" if len(new) < EDGES_PER_WINDOW else "extra"
            raise _WindowFault(f"{kind} timestamp edges: {len(new)} edge(s) during `infer {n} {w}`, "
                               f"expected {EDGES_PER_WINDOW}")
        a, b = new
        self._check_drops(a, b)
        duration = (b.sample_index - a.sample_index) / self.monitor.sample_rate_hz
        if duration <= 0 and not allow_zero:
            raise _WindowFault(f"edges at samples {a.sample_index}, {b.sample_index} delimit no time")
        if duration > 0.05:
            self.wall_per_dut = max(1.0, wall / duration)
        return before, before + 1, duration

    def _check_drops(self, a: EdgeEvent, b: EdgeEvent) -> None:
        """Refuse a window that overlaps a dropped-sample report.

        A drop is reported at the next instrument tick after it happened, so the check runs again
        on the final capture (:func:`_verify_windows`)."""
        for drop in self.monitor.drops():
            if drop.after_sample <= b.sample_index and drop.before_sample >= a.sample_index:
                raise _WindowFault(f"the instrument dropped {drop.count} sample(s) between samples "
                                   f"{drop.after_sample} and {drop.before_sample}, inside the window")


def _calibrate(session: EnergySession, client: DutClient, data: bytes, options: RunOptions) -> float:
    """Seconds per inference from edge-timed probes (N grows until a probe is long enough)."""
    client.load(data)
    target = min(1.0, max(0.2, options.min_window_s / 10))
    n, duration, faults = 1, 0.0, 0
    for _ in range(16):
        session.note(f"energy calibration probe infer {n} 0")
        try:
            _, _, duration = session.timed_infer(n, 0, expected_s=target, allow_zero=True)
        except _WindowFault as fault:
            faults += 1
            session.note(f"calibration probe: {fault}")
            if faults > 1:
                raise TinybenchError(f"energy calibration failed: {fault}",
                                     "check the timestamp wiring/edge channel and the monitor's link") from None
            continue
        if duration >= target or n >= MAX_ITERATIONS:
            return duration / n
        n = n * 10 if duration < target / 10 else max(n + 1, math.ceil(n * target * 1.2 / duration))
    return max(duration, 1.0 / session.monitor.sample_rate_hz) / n


def _verify_windows(capture: Capture, windows: list[tuple[int, int]]) -> None:
    for k, (a, b) in enumerate(windows, start=1):
        start, stop = capture.edges[a].sample_index, capture.edges[b].sample_index
        for drop in capture.drops:
            if drop.after_sample <= stop and drop.before_sample >= start:
                raise TinybenchError(
                    f"energy window {k}: the instrument dropped {drop.count} sample(s) between "
                    f"samples {drop.after_sample} and {drop.before_sample}, overlapping the window",
                    "the raw trace is saved with the run; re-run the measurement (check USB load "
                    "and that nothing else reads the monitor's port)")


def measure(client: DutClient, monitor: PowerMonitor, inputs: list[tuple[str, bytes]],
            options: RunOptions, *, transcript: Any = None, iterations: int | None = None,
            edge_timeout_s: float = 3.0, settle_s: float = 0.2,
            retries: int = 1) -> tuple[Capture, list[dict[str, Any]], list[str]]:
    """Run the acquisition; returns the capture, the per-window records and notes.

    The capture is returned (and must be saved by the caller) even when a window fails: the
    failure is raised *after* ``monitor.stop()`` as :class:`EnergyRunFailed`.
    """
    if len(inputs) < options.windows:
        raise TinybenchError(f"energy mode needs {options.windows} inputs, the data set has {len(inputs)}",
                             "use a data set with at least 5 files")
    session = EnergySession(client, monitor, options, transcript, edge_timeout_s, settle_s)
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    failure: BaseException | None = None
    current: dict[str, Any] | None = None        # the window being measured (for a failure report)
    progress = Progress(options.windows, "energy windows") if options.progress else None
    monitor.start()
    timer = BoardTimer.start(client.link, session.note)   # interface board's own clock, if any
    try:
        for marker_attempt in range(1, retries + 2):
            before = monitor.edge_count()
            session.note(f"energy: timestamp marker edge (attempt {marker_attempt})")
            if client.timestamp() is not None:
                raise TinybenchError(
                    "the DUT printed a lap for `timestamp`: it runs performance-mode firmware",
                    ENERGY_BUILD_HINT)
            if len(monitor.wait_edges(before + 1, edge_timeout_s, settle_s)) > before:
                silent = timer.marker() if timer else None
                if silent:
                    notes.append(silent)
                break
            notes.append(f"no edge for `timestamp` marker attempt {marker_attempt}")
        else:
            raise TinybenchError(
                "the power monitor saw no edge for the DUT's `timestamp` pulse",
                "wire the DUT timestamp GPIO to the monitor's event input (LPM01A: D7), or for a "
                "simulated board check that the simulated instrument reads DutLink.edge_url")
        if iterations is None:
            per_inf = _calibrate(session, client, inputs[0][1], options)
            n_base = max(RULE_MIN_ITERATIONS, math.ceil(options.min_window_s * options.margin / per_inf))
        else:
            per_inf, n_base = None, int(iterations)
        for k, (name, data) in enumerate(inputs[:options.windows], start=1):
            n = n_base
            attempt = faults = 0
            current = {"index": k, "input_file": name}
            while True:
                attempt += 1
                current.update(iterations=n, attempt=attempt)
                session.note(f"input {name} offset 0")
                client.load(data)
                session.note(f"energy window {k} attempt {attempt}: infer {n} {options.warmups}")
                if timer:
                    timer.before_window()
                try:
                    a, b, duration = session.timed_infer(
                        n, options.warmups, expected_s=(per_inf or 1.0) * n)
                except _WindowFault as fault:
                    message = f"window {k} attempt {attempt}: {fault}"
                    notes.append(message)
                    session.note(message)
                    faults += 1
                    if faults > retries:
                        raise TinybenchError(
                            f"energy window {k} ({name}) failed {faults} time(s): {fault}",
                            "the raw trace and every edge are saved with the run; check the "
                            "timestamp wiring/edge channel and the monitor's USB link") from None
                    continue
                if duration < options.min_window_s and iterations is None and attempt <= 3:
                    n = min(MAX_ITERATIONS, max(n + 1, math.ceil(
                        n * options.min_window_s * options.margin / duration)))
                    session.note(f"window {k} lasted {duration:.3f} s < {options.min_window_s:g} s; "
                                 f"repeating with N={n}")
                    continue
                records.append({"index": k, "input_file": name, "iterations": n,
                                "warmups": options.warmups, "edges": (a, b), "attempts": attempt})
                if timer:
                    records[-1]["board_timer"] = timer.window(k, duration, monitor.sample_rate_hz)
                current = None
                if progress:
                    progress.update()
                break
    except BaseException as exc:  # noqa: BLE001 - re-raised after the data is safe
        failure = exc
    finally:
        if progress:
            progress.close()
        capture = monitor.stop()
        if timer:
            timer.stop()
            summary = timer.summary()
            if summary:
                notes.append(summary)
    if failure is None:
        try:
            _verify_windows(capture, [r["edges"] for r in records])
        except TinybenchError as exc:
            failure = exc
    if failure is not None:
        failed = None if current is None else {**current, "reason": failure_reason(failure)}
        raise EnergyRunFailed(capture, records, notes, failure, failed)
    return capture, records, notes


def failure_reason(exc: BaseException) -> str:
    """Why a run stopped, never empty (``KeyboardInterrupt`` and many I/O errors have no text)."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C or SIGTERM)"
    if isinstance(exc, TinybenchError):
        return exc.message or type(exc).__name__
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class EnergyRunFailed(Exception):
    """Carries the capture of a failed energy run so the caller can save it before reporting;
    ``failed_window`` is the window that was being measured, with the reason it failed."""

    def __init__(self, capture: Capture, records: list[dict[str, Any]], notes: list[str],
                 cause: BaseException, failed_window: dict[str, Any] | None = None) -> None:
        super().__init__(failure_reason(cause))
        self.capture, self.records, self.notes, self.cause = capture, records, notes, cause
        self.failed_window = failed_window


def figures(capture: Capture, records: list[dict[str, Any]], notes: list[str], options: RunOptions,
            *, power_model: str | None = None) -> EnergyFigures:
    """Energy figures of a capture via the one energy module."""
    bounds = [(float(capture.edges[a].sample_index), float(capture.edges[b].sample_index))
              for a, b in (r["edges"] for r in records)]
    summary = compute_windows(capture.samples_j, capture.sample_rate_hz, bounds,
                              [r["iterations"] for r in records])
    windows = [EnergyWindowFigures(
        index=r["index"], input_file=r["input_file"], iterations=r["iterations"], warmups=r["warmups"],
        start_sample=w.start, stop_sample=w.stop, duration_s=w.duration_s, energy_uj=w.energy_uj,
        power_uw=w.power_uw, energy_per_inf_uj=w.energy_per_inf_uj, throughput=w.throughput_ips,
        meets_duration_rule=w.duration_s >= RULE_MIN_WINDOW_S and r["iterations"] >= RULE_MIN_ITERATIONS,
        attempts=r["attempts"]) for r, w in zip(records, summary.windows)]
    info = capture.info
    spread = metrics.spread_pct([w.throughput for w in windows])
    return EnergyFigures(
        category="estimated" if info.category == "estimated" else "measured",
        instrument=InstrumentFacts(model=info.model, firmware=info.firmware, serial=info.serial,
                                   driver=info.driver, port=info.port),
        power_model=power_model, voltage_v=capture.voltage_v, sample_rate_hz=capture.sample_rate_hz,
        windows=windows, median_energy_per_inf_uj=summary.median_energy_per_inf_uj,
        median_throughput=summary.median_throughput_ips, min_window_s=options.min_window_s,
        trace_file=TINYBENCH_TRACE, samples=int(len(capture.samples_j)), edges=len(capture.edges),
        dropped_samples=capture.dropped_samples, notes=list(capture.notes) + list(notes),
        spread_pct=spread, spread_bound_pct=options.spread_bound_pct,
        unstable=spread > options.spread_bound_pct)


def save_capture(run_dir: Path, capture: Capture, records: list[dict[str, Any]], *,
                 power_model: str | None = None, extra: dict[str, Any] | None = None) -> Path:
    """Write the raw trace + every edge + the window map (also for failed runs)."""
    meta = {
        "instrument": capture.info.to_dict(), "category": capture.info.category,
        "voltage_v": capture.voltage_v, "sample_rate_hz": capture.sample_rate_hz,
        "unit": "joules per sample", "power_model": power_model,
        "drops": [d.__dict__ for d in capture.drops], "notes": capture.notes,
        "edge_counters": [e.counter for e in capture.edges],
        "windows": [{k: v for k, v in r.items() if k != "edges"} | {"edges": list(r["edges"])}
                    for r in records],
        **(extra or {}),
    }
    return save_tinybench_trace(
        run_dir, samples_j=capture.samples_j, sample_rate_hz=capture.sample_rate_hz,
        edges=[e.sample_index for e in capture.edges],
        window_edges=[r["edges"] for r in records], inferences=[r["iterations"] for r in records],
        meta=meta)


def plot_windows(run_dir: Path, capture: Capture, fig: EnergyFigures) -> Path:
    """Per-window energy plot: power trace with the windows shaded, and Energy/Inf. per window."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fs = capture.sample_rate_hz
    t = np.arange(len(capture.samples_j)) / fs
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6))
    top.plot(t, capture.samples_j * fs * 1e3, linewidth=0.5)
    for w in fig.windows:
        top.axvspan(w.start_sample / fs, w.stop_sample / fs, alpha=0.2, color="tab:orange")
    top.set_xlabel("time (s)")
    top.set_ylabel("power (mW)")
    top.set_title(f"{fig.instrument.model} at {fig.voltage_v:g} V, {fs:g} Hz ({fig.category})")
    idx = [w.index for w in fig.windows]
    bottom.bar(idx, [w.energy_per_inf_uj for w in fig.windows])
    bottom.axhline(fig.median_energy_per_inf_uj, color="k", linestyle="--",
                   label=f"median {fig.median_energy_per_inf_uj:.3f} uJ/inf")
    bottom.set_xlabel("window")
    bottom.set_ylabel("energy / inference (uJ)")
    bottom.legend()
    figure.tight_layout()
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=90)
    plt.close(figure)
    fsutil.atomic_write_bytes(Path(run_dir) / PLOT_FILE, buf.getvalue())
    return Path(run_dir) / PLOT_FILE


def energy_lines(fig: EnergyFigures, prefix: str) -> list[str]:
    """EnergyRunner-style energy lines (the checker reads ``Median energy cost is X uJ/inf``)."""
    out = [f"Energy instrument: {fig.instrument.model}, firmware {fig.instrument.firmware}, "
           f"serial {fig.instrument.serial}; supply {fig.voltage_v:g} V; {fig.sample_rate_hz:g} Hz; "
           f"figures {fig.category.upper()}" + (f" ({fig.power_model})" if fig.power_model else "")]
    for w in fig.windows:
        out += [f"Energy data for window {w.index} at time {w.start_sample / fig.sample_rate_hz:.2f} "
                f"for {w.duration_s:.2f} sec.:",
                f"  Energy       : {w.energy_uj:14.3f} uJ",
                f"  Power        : {w.power_uw:14.3f} uW",
                f"  Energy/Inf.  : {w.energy_per_inf_uj:14.3f} uJ/inf.",
                f"  # Inferences : {w.iterations:14d}",
                f"  Throughput   : {w.throughput:14.3f} inf./sec."]
        if not w.meets_duration_rule:
            out.append("e-[The run must take at least 10 seconds and 10 iterations to be valid]")
    out += ["---------------------------------------------------------",
            f"Median energy cost is {fig.median_energy_per_inf_uj:.3f} uJ/inf.",
            f"Energy-mode median throughput (from monitor edges): {fig.median_throughput:.3f} inf./sec.",
            "---------------------------------------------------------"]
    return [prefix + line for line in out]


@contextlib.contextmanager
def energy_monitor(spec: str | None, link: Any, board: Any, *,
                   timeout: float = 2.0) -> Iterator[tuple[PowerMonitor, str | None]]:
    """The monitor for an energy run: ``spec`` (e.g. ``lpm01a:/dev/ttyACM0``), or for a simulated
    board without one, a simulated LPM01A fed by ``link.edge_url``. Yields (monitor, power model
    sentence or None)."""
    from tinybench.power.monitor import open_monitor

    if spec:
        with open_monitor(spec, timeout=timeout) as monitor:
            yield monitor, None
        return
    edge_url = getattr(link, "edge_url", None)
    if not edge_url:
        raise TinybenchError(
            "energy mode needs a power monitor",
            "pass --monitor lpm01a:<port> (or joulescope / ppk2); simulated boards use the "
            "simulated LPM01A automatically when the image is an energy build")
    from tinybench.power.lpm01a import Lpm01a
    from tinybench.power.sim_lpm01a import SimLpm01a, estimate_power_mw

    power_mw, model = estimate_power_mw(board)
    with SimLpm01a(edge_url, power_mw=power_mw) as sim:
        if not sim.edge_channel_open.wait(10.0):
            raise TinybenchError(f"the simulated instrument could not open the board's edge channel {edge_url}",
                                 "the energy-mode simulator did not accept a connection; see its log")
        with Lpm01a(sim.url, timeout=timeout) as monitor:
            yield monitor, f"simulated instrument; {power_mw:.3f} mW from {model}"


def _identify_energy(client: DutClient, workload_id: str, expect_vendor: str | None = None) -> Any:
    """Name, profile and extensions; refuse firmware for another model or a performance build."""
    from tinybench.results.schema import DutFacts
    from tinybench.run.common import check_vendor

    vendor = check_vendor(client, expect_vendor)
    caps = client.caps()                 # first: it turns on the line check when offered
    profile, model = client.profile()
    if model != workload_id:
        raise TinybenchError(
            f"the DUT on {client.port} runs model {model!r}, but workload {workload_id!r} was requested",
            f"build and flash the energy-mode firmware for {workload_id}")
    info = client.info() if caps.info else {}
    if info.get("energy") == "0":
        raise TinybenchError(f"the DUT on {client.port} runs performance-mode firmware (tb-info energy=0)",
                             ENERGY_BUILD_HINT)
    return DutFacts(vendor=vendor, profile=profile, model=model, caps=sorted(caps.words), info=info)


def execute_energy(client: DutClient, run: Any, target: RunTarget, dataset: Any, options: RunOptions,
                   monitor: PowerMonitor, *, voltage_v: float = 1.8, sample_rate_hz: float = 1000.0,
                   power_model: str | None = None, iterations: int | None = None,
                   edge_timeout_s: float = 3.0) -> Any:
    """Energy counterpart of ``tinybench.run.runner.execute``: same run directory and result files.

    ``run`` is a ``RunDirectory``; ``dataset`` a workloads ``Dataset`` (first 5 files; AD: first
    window of each). Writes log.txt, trace.npz/trace.json, energy_windows.png, results.txt,
    results.json (``energy`` member) and manifest.json; returns the ``RunResults``.
    """
    from tinybench import __version__
    from tinybench.results.rundir import build_manifest, utc_now
    from tinybench.results.schema import DutFacts, RunResults
    from tinybench.results.text import results_lines, unstable_line
    from tinybench.run.runner import performance_inputs, target_provenance

    workload = dataset.workload
    started = utc_now()
    t0 = time.monotonic()
    client.transcript = run.transcript
    run.transcript.note(f"session start board={target.board} workload={workload.id} mode=energy "
                        f"harness={__version__}")
    notes: list[str] = []
    if not options.compliant:
        notes.append(f"windows only required to last {options.min_window_s:g} s (--min-window-s), "
                     "the rules require 10 s")
    if iterations is not None:
        notes.append(f"N fixed at {iterations} by the caller (not calibrated to the window length)")
    # Configure and power the DUT from the monitor before talking to it (a real LPM01A supplies it).
    # Skipped when the caller already did (run_energy powers a physical board before flashing):
    # `configure` starts with `pwr off`, which would reset a running DUT.
    if monitor.configured != (float(voltage_v), float(sample_rate_hz)):
        monitor.configure(voltage_v, sample_rate_hz)
    if not monitor.powered:
        monitor.power(True)
    facts = DutFacts()
    capture: Capture | None = None
    fig: EnergyFigures | None = None
    records: list[dict[str, Any]] = []
    extra_notes: list[str] = []
    failure: BaseException | None = None
    failed_window: dict[str, Any] | None = None
    try:
        facts = _identify_energy(client, workload.id, target.expect_vendor)
        inputs = performance_inputs(dataset)
        capture, records, extra_notes = measure(client, monitor, inputs, options,
                                                transcript=run.transcript, iterations=iterations,
                                                edge_timeout_s=edge_timeout_s)
    except EnergyRunFailed as exc:
        capture, records, extra_notes, failure = exc.capture, exc.records, exc.notes, exc.cause
        failed_window = exc.failed_window
    except BaseException as exc:  # noqa: BLE001 - results are written below, then re-raised
        failure = exc
    finally:
        run.transcript.flush()
    if capture is not None:
        save_capture(run.path, capture, records, power_model=power_model,
                     extra={"board": target.board, "workload": workload.id,
                            "complete": failure is None, "failed_window": failed_window})
    category = "estimated" if (capture is not None and capture.info.category == "estimated") \
        or target.category != "measured" else "measured"
    results = RunResults(harness_version=__version__, board=target.board, category=category,
                         workload=workload.id, mode="energy", started=started, complete=False,
                         compliant=False, notes=notes, dut=facts, dataset=str(dataset.directory),
                         **target_provenance(target, facts))
    if failure is None and capture is not None:
        fig = figures(capture, records, extra_notes, options, power_model=power_model)
        if fig.category == "measured" and target.category != "measured":
            fig.category = "estimated"
        plot_windows(run.path, capture, fig)
        results.complete = True
        results.finished = utc_now()
        short = [w.index for w in fig.windows if not w.meets_duration_rule]
        if short:
            notes.append(f"energy windows {short} shorter than 10 s or 10 inferences")
        results.compliant = not notes
    elif failure is not None:
        where = "" if failed_window is None else (
            f" in window {failed_window['index']} ({failed_window['input_file']}, attempt "
            f"{failed_window.get('attempt', 1)})")
        results.notes = notes + [f"energy run failed{where}: {failure_reason(failure)}"]
    data = results.model_dump(mode="json")
    if fig is not None:
        if "energy" in RunResults.model_fields:
            results.energy = fig  # type: ignore[attr-defined]
            data = results.model_dump(mode="json")
        else:
            data["energy"] = fig.model_dump(mode="json")
    prefix = f"{time.monotonic() - t0:09.3f} ulp-ml: "
    lines = results_lines(results, time.monotonic() - t0)
    if fig is not None:
        lines += energy_lines(fig, prefix)
        if fig.unstable and fig.spread_pct is not None:
            lines.append(prefix + unstable_line(fig.spread_pct, options.spread_bound_pct))
    run.write_results(data, lines)
    if failure is not None:
        raise failure
    trace = run.path / TINYBENCH_TRACE
    run.write_manifest(build_manifest(
        firmware=target.firmware, model=target.model, inputs=[e.path for e in list(dataset)[:options.windows]],
        extra={"board": target.board, "workload": workload.id, "mode": "energy",
               "dut": facts.model_dump(), "dataset": str(dataset.directory),
               "energy_trace": {"file": TINYBENCH_TRACE, "sha256": fsutil.sha256_file(trace)},
               "instrument": fig.instrument.model_dump() if fig else None,
               "voltage_v": capture.voltage_v if capture else None,
               "sample_rate_hz": capture.sample_rate_hz if capture else None,
               "category": category}))
    return results


def run_energy(*, board: str | None, workload: str | None, dataset: Path | None = None,
               out: Path | None = None, monitor: str | None = None, voltage_v: float = 1.8,
               sample_rate_hz: float = 1000.0, min_window_s: float | None = None,
               iterations: int | None = None, monitor_timeout_s: float = 2.0,
               edge_timeout_s: float = 3.0, resume: bool = False,
               progress: bool = False, source: Any = None) -> tuple[Any, Path]:
    """``tinybench run --mode energy``: validate, build the energy image, deploy, measure.

    The runner's CLI dispatches here for ``--mode energy`` (same run-directory layout as
    ``tinybench.run.session.start``). ``monitor`` is a spec for
    :func:`tinybench.power.monitor.open_monitor`; without one, a simulated board is measured by
    the simulated LPM01A (figures *estimated*). One acquisition spans all five windows, so
    ``resume`` (``--resume --out DIR``) measures them again in the same run directory with the
    settings saved there; the interrupted attempt stays in ``log.txt``.
    ``source`` (``tinybench.flash.source.DutSource``): a vendor image or an already-running DUT
    instead of our energy build.
    """
    from datetime import datetime, timezone

    from tinybench import paths
    from tinybench.boards import load_board
    from tinybench.flash.source import DutSource
    from tinybench.protocol import connect
    from tinybench.results.rundir import RunDirectory
    from tinybench.run.session import (_default_dataset, _discard_on_failed_start, _model_file,
                                       _source_from_state, _source_state)
    from tinybench.workloads import load_dataset, load_workload

    run: RunDirectory | None = None
    if resume:
        run, given = _reopen_energy(out), {"board": board, "workload": workload, "monitor": monitor}
        state = run.state()
        for key, value in given.items():
            if value is not None and value != state.get(key):
                raise TinybenchError(f"--{key} {value} differs from the interrupted run's {state.get(key)}",
                                     f"omit --{key} when resuming, or start a new run")
        board, workload, monitor = state["board"], state["workload"], state.get("monitor")
        dataset, min_window_s = Path(state["dataset"]), state.get("min_window_s")
        voltage_v = float(state.get("voltage_v", voltage_v))
        source = source or _source_from_state(state)
        sample_rate_hz = float(state.get("sample_rate_hz", sample_rate_hz))
    if board is None or workload is None:
        raise TinybenchError("--board and --workload are required for a new run")
    min_window = RULE_MIN_WINDOW_S if min_window_s is None else float(min_window_s)
    if min_window <= 0:
        raise TinybenchError(f"--min-window-s must be positive (got {min_window})")
    if not 0.8 <= voltage_v <= 5.0:
        raise TinybenchError(f"supply voltage {voltage_v} V is not plausible for a TinyML DUT",
                             "MLPerf Tiny boards run at 1.8–3.3 V")
    if iterations is not None and iterations < 1:
        raise TinybenchError(f"--iterations must be >= 1 (got {iterations})")
    brd = load_board(board)
    source = source or DutSource()
    source.check(brd)
    wl = load_workload(workload)
    placed = source.at_place(brd).labgrid     # a labgrid place: its `monitor` port is the default
    if monitor is None and brd.kind == "physical" and placed is None:
        raise TinybenchError(f"board {brd.name} is physical: energy mode needs --monitor",
                             "e.g. --monitor lpm01a:/dev/ttyACM0")
    dataset_dir = Path(dataset) if dataset else _default_dataset(wl)
    data = load_dataset(dataset_dir, wl)
    model = source.model_for(_model_file(wl) if source.model is None else None) \
        if source.origin == "tinybench" else None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(out) if out else paths.results_dir() / f"{brd.name}-{wl.id}-energy-{stamp}"
    if run is None and out_dir.exists() and any(out_dir.iterdir()):
        raise TinybenchError(f"run directory {out_dir} already exists and is not empty",
                             "pass --resume to measure it again, or choose another --out")
    # Build before creating the run directory: a failed build leaves nothing half-made behind.
    image = source.image(brd, model, wl.id, energy=True)
    fresh = run is None
    if run is None:
        run = RunDirectory.create(out_dir, {"board": brd.name, "workload": wl.id, "mode": "energy",
                                            "dataset": str(Path(dataset_dir).resolve()),
                                            "min_window_s": min_window, "voltage_v": voltage_v,
                                            "sample_rate_hz": sample_rate_hz, "monitor": monitor,
                                            "source": _source_state(source)})
    else:
        run.transcript.note("session resume: energy windows are measured again (one acquisition)")
    print(f"run directory: {run.path}", file=sys.stderr)
    run.update_state(firmware_sha256=image.image_sha256 if image is not None else None)
    options = RunOptions(min_window_s=min_window, progress=progress)
    with _discard_on_failed_start(run, fresh), contextlib.ExitStack() as stack:
        mon: PowerMonitor | None = None
        power_model: str | None = None
        if placed is not None:
            # Held from here (the monitor port is the place's too); the backend reuses the lease.
            monitor = _place_monitor(stack, placed, brd, monitor)
        if monitor:
            # A real instrument supplies the DUT: configure and power it before flashing/handshake.
            from tinybench.power.monitor import open_monitor

            mon = stack.enter_context(open_monitor(monitor, timeout=monitor_timeout_s))
            mon.configure(voltage_v, sample_rate_hz)
            mon.power(True)
        link = stack.enter_context(source.reach(brd, image, "energy"))
        for text in link.notes:
            run.transcript.note(text)
        if mon is None:
            mon, power_model = stack.enter_context(
                energy_monitor(None, link, brd, timeout=monitor_timeout_s))
        target = RunTarget(board=brd.name, category=link.category,
                           time_base="power-monitor timestamp edges", icount_shift=link.icount_shift,
                           instructions_per_us=link.instructions_per_us,
                           firmware=source.firmware_file(image), model=model,
                           identity=source.identity(image), expect_vendor=source.vendor,
                           extra={"division": source.division})
        client = stack.enter_context(connect(link.url, link.baud, transcript=run.transcript))
        results = execute_energy(client, run, target, data, options, mon,
                                 voltage_v=voltage_v, sample_rate_hz=sample_rate_hz,
                                 power_model=power_model, iterations=iterations,
                                 edge_timeout_s=edge_timeout_s)
    return results, run.path


def _place_monitor(stack: contextlib.ExitStack, placed: Any, board: Any, given: str | None) -> str | None:
    """Acquire the labgrid place for the run (before any of its resources is opened) and return the
    power monitor: ``given`` (``--monitor``), else the place's ``monitor`` port as a spec; a
    physical board at a place without one is refused, naming the resource."""
    from tinybench.flash.places import lease

    info = stack.enter_context(lease(placed.place, placed.coordinator))
    spec = given or info.monitor_spec()
    if spec is None and board.kind == "physical":
        info.require("monitor", "the power monitor's serial port, e.g. an LPM01A's, needed for energy "
                                "runs; or pass --monitor")
    return spec


def _reopen_energy(out: Path | None) -> Any:
    from tinybench.results.rundir import RunDirectory

    if out is None:
        raise TinybenchError("--resume needs --out RUN_DIR (the directory of the interrupted run)")
    run = RunDirectory.reopen(out)
    state = run.state()
    if state.get("mode") != "energy":
        raise TinybenchError(f"{out} is not an energy run", "resume it without --mode energy")
    missing = [k for k in ("board", "workload", "dataset") if k not in state]
    if missing:
        raise TinybenchError(f"{run.path / 'state.json'} lacks {', '.join(missing)}: it was not written "
                             "by `tinybench run` or has been edited", "start a new run with another --out")
    results = Path(out) / "results.json"
    if results.is_file():
        import json

        try:
            complete = bool(json.loads(results.read_text(encoding="utf-8")).get("complete"))
        except ValueError:
            complete = False
        if complete:
            raise TinybenchError(f"the energy run in {out} is already complete",
                                 "start a new run with another --out to measure again")
    return run
