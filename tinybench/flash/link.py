"""``DutLink`` — the one thing every deploy backend hands its caller — and the checks all share.

Why its own module: backends (``tinybench.flash.backends``) and callers (runner, energy, verify)
both import it, and neither should depend on the other.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.flash.build import FirmwareImage


@dataclass
class DutLink:
    """How to talk to a deployed DUT. Stable API (runner and energy areas depend on it).

    ``url``: for ``tinybench.transport.open_link`` / pyserial ``serial_for_url``.
    ``edge_url``: energy-mode event channel (simulated boards): a TCP stream of lines
    ``edge <dut_us>\\n``, one per timestamp pulse; None on physical boards (a real power monitor
    sees the GPIO) and for performance images.
    ``icount_shift``: QEMU's ``-icount shift`` (one instruction = 2^shift ns simulated), else None.
    ``instructions_per_us``: on simulators whose DUT clock follows the instruction count (QEMU
    icount, Renode ``PerformanceInMips``), instructions executed per simulated DUT microsecond,
    so that ``elapsed_us * instructions_per_us`` is an instruction count; None elsewhere.
    ``time_base``: what the DUT's microseconds are, written into every result.
    ``processes``: the simulator processes behind the link (QEMU, host firmware, Renode).
    ``host_files``: the simulator runs on this machine with semihosting on, so the firmware's
    ``tb-fload`` extension can read inputs from host files (QEMU); False everywhere else.
    ``pipeline``: the far end buffers input the firmware has not read yet (the host build's TCP
    socket, QEMU's flow-controlled chardev), so several commands may be written at once; never on
    a real UART, whose receive register overruns while the firmware prints.
    ``memory_writer(address, data)``: the host can write the DUT's RAM while the firmware waits
    for a command (Renode's monitor), which the ``tb-mload`` input path uses; None elsewhere.
    """

    url: str
    baud: int
    category: str                     # "measured" | "simulated"
    board: Board
    image: FirmwareImage
    icount_shift: int | None = None
    edge_url: str | None = None
    processes: list[Any] = field(default_factory=list)
    instructions_per_us: float | None = None
    time_base: str = "DUT clock"
    host_files: bool = False
    pipeline: bool = False
    memory_writer: Callable[[int, bytes], None] | None = None
    #: what reaching the DUT did that the transcript should say (e.g. a labgrid place's power cycle)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.instructions_per_us is None and self.icount_shift is not None:
            self.instructions_per_us = 1000.0 / (1 << self.icount_shift)

    @property
    def ns_per_instruction(self) -> int | None:
        return None if self.icount_shift is None else 1 << self.icount_shift


def handshake(url: str, baud: int, timeout: float) -> str:
    """Wait until the firmware at ``url`` answers ``name%``; returns its vendor text."""
    from tinybench.protocol import client as dut_client
    from tinybench.relay import HopMisconfigured
    from tinybench.transport import PortMissing

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    opened = False
    while time.monotonic() < deadline:
        try:
            with dut_client.connect(url, baud, timeout=2.0,
                                    sync_timeout=max(1.0, deadline - time.monotonic())) as dut:
                opened = True
                return dut.name()
        except (PortMissing, dut_client.NotADutError, HopMisconfigured):
            raise                      # no such device, not a DUT, a relay set up otherwise: waiting cannot help
        except TinybenchError as exc:  # not listening yet, or still booting
            last = exc
            opened = opened or "cannot open" not in exc.message
            time.sleep(0.1)
    if not opened:                     # the link itself never opened: not the firmware's fault
        raise TinybenchError(f"the DUT link {url} could not be opened within {timeout:.0f} s: "
                             f"{getattr(last, 'message', last)}",
                             "check the cable and the port name, and that no other program holds it")
    raise TinybenchError(f"the DUT at {url} did not answer name% within {timeout:.0f} s: {last}",
                         "check that the image was built for this board and runs at this baud")


def check_image(board: Board, image: FirmwareImage) -> None:
    """Refuse an image built for another port, or one that is gone, before starting anything."""
    if image.port != board.build.port:
        raise TinybenchError(f"image {image.path} was built for port '{image.port}', not for board "
                             f"'{board.name}' (port '{board.build.port}')",
                             f"rebuild with `tinybench build --board {board.name}`")
    if not image.path.is_file():
        raise TinybenchError(f"firmware image {image.path} is missing", "rebuild it")


def link_baud(board: Board, image: FirmwareImage) -> int:
    """The baud the image's firmware uses: energy builds run the board's energy baud."""
    return board.baud_for("energy" if image.energy else "performance")
