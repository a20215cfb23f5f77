"""Wall time of the four official-size accuracy runs on one board, their run-directory sizes, and
whether every figure still recomputes from the transcript (``tinybench.results`` and the leaderboard
checker ``tinybench check`` on a submission bundle of the runs).

Sets: ``tinybench data official-size W --out DIR`` (official file counts and sizes, CI files
repeated; wall time does not depend on the content). Built on first use under ``--sets``.

    .venv/bin/python benchmarks/official_size_suites.py --board host [--sets DIR] [--out DIR]
        [--workloads kws01,vww01,ic01,ad01] [--parallel] [--check] [--json]

``--parallel``: the four runs at once, one process each (each has its own simulator or host
firmware process, so nothing is shared but the CPU cores); the total is then the wall time of
the slowest. Firmware images are built (cached) before the clock starts either way.

Prints per workload: inputs, inferences, wall seconds, input-load mode counts, run-dir MB, TFLM
agreement, recompute verdict; then the total and the 1-minute load average before and after
(the machine is shared: the figures mean little without it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYSTEM = {
    "Submitter": "tinybench-bench", "Division": "closed", "Status": "available",
    "Board Name": "", "SoC Name": "", "Processor(s) Name": "", "Processor(s) Frequencies": "",
    "Accelerator": "", "Hardware Notes": "official-size timing sets (not the official inputs)",
    "Inference Framework": "tinybench engine", "Operating System": "none",
}


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def ensure_set(workload: str, sets: Path, files: int | None = None) -> Path:
    from tinybench.workloads.timing import build_official_size

    target = sets / (workload if files is None else f"{workload}-{files}")
    if not (target / "reference.npz").is_file():
        if target.exists():
            shutil.rmtree(target)
        build_official_size(workload, target, files=files)
    return target


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and of its finished children (the simulator or
    host firmware a run starts and stops). Why: on a shared machine wall time measures the other
    users' load as much as the run; the CPU a run consumes does not depend on it."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_one(board: str, workload: str, dataset: Path, out: Path) -> dict:
    from tinybench.results.report import reproduces
    from tinybench.run.session import RunRequest, start

    load = os.getloadavg()[0]
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    results, run_dir = start(RunRequest(board=board, workload=workload, mode="accuracy",
                                        dataset=dataset, out=out, progress=False))
    wall = time.perf_counter() - t0
    cpu = _cpu_s() - cpu0
    acc = results.accuracy
    log = (run_dir / "log.txt").read_text()
    return {"workload": workload, "inputs": acc.inputs, "inferences": acc.inferences,
            "wall_s": round(wall, 1), "ms_per_inference": round(1000 * wall / acc.inferences, 2),
            "cpu_s": round(cpu, 1),
            "loads": {k: log.count(f"> {p}") for k, p in
                      (("tb-fload", "tb-fload "), ("tb-mload", "tb-mload "), ("tb-load", "tb-load "),
                       ("hex", "db load "), ("tb-slide", "tb-slide "))},
            "run_dir_mb": round(dir_mb(run_dir), 2), "log_mb": round((run_dir / "log.txt").stat().st_size / 1e6, 2),
            "tflm_bit_exact": f"{acc.agreement.bit_exact}/{acc.agreement.compared}" if acc.agreement else None,
            "recomputed_from_log": reproduces(results, run_dir),
            "load_avg_1m_at_start": round(load, 2), "run_dir": str(run_dir)}


def warm_firmware(board_name: str, workloads: list[str]) -> None:
    """Build (or find cached) every workload's image first: a build is a one-time cost per firmware
    change, not part of an accuracy run's wall time."""
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware
    from tinybench.run.session import _model_file
    from tinybench.workloads import load_workload

    board = load_board(board_name)
    for wid in workloads:
        build_firmware(board, _model_file(load_workload(wid)), wid)


def _run_worker(job: tuple[str, str, str, str]) -> dict:
    board, workload, dataset, out = job
    return run_one(board, workload, Path(dataset), Path(out))


