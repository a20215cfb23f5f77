"""``tinybench submit``: run directories -> an MLPerf Tiny submission bundle.

Why: a result is only comparable once it is in the layout MLCommons' process accepts *and* can be
re-verified by anyone. The bundle is exactly the MLPerf layout
(``<division>/<submitter>/{systems,results}/<system>/<benchmark>/<mode>/``, MLC-runner file names
``log.txt``, ``results.txt``, ``results.json``) plus ``tinybench-manifest.json`` beside
``systems/`` with the sha256 of every file and each mode's category and provenance (harness
version, firmware/model/input hashes from the run's own manifest) — ``tinybench check`` verifies
both the hashes and every figure.

Accepted run directories:
* tinybench runs (``tinybench.results.rundir``): ``results.json`` is a typed ``RunResults``; it is
  converted to the MLC runner's list format, the transcript and results.txt are copied verbatim,
  an energy run's ``trace.npz``/``trace.json`` are kept as the raw samples.
* MLCommons-runner output folders (``log.txt``, ``results.txt``, ``results.json`` list): copied.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinybench import fsutil
from tinybench.errors import TinybenchError
from tinybench.leaderboard.records import Category
from tinybench.leaderboard.resultstxt import parse_results_txt
from tinybench.leaderboard.tree import BENCHMARKS, MANIFEST_NAME

MANIFEST_SCHEMA = "tinybench.submission-manifest/1"
_MODE_LETTER = {"p": "performance", "a": "accuracy", "e": "energy"}
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_TRACE_FILES = ("trace.npz", "trace.json")


@dataclass
class RunInput:
    """One run directory, validated and classified before anything is written."""

    path: Path
    kind: str  # "tinybench" | "mlc"
    benchmark: str
    mode: str
    category: Category
    results_json: Any
    extra_files: list[Path] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)


def benchmark_of(workload: str) -> str:
    """'kws01' -> 'kws', 'ic01' -> 'ic', 'ad01' -> 'ad' (MLPerf folder names)."""
    name = re.sub(r"\d+$", "", workload.strip().lower())
    if name not in BENCHMARKS:
        raise TinybenchError(f"workload {workload!r} has no MLPerf Tiny benchmark folder",
                             f"submissions cover: {', '.join(BENCHMARKS)}")
    return name


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TinybenchError(f"cannot read {path}: {exc}", "is this a complete run directory?") from exc


def classify_run(path: Path, category: Category | None = None) -> RunInput:
    path = Path(path)
    for name in ("log.txt", "results.txt", "results.json"):
        if not (path / name).is_file() or (path / name).is_symlink():
            raise TinybenchError(f"run directory {path} has no {name}",
                                 "pass a finished tinybench run directory (or an MLC runner output folder)")
    parsed = parse_results_txt((path / "results.txt").read_text(encoding="utf-8", errors="replace"))
    data = _read_json(path / "results.json")
    if isinstance(data, dict) and "schema_version" in data and "mode" in data:
        from tinybench.results.schema import RunResults

        # Energy runs add an "energy" object that RunResults does not (yet) declare; validate the
        # rest and keep the whole object in the manifest (contract gap reported to runner/energy).
        known = {k: v for k, v in data.items() if k in RunResults.model_fields}
        try:
            run = RunResults.model_validate(known)
        except Exception as exc:  # pydantic ValidationError: name the file, keep the first problem
            raise TinybenchError(f"{path / 'results.json'} is not a valid tinybench RunResults: {exc}",
                                 "re-run with this tinybench version") from None
        if not run.complete:
            raise TinybenchError(f"run {path} is not complete", "finish it with `--resume` first")
        extra = [p for n in _TRACE_FILES for p in (path / n, path / "energy" / n) if p.is_file()]
        prov = {"harness_version": run.harness_version, "board": run.board}
        manifest = path / "manifest.json"
        if manifest.is_file():
            prov["run_manifest"] = _read_json(manifest)
        return RunInput(path, "tinybench", benchmark_of(run.workload), run.mode,
                        Category(category or run.category), data, extra, prov)
    if isinstance(data, list) and data and isinstance(data[0], dict):
        letters = {e.get("mode") for e in data if isinstance(e, dict)}
        if len(letters) != 1 or next(iter(letters)) not in _MODE_LETTER:
            raise TinybenchError(f"{path / 'results.json'}: cannot tell the mode (entries' 'mode' "
                                 f"values: {sorted(map(str, letters))})", "one mode per run directory")
        mode = _MODE_LETTER[letters.pop()]
        log = (path / "log.txt").read_text(encoding="utf-8", errors="replace")
        model = re.search(r"Device model retrieved: (\S+)", log)
        if model is None:
            raise TinybenchError(f"{path / 'log.txt'} does not name the model (Device model retrieved:)",
                                 "pass an unmodified MLC runner log")
        headline = {"performance": parsed.throughput or parsed.sww_throughput,
                    "energy": parsed.energy, "accuracy": parsed.top1 or parsed.auc}[mode]
        if headline is None:
            raise TinybenchError(f"{path / 'results.txt'} has no {mode} headline line",
                                 "the MLPerf checker would not find a figure in it")
        return RunInput(path, "mlc", benchmark_of(model.group(1)), mode,
                        Category(category or Category.measured), data)
    raise TinybenchError(f"{path / 'results.json'} is neither a tinybench RunResults nor an MLC "
                         "runner results list", "pass a run directory")


def mlc_results_from_run(data: dict) -> list[dict]:
    """tinybench RunResults -> the MLC runner's results.json list (what MLCommons tools expect)."""
    out: list[dict] = []
    letter = {"performance": "p", "accuracy": "a", "energy": "e"}[data["mode"]]
    perf = data.get("performance") or {}
    for w in perf.get("windows", []):
        out.append({"file": w["input_file"], "classes": None, "class": None, "bytes_to_send": None,
                    "stride": None, "total_length": None, "mode": letter,
                    "infer": {"start_time": w["laps_us"][0], "end_time": w["laps_us"][-1],
                              "results": w.get("results", []), "elapsed_time": w["elapsed_us"],
                              "total_inferences": 1, "iterations": w["iterations"],
                              "warmups": w["warmups"], "throughput": w["throughput"]}})
    for item in data.get("inputs", []):
        out.append({"file": item["file"], "classes": str(len(item["score"])), "class": str(item["label"]),
                    "bytes_to_send": None, "stride": None, "total_length": item.get("windows"),
                    "mode": letter, "infer": {"results": item["score"], "total_inferences": 1,
                                              "iterations": 1, "warmups": 0}})
    return out


