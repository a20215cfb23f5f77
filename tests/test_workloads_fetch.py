"""Model fetch: sha256-verified, atomic; network failures and tampered bytes leave no file."""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import threading
from pathlib import Path
from typing import Iterator

import pytest

from tinybench.errors import TinybenchError
from tinybench.workloads import fetch_model, load_workload, model_path


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("TINYBENCH_CACHE", str(cache))
    return cache


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A real HTTP server on 127.0.0.1 serving a folder (stands in for the upstream host)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _leftovers(cache: Path) -> list[str]:
    models = cache / "models"
    return sorted(p.name for p in models.iterdir()) if models.exists() else []


def test_model_path_without_fetch_tells_how(empty_cache: Path) -> None:
    with pytest.raises(TinybenchError) as err:
        model_path(load_workload("kws01"))
    assert "tinybench fetch models" in (err.value.hint or "")


def test_fetch_from_mirror_then_model_path(empty_cache: Path, shared: Path) -> None:
    w = load_workload("ic01")
    path = fetch_model(w, mirror=shared / "mlperf-tiny" / "models")
    assert path == model_path(w)
    assert path.read_bytes() == (shared / "mlperf-tiny" / "models" / w.model.file).read_bytes()
    assert _leftovers(empty_cache) == [w.model.file]


def test_tampered_mirror_copy_is_refused(empty_cache: Path, shared: Path, tmp_path: Path) -> None:
    w = load_workload("kws01")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    data = bytearray((shared / "mlperf-tiny" / "models" / w.model.file).read_bytes())
    data[1000] ^= 0x01
    (mirror / w.model.file).write_bytes(bytes(data))
    with pytest.raises(TinybenchError, match="nothing was written"):
        fetch_model(w, mirror=mirror)
    assert _leftovers(empty_cache) == []


def test_cached_model_modified_later_is_detected(empty_cache: Path, shared: Path) -> None:
    w = load_workload("ad01")
    path = fetch_model(w, mirror=shared / "mlperf-tiny" / "models")
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(TinybenchError, match="expected " + w.model.sha256):
        model_path(w)


def test_download_over_http_verifies_hash(empty_cache: Path, shared: Path,
                                         http_root: tuple[Path, str]) -> None:
    root, base = http_root
    w = load_workload("vww01")
    shutil.copy(shared / "mlperf-tiny" / "models" / w.model.file, root / "good.tflite")
    (root / "bad.tflite").write_bytes((root / "good.tflite").read_bytes()[:-10])
    with pytest.raises(TinybenchError, match="sha256"):
        fetch_model(w, url=f"{base}/bad.tflite")
    assert _leftovers(empty_cache) == []
    with pytest.raises(TinybenchError, match="cannot download .*missing.tflite"):
        fetch_model(w, url=f"{base}/missing.tflite")   # HTTP 404
    assert _leftovers(empty_cache) == []
    path = fetch_model(w, url=f"{base}/good.tflite")
    assert path == model_path(w)


def test_unreachable_host_is_a_clear_error(empty_cache: Path) -> None:
    with socket.socket() as sock:   # a port that was free a moment ago: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TinybenchError) as err:
        fetch_model(load_workload("kws01"), url=f"http://127.0.0.1:{port}/kws.tflite", timeout=5)
    assert "cannot download" in err.value.message and "--from" in (err.value.hint or "")
    assert _leftovers(empty_cache) == []
