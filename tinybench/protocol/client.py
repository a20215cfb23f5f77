"""Host side of the MLPerf Tiny / EEMBC DUT protocol (``../shared/docs/dut-protocol.md``).

Why this shape: real firmware prints free text, trailing commas, millisecond timers and wrapping
32-bit laps, and real links drop or garble bytes. The client therefore (1) is stop-and-wait: one
``%``-terminated command, then lines until ``m-ready``; (2) bounds every wait and names port,
command and last line on failure; (3) flushes stale input before each command so a late line of
a previous exchange is never read as the answer to the next; (4) refuses to send anything the
reference monitor would mangle (CR/LF, ``%`` inside, empty, longer than the command buffer).
Every line sent or received goes to an optional transcript callback with a host timestamp.

Inputs: standard hex ``db`` chunks by default (every firmware speaks them); once ``tb-caps``
advertised ``load``, the binary extension ``tb-load SIZE CRC [KEEP]`` (docs/architecture.md,
"Protocol extensions"): raw bytes, one acknowledgement per input, a CRC-32 over the whole input, and
KEEP reuses the tail of the previous input so sliding windows (AD) send only their new bytes. A
checksum error, a short payload (timeout) or a garbled reply resynchronises the link and retries
once in hex, so a faulty line costs time, never a wrong input.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from dataclasses import dataclass, field

import serial

from tinybench.protocol import lines as L
from tinybench.protocol.errors import (DutError, DutProtocolError, DutResetError, DutTimeoutError,
                                       NotADutError)

#: ``transcript(direction, text, host_time)``; direction is ``">"`` sent, ``"<"`` received,
#: ``"#"`` a note from the host (flushed stale input, negotiation results).
TranscriptFn = Callable[[str, str, float], None]

#: Transcript notes that record something wrong on the link which the client noticed (a damaged,
#: stale, duplicated or unexpected line, a stall, a repeated load); counted by
#: benchmarks/fault_campaign.py. A clean run has none.
LINK_NOTE = "link anomaly:"
#: Host-clock silence (seconds) inside a line, or between lines where the DUT has no work to do,
#: above which a "link stall" is noted. Detection only: the host clock never times anything. DUTs
#: print a line in one go and answer a command at once (plus its transfer time at the baud rate);
#: the bound leaves room for scheduling delays of a loaded host (clean runs on a 2-core machine
#: shared by several jobs showed silences up to ~0.3 s, benchmarks/results/fault_campaign.md).
STALL_NOTE_S = 0.5

SIMULATED_UART_BYTE_S = 5e-4

STANDARD_CMDMAX = 80
STANDARD_CHUNK = 31          # MLCommons runner default: "db " + 62 hex = 65 chars
MAX_RESPONSE_LINES = 4096    # more lines than this without m-ready is garbage, not an answer


@dataclass(frozen=True)
class Caps:
    """What the firmware advertised with ``tb-caps`` (empty for standard firmware)."""

    words: frozenset[str] = frozenset()
    cmdmax: int = STANDARD_CMDMAX
    dbmax: int | None = None          # input buffer bytes, when advertised
    mbox: int | None = None           # address of the input buffer (tb-mload), when advertised

    @property
    def extended(self) -> bool:
        return bool(self.words)

    @property
    def raw(self) -> bool:
        return "raw" in self.words

    @property
    def info(self) -> bool:
        return "info" in self.words

    @property
    def binary_load(self) -> bool:
        """The firmware takes raw-byte inputs through ``tb-load`` (tinybench extension)."""
        return "load" in self.words

    @property
    def file_load(self) -> bool:
        """The firmware reads inputs from host files through its simulator (``tb-fload``)."""
        return "fload" in self.words

    @property
    def output_crc(self) -> bool:
        """The firmware prints the CRC-32 of its output tensor through ``tb-crc``."""
        return "crc" in self.words

    @property
    def line_check(self) -> bool:
        """The firmware appends a CRC-32 to every line once asked (``tb-check on``)."""
        return "check" in self.words

    @property
    def slide(self) -> bool:
        """The firmware runs every window of a loaded buffer in one exchange (``tb-slide``)."""
        return "slide" in self.words and "crc" in self.words

    @property
    def chunk_bytes(self) -> int:
        """Bytes per ``db <hex>`` command: 31 on standard firmware, as many as fit otherwise."""
        if self.cmdmax <= STANDARD_CMDMAX:
            return STANDARD_CHUNK
        return (self.cmdmax - len("db ")) // 2


@dataclass
class Response:
    command: str
    lines: list[str]          # every line before m-ready, free text included
    started: float            # host time the command was sent
    finished: float           # host time m-ready arrived


@dataclass
class InferResult:
    """One ``infer N W`` exchange."""

    iterations: int
    warmups: int
    laps: list[int]                  # raw m-lap-us values (two in performance mode, none in energy)
    elapsed_us: int | None           # T1 - T0 unwrapped (None without laps)
    results: list[float]
    lines: list[str] = field(default_factory=list)

    @property
    def coarse_timer(self) -> bool:
        """True when both laps are whole milliseconds: the DUT timer is ms-granular (±1 ms)."""
        return len(self.laps) == 2 and all(lap % 1000 == 0 for lap in self.laps)


@dataclass
class WindowReply:
    """What ``DutClient.load_infer`` read for one input."""

    infer: InferResult
    results_again: list[float] | None = None   # a second reading (``results``), when asked for
    output_crc: int | None = None              # ``tb-crc`` output CRC-32, when asked for


@dataclass
class SlideReply:
    """What ``DutClient.slide`` read: per window, the printed results and the output CRC-32."""

    results: list[list[float]]
    output_crcs: list[int]


class DutClient:
    """Drive one DUT over an open pyserial link.

    ``timeout`` bounds every non-inference command; ``infer_timeout`` bounds the silence between
    two lines of an ``infer`` reply (the DUT is silent for the whole timed window), and callers
    that know the expected window length pass a tighter or looser bound per call.
    """

    #: bytes/s assumed when bounding the wait for a ``tb-load`` acknowledgement (a 9600-baud line)
    SLOWEST_LINE_BPS = 960

    def __init__(self, link: serial.SerialBase, *, port: str | None = None,
                 transcript: TranscriptFn | None = None, timeout: float = 5.0,
                 infer_timeout: float = 60.0, binary: bool = True,
                 payload_refs: bool = False, host_files: bool = False,
                 pipeline: bool = False,
                 memory_writer: Callable[[int, bytes], None] | None = None,
                 line_check: bool = True) -> None:
        """``binary``: use ``tb-load`` when the firmware offers it (False forces hex ``db``).

        ``payload_refs``: log input payloads by reference (``=<offset>+<length>`` into the bytes
        passed to ``load``, which the caller identifies with an ``input`` note) instead of in hex,
        which keeps transcripts of big accuracy runs small while every exchange stays recomputable.

        ``host_files``: the DUT runs in a simulator on this machine that tinybench started with
        semihosting, so ``tb-fload`` (input read from a staging file) may be used when offered.

        ``pipeline``: the far end buffers input it has not read yet (a socket to the host build,
        QEMU's chardev), so ``load_infer`` may send several commands in one write.

        ``memory_writer(address, data)``: the host can write the DUT's RAM (Renode's monitor), so
        inputs go through ``tb-mload`` (written at the advertised ``mbox`` address) when offered.

        ``line_check``: once ``tb-caps`` advertises ``check``, ask for a CRC-32 on every line
        (``tb-check on``); False keeps the lines as the standard protocol prints them.
        """
        self.memory_writer = memory_writer
        self.link = link
        self.host_files = host_files
        self.pipeline = pipeline
        self._staging: Path | None = None
        self.binary = binary
        self.want_line_check = line_check
        self.payload_refs = payload_refs
        self.port = port or str(getattr(link, "port", None) or getattr(link, "name", "?"))
        #: Seconds the link needs per byte, for the stall allowance after a write: 10 bits at the
        #: baud rate on a serial port; a socket (simulator, host build) ignores the baud, and a
        #: simulated UART moves about one byte per 100 µs (QEMU main loop, Renode terminal), up to
        #: ~350 µs measured on a loaded 2-core host: 500 µs allowed.
        baud = float(getattr(link, "baudrate", 0) or 0)
        self.byte_s = SIMULATED_UART_BYTE_S if self.port.startswith("socket://") or baud <= 0 \
            else 10.0 / baud
        self.transcript = transcript
        self.timeout = timeout
        self.infer_timeout = infer_timeout
        # Short, fixed read timeout (set once: on real ports every change reconfigures the UART);
        # the waits themselves are bounded by deadlines in read_line.
        if link.timeout is None or link.timeout > 0.1:
            link.timeout = 0.1
        self._buf = bytearray()
        self._last_line: str | None = None
        self._caps: Caps | None = None
        self._loaded: bytes | None = None     # the DUT's complete input, when known for certain
        #: Link anomalies noticed (also in the transcript as ``# link anomaly: ...`` notes).
        self.anomalies: list[str] = []
        self._inflight = 0                    # payload bytes of the last binary load written
        self.line_check = False               # every received line carries its CRC-32 (tb-check)
        self._synced = False                  # after sync: any stale input is an anomaly
        self._vendor: str | None = None       # the first m-name-dut vendor seen
        self._refused: set[str] = set()       # commands the firmware answered with e-[...]
        self._answered: set[str] = set()      # commands it answered without an error
        # Silence measured by read_line (host clock, detection only): waiting with no partial line,
        # waiting inside a line, and the transfer allowance of the last write.
        self._wait_empty = self._wait_partial = self._allow = 0.0
        self.last_wait = 0.0                  # silence before the last line read_line returned
        self.load_stats = {"hex": 0, "binary": 0, "file": 0, "memory": 0, "bytes_sent": 0, "retries": 0}

    # ----------------------------------------------------------------- low level
    def _log(self, direction: str, text: str) -> None:
        if self.transcript is not None:
            self.transcript(direction, text, time.time())

    def anomaly(self, kind: str, detail: str) -> None:
        """Record something wrong on the link: a ``# link anomaly: <kind>: <detail>`` note."""
        text = f"{kind}: {detail}"
        self.anomalies.append(text)
        self._log("#", f"{LINK_NOTE} {text}")

    def _wrote(self, nbytes: int) -> None:
        """A write of ``nbytes``: the reply may lag by their transfer time (``byte_s`` each)."""
        self._allow = nbytes * self.byte_s
        self._wait_empty = self._wait_partial = 0.0

    def _validate(self, command: str) -> None:
        limit = self._caps.cmdmax if self._caps else STANDARD_CMDMAX
        if not command or not command.strip():
            raise ValueError("refusing to send an empty command (undefined behaviour on the DUT)")
        if any(ch in command for ch in "\r\n%"):
            raise ValueError(f"command {command!r} contains CR, LF or %, which break framing")
        if len(command) > limit:
            raise ValueError(f"command of {len(command)} characters exceeds the DUT's {limit}-character buffer")
        if not command.isascii():
            raise ValueError(f"command {command!r} is not ASCII")

    def flush_input(self) -> None:
        """Discard stale input (late lines of an earlier exchange), noting it in the transcript."""
        stale = bytes(self._buf)
        self._buf.clear()
        try:
            # Read (rather than just reset) so that what is discarded lands in the transcript.
            # Only bytes already waiting are read, so no port reconfiguration is needed.
            deadline = time.monotonic() + 0.5
            while time.monotonic() < deadline:
                waiting = self.link.in_waiting
                if not waiting:
                    break
                chunk = self.link.read(waiting)
                if not chunk:
                    break
                stale += chunk
            self.link.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise DutProtocolError(f"link failed: {exc}", port=self.port, command=None,
                                   last_line=self._last_line) from exc
        texts = [t for t in (L.clean(self._unchecked(p)) for p in stale.split(b"\n")) if t]
        if texts and self._synced:
            # Nothing may arrive between exchanges: a duplicated line, a late reply, the reply
            # to a command the DUT received twice.
            self.anomaly("unexpected line", "stale input discarded: " + " | ".join(texts))
        elif texts:
            for text in texts:
                self._log("#", f"stale input discarded: {text}")

    def send(self, command: str) -> float:
        """Write ``command%``; returns the host time of the write."""
        self._validate(command)
        self.flush_input()
        if command.startswith("db"):
            self._loaded = None               # the DUT's input buffer changes outside tb-load
        sent = time.time()
        if self.transcript is not None:
            self.transcript(">", command, sent)
        try:
            self.link.write(command.encode("ascii") + b"%")
            self.link.flush()
        except (serial.SerialException, OSError) as exc:
            raise DutProtocolError(f"write failed: {exc}", port=self.port, command=command,
                                   last_line=self._last_line) from exc
        self._wrote(len(command) + 1)
        return sent

    def read_line(self, timeout: float, command: str | None) -> str:
        """Next non-empty line within ``timeout`` seconds (CR/NUL dropped; with the line check
        on, its ``~<crc32>`` verified and removed). ``last_wait`` is then the silence (host clock)
        before the line's first byte, beyond the transfer allowance of the last write."""
        deadline = time.monotonic() + timeout
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                raw = bytes(self._buf[:nl])
                del self._buf[:nl + 1]
                text = self._checked(raw, command)
                if not text:
                    continue
                self._last_line = text
                self._log("<", text)
                # before sync a boot may pause mid-line; a name reply is no boot text
                if self._wait_partial > STALL_NOTE_S and (self._synced or L.parse_name(text) is not None):
                    self.anomaly("link stall", f"{self._wait_partial:.2f} s of silence inside the "
                                               f"line {text!r} (bound {STALL_NOTE_S} s)")
                self.last_wait = max(0.0, self._wait_empty - self._allow)
                self._wait_empty = self._wait_partial = self._allow = 0.0
                if text in ("m-tb-check-[on]", "m-tb-check-[off]"):
                    self.line_check = text.endswith("[on]")    # from the next line on
                return text
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DutTimeoutError(timeout, port=self.port, command=command,
                                      last_line=self._last_line)
            try:
                waiting = self.link.in_waiting
                began = time.monotonic()
                chunk = self.link.read(max(1, min(waiting or 1, 65536)))
                if not waiting:         # blocked: the link was silent for this long
                    if self._buf:
                        self._wait_partial += time.monotonic() - began
                    else:
                        self._wait_empty += time.monotonic() - began
            except (serial.SerialException, OSError) as exc:
                raise DutProtocolError(f"link failed: {exc}", port=self.port, command=command,
                                       last_line=self._last_line) from exc
            if chunk:
                self._buf += chunk
                if len(self._buf) > 1 << 20:
                    raise DutProtocolError("more than 1 MiB without a line end (garbage)",
                                           port=self.port, command=command, last_line=self._last_line)

    @staticmethod
    def _unchecked(raw: bytes) -> bytes:
        """``raw`` without a valid ``~<crc32>`` line check (``lines.strip_line_check``)."""
        return L.strip_line_check(raw)

    def _checked(self, raw: bytes, command: str | None) -> str:
        """The text of one received line; with the line check on, only if its CRC-32 matches.

        A line that fails its check is noted and raises ``DutProtocolError`` (its content cannot
        be trusted); a boot line without a check is returned, so the caller sees the reset. A DUT
        left checking by an earlier session (reconnected without a reset) is recognised by its
        first valid check."""
        if not raw.strip(b" \r\x00"):
            return ""
        text = self._unchecked(raw)
        if text is not raw:
            if not self.line_check:
                self.line_check = True
                self._log("#", "line check on: the DUT already appends ~<crc32> to each line "
                               "(left on by an earlier session); verified and logged without it")
            if not raw.endswith(b"\r"):     # outside the CRC, but the firmware always sends it
                self.anomaly("damaged line", f"{L.clean(text)!r} arrived without its CR")
            return L.clean(text)
        if not self.line_check:
            return L.clean(raw)
        shown = L.clean(raw)
        if L.is_boot_line(shown):
            self.line_check = False           # the DUT restarted: its checks are off again
            return shown
        self.anomaly("damaged line", f"{shown!r} failed its CRC-32 check")
        raise DutProtocolError(f"received line {shown!r} failed its check (damaged on the link)",
                               port=self.port, command=command, last_line=self._last_line,
                               hint="check the cable and baud rate; continue with --resume")

    def command(self, command: str, *, timeout: float | None = None, check: bool = True) -> Response:
        """Send one command and collect its reply up to ``m-ready``.

        ``timeout`` bounds the wait for each line. ``e-[...]`` lines raise ``DutError`` after the
        reply is complete (so the link stays in step) unless ``check`` is False.
        """
        per_line = self.timeout if timeout is None else timeout
        started = self.send(command)
        return self._reply(command, per_line, started, check)

    def _reply(self, command: str, per_line: float, started: float, check: bool = True) -> Response:
        """The reply of ``command`` (already sent) up to ``m-ready``; see ``command``."""
        got: list[str] = []
        while True:
            line = self.read_line(per_line, command)
            self._inspect(command, got, line)
            if L.is_ready(line):
                break
            if L.is_boot_line(line):
                raise DutResetError(port=self.port, command=command, last_line=line)
            got.append(line)
            if len(got) > MAX_RESPONSE_LINES:
                raise DutProtocolError(f"{len(got)} lines without m-ready (garbage output?)",
                                       port=self.port, command=command, last_line=line)
        response = Response(command, got, started, time.time())
        self._note_refusal(command, got)
        if check:
            for text in got:
                message = L.parse_error(text)
                if message is not None:
                    raise DutError(message, port=self.port, command=command, lines=got)
        return response

    def _inspect(self, command: str, before: list[str], line: str) -> None:
        """Note what in a reply line cannot be a clean answer to ``command``: a stall where the DUT
        had nothing to do, a protocol line this harness does not know (damaged), a protocol line
        repeated (duplicated on the link), an error naming a command that was not sent."""
        prev = before[-1] if before else None
        busy = False                  # the DUT works (warm-up, timed window) before this line
        if prev is not None:
            echo = L.parse_infer_echo(prev)
            first_lap = L.parse_lap(prev) is not None and sum(
                L.parse_lap(t) is not None for t in before) == 1
            busy = (echo is not None and (echo[0] == "infer" and L.parse_lap(line) is None
                                          or echo[0] == "warmup" and echo[1] > 0)) or first_lap \
                or command.startswith("tb-slide")      # an inference before each window's lines
        if not busy and self.last_wait > STALL_NOTE_S:
            self.anomaly("link stall", f"{self.last_wait:.2f} s of silence before {line!r} in the "
                                       f"reply to {command.split(' ', 1)[0]!r} (bound {STALL_NOTE_S} s)")
        part = L.protocol_part(line)
        if part.startswith(("m-", "e-")) and not L.is_known(part):
            self.anomaly("unexpected line", f"{line!r} is no protocol message (damaged?) in the reply "
                                            f"to {command.split(' ', 1)[0]!r}")
        elif part.startswith(("m-", "e-")) and not part.startswith("m-buffer-") and line == prev:
            self.anomaly("unexpected line", f"{line!r} twice in a row in one reply (duplicated?)")
        message = L.parse_error(line)
        word = command.split(" ", 1)[0]
        if message is not None and message.startswith("Unknown command: ") \
                and message[len("Unknown command: "):].strip() != word:
            self.anomaly("damaged command", f"sent {word!r}, the DUT received "
                                            f"{message[len('Unknown command: '):]!r}")

    def _note_refusal(self, command: str, lines: list[str]) -> None:
        """A command the firmware answered before and now refuses arrived damaged."""
        word = command.split(" ", 1)[0]
        if any(L.parse_error(t) is not None for t in lines):
            if word in self._answered:
                self.anomaly("damaged command", f"{word!r} answered before, refused now: {lines[-1]!r}")
            self._refused.add(word)
        else:
            self._answered.add(word)

    def sync(self, timeout: float = 10.0) -> None:
        """Wait until the monitor answers ``name`` (it may still be booting), then let the link go quiet.

        Boot text and ``m-ready`` lines without a name reply are skipped rather than taken as the
        answer; ``name`` is re-sent only after a silent second. Once answered, late replies to
        earlier attempts are drained, so the next command cannot read one of them as its answer.
        """
        deadline = time.monotonic() + timeout
        previous: list[str] | None = None     # the last attempt's complete answer without a name
        self._synced = False
        attempts = 0
        booted = heard = False
        while time.monotonic() < deadline:
            self.send("name")
            attempts += 1
            attempt_end = min(deadline, time.monotonic() + 1.0)
            named = False
            answer: list[str] = []
            try:
                while True:
                    line = self.read_line(max(0.05, attempt_end - time.monotonic()), "name")
                    part = L.protocol_part(line)
                    if L.is_boot_line(line) and not booted and heard:
                        # Boot text after the DUT had already answered: it restarted while we
                        # connected (boot text first is a board or simulator booting on open).
                        booted = True
                        self.anomaly("dut reset", f"boot text {line!r} while connecting: the DUT "
                                                  "(re)started")
                    heard = heard or not L.is_boot_line(line)
                    if part.startswith("m-name-"):
                        named = True
                        self._saw_vendor(L.parse_name(line))
                    elif named and L.is_ready(line):
                        late = self._drain(quiet_s=0.2, limit_s=2.0)
                        if attempts == 1:      # one name% sent: nothing else may follow its reply
                            for text in late:
                                self.anomaly("unexpected line", f"{text!r} after the reply to name")
                        self._synced = True
                        return
                    elif L.is_ready(line):
                        # Answered without a name. Once may be boot text meeting our first
                        # `name`; the same non-boot answer twice in a row is what this device says.
                        if answer and answer == previous and not any(map(L.is_boot_line, answer)):
                            raise NotADutError(answer[0], port=self.port)
                        previous, answer = answer, []
                    else:
                        if (L.parse_error(line) or "").startswith("Unknown command: "):
                            # the DUT received something else than name% (or garbage before it)
                            self.anomaly("damaged command", f"sent 'name', the DUT answered {line!r}")
                        elif not L.is_boot_line(line) and (
                                named or (part.startswith(("m-", "e-")) and not L.is_known(part))):
                            self.anomaly("unexpected line", f"{line!r} while waiting for the reply to name")
                        if not named and line.strip():
                            answer.append(line.strip())
            except DutTimeoutError:
                if self._buf.lstrip(b"\r\n\0").startswith(b"m-"):
                    # a protocol line (the name reply) begun and then silent for the whole
                    # attempt: a monitor prints a reply in one go, so the link stalled inside it
                    self.anomaly("link stall", f"{bytes(self._buf)!r} stopped mid-line for over "
                                               f"{STALL_NOTE_S} s while connecting")
                continue
        raise DutTimeoutError(timeout, port=self.port, command="name", last_line=self._last_line)

    def _drain(self, quiet_s: float, limit_s: float) -> list[str]:
        """Read (and log) lines until nothing arrives for ``quiet_s``, at most ``limit_s``."""
        end = time.monotonic() + limit_s
        got: list[str] = []
        while time.monotonic() < end:
            try:
                got.append(self.read_line(quiet_s, None))
            except DutTimeoutError:
                # A relay link counts replies still due (a re-sent name% queued in the board).
                if not getattr(self.link, "awaiting_replies", 0):
                    break
        return got

    def _saw_vendor(self, vendor: str | None) -> None:
        """Every ``m-name-dut`` reading of a session must agree (a damaged one looks valid)."""
        if vendor is None:
            return
        if self._vendor is None:
            self._vendor = vendor
        elif vendor != self._vendor:
            self.anomaly("damaged line", f"name read as {self._vendor!r} and as {vendor!r}")

    def finish(self, quiet_s: float = STALL_NOTE_S) -> None:
        """After the last exchange: anything still arriving (a duplicated last line, a reply to a
        command the DUT received twice and is still computing) within ``quiet_s`` is an anomaly.
        Called on an orderly close."""
        if not self._synced:
            return
        try:
            for text in self._drain(quiet_s=quiet_s, limit_s=1.0):
                self.anomaly("unexpected line", f"{text!r} after the last exchange")
            self.flush_input()
        except (DutProtocolError, DutTimeoutError):
            pass                              # already noted by read_line

    # ----------------------------------------------------------------- standard commands
    def _expect(self, response: Response, parser: Callable[[str], object], what: str) -> object:
        for text in response.lines:
            value = parser(text)
            if value is not None:
                return value
        raise DutProtocolError(f"reply lacks {what}", port=self.port, command=response.command,
                               last_line=response.lines[-1] if response.lines else self._last_line)

    def name(self) -> str:
        """Vendor string of ``m-name-dut-[<vendor>]``; another device name is refused at once."""
        response = self.command("name")
        for text in response.lines:
            vendor = L.parse_name(text)
            if vendor is not None:
                self._saw_vendor(vendor)
                return vendor
        other = next((t for t in response.lines if L.protocol_part(t).startswith("m-name-")), None)
        if other is not None:
            raise NotADutError(L.protocol_part(other), port=self.port)
        return str(self._expect(response, L.parse_name, "an m-name-dut-[...] line"))

    def profile(self) -> tuple[str, str]:
        """(profile text, model id) from ``profile``."""
        response = self.command("profile")
        prof = str(self._expect(response, L.parse_profile, "an m-profile-[...] line"))
        model = str(self._expect(response, L.parse_model, "an m-model-[...] line"))
        return prof, model

    def timestamp(self) -> int | None:
        """The lap value of ``timestamp`` (None in energy mode, where a GPIO pulse replaces it)."""
        response = self.command("timestamp")
        for text in response.lines:
            lap = L.parse_lap(text)
            if lap is not None:
                return lap
        return None

    def load(self, data: bytes, *, chunk: int | None = None) -> None:
        """Load ``data`` into the DUT input buffer.

        Binary ``tb-load`` when negotiated (and ``binary`` is on), else ``db load N`` then hex
        chunks until ``m-load-done``. ``chunk`` forces hex chunks of that many bytes.
        """
        if not data:
            raise ValueError("refusing to load an empty input (db load 0 is an error on the DUT)")
        data = bytes(data)
        if self._caps and self._caps.dbmax is not None and len(data) > self._caps.dbmax:
            raise DutProtocolError(
                f"a {len(data)}-byte input does not fit the DUT's {self._caps.dbmax}-byte input buffer",
                port=self.port, command=f"db load {len(data)}", last_line=self._last_line,
                hint="the firmware was built for another workload; rebuild it for this one")
        if chunk is None and self._binary_ok():
            try:
                self._load_binary(data)            # tb-fload or tb-load, see _binary_wire
                return
            except (DutError, DutTimeoutError, DutProtocolError) as exc:
                if isinstance(exc, DutResetError):
                    raise
                # A damaged line (dropped/flipped bytes): resynchronise, then once more in hex.
                self.load_stats["retries"] += 1
                self.anomaly("load repeated", f"tb-load failed ({exc}); resynchronising and loading in hex")
                self.resync()
        self._load_hex(data, chunk)

    def _binary_ok(self) -> bool:
        """A binary input path was negotiated: tb-load, tb-fload (host files) or tb-mload (memory)."""
        caps = self._caps
        return self.binary and caps is not None and (
            caps.binary_load or (self.host_files and caps.file_load)
            or (self.memory_writer is not None and caps.mbox is not None))

    def _payload_text(self, data: bytes, start: int, end: int) -> str:
        """How a payload slice appears in the transcript: by reference or in hex."""
        return f"={start}+{end - start}" if self.payload_refs else data[start:end].hex()

    def _load_hex(self, data: bytes, chunk: int | None) -> None:
        size = chunk or (self._caps.chunk_bytes if self._caps else STANDARD_CHUNK)
        self._loaded = None
        response = self.command(f"db load {len(data)}")
        expecting = None
        for text in response.lines:
            expecting = L.parse_expecting(text)
            if expecting is not None:
                break
        if expecting != len(data):
            raise DutProtocolError(
                f"did not accept a {len(data)}-byte load (input buffer too small?)", port=self.port,
                command=f"db load {len(data)}",
                last_line=response.lines[-1] if response.lines else self._last_line)
        done = self._queue_chunks(data, size)
        for offset in range(0, 0 if done else len(data), size):
            piece = data[offset:offset + size]
            if self.payload_refs:
                # Log the chunk by reference, send it in hex: swap the logger for one exchange.
                reply = self._command_logged_as("db " + piece.hex(),
                                                "db " + self._payload_text(data, offset, offset + len(piece)))
            else:
                reply = self.command("db " + piece.hex())
            done = any(L.protocol_part(text) == "m-load-done" for text in reply.lines)
            if done and offset + len(piece) < len(data):
                raise DutProtocolError("m-load-done before all bytes were sent", port=self.port,
                                       command="db <hex>", last_line=reply.lines[-1])
        if not done:
            raise DutProtocolError(f"no m-load-done after {len(data)} bytes", port=self.port,
                                   command="db <hex>", last_line=self._last_line)
        self.load_stats["hex"] += 1
        self.load_stats["bytes_sent"] += 2 * len(data)
        self._loaded = data

    def _queue_chunks(self, data: bytes, size: int) -> bool:
        """Send every ``db <hex>`` chunk of ``data`` in one write when the link's far end queues
        whole commands (our interface board: ``command_queue`` bytes, forwarded one at a time after
        each DUT ``m-ready``), then read each chunk's reply in order. False: link cannot queue them.

        Why: through an energy bench's interface board the DUT hop runs at 9600 baud; queued, the
        chunks cross it back to back instead of each waiting for a host round trip.
        """
        pieces = [(offset, data[offset:offset + size]) for offset in range(0, len(data), size)]
        wire = b"".join(b"db " + piece.hex().encode("ascii") + b"%" for _, piece in pieces)
        if len(wire) + 64 > int(getattr(self.link, "command_queue", 0) or 0):
            return False
        self.flush_input()
        self._log("#", f"{len(pieces)} db chunks queued in the interface board at once")
        sent = time.time()
        try:
            self.link.write(wire)
            self.link.flush()
        except (serial.SerialException, OSError) as exc:
            raise DutProtocolError(f"write failed: {exc}", port=self.port, command="db <hex>",
                                   last_line=self._last_line) from exc
        self._wrote(len(wire))
        for offset, piece in pieces:
            self._log(">", "db " + self._payload_text(data, offset, offset + len(piece)))
            reply = self._reply("db " + piece.hex(), self.timeout, sent)
            done = any(L.protocol_part(text) == "m-load-done" for text in reply.lines)
            if done != (offset + len(piece) == len(data)):
                raise DutProtocolError("m-load-done before all bytes were sent" if done else
                                       f"no m-load-done after {len(data)} bytes", port=self.port,
                                       command="db <hex>", last_line=self._last_line)
        return True

    def _command_logged_as(self, command: str, logged: str) -> Response:
        """``command`` on the wire, ``logged`` in the transcript (payload references)."""
        real = self.transcript

        def swap(direction: str, text: str, host_time: float) -> None:
            if real is not None:
                real(direction, logged if (direction == ">" and text == command) else text, host_time)

        self.transcript = swap if real is not None else None
        try:
            return self.command(command)
        finally:
            self.transcript = real

    def _keep_for(self, data: bytes) -> int:
        """Bytes of the DUT's current input that ``data`` starts with, shifted (sliding windows).

        Returns K > 0 when ``data[:K]`` equals the last K bytes of the previous input, else 0.
        Found with one substring search plus one comparison, so it costs microseconds.
        """
        prev = self._loaded
        if prev is None or len(data) < 64 or len(prev) < 64:
            return 0
        probe = data[:32]
        at = prev.find(probe, 1)
        while at > 0:
            keep = len(prev) - at
            if keep < len(data) and data[:keep] == prev[at:]:
                return keep
            at = prev.find(probe, at + 1)
        return 0

    def _binary_wire(self, data: bytes) -> tuple[str, bytes, int]:
        """(command, bytes to write, bytes the DUT must receive after the command) of one input:
        ``tb-fload`` from the staging file when the simulator reads host files, else ``tb-load``
        with KEEP reusing the previous input's tail."""
        crc = zlib.crc32(data)
        if self.host_files and self._caps is not None and self._caps.file_load:
            if self._staging is None:
                # A short path: the simulated UART moves the command one byte per ~100 µs.
                self._staging = Path(tempfile.mkdtemp(prefix="tb"))
            path = self._staging / "i"
            if " " not in str(path) and str(path).isascii():    # one token on the DUT's command line
                path.write_bytes(data)
                command = f"tb-fload {len(data)} {crc:08x} {path}"
                self._validate(command)
                return command, command.encode("ascii") + b"%", 0
        if self.memory_writer is not None and self._caps is not None and self._caps.mbox is not None:
            self.memory_writer(self._caps.mbox, data)      # the DUT is idle, waiting for a command
            command = f"tb-mload {len(data)} {crc:08x}"
            return command, command.encode("ascii") + b"%", 0
        keep = self._keep_for(data)
        command = f"tb-load {len(data)} {crc:08x}" + (f" {keep}" if keep else "")
        self._validate(command)
        return command, command.encode("ascii") + b"%" + data[keep:], len(data) - keep

    def _pipelined_load(self, data: bytes, tail: bytes) -> bool:
        """Load ``data`` with the ``tail`` commands in the same write (their replies are read by
        the caller). False: the load failed, the link was resynchronised and ``data`` loaded again
        on its own, so the caller sends its commands one at a time instead."""
        command, payload = self._start_load(data, tail)
        try:
            self._finish_load(data, command, payload)
        except DutResetError:
            raise
        except DutProtocolError as exc:
            self.load_stats["retries"] += 1
            self.anomaly("load repeated", f"pipelined {command.split()[0]} failed ({exc}); resynchronising")
            self.resync()
            self.load(data)
            return False
        return True

    def _start_load(self, data: bytes, tail: bytes = b"") -> tuple[str, int]:
        """Write one binary/file load (plus ``tail``, pipelined commands) and log it."""
        command, wire, payload = self._binary_wire(data)
        self._inflight = payload
        self.flush_input()
        self._loaded = None
        sent = time.time()
        if self.transcript is not None:
            self.transcript(">", command, sent)
            if not self.payload_refs:      # by reference, the command itself names bytes KEEP..SIZE
                self.transcript("#", f"payload {data[len(data) - payload:].hex() if payload else data.hex()}",
                                sent)
        try:
            self.link.write(wire + tail)
            self.link.flush()
        except (serial.SerialException, OSError) as exc:
            raise DutProtocolError(f"write failed: {exc}", port=self.port, command=command,
                                   last_line=self._last_line) from exc
        self._wrote(len(wire) + len(tail))
        return command, payload

    def _finish_load(self, data: bytes, command: str, payload: int) -> None:
        # The acknowledgement comes after the last payload byte: allow for a slow line.
        self._expect_load_done(command, self.timeout + payload / self.SLOWEST_LINE_BPS)
        kind = {"tb-fload": "file", "tb-mload": "memory"}.get(command.split(" ", 1)[0], "binary")
        self.load_stats[kind] += 1
        self.load_stats["bytes_sent"] += payload
        self._loaded = data

    def load_infer(self, data: bytes, n: int = 1, w: int = 0, *, timeout: float | None = None,
                   output_crc: bool = False, reread: bool = False) -> WindowReply:
        """``load(data)``, ``infer(n, w)``, then optionally ``results`` (a second reading of the
        output, ``reread``) and ``tb-crc`` (``output_crc``).

        With ``pipeline`` on (links whose far end buffers input: the host build's socket, QEMU's
        flow-controlled chardev) and a binary load negotiated, the commands go out in one write
        and cost one round trip instead of up to four; each reply is still read and logged after
        its own command. A failed load resynchronises and falls back to one command at a time.
        """
        caps = self._caps
        if not (self.pipeline and caps is not None and self._binary_ok()
                and (caps.output_crc or not output_crc)):
            self.load(data)
            return self._after_infer(self.infer(n, w, timeout=timeout), reread, output_crc)
        if n < 1 or w < 0:
            raise ValueError(f"infer needs n >= 1 and w >= 0 (got {n}, {w})")
        infer_cmd = f"infer {n} {w}"
        tail = infer_cmd + "%" + ("results%" if reread else "") + ("tb-crc%" if output_crc else "")
        if not self._pipelined_load(data, tail.encode("ascii")):
            return self._after_infer(self.infer(n, w, timeout=timeout), reread, output_crc)
        self._log(">", infer_cmd)
        result = self._infer_result(n, w, self._reply(
            infer_cmd, self.infer_timeout if timeout is None else timeout, time.time()))
        again = None
        if reread:
            self._log(">", "results")
            again = self._results_of(self._reply("results", self.timeout, time.time(), check=False))
        crc = None
        if output_crc:
            self._log(">", "tb-crc")
            crc = self._parse_crc(self._reply("tb-crc", self.timeout, time.time()))
        return WindowReply(result, again, crc)

    def _after_infer(self, result: InferResult, reread: bool, output_crc: bool) -> WindowReply:
        again = None
        if reread:
            again = self._results_of(self.command("results", check=False))
        return WindowReply(result, again, self.output_crc() if output_crc else None)

    def _results_of(self, response: Response) -> list[float] | None:
        """The values of a ``results`` reply; None when the firmware refused it (``e-[...]``)."""
        if any(L.parse_error(t) is not None for t in response.lines):
            return None
        return list(self._expect(response, L.parse_results, "an m-results-[...] line"))  # type: ignore[arg-type]

    def _load_binary(self, data: bytes) -> None:
        command, payload = self._start_load(data)
        self._finish_load(data, command, payload)

    def _expect_load_done(self, command: str, wait: float) -> None:
        """Read a load's one acknowledgement: ``m-load-done`` then ``m-ready``, or raise."""
        got: list[str] = []
        while True:
            line = self.read_line(wait, command)
            if L.is_ready(line):
                break
            if L.is_boot_line(line):
                raise DutResetError(port=self.port, command=command, last_line=line)
            self._inspect(command, got, line)
            got.append(line)
            if len(got) > 16:
                raise DutProtocolError("garbled load reply", port=self.port, command=command,
                                       last_line=line)
        for text in got:
            message = L.parse_error(text)
            if message is not None:
                raise DutError(message, port=self.port, command=command, lines=got)
        if got != ["m-load-done"]:
            raise DutProtocolError(f"unexpected load reply {got!r}", port=self.port,
                                   command=command, last_line=got[-1] if got else self._last_line)

    def resync(self, timeout: float = 10.0) -> None:
        """Bring a confused link back in step after a failed ``tb-load``.

        If the DUT is still inside a payload (bytes were dropped), filler bytes complete it (its
        checksum then fails harmlessly); a ``%`` ends whatever half command follows; the replies
        are drained and ``name`` is answered before anything else is sent.
        """
        self._loaded = None
        # At most the last payload is still expected (not the whole buffer: a 100 kB dbmax takes
        # tens of seconds through a simulated UART at ~100-350 µs per byte).
        pending = self._inflight or (self._caps.dbmax if (self._caps and self._caps.dbmax)
                                     else STANDARD_CMDMAX)
        try:
            self.link.write(b"\x00" * pending + b"%")
            self.link.flush()
        except (serial.SerialException, OSError) as exc:
            raise DutProtocolError(f"write failed: {exc}", port=self.port, command="(resync)",
                                   last_line=self._last_line) from exc
        self._drain(quiet_s=0.3, limit_s=timeout)
        self.sync(timeout)

    def infer(self, n: int, w: int, *, timeout: float | None = None) -> InferResult:
        """``infer n w`` (W always explicit); laps unwrapped, results parsed, all lines kept."""
        if n < 1 or w < 0:
            raise ValueError(f"infer needs n >= 1 and w >= 0 (got {n}, {w})")
        command = f"infer {n} {w}"
        response = self.command(command, timeout=self.infer_timeout if timeout is None else timeout)
        return self._infer_result(n, w, response)

    def _infer_result(self, n: int, w: int, response: Response) -> InferResult:
        command = response.command
        laps = [lap for lap in (L.parse_lap(t) for t in response.lines) if lap is not None]
        if not any(L.protocol_part(t) == "m-infer-done" for t in response.lines):
            raise DutProtocolError("reply lacks m-infer-done", port=self.port, command=command,
                                   last_line=response.lines[-1] if response.lines else None)
        if len(laps) not in (0, 2):
            raise DutProtocolError(f"expected 2 m-lap-us lines, got {len(laps)}", port=self.port,
                                   command=command, last_line=response.lines[-1])
        try:
            elapsed = L.elapsed_us(laps[0], laps[1]) if laps else None
        except ValueError as exc:
            raise DutProtocolError(str(exc), port=self.port, command=command,
                                   last_line=response.lines[-1]) from exc
        self._check_echo(response, {"warmup": w, "infer": n})
        results = self._expect(response, L.parse_results, "an m-results-[...] line")
        return InferResult(n, w, laps, elapsed, list(results), response.lines)

    def _check_echo(self, response: Response, sent: dict[str, int]) -> None:
        """The DUT echoes W and N (``m-warmup-start-W``, ``m-infer-start-N``, dut-protocol.md §8):
        a count it received differently from what was sent means the command was damaged on the
        line, and the timed window ran the wrong number of inferences (found by fault injection:
        a flipped digit in ``infer 25 1`` silently skewed energy per inference). Firmware that
        prints no echo is not checked."""
        for text in response.lines:
            echo = L.parse_infer_echo(text)
            if echo is not None and echo[1] != sent[echo[0]]:
                raise DutProtocolError(
                    f"the DUT echoed {echo[0]} count {echo[1]}, the host sent {sent[echo[0]]} "
                    "(command damaged on the link)", port=self.port, command=response.command,
                    last_line=text, hint="check the cable and baud rate; continue with --resume")  # type: ignore[arg-type]

    def results(self) -> list[float]:
        """``results``: the current output tensor, dequantised, as the firmware prints it."""
        return list(self._expect(self.command("results"), L.parse_results,  # type: ignore[arg-type]
                                 "an m-results-[...] line"))

    # ----------------------------------------------------------------- tinybench extensions
    def caps(self) -> Caps:
        """Negotiate extensions with ``tb-caps``; standard firmware (``e-[Unknown command…]``) → no extensions.

        The result is cached and enables bigger ``db`` chunks when the firmware advertises ``cmdmax``.
        """
        if self._caps is not None:
            return self._caps
        caps = self._read_caps()
        if caps.words and not caps.line_check and self.want_line_check:
            # tinybench firmware, read unchecked, without the line check: the link may have
            # damaged the very word that would turn the check on, so a second reading must agree
            again = self._read_caps()
            if again != caps:
                self.anomaly("damaged line", f"tb-caps read twice unchecked: {sorted(caps.words)}, "
                                             f"then {sorted(again.words)}")
                caps = again
        self._caps = caps
        self._log("#", f"caps: {sorted(caps.words) or 'none (standard firmware)'}; "
                       f"cmdmax={caps.cmdmax}; chunk={caps.chunk_bytes}")
        if caps.line_check and self.want_line_check and not self.line_check:
            self._check_lines(caps)
        return self._caps

    def _check_lines(self, caps: Caps) -> None:
        """``tb-check on``: from now on every line carries its CRC-32, so damage to *any* line is
        noticed, not only to values that can be read twice. What was read unchecked before (the
        vendor, the capabilities) is read again under the check and must agree."""
        self.command("tb-check on")
        if not self.line_check:
            raise DutProtocolError("tb-check on was not acknowledged with m-tb-check-[on]",
                                   port=self.port, command="tb-check on", last_line=self._last_line)
        self._log("#", "line check on: each DUT line carries ~<crc32>, verified and logged without it")
        again = self._read_caps()
        if again != caps:
            self.anomaly("damaged line", f"tb-caps read as {sorted(caps.words)} unchecked, "
                                         f"{sorted(again.words)} checked")
            self._caps = again
        self.name()

    def _read_caps(self) -> Caps:
        response = self.command("tb-caps", check=False)
        caps = Caps()
        for text in response.lines:
            ext = L.parse_extension(text)
            if ext and ext[0] == "caps":
                kv = L.parse_kv_list(ext[1])
                cmdmax = STANDARD_CMDMAX
                if "cmdmax" in kv:
                    try:
                        cmdmax = max(STANDARD_CMDMAX, int(kv["cmdmax"]))
                    except ValueError:
                        cmdmax = STANDARD_CMDMAX
                dbmax = int(kv["dbmax"]) if kv.get("dbmax", "").isdigit() else None
                try:
                    mbox = int(kv["mbox"], 16) if "mbox" in kv else None
                except ValueError:
                    mbox = None
                caps = Caps(frozenset(kv), cmdmax, dbmax, mbox)
                break
        return caps

    def _require(self, word: str) -> None:
        if word not in self.caps().words:
            raise DutProtocolError(f"firmware does not offer the tinybench extension '{word}'",
                                   port=self.port, command=f"tb-{word}", last_line=self._last_line,
                                   hint="flash tinybench firmware (tinybench firmware build) to use it")

    def info(self) -> dict[str, str]:
        """``tb-info`` key=value facts (model id, sha256, arena bytes, …)."""
        self._require("info")
        response = self.command("tb-info")
        for text in response.lines:
            ext = L.parse_extension(text)
            if ext and ext[0] == "info":
                return L.parse_kv_list(ext[1])
        raise DutProtocolError("reply lacks m-tb-info-[...]", port=self.port, command="tb-info",
                               last_line=self._last_line)

    def laps(self) -> tuple[int, int]:
        """``tb-laps``: the two laps of the last ``infer`` printed again (a second reading of them)."""
        self._require("laps")
        response = self.command("tb-laps")
        for text in response.lines:
            ext = L.parse_extension(text)
            if ext and ext[0] == "laps":
                values = ext[1].split(",")
                if len(values) == 2 and all(v.strip().isdigit() for v in values):
                    return int(values[0]), int(values[1])
        raise DutProtocolError("reply lacks m-tb-laps-[T0,T1]", port=self.port, command="tb-laps",
                               last_line=self._last_line)

    def raw_output(self) -> bytes:
        """``tb-raw``: the int8 output tensor bytes (for bit-exact comparison with TFLM)."""
        self._require("raw")
        response = self.command("tb-raw")
        for text in response.lines:
            ext = L.parse_extension(text)
            if ext and ext[0] == "raw":
                try:
                    return bytes.fromhex(ext[1])
                except ValueError as exc:
                    raise DutProtocolError(f"bad hex in m-tb-raw: {exc}", port=self.port,
                                           command="tb-raw", last_line=text) from exc
        raise DutProtocolError("reply lacks m-tb-raw-[...]", port=self.port, command="tb-raw",
                               last_line=self._last_line)

    def output_crc(self) -> int:
        """``tb-crc``: CRC-32 of the int8 output tensor (compared with the reference's instead of
        fetching the whole tensor, which for AD is 640 bytes per window)."""
        self._require("crc")
        return self._parse_crc(self.command("tb-crc"))

    def slide(self, data: bytes, stride: int, count: int, *, timeout: float | None = None) -> SlideReply:
        """Load ``data`` (``count`` windows ``stride`` bytes apart) and run them all with ``tb-slide``.

        One exchange instead of ``count`` loads and inferences (an AD file: 196). The reply's
        ``m-tb-slide-[count=N,crc=C]`` carries the CRC-32 of every byte of the window lines; a
        line damaged on the link makes it disagree and raises ``DutProtocolError`` (the caller
        measures again), so each window's score is as trustworthy as a re-read ``results``."""
        self._require("slide")
        command = f"tb-slide {stride} {count}"
        per_line = self.infer_timeout if timeout is None else timeout
        if self.pipeline and self._binary_ok() and 0 < len(data) <= (self._caps.dbmax or len(data)):  # type: ignore[union-attr]
            # Buffered far end (host build, QEMU): load and tb-slide in one write, one round trip.
            if self._pipelined_load(data, command.encode("ascii") + b"%"):
                self._log(">", command)
                response = self._reply(command, per_line, time.time())
            else:
                response = self.command(command, timeout=per_line)
        else:
            self.load(data)
            response = self.command(command, timeout=per_line)
        results: list[list[float]] = []
        crcs: list[int] = []
        for group in L.split_slide(response.lines, count) or []:
            results.append(L.parse_results(group[0]) or [])
            crcs += [int(kv["output"], 16) for kv in _crc_fields(group) if _is_hex8(kv.get("output"))][:1]
        if len(results) != count or len(crcs) != count:
            raise DutProtocolError(
                f"tb-slide reply does not check out ({len(results)} windows with results, {len(crcs)} "
                f"with an output CRC, of {count}; or its m-tb-slide summary line is missing or "
                "disagrees with the lines received)", port=self.port, command=command,
                last_line=response.lines[-1] if response.lines else self._last_line,
                hint="the link damaged a line: the windows are measured again")
        return SlideReply(results, crcs)

    def _parse_crc(self, response: Response) -> int:
        for text in response.lines:
            ext = L.parse_extension(text)
            if ext and ext[0] == "crc":
                kv = L.parse_kv_list(ext[1])
                try:
                    return int(kv["output"], 16)
                except (KeyError, ValueError):
                    break
        raise DutProtocolError("reply lacks m-tb-crc-[output=<8 hex>,...]", port=self.port,
                               command="tb-crc", last_line=self._last_line)

    def close(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None
        try:
            self.link.close()
        except (serial.SerialException, OSError):
            pass

    def __enter__(self) -> "DutClient":
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.finish()
        self.close()


def connect(url: str, baud: int, *, timeout: float = 5.0, transcript: TranscriptFn | None = None,
            sync_timeout: float = 10.0, host_files: bool = False,
            payload_refs: bool = False, pipeline: bool = False,
            memory_writer: Callable[[int, bytes], None] | None = None,
            line_check: bool = True) -> DutClient:
    """Open ``url`` through ``tinybench.transport`` and wait until the monitor answers.

    ``host_files``, ``payload_refs``, ``pipeline``, ``memory_writer`` and ``line_check``: see
    ``DutClient``."""
    from tinybench.transport import open_link

    client = DutClient(open_link(url, baud, min(timeout, 0.5)), port=url, transcript=transcript,
                       timeout=timeout, host_files=host_files, payload_refs=payload_refs,
                       pipeline=pipeline, memory_writer=memory_writer, line_check=line_check)
    attach = getattr(client.link, "attach_transcript", None)   # relay links log the board hop
    if attach is not None:
        attach(client._log)
    try:
        client.sync(sync_timeout)
    except BaseException:
        client.close()
        raise
    return client


def _crc_fields(lines: list[str]) -> list[dict[str, str]]:
    """The key=value fields of every ``m-tb-crc-[…]`` line among ``lines``."""
    out = []
    for text in lines:
        ext = L.parse_extension(text)
        if ext and ext[0] == "crc":
            out.append(L.parse_kv_list(ext[1]))
    return out


def _is_hex8(value: str | None) -> bool:
    return value is not None and len(value) == 8 and all(c in "0123456789abcdefABCDEF" for c in value)
