"""The official MLPerf Tiny submission rules a bundle must meet, beyond well-formed files.

Why a module of its own: ``tinybench check`` reports these among its findings, and ``tinybench
suite`` gates on them right after ``submit`` — both call ``official_rules_problems``. The rules
(MLCommons ``submission_checker.py`` and ``MLPerfTiny_Rules.adoc``, summarised in
run-rules-and-formats.md):

* closed division: every benchmark submitted has its required modes with a headline the checker
  recognises (performance and accuracy; streaming wake word: performance with its throughput and
  detection counts) and meets its quality target (KWS Top-1 >= 90 %, VWW >= 80 %, IC >= 85 %,
  AD AUC >= 0.85, IC2 >= 91 % and only beside IC, SWW <= 8 false positives and <= 8 false
  negatives of 50 wake words). The printed figure is compared, as the checker compares it.
* open division: any accuracy is accepted, but it must be reported beside the performance.
* a tinybench bundle (manifest present) must not mix runs of different boards, and the runs of
  one benchmark must share the model and (performance/accuracy) the firmware image.

A mode file listed in ``MISSING-FROM-THIS-COPY.txt`` exists upstream, so its absence is never a
problem here.
"""

from __future__ import annotations

from pathlib import Path

from tinybench.leaderboard.resultstxt import ResultsTxt, parse_results_txt
from tinybench.leaderboard.safety import DEFAULT_MAX_FILE_BYTES, InputProblem, SafeTree
from tinybench.leaderboard.tree import BENCHMARKS, BenchmarkDir, ModeDir, SubmitterDir, discover, missing_from_copy

# metric, target (accepted when the printed figure is >= target)
QUALITY_TARGETS = {"kws": ("top1", 90.0), "vww": ("top1", 80.0), "ic": ("top1", 85.0),
                   "ad": ("auc", 0.85), "ic2": ("top1", 91.0)}
SWW_MAX_FP = 8
SWW_MAX_FN = 8
SWW_WAKE_WORDS = 50
REQUIRED_MODES = {"sww": ("performance",)}  # others: performance and accuracy
Problem = tuple[str, str]  # (path relative to the tree root, message)


