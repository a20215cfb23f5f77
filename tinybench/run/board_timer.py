"""The interface board's timer in an energy run: a second clock at the DUT's timestamp edges.

Why: on EEMBC's bench the DUT's timestamp pin also goes to the IO manager (Arduino D3); with
``tm 0`` + ``enable-timer`` it prints ``m-lap-us-<n>`` — its own microsecond clock — at each falling
edge (EnergyRunner logs: two laps per window). tinybench's interface firmware does the same. A
demanding lab wants that second, independent clock: the window durations by the power monitor's
edges (the figures' time base, the monitor's sample clock) are checked against the board's laps
(the board's crystal or resonator), so a monitor that misses, merges or mis-times an edge is caught
rather than trusted. The figures are never computed from the laps here; every lap line stays in
``log.txt`` (``# io < m-lap-us-…``) and each window's laps in ``trace.json`` (``board_timer``).

Tolerance: one monitor sample at each edge, plus ``AGREE_PCT`` for the board's clock (an Arduino
UNO runs from a ceramic resonator, ±0.5 %). On the published Syntiant v1.0 energy runs (EEMBC IO
manager + LPM01A) the laps run 0.11–0.13 % long against the monitor's edges, every window
(``tinybench energy DIR`` prints that check for EnergyRunner folders too): a clock-rate offset
which is why the laps cross-check the edges and never replace them.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinybench.relay import RelayLink

LAP_WAIT_S = 1.0      #: how long a lap may trail the DUT's reply (it is printed at the edge)
AGREE_PCT = 0.5
_WRAP = 1 << 32       #: the laps are a 32-bit microsecond counter
_ER_LAP = re.compile(r"\bio: m-lap-us-(\d+)")


def check_window(laps: list[int], monitor_s: float, sample_rate_hz: float) -> dict[str, Any]:
    """One window: the board's two laps against the monitor's duration (which clock says what)."""
    record: dict[str, Any] = {"laps_us": laps, "monitor_s": monitor_s}
    if len(laps) != 2:
        record["agrees"] = None
        return record
    board_s = ((laps[1] - laps[0]) % _WRAP) / 1e6
    allowed = 2.0 / sample_rate_hz + monitor_s * AGREE_PCT / 100
    record.update(board_s=board_s, diff_s=monitor_s - board_s, agrees=abs(monitor_s - board_s) <= allowed)
    return record


def summarize(windows: list[dict[str, Any]], where: str) -> str | None:
    """One line: do the windows agree, the worst difference, the board clock's rate vs the monitor's."""
    checked = [w for w in windows if w.get("agrees") is not None]
    if not checked:
        return None
    bad = [k for k, w in enumerate(windows, start=1) if w.get("agrees") is False]
    worst = max(abs(w["diff_s"]) for w in checked) * 1e3
    rate = statistics.median((w["board_s"] / w["monitor_s"] - 1) * 100 for w in checked if w["monitor_s"] > 0)
    clock = f"; its timer reads durations {rate:+.4f} % against the monitor's (median)"
    if bad:
        return (f"{where}: its timer disagrees with the monitor's edges in windows {bad} (worst "
                f"{worst:.3f} ms){clock}: check the monitor's event input and the timestamp wiring")
    return (f"window durations cross-checked with {where}'s own timer: {len(checked)} window(s) "
            f"agree (worst {worst:.3f} ms){clock}")


def energyrunner_laps(log_text: str) -> list[list[int]]:
    """The IO manager's laps per timed ``io dut infer`` of an EnergyRunner ``log.txt`` (``io:
    m-lap-us-<n>`` lines between that command and the next sequencer step), in window order."""
    windows: list[list[int]] = []
    current: list[int] | None = None
    for line in log_text.splitlines():
        if "sequencer: m-sequencing-" in line:
            current = [] if "command[io dut infer" in line else None
            if current is not None:
                windows.append(current)
            continue
        match = _ER_LAP.search(line)
        if match and current is not None:
            current.append(int(match.group(1)))
    return windows


def recorded_windows(trace_dir: Path, monitor_s: list[float], sample_rate_hz: float,
                     meta: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The timer check of a saved run: tinybench's ``trace.json`` (``board_timer`` per window) or
    an EnergyRunner folder's ``log.txt`` laps; None when the run has no board timer."""
    saved = [w.get("board_timer") for w in meta.get("windows", [])]
    if saved and all(saved):
        return saved
    log = Path(trace_dir) / "log.txt"
    if not log.is_file() or "io: m-lap-us-" not in (text := log.read_text(errors="replace")):
        return None
    laps = energyrunner_laps(text)
    if len(laps) != len(monitor_s):
        return None
    return [check_window(pair, d, sample_rate_hz) for pair, d in zip(laps, monitor_s)]


