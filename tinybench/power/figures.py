"""Typed energy figures as stored in a run's ``results.json`` (``energy`` member).

Why here and not in ``tinybench.results.schema``: the energy area owns what an energy figure
contains; the results schema only embeds it. Kept free of run/results imports so the schema can
import it without a cycle.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InstrumentFacts(_Model):
    model: str
    firmware: str
    serial: str
    driver: str
    port: str = ""


class EnergyWindowFigures(_Model):
    """One energy window: ``infer N W`` on one input, delimited by two monitor edges."""

    index: int  # 1-based
    input_file: str
    iterations: int
    warmups: int
    start_sample: float  # edge positions in the saved trace
    stop_sample: float
    duration_s: float  # from the monitor's edges (energy-mode timing)
    energy_uj: float
    power_uw: float
    energy_per_inf_uj: float
    throughput: float  # N / duration, inferences per second
    meets_duration_rule: bool
    attempts: int = 1  # > 1 when a window was repeated after missing/extra edges or dropped samples


class EnergyFigures(_Model):
    category: Literal["measured", "estimated"]
    instrument: InstrumentFacts
    power_model: str | None = None  # how an estimated figure was produced
    voltage_v: float
    sample_rate_hz: float
    windows: list[EnergyWindowFigures]
    median_energy_per_inf_uj: float
    median_throughput: float
    min_window_s: float
    time_base: str = "power-monitor timestamp edges"
    trace_file: str = "trace.npz"
    samples: int = 0
    edges: int = 0
    dropped_samples: int = 0
    notes: list[str] = Field(default_factory=list)
    spread_pct: float | None = None  # timing sanity: window throughput spread (max − min) / median, %
    spread_bound_pct: float | None = None
    unstable: bool = False           # spread_pct > spread_bound_pct (tinybench.run.common)
