"""Wall time of ``tinybench suite`` (4 workloads × performance + accuracy, CI data sets, open
division) per board, and two boards in parallel vs one after another.

    .venv/bin/python benchmarks/anydut_suite.py [--boards host,qemu-mps2-an386,renode-mps2-an386]
        [--pair qemu-mps2-an386,renode-mps2-an386] [--min-window-s 10] [--out DIR]

Each suite is the real CLI (``tinybench suite``) in a fresh folder; wall time is the host clock
around the whole command (this is a harness-throughput figure, not a DUT figure). "One after
another" is the sum of the two single-board suites; "in parallel" is one suite with both boards.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path


def suite(boards: list[str], out: Path, min_window_s: float) -> float:
    shutil.rmtree(out, ignore_errors=True)
    argv = [str(Path(sys.executable).with_name("tinybench")), "suite", "--out", str(out), "--division", "open",
            "--min-window-s", str(min_window_s), "--no-progress"]
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
    ap.add_argument("--min-window-s", type=float, default=10.0)
    ap.add_argument("--out", type=Path, default=Path("/tmp/tinybench-suite-bench"))
    args = ap.parse_args()
    single = {}
    for board in args.boards.split(","):
        single[board] = suite([board], args.out / board, args.min_window_s)
        print(json.dumps({"board": board, "wall_s": round(single[board], 1)}), flush=True)
    pair = args.pair.split(",")
    parallel = suite(pair, args.out / "pair", args.min_window_s)
    print(json.dumps({"parallel": pair, "wall_s": round(parallel, 1),
                      "one_after_another_s": round(sum(single[b] for b in pair), 1)}), flush=True)


if __name__ == "__main__":
    main()
