"""Fault-injection campaign: random link and board faults in short runs, each followed by ``--resume``.

    TINYBENCH_CACHE=... .venv/bin/python benchmarks/fault_campaign.py --runs 200 --seed 1 \
        --json benchmarks/results/fault_campaign.json

Each run: the real host-board firmware (``tinybench.flash.deploy``), the fault proxy
(``tinybench.sim.faultproxy``) between it and the real ``DutClient``, one random fault at a random
byte of the run (dropped byte, flipped bit, duplicated line/command, stall, disconnect, DUT reset =
process killed and restarted), and for energy runs also dropped power-monitor samples in the
simulated LPM01A. The run either finishes or stops with an error; then it is continued with the
``tinybench run --resume --out DIR`` (the CLI, in-process) on a clean link; a run that finished
despite its fault is judged as it is.

Per run the campaign checks, against the truth:
* accuracy: every per-file score equals the clean run's (host build is bit-deterministic);
* performance / energy: every lap and result value the run recorded was printed by the DUT
  (the proxy keeps the DUT's original lines), windows 1-5 are present and N is the journal's;
* the outcome of each injected fault, judged from the run's own record only: *detected* (the run
  stopped with a TinybenchError; or its transcript has a ``# link anomaly: <kind>`` note or a
  ``fault detected`` repeat; or, energy, its results note a repeated window or samples the
  instrument dropped), *not detected* (none of these, every result identical to the truth), or
  *undetected corruption* (a recorded value the DUT never printed). The evidence is kept per run
  and matched against the proxy's log of what fired (``evidence`` in the JSON). The clean
  reference runs must have no such note at all (``clean_notes``), so a note is never noise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tinybench.errors import TinybenchError
from tinybench.protocol.client import LINK_NOTE
from tinybench.run.common import FAULT_NOTE as DETECTED_NOTE
from tinybench.sim.faultproxy import KINDS, Fault, FaultProxy

WORKLOAD = "kws01"
MIN_WINDOW_S = 0.02
LINE_TIMEOUT_S = 2.0
MODES = ("accuracy", "performance", "energy")


@dataclass
class Outcome:
    index: int
    mode: str
    planned: list[dict[str, Any]]
    injected: list[dict[str, Any]] = field(default_factory=list)
    monitor_drops: list[list[int]] = field(default_factory=list)
    error: str | None = None             # error class that stopped the faulted run
    message: str | None = None
    detections: int = 0                  # notes in the run's record naming an anomaly
    evidence: list[str] = field(default_factory=list)   # their kinds ("link stall", "error: ...")
    resumed: bool = False
    complete: bool = False
    wrong: list[str] = field(default_factory=list)
    bug: str | None = None               # a non-Tinybench exception: a harness bug
    verdict: str = ""
    seconds: float = 0.0


# ------------------------------------------------------------------------------------- set-up
class Bench:
    """Everything built once: board, workload, data set, firmware images, clean references."""

    def __init__(self, work: Path, files: int) -> None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from fixtures_run import cached_dataset  # the test suite's generated data sets

        from tinybench.boards import load_board
        from tinybench.flash import build_firmware
        from tinybench.run.session import _model_file
        from tinybench.workloads import load_dataset, load_workload

        self.work = work
        self.board = load_board("host")
        self.workload = load_workload(WORKLOAD)
        self.dataset_dir = cached_dataset(WORKLOAD, files)
        self.dataset = load_dataset(self.dataset_dir, self.workload)
        self.model = _model_file(self.workload)
        self.image = build_firmware(self.board, self.model, WORKLOAD)
        self.energy_image = build_firmware(self.board, self.model, WORKLOAD, energy=True)
        self.traffic: dict[str, dict[str, int]] = {}
        self.clean: dict[str, Any] = {}
        self.clean_notes: list[str] = []     # anomaly notes in the clean runs (must stay empty)


def _state(bench: Bench, mode: str) -> dict[str, Any]:
    state = {"board": bench.board.name, "workload": WORKLOAD, "mode": mode,
             "dataset": str(bench.dataset_dir.resolve()), "min_window_s": MIN_WINDOW_S}
    if mode == "energy":            # what `tinybench run --mode energy` saves for its --resume
        state |= {"voltage_v": 1.8, "sample_rate_hz": 1000.0, "monitor": None}
    return state


@contextlib.contextmanager
def _dut(bench: Bench, image: Any, faults: list[Fault]):
    """Deploy the firmware behind a fault proxy; ``reset`` kills the process and starts a new one."""
    from tinybench.flash import deploy
    from tinybench.sim.launch import launch_host

    with contextlib.ExitStack() as stack:
        link = stack.enter_context(deploy(bench.board, image))
        spare: list[Any] = []

        def restart() -> str:
            for proc in link.processes + spare:
                if proc.alive():
                    proc.popen.kill()
            proc = launch_host(image.path)
            spare.append(proc)
            stack.callback(proc.stop)
            return proc.uart_url

        proxy = stack.enter_context(FaultProxy(link.url, faults, on_reset=restart))
        yield link, proxy


def _run_faulted(bench: Bench, mode: str, faults: list[Fault], out: Path,
                 drops: list[tuple[int, int]]) -> tuple[FaultProxy, BaseException | None]:
    from tinybench.protocol import connect
    from tinybench.results.rundir import RunDirectory
    from tinybench.run.common import RunOptions, RunTarget
    from tinybench.run.runner import execute

    image = bench.energy_image if mode == "energy" else bench.image
    run = RunDirectory.create(out, _state(bench, mode))
    run.update_state(firmware_sha256=image.image_sha256)
    options = RunOptions(min_window_s=MIN_WINDOW_S, line_timeout_s=LINE_TIMEOUT_S, progress=False)
    failure: BaseException | None = None
    proxy: FaultProxy | None = None
    try:
        with _dut(bench, image, faults) as (link, proxy):
            target = RunTarget(board=bench.board.name, category=link.category, time_base=link.time_base,
                               firmware=image.path, model=bench.model)
            with connect(proxy.url, link.baud, transcript=run.transcript, timeout=LINE_TIMEOUT_S,
                         sync_timeout=5.0) as client:
                if mode == "energy":
                    _energy(bench, client, run, target, options, link, drops)
                else:
                    execute(client, run, target, bench.dataset, mode, options)
    except BaseException as exc:  # noqa: BLE001 - classified by the caller
        failure = exc
    assert proxy is not None
    return proxy, failure


def _energy(bench: Bench, client: Any, run: Any, target: Any, options: Any, link: Any,
            drops: list[tuple[int, int]]) -> Any:
    from tinybench.power.lpm01a import Lpm01a
    from tinybench.power.sim_lpm01a import Faults, SimLpm01a, estimate_power_mw
    from tinybench.run.energy import execute_energy

    power_mw, _ = estimate_power_mw(bench.board)       # the model `tinybench run --mode energy` uses
    with SimLpm01a(link.edge_url, power_mw=power_mw, faults=Faults(drop_samples=list(drops))) as sim:
        if not sim.edge_channel_open.wait(10.0):
            raise TinybenchError("simulated LPM01A could not open the edge channel")
        with Lpm01a(sim.url, timeout=2.0) as monitor:
            return execute_energy(client, run, target, bench.dataset, options, monitor,
                                  power_model=f"campaign: constant {power_mw:g} mW")


def _resume(out: Path) -> Any:
    """``tinybench run --resume --out DIR --no-progress`` (the CLI itself, clean link)."""
    from tinybench.cli import main as cli
    from tinybench.run.runner import load_results

    with contextlib.redirect_stdout(open(os.devnull, "w")):
        code = cli(["run", "--resume", "--out", str(out), "--no-progress"])
    if code != 0:
        raise TinybenchError(f"tinybench run --resume exited with {code}")
    return load_results(out)


# ------------------------------------------------------------------------------------- truth
_LAP = re.compile(r"m-lap-us-([0-9]+)")
_CHECK = re.compile(r"~[0-9a-f]{8}$")       # the tb-check suffix the proxy saw on each line


def _printed(proxy: FaultProxy, out: Path) -> tuple[set[int], set[str]]:
    """Laps and result lines the DUT really printed: the proxy's originals + the clean resume."""
    laps = {int(v) for v in _LAP.findall(proxy.original_down.decode("ascii", "replace"))}
    results = {_CHECK.sub("", line.strip()) for line in proxy.original_down.decode("ascii", "replace").splitlines()
               if line.strip().startswith("m-results-")}
    log = (out / "log.txt").read_text(errors="replace").splitlines()
    start = max((i for i, line in enumerate(log) if "session resume" in line), default=len(log))
    for line in log[start:]:
        if " < " in line:
            body = line.split(" < ", 1)[1].strip()
            laps |= {int(v) for v in _LAP.findall(body)}
            if body.startswith("m-results-"):
                results.add(body)
    return laps, results


