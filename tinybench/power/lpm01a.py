"""Driver for the STMicroelectronics X-NUCLEO-LPM01A (PowerShield) over its ASCII serial protocol.

Why raw pyserial: ST ships no Python package; the MLPerf Tiny runner talks to the board with
plain text commands (``../shared/docs/power-monitors.md``). This driver issues the same sequence
(``htc`` … ``output energy``, ``format ascii_dec``, ``freq 1k``, ``volt <mV>``, ``pwr on``,
``start``/``stop``, ``pwr off``, ``hrc``) so results are comparable, but it treats every
irregularity as a reportable condition instead of a silent NaN:

* a command not acknowledged within the timeout → ``TinybenchError`` naming the command;
* ``error <cmd>`` replies → ``TinybenchError`` carrying the board's ``Error detail`` line;
* a *stale output queue* (an acquisition left running by a previous session keeps streaming
  samples, so acknowledgements drown) → documented recovery: send ``stop``, wait for
  ``Acquisition completed``, drain, and retry the command once;
* sample-count vs. the instrument's once-a-second ``TimeStamp:`` ticks → dropped samples are
  reported with where they happened (:class:`~tinybench.power.monitor.DropReport`);
* unparsable sample tokens become NaN *in place*, so the energy math refuses a window with a hole.

Edges arrive as ``event NN ris|fal`` lines between samples; an edge's position is the number of
samples received before it. Also drives :mod:`tinybench.power.sim_lpm01a` (``socket://`` URL).
Line ending sent: ``\\n`` (the board and the simulator both accept it; unverified on hardware
whether CR is required).
"""

from __future__ import annotations

import queue
import re
import threading
import time

from tinybench.errors import TinybenchError
from tinybench.power.linkio import read_available
from tinybench.power.monitor import Capture, InstrumentInfo, PowerMonitor

BAUD = 3_686_400
#: Rates the firmware accepts (``freq``); ASCII output with ``acqtime inf`` is unlimited only ≤ 5 kHz.
RATES = {100_000: "100k", 50_000: "50k", 20_000: "20k", 10_000: "10k", 5_000: "5k", 2_000: "2k",
         1_000: "1k", 500: "500", 200: "200", 100: "100", 50: "50", 20: "20", 10: "10", 5: "5",
         2: "2", 1: "1"}
MAX_STREAM_RATE = 5_000
PROMPT = "PowerShield > "

_SAMPLE_TOKEN = re.compile(r"(\d{4})([+-]\d{2})")
_SAMPLE_LINE = re.compile(r"^(?:\d{4}[+-]\d{2}\s*)+$")
_GARBLED_SAMPLE = re.compile(r"^[\d+\-\s]+$")
_EVENT = re.compile(r"^event\s+(\d+)\s+(ris|fal)")
_TICK = re.compile(r"^TimeStamp:\s*[ ><]?(\d+)s\s+(\d+)ms,\s*buff\s+(\d+)%")


def parse_sample(token: str) -> float:
    """``DDDDSEE`` → DDDD × 10^SEE (e.g. ``6409-07`` = 6.409e-4)."""
    m = _SAMPLE_TOKEN.fullmatch(token)
    if not m:
        raise ValueError(f"not an LPM01A ascii_dec sample: {token!r}")
    return int(m.group(1)) * 10.0 ** int(m.group(2))


