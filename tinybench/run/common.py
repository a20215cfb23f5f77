"""What every run mode shares: the target description, options, DUT identification, finishing.

Why: performance, accuracy (and the energy area's mode) must identify the DUT, refuse the wrong
firmware before spending board time, write the transcript and results the same way, and save
everything measured when they fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinybench.errors import TinybenchError
from tinybench.protocol import DutClient
from tinybench.results.schema import DutFacts

#: EnergyRunner's validity rule for one timed window.
RULE_MIN_WINDOW_S = 10.0
RULE_MIN_ITERATIONS = 10
#: Timing sanity bound (tinybench's, not an MLPerf rule): the five windows run the same model on
#: inputs of the same size, so their throughputs should agree; a spread (max − min) / median above
#: this marks the run "unstable" (a loaded host, a throttling or interrupted board). Reference
#: physical boards and QEMU with -icount stay well below 1 %. Documented in docs/architecture.md.
SPREAD_BOUND_PCT = 10.0

#: The transcript note that marks a damaged exchange the harness caught and repeated (the
#: fault-injection campaign, benchmarks/fault_campaign.py, counts them).
FAULT_NOTE = "fault detected:"


def reread_results(client: DutClient) -> list[float] | None:
    """The output tensor read a second time with ``results`` (None if the firmware lacks it).

    A flipped digit in an ``m-results`` line looks valid; comparing two readings sent separately
    over the link is the redundancy the standard protocol offers to catch it."""
    from tinybench.protocol import DutError

    try:
        return client.results()
    except DutError:
        return None


@dataclass
class RunTarget:
    """The board side of a run: how its figures are labelled and which firmware/model it runs."""

    board: str
    category: str = "simulated"               # "measured" | "simulated"
    time_base: str = "DUT clock"
    icount_shift: int | None = None           # QEMU -icount shift: 1 instruction = 2**shift ns
    #: simulators whose DUT clock follows the instruction count (DutLink.instructions_per_us)
    instructions_per_us: float | None = None
    firmware: Path | None = None
    model: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    identity: dict[str, Any] = field(default_factory=dict)   # FirmwareIdentity fields (flash.source)
    expect_vendor: str | None = None        # m-name-dut-[...] text the DUT must answer (--vendor)

    def __post_init__(self) -> None:
        if self.instructions_per_us is None and self.icount_shift is not None:
            self.instructions_per_us = 1000.0 / (1 << self.icount_shift)


@dataclass
class RunOptions:
    min_window_s: float = RULE_MIN_WINDOW_S
    windows: int = 5
    warmups: int = 1
    margin: float = 1.15                      # aim this much above min_window_s
    line_timeout_s: float = 60.0              # bound on DUT silence for a 1-inference command
    progress: bool = True
    spread_bound_pct: float = SPREAD_BOUND_PCT   # timing sanity: above it the run is "unstable"

    @property
    def compliant(self) -> bool:
        return self.min_window_s >= RULE_MIN_WINDOW_S


def check_vendor(client: DutClient, expected: str | None) -> str:
    """The DUT's vendor text (``m-name-dut-[...]``), refused when it is not the expected one."""
    vendor = client.name()
    if expected is not None and vendor != expected:
        raise TinybenchError(
            f"the DUT on {client.port} answers name% with vendor {vendor!r}, expected {expected!r}",
            "check that the right board is on this port (or fix --vendor)")
    return vendor


def identify(client: DutClient, workload_id: str, input_bytes: int | None = None,
             expect_vendor: str | None = None) -> DutFacts:
    """Name, profile, timer mode and extensions; refuse firmware built for another model.

    ``input_bytes``: bytes per inference the host will load; checked against ``tb-info`` when the
    firmware offers it, so a mismatched build fails before any input is sent.
    """
    vendor = check_vendor(client, expect_vendor)
    caps = client.caps()                 # first: it turns on the line check when offered
    profile, model = client.profile()
    if model != workload_id:
        raise TinybenchError(
            f"the DUT on {client.port} runs model {model!r}, but workload {workload_id!r} was requested",
            f"build and flash the firmware for {workload_id}, or pass --workload {model}")
    if client.timestamp() is None:
        raise TinybenchError(
            f"the DUT on {client.port} is energy-mode firmware (timestamp prints no m-lap-us)",
            "flash the performance-mode build for performance and accuracy runs")
    info = client.info() if caps.info else {}
    if input_bytes is not None and info.get("input_bytes", "").isdigit() \
            and int(info["input_bytes"]) != input_bytes:
        raise TinybenchError(
            f"the DUT on {client.port} expects {info['input_bytes']}-byte inputs, the workload sends "
            f"{input_bytes}", "rebuild the firmware for this workload")
    return DutFacts(vendor=vendor, profile=profile, model=model, caps=sorted(caps.words), info=info)
