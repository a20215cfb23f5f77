"""Fixtures of the leaderboard area: the published MLPerf Tiny results tree in ../shared.

The import, checker and site tests all read the same read-only tree, so one session-wide path is
enough; it skips (via ``shared``) when ../shared is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def published(shared: Path) -> Path:
    """``../shared/mlperf-tiny-results``: the published v0.5 and v1.3 results, logs and traces."""
    return shared / "mlperf-tiny-results"
