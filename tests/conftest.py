"""Shared test configuration.

Each area keeps its fixtures in ``tests/fixtures_<area>.py`` (registered below) so areas never edit
one another's fixtures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tinybench import paths

pytest_plugins = [
    "fixtures_firmware",
    "fixtures_leaderboard",
    "fixtures_renode",
    "fixtures_run",
    "fixtures_workloads",
]


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared data mirror; skips the test with a clear reason when it is absent."""
    found = paths.shared_dir()
    if found is None:
        pytest.skip("../shared (MLPerf Tiny models, results and docs) is not beside the checkout; "
                    "set TINYBENCH_SHARED to its path to run this test")
    return found


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return paths.repo_root()
