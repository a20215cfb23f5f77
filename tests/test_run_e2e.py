"""End-to-end: the runner against the REAL tinybench firmware (host build and QEMU mps2-an386),
both modes, all four workloads; figures must equal those recomputed from the run's own log.txt."""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest

from fixtures_run import cached_dataset
from tinybench.results.verify import accuracy_from_log, recompute
from tinybench.run.session import RunRequest, start

FILES = {"kws01": 12, "vww01": 4, "ic01": 10, "ad01": 4}
BOARDS = ["host", pytest.param("qemu-mps2-an386", marks=pytest.mark.qemu)]


def _need(board: str) -> None:
    tools = ["gcc"] if board == "host" else ["qemu-system-arm", "arm-none-eabi-gcc"]
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("workload", list(FILES))
def test_performance(board, workload, tmp_path, shared):
    _need(board)
    ds = cached_dataset(workload, 5)
    results, run_dir = start(RunRequest(board=board, workload=workload, mode="performance", dataset=ds,
                                        out=tmp_path / "run", min_window_s=0.2, progress=False))
    perf = results.performance
    assert results.complete and not results.compliant          # 0.2 s windows are not valid for submission
    assert "NOT VALID FOR SUBMISSION" in (run_dir / "results.txt").read_text()
    rec = recompute(run_dir)
    assert sorted(rec.windows) == [1, 2, 3, 4, 5]
    names = [row[0] for row in csv.reader(open(ds / "y_labels.csv"))][:5]
    for w in perf.windows:
        ex = rec.windows[w.index]
        assert ex.input_file == names[w.index - 1] == w.input_file
        assert (ex.iterations, ex.elapsed_us) == (w.iterations, w.elapsed_us)
        assert w.runtime_s >= 0.2 and w.iterations >= 1
        assert w.throughput == pytest.approx(ex.iterations / (ex.elapsed_us / 1e6), rel=1e-12)
        if board.startswith("qemu"):
            assert w.instructions_per_inference == pytest.approx(ex.elapsed_us * 1000 / 2**5 / ex.iterations)
        else:
            assert w.instructions_per_inference is None
    assert perf.median_throughput == pytest.approx(rec.median_throughput, rel=1e-12)
    assert perf.latency_ms == pytest.approx(1000 / rec.median_throughput, rel=1e-12)
    txt = (run_dir / "results.txt").read_text()
    assert f"Median throughput is {rec.median_throughput:.3f} inf./sec." in txt


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("workload", list(FILES))
def test_accuracy(board, workload, tmp_path):
    _need(board)
    ds = cached_dataset(workload, FILES[workload])
    results, run_dir = start(RunRequest(board=board, workload=workload, mode="accuracy", dataset=ds,
                                        out=tmp_path / "run", progress=False))
    acc = results.accuracy
    labels = {row[0]: int(row[2]) for row in csv.reader(open(ds / "y_labels.csv"))}
    rec = recompute(run_dir)
    assert list(rec.file_results) == list(labels)              # every input once, in index order
    windows = 4 if workload == "ad01" else 1
    assert all(len(v) == windows for v in rec.file_results.values())
    assert acc.inputs == len(labels) and acc.inferences == len(labels) * windows
    classifier = workload != "ad01"
    for item in results.inputs:                                 # per-file scores from the raw lines
        rows = np.asarray(rec.file_results[item.file], dtype=float)
        if classifier:
            rows = rows / rows.sum(axis=1, keepdims=True)
        assert item.score == pytest.approx(rows.mean(axis=0).tolist(), rel=1e-12)
    top1, auc = accuracy_from_log(rec, labels, classifier)
    assert acc.top1 == (pytest.approx(top1) if classifier else None)
    if acc.auc is not None:
        assert acc.auc == pytest.approx(auc)
    assert sum(acc.per_class_counts.values()) == len(labels)
    # The real firmware must be bit-exact with TFLM on every input.
    assert acc.agreement is not None and acc.agreement.bit_exact == acc.agreement.compared == len(labels)
    manifest = (run_dir / "manifest.json").read_text()
    assert all(name in manifest for name in labels)
