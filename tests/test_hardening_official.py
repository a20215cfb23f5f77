"""Compliance by content: a data set is official only when every input hashes to a known list."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fixtures_run import cached_dataset
from tinybench import fsutil
from tinybench.workloads import load_dataset, load_workload
from tinybench.workloads.official import LISTS, OfficialEntry, check_official, load_list


def _copies_of_one_file(dest: Path, files: int = 1000) -> Path:
    """The issue's case: 1000 copies of one KWS input, all labelled "Stop" (class 7)."""
    dest.mkdir(parents=True, exist_ok=True)
    blob = bytes(range(256)) + bytes(234)
    rows = []
    for i in range(files):
        (dest / f"tst_{i:06d}_Stop_7.bin").write_bytes(blob)
        rows.append(f"tst_{i:06d}_Stop_7.bin,12,7")
    (dest / "y_labels.csv").write_text("\n".join(rows) + "\n")
    return dest


def test_official_size_is_not_official_content(tmp_path: Path) -> None:
    ds = load_dataset(_copies_of_one_file(tmp_path / "stop"), load_workload("kws01"))
    verdict = check_official(ds)
    assert len(ds) == 1000 and not verdict.official
    assert verdict.list_name == "y_labels.csv" and verdict.differing_count >= 1000
    assert "not the official kws01 evaluation set" in verdict.note
    assert "tst_000000_Stop_7.bin" in verdict.note   # which files differ, named


def test_a_small_set_counts_extra_and_missing_files_apart(tmp_path: Path) -> None:
    # 30 files none of which is official, against a 1000-file list: "1030 files differ" would
    # add the 30 extra files to the 1000 absent ones; the verdict counts each kind by itself
    ds = load_dataset(_copies_of_one_file(tmp_path / "small", files=30), load_workload("kws01"))
    verdict = check_official(ds)
    # two of the 30 names happen to be official names (with other content)
    summary = "28 file(s) not in the list; 2 file(s) with other content; 998 listed file(s) missing"
    assert verdict.summary == summary
    assert f"({summary}, against the official list y_labels.csv)" in verdict.note


def test_every_official_list_is_shipped_and_matches_shared(shared: Path) -> None:
    # the manifests are facts copied from ../shared: same names, sizes and hashes, and the
    # alternative AD list (72 files) is a list of its own
    assert len(load_list("ad01-alt.csv")) == 72 and len(load_list("ad01.csv")) == 248
    for workload, lists in LISTS.items():
        source = {}
        for line in (shared / "mlperf-tiny" / "datasets" / workload / "official-inputs-sha256.csv").read_text().splitlines()[1:]:
            name, size, digest = line.split(",")
            source[name] = (int(size), digest)
        for manifest in lists.values():
            for name, entry in load_list(manifest).items():
                assert source[name] == (entry.bytes, entry.sha256)


def test_matching_content_is_official_and_one_changed_byte_is_named(tmp_path: Path) -> None:
    src = cached_dataset("kws01", 12)
    data = tmp_path / "ds"
    shutil.copytree(src, data)
    workload = load_workload("kws01")
    ds = load_dataset(data, workload)
    known = {"test list": {e.name: OfficialEntry(e.size, fsutil.sha256_file(e.path), e.label) for e in ds}}
    assert check_official(ds, known).official
    victim = ds.entries[3]
    blob = bytearray(victim.path.read_bytes())
    blob[0] ^= 1
    victim.path.write_bytes(bytes(blob))
    verdict = check_official(load_dataset(data, workload), known)
    assert not verdict.official and verdict.differing_count == 1
    assert verdict.differing[0].startswith(f"{victim.name}: content differs")


def test_ad_alternative_list_is_judged_against_itself(tmp_path: Path) -> None:
    # a 72-file AD set named like y_labels_alt.csv is compared with the alternative list (not
    # called wrong for having 72 files); its (synthetic) content differs, so it is not official
    names = list(load_list("ad01-alt.csv").items())
    data = tmp_path / "alt"
    data.mkdir()
    rows = []
    for name, entry in names:
        (data / name).write_bytes(bytes(entry.bytes))
        rows.append(f"{name},2,{entry.label},2560,512")
    (data / "y_labels.csv").write_text("\n".join(rows) + "\n")
    verdict = check_official(load_dataset(data, load_workload("ad01")))
    assert verdict.list_name.startswith("y_labels_alt.csv") and verdict.differing_count == 72
    assert all("content differs" in d for d in verdict.differing)


def test_accuracy_run_records_the_verdict(tmp_path: Path) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed: cannot build the host firmware")
    from tinybench.run.session import RunRequest, start

    results, run_dir = start(RunRequest(board="host", workload="kws01", mode="accuracy",
                                        dataset=cached_dataset("kws01", 12), out=tmp_path / "acc",
                                        progress=False))
    data = json.loads((run_dir / "results.json").read_text())
    assert data["official_data"]["official"] is False
    assert data["official_data"]["differing_count"] == 12 + 1000   # 12 not listed, 1000 missing
    assert not results.compliant
    assert any("not the official kws01 evaluation set" in n for n in results.notes)
    assert "not the official" in results.accuracy.verdict
    assert "NOT VALID FOR SUBMISSION: data set is not the official" in (run_dir / "results.txt").read_text()
