"""``tinybench check``: validate a submission tree and recompute every headline figure.

Why: MLCommons' checker regex-scrapes results.txt and never looks at the raw data, so a typo or an
edited number passes. This checker (1) walks the tree without trusting it (see ``safety``),
(2) validates the MLPerf layout and the required files of each runner, (3) verifies the tinybench
manifest hashes when present, and (4) recomputes throughput from the DUT laps, Top-1/AUC from the
per-input results and energy from the power samples, comparing each with the printed figure at its
printed precision. Every finding names the file and, where there is one, the line.

Severity: ``error`` = the tree is unsafe, malformed, incomplete, or a number disagrees with its
raw data (non-zero exit). ``warning`` = a figure cannot be recomputed from what was published, or
a layout detail MLCommons only warns about.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tinybench import paths
from tinybench.errors import TinybenchError
from tinybench.leaderboard import recompute, rules
from tinybench.leaderboard.rules import official_rules_problems  # noqa: F401  (re-export for `suite`)
from tinybench.leaderboard.resultstxt import Figure, ResultsTxt, parse_results_txt
from tinybench.leaderboard.safety import DEFAULT_MAX_FILE_BYTES, InputProblem, SafeTree
from tinybench.leaderboard.tree import (BENCHMARKS, DATASET_OF, EEMBC_MARKER, MANIFEST_NAME, MISSING_LIST,
                                        MODES, BenchmarkDir, ModeDir, SubmitterDir, discover,
                                        match_system_file, missing_from_copy)

REQUIRED = {
    ("eembc", "performance"): {"log.txt", "results.txt", "script.async"},
    ("eembc", "accuracy"): {"log.txt", "results.txt", "script.async"},
    ("eembc", "energy"): {"log.txt", "results.txt"},
    ("mlc", "performance"): {"log.txt", "results.txt"},
    ("mlc", "accuracy"): {"log.txt", "results.txt"},
    ("mlc", "energy"): {"log.txt", "results.txt"},
}
OPTIONAL = {"results.json", "mlperf_log_trace.json", ".gitkeep", "script.async", "trace1-energy.bin",
            "trace1-timestamps.json", "trace.npz", "trace.json", "energy_windows.png"} | {
            f"energy_inf_{i:03d}.png" for i in range(5)}
VALID_STATUS = {"available", "preview", "rdi"}
AD_ALT_FILES = 72  # y_labels_alt.csv, accepted since v1.2


@dataclass
class Finding:
    severity: str  # "error" | "warning"
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


@dataclass
class Verified:
    path: str
    line: int
    what: str
    published: str
    recomputed: float


@dataclass
class CheckReport:
    root: str
    findings: list[Finding] = field(default_factory=list)
    verified: list[Verified] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, path: str, message: str, line: int | None = None) -> None:
        self.findings.append(Finding("error", path, message, line))

    def warn(self, path: str, message: str, line: int | None = None) -> None:
        self.findings.append(Finding("warning", path, message, line))

    def problem(self, exc: InputProblem) -> None:
        self.error(exc.path, exc.message, exc.line)

    def to_json(self) -> dict:
        return {"root": self.root, "ok": self.ok, "findings": [asdict(f) for f in self.findings],
                "verified": [asdict(v) for v in self.verified]}

    def render(self) -> str:
        lines = [str(f) for f in self.findings]
        lines.append(f"{len(self.verified)} figure(s) recomputed and confirmed; "
                     f"{len(self.errors)} error(s), {len(self.findings) - len(self.errors)} warning(s)")
        lines.append("RESULT: " + ("PASS" if self.ok else "FAIL"))
        return "\n".join(lines)


def check_tree(root: Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
               labels_dir: Path | None = None) -> CheckReport:
    root = Path(root)
    report = CheckReport(str(root))
    if not root.is_dir():
        report.error(str(root), "is not a directory")
        return report
    tree = SafeTree(root, max_file_bytes)  # a symlinked *root* is fine; symlinks inside are not
    files, problems = tree.walk()
    for problem in problems:
        if problem.message == "empty folder":
            report.error(problem.path, "empty folder (MLCommons rejects empty folders)")
        else:
            report.problem(problem)
    readable = _parse_every_file(tree, files, report)
    # system descriptions that failed to parse are still matched to their results (the parse
    # error is reported once, above); other unreadable files are left out
    keep = set(readable) | {p for p in files if "systems" in p.parts and p.suffix.lower() == ".json"}
    submitters = discover(tree, [p for p in files if p in keep])
    if not submitters:
        report.error(".", "no <closed|open>/<submitter>/{systems,results} folders found")
        return report
    absent = missing_from_copy(tree, files)
    for sub in submitters:
        _check_submitter(tree, sub, report, labels_dir, absent)
    return report


def _under_code(tree: SafeTree, path: Path) -> bool:
    """``<division>/<submitter>/code/…``: the submitter's sources and training outputs, which
    MLCommons does not parse either (only the safety rules apply there)."""
    parts = tree.root.parts + Path(tree.rel(path)).parts
    return any(parts[i] == "code" and i >= 2 and parts[i - 2] in ("closed", "open") for i in range(len(parts)))


def _parse_every_file(tree: SafeTree, files: list[Path], report: CheckReport) -> list[Path]:
    """UTF-8 for text, well-formed JSON and CSV; files that fail are reported and skipped."""
    good = []
    for path in files:
        name = path.name
        try:
            if "__pycache__" in path.parts:
                report.error(tree.rel(path), "__pycache__ is not allowed in a submission")
                continue
            if _under_code(tree, path) or name == MISSING_LIST:
                good.append(path)
                continue
            if name.endswith(".json"):
                tree.read_json(path)
            elif name.endswith((".txt", ".async", ".md", ".yaml", ".yml")):
                tree.read_text(path)
            elif name.endswith(".csv"):
                tree.read_csv(path)
        except InputProblem as exc:
            report.problem(exc)
            continue
        good.append(path)
    return good


def _check_manifest(tree: SafeTree, sub: SubmitterDir, report: CheckReport) -> None:
    if sub.manifest is None:
        return
    rel_manifest = tree.rel(sub.manifest)
    try:
        manifest = tree.read_json(sub.manifest)
    except InputProblem as exc:
        report.problem(exc)
        return
    listed = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict):
        report.error(rel_manifest, "manifest has no 'files' object (path -> sha256)")
        return
    base = sub.path
    base_rel = tree.rel(base)
    seen = set()
    from tinybench.fsutil import sha256_bytes

    for relpath, digest in listed.items():
        member = f"{base_rel}/{relpath}" if base_rel != "." else relpath
        try:
            if not isinstance(relpath, str) or not isinstance(digest, str):
                raise InputProblem(rel_manifest, f"entry {relpath!r} is not a path -> sha256 string")
            path = tree.resolve_member(member)
            if not path.exists():
                raise InputProblem(member, f"listed in {MANIFEST_NAME} but missing")
            actual = sha256_bytes(tree.read_bytes(path))
        except InputProblem as exc:
            if "escapes" in exc.message or "outside" in exc.message:
                report.error(rel_manifest, f"entry {relpath!r}: {exc.message}")
            else:
                report.problem(exc)
            continue
        seen.add(member)
        if actual != digest:
            report.error(member, f"sha256 differs from {MANIFEST_NAME} (file changed after submit)")
    files, _ = SafeTree(base, tree.max_file_bytes).walk()
    for path in files:
        member = tree.rel(path)
        if path != sub.manifest and member not in seen:
            report.error(member, f"not listed in {MANIFEST_NAME}")


def _check_submitter(tree: SafeTree, sub: SubmitterDir, report: CheckReport, labels_dir: Path | None,
                     absent: set[str] = frozenset()) -> None:
    _check_manifest(tree, sub, report)
    if sub.manifest is None and _looks_like_tinybench(tree, sub):
        report.error(f"{tree.rel(sub.path)}/{MANIFEST_NAME}", "missing: this is a tinybench bundle "
                     "(tinybench transcripts) but its manifest is gone, so its hashes, categories and "
                     "provenance cannot be verified — re-create it with `tinybench submit`")
    for stray in sub.stray:
        if stray.name not in {"model_mapping.json", "README.md", ".gitkeep"}:
            report.warn(tree.rel(stray), "unexpected file outside systems/, results/, code/")
    used = {match_system_file(sub, name)[0] for name in sub.systems}
    for key, path in sorted(sub.system_files.items()):
        if path not in used:
            report.warn(tree.rel(path), "system description without a results folder")
    for name, system in sorted(sub.systems.items()):
        desc, how = match_system_file(sub, name)
        if desc is None:
            report.error(f"{tree.rel(sub.path)}/systems/{name}.json", "missing: every results/<system>/ "
                         "needs a system description" + (f" ({how})" if how else ""))
        else:
            if how != "exact":
                report.warn(tree.rel(desc), f"layout bent: describes results/{name}/ but is not named "
                            f"systems/{name}.json ({how}); read as its description")
            _check_system_json(tree, desc, report)
        if "/" in name:
            report.warn(tree.rel(system.path), "layout bent: an extra folder level below results/ "
                        f"(read as system {name!r})")
        for path in system.extra:
            report.error(tree.rel(path), "not inside a <benchmark>/<mode>/ folder")
        for label, bench in sorted(system.benchmarks.items()):
            _check_benchmark(tree, sub, bench, report, labels_dir, absent)
    reported = {f.path for f in report.errors if "missing required file" in f.message}
    for path, message in rules.problems_of(tree, sub, absent):
        if not (path in reported and "no results.txt" in message):
            report.error(path, message)


def _check_benchmark(tree: SafeTree, sub: SubmitterDir, bench: BenchmarkDir, report: CheckReport,
                     labels_dir: Path | None, absent: set[str]) -> None:
    bm_rel = tree.rel(bench.path)
    for path in bench.extra:
        report.error(tree.rel(path), "unexpected nesting below results/<system>/<benchmark>/<mode>/")
    if bench.benchmark not in BENCHMARKS:
        if sub.division == "closed":
            report.error(bm_rel, f"unknown benchmark {bench.folder!r} (closed division: "
                         f"{', '.join(BENCHMARKS)})")
        else:
            report.warn(bm_rel, f"open-division benchmark {bench.folder!r} not recomputed")
        return
    if bench.folder != bench.benchmark:
        report.warn(bm_rel, f"layout bent: benchmark folder {bench.folder!r} read as {bench.benchmark!r} "
                    "(as MLCommons' checker maps it)")
    if bench.variant:
        report.warn(bm_rel, f"layout bent: model folder {bench.variant!r} between benchmark and mode "
                    "(open division)")
    runners = {m.runner for m in bench.modes.values()}
    if "eembc" in runners and EEMBC_MARKER not in bench.markers and sub.round not in ("v0.5",):
        report.warn(bm_rel, f"EEMBC runner files but no empty {EEMBC_MARKER} marker file "
                    "(MLCommons' checker asks for it since v0.7)")
    for mode_name, mode in sorted(bench.modes.items()):
        if mode_name not in MODES:
            report.error(tree.rel(mode.path), f"unknown mode folder {mode_name!r} "
                         f"(expected {', '.join(MODES)})")
            continue
        if mode.folder != mode_name:
            report.warn(tree.rel(mode.path), f"layout bent: mode folder {mode.folder!r} read as "
                        f"{mode_name!r} (MLCommons' checker expects {mode_name}/)")
        _check_mode(tree, mode, report, labels_dir, absent)


def _looks_like_tinybench(tree: SafeTree, sub: SubmitterDir) -> bool:
    """A transcript in tinybench's own log format anywhere in the submitter's results."""
    for system in sub.systems.values():
        for bench in system.benchmarks.values():
            for mode in bench.modes.values():
                if "log.txt" in mode.files:
                    try:
                        head = tree.read_bytes(mode.files["log.txt"])[:4000].decode("utf-8", "replace")
                    except InputProblem:
                        continue
                    if recompute.is_tinybench_log(head):
                        return True
    return False


def _check_system_json(tree: SafeTree, path: Path, report: CheckReport) -> None:
    from tinybench.leaderboard.systems import read_description

    try:
        desc, _note = read_description(tree.read_text(path))  # a JSON error is reported by the file pass
    except (InputProblem, ValueError):
        return
    rel = tree.rel(path)
    if not isinstance(desc, dict):
        report.error(rel, "system description must be a JSON object")
        return
    status = str(desc.get("Status", "")).strip().lower()
    if status not in VALID_STATUS:
        report.error(rel, f"'Status' is {desc.get('Status')!r}; must be available, preview or rdi")
    if str(desc.get("Division", "")).strip().lower() not in {"closed", "open"}:
        report.error(rel, f"'Division' is {desc.get('Division')!r}; must be closed or open")


def _absent_here(rel: str, mode: ModeDir, absent: set[str]) -> set[str]:
    """Canonical names of this mode folder's files that exist upstream but not in this copy."""
    out = set()
    for path in absent:
        folder, _, name = path.rpartition("/")
        if folder == rel:
            for prefix in (f"{mode.mode}_", f"{mode.folder}_"):
                if name.startswith(prefix):
                    name = name[len(prefix):]
            out.add(name)
    return out


