"""The TFLM reference's quality metric on a data set, scored exactly as the runner scores the DUT.

Why here: the TFLM reference is reported with the same metric the runner uses on the DUT, so the two
can be compared on any data set (``run-rules-and-formats.md`` (a) Accuracy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinybench.run.metrics import auc, top1
from tinybench.workloads.dataset import Dataset
from tinybench.workloads.definitions import Workload

if TYPE_CHECKING:
    from tinybench.workloads.reference import Reference


def dequantize(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    return (np.asarray(q, dtype=np.float64) - zero_point) * scale


def ad_window_mse(window: bytes, output_q: np.ndarray, workload: Workload) -> float:
    """MSE between the dequantised reconstruction and the float input window."""
    x = np.frombuffer(window, dtype="<f4").astype(np.float64)
    o = workload.model.output
    return float(np.mean((dequantize(output_q, o.scale, o.zero_point) - x) ** 2))


def score_reference(dataset: Dataset, reference: "Reference") -> dict:
    """The TFLM reference's metric on ``dataset`` (Top-1 % or file-level AUC)."""
    w = dataset.workload
    if w.metric == "top1":
        per_file = np.stack([reference.outputs_for(e.name).astype(np.float64).mean(axis=0)
                             for e in dataset.entries])
        value = top1(per_file, dataset.labels)
    else:
        file_scores = []
        for entry in dataset.entries:
            data = entry.read()
            mses = [ad_window_mse(data[off:off + entry.window_bytes], reference.expected(entry.name, off), w)
                    for off in entry.window_offsets]
            file_scores.append(float(np.mean(mses)))
        value = auc(np.asarray(file_scores), dataset.labels)
    return {"workload": w.id, "metric": w.metric, "value": value, "target": w.quality_target,
            "target_met": w.target_met(value), "files": len(dataset),
            "inferences": int(len(reference.outputs))}
