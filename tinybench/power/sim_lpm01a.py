"""A SIMULATED X-NUCLEO-LPM01A: a protocol-level stand-in for the real instrument. Not a measurement.

Why it exists: energy mode must run end to end in CI, where no power monitor can exist. This
server speaks the PowerShield ASCII protocol (``ack``/``error`` replies, ``DDDDSEE`` samples,
``event NN ris`` edges, ``TimeStamp:`` ticks, ``Acquisition completed``) over a TCP socket, so the
*real* :class:`~tinybench.power.lpm01a.Lpm01a` driver talks to it through pyserial
(``socket://127.0.0.1:<port>``). Its identity says ``sim`` (serial ``SIM-…``, firmware ``…-sim``)
and every figure it produces is labelled **estimated**.

Energy model (stated, not measured): the simulated MCU draws a constant ``power_mw`` (it never
sleeps: the monitor polls its UART), with a deterministic ±0.5 % ripple so samples differ, and
each sample carries ``power × 1/fs`` joules, rounded to the instrument's 4 significant digits.
Energy per inference is therefore ``power × simulated time per inference``.
``power_mw`` comes from :func:`estimate_power_mw` (board yaml, else a documented default).

Time base: the simulated board's clock. The instrument is fed by the board's edge channel
(``edge <dut_us>`` lines on ``DutLink.edge_url``) or by :meth:`SimLpm01a.feed_edge`. The first
edge after ``start`` is placed ``LEAD_SAMPLES`` into the trace; each later edge at
``(dut_us − anchor)·fs/1e6`` samples. Samples are emitted up to the sample in progress, then the
``event`` line (so an edge's index is ceil of its position, as EnergyRunner counts). Samples are
produced as simulated time becomes known (at each edge), not at wall-clock pace; ``stop`` adds
``TAIL_SAMPLES`` after the last edge.

Faults for tests (:class:`Faults`): not answering, ``error`` replies for chosen commands, a stale
output queue at connect (an acquisition left running that buries acknowledgements until
``stop``), dropped samples (sample lines not sent, ticks still counting them), missing edges and
extra edges.
"""

from __future__ import annotations

import math
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

LEAD_SAMPLES = 20
TAIL_SAMPLES = 100
SIM_SERIAL = "SIM-LPM01A-0001"
SIM_FIRMWARE = "1.0.6-sim"

#: Default power model when the board definition states none: 0.34 mW per MHz of core clock.
#: Source: the MLPerf Tiny v0.5 reference trace (Nucleo-L4R5ZI at 120 MHz, 1.8 V) draws ≈ 40.8 mW
#: while inferring (``closed/reference/results/Nucleo-L4R5ZI/kws/energy``): 40.8 / 120 ≈ 0.34.
DEFAULT_MW_PER_MHZ = 0.34
DEFAULT_CLOCK_MHZ = 120.0

_FREQ = {"100k": 100_000, "50k": 50_000, "20k": 20_000, "10k": 10_000, "5k": 5_000, "2k": 2_000,
         "1k": 1_000, "500": 500, "200": 200, "100": 100, "50": 50, "20": 20, "10": 10, "5": 5,
         "2": 2, "1": 1}


def estimate_power_mw(board: Any | None) -> tuple[float, str]:
    """Power of the simulated board and a sentence saying where the figure comes from.

    Looks for ``power_mw`` / ``active_power_mw`` (optionally nested under ``power`` or
    ``energy``), else ``clock_hz``/``clock_mhz`` × :data:`DEFAULT_MW_PER_MHZ`, else the default
    clock.
    """
    def get(obj: Any, name: str) -> Any:
        if obj is None:
            return None
        if isinstance(obj, dict):
            return obj.get(name)
        return getattr(obj, name, None)

    for holder in (board, get(board, "power"), get(board, "energy")):
        for key in ("active_power_mw", "power_mw", "active_mw"):
            value = get(holder, key)
            if isinstance(value, (int, float)) and value > 0:
                return float(value), f"board definition {key} = {value} mW"
    clock = get(board, "clock_hz")
    mhz = clock / 1e6 if isinstance(clock, (int, float)) and clock > 0 else get(board, "clock_mhz")
    if isinstance(mhz, (int, float)) and mhz > 0:
        return (DEFAULT_MW_PER_MHZ * mhz,
                f"default model {DEFAULT_MW_PER_MHZ} mW/MHz × {mhz:g} MHz board clock")
    return (DEFAULT_MW_PER_MHZ * DEFAULT_CLOCK_MHZ,
            f"default model {DEFAULT_MW_PER_MHZ} mW/MHz × {DEFAULT_CLOCK_MHZ:g} MHz (no clock in board definition)")


