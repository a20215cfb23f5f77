"""``tinybench import mlperf``: published MLPerf Tiny results trees -> result records.

Why: the published rounds are the comparison everybody starts from, so they are read exactly as
MLCommons' checker reads them (the same results.txt regexes; latency = 1000 / median throughput as
in the final report) and stored with provenance: round, submitter, runner and its version, energy
monitor and supply voltage (from the transcript where the runner logs them, else the system
description), clock, and the sha256 of every raw file so re-published results can be spotted.
Both runner dialects are read: EEMBC EnergyRunner and the MLCommons runner. A tinybench bundle is
the same layout plus ``tinybench-manifest.json``, whose per-mode category and hashes are honoured.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tinybench.errors import TinybenchError
from tinybench.leaderboard.records import (AccuracyResult, Category, DeviceClass, Division,
                                           EnergyResult, PerformanceResult, Provenance, ResultRecord)
from tinybench.leaderboard.resultstxt import ResultsTxt, parse_results_txt
from tinybench.leaderboard.safety import DEFAULT_MAX_FILE_BYTES, InputProblem, SafeTree
from tinybench.leaderboard.systems import describe_system, read_description
from tinybench.leaderboard.tree import (BenchmarkDir, ModeDir, SubmitterDir, discover, match_system_file,
                                        missing_from_copy)

_EEMBC_VERSION = re.compile(r"m-version\[([^\]]+)\]")
_EEMBC_MONITOR = re.compile(r"m-regfile-fn\[trace1-energy\.bin\]-type\[emon\]-name\[([^\]]+)\]")
_EEMBC_MV = re.compile(r"m-voltage-mv\[(\d+)\]")
_MLC_VOLTAGE = re.compile(r'"voltage":\s*([\d.]+)')


@dataclass
class Outcome:
    """What became of one system × benchmark (× model variant) found in a tree."""

    round: str | None
    division: str
    submitter: str
    system: str
    benchmark: str
    source: str
    imported: bool
    reason: str | None = None  # why it is not importable
    notes: list[str] = field(default_factory=list)  # what was bent, mapped or left out


@dataclass
class ImportReport:
    """Per-row outcomes of one import (possibly over several roots) plus the records."""

    roots: list[str]
    outcomes: list[Outcome] = field(default_factory=list)
    records: list[ResultRecord] = field(default_factory=list)
    tree_problems: list[str] = field(default_factory=list)  # unsafe entries skipped while walking

    @property
    def not_importable(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.imported]

    @property
    def ok(self) -> bool:
        return not self.not_importable

    def per_round(self) -> dict[str, dict[str, int]]:
        tallies: dict[str, dict[str, int]] = {}
        for o in self.outcomes:
            tally = tallies.setdefault(o.round or "-", {"found": 0, "imported": 0, "not_importable": 0})
            tally["found"] += 1
            tally["imported" if o.imported else "not_importable"] += 1
        return dict(sorted(tallies.items()))

    def to_json(self) -> dict:
        return {"schema_name": "tinybench.import-report", "schema_version": "1.0", "roots": self.roots,
                "ok": self.ok, "rounds": self.per_round(), "outcomes": [asdict(o) for o in self.outcomes],
                "tree_problems": self.tree_problems}

    def render(self, *, notes: bool = True, only_problems: bool = False) -> str:
        """A plain-text table (one line per system × benchmark, or only the rows not imported)
        and per-round totals."""
        head = ("round", "div", "submitter", "system", "benchmark", "outcome")
        shown = self.not_importable if only_problems else self.outcomes
        table = [head] + [(o.round or "-", o.division, o.submitter, o.system, o.benchmark,
                           "imported" if o.imported else "NOT IMPORTABLE") for o in shown]
        widths = [min(max(len(r[i]) for r in table), 44) for i in range(len(head))]
        lines = []
        for index, row in enumerate(table if shown or not only_problems else []):
            lines.append("  ".join(c[:44].ljust(w) for c, w in zip(row, widths)).rstrip())
            if index:
                o = shown[index - 1]
                if o.reason:
                    lines.append(f"    reason: {o.reason}")
                if notes:
                    lines.extend(f"    note: {n}" for n in o.notes)
        lines.extend(f"skipped (unsafe): {problem}" for problem in self.tree_problems)
        for rnd, t in self.per_round().items():
            lines.append(f"{rnd}: {t['found']} system × benchmark row(s) found, {t['imported']} imported, "
                         f"{t['not_importable']} not importable")
        return "\n".join(lines)


def import_tree(root: Path, *, round_name: str | None = None, device_class: DeviceClass | None = None,
                max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> list[ResultRecord]:
    """Every importable system × benchmark under ``root`` (``import_report`` lists the rest)."""
    return import_report([root], round_name=round_name, device_class=device_class,
                         max_file_bytes=max_file_bytes).records


def import_report(roots: list[Path], *, round_name: str | None = None,
                  device_class: DeviceClass | None = None,
                  max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> ImportReport:
    """Import every root. One bad submission never aborts the rest: each system × benchmark is
    either imported or listed with the reason it is not importable."""
    report = ImportReport([str(r) for r in roots])
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            raise TinybenchError(f"results tree {root} is not a directory",
                                 "pass the checkout of a results repository (e.g. tiny_results_v1.3)")
        tree = SafeTree(root, max_file_bytes)
        files, problems = tree.walk()
        report.tree_problems += [f"{root}/{p.path}: {p.message}" for p in problems
                                 if p.message != "empty folder"]
        submitters = discover(tree, files, round_name)
        if not submitters:
            raise TinybenchError(f"no <closed|open>/<submitter>/results/ folders found under {root}",
                                 "point at a results repository or a `tinybench submit` bundle")
        absent = missing_from_copy(tree, files)
        for sub in submitters:
            _import_submitter(tree, sub, device_class, absent, report)
    return report


def _describe(tree: SafeTree, sub: SubmitterDir, name: str, device_class: DeviceClass | None):
    """(SystemInfo or None, reason when None, notes, sha256 of the description)."""
    from tinybench.fsutil import sha256_bytes

    desc_path, how = match_system_file(sub, name)
    if desc_path is None:
        return None, (f"no system description for results/{name} (looked for systems/{name}.json "
                      "and similar names" + (f"; {how}" if how else "") + ")"), [], None
    notes = [] if how == "exact" else [f"system description {tree.rel(desc_path)} ({how})"]
    try:
        raw = tree.read_bytes(desc_path)
        desc, note = read_description(tree.read_text(desc_path))
        if note:
            notes.append(f"{tree.rel(desc_path)}: {note}")
        return describe_system(name, desc, device_class=device_class), None, notes, sha256_bytes(raw)
    except (InputProblem, ValueError, TinybenchError) as exc:
        return None, f"system description {tree.rel(desc_path)} unreadable: {exc}", notes, None


def _import_submitter(tree: SafeTree, sub: SubmitterDir, device_class: DeviceClass | None,
                      absent: set[str], report: ImportReport) -> None:
    try:
        manifest, manifest_problem = _read_manifest(tree, sub), None
    except TinybenchError as exc:
        manifest, manifest_problem = None, exc.message
    for name, system in sorted(sub.systems.items()):
        def outcome(label: str, source: str, imported: bool, reason: str | None = None,
                    notes: list[str] | None = None) -> None:
            report.outcomes.append(Outcome(sub.round, sub.division, sub.submitter, name, label, source,
                                           imported, reason, list(notes or [])))

        if not system.benchmarks:
            outcome("?", tree.rel(system.path), False, "no <benchmark>/<mode>/ folders below it ("
                    + ", ".join(sorted(tree.rel(p) for p in system.extra)[:3]) + ")")
            continue
        info, desc_reason, desc_notes, desc_sha = _describe(tree, sub, name, device_class)
        for label, bench in sorted(system.benchmarks.items()):
            src = tree.rel(bench.path)
            if manifest_problem or info is None:
                outcome(label, src, False, manifest_problem or desc_reason, desc_notes)
                continue
            notes = list(desc_notes)
            try:
                record, missing = _import_benchmark(tree, sub, system, bench, info, manifest, absent,
                                                    notes, desc_sha)
            except (InputProblem, TinybenchError, ValueError, KeyError, TypeError) as exc:
                outcome(label, src, False, f"{type(exc).__name__}: {exc}", notes)
                continue
            if record is None:
                outcome(label, src, False, "no mode folder has a usable results.txt: " + "; ".join(missing),
                        notes)
                continue
            report.records.append(record)
            outcome(label, src, True, None, notes + missing)


def _import_benchmark(tree: SafeTree, sub: SubmitterDir, system, bench: BenchmarkDir, info, manifest,
                      absent: set[str], notes: list[str],
                      desc_sha: str | None) -> tuple[ResultRecord | None, list[str]]:
    """The record of one system × benchmark (None if no mode yielded a figure) and the list of
    modes that yielded nothing, each with why."""
    if bench.folder != bench.benchmark:
        notes.append(f"benchmark folder {bench.folder!r} read as {bench.benchmark!r}")
    prov = Provenance(
        harness="unknown", source=tree.rel(system.path), round=sub.round,
        submitter=sub.submitter, board=info.board, soc=info.soc, processor=info.processor,
        accelerator=info.accelerator, clock_mhz=info.clock_mhz, voltage_v=info.voltage_v,
        voltage_source=info.voltage_source, framework=info.framework,
        system_description_sha256=desc_sha)
    record = ResultRecord(system=system.name, workload=bench.benchmark, variant=bench.variant,
                          division=Division(sub.division), device_class=info.device_class,
                          device_class_source=info.device_class_source, provenance=prov)
    missing: list[str] = []
    for mode_name in ("performance", "accuracy", "energy"):
        mode = bench.modes.get(mode_name)
        if mode is None:
            missing.append(f"no {mode_name}/ folder")
            continue
        if mode.folder != mode_name:
            notes.append(f"{mode.folder}/ read as {mode_name}/")
        if mode.renamed:
            notes.append(f"{mode_name}/: EEMBC-era file names " + ", ".join(sorted(mode.renamed.values())))
        if not (set(mode.files) & {"results.txt", "postproc.txt"}):
            rel = f"{tree.rel(mode.path)}/results.txt"
            missing.append(f"{mode_name}/ has no results.txt"
                           + (" (absent from this copy only)" if rel in absent else ""))
            continue
        if not _fill_mode(tree, record, mode, manifest):
            missing.append(f"{mode_name}/results.txt has no {mode_name} headline line the official "
                           "checker recognises")
    if manifest is not None:
        _apply_manifest_provenance(record, manifest)
    if record.performance or record.energy or record.accuracy:
        return record, missing
    return None, missing


def _read_manifest(tree: SafeTree, sub: SubmitterDir) -> dict | None:
    if sub.manifest is None:
        return None
    try:
        data = tree.read_json(sub.manifest)
    except InputProblem as exc:
        raise TinybenchError(f"cannot read the tinybench manifest: {exc}",
                             "re-create the bundle with `tinybench submit`") from None
    return data if isinstance(data, dict) else None


def _raw_hashes(tree: SafeTree, mode: ModeDir) -> dict[str, str]:
    from tinybench.fsutil import sha256_bytes

    return {tree.rel(p): sha256_bytes(tree.read_bytes(p)) for _, p in sorted(mode.files.items())}


def _manifest_entry(manifest: dict | None, tree: SafeTree, mode: ModeDir) -> dict:
    if manifest:
        entry = (manifest.get("modes") or {}).get(tree.rel(mode.path).split("/results/", 1)[-1])
        if isinstance(entry, dict):
            return entry
    return {}


def _category(entry: dict) -> Category:
    if entry.get("category") in Category.__members__:
        return Category(entry["category"])
    return Category.measured  # published MLPerf results are physical boards


def _compliant(entry: dict, parsed: ResultsTxt, text: str) -> bool | None:
    run = entry.get("run_results")
    if isinstance(run, dict) and isinstance(run.get("compliant"), bool):
        return run["compliant"]
    return False if "NOT VALID FOR SUBMISSION" in text else None


def _fill_mode(tree: SafeTree, record: ResultRecord, mode: ModeDir, manifest: dict | None) -> bool:
    """Fill the record's block for this mode; False when results.txt has no headline for it."""
    try:
        # v0.5 reference AD accuracy published only EnergyRunner's post-processing output.
        name = "results.txt" if "results.txt" in mode.files else "postproc.txt"
        text = tree.read_text(mode.files[name])
        parsed: ResultsTxt = parse_results_txt(text)
    except InputProblem as exc:
        raise TinybenchError(f"cannot read {exc}", "run `tinybench check` on the tree") from None
    before = (record.performance, record.energy, record.accuracy)
    entry = _manifest_entry(manifest, tree, mode)
    common = dict(category=_category(entry), source_dir=tree.rel(mode.path),
                  raw_files=_raw_hashes(tree, mode), compliant=_compliant(entry, parsed, text),
                  unstable="UNSTABLE TIMING" in text)
    _harness(tree, record, mode)
    run_energy = (entry.get("run_results") or {}).get("energy") if isinstance(entry.get("run_results"), dict) else None
    if mode.mode == "energy" and isinstance(run_energy, dict):
        instrument = run_energy.get("instrument")
        if isinstance(instrument, dict) and isinstance(instrument.get("model"), str):
            record.provenance.instrument = instrument["model"]
        if isinstance(run_energy.get("voltage_v"), (int, float)):
            record.provenance.voltage_v = float(run_energy["voltage_v"])
            record.provenance.voltage_source = "tinybench energy run (monitor supply)"
    windows = parsed.perf_windows
    n = int(windows[0].fields["Inferences"].value) if windows and "Inferences" in windows[0].fields else None
    if mode.mode == "performance":
        tput = parsed.throughput or parsed.sww_throughput
        if tput is not None and tput.value > 0:
            record.performance = PerformanceResult(
                **common, throughput_ips=tput.value, latency_ms=1000.0 / tput.value,
                inferences_per_window=n, windows=len(windows) or None,
                duty_cycle=parsed.sww_duty_cycle.value if parsed.sww_duty_cycle else None)
        if parsed.sww_accuracy is not None and record.accuracy is None:
            tp, fn, fp, _ = parsed.sww_accuracy
            record.accuracy = AccuracyResult(**common, true_positives=tp, false_negatives=fn,
                                             false_positives=fp)
    elif mode.mode == "energy":
        if parsed.energy is not None:
            ew = parsed.energy_windows
            en = ew[0].fields.get("Inferences") if ew else None
            total = ew[0].fields.get("Energy") if ew else None
            elapsed = ew[0].fields.get("Elapsed time") if ew else None
            power = (total.value / elapsed.value / 1000.0) if total and elapsed and elapsed.value > 0 else None
            record.energy = EnergyResult(
                **common, energy_uj=parsed.energy.value,
                throughput_ips=parsed.throughput.value if parsed.throughput else None,
                inferences_per_window=int(en.value) if en else n, windows=len(ew) or None,
                power_mw=power, duration_s=elapsed.value if elapsed else None)
    elif mode.mode == "accuracy":
        if parsed.top1 is not None or parsed.auc is not None:
            record.accuracy = AccuracyResult(**common,
                                             top1_pct=parsed.top1.value if parsed.top1 else None,
                                             auc=parsed.auc.value if parsed.auc else None,
                                             auc_method=_auc_method(mode) if parsed.auc else None)
    return (record.performance, record.energy, record.accuracy) != before


