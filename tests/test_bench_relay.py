"""DUT links through an energy bench's interface board (``relay+URL``, ``tinybench.relay``).

No interface board hardware exists here: ``tinybench.sim.interface_board`` simulates the board at
the protocol level, while the DUT behind it is the real tinybench host firmware build."""

from __future__ import annotations

import shutil
import socket
import threading

import pytest

from fixtures_run import cached_dataset
from tinybench.boards import load_board
from tinybench.cli import main
from tinybench.errors import TinybenchError
from tinybench.relay import open_relay
from tinybench.results.schema import RunResults
from tinybench.sim.interface_board import SimInterfaceBoard

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")
BAUD = load_board("host").baud_for("performance")


@pytest.fixture(scope="module")
def host_dut(firmware_image):  # type: ignore[no-untyped-def]
    from tinybench.sim.launch import launch_host

    proc = launch_host(firmware_image("host", "ad01").path)
    yield proc
    proc.stop()


def test_performance_run_through_the_interface_board(host_dut, tmp_path):
    """A performance run reaches the DUT only through the board; the transcript shows both hops."""
    with SimInterfaceBoard(host_dut.uart_url, dut_baud=BAUD) as board:
        code = main(["run", "--board", "host", "--workload", "ad01", "--mode", "performance",
                     "--dataset", str(cached_dataset("ad01", 5)), "--out", str(tmp_path / "run"),
                     "--min-window-s", "0.2", "--no-progress", "--no-flash", "--interface", board.url])
        relayed = list(board.relayed_commands)
    assert code == 0
    run_dir = tmp_path / "run"
    results = RunResults.model_validate_json((run_dir / "results.json").read_text())
    assert results.complete
    assert results.firmware.origin == "tinybench"          # its tb-info, relayed, names our firmware
    assert [w.index for w in results.performance.windows] == [1, 2, 3, 4, 5]
    assert all(len(w.laps_us) == 2 and w.runtime_s >= 0.2 for w in results.performance.windows)
    assert any(c.startswith("infer ") for c in relayed) and any(c.startswith("db ") for c in relayed)
    log = (run_dir / "log.txt").read_text()
    assert "io < tinyML Enhanced Interface Board" in log            # hop 1: the board itself
    assert "io > dut infer" in log and "io < m-dut-passthrough(infer" in log
    assert "m-lap-us-" in log                                        # hop 2: the DUT's own lines
    assert "tb-load" not in log                                      # text-only hop: hex db chunks


def test_board_absent():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TinybenchError, match="cannot open interface board"):
        open_relay(f"socket://127.0.0.1:{port}", BAUD, 0.5)


def test_board_with_another_name(host_dut):
    with SimInterfaceBoard(host_dut.uart_url, dut_baud=BAUD, name="Arduino Uno blink") as board:
        with pytest.raises(TinybenchError, match="not as an interface board"):
            open_relay(board.url, BAUD, 0.5)


def test_dut_url_given_as_interface_board(host_dut):
    with pytest.raises(TinybenchError) as info:
        open_relay(host_dut.uart_url, BAUD, 0.5)
    assert "not as an interface board" in info.value.message and "without 'relay+'" in info.value.hint


def test_baud_mismatch_names_the_dut_hop(host_dut):
    with SimInterfaceBoard(host_dut.uart_url, dut_baud=9600) as board:
        with pytest.raises(TinybenchError, match="hop 2") as info:
            open_relay(board.url, BAUD, 0.5)
    assert "setbaud" in info.value.hint


def test_dut_silent_behind_the_board():
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(1)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(mute.accept()[0]), daemon=True).start()
    try:
        with SimInterfaceBoard(f"socket://127.0.0.1:{mute.getsockname()[1]}", dut_baud=BAUD) as board:
            with pytest.raises(TinybenchError, match="DUT behind interface board .* is silent"):
                open_relay(board.url, BAUD, 0.5, check_timeout=1.0)
    finally:
        for s in held + [mute]:
            s.close()


