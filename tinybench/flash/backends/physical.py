"""Backend ``physical``: flash with the yaml's flasher, find the serial port, identify the image.

Resources: ``flash:`` (a flasher from ``tinybench.flash.flashers``: vendor CLI, GDB server,
OpenOCD, pyOCD) and ``serial:`` (a fixed URL, or USB VID/PID discovery confirmed by a ``name%``
answer). After the flash and reset, ``tb-info`` must name the image just flashed
(``tinybench.flash.identify``), or nothing is run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.flash.backends import register_backend
from tinybench.flash.build import FirmwareImage
from tinybench.flash.flashers import flash_image
from tinybench.flash.identify import identify
from tinybench.flash.link import DutLink, handshake, link_baud


@register_backend("physical")
class PhysicalBackend:
    @contextmanager
    def open(self, board: Board, image: FirmwareImage, *, timeout: float) -> Iterator[DutLink]:
        baud = link_baud(board, image)
        flash_image(board, image.path)
        url = discover(board, baud, timeout, energy=image.energy)
        identify(url, baud, image, timeout=max(10.0, board.serial.boot_s + 5.0) if board.serial else 10.0)
        yield DutLink(url=url, baud=baud, category=board.category, board=board, image=image)


    @contextmanager
    def hold_interface(self, board: Board, elf: Path, *, timeout: float) -> Iterator[str]:
        """Flash interface-board firmware with the yaml's flasher; yields the board's host-side
        port: ``serial.url``, or the USB port of the board's VID/PID that answers as an interface
        board (its name differs from the DUT firmware's, so ``name_check`` does not apply)."""
        flash_image(board, elf)
        yield _interface_port(board, timeout)


def _interface_port(board: Board, timeout: float) -> str:
    from tinybench.relay import probe_interface_board

    if board.serial is None:
        raise TinybenchError(f"board '{board.name}' has no serial section", "pass --port or add serial.url")
    if board.serial.url:
        return board.serial.url
    from serial.tools import list_ports

    want = board.serial.discovery
    assert want is not None
    candidates = [p.device for p in list_ports.comports() if want.matches(p.vid, p.pid)]
    for device in candidates:
        try:
            probe_interface_board(device, None, max(timeout, board.serial.boot_s + 5.0))
        except TinybenchError:
            continue
        return device
    raise TinybenchError(f"no serial port with USB {want.vid:04x}:{want.pid:04x} answered name% as an "
                         f"interface board ({board.name}; tried: {', '.join(candidates) or 'none'})",
                         "plug the board's USB (debugger) port in, or pass --port")


def discover(board: Board, baud: int, timeout: float, *, energy: bool = False) -> str:
    """The board's serial URL: ``serial.url``, or the USB port whose firmware answers ``name%``;
    an energy-mode image talks on the Arduino D0/D1 pins instead (``serial.energy_url``), and a
    board with an ``interface:`` section for this mode is reached through that interface board."""
    if board.serial is None:
        raise TinybenchError(f"board '{board.name}' has no serial section", "add serial.url to its yaml")
    boot = board.serial.boot_s
    if board.relay_url:     # the DUT behind an energy bench's interface board (this mode uses it)
        handshake(board.relay_url, baud, max(timeout, boot + 5.0))
        return board.relay_url
    if energy and board.serial.energy_url:
        handshake(board.serial.energy_url, baud, max(timeout, boot + 5.0))
        return board.serial.energy_url
    if board.serial.url:
        handshake(board.serial.url, baud, max(timeout, boot + 5.0))
        return board.serial.url
    from serial.tools import list_ports

    want = board.serial.discovery
    assert want is not None
    candidates = [p.device for p in list_ports.comports() if want.matches(p.vid, p.pid)]
    if not candidates:
        raise TinybenchError(f"no serial port with USB {want.vid:04x}:{want.pid:04x} for {board.name}",
                             "plug the board in, or set serial.url in its yaml")
    for device in candidates:
        try:
            # One open per candidate: a board that resets on open gets boot_s to come up.
            vendor = handshake(device, baud, max(min(timeout, 5.0), boot + 5.0))
        except TinybenchError:
            continue
        if want.name_check is None or vendor == want.name_check:
            return device
    raise TinybenchError(f"no port among {', '.join(candidates)} answered name% as "
                         f"'{want.name_check}' at {baud} baud", "check the firmware and the baud")
