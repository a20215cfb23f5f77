"""Backend ``renode``: resources from the board's ``renode:`` section; Renode with virtual time.

The DUT clock is the firmware's SysTick under Renode's virtual time, where every instruction
takes 1/``performance_in_mips`` µs: ``instructions_per_us`` lets the runner turn DUT time into
instructions per inference, exactly as it does with QEMU's ``-icount``.

A real board's twin (``flash: {flasher: gdb, gdb_remote: renode}``) is flashed the way the board
is: Renode starts with empty flash and its GDB server (``machine StartGdbServer``), the ``gdb``
flasher loads and verifies the ELF, and only then is the machine started — the twin's power-on
reset, which reads the vector table just written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from tinybench.boards.model import Board
from tinybench.flash.backends import register_backend
from tinybench.flash.backends.simulated import simulated_link
from tinybench.flash.build import FirmwareImage
from tinybench.flash.link import DutLink, link_baud
from tinybench.errors import TinybenchError
from tinybench.sim.process import free_port
from tinybench.sim.renode import RenodeProcess, check_elf, launch_renode


@register_backend("renode")
class RenodeBackend:
    def open(self, board: Board, image: FirmwareImage, *,
             timeout: float) -> AbstractContextManager[DutLink]:
        assert board.renode is not None  # the board schema requires it for kind 'renode'
        mips = board.renode.performance_in_mips
        iface = _interface_image(board, image)
        proc = _launch(board, image.path, edge=image.energy, iface=iface)
        bench = " behind a simulated interface board" if iface is not None else ""
        return simulated_link(proc, board, image, timeout=board.renode.start_timeout_s,
                              what="Renode", instructions_per_us=float(mips),
                              # behind an interface board inputs must cross it, not the monitor
                              memory_writer=None if iface is not None else proc.write_memory,
                              time_base=f"simulated DUT clock (Renode virtual time, {mips} MIPS){bench}")

    @contextmanager
    def hold_interface(self, board: Board, elf: Path, *, timeout: float) -> Iterator[str]:
        """The twin flashed with interface-board firmware as the real board would be; yields the
        socket of its host-side UART (``renode.uart``: the UART the board's USB port reaches)."""
        proc = _launch(board, elf, edge=False, iface=None)
        try:
            yield proc.uart_url
        finally:
            proc.stop()


def _interface_image(board: Board, image: FirmwareImage) -> Path | None:
    """The two-machine bench (``interface.renode``): interface firmware relaying at the image's baud."""
    if board.interface is None or board.interface.renode is None:
        return None
    from tinybench.flash.build import build_interface_firmware

    cfg = board.interface.renode
    return build_interface_firmware(cfg.port, link_baud(board, image), pace=cfg.pace)


def _launch(board: Board, elf: Path, *, edge: bool, iface: Path | None) -> RenodeProcess:
    """A real board's twin is flashed the board's way (GDB into empty flash); others load the ELF."""
    if board.flash is not None and board.flash.flasher == "gdb" and board.flash.gdb_remote == "renode":
        return _launch_and_flash(board, elf, edge=edge, iface=iface)
    return launch_renode(board, elf, edge=edge, interface=iface)


def _launch_and_flash(board: Board, elf: Path, *, edge: bool, iface: Path | None) -> RenodeProcess:
    """An empty twin with a GDB server on a free port, flashed by the ``gdb`` flasher, then started."""
    from tinybench.flash.flashers import flash_image

    check_elf(board, elf)
    proc = launch_renode(board, None, edge=edge, start=False, interface=iface)
    try:
        port = _gdb_server(proc)
        flash_image(board, elf, gdb_remote=f"127.0.0.1:{port}")
        proc.command("start")
    except BaseException:
        proc.stop()
        raise
    return proc


def _gdb_server(proc: RenodeProcess) -> int:
    """``machine StartGdbServer <port> false`` (do not start the machine when GDB connects).

    A slow answer may still have started the server: Renode then says the CPU "is already
    attached to an existing GDB server, running on port :N", and N is the server to use."""
    last: TinybenchError | None = None
    for _ in range(5):
        port = free_port()
        try:
            proc.command(f"machine StartGdbServer {port} false", timeout=180.0)
            return port
        except TinybenchError as exc:   # the port got taken in between: try another
            attached = re.search(r"already attached to an existing GDB server, running on port :(\d+)",
                                 exc.message)
            if attached:
                return int(attached.group(1))
            last = exc
    raise TinybenchError(f"Renode could not start its GDB server: {last}")
