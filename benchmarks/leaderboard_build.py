"""Leaderboard build time for N generated records (default 10,000; goal < 5 s).

The records are generated from the imported published results (real provenance and structure)
with synthetic systems and figures, so the benchmark exercises exactly the code path of
`tinybench leaderboard build`: normalisation, composites, repeat detection, HTML/CSV/Markdown and
the matplotlib Pareto plots. Usage:

    .venv/bin/python benchmarks/leaderboard_build.py [--records 10000] [--no-plots] [--out DIR]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from tinybench import paths
from tinybench.leaderboard.mlperf_import import import_tree
from tinybench.leaderboard.records import Category, DeviceClass, ResultRecord
from tinybench.leaderboard.site import build_site


def generate(templates: list[ResultRecord], n: int, seed: int = 1) -> list[ResultRecord]:
    rng = random.Random(seed)
    classes = list(DeviceClass)
    cats = [Category.measured] * 6 + [Category.simulated] * 3 + [Category.estimated]
    out = list(templates)
    i = 0
    while len(out) < n:
        system = f"gen-{i:05d}"
        dclass, cat = rng.choice(classes), rng.choice(cats)
        for template in templates:
            if template.workload not in ("kws", "vww", "ic", "ad") or len(out) >= n:
                continue
            rec = template.model_copy(deep=True)
            rec.system, rec.device_class = system, dclass
            rec.provenance.round, rec.provenance.submitter = f"v{rng.randint(1, 3)}.{rng.randint(0, 3)}", "gen"
            scale = rng.uniform(0.05, 5.0)
            for block in (rec.performance, rec.energy, rec.accuracy):
                if block is not None:
                    block.category = cat
                    block.raw_files = {k: f"{rng.getrandbits(256):064x}" for k in block.raw_files}
            if rec.performance:
                rec.performance.throughput_ips *= scale
                rec.performance.latency_ms /= scale
            if rec.energy:
                rec.energy.energy_uj *= rng.uniform(0.05, 5.0)
            out.append(rec)
        i += 1
    return out[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    shared = paths.shared_dir()
    if shared is None:
        raise SystemExit("../shared (published results, used as record templates) is missing")
    templates = import_tree(shared / "mlperf-tiny-results")
    records = generate(templates, args.records)
    out = args.out or Path(tempfile.mkdtemp(prefix="tinybench-lb-bench-"))
    start = time.perf_counter()
    board = build_site(records, out, plots=not args.no_plots)
    elapsed = time.perf_counter() - start
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"records: {len(records)}  tables: {len(board.tables)}  plots: {not args.no_plots}")
    print(f"leaderboard build: {elapsed:.2f} s (goal < 5 s)  output: {size / 1e6:.1f} MB in {out}")


if __name__ == "__main__":
    main()
