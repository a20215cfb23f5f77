"""Offline CI sets: deterministic, built once under concurrency, labelled, through the real builders."""

from __future__ import annotations

import csv
import json
import multiprocessing
from pathlib import Path

from tinybench.workloads import load_dataset, load_workload
from tinybench.workloads.ci_sets import CI_NOTE, ensure_ci_set


def _build(parent: str) -> str:
    return str(ensure_ci_set("ic01", parent=Path(parent)))


def _hashes(folder: Path) -> dict[str, str]:
    return {r["file"]: r["sha256"] for r in csv.DictReader(open(folder / "sources.csv"))}


def test_concurrent_callers_share_one_build_and_rebuilds_are_identical(
        tmp_path: Path, official_models: dict) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        paths = pool.map(_build, [str(tmp_path)] * 2)
    assert paths[0] == paths[1] == str(tmp_path / "ic01")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["ic01"]
    first = _hashes(tmp_path / "ic01")
    ensure_ci_set("ic01", parent=tmp_path, force=True)
    assert _hashes(tmp_path / "ic01") == first


def test_every_ci_set_is_labelled_and_has_several_classes(ci_dataset) -> None:  # noqa: ANN001
    for wid in ("kws01", "vww01", "ic01", "ad01"):
        folder = ci_dataset(wid)
        stamp = json.loads((folder / "ci.json").read_text())
        assert stamp["note"] == CI_NOTE
        ds = load_dataset(folder, load_workload(wid))
        assert stamp["files"] == len(ds)
        assert len(set(ds.labels)) >= 2, wid
    kws = load_dataset(ci_dataset("kws01"), load_workload("kws01"))
    assert set(kws.labels) == set(range(12))          # all 12 classes incl. silence and unknown


def test_ad_ci_set_contains_the_real_toycar_sample(ci_dataset, shared: Path) -> None:  # noqa: ANN001
    folder = ci_dataset("ad01")
    name = "normal_id_01_00000000_hist_librosa.bin"
    real = shared / "mlperf-tiny" / "samples" / "ad01" / name
    assert (folder / name).read_bytes() == real.read_bytes()
    ds = load_dataset(folder, load_workload("ad01"))
    assert all(e.size == 102_400 for e in ds)


def test_rebuild_with_identical_content_keeps_the_folder(tmp_path: Path, official_models: dict) -> None:
    """A run may be reading the set: an identical rebuild must not replace the files under it."""
    folder = ensure_ci_set("ic01", parent=tmp_path)
    some_file = next(folder.glob("*.bin"))
    inode = some_file.stat().st_ino
    ensure_ci_set("ic01", parent=tmp_path, force=True)
    assert some_file.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["ic01"]