def _check_mode(tree: SafeTree, mode: ModeDir, report: CheckReport, labels_dir: Path | None,
                absent: set[str] = frozenset()) -> None:
    rel = tree.rel(mode.path)
    names = set(mode.files)
    required = set(REQUIRED[(mode.runner, mode.mode)])
    if mode.benchmark == "sww" and mode.mode == "energy" and mode.runner == "mlc":
        required.add("energy_inf_000.png")
    not_copied = _absent_here(rel, mode, absent)
    missing = sorted(required - names - not_copied)
    if missing:
        report.error(rel, f"missing required file(s) for the {mode.runner.upper()} runner: "
                     f"{', '.join(missing)}")
    if "results.json" in names and mode.runner == "mlc":
        try:
            data = tree.read_json(mode.files["results.json"])
        except InputProblem:
            data = []  # already reported by the file pass
        if not isinstance(data, list):
            report.error(f"{rel}/results.json", "must be the MLC runner's JSON list of loop iterations")
    for extra in sorted(names - required - OPTIONAL):
        if not extra.startswith("."):  # dot-files only warn in MLCommons' checker; .gitignore is harmless
            report.warn(f"{rel}/{mode.renamed.get(extra, extra)}", "file not part of the MLPerf layout")
    if "results.txt" not in names:
        return
    results_rel = f"{rel}/{mode.renamed.get('results.txt', 'results.txt')}"
    try:
        results_text = tree.read_text(mode.files["results.txt"])
    except InputProblem:
        return  # already reported by the file pass
    parsed = parse_results_txt(results_text)
    for number, line in enumerate(results_text.splitlines(), start=1):
        if "NOT VALID FOR SUBMISSION" in line:
            report.warn(results_rel, "the run itself says it is not valid for submission: "
                        + line.split("NOT VALID FOR SUBMISSION", 1)[1].lstrip(": ").strip(), number)
    if mode.benchmark == "sww":
        report.warn(results_rel, "streaming wakeword figures are not recomputed (no raw per-window "
                    "detections are published)")
        return
    if not _check_headline_present(parsed, mode, results_rel, report):
        return
    try:
        if mode.mode == "performance":
            _verify_performance(tree, mode, parsed, results_rel, report)
        elif mode.mode == "energy":
            _verify_energy(tree, mode, parsed, results_rel, report)
        else:
            _verify_accuracy(tree, mode, parsed, results_rel, report, labels_dir)
    except InputProblem as exc:
        report.problem(exc)
    except TinybenchError as exc:
        report.error(rel, f"raw data unusable: {exc.message}")
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # hostile or corrupt raw files (wrong JSON shapes, non-numeric samples): report, never crash
        report.error(rel, f"raw data unusable: {type(exc).__name__}: {exc}")


