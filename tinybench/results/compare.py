"""Compare two run directories and decide whether the new one regressed — the CI gate.

Why its own module: a pull request's pipeline runs the benchmark on a simulated board (Renode or
QEMU, deterministic DUT time) and must fail when the firmware got slower, bigger or less accurate
than a committed baseline. ``compare_runs`` returns one row per figure both runs have; the CLI
prints them as a table, writes JUnit XML for CI systems and exits non-zero on a regression.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from tinybench.errors import TinybenchError
from tinybench.results.schema import RunResults


@dataclass(frozen=True)
class Thresholds:
    """How much worse a figure may get before it counts as a regression."""

    latency_pct: float = 5.0          # latency (ms per inference), relative increase in %
    instructions_pct: float = 1.0     # instructions per inference, relative increase in %
    accuracy_drop: float = 0.5        # Top-1 percentage points, or AUC × 100
    energy_pct: float = 5.0           # energy per inference, relative increase in %


@dataclass(frozen=True)
class Row:
    figure: str
    unit: str
    baseline: float | None
    new: float | None
    limit: str                        # the allowed change, as printed
    status: str                       # "ok" | "improved" | "REGRESSION" | "n/a"

    @property
    def change(self) -> str:
        if self.baseline is None or self.new is None:
            return "—"
        if self.unit == "points":
            return f"{self.new - self.baseline:+.2f} pt"
        if self.baseline == 0:
            return "—"
        return f"{(self.new - self.baseline) / self.baseline * 100:+.2f} %"


@dataclass(frozen=True)
class Comparison:
    baseline: Path
    new: Path
    board: str
    workload: str
    rows: list[Row]
    notes: list[str]

    @property
    def regressed(self) -> bool:
        return any(r.status == "REGRESSION" for r in self.rows)


def load_results(path: Path) -> RunResults:
    """``results.json`` of a run directory (or the file itself), validated."""
    file = path / "results.json" if path.is_dir() else path
    if not file.is_file():
        raise TinybenchError(f"{path} holds no results.json", "pass a run directory written by `tinybench run`")
    try:
        return RunResults.model_validate(json.loads(file.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        raise TinybenchError(f"{file} is not a valid tinybench results.json: {exc}".splitlines()[0],
                             "was it written by another tool or edited by hand?") from exc


def _relative(figure: str, unit: str, base: float | None, new: float | None, pct: float) -> Row:
    """Lower is better; a rise above ``pct`` percent is a regression."""
    limit = f"+{pct:g} %"
    if base is None or new is None:
        return Row(figure, unit, base, new, limit, "n/a")
    if base <= 0:
        return Row(figure, unit, base, new, limit, "n/a")
    rise = (new - base) / base * 100.0
    status = "REGRESSION" if rise > pct else "improved" if rise < -pct else "ok"
    return Row(figure, unit, base, new, limit, status)


def _accuracy_points(results: RunResults) -> tuple[str, float | None]:
    acc = results.accuracy
    if acc is None or acc.metric_value is None:
        return "accuracy", None
    if acc.metric == "auc":
        return "AUC × 100", acc.metric_value * 100.0
    return "Top-1", acc.metric_value


def compare_runs(baseline: Path, new: Path, thresholds: Thresholds = Thresholds()) -> Comparison:
    """Compare the figures the two runs share; refuses runs that must never be compared."""
    base_r, new_r = load_results(baseline), load_results(new)
    if base_r.workload != new_r.workload:
        raise TinybenchError(f"the runs benchmark different workloads ({base_r.workload} vs {new_r.workload})",
                             "compare runs of the same workload")
    if base_r.category != new_r.category:
        raise TinybenchError(f"a {base_r.category} run cannot be compared with a {new_r.category} one "
                             "(simulated, estimated and measured figures are never ranked together)",
                             "compare runs from the same kind of board")
    if not new_r.complete:
        raise TinybenchError(f"the new run {new} is incomplete", "finish it with `tinybench run --resume`")
    notes: list[str] = []
    if base_r.board != new_r.board:
        notes.append(f"different boards: {base_r.board} vs {new_r.board}")
    bp, np_ = base_r.performance, new_r.performance
    if bp and np_ and bp.time_base != np_.time_base:
        notes.append(f"different time bases: {bp.time_base!r} vs {np_.time_base!r}")
    rows: list[Row] = []
    if bp or np_:
        rows.append(_relative("latency", "ms", bp.latency_ms if bp else None,
                              np_.latency_ms if np_ else None, thresholds.latency_pct))
        b_ins = bp.median_instructions_per_inference if bp else None
        n_ins = np_.median_instructions_per_inference if np_ else None
        if b_ins is not None or n_ins is not None:
            rows.append(_relative("instructions/inference", "instr", b_ins, n_ins, thresholds.instructions_pct))
    if base_r.accuracy or new_r.accuracy:
        name, b_acc = _accuracy_points(base_r)
        _, n_acc = _accuracy_points(new_r)
        limit = f"-{thresholds.accuracy_drop:g} pt"
        if b_acc is None or n_acc is None:
            rows.append(Row(name, "points", b_acc, n_acc, limit, "n/a"))
        else:
            drop = b_acc - n_acc
            status = ("REGRESSION" if drop > thresholds.accuracy_drop
                      else "improved" if drop < -thresholds.accuracy_drop else "ok")
            rows.append(Row(name, "points", b_acc, n_acc, limit, status))
    if base_r.energy or new_r.energy:
        rows.append(_relative("energy/inference", "µJ",
                              base_r.energy.median_energy_per_inf_uj if base_r.energy else None,
                              new_r.energy.median_energy_per_inf_uj if new_r.energy else None,
                              thresholds.energy_pct))
    if not rows:
        raise TinybenchError("the two runs share no figure to compare",
                             "compare two performance, accuracy or energy runs")
    return Comparison(baseline, new, new_r.board, new_r.workload, rows, notes)


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 10_000 else f"{value:,.3f}"


def render_table(cmp: Comparison) -> str:
    head = ("figure", "baseline", "new", "change", "allowed", "status")
    body = [(f"{r.figure} ({r.unit})", _fmt(r.baseline), _fmt(r.new), r.change, r.limit, r.status)
            for r in cmp.rows]
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    lines = [f"{cmp.workload} on {cmp.board}: {cmp.baseline} → {cmp.new}"]
    lines += [f"note: {n}" for n in cmp.notes]
    for row in [head, *body]:
        lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))))
    lines.append("REGRESSION" if cmp.regressed else "no regression")
    return "\n".join(lines)


def junit_xml(cmp: Comparison) -> str:
    """One JUnit test case per figure; a regression is a ``<failure>``, a missing figure skipped."""
    failures = sum(r.status == "REGRESSION" for r in cmp.rows)
    skipped = sum(r.status == "n/a" for r in cmp.rows)
    suite = ET.Element("testsuite", name=f"tinybench compare {cmp.workload} {cmp.board}",
                       tests=str(len(cmp.rows)), failures=str(failures), errors="0",
                       skipped=str(skipped))
    for r in cmp.rows:
        case = ET.SubElement(suite, "testcase", classname=f"tinybench.{cmp.workload}.{cmp.board}",
                             name=r.figure)
        text = f"{r.figure}: baseline {_fmt(r.baseline)} {r.unit}, new {_fmt(r.new)} {r.unit}, " \
               f"change {r.change}, allowed {r.limit}"
        if r.status == "REGRESSION":
            ET.SubElement(case, "failure", message=text, type="regression").text = text
        elif r.status == "n/a":
            ET.SubElement(case, "skipped", message=f"{r.figure} missing in one of the runs")
        else:
            ET.SubElement(case, "system-out").text = text
    suites = ET.Element("testsuites", tests=str(len(cmp.rows)), failures=str(failures))
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