def _check(bench: Bench, mode: str, results: Any, proxy: FaultProxy, out: Path) -> list[str]:
    from tinybench.protocol import lines as L

    wrong: list[str] = []
    if not results.complete:
        return ["run not complete after resume"]
    if mode == "accuracy":
        clean = bench.clean["accuracy"]
        got = {i.file: i.score for i in results.inputs}
        for name, score in clean.items():
            if got.get(name) != score:
                wrong.append(f"{name}: score {got.get(name)} != clean {score}")
        return wrong
    if mode == "performance":
        laps, lines = _printed(proxy, out)
        printed_results = [L.parse_results(text) for text in lines]
        for w in results.performance.windows:
            for lap in w.laps_us:
                if lap not in laps:
                    wrong.append(f"window {w.index}: lap {lap} was never printed by the DUT")
            if w.results not in printed_results:
                wrong.append(f"window {w.index}: results {w.results} were never printed by the DUT")
        if [w.index for w in results.performance.windows] != [1, 2, 3, 4, 5]:
            wrong.append("windows missing")
        return wrong
    return _check_energy(bench, results, proxy, out)


_ECHO_N = re.compile(r"m-infer-start-([0-9]+)")


def _check_energy(bench: Bench, results: Any, proxy: FaultProxy, out: Path) -> list[str]:
    """Energy truth: each window's N is one the DUT echoed running it, and its energy is the
    simulated instrument's stated model (constant power, ±0.5 % ripple, 4-digit samples) over
    the edge-timed duration — a dropped sample counted, or an edge misplaced, breaks that."""
    from tinybench.power.sim_lpm01a import estimate_power_mw

    energy = results.energy
    if energy is None:
        return ["energy figures missing"]
    echoed = {int(v) for v in _ECHO_N.findall(proxy.original_down.decode("ascii", "replace"))}
    log = (out / "log.txt").read_text(errors="replace")
    echoed |= {int(v) for v in _ECHO_N.findall(log.rsplit("session resume", 1)[-1])} \
        if "session resume" in log else set()
    power_w = estimate_power_mw(bench.board)[0] * 1e-3
    wrong = []
    if [w.index for w in energy.windows] != [1, 2, 3, 4, 5]:
        wrong.append("energy windows missing")
    for w in energy.windows:
        if w.iterations not in echoed:
            wrong.append(f"window {w.index}: N={w.iterations} was never run by the DUT")
        model_uj = power_w * w.duration_s * 1e6
        if model_uj > 0 and abs(w.energy_uj / model_uj - 1) > 0.02:
            wrong.append(f"window {w.index}: {w.energy_uj:.3f} uJ vs model {model_uj:.3f} uJ")
    return wrong


