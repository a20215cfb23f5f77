"""Workload definitions: ``workloads/<id>.yaml`` parsed and validated with pydantic.

Why YAML + pydantic: the four MLPerf Tiny workloads are data (model file, hash, input format,
labels, quality target), not code; a typo in a definition must fail loudly with the file named
instead of surfacing later as a wrong accuracy figure.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tinybench import paths
from tinybench.errors import TinybenchError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TensorSpec(_Strict):
    """An int8 model tensor and its affine quantisation (real = (q - zero_point) * scale)."""

    dtype: Literal["int8"]
    shape: tuple[int, ...]
    scale: float = Field(gt=0)
    zero_point: int = Field(ge=-128, le=127)

    @property
    def elements(self) -> int:
        return math.prod(self.shape)


class ModelSpec(_Strict):
    """The official model: where it comes from (pinned upstream commit) and what it must hash to."""

    file: str
    url: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    input: TensorSpec
    output: TensorSpec


class InputSpec(_Strict):
    """The bytes the host sends per inference (per window for AD) and how the firmware converts them.

    ``format``: ``int8`` copied as-is; ``uint8`` converted by subtracting 128; ``float32``
    quantised with the model input's scale/zero point (round half away from zero, clamped).
    """

    format: Literal["int8", "uint8", "float32"]
    bytes: int = Field(gt=0)
    layout: str


class RunRules(_Strict):
    """Sliding-window parameters (AD only): each file is cut into windows of ``window_bytes``."""

    window_bytes: int = Field(gt=0)
    stride_bytes: int = Field(gt=0)


class DatasetSpec(_Strict):
    """The official evaluation set: number of files, classes and bytes per file."""

    size: int = Field(gt=0)
    num_classes: int = Field(gt=0)
    file_bytes: int = Field(gt=0)


class Workload(_Strict):
    """One benchmark. ``quality_target`` is Top-1 in percent for ``top1``, ROC AUC (0…1) for ``auc``."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    model: ModelSpec
    input: InputSpec
    output_labels: tuple[str, ...]
    classes: tuple[str, ...]
    metric: Literal["top1", "auc"]
    quality_target: float = Field(gt=0)
    run_rules: RunRules | None = None
    dataset: DatasetSpec

    @model_validator(mode="after")
    def _consistent(self) -> "Workload":
        in_bytes = self.model.input.elements * (4 if self.input.format == "float32" else 1)
        if in_bytes != self.input.bytes:
            raise ValueError(f"input.bytes={self.input.bytes} but the model input needs {in_bytes}")
        if self.output_labels and len(self.output_labels) != self.model.output.elements:
            raise ValueError("output_labels must have one name per model output element")
        if len(self.classes) != self.dataset.num_classes:
            raise ValueError("classes must list dataset.num_classes names")
        if self.metric == "auc" and self.quality_target > 1:
            raise ValueError("an AUC quality target lies in (0, 1]")
        if self.run_rules is not None:
            if self.run_rules.window_bytes != self.input.bytes:
                raise ValueError("run_rules.window_bytes must equal input.bytes")
            if self.dataset.file_bytes < self.run_rules.window_bytes:
                raise ValueError("dataset.file_bytes is smaller than one window")
        elif self.dataset.file_bytes != self.input.bytes:
            raise ValueError("without run_rules one file is one input: file_bytes must equal input.bytes")
        return self

    @property
    def windowed(self) -> bool:
        """True when files are cut into several windows (AD)."""
        return self.run_rules is not None

    @property
    def window_bytes(self) -> int:
        return self.run_rules.window_bytes if self.run_rules else self.input.bytes

    @property
    def stride_bytes(self) -> int:
        return self.run_rules.stride_bytes if self.run_rules else self.input.bytes

    def target_met(self, value: float) -> bool:
        """Whether a Top-1 (percent) or AUC value reaches the closed-division quality target."""
        return value >= self.quality_target


def _definition_path(workload_id: str) -> Path:
    return paths.workloads_dir() / f"{workload_id}.yaml"


@lru_cache(maxsize=None)
def _load(path: Path) -> Workload:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TinybenchError(f"cannot read workload definition {path}: {exc}",
                             "restore the file from the repository") from exc
    try:
        workload = Workload.model_validate(raw)
    except ValidationError as exc:
        raise TinybenchError(f"invalid workload definition {path}:\n{exc}",
                             "fix the listed fields") from exc
    if workload.id != path.stem:
        raise TinybenchError(f"{path} declares id {workload.id!r}; the file name must match",
                             f"rename the file to {workload.id}.yaml or fix its id")
    return workload


def list_workloads() -> list[Workload]:
    """Every workload defined in ``workloads/*.yaml``, sorted by id."""
    return [_load(p) for p in sorted(paths.workloads_dir().glob("*.yaml"))]


def load_workload(workload_id: str) -> Workload:
    """The workload called ``workload_id`` (e.g. ``kws01``), or a YAML path."""
    candidate = Path(workload_id)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return _load(candidate.resolve())
    path = _definition_path(workload_id)
    if not path.is_file():
        known = ", ".join(w.id for w in list_workloads())
        raise TinybenchError(f"unknown workload {workload_id!r}", f"choose one of: {known}")
    return _load(path)
