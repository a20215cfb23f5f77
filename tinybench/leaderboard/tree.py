"""The MLPerf Tiny submission layout, discovered from a results tree.

``[<round>/]<closed|open>/<submitter>/{systems/<system>.json, results/<system>/<benchmark>/<mode>/…}``
Import and check share this one walk so they always agree on what a tree contains. Discovery uses
the safe file list (no symlink is followed) — the checker reports the symlinks themselves.
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
_ROUND = re.compile(r"^v\d+(\.\d+)*$")


@dataclass
class ModeDir:
    benchmark: str
    mode: str
    path: Path
    files: dict[str, Path] = field(default_factory=dict)  # file name -> path
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
class SystemDir:
    name: str
    path: Path
    benchmarks: dict[str, dict[str, ModeDir]] = field(default_factory=dict)
    markers: dict[str, set[str]] = field(default_factory=dict)  # benchmark -> extra files there
    extra: list[Path] = field(default_factory=list)


@dataclass
class SubmitterDir:
    round: str | None
    division: str
    submitter: str
    path: Path
    system_files: dict[str, Path] = field(default_factory=dict)  # system id -> systems/<id>.json
    systems: dict[str, SystemDir] = field(default_factory=dict)
    manifest: Path | None = None
    stray: list[Path] = field(default_factory=list)


def discover(tree: SafeTree, files: list[Path], round_override: str | None = None) -> list[SubmitterDir]:
    """Group the (already safety-filtered) files of ``tree`` into submitters, systems and modes."""
    found: dict[Path, SubmitterDir] = {}
    root_parts = tree.root.parts
    for path in files:
        parts = path.relative_to(tree.root).parts
        full = root_parts + parts
        # locate "<division>/<submitter>/(systems|results)" in the absolute path, nearest the file
        anchor = None
        for i in range(len(full) - 2, 1, -1):
            if full[i] in ("systems", "results") and full[i - 2] in DIVISIONS:
                anchor = i
                break
        if anchor is None:
            # files directly under <division>/<submitter>/ (manifest, model_mapping.json)
            for i in range(len(full) - 2, 0, -1):
                if full[i - 1] in DIVISIONS and i == len(full) - 2:
                    anchor_sub = Path(*full[: i + 1])
                    sub = _submitter(found, anchor_sub, full, i - 1, round_override)
                    if full[-1] == MANIFEST_NAME:
                        sub.manifest = path
                    else:
                        sub.stray.append(path)
                    break
            continue
        sub_path = Path(*full[:anchor])
        sub = _submitter(found, sub_path, full, anchor - 2, round_override)
        rest = full[anchor:]
        if rest[0] == "systems":
            if len(rest) == 2 and rest[1].endswith(".json"):
                sub.system_files[rest[1][:-5]] = path
            continue
        # results/<system>/<benchmark>/<mode>/<file>
        if len(rest) < 3:
            sub.stray.append(path)
            continue
        system = sub.systems.setdefault(rest[1], SystemDir(rest[1], Path(*full[:anchor + 2])))
        if len(rest) == 4:
            system.markers.setdefault(rest[2], set()).add(rest[3])
            continue
        if len(rest) != 5:
            system.extra.append(path)
            continue
        benchmark, mode, name = rest[2], rest[3], rest[4]
        modes = system.benchmarks.setdefault(benchmark, {})
        mode_dir = modes.setdefault(mode, ModeDir(benchmark, mode, Path(*full[:anchor + 4])))
        mode_dir.files[name] = path
    for sub in found.values():
        for system in sub.systems.values():
            for modes in system.benchmarks.values():
                seen = {m.own_runner for m in modes.values()} - {None}
                for m in modes.values():
                    m.sibling_runner = "eembc" if "eembc" in seen else ("mlc" if seen else None)
    return sorted(found.values(), key=lambda s: (s.round or "", s.division, s.submitter))


def _submitter(found: dict[Path, SubmitterDir], sub_path: Path, full: tuple[str, ...],
               division_index: int, round_override: str | None) -> SubmitterDir:
    if sub_path not in found:
        round_name = round_override
        if round_name is None:
            for part in reversed(full[:division_index]):
                if _ROUND.match(part):
                    round_name = part
                    break
        found[sub_path] = SubmitterDir(round_name, full[division_index], full[division_index + 1], sub_path)
    return found[sub_path]
