"""Put a firmware image on its board and hand back a link that answers ``name%``.

``deploy`` picks the board's backend (``tinybench.flash.backends``: host, QEMU, Renode, physical
flash, ...) and delegates; whatever happens inside the ``with`` block — an exception, Ctrl-C — a
simulator is stopped on the way out.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from tinybench.boards.model import Board
from tinybench.flash.build import FirmwareImage
from tinybench.flash.link import DutLink, check_image, handshake

__all__ = ["DutLink", "deploy", "handshake"]


def deploy(board: Board, image: FirmwareImage, *, timeout: float = 30.0) -> AbstractContextManager[DutLink]:
    """Flash or launch ``image`` on ``board``; yields a ``DutLink`` once the DUT answers ``name%``."""
    from tinybench.flash.backends import backend_for

    check_image(board, image)
    return backend_for(board).open(board, image, timeout=timeout)
