"""Every published round in ../shared: import outcomes, energy recomputation, `check` flags, timings.

Per round (each version folder imported and checked on its own, then all of them at once):
system × benchmark rows found / imported / not importable (with the reasons), EnergyRunner and
MLC-runner energy traces recomputed and how many agree with the published median within 0.1 %,
and every `check` error (flag) listed so each one can be examined. Timed: import of all rounds
together, check of every round, leaderboard build (with plots) from all records. Usage:

    .venv/bin/python benchmarks/leaderboard_rounds.py [ROOT ...] [--markdown OUT.md]

ROOTs default to ../shared/mlperf-tiny-results and ../shared/mlperf-tiny-results-more.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from tinybench import paths
from tinybench.leaderboard.checker import check_tree
from tinybench.leaderboard.mlperf_import import import_report
from tinybench.leaderboard.site import build_site

_ROUND = re.compile(r"^v\d+(\.\d+)+$")


def version_folders(roots: list[Path]) -> list[Path]:
    return sorted((p for root in roots for p in root.iterdir() if p.is_dir() and _ROUND.match(p.name)),
                  key=lambda p: [int(x) for x in p.name[1:].split(".")])


def energy_figures(report) -> tuple[int, int, list[str]]:
    """(median energies recomputed, within 0.1 % of the published one, the others)."""
    medians = [v for v in report.verified if v.what.startswith("median energy per inference")]
    errors = [f for f in report.errors if "median energy per inference" in f.message]
    within, worse = 0, []
    for v in medians:
        rel = abs(v.recomputed - float(v.published)) / float(v.published)
        if rel <= 0.001:
            within += 1
        else:
            worse.append(f"{v.path}: {v.published} vs {v.recomputed:.6g} ({rel:.3%})")
    worse += [str(f) for f in errors]
    return len(medians) + len(errors), within, worse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", type=Path)
    parser.add_argument("--markdown", type=Path, default=None)
    args = parser.parse_args(argv)
    roots = args.roots
    if not roots:
        shared = paths.shared_dir()
        if shared is None:
            print("../shared not found: pass the results roots", file=sys.stderr)
            return 2
        roots = [p for p in (shared / "mlperf-tiny-results", shared / "mlperf-tiny-results-more") if p.is_dir()]
    lines = ["# Every shared round: import, energy recomputation, check flags, timings", "",
             "Command: `.venv/bin/python benchmarks/leaderboard_rounds.py` (roots: "
             + ", ".join(f"`{r}`" for r in roots) + ").", "",
             "| round | rows found | imported | not importable | energy medians recomputed | within 0.1 % "
             "| check flags (errors) | check warnings | figures confirmed | check time |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    details: list[str] = []
    check_total = 0.0
    for folder in version_folders(roots):
        rep = import_report([folder])
        tally = rep.per_round().get(folder.name, {"found": 0, "imported": 0, "not_importable": 0})
        start = time.perf_counter()
        chk = check_tree(folder)
        took = time.perf_counter() - start
        check_total += took
        n_energy, within, worse = energy_figures(chk)
        lines.append(f"| {folder.name} | {tally['found']} | {tally['imported']} | {tally['not_importable']} | "
                     f"{n_energy} | {within} | {len(chk.errors)} | {len(chk.findings) - len(chk.errors)} | "
                     f"{len(chk.verified)} | {took:.1f} s |")
        details.append(f"## {folder.name}")
        details += [f"- not importable: {o.source}: {o.reason}" for o in rep.not_importable] or \
            ["- every system × benchmark row imported"]
        details += [f"- flag: `{f}`" for f in chk.errors]
        details += [f"- energy beyond 0.1 %: {w}" for w in worse]
        details.append("")
    start = time.perf_counter()
    everything = import_report(roots)
    t_import = time.perf_counter() - start
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        board = build_site(everything.records, Path(tmp) / "site")
    t_build = time.perf_counter() - start
    totals = everything.per_round()
    lines += ["", f"All rounds imported at once: {sum(t['found'] for t in totals.values())} rows found, "
              f"{len(everything.records)} imported, {len(everything.not_importable)} not importable "
              f"(per round: " + ", ".join(f"{r} {t['imported']}/{t['found']}" for r, t in totals.items()) + ").",
              "", "| step (all shared rounds together) | time |", "| --- | ---: |",
              f"| import | {t_import:.1f} s |", f"| check (every round) | {check_total:.1f} s |",
              f"| leaderboard build (HTML, CSV, Markdown, plots) | {t_build:.1f} s |",
              f"| total | {t_import + check_total + t_build:.1f} s |", "",
              f"Leaderboard: {sum(len(r) for t in board.tables.values() for r in t.values())} rows, "
              f"{sum(len(r) for r in board.systems.values())} systems with a composite, "
              f"{sum(len(r) for r in board.partial_systems.values())} partial, {board.collapsed} "
              "re-published rows folded.", ""] + details
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
