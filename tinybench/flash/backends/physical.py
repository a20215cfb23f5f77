"""Backend ``physical``: run the yaml's ``flash.command``, then find the serial port.

Resources: ``flash:`` (argv with ``{image}``) and ``serial:`` (a fixed URL, or USB VID/PID
discovery confirmed by a ``name%`` answer).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.flash.backends import register_backend
from tinybench.flash.build import FirmwareImage
from tinybench.flash.link import DutLink, handshake, link_baud


@register_backend("physical")
class PhysicalBackend:
    @contextmanager
    def open(self, board: Board, image: FirmwareImage, *, timeout: float) -> Iterator[DutLink]:
        baud = link_baud(board, image)
        flash_command(board, image)
        url = discover(board, baud, timeout)
        yield DutLink(url=url, baud=baud, category=board.category, board=board, image=image)


def flash_command(board: Board, image: FirmwareImage) -> None:
    """Run the board's flash command; its own output is the error when it fails."""
    if board.flash is None:
        raise TinybenchError(f"board '{board.name}' has no flash command", "add flash.command to its yaml")
    argv = [part.replace("{image}", str(image.path)) for part in board.flash.command]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=board.flash.timeout_s,
                                check=False)
    except FileNotFoundError as exc:
        raise TinybenchError(f"flash tool {argv[0]} is not installed", "install the vendor's tool") from exc
    except subprocess.TimeoutExpired as exc:
        raise TinybenchError(f"flashing {board.name} took more than {board.flash.timeout_s:.0f} s",
                             "check the debug probe connection") from exc
    if result.returncode != 0:
        raise TinybenchError(f"flashing {board.name} failed ({' '.join(argv)}): "
                             f"{(result.stderr or result.stdout).strip()[-1500:]}",
                             "check the probe, cable and board power")


def discover(board: Board, baud: int, timeout: float) -> str:
    """The board's serial URL: ``serial.url``, or the USB port whose firmware answers ``name%``."""
    if board.serial is None:
        raise TinybenchError(f"board '{board.name}' has no serial section", "add serial.url to its yaml")
    if board.serial.url:
        handshake(board.serial.url, baud, timeout)
        return board.serial.url
    from serial.tools import list_ports

    want = board.serial.discovery
    assert want is not None
    candidates = [p.device for p in list_ports.comports() if p.vid == want.vid and p.pid == want.pid]
    if not candidates:
        raise TinybenchError(f"no serial port with USB {want.vid:04x}:{want.pid:04x} for {board.name}",
                             "plug the board in, or set serial.url in its yaml")
    for device in candidates:
        try:
            vendor = handshake(device, baud, min(timeout, 5.0))
        except TinybenchError:
            continue
        if want.name_check is None or vendor == want.name_check:
            return device
    raise TinybenchError(f"no port among {', '.join(candidates)} answered name% as "
                         f"'{want.name_check}' at {baud} baud", "check the firmware and the baud")