def test_interface_firmware_host_build_relays(host_dut, tmp_path):
    """firmware/interface, built for the host, is a working interface board in front of the real
    host DUT: both hops check out, it says it queues commands, and a load's db chunks go out at
    once (queued in the board) before a relayed infer."""
    import subprocess

    from tinybench.flash.build import build_interface_firmware
    from tinybench.protocol.client import DutClient

    exe = build_interface_firmware("host", BAUD)
    host, port = host_dut.uart_url.split("://", 1)[1].rsplit(":", 1)
    proc = subprocess.Popen([str(exe), "0", host, port, str(BAUD)], stdout=subprocess.PIPE, text=True)
    try:
        listen = int(proc.stdout.readline().split()[1])
        log: list[str] = []
        link = open_relay(f"socket://127.0.0.1:{listen}", BAUD, 0.5)
        assert link.command_queue == 65536
        with DutClient(link, port="relay", transcript=lambda d, t, h: log.append(f"{d} {t}")) as dut:
            link.attach_transcript(dut._log)
            assert dut.profile()[1] == "ad01"
            dut.load(bytes(2560))
            result = dut.infer(2, 0)
        assert len(result.laps) == 2 and len(result.results) == 1
        assert "# io < tinyML Enhanced Interface Board" in log and "# io > dut infer 2 0" in log
        assert "# 83 db chunks queued in the interface board at once" in log
    finally:
        proc.terminate()
        proc.wait(timeout=5)


# ----------------------------------------------------------------- board yaml `interface:` section
_BOARD = """name: b
kind: {kind}
cpu: cortex-m4
clock_hz: 25000000
flash_bytes: 4194304
ram_bytes: 4194304
category: {category}
build: {{port: qemu-mps2-an386, toolchain: arm-none-eabi-gcc}}
{extra}
interface:
{interface}
"""
_PHYSICAL = "serial: {url: /dev/ttyACM0}"


@pytest.mark.parametrize(("kind", "category", "extra", "interface", "field"), [
    ("physical", "measured", _PHYSICAL, "  modes: [energy]", "exactly one of interface.url"),
    ("physical", "measured", _PHYSICAL, "  url: relay+/dev/ttyACM1", "drop the 'relay+' prefix"),
    ("physical", "measured", _PHYSICAL, "  url: /dev/ttyACM1\n  modes: [energy, energy]",
     "interface.modes lists a mode twice"),
    ("physical", "measured", _PHYSICAL, "  url: /dev/ttyACM1\n  modes: [power]", "interface.modes"),
    ("physical", "measured", _PHYSICAL, "  url: /dev/ttyACM1\n  baud: 9600", "interface.baud"),
    ("qemu", "simulated", "qemu: {machine: mps2-an386}",
     "  renode: {platform: renode/mps2-an386.repl, port: qemu-mps2-an386}", "interface.renode"),
])
def test_interface_section_errors_name_the_field(tmp_path, kind, category, extra, interface, field):
    path = tmp_path / "b.yaml"
    path.write_text(_BOARD.format(kind=kind, category=category, extra=extra, interface=interface))
    with pytest.raises(TinybenchError) as info:
        load_board(path)
    assert field in info.value.message


def test_interface_section_selects_the_relay_per_mode(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(_BOARD.format(kind="physical", category="measured", extra=_PHYSICAL,
                                  interface="  url: /dev/ttyACM1"))
    board = load_board(path)
    assert board.for_mode("energy").relay_url == "relay+/dev/ttyACM1"      # default modes: [energy]
    assert board.for_mode("performance").relay_url is None
    bench = load_board("renode-mps2-an386-bench")
    assert bench.interface is not None and bench.interface.renode is not None
    assert bench.for_mode("accuracy").interface == bench.interface


def test_interface_section_used_by_no_flash(host_dut, tmp_path):
    """``--no-flash`` without ``--port``: a board whose yaml names an interface board is reached
    through it (here the simulated board in front of the host DUT)."""
    with SimInterfaceBoard(host_dut.uart_url, dut_baud=BAUD) as board:
        host = (tmp_path / "host-bench.yaml")
        text = load_board("host").source.read_text()
        host.write_text(text.replace("name: host", "name: host-bench")
                        + f"interface:\n  url: {board.url}\n  modes: [performance]\n")
        code = main(["run", "--board", str(host), "--workload", "ad01", "--mode", "performance",
                     "--dataset", str(cached_dataset("ad01", 5)), "--out", str(tmp_path / "run"),
                     "--min-window-s", "0.1", "--no-progress", "--no-flash"])
        relayed = list(board.relayed_commands)
    assert code == 0
    assert any(c.startswith("infer ") for c in relayed)
    assert "io < tinyML Enhanced Interface Board" in (tmp_path / "run" / "log.txt").read_text()


def test_interface_firmware_names_the_failing_hop(tmp_path):
    """Our firmware (host build) in front of a DUT that never answers, relaying at 9600 baud: a
    115200-baud DUT is refused on hop 2 (baud), a 9600-baud one is reported silent (hop 2)."""
    import subprocess

    from tinybench.flash.build import build_interface_firmware

    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(1)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(mute.accept()[0]), daemon=True).start()
    exe = build_interface_firmware("host", 9600)
    proc = subprocess.Popen([str(exe), "0", "127.0.0.1", str(mute.getsockname()[1]), "9600"],
                            stdout=subprocess.PIPE, text=True)
    try:
        url = f"socket://127.0.0.1:{int(proc.stdout.readline().split()[1])}"
        with pytest.raises(TinybenchError, match=r"relays to the DUT at 9600 baud.*hop 2") as info:
            open_relay(url, 115200, 0.5)
        assert "setbaud 115200" in info.value.hint
        with pytest.raises(TinybenchError, match=r"DUT behind interface board .* is silent.*hop 2"):
            open_relay(url, 9600, 0.5, check_timeout=1.0)
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        for s in held + [mute]:
            s.close()


