"""The four MLPerf Tiny workloads: definitions, model fetch, dataset builders, TFLM reference outputs.

Public API (imports are cheap: heavy modules such as scipy or tflite-micro load inside functions).
"""

from tinybench.workloads.dataset import Dataset, DatasetEntry, load_dataset
from tinybench.workloads.definitions import Workload, list_workloads, load_workload
from tinybench.workloads.models import fetch_model, model_path, models_cache_dir

__all__ = [
    "Dataset", "DatasetEntry", "Workload", "fetch_model", "list_workloads", "load_dataset",
    "load_workload", "model_path", "models_cache_dir",
]
