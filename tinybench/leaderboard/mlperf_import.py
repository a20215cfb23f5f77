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
from pathlib import Path

from tinybench.errors import TinybenchError
from tinybench.leaderboard.records import (AccuracyResult, Category, DeviceClass, Division,
                                           EnergyResult, PerformanceResult, Provenance, ResultRecord)
from tinybench.leaderboard.resultstxt import ResultsTxt, parse_results_txt
from tinybench.leaderboard.safety import DEFAULT_MAX_FILE_BYTES, InputProblem, SafeTree
from tinybench.leaderboard.systems import describe_system
from tinybench.leaderboard.tree import ModeDir, SubmitterDir, discover

_EEMBC_VERSION = re.compile(r"m-version\[([^\]]+)\]")
_EEMBC_MONITOR = re.compile(r"m-regfile-fn\[trace1-energy\.bin\]-type\[emon\]-name\[([^\]]+)\]")
_EEMBC_MV = re.compile(r"m-voltage-mv\[(\d+)\]")
_MLC_VOLTAGE = re.compile(r'"voltage":\s*([\d.]+)')


def import_tree(root: Path, *, round_name: str | None = None, device_class: DeviceClass | None = None,
                max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> list[ResultRecord]:
    """Every system × benchmark of every submitter under ``root``."""
    root = Path(root)
    if not root.is_dir():
        raise TinybenchError(f"results tree {root} is not a directory",
                             "pass the checkout of a results repository (e.g. tiny_results_v1.3)")
    tree = SafeTree(root, max_file_bytes)
    files, _problems = tree.walk()  # unsafe entries are skipped here; `tinybench check` reports them
    submitters = discover(tree, files, round_name)
    if not submitters:
        raise TinybenchError(f"no <closed|open>/<submitter>/results/ folders found under {root}",
                             "point at a results repository or a `tinybench submit` bundle")
    records: list[ResultRecord] = []
    for sub in submitters:
        records.extend(_import_submitter(tree, sub, device_class))
    return records


def _import_submitter(tree: SafeTree, sub: SubmitterDir, device_class: DeviceClass | None) -> list[ResultRecord]:
    manifest = _read_manifest(tree, sub)
    out = []
    for name, system in sorted(sub.systems.items()):
        desc_path = match_system_file(sub, name)
        if desc_path is None:
            raise TinybenchError(f"{tree.rel(system.path)} has no system description "
                                 f"systems/{name}.json", "add the MLPerf system description JSON")
        try:
            desc = tree.read_json(desc_path)
        except InputProblem as exc:
            raise TinybenchError(f"cannot read system description: {exc}",
                                 "fix the JSON (run `tinybench check` for every problem)") from None
        info = describe_system(name, desc, device_class=device_class)
        from tinybench.fsutil import sha256_file

        for benchmark, modes in sorted(system.benchmarks.items()):
            prov = Provenance(
                harness="unknown", source=tree.rel(system.path), round=sub.round,
                submitter=sub.submitter, board=info.board, soc=info.soc, processor=info.processor,
                accelerator=info.accelerator, clock_mhz=info.clock_mhz, voltage_v=info.voltage_v,
                voltage_source=info.voltage_source, framework=info.framework,
                system_description_sha256=sha256_file(desc_path))
            record = ResultRecord(system=name, workload=benchmark,
                                  division=Division(sub.division), device_class=info.device_class,
                                  device_class_source=info.device_class_source, provenance=prov)
            for mode_name in ("performance", "energy", "accuracy"):
                mode = modes.get(mode_name)
                if mode is None or not (set(mode.files) & {"results.txt", "postproc.txt"}):
                    continue
                _fill_mode(tree, record, mode, manifest)
            if manifest is not None:
                _apply_manifest_provenance(record, manifest)
            if record.performance or record.energy or record.accuracy:
                out.append(record)
    return out


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def match_system_file(sub: SubmitterDir, name: str) -> Path | None:
    """``systems/<name>.json``; else the one description whose name contains the system id
    (v0.5 reference: ``Nucleo_L4R5ZI_System_Description.json`` for ``Nucleo-L4R5ZI``)."""
    if name in sub.system_files:
        return sub.system_files[name]
    loose = [p for stem, p in sub.system_files.items() if _norm(name) and _norm(name) in _norm(stem)]
    return loose[0] if len(loose) == 1 else None


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


def _fill_mode(tree: SafeTree, record: ResultRecord, mode: ModeDir, manifest: dict | None) -> None:
    try:
        # v0.5 reference AD accuracy published only EnergyRunner's post-processing output.
        name = "results.txt" if "results.txt" in mode.files else "postproc.txt"
        text = tree.read_text(mode.files[name])
        parsed: ResultsTxt = parse_results_txt(text)
    except InputProblem as exc:
        raise TinybenchError(f"cannot read {exc}", "run `tinybench check` on the tree") from None
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
                inferences_per_window=n, windows=len(windows) or None)
        if parsed.sww_accuracy is not None and record.accuracy is None:
            tp, fn, fp, _ = parsed.sww_accuracy
            record.accuracy = AccuracyResult(**common, true_positives=tp, false_negatives=fn,
                                             false_positives=fp)
    elif mode.mode == "energy":
        if parsed.energy is not None:
            ew = parsed.energy_windows
            en = ew[0].fields.get("Inferences") if ew else None
            record.energy = EnergyResult(
                **common, energy_uj=parsed.energy.value,
                throughput_ips=parsed.throughput.value if parsed.throughput else None,
                inferences_per_window=int(en.value) if en else n, windows=len(ew) or None)
    elif mode.mode == "accuracy":
        if parsed.top1 is not None or parsed.auc is not None:
            record.accuracy = AccuracyResult(**common,
                                             top1_pct=parsed.top1.value if parsed.top1 else None,
                                             auc=parsed.auc.value if parsed.auc else None)


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
