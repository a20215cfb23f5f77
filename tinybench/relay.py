"""Reaching a DUT through an energy bench's interface board (``relay+<url>`` links).

Why: on an MLPerf Tiny energy bench the power monitor powers the DUT alone and the host reaches
the DUT's UART only through an *interface board* (MLCommons' STM32H573I-DK firmware, EEMBC's
Arduino IO manager) that forwards ``dut <command>%`` and relays the DUT's lines prefixed with
``[dut]: `` until the DUT's own ``m-ready`` (``../shared/docs/dut-protocol.md`` §8, "Passthrough").

How it fits: ``RelayLink`` looks like a pyserial link carrying the DUT's own bytes, so
``DutClient`` drives it unchanged. ``tinybench.transport.open_link`` returns one for any URL
written ``relay+<interface-board-url>`` (``relay+/dev/ttyACM1``, ``relay+socket://host:port``), so
every place that takes a DUT port (``run --no-flash --port``) accepts an interface board too.
Opening checks both hops and fails with a message naming the failing one: board absent, board
answering with another name, board relaying at another baud than the DUT's, DUT silent behind it.
The transcript shows the board hop as ``#`` notes (``io > dut infer 10 0``,
``io < m-dut-passthrough(infer 10 0)``) around the DUT's lines.

Our own interface firmware (``firmware/interface``) queues DUT commands; it says so to ``tb-iface``
and ``command_queue`` holds its size, so the client may send a whole input's ``db`` chunks at
host-link speed and collect the DUT's replies afterwards (the slow DUT hop then runs back to back).

The relay carries ``%``-terminated text only, so the tinybench binary/file input extensions are
hidden from the client (``load``, ``fload``, ``mbox`` and ``cmdmax`` are removed from the DUT's
``m-tb-caps-[...]`` line, with a note): inputs travel as standard 31-byte ``db`` chunks. ``check``
(a CRC-32 per line) is hidden too: the relay rewrites the caps line, which would fail its check.

Board kinds (``tinybench.relay_kinds``): the MLCommons board, tinybench's firmware (the same, plus
``tb-iface``) and EEMBC's IO manager, recognised from ``name`` (and a ``help`` probe) or named in the
URL (``relay+io-manager+URL``). The board's own lines — its ``m-ready``, ``m-timer-enabled``,
``m-lap-us-<n>`` laps of its timer, anything unsolicited between commands — are transcript notes
(``io < …``), never DUT lines. A board that does not queue commands (the IO manager is half-duplex:
DUT output arriving while it reads a command collides with it) gets the next command only after
the DUT's ``m-ready`` for the previous one. Timer laps (``m-lap-us-<n>``, the board's own
microsecond clock at each DUT timestamp edge) are kept in ``timer_laps`` for the energy run
(``tinybench.run.board_timer``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial

from tinybench.errors import TinybenchError
from tinybench.protocol.lines import strip_line_check
from tinybench.relay_kinds import KINDS, InterfaceKind, split_relay_url

PREFIX = "relay+"
HOST_BAUD = 115200            # host side of the MLCommons interface board
DUT_TAG = "[dut]: "
_HIDDEN_CAPS = ("load", "fload", "cmdmax", "mbox", "check")
_IFACE_CAPS = re.compile(r"m-iface-\[tinybench,(.*)\]")
_LAP = re.compile(r"m-lap-us-(\d+)")

NoteFn = Callable[[str, str], None]


class HopMisconfigured(TinybenchError):
    """The interface board answered, but cannot relay to this DUT as it is set up (it is no
    interface board, or it relays at another baud): waiting or retrying cannot help."""


def is_relay_url(url: str) -> bool:
    return url.startswith(PREFIX)


@dataclass(frozen=True)
class BoardFacts:
    """What an interface board says about itself on hop 1."""

    name: str           # its name% reply, e.g. "tinyML Enhanced Interface Board"
    queue: int          # bytes of DUT commands it queues (tb-iface); 0: forwards each at once
    baud: int           # the DUT-side baud it relays at (checkbaud); 0: it does not say


class RelayLink:
    """A pyserial-like link to the DUT behind an interface board (see the module docstring)."""

    def __init__(self, inner: serial.SerialBase, url: str, *, ack_timeout: float = 5.0,
                 kind: InterfaceKind | None = None) -> None:
        self._inner = inner
        self.url = url
        self.port = PREFIX + url
        self.ack_timeout = ack_timeout
        self._raw = bytearray()       # bytes from the board not yet split into lines
        self._out = bytearray()       # DUT bytes (tag removed) ready for the client
        self._cmd = bytearray()       # host bytes of a command not yet terminated by %
        self._board_lines: list[str] = []   # the board's own lines since the last command
        self._pending: list[tuple[str, str]] = []
        self._note: NoteFn | None = None
        self.is_open = True
        #: bytes of DUT commands the board queues (tinybench interface firmware, ``tb-iface``);
        #: 0: the board forwards each command at once, so the host must wait for every reply.
        self.command_queue = 0
        #: commands relayed whose DUT ``m-ready`` has not come back yet (late replies still due).
        self.awaiting_replies = 0
        #: the board's kind: given (``relay+<kind>+URL``) or recognised by ``check``.
        self.kind = kind
        self._kind_given = kind is not None
        #: the board has a timer for the DUT's timestamp pin (``tm``, ``enable-timer``).
        self.timer = False
        #: ``m-lap-us-<n>`` values the board printed (its own clock, µs), oldest first.
        self.timer_laps: list[int] = []

    # --------------------------------------------------------------- transcript
    def attach_transcript(self, log: NoteFn) -> None:
        """``log(direction, text)``: the client's transcript; notes made before are flushed to it."""
        self._note = log
        for item in self._pending:
            log(*item)
        self._pending.clear()

    def _log(self, text: str) -> None:
        if self._note is not None:
            self._note("#", text)
        else:
            self._pending.append(("#", text))

    # --------------------------------------------------------------- pyserial surface
    @property
    def timeout(self) -> float | None:
        return self._inner.timeout

    @timeout.setter
    def timeout(self, value: float | None) -> None:
        self._inner.timeout = value

    @property
    def name(self) -> str:
        return self.port

    @property
    def in_waiting(self) -> int:
        self._pump(block=False)
        return len(self._out)

    def read(self, size: int = 1) -> bytes:
        if not self._out:
            self._pump(block=True)
        data = bytes(self._out[:size])
        del self._out[:size]
        return data

    def write(self, data: bytes) -> int:
        self._cmd += data
        while True:
            end = self._cmd.find(b"%")
            if end < 0:
                break
            command = self._cmd[:end].decode("ascii", "replace")
            del self._cmd[:end + 1]
            self._relay(command)
        return len(data)

    def flush(self) -> None:
        self._inner.flush()

    def reset_input_buffer(self) -> None:
        self._out.clear()

    def close(self) -> None:
        self.is_open = False
        self._inner.close()

    # --------------------------------------------------------------- board hop
    def _pump(self, block: bool) -> None:
        """Move what the board sent into ``_out`` (DUT lines) or ``_board_lines`` (its own)."""
        waiting = self._inner.in_waiting
        if not waiting and not block:
            return
        chunk = self._inner.read(max(1, min(waiting or 1, 65536)))
        if not chunk:
            return
        self._raw += chunk
        while True:
            nl = self._raw.find(b"\n")
            if nl < 0:
                break
            line = bytes(self._raw[:nl]).replace(b"\r", b"").replace(b"\0", b"")
            # A DUT left checking its lines by a direct session (tb-check) still reads as itself.
            tag = DUT_TAG.encode() if line.startswith(DUT_TAG.encode()) else b""
            line = tag + strip_line_check(line[len(tag):])
            del self._raw[:nl + 1]
            text = line.decode("ascii", "replace")
            if text.startswith(DUT_TAG):
                dut_line = self._filter(text[len(DUT_TAG):])
                if dut_line == "m-ready" and self.awaiting_replies:
                    self.awaiting_replies -= 1
                self._out += dut_line.encode("ascii", "replace") + b"\r\n"
            elif text.strip():
                self._log(f"io < {text}")
                lap = _LAP.fullmatch(text.strip())
                if lap:                  # the board's timer: never a reply to a command
                    self.timer_laps.append(int(lap.group(1)))
                else:
                    self._board_lines.append(text)

    def _filter(self, text: str) -> str:
        """Hide the extensions a text-only relay cannot carry from the DUT's ``tb-caps`` line."""
        if not text.startswith("m-tb-caps-[") or not text.endswith("]"):
            return text
        items = [i for i in text[len("m-tb-caps-["):-1].split(",") if i.strip()]
        kept = [i for i in items if i.split("=", 1)[0].strip() not in _HIDDEN_CAPS]
        if len(kept) != len(items):
            self._log(f"io: DUT said {text}; relay hides {', '.join(_HIDDEN_CAPS)} (text-only hop)")
        return "m-tb-caps-[" + ",".join(kept) + "]"

    def _wait_dut_ready(self, command: str) -> None:
        """A board that does not queue gets nothing while the DUT still owes an ``m-ready``: its
        output would collide with the command (IO manager, half-duplex). Bounded by ``ack_timeout``."""
        if self.command_queue or not self.awaiting_replies:
            return
        deadline = time.monotonic() + self.ack_timeout
        while self.awaiting_replies and time.monotonic() < deadline:
            self._pump(block=True)
        if self.awaiting_replies:
            self._log(f"io: sending '{command}' while the DUT still owes {self.awaiting_replies} "
                      f"m-ready after {self.ack_timeout:.0f} s (its output may collide with it)")

    def board_command(self, command: str, timeout: float | None = None) -> list[str]:
        """A command to the board itself (``tm 0``, ``enable-timer``): its lines before ``m-ready``."""
        self._wait_dut_ready(command)
        return self._board_command(command, self.ack_timeout if timeout is None else timeout)

    def take_laps(self, count: int, timeout: float) -> list[int]:
        """The timer laps printed so far, waiting up to ``timeout`` s for ``count`` of them; clears them."""
        deadline = time.monotonic() + timeout
        while len(self.timer_laps) < count and time.monotonic() < deadline:
            if self._inner.in_waiting:
                self._pump(block=False)
            else:
                time.sleep(0.01)
        laps, self.timer_laps = self.timer_laps, []
        return laps

    def _board_command(self, command: str, timeout: float) -> list[str]:
        """Send a board command; its own lines up to its ``m-ready`` (DUT lines keep flowing to ``_out``)."""
        self._board_lines.clear()
        self._log(f"io > {command}")
        self._inner.write(command.encode("ascii") + b"%")
        self._inner.flush()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "m-ready" in self._board_lines:
                got = self._board_lines[:self._board_lines.index("m-ready")]
                del self._board_lines[:len(got) + 1]
                return got
            self._pump(block=True)
        raise serial.SerialException(
            f"interface board {self.url} did not answer '{command}' within {timeout:.0f} s "
            f"(last board lines: {self._board_lines[-3:] or 'none'})")

    def _relay(self, command: str) -> None:
        self._wait_dut_ready(f"dut {command}")
        # Counted before sending: the DUT's m-ready may arrive while the acknowledgement is read.
        self.awaiting_replies += 1
        got = self._board_command(f"dut {command}", self.ack_timeout)
        if not any(text.startswith("m-dut-passthrough(") for text in got):
            self.awaiting_replies = max(0, self.awaiting_replies - 1)
            raise serial.SerialException(
                f"interface board {self.url} did not pass 'dut {command}' through to the DUT "
                f"(answered {got or ['m-ready']})")

    def _ask_queue(self) -> None:
        """``tb-iface``: tinybench's interface firmware answers ``m-iface-[tinybench,queue=N,...]``;
        MLCommons' board answers an unknown command with just ``m-ready``."""
        try:
            lines = self._board_command("tb-iface", 1.0)
        except serial.SerialException:
            return      # no reply at all (an IO manager that ignores unknown words)
        for text in lines:
            match = _IFACE_CAPS.fullmatch(text)
            if not match:
                continue
            words = dict(w.partition("=")[::2] for w in match.group(1).split(","))
            if words.get("queue", "").isdigit():
                self.command_queue = int(words["queue"])
                self._log(f"io: the board queues up to {self.command_queue} bytes of DUT commands")
            if "timer" in words:
                self.timer = True

    # --------------------------------------------------------------- checks at open
    def check(self, dut_baud: int | None, timeout: float) -> None:
        """Board present and named as an interface board, relaying at ``dut_baud``, DUT answering."""
        self._check_dut(self.check_board(dut_baud, timeout).baud or None, timeout)

    def check_board(self, dut_baud: int | None, timeout: float) -> BoardFacts:
        """Hop 1 only (no DUT needed): the board answers as an interface board (of a kind in
        ``relay_kinds``) and relays at ``dut_baud`` (None: any)."""
        try:
            named = self._board_command("name", min(timeout, 3.0))
        except serial.SerialException as exc:
            raise TinybenchError(
                f"interface board {self.url} did not answer name% (hop 1, host → interface board): {exc}",
                "check that the interface board is connected, powered and running its firmware, "
                f"and that its host side runs at {HOST_BAUD} baud (at another baud nothing it sends "
                "is readable)") from exc
        kind = self._recognise(named, min(timeout, 3.0))
        self.timer = kind.timer
        if kind.asks_iface:
            self._ask_queue()
        self._log(f"io: {kind.title} ({'named in the URL' if self._kind_given else 'recognised'})"
                  + ("; it has a timer for the DUT's timestamp pin" if self.timer else ""))
        if kind.baud_commands:
            relayed = self._check_baud(dut_baud, timeout)
        else:
            self._check_fixed_baud(kind, dut_baud)
            relayed = kind.fixed_dut_baud
        return BoardFacts(name=next((t for t in named if t), ""), queue=self.command_queue,
                          baud=relayed or 0)

    def _check_baud(self, dut_baud: int | None, timeout: float) -> int | None:
        """``checkbaud`` must equal the DUT's baud (hop 2); returns the board's DUT baud if it said."""
        try:
            baud_lines = self._board_command("checkbaud", min(timeout, 3.0))
        except serial.SerialException:
            baud_lines = []
        relayed = next((int(t.split(":", 1)[1]) for t in baud_lines
                        if t.startswith("baud is:") and t.split(":", 1)[1].strip().isdigit()), None)
        if relayed is not None and dut_baud and relayed != dut_baud:
            raise HopMisconfigured(
                f"interface board {self.url} relays to the DUT at {relayed} baud, but this DUT runs "
                f"at {dut_baud} baud (hop 2, interface board → DUT)",
                f"send 'setbaud {dut_baud}%' to the board (it stores the value and resets), "
                "or build the DUT firmware for the board's baud")
        return relayed

    def _recognise(self, named: list[str], timeout: float) -> InterfaceKind:
        """The board's kind from its ``name`` reply, else from a ``help`` probe (relay_kinds)."""
        if any(t.startswith("m-name-dut-") for t in named):
            raise HopMisconfigured(
                f"the device at {self.url} answered name% with {named}, not as an interface board (hop 1)",
                "this looks like the DUT itself: pass its URL without 'relay+'")
        if self.kind is not None:
            if named and not self.kind.named_by(named):
                self._log(f"io: name% answered {named}; driving it as {self.kind.title} as the URL says")
            return self.kind
        found = next((k for k in KINDS.values() if k.named_by(named)), None)
        helped: list[str] = []
        if found is None:
            try:
                helped = self._board_command("help", timeout)
            except serial.SerialException:
                helped = []
            found = next((k for k in KINDS.values() if k.helped_by(helped)), None)
        if found is None:
            raise HopMisconfigured(
                f"the device at {self.url} answered name% with {named or ['nothing but m-ready']} "
                f"and help% with {helped or ['nothing but m-ready']}: not as an interface board "
                "(neither an MLCommons interface board nor an EEMBC IO manager; hop 1, host → "
                "interface board)",
                "check the port; expected 'tinyML Enhanced Interface Board' or an IO manager whose "
                "help lists enable-timer and dut. If it is an IO manager answering otherwise, say "
                "so: --interface-kind io-manager (yaml interface.kind, or relay+io-manager+URL)")
        self.kind = found
        return found

    def _check_fixed_baud(self, kind: InterfaceKind, dut_baud: int | None) -> None:
        if kind.fixed_dut_baud and dut_baud and dut_baud != kind.fixed_dut_baud:
            raise HopMisconfigured(
                f"interface board {self.url} ({kind.title}) relays to the DUT at a fixed "
                f"{kind.fixed_dut_baud} baud, but this DUT runs at {dut_baud} baud (hop 2, "
                "interface board → DUT)",
                f"build the DUT's firmware for {kind.fixed_dut_baud} baud (--baud "
                f"{kind.fixed_dut_baud} for a DUT that follows it), or use an interface board "
                "whose DUT baud is settable")

    def _check_dut(self, relayed: int | None, timeout: float) -> None:
        """Hop 2: ``dut name`` gets the DUT's reply through the board."""
        self._out.clear()
        self.awaiting_replies = 0
        deadline = time.monotonic() + timeout
        try:
            self._relay("name")
        except serial.SerialException as exc:
            raise TinybenchError(str(exc), "check the interface board firmware") from exc
        seen = b""
        while time.monotonic() < deadline:
            self._pump(block=True)
            seen += bytes(self._out)
            self._out.clear()
            text = seen.decode("ascii", "replace")
            if "m-name-" in text and "m-ready" in text[text.index("m-name-"):]:
                return
        raise TinybenchError(
            f"the DUT behind interface board {self.url} is silent: no reply to 'dut name' within "
            f"{timeout:.0f} s (hop 2, interface board → DUT)",
            f"check that the DUT is powered (the energy monitor powers it), its UART wiring and "
            f"level shifters, and that it runs at the board's baud ({relayed or 'unknown'})")


def open_relay(url: str, dut_baud: int | None, timeout: float, *,
               check_timeout: float = 5.0) -> RelayLink:
    """Open the interface board at ``url`` (without ``relay+``; may start with ``<kind>+``) and
    check both hops."""
    from tinybench.transport import open_link

    kind, url = split_relay_url(url)
    inner = open_link(url, HOST_BAUD, timeout, what="interface board")
    link = RelayLink(inner, url, kind=kind)
    try:
        link.check(dut_baud, check_timeout)
    except BaseException:
        link.close()
        raise
    link._log(f"io: relaying to the DUT through interface board {url}")
    return link


def probe_interface_board(url: str, dut_baud: int | None, timeout: float) -> BoardFacts:
    """Ask the interface board at ``url`` who it is and at which baud it relays (hop 1 only, no DUT
    needed): what ``tinybench flash --interface-firmware`` checks after flashing one."""
    from tinybench.transport import open_link

    kind, url = split_relay_url(url)
    link = RelayLink(open_link(url, HOST_BAUD, timeout, what="interface board"), url, kind=kind)
    try:
        return link.check_board(dut_baud, timeout)
    finally:
        link.close()
