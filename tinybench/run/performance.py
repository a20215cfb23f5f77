"""Performance mode: 5 timed windows on the first 5 inputs, median throughput and latency.

Why auto-calibrated: MLPerf Tiny hosts hard-code N per board, so a faster board silently breaks
the 10-second rule and a slower one wastes minutes. A short probe measures DUT time per
inference, N is chosen to clear ``min_window_s`` with a margin, and a window that still comes out
short is repeated with a larger N (all attempts stay in the transcript; only the last counts).
Only DUT time (the two ``m-lap-us`` values) enters the figures; host time bounds the waits.
"""

from __future__ import annotations

import math
import statistics
import time

from tinybench.errors import TinybenchError
from tinybench.protocol import DutClient
from tinybench.results.rundir import RunDirectory
from tinybench.results.schema import PerformanceFigures, WindowFigures
from tinybench.protocol import DutProtocolError, lines as L
from tinybench.protocol.client import InferResult
from tinybench.run.common import (FAULT_NOTE, RULE_MIN_ITERATIONS, RULE_MIN_WINDOW_S, RunOptions, RunTarget,
                                  reread_results)
from tinybench.run import metrics
from tinybench.run.progress import Progress

PROBE_MIN_S = 0.05          # probe until one infer takes this long (or 1/10 of the window)
MAX_ITERATIONS = 100_000_000


def _timeout_for(expected_dut_s: float, wall_per_dut_s: float, floor: float) -> float:
    """Per-line wait for a window expected to last ``expected_dut_s`` of DUT time."""
    return max(floor, expected_dut_s * wall_per_dut_s * 3.0 + 10.0)


FAULT_ATTEMPTS = 3
LAP_FOLLOW_US = 5_000_000     # a `timestamp` right after a window reads at most this after its T1


def window_fault(client: DutClient, r: InferResult) -> str | None:
    """What is wrong with a timed window's reply, or None: redundancy checks for damaged lines.

    A line damaged on the link can still parse (a flipped digit). The output is read again with
    ``results`` and must match; tinybench firmware prints the laps again (``tb-laps``), which must
    match too. On standard firmware only a ``timestamp`` sent right after can check the laps: it
    must read a little after T1, so a damaged high digit of T1 is caught but a damaged low digit
    of a lap is NOT detectable from standard output (no check against host time: under load it
    varies more than such a digit); the fault campaign reports how often that happens.
    """
    again = reread_results(client)
    if again is not None and again != r.results:
        return f"infer printed {r.results}, results printed {again}"
    if len(r.laps) == 2 and "laps" in client.caps().words:
        again_laps = client.laps()
        if list(again_laps) != list(r.laps):
            return f"infer printed laps {r.laps}, tb-laps printed {list(again_laps)}"
    if len(r.laps) == 2:
        after = client.timestamp()
        if after is not None:
            try:
                gap = L.elapsed_us(r.laps[1], after)
            except ValueError:
                gap = None
            if gap is None or gap > LAP_FOLLOW_US:
                return f"timestamp {after} does not follow the window's last lap {r.laps[1]}"
    return None


def calibrate(client: DutClient, data: bytes, options: RunOptions) -> dict[str, float]:
    """Probe: increase N tenfold until one ``infer N 0`` lasts long enough to time reliably."""
    client.load(data)
    n = 1
    target = min(PROBE_MIN_S * 10, max(PROBE_MIN_S, options.min_window_s / 10))
    wall_ratio = 1.0
    while True:
        t0 = time.monotonic()
        r = client.infer(n, 0, timeout=options.line_timeout_s)
        wall = time.monotonic() - t0
        dut_s = (r.elapsed_us or 0) / 1e6
        if dut_s > 0:
            wall_ratio = max(wall_ratio, wall / dut_s)
        if dut_s >= target or n >= MAX_ITERATIONS:
            break
        if r.elapsed_us is None:
            raise TinybenchError("the DUT printed no m-lap-us lines during infer",
                                 "use performance-mode firmware")
        n *= 10 if dut_s < target / 10 else max(2, math.ceil(target / max(dut_s, 1e-9)))
        # Each probe is bounded by the line timeout; a probe near it would be a sign of a hang.
    per_inference_s = max(dut_s, 1e-6) / n
    return {"probe_iterations": n, "probe_elapsed_s": dut_s, "per_inference_s": per_inference_s,
            "wall_per_dut_s": wall_ratio}


