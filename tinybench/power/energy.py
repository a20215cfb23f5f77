"""Energy math: the one place where a trace becomes per-window energy, power and energy/inference.

Why one module: MLPerf Tiny's published energy numbers come from two hosts (EEMBC EnergyRunner and
the MLCommons runner) that each do the arithmetic their own way, and nobody can recompute them.
Every importer and tinybench's own energy mode reduce a trace to the same inputs — energy per
sample, sample rate, and window boundaries as *sample positions* — and every figure is computed
here from those, so a published number and a tinybench number mean the same thing.

Conventions
-----------
* ``samples`` holds the energy of each sample period in joules (sample ``i`` covers the time
  ``[i/fs, (i+1)/fs)`` from the start of acquisition).
* A boundary is a *position* in samples (a float): the energy of a window ``[x0, x1)`` is the sum
  of the samples it covers, boundary samples weighted by the covered fraction. Whole-number
  positions reproduce a plain sum ``samples[i0:i1]`` exactly; fractional positions are how an edge
  known only to a coarser resolution is represented without bias (see
  :func:`edge_position_from_time`).
* Window duration = ``(x1 - x0) / fs``; Power = energy / duration; Energy/Inf. = energy / N;
  throughput in energy mode = N / duration; the reported figure is the median over windows of
  Energy/Inf. (``numpy.median``: the mean of the middle two for an even count, as EnergyRunner).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from tinybench.errors import TinybenchError

#: Windows shorter than this violate the MLPerf Tiny duration rule (figures still computed).
MIN_WINDOW_S = 10.0


@dataclass(frozen=True)
class WindowEnergy:
    """One energy window: the span between two delimiting timestamp edges."""

    index: int  # 0-based window number
    start: float  # boundary position in samples
    stop: float
    duration_s: float
    inferences: int
    energy_uj: float
    power_uw: float
    energy_per_inf_uj: float
    throughput_ips: float  # N / duration: energy-mode throughput from the edge times

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class EnergySummary:
    """All windows of one trace plus the reported median."""

    windows: tuple[WindowEnergy, ...]
    median_energy_per_inf_uj: float
    median_throughput_ips: float
    sample_rate_hz: float
    short_windows: tuple[int, ...]  # indices of windows shorter than MIN_WINDOW_S

    def to_dict(self) -> dict:
        return {
            "windows": [w.to_dict() for w in self.windows],
            "median_energy_per_inf_uj": self.median_energy_per_inf_uj,
            "median_throughput_ips": self.median_throughput_ips,
            "sample_rate_hz": self.sample_rate_hz,
            "short_windows": list(self.short_windows),
        }


def edge_position_from_time(t_s: float, sample_rate_hz: float, resolution_s: float) -> float:
    """Turn an EnergyRunner edge time, rounded to ``resolution_s``, into an unbiased sample position.

    Why: ``trace1-timestamps.json`` stores edge times rounded to 1 ms, while the published
    numbers were computed from the precise times with the rule "sample ``i`` is in the window when
    its start ``i/fs`` is at or after the start edge and before the stop edge", i.e. boundary
    index = ceil(t·fs) (reconstructed: in all 614 published windows the index is round(t·fs) or
    round(t·fs)+1). The true time lies uniformly within ±resolution/2 of the stored one, so we
    return the *expected* boundary index E[ceil(t·fs)] — round(t·fs) + 0.5 at 1 ms / 1 kHz — and
    the boundary sample counts by that fraction. Worst case this is off by half a boundary sample
    per edge instead of a whole one: ≤ 0.063 % instead of 0.126 % on the 0.1 s AD reference
    windows. With ``resolution_s = 0`` it is exactly ceil(t·fs).
    """
    if sample_rate_hz <= 0 or not math.isfinite(sample_rate_hz):
        raise TinybenchError(f"sample rate must be a positive number, got {sample_rate_hz}")
    centre = t_s * sample_rate_hz
    half = max(resolution_s, 0.0) * sample_rate_hz / 2.0
    if half < 1e-12:
        return float(math.ceil(centre - 1e-9))
    lo, hi = max(centre - half, 0.0), centre + half
    return (_ceil_integral(hi) - _ceil_integral(lo)) / (hi - lo)


def _ceil_integral(x: float) -> float:
    """∫₀ˣ ceil(u) du for x ≥ 0 (ceil is j on (j−1, j])."""
    k = math.floor(x)
    return k * (k + 1) / 2.0 + (x - k) * (k + 1)


def span_energy(cumulative: np.ndarray, start: float, stop: float) -> float:
    """Energy between two sample positions, from the cumulative sum (``cumulative[0] == 0``).

    Fractional positions weight the boundary sample by the covered fraction (linear
    interpolation of the cumulative energy).
    """
    n = len(cumulative) - 1
    if not (0 <= start <= stop <= n):
        raise TinybenchError(
            f"window [{start}, {stop}) lies outside the trace of {n} samples",
            "the trace ended before the window's stop edge or the edges are out of order; "
            "re-run the energy measurement (the raw trace and edges are kept for inspection)")
    return float(np.interp(stop, np.arange(n + 1), cumulative)
                 - np.interp(start, np.arange(n + 1), cumulative))


def compute_windows(samples_j: np.ndarray, sample_rate_hz: float,
                    bounds: Sequence[tuple[float, float]],
                    inferences: Sequence[int]) -> EnergySummary:
    """Per-window Energy, Power, duration, Energy/Inf. and throughput, and their medians.

    ``bounds`` are (start, stop) sample positions, one pair per window; ``inferences`` the N of
    each window's ``infer N W``. Raises ``TinybenchError`` for anything that would make a number
    meaningless (no windows, N < 1, empty or reversed windows, NaN samples in a window).
    """
    samples = np.asarray(samples_j, dtype=np.float64)
    if samples.ndim != 1:
        raise TinybenchError("energy samples must be a 1-D array")
    if not bounds:
        raise TinybenchError("no energy windows: the trace has fewer than two timestamp edges",
                             "check that the DUT timestamp pin reaches the monitor's input")
    if len(bounds) != len(inferences):
        raise TinybenchError(f"{len(bounds)} windows but {len(inferences)} inference counts",
                             "each window needs the N of its `infer N W` command")
    if sample_rate_hz <= 0:
        raise TinybenchError(f"sample rate must be positive, got {sample_rate_hz}")
    # NaN (a torn/missing sample) is refused per window below; zeroed here so it cannot leak
    # into windows that do not contain it.
    cumulative = np.concatenate([[0.0], np.cumsum(np.nan_to_num(samples, nan=0.0))])
    windows: list[WindowEnergy] = []
    short: list[int] = []
    for k, ((start, stop), n_inf) in enumerate(zip(bounds, inferences)):
        if n_inf < 1:
            raise TinybenchError(f"window {k}: inference count {n_inf} < 1")
        if not stop > start:
            raise TinybenchError(
                f"window {k}: stop edge at sample {stop} is not after start edge at {start}",
                "edges are missing or out of order; re-run the measurement")
        lo, hi = int(math.floor(start)), int(math.ceil(stop))
        if hi <= len(samples) and not np.all(np.isfinite(samples[lo:hi])):
            raise TinybenchError(f"window {k}: the trace has missing (NaN) samples inside the window",
                                 "the monitor dropped data; re-run the measurement")
        energy_j = span_energy(cumulative, start, stop)
        duration = (stop - start) / sample_rate_hz
        energy_uj = energy_j * 1e6
        windows.append(WindowEnergy(
            index=k, start=float(start), stop=float(stop), duration_s=duration,
            inferences=int(n_inf), energy_uj=energy_uj, power_uw=energy_uj / duration,
            energy_per_inf_uj=energy_uj / n_inf, throughput_ips=n_inf / duration))
        if duration < MIN_WINDOW_S:
            short.append(k)
    return EnergySummary(
        windows=tuple(windows),
        median_energy_per_inf_uj=float(np.median([w.energy_per_inf_uj for w in windows])),
        median_throughput_ips=float(np.median([w.throughput_ips for w in windows])),
        sample_rate_hz=float(sample_rate_hz),
        short_windows=tuple(short))


def pair_edges_energyrunner(edges: Sequence[float]) -> list[tuple[float, float]]:
    """EnergyRunner pairing: edge 0 is the `timestamp` marker, then one (start, stop) pair per window."""
    if len(edges) < 3 or len(edges) % 2 == 0:
        raise TinybenchError(
            f"expected 1 + 2·windows timestamp edges, found {len(edges)}",
            "an edge is missing or extra; the first edge must be the `timestamp` marker")
    return [(edges[i], edges[i + 1]) for i in range(1, len(edges) - 1, 2)]
