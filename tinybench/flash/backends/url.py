"""Backend for a DUT that is already programmed and reachable at a URL (``run --no-flash``).

Why a backend and not a flag inside the others: "just talk to it" is one more way of reaching a
DUT — a bench board someone flashed by hand, a vendor's evaluation kit, a simulator started by
another tool — and it must yield the same ``DutLink`` as flashing or launching does, so every
mode runs on it unchanged. Nothing is started or stopped: the DUT outlives the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.flash.build import FirmwareImage


class UrlBackend:
    """Reach a running DUT at ``url`` (serial device path or any pyserial URL, e.g. ``socket://``).

    ``edge_url``: the energy edge channel of an already-running simulated DUT (its second UART),
    so the simulated LPM01A can measure it; physical boards use a real monitor instead.
    """

    name = "url"

    def __init__(self, url: str | None, *, baud: int, edge_url: str | None = None) -> None:
        self.url = url
        self.baud = baud
        self.edge_url = edge_url

    @contextmanager
    def open(self, board: Board, image: FirmwareImage | None, *, timeout: float = 15.0) -> Iterator[object]:
        from tinybench.flash.deploy import DutLink, handshake

        url = self.url or (board.serial.url if board.serial else None)
        if not url:
            raise TinybenchError(f"--no-flash needs the DUT's port: board '{board.name}' has no serial.url",
                                 "pass --port /dev/ttyACM0 (or socket://host:port)")
        handshake(url, self.baud, timeout)   # the board may reset on open or print a banner first
        yield DutLink(url=url, baud=self.baud, category=board.category, board=board,
                      image=image,  # type: ignore[arg-type]  # None: nothing was flashed
                      icount_shift=None, edge_url=self.edge_url)
