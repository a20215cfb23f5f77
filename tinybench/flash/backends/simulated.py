"""What every simulator backend does once its process runs: handshake, yield the link, stop it.

Why shared: host, QEMU and Renode differ only in how they start; the ``name%`` wait, the error
that carries the simulator's own last log lines, and the guaranteed stop are the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.flash.build import FirmwareImage
from tinybench.flash.link import DutLink, handshake, link_baud


class Simulator(Protocol):
    @property
    def uart_url(self) -> str: ...
    @property
    def edge_url(self) -> str | None: ...
    def log_tail(self, limit: int = 2000) -> str: ...
    def stop(self) -> None: ...


@contextmanager
def simulated_link(proc: Simulator, board: Board, image: FirmwareImage, *, timeout: float,
                   what: str, **link_fields: Any) -> Iterator[DutLink]:
    """Wait for ``name%`` on ``proc``'s UART, yield its ``DutLink``, always stop ``proc``."""
    baud = link_baud(board, image)
    try:
        try:
            handshake(proc.uart_url, baud, timeout)
        except TinybenchError as exc:
            tail = proc.log_tail()
            raise TinybenchError(
                f"{board.name}: the firmware never answered name% under {what} "
                f"({exc.message})" + (f"; last {what} output:\n{tail}" if tail else ""),
                f"check that {image.path} was built for board '{board.name}'") from exc
        yield DutLink(url=proc.uart_url, baud=baud, category=board.category, board=board,
                      image=image, edge_url=proc.edge_url if image.energy else None,
                      processes=[proc], **link_fields)
    finally:
        proc.stop()
