"""``tinybench suite``: the matrix on real simulated boards, one failing cell that does not stop the
rest, resume of the whole suite, bundles that ``tinybench check`` passes, and the closed-division
gate refusing what the official checker would reject."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest

from fixtures_run import cached_dataset
from tinybench.cli import main


def _root(tmp_path: Path, **sets: int) -> Path:
    root = tmp_path / "sets"
    root.mkdir()
    for workload, files in sets.items():
        (root / workload).symlink_to(cached_dataset(workload, files))
    return root


def _journal(out: Path, board: str) -> list[dict]:
    return [json.loads(line) for line in (out / board / "cells.jsonl").read_text().splitlines()]


@pytest.mark.qemu
def test_suite_two_boards_bundles_pass_check_and_a_failing_cell_is_isolated(tmp_path, capsys):
    for tool in ("gcc", "qemu-system-arm", "arm-none-eabi-gcc"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware
    from tinybench.run.session import _model_file
    from tinybench.workloads import load_workload

    # On the host board, a foreign AD image: its kws01 cells must fail (wrong model) and be reported,
    # while its ad01 cells and every qemu cell complete.
    ad_image = build_firmware(load_board("host"), _model_file(load_workload("ad01")), "ad01", standard=True)
    foreign = tmp_path / "vendor-ad01"
    shutil.copy2(ad_image.path, foreign)
    out = tmp_path / "suite"
    argv = ["suite", "--board", "host", "--board", "qemu-mps2-an386", "--workloads", "ad01,kws01",
            "--out", str(out), "--division", "open", "--min-window-s", "0.2", "--no-progress",
            "--dataset-root", str(_root(tmp_path, ad01=5, kws01=12)), "--firmware", f"host={foreign}"]
    assert main(argv) == 1                                      # a cell failed: non-zero, but finished
    text = capsys.readouterr()
    assert "6/8 cells done" in text.out
    host = {r["cell"]: r for r in _journal(out, "host")}
    assert host["kws01-performance"]["state"] == "failed"
    assert "runs model 'ad01', but workload 'kws01'" in host["kws01-performance"]["error"]
    assert host["ad01-performance"]["state"] == host["ad01-accuracy"]["state"] == "done"
    qemu = {r["cell"]: r for r in _journal(out, "qemu-mps2-an386")}
    assert all(r["state"] == "done" for r in qemu.values()) and len(qemu) == 4
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert len(rows) == 8 and sum(1 for r in rows if r["state"] == "failed") == 2
    assert (out / "plots" / "latency.png").is_file()
    for board in ("host", "qemu-mps2-an386"):
        bundle = out / board / "bundle"
        assert main(["check", str(bundle)]) == 0, capsys.readouterr()
    manifest = json.loads((out / "host" / "bundle" / "open" / "tinybench-user" / "tinybench-manifest.json")
                          .read_text())
    assert list(manifest["systems"]["host"]) == ["ad"]          # only the cells that completed
    # The system description names the firmware the bundle's runs record.
    framework = {b: json.loads(next((out / b / "bundle").glob("open/*/systems/*.json")).read_text())
                 ["Inference Framework"] for b in ("host", "qemu-mps2-an386")}
    assert framework == {"host": "vendor firmware", "qemu-mps2-an386": "tinybench reference firmware"}
    # Resume: complete cells are kept (not re-measured), failed ones are tried again.
    results_before = (out / "qemu-mps2-an386" / "runs" / "ad01-performance" / "results.json").read_bytes()
    assert main(["suite", "--resume", "--out", str(out), "--no-progress"]) == 1
    host = _journal(out, "host")
    assert [r["cell"] for r in host if r.get("skipped")] == ["ad01-performance", "ad01-accuracy"]
    assert sum(1 for r in host if r["cell"] == "kws01-accuracy" and r["state"] == "failed") == 2
    assert (out / "qemu-mps2-an386" / "runs" / "ad01-performance" / "results.json").read_bytes() == results_before


def test_closed_division_gate(tmp_path, capsys):
    """Closed division: a CI (non-official) data set is refused before any board time; after the
    runs, missing modes and accuracy below target are refused with the reason."""
    from tinybench.results.schema import AccuracyFigures, RunResults
    from tinybench.run.gate import run_problems

    out = tmp_path / "suite"
    code = main(["suite", "--board", "host", "--workloads", "ad01", "--out", str(out), "--no-progress",
                 "--dataset-root", str(_root(tmp_path, ad01=5))])
    assert code == 2
    err = capsys.readouterr().err
    assert "closed division refused before running: ad01" in err and "not the official evaluation set" in err
    assert not (out / "host").exists()

    def result(mode: str, **kw) -> RunResults:
        return RunResults(harness_version="x", board="host", category="simulated", workload="kws01",
                          mode=mode, started="t", complete=True, compliant=True, **kw)

    low = AccuracyFigures(inputs=1000, inferences=1000, top1=85.0, metric="top1", metric_value=85.0,
                          quality_target=90.0, target_met=False, per_class_counts={})
    problems = run_problems({("kws01", "performance"): result("performance"),
                             ("kws01", "accuracy"): result("accuracy", accuracy=low)}, ["kws01", "ad01"])
    assert problems == ["kws01: top1 85.000 is below the quality target 90",
                        "ad01: required mode performance is missing or incomplete",
                        "ad01: required mode accuracy is missing or incomplete"]


def test_energy_cells_of_a_vendor_suite_need_the_energy_image(tmp_path, capsys):
    """A vendor build is performance or energy firmware: with --firmware and energy mode but no
    --energy-firmware, the suite refuses before any board time instead of failing the energy
    cells after the others ran; an image for a board outside the suite is refused too."""
    image = tmp_path / "vendor.elf"
    image.write_bytes(b"\x7fELF")
    out = tmp_path / "suite"
    base = ["suite", "--board", "host", "--workloads", "ad01", "--out", str(out), "--no-progress",
            "--division", "open", "--dataset-root", str(_root(tmp_path, ad01=5))]
    assert main(base + ["--modes", "all", "--firmware", f"host={image}"]) == 2
    err = capsys.readouterr().err
    assert "energy mode on host: --firmware gives the performance-mode image" in err
    assert "--energy-firmware host=ENERGY_IMAGE" in err
    assert main(base + ["--energy-firmware", f"qemu-mps2-an386={image}"]) == 2
    assert "--energy-firmware qemu-mps2-an386=... names a board that is not in the suite" in capsys.readouterr().err
    assert not out.exists()


def test_open_bundle_that_check_would_reject_is_not_written(tmp_path, capsys):
    """Open division, performance only: the run is kept, but no bundle is written, because
    ``tinybench check`` requires the accuracy run of every benchmark; the suite says so."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    out = tmp_path / "suite"
    code = main(["suite", "--board", "host", "--workloads", "ad01", "--modes", "performance",
                 "--out", str(out), "--division", "open", "--min-window-s", "0.2", "--no-progress",
                 "--dataset-root", str(_root(tmp_path, ad01=5))])
    text = capsys.readouterr()
    assert code == 1 and "1/1 cells done" in text.out
    assert "host: no open-division bundle" in text.err and "no accuracy/ results" in text.err
    assert not (out / "host" / "bundle").exists()
    assert json.loads((out / "host" / "runs" / "ad01-performance" / "results.json").read_text())["complete"]


def test_ctrl_c_stops_a_suite_quietly_and_journals_the_cell(tmp_path):
    # Ctrl-C reaches the whole process group: each board worker must unwind without a traceback,
    # journal its cell as interrupted, and the suite exits 130 with its resume advice
    import signal
    import subprocess
    import sys
    import time

    from fixtures_run import ctrl_c_deliverable

    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed: cannot build the host firmware")
    out = tmp_path / "suite"
    argv = [sys.executable, "-m", "tinybench", "suite", "--board", "host", "--workloads", "kws01",
            "--modes", "performance", "--min-window-s", "30", "--division", "open", "--no-progress",
            "--out", str(out)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ctrl_c_deliverable, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not any("infer" in log.read_text() for log in out.glob("host/runs/*/log.txt")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the suite never started measuring"
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)             # what a terminal's Ctrl-C does
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "Traceback" not in stdout, stderr
    assert _journal(out, "host")[-1]["state"] == "interrupted"
