"""Wall time of ``tinybench suite`` (4 workloads × performance + accuracy, CI data sets, open
division) per board, and two boards in parallel vs one after another.

    .venv/bin/python benchmarks/anydut_suite.py [--boards host,qemu-mps2-an386,renode-mps2-an386]
        [--pair qemu-mps2-an386,renode-mps2-an386] [--min-window-s 10] [--out DIR]

Each suite is the real CLI (``tinybench suite``) in a fresh folder; wall time is the host clock
around the whole command (this is a harness-throughput figure, not a DUT figure). "One after
another" is the sum of the two single-board suites; "in parallel" is one suite with both boards.
Each line also gives the per-cell wall times (from the suite's own ``cells.jsonl``), the cells
done, and the 1-minute load average before and after, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def cells(out: Path, board: str) -> dict[str, object]:
    """Per-cell wall time (s) of the last attempt, or the state when it did not finish."""
    journal = out / board / "cells.jsonl"
    found: dict[str, object] = {}
    if journal.is_file():
        for line in journal.read_text().splitlines():
            rec = json.loads(line)
            if rec.get("state") == "done":
                found[rec["cell"]] = round(rec["wall_s"], 1)
            elif rec.get("state") == "failed":
                found[rec["cell"]] = "failed: " + rec.get("error", "")[:120]
    return found


def suite(boards: list[str], out: Path, min_window_s: float | None) -> float:
    shutil.rmtree(out, ignore_errors=True)
    argv = [str(Path(sys.executable).with_name("tinybench")), "suite", "--out", str(out), "--division", "open",
            "--no-progress"]
    if min_window_s is not None:
        argv += ["--min-window-s", str(min_window_s)]
    for board in boards:
        argv += ["--board", board]
    t0 = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.monotonic() - t0
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--boards", default="host,qemu-mps2-an386,renode-mps2-an386")
    ap.add_argument("--pair", default="qemu-mps2-an386,renode-mps2-an386")
    ap.add_argument("--min-window-s", type=float, default=None,
                    help="shortest timed window (default: the run rule's, as tinybench suite)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/tinybench-suite-bench"))
    args = ap.parse_args()
    single: dict[str, float] = {}
    for board in filter(None, args.boards.split(",")):
        load = os.getloadavg()[0]
        single[board] = suite([board], args.out / board, args.min_window_s)
        print(json.dumps({"board": board, "wall_s": round(single[board], 1), "load_before": load,
                          "load_after": os.getloadavg()[0], "cells": cells(args.out / board, board)}),
              flush=True)
    pair = list(filter(None, args.pair.split(",")))
    if pair:
        load = os.getloadavg()[0]
        parallel = suite(pair, args.out / "pair", args.min_window_s)
        print(json.dumps({"parallel": pair, "wall_s": round(parallel, 1), "load_before": load,
                          "load_after": os.getloadavg()[0],
                          "one_after_another_s": round(sum(single[b] for b in pair if b in single), 1),
                          "cells": {b: cells(args.out / "pair", b) for b in pair}}), flush=True)


if __name__ == "__main__":
    main()