class Lpm01a(PowerMonitor):
    """X-NUCLEO-LPM01A in ``output energy`` / ``format ascii_dec`` mode (joules per sample)."""

    def __init__(self, port: str, *, timeout: float = 2.0, baud: int = BAUD,
                 drop_tolerance: int = 1) -> None:
        super().__init__()
        from tinybench.transport import open_link

        self.port = port
        self.timeout = timeout
        self.drop_tolerance = drop_tolerance
        self._link = open_link(port, baud, timeout=0.05, what="power monitor (LPM01A)")
        self._responses: "queue.Queue[str]" = queue.Queue()
        self._completed = threading.Event()
        self._acquiring = False
        self._closing = False
        self._stale_lines = 0
        self._notes: list[str] = []
        self._conn_notes: list[str] = []  # connection-level events, kept across acquisitions
        self._last_tick_samples = self._prev_tick_samples = 0
        self._reported_missing = self._deficit = 0
        self._last_counter: int | None = None
        self._info: InstrumentInfo | None = None
        self._reader = threading.Thread(target=self._read_loop, name=f"lpm01a-{port}", daemon=True)
        self._reader.start()
        try:
            self._identify()
        except BaseException:
            self._shutdown_link()
            raise

    # --- reader thread ------------------------------------------------------------------------

    def _read_loop(self) -> None:
        pending = b""
        while not self._closing:
            try:
                chunk = read_available(self._link)
            except Exception:  # link closed under us: the main thread reports the failure
                return
            if not chunk:
                continue
            pending += chunk
            *lines, pending = pending.split(b"\n")
            batch: list[float] = []  # consecutive sample lines are added in one locked call
            for raw in lines:
                line = raw.decode("ascii", errors="replace").strip()
                if self._acquiring and _SAMPLE_LINE.match(line):
                    batch.extend(parse_sample(t) for t in line.split())
                    continue
                if batch:
                    self._add_samples(batch)
                    batch = []
                self._handle_line(line)
            if batch:
                self._add_samples(batch)

    def _handle_line(self, line: str) -> None:
        while line.startswith(PROMPT.strip()):
            line = line[len(PROMPT.strip()):].strip()
        if not line:
            return
        if line.startswith(("ack ", "error ", "Error detail")) or line in ("ack", "error"):
            self._responses.put(line)
            return
        if line.startswith("Acquisition completed"):
            self._completed.set()
            return
        if not self._acquiring:
            # Output of an acquisition we did not start (stale queue) or chatter: counted, not used.
            self._stale_lines += 1
            return
        if _SAMPLE_LINE.match(line):
            self._add_samples([parse_sample(t) for t in line.split()])
            return
        m = _EVENT.match(line)
        if m:
            counter = int(m.group(1))
            if self._last_counter is not None and counter != self._last_counter + 1:
                self._notes.append(f"event counter jumped {self._last_counter} -> {counter} "
                                   f"at sample {self.sample_count()}: the instrument lost an edge")
            self._last_counter = counter
            self._add_edge(counter)
            return
        m = _TICK.match(line)
        if m:
            self._check_tick(int(m.group(1)) + int(m.group(2)) / 1000.0, int(m.group(3)))
            return
        if _GARBLED_SAMPLE.match(line):
            # A torn sample line: keep its place as NaN so no window silently spans it.
            self._add_samples([float("nan")] * max(1, len(line.split())))
            self._notes.append(f"unparsable sample line {line!r} at sample {self.sample_count()}")
            return
        self._notes.append(f"unexpected line from LPM01A: {line!r}")

    def _check_tick(self, t_s: float, buff_pct: int) -> None:
        """The instrument's own clock says how many samples it produced; fewer received = dropped."""
        expected = round(t_s * self.sample_rate_hz)
        received = self.sample_count()
        missing = expected - received - self._reported_missing
        # Within the tolerance a deficit may be a tick printed just before its last sample; the
        # same deficit at the next tick too is a real drop (somewhere since the tick before).
        persistent = 0 < missing == self._deficit
        if missing > self.drop_tolerance or persistent:
            after = self._prev_tick_samples if persistent else self._last_tick_samples
            self._add_drop(after, missing)
            self._notes.append(f"the instrument dropped {missing} sample(s) between samples {after} "
                               f"and {received} (its TimeStamp tick at {t_s:.3f} s counts {expected})")
            self._reported_missing += missing
            missing = 0
        self._deficit = missing
        self._prev_tick_samples, self._last_tick_samples = self._last_tick_samples, received
        if buff_pct >= 90:
            self._notes.append(f"instrument buffer {buff_pct}% full at {t_s:.3f} s: host reads too slowly")

    # --- commands -------------------------------------------------------------------------------

    def _drain_responses(self) -> None:
        while True:
            try:
                self._responses.get_nowait()
            except queue.Empty:
                return

    def _send(self, command: str) -> None:
        try:
            self._link.write((command + "\n").encode("ascii"))
            self._link.flush()
        except Exception as exc:
            raise TinybenchError(f"cannot write `{command}` to the LPM01A at {self.port}: {exc}",
                                 "check the USB cable / that the instrument is still attached") from exc

    def _await(self, command: str, timeout: float) -> str | None:
        """The ack payload for ``command``; raises on ``error``; None on timeout."""
        word = command.split()[0]
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self._responses.get(timeout=left)
            except queue.Empty:
                return None
            parts = line.split(maxsplit=2)
            if len(parts) < 2 or parts[1] != word:
                continue  # a late answer to an earlier command
            if parts[0] == "error":
                detail = ""
                try:
                    extra = self._responses.get(timeout=0.3)
                    detail = extra.split(":", 1)[-1].strip() if extra.startswith("Error detail") else ""
                except queue.Empty:
                    pass
                raise TinybenchError(
                    f"LPM01A at {self.port} rejected `{command}`: {line}"
                    + (f" ({detail})" if detail else ""),
                    "check the value against the LPM01A command set; `error pwr off` means firmware "
                    "older than 1.0.6 — update the PowerShield firmware")
            return parts[2] if len(parts) > 2 else ""

    def command(self, command: str, *, timeout: float | None = None) -> str:
        """Send one command and return its ``ack`` payload (text after ``ack <cmd>``)."""
        timeout = self.timeout if timeout is None else timeout
        self._drain_responses()
        stale_before = self._stale_lines
        self._send(command)
        payload = self._await(command, timeout)
        if payload is not None:
            return payload
        if self._stale_lines > stale_before and not self._acquiring:
            self._recover_stale_queue()
            self._drain_responses()
            self._send(command)
            payload = self._await(command, timeout)
            if payload is not None:
                return payload
        raise TinybenchError(
            f"LPM01A at {self.port} did not acknowledge `{command}` within {timeout:g} s",
            f"check that {self.port} is the PowerShield's virtual COM port at {BAUD} baud, that no "
            "other program uses it, and power-cycle the board if it stays silent")

    def _recover_stale_queue(self) -> None:
        """A previous acquisition is still streaming: stop it and wait until the queue is quiet."""
        self._conn_notes.append("stale output queue at connect: sent `stop` and drained it "
                                "(documented recovery)")
        self._completed.clear()
        self._send("stop")
        self._completed.wait(self.timeout)
        quiet_since, seen = time.monotonic(), self._stale_lines
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if self._stale_lines != seen:
                quiet_since, seen = time.monotonic(), self._stale_lines
            elif time.monotonic() - quiet_since >= 0.2:
                return

    def _identify(self) -> None:
        self.command("htc")
        serial_no = self.command("powershield").strip() or "unknown"
        firmware = self.command("version").strip() or "unknown"
        model = "X-NUCLEO-LPM01A"
        category = "measured"
        if "sim" in (serial_no + firmware).lower():
            model, category = "X-NUCLEO-LPM01A (simulated instrument)", "estimated"
        self._info = InstrumentInfo(model=model, firmware=firmware, serial=serial_no,
                                    driver="lpm01a", category=category, port=self.port)

    # --- PowerMonitor -----------------------------------------------------------------------------

    def info(self) -> InstrumentInfo:
        assert self._info is not None
        return self._info

    def configure(self, voltage_v: float, sample_rate_hz: float) -> None:
        """The MLPerf Tiny setup sequence, with values checked before anything is sent."""
        if not 1.8 <= voltage_v <= 3.3 + 1e-9:
            raise TinybenchError(f"LPM01A supply voltage {voltage_v} V is outside 1.8–3.3 V",
                                 "choose a voltage the board and the PowerShield both support")
        rate = int(round(sample_rate_hz))
        if rate not in RATES or rate > MAX_STREAM_RATE:
            allowed = ", ".join(str(r) for r in sorted(RATES) if r <= MAX_STREAM_RATE)
            raise TinybenchError(f"LPM01A cannot stream energy at {sample_rate_hz} Hz",
                                 f"ASCII energy output with unlimited acquisition supports {allowed} Hz")
        for cmd in ('lcd 1 "tinybench"', 'lcd 2 "energy"', "pwr off", "acqtime inf", "trigdelay 0",
                    "trigsrc sw", "eventsrc d7 fal", "output energy", "format ascii_dec",
                    f"freq {RATES[rate]}", f"volt {int(round(voltage_v * 1000))}m"):
            self.command(cmd)
        self.voltage_v = float(voltage_v)
        self.sample_rate_hz = float(rate)
        self.configured = (self.voltage_v, self.sample_rate_hz)
        self.powered = False  # the sequence starts with `pwr off`

    def power(self, on: bool) -> None:
        self.command("pwr on nostatus" if on else "pwr off")
        self.powered = on

    def start(self) -> None:
        self._reset_stream()
        self._notes = []
        self._last_tick_samples = self._prev_tick_samples = 0
        self._reported_missing = self._deficit = 0
        self._last_counter = None
        self._completed.clear()
        self._acquiring = True
        try:
            self.command("start")
        except BaseException:
            self._acquiring = False
            raise

    def stop(self) -> Capture:
        """End acquisition. Never raises for an instrument fault: what was received is returned
        (with a note) so the caller can save it — measured data is never lost."""
        try:
            self.command("stop")
            if not self._completed.wait(max(self.timeout, 5.0)):
                self._notes.append("no `Acquisition completed` after stop; trace may end early")
        except TinybenchError as exc:
            self._notes.append(f"stopping the acquisition failed: {exc.message}")
        finally:
            self._acquiring = False
        return self._snapshot(self._conn_notes + self._notes)

    def _shutdown_link(self) -> None:
        self._closing = True
        try:
            self._link.close()
        except Exception:
            pass
        self._reader.join(timeout=2.0)

    def close(self) -> None:
        if self._closing:
            return
        try:
            if self._acquiring:
                self.stop()
            if self.powered:
                self.power(False)
            self.command("hrc")
        except TinybenchError:
            pass  # best effort: closing must not mask the error that made us close
        finally:
            self._shutdown_link()