# ------------------------------------------------------------------------------------- runs
def clean_references(bench: Bench) -> None:
    """One clean run per mode through a fault-free proxy: byte counts (to aim faults) and truth."""
    for mode in MODES:
        out = bench.work / f"clean-{mode}"
        proxy, failure = _run_faulted(bench, mode, [], out, [])
        if failure is not None:
            raise RuntimeError(f"clean {mode} run failed: {failure}") from failure
        bench.traffic[mode] = dict(proxy.counters)
        bench.clean_notes += [f"{mode}: {e}" for e in _evidence(out, mode)]
        from tinybench.run.runner import load_results

        results = load_results(out)
        if mode == "accuracy":
            bench.clean[mode] = {i.file: i.score for i in results.inputs}
        elif mode == "energy":
            bench.clean[mode] = results.energy.median_energy_per_inf_uj
        else:
            bench.clean[mode] = results.performance.median_throughput


def plan(rng: random.Random, bench: Bench, mode: str) -> tuple[list[Fault], list[tuple[int, int]]]:
    kinds = list(KINDS) + (["monitor-drop"] if mode == "energy" else [])
    kind = rng.choice(kinds)
    if kind == "monitor-drop":
        # A burst of dropped samples somewhere in the acquisition (LEAD_SAMPLES=20 precede edge 0).
        return [], [(rng.randrange(0, 400), rng.randint(1, 5))]
    direction = rng.choice(["up", "down"])
    at = rng.randrange(0, max(1, bench.traffic[mode][direction]))
    # Stalls above the client's stated bound (STALL_NOTE_S = 0.5 s, plus a write's transfer time
    # allowance on a socket link, 500 µs per byte: 0.26 s for a KWS tb-load):
    # shorter silences are what a loaded host's scheduling produces on a clean link too.
    arg = rng.randrange(8) if kind == "flip" else (rng.choice([1.0, 1.5, 3.0]) if kind == "stall" else 0)
    return [Fault(kind, direction, at, arg)], []


