"""Every published transcript in ../shared/mlperf-tiny-results parses into exchanges whose figures
agree with the results the runners published beside them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from tinybench.protocol.transcripts import load_transcript, parse_summary
from tinybench.run import metrics


def _files(shared: Path, name: str) -> list[Path]:
    files = sorted((shared / "mlperf-tiny-results").rglob(name))
    assert files, f"no {name} under {shared}"
    return files


def test_every_log_parses(shared):
    for log in _files(shared, "log.txt"):
        tr = load_transcript(log)
        mode, bench = log.parent.name, log.parent.parent.name
        assert tr.kind in ("eembc", "mlc"), log
        if bench == "sww":
            continue                       # streaming wakeword: no infer exchanges in these logs
        assert tr.model and tr.model.startswith(bench), log
        n = len(tr.inferences)
        if mode == "accuracy":
            rows = sum(1 for _ in open(shared / "mlperf-tiny" / "datasets" / f"{bench}01" / "y_labels.csv"))
            assert n == rows, log
        else:
            assert n == 5, log
        assert all(x.results for x in tr.inferences if mode != "energy" or tr.kind == "eembc"), log


def test_eembc_windows_match_published_results(shared):
    checked = 0
    for log in _files(shared, "log.txt"):
        tr = load_transcript(log)
        if tr.kind != "eembc" or log.parent.name != "performance":
            continue
        published = tr.summary
        assert len(published.windows) == 5
        tputs = []
        for ex, win in zip(tr.inferences, published.windows):
            assert ex.iterations == win.inferences
            assert round(ex.elapsed_us / 1e6, 3) == pytest.approx(win.runtime_s, abs=1e-9)
            assert round(ex.throughput, 3) == pytest.approx(win.throughput, abs=1e-9)
            tputs.append(ex.throughput)
        assert round(metrics.median_throughput(tputs), 3) == published.median_throughput
        checked += 1
    assert checked == 4


def test_mlc_log_agrees_with_its_results_json(shared):
    checked = 0
    for js in _files(shared, "results.json"):
        log = js.with_name("log.txt")
        if not log.exists() or js.parent.name == "energy" or js.parent.parent.name == "sww":
            continue
        from_json = load_transcript(js).inferences
        from_log = load_transcript(log).inferences
        assert len(from_json) == len(from_log) > 0
        for a, b in zip(from_json, from_log):
            assert a.input_file == b.input_file and a.iterations == b.iterations
            assert a.results == b.results
            assert round(a.elapsed_us / 1e6, 3) == pytest.approx(b.published_runtime_s, abs=1e-9)
        if js.parent.name == "performance":
            summary = parse_summary(js.with_name("results.txt").read_text())
            raw = json.loads(js.read_text())
            assert [round(x.throughput, 6) for x in from_json] == [round(r["infer"]["throughput"], 6) for r in raw]
            assert round(metrics.median_throughput([x.throughput for x in from_json]), 3) == summary.median_throughput
        checked += 1
    assert checked >= 7


@pytest.mark.parametrize("bench", ["kws", "vww", "ic"])
def test_published_accuracy_recomputed_from_transcripts(shared, bench):
    labels = {r[0]: int(r[2]) for r in csv.reader(open(shared / "mlperf-tiny" / "datasets" / f"{bench}01" / "y_labels.csv"))}
    checked = 0
    for log in _files(shared, "log.txt"):
        if log.parent.name != "accuracy" or log.parent.parent.name != bench:
            continue
        tr = load_transcript(log)
        per_file: dict[str, list] = {}
        for ex in tr.inferences:
            per_file.setdefault(ex.input_file, []).append(ex.results)
        names = [n for n in labels if n in per_file]
        if len(names) != len(labels):
            continue                       # v0.5 IC used a different file set than today's index
        scores = np.vstack([metrics.file_scores(per_file[n], classifier=True) for n in names])
        y = [labels[n] for n in names]
        assert round(metrics.top1(scores, y), 1) == tr.summary.top1
        if tr.kind == "mlc":               # the MLC runner's AUC is sklearn's: exact to 3 decimals
            assert round(metrics.auc(scores, y), 3) == pytest.approx(tr.summary.auc, abs=1e-9)
        else:                              # EnergyRunner's AUC algorithm is unpublished (2 decimals)
            assert abs(metrics.auc(scores, y) - tr.summary.auc) < 0.006
        checked += 1
    assert checked >= 1
