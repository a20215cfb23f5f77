"""The official models: fetch (download or copy from a mirror), verify sha256, find in the cache.

Why verify and write atomically: every result is tied to a model hash; a truncated or tampered
model must never land where the runner would pick it up. Bytes are checked in memory (models are
≤ 1 MB) and only a verified file is written, via ``tinybench.fsutil``.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from tinybench import fsutil, paths
from tinybench.errors import TinybenchError
from tinybench.workloads.definitions import Workload

_MAX_MODEL_BYTES = 16 << 20


def models_cache_dir() -> Path:
    """``<cache>/models``: where fetched, verified models live."""
    return paths.cache_dir() / "models"


def model_path(workload: Workload) -> Path:
    """The verified model file of ``workload`` in the cache, or a clear error telling how to fetch it."""
    path = models_cache_dir() / workload.model.file
    if not path.is_file():
        raise TinybenchError(
            f"model {workload.model.file} for {workload.id} is not in {models_cache_dir()}",
            f"run `tinybench fetch models --workload {workload.id}` (or `--from DIR` with a local mirror)")
    digest = fsutil.sha256_file(path)
    if digest != workload.model.sha256:
        raise TinybenchError(
            f"cached model {path} has sha256 {digest}, expected {workload.model.sha256}",
            f"delete it and run `tinybench fetch models --workload {workload.id}` again")
    return path


def _download(url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (pinned https URL)
            data = response.read(_MAX_MODEL_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TinybenchError(
            f"cannot download {url}: {reason}",
            "check the network connection, or copy the models from a local mirror with "
            "`tinybench fetch models --from DIR`") from exc
    if len(data) > _MAX_MODEL_BYTES:
        raise TinybenchError(f"{url} is larger than {_MAX_MODEL_BYTES} bytes; not a model file")
    return data


def fetch_model(workload: Workload, *, mirror: Path | None = None, url: str | None = None,
                timeout: float = 30.0) -> Path:
    """Put the verified model of ``workload`` into the cache and return its path.

    ``mirror``: a folder holding the model under its upstream file name (e.g.
    ``../shared/mlperf-tiny/models``); otherwise the bytes come from ``url`` (default: the pinned
    upstream URL). Nothing is written unless the sha256 matches.
    """
    target = models_cache_dir() / workload.model.file
    if target.is_file() and fsutil.sha256_file(target) == workload.model.sha256:
        return target
    if mirror is not None:
        source = Path(mirror) / workload.model.file
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise TinybenchError(f"cannot read {source}: {exc.strerror or exc}",
                                 f"the mirror folder must hold {workload.model.file}") from exc
        origin = str(source)
    else:
        origin = url or workload.model.url
        data = _download(origin, timeout)
    digest = fsutil.sha256_bytes(data)
    if digest != workload.model.sha256:
        raise TinybenchError(
            f"{origin} has sha256 {digest}, expected {workload.model.sha256} for {workload.id}; "
            "nothing was written",
            "the file is corrupt or not the pinned upstream version: fetch it again from upstream")
    fsutil.atomic_write_bytes(target, data)
    return target