def one_run(bench: Bench, index: int, mode: str, rng: random.Random) -> Outcome:
    faults, drops = plan(rng, bench, mode)
    outcome = Outcome(index, mode, [asdict(f) for f in faults], monitor_drops=[list(d) for d in drops])
    out = bench.work / f"run-{index:04d}-{mode}"
    t0 = time.monotonic()
    proxy, failure = _run_faulted(bench, mode, faults, out, drops)
    outcome.injected = [asdict(i) for i in proxy.injected]
    if failure is not None:
        outcome.error = type(failure).__name__
        outcome.message = str(failure).splitlines()[0][:200]
        if not isinstance(failure, TinybenchError):
            outcome.bug = "".join(traceback.format_exception(failure))[-1500:]
    outcome.evidence = _evidence(out, mode)
    outcome.detections = len(outcome.evidence)
    if failure is not None:
        outcome.evidence.append(f"error: {type(failure).__name__}")
    try:
        if failure is None:                       # finished despite the fault: judge it as is
            from tinybench.run.runner import load_results

            results = load_results(out)
        else:
            results = _resume(out)
            outcome.resumed = True
        outcome.complete = bool(results.complete)
        outcome.wrong = _check(bench, mode, results, proxy, out)
    except BaseException as exc:  # noqa: BLE001
        outcome.wrong = [f"resume failed: {type(exc).__name__}: {exc}"]
        if not isinstance(exc, TinybenchError):
            outcome.bug = (outcome.bug or "") + "".join(traceback.format_exception(exc))[-1500:]
    fired = bool(outcome.injected) or bool(drops)
    detected = outcome.error is not None or outcome.detections > 0
    if not fired:
        outcome.verdict = "not fired"
    elif outcome.wrong:
        outcome.verdict = "detected but result wrong" if detected else "UNDETECTED CORRUPTION"
    else:
        outcome.verdict = "detected" if detected else "NOT DETECTED"
    outcome.seconds = time.monotonic() - t0
    shutil.rmtree(out, ignore_errors=True)
    return outcome


def _evidence(out: Path, mode: str) -> list[str]:
    """What the run's own record says went wrong: the kinds of its ``# link anomaly`` notes, its
    ``fault detected`` repeats, and (energy) repeated windows and dropped samples in its results."""
    found: list[str] = []
    if (out / "log.txt").exists():
        for line in (out / "log.txt").read_text(errors="replace").splitlines():
            if LINK_NOTE in line:
                found.append(line.split(LINK_NOTE, 1)[1].strip().split(":", 1)[0])
            elif DETECTED_NOTE in line:
                found.append("fault detected (repeated)")
    if mode == "energy" and (out / "results.json").exists():
        saved = json.loads((out / "results.json").read_text())
        notes = list(saved.get("notes") or []) + list((saved.get("energy") or {}).get("notes") or [])
        found += ["energy window repeated" for n in notes if "attempt" in n and "window" in n]
        found += ["monitor dropped samples" for n in notes if "dropped" in n]
    return found


def _kind(o: Outcome) -> str:
    return (o.injected[0]["kind"] + "/" + o.injected[0]["direction"]) if o.injected else "monitor-drop"


