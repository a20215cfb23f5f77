"""A labgrid farm on loopback: a real ``labgrid-coordinator`` and ``labgrid-exporter`` serving places
whose boards are simulated (host-build or QEMU firmware behind fixed TCP ports).

Why it exists: tests and ``benchmarks/labgrid_places.py`` need a farm whose every part is real —
labgrid's own coordinator, exporter and client, real sockets, real firmware — on a machine with no
boards; and a lab can try tinybench's place support before wiring one (docs/bench.md).

A *farm board* is the host firmware (``boards/labgrid-host.yaml``), or tinybench firmware in QEMU
(``boards/labgrid-qemu.yaml``: deterministic time), listening on a fixed port P that the exporter
exports as a ``NetworkSerialPort`` (``protocol: raw``; labgrid needs no ser2net for that). "Flashing" it
(``python -m tinybench.sim.labgrid_farm flash socket://127.0.0.1:P IMAGE``, the ``command``
flasher of ``boards/labgrid-host.yaml``) stops the firmware process at P and starts IMAGE there —
what a probe does to a real board behind a place. Farm boards are detached processes (they outlive
the flash command, as a board outlives its programmer); ``LabgridFarm.stop`` ends them all.

An *energy bench* place (``FarmPlace(energy=True)``) is what a lab's MLPerf Tiny energy bench is
(docs/bench.md "labgrid farm"): its DUT's UART is not exported; the place holds the ``interface``
port (firmware/interface, host build, relaying to the DUT) and the ``monitor`` port (the simulated
LPM01A, fed by the DUT's timestamp edges). "Flashing" it through the interface port restarts the
DUT and the interface board. A place with ``power=True`` also holds a ``NetworkPowerPort`` named
``power`` (labgrid's ``simplerest`` model) served by :class:`PowerSwitch`, a simulated switch that
stops and restarts the place's board.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from tinybench.errors import TinybenchError
from tinybench.flash.places import client_command
from tinybench.power.sim_lpm01a import SimLpm01a
from tinybench.sim.process import _die_with_parent, free_port

EXPORTER_NAME = "tb-farm"
#: the baud the farm's interface boards report for the DUT hop (boards/labgrid-host.yaml: energy)
BENCH_BAUD = 9600


def _state_dir() -> Path:
    path = Path(tempfile.gettempdir()) / f"tinybench-farm-{os.getuid()}"
    path.mkdir(exist_ok=True)
    return path


def _listening(port: int) -> bool:
    from tinybench.sim.launch import _is_listening

    return _is_listening(port)


def _reaped(pid: int) -> bool:
    """True once ``pid`` has exited; reaps it when it is this process's child (the power switch
    starts boards from the farm's process), so a zombie does not look alive."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:      # not our child: os.kill(pid, 0) tells
        return False


def _stop_group(key: str) -> None:
    """Stop the detached process group recorded in ``<key>.pid`` (if any)."""
    pidfile = _state_dir() / f"{key}.pid"
    try:
        pid = int(pidfile.read_text())
    except (OSError, ValueError):
        return
    try:
        os.killpg(pid, signal.SIGTERM)
        for _ in range(100):
            if _reaped(pid):
                break
            os.kill(pid, 0)
            time.sleep(0.02)
        else:
            os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    pidfile.unlink(missing_ok=True)
    (_state_dir() / f"{key}.log").unlink(missing_ok=True)