def _check_headline_present(parsed: ResultsTxt, mode: ModeDir, results_rel: str, report: CheckReport) -> bool:
    """Whether there is a figure to recompute. A missing headline of a required mode is reported
    by ``rules`` (once); energy is optional, so its missing headline is reported here."""
    want = {"performance": parsed.throughput, "energy": parsed.energy,
            "accuracy": parsed.top1 or parsed.auc}[mode.mode]
    if want is None and mode.mode == "energy":
        report.error(results_rel, "no energy headline line MLCommons' checker would recognise "
                     "(see run-rules-and-formats.md §(c) regexes)")
    return want is not None


def _compare(report: CheckReport, results_rel: str, figure: Figure, recomputed: float, what: str,
             *, extra_rel: float = 0.0) -> None:
    if figure.agrees(recomputed, extra_rel=extra_rel):
        report.verified.append(Verified(results_rel, figure.line, what, figure.text, recomputed))
    else:
        report.error(results_rel, f"{what} is {figure.text} but the raw data gives {recomputed:.6g}",
                     figure.line)


def _raw(tree: SafeTree, mode: ModeDir):
    """(log text, parsed results.json) of a mode folder; either may be None."""
    log = tree.read_text(mode.files["log.txt"]) if "log.txt" in mode.files else None
    data = tree.read_json(mode.files["results.json"]) if "results.json" in mode.files else None
    return log, data


