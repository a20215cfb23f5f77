"""Backend ``host``: the firmware as a native Linux process; its UART is a TCP socket."""

from __future__ import annotations

from contextlib import AbstractContextManager

from tinybench.boards.model import Board
from tinybench.flash.backends import register_backend
from tinybench.flash.backends.simulated import simulated_link
from tinybench.flash.build import FirmwareImage
from tinybench.flash.link import DutLink
from tinybench.sim.launch import launch_host


@register_backend("host")
class HostBackend:
    def open(self, board: Board, image: FirmwareImage, *,
             timeout: float) -> AbstractContextManager[DutLink]:
        return simulated_link(launch_host(image.path), board, image, timeout=timeout,
                              what="the host build", pipeline=True,
                              time_base="host clock (native process; simulated category)")