def _spawn_detached(key: str, argv: list[str], port: int, what: str, timeout: float) -> int:
    """Start ``argv`` in a session of its own (pid in ``<key>.pid``) and wait until ``port`` listens."""
    _stop_group(key)
    log = open(_state_dir() / f"{key}.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    log.close()
    (_state_dir() / f"{key}.pid").write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while not _listening(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise TinybenchError(f"farm {what} did not listen on port {port}",
                                 f"see {_state_dir() / (key + '.log')}; is the port taken?")
        time.sleep(0.05)
    return proc.pid


def stop_board(port: int) -> None:
    """Stop the farm board firmware serving ``port`` (if any), and its bench's interface board."""
    _stop_group(str(port))
    bench = _bench_at_dut(port)
    if bench is not None:
        _stop_group(f"iface-{bench['interface_port']}")


def start_board(port: int, image: Path, *, edge_port: int = 0, qemu: str | None = None,
                timeout: float = 10.0) -> int:
    """(Re)start the farm board at ``port`` with ``image``; returns its pid. ``qemu``: the board
    (``boards/<name>.yaml`` with a ``qemu:`` section) whose emulator runs the image — deterministic
    DUT time (``-icount``) — else the image is a host build. A bench's interface board is restarted
    after it (it relays to this UART)."""
    stop_board(port)
    if qemu:
        from tinybench.boards import load_board
        from tinybench.sim.launch import qemu_command

        argv = qemu_command(load_board(qemu), Path(image), port, edge_port or free_port())
    else:
        # The host firmware dies with its parent (PR_SET_PDEATHSIG), so its parent is a shell that
        # waits for it (`; :` keeps sh from exec-ing it), in a session of its own that the flash
        # command's exit does not end; stop_board signals the whole group.
        argv = ["sh", "-c", '"$0" --port "$1" --edge-port "$2"; :', str(image), str(port), str(edge_port)]
    pid = _spawn_detached(str(port), argv, port, f"board firmware {image}", timeout)
    (_state_dir() / f"{port}.image").write_text(json.dumps({"image": str(Path(image).resolve()),
                                                             "qemu": qemu}))
    bench = _bench_at_dut(port)
    if bench is not None:
        iface = bench["interface_port"]
        _spawn_detached(f"iface-{iface}", [bench["interface_exe"], str(iface), "127.0.0.1", str(port),
                                           str(bench["baud"])], iface, "interface board", timeout)
    return pid


def _bench_file(interface_port: int) -> Path:
    return _state_dir() / f"bench-{interface_port}.json"


def _bench_at_dut(dut_port: int) -> dict | None:
    for path in _state_dir().glob("bench-*.json"):
        try:
            bench = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if bench.get("dut_port") == dut_port:
            return bench
    return None


def flash(port: int, image: Path, qemu: str | None = None) -> int:
    """Program the farm board reached at ``port``: a board's own UART, or a bench's interface port
    (then the DUT behind it is restarted with ``image``, its edge channel at the bench's port)."""
    try:
        bench = json.loads(_bench_file(port).read_text())
    except (OSError, ValueError):
        return start_board(port, image, qemu=qemu)
    return start_board(bench["dut_port"], image, edge_port=bench["edge_port"], qemu=qemu)


def power(dut_port: int, on: bool) -> None:
    """What the farm's power switch does to the board at ``dut_port``: off stops it (and a bench's
    interface board), on starts the image it last ran (nothing if it never ran one)."""
    if not on:
        stop_board(dut_port)
        return
    try:
        last = json.loads((_state_dir() / f"{dut_port}.image").read_text())
    except (OSError, ValueError):
        return
    bench = _bench_at_dut(dut_port)
    start_board(dut_port, Path(last["image"]), edge_port=bench["edge_port"] if bench else 0, qemu=last["qemu"])


class PowerSwitch:
    """A SIMULATED network power switch — a protocol-level stand-in for a lab's PDU/relay board,
    not hardware: an HTTP server speaking what labgrid's ``simplerest`` NetworkPowerPort model
    sends (``GET /power/<index>/1`` on, ``/0`` off, ``GET /power/<index>`` → ``1``/``0``), so the
    real ``labgrid-client power`` drives it. Each outlet calls ``outlets[index](on)``.

    ``failing``: outlets that answer HTTP 500 (a broken switch, for tests); ``events``: every
    switching request as (index, on), in order."""

    def __init__(self, outlets: dict[int, Callable[[bool], None]]) -> None:
        self.outlets = outlets
        self.state = dict.fromkeys(outlets, True)
        self.failing: set[int] = set()
        self.events: list[tuple[int, bool]] = []
        switch = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = self.path.strip("/").split("/")
                if len(parts) not in (2, 3) or parts[0] != "power" or not parts[1].isdigit() \
                        or int(parts[1]) not in switch.outlets:
                    self.send_error(404, "no such outlet")
                    return
                index = int(parts[1])
                if index in switch.failing:
                    self.send_error(500, "relay fault (simulated)")
                    return
                if len(parts) == 3:
                    if parts[2] not in ("0", "1"):
                        self.send_error(400, "value must be 0 or 1")
                        return
                    on = parts[2] == "1"
                    switch.events.append((index, on))
                    switch.outlets[index](on)
                    switch.state[index] = on
                body = b"1" if switch.state[index] else b"0"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/power/{{index}}/{{value}}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="farm-power", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
        return True
    except OSError:
        return False


@dataclass
class FarmPlace:
    """One place of the farm: its name, the board tag, and the TCP port of its simulated board's
    UART. ``energy``: an energy bench (ports ``interface`` and ``monitor``, the DUT's own UART not
    exported; the other ports are chosen by the farm; ``interface_speed``: the interface port's
    stated speed); ``power``: a ``power`` NetworkPowerPort."""

    name: str
    board: str
    port: int
    energy: bool = False
    power: bool = False
    edge_port: int = 0
    interface_port: int = 0
    monitor_port: int = 0
    interface_speed: int = 115200      #: the speed the exporter states for the interface port

    def resources(self, power_url: str, index: int) -> dict[str, dict]:
        """The exporter yaml group of this place."""
        def serial(port: int, speed: int = 115200) -> dict:
            return {"cls": "NetworkSerialPort", "host": "127.0.0.1", "port": port, "speed": speed,
                    "protocol": "raw"}

        group = ({"interface": serial(self.interface_port, self.interface_speed),
                  "monitor": serial(self.monitor_port)}
                 if self.energy else {"NetworkSerialPort": serial(self.port)})
        if self.power:
            group["power"] = {"cls": "NetworkPowerPort", "model": "simplerest", "host": power_url,
                              "index": index}
        return group


class LabgridFarm:
    """Coordinator + exporter on free loopback ports, places seeded from ``places`` (each with a
    ``NetworkSerialPort`` at ``127.0.0.1:<port>`` and the tag ``board=<board>``). Use as a context
    manager; every process it started (and every farm board at its ports) is stopped on exit."""

    #: stated power of the simulated LPM01A of every energy bench (mW; figures are estimated)
    BENCH_POWER_MW = 40.8

    def __init__(self, workdir: Path, places: list[FarmPlace]) -> None:
        self.workdir = Path(workdir)
        self.places = places
        self.coordinator = ""
        self.procs: list[subprocess.Popen[bytes]] = []
        self.monitors: dict[str, SimLpm01a] = {}     # energy bench place -> its simulated LPM01A
        self.switch: PowerSwitch | None = None

    def _start_benches(self) -> None:
        """Ports, interface firmware, simulated LPM01A and power switch of the places that need them."""
        from tinybench.flash.build import build_interface_firmware

        outlets: dict[int, Callable[[bool], None]] = {}
        for index, place in enumerate(self.places):
            if place.power:
                outlets[index] = lambda on, port=place.port: power(port, on)
            if not place.energy:
                continue
            place.edge_port = place.edge_port or free_port()
            place.interface_port = place.interface_port or free_port()
            exe = build_interface_firmware("host", BENCH_BAUD)
            _bench_file(place.interface_port).write_text(json.dumps(
                {"dut_port": place.port, "edge_port": place.edge_port, "baud": BENCH_BAUD,
                 "interface_port": place.interface_port, "interface_exe": str(exe)}))
            sim = SimLpm01a(f"socket://127.0.0.1:{place.edge_port}", power_mw=self.BENCH_POWER_MW,
                            port=place.monitor_port, reconnect=True).start()
            self.monitors[place.name] = sim
            place.monitor_port = int(sim.url.rsplit(":", 1)[1])
        if outlets:
            self.switch = PowerSwitch(outlets)

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
        self._start_benches()
        # The coordinator keeps its places in ./places.yaml; seeding it is what `labgrid-client
        # create`, `add-match` and `set-tags` would do, without a client round trip per place.
        seeded = {p.name: {"acquired": None, "acquired_resources": [], "aliases": [], "allowed": [],
                           "changed": time.time(), "comment": "tinybench simulated board",
                           "created": time.time(),
                           "matches": [{"cls": "*", "exporter": EXPORTER_NAME, "group": p.name,
                                        "name": None, "rename": None}],
                           "reservation": None, "tags": {"board": p.board}} for p in self.places}
        (self.workdir / "places.yaml").write_text(yaml.safe_dump(seeded))
        power_url = self.switch.url if self.switch else ""
        exported = {p.name: p.resources(power_url, i) for i, p in enumerate(self.places)}
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
            if place.energy:
                _bench_file(place.interface_port).unlink(missing_ok=True)
        for sim in self.monitors.values():
            sim.close()
        if self.switch is not None:
            self.switch.close()


def main(argv: list[str]) -> int:
    """``python -m tinybench.sim.labgrid_farm flash URL IMAGE [QEMU_BOARD]``: program the farm board
    at URL (``QEMU_BOARD``: the board yaml whose ``qemu:`` section emulates the image)."""
    if len(argv) not in (3, 4) or argv[0] != "flash":
        print("usage: python -m tinybench.sim.labgrid_farm flash socket://127.0.0.1:PORT IMAGE [QEMU_BOARD]",
              file=sys.stderr)
        return 2
    url = urlsplit(argv[1])
    if url.hostname not in ("127.0.0.1", "localhost") or url.port is None:
        print(f"not a farm board URL: {argv[1]} (expected socket://127.0.0.1:PORT)", file=sys.stderr)
        return 2
    try:
        pid = flash(url.port, Path(argv[2]), argv[3] if len(argv) == 4 else None)
    except TinybenchError as exc:
        print(f"flash failed: {exc.message}", file=sys.stderr)
        return 1
    print(f"farm board at {argv[1]} now runs {argv[2]} (pid {pid})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
