"""Recompute a run's figures from its own ``log.txt`` alone.

Why: the transcript is the raw data; results.json is derived from the progress journal. If both
agree, no step between the wire and the published figure lost or invented anything. Used by
``tinybench report`` (it says whether the figures reproduce) and by the end-to-end tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinybench.protocol.transcripts import Exchange, parse_tinybench_log
from tinybench.run import metrics


@dataclass
class Recomputed:
    windows: dict[int, Exchange]              # performance: the last complete timed infer per window
    median_throughput: float | None
    file_results: dict[str, list[list[float]]]   # accuracy: results per file, one per window offset


def recompute(run_dir: Path) -> Recomputed:
    tr = parse_tinybench_log((Path(run_dir) / "log.txt").read_text(encoding="utf-8"))
    windows: dict[int, Exchange] = {}
    per_window: dict[tuple[str, int], list[float]] = {}
    order: list[str] = []
    for ex in tr.inferences:
        if ex.tag and ex.tag.startswith("window "):
            windows[int(ex.tag.split()[1])] = ex          # a repeated (too short) window: last wins
        elif ex.tag == "accuracy" and ex.input_file is not None:
            per_window[(ex.input_file, ex.input_offset)] = ex.results or []
            if ex.input_file not in order:
                order.append(ex.input_file)
    files: dict[str, list[list[float]]] = {name: [] for name in order}
    for (name, _offset), values in sorted(per_window.items(), key=lambda kv: kv[0][1]):
        files[name].append(values)
    tputs = [w.throughput for _, w in sorted(windows.items()) if w.throughput is not None]
    return Recomputed(windows, float(np.median(tputs)) if tputs else None, files)


def accuracy_from_log(rec: Recomputed, labels: dict[str, int], classifier: bool) -> tuple[float | None, float]:
    """(Top-1 %, AUC) over the files in ``labels`` from the recomputed per-file results."""
    names = [n for n in labels if n in rec.file_results]
    scores = np.vstack([metrics.file_scores(rec.file_results[n], classifier=classifier) for n in names])
    y = [labels[n] for n in names]
    return (metrics.top1(scores, y) if classifier else None), metrics.auc(scores, y)
