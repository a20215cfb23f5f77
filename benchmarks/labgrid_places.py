"""`tinybench suite` spread over 1, 2 and 4 labgrid places: wall time and scaling efficiency.

A real labgrid coordinator and exporter run on loopback (``tinybench.sim.labgrid_farm``); each
place holds a simulated board (``boards/labgrid-host.yaml``: host-build firmware behind the
place's NetworkSerialPort, flashed by restarting it). The same 8-cell matrix — kws01, vww01, ic01,
ad01 × performance (``--min-window-s``) and accuracy (generated sets of ``--files`` inputs) — runs
once per place count; every cell flashes its image through the place, as on a real farm.
Efficiency = T(1) / (N × T(N)). The 1-minute load average (``uptime``) is recorded before and
after each suite, because the host here has 2 cores shared with other work.

    .venv/bin/python benchmarks/labgrid_places.py [--places 1,2,4] [--files 8] [--min-window-s 1]

``--energy``: an energy run through an energy bench place (interface board + simulated LPM01A +
power switch, ``FarmPlace(energy=True, power=True)``; DUT ``--bench-board``, default
``labgrid-qemu``: QEMU -icount, so DUT time repeats exactly) against the same bench reached directly
(``--interface``/``--monitor``, no labgrid), alternating ``--repeats`` times, both ``--no-flash``
after one flashing run through the place. Per window: energy per inference and mean power, place vs
direct, and each window's duration against the DUT's own edge times (the simulated instrument's
record, in monitor samples: the edge-resolution rule); wall time per run and the session part of it
(``log.txt``, first to last line), so the rest is the place's cost (show, acquire, power cycle,
release) plus CLI start-up.

    .venv/bin/python benchmarks/labgrid_places.py --energy [--repeats 3] [--min-window-s 1] [--workload ad01]
                                                  [--bench-board labgrid-qemu|labgrid-host]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKLOADS = ("kws01", "vww01", "ic01", "ad01")


def load_average() -> str:
    """The 1/5/15-minute load averages as ``uptime`` prints them."""
    text = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return text.rsplit("load average:", 1)[-1].strip()


def _emit_json(rows: list[dict], as_json: bool, *table_head: str) -> bool:
    """Print ``rows`` as JSON (returns True: done) or the Markdown table's head (False: rows follow)."""
    print(json.dumps(rows, indent=2) if as_json else "\n".join(table_head))
    return as_json


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from fixtures_run import cached_dataset   # the run area's data set generator (cached)

    from tinybench.boards import load_board
    from tinybench.flash import build_firmware
    from tinybench.run.session import _model_file
    from tinybench.sim.labgrid_farm import FarmPlace, LabgridFarm
    from tinybench.sim.process import free_port
    from tinybench.workloads import load_workload

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--places", default="1,2,4")
    ap.add_argument("--files", type=int, default=8, help="inputs per accuracy cell")
    ap.add_argument("--min-window-s", type=float, default=1.0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--energy", action="store_true", help="energy bench place vs the bench reached directly")
    ap.add_argument("--repeats", type=int, default=3, help="--energy: runs of each kind")
    ap.add_argument("--workload", default="ad01", help="--energy: the workload")
    ap.add_argument("--bench-board", default="labgrid-qemu", help="--energy: the bench's DUT board")
    args = ap.parse_args()
    if args.energy:
        energy_bench(args)
        return
    counts = [int(n) for n in args.places.split(",")]
    if args.files < 5:
        ap.error("--files must be at least 5 (performance mode runs five windows on five inputs)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # a kill still stops the farm

    board = load_board("labgrid-host")
    for w in WORKLOADS:     # build once up front: the figure is about scheduling, not compiling
        build_firmware(board, _model_file(load_workload(w)), w)
    rows = []
    with tempfile.TemporaryDirectory(prefix="tb-lg-bench-") as tmp:
        root = Path(tmp) / "datasets"
        root.mkdir()
        for w in WORKLOADS:
            (root / w).symlink_to(cached_dataset(w, args.files))
        places = [FarmPlace(f"tb-farm-{i}", "labgrid-host", free_port()) for i in range(max(counts))]
        with LabgridFarm(Path(tmp) / "farm", places) as farm:
            for n in counts:
                out = Path(tmp) / f"suite-{n}"
                argv = [sys.executable, "-c", "import sys; from tinybench.cli import main; sys.exit(main())",
                        "suite", "--coordinator", farm.coordinator, "--workloads", ",".join(WORKLOADS),
                        "--modes", "performance,accuracy", "--min-window-s", str(args.min_window_s),
                        "--dataset-root", str(root), "--division", "open", "--out", str(out),
                        "--no-progress"]
                for p in places[:n]:
                    argv += ["--place", p.name]
                before = load_average()
                t0 = time.perf_counter()
                proc = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ), check=False)
                wall = time.perf_counter() - t0
                after = load_average()
                cells = [json.loads(line) for line in
                         (out / "labgrid-host" / "cells.jsonl").read_text().splitlines()]
                done = [c for c in cells if c["state"] == "done"]
                rows.append({"places": n, "wall_s": round(wall, 1), "cells_done": len(done),
                             "cells_per_place": {p: sum(1 for c in done if c.get("place") == p)
                                                 for p in sorted({c.get("place") for c in done})},
                             "mean_cell_s": round(sum(c["wall_s"] for c in done) / max(1, len(done)), 1),
                             "exit": proc.returncode, "load_before": before, "load_after": after})
                print(f"{n} place(s): {wall:.1f} s, {len(done)} cells, load {before} -> {after}",
                      file=sys.stderr)
    base = next((r["wall_s"] for r in rows if r["places"] == 1), None)
    for r in rows:
        r["speedup"] = round(base / r["wall_s"], 2) if base else None
        r["efficiency_pct"] = round(100 * base / (r["places"] * r["wall_s"]), 1) if base else None
    if _emit_json(rows, args.json, "| places | wall s | speedup | efficiency | mean cell s | cells per place | "
                  "load avg before → after |", "|---:|---:|---:|---:|---:|---|---|"):
        return
    for r in rows:
        spread = ", ".join(f"{k}: {v}" for k, v in r["cells_per_place"].items())
        print(f"| {r['places']} | {r['wall_s']} | {r['speedup']}× | {r['efficiency_pct']} % | "
              f"{r['mean_cell_s']} | {spread} | {r['load_before']} → {r['load_after']} |")


