"""Launch QEMU or the host firmware with its DUT UART (and energy edge channel) on TCP sockets.

QEMU: ``-icount shift=N,sleep=off`` makes each instruction 2^N ns of simulated time, so timestamps
and instruction counts repeat exactly; the board's UART0 becomes ``-serial tcp:...,server=on,
wait=off`` and UART1 (the energy edge channel) a second such socket. Output written while no client
is connected is dropped by QEMU, as it would be on an unplugged wire.

Host: the executable binds port 0 itself and prints the ports it got, so there is no race for a
port number.
"""

from __future__ import annotations

import os
import select
import shutil
import time
from pathlib import Path

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.sim.process import SimProcess, free_port, spawn

QEMU = "qemu-system-arm"
_PORT_ATTEMPTS = 5


def qemu_command(board: Board, image: Path, uart_port: int, edge_port: int) -> list[str]:
    """The QEMU argv for ``board`` (exposed for reports and debugging)."""
    if board.qemu is None:
        raise TinybenchError(f"board '{board.name}' has no qemu section", "it is not a QEMU board")
    argv = [QEMU, "-M", board.qemu.machine]
    if board.qemu.cpu:
        argv += ["-cpu", board.qemu.cpu]
    argv += [
        "-nographic", "-monitor", "none", "-semihosting",
        "-icount", f"shift={board.qemu.icount_shift},sleep=off",
        "-kernel", str(image),
        "-serial", f"tcp:127.0.0.1:{uart_port},server=on,wait=off,nodelay=on",
        "-serial", f"tcp:127.0.0.1:{edge_port},server=on,wait=off,nodelay=on",
    ]
    return argv


def _is_listening(port: int) -> bool:
    """True if a socket LISTENs on ``port`` (read from /proc/net/tcp).

    Why not a test connection: a client that connects and drops the QEMU edge socket while the
    firmware writes to it leaves that chardev dead for later clients (seen with QEMU 7.2).
    """
    try:
        rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return True  # cannot tell: the handshake that follows will wait for the DUT anyway
    for row in rows:
        fields = row.split()
        if len(fields) > 3 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
            return True
    return False


def _wait_listening(ports: tuple[int, ...], proc: SimProcess, timeout: float) -> bool:
    """True once ``ports`` all listen; False if the process died or the time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            return False
        if all(_is_listening(port) for port in ports):
            return True
        time.sleep(0.05)
    return False


def launch_qemu(board: Board, image: Path, *, timeout: float = 20.0) -> SimProcess:
    """Start QEMU for ``board`` on free ports; raises ``TinybenchError`` if it never listens."""
    if shutil.which(QEMU) is None:
        raise TinybenchError(f"{QEMU} is not installed", "apt-get install qemu-system-arm")
    last_log = ""
    for _ in range(_PORT_ATTEMPTS):
        uart_port, edge_port = free_port(), free_port()
        if uart_port == edge_port:
            continue
        argv = qemu_command(board, image, uart_port, edge_port)
        popen, log_path, log_dir = spawn(argv)
        proc = SimProcess(argv, popen, uart_port, edge_port, log_path, log_dir)
        if _wait_listening((uart_port, edge_port), proc, timeout) and proc.alive():
            return proc
        last_log = proc.log_tail()
        proc.stop()
        if "in use" not in last_log:
            break
    raise TinybenchError(f"QEMU ({board.qemu.machine if board.qemu else '?'}) did not start: "
                         f"{last_log or 'no output'}",
                         "check the firmware image and that qemu-system-arm supports the machine")


def launch_host(image: Path, *, timeout: float = 10.0) -> SimProcess:
    """Start the host firmware; it picks free ports and reports them on its stdout."""
    argv = [str(image), "--port", "0", "--edge-port", "0"]
    popen, log_path, log_dir = spawn(argv, stdout_pipe=True)
    proc = SimProcess(argv, popen, 0, None, log_path, log_dir)
    assert popen.stdout is not None
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not proc.alive():
            tail = proc.log_tail()
            proc.stop()
            raise TinybenchError(f"host firmware {image} did not report its ports: {tail or 'no output'}",
                                 "rebuild it with `tinybench build --board host`")
        ready, _, _ = select.select([popen.stdout], [], [], min(remaining, 0.2))
        if ready:
            byte = os.read(popen.stdout.fileno(), 1)  # unbuffered: select() must see the rest
            if not byte:
                continue
            line += byte
    fields = dict(part.split("=", 1) for part in line.decode().split()[1:] if "=" in part)
    proc.uart_port = int(fields["uart"])
    proc.edge_port = int(fields["edge"])
    return proc
