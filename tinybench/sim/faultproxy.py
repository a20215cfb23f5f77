"""A fault-injecting TCP proxy between the host and a simulated DUT's UART. A testing instrument.

What it simulates: a bad serial line and an unreliable board, on real sockets, between the real
``DutClient`` (pyserial ``socket://``) and the real firmware (host build or QEMU UART socket):

* ``drop``        one byte never arrives;
* ``flip``        one bit of one byte is inverted (line noise);
* ``dup``         one line (DUT→host, ends at ``\\n``) or command (host→DUT, ends at ``%``) arrives twice;
* ``stall``       the stream stops for ``arg`` seconds at the fault's byte (inside a line or command,
                  or between two when it is the first byte), then continues (a busy USB hub, a slow VM);
* ``disconnect``  both directions close (cable pulled; USB-serial re-enumerated);
* ``reset``       the DUT resets mid-command: ``on_reset()`` is called (it kills the simulated DUT
                  process and starts a fresh one, returning its UART URL); the proxy then talks
                  to the new process, which has lost the command in flight and its input buffer.

Each fault fires when the byte counter of its direction (``"up"`` host→DUT, ``"down"`` DUT→host)
passes ``at``, so a campaign can aim at random points of a run. The proxy forwards whole records
(lines or commands) so ``dup`` and ``stall`` act on protocol units, and records every injection in
:attr:`FaultProxy.injected` (what, where, the record it hit) for the campaign's bookkeeping.
It is not used by ``tinybench run``; ``benchmarks/fault_campaign.py`` and the tests use it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tinybench.sim.process import socket_address


KINDS = ("drop", "flip", "dup", "stall", "disconnect", "reset")
TERMINATOR = {"up": b"%", "down": b"\n"}


@dataclass
class Fault:
    kind: str                 # one of KINDS
    direction: str            # "up" (host→DUT) or "down" (DUT→host)
    at: int                   # byte offset in that direction's stream
    arg: float = 0.0          # flip: bit number 0-7; stall: seconds
    match: bytes | None = None  # aim at content instead: ``at`` is then the byte inside the next
                                # record starting with ``match`` (e.g. b"m-results-[")
    skip: int = 0             # with ``match``: let this many matching records pass first
    armed_by: bytes | None = None   # inactive until the other direction carried a record
                                    # starting with this (e.g. b"results%": aim at its reply)
    fired: bool = False
    record: str = ""          # the line/command it hit (for reports)


@dataclass
class Injection:
    kind: str
    direction: str
    at: int
    record: str
    host_time: float = field(default_factory=time.time)


class FaultProxy:
    """Serve one client at ``url`` and relay to ``upstream`` (a ``socket://host:port`` URL)."""

    def __init__(self, upstream: str, faults: list[Fault] | None = None, *,
                 on_reset: Callable[[], str] | None = None) -> None:
        self.upstream = upstream
        self.faults = sorted(faults or [], key=lambda f: f.at)   # may be extended while running
        self.on_reset = on_reset
        self.injected: list[Injection] = []
        self.counters = {"up": 0, "down": 0}
        self.original_down = bytearray()      # every byte the DUT sent, before any fault (the truth)
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.url = f"socket://127.0.0.1:{self._server.getsockname()[1]}"
        self._lock = threading.RLock()
        self._client: socket.socket | None = None
        self._dut: socket.socket | None = None
        self._closing = False
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "FaultProxy":
        self._spawn(self._accept_loop)
        return self

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing = True
        for sock in (self._server, self._client, self._dut):
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass
        for thread in self._threads:
            thread.join(timeout=2.0)

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    # ------------------------------------------------------------------ relaying
    def _accept_loop(self) -> None:
        while not self._closing:
            try:
                client, _ = self._server.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            try:
                dut = socket.create_connection(socket_address(self.upstream), timeout=5.0)
            except OSError:
                client.close()
                continue
            for sock in (client, dut):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.settimeout(0.2)
            with self._lock:
                self._client, self._dut = client, dut
            up = threading.Thread(target=self._pump, args=("up",), daemon=True)
            down = threading.Thread(target=self._pump, args=("down",), daemon=True)
            up.start()
            down.start()
            up.join()
            down.join()

    def _pump(self, direction: str) -> None:
        """Move complete records from one side to the other, applying due faults."""
        pending = b""
        term = TERMINATOR[direction]
        while not self._closing:
            with self._lock:
                src = self._client if direction == "up" else self._dut
            if src is None:
                return
            try:
                chunk = src.recv(65536)
            except (TimeoutError, socket.timeout):
                # flush a partial record after a quiet moment (prompts without a terminator)
                if pending and direction == "down":
                    pending = self._forward(direction, pending)
                continue
            except OSError:
                chunk = b""
            if not chunk:
                with self._lock:
                    resetting = direction == "down" and src is not self._dut
                if resetting:
                    continue            # the old DUT died in a reset; the new one is in place
                self._hang_up()
                return
            pending += chunk
            while True:
                end = pending.find(term)
                if end < 0:
                    break
                record, pending = pending[:end + 1], pending[end + 1:]
                if self._forward(direction, record) is None:
                    return
            if pending and (direction == "up" or len(pending) > 1 << 16):
                # Host→DUT bytes without a `%` are a binary payload (tb-load): pass them on now.
                # DUT→host text waits for its line end (or a quiet moment, above).
                if self._forward(direction, pending) is None:
                    return
                pending = b""

    def _forward(self, direction: str, record: bytes) -> bytes | None:
        """Apply the faults that fall inside ``record`` and send it on; None after a hang-up."""
        start = self.counters[direction]
        self.counters[direction] += len(record)
        if direction == "down":
            self.original_down += record
        out = bytearray(record)
        copies = 1
        stall_at, stall_s = 0, 0.0
        for fault in list(self.faults):
            if fault.armed_by is not None and fault.direction != direction \
                    and record.lstrip().startswith(fault.armed_by):
                fault.armed_by = None                 # armed: the next matching record is hit
                continue
            if fault.fired or fault.direction != direction or fault.armed_by is not None:
                continue
            if fault.match is not None:
                if not record.lstrip().startswith(fault.match):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                # a negative ``at`` counts from the end of the text (before CR/LF)
                base = len(record.rstrip()) if fault.at < 0 else len(record) - len(record.lstrip())
                pos = max(0, min(base + fault.at, len(out) - 1))
            elif start <= fault.at < start + len(record):
                pos = min(fault.at - start, len(out) - 1)
            else:
                continue
            fault.fired = True
            fault.record = record.decode("ascii", "replace").strip()[:120]
            self.injected.append(Injection(fault.kind, direction, start + pos, fault.record))
            if fault.kind == "drop" and out:
                del out[pos]
            elif fault.kind == "flip" and out:
                out[pos] ^= 1 << (int(fault.arg) % 8)
            elif fault.kind == "dup":
                copies = 2
            elif fault.kind == "stall":
                stall_at, stall_s = pos, fault.arg
            elif fault.kind == "disconnect":
                self._hang_up()
                return None
            elif fault.kind == "reset":
                self._reset()
                return b""                            # the record was lost with the old DUT
        with self._lock:
            dst = self._dut if direction == "up" else self._client
        if dst is None:
            return None
        try:
            if stall_s:                  # the stream stops at the fault's byte, then goes on
                dst.sendall(bytes(out[:stall_at]))
                time.sleep(stall_s)
                out = out[stall_at:]
            dst.sendall(bytes(out) * copies)
        except OSError:
            self._hang_up()
            return None
        return b""

    def _reset(self) -> None:
        if self.on_reset is None:
            self._hang_up()
            return
        url = self.on_reset()
        dut = socket.create_connection(socket_address(url), timeout=5.0)
        dut.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        dut.settimeout(0.2)
        with self._lock:
            old, self._dut, self.upstream = self._dut, dut, url
        if old is not None:
            try:
                old.close()
            except OSError:
                pass

    def _hang_up(self) -> None:
        with self._lock:
            for sock in (self._client, self._dut):
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    try:
                        sock.close()
                    except OSError:
                        pass
            self._client = self._dut = None