def _session_s(run_dir: Path) -> float:
    """Seconds from the transcript's first to its last line (the part of a run spent on the DUT)."""
    stamps = [float(line.split(" ", 1)[0]) for line in (run_dir / "log.txt").read_text().splitlines()
              if line[:1].isdigit()]
    return stamps[-1] - stamps[0] if stamps else 0.0


def _edge_error_samples(run_dir: Path, edges_us: list[int]) -> float:
    """Largest |window duration from the monitor − from the DUT's own edge times|, in samples."""
    import numpy as np

    energy = json.loads((run_dir / "results.json").read_text())["energy"]
    with np.load(run_dir / "trace.npz") as trace:
        pairs = trace["window_edges"].tolist()
    rate = energy["sample_rate_hz"]
    return max(abs(w["duration_s"] - (edges_us[b] - edges_us[a]) / 1e6) * rate
               for w, (a, b) in zip(energy["windows"], pairs))


def energy_bench(args: argparse.Namespace) -> None:
    """``--energy``: see the module docstring."""
    from tinybench.sim.labgrid_farm import FarmPlace, LabgridFarm
    from tinybench.sim.process import free_port

    cli = [sys.executable, "-c", "import sys; from tinybench.cli import main; sys.exit(main())"]
    common = ["--workload", args.workload, "--mode", "energy", "--min-window-s", str(args.min_window_s),
              "--no-progress", "--json"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="tb-lg-energy-") as tmp:
        bench = FarmPlace("tb-energy", args.bench_board, free_port(), energy=True, power=True)
        with LabgridFarm(Path(tmp) / "farm", [bench]) as farm:
            sim = farm.monitors[bench.name]
            kinds = {
                "place": [*cli, "run", "--place", bench.name, "--coordinator", farm.coordinator, "--no-flash"],
                "direct": [*cli, "run", "--board", args.bench_board, "--no-flash", "--interface",
                           f"socket://127.0.0.1:{bench.interface_port}", "--monitor",
                           f"lpm01a:socket://127.0.0.1:{bench.monitor_port}"],
            }
            flash = subprocess.run([*cli, "run", "--place", bench.name, "--coordinator", farm.coordinator,
                                    *common, "--out", str(Path(tmp) / "flash")], capture_output=True,
                                   text=True, check=False)
            if flash.returncode != 0:
                sys.exit(f"flashing run through the place failed: {flash.stderr[-2000:]}")
            for k in range(args.repeats):
                for kind, argv in kinds.items():
                    out = Path(tmp) / f"{kind}-{k}"
                    before = load_average()
                    t0 = time.perf_counter()
                    proc = subprocess.run([*argv, *common, "--out", str(out)], capture_output=True,
                                          text=True, check=False)
                    wall = time.perf_counter() - t0
                    if proc.returncode != 0:
                        sys.exit(f"{kind} run failed: {proc.stderr[-2000:]}")
                    energy = json.loads(proc.stdout)["energy"]
                    rows.append({"kind": kind, "repeat": k, "wall_s": round(wall, 2),
                                 "session_s": round(_session_s(out), 2),
                                 "median_uj_per_inf": energy["median_energy_per_inf_uj"],
                                 "uj_per_inf": [w["energy_per_inf_uj"] for w in energy["windows"]],
                                 "power_uw": [w["power_uw"] for w in energy["windows"]],
                                 "max_edge_error_samples": round(_edge_error_samples(out, sim.edges_seen), 3),
                                 "category": energy["category"], "load": before})
                    print(f"{kind} {k}: {wall:.1f} s, {energy['median_energy_per_inf_uj']:.3f} uJ/inf",
                          file=sys.stderr)
    if _emit_json(rows, args.json, "| run | wall s | session s | median uJ/inf | per-window uJ/inf | per-window "
                  "power uW | max edge error (samples) | load before |", "|---|---:|---:|---:|---|---|---:|---|"):
        return
    for r in rows:
        print(f"| {r['kind']} {r['repeat']} | {r['wall_s']} | {r['session_s']} | {r['median_uj_per_inf']:.3f} | "
              f"{', '.join(f'{v:.2f}' for v in r['uj_per_inf'])} | "
              f"{', '.join(f'{v:.0f}' for v in r['power_uw'])} | {r['max_edge_error_samples']} | {r['load']} |")
    for kind in ("place", "direct"):
        mine = [r for r in rows if r["kind"] == kind]
        print(f"{kind}: mean wall {sum(r['wall_s'] for r in mine) / len(mine):.2f} s, mean session "
              f"{sum(r['session_s'] for r in mine) / len(mine):.2f} s")
    diffs: list[float] = []
    for k in range(args.repeats):
        placed, direct = (next(r for r in rows if r["repeat"] == k and r["kind"] == kind)
                          for kind in ("place", "direct"))
        diffs += [100 * (a / b - 1) for a, b in zip(placed["uj_per_inf"], direct["uj_per_inf"])]
    print(f"per-window energy/inf, place vs direct (same repeat, same window): "
          f"{min(diffs):+.4f} % … {max(diffs):+.4f} %")


if __name__ == "__main__":
    main()
