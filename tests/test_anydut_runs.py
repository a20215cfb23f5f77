"""Benchmarking a foreign DUT end to end: the tinybench firmware built standard-only (like vendor
firmware: no tb- extensions) run as a foreign image through ``--firmware`` and, already running,
through ``--no-flash``, in performance, accuracy and energy modes, on the host build and QEMU.
Expectations come from the same firmware's extended build (same model, same inputs) and from the
file hashes, never from the figures under test."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fixtures_run import cached_dataset
from tinybench.boards import load_board
from tinybench.errors import TinybenchError
from tinybench.flash import build_firmware
from tinybench.flash.source import DutSource
from tinybench.fsutil import sha256_file
from tinybench.run.session import RunRequest, _model_file, start
from tinybench.workloads import load_workload

QEMU = pytest.param("qemu-mps2-an386", marks=pytest.mark.qemu)


def _need(board: str) -> None:
    for tool in (["gcc"] if board == "host" else ["qemu-system-arm", "arm-none-eabi-gcc"]):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")


def _vendor_image(board: str, workload: str, dest: Path, *, energy: bool = False) -> Path:
    """A standard-only tinybench image copied out of the cache: to tinybench it is just a file."""
    image = build_firmware(load_board(board), _model_file(load_workload(workload)), workload,
                           energy=energy, standard=True)
    target = dest / ("vendor.elf" if image.is_elf else "vendor-fw")
    shutil.copy2(image.path, target)
    return target


@pytest.mark.parametrize("board", ["host", QEMU])
def test_firmware_accuracy_falls_back_to_m_results(board, tmp_path):
    """--firmware, accuracy: no tb-raw, so scores come from m-results alone and equal the extended
    build's scores on the same inputs; the results carry the image's sha256 and the DUT's words."""
    _need(board)
    ds = cached_dataset("vww01", 4)
    image = _vendor_image(board, "vww01", tmp_path)
    foreign, run_dir = start(RunRequest(board=board, workload="vww01", mode="accuracy", dataset=ds,
                                        out=tmp_path / "foreign", progress=False,
                                        source=DutSource(firmware=image)))
    ours, _ = start(RunRequest(board=board, workload="vww01", mode="accuracy", dataset=ds,
                               out=tmp_path / "ours", progress=False))
    assert foreign.complete and foreign.firmware is not None
    assert foreign.firmware.origin == "vendor" and foreign.firmware.image_sha256 == sha256_file(image)
    assert foreign.dut.caps == [] and foreign.dut.model == "vww01" and foreign.dut.vendor
    assert foreign.accuracy.agreement is None                       # nothing to compare without tb-raw
    assert ours.accuracy.agreement is not None
    assert [i.score for i in foreign.inputs] == [i.score for i in ours.inputs]
    assert foreign.accuracy.top1 == ours.accuracy.top1
    log = (run_dir / "log.txt").read_text()
    assert "tb-raw" not in log and "e-[Unknown command: tb-caps]" in log
    # Payload chunks are logged by reference ("db =<offset>+<bytes>"): all standard 31-byte chunks.
    chunks = [int(m.group(1)) for m in re.finditer(r" > db =\d+\+(\d+)$", log, re.M)]
    assert chunks and max(chunks) == 31
    assert "vendor firmware" in (run_dir / "results.txt").read_text().splitlines()[0]
    manifest = (run_dir / "manifest.json").read_text()
    assert sha256_file(image) in manifest


@pytest.mark.parametrize("board", ["host", QEMU])
def test_no_flash_performance_on_a_running_dut(board, tmp_path):
    """--no-flash: a DUT someone else started (here: the simulator launched directly) is reached at
    its URL; nothing is flashed, and the figures come from its own laps."""
    _need(board)
    from tinybench.sim.launch import launch_host, launch_qemu

    brd = load_board(board)
    image = _vendor_image(board, "ad01", tmp_path)
    proc = launch_host(image) if board == "host" else launch_qemu(brd, image)
    try:
        results, run_dir = start(RunRequest(
            board=board, workload="ad01", mode="performance", dataset=cached_dataset("ad01", 5),
            out=tmp_path / "run", min_window_s=0.2, progress=False,
            source=DutSource(no_flash=True, port=proc.uart_url)))
    finally:
        proc.stop()
    assert results.complete and results.firmware.origin == "vendor"
    assert results.firmware.image_sha256 is None and results.firmware.reached_at == proc.uart_url
    assert [w.index for w in results.performance.windows] == [1, 2, 3, 4, 5]
    assert all(w.runtime_s >= 0.2 and len(w.laps_us) == 2 for w in results.performance.windows)
    from tinybench.results.verify import recompute

    rec = recompute(run_dir)
    assert results.performance.median_throughput == pytest.approx(rec.median_throughput, rel=1e-12)


