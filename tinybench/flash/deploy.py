"""Put a firmware image on its board and hand back a link that answers ``name%``.

Simulated boards are launched (QEMU or the host executable) on free local TCP ports; physical
boards run the board's flash command, then their serial port is found (fixed URL or USB VID/PID
plus a ``name%`` handshake). Whatever happens inside the ``with`` block — an exception, Ctrl-C — the
simulator is stopped on the way out.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.flash.build import FirmwareImage
from tinybench.sim.process import SimProcess


@dataclass
class DutLink:
    """How to talk to a deployed DUT. Stable API (runner and energy areas depend on it).

    ``url``: for ``tinybench.transport.open_link`` / pyserial ``serial_for_url``.
    ``edge_url``: energy-mode event channel (simulated boards): a TCP stream of lines
    ``edge <dut_us>\\n``, one per timestamp pulse; None on physical boards (a real power monitor
    sees the GPIO) and for performance images.
    ``icount_shift``: QEMU's ``-icount shift`` (one instruction = 2^shift ns simulated), else None.
    """

    url: str
    baud: int
    category: str                     # "measured" | "simulated"
    board: Board
    image: FirmwareImage
    icount_shift: int | None = None
    edge_url: str | None = None
    processes: list[SimProcess] = field(default_factory=list)

    @property
    def ns_per_instruction(self) -> int | None:
        return None if self.icount_shift is None else 1 << self.icount_shift


def handshake(url: str, baud: int, timeout: float) -> str:
    """Wait until the firmware at ``url`` answers ``name%``; returns its vendor text."""
    from tinybench.protocol import client as dut_client

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with dut_client.connect(url, baud, timeout=2.0,
                                    sync_timeout=max(1.0, deadline - time.monotonic())) as dut:
                return dut.name()
        except TinybenchError as exc:  # not listening yet, or still booting
            last = exc
            time.sleep(0.1)
    raise TinybenchError(f"the DUT at {url} did not answer name% within {timeout:.0f} s: {last}",
                         "check that the image was built for this board")


def _check_image(board: Board, image: FirmwareImage) -> None:
    if image.port != board.build.port:
        raise TinybenchError(f"image {image.path} was built for port '{image.port}', not for board "
                             f"'{board.name}' (port '{board.build.port}')",
                             f"rebuild with `tinybench build --board {board.name}`")
    if not image.path.is_file():
        raise TinybenchError(f"firmware image {image.path} is missing", "rebuild it")


@contextmanager
def deploy(board: Board, image: FirmwareImage, *, timeout: float = 30.0) -> Iterator[DutLink]:
    """Flash or launch ``image`` on ``board``; yields a ``DutLink`` once the DUT answers ``name%``."""
    _check_image(board, image)
    baud = board.baud_for("energy" if image.energy else "performance")
    if board.kind in ("host", "qemu"):
        from tinybench.sim.launch import launch_host, launch_qemu

        proc = launch_host(image.path) if board.kind == "host" else launch_qemu(board, image.path)
        try:
            handshake(proc.uart_url, baud, timeout)
            yield DutLink(
                url=proc.uart_url, baud=baud, category=board.category, board=board, image=image,
                icount_shift=board.qemu.icount_shift if board.qemu else None,
                edge_url=proc.edge_url if image.energy else None, processes=[proc])
        finally:
            proc.stop()
        return
    if board.kind == "physical":
        _flash_physical(board, image)
        url = _discover(board, baud, timeout)
        yield DutLink(url=url, baud=baud, category=board.category, board=board, image=image)
        return
    raise TinybenchError(f"board kind '{board.kind}' cannot be deployed yet ({board.name})",
                         "use a host, qemu or physical board")


def _flash_physical(board: Board, image: FirmwareImage) -> None:
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


def _discover(board: Board, baud: int, timeout: float) -> str:
    assert board.serial is not None
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
