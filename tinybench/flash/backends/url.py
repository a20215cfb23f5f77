"""Backend ``url``: a DUT that is already programmed and reachable at a URL (``run --no-flash``).

Why a backend and not a flag inside the others: "just talk to it" is one more way of reaching a
DUT — a bench board someone flashed by hand, a vendor's evaluation kit, a simulator started by
another tool — and it must yield the same ``DutLink`` as flashing or launching does, so every
mode runs on it unchanged. Nothing is started, flashed or stopped: the DUT outlives the run.
The URL is the board's ``serial.url`` (``DutSource`` puts ``--port`` there).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.flash.backends import register_backend
from tinybench.flash.build import FirmwareImage
from tinybench.flash.link import DutLink, handshake


@register_backend("url")
class UrlBackend:
    @contextmanager
    def open(self, board: Board, image: FirmwareImage | None, *, timeout: float) -> Iterator[DutLink]:
        url = board.serial.url if board.serial else None
        if not url:
            raise TinybenchError(f"--no-flash needs the DUT's port: board '{board.name}' has no serial.url",
                                 "pass --port /dev/ttyACM0 (or socket://host:port)")
        baud = board.baud_for("performance")
        handshake(url, baud, timeout)   # the board may reset on open or print a banner first
        yield DutLink(url=url, baud=baud, category=board.category, board=board,
                      image=image,  # type: ignore[arg-type]  # None: nothing was flashed
                      time_base=("simulated DUT clock (simulator started outside tinybench)"
                                 if board.kind in ("qemu", "renode", "host") else "DUT clock"))