class BoardTimer:
    """Drives the timer of a ``RelayLink`` whose board has one; see the module docstring."""

    def __init__(self, link: RelayLink, note: Callable[[str], None]) -> None:
        self.link = link
        self.note = note
        self.where = f"interface board {link.url} ({link.kind.title if link.kind else 'interface board'})"
        self.silent = False
        self.windows: list[dict[str, Any]] = []

    @classmethod
    def start(cls, link: Any, note: Callable[[str], None]) -> BoardTimer | None:
        """``tm 0`` + ``enable-timer`` when the DUT link is a relay through a board with a timer."""
        if not isinstance(link, RelayLink) or not link.timer:
            return None
        import serial

        timer = cls(link, note)
        try:
            mode = link.board_command("tm 0")
            enabled = link.board_command("enable-timer")
        except serial.SerialException as exc:
            mode, enabled = [str(exc)], []
        if "m-timestmp-mode-FALLING" not in mode or "m-timer-enabled" not in enabled:
            note(f"{timer.where}: its timer did not start (tm 0 → {mode}, enable-timer → {enabled}); "
                 "windows are timed by the monitor's edges only")
            return None
        link.take_laps(0, 0.0)
        note(f"{timer.where}: timer on (tm 0: falling edges); its m-lap-us laps are checked "
             "against the monitor's edges per window")
        return timer

    def marker(self) -> str | None:
        """After the ``timestamp`` marker edge: one lap, or a note naming the hop that is silent."""
        if self.link.take_laps(1, LAP_WAIT_S):
            return None
        self.silent = True
        text = (f"{self.where}: timer enabled but no m-lap-us for the DUT's timestamp marker (hop: "
                "DUT timestamp pin → interface board timer input, EEMBC: Arduino D3); windows are "
                "timed by the monitor's edges only, without the board's cross-check")
        self.note(text)
        return text

    def before_window(self) -> None:
        """Forget laps of earlier exchanges (calibration probes, a failed attempt)."""
        self.link.take_laps(0, 0.0)

    def window(self, index: int, monitor_s: float, sample_rate_hz: float) -> dict[str, Any]:
        """The window's laps and both durations: which clock says what, and whether they agree."""
        record = check_window(self.link.take_laps(2, 0.0 if self.silent else LAP_WAIT_S),
                              monitor_s, sample_rate_hz)
        if record["agrees"] is None:
            self.note(f"{self.where}: window {index}: {len(record['laps_us'])} timer lap(s), "
                      "expected 2 (one per timestamp edge); not cross-checked")
        else:
            self.note(f"window {index}: {record['board_s']:.6f} s by the interface board's timer, "
                      f"{monitor_s:.6f} s by the monitor's edges"
                      + ("" if record["agrees"] else " — DISAGREE beyond 2 samples + "
                         f"{AGREE_PCT:g} %"))
        self.windows.append(record)
        return record

    def summary(self) -> str | None:
        """One line for the figures' notes (None when nothing was cross-checked)."""
        return None if self.silent else summarize(self.windows, self.where)

    def stop(self) -> None:
        try:
            self.link.board_command("disable-timer")
        except Exception as exc:  # noqa: BLE001 - the run's data matters more than this reply
            self.note(f"{self.where}: disable-timer failed: {exc}")
