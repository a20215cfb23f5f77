"""Accuracy and performance figures, computed the way the MLPerf Tiny hosts and checker do.

Why here and pure: the runner, the report command and the tests that recompute figures from a
run's own ``log.txt`` (and from published transcripts) must all use the same arithmetic.

There is no single official AUC: the two MLPerf Tiny hosts compute it differently, and a figure
can only be recomputed with the method of the tool that printed it
(``../shared/docs/run-rules-and-formats.md`` §(a) Accuracy):

- ``sklearn`` — the MLCommons runner: ``sklearn.metrics.roc_auc_score`` (exact ROC area; VWW
  column 1 only; KWS/IC one-vs-rest macro average). Computed here with scipy's Mann-Whitney U
  (AUC = U / (n_pos · n_neg), ties averaged), which is the same number, without scikit-learn.
  tinybench's own ``results.txt`` (MLCommons checker format) carries this one.
- ``eembc-simplified`` — EEMBC EnergyRunner: 101 fixed thresholds, trapezoid, averaged over every
  class (VWW's two included); AD uses min–max thresholds and has its own "Top-1". It is what the
  published EnergyRunner logs print (KWS 0.99 where sklearn gives 0.995).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def normalise(scores: Sequence[float]) -> np.ndarray:
    """A classifier vector scaled to sum 1 (as the MLCommons host does); unchanged if the sum is ≤ 0."""
    v = np.asarray(scores, dtype=float)
    total = v.sum()
    return v / total if total > 0 else v


def file_scores(window_results: Sequence[Sequence[float]], *, classifier: bool) -> np.ndarray:
    """Per-file score: element-wise mean of the (normalised, for classifiers) window results."""
    rows = [normalise(r) if classifier else np.asarray(r, dtype=float) for r in window_results]
    return np.mean(np.vstack(rows), axis=0)


def top1(scores: np.ndarray, labels: Sequence[int]) -> float:
    """Percentage of files whose argmax equals the true class."""
    scores = np.atleast_2d(np.asarray(scores, dtype=float))
    labels = np.asarray(labels)
    return float(100.0 * np.mean(np.argmax(scores, axis=1) == labels))


def average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks of ``x``, ties sharing their average rank (``scipy.stats.rankdata``'s default).

    Why not scipy: importing ``scipy.stats`` costs seconds (10–40 s on a loaded machine), paid by
    every run process just to rank a few hundred scores."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    edges = np.flatnonzero(np.concatenate(([True], xs[1:] != xs[:-1], [True])))
    average = (edges[:-1] + edges[1:] - 1) / 2.0 + 1.0
    ranks = np.empty(len(x), dtype=float)
    ranks[order] = np.repeat(average, np.diff(edges))
    return ranks


def binary_auc(score: Sequence[float], positive: Sequence[bool]) -> float:
    """ROC AUC of ``score`` for ``positive`` vs not (NaN when one class is absent or a score is NaN):
    the Mann–Whitney U of the positives over n_pos · n_neg, ties counted one half."""
    score = np.asarray(score, dtype=float)
    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0 or np.isnan(score).any():
        return float("nan")
    u = float(average_ranks(score)[positive].sum()) - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


SKLEARN = "sklearn"
EEMBC = "eembc-simplified"
AUC_METHODS = (SKLEARN, EEMBC)
#: which AUC each host prints (the runner names used by the leaderboard importers)
AUC_METHOD_OF_RUNNER = {"eembc": EEMBC, "energyrunner": EEMBC, "mlc": SKLEARN, "tinybench": SKLEARN}
AUC_LABELS = {SKLEARN: "sklearn roc_auc_score, as the MLCommons runner",
              EEMBC: "EEMBC simplified, 101 thresholds, as EnergyRunner"}


def auc(scores: np.ndarray, labels: Sequence[int], method: str = SKLEARN) -> float:
    """AUC with ``method`` (``sklearn`` or ``eembc-simplified``; see the module docstring)."""
    if method == EEMBC:
        return auc_eembc(scores, labels)
    if method != SKLEARN:
        raise ValueError(f"unknown AUC method {method!r} (known: {', '.join(AUC_METHODS)})")
    return auc_sklearn(scores, labels)


def auc_sklearn(scores: np.ndarray, labels: Sequence[int]) -> float:
    """AUC as the MLCommons runner computes it (``sklearn.metrics.roc_auc_score``).

    One column (AD anomaly score) → binary AUC against label 1; two columns (VWW) → column 1 against
    label 1; more columns → one-vs-rest macro average over the classes present in the labels.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1:
        scores = scores[:, None]
    labels = np.asarray(labels)
    if scores.shape[1] == 1:
        return binary_auc(scores[:, 0], labels == 1)
    if scores.shape[1] == 2:
        return binary_auc(scores[:, 1], labels == 1)
    per_class = [binary_auc(scores[:, c], labels == c) for c in range(scores.shape[1])
                 if 0 < np.sum(labels == c) < len(labels)]
    return float(np.mean(per_class)) if per_class else float("nan")


