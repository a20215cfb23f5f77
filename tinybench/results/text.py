"""``results.txt``: the lines the MLCommons submission checker parses, plus human-readable context.

Why this format: the checker matches ``.* Median throughput is\\s+([\\d.]+) inf./sec..*``,
``.* Top[- ]1%?\\s?[:=] ([\\d.]+).*`` and ``.* AUC\\s?[:=] ([\\d.]+).*`` with ``re.match`` — a
prefix ending in a space is required, so every line carries EnergyRunner's
``<seconds> ulp-mlperf: `` prefix. tinybench's own remarks (category, compliance) are worded so
that none of the checker's patterns can match them.
"""

from __future__ import annotations

import re

from tinybench.results.schema import RunResults
from tinybench.run import metrics

_CHECKER_WORDS = re.compile(r"(Top[- ]1%?|AUC|Median throughput is|Median energy cost is)", re.I)


def _remark(text: str) -> str:
    """Free text made inert for the checker: its key phrases are bracketed so no regex matches."""
    return _CHECKER_WORDS.sub(lambda m: f"[{m.group(1)}]", text)


UNSTABLE_MARK = "UNSTABLE TIMING"


def unstable_line(spread_pct: float, bound_pct: float) -> str:
    """The one wording of the timing-sanity flag (results.txt, console, leaderboard import)."""
    return (f"{UNSTABLE_MARK}: the windows' throughputs spread {spread_pct:.1f} % (max − min over "
            f"median), above the {bound_pct:g} % bound; the figure is not reproducible — rerun on "
            "an idle machine or check the board's clock")


def results_lines(results: RunResults, elapsed_s: float) -> list[str]:
    prefix = f"{elapsed_s:09.3f} ulp-mlperf: "
    out: list[str] = []

    def line(text: str) -> None:
        out.append(prefix + text)

    line(f"tinybench {results.harness_version}: board {results.board}, workload {results.workload}, "
         f"mode {results.mode}, category {results.category_label}")
    # Remarks first: the checker takes the LAST matching line, so figures always come after them.
    if not results.compliant:
        line("NOT VALID FOR SUBMISSION: " + _remark("; ".join(results.notes or ["run rules not followed"])))
    if not results.complete:
        line("INCOMPLETE RUN: continue it with --resume")
    perf = results.performance
    if perf is not None:
        if perf.unstable:
            line(unstable_line(perf.spread_pct, perf.spread_bound_pct))
        line(f"Time base: {perf.time_base}")
        for w in perf.windows:
            line(f"Performance results for window {w.index}:")
            line(f"  # Inferences : {w.iterations:12d}")
            line(f"  Runtime      : {w.runtime_s:12.3f} sec.")
            line(f"  Throughput   : {w.throughput:12.3f} inf./sec.")
            if w.instructions_per_inference is not None:
                line(f"  Instructions : {w.instructions_per_inference:12.0f} per inference (simulator instruction count)")
            if w.meets_duration_rule:
                line("Runtime requirements have been met.")
            else:
                line("e-[The run must take at least 10 seconds and 10 iterations to be valid]")
        line("---------------------------------------------------------")
        line(f"Median throughput is {perf.median_throughput:.3f} inf./sec.")
        line(f"Median latency is {perf.latency_ms:.3f} ms (1000 / median throughput); "
             f"window spread {perf.spread_pct:.2f} %")
        line("---------------------------------------------------------")
    acc = results.accuracy
    if acc is not None:
        line(f"Inputs: {acc.inputs}, inferences: {acc.inferences}")
        # The EEMBC figures are remarks (inert for the checker); the checked lines are the
        # MLCommons runner's: Top-1 and sklearn's AUC, as the MLCommons checker expects.
        if acc.auc_eembc is not None:
            line(_remark(f"AUC (EEMBC simplified, as EnergyRunner prints it): {acc.auc_eembc:.4f}"))
        if acc.top1_eembc_ad is not None:
            line(_remark(f"AD Top-1 (EEMBC simplified, as EnergyRunner prints it): "
                         f"{acc.top1_eembc_ad:.1f}%"))
        if acc.top1 is not None:
            line(f"Top-1: {acc.top1:.1f}%")
        if acc.auc is not None:
            line(f"AUC: {acc.auc:.3f}")
            line(_remark(f"AUC method of the line above: "
                         f"{metrics.AUC_LABELS.get(acc.auc_method, acc.auc_method)}"))
        line(f"Quality target {acc.metric} >= {acc.quality_target:g}: {acc.verdict}")
        if acc.agreement is not None:
            line(f"TFLM reference agreement: {acc.agreement.bit_exact}/{acc.agreement.compared} "
                 "files bit-exact")
    return out
