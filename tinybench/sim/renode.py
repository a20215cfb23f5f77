"""Launch Renode for a ``kind: renode`` board and drive its monitor; always stop it.

Renode runs as ``renode --console --disable-xwt --plain`` with its monitor on our stdin/stdout:
we send one command at a time and read the output up to the next prompt, so every failure
(a platform that does not parse, an ELF that does not load) surfaces as Renode's own error text.
The DUT UART (and the energy edge UART) become ``emulation CreateServerSocketTerminal`` sockets
on free local ports, reached with pyserial's ``socket://``.

Time: Renode's virtual time advances 1/``PerformanceInMips`` µs per instruction and the Cortex-M
SysTick follows it, so the firmware's own timestamps repeat exactly from run to run; the CPU's
``ExecutedInstructions`` is readable at any moment through :meth:`RenodeProcess.command`.

Cleanup: Renode (a Mono or .NET process) runs in its own process group with PR_SET_PDEATHSIG;
``stop()`` asks it to ``quit``, then terminates and kills the whole group, so nothing is left
behind on exceptions, Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tinybench import paths
from tinybench.boards.model import Board, InterfaceRenode
from tinybench.errors import TinybenchError
from tinybench.sim.process import LocalSockets, _die_with_parent, free_port

ENV_VAR = "TINYBENCH_RENODE"
MACHINE = "dut"
IFACE_MACHINE = "iface"     # the simulated interface board of a two-machine energy bench
INSTALL_HINT = (
    "install Renode: on this project's machines `./quickstart.sh --setup` (unpacks ../shared/renode); "
    "elsewhere download the Linux portable package of an official release from "
    "https://github.com/renode/renode/releases and put its `renode` on PATH, or set "
    f"{ENV_VAR}=/path/to/renode")
_PROMPT = re.compile(r"^\((?:monitor|[\w.-]+)\) ", re.MULTILINE)
_LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d+ \[(\w+)\]")
# A log line, possibly after a monitor prompt; group 1 is its text without the time.
_REPEATABLE = re.compile(r"^(?:\([\w.-]+\) )?\d\d:\d\d:\d\d\.\d+ (\[\w+\] .*)$")
# A log line Renode writes from another thread can land inside the prompt ("(" LOG "dut) ").
_INLINE_LOG = re.compile(r"\d\d:\d\d:\d\d\.\d+ \[\w+\] [^\n]*\n")
_ERROR_MARK = "There was an error executing command"
_ELF_MACHINES = {40: "ARM", 62: "x86-64", 3: "x86", 183: "AArch64", 243: "RISC-V"}


def fold_repeated_log_lines(lines: list[str], *, keep: int, limit: int) -> str:
    """The last ``keep`` distinct lines of ``lines`` (at most ``limit`` characters), in order.

    A timestamped log line whose text (without time and monitor prompt) recurs is shown once, at
    its last place, with how often it came; monitor echoes and answers are kept as they are."""
    counts: dict[str, int] = {}
    kept: list[tuple[str, str | None]] = []
    for line in reversed(lines):
        stamped = _REPEATABLE.match(line)
        key = stamped.group(1) if stamped else None
        if key is not None:
            counts[key] = counts.get(key, 0) + 1
            if counts[key] > 1:
                continue
        kept.append((line, key))
        if len(kept) == keep:
            break
    out = [line if key is None or counts[key] == 1 else f"{line}  [{counts[key]} times]"
           for line, key in reversed(kept)]
    return "\n".join(out)[-limit:]


class RenodeRefused(TinybenchError):
    """A monitor command failed; the message is Renode's own error text."""