_EEMBC_STEPS = 100   # 101 thresholds k/100, k = 0..100


def _trapezoid_auc(score: np.ndarray, positive: np.ndarray, thresholds: np.ndarray) -> float:
    """EEMBC's simplified ROC area: TPR/FPR of ``score > t`` at each threshold (the first point
    fixed at (1, 1)), trapezoid over consecutive thresholds. NaN when one class is absent."""
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    above = score[None, :] > thresholds[:, None]
    tpr = (above & positive).sum(axis=1) / n_pos
    fpr = (above & ~positive).sum(axis=1) / n_neg
    tpr[0] = fpr[0] = 1.0
    return float(np.sum(0.5 * (tpr[:-1] + tpr[1:]) * (fpr[:-1] - fpr[1:])))


def _ad_thresholds(score: np.ndarray) -> np.ndarray:
    lo, hi = float(np.min(score)), float(np.max(score))
    return lo + (np.arange(_EEMBC_STEPS + 1) / _EEMBC_STEPS) * (hi - lo)


def auc_eembc(scores: np.ndarray, labels: Sequence[int]) -> float:
    """AUC as EnergyRunner prints it (EEMBC "simplified" functions).

    Classifiers (≥ 2 columns): per class c, thresholds k/100 on column c, class c against the rest;
    the mean over the classes present. One column (AD anomaly score): thresholds spread min…max.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1:
        scores = scores[:, None]
    labels = np.asarray(labels)
    if scores.shape[1] == 1:
        score = scores[:, 0]
        return _trapezoid_auc(score, labels == 1, _ad_thresholds(score))
    thresholds = np.arange(_EEMBC_STEPS + 1) / _EEMBC_STEPS
    per_class = [_trapezoid_auc(scores[:, c], labels == c, thresholds) for c in range(scores.shape[1])
                 if 0 < np.sum(labels == c) < len(labels)]
    return float(np.mean(per_class)) if per_class else float("nan")


def ad_top1_eembc(score: Sequence[float], labels: Sequence[int]) -> float:
    """EnergyRunner's AD "Top-1": the best percentage of files with ``(score > t) == label`` over
    the first 100 min…max thresholds (not an accuracy in the classifier sense)."""
    score = np.asarray(score, dtype=float).reshape(-1)
    labels = np.asarray(labels).astype(bool)
    if score.size == 0:
        return float("nan")
    thresholds = _ad_thresholds(score)[:_EEMBC_STEPS]
    hits = (score[None, :] > thresholds[:, None]) == labels[None, :]
    return float(100.0 * np.max(hits.mean(axis=1)))


def roc_curve(score: Sequence[float], positive: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    """(false-positive rates, true-positive rates) at every distinct threshold, for plotting."""
    score = np.asarray(score, dtype=float)
    positive = np.asarray(positive, dtype=bool)
    order = np.argsort(-score, kind="mergesort")
    s, p = score[order], positive[order]
    distinct = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tps = np.cumsum(p)[distinct]
    fps = np.cumsum(~p)[distinct]
    tpr = np.r_[0, tps / max(1, p.sum())]
    fpr = np.r_[0, fps / max(1, (~p).sum())]
    return fpr, tpr


def confusion_matrix(predicted: Sequence[int], labels: Sequence[int], num_classes: int) -> list[list[int]]:
    """Rows = true class, columns = predicted class."""
    m = np.zeros((num_classes, num_classes), dtype=int)
    for t, p in zip(labels, predicted):
        m[int(t), int(p)] += 1
    return m.tolist()


def per_class_top1(predicted: Sequence[int | None], labels: Sequence[int],
                   names: Sequence[str]) -> dict[str, float]:
    """Percent of each present class's files predicted correctly (classes absent from the labels
    are left out: a 0/0 accuracy is no figure)."""
    out: dict[str, float] = {}
    for c, name in enumerate(names):
        rows = [p for p, t in zip(predicted, labels) if int(t) == c]
        if rows:
            out[name] = 100.0 * sum(1 for p in rows if p == c) / len(rows)
    return out


def median_throughput(throughputs: Sequence[float]) -> float:
    """Median of the window throughputs (numpy median, as both MLPerf Tiny hosts)."""
    return float(np.median(np.asarray(throughputs, dtype=float)))


def spread_pct(values: Sequence[float]) -> float:
    """(max − min) / median × 100: how far the windows of one run disagree (timing sanity)."""
    v = np.asarray(values, dtype=float)
    median = float(np.median(v))
    return float((v.max() - v.min()) / median * 100.0) if median > 0 else float("inf")
