"""Deploy backends: one small module per way of reaching a DUT, behind one interface.

The split follows labgrid: a board yaml's sections are the *resources* (``qemu:``, ``renode:``,
``serial:``, ``flash:``), a backend is the *driver* that starts or flashes the board from them, and
``DutLink`` is the *protocol* every caller gets. Callers use ``tinybench.flash.deploy(board, image)``
and never see which backend ran.

Adding a way to reach a DUT = one module here whose class is decorated with
``@register_backend("<name>")``, plus its name in ``_BACKENDS`` (so it is imported on first use,
not at ``import tinybench``).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.flash.build import FirmwareImage
from tinybench.flash.link import DutLink
from tinybench.flash.registry import LazyRegistry


class DutBackend(Protocol):
    """A way to put an image on a board and reach it."""

    name: str

    def open(self, board: Board, image: FirmwareImage, *,
             timeout: float) -> AbstractContextManager[DutLink]:
        """Flash or launch ``image``; yield a ``DutLink`` once ``name%`` is answered; clean up on exit."""
        ...


class InterfaceHolder(Protocol):
    """A backend that can also hold an energy bench's interface board: a real board (flashed with
    its yaml's flasher) or its Renode twin. Backends without ``hold_interface`` cannot."""

    def hold_interface(self, board: Board, elf: Path, *, timeout: float) -> AbstractContextManager[str]:
        """Flash the interface-board firmware ``elf``; yield the URL of the board's host side."""
        ...


#: backend name -> module that registers it (imported lazily by ``backend_for``).
_BACKENDS = LazyRegistry("deploy backend", {
    "host": "tinybench.flash.backends.host",
    "qemu": "tinybench.flash.backends.qemu",
    "renode": "tinybench.flash.backends.renode",
    "physical": "tinybench.flash.backends.physical",
    "url": "tinybench.flash.backends.url",
    "labgrid": "tinybench.flash.backends.labgrid",
})
#: Class decorator: make ``cls`` the backend called ``name``.
register_backend = _BACKENDS.register


def backend_names() -> list[str]:
    return _BACKENDS.names()


def get_backend(name: str) -> DutBackend:
    """The backend registered as ``name``."""
    return _BACKENDS.create(name)  # type: ignore[no-any-return]


def backend_for(board: Board) -> DutBackend:
    """The backend that reaches ``board`` (chosen by its ``kind``; ``labgrid`` when it sits in a place
    not acquired yet — once held, the board's own kind flashes it at the place)."""
    try:
        return get_backend("labgrid" if board.labgrid is not None and not board.labgrid.held else board.kind)
    except TinybenchError as exc:
        raise TinybenchError(f"board kind '{board.kind}' cannot be deployed ({board.name})",
                             exc.hint) from exc


__all__ = ["DutBackend", "InterfaceHolder", "backend_for", "backend_names", "get_backend", "register_backend"]
