"""Progress with ETA on stderr: ``rich`` on a terminal, a plain line every 10 % in a log file.

Why rich: it is already installed with typer and draws a proper bar (description, count, elapsed,
ETA) that redraws in place; in a log file (CI, ``2> log``) a live bar would be noise, so one short
line per decile is printed instead. Every long command (run modes, ``verify``, ``data ci-sets``)
uses this one class.
"""

from __future__ import annotations

import sys
import time
from typing import Any


class Progress:
    """``update()`` after each unit of work; ``describe()`` names the current step; ``close()``."""

    def __init__(self, total: int, label: str, *, done: int = 0) -> None:
        self.total = max(1, total)
        self.label = label
        self.done = done
        self._start_done = done
        self._t0 = time.monotonic()
        self._last_decile = -1
        self._rich: Any = None
        self._task: Any = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress,
                                       SpinnerColumn, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self._rich = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                      MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
                                      TimeRemainingColumn(), console=Console(file=sys.stderr))
            self._rich.start()
            self._task = self._rich.add_task(label, total=self.total, completed=done)

    def _eta(self) -> str:
        rate_n = self.done - self._start_done
        if rate_n <= 0:
            return "ETA --:--"
        remaining = (time.monotonic() - self._t0) / rate_n * (self.total - self.done)
        minutes, seconds = divmod(int(remaining), 60)
        hours, minutes = divmod(minutes, 60)
        return f"ETA {hours:d}:{minutes:02d}:{seconds:02d}" if hours else f"ETA {minutes:02d}:{seconds:02d}"

    def describe(self, text: str) -> None:
        """Name the step now running (e.g. the workload being built)."""
        if self._rich is not None:
            self._rich.update(self._task, description=f"{self.label}: {text}")
        else:
            print(f"{self.label}: {text} ({self.done}/{self.total})", file=sys.stderr)

    def update(self, step: int = 1) -> None:
        self.done = min(self.total, self.done + step)
        if self._rich is not None:
            self._rich.update(self._task, completed=self.done)
            return
        decile = int(self.done / self.total * 10)
        if decile != self._last_decile:
            self._last_decile = decile
            print(f"{self.label}: {self.done}/{self.total} {self._eta()}", file=sys.stderr)

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()
            self._rich = None
