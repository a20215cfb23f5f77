"""Flashers and identification with real tools: OpenOCD and GDB without a probe or server, vendor
CLIs that are missing, image formats made by objcopy, and ``tb-info`` identification against a
running firmware (the host build) that must name the image just "flashed"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tinybench.boards import load_board
from tinybench.errors import TinybenchError
from tinybench.flash.flashers import flash_image, with_flasher
from tinybench.sim.process import free_port


def _arm_image(firmware_image) -> Path:  # type: ignore[no-untyped-def]
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc is not installed")
    return firmware_image("nucleo-l4r5zi", "ad01").path


@pytest.mark.parametrize("model_id", ["kws01", "vww01", "ic01", "ad01"])
@pytest.mark.parametrize("name", ["nucleo-l4r5zi", "nrf52840dk", "arduino-nano-33-ble"])
def test_every_port_builds_every_model_within_the_board(name: str, model_id: str,
                                                         firmware_image) -> None:  # type: ignore[no-untyped-def]
    """Every real-board port × model builds, and the ELF fits the board's flash and RAM (the
    linker script asserts it too; this reads what arm-none-eabi-size says)."""
    import subprocess

    if shutil.which("arm-none-eabi-size") is None:
        pytest.skip("arm-none-eabi-size is not installed")
    image = firmware_image(name, model_id)
    text, data, bss = (int(x) for x in subprocess.run(
        ["arm-none-eabi-size", str(image.path)], capture_output=True, text=True,
        check=True).stdout.splitlines()[1].split()[:3])
    board = load_board(name)
    assert image.weight_bytes < text + data <= board.flash_bytes
    assert image.arena_bytes < data + bss
    assert data + bss + board.build.stack_bytes <= board.ram_bytes


def test_openocd_without_probe_names_openocds_error(firmware_image) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("openocd") is None:
        pytest.skip("openocd is not installed")
    elf = _arm_image(firmware_image)
    board = with_flasher(load_board("nucleo-l4r5zi"), "openocd")
    with pytest.raises(TinybenchError) as err:
        flash_image(board, elf)
    assert "OpenOCD failed" in err.value.message
    assert "open failed" in err.value.message or "Error" in err.value.message  # OpenOCD's own words
    assert "probe" in (err.value.hint or "")


def test_gdb_without_server_fails_even_though_gdb_exits_quietly(firmware_image) -> None:  # type: ignore[no-untyped-def]
    """Batch GDB goes on after a failed connect and "verifies" the ELF against itself: the
    connection error in its output must still fail the flash."""
    if shutil.which("gdb-multiarch") is None and shutil.which("arm-none-eabi-gdb") is None:
        pytest.skip("no GDB for Arm installed")
    elf = _arm_image(firmware_image)
    board = load_board("nucleo-l4r5zi")
    with pytest.raises(TinybenchError) as err:
        flash_image(board, elf, flasher="gdb", gdb_remote=f"127.0.0.1:{free_port()}")
    assert "GDB" in err.value.message and "Connection" in err.value.message


def test_missing_vendor_cli_and_unconfigured_flasher(firmware_image) -> None:  # type: ignore[no-untyped-def]
    elf = _arm_image(firmware_image)
    if shutil.which("nrfjprog") is None:
        with pytest.raises(TinybenchError, match="nrfjprog.*not installed") as err:
            flash_image(load_board("nrf52840dk"), elf)
        assert "pyocd" in (err.value.hint or "")
    with pytest.raises(TinybenchError, match="needs flash.gdb_remote"):
        flash_image(load_board("arduino-nano-33-ble"), elf, flasher="gdb")


def test_command_template_gets_hex_and_bin_made_by_objcopy(firmware_image, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    elf = _arm_image(firmware_image)
    board = load_board("nucleo-l4r5zi")
    probe = tmp_path / "seen.txt"
    config = board.flash.model_copy(update={  # type: ignore[union-attr]
        "flasher": "command",
        "command": ["sh", "-c", f"head -c 1 {{hex}} > {probe} && wc -c < {{bin}} >> {probe}"]})
    flash_image(board.model_copy(update={"flash": config}), elf)
    text = probe.read_text().strip()
    first, size = text[0], text[1:]
    assert first == ":"                          # Intel HEX record start
    assert 10_000 < int(size) < board.flash_bytes  # raw image, from 0x08000000 up


def test_identify_refuses_a_board_running_another_image(firmware_image) -> None:  # type: ignore[no-untyped-def]
    """The host firmware plays a board that kept its old image: identification must stop the run."""
    import dataclasses

    from tinybench.flash import deploy
    from tinybench.flash.identify import identify

    image = firmware_image("host", "ad01")
    with deploy(load_board("host"), image) as link:
        facts = identify(link.url, link.baud, image)
        assert facts["build"] == image.key and facts["sha256"] == image.model_sha256
        other = dataclasses.replace(image, key="0123456789abcdef01234567")
        with pytest.raises(TinybenchError) as err:
            identify(link.url, link.baud, other)
    assert "does not run the image just flashed" in err.value.message
    assert "build id" in err.value.message


def test_discovery_matches_alternative_ids() -> None:
    disc = load_board("nrf52840dk").serial.discovery  # type: ignore[union-attr]
    assert disc is not None and disc.matches(0x1366, 0x1015)
    assert disc.matches(0x1366, 0x1051)
    assert not disc.matches(0x0483, 0x374B)


def test_image_too_big_for_the_board_is_refused_before_flashing(firmware_image) -> None:  # type: ignore[no-untyped-def]
    """The nRF52840 (1 MB) cannot take an image sized for a 2 MB board: refused naming both sizes,
    before any flash tool runs (its command would fail loudly: `false`)."""
    elf = firmware_image("nucleo-l4r5zi", "ad01").path
    board = load_board("nrf52840dk")
    small = board.model_copy(update={"flash_bytes": 64 * 1024, "flash": board.flash.model_copy(  # type: ignore[union-attr]
        update={"flasher": "command", "command": ["false"]})})
    with pytest.raises(TinybenchError) as err:
        flash_image(small, elf)
    assert "does not fit board 'nrf52840dk'" in err.value.message and "65,536 B" in err.value.message