def _verify_performance(tree, mode, parsed, results_rel, report) -> None:
    log, data = _raw(tree, mode)
    transcript = recompute.transcript_for(mode.path, log, data, mode.runner)
    if transcript is None:
        report.warn(results_rel, "throughput not recomputed: no transcript or results.json with DUT laps")
        return
    source = {"eembc": "log.txt laps", "tinybench": "log.txt laps"}.get(transcript.kind, "results.json laps")
    median, per_window = recompute.median_throughput(recompute.timed_windows(transcript))
    printed = len(parsed.perf_windows)
    if printed > len(per_window):
        # a truncated log, or one kept from another run (v0.7 plumerai: 1 of 5 windows): the
        # printed figures are not contradicted, only not backed by the published raw data
        report.warn(results_rel, f"throughput not recomputed: log holds {len(per_window)} timed "
                    f"window(s) but results.txt prints {printed}", parsed.perf_windows[0].line)
        return
    for window, value in zip(parsed.perf_windows, per_window):
        fig = window.fields.get("Throughput")
        if fig is not None:
            _compare(report, results_rel, fig, value, f"window {window.number} throughput ({source})")
    if len(parsed.perf_windows) not in (0, len(per_window)):
        report.error(results_rel, f"{len(parsed.perf_windows)} windows printed but the raw data has "
                     f"{len(per_window)}", parsed.perf_windows[0].line)
    _compare(report, results_rel, parsed.throughput, median, f"median throughput ({source})")


