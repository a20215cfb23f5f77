"""Fixtures of the firmware area: built images (disk-cached, shared by xdist workers) and running DUTs.

Builds go through ``tinybench.flash.build_firmware``, whose cache is keyed by content and guarded
by an fcntl lock, so parallel workers build each image once. Running DUTs are real processes
(host firmware or QEMU) reached over real pyserial socket links.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

def physical_board(tmp_path: Path, url: str, flash_cmd: str, *, extra: str = "") -> Path:
    """A 'physical' board yaml whose flash command is a shell builtin (``{flash_cmd} {image}``) and
    whose serial URL is ``url`` (a running host firmware, a pseudo-terminal): exercises the physical
    deploy path (flash, then name% handshake) for real. ``extra``: more yaml lines."""
    path = tmp_path / "bench-board.yaml"
    path.write_text(f"""
name: bench-board
kind: physical
cpu: host
clock_hz: 1000000
flash_bytes: 268435456
ram_bytes: 268435456
category: measured
build: {{port: host, toolchain: gcc}}
serial: {{url: "{url}"}}
flash: {{command: ["{flash_cmd}", "{{image}}"], timeout_s: 10}}
{extra}""")
    return path


def needs_qemu(board: str) -> None:
    """Skip (with the reason) when a QEMU board's tools are missing."""
    if board.startswith("qemu"):
        for tool in ("qemu-system-arm", "arm-none-eabi-gcc"):
            if shutil.which(tool) is None:
                pytest.skip(f"{tool} is not installed (needed for board {board})")


@pytest.fixture(scope="session")
def model_path(shared: Path) -> Callable[[str], Path]:
    """``model_path("kws01")`` → the official .tflite in ../shared.

    The file name comes from the workload definition (``workloads/<id>.yaml``), the one place that
    names each model. Unlike ``official_models`` this is the mirror file itself: no copy into the
    cache and no sha256 check, so firmware tests skip per missing file instead of failing.
    """
    from tinybench.workloads import load_workload

    def find(model_id: str) -> Path:
        path = shared / "mlperf-tiny" / "models" / load_workload(model_id).model.file
        if not path.is_file():
            pytest.skip(f"{path} is missing from ../shared")
        return path

    return find


@pytest.fixture(scope="session")
def firmware_image(model_path: Callable[[str], Path]):  # type: ignore[no-untyped-def]
    """``firmware_image(board, model_id, energy=False)`` → a built ``FirmwareImage`` (cached)."""
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware

    def build(board: str, model_id: str, energy: bool = False):  # type: ignore[no-untyped-def]
        needs_qemu(board)
        return build_firmware(load_board(board), model_path(model_id), model_id, energy=energy)

    return build


@pytest.fixture(scope="module", params=["host", pytest.param("qemu-mps2-an386", marks=pytest.mark.qemu)])
def deployed_ad(request: pytest.FixtureRequest, firmware_image) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The AD firmware running on the host build and on QEMU mps2-an386 (one process per module)."""
    from tinybench.boards import load_board
    from tinybench.flash import deploy

    board = load_board(request.param)
    image = firmware_image(request.param, "ad01")
    with deploy(board, image) as link:
        yield link
