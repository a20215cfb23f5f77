"""results.txt against the MLCommons submission checker's regexes, the progress journal, reports, CLI errors."""

from __future__ import annotations

import json
import re

import pytest

from tinybench.cli import main
from tinybench.errors import TinybenchError
from tinybench.results.report import report
from tinybench.results.rundir import RunDirectory
from tinybench.results.schema import AccuracyFigures, PerformanceFigures, RunResults, WindowFigures
from tinybench.results.text import results_lines

# Copied from run-rules-and-formats.md §(c) (tools/submission/submission_checker.py), last match wins.
CHECKER = {
    "top1": (re.compile(r".* Top[- ]1%?\s?[:=] ([\d\.]+).*"), "match"),
    "auc": (re.compile(r".* AUC\s?[:=] ([\d\.]+).*"), "match"),
    "throughput": (re.compile(r".* Median throughput is\s+([\d\.]+) inf\./sec\..*"), "match"),
    "energy": (re.compile(r"Median energy cost is ([\d\.]+) uJ/inf"), "search"),
}


def checker_values(lines: list[str]) -> dict[str, float]:
    found: dict[str, float] = {}
    for line in lines:
        for key, (rx, how) in CHECKER.items():
            m = rx.match(line) if how == "match" else rx.search(line)
            if m:
                found[key] = float(m.group(1))
    return found


def _window(k: int, elapsed_us: int, n: int) -> WindowFigures:
    t = n / (elapsed_us / 1e6)
    return WindowFigures(index=k, input_file=f"f{k}.bin", iterations=n, warmups=1, laps_us=[0, elapsed_us],
                         elapsed_us=elapsed_us, runtime_s=elapsed_us / 1e6, throughput=t,
                         latency_ms=1000 / t, meets_duration_rule=elapsed_us >= 10_000_000)


def _base(**kw) -> RunResults:
    return RunResults(harness_version="0.1.0", board="b", category="simulated", workload="kws01",
                      started="2026-01-01T00:00:00+00:00", complete=True, **kw)


def test_performance_lines_parse_with_the_checker():
    wins = [_window(k, 18_192_390 + 1000 * k, 100) for k in range(1, 6)]
    perf = PerformanceFigures(windows=wins, median_throughput=wins[2].throughput,
                              latency_ms=1000 / wins[2].throughput, spread_pct=0.1, min_window_s=10,
                              time_base="DUT clock")
    lines = results_lines(_base(mode="performance", compliant=True, performance=perf), 12.5)
    assert checker_values(lines) == {"throughput": round(wins[2].throughput, 3)}
    assert all(line.startswith("00012.500 ulp-mlperf: ") for line in lines)
    assert "Runtime requirements have been met." in "\n".join(lines)


def test_accuracy_lines_and_remarks_do_not_confuse_the_checker():
    acc = AccuracyFigures(inputs=1000, inferences=1000, top1=90.1, auc=0.9954, metric="top1",
                          metric_value=90.1, quality_target=90.0, target_met=True,
                          per_class_counts={"a": 1000})
    res = _base(mode="accuracy", compliant=False, notes=["Top-1: 12 AUC = 0.1 only 5 files"], accuracy=acc)
    lines = results_lines(res, 3.0)
    assert checker_values(lines) == {"top1": 90.1, "auc": 0.995}
    assert any("NOT VALID FOR SUBMISSION" in line for line in lines)
    assert checker_values(lines[:3]) == {}                      # the remark alone matches nothing


def test_journal_survives_a_torn_line_and_counts_once(tmp_path):
    run = RunDirectory.create(tmp_path / "r", {"board": "b"})
    run.record("input", "a.bin", {"v": 1})
    run.record("input", "b.bin", {"v": 2})
    run.record("input", "a.bin", {"v": 3})                     # a repeat never replaces the first
    with open(tmp_path / "r" / "progress.jsonl", "a") as fh:    # what SIGKILL mid-append leaves
        fh.write('{"kind":"input","key":"c.bin","da')
    done = RunDirectory.reopen(tmp_path / "r").completed("input")
    assert done == {"a.bin": {"v": 1}, "b.bin": {"v": 2}}
    with pytest.raises(TinybenchError, match="--resume"):
        RunDirectory.create(tmp_path / "r", {"board": "b"})
    with pytest.raises(TinybenchError, match="not a tinybench run directory"):
        RunDirectory.reopen(tmp_path)


def test_report_writes_pngs_and_json(tmp_path):
    wins = [_window(k, 1_000_000 * k, 50) for k in range(1, 6)]
    perf = PerformanceFigures(windows=wins, median_throughput=wins[2].throughput,
                              latency_ms=1000 / wins[2].throughput, spread_pct=1.0, min_window_s=1,
                              time_base="DUT clock")
    run = RunDirectory.create(tmp_path / "r", {"board": "b"})
    run.write_results(_base(mode="performance", compliant=False, performance=perf).model_dump(mode="json"), [])
    data = json.loads(report(tmp_path / "r", as_json=True))
    assert data["results"]["performance"]["median_throughput"] == wins[2].throughput
    png = tmp_path / "r" / "plots" / "latency_per_window.png"
    assert str(png) in data["plots"] and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert data["reproduced_from_log"] is False                 # no log.txt lines behind these figures


@pytest.mark.parametrize("argv, text", [
    (["run", "--board", "no-such-board", "--workload", "kws01", "--mode", "accuracy"], "unknown board"),
    (["run", "--board", "host", "--workload", "kws01", "--mode", "fast"], "unknown mode"),
    (["run", "--board", "host", "--workload", "kws01", "--mode", "accuracy", "--dataset", "/nonexistent"],
     "no index"),
    (["run", "--resume"], "--resume needs --out"),
    (["run", "--board", "host", "--workload", "kws01", "--mode", "performance", "--min-window-s", "-1"],
     "must be positive"),
    (["report", "/nonexistent-run"], "no results.json"),
])
def test_cli_user_errors_are_one_clear_message(capsys, argv, text):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert text in err and "Traceback" not in err