def run_windows(client: DutClient, run: RunDirectory, target: RunTarget, inputs: list[tuple[str, bytes]],
                options: RunOptions) -> PerformanceFigures:
    """Measure (or, on resume, finish measuring) one window per input; return the figures."""
    if len(inputs) < options.windows:
        raise TinybenchError(f"performance mode needs {options.windows} inputs, the data set has {len(inputs)}",
                             "use a data set with at least 5 files")
    calibration = run.completed("calibration").get("probe")
    if calibration is None:
        run.transcript.note(f"input {inputs[0][0]} offset 0")
        run.transcript.note("calibration probe")
        calibration = calibrate(client, inputs[0][1], options)
        run.record("calibration", "probe", calibration)
    per_inf = calibration["per_inference_s"]
    wall_ratio = calibration["wall_per_dut_s"]
    # The 10-iteration floor is a validity rule; a non-compliant (CI) run may go below it.
    floor = RULE_MIN_ITERATIONS if options.compliant else 1
    base_n = max(floor, math.ceil(options.min_window_s * options.margin / per_inf))
    done = run.completed("window")
    progress = Progress(options.windows, "performance windows", done=len(done)) if options.progress else None
    try:
        for k, (name, data) in enumerate(inputs[:options.windows], start=1):
            if str(k) in done:
                continue
            n = base_n
            faults = attempt = 0
            while attempt < 4:
                run.transcript.note(f"input {name} offset 0")
                client.load(data)
                run.transcript.note(f"measure window {k}")
                timeout = _timeout_for(n * per_inf, wall_ratio, options.line_timeout_s)
                r = client.infer(n, options.warmups, timeout=timeout)
                problem = window_fault(client, r)
                if problem is not None:
                    faults += 1
                    run.transcript.note(f"{FAULT_NOTE} window {k}: {problem}; measuring again")
                    if faults >= FAULT_ATTEMPTS:
                        raise DutProtocolError(f"window {k}: {problem} ({faults} times)", port=client.port,
                                               command=f"infer {n} {options.warmups}", last_line=None,
                                               hint="the link corrupts data: check cable, baud rate "
                                                    "and ground; continue with --resume")
                    continue
                if r.elapsed_us is None:
                    raise TinybenchError("the DUT printed no m-lap-us lines during infer",
                                         "use performance-mode firmware")
                elapsed_s = r.elapsed_us / 1e6
                if elapsed_s >= options.min_window_s or attempt == 3:
                    break
                attempt += 1
                # Shorter than required (timer jitter, caches): scale N up and repeat.
                n = min(MAX_ITERATIONS, max(n + 1, math.ceil(n * options.min_window_s * options.margin
                                                             / max(elapsed_s, 1e-6))))
            throughput = r.iterations / elapsed_s if elapsed_s > 0 else float("inf")
            instr = None
            if target.instructions_per_us is not None:
                instr = r.elapsed_us * target.instructions_per_us / r.iterations
            window = WindowFigures(
                index=k, input_file=name, iterations=r.iterations, warmups=r.warmups, laps_us=r.laps,
                elapsed_us=r.elapsed_us, runtime_s=elapsed_s, throughput=throughput,
                latency_ms=1000.0 / throughput, meets_duration_rule=(
                    elapsed_s >= RULE_MIN_WINDOW_S and r.iterations >= RULE_MIN_ITERATIONS),
                instructions_per_inference=instr, results=r.results)
            run.record("window", str(k), window.model_dump())
            done[str(k)] = window.model_dump()
            if progress:
                progress.update()
    finally:
        if progress:
            progress.close()
    return figures_from_windows([WindowFigures.model_validate(done[str(k)])
                                 for k in range(1, options.windows + 1)], options, target)


def figures_from_windows(windows: list[WindowFigures], options: RunOptions,
                         target: RunTarget) -> PerformanceFigures:
    throughputs = [w.throughput for w in windows]
    median = metrics.median_throughput(throughputs)
    instr = [w.instructions_per_inference for w in windows if w.instructions_per_inference is not None]
    spread = metrics.spread_pct(throughputs)
    return PerformanceFigures(
        windows=windows, median_throughput=median, latency_ms=1000.0 / median,
        spread_pct=spread, spread_bound_pct=options.spread_bound_pct,
        unstable=spread > options.spread_bound_pct,
        min_window_s=options.min_window_s, time_base=target.time_base,
        median_instructions_per_inference=statistics.median(instr) if instr else None)