def find_renode() -> str:
    """The Renode launcher: ``$TINYBENCH_RENODE``, ``renode`` on PATH, or one unpacked by quickstart."""
    env = os.environ.get(ENV_VAR)
    if env:
        if not (os.path.isfile(env) and os.access(env, os.X_OK)):
            raise TinybenchError(f"{ENV_VAR}={env} is not an executable Renode launcher", INSTALL_HINT)
        return env
    found = shutil.which("renode")
    if found:
        return found
    for candidate in sorted(paths.repo_root().glob(".tools/renode*/renode"), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise TinybenchError("Renode is not installed (no `renode` on PATH, no "
                         f"{ENV_VAR}, nothing under .tools/)", INSTALL_HINT)


def platform_path(board: Board) -> str:
    """The monitor's name for the board's ``.repl``: an absolute ``@path``, or a bundled one."""
    assert board.renode is not None
    base = board.source.parent if board.source else paths.boards_dir()
    local = (base / board.renode.platform).resolve()
    if local.is_file():
        return f"@{local}"
    return f"@{board.renode.platform}"  # Renode resolves it against its own installation


def check_elf(board: Board, image: Path) -> None:
    """Refuse an ELF for another architecture before Renode runs garbage from it."""
    try:
        head = image.read_bytes()[:20]
    except OSError as exc:
        raise TinybenchError(f"cannot read firmware image {image}: {exc}") from exc
    if head[:4] != b"\x7fELF":
        raise TinybenchError(f"{image} is not an ELF file; board '{board.name}' (Renode) loads ELF images",
                             f"build it with `tinybench build --board {board.name}`")
    order = "little" if head[5] == 1 else "big"
    machine = int.from_bytes(head[18:20], order)
    if machine != 40:
        raise TinybenchError(
            f"{image} is an ELF for {_ELF_MACHINES.get(machine, f'machine {machine}')}, but board "
            f"'{board.name}' has a {board.cpu} (ARM) CPU",
            f"build the image for this board: `tinybench build --board {board.name}`")


@dataclass
class RenodeProcess(LocalSockets):
    """One running Renode with one machine; its monitor is our pipe."""

    argv: list[str]
    popen: subprocess.Popen[bytes]
    board: str
    log_path: Path
    _log_dir: tempfile.TemporaryDirectory[str]
    uart_port: int = 0
    edge_port: int | None = None
    relay: bool = False        # uart_port is an interface board's host side, not the DUT's UART

    @property
    def uart_url(self) -> str:
        """The DUT link: ``relay+socket://…`` when the DUT sits behind a simulated interface board."""
        return ("relay+" if self.relay else "") + f"socket://127.0.0.1:{self.uart_port}"

    def __post_init__(self) -> None:
        self._out = ""
        self._dropped = 0          # characters cut from the front of _out (positions are absolute)
        self._consumed = 0         # absolute position after the last prompt a command consumed
        self._cond = threading.Condition()
        self._log = open(self.log_path, "w", encoding="utf-8", errors="replace")  # noqa: SIM115
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="renode-monitor", daemon=True)
        self._reader.start()

    # -- output -------------------------------------------------------------------------------
    def _read(self) -> None:
        assert self.popen.stdout is not None
        fd = self.popen.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    self._cond.notify_all()
                    return
                text = chunk.decode("utf-8", errors="replace").replace("\r", "")
                self._out += text
                if len(self._out) > 1_000_000:     # keep memory bounded on chatty platforms
                    cut = len(self._out) - 200_000
                    self._out = self._out[cut:]
                    self._dropped += cut
                if not self._log.closed:
                    self._log.write(text)
                    self._log.flush()
                self._cond.notify_all()

    def _wait_prompt(self, start: int, timeout: float, what: str) -> str:
        """Text from ``start`` up to the next monitor prompt."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                at = max(0, start - self._dropped)
                match = _PROMPT.search(self._out, at)
                if match:
                    text = self._out[at:match.start()]
                    self._consumed = match.end() + self._dropped
                    return text
                cleaned = _INLINE_LOG.sub("", self._out[at:])
                match = _PROMPT.search(cleaned)
                if match:   # the prompt was split by a log line: everything so far is consumed
                    self._consumed = len(self._out) + self._dropped
                    return cleaned[:match.start()]
                remaining = deadline - time.monotonic()
                if not self.alive():
                    raise TinybenchError(f"Renode ({self.board}) exited during {what}: "
                                         f"{self.log_tail() or 'no output'}", INSTALL_HINT)
                if remaining <= 0:
                    raise TinybenchError(f"Renode ({self.board}) did not finish {what} within "
                                         f"{timeout:.0f} s; last output:\n{self.log_tail()}")
                self._cond.wait(min(remaining, 0.5))

    def command(self, cmd: str, timeout: float = 60.0) -> str:
        """Run one monitor command; returns its answer (log lines removed); raises on Renode errors."""
        assert self.popen.stdin is not None
        with self._lock:
            with self._cond:
                start = self._consumed
            try:
                self.popen.stdin.write(cmd.encode() + b"\n")
                self.popen.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                raise TinybenchError(f"Renode ({self.board}) is gone: {self.log_tail()}") from exc
            raw = self._wait_prompt(start, timeout, f"`{cmd}`")
        lines = [ln for ln in raw.splitlines() if not _LOG_LINE.match(ln)]
        if lines and lines[0].strip() == cmd.strip():   # the monitor echoes what it reads
            lines = lines[1:]
        answer = "\n".join(lines).strip()
        if _ERROR_MARK in raw:
            raise RenodeRefused(f"Renode ({self.board}) refused `{cmd}`: {answer or raw.strip()}",
                                "fix the board's renode: section or platform file")
        return answer

    def write_memory(self, address: int, data: bytes) -> None:
        """Write ``data`` into the machine's memory at ``address`` (``sysbus LoadBinary``).

        Why: the firmware's ``tb-mload`` input path. Renode's UART model raises one interrupt per
        received byte (~12 kB/s); one monitor command moves a whole 100 kB input. The bytes go
        through a file in the process's private log directory (the monitor reads one line per
        command, so a file is the only bulk channel)."""
        staged = self.log_path.parent / "mailbox.bin"
        staged.write_bytes(data)
        self.command(f"sysbus LoadBinary @{staged} {address:#x}")

    def executed_instructions(self, cpu: str = "cpu") -> int:
        """``sysbus.<cpu> ExecutedInstructions`` now."""
        return _parse_int(self.command(f"sysbus.{cpu} ExecutedInstructions"))

    def log_tail(self, limit: int = 2000) -> str:
        """Renode's last output lines (monitor answers and its log), for error messages.

        Why repeats are folded: a peripheral warning that recurs every second (a firmware that keeps
        re-initialising a UART nobody answers on) would otherwise push the setup lines that explain
        the failure out of the tail, and what the user sees would depend on how long the wait was."""
        with self._cond:
            text = self._out[-20 * limit:]
        return fold_repeated_log_lines(text.strip().splitlines(), keep=25, limit=limit)

    def stop(self) -> None:
        """``quit``, then SIGTERM, then SIGKILL to the whole process group; safe to repeat."""
        if self.popen.poll() is None:
            try:
                assert self.popen.stdin is not None
                self.popen.stdin.write(b"quit\n")
                self.popen.stdin.flush()
                self.popen.wait(timeout=5)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.popen.pid, sig)   # children (mono helpers) too
            except (ProcessLookupError, PermissionError):
                break
            try:
                self.popen.wait(timeout=3)
                break
            except subprocess.TimeoutExpired:
                continue
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(timeout=3)
        self._reader.join(timeout=2)
        for stream in (self.popen.stdin, self.popen.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        if not self._log.closed:
            self._log.close()
        self._log_dir.cleanup()


def _parse_int(answer: str) -> int:
    token = answer.split()[-1] if answer.split() else ""
    try:
        return int(token, 0)
    except ValueError as exc:
        raise TinybenchError(f"unexpected answer from Renode: {answer!r}") from exc


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def start_renode(board_name: str) -> RenodeProcess:
    """Start Renode with its monitor on our pipes; returns once the first prompt is printed."""
    argv = [find_renode(), "--console", "--disable-xwt", "--plain"]
    log_dir = tempfile.TemporaryDirectory(prefix="tinybench-renode-")
    log_path = Path(log_dir.name) / "renode.log"

    def child_setup() -> None:  # pragma: no cover - runs in the child
        os.setsid()
        _die_with_parent()

    try:
        popen = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, preexec_fn=child_setup,  # noqa: PLW1509
                                 close_fds=True, cwd=log_dir.name)
    except OSError as exc:
        log_dir.cleanup()
        raise TinybenchError(f"cannot start Renode ({argv[0]}): {exc}", INSTALL_HINT) from exc
    proc = RenodeProcess(argv, popen, board_name, log_path, log_dir)
    try:
        proc._wait_prompt(0, 120.0, "start-up")
    except BaseException:
        proc.stop()
        raise
    return proc


def _socket_terminal(proc: RenodeProcess, name: str, uart: str) -> int:
    """Expose ``sysbus.<uart>`` as a TCP server socket on a free port; returns the port."""
    last: TinybenchError | None = None
    for attempt in range(5):
        port = free_port()
        term = f"{name}{attempt}"
        try:
            proc.command(f"emulation CreateServerSocketTerminal {port} {_quote(term)} false")
        except TinybenchError as exc:   # the port got taken in between: try another
            last = exc
            continue
        proc.command(f"connector Connect sysbus.{uart} {term}")
        return port
    raise TinybenchError(f"Renode could not open a socket terminal for {uart}: {last}")


def _interface_machine(proc: RenodeProcess, board: Board, iface: InterfaceRenode, elf: Path) -> int:
    """Add the interface board's machine, wire its DUT UART to the DUT's link UART through a UART
    hub and its host UART to a socket; returns that socket's port. Leaves the DUT machine current."""
    assert board.renode is not None
    base = board.source.parent if board.source else paths.boards_dir()
    local = (base / iface.platform).resolve()
    platform = f"@{local}" if local.is_file() else f"@{iface.platform}"
    check_elf(board, elf)
    proc.command(f"mach create {_quote(IFACE_MACHINE)}")
    proc.command(f"machine LoadPlatformDescription {platform}")
    proc.command(f"sysbus.cpu PerformanceInMips {iface.performance_in_mips}")
    proc.command(f"sysbus LoadELF @{elf.resolve()}")
    port = _socket_terminal(proc, "iface_host", iface.host_uart)
    proc.command('emulation CreateUARTHub "dut_hop"')
    proc.command(f"connector Connect sysbus.{iface.dut_uart} dut_hop")
    proc.command(f"mach set {_quote(MACHINE)}")
    proc.command(f"connector Connect sysbus.{board.renode.uart} dut_hop")
    return port