def _validate_system(system_json: Path) -> dict:
    desc = _read_json(system_json)
    if not isinstance(desc, dict):
        raise TinybenchError(f"{system_json} is not a JSON object",
                             "start from MLPerf's system_description_template.json")
    missing = [k for k in ("Submitter", "Division", "Status", "Board Name") if not desc.get(k)]
    if missing:
        raise TinybenchError(f"{system_json} lacks {', '.join(missing)}",
                             "fill in the MLPerf system description fields")
    if str(desc["Status"]).strip().lower() not in {"available", "preview", "rdi"}:
        raise TinybenchError(f"{system_json}: Status must be available, preview or rdi")
    return desc


def _safe_name(kind: str, value: str) -> str:
    if not _SAFE_NAME.match(value):
        raise TinybenchError(f"{kind} {value!r} is not usable as a folder name",
                             "use letters, digits, '.', '_', '+', '-' (no spaces or slashes)")
    return value


def submit(run_dirs: list[Path], system_json: Path, out: Path, *, submitter: str | None = None,
           division: str | None = None, system_name: str | None = None,
           category: Category | None = None) -> Path:
    """Write (or extend) a bundle; returns the ``<division>/<submitter>`` folder."""
    if not run_dirs:
        raise TinybenchError("no run directories given", "pass one or more RUN_DIR arguments")
    desc = _validate_system(Path(system_json))
    submitter = _safe_name("submitter", submitter or str(desc["Submitter"]).strip())
    division = (division or str(desc["Division"])).strip().lower()
    if division not in {"closed", "open"}:
        raise TinybenchError(f"division {division!r} is not closed or open")
    system = _safe_name("system name", system_name or Path(system_json).stem)
    runs = [classify_run(Path(p), category) for p in run_dirs]  # validate everything first
    seen: dict[tuple[str, str], Path] = {}
    for run in runs:
        key = (run.benchmark, run.mode)
        if key in seen:
            raise TinybenchError(f"{run.path} and {seen[key]} are both {run.benchmark}/{run.mode}",
                                 "submit one run per benchmark and mode")
        seen[key] = run.path
    base = Path(out) / division / submitter
    for run in runs:
        target = base / "results" / system / run.benchmark / run.mode
        if target.exists():
            raise TinybenchError(f"{target} already exists", "submit into a fresh --out folder, or "
                                 "delete that mode folder to replace it")
    manifest_path = base / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    from tinybench import __version__

    manifest.setdefault("schema", MANIFEST_SCHEMA)
    manifest["harness_version"] = __version__
    manifest["submitter"], manifest["division"] = submitter, division
    modes = manifest.setdefault("modes", {})
    systems = manifest.setdefault("systems", {})
    fsutil.atomic_write_bytes(base / "systems" / f"{system}.json", Path(system_json).read_bytes())
    for run in runs:
        target = base / "results" / system / run.benchmark / run.mode
        for name in ("log.txt", "results.txt"):
            fsutil.atomic_write_bytes(target / name, (run.path / name).read_bytes())
        if run.kind == "tinybench":
            fsutil.atomic_write_json(target / "results.json", mlc_results_from_run(run.results_json))
            for extra in run.extra_files:
                fsutil.atomic_write_bytes(target / extra.name, extra.read_bytes())
        else:
            fsutil.atomic_write_bytes(target / "results.json", (run.path / "results.json").read_bytes())
        modes[f"{system}/{run.benchmark}/{run.mode}"] = {
            "category": run.category.value, "source_kind": run.kind, "source": str(run.path),
            **({"run_results": run.results_json} if run.kind == "tinybench" else {}),
            **run.provenance}
        hashes = _run_hashes(run)
        if hashes:
            systems.setdefault(system, {}).setdefault(run.benchmark, {}).update(hashes)
    manifest["files"] = {p.relative_to(base).as_posix(): fsutil.sha256_file(p)
                         for p in sorted(base.rglob("*")) if p.is_file() and p.name != MANIFEST_NAME}
    fsutil.atomic_write_json(manifest_path, manifest)
    return base


def _run_hashes(run: RunInput) -> dict[str, Any]:
    """firmware/model/input-set hashes and board facts from a tinybench run's manifest."""
    man = run.provenance.get("run_manifest") or {}
    out: dict[str, Any] = {}
    for key, field_name in (("firmware", "firmware_sha256"), ("model", "model_sha256")):
        if isinstance(man.get(key), dict) and isinstance(man[key].get("sha256"), str):
            out[field_name] = man[key]["sha256"]
    inputs = man.get("inputs")
    if isinstance(inputs, list) and inputs:
        joined = "".join(sorted(str(i.get("sha256", "")) for i in inputs if isinstance(i, dict)))
        out["dataset_sha256"] = fsutil.sha256_bytes(joined.encode())
    if run.provenance.get("board"):
        out["board"] = run.provenance["board"]
    return out
