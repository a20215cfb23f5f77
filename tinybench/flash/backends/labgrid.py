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

from tinybench.boards.model import BaudConfig, Board, InterfaceConfig, SerialConfig
from tinybench.errors import TinybenchError
from tinybench.flash.backends import backend_for, get_backend, register_backend
from tinybench.flash.build import FirmwareImage
from tinybench.flash.link import DutLink
from tinybench.flash.places import PlaceInfo, lease, peek_place, power_cycle

#: Board kinds tinybench starts on this machine: a place cannot flash them, only reach a running one.
LAUNCHED_KINDS = ("host", "qemu", "renode")


def at_place(board: Board, info: PlaceInfo, mode: str | None = None) -> Board:
    """``board`` with its links taken from the place's ports, its ``labgrid`` section marked held
    (with the coordinator resolved: a flash command's ``{place}`` / ``{coordinator}``).

    Port names (docs/bench.md "labgrid farm"): the DUT's own UART (``dut`` or the default
    ``NetworkSerialPort``) becomes ``serial.url``; ``interface`` (an energy bench's interface board)
    becomes the board's ``interface.url`` — for energy runs, or for every mode when the place has no
    DUT port of its own; ``energy`` (the Arduino D0/D1 adapter) becomes ``serial.energy_url``.
    ``mode``: the run's mode, so the returned board reaches the DUT the way that mode does."""
    boot_s = board.serial.boot_s if board.serial else 0.0
    dut, interface = info.serial_url(), info.serial_url("interface")
    serial = SerialConfig(url=dut or interface, energy_url=info.serial_url("energy") or None, boot_s=boot_s)
    held = board.labgrid.held_at(info.coordinator) if board.labgrid is not None else None
    update: dict[str, object] = {"serial": serial, "labgrid": held}
    if interface:
        update["interface"] = InterfaceConfig(url=interface, modes=["performance", "accuracy", "energy"]
                                              if info.interface_only else ["energy"])
    bound = board.model_copy(update=update)
    bound = bound.for_mode(mode) if mode else bound
    if bound.relay_url:
        check_host_hop(info)
    return bound


def check_host_hop(info: PlaceInfo) -> None:
    """Hop 1 at the resource, before anything is opened: a raw TCP port (the lab's own ser2net)
    runs at the speed its exporter entry states, which the client cannot change, while an interface
    board's host side always runs at ``HOST_BAUD``; an RFC 2217 port takes the baud tinybench opens
    it at."""
    from tinybench.relay import HOST_BAUD

    cls, params = info.resources["interface"]
    speed = params.get("speed")
    if params.get("protocol", "rfc2217") == "raw" and speed not in (None, HOST_BAUD):
        raise TinybenchError(
            f"labgrid place '{info.name}': its interface port ({cls} 'interface', raw TCP) runs at "
            f"{speed} baud, but an interface board's host side runs at {HOST_BAUD} baud (hop 1, host → "
            "interface board)",
            f"serve that port at {HOST_BAUD} baud (ser2net) and say so in the exporter yaml (speed: "
            f"{HOST_BAUD}), or export it as RFC 2217 (protocol: rfc2217), whose baud tinybench sets")


def wire(board: Board) -> Board:
    """``board`` (with a ``labgrid`` section) with the bauds its place's wiring imposes, known before
    any image is built. At an energy bench place (``PlaceInfo.interface_only``: no DUT port) the
    DUT's UART is wired to the interface board alone, which relays to it at one stored baud — the
    board's energy baud, which energy runs need already — so performance and accuracy firmware is
    built for that baud too and the run checks hop 2 against it. Elsewhere the board is unchanged."""
    assert board.labgrid is not None
    if not peek_place(board.labgrid.place, board.labgrid.coordinator).interface_only:
        return board
    baud = board.baud.energy
    return board.model_copy(update={"baud": BaudConfig(performance=baud, accuracy=baud, energy=baud)})


def route_note(info: PlaceInfo, board: Board, mode: str | None, baud: int) -> str:
    """The transcript line saying which way the run reaches the DUT at the place."""
    what = f"the {mode} run" if mode else "the run"
    if board.relay_url:
        why = ("the place exports no DUT port, only its interface board's" if info.interface_only
               else "its interface port, as energy runs do")
        return (f"labgrid place {info.name}: {what} reaches the DUT through the interface board "
                f"({why}): hop 1 host → interface board {board.relay_url.removeprefix('relay+')}, "
                f"hop 2 interface board → DUT at {baud} baud")
    url = board.serial.url if board.serial else "?"
    return f"labgrid place {info.name}: {what} reaches the DUT at its own serial port {url} (one hop)"


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
        mode = board.labgrid.mode or ("energy" if image is not None and image.energy else None)
        with lease(place, board.labgrid.coordinator) as info, ExitStack() as stack:
            bound = at_place(board, info, mode)
            if image is None and bound.relay_url and bound.serial is not None:   # --no-flash: the url backend
                bound = bound.model_copy(update={"serial": bound.serial.model_copy(update={"url": bound.relay_url})})
            inner = get_backend("url") if image is None else backend_for(bound)
            cycled = power_cycle(info, board.labgrid.power_off_s) if board.labgrid.power == "cycle" else None
            try:
                link = stack.enter_context(inner.open(bound, image, timeout=timeout))  # type: ignore[arg-type]
            except TinybenchError as exc:   # the DUT at the place failed; errors of the run pass as they are
                raise TinybenchError(f"labgrid place '{info.name}' ({bound.serial.url if bound.serial else '?'}): "
                                     f"{exc.message}", exc.hint) from exc
            if bound.build.port == "host":   # a simulated farm board: its microseconds are the host's
                link = replace(link, time_base=f"host clock (host-build firmware at labgrid place "
                                               f"{info.name}; simulated category)")
            link = replace(link, notes=[*link.notes, *([cycled] if cycled else []),
                                        route_note(info, bound, mode, link.baud)])
            yield link
