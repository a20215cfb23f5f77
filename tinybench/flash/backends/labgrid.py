"""Backend ``labgrid``: a board that sits in a labgrid place (board yaml ``labgrid:``, ``run --place``).

Why a wrapping backend: a place is where a board is and who may use it now, not a new way of
programming one. This backend acquires the place (``tinybench.flash.places.lease``), puts the
place's serial port (its ``NetworkSerialPort``: raw TCP → ``socket://``, RFC 2217 →
``rfc2217://``; a port named ``energy`` becomes ``serial.energy_url``) into the board, and hands
over to the board's own backend — ``physical`` with the yaml's flasher — or, with ``--no-flash``
(no image), to ``url``. The place is released on every way out: success, error, Ctrl-C, SIGTERM.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace

from tinybench.boards.model import Board, SerialConfig
from tinybench.errors import TinybenchError
from tinybench.flash.backends import backend_for, get_backend, register_backend
from tinybench.flash.build import FirmwareImage
from tinybench.flash.link import DutLink
from tinybench.flash.places import PlaceInfo, lease

#: Board kinds tinybench starts on this machine: a place cannot flash them, only reach a running one.
LAUNCHED_KINDS = ("host", "qemu", "renode")


def at_place(board: Board, info: PlaceInfo) -> Board:
    """``board`` with its serial link taken from the place (and no ``labgrid`` section left)."""
    boot_s = board.serial.boot_s if board.serial else 0.0
    serial = SerialConfig(url=info.serial_url(), energy_url=info.serial_url("energy") or None,
                          boot_s=boot_s)
    return board.model_copy(update={"serial": serial, "labgrid": None})


def check_flashable(board: Board, place: str) -> None:
    """Refuse, before any build, to flash a simulator kind through a place."""
    if board.kind in LAUNCHED_KINDS:
        raise TinybenchError(
            f"labgrid place '{place}': board '{board.name}' is of kind {board.kind}, which tinybench "
            "launches on this machine; there is nothing to flash at the place",
            "pass --no-flash to benchmark the DUT running behind the place's serial port, or use "
            "a board of kind physical (its flash: section programs the board at the place)")


@register_backend("labgrid")
class LabgridBackend:
    @contextmanager
    def open(self, board: Board, image: FirmwareImage | None, *, timeout: float) -> Iterator[DutLink]:
        if board.labgrid is None:
            raise TinybenchError(f"board '{board.name}' has no labgrid section", "pass --place NAME")
        place = board.labgrid.place
        if image is not None:
            check_flashable(board, place)
        with lease(place, board.labgrid.coordinator) as info, ExitStack() as stack:
            bound = at_place(board, info)
            inner = get_backend("url") if image is None else backend_for(bound)
            try:
                link = stack.enter_context(inner.open(bound, image, timeout=timeout))  # type: ignore[arg-type]
            except TinybenchError as exc:   # the DUT at the place failed; errors of the run pass as they are
                raise TinybenchError(f"labgrid place '{info.name}' ({bound.serial.url if bound.serial else '?'}): "
                                     f"{exc.message}", exc.hint) from exc
            if bound.build.port == "host":   # a simulated farm board: its microseconds are the host's
                link = replace(link, time_base=f"host clock (host-build firmware at labgrid place "
                                               f"{info.name}; simulated category)")
            yield link
