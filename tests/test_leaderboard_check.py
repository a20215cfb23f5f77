"""`tinybench check`: recomputation against the published trees, fresh bundles and tampered ones."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tinybench.cli import main
from tinybench.leaderboard.checker import check_tree

ST_RESULTS = "v1.3/closed/STMicroelectronics/results/NUCLEO_L4R5ZI-P"
BUNDLE_MODE = "closed/MyLab/results/NUCLEO_L4R5ZI-P/kws"


@pytest.fixture(scope="module")
def bundle(published: Path, tmp_path_factory) -> Path:
    """A fresh bundle written by `tinybench submit` from the MLC runner folders ST published."""
    out = tmp_path_factory.mktemp("bundle")
    runs = [str(published / ST_RESULTS / "kws" / m) for m in ("performance", "accuracy", "energy")]
    system = published / "v1.3/closed/STMicroelectronics/systems/NUCLEO_L4R5ZI-P.json"
    assert main(["submit", *runs, "--system", str(system), "--out", str(out), "--submitter", "MyLab"]) == 0
    return out


@pytest.fixture
def copy(bundle: Path, tmp_path: Path) -> Path:
    target = tmp_path / "b"
    shutil.copytree(bundle, target, symlinks=True)
    return target


def run_check(path: Path, capsys, *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["check", str(path), *extra])
    return code, capsys.readouterr().out


def test_published_tree_flags_exactly_its_layout_deviations(published):
    report = check_tree(published)
    errors = sorted((f.path, f.message.split(":")[0]) for f in report.errors)
    # every flag is a real problem by the official rules (and nothing else is flagged):
    assert errors == sorted([
        # v0.5 AD accuracy: only EnergyRunner's postproc.txt was published, no results.txt
        ("v0.5/closed/reference/results/Nucleo-L4R5ZI/ad/accuracy",
         "missing required file(s) for the EEMBC runner"),
        # v1.3 sww energy: MLCommons requires energy_inf_000.png for sww
        (f"{ST_RESULTS}/sww/energy", "missing required file(s) for the MLC runner"),
    ])
    warnings = {(f.path, f.message.split(" (")[0]) for f in report.findings if f.severity == "warning"}
    # a bent layout is named but not flagged; a file missing only from this copy is not mentioned
    assert ("v0.5/closed/reference/systems/Nucleo_L4R5ZI_System_Description.json",
            "layout bent: describes results/Nucleo-L4R5ZI/ but is not named systems/Nucleo-L4R5ZI.json") \
        in warnings
    assert not any(f.path.startswith(f"{ST_RESULTS}/ad/accuracy") and "missing" in f.message
                   for f in report.findings)
    verified = {(v.path, v.what.split(" (")[0]) for v in report.verified}
    ref = "v0.5/closed/reference/results/Nucleo-L4R5ZI"
    for wl in ("kws", "vww", "ic", "ad"):
        assert (f"{ref}/{wl}/performance/results.txt", "median throughput") in verified
        assert (f"{ref}/{wl}/energy/results.txt", "median energy per inference") in verified
    assert (f"{ref}/kws/accuracy/results.txt", "Top-1") in verified
    assert (f"{ST_RESULTS}/kws/energy/results.txt", "median energy per inference") in verified
    assert (f"{ST_RESULTS}/vww/accuracy/results.txt", "AUC") in verified
    # every window of every recomputable energy file is confirmed, not only the medians
    assert sum(1 for v in report.verified if "window" in v.what and "energy" in v.what) == 2 * 5 * 7


def test_fresh_bundle_passes(bundle, capsys):
    code, out = run_check(bundle, capsys)
    assert code == 0, out
    assert "RESULT: PASS" in out
    manifest = json.loads((bundle / "closed/MyLab/tinybench-manifest.json").read_text())
    assert "results/NUCLEO_L4R5ZI-P/kws/energy/results.json" in manifest["files"]
    assert manifest["modes"]["NUCLEO_L4R5ZI-P/kws/energy"]["category"] == "measured"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_edited_throughput_fails_on_hash_and_on_recomputation(copy, capsys):
    _edit(copy / BUNDLE_MODE / "performance/results.txt", "Median throughput is     23.032",
          "Median throughput is     23.532")
    code, out = run_check(copy, capsys)
    assert code == 1 and "RESULT: FAIL" in out
    assert f"{BUNDLE_MODE}/performance/results.txt: error: sha256 differs" in out
    assert (f"{BUNDLE_MODE}/performance/results.txt:27: error: median throughput (results.json laps) "
            "is 23.532 but the raw data gives 23.0315") in out


def test_edited_energy_fails_without_any_manifest(copy, capsys):
    (copy / "closed/MyLab/tinybench-manifest.json").unlink()
    _edit(copy / BUNDLE_MODE / "energy/results.txt", "Median energy cost is 1430.6681",
          "Median energy cost is 1330.6681")
    code, out = run_check(copy, capsys)
    assert code == 1
    assert "energy/results.txt:33: error: median energy per inference (results.json power samples) is " \
           "1330.6681 but the raw data gives 1430.67" in out


def test_edited_accuracy_fails(copy, capsys):
    (copy / "closed/MyLab/tinybench-manifest.json").unlink()
    _edit(copy / BUNDLE_MODE / "accuracy/results.txt", "Top 1% = 90.2", "Top 1% = 95.2")
    code, out = run_check(copy, capsys)
    assert code == 1 and "accuracy/results.txt:1: error: Top-1 (results.json) is 95.2 but the raw data gives 90.2" in out


def test_deleted_log_fails(copy, capsys):
    (copy / BUNDLE_MODE / "performance/log.txt").unlink()
    code, out = run_check(copy, capsys)
    assert code == 1
    assert f"{BUNDLE_MODE}/performance: error: missing required file(s) for the MLC runner: log.txt" in out
    assert f"{BUNDLE_MODE}/performance/log.txt: error: listed in tinybench-manifest.json but missing" in out


def test_symlink_is_rejected_and_not_followed(copy, capsys, tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("0726.010245 ulp-mlperf: Median throughput is     99.999 inf./sec.\n")
    target = copy / BUNDLE_MODE / "performance/results.txt"
    target.unlink()
    os.symlink(secret, target)
    code, out = run_check(copy, capsys)
    assert code == 1
    assert f"{BUNDLE_MODE}/performance/results.txt: error: is a symbolic link" in out
    assert "99.999" not in out


def test_manifest_path_escaping_the_root_is_rejected(copy, capsys):
    manifest = copy / "closed/MyLab/tinybench-manifest.json"
    data = json.loads(manifest.read_text())
    data["files"]["../../../etc/passwd"] = "0" * 64
    manifest.write_text(json.dumps(data))
    code, out = run_check(copy, capsys)
    assert code == 1
    assert "tinybench-manifest.json: error: entry '../../../etc/passwd': path escapes the submission root" in out


def test_oversized_file_is_refused_unread(copy, capsys):
    big = copy / BUNDLE_MODE / "energy/results.json"
    code, out = run_check(copy, capsys, "--max-file-mb", "0.5")
    assert code == 1
    assert f"{BUNDLE_MODE}/energy/results.json: error: is {big.stat().st_size} bytes, above the limit" in out


def test_broken_json_reports_file_and_line(copy, capsys):
    path = copy / BUNDLE_MODE / "performance/results.json"
    path.write_text(path.read_text()[:500])
    code, out = run_check(copy, capsys)
    assert code == 1
    assert f"{BUNDLE_MODE}/performance/results.json:1: error: malformed JSON" in out


def test_non_utf8_log_is_rejected(copy, capsys):
    path = copy / BUNDLE_MODE / "performance/log.txt"
    path.write_bytes(path.read_bytes() + b"\nbad \xff\xfe byte\n")
    code, out = run_check(copy, capsys)
    assert code == 1
    assert f"{BUNDLE_MODE}/performance/log.txt:" in out and "is not valid UTF-8" in out


def test_malformed_csv_is_rejected(copy, capsys):
    (copy / BUNDLE_MODE / "energy/extra.csv").write_text("a,b,c\n1,2,3\n4,5\n")
    code, out = run_check(copy, capsys)
    assert code == 1
    assert f"{BUNDLE_MODE}/energy/extra.csv:3: error: malformed CSV: 2 fields" in out


def test_json_report_is_machine_readable(bundle, capsys):
    code, out = run_check(bundle, capsys, "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True and len(data["verified"]) > 10


def test_wrong_shapes_in_raw_json_are_reported_not_crashing(copy, capsys):
    (copy / "closed/MyLab/tinybench-manifest.json").unlink()
    energy = copy / BUNDLE_MODE / "energy/results.json"
    data = json.loads(energy.read_text())
    data[0]["power"]["samples"][5] = "x"
    energy.write_text(json.dumps(data))
    (copy / BUNDLE_MODE / "performance/results.json").write_text('{"not": "a list"}')
    (copy / BUNDLE_MODE / "accuracy/results.json").write_text("[" * 100000)
    code, out = run_check(copy, capsys)
    assert code == 1
    assert f"{BUNDLE_MODE}/energy: error: raw data unusable: ValueError" in out
    assert f"{BUNDLE_MODE}/performance/results.json: error: must be the MLC runner's JSON list" in out
    assert f"{BUNDLE_MODE}/accuracy/results.json: error: malformed JSON" in out
