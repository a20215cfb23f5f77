"""A dependency-free progress bar with ETA on stderr.

Why not tqdm: one more dependency for twenty lines. On a terminal the bar redraws in place; in a
log file (CI) it prints a plain line every 10 % so logs stay short.
"""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, label: str, *, done: int = 0) -> None:
        self.total = max(1, total)
        self.label = label
        self.done = done
        self._start_done = done
        self._t0 = time.monotonic()
        self._tty = sys.stderr.isatty()
        self._last_decile = -1
        self._last_draw = 0.0

    def _eta(self) -> str:
        rate_n = self.done - self._start_done
        if rate_n <= 0:
            return "ETA --:--"
        remaining = (time.monotonic() - self._t0) / rate_n * (self.total - self.done)
        minutes, seconds = divmod(int(remaining), 60)
        hours, minutes = divmod(minutes, 60)
        return f"ETA {hours:d}:{minutes:02d}:{seconds:02d}" if hours else f"ETA {minutes:02d}:{seconds:02d}"

    def update(self, step: int = 1) -> None:
        self.done = min(self.total, self.done + step)
        frac = self.done / self.total
        if self._tty:
            now = time.monotonic()
            if now - self._last_draw < 0.1 and self.done < self.total:
                return
            self._last_draw = now
            bar = "#" * int(frac * 30)
            sys.stderr.write(f"\r{self.label} [{bar:<30}] {self.done}/{self.total} {self._eta()}  ")
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        else:
            decile = int(frac * 10)
            if decile != self._last_decile:
                self._last_decile = decile
                print(f"{self.label}: {self.done}/{self.total} {self._eta()}", file=sys.stderr)

    def close(self) -> None:
        if self._tty and self.done < self.total:
            sys.stderr.write("\n")
            sys.stderr.flush()