def _verify_energy(tree, mode, parsed, results_rel, report) -> None:
    windows_txt = parsed.energy_windows
    if mode.runner == "eembc":
        need = {"trace1-energy.bin", "trace1-timestamps.json", "log.txt"}
        if not need <= set(mode.files):
            report.warn(results_rel, "energy not recomputed: trace1-energy.bin, "
                        "trace1-timestamps.json and log.txt are all needed")
            return
        tree.read_bytes(mode.files["trace1-energy.bin"])  # size/symlink vetting before the importer
        transcript = recompute.transcript_for(mode.path, tree.read_text(mode.files["log.txt"]), None, "eembc")
        iterations = [x.iterations for x in transcript.inferences if x.iterations]
        published = [w.fields["Energy"].value if "Energy" in w.fields else None for w in windows_txt]
        figures = recompute.energy_energyrunner(
            mode.path, recompute.parse_edge_times(tree.read_text(mode.files["trace1-timestamps.json"])),
            iterations, published)
        source = "trace1-energy.bin samples"
        if figures.note:
            report.warn(results_rel, f"energy {figures.note}")
    elif "trace.npz" in mode.files or "results.json" in mode.files:
        for name in ("trace.npz", "trace.json", "results.json"):
            if name in mode.files:
                tree.read_bytes(mode.files[name])
        figures = recompute.energy_from_folder(mode.path)
        source = "trace.npz samples" if "trace.npz" in mode.files else "results.json power samples"
    else:
        report.warn(results_rel, "energy not recomputed: no results.json power samples or trace.npz")
        return
    for window, energy, per_inf in zip(windows_txt, figures.energy_uj, figures.per_inf_uj):
        if (fig := window.fields.get("Energy")) is not None:
            _compare(report, results_rel, fig, energy, f"window {window.number} energy ({source})")
        if (fig := window.fields.get("Energy/Inf")) is not None:
            _compare(report, results_rel, fig, per_inf, f"window {window.number} energy/inference ({source})")
    if len(windows_txt) not in (0, len(figures.per_inf_uj)):
        report.error(results_rel, f"{len(windows_txt)} energy windows printed but the raw data has "
                     f"{len(figures.per_inf_uj)}", windows_txt[0].line)
    exact = mode.runner != "eembc" or all("Energy" in w.fields for w in windows_txt)
    _compare(report, results_rel, parsed.energy, figures.median_per_inf_uj,
             f"median energy per inference ({source})", extra_rel=0.0 if exact else 0.002)


