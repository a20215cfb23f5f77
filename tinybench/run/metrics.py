"""Accuracy and performance figures, computed the way the MLPerf Tiny hosts and checker do.

Why here and pure: the runner, the report command and the tests that recompute figures from a
run's own ``log.txt`` (and from published transcripts) must all use the same arithmetic. AUC uses
scipy's Mann-Whitney U (AUC = U / (n_pos · n_neg), ties averaged), which is exactly the ROC area
that ``sklearn.metrics.roc_auc_score`` computes, without a scikit-learn dependency.
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


def binary_auc(score: Sequence[float], positive: Sequence[bool]) -> float:
    """ROC AUC of ``score`` for ``positive`` vs not (NaN when one class is absent)."""
    from scipy.stats import mannwhitneyu

    score = np.asarray(score, dtype=float)
    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    u = mannwhitneyu(score[positive], score[~positive], alternative="two-sided").statistic
    return float(u / (n_pos * n_neg))


def auc(scores: np.ndarray, labels: Sequence[int]) -> float:
    """AUC as the MLPerf Tiny host computes it.

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


def median_throughput(throughputs: Sequence[float]) -> float:
    """Median of the window throughputs (numpy median, as both MLPerf Tiny hosts)."""
    return float(np.median(np.asarray(throughputs, dtype=float)))
