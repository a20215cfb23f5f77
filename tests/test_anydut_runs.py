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

from fixtures_firmware import physical_board
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
    # Standard protocol only, named like our port: our STANDARD=1 build or an imitation; the wire
    # cannot tell, so the results claim neither.
    assert results.complete and results.firmware.origin == "unidentified"
    assert results.firmware.image_sha256 is None and results.firmware.reached_at == proc.uart_url
    assert "unidentified firmware" in (run_dir / "results.txt").read_text().splitlines()[0]
    assert [w.index for w in results.performance.windows] == [1, 2, 3, 4, 5]
    assert all(w.runtime_s >= 0.2 and len(w.laps_us) == 2 for w in results.performance.windows)
    from tinybench.results.verify import recompute

    rec = recompute(run_dir)
    assert results.performance.median_throughput == pytest.approx(rec.median_throughput, rel=1e-12)


@pytest.mark.parametrize(("build", "origin"), [("extended", "tinybench"), ("renamed", "vendor")])
def test_no_flash_labels_the_firmware_by_what_it_answers(build, origin, tmp_path):
    """--no-flash flashes nothing, so the results name the firmware from the DUT's answers: our
    extended build (its tb-info says firmware=tinybench-<version>) is ours, not a vendor's; the
    standard-only build renamed the way a vendor rebrands a port (its one ``tinybench-host``
    string, the name% reply, patched to another name of the same length) is a vendor's. The
    standard-only build under our name: test_no_flash_performance_on_a_running_dut."""
    _need("host")
    from tinybench.sim.launch import launch_host

    if build == "extended":
        image = build_firmware(load_board("host"), _model_file(load_workload("ad01")), "ad01").path
    else:
        image = _vendor_image("host", "ad01", tmp_path)
        data = image.read_bytes()
        assert data.count(b"tinybench-host\0") == 1
        image.write_bytes(data.replace(b"tinybench-host\0", b"acme-npu-dut-1\0"))
    proc = launch_host(image)
    try:
        results, run_dir = start(RunRequest(
            board="host", workload="ad01", mode="performance", dataset=cached_dataset("ad01", 5),
            out=tmp_path / "run", min_window_s=0.1, progress=False,
            source=DutSource(no_flash=True, port=proc.uart_url)))
    finally:
        proc.stop()
    assert results.complete and results.firmware.origin == origin
    assert results.firmware.image_sha256 is None and results.firmware.reached_at == proc.uart_url
    headline = (run_dir / "results.txt").read_text().splitlines()[0]
    if build == "extended":
        assert results.dut.info["firmware"].startswith("tinybench-") and results.dut.caps
        assert results.firmware.standard_only is False and results.category_label == "simulated"
        assert "firmware" not in headline
    else:
        assert results.dut.vendor == "acme-npu-dut-1" and results.dut.caps == []
        assert results.category_label == "simulated, vendor firmware" and "vendor firmware" in headline


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
    assert results.complete and results.energy is not None
    assert results.firmware.origin == ("vendor" if how == "firmware" else "unidentified")
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