# ----------------------------------------------------------------- interface firmware on real boards
@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not installed")
@pytest.mark.parametrize(("port", "flash_origin"), [("nucleo-l4r5zi", 0x08000000), ("nrf52840", 0x0)])
def test_interface_firmware_builds_for_the_real_board_ports(tmp_path, port, flash_origin):
    """`make -f interface/Makefile BOARD=<port>` builds an ARM image linked at the chip's flash,
    made of the shared Cortex-M main loop, the chip's UART table and the portable core."""
    import struct
    import subprocess

    from tinybench import paths

    out = tmp_path / port
    result = subprocess.run(["make", "-s", "-C", str(paths.firmware_dir()), "-f", "interface/Makefile",
                             f"BOARD={port}", f"OUT={out}", "BAUD=9600"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    elf = (out / "firmware.elf").read_bytes()
    assert elf[:4] == b"\x7fELF" and struct.unpack_from("<H", elf, 18)[0] == 40     # ARM
    entry = struct.unpack_from("<I", elf, 24)[0]
    assert flash_origin <= entry < flash_origin + 0x100000
    symbols = subprocess.run(["arm-none-eabi-nm", str(out / "firmware.elf")], capture_output=True,
                             text=True, check=True).stdout
    names = {line.split()[-1] for line in symbols.splitlines()}
    assert {"iface_cm_this_chip", "iface_cm_rx", "iface_host_byte", "tb_cm_irq", "tb_vectors"} <= names


def test_interface_makefile_lists_the_ports_that_have_interface_firmware(tmp_path):
    import subprocess

    from tinybench import paths

    result = subprocess.run(["make", "-s", "-C", str(paths.firmware_dir()), "-f", "interface/Makefile",
                             "BOARD=arduino-nano-33-ble", f"OUT={tmp_path}"], capture_output=True, text=True)
    assert result.returncode != 0
    listed = result.stderr.split("ports with one:", 1)[1]
    assert set(listed.split(")")[0].split()) == {"host", "qemu-mps2-an386", "nucleo-l4r5zi", "nrf52840"}


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not installed")
@pytest.mark.parametrize(("board", "says"), [
    # a board whose port has no interface firmware: the error lists the ports that have one
    ("arduino-nano-33-ble", "ports with one: host nrf52840 nucleo-l4r5zi qemu-mps2-an386"),
    # a simulated board without a flasher cannot hold an interface board
    ("qemu-mps2-an386", "has no flash: section"),
])
def test_flash_interface_firmware_refuses_boards_without_one(capsys, board, says):
    assert main(["flash", "--board", board, "--interface-firmware"]) == 2
    assert says in capsys.readouterr().err


def test_flash_interface_firmware_and_firmware_are_exclusive(capsys, tmp_path):
    elf = tmp_path / "x.elf"
    elf.write_bytes(b"\x7fELF")
    assert main(["flash", "--board", "nucleo-l4r5zi", "--interface-firmware", "--firmware", str(elf)]) == 2
    assert "--firmware and --interface-firmware" in capsys.readouterr().err
