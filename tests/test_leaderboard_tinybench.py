"""Real tinybench runs (host board: the tinybench firmware as a native process over a real serial
link) -> `tinybench submit` -> `tinybench check` -> leaderboard, next to the published results."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from fixtures_run import cached_dataset
from tinybench.cli import main
from tinybench.leaderboard.checker import check_tree
from tinybench.leaderboard.mlperf_import import import_tree
from tinybench.leaderboard.normalize import build_board
from tinybench.leaderboard.records import Category, DeviceClass

HOST_SYSTEM = {
    "Submitter": "tinybench-ci", "Division": "closed", "Status": "available",
    "Board Name": "tinybench host port (native process)", "SoC Name": "",
    "Processor(s) Name": "x86-64 host CPU", "Processor(s) Frequencies": "",
    "Accelerator": "", "Hardware Notes": "simulated category: host clock",
    "Inference Framework": "tinybench engine", "Operating System": "Linux",
}
MODE = "closed/tinybench-ci/results/host-sim/kws"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed: cannot build the host firmware")
    from tinybench.run.session import RunRequest, start

    base = tmp_path_factory.mktemp("runs")
    out = {}
    for mode, files in (("performance", 5), ("accuracy", 12)):
        results, run_dir = start(RunRequest(board="host", workload="kws01", mode=mode,
                                            dataset=cached_dataset("kws01", files), out=base / mode,
                                            min_window_s=0.2, progress=False))
        assert results.complete and results.category == "simulated"
        out[mode] = run_dir
    from tinybench.run.energy import run_energy

    # host board + the simulated LPM01A the runner picks for simulated boards: figures "estimated"
    results, run_dir = run_energy(board="host", workload="kws01", dataset=cached_dataset("kws01", 5),
                                  out=base / "energy", min_window_s=0.3)
    assert results.complete and results.category == "estimated"
    out["energy"] = run_dir
    return out


@pytest.fixture(scope="module")
def bundle(runs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tbbundle")
    system = tmp_path_factory.mktemp("tbsystem") / "host-sim.json"
    system.write_text(json.dumps(HOST_SYSTEM))
    assert main(["submit", str(runs["performance"]), str(runs["accuracy"]), str(runs["energy"]),
                 "--system", str(system), "--out", str(out)]) == 0
    return out


def test_fresh_tinybench_submission_passes_and_is_recomputed_from_the_log(bundle, runs, capsys):
    capsys.readouterr()
    assert main(["check", str(bundle)]) == 1
    out = capsys.readouterr().out
    report = check_tree(bundle)
    # every figure checks out; the one error is the official rule a 12-file CI-set accuracy run
    # cannot meet in the closed division (KWS Top-1 >= 90 %)
    assert [f.message.split(":")[0] for f in report.errors] == ["closed division quality target missed"]
    assert "RESULT: FAIL" in out and "< 90 %" in out
    whats = {v.what for v in report.verified}
    assert "median throughput (log.txt laps)" in whats and "Top-1 (log.txt m-results)" in whats
    # 0.2 s windows: the run says it is not valid for submission, and the checker passes that on
    assert any("not valid for submission" in f.message for f in report.findings if f.severity == "warning")
    run = json.loads((runs["performance"] / "results.json").read_text())
    median = next(v for v in report.verified if v.what.startswith("median throughput"))
    assert median.recomputed == pytest.approx(run["performance"]["median_throughput"], rel=1e-9)
    energy = json.loads((runs["energy"] / "results.json").read_text())["energy"]
    median_e = next(v for v in report.verified if v.what == "median energy per inference (trace.npz samples)")
    assert median_e.recomputed == pytest.approx(energy["median_energy_per_inf_uj"], rel=1e-9)
    assert sum(1 for v in report.verified if v.what.startswith("window") and "energy/inference" in v.what) \
        == len(energy["windows"])


def test_edited_energy_window_in_a_tinybench_bundle_fails(bundle, tmp_path, capsys):
    copy = tmp_path / "b"
    shutil.copytree(bundle, copy)
    results = copy / MODE / "energy/results.txt"
    text = results.read_text()
    first = re.search(r"Energy/Inf\.\s*:\s*([\d.]+) uJ/inf\.", text)
    value = first.group(1)
    results.write_text(text.replace(value, f"{float(value) * 0.9:.3f}", 1))
    capsys.readouterr()
    assert main(["check", str(copy)]) == 1
    out = capsys.readouterr().out
    assert "energy/results.txt: error: sha256 differs" in out
    assert re.search(r"energy/results\.txt:\d+: error: window 1 energy/inference \(trace\.npz samples\) is "
                     r"[\d.]+ but the raw data gives", out), out


def test_log_disagreeing_with_results_fails(bundle, tmp_path, capsys):
    copy = tmp_path / "b"
    shutil.copytree(bundle, copy)
    (copy / "closed/tinybench-ci/tinybench-manifest.json").unlink()  # judge by the raw data alone
    log = copy / MODE / "performance/log.txt"
    text = log.read_text()
    # stretch the last lap of the first measured window by 10 %: the DUT "reported" a slower run.
    # A window that came out too short is measured again and the last attempt counts, so edit that.
    tagged = text.rsplit("# measure window 1", 1)
    laps = re.findall(r"< m-lap-us-(\d+)", tagged[1])[:2]
    stretched = int(laps[0]) + int((int(laps[1]) - int(laps[0])) * 1.1)
    log.write_text(tagged[0] + "# measure window 1" + tagged[1].replace(f"m-lap-us-{laps[1]}",
                                                                          f"m-lap-us-{stretched}", 1))
    capsys.readouterr()
    assert main(["check", str(copy)]) == 1
    out = capsys.readouterr().out
    assert re.search(r"performance/results\.txt:\d+: error: window 1 throughput \(log\.txt laps\) is [\d.]+ "
                     r"but the raw data gives", out), out
    # a tinybench bundle without its manifest is an error in itself, not a pass
    assert "closed/tinybench-ci/tinybench-manifest.json: error: missing: this is a tinybench bundle" in out


def test_simulated_runs_rank_only_in_the_simulated_category(bundle, shared):
    records = import_tree(shared / "mlperf-tiny-results") + import_tree(bundle)
    mine = [r for r in records if r.system == "host-sim"]
    # simulated performance/accuracy + estimated energy: ranked in the most derived category
    assert mine and all(r.category is Category.estimated for r in mine)
    assert mine[0].performance.category is Category.simulated
    assert mine[0].energy.category is Category.estimated and mine[0].provenance.voltage_v == 1.8
    assert mine[0].device_class is DeviceClass.application_processor
    assert mine[0].provenance.harness == "tinybench" and mine[0].provenance.model_sha256
    board = build_board(records)
    kws = board.tables["kws"]
    assert [r.record.system for r in kws[Category.estimated]] == ["host-sim"]
    assert Category.simulated not in kws  # nothing else simulated here
    assert "host-sim" not in {r.record.system for r in kws[Category.measured]}
    ref = next(r for r in kws[Category.measured] if r.record.provenance.round == "v0.5")
    assert float(f"{ref.latency_ms:.4g}") == 181.9 and ref.energy_uj == 7373.704
