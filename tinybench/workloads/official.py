"""Is a data set an official MLPerf Tiny evaluation set? Decided by content, never by file count.

Why: a folder of 1000 copies of one file, all labelled "Stop", has the official KWS size; counting
files called it compliant (and "Top-1 100 %, quality target met"), while the official alternative AD
list (72 files) was called NOT VALID. Here a data set is official only when its index names exactly
the files of one known list (``workloads/official-inputs/*.csv``: names, classes, sizes, sha256 of
every input), in any order, and every file's bytes hash to the listed value. Otherwise the result
says which files differ.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from tinybench import fsutil, paths

#: manifests per workload: list name -> file in workloads/official-inputs/
LISTS = {
    "kws01": {"y_labels.csv": "kws01.csv"},
    "vww01": {"y_labels.csv": "vww01.csv"},
    "ic01": {"y_labels_energyrunner.csv (EnergyRunner v0.5 set)": "ic01-energyrunner.csv"},
    "ad01": {"y_labels.csv": "ad01.csv", "y_labels_alt.csv (alternative set, since v1.2)": "ad01-alt.csv"},
}
_SHOWN = 10


@dataclass(frozen=True)
class OfficialEntry:
    bytes: int
    sha256: str
    label: int


@dataclass
class OfficialCheck:
    """The verdict: ``official`` with the matched ``list``, or the nearest list and what differs."""

    official: bool
    workload: str
    list_name: str | None                  # matched (or nearest) list
    files: int                             # files in the data set
    differing: list[str] = field(default_factory=list)   # "<file>: <why>", first few
    differing_count: int = 0

    @property
    def summary(self) -> str:
        """What differs, counted by kind ("30 file(s) not in the list; 1000 listed file(s) missing"):
        one total would add files that are extra to files that are absent and read as nonsense."""
        kinds = ((": not in the official list", "file(s) not in the list"),
                 (": content differs", "file(s) with other content"),
                 (": labelled class", "file(s) labelled with another class"),
                 (": missing (in the official list", "listed file(s) missing"))
        counts = [(sum(marker in d for d in self.differing), what) for marker, what in kinds]
        return "; ".join(f"{n} {what}" for n, what in counts if n)

    @property
    def note(self) -> str:
        """One line for results.json/results.txt notes (empty when official)."""
        if self.official:
            return ""
        if self.list_name is None:
            return (f"data set is not an official {self.workload} evaluation set (no official input "
                    "hashes are known for this workload)")
        shown = "; ".join(self.differing[:_SHOWN])
        more = f"; … {self.differing_count - _SHOWN} more" if self.differing_count > _SHOWN else ""
        return (f"data set is not the official {self.workload} evaluation set ({self.summary}, against "
                f"the official list {self.list_name}): {shown}{more}")

    def to_json(self) -> dict[str, object]:
        return {"official": self.official, "list_name": self.list_name, "files": self.files,
                "differing_count": self.differing_count, "differing": self.differing[:100]}


def load_list(manifest: str) -> dict[str, OfficialEntry]:
    """file -> (bytes, sha256, class) of one shipped manifest."""
    path = paths.workloads_dir() / "official-inputs" / manifest
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["file"]: OfficialEntry(int(row["bytes"]), row["sha256"], int(row["class"]))
                for row in csv.DictReader(handle)}


def _differences(dataset: object, official: dict[str, OfficialEntry], hashes: dict[str, str]) -> list[str]:
    out: list[str] = []
    names = set()
    for entry in dataset:  # type: ignore[attr-defined]
        names.add(entry.name)
        want = official.get(entry.name)
        if want is None:
            out.append(f"{entry.name}: not in the official list")
        elif entry.size != want.bytes or hashes[entry.name] != want.sha256:
            out.append(f"{entry.name}: content differs (sha256 {hashes[entry.name][:12]}…, official "
                       f"{want.sha256[:12]}…)")
        elif entry.label != want.label:
            out.append(f"{entry.name}: labelled class {entry.label}, official class {want.label}")
    missing = [name for name in official if name not in names]
    out += [f"{name}: missing (in the official list, not in the data set)" for name in missing]
    return out


def check_official(dataset: object,
                   lists: dict[str, dict[str, OfficialEntry]] | None = None) -> OfficialCheck:
    """Hash every input of ``dataset`` (a ``tinybench.workloads.Dataset``) and compare it with each
    official list of its workload (``lists``: list name -> manifest; default the shipped ones); the
    exact match wins, else the list with the fewest differences."""
    workload = dataset.workload.id  # type: ignore[attr-defined]
    entries = list(dataset)  # type: ignore[call-overload]
    if lists is None:
        lists = {name: load_list(manifest) for name, manifest in LISTS.get(workload, {}).items()}
    if not lists:
        return OfficialCheck(False, workload, None, len(entries))
    hashes = {e.name: fsutil.sha256_file(e.path) for e in entries}
    best: OfficialCheck | None = None
    for list_name, official in lists.items():
        diff = _differences(entries, official, hashes)
        check = OfficialCheck(not diff, workload, list_name, len(entries), diff, len(diff))
        if check.official:
            return check
        if best is None or check.differing_count < best.differing_count:
            best = check
    assert best is not None
    return best