def test_image_for_another_board_is_refused_before_any_board_time(tmp_path):
    """Same CPU family, other memory map: a NUCLEO-L4R5ZI image (flash at 0x08000000) on the MPS2
    board, and the MPS2 image on the NUCLEO, as ELF and as Intel HEX. Without this check QEMU ran
    the wrong image into a hard fault, and a physical board would have been flashed with it."""
    for tool in ("arm-none-eabi-gcc", "arm-none-eabi-objcopy"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")
    from tinybench.flash.foreign import foreign_image

    images = {}
    for board in ("nucleo-l4r5zi", "qemu-mps2-an386"):
        built = build_firmware(load_board(board), _model_file(load_workload("ad01")), "ad01")
        images[board] = tmp_path / f"{board}.elf"
        shutil.copy2(built.path, images[board])
    nucleo_hex = tmp_path / "nucleo.hex"
    subprocess.run(["arm-none-eabi-objcopy", "-O", "ihex", str(images["nucleo-l4r5zi"]), str(nucleo_hex)],
                   check=True)
    for image in (images["nucleo-l4r5zi"], nucleo_hex):
        with pytest.raises(TinybenchError, match=r"starts at 0x08000000, outside the flash of board "
                                                 r"'qemu-mps2-an386' \(0x00000000-0x003fffff"):
            start(RunRequest(board="qemu-mps2-an386", workload="ad01", mode="performance",
                             dataset=cached_dataset("ad01", 5), out=tmp_path / "run",
                             source=DutSource(firmware=image)))
        assert not (tmp_path / "run").exists()
    with pytest.raises(TinybenchError, match="starts at 0x00000000, outside the flash of board 'nucleo-l4r5zi'"):
        foreign_image(load_board("nucleo-l4r5zi"), images["qemu-mps2-an386"], "ad01", energy=False)
    # The right image for each board passes (and keeps its sha256).
    for board, image in images.items():
        assert foreign_image(load_board(board), image, "ad01", energy=False).image_sha256 == sha256_file(image)


class _Device:
    """A protocol-level stand-in for a device that is not a DUT (an interface board, a DUT with
    another device name): a TCP server answering every ``name%`` with ``answer`` and ``m-ready``,
    reached over a real pyserial ``socket://`` link. Counts the ``name`` commands it got."""

    def __init__(self, answer: str) -> None:
        import socket
        import threading

        self.answer, self.names = answer, 0
        self._srv = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self._srv.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._srv.accept()
            except OSError:
                return
            with conn:
                buf = b""
                while data := conn.recv(4096):
                    buf += data
                    while b"%" in buf:
                        cmd, buf = buf.split(b"%", 1)
                        self.names += cmd.strip() == b"name"
                        conn.sendall(f"{self.answer}\r\nm-ready\r\n".encode())

    def close(self) -> None:
        self._srv.close()


@pytest.mark.parametrize("answer", ["tinyML Enhanced Interface Board", "m-name-ebaz-4205-[xlnx]"])
def test_a_port_that_is_not_a_dut_is_named_at_once(answer, tmp_path):
    """--no-flash at a port whose device answers name% but not as a DUT (an interface board; a
    vendor port with another device name, which the MLPerf Tiny runners reject): the error quotes
    the answer and points to --interface, after a few name% (not a 15 s wait for a DUT)."""
    device = _Device(answer)
    try:
        with pytest.raises(TinybenchError) as info:
            start(RunRequest(board="host", workload="kws01", mode="performance",
                             dataset=cached_dataset("kws01", 12), out=tmp_path / "run",
                             source=DutSource(no_flash=True, port=device.url)))
    finally:
        device.close()
    assert f"answers name% with {answer!r}, not m-name-dut-[<vendor>]" in info.value.message
    assert "--interface" in info.value.hint
    assert device.names <= 3


def test_a_dut_at_another_baud_is_flashed_and_reached_at_that_baud(tmp_path):
    """A vendor image that talks at 921600 on a bench board whose yaml says 115200: with
    ``--baud 921600`` the handshake after flashing and the run use 921600. The DUT is a
    protocol-level stand-in on a pseudo-terminal (a real tty, whose line speed pyserial sets
    with termios, as on a USB-serial port) that answers only at its own baud and sends noise
    otherwise, as a UART at the wrong speed does; the flash command is the shell's ``true``."""
    import os
    import termios
    import threading

    master, slave = os.openpty()
    seen: list[int] = []

    def dut() -> None:
        buf = b""
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            buf += data
            while b"%" in buf:
                cmd, buf = buf.split(b"%", 1)
                speed = termios.tcgetattr(slave)[4]
                seen.append(speed)
                reply = (b"m-name-dut-[pty-vendor]\r\nm-ready\r\n" if cmd.strip() == b"name"
                         else b"m-ready\r\n") if speed == termios.B921600 else b"\xf8\x80\x00\xfe\x98"
                os.write(master, reply)

    threading.Thread(target=dut, daemon=True).start()
    yaml = physical_board(tmp_path, os.ttyname(slave), "true",
                          extra="baud: {performance: 115200, accuracy: 115200, energy: 9600}")
    board = load_board(yaml)
    image_file = tmp_path / "vendor-fw"
    shutil.copy2(shutil.which("true") or "/bin/true", image_file)   # any x86-64 ELF: "flashed" by `true`
    source = DutSource(firmware=image_file, baud=921600)
    image = source.image(board, None, "kws01", energy=False)
    try:
        with source.reach(board, image, "accuracy") as link:
            assert link.baud == 921600
    finally:
        os.close(master)
        os.close(slave)
    assert seen and all(speed == termios.B921600 for speed in seen)
