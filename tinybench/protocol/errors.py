"""Failures of a DUT exchange.

Why separate types: the runner saves its state and stops on every one of them, but the message
differs — a DUT that answers ``e-[...]`` needs a different fix than one that went silent or reset.
Every error names the port, the command and the last line received, so a lab user can tell a
loose cable from a firmware bug without reading a stack trace.
"""

from __future__ import annotations

from tinybench.errors import TinybenchError


class DutProtocolError(TinybenchError):
    """The DUT answered, but not as the protocol says (garbage, missing lines, bad values)."""

    def __init__(self, message: str, *, port: str, command: str | None, last_line: str | None,
                 hint: str | None = None) -> None:
        where = f"on {port}" + (f" after command {command!r}" if command is not None else "")
        last = f"; last line received: {last_line!r}" if last_line is not None else "; nothing received"
        super().__init__(f"DUT {where}: {message}{last}", hint or
                         "check the baud rate and that the board runs tinybench or MLPerf Tiny "
                         "monitor firmware in performance mode")
        self.port = port
        self.command = command
        self.last_line = last_line


class DutError(DutProtocolError):
    """The DUT rejected a command with an ``e-[...]`` line."""

    def __init__(self, dut_message: str, *, port: str, command: str, lines: list[str]) -> None:
        super().__init__(f"command failed: {dut_message}", port=port, command=command,
                         last_line=lines[-1] if lines else None,
                         hint="the firmware refused the command; see the transcript (log.txt)")
        self.dut_message = dut_message
        self.lines = lines


class DutTimeoutError(DutProtocolError):
    """No complete answer within the bounded wait."""

    def __init__(self, waited_s: float, *, port: str, command: str | None, last_line: str | None) -> None:
        super().__init__(f"no answer within {waited_s:.1f} s", port=port, command=command,
                         last_line=last_line,
                         hint="the DUT stopped answering: check power, cable and baud rate, or "
                              "restart the board/simulator and continue with --resume")
        self.waited_s = waited_s


class DutResetError(DutProtocolError):
    """The DUT printed its boot banner in the middle of an exchange: it reset."""

    def __init__(self, *, port: str, command: str | None, last_line: str | None) -> None:
        super().__init__("the DUT reset during the command (boot text seen)", port=port,
                         command=command, last_line=last_line,
                         hint="check the power supply and the firmware's stack/arena size; "
                              "continue with --resume once the board is stable")


class NotADutError(DutProtocolError):
    """Something answers ``name%``, but not as a DUT (``m-name-dut-[<vendor>]``): an interface
    board, another device's monitor, a DUT with another device name. Waiting cannot help."""

    def __init__(self, answer: str, *, port: str) -> None:
        super().__init__(f"the device answers name% with {answer!r}, not m-name-dut-[<vendor>] "
                         "(the MLPerf Tiny runners require the device name 'dut')",
                         port=port, command="name", last_line=answer,
                         hint="pass the DUT's own port with --port; for an interface board (IO manager) "
                              "in front of the DUT pass --interface URL (docs/bench.md); vendor "
                              "firmware must print m-name-dut-[<vendor>] (TH_VENDOR_NAME_STRING)")
