"""The typed, versioned ``results.json`` of a run.

Why pydantic and a version number: the leaderboard and energy areas read these files long after
the run, possibly with a newer harness; a schema that validates on read turns silent drift into a
clear error. Bump ``SCHEMA_VERSION`` on any incompatible change.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tinybench.power.figures import EnergyFigures   # the energy area's figures, embedded as-is

SCHEMA_VERSION = 1

Category = Literal["measured", "simulated", "estimated"]
Mode = Literal["performance", "accuracy", "energy"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DutFacts(_Model):
    """What the DUT said about itself (``name``, ``profile``, ``tb-caps``, ``tb-info``)."""

    vendor: str | None = None
    profile: str | None = None
    model: str | None = None
    caps: list[str] = Field(default_factory=list)
    info: dict[str, str] = Field(default_factory=dict)


#: Who made the firmware that produced the figures (``FirmwareIdentity.origin``).
Origin = Literal["tinybench", "vendor", "unidentified"]
#: How each origin is named in category labels and a suite's system description.
FIRMWARE_LABELS: dict[str, str] = {"tinybench": "tinybench reference firmware",
                                   "vendor": "vendor firmware", "unidentified": "unidentified firmware"}


class FirmwareIdentity(_Model):
    """Which firmware produced the figures. ``origin`` ``tinybench``: built by tinybench for the run,
    or a DUT reached as it was (``run --no-flash``) whose ``tb-info`` names our firmware;
    ``vendor``: an image tinybench did not build (``run --firmware``), or a DUT reached as it was
    whose ``name%`` is none of our ports' (so not our firmware); ``unidentified``: a DUT reached as
    it was that speaks only the standard protocol yet names itself like one of our ports — our
    ``STANDARD=1`` build or anything printing that name, which the wire cannot tell apart, or a DUT
    that never answered. The DUT's own words (``m-name``/``m-profile``/``m-model``, ``tb-info``)
    are in ``DutFacts``. Files written before ``unidentified`` existed say ``vendor`` for every
    ``--no-flash`` run."""

    origin: Origin = "tinybench"
    image_sha256: str | None = None         # sha256 of the image file as given (None: not flashed by us)
    image_file: str | None = None
    standard_only: bool | None = None       # tinybench firmware built without tb- extensions
    reached_at: str | None = None           # --no-flash: the port/URL the DUT was found at
    place: str | None = None                # labgrid place the DUT was reached through (run --place)


class WindowFigures(_Model):
    """One timed performance window: ``infer N W`` on one input."""

    index: int                      # 1-based
    input_file: str
    iterations: int
    warmups: int
    laps_us: list[int]
    elapsed_us: int
    runtime_s: float
    throughput: float               # inferences per second of DUT time
    latency_ms: float               # 1000 / throughput
    meets_duration_rule: bool       # ≥ 10 s and ≥ 10 iterations
    instructions_per_inference: float | None = None   # simulated boards with icount only
    results: list[float] = Field(default_factory=list)


class PerformanceFigures(_Model):
    windows: list[WindowFigures]
    median_throughput: float
    latency_ms: float               # 1000 / median throughput
    spread_pct: float               # (max − min) / median throughput × 100
    spread_bound_pct: float = 10.0  # tinybench.run.common.SPREAD_BOUND_PCT when the run was made
    unstable: bool = False          # spread_pct > spread_bound_pct: windows disagree, figure suspect
    min_window_s: float             # the duration each window had to reach
    time_base: str                  # "DUT clock", "simulated DUT clock (QEMU icount)", "host clock"
    median_instructions_per_inference: float | None = None


class InputResult(_Model):
    """One dataset file in an accuracy run."""

    row: int
    file: str
    label: int
    windows: int
    score: list[float]              # per-file score (normalised mean for classifiers, mean MSE for AD)
    predicted: int | None = None    # argmax (classifiers)
    raw_match: bool | None = None   # bit-exact with the TFLM reference (None: not compared)


class Agreement(_Model):
    """Bit-exact comparison of the DUT output tensor (``tb-raw``) with the TFLM reference."""

    compared: int
    bit_exact: int
    mismatched_files: list[str] = Field(default_factory=list)
    reference: str                  # path of the reference file


class AccuracyFigures(_Model):
    inputs: int
    inferences: int
    top1: float | None = None                 # percent (classifiers)
    auc: float | None = None                  # computed with ``auc_method`` (what results.txt carries)
    auc_method: str = "sklearn"               # tinybench.run.metrics.AUC_METHODS
    auc_eembc: float | None = None            # EEMBC simplified AUC (what EnergyRunner would print)
    top1_eembc_ad: float | None = None        # EnergyRunner's AD "Top-1" (percent; AD only)
    per_class_top1: dict[str, float] = Field(default_factory=dict)   # percent correct per class
    metric: Literal["top1", "auc"]
    metric_value: float | None             # the workload metric (None when undefined, e.g. one class)
    quality_target: float
    target_met: bool
    dataset_note: str | None = None          # e.g. "CI set — not the official evaluation set"

    @property
    def verdict(self) -> str:
        """``met`` / ``NOT met``, labelled with the data set note when there is one."""
        word = "met" if self.target_met else "NOT met"
        return f"{word} ({self.dataset_note})" if self.dataset_note else word
    per_class_counts: dict[str, int]
    confusion_matrix: list[list[int]] | None = None
    agreement: Agreement | None = None


class OfficialData(_Model):
    """Whether the inputs are an official evaluation set, judged by content
    (``tinybench.workloads.official``): every file's sha256 against the shipped manifests."""

    official: bool
    list_name: str | None = None     # the official list matched (or the nearest one)
    files: int = 0
    differing_count: int = 0
    differing: list[str] = Field(default_factory=list)   # "<file>: <why>" (first 100)


class RunResults(_Model):
    schema_version: int = SCHEMA_VERSION
    harness_version: str
    board: str
    category: Category
    workload: str
    mode: Mode
    started: str                    # ISO 8601 UTC
    finished: str | None = None
    complete: bool
    compliant: bool                 # the run followed the rules (window length, full data set)
    notes: list[str] = Field(default_factory=list)
    dut: DutFacts = Field(default_factory=DutFacts)
    dataset: str | None = None
    performance: PerformanceFigures | None = None
    accuracy: AccuracyFigures | None = None
    energy: EnergyFigures | None = None
    inputs: list[InputResult] = Field(default_factory=list)
    official_data: OfficialData | None = None   # accuracy runs: the data set judged by content
    firmware: FirmwareIdentity | None = None
    division: Literal["closed", "open"] = "closed"      # open: a custom model (run --model)
    model_sha256: str | None = None                     # sha256 of the .tflite the firmware runs

    @property
    def category_label(self) -> str:
        """The category with what it does not say by itself: firmware not known to be ours (vendor,
        unidentified), open division."""
        extra = []
        if self.firmware is not None and self.firmware.origin != "tinybench":
            extra.append(FIRMWARE_LABELS[self.firmware.origin])
        if self.division == "open":
            extra.append("open division")
        return ", ".join([self.category, *extra])
