"""Where things live: the source tree, ../shared, the build cache, the results folder.

Why one module: every area (firmware builds, workloads, tests) needs the same few locations, and
environment overrides must behave identically everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent


def repo_root() -> Path:
    """The checkout that holds ``firmware/``, ``boards/`` and ``workloads/``."""
    return REPO_ROOT


def firmware_dir() -> Path:
    return REPO_ROOT / "firmware"


def boards_dir() -> Path:
    return REPO_ROOT / "boards"


def workloads_dir() -> Path:
    return REPO_ROOT / "workloads"


def shared_dir() -> Path | None:
    """The read-only data mirror (``../shared`` beside the checkout), or ``TINYBENCH_SHARED``.

    Returns None when it is absent, so callers can skip or explain instead of crashing.
    """
    env = os.environ.get("TINYBENCH_SHARED")
    candidate = Path(env) if env else REPO_ROOT.parent / "shared"
    return candidate if candidate.is_dir() else None


def cache_dir() -> Path:
    """Build outputs, downloaded models and generated data sets (``TINYBENCH_CACHE`` overrides)."""
    env = os.environ.get("TINYBENCH_CACHE")
    path = Path(env) if env else REPO_ROOT / "build"
    path.mkdir(parents=True, exist_ok=True)
    return path


def results_dir() -> Path:
    """Default parent folder of run directories."""
    return REPO_ROOT / "results"