def official_rules_problems(bundle: Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> list[str]:
    """Every official-rule problem of a submission tree or bundle, as ``"<path>: <message>"``;
    an empty list means the closed/open division rules are met."""
    tree = SafeTree(Path(bundle), max_file_bytes)
    files, _ = tree.walk()
    absent = missing_from_copy(tree, files)
    return [f"{path}: {message}" for sub in discover(tree, files)
            for path, message in problems_of(tree, sub, absent)]


def problems_of(tree: SafeTree, sub: SubmitterDir, absent: set[str] = frozenset()) -> list[Problem]:
    out: list[Problem] = []
    for system in sub.systems.values():
        labels = {b.benchmark for b in system.benchmarks.values()}
        for bench in system.benchmarks.values():
            if bench.benchmark not in BENCHMARKS and sub.division == "closed":
                continue  # reported by the layout check as an unknown benchmark
            out += _modes_and_quality(tree, sub, bench, absent)
            if sub.division == "closed" and bench.benchmark == "ic2" and "ic" not in labels:
                out.append((tree.rel(bench.path), "closed division: ic2 may only be submitted beside ic"))
    if sub.manifest is not None:
        out += _mixed_runs(tree, sub)
    return out


def _headline(tree: SafeTree, mode: ModeDir | None) -> ResultsTxt | None:
    if mode is None or "results.txt" not in mode.files:
        return None
    try:
        return parse_results_txt(tree.read_text(mode.files["results.txt"]))
    except InputProblem:
        return None


def _modes_and_quality(tree: SafeTree, sub: SubmitterDir, bench: BenchmarkDir, absent: set[str]) -> list[Problem]:
    out: list[Problem] = []
    rel = tree.rel(bench.path)
    division = sub.division
    parsed: dict[str, ResultsTxt | None] = {}
    for mode_name in REQUIRED_MODES.get(bench.benchmark, ("performance", "accuracy")):
        mode = bench.modes.get(mode_name)
        result = _headline(tree, mode)
        parsed[mode_name] = result
        if mode is None:
            out.append((rel, f"{division} division: no {mode_name}/ results (required for every benchmark)"))
            continue
        if result is None:
            if f"{tree.rel(mode.path)}/results.txt" not in absent:
                out.append((tree.rel(mode.path), f"{division} division: no results.txt (required)"))
            continue
        if not _has_headline(bench.benchmark, mode_name, result):
            out.append((_results_rel(tree, mode), f"{division} division: no {mode_name} "
                        "headline line the official checker recognises (required)"))
    if division != "closed":
        return out
    if bench.benchmark == "sww":
        perf = parsed.get("performance")
        if perf is not None and perf.sww_accuracy is not None:
            tp, fn, fp, line = perf.sww_accuracy
            where = _results_rel(tree, bench.modes["performance"])
            if tp + fn != SWW_WAKE_WORDS:
                out.append((where, f"closed division: {tp} true positives + {fn} false negatives != "
                            f"{SWW_WAKE_WORDS} wake words (line {line})"))
            if fp > SWW_MAX_FP or fn > SWW_MAX_FN:
                out.append((where, f"closed division quality target missed: {fp} false positives, {fn} "
                            f"false negatives (at most {SWW_MAX_FP} each; line {line})"))
        return out
    target = QUALITY_TARGETS.get(bench.benchmark)
    acc = parsed.get("accuracy")
    if target is None or acc is None:
        return out
    metric, threshold = target
    figure = acc.top1 if metric == "top1" else acc.auc
    where = _results_rel(tree, bench.modes["accuracy"])
    if figure is None:
        out.append((where, f"closed division: no {'Top-1' if metric == 'top1' else 'AUC'} line for the "
                    f"{bench.benchmark} quality target"))
    elif figure.value < threshold:
        shown = f"{figure.text} %" if metric == "top1" else f"AUC {figure.text}"
        out.append((where, f"closed division quality target missed: {shown} < "
                    f"{threshold:g}{' %' if metric == 'top1' else ''} (line {figure.line})"))
    return out


def _results_rel(tree: SafeTree, mode: ModeDir) -> str:
    return f"{tree.rel(mode.path)}/{mode.renamed.get('results.txt', 'results.txt')}"


def _has_headline(benchmark: str, mode: str, parsed: ResultsTxt) -> bool:
    if benchmark == "sww":
        return {"performance": parsed.sww_throughput is not None and parsed.sww_accuracy is not None,
                "energy": parsed.energy is not None, "accuracy": parsed.sww_accuracy is not None}[mode]
    return {"performance": parsed.throughput, "energy": parsed.energy,
            "accuracy": parsed.top1 or parsed.auc}[mode] is not None


def _mixed_runs(tree: SafeTree, sub: SubmitterDir) -> list[Problem]:
    """Boards, models and firmware recorded per mode in the tinybench manifest."""
    try:
        manifest = tree.read_json(sub.manifest)
    except InputProblem:
        return []  # reported by the manifest check
    modes = manifest.get("modes") if isinstance(manifest, dict) else None
    if not isinstance(modes, dict):
        return []
    rel = tree.rel(sub.manifest)
    per_system: dict[str, dict[str, set[str]]] = {}
    per_bench: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    for key, entry in modes.items():
        if not isinstance(entry, dict) or not isinstance(key, str) or key.count("/") < 2:
            continue
        system, benchmark, mode = key.rsplit("/", 2)
        board = entry.get("board")
        if isinstance(board, str) and board:
            per_system.setdefault(system, {}).setdefault(board, set()).add(f"{benchmark}/{mode}")
        run_manifest = entry.get("run_manifest") if isinstance(entry.get("run_manifest"), dict) else {}
        facts = per_bench.setdefault((system, benchmark), {})
        for what in ("firmware", "model"):
            item = run_manifest.get(what)
            if isinstance(item, dict) and isinstance(item.get("sha256"), str):
                facts.setdefault(what, {})[mode] = item["sha256"]
    out: list[Problem] = []
    for system, boards in sorted(per_system.items()):
        if len(boards) > 1:
            listing = "; ".join(f"{b}: {', '.join(sorted(m))}" for b, m in sorted(boards.items()))
            out.append((rel, f"system {system!r} mixes runs from different boards ({listing}); "
                        "one system description = one board"))
    for (system, benchmark), facts in sorted(per_bench.items()):
        firmware = {m: h for m, h in facts.get("firmware", {}).items() if m in ("performance", "accuracy")}
        if len(set(firmware.values())) > 1:
            out.append((rel, f"{system}/{benchmark}: performance and accuracy ran different firmware images "
                        + ", ".join(f"{m} {h[:12]}" for m, h in sorted(firmware.items()))))
        models = facts.get("model", {})
        if len(set(models.values())) > 1:
            out.append((rel, f"{system}/{benchmark}: modes ran different models "
                        + ", ".join(f"{m} {h[:12]}" for m, h in sorted(models.items()))))
    return out
