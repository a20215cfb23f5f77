"""Dataset builders: raw public data → the MLPerf Tiny evaluation layout (``y_labels.csv`` + ``.bin``).

One builder per workload, all behind ``build_dataset``; the offline CI sets go through the same
functions so that what CI tests is what users run.
"""

from __future__ import annotations

from pathlib import Path

from tinybench.errors import TinybenchError
from tinybench.workloads.definitions import Workload


def build_dataset(workload: Workload, source: Path, out: Path, *, limit: int | None = None,
                  official_index: Path | None = None) -> Path:
    """Build ``workload``'s evaluation files from ``source`` into ``out``; returns the index path.

    ``official_index``: the official ``y_labels.csv`` whose file list is selected when the source
    holds those files (default: the copy in ``../shared/mlperf-tiny/datasets``).
    """
    source = Path(source)
    if not source.is_dir():
        raise TinybenchError(f"source folder {source} does not exist",
                             f"download the raw data with `tinybench data download {workload.id}`")
    from tinybench.workloads.builders import ad, ic, kws, vww

    builders = {"kws01": kws.build, "vww01": vww.build, "ic01": ic.build, "ad01": ad.build}
    try:
        builder = builders[workload.id]
    except KeyError:
        raise TinybenchError(f"no dataset builder for workload {workload.id}",
                             f"builders exist for {', '.join(builders)}") from None
    return builder(workload, source, Path(out), limit=limit, official_index=official_index)
