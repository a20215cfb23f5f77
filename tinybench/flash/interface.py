"""Our interface-board firmware onto a real board (or its Renode twin): build, flash, check.

Why: a lab builds an MLPerf Tiny energy bench from a second cheap board (docs/bench.md); nobody
should need make for that. ``tinybench flash --board B --interface-firmware`` builds
firmware/interface for B's port (``build_interface_firmware``, cached), flashes it with B's yaml
flasher through B's deploy backend (``hold_interface``: physical boards, Renode twins; other
backends cannot hold one) and checks hop 1: the board answers ``name%`` as an interface board and
relays at the requested DUT baud (``tinybench.relay.probe_interface_board``). No DUT is needed.
"""

from __future__ import annotations

import time

from typing import TYPE_CHECKING

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError

if TYPE_CHECKING:
    from tinybench.relay import BoardFacts

DEFAULT_DUT_BAUD = 9600       # MLPerf Tiny energy mode: the DUT's UART behind the interface board


def flash_interface_firmware(board: Board, *, dut_baud: int = DEFAULT_DUT_BAUD, flasher: str | None = None,
                             port: str | None = None, timeout: float = 20.0) -> dict[str, object]:
    """Build, flash and check; returns the facts the board reported plus the image and flasher."""
    from tinybench import fsutil
    from tinybench.flash.backends import backend_for
    from tinybench.flash.build import build_interface_firmware
    from tinybench.flash.flashers import with_flasher

    if board.flash is None:
        raise TinybenchError(f"board '{board.name}' has no flash: section: interface firmware goes onto "
                             "a physical board or its Renode twin",
                             "pick such a board (tinybench boards), e.g. nucleo-l4r5zi or nrf52840dk")
    backend = backend_for(board)
    hold = getattr(backend, "hold_interface", None)
    if hold is None:
        raise TinybenchError(f"board '{board.name}' (kind {board.kind}) cannot hold interface firmware",
                             "flash it onto a physical board or its Renode twin")
    if dut_baud <= 0:
        raise TinybenchError(f"--dut-baud {dut_baud} is not a baud rate", "e.g. --dut-baud 9600")
    board = with_flasher(board, flasher)
    if port is not None:
        if board.serial is None:
            raise TinybenchError(f"--port is for physical boards; '{board.name}' has no serial port",
                                 "drop --port")
        board = board.model_copy(update={"serial": board.serial.model_copy(update={"url": port})})
    elf = build_interface_firmware(board.build.port, dut_baud)
    with hold(board, elf, timeout=timeout) as url:
        facts = _probe_until_up(url, dut_baud, timeout)
    if facts.queue == 0:    # an interface board, but not the firmware just flashed
        raise TinybenchError(f"{board.name} at {url} answers as '{facts.name}' but not as tinybench's "
                             "interface firmware (no m-iface-[tinybench,...] reply to tb-iface)",
                             "the flash did not take: check the flasher's output, the port, and "
                             "that this port belongs to the board just flashed")
    assert board.flash is not None
    return {"board": board.name, "url": url, "name": facts.name, "dut_baud": facts.baud,
            "queue": facts.queue, "image": str(elf), "image_sha256": fsutil.sha256_file(elf),
            "flasher": board.flash.flasher}


def _probe_until_up(url: str, dut_baud: int, timeout: float) -> BoardFacts:
    """The board may still be booting after its reset: ask again until it answers or time runs out."""
    from tinybench.relay import probe_interface_board

    deadline = time.monotonic() + timeout
    while True:
        try:
            return probe_interface_board(url, dut_baud, min(5.0, timeout))
        except TinybenchError as exc:
            if "did not answer name%" not in exc.message or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