def _harness(tree: SafeTree, record: ResultRecord, mode: ModeDir) -> None:
    """Runner name/version, energy monitor and measured voltage, from the transcript."""
    prov = record.provenance
    log = mode.files.get("log.txt")
    text = ""
    if log is not None:
        try:
            text = tree.read_text(log)
        except InputProblem:
            text = ""
    if mode.runner == "eembc":
        version = _EEMBC_VERSION.search(text)
        if prov.harness == "unknown" or (version and not prov.harness_version):
            prov.harness = "EEMBC EnergyRunner"
            prov.harness_version = version.group(1) if version else prov.harness_version
        if mode.mode == "energy":
            if (m := _EEMBC_MONITOR.search(text)) is not None:
                prov.instrument = m.group(1).upper()
            if (m := _EEMBC_MV.search(text)) is not None:
                prov.voltage_v = int(m.group(1)) / 1000.0
                prov.voltage_source = "energy log (emon voltage)"
    else:
        if prov.harness == "unknown":
            prov.harness = "MLCommons runner"
        if mode.mode == "energy" and "results.json" in mode.files:
            head = tree.read_bytes(mode.files["results.json"])[-4096:].decode("utf-8", "replace")
            if (m := _MLC_VOLTAGE.search(head)) is not None:
                prov.voltage_v = float(m.group(1))
                prov.voltage_source = "energy results.json (power.voltage)"


def _apply_manifest_provenance(record: ResultRecord, manifest: dict) -> None:
    """A tinybench bundle states harness version and hashes exactly; prefer them."""
    systems = manifest.get("systems") or {}
    entry = systems.get(record.system) if isinstance(systems, dict) else None
    prov = record.provenance
    if isinstance(manifest.get("harness_version"), str):
        prov.harness = "tinybench"
        prov.harness_version = manifest["harness_version"]
    per_wl = (entry or {}).get(record.workload) if isinstance(entry, dict) else None
    if isinstance(per_wl, dict):
        for key in ("firmware_sha256", "model_sha256", "dataset_sha256", "instrument", "board"):
            if isinstance(per_wl.get(key), str):
                setattr(prov, key, per_wl[key])
        for key in ("clock_mhz", "voltage_v"):
            if isinstance(per_wl.get(key), (int, float)):
                setattr(prov, key, float(per_wl[key]))


def _auc_method(mode: ModeDir) -> str:
    """The AUC method of the tool that printed the figure (EnergyRunner: EEMBC simplified)."""
    from tinybench.run.metrics import AUC_METHOD_OF_RUNNER, SKLEARN

    return AUC_METHOD_OF_RUNNER.get(mode.runner, SKLEARN)
