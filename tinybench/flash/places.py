"""labgrid places: acquire a place on a labgrid coordinator, read its resources, always release it.

Why the ``labgrid-client`` command and not labgrid's Python ``ClientSession``: the CLI is labgrid's
documented, stable interface (the same commands a lab member types, unchanged across the move from
crossbar to gRPC), while ``ClientSession`` is an internal asyncio object driven by an argparse
namespace. Running the client as a separate process also keeps labgrid's own dependencies
(gRPC, its pyserial fork, its pytest plugin) out of tinybench's process, lets a lab use a labgrid
installed anywhere (``TINYBENCH_LABGRID_CLIENT``, the venv, or ``PATH``), and makes the release
independent of whatever state a Ctrl-C left the run in. The price is ~1 s of CPU per call, three
calls per run (show: tags and the resources the place matches; acquire; release).

Every call runs in its own session with SIGINT/SIGTERM held back for its duration, so a Ctrl-C
never lands between "the coordinator acquired the place" and "tinybench knows it holds it": the
interrupt is taken right after, and the ``finally`` that releases the place always runs.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinybench.errors import TinybenchError

#: labgrid's default coordinator address (labgrid-client uses it when neither -x nor LG_COORDINATOR is set).
DEFAULT_COORDINATOR = "127.0.0.1:20408"
_CALL_TIMEOUT_S = 60.0
#: places this process holds right now (name -> info): a nested lease reuses the outer one.
_HELD: dict[str, PlaceInfo] = {}
#: the last ``show`` of each (coordinator, place) not yet used by a lease (saves one client call).
_SHOWN: dict[tuple[str, str], PlaceInfo] = {}


@dataclass
class PlaceInfo:
    """A place as the coordinator describes it: tags, who holds it and (once acquired) its resources.

    ``resources``: resource name -> (class, params) of the resources acquired with the place, e.g.
    ``NetworkSerialPort`` -> ``{"host": ..., "port": ..., "protocol": "raw"|"rfc2217", "speed": ...}``.
    """

    name: str
    coordinator: str
    tags: dict[str, str] = field(default_factory=dict)
    acquired: str | None = None                  # "host/user" of the holder
    resources: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def board(self) -> str | None:
        """The tinybench board (``boards/<name>.yaml``) the place's ``board`` tag names."""
        return self.tags.get("board")

    def _ports(self) -> dict[str, dict[str, Any]]:
        return {name: params for name, (cls, params) in self.resources.items() if cls == "NetworkSerialPort"}

    def serial_url(self, role: str = "") -> str:
        """The pyserial URL of one of the place's serial ports (``socket://`` for a raw TCP port,
        ``rfc2217://`` for ser2net/RFC 2217).

        ``role=""``: the DUT's own UART — the port named ``dut``, else the default-named
        ``NetworkSerialPort``, else the only port without a role name; ``""`` when the place has
        none but an ``interface`` port (an energy bench: the DUT is reached through the interface
        board only). ``role`` in :data:`PORT_ROLES`: the port of that name, or ``""``."""
        ports = self._ports()
        if role:
            params = ports.get(role)
            return _port_url(params) if params is not None else ""
        main = {n: p for n, p in ports.items() if n not in PORT_ROLES}
        if not main:
            if "interface" in ports:
                return ""
            have = ", ".join(f"{n} ({c})" for n, (c, _) in self.resources.items()) or "none"
            raise TinybenchError(
                f"labgrid place '{self.name}' has no NetworkSerialPort resource for the DUT (it has: {have})",
                "export the DUT's UART from the exporter (a NetworkSerialPort named dut, or a "
                "RawSerialPort/USBSerialPort through ser2net; an energy bench: its interface board's "
                f"port named interface) and add it: labgrid-client -p {self.name} add-match "
                "EXPORTER/GROUP/*")
        chosen = main.get("dut") or main.get("NetworkSerialPort")
        if chosen is None:
            if len(main) > 1:
                raise TinybenchError(f"labgrid place '{self.name}' has several serial ports "
                                     f"({', '.join(main)}) and none is named dut",
                                     "name the DUT's port dut in the exporter yaml (or add-named-match "
                                     "... dut), or drop the others from the place")
            chosen = next(iter(main.values()))
        return _port_url(chosen)

    @property
    def interface_only(self) -> bool:
        """An energy bench place: an ``interface`` port and no DUT port of its own, so every mode
        reaches the DUT through the interface board (docs/bench.md "labgrid farm")."""
        return not self.serial_url() and bool(self.serial_url("interface"))

    def require(self, role: str, why: str) -> str:
        """The URL of the port named ``role``; a clear error naming it (and the fix) when missing."""
        url = self.serial_url(role)
        if not url:
            have = ", ".join(f"{n} ({c})" for n, (c, _) in self.resources.items()) or "none"
            raise TinybenchError(
                f"labgrid place '{self.name}' has no NetworkSerialPort named '{role}' ({why}); it has: {have}",
                f"export it in the exporter yaml as `{role}: {{cls: NetworkSerialPort, host: ..., port: ...}}` "
                f"(or RawSerialPort/USBSerialPort named {role}) and add it: labgrid-client -p "
                f"{self.name} add-match EXPORTER/GROUP/NetworkSerialPort/{role}")
        return url

    def monitor_spec(self) -> str | None:
        """``--monitor`` spec of the place's power monitor: the ``monitor`` port driven by the driver
        the place's ``monitor`` tag names (default ``lpm01a``, the only serial-port monitor with a
        URL); None when the place has no ``monitor`` port."""
        url = self.serial_url("monitor")
        return f"{self.tags.get('monitor', 'lpm01a')}:{url}" if url else None

    @property
    def power_port(self) -> tuple[str, str, dict[str, Any]] | None:
        """(name, class, params) of the place's power switch (a ``power``-named one first), or None."""
        found = [(n, c, p) for n, (c, p) in self.resources.items() if c in POWER_CLASSES]
        found.sort(key=lambda item: item[0] != "power")
        return found[0] if found else None


