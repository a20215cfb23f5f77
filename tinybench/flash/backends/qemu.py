"""Backend ``qemu``: resources from the board's ``qemu:`` section; QEMU with ``-icount``."""

from __future__ import annotations

from contextlib import AbstractContextManager

from tinybench.boards.model import Board
from tinybench.flash.backends import register_backend
from tinybench.flash.backends.simulated import simulated_link
from tinybench.flash.build import FirmwareImage
from tinybench.flash.link import DutLink
from tinybench.sim.launch import launch_qemu


@register_backend("qemu")
class QemuBackend:
    def open(self, board: Board, image: FirmwareImage, *,
             timeout: float) -> AbstractContextManager[DutLink]:
        assert board.qemu is not None  # the board schema requires it for kind 'qemu'
        shift = board.qemu.icount_shift
        return simulated_link(launch_qemu(board, image.path), board, image, timeout=timeout,
                              what="QEMU", icount_shift=shift, host_files=True, pipeline=True,
                              time_base=f"simulated DUT clock (QEMU -icount shift={shift})")
