"""The fuzz tests (tests/test_fuzz_*.py) at campaign scale: many examples, fresh randomness.

    TINYBENCH_CACHE=... .venv/bin/python benchmarks/fuzz_campaign.py --examples 2000 \
        --json benchmarks/results/fuzz_campaign.json

CI runs the same properties with 60 examples each (tests/fuzzing.py). This script sets
``TINYBENCH_FUZZ_EXAMPLES`` and ``TINYBENCH_FUZZ_RANDOM=1`` and reads hypothesis' own statistics:
per property, how many inputs passed, failed (a crash = a failing example) or were rejected as
invalid by the strategy. Exit status 1 if any property failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_STATS = re.compile(r"- (\d+) passing(?:, (\d+) failing)?(?:,? and (\d+) invalid)?")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    env = {**os.environ, "TINYBENCH_FUZZ_EXAMPLES": str(args.examples), "TINYBENCH_FUZZ_RANDOM": "1"}
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics",
         *sorted(str(p) for p in (ROOT / "tests").glob("test_fuzz_*.py"))],
        cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    rows: dict[str, dict[str, int]] = {}
    current = None
    for line in proc.stdout.splitlines():
        if line.startswith("tests/") and line.rstrip().endswith(":"):
            current = line.strip().rstrip(":")
        elif current and (m := _STATS.search(line)) and "passing" in line and current not in rows:
            rows[current] = {"passing": int(m.group(1)), "failing": int(m.group(2) or 0),
                             "invalid": int(m.group(3) or 0)}
    total = sum(r["passing"] + r["failing"] for r in rows.values())
    failing = sum(r["failing"] for r in rows.values())
    for name, r in rows.items():
        print(f"{r['passing']:7d} passing {r['failing']:3d} failing {r['invalid']:6d} invalid  {name}")
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-500:]
    print(f"{total} inputs tried, {failing} failing, pytest: {tail}, {wall:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"examples_per_property": args.examples, "properties": rows,
                                         "inputs_tried": total, "failing": failing,
                                         "pytest": tail, "wall_s": round(wall, 1)}, indent=1) + "\n")
    if failing or proc.returncode:
        # keep hypothesis' falsifying examples and tracebacks for whoever fixes the crash
        log = (args.json or Path("fuzz_campaign.json")).with_suffix(".failures.txt")
        log.write_text(proc.stdout[-200_000:] + proc.stderr[-20_000:])
        print(f"failures: {log}")
    return 0 if proc.returncode == 0 and failing == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
