"""A labgrid farm on loopback: a real ``labgrid-coordinator`` and ``labgrid-exporter`` serving places
whose boards are simulated (the host build of the firmware behind a fixed TCP port).

Why it exists: tests and ``benchmarks/labgrid_places.py`` need a farm whose every part is real —
labgrid's own coordinator, exporter and client, real sockets, real firmware — on a machine with no
boards; and a lab can try tinybench's place support before wiring one (docs/bench.md).

A *farm board* is the host firmware listening on a fixed port P that the exporter exports as a
``NetworkSerialPort`` (``protocol: raw``; labgrid needs no ser2net for that). "Flashing" it
(``python -m tinybench.sim.labgrid_farm flash socket://127.0.0.1:P IMAGE``, the ``command``
flasher of ``boards/labgrid-host.yaml``) stops the firmware process at P and starts IMAGE there —
what a probe does to a real board behind a place. Farm boards are detached processes (they outlive
the flash command, as a board outlives its programmer); ``LabgridFarm.stop`` ends them all.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from tinybench.errors import TinybenchError
from tinybench.flash.places import client_command
from tinybench.sim.process import _die_with_parent, free_port

EXPORTER_NAME = "tb-farm"


def _state_dir() -> Path:
    path = Path(tempfile.gettempdir()) / f"tinybench-farm-{os.getuid()}"
    path.mkdir(exist_ok=True)
    return path


def _listening(port: int) -> bool:
    from tinybench.sim.launch import _is_listening

    return _is_listening(port)


def stop_board(port: int) -> None:
    """Stop the farm board firmware serving ``port`` (if any)."""
    pidfile = _state_dir() / f"{port}.pid"
    try:
        pid = int(pidfile.read_text())
    except (OSError, ValueError):
        return
    try:
        os.killpg(pid, signal.SIGTERM)
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.02)
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    pidfile.unlink(missing_ok=True)
    (_state_dir() / f"{port}.log").unlink(missing_ok=True)


def start_board(port: int, image: Path, *, timeout: float = 10.0) -> int:
    """(Re)start the farm board at ``port`` with the host-build ``image``; returns its pid."""
    stop_board(port)
    log = open(_state_dir() / f"{port}.log", "ab")  # noqa: SIM115 - handed to the child
    # The host firmware dies with its parent (PR_SET_PDEATHSIG), so its parent is a shell that
    # waits for it (`; :` keeps sh from exec-ing it), in a session of its own that the flash
    # command's exit does not end; stop_board signals the whole group.
    proc = subprocess.Popen(["sh", "-c", '"$0" --port "$1" --edge-port 0; :', str(image), str(port)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    log.close()
    (_state_dir() / f"{port}.pid").write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while not _listening(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise TinybenchError(f"farm board firmware {image} did not listen on port {port}",
                                 "is the port taken, or the image not a host build?")
        time.sleep(0.05)
    return proc.pid


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
        return True
    except OSError:
        return False


@dataclass
class FarmPlace:
    """One place of the farm: its name, the board tag, and the TCP port of its simulated board."""

    name: str
    board: str
    port: int


class LabgridFarm:
    """Coordinator + exporter on free loopback ports, places seeded from ``places`` (each with a
    ``NetworkSerialPort`` at ``127.0.0.1:<port>`` and the tag ``board=<board>``). Use as a context
    manager; every process it started (and every farm board at its ports) is stopped on exit."""

    def __init__(self, workdir: Path, places: list[FarmPlace]) -> None:
        self.workdir = Path(workdir)
        self.places = places
        self.coordinator = ""
        self.procs: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> LabgridFarm:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _tool(self, name: str) -> str:
        return str(Path(client_command()[0]).with_name(name))

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        # The coordinator keeps its places in ./places.yaml; seeding it is what `labgrid-client
        # create`, `add-match` and `set-tags` would do, without a client round trip per place.
        seeded = {p.name: {"acquired": None, "acquired_resources": [], "aliases": [], "allowed": [],
                           "changed": time.time(), "comment": "tinybench simulated board",
                           "created": time.time(),
                           "matches": [{"cls": "*", "exporter": EXPORTER_NAME, "group": p.name,
                                        "name": None, "rename": None}],
                           "reservation": None, "tags": {"board": p.board}} for p in self.places}
        (self.workdir / "places.yaml").write_text(yaml.safe_dump(seeded))
        exported = {p.name: {"NetworkSerialPort": {"host": "127.0.0.1", "port": p.port, "speed": 115200,
                                                   "protocol": "raw"}} for p in self.places}
        (self.workdir / "exporter.yaml").write_text(yaml.safe_dump(exported))
        port = free_port()
        self.coordinator = f"127.0.0.1:{port}"
        self._spawn([self._tool("labgrid-coordinator"), "-l", self.coordinator], "coordinator.log")
        deadline = time.monotonic() + 30
        while not _accepts(port):   # gRPC listens on a v4-mapped IPv6 socket: probe, not /proc/net/tcp
            if time.monotonic() > deadline or self.procs[0].poll() is not None:
                raise TinybenchError(f"labgrid-coordinator did not start: {self.log('coordinator.log')}")
            time.sleep(0.05)
        self._spawn([self._tool("labgrid-exporter"), "-c", self.coordinator, "-n", EXPORTER_NAME,
                     "--hostname", "127.0.0.1", str(self.workdir / "exporter.yaml")], "exporter.log")
        while "Exporter ready" not in self.log("exporter.log"):
            if time.monotonic() > deadline or self.procs[1].poll() is not None:
                raise TinybenchError(f"labgrid-exporter did not start: {self.log('exporter.log')}")
            time.sleep(0.05)

    def _spawn(self, argv: list[str], log_name: str) -> None:
        log = open(self.workdir / log_name, "ab")  # noqa: SIM115 - handed to the child
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # Own session (a terminal Ctrl-C goes to the caller, who stops the farm in order), and
        # PDEATHSIG so a caller killed outright leaves no coordinator or exporter behind.
        self.procs.append(subprocess.Popen(argv, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, env=env, start_new_session=True,
                                           preexec_fn=_die_with_parent))
        log.close()

    def log(self, name: str) -> str:
        try:
            return (self.workdir / name).read_text(errors="replace")
        except OSError:
            return ""

    def stop_coordinator(self) -> None:
        """Stop the coordinator only (tests: a coordinator that went down)."""
        if self.procs and self.procs[0].poll() is None:
            self.procs[0].terminate()
            self.procs[0].wait(10)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for place in self.places:
            stop_board(place.port)


def main(argv: list[str]) -> int:
    """``python -m tinybench.sim.labgrid_farm flash URL IMAGE``: program the farm board at URL."""
    if len(argv) != 3 or argv[0] != "flash":
        print("usage: python -m tinybench.sim.labgrid_farm flash socket://127.0.0.1:PORT IMAGE", file=sys.stderr)
        return 2
    url = urlsplit(argv[1])
    if url.hostname not in ("127.0.0.1", "localhost") or url.port is None:
        print(f"not a farm board URL: {argv[1]} (expected socket://127.0.0.1:PORT)", file=sys.stderr)
        return 2
    try:
        pid = start_board(url.port, Path(argv[2]))
    except TinybenchError as exc:
        print(f"flash failed: {exc.message}", file=sys.stderr)
        return 1
    print(f"farm board at {argv[1]} now runs {argv[2]} (pid {pid})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
