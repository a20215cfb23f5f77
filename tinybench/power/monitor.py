"""One power-monitor interface for every instrument tinybench drives.

Why: MLPerf Tiny's runner grew one ad-hoc class per monitor; energy mode here talks to *one*
interface and each instrument (LPM01A, Joulescope, PPK2, the simulated LPM01A) is a driver behind
it. The contract is the smallest one that lets energy mode be honest:

* ``configure`` fixes supply voltage and sample rate before anything is powered;
* the stream delivers **energy per sample in joules** (drivers of current-sampling instruments
  integrate I·V themselves) plus **edge events positioned by sample index** — the monitor's own
  time base, never host time;
* dropped samples are *reported*, with where they happened, so a window that overlaps a gap is
  refused rather than silently short;
* ``info()`` names the instrument (model, firmware, serial) and whether its figures are
  ``measured`` or ``estimated`` (the simulated instrument).

Use :func:`open_monitor` to get a driver from a spec string.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field

import numpy as np

from tinybench.errors import TinybenchError


@dataclass(frozen=True)
class InstrumentInfo:
    """Who measured: stored with every energy figure."""

    model: str
    firmware: str
    serial: str
    driver: str  # "lpm01a" | "joulescope" | "ppk2"
    category: str = "measured"  # "measured" (real instrument) | "estimated" (simulated instrument)
    port: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class EdgeEvent:
    """A timestamp edge: position = number of samples the instrument sent before it."""

    sample_index: int
    counter: int | None = None  # the instrument's event counter, when it has one


@dataclass(frozen=True)
class DropReport:
    """``count`` samples missing somewhere in ``[after_sample, before_sample]`` of the received stream."""

    after_sample: int
    before_sample: int
    count: int


@dataclass
class Capture:
    """Everything one acquisition produced; nothing is discarded."""

    samples_j: np.ndarray
    sample_rate_hz: float
    edges: list[EdgeEvent]
    drops: list[DropReport]
    voltage_v: float
    info: InstrumentInfo
    notes: list[str] = field(default_factory=list)

    @property
    def dropped_samples(self) -> int:
        return sum(d.count for d in self.drops)


class PowerMonitor(ABC):
    """Base of every driver. Thread model: a driver may read its instrument on a background thread;
    all public methods are called from one host thread."""

    sample_rate_hz: float = 1000.0
    voltage_v: float = 1.8
    #: (voltage_v, sample_rate_hz) of the last successful ``configure``, None before.
    configured: tuple[float, float] | None = None
    #: whether this host switched DUT power on (inline meters: True once "on" was requested)
    powered: bool = False

    @abstractmethod
    def info(self) -> InstrumentInfo:
        """Instrument identity (model, firmware, serial) and measured/estimated category."""

    @abstractmethod
    def configure(self, voltage_v: float, sample_rate_hz: float) -> None:
        """Set supply voltage (where the instrument sources the DUT) and sample rate."""

    @abstractmethod
    def power(self, on: bool) -> None:
        """Switch DUT power (no-op with a note for inline meters that cannot)."""

    @abstractmethod
    def start(self) -> None:
        """Begin acquisition; samples and edges accumulate until :meth:`stop`."""

    @abstractmethod
    def stop(self) -> Capture:
        """End acquisition and return the whole capture."""

    @abstractmethod
    def close(self) -> None:
        """Release the instrument (power off, give back control); safe to call twice."""

    # --- live view of the running acquisition (shared implementation) -----------------------

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._samples: list[float] = []
        self._edges: list[EdgeEvent] = []
        self._drops: list[DropReport] = []

    def _reset_stream(self) -> None:
        with self._lock:
            self._samples = []
            self._edges = []
            self._drops = []

    def _add_samples(self, values: list[float]) -> None:
        with self._lock:
            self._samples.extend(values)
            self._lock.notify_all()

    def _add_edge(self, counter: int | None) -> None:
        with self._lock:
            self._edges.append(EdgeEvent(len(self._samples), counter))
            self._lock.notify_all()

    def _add_drop(self, after: int, count: int) -> None:
        with self._lock:
            self._drops.append(DropReport(after, len(self._samples), count))
            self._lock.notify_all()

    def edge_count(self) -> int:
        with self._lock:
            return len(self._edges)

    def edges(self) -> list[EdgeEvent]:
        with self._lock:
            return list(self._edges)

    def drops(self) -> list[DropReport]:
        with self._lock:
            return list(self._drops)

    def sample_count(self) -> int:
        with self._lock:
            return len(self._samples)

    def wait_edges(self, count: int, timeout: float, settle: float = 0.0) -> list[EdgeEvent]:
        """Wait until at least ``count`` edges were seen (or ``timeout``), then ``settle`` seconds more
        so that a spurious extra edge still in flight is counted too. Returns all edges so far."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._edges) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
        if settle > 0:
            time.sleep(settle)
        return self.edges()

    def _snapshot(self, notes: list[str] | None = None) -> Capture:
        with self._lock:
            return Capture(
                samples_j=np.asarray(self._samples, dtype=np.float64),
                sample_rate_hz=self.sample_rate_hz, edges=list(self._edges),
                drops=list(self._drops), voltage_v=self.voltage_v, info=self.info(),
                notes=list(notes or []))

    def __enter__(self) -> "PowerMonitor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_monitor(spec: str, *, timeout: float = 2.0) -> PowerMonitor:
    """Open a monitor from a spec: ``lpm01a:<port or URL>``, ``joulescope[:<serial>]``,
    ``ppk2[:<port>]``. The simulated LPM01A is reached with ``lpm01a:socket://host:port``."""
    kind, _, target = spec.partition(":")
    kind = kind.strip().lower()
    if kind == "lpm01a":
        from tinybench.power.lpm01a import Lpm01a

        if not target:
            raise TinybenchError("lpm01a needs a port", "e.g. lpm01a:/dev/ttyACM0 or lpm01a:socket://127.0.0.1:4000")
        return Lpm01a(target, timeout=timeout)
    if kind == "joulescope":
        from tinybench.power.joulescope import Joulescope

        return Joulescope(target or None)
    if kind == "ppk2":
        from tinybench.power.ppk2 import Ppk2

        return Ppk2(target or None)
    raise TinybenchError(f"unknown power monitor {spec!r}",
                         "use lpm01a:<port>, joulescope[:<serial>] or ppk2[:<port>]")
