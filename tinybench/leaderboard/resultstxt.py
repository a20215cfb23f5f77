"""``results.txt`` as MLCommons' submission checker reads it, with line numbers.

Why here: the headline figures of a submission are whatever these regexes extract (the last match
wins), so import and check must read them exactly the same way. The per-window lines are parsed too
so the checker can point at the exact line that disagrees with the raw data. Both runner dialects
(EEMBC EnergyRunner, MLCommons runner) are covered; see run-rules-and-formats.md §(c).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# MLCommons tools/submission/submission_checker.py (re.match unless noted).
TOP1_RE = re.compile(r".* Top[- ]1%?\s?[:=] ([\d\.]+).*")
AUC_RE = re.compile(r".* AUC\s?[:=] ([\d\.]+).*")
THROUGHPUT_RE = re.compile(r".* Median throughput is\s+([\d\.]+) inf\./sec\..*")
ENERGY_RE = re.compile(r"Median energy cost is ([\d\.]+) uJ/inf")  # re.search
SWW_THROUGHPUT_RE = re.compile(r"Estimated throughput:\s*([\d\.]+) inf\./sec\..*")
SWW_DUTY_RE = re.compile(r"Average duty cycle:\s*([\d\.]+)")  # re.search
SWW_ACCURACY_RE = re.compile(r"Accuracy: ([\d]+) True positives, ([\d]+) False negatives, "
                             r"([\d]+) False positives")

_WINDOW_PERF = re.compile(r"Performance results for window (\d+)")
_WINDOW_ENERGY = re.compile(r"Energy data for (?:window|trial) (\d+)")
_FIELD = re.compile(r"(# Inferences|Inferences|Runtime|Throughput|Total Energy|Energy/Inf\.?|Energy|"
                    r"Power|Elapsed time)\s*:\s*([-\d\.eE+]+)")


@dataclass(frozen=True)
class Figure:
    """A number as printed: value, the exact text (for its precision) and its 1-based line."""

    value: float
    text: str
    line: int

    @property
    def decimals(self) -> int:
        return len(self.text.split(".")[1]) if "." in self.text else 0

    def agrees(self, recomputed: float, *, extra_rel: float = 0.0) -> bool:
        """True when ``recomputed`` prints as this figure (half a unit in the last digit)."""
        tolerance = 0.5 * 10 ** (-self.decimals) * (1 + 1e-9) + abs(self.value) * extra_rel
        return abs(recomputed - self.value) <= tolerance + 1e-12


@dataclass
class Window:
    number: int
    line: int
    fields: dict[str, Figure] = field(default_factory=dict)


@dataclass
class ResultsTxt:
    throughput: Figure | None = None
    top1: Figure | None = None
    auc: Figure | None = None
    energy: Figure | None = None
    sww_throughput: Figure | None = None
    sww_accuracy: tuple[int, int, int, int] | None = None  # tp, fn, fp, line
    sww_duty_cycle: Figure | None = None
    perf_windows: list[Window] = field(default_factory=list)
    energy_windows: list[Window] = field(default_factory=list)


def _fig(match: re.Match, group: int, line: int) -> Figure:
    text = match.group(group).rstrip(".")
    return Figure(float(text), text, line)


def parse_results_txt(text: str) -> ResultsTxt:
    out = ResultsTxt()
    current: Window | None = None
    from tinybench.leaderboard.recompute import normalize_line_ends

    previous = None
    for number, line in enumerate(normalize_line_ends(text).split("\n"), start=1):
        # some EnergyRunner copies print every line several times in a row (v0.7 Andes): a
        # repeat of the line just read is the same line, not another window
        if line == previous:
            continue
        previous = line
        if (m := TOP1_RE.match(line)) is not None:
            out.top1 = _fig(m, 1, number)
        if (m := AUC_RE.match(line)) is not None:
            out.auc = _fig(m, 1, number)
        if (m := THROUGHPUT_RE.match(line)) is not None:
            out.throughput = _fig(m, 1, number)
        if (m := ENERGY_RE.search(line)) is not None:
            out.energy = _fig(m, 1, number)
        if (m := SWW_THROUGHPUT_RE.match(line)) is not None:
            out.sww_throughput = _fig(m, 1, number)
        if (m := SWW_DUTY_RE.search(line)) is not None:
            out.sww_duty_cycle = _fig(m, 1, number)
        if (m := SWW_ACCURACY_RE.search(line)) is not None:
            out.sww_accuracy = (int(m.group(1)), int(m.group(2)), int(m.group(3)), number)
        if (m := _WINDOW_PERF.search(line)) is not None:
            current = Window(int(m.group(1)), number)
            out.perf_windows.append(current)
            continue
        if (m := _WINDOW_ENERGY.search(line)) is not None:
            current = Window(int(m.group(1)), number)
            out.energy_windows.append(current)
            continue
        if "Median" in line:
            current = None
            continue
        if current is not None and (m := _FIELD.search(line)) is not None:
            key = m.group(1).replace("# ", "").rstrip(".")
            if key == "Total Energy":
                key = "Energy"
            current.fields.setdefault(key, _fig(m, 2, number))
    return out
