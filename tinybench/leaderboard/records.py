"""Result records: the one typed form every leaderboard input is turned into.

Why a record per *system × workload* (with optional performance / energy / accuracy blocks) rather
than one per mode: every leaderboard row shows latency, energy and accuracy of one system on one
workload side by side, and the normalisation (speed-up, energy ratio, composite) works on exactly
those rows. Each mode block still carries its own category, source files and raw-file hashes, so
nothing is lost compared with one record per mode, and a missing mode is simply ``None``.

The schema is versioned (``SCHEMA_VERSION``); readers refuse files written by a newer major version
instead of silently mis-reading them.
"""

from __future__ import annotations

import hashlib
import json
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tinybench.errors import TinybenchError

SCHEMA_VERSION = "1.1"  # 1.1: optional `variant`, device class "phone sensing hub"
SCHEMA_NAME = "tinybench.leaderboard.records"


class Category(str, Enum):
    """How a figure was obtained; categories are never ranked together."""

    measured = "measured"
    simulated = "simulated"
    estimated = "estimated"


# Order used when a record mixes categories: the record is ranked in its most derived one.
CATEGORY_ORDER = {Category.measured: 0, Category.simulated: 1, Category.estimated: 2}


class Division(str, Enum):
    closed = "closed"
    open = "open"


class DeviceClass(str, Enum):
    """What kind of device ran the benchmark; the leaderboard ranks within a class by default."""

    mcu = "MCU"
    mcu_accelerator = "MCU+accelerator"
    npu = "NPU"
    fpga = "FPGA"
    application_processor = "application processor"
    sensing_hub = "phone sensing hub"


class Provenance(BaseModel):
    """Where a record came from and what exactly was measured."""

    model_config = ConfigDict(extra="forbid")

    harness: str = Field(description="runner that produced the raw files, e.g. 'EEMBC EnergyRunner 3.0.6'")
    harness_version: str | None = None
    source: str = Field(description="path of the system's results folder inside the results tree")
    round: str | None = Field(default=None, description="MLPerf Tiny round, e.g. 'v0.5'")
    submitter: str
    board: str
    soc: str | None = None
    processor: str | None = None
    accelerator: str | None = None
    clock_mhz: float | None = None
    voltage_v: float | None = None
    voltage_source: str | None = Field(default=None, description="where voltage_v was read from")
    instrument: str | None = Field(default=None, description="energy monitor, e.g. 'LPM01A'")
    framework: str | None = None
    firmware_sha256: str | None = None
    model_sha256: str | None = None
    dataset_sha256: str | None = None
    system_description_sha256: str | None = None


class ModeBlock(BaseModel):
    """Fields common to the three modes: its own category and the raw files it was read from."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    source_dir: str
    raw_files: dict[str, str] = Field(default_factory=dict, description="relative path -> sha256")
    compliant: bool | None = Field(default=None, description="run followed the run rules (window "
                                   "length, full data set); None when the source does not say")
    unstable: bool = Field(default=False, description="window spread above tinybench's timing "
                           "bound (results.txt 'UNSTABLE TIMING' line)")

    def fingerprint(self) -> str:
        """Content-only hash of the raw files: equal fingerprints = the same measurement re-published."""
        digest = hashlib.sha256()
        for sha in sorted(self.raw_files.values()):
            digest.update(sha.encode())
        return digest.hexdigest()


class PerformanceResult(ModeBlock):
    throughput_ips: float = Field(description="median throughput as published (inf./sec.)")
    latency_ms: float = Field(description="1000 / throughput_ips, as MLCommons' final report derives it")
    inferences_per_window: int | None = None
    windows: int | None = None
    duty_cycle: float | None = Field(default=None, description="streaming wake word: average duty "
                                     "cycle of the DUT over the stream")


class EnergyResult(ModeBlock):
    energy_uj: float = Field(description="median energy per inference as published (µJ/inf.); "
                             "streaming wake word: the energy of the whole stream")
    throughput_ips: float | None = None
    inferences_per_window: int | None = None
    windows: int | None = None
    power_mw: float | None = Field(default=None, description="mean power over the first window "
                                   "(energy / elapsed time); the figure streaming wake word ranks by")
    duration_s: float | None = None


class AccuracyResult(ModeBlock):
    top1_pct: float | None = None
    auc: float | None = None
    auc_method: str | None = Field(default=None, description="how the published AUC was computed: "
                                   "'eembc-simplified' (EnergyRunner) or 'sklearn' (MLCommons runner, "
                                   "tinybench); tinybench.run.metrics.AUC_METHODS")
    true_positives: int | None = None
    false_negatives: int | None = None
    false_positives: int | None = None


class ResultRecord(BaseModel):
    """One system on one workload, with whatever modes were published."""

    model_config = ConfigDict(extra="forbid")

    system: str = Field(description="system description id (folder name under results/)")
    workload: str = Field(description="MLPerf benchmark short name: kws, vww, ic, ad, sww, ...")
    variant: str | None = Field(default=None, description="open-division model folder between "
                                "benchmark and mode (e.g. 'RN07'); None for the standard layout")
    division: Division
    device_class: DeviceClass
    device_class_source: str = Field(description="'inferred: <reason>' or 'override'")
    provenance: Provenance
    performance: PerformanceResult | None = None
    energy: EnergyResult | None = None
    accuracy: AccuracyResult | None = None

    @property
    def system_key(self) -> str:
        """Unique name of the system across rounds: round/division/submitter/system."""
        return "/".join([self.provenance.round or "-", self.division.value,
                         self.provenance.submitter, self.system])

    @property
    def label(self) -> str:
        """The workload with its open-division model variant ('ic' or 'ic/RN07')."""
        return self.workload + (f"/{self.variant}" if self.variant else "")

    @property
    def category(self) -> Category:
        """The category the record is ranked in: the most derived of its blocks."""
        cats = [b.category for b in (self.performance, self.energy, self.accuracy) if b is not None]
        return max(cats, key=CATEGORY_ORDER.__getitem__) if cats else Category.measured


class RecordSet(BaseModel):
    """The file format of ``tinybench import`` output: a schema tag plus the records."""

    model_config = ConfigDict(extra="forbid")

    schema_name: str = SCHEMA_NAME
    schema_version: str = SCHEMA_VERSION
    records: list[ResultRecord]


def save_records(path: Path, records: list[ResultRecord]) -> None:
    from tinybench.fsutil import atomic_write_text

    atomic_write_text(Path(path), RecordSet(records=records).model_dump_json(indent=2) + "\n")


def load_records(path: Path) -> list[ResultRecord]:
    """Read a record file; refuse other schemas and newer major versions with a clear error."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TinybenchError(f"cannot read result records {path}: {exc}",
                             "produce it with `tinybench import mlperf DIR --out FILE`") from exc
    if not isinstance(raw, dict) or raw.get("schema_name") != SCHEMA_NAME:
        raise TinybenchError(f"{path} is not a tinybench record file (schema_name != {SCHEMA_NAME})",
                             "pass a file written by `tinybench import` or a results directory")
    major = str(raw.get("schema_version", "0")).split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        raise TinybenchError(f"{path} uses record schema {raw.get('schema_version')}, this tinybench "
                             f"reads {SCHEMA_VERSION}", "re-run the import with this tinybench version")
    try:
        return RecordSet.model_validate(raw).records
    except ValidationError as exc:
        raise TinybenchError(f"{path} has invalid records: {exc.errors()[0]}",
                             "re-create it with `tinybench import`") from exc
