"""A foreign (standard-only) image on a Renode board, on real Renode: through ``--firmware`` inside
a one-workload ``tinybench suite`` (performance and accuracy cells, each a Renode launched by
tinybench; then a bundle that ``tinybench check`` passes), and through ``--no-flash`` (the energy
build running in a Renode the test starts itself, its UARTs on TCP sockets, reached by URL).

Kept lean because every Renode launch costs 5–35 s (plus its shutdown): three launches, KWS only
(490-byte inputs, 16 standard 31-byte chunks each), CI-sized sets, short windows. A vendor image is
performance or energy firmware, so energy cannot share a launch with the other modes. Energy
through ``--firmware`` and performance/accuracy through ``--no-flash`` are the same code on every
simulator and are tested on the host build and QEMU (test_anydut_runs). The scores oracle is the
host build of the extended firmware on the same inputs (bit-exact with TFLM, same model), never a
figure under test.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fixtures_renode import RENODE_BOARD, needs_renode
from fixtures_run import cached_dataset
from tinybench.boards import load_board
from tinybench.cli import main as cli_main
from tinybench.flash import build_firmware
from tinybench.flash.source import DutSource
from tinybench.fsutil import sha256_file
from tinybench.run.session import RunRequest, _model_file, start
from tinybench.workloads import load_workload

pytestmark = pytest.mark.renode
WORKLOAD = "kws01"


def _vendor_image(dest: Path, *, energy: bool = False) -> Path:
    """The standard-only KWS image for the board's port, copied out: to tinybench just a file."""
    image = build_firmware(load_board(RENODE_BOARD), _model_file(load_workload(WORKLOAD)), WORKLOAD,
                           energy=energy, standard=True)
    target = dest / ("vendor-energy.elf" if energy else "vendor.elf")
    shutil.copy2(image.path, target)
    return target


def _reference_scores(dataset: Path, out: Path) -> list[list[float] | None]:
    """Per-input scores of the extended firmware on the host build (same model, same inputs)."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed (host build is the scores oracle)")
    ours, _ = start(RunRequest(board="host", workload=WORKLOAD, mode="accuracy", dataset=dataset,
                               out=out, progress=False))
    agreement = ours.accuracy.agreement         # the oracle itself agrees with TFLM bit for bit
    assert agreement is not None and agreement.bit_exact == agreement.compared == len(ours.inputs)
    return [i.score for i in ours.inputs]


def test_suite_with_a_vendor_image_on_renode(tmp_path, capsys):
    """``tinybench suite --firmware B=IMG`` on Renode: the performance and accuracy cells run the
    foreign image (standard protocol only); accuracy scores equal the oracle's input by input; the
    bundle passes ``tinybench check`` and records the image's sha256."""
    needs_renode()
    image = _vendor_image(tmp_path)
    dataset = cached_dataset(WORKLOAD, 12)
    root = tmp_path / "sets"
    root.mkdir()
    (root / WORKLOAD).symlink_to(dataset)
    out = tmp_path / "suite"
    argv = ["suite", "--board", RENODE_BOARD, "--workloads", WORKLOAD, "--out", str(out),
            "--division", "open", "--min-window-s", "0.2", "--no-progress", "--dataset-root", str(root),
            "--firmware", f"{RENODE_BOARD}={image}"]
    assert cli_main(argv) == 0, capsys.readouterr()
    assert "2/2 cells done" in capsys.readouterr().out
    runs = out / RENODE_BOARD / "runs"
    results = {m: json.loads((runs / f"{WORKLOAD}-{m}" / "results.json").read_text())
               for m in ("performance", "accuracy")}
    for res in results.values():
        assert res["complete"] and res["firmware"]["origin"] == "vendor" and res["dut"]["caps"] == []
        assert res["firmware"]["image_sha256"] == sha256_file(image)
    perf = results["performance"]["performance"]
    assert "Renode virtual time, 25 MIPS" in perf["time_base"]       # launched by tinybench: known rate
    assert perf["median_instructions_per_inference"] > 1_000_000
    acc = results["accuracy"]
    assert acc["accuracy"]["agreement"] is None                      # no tb-raw on a standard DUT
    assert [i["score"] for i in acc["inputs"]] == _reference_scores(dataset, tmp_path / "host")
    log = (runs / f"{WORKLOAD}-accuracy" / "log.txt").read_text()
    assert "e-[Unknown command: tb-caps]" in log and "tb-raw" not in log
    bundle = out / RENODE_BOARD / "bundle"
    assert cli_main(["check", str(bundle)]) == 0, capsys.readouterr()
    system = json.loads(next(bundle.glob("open/*/systems/*.json")).read_text())
    assert system["Inference Framework"] == "vendor firmware"


def test_no_flash_energy_on_a_running_renode(tmp_path):
    """A Renode started outside tinybench runs the foreign energy build; tinybench reaches its UART
    and its edge channel (the second UART) at their socket URLs, measures with the simulated
    LPM01A, and leaves that Renode running."""
    needs_renode()
    from tinybench.run.energy import run_energy
    from tinybench.sim.renode import launch_renode

    proc = launch_renode(load_board(RENODE_BOARD), _vendor_image(tmp_path, energy=True), edge=True)
    try:
        energy, run_dir = run_energy(
            board=RENODE_BOARD, workload=WORKLOAD, dataset=cached_dataset(WORKLOAD, 5), out=tmp_path / "run",
            min_window_s=0.2, source=DutSource(no_flash=True, port=proc.uart_url, edge=proc.edge_url))
        assert proc.alive()                      # --no-flash never stops the DUT it was given
    finally:
        proc.stop()
    assert energy.complete and energy.category == "estimated" and energy.dut.caps == []
    # Standard protocol only under our port's name: the wire cannot say whose firmware it is.
    assert energy.firmware.origin == "unidentified" and energy.firmware.image_sha256 is None
    assert energy.firmware.reached_at == proc.uart_url
    windows = energy.energy.windows
    assert len(windows) == 5 and all(w.iterations >= 1 and w.energy_uj > 0 for w in windows)
    assert energy.energy.median_energy_per_inf_uj > 0 and (run_dir / "trace.npz").is_file()