#: NetworkSerialPort names with a meaning to tinybench (docs/bench.md "labgrid farm"); the DUT's
#: own UART is ``dut`` (or the default name ``NetworkSerialPort``).
PORT_ROLES = ("interface", "monitor", "energy")
#: labgrid resources ``labgrid-client power`` can switch.
POWER_CLASSES = ("NetworkPowerPort", "PDUDaemonPort", "TasmotaPowerPort", "NetworkUSBPowerPort",
                 "NetworkSiSPMPowerPort", "NetworkYKUSHPowerPort")


def _port_url(params: dict[str, Any]) -> str:
    scheme = "rfc2217" if params.get("protocol", "rfc2217") == "rfc2217" else "socket"
    return f"{scheme}://{params['host']}:{params['port']}"


def client_command() -> list[str]:
    """How to run labgrid-client: ``$TINYBENCH_LABGRID_CLIENT``, the one beside this Python, or ``PATH``."""
    explicit = os.environ.get("TINYBENCH_LABGRID_CLIENT")
    if explicit:
        return [explicit]
    beside = Path(sys.executable).parent / "labgrid-client"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("labgrid-client")
    if found:
        return [found]
    raise TinybenchError("labgrid-client is not installed (needed for labgrid places)",
                         "pip install 'tinybench[labgrid]' (or install labgrid and put labgrid-client "
                         "on PATH / set TINYBENCH_LABGRID_CLIENT)")


def coordinator_address(coordinator: str | None) -> str:
    return coordinator or os.environ.get("LG_COORDINATOR") or DEFAULT_COORDINATOR


