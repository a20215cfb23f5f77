"""`tinybench suite` spread over 1, 2 and 4 labgrid places: wall time and scaling efficiency.

A real labgrid coordinator and exporter run on loopback (``tinybench.sim.labgrid_farm``); each
place holds a simulated board (``boards/labgrid-host.yaml``: host-build firmware behind the
place's NetworkSerialPort, flashed by restarting it). The same 8-cell matrix — kws01, vww01, ic01,
ad01 × performance (``--min-window-s``) and accuracy (generated sets of ``--files`` inputs) — runs
once per place count; every cell flashes its image through the place, as on a real farm.
Efficiency = T(1) / (N × T(N)). The 1-minute load average (``uptime``) is recorded before and
after each suite, because the host here has 2 cores shared with other work.

    .venv/bin/python benchmarks/labgrid_places.py [--places 1,2,4] [--files 8] [--min-window-s 1]
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
    args = ap.parse_args()
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
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print("| places | wall s | speedup | efficiency | mean cell s | cells per place | load avg before → after |")
    print("|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        spread = ", ".join(f"{k}: {v}" for k, v in r["cells_per_place"].items())
        print(f"| {r['places']} | {r['wall_s']} | {r['speedup']}× | {r['efficiency_pct']} % | "
              f"{r['mean_cell_s']} | {spread} | {r['load_before']} → {r['load_after']} |")


if __name__ == "__main__":
    main()