def _labels_for(benchmark: str, labels_dir: Path | None, files: set[str] | None = None) -> dict[str, int] | None:
    """The official index (``y_labels*.csv``) that best covers the logged ``files``: IC has
    MLCommons' ``y_labels.csv`` and the EnergyRunner set's ``y_labels_energyrunner.csv``, AD the
    full ``y_labels.csv`` and ``y_labels_alt.csv``; on a tie the smaller (exact) list wins."""
    base = labels_dir
    if base is None:
        shared = paths.shared_dir()
        base = shared / "mlperf-tiny" / "datasets" if shared else None
    if base is None or benchmark not in DATASET_OF:
        return None
    indexes = [recompute.load_labels(p) for p in sorted((base / DATASET_OF[benchmark]).glob("y_labels*.csv"))]
    indexes = [i for i in indexes if i]
    if not indexes:
        return None
    wanted = files or set()
    return max(indexes, key=lambda index: (len(wanted & index.keys()), -len(index)))


def _verify_accuracy(tree, mode, parsed, results_rel, report, labels_dir) -> None:
    log, data = _raw(tree, mode)
    transcript = recompute.transcript_for(mode.path, log, data, mode.runner)
    if transcript is None:
        report.warn(results_rel, "accuracy not recomputed: no transcript or results.json with "
                    "per-input results")
        return
    logged = {x.input_file for x in transcript.inferences if x.results is not None and x.input_file}
    labels = recompute.labels_from_mlc_json(data) or _labels_for(mode.benchmark, labels_dir, logged)
    if not labels:
        report.warn(results_rel, f"accuracy not recomputed: no y_labels.csv for {mode.benchmark} "
                    "(pass --labels-dir or provide ../shared)")
        return
    exchanges = transcript.inferences
    if transcript.kind == "eembc":
        files = {x.input_file for x in exchanges if x.results is not None and x.input_file}
        if len(files) < len(labels) and not (mode.benchmark == "ad" and len(files) == AD_ALT_FILES):
            report.warn(results_rel, f"accuracy not recomputed: log holds results for {len(files)} of the "
                        f"{len(labels)} inputs (a partial log)",
                        (parsed.top1 or parsed.auc).line if (parsed.top1 or parsed.auc) else None)
            return
    try:
        figures = recompute.accuracy(exchanges, labels, mode.runner)
    except KeyError as exc:
        files = {x.input_file for x in exchanges if x.results is not None}
        unknown = sorted(f for f in files if f not in labels)
        report.warn(results_rel, f"accuracy not recomputed: {len(unknown)} of {len(files)} input files "
                    f"(e.g. {exc.args[0]}) have no true class in {DATASET_OF.get(mode.benchmark)}/"
                    "y_labels.csv (a different data set was used)",
                    parsed.top1.line if parsed.top1 else None)
        return
    source = "log.txt m-results" if transcript.kind in ("eembc", "tinybench") else "results.json"
    method = figures.auc_method   # the method of the tool that printed the figures
    if parsed.top1 is not None and figures.top1_pct is not None:
        what = "AD Top-1 (EEMBC simplified; " if mode.benchmark == "ad" else "Top-1 ("
        _compare(report, results_rel, parsed.top1, figures.top1_pct, f"{what}{source})")
    if parsed.auc is not None and figures.auc is not None:
        _compare(report, results_rel, parsed.auc, figures.auc, f"AUC ({method}; {source})")


def report_json(report: CheckReport) -> str:
    return json.dumps(report.to_json(), indent=2)