def launch_renode(board: Board, image: Path | None, *, edge: bool = False,
                  start: bool = True, interface: Path | None = None) -> RenodeProcess:
    """Start Renode with ``board``'s machine, load ``image`` (None: leave memory empty, e.g. for
    a GDB flasher), wire the DUT UART (and with ``edge`` the edge UART) to sockets, and start it.

    ``interface``: the interface-board firmware for ``board.interface.renode``: a second machine
    runs it, the DUT UART is wired to it (not to a socket) and ``uart_url`` becomes ``relay+``."""
    cfg = board.renode
    if cfg is None:
        raise TinybenchError(f"board '{board.name}' has no renode section", "it is not a Renode board")
    if image is not None:
        check_elf(board, image)
    if edge and cfg.edge_uart is None:
        raise TinybenchError(f"board '{board.name}' has no renode.edge_uart for the energy edge channel",
                             "add edge_uart to its renode: section")
    proc = start_renode(board.name)
    try:
        platform = platform_path(board)
        if platform.startswith("@/"):
            proc.command(f"path add @{Path(platform[1:]).parent}")
        proc.command(f"mach create {_quote(MACHINE)}")
        proc.command(f"machine LoadPlatformDescription {platform}")
        if cfg.platform_extra:   # via a file: the monitor reads one line per command
            extra = proc.log_path.parent / "platform_extra.repl"
            extra.write_text(cfg.platform_extra, encoding="utf-8")
            proc.command(f"machine LoadPlatformDescription @{extra}")
        proc.command(f"sysbus.{cfg.cpu} PerformanceInMips {cfg.performance_in_mips}")
        if cfg.global_quantum_s is not None:
            proc.command(f'emulation SetGlobalQuantum "{cfg.global_quantum_s:.6f}"')
        if cfg.advance_immediately:
            proc.command("emulation SetGlobalAdvanceImmediately true")
        for cmd in cfg.commands:
            proc.command(cmd)
        if image is not None:
            proc.command(f"sysbus LoadELF @{image.resolve()}")
        if interface is not None:
            if board.interface is None or board.interface.renode is None:
                raise TinybenchError(f"board '{board.name}' has no interface.renode section",
                                     "add one (docs/bench.md) or drop the interface firmware")
            proc.uart_port = _interface_machine(proc, board, board.interface.renode, interface)
            proc.relay = True
        else:
            proc.uart_port = _socket_terminal(proc, "dut_uart", cfg.uart)
        if edge and cfg.edge_uart:
            proc.edge_port = _socket_terminal(proc, "dut_edge", cfg.edge_uart)
        if start:
            proc.command("start")
    except BaseException as exc:
        tail = proc.log_tail()
        proc.stop()
        if isinstance(exc, TinybenchError):
            more = "" if isinstance(exc, RenodeRefused) else f"\nlast Renode output:\n{tail}"
            raise TinybenchError(f"{board.name}: {exc.message}{more}", exc.hint) from exc
        raise
    return proc
