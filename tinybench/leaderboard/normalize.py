"""Leaderboard rows: per-workload figures, quality pass/fail, normalisation, composites, repeats.

Why separate from rendering: the same rows feed HTML, CSV and Markdown, and the rules live in one
place — speed-up = reference latency / latency, energy ratio = energy / reference energy (both
per workload, against one reference system, default the MLPerf Tiny v0.5 reference
NUCLEO-L4R5ZI); the composite is the geometric mean over the four closed workloads a system
completed, flagged *partial* below four; categories are ranked separately, never together.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from tinybench.leaderboard.records import CATEGORY_ORDER, Category, ResultRecord
from tinybench.leaderboard.tree import WORKLOAD_ORDER

DEFAULT_REFERENCE = "v0.5/closed/reference/Nucleo-L4R5ZI"
# Closed-division quality targets (MLCommons submission checker): metric, threshold.
QUALITY_TARGETS = {"kws": ("top1", 90.0), "vww": ("top1", 80.0), "ic": ("top1", 85.0),
                   "ad": ("auc", 0.85), "ic2": ("top1", 91.0)}
WORKLOAD_TITLES = {"kws": "Keyword spotting (kws)", "vww": "Visual wake words (vww)",
                   "ic": "Image classification (ic)", "ad": "Anomaly detection (ad)",
                   "sww": "Streaming wakeword (sww)", "ic2": "Image classification 2 (ic2)"}


def round_key(name: str | None) -> tuple:
    nums = re.findall(r"\d+", name or "")
    return tuple(int(n) for n in nums) if nums else (999,)


@dataclass
class Row:
    record: ResultRecord
    latency_ms: float | None
    throughput_ips: float | None
    energy_uj: float | None
    metric: str | None
    accuracy: float | None
    quality: str  # "pass" | "fail" | "n/a"
    speedup: float | None = None
    energy_ratio: float | None = None
    rank: int | None = None
    repeated_from: str | None = None
    composite_speedup: float | None = None
    composite_energy: float | None = None
    composite_n: int = 0

    @property
    def partial(self) -> bool:
        return self.composite_n < len(WORKLOAD_ORDER)


@dataclass
class Board:
    """Everything the renderers need."""

    reference: str
    reference_found: bool
    tables: dict[str, dict[Category, list[Row]]] = field(default_factory=dict)
    systems: dict[Category, list[Row]] = field(default_factory=dict)  # one summary row per system


def _accuracy(record: ResultRecord) -> tuple[str | None, float | None, str]:
    acc = record.accuracy
    if record.workload == "sww":
        if acc is None or acc.false_positives is None:
            return None, None, "n/a"
        ok = acc.false_positives <= 8 and acc.false_negatives <= 8
        return "fp/fn", None, ("pass" if ok else "fail") if record.division.value == "closed" else "n/a"
    metric, target = QUALITY_TARGETS.get(record.workload, ("top1", None))
    value = None
    if acc is not None:
        value = acc.top1_pct if metric == "top1" else acc.auc
    if value is None or target is None or record.division.value != "closed":
        return metric, value, "n/a"
    return metric, value, "pass" if value >= target else "fail"


def build_board(records: list[ResultRecord], reference: str = DEFAULT_REFERENCE) -> Board:
    ordered = sorted(records, key=lambda r: (round_key(r.provenance.round), r.system_key, r.workload))
    rows = []
    first_seen: dict[str, str] = {}
    for rec in ordered:
        metric, value, quality = _accuracy(rec)
        row = Row(rec, rec.performance.latency_ms if rec.performance else None,
                  rec.performance.throughput_ips if rec.performance else None,
                  rec.energy.energy_uj if rec.energy else None, metric, value, quality)
        # a measurement re-published unchanged: identical raw-file hashes in an earlier round
        for block in (rec.performance, rec.energy, rec.accuracy):
            if block is None or not block.raw_files:
                continue
            fp = block.fingerprint()
            earlier = first_seen.get(fp)
            if earlier is not None and earlier != rec.system_key and row.repeated_from is None:
                row.repeated_from = earlier.split("/")[0]
            first_seen.setdefault(fp, rec.system_key)
        rows.append(row)
    ref = {r.record.workload: r for r in rows if r.record.system_key == reference}
    for row in rows:
        base = ref.get(row.record.workload)
        if base is not None and row.latency_ms and base.latency_ms:
            row.speedup = base.latency_ms / row.latency_ms
        if base is not None and row.energy_uj and base.energy_uj:
            row.energy_ratio = row.energy_uj / base.energy_uj
    # composites per system (and category: a system's simulated and measured rows never mix)
    by_system: dict[tuple[str, Category], list[Row]] = {}
    for row in rows:
        by_system.setdefault((row.record.system_key, row.record.category), []).append(row)
    board = Board(reference, bool(ref))
    for (_key, category), group in by_system.items():
        speed = [r.speedup for r in group if r.record.workload in WORKLOAD_ORDER and r.speedup]
        energy = [r.energy_ratio for r in group if r.record.workload in WORKLOAD_ORDER and r.energy_ratio]
        n = len({r.record.workload for r in group if r.record.workload in WORKLOAD_ORDER and r.latency_ms})
        cs = _geomean(speed)
        ce = _geomean(energy)
        for r in group:
            r.composite_speedup, r.composite_energy, r.composite_n = cs, ce, n
        board.systems.setdefault(category, []).append(group[0])
    for row in rows:
        table = board.tables.setdefault(row.record.workload, {})
        table.setdefault(row.record.category, []).append(row)
    for table in board.tables.values():
        for cat_rows in table.values():
            cat_rows.sort(key=lambda r: (r.latency_ms is None, r.latency_ms or 0.0))
            for i, r in enumerate(x for x in cat_rows if x.latency_ms is not None):
                r.rank = i + 1
    for cat_rows in board.systems.values():
        cat_rows.sort(key=lambda r: (r.composite_speedup is None, -(r.composite_speedup or 0.0)))
    board.tables = {w: dict(sorted(t.items(), key=lambda kv: CATEGORY_ORDER[kv[0]]))
                    for w, t in sorted(board.tables.items(), key=lambda kv: _workload_order(kv[0]))}
    board.systems = dict(sorted(board.systems.items(), key=lambda kv: CATEGORY_ORDER[kv[0]]))
    return board


def _workload_order(name: str) -> tuple[int, str]:
    order = list(WORKLOAD_ORDER) + ["sww", "ic2"]
    return (order.index(name) if name in order else len(order), name)


def _geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None
