"""The MLPerf Tiny submission layout, discovered from a results tree — as real trees bend it.

``[<round>/]<closed|open>/<submitter>/{systems/<system>.json, results/<system>/<benchmark>/<mode>/…}``
is the rule; published rounds also have system descriptions in sub-folders or under other names,
extra folder levels (``results/<framework>/<board>/…``, open-division model variants
``…/<benchmark>/<model>/<mode>/``), long benchmark names (``keyword_spotting``), ``power/`` for
``energy/`` and EEMBC-era file names (``performance_results.txt``). Discovery maps all of that onto
one shape and records what it mapped, so import and check agree on what a tree contains and the
checker can say which rule a tree bent. Discovery uses the safe file list (no symlink is followed)
— the checker reports the symlinks themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tinybench.leaderboard.safety import SafeTree

DIVISIONS = ("closed", "open")
MODES = ("performance", "accuracy", "energy")
BENCHMARKS = ("kws", "vww", "ic", "ad", "sww", "ic2")
WORKLOAD_ORDER = ("kws", "vww", "ic", "ad")  # the four the composite is taken over
DATASET_OF = {"kws": "kws01", "vww": "vww01", "ic": "ic01", "ad": "ad01"}
EEMBC_MARKER = "EEMBC_RUNNER"
MANIFEST_NAME = "tinybench-manifest.json"
MISSING_LIST = "MISSING-FROM-THIS-COPY.txt"
# Long benchmark folder names, mapped as MLCommons' submission checker maps them.
BENCHMARK_ALIASES = {
    "keyword_spotting": "kws", "keywordspotting": "kws", "kws01": "kws",
    "visual_wake_words": "vww", "visualwakewords": "vww", "vww01": "vww",
    "image_classification": "ic", "imageclassification": "ic", "ic01": "ic",
    "anomaly_detection": "ad", "anomalydetection": "ad", "ad01": "ad",
    "streaming_wakeword": "sww", "streaming_wake_word": "sww", "ic02": "ic2",
}
MODE_ALIASES = {"power": "energy"}  # v0.7/v1.0 open-division FPGA submissions
# Canonical file names of a mode folder; EEMBC-era copies prefix them with the mode name.
RUNNER_FILES = ("log.txt", "results.txt", "script.async")
_ROUND = re.compile(r"(?:^|[_-])(v\d+(?:\.\d+)+)(?:$|[_-])", re.IGNORECASE)


def benchmark_name(folder: str) -> str | None:
    """'kws' -> 'kws', 'keyword_spotting' -> 'kws'; None for a folder that is not a benchmark."""
    low = folder.strip().lower()
    if low in BENCHMARKS:
        return low
    return BENCHMARK_ALIASES.get(low) or BENCHMARK_ALIASES.get(re.sub(r"[^a-z0-9]", "", low))


def mode_name(folder: str) -> str | None:
    """'energy' -> 'energy'; 'power' (open-division FPGA rounds) and misspellings one or two
    letters off ('enegy', v1.0 ST) -> the mode they stand for; None for any other folder."""
    import difflib

    low = folder.strip().lower()
    low = MODE_ALIASES.get(low, low)
    if low in MODES:
        return low
    close = difflib.get_close_matches(low, MODES, n=1, cutoff=0.8)
    return close[0] if close else None


def round_of(part: str) -> str | None:
    """The round a path component names: 'v0.7' or 'tiny_results_v1.3' -> 'v0.7' / 'v1.3'."""
    m = _ROUND.search(part)
    return m.group(1).lower() if m else None


@dataclass
class ModeDir:
    benchmark: str
    mode: str
    path: Path
    files: dict[str, Path] = field(default_factory=dict)  # canonical file name -> path
    renamed: dict[str, str] = field(default_factory=dict)  # canonical name -> name on disk
    folder: str = ""  # the mode folder's name on disk ('power' for energy)
    sibling_runner: str | None = None  # set by discover(): the runner seen in the other modes

    @property
    def own_runner(self) -> str | None:
        if {"script.async", "trace1-energy.bin", "postproc.txt"} & set(self.files):
            return "eembc"
        if "results.json" in self.files:
            return "mlc"
        return None

    @property
    def runner(self) -> str:
        """'eembc' (script.async / traces / postproc.txt) or 'mlc'; a mode folder with neither
        marker takes the runner of its sibling modes (one benchmark = one runner)."""
        return self.own_runner or self.sibling_runner or "mlc"


@dataclass
class BenchmarkDir:
    """One system × benchmark (× open-division model variant): the unit import reports on."""

    benchmark: str  # canonical short name ('kws'), or the folder name when it is not a benchmark
    folder: str  # name on disk ('keyword_spotting')
    variant: str | None  # open-division model folder between benchmark and mode ('RN07')
    path: Path
    modes: dict[str, ModeDir] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)  # files directly in the benchmark folder
    extra: list[Path] = field(default_factory=list)  # files nested where no mode folder is

    @property
    def label(self) -> str:
        return self.benchmark + (f"/{self.variant}" if self.variant else "")


@dataclass
class SystemDir:
    name: str  # path below results/ ('NUCLEO_L4R5ZI' or 'microtvm_cmsis_nn/NRF5340-DK')
    path: Path
    benchmarks: dict[str, BenchmarkDir] = field(default_factory=dict)  # label -> benchmark
    extra: list[Path] = field(default_factory=list)


@dataclass
class SubmitterDir:
    round: str | None
    division: str
    submitter: str
    path: Path
    system_files: dict[str, Path] = field(default_factory=dict)  # key below systems/ (no .json) -> path
    systems: dict[str, SystemDir] = field(default_factory=dict)
    manifest: Path | None = None
    stray: list[Path] = field(default_factory=list)
    code_files: int = 0


def discover(tree: SafeTree, files: list[Path], round_override: str | None = None) -> list[SubmitterDir]:
    """Group the (already safety-filtered) files of ``tree`` into submitters, systems and modes."""
    found: dict[Path, SubmitterDir] = {}
    root_parts = tree.root.parts
    # a root reached through a symlink: the round is in the real tree's own name
    real_round = next((r for r in map(round_of, reversed(tree.real_root.parts)) if r), None)
    for path in files:
        full = root_parts + path.relative_to(tree.root).parts
        anchor = None
        for i in range(len(full) - 2, 1, -1):
            if full[i] in ("systems", "results", "code") and full[i - 2] in DIVISIONS:
                anchor = i
                break
        if anchor is None:
            # files directly under <division>/<submitter>/ (manifest, model_mapping.json)
            if len(full) >= 3 and full[-3] in DIVISIONS:
                sub = _submitter(found, Path(*full[:-1]), full, len(full) - 3, round_override,
                                 real_round)
                if full[-1] == MANIFEST_NAME:
                    sub.manifest = path
                else:
                    sub.stray.append(path)
            continue
        sub = _submitter(found, Path(*full[:anchor]), full, anchor - 2, round_override, real_round)
        rest = full[anchor:]
        if rest[0] == "code":
            sub.code_files += 1  # code/ is the submitter's own (training outputs too): not read
        elif rest[0] == "systems":
            if rest[-1].lower().endswith(".json") and len(rest) >= 2:
                sub.system_files["/".join(rest[1:])[:-5]] = path
        else:
            _place_result(sub, Path(*full[:anchor + 1]), rest[1:], path)
    for sub in found.values():
        for system in sub.systems.values():
            for bench in system.benchmarks.values():
                seen = {m.own_runner for m in bench.modes.values()} - {None}
                for m in bench.modes.values():
                    m.sibling_runner = "eembc" if "eembc" in seen else ("mlc" if seen else None)
    return sorted(found.values(), key=lambda s: (s.round or "", s.division, s.submitter))


def _place_result(sub: SubmitterDir, results: Path, rest: tuple[str, ...], path: Path) -> None:
    """``rest`` = the parts below ``results/`` ending in the file name."""
    dirs = rest[:-1]
    if not dirs:
        sub.stray.append(path)
        return
    mode_at = next((i for i in range(len(dirs) - 1, 0, -1) if mode_name(dirs[i])), None)
    top = dirs if mode_at is None else dirs[:mode_at]
    bench_at = next((i for i in range(len(top) - 1, 0, -1) if benchmark_name(top[i])), None)
    if bench_at is None:
        bench_at = len(top) - 1 if len(top) >= 2 else None
    if bench_at is None:
        system = _system(sub, results, dirs[:1])
        system.extra.append(path)
        return
    system = _system(sub, results, top[:bench_at])
    folder = top[bench_at]
    variant = "/".join(top[bench_at + 1:]) or None
    canonical = benchmark_name(folder) or folder
    label = canonical + (f"/{variant}" if variant else "")
    bench = system.benchmarks.get(label)
    if bench is None:
        bench = system.benchmarks[label] = BenchmarkDir(canonical, folder, variant,
                                                        results.joinpath(*top[:bench_at + 1]))
    if mode_at is None:
        if len(dirs) == bench_at + 1:
            bench.markers.add(rest[-1])
        else:
            bench.extra.append(path)
        return
    if len(dirs) != mode_at + 1:  # nested below the mode folder
        bench.extra.append(path)
        return
    mode_key = mode_name(dirs[mode_at]) or dirs[mode_at]
    mode = bench.modes.get(mode_key)
    if mode is None:
        mode = bench.modes[mode_key] = ModeDir(canonical, mode_key, results.joinpath(*dirs[:mode_at + 1]),
                                               folder=dirs[mode_at])
    name = rest[-1]
    for prefix in (f"{mode_key}_", f"{dirs[mode_at].lower()}_"):
        if name.lower().startswith(prefix) and name[len(prefix):] in RUNNER_FILES:
            mode.renamed[name[len(prefix):]] = name
            name = name[len(prefix):]
            break
    if name in mode.files and name in mode.renamed:
        return  # the canonical file wins over an EEMBC-era copy
    mode.files[name] = path


def _system(sub: SubmitterDir, results: Path, parts: tuple[str, ...]) -> SystemDir:
    name = "/".join(parts)
    if name not in sub.systems:
        sub.systems[name] = SystemDir(name, results.joinpath(*parts))
    return sub.systems[name]


def _submitter(found: dict[Path, SubmitterDir], sub_path: Path, full: tuple[str, ...],
               division_index: int, round_override: str | None, real_round: str | None = None) -> SubmitterDir:
    if sub_path not in found:
        round_name = round_override
        if round_name is None:
            for part in reversed(full[:division_index]):
                if (round_name := round_of(part)) is not None:
                    break
            round_name = round_name or real_round
        found[sub_path] = SubmitterDir(round_name, full[division_index], full[division_index + 1], sub_path)
    return found[sub_path]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def match_system_file(sub: SubmitterDir, name: str) -> tuple[Path | None, str]:
    """The description of ``results/<name>/`` and how it was found ('exact', or the loose rule
    that matched; '' with no match). Real trees put it in ``systems/<name>/<x>.json``, name it
    ``<name>_System_Description.json`` or ``system_description_<board>_<framework>.json``; a loose
    match is used only when exactly one description fits best."""
    if name in sub.system_files:
        return sub.system_files[name], "exact"
    parts = [_norm(p) for p in name.split("/") if _norm(p)]
    whole = "".join(parts)
    scored: list[tuple[int, str]] = []
    for key in sub.system_files:
        folders = key.split("/")[:-1]
        stem = _norm(key.split("/")[-1]).replace("systemdescription", "")
        score = 0
        if name in folders or (folders and _norm(folders[-1]) == whole):
            score = 4
        elif stem == whole:
            score = 3
        elif parts and all(p in stem for p in parts):
            score = 2
        elif len(stem) >= 4 and stem in whole:
            score = 1
        if score:
            scored.append((score, key))
    if not scored:
        return None, ""
    best = max(s for s, _ in scored)
    keys = [k for s, k in scored if s == best]
    if len(keys) > 1:
        return None, "ambiguous: " + ", ".join(f"systems/{k}.json" for k in sorted(keys))
    return sub.system_files[keys[0]], {4: "in a sub-folder named after the system",
                                       3: "same name apart from 'system description'",
                                       2: "name contains every part of the system id",
                                       1: "name is a part of the system id"}[best]


def missing_from_copy(tree: SafeTree, files: list[Path]) -> set[str]:
    """Paths (relative to the tree root) that a ``MISSING-FROM-THIS-COPY.txt`` says exist upstream
    but were not copied here. Lists are read from the (safe) file list and from the folders above
    the root, so a round folder's list also covers a submitter folder checked on its own."""
    root = tree.root
    listings = [p for p in files if p.name == MISSING_LIST]
    listings += [base / MISSING_LIST for base in root.parents if (base / MISSING_LIST).is_file()]
    out: set[str] = set()
    for listing in listings:
        try:
            lines = listing.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                out.add((listing.parent / line).relative_to(root).as_posix())
            except ValueError:
                continue
    return out