def summarize(outcomes: list[Outcome]) -> dict[str, Any]:
    from collections import Counter

    fired = [o for o in outcomes if o.verdict != "not fired"]
    by = Counter(o.verdict for o in outcomes)
    per_kind: dict[str, Counter] = {}
    for o in fired:
        per_kind.setdefault(_kind(o), Counter())[o.verdict] += 1
    return {
        "runs": len(outcomes), "faults_injected": len(fired),
        "detected": by["detected"] + by["detected but result wrong"],
        "not_detected": by["NOT DETECTED"], "undetected_corruption": by["UNDETECTED CORRUPTION"],
        "detected_but_wrong": by["detected but result wrong"], "not_fired": by["not fired"],
        "completed_after_resume": sum(o.complete for o in outcomes),
        "results_lost_or_wrong": sum(1 for o in outcomes if o.wrong),
        "harness_bugs": sum(1 for o in outcomes if o.bug),
        "by_mode": {m: Counter(o.verdict for o in outcomes if o.mode == m) for m in MODES},
        "by_fault": {k: dict(v) for k, v in sorted(per_kind.items())},
        "evidence_by_fault": {k: dict(Counter(e.split(":")[0] for o in fired if _kind(o) == k
                                              for e in sorted(set(o.evidence))))
                              for k in sorted(per_kind)},
        "errors": dict(Counter(o.error for o in outcomes if o.error)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--files", type=int, default=6, help="accuracy data set size")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--json", type=Path, help="write outcomes and summary here")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    modes = args.modes.split(",")
    work = Path(tempfile.mkdtemp(prefix="tb-faults-"))
    outcomes: list[Outcome] = []
    t0 = time.monotonic()
    try:
        bench = Bench(work, args.files)
        clean_references(bench)
        for k in range(args.runs):
            o = one_run(bench, k, modes[k % len(modes)], rng)
            outcomes.append(o)
            kind = (o.injected[0]["kind"] + "/" + o.injected[0]["direction"]) if o.injected else \
                ("monitor-drop" if o.monitor_drops else "-")
            where = (f"@{o.injected[0]['at']} {o.injected[0]['record'][:24]!r}" if o.injected else
                     (str(o.monitor_drops) if o.monitor_drops else ""))
            print(f"{k:4d} {o.mode:11s} {kind:16s} {where:32s} {o.verdict:24s} {o.error or '':20s} "
                  f"{o.seconds:5.1f}s {','.join(sorted(set(o.evidence)))[:60]} {'; '.join(o.wrong)[:100]}",
                  flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = summarize(outcomes)
    summary["clean_notes"] = bench.clean_notes
    summary["wall_s"] = round(time.monotonic() - t0, 1)
    summary["single_bit_flips_pct"] = bitflip_table()
    print(json.dumps(summary, indent=2, default=dict))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"summary": summary, "outcomes": [asdict(o) for o in outcomes]},
                                        indent=1, default=dict) + "\n")
    return 0 if summary["undetected_corruption"] == summary["results_lost_or_wrong"] == summary["not_detected"] == 0 \
        and not summary["clean_notes"] else 1



def bitflip_table() -> dict[str, dict[str, float]]:
    """Every single-bit flip of typical reply lines, classified by what the line parser sees.

    ``structure``: the damaged line no longer parses as its kind (caught by per-line validation);
    ``same``: it parses to the same value (harmless); ``value``: it parses to a different value —
    only a second reading (``results``, ``tb-laps``) or an echo can catch these.
    """
    from tinybench.protocol import lines as L

    samples = {
        "m-results (KWS, 12 values)": ("m-results-[0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,"
                                       "0.000,0.996,0.000,0.004]", L.parse_results),
        "m-lap-us": ("m-lap-us-3925463562", L.parse_lap),
        "m-infer-start-N (echo)": ("m-infer-start-250", lambda t: L.parse_infer_echo(t)),
    }
    table: dict[str, dict[str, float]] = {}
    for name, (line, parse) in samples.items():
        truth = parse(line)
        counts = {"structure": 0, "same": 0, "value": 0}
        for i in range(len(line)):
            for bit in range(8):
                damaged = line[:i] + chr(ord(line[i]) ^ (1 << bit)) + line[i + 1:]
                got = parse(L.clean(damaged))
                counts["structure" if got is None else "same" if got == truth else "value"] += 1
        total = sum(counts.values())
        table[name] = {k: round(100.0 * v / total, 1) for k, v in counts.items()}
    return table


if __name__ == "__main__":
    raise SystemExit(main())
