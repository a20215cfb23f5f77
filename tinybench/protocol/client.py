"""Host side of the MLPerf Tiny / EEMBC DUT protocol (``../shared/docs/dut-protocol.md``).

Why this shape: real firmware prints free text, trailing commas, millisecond timers and wrapping
32-bit laps, and real links drop or garble bytes. The client therefore (1) is stop-and-wait: one
``%``-terminated command, then lines until ``m-ready``; (2) bounds every wait and names port,
command and last line on failure; (3) flushes stale input before each command so a late line of
a previous exchange is never read as the answer to the next; (4) refuses to send anything the
reference monitor would mangle (CR/LF, ``%`` inside, empty, longer than the command buffer).
Every line sent or received goes to an optional transcript callback with a host timestamp.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import serial

from tinybench.protocol import lines as L
from tinybench.protocol.errors import DutError, DutProtocolError, DutResetError, DutTimeoutError

#: ``transcript(direction, text, host_time)``; direction is ``">"`` sent, ``"<"`` received,
#: ``"#"`` a note from the host (flushed stale input, negotiation results).
TranscriptFn = Callable[[str, str, float], None]

STANDARD_CMDMAX = 80
STANDARD_CHUNK = 31          # MLCommons runner default: "db " + 62 hex = 65 chars
MAX_RESPONSE_LINES = 4096    # more lines than this without m-ready is garbage, not an answer


@dataclass(frozen=True)
class Caps:
    """What the firmware advertised with ``tb-caps`` (empty for standard firmware)."""

    words: frozenset[str] = frozenset()
    cmdmax: int = STANDARD_CMDMAX
    dbmax: int | None = None          # input buffer bytes, when advertised

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


class DutClient:
    """Drive one DUT over an open pyserial link.

    ``timeout`` bounds every non-inference command; ``infer_timeout`` bounds the silence between
    two lines of an ``infer`` reply (the DUT is silent for the whole timed window), and callers
    that know the expected window length pass a tighter or looser bound per call.
    """

    def __init__(self, link: serial.SerialBase, *, port: str | None = None,
                 transcript: TranscriptFn | None = None, timeout: float = 5.0,
                 infer_timeout: float = 60.0) -> None:
        self.link = link
        self.port = port or str(getattr(link, "port", None) or getattr(link, "name", "?"))
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

    # ----------------------------------------------------------------- low level
    def _log(self, direction: str, text: str) -> None:
        if self.transcript is not None:
            self.transcript(direction, text, time.time())

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
        if stale:
            for part in stale.split(b"\n"):
                text = L.clean(part)
                if text:
                    self._log("#", f"stale input discarded: {text}")

    def send(self, command: str) -> float:
        """Write ``command%``; returns the host time of the write."""
        self._validate(command)
        self.flush_input()
        sent = time.time()
        if self.transcript is not None:
            self.transcript(">", command, sent)
        try:
            self.link.write(command.encode("ascii") + b"%")
            self.link.flush()
        except (serial.SerialException, OSError) as exc:
            raise DutProtocolError(f"write failed: {exc}", port=self.port, command=command,
                                   last_line=self._last_line) from exc
        return sent

    def read_line(self, timeout: float, command: str | None) -> str:
        """Next non-empty line within ``timeout`` seconds (CR/NUL dropped)."""
        deadline = time.monotonic() + timeout
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                raw = bytes(self._buf[:nl])
                del self._buf[:nl + 1]
                text = L.clean(raw)
                if not text:
                    continue
                self._last_line = text
                self._log("<", text)
                return text
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DutTimeoutError(timeout, port=self.port, command=command,
                                      last_line=self._last_line)
            try:
                chunk = self.link.read(max(1, min(self.link.in_waiting or 1, 65536)))
            except (serial.SerialException, OSError) as exc:
                raise DutProtocolError(f"link failed: {exc}", port=self.port, command=command,
                                       last_line=self._last_line) from exc
            if chunk:
                self._buf += chunk
                if len(self._buf) > 1 << 20:
                    raise DutProtocolError("more than 1 MiB without a line end (garbage)",
                                           port=self.port, command=command, last_line=self._last_line)

    def command(self, command: str, *, timeout: float | None = None, check: bool = True) -> Response:
        """Send one command and collect its reply up to ``m-ready``.

        ``timeout`` bounds the wait for each line. ``e-[...]`` lines raise ``DutError`` after the
        reply is complete (so the link stays in step) unless ``check`` is False.
        """
        per_line = self.timeout if timeout is None else timeout
        started = self.send(command)
        got: list[str] = []
        while True:
            line = self.read_line(per_line, command)
            if L.is_ready(line):
                break
            if L.is_boot_line(line):
                raise DutResetError(port=self.port, command=command, last_line=line)
            got.append(line)
            if len(got) > MAX_RESPONSE_LINES:
                raise DutProtocolError(f"{len(got)} lines without m-ready (garbage output?)",
                                       port=self.port, command=command, last_line=line)
        response = Response(command, got, started, time.time())
        if check:
            for text in got:
                message = L.parse_error(text)
                if message is not None:
                    raise DutError(message, port=self.port, command=command, lines=got)
        return response

    def sync(self, timeout: float = 10.0) -> None:
        """Wait until the monitor answers ``name`` (it may still be booting), then let the link go quiet.

        Boot text and ``m-ready`` lines without a name reply are skipped rather than taken as the
        answer; ``name`` is re-sent only after a silent second. Once answered, late replies to
        earlier attempts are drained, so the next command cannot read one of them as its answer.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.send("name")
            attempt_end = min(deadline, time.monotonic() + 1.0)
            named = False
            try:
                while True:
                    line = self.read_line(max(0.05, attempt_end - time.monotonic()), "name")
                    if L.protocol_part(line).startswith("m-name-"):
                        named = True
                    elif named and L.is_ready(line):
                        self._drain(quiet_s=0.2, limit_s=2.0)
                        return
            except DutTimeoutError:
                continue
        raise DutTimeoutError(timeout, port=self.port, command="name", last_line=self._last_line)

    def _drain(self, quiet_s: float, limit_s: float) -> None:
        """Read (and log) lines until nothing arrives for ``quiet_s``, at most ``limit_s``."""
        end = time.monotonic() + limit_s
        while time.monotonic() < end:
            try:
                self.read_line(quiet_s, None)
            except DutTimeoutError:
                return

    # ----------------------------------------------------------------- standard commands
    def _expect(self, response: Response, parser: Callable[[str], object], what: str) -> object:
        for text in response.lines:
            value = parser(text)
            if value is not None:
                return value
        raise DutProtocolError(f"reply lacks {what}", port=self.port, command=response.command,
                               last_line=response.lines[-1] if response.lines else self._last_line)

    def name(self) -> str:
        """Vendor string of ``m-name-dut-[<vendor>]``."""
        return str(self._expect(self.command("name"), L.parse_name, "an m-name-dut-[...] line"))

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
        """Load ``data`` into the DUT input buffer: ``db load N`` then hex chunks until ``m-load-done``."""
        if not data:
            raise ValueError("refusing to load an empty input (db load 0 is an error on the DUT)")
        size = chunk or (self._caps.chunk_bytes if self._caps else STANDARD_CHUNK)
        if self._caps and self._caps.dbmax is not None and len(data) > self._caps.dbmax:
            raise DutProtocolError(
                f"a {len(data)}-byte input does not fit the DUT's {self._caps.dbmax}-byte input buffer",
                port=self.port, command=f"db load {len(data)}", last_line=self._last_line,
                hint="the firmware was built for another workload; rebuild it for this one")
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
        done = False
        for offset in range(0, len(data), size):
            piece = data[offset:offset + size]
            reply = self.command("db " + piece.hex())
            done = any(L.protocol_part(text) == "m-load-done" for text in reply.lines)
            if done and offset + len(piece) < len(data):
                raise DutProtocolError("m-load-done before all bytes were sent", port=self.port,
                                       command="db <hex>", last_line=reply.lines[-1])
        if not done:
            raise DutProtocolError(f"no m-load-done after {len(data)} bytes", port=self.port,
                                   command="db <hex>", last_line=self._last_line)

    def infer(self, n: int, w: int, *, timeout: float | None = None) -> InferResult:
        """``infer n w`` (W always explicit); laps unwrapped, results parsed, all lines kept."""
        if n < 1 or w < 0:
            raise ValueError(f"infer needs n >= 1 and w >= 0 (got {n}, {w})")
        command = f"infer {n} {w}"
        response = self.command(command, timeout=self.infer_timeout if timeout is None else timeout)
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
                caps = Caps(frozenset(kv), cmdmax, dbmax)
                break
        self._caps = caps
        self._log("#", f"caps: {sorted(caps.words) or 'none (standard firmware)'}; "
                       f"cmdmax={caps.cmdmax}; chunk={caps.chunk_bytes}")
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

    def close(self) -> None:
        try:
            self.link.close()
        except (serial.SerialException, OSError):
            pass

    def __enter__(self) -> "DutClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(url: str, baud: int, *, timeout: float = 5.0, transcript: TranscriptFn | None = None,
            sync_timeout: float = 10.0) -> DutClient:
    """Open ``url`` through ``tinybench.transport`` and wait until the monitor answers."""
    from tinybench.transport import open_link

    client = DutClient(open_link(url, baud, min(timeout, 0.5)), port=url, transcript=transcript,
                       timeout=timeout)
    try:
        client.sync(sync_timeout)
    except BaseException:
        client.close()
        raise
    return client
