"""The official-rules gate in front of a closed-division bundle (``tinybench suite``).

Why a gate and not just ``check`` afterwards: a closed-division submission that the MLCommons
checker would reject costs a review round; the suite refuses it with the reason instead. Three
stages, each as early as its facts exist:

* before any board time: the data sets must be the official evaluation sets, judged by content
  (``tinybench.workloads.official``, the hardening area's sha256 decision);
* after the runs: every workload has its required modes complete and valid (10 s windows, full
  set) and its accuracy meets the quality target;
* on the written bundle: the leaderboard area's rule set (``tinybench.leaderboard.rules``), the
  same one ``tinybench check`` applies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

REQUIRED_MODES = ("performance", "accuracy")


def dataset_problems(datasets: dict[str, Any]) -> list[str]:
    """``datasets``: workload id → loaded ``Dataset``. One message per non-official data set."""
    from tinybench.workloads.official import check_official

    out = []
    for workload_id, dataset in datasets.items():
        check = check_official(dataset)
        if not check.official:
            why = f"{check.summary}, against the official list {check.list_name}" if check.list_name \
                else "no official list matches"
            out.append(f"{workload_id}: data set {dataset.directory} is not the official evaluation set ({why})")
    return out


def run_problems(results: dict[tuple[str, str], Any], workloads: list[str]) -> list[str]:
    """``results``: (workload, mode) → ``RunResults`` (None when the cell failed or did not run)."""
    out = []
    for workload in workloads:
        for mode in REQUIRED_MODES:
            r = results.get((workload, mode))
            if r is None or not r.complete:
                out.append(f"{workload}: required mode {mode} is missing or incomplete")
            elif not r.compliant:
                out.append(f"{workload} {mode}: not valid for submission ({'; '.join(r.notes)})")
        acc = results.get((workload, "accuracy"))
        if acc is not None and acc.accuracy is not None and not acc.accuracy.target_met:
            a = acc.accuracy
            value = "undefined" if a.metric_value is None else f"{a.metric_value:.3f}"
            out.append(f"{workload}: {a.metric} {value} is below the quality target {a.quality_target:g}")
    return out


def bundle_problems(bundle: Path) -> list[str]:
    """The leaderboard area's official rules on a written bundle (what ``tinybench check`` enforces)."""
    from tinybench.leaderboard.rules import official_rules_problems

    return official_rules_problems(bundle)
