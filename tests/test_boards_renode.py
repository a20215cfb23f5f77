"""Real-board twins on real Renode: the STM32L4R5 platform's clock/power/flash registers behave as
ST's HAL expects (a HAL-order start-up program passes, and fails on registers that are mere
constants), and both twins are flashed through GDB into empty flash, identified and verified
bit-exact against TFLM."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from fixtures_renode import needs_renode
from tinybench.boards import load_board
from tinybench.flash.flashers import flash_session

pytestmark = pytest.mark.renode

HAL_DIR = Path(__file__).parent / "renode_hal"
REPL = Path(__file__).parents[1] / "boards" / "renode" / "stm32l4r5.repl"


def _hal_elf(tmp_path: Path) -> Path:
    elf = tmp_path / "hal_sequence.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-O1", "-g", "-nostartfiles",
                    "-nostdlib", "-ffreestanding", "-T", str(HAL_DIR / "hal_sequence.ld"),
                    str(HAL_DIR / "hal_sequence.c"), "-o", str(elf)], check=True)
    return elf


def _first_line(board, elf: Path) -> str:  # type: ignore[no-untyped-def]
    import serial

    from tinybench.sim.renode import launch_renode

    proc = launch_renode(board, elf)
    try:
        with serial.serial_for_url(proc.uart_url, timeout=1.0) as port:
            text = b""
            deadline = time.monotonic() + 60.0
            while b"\n" not in text and time.monotonic() < deadline:
                text += port.read(64)
        return text.decode(errors="replace").strip()
    finally:
        proc.stop()


def test_hal_start_up_sequence_passes_on_behavioural_registers(tmp_path: Path) -> None:
    needs_renode()
    assert _first_line(load_board("renode-nucleo-l4r5zi"), _hal_elf(tmp_path)) == "hal-seq ok"


def test_hal_start_up_sequence_fails_on_constant_registers(tmp_path: Path) -> None:
    """Negative control: the same program on RCC registers that merely read as their reset value
    stops where the HAL would (step 3, the PLL configuration read-back)."""
    needs_renode()
    text = REPL.read_text()
    start = text.index("rcc: Python.PythonPeripheral")
    end = text.index("pwr: Python.PythonPeripheral")
    constant = ("rcc: Python.PythonPeripheral @ sysbus 0x40021000\n    size: 0x400\n    initable: true\n"
                "    script: \"request.Value = 0x63 if request.IsRead else 0\"\n\n")
    repl = tmp_path / "stm32l4r5-constant.repl"
    repl.write_text(text[:start] + constant + text[end:])
    board = load_board("renode-nucleo-l4r5zi")
    board = board.model_copy(update={"renode": board.renode.model_copy(update={"platform": str(repl)})})  # type: ignore[union-attr]
    assert _first_line(board, _hal_elf(tmp_path)).startswith("hal-seq fail 3")


def _needs_gdb() -> None:
    needs_renode()
    if shutil.which("gdb-multiarch") is None and shutil.which("arm-none-eabi-gdb") is None:
        pytest.skip("no GDB for Arm installed (apt-get install gdb-multiarch)")


def test_flash_into_empty_twin_identifies_then_run_verifies(model_path) -> None:  # type: ignore[no-untyped-def]
    """`tinybench flash` into an empty L4R5 twin (GDB load + compare-sections, reset, tb-info
    names the image), then `verify` on a new twin flashed the same way: bit-exact with TFLM."""
    _needs_gdb()
    from tinybench.flash import build_firmware
    from tinybench.flash.verify import verify_model

    board = load_board("renode-nucleo-l4r5zi")
    model = model_path("kws01")
    image = build_firmware(board, model, "kws01")
    assert build_firmware(load_board("nucleo-l4r5zi"), model, "kws01").path == image.path  # same ELF
    facts = flash_session(board, image)
    assert facts["flasher"] == "gdb" and facts["build"] == image.key
    assert facts["sha256"] == image.model_sha256 and facts["board"] == "tinybench-nucleo-l4r5zi"
    report = verify_model(board, model, "kws01", samples=2)
    assert report.ok and report.checked >= 2, report.to_json()


def test_nrf52840_twin_runs_the_dk_image_bit_exact(model_path) -> None:  # type: ignore[no-untyped-def]
    """The nRF52840-DK ELF on Renode's bundled DK platform (UARTE0 EasyDMA, TIMER1 µs, CLOCK),
    flashed through GDB: IC bit-exact with TFLM. An IC input (3072 bytes, one binary load) is more
    than the port's 2 kB receive ring: the UART must hold bytes back, not drop them."""
    _needs_gdb()
    from tinybench.flash import build_firmware
    from tinybench.flash.verify import verify_model

    board = load_board("renode-nrf52840dk")
    model = model_path("ic01")
    assert (build_firmware(board, model, "ic01").path
            == build_firmware(load_board("nrf52840dk"), model, "ic01").path)
    report = verify_model(board, model, "ic01", samples=2)
    assert report.ok and report.checked >= 2, report.to_json()
