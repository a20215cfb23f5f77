"""Quality metrics of the workloads (Top-1, ROC AUC, AD window MSE), as the MLCommons runner scores.

Why here: the TFLM reference is reported with the same metric the runner uses on the DUT, so the two
can be compared on any data set (``run-rules-and-formats.md`` (a) Accuracy).
"""

from __future__ import annotations

import numpy as np

from tinybench.workloads.dataset import Dataset
from tinybench.workloads.definitions import Workload


def dequantize(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    return (np.asarray(q, dtype=np.float64) - zero_point) * scale


def top1_percent(scores: np.ndarray, labels: list[int] | np.ndarray) -> float:
    """Percentage of rows whose argmax (first on ties) equals the true class."""
    scores = np.asarray(scores)
    return float(100.0 * np.mean(np.argmax(scores, axis=1) == np.asarray(labels)))


def roc_auc(scores: np.ndarray, labels: list[int] | np.ndarray) -> float:
    """Binary ROC AUC (label 1 positive) via the rank-sum statistic, ties counted half."""
    from scipy.stats import rankdata

    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    pos, neg = int(np.sum(labels == 1)), int(np.sum(labels == 0))
    if pos == 0 or neg == 0:
        raise ValueError("AUC needs at least one positive and one negative example")
    ranks = rankdata(scores)
    return float((ranks[labels == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def ad_window_mse(window: bytes, output_q: np.ndarray, workload: Workload) -> float:
    """MSE between the dequantised reconstruction and the float input window."""
    x = np.frombuffer(window, dtype="<f4").astype(np.float64)
    o = workload.model.output
    return float(np.mean((dequantize(output_q, o.scale, o.zero_point) - x) ** 2))


def score_reference(dataset: Dataset, reference: "Reference") -> dict:  # noqa: F821
    """The TFLM reference's metric on ``dataset`` (Top-1 % or file-level AUC)."""
    w = dataset.workload
    if w.metric == "top1":
        per_file = np.stack([reference.outputs_for(e.name).astype(np.float64).mean(axis=0)
                             for e in dataset.entries])
        value = top1_percent(per_file, dataset.labels)
    else:
        file_scores = []
        for entry in dataset.entries:
            data = entry.read()
            mses = [ad_window_mse(data[off:off + entry.window_bytes], reference.expected(entry.name, off), w)
                    for off in entry.window_offsets]
            file_scores.append(float(np.mean(mses)))
        value = roc_auc(np.asarray(file_scores), dataset.labels)
    return {"workload": w.id, "metric": w.metric, "value": value, "target": w.quality_target,
            "target_met": w.target_met(value), "files": len(dataset),
            "inferences": int(len(reference.outputs))}
