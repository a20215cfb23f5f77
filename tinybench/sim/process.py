"""A simulator process that is always reaped, plus the small helpers launchers share.

Why its own module: every way out of a run (normal exit, exception, Ctrl-C, a killed pytest worker)
must end the simulator. ``SimProcess.stop()`` terminates then kills; children also get
PR_SET_PDEATHSIG so they die with the Python process even when it is SIGKILLed.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tinybench.errors import TinybenchError

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def socket_address(url: str) -> tuple[str, int]:
    """``socket://host:port[?opts]`` (or ``host:port``) → (host, port); no host means loopback.
    The simulated instruments dial the DUT's socket with it."""
    rest = url.split("://", 1)[-1].split("?", 1)[0]
    host, _, port = rest.rpartition(":")
    return host or "127.0.0.1", int(port)


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1 (callers retry if it got taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalSockets:
    """What every simulator process offers its backend: the DUT UART (and edge channel) as local
    TCP sockets, and whether the process still runs. Needs ``popen``, ``uart_port``, ``edge_port``."""

    popen: subprocess.Popen[bytes]
    uart_port: int
    edge_port: int | None

    @property
    def uart_url(self) -> str:
        return f"socket://127.0.0.1:{self.uart_port}"

    @property
    def edge_url(self) -> str | None:
        return None if self.edge_port is None else f"socket://127.0.0.1:{self.edge_port}"

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None


@dataclass
class SimProcess(LocalSockets):
    """One running simulator (QEMU or host firmware) and the sockets it serves."""

    argv: list[str]
    popen: subprocess.Popen[bytes]
    uart_port: int
    edge_port: int | None
    log_path: Path
    _log_dir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def log_tail(self, limit: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-limit:].strip()
        except OSError:
            return ""

    def stop(self) -> None:
        """Terminate, wait briefly, then kill; safe to call more than once."""
        if self.popen.poll() is None:
            try:
                self.popen.terminate()
                self.popen.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=3)
        for stream in (self.popen.stdout, self.popen.stderr):
            if stream is not None:
                stream.close()
        if self._log_dir is not None:
            self._log_dir.cleanup()
            self._log_dir = None


def spawn(argv: list[str], *, stdout_pipe: bool = False) -> tuple[subprocess.Popen[bytes], Path,
                                                                   tempfile.TemporaryDirectory[str]]:
    """Start ``argv`` with stderr captured to a log file (read on failure), dying with us."""
    log_dir = tempfile.TemporaryDirectory(prefix="tinybench-sim-")
    log_path = Path(log_dir.name) / "stderr.log"
    with open(log_path, "wb") as log:
        try:
            popen = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if stdout_pipe else subprocess.DEVNULL,
                stderr=log,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only sets PDEATHSIG
                close_fds=True,
                env={**os.environ},
            )
        except FileNotFoundError as exc:
            log_dir.cleanup()
            raise TinybenchError(f"cannot start {argv[0]}: not installed",
                                 "install it (see quickstart.sh) or pick another board") from exc
    return popen, log_path, log_dir
