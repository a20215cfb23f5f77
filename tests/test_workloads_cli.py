"""The workloads area's commands through the real ``tinybench`` entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tinybench.cli import main


def test_workloads_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["workloads", "--json"]) == 0
    items = {w["id"]: w for w in json.loads(capsys.readouterr().out)}
    assert sorted(items) == ["ad01", "ic01", "kws01", "vww01"]
    assert items["ad01"]["run_rules"] == {"window_bytes": 2560, "stride_bytes": 512}


def test_fetch_models_from_mirror(tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TINYBENCH_CACHE", str(tmp_path))
    assert main(["fetch", "models", "--from", str(shared / "mlperf-tiny" / "models"), "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert sorted(done) == ["ad01", "ic01", "kws01", "vww01"]
    assert all(Path(p).parent == tmp_path / "models" for p in done.values())


def test_fetch_from_a_mirror_without_the_file_fails_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TINYBENCH_CACHE", str(tmp_path / "cache"))
    assert main(["fetch", "models", "--from", str(tmp_path), "-w", "kws01"]) == 2
    assert "kws_ref_model.tflite" in capsys.readouterr().err


def test_data_download_without_internet_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline here: the canonical host cannot be reached; a clear message, no partial archive."""
    from tinybench.workloads import download

    monkeypatch.setitem(download.RAW_URLS, "ic01", ["http://127.0.0.1:9/cifar-10-python.tar.gz"])
    assert main(["data", "download", "ic01", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "cannot download" in err and "data build ic01" in err
    assert list((tmp_path / "ic01").iterdir()) == []


def test_build_then_reference_via_cli(ci_dataset, tmp_path: Path, shared: Path,  # noqa: ANN001
                                      capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src" / "marvin"
    src.mkdir(parents=True)
    shutil.copy(shared / "mlperf-tiny" / "audio" / "marvin_617de221_0.wav", src)
    out = tmp_path / "out"
    assert main(["data", "build", "kws01", "--source", str(tmp_path / "src"), "--out", str(out)]) == 0
    assert "1 files" in capsys.readouterr().out
    assert main(["reference", "--workload", "kws01", "--dataset", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["inferences"] == 1 and report["value"] == 100.0   # marvin → _unknown_
    (out / "tst_000000_Unknown_11.bin").write_bytes(b"\0" * 10)
    assert main(["reference", "--workload", "kws01", "--dataset", str(out)]) == 2
    assert "tst_000000_Unknown_11.bin" in capsys.readouterr().err


def test_ci_sets_command_is_cached(ci_dataset, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    folder = ci_dataset("ic01")
    stamp = (folder / "ci.json").stat().st_mtime_ns
    assert main(["data", "ci-sets", "-w", "ic01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"ic01": str(folder)}
    assert (folder / "ci.json").stat().st_mtime_ns == stamp


def test_accuracy_on_a_ci_set_labels_the_verdict(ci_dataset, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    """`tinybench run --mode accuracy` on a CI set: Top-1, 100 % TFLM agreement, and the quality
    target verdict marked as a CI-set verdict in every output."""
    from tinybench.workloads.ci_sets import CI_NOTE

    folder = ci_dataset("ic01")
    out = tmp_path / "run"
    assert main(["run", "--board", "host", "--workload", "ic01", "--mode", "accuracy",
                 "--dataset", str(folder), "--out", str(out), "--no-progress"]) == 0
    console = capsys.readouterr().out
    assert f"({CI_NOTE})" in console
    results = json.loads((out / "results.json").read_text())
    acc = results["accuracy"]
    assert acc["dataset_note"] == CI_NOTE
    assert acc["agreement"]["bit_exact"] == acc["agreement"]["compared"] == acc["inputs"] > 0
    verdict_lines = [ln for ln in (out / "results.txt").read_text().splitlines() if "Quality target" in ln]
    assert len(verdict_lines) == 1 and verdict_lines[0].endswith(f"({CI_NOTE})")
