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
from tinybench.leaderboard.rules import QUALITY_TARGETS, SWW_MAX_FN, SWW_MAX_FP
from tinybench.leaderboard.tree import WORKLOAD_ORDER

DEFAULT_REFERENCE = "v0.5/closed/reference/Nucleo-L4R5ZI"
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
    rank: int | None = None  # within its category and device class (the default view)
    rank_all: int | None = None  # within its category, all device classes together
    repeated_from: str | None = None  # some (not all) of its raw files were published earlier
    rounds: list[str] = field(default_factory=list)  # every round that published this measurement
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
    # one summary row per system with all four workloads (composite ranked) ...
    systems: dict[Category, list[Row]] = field(default_factory=dict)
    # ... and per system with fewer (listed apart, never given a composite)
    partial_systems: dict[Category, list[Row]] = field(default_factory=dict)
    collapsed: int = 0  # rows folded into an earlier round's identical measurement


def _accuracy(record: ResultRecord) -> tuple[str | None, float | None, str]:
    acc = record.accuracy
    if record.workload == "sww":
        if acc is None or acc.false_positives is None:
            return None, None, "n/a"
        ok = acc.false_positives <= SWW_MAX_FP and acc.false_negatives <= SWW_MAX_FN
        return "fp/fn", None, ("pass" if ok else "fail") if record.division.value == "closed" else "n/a"
    metric, target = QUALITY_TARGETS.get(record.workload, ("top1", None))
    value = None
    if acc is not None:
        value = acc.top1_pct if metric == "top1" else acc.auc
    if value is None or target is None or record.division.value != "closed":
        return metric, value, "n/a"
    return metric, value, "pass" if value >= target else "fail"


def _fingerprint(record: ResultRecord) -> tuple[str, ...]:
    return tuple(b.fingerprint() if b is not None and b.raw_files else ""
                 for b in (record.performance, record.energy, record.accuracy))


def build_board(records: list[ResultRecord], reference: str = DEFAULT_REFERENCE) -> Board:
    ordered = sorted(records, key=lambda r: (round_key(r.provenance.round), r.system_key, r.label))
    rows: list[Row] = []
    first_seen: dict[str, str] = {}
    same: dict[tuple, Row] = {}
    collapsed = 0
    for rec in ordered:
        metric, value, quality = _accuracy(rec)
        perf = rec.performance if rec.workload != "sww" else None  # sww has no per-inference latency
        row = Row(rec, perf.latency_ms if perf else None,
                  rec.performance.throughput_ips if rec.performance else None,
                  rec.energy.energy_uj if rec.energy and rec.workload != "sww" else None,
                  metric, value, quality, rounds=[rec.provenance.round or "-"])
        # the very same measurement re-published (every raw file identical): one row, its rounds
        key = (rec.label, rec.division, rec.category, row.throughput_ips, row.energy_uj, value,
               _fingerprint(rec))
        if any(key[-1]) and key in same:
            earlier = same[key]
            if row.rounds[0] not in earlier.rounds:
                earlier.rounds.append(row.rounds[0])
            collapsed += 1
            continue
        same.setdefault(key, row)
        # part of it re-published (e.g. an energy folder copied from an earlier round): flagged
        for block in (rec.performance, rec.energy, rec.accuracy):
            if block is None or not block.raw_files:
                continue
            fp = block.fingerprint()
            earlier_key = first_seen.get(fp)
            earlier_round = earlier_key.split("/")[0] if earlier_key else None
            # within one round, two systems may share one run (e.g. accuracy run once for two
            # clock settings): only an earlier round's file is a re-publication
            if earlier_round not in (None, row.rounds[0]) and row.repeated_from is None:
                row.repeated_from = earlier_round
            first_seen.setdefault(fp, rec.system_key)
        rows.append(row)
    ref = {r.record.workload: r for r in rows if r.record.system_key == reference and not r.record.variant}
    for row in rows:
        base = ref.get(row.record.workload)
        if base is not None and row.latency_ms and base.latency_ms:
            row.speedup = base.latency_ms / row.latency_ms
        if base is not None and row.energy_uj and base.energy_uj:
            row.energy_ratio = row.energy_uj / base.energy_uj
    board = Board(reference, bool(ref), collapsed=collapsed)
    # composites per system (and category: a system's simulated and measured rows never mix);
    # only a system with all four workloads gets one — a partial geometric mean is not comparable
    by_system: dict[tuple[str, Category], list[Row]] = {}
    for row in rows:
        if row.record.workload in WORKLOAD_ORDER and not row.record.variant:
            by_system.setdefault((row.record.system_key, row.record.category), []).append(row)
    for (_key, category), group in by_system.items():
        done = {r.record.workload for r in group if r.latency_ms}
        n = len(done)
        for r in group:
            r.composite_n = n
        if n == len(WORKLOAD_ORDER):
            cs = _geomean([r.speedup for r in group if r.speedup])
            ce = _geomean([r.energy_ratio for r in group if r.energy_ratio])
            complete_energy = len([r for r in group if r.energy_ratio]) == len(WORKLOAD_ORDER)
            for r in group:
                r.composite_speedup = cs
                r.composite_energy = ce if complete_energy else None
            board.systems.setdefault(category, []).append(_summary(group))
        else:
            board.partial_systems.setdefault(category, []).append(_summary(group))
    for row in rows:
        table = board.tables.setdefault(row.record.workload, {})
        table.setdefault(row.record.category, []).append(row)
    for table in board.tables.values():
        for cat_rows in table.values():
            cat_rows.sort(key=lambda r: (r.latency_ms is None, r.latency_ms or 0.0,
                                         -(r.throughput_ips or 0.0)))
            _rank(cat_rows, lambda r: r.latency_ms is not None or r.record.workload == "sww"
                  and r.throughput_ips is not None)
    for group in (board.systems, board.partial_systems):
        for cat_rows in group.values():
            cat_rows.sort(key=lambda r: (r.composite_speedup is None, -(r.composite_speedup or 0.0),
                                         r.record.system_key))
    _rank_systems(board.systems)
    board.tables = {w: dict(sorted(t.items(), key=lambda kv: CATEGORY_ORDER[kv[0]]))
                    for w, t in sorted(board.tables.items(), key=lambda kv: _workload_order(kv[0]))}
    board.systems = dict(sorted(board.systems.items(), key=lambda kv: CATEGORY_ORDER[kv[0]]))
    board.partial_systems = dict(sorted(board.partial_systems.items(), key=lambda kv: CATEGORY_ORDER[kv[0]]))
    return board


def _summary(group: list[Row]) -> Row:
    """The systems-table row of a system: a copy (its ranks are not the workload table's)."""
    import dataclasses

    rounds = sorted({rnd for r in group for rnd in r.rounds}, key=round_key)
    return dataclasses.replace(group[0], rank=None, rank_all=None, rounds=rounds)


def _rank(rows: list[Row], ranked) -> None:
    """Rank within the device class (default view) and across classes (the 'all' view)."""
    per_class: dict[str, int] = {}
    n_all = 0
    for r in rows:
        if not ranked(r):
            continue
        n_all += 1
        r.rank_all = n_all
        cls = r.record.device_class.value
        per_class[cls] = per_class.get(cls, 0) + 1
        r.rank = per_class[cls]


def _rank_systems(systems: dict[Category, list[Row]]) -> None:
    for cat_rows in systems.values():
        _rank(cat_rows, lambda r: r.composite_speedup is not None)


def _workload_order(name: str) -> tuple[int, str]:
    order = list(WORKLOAD_ORDER) + ["sww", "ic2"]
    return (order.index(name) if name in order else len(order), name)


def _geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None