@contextmanager
def _signals_held() -> Iterator[None]:
    """Defer SIGINT/SIGTERM for the block (main thread only); a pending one fires right after."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _call(coordinator: str, args: list[str], *, place: str | None = None) -> str:
    """Run one labgrid-client command; returns stdout or raises a TinybenchError naming the resource."""
    argv = [*client_command(), "-x", coordinator]
    if place is not None:
        argv += ["-p", place]
    argv += args
    env = dict(os.environ)
    env.pop("LG_PLACE", None)
    try:
        with _signals_held():
            # Own session: a terminal Ctrl-C reaches tinybench, never a half-done labgrid call.
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=_CALL_TIMEOUT_S,
                                  env=env, start_new_session=True, check=False)
    except subprocess.TimeoutExpired as exc:
        raise TinybenchError(f"labgrid coordinator at {coordinator} did not answer "
                             f"`labgrid-client {' '.join(args)}` within {_CALL_TIMEOUT_S:.0f} s",
                             "check the coordinator and the network path to it") from exc
    if proc.returncode != 0:
        raise _error(coordinator, place, args, (proc.stderr + proc.stdout).strip())
    return proc.stdout


def _error(coordinator: str, place: str | None, args: list[str], text: str) -> TinybenchError:
    """labgrid-client's failure text → one message that names the place or the coordinator."""
    if "Could not connect to coordinator" in text or "coordinator is unavailable" in text:
        return TinybenchError(f"labgrid coordinator at {coordinator} is unreachable",
                              "start labgrid-coordinator there, or pass --coordinator HOST:PORT "
                              "(default: LG_COORDINATOR, else 127.0.0.1:20408)")
    if "matches nothing" in text:
        return TinybenchError(f"labgrid place '{place}' does not exist on coordinator {coordinator}",
                              f"list the places: labgrid-client -x {coordinator} places")
    if "matches multiple places" in text:
        return TinybenchError(f"labgrid place name '{place}' matches several places on {coordinator}",
                              "give the full place name")
    held = re.search(r"already acquired by (\S+?)\.", text)
    if held:
        return TinybenchError(f"labgrid place '{place}' is held by {held.group(1)} (coordinator {coordinator})",
                              f"wait until it is released (labgrid-client -x {coordinator} who), or "
                              f"ask its holder to run labgrid-client -p {place} release")
    if "You have already acquired place" in text:
        return TinybenchError(f"labgrid place '{place}' is already acquired by you (coordinator {coordinator}): "
                              "another run, or a labgrid-client session of yours, is using it",
                              f"if nothing uses it: labgrid-client -x {coordinator} -p {place} release")
    if "has no matching remote resource" in text:
        return TinybenchError(f"labgrid place '{place}': a resource it matches is not exported "
                              f"({text.splitlines()[-1]})",
                              "start the exporter that serves it (labgrid-exporter), or fix the "
                              "place's matches (labgrid-client show)")
    last = text.splitlines()[-1] if text else "no output"
    return TinybenchError(f"labgrid-client {' '.join(args)} failed for place '{place}' on "
                          f"{coordinator}: {last}", "run the same labgrid-client command by hand to see why")


# ------------------------------------------------------------------ reading `labgrid-client` output
_PLACE = re.compile(r"^Place '(?P<name>[^']+)':$")
_RESOURCE = re.compile(r"^(Acquired|Matching) resource '(?P<name>[^']+)' \((?P<path>[^)]+)\):$")


def parse_show(text: str, coordinator: str) -> list[PlaceInfo]:
    """Places in ``labgrid-client show`` / ``-v places`` output: tags, holder, and the resources
    (``show`` lists the acquired ones of a held place, else the ones its matches would acquire).

    The resource parameters are printed as a Python dict (``pprint``), hence ``ast.literal_eval``.
    """
    places: list[PlaceInfo] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if (m := _PLACE.match(line)) is not None:
            places.append(PlaceInfo(name=m["name"], coordinator=coordinator))
        elif places and line.startswith("  tags: "):
            places[-1].tags = dict(t.split("=", 1) for t in line[8:].split(", ") if "=" in t)
        elif places and line.startswith("  acquired: "):
            holder = line[12:].strip()
            places[-1].acquired = None if holder == "None" else holder
        elif places and (m := _RESOURCE.match(line)) is not None:
            body = []
            while i + 1 < len(lines) and lines[i + 1].startswith("  "):
                i += 1
                body.append(lines[i].strip())
            entry = ast.literal_eval(" ".join(body))
            params = {k: v for k, v in entry.get("params", {}).items() if k != "extra"}
            places[-1].resources[m["name"]] = (entry.get("cls", m["path"].split("/")[2]), params)
        i += 1
    return places


# ------------------------------------------------------------------ public operations
def show_place(place: str, coordinator: str | None = None) -> PlaceInfo:
    """The place's tags and holder (and its resources, when acquired) without acquiring it."""
    address = coordinator_address(coordinator)
    found = parse_show(_call(address, ["show"], place=place), address)
    if not found:
        raise TinybenchError(f"labgrid place '{place}' does not exist on coordinator {address}")
    _SHOWN[(address, place)] = found[0]      # the lease that usually follows needs no second call
    return found[0]


