"""Fixtures of the workloads area: official models from the ../shared mirror and the offline CI sets.

Both are cached on disk (``tinybench.paths.cache_dir()``) and built under a file lock, so pytest-xdist
workers share one copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest


@pytest.fixture(scope="session")
def official_models(shared: Path) -> dict[str, Path]:
    """workload id → verified official model in the cache (copied from ../shared, sha256-checked)."""
    from tinybench.workloads import fetch_model, list_workloads

    mirror = shared / "mlperf-tiny" / "models"
    return {w.id: fetch_model(w, mirror=mirror) for w in list_workloads()}


@pytest.fixture(scope="session")
def ci_dataset(official_models: dict[str, Path]) -> Callable[[str], Path]:
    """Returns a function: workload id → folder of its offline CI set (with TFLM reference outputs)."""
    from tinybench.workloads.ci_sets import ensure_ci_set

    return ensure_ci_set