def format_sample(value: float) -> str:
    """Value → ``DDDDSEE`` with 4 significant digits (``4.08e-5`` → ``4080-08``)."""
    if value <= 0:
        return "0000+00"
    exp = math.floor(math.log10(value)) - 3
    mant = round(value / 10.0 ** exp)
    if mant >= 10_000:
        mant //= 10
        exp += 1
    return f"{mant:04d}{exp:+03d}"


@dataclass
class Faults:
    """Faults the simulated instrument injects (all off by default)."""

    mute: bool = False  # never answer any command
    error_on: dict[str, str] = field(default_factory=dict)  # command word → error detail
    stale_queue: bool = False  # an old acquisition is streaming at connect until `stop`
    drop_samples: list[tuple[int, int]] = field(default_factory=list)  # (first sample, count) not sent
    missing_edges: set[int] = field(default_factory=set)  # edge ordinals (0-based, per acquisition) not reported
    extra_edges: dict[int, int] = field(default_factory=dict)  # after edge ordinal k: extra event +n samples later


class SimLpm01a:
    """Simulated PowerShield server; use as a context manager, connect the driver to :attr:`url`."""

    def __init__(self, edge_url: str | None = None, *, power_mw: float = 40.8,
                 faults: Faults | None = None, host: str = "127.0.0.1", port: int = 0,
                 reconnect: bool = False) -> None:
        self.edge_url = edge_url
        #: keep the "D7 wire" when the board restarts (a bench in a farm: power cycles, flashing):
        #: reopen the edge channel whenever it closes, until :meth:`close`
        self.reconnect = reconnect
        self.power_mw = float(power_mw)
        self.faults = faults or Faults()
        self._server = socket.create_server((host, port))
        self._server.settimeout(0.2)
        self.url = f"socket://{host}:{self._server.getsockname()[1]}"
        self._lock = threading.RLock()
        self._conn: socket.socket | None = None
        self._closing = False
        self._threads: list[threading.Thread] = []
        self.edge_channel_open = threading.Event()
        # instrument state
        self.voltage_mv = 3300
        self.rate_hz = 100
        self.output = "current"
        self.acquiring = False
        self.powered = False
        self._stale = self.faults.stale_queue
        # acquisition state and ground truth (what was sent), for tests and audits
        self._anchor_us: int | None = None
        self._produced = 0  # samples produced (sent or dropped)
        self._edge_ordinal = 0
        self._counter = 0
        self._last_pos = 0.0
        self.sent_values: list[float] = []  # value of every produced sample (NaN where dropped)
        self.event_positions: list[int] = []  # sample index of every event line sent
        self.edges_seen: list[int] = []  # dut_us of every edge received while acquiring

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> "SimLpm01a":
        self._spawn(self._accept_loop, "sim-lpm01a-accept")
        if self.edge_url:
            self._spawn(self._edge_loop, "sim-lpm01a-edges")
        return self

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def close(self) -> None:
        self._closing = True
        try:
            self._server.close()
        except OSError:
            pass
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                except OSError:
                    pass
        for thread in self._threads:
            thread.join(timeout=2.0)

    def __enter__(self) -> "SimLpm01a":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- I/O ----------------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.sendall(text.encode("ascii"))
            except OSError:
                pass

    def _accept_loop(self) -> None:
        while not self._closing:
            try:
                conn, _ = self._server.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            with self._lock:
                self._conn = conn
            if self._stale:
                self._spawn(self._stale_streamer, "sim-lpm01a-stale")
            self._serve(conn)
            with self._lock:
                self._conn = None

    def _serve(self, conn: socket.socket) -> None:
        for raw in self._received_lines(conn, 4096):
            line = raw.strip()
            if line:
                self._handle(line)

    def _received_lines(self, conn: socket.socket, chunk_size: int) -> Iterator[str]:
        """Lines from ``conn`` (without ``\\n``) until the peer hangs up, the socket fails or we close.

        Both the command port and the board's edge channel are line protocols over TCP; the short
        receive timeout lets the loop notice :meth:`close` promptly.
        """
        conn.settimeout(0.2)
        pending = b""
        while not self._closing:
            try:
                chunk = conn.recv(chunk_size)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                yield raw.decode("ascii", errors="replace")

    def _stale_streamer(self) -> None:
        """Fault: samples of an acquisition nobody stopped keep arriving until `stop`."""
        import time

        while self._stale and not self._closing:
            self._write("".join(f"{format_sample(3.3e-5)}\r\n" for _ in range(50)))
            time.sleep(0.02)

    def _edge_loop(self) -> None:
        """Read ``edge <dut_us>`` lines from the simulated board's edge channel.

        The channel is opened with the board's ``edge-ready`` handshake
        (:func:`tinybench.sim.edges.open_edge_channel`): QEMU drops serial output until its main
        loop has accepted the client, so without it the first edge could be lost.
        """
        import time

        from tinybench.errors import TinybenchError
        from tinybench.sim.edges import open_edge_channel, parse_edge_line

        while not self._closing:
            sock = None
            while not self._closing and sock is None:
                try:
                    sock = open_edge_channel(self.edge_url or "", timeout=10.0)
                except (TinybenchError, OSError):
                    time.sleep(0.1)
            if sock is None:
                return
            self.edge_channel_open.set()
            try:
                for line in self._received_lines(sock, 1 << 16):
                    dut_us = parse_edge_line(line)
                    if dut_us is not None:
                        self.feed_edge(dut_us)
            finally:
                sock.close()
            if not self.reconnect:
                return

    # --- commands -----------------------------------------------------------------------------

    def _ack(self, line: str, payload: str = "") -> None:
        self._write(f"ack {line}{(' ' + payload) if payload else ''}\r\nPowerShield > ")

    def _error(self, line: str, detail: str) -> None:
        self._write(f"error {line}\r\nError detail: {detail}\r\nPowerShield > ")

    def _handle(self, line: str) -> None:
        word, _, arg = line.partition(" ")
        arg = arg.strip()
        if self.faults.mute:
            return
        if self._stale and word != "stop":
            return  # acknowledgements drown in the stale stream (the known MLPerf failure)
        if word in self.faults.error_on:
            self._error(line, self.faults.error_on[word])
            return
        handler = getattr(self, f"_cmd_{word}", None)
        if handler is None:
            self._error(line, f"command '{word}' not found")
            return
        handler(line, arg)

    def _cmd_stop(self, line: str, arg: str) -> None:
        if self._stale:
            self._stale = False
            self._ack(line)
            self._write("Acquisition completed\r\nPowerShield > ")
            return
        with self._lock:
            if self.acquiring:
                self._produce_until(math.ceil(self._last_pos) + TAIL_SAMPLES)
                self.acquiring = False
        self._ack(line)
        self._write("Acquisition completed\r\nPowerShield > ")

    def _cmd_start(self, line: str, arg: str) -> None:
        if self.output != "energy":
            self._error(line, "the simulated instrument streams `output energy` only")
            return
        with self._lock:
            self._anchor_us = None
            self._produced = 0
            self._edge_ordinal = 0
            self._counter = 0
            self._last_pos = 0.0
            self.sent_values = []
            self.event_positions = []
            self.edges_seen = []
            self.acquiring = True
        self._ack(line)

    def _cmd_volt(self, line: str, arg: str) -> None:
        if arg == "get":
            self._ack(line, f"{self.voltage_mv}m")
            return
        m = re.fullmatch(r"(\d+)m", arg)
        if not m or not 1800 <= int(m.group(1)) <= 3300:
            self._error(line, "voltage must be 1800m..3300m")
            return
        self.voltage_mv = int(m.group(1))
        self._ack(line)

    def _cmd_freq(self, line: str, arg: str) -> None:
        if arg not in _FREQ:
            self._error(line, "invalid frequency")
            return
        self.rate_hz = _FREQ[arg]
        self._ack(line)

    def _cmd_output(self, line: str, arg: str) -> None:
        if arg not in ("current", "energy"):
            self._error(line, "output must be current or energy")
            return
        self.output = arg
        self._ack(line)

    def _cmd_pwr(self, line: str, arg: str) -> None:
        state = arg.split()[0] if arg else ""
        if state not in ("on", "off", "auto", "get"):
            self._error(line, "pwr on|off|auto|get")
            return
        if state == "get":
            self._ack(line, "on" if self.powered else "off")
            return
        self.powered = state in ("on", "auto")
        self._ack(line)

    def _cmd_powershield(self, line: str, arg: str) -> None:
        self._ack(line, SIM_SERIAL)

    def _cmd_version(self, line: str, arg: str) -> None:
        self._ack(line, SIM_FIRMWARE)

    def _cmd_status(self, line: str, arg: str) -> None:
        self._ack(line, "ok")

    def _simple(self, line: str, arg: str) -> None:
        self._ack(line)

    _cmd_htc = _cmd_hrc = _cmd_lcd = _cmd_acqtime = _cmd_trigdelay = _cmd_trigsrc = _simple
    _cmd_eventsrc = _cmd_format = _cmd_echo = _cmd_acqmode = _cmd_funcmode = _cmd_psrst = _simple

    # --- acquisition ---------------------------------------------------------------------------

    def _sample_value(self, index: int) -> float:
        ripple = 1.0 + 0.005 * math.sin(index * 0.37)
        return self.power_mw * 1e-3 * ripple / self.rate_hz

    def _dropped(self, index: int) -> bool:
        return any(first <= index < first + count for first, count in self.faults.drop_samples)

    def _produce_until(self, end: int) -> None:
        """Emit samples ``[produced, end)`` (skipping dropped ones) with a tick every second."""
        out: list[str] = []
        while self._produced < end:
            i = self._produced
            text = format_sample(self._sample_value(i))
            if self._dropped(i):
                self.sent_values.append(float("nan"))
            else:
                self.sent_values.append(float(int(text[:4]) * 10.0 ** int(text[4:])))
                out.append(text + "\r\n")
            self._produced += 1
            if self._produced % self.rate_hz == 0:
                secs, ms = divmod(self._produced * 1000 // self.rate_hz, 1000)
                out.append(f"TimeStamp: {secs:03d}s {ms:03d}ms, buff 00%\r\n")
        if out:
            self._write("".join(out))

    def _event(self) -> None:
        self.event_positions.append(self._produced)
        self._write(f"event {self._counter:02d} ris\r\n")
        self._counter += 1

    def feed_edge(self, dut_us: int) -> None:
        """One timestamp edge at simulated board time ``dut_us`` (ignored when not acquiring)."""
        with self._lock:
            if not self.acquiring:
                return
            self.edges_seen.append(dut_us)
            if self._anchor_us is None:
                self._anchor_us = dut_us - int(LEAD_SAMPLES * 1e6 / self.rate_hz)
            pos = (dut_us - self._anchor_us) * self.rate_hz / 1e6
            self._last_pos = max(self._last_pos, pos)
            self._produce_until(math.ceil(pos - 1e-9))
            ordinal = self._edge_ordinal
            self._edge_ordinal += 1
            if ordinal not in self.faults.missing_edges:
                self._event()
            if ordinal in self.faults.extra_edges:
                self._produce_until(self._produced + self.faults.extra_edges[ordinal])
                self._event()

    def ground_truth_energy_j(self, start: int, stop: int) -> float:
        """Energy the simulator produced for samples [start, stop) (NaN-free sum), for audits."""
        values = np.asarray(self.sent_values[start:stop], dtype=np.float64)
        return float(np.nansum(values))


def main(argv: list[str] | None = None) -> int:
    """Serve a simulated LPM01A until interrupted: ``python -m tinybench.power.sim_lpm01a``.

    Connect the real driver with ``--monitor lpm01a:socket://127.0.0.1:<port>``.
    """
    import argparse
    import time

    parser = argparse.ArgumentParser(description="Simulated X-NUCLEO-LPM01A (estimated figures only)")
    parser.add_argument("--edge-url", help="the simulated board's edge channel, e.g. socket://127.0.0.1:5001")
    parser.add_argument("--port", type=int, default=0, help="TCP port to serve (0 = any free port)")
    parser.add_argument("--power-mw", type=float, default=DEFAULT_MW_PER_MHZ * DEFAULT_CLOCK_MHZ,
                        help="stated constant power of the simulated board (mW)")
    args = parser.parse_args(argv)
    with SimLpm01a(args.edge_url, power_mw=args.power_mw, port=args.port) as sim:
        print(f"simulated LPM01A (estimated figures) at {sim.url}", flush=True)
        try:
            while True:
                time.sleep(1.0)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