def check_bundle(run_dirs: list[Path], board: str, work: Path) -> dict:
    """``tinybench submit`` the runs, then ``tinybench check`` the bundle (it recomputes every figure)."""
    system = work / f"{board}.json"
    system.write_text(json.dumps({**SYSTEM, "Board Name": board}))
    bundle = work / "bundle"
    exe = [sys.executable, "-c", "import sys; from tinybench.cli import main; sys.exit(main(sys.argv[1:]))"]
    sub = subprocess.run([*exe, "submit", *map(str, run_dirs), "--system", str(system), "--out", str(bundle)],
                         capture_output=True, text=True)
    if sub.returncode != 0:
        return {"submit_rc": sub.returncode, "stderr": sub.stderr[-2000:]}
    t0 = time.perf_counter()
    chk = subprocess.run([*exe, "check", str(bundle), "--json"], capture_output=True, text=True)
    try:
        report = json.loads(chk.stdout)
    except ValueError:
        report = {"raw": chk.stdout[-2000:], "stderr": chk.stderr[-2000:]}
    findings = report.get("findings", []) if isinstance(report, dict) else []
    return {"check_rc": chk.returncode, "check_s": round(time.perf_counter() - t0, 1),
            "figures_recomputed_and_confirmed": report.get("verified") if isinstance(report, dict) else None,
            "findings": [f if isinstance(f, str) else json.dumps(f)[:300] for f in findings],
            "bundle_mb": round(dir_mb(bundle), 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--board", default="host")
    ap.add_argument("--workloads", default="kws01,vww01,ic01,ad01")
    ap.add_argument("--sets", type=Path, default=None, help="folder of official-size sets (default: cache)")
    ap.add_argument("--out", type=Path, default=None, help="keep the run directories here")
    ap.add_argument("--check", action="store_true", help="also submit + `tinybench check` the runs")
    ap.add_argument("--files", default="", help="e.g. ad01=25: run only that many files of a set "
                    "(official file size); its time is also shown scaled to the official count")
    ap.add_argument("--parallel", action="store_true", help="run the workloads at once, one process each")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from tinybench import paths

    sets = args.sets or paths.cache_dir() / "datasets" / "official-size"
    sets.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tb-suites-"))
    out = args.out or work
    rows = []
    try:
        limits = {k: int(v) for k, v in (item.split("=") for item in args.files.split(",") if item)}
        workloads = args.workloads.split(",")
        datasets = {w: ensure_set(w, sets, limits.get(w)) for w in workloads}
        warm_firmware(args.board, workloads)
        jobs = [(args.board, w, str(datasets[w]), str(out / f"{args.board}-{w}")) for w in workloads]
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        if args.parallel:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=len(jobs)) as pool:
                done = list(pool.map(_run_worker, jobs))
        else:
            done = (_run_worker(job) for job in jobs)
        for row in done:
            workload = row["workload"]
            if workload in limits:
                from tinybench.workloads import load_workload

                official = load_workload(workload).dataset.size
                row["scaled_to_official_s"] = round(row["wall_s"] * official / row["inputs"], 1)
                row["cpu_scaled_to_official_s"] = round(row["cpu_s"] * official / row["inputs"], 1)
            rows.append(row)
            if not args.json:
                print(json.dumps(row), flush=True)
        total = time.perf_counter() - t0
        scaled = (max if args.parallel else sum)(r.get("scaled_to_official_s", r["wall_s"]) for r in rows)
        cpu = [r.get("cpu_scaled_to_official_s", r["cpu_s"]) for r in rows]
        summary = {"board": args.board, "parallel": args.parallel,
                   # an idle 2-core machine: the runs' CPU seconds spread over 2 cores (parallel),
                   # or one after another (a run's simulator and client mostly alternate)
                   "idle_estimate_min": round((max(max(cpu), sum(cpu) / 2) if args.parallel else sum(cpu)) / 60, 2),
                   "total_cpu_s": round(sum(cpu), 1), "total_wall_s": round(total, 1), "total_wall_min": round(total / 60, 2),
                   "total_scaled_to_official_min": round(scaled / 60, 2),
                   "load_avg_before": [round(x, 2) for x in load_before],
                   "load_avg_after": [round(x, 2) for x in os.getloadavg()],
                   "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
                   "runs": rows}
        if args.check:
            summary["check"] = check_bundle([Path(r["run_dir"]) for r in rows], args.board, work)
        print(json.dumps(summary, indent=2) if args.json else
              f"{args.board}: total {summary['total_wall_min']} min; load average before "
              f"{summary['load_avg_before']}, after {summary['load_avg_after']}"
              + (f"\ncheck: {summary['check']}" if args.check else ""))
    finally:
        if args.out is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