def peek_place(place: str, coordinator: str | None = None) -> PlaceInfo:
    """The place as this process last saw it — held (its acquired resources), else the ``show`` the
    lease will use — or a fresh ``show``: what a run needs to know of the place's wiring before it
    builds anything, without a second client call."""
    if place in _HELD:
        return _HELD[place]
    address = coordinator_address(coordinator)
    return _SHOWN.get((address, place)) or show_place(place, address)


def list_places(coordinator: str | None = None) -> dict[str, PlaceInfo]:
    """Every place on the coordinator, by name (one ``labgrid-client -v places`` call)."""
    address = coordinator_address(coordinator)
    return {p.name: p for p in parse_show(_call(address, ["-v", "places"]), address)}


def board_of_place(place: str, coordinator: str | None, board: str | None) -> str:
    """The board to run at ``place``: ``board`` if given (it must agree with the place's ``board``
    tag when the place has one), else the tag."""
    tag = show_place(place, coordinator).board
    if board is not None:
        from tinybench.boards import load_board

        name = load_board(board).name       # --board may be a yaml file: its name is what the tag says
        if tag is not None and tag != name:
            raise TinybenchError(f"labgrid place '{place}' holds board '{tag}' (tag board={tag}), not '{name}'",
                                 f"drop --board, or pick a place tagged board={name}")
        return board
    if tag is None:
        raise TinybenchError(f"labgrid place '{place}' does not say which board it holds",
                             f"pass --board NAME, or tag the place: labgrid-client -p {place} set-tags board=NAME")
    return tag


def release(place: str, coordinator: str | None = None) -> None:
    _call(coordinator_address(coordinator), ["release"], place=place)


def power_cycle(info: PlaceInfo, off_s: float) -> str | None:
    """Switch the place's power port off, wait ``off_s`` seconds, switch it on again
    (``labgrid-client power cycle``); returns a transcript note, or None when the place has no
    power port. A failure names the place and the power resource."""
    port = info.power_port
    if port is None:
        return None
    name, cls, params = port
    where = ", ".join(f"{k} {params[k]}" for k in ("model", "host", "index") if k in params)
    args = ["power", "cycle", "-t", f"{off_s:g}"] + (["-n", name] if name != cls else [])
    try:
        _call(info.coordinator, args, place=info.name)
    except TinybenchError as exc:
        if "unreachable" in exc.message:
            raise
        raise TinybenchError(
            f"labgrid place '{info.name}': its power port '{name}' ({cls}: {where}) could not be "
            f"cycled: {exc.message}",
            f"check the power switch and its address in the exporter yaml; try it by hand: "
            f"labgrid-client -x {info.coordinator} -p {info.name} power get"
            f"{' -n ' + name if name != cls else ''}; or set labgrid.power: none in the board yaml") from exc
    return f"labgrid place {info.name}: power port '{name}' ({cls}: {where}) cycled, {off_s:g} s off"


@contextmanager
def lease(place: str, coordinator: str | None = None) -> Iterator[PlaceInfo]:
    """Hold ``place`` for the block: acquire it, yield its resources, release it on any exit
    (success, error, Ctrl-C, SIGTERM turned into KeyboardInterrupt). Re-entrant within a process:
    a suite worker holds its place across cells, and each cell's run reuses that lease."""
    if place in _HELD:
        yield _HELD[place]
        return
    address = coordinator_address(coordinator)
    info = _SHOWN.pop((address, place), None) or show_place(place, address)
    _SHOWN.pop((address, place), None)
    _call(address, ["acquire"], place=place)
    try:
        _HELD[place] = info
        yield info
    finally:
        # Signals held for the whole release: a second Ctrl-C, or the suite parent's SIGTERM right
        # after the first interrupt, must not skip it.
        with _signals_held():
            _HELD.pop(place, None)
            try:
                release(place, address)
            except TinybenchError as exc:
                print(f"warning: could not release labgrid place '{place}': {exc.message}; release it "
                      f"by hand: labgrid-client -x {address} -p {place} release", file=sys.stderr)
