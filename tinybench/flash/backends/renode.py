"""Backend ``renode``: resources from the board's ``renode:`` section; Renode with virtual time.

The DUT clock is the firmware's SysTick under Renode's virtual time, where every instruction
takes 1/``performance_in_mips`` µs: ``instructions_per_us`` lets the runner turn DUT time into
instructions per inference, exactly as it does with QEMU's ``-icount``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from tinybench.boards.model import Board
from tinybench.flash.backends import register_backend
from tinybench.flash.backends.simulated import simulated_link
from tinybench.flash.build import FirmwareImage
from tinybench.flash.link import DutLink
from tinybench.sim.renode import launch_renode


@register_backend("renode")
class RenodeBackend:
    def open(self, board: Board, image: FirmwareImage, *,
             timeout: float) -> AbstractContextManager[DutLink]:
        assert board.renode is not None  # the board schema requires it for kind 'renode'
        mips = board.renode.performance_in_mips
        proc = launch_renode(board, image.path, edge=image.energy)
        return simulated_link(proc, board, image, timeout=board.renode.start_timeout_s,
                              what="Renode", instructions_per_us=float(mips),
                              time_base=f"simulated DUT clock (Renode virtual time, {mips} MIPS)")
