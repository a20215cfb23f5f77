"""Deploy backends: one small module per way of reaching a DUT, behind one interface.

The split follows labgrid: a board yaml's sections are the *resources* (``qemu:``, ``renode:``,
``serial:``, ``flash:``), a backend is the *driver* that starts or flashes the board from them, and
``DutLink`` is the *protocol* every caller gets. Callers use ``tinybench.flash.deploy(board, image)``
and never see which backend ran.

Adding a way to reach a DUT = one module here whose class is decorated with
``@register_backend("<name>")``, plus its name in ``_MODULES`` (so it is imported on first use,
not at ``import tinybench``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol, TypeVar

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.flash.build import FirmwareImage
from tinybench.flash.link import DutLink


class DutBackend(Protocol):
    """A way to put an image on a board and reach it."""

    name: str

    def open(self, board: Board, image: FirmwareImage, *,
             timeout: float) -> AbstractContextManager[DutLink]:
        """Flash or launch ``image``; yield a ``DutLink`` once ``name%`` is answered; clean up on exit."""
        ...


#: backend name -> module that registers it (imported lazily by ``backend_for``).
_MODULES: dict[str, str] = {
    "host": "tinybench.flash.backends.host",
    "qemu": "tinybench.flash.backends.qemu",
    "renode": "tinybench.flash.backends.renode",
    "physical": "tinybench.flash.backends.physical",
    "url": "tinybench.flash.backends.url",
}
_REGISTRY: dict[str, type] = {}
_T = TypeVar("_T", bound=type)


def register_backend(name: str) -> Callable[[_T], _T]:
    """Class decorator: make ``cls`` the backend called ``name`` (a board kind or a flasher)."""

    def wrap(cls: _T) -> _T:
        cls.name = name  # type: ignore[attr-defined]
        _REGISTRY[name] = cls
        return cls

    return wrap


def backend_names() -> list[str]:
    return sorted(set(_MODULES) | set(_REGISTRY))


def get_backend(name: str) -> DutBackend:
    """The backend registered as ``name``."""
    if name not in _REGISTRY and name in _MODULES:
        importlib.import_module(_MODULES[name])
    if name not in _REGISTRY:
        raise TinybenchError(f"no deploy backend named '{name}'",
                             f"known backends: {', '.join(backend_names())}")
    return _REGISTRY[name]()  # type: ignore[no-any-return]


def backend_for(board: Board) -> DutBackend:
    """The backend that reaches ``board`` (chosen by its ``kind``)."""
    try:
        return get_backend(board.kind)
    except TinybenchError as exc:
        raise TinybenchError(f"board kind '{board.kind}' cannot be deployed ({board.name})",
                             exc.hint) from exc


__all__ = ["DutBackend", "backend_for", "backend_names", "get_backend", "register_backend"]
