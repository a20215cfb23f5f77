"""``tinybench data download``: fetch a raw public data set for users with internet.

Why only the URLs from the preprocessing doc: these are the canonical locations the MLCommons scripts
use. The archive is streamed into a temporary file beside the target and renamed when complete, so
an interrupted download leaves nothing that looks finished. Extraction is left to the user's tools
(``tar``/``unzip``) on purpose: the archives are large and their layouts are documented per builder.
"""

from __future__ import annotations

import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from tinybench.errors import TinybenchError

RAW_URLS: dict[str, list[str]] = {
    "kws01": ["http://download.tensorflow.org/data/speech_commands_test_set_v0.02.tar.gz"],
    "vww01": ["https://www.silabs.com/public/files/github/machine_learning/benchmarks/datasets/"
              "vw_coco2014_96.tar.gz"],
    "ic01": ["https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"],
    "ad01": ["https://zenodo.org/record/3678171/files/dev_data_ToyCar.zip?download=1"],
}


def _file_name(url: str) -> str:
    return url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def download_raw(workload_id: str, out: Path, *, timeout: float = 30.0,
                 urls: list[str] | None = None) -> list[Path]:
    """Download the raw archives of ``workload_id`` into ``out``; returns the archive paths."""
    if workload_id not in RAW_URLS and urls is None:
        raise TinybenchError(f"no raw data source known for {workload_id}",
                             f"choose one of {', '.join(RAW_URLS)}")
    out.mkdir(parents=True, exist_ok=True)
    done = []
    for url in urls or RAW_URLS[workload_id]:
        target = out / _file_name(url)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=out)
        try:
            with os.fdopen(fd, "wb") as handle, urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310
                for block in iter(lambda: resp.read(1 << 20), b""):
                    handle.write(block)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            Path(tmp).unlink(missing_ok=True)
            raise TinybenchError(
                f"cannot download {url}: {getattr(exc, 'reason', exc)}; nothing was kept",
                "this needs internet access; on an offline machine copy the archive by hand and use "
                f"`tinybench data build {workload_id} --source DIR`, or use `tinybench data ci-sets`") from exc
        done.append(target)
    return done
