"""Flashers: how an image gets into a board's flash — a separate axis from the deploy backend.

A deploy backend (``tinybench.flash.backends``) reaches a DUT; a flasher writes an image through
one tool: ``command`` (a vendor CLI as an argv template: STM32_Programmer_CLI, nrfjprog, nrfutil,
bossac), ``gdb`` (``load`` into any GDB server: OpenOCD, pyOCD, J-Link, Renode), ``openocd`` and
``pyocd``. The board yaml's ``flash:`` section names the default one and configures each, so a
user can pick another with ``tinybench flash --flasher``. Every flasher verifies what it wrote
and resets the target; a failure raises ``TinybenchError`` carrying the tool's own message.

Adding a flasher = one module here with a class decorated ``@register_flasher("<name>")`` and its
name in ``_FLASHERS`` (imported on first use).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from tinybench.boards.model import Board, FlashConfig
from tinybench.errors import TinybenchError
from tinybench.flash.build import FirmwareImage
from tinybench.flash.registry import LazyRegistry


@dataclass(frozen=True)
class FlashRequest:
    """What a flasher needs: the board, its ``flash:`` section and the image in each format."""

    board: Board
    config: FlashConfig
    elf: Path
    work_dir: Path            # scratch directory for derived formats (.hex, .bin)
    gdb_remote: str | None = None   # overrides config.gdb_remote (e.g. a twin's GDB server port)

    def image(self, fmt: str) -> Path:
        """The image as ``elf``, ``hex`` or ``bin`` (made with objcopy on first use)."""
        if fmt == "elf":
            return self.elf
        out = self.work_dir / f"firmware.{fmt}"
        if not out.is_file():
            objcopy = shutil.which("arm-none-eabi-objcopy") or shutil.which("objcopy")
            if objcopy is None:
                raise TinybenchError("arm-none-eabi-objcopy is not installed (needed for the .hex/.bin image)",
                                     "apt-get install binutils-arm-none-eabi")
            kind = {"hex": "ihex", "bin": "binary"}[fmt]
            run_tool([objcopy, "-O", kind, str(self.elf), str(out)], self, what="objcopy", timeout=60)
        return out


class Flasher(Protocol):
    name: str

    def flash(self, request: FlashRequest) -> str:
        """Write, verify, reset; returns the tool's log. Raises TinybenchError on any failure."""
        ...


_FLASHERS = LazyRegistry("flasher", {
    "command": "tinybench.flash.flashers.command",
    "gdb": "tinybench.flash.flashers.gdb",
    "openocd": "tinybench.flash.flashers.openocd",
    "pyocd": "tinybench.flash.flashers.pyocd",
})
#: Class decorator: make ``cls`` the flasher called ``name``.
register_flasher = _FLASHERS.register


def get_flasher(name: str) -> Flasher:
    return _FLASHERS.create(name)  # type: ignore[no-any-return]


def flash_image(board: Board, elf: Path, *, flasher: str | None = None,
                gdb_remote: str | None = None) -> str:
    """Flash ``elf`` onto ``board`` with its yaml's flasher (or ``flasher``); returns the tool log."""
    if board.flash is None:
        raise TinybenchError(f"board '{board.name}' has no flash: section",
                             "add one to its yaml (see boards/nucleo-l4r5zi.yaml)")
    config = with_flasher(board, flasher).flash
    assert config is not None
    if not elf.is_file():
        raise TinybenchError(f"firmware image {elf} does not exist", "build it with `tinybench build`")
    from tinybench.flash.fit import check_elf_fits

    check_elf_fits(board, elf)   # every image, cached or foreign, before any tool touches the board
    with tempfile.TemporaryDirectory(prefix="tinybench-flash-") as tmp:
        request = FlashRequest(board=board, config=config, elf=elf, work_dir=Path(tmp),
                               gdb_remote=gdb_remote)
        return get_flasher(config.flasher).flash(request)


def run_tool(argv: list[str], request: FlashRequest, *, what: str, timeout: float | None = None,
             failure_markers: tuple[str, ...] = ()) -> str:
    """Run one tool; its own output is the error when it fails (exit status or a failure marker)."""
    limit = timeout if timeout is not None else request.config.timeout_s
    board = request.board.name
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=limit, check=False)
    except FileNotFoundError as exc:
        raise TinybenchError(f"{what}: `{argv[0]}` is not installed (flashing {board})",
                             _INSTALL_HINTS.get(Path(argv[0]).name, "install the tool or pick another "
                                                "flasher with --flasher")) from exc
    except subprocess.TimeoutExpired as exc:
        raise TinybenchError(f"{what}: flashing {board} took more than {limit:.0f} s "
                             f"({' '.join(argv)})", "check the probe, cable and board power") from exc
    log = (result.stdout or "") + (result.stderr or "")
    marker = next((m for m in failure_markers if m in log), None)
    if result.returncode != 0 or marker is not None:
        tail = "\n".join(log.strip().splitlines()[-15:])
        raise TinybenchError(f"{what} failed flashing {board} (exit {result.returncode}"
                             f"{', ' + repr(marker) if marker else ''}): {' '.join(argv)}\n{tail}",
                             "its message above says why: no probe / probe busy (close other "
                             "debuggers) / wrong target / verify failure; check cable and power")
    return log


_INSTALL_HINTS = {
    "openocd": "apt-get install openocd",
    "gdb-multiarch": "apt-get install gdb-multiarch",
    "arm-none-eabi-gdb": "apt-get install gdb-multiarch (Debian's multi-arch GDB)",
    "STM32_Programmer_CLI": "install STM32CubeProgrammer from st.com and put its bin/ on PATH",
    "nrfjprog": "install nRF Command Line Tools from nordicsemi.com (or use flasher pyocd/openocd)",
    "nrfutil": "install nrfutil from nordicsemi.com",
    "bossac": "apt-get install bossa-cli (or the Arduino IDE's bossac)",
}



def with_flasher(board: Board, flasher: str | None) -> Board:
    """``board`` with its ``flash.flasher`` switched to ``flasher`` (validated: the yaml must
    configure that flasher too)."""
    if flasher is None or board.flash is None or flasher == board.flash.flasher:
        return board
    try:
        config = FlashConfig.model_validate({**board.flash.model_dump(), "flasher": flasher})
    except ValidationError as exc:
        why = "; ".join(str(err["msg"]).removeprefix("Value error, ") for err in exc.errors())
        raise TinybenchError(f"board '{board.name}' cannot use flasher '{flasher}': {why}",
                             "configure that flasher in the board's flash: section") from exc
    return board.model_copy(update={"flash": config})


def flash_session(board: Board, image: FirmwareImage, *, flasher: str | None = None) -> dict[str, str]:
    """``tinybench flash``: flash ``image`` through the board's deploy backend (a twin starts Renode
    with empty flash and a GDB server), reset, identify; returns tb-info plus the flasher used."""
    from tinybench.flash.deploy import deploy
    from tinybench.flash.identify import identify

    if board.flash is None:
        raise TinybenchError(f"board '{board.name}' has no flash: section, nothing to flash with",
                             "simulated boards load their image directly: use `tinybench run`")
    board = with_flasher(board, flasher)
    assert board.flash is not None
    with deploy(board, image, timeout=60.0) as link:
        facts = identify(link.url, link.baud, image)
    return {**facts, "flasher": board.flash.flasher}


__all__ = ["FlashRequest", "Flasher", "flash_image", "flash_session", "get_flasher", "register_flasher",
           "run_tool", "with_flasher"]