@pytest.mark.parametrize("how", ["firmware", "no-flash"])
def test_energy_on_a_foreign_image(how, tmp_path):
    """Energy mode on a standard-only energy build: through --firmware (launched by tinybench) and
    --no-flash (launched outside, edge channel given with --edge), measured by the simulated LPM01A."""
    _need("host")
    from tinybench.run.energy import run_energy
    from tinybench.sim.launch import launch_host

    image = _vendor_image("host", "ad01", tmp_path, energy=True)
    proc = None
    if how == "firmware":
        source = DutSource(firmware=image)
    else:
        proc = launch_host(image)
        source = DutSource(no_flash=True, port=proc.uart_url, edge=proc.edge_url)
    try:
        results, run_dir = run_energy(board="host", workload="ad01", dataset=cached_dataset("ad01", 5),
                                      out=tmp_path / "run", min_window_s=0.3, source=source)
    finally:
        if proc is not None:
            proc.stop()
    assert results.complete and results.energy is not None and results.firmware.origin == "vendor"
    assert results.dut.caps == [] and results.category == "estimated"
    assert len(results.energy.windows) == 5 and results.energy.median_energy_per_inf_uj > 0
    assert (run_dir / "trace.npz").is_file()


def test_bad_foreign_inputs_fail_before_any_board_time(tmp_path):
    """Wrong CPU, contradictory options, wrong vendor, mangled files: clear errors, early."""
    _need("host")
    host_image = _vendor_image("host", "kws01", tmp_path)
    ds = cached_dataset("kws01", 12)
    with pytest.raises(TinybenchError, match="x86-64.*ARM"):
        start(RunRequest(board="qemu-mps2-an386", workload="kws01", mode="performance", dataset=ds,
                         out=tmp_path / "a", source=DutSource(firmware=host_image)))
    assert not (tmp_path / "a").exists()
    with pytest.raises(TinybenchError, match="exclude each other"):
        start(RunRequest(board="host", workload="kws01", mode="performance", dataset=ds,
                         out=tmp_path / "b", source=DutSource(firmware=host_image, no_flash=True)))
    with pytest.raises(TinybenchError, match="needs --port"):
        start(RunRequest(board="host", workload="kws01", mode="performance", dataset=ds,
                         out=tmp_path / "c", source=DutSource(no_flash=True)))
    fake = tmp_path / "fw.elf"
    fake.write_bytes(b"not an elf at all")
    with pytest.raises(TinybenchError, match="no ELF header"):
        start(RunRequest(board="host", workload="kws01", mode="performance", dataset=ds,
                         out=tmp_path / "d", source=DutSource(firmware=fake)))
    with pytest.raises(TinybenchError, match="vendor 'tinybench-host', expected 'STMicroelectronics'"):
        start(RunRequest(board="host", workload="kws01", mode="accuracy", dataset=ds, out=tmp_path / "e",
                         progress=False, source=DutSource(firmware=host_image, vendor="STMicroelectronics")))
    with pytest.raises(TinybenchError, match="runs model 'kws01', but workload 'ic01'"):
        start(RunRequest(board="host", workload="ic01", mode="accuracy", dataset=cached_dataset("ic01", 10),
                         out=tmp_path / "f", progress=False, source=DutSource(firmware=host_image)))


@pytest.mark.qemu
def test_intel_hex_image_matches_objcopy_binary(tmp_path):
    """A .hex image is converted to the same bytes objcopy produces for the raw binary."""
    _need("qemu-mps2-an386")
    from tinybench.flash.foreign import foreign_image, hex_to_bin

    elf = _vendor_image("qemu-mps2-an386", "kws01", tmp_path)
    hexfile, binfile = tmp_path / "fw.hex", tmp_path / "fw.bin"
    subprocess.run(["arm-none-eabi-objcopy", "-O", "ihex", str(elf), str(hexfile)], check=True)
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", str(elf), str(binfile)],
                   check=True)
    data, start_address = hex_to_bin(hexfile)
    assert start_address == 0 and data == binfile.read_bytes()
    image = foreign_image(load_board("qemu-mps2-an386"), hexfile, "kws01", energy=False)
    assert image.image_sha256 == sha256_file(hexfile) and image.path.read_bytes() == data
    broken = tmp_path / "broken.hex"
    lines = hexfile.read_text().splitlines()
    lines[3] = lines[3][:-2] + ("00" if lines[3][-2:] != "00" else "01")
    broken.write_text("\n".join(lines) + "\n")
    with pytest.raises(TinybenchError, match="line 4: bad Intel HEX record"):
        hex_to_bin(broken)
