"""AUC methods: EEMBC simplified (EnergyRunner) and sklearn (MLCommons runner), each reproducing
the figures its own tool printed on published logs; both labelled in every output."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from tinybench.protocol.transcripts import load_transcript
from tinybench.run import metrics

REF = "mlperf-tiny-results/v0.5/closed/reference/results/Nucleo-L4R5ZI"
ST = "mlperf-tiny-results/v1.3/closed/STMicroelectronics/results/NUCLEO_L4R5ZI-P"


def _scores(shared: Path, log_rel: str, bench: str) -> tuple[np.ndarray, list[int], object]:
    labels: dict[str, int] = {}
    for index in sorted((shared / "mlperf-tiny" / "datasets" / f"{bench}01").glob("y_labels*.csv")):
        labels.update({r[0]: int(r[2]) for r in csv.reader(index.open())})
    tr = load_transcript(shared / log_rel)
    per_file: dict[str, list] = {}
    for ex in tr.inferences:
        per_file.setdefault(ex.input_file, []).append(ex.results)
    names = list(per_file)
    scores = np.vstack([metrics.file_scores(per_file[n], classifier=True) for n in names])
    return scores, [labels[n] for n in names], tr


@pytest.mark.parametrize("bench,eembc", [("kws", 0.9931), ("vww", 0.9362), ("ic", 0.9851)])
def test_energyrunner_auc_is_eembc_simplified(shared: Path, bench: str, eembc: float) -> None:
    scores, y, tr = _scores(shared, f"{REF}/{bench}/accuracy/log.txt", bench)
    assert tr.kind == "eembc"
    value = metrics.auc(scores, y, metrics.EEMBC)
    assert value == pytest.approx(eembc, abs=6e-5)
    assert round(value, 2) == tr.summary.auc          # what EnergyRunner printed (2 decimals)


def test_kws_sklearn_and_eembc_differ_as_published(shared: Path) -> None:
    scores, y, _ = _scores(shared, f"{REF}/kws/accuracy/log.txt", "kws")
    assert round(metrics.auc(scores, y, metrics.SKLEARN), 3) == 0.995   # what tinybench used to call official
    assert round(metrics.auc(scores, y, metrics.EEMBC), 2) == 0.99      # what EnergyRunner printed


def test_mlc_runner_auc_is_sklearn(shared: Path) -> None:
    scores, y, tr = _scores(shared, f"{ST}/kws/accuracy/log.txt", "kws")
    assert tr.kind == "mlc"
    assert round(metrics.auc(scores, y, metrics.SKLEARN), 3) == pytest.approx(tr.summary.auc, abs=1e-9)
    assert round(metrics.auc(scores, y, metrics.EEMBC), 3) != tr.summary.auc


def test_ad_eembc_uses_min_max_thresholds_and_top1() -> None:
    # scores far outside 0..1: fixed k/100 thresholds would see every file above every threshold
    score = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    labels = [0, 0, 1, 0, 1, 1]
    assert metrics.auc(score, labels, metrics.EEMBC) == pytest.approx(
        metrics.auc(score, labels, metrics.SKLEARN), abs=0.1)
    assert 0.8 < metrics.auc(score, labels, metrics.EEMBC) < 1.0
    # best threshold lies between 30 and 40 or 40 and 50: 5 of 6 files right
    assert metrics.ad_top1_eembc(score, labels) == pytest.approx(100 * 5 / 6)
    with pytest.raises(ValueError, match="unknown AUC method"):
        metrics.auc(score, labels, "roc-magic")


def test_checker_verifies_energyrunner_auc_with_eembc(shared: Path) -> None:
    from tinybench.leaderboard.checker import check_tree

    report = check_tree(shared / "mlperf-tiny-results" / "v0.5")
    what = {(v.path.split("/")[-3], v.what) for v in report.verified if "accuracy" in v.path}
    for bench in ("kws", "vww", "ic"):
        assert any(b == bench and w.startswith("AUC (eembc-simplified") for b, w in what), what


def test_unsupported_operator_is_named_by_schema_name_not_number(monkeypatch) -> None:
    pytest.importorskip("tflite_micro")
    from engine_harness import tflite_builder as tb
    from tinybench.compiler import ModelError
    from tinybench.compiler.lower import lower_model
    from tinybench.compiler.tflite import parse_model

    monkeypatch.setitem(tb.CODES, "LOG_SOFTMAX", 50)   # BuiltinOperator 50 in the TFLite schema
    g = tb.GraphBuilder()
    x = g.tensor([1, 12], 0.1, 0)
    y = g.tensor([1, 12], 16.0 / 256, 127)
    g.op("LOG_SOFTMAX", [x], [y])
    with pytest.raises(ModelError) as err:
        lower_model(parse_model(g.build([x], [y]), "synthetic"))
    assert "operator 0 (LOG_SOFTMAX)" in err.value.message and "BUILTIN_50" not in err.value.message


def test_per_class_line_shows_accuracy_not_counts() -> None:
    from tinybench.results.report import summary_text
    from tinybench.results.schema import AccuracyFigures, RunResults

    acc = AccuracyFigures(inputs=4, inferences=4, top1=75.0, auc=0.9, metric="top1", metric_value=75.0,
                          quality_target=90, target_met=False, per_class_counts={"yes": 2, "no": 2},
                          per_class_top1=metrics.per_class_top1([0, 1, 1, 1], [0, 0, 1, 1], ["yes", "no"]))
    text = summary_text(RunResults(harness_version="t", board="host", category="simulated", workload="kws01",
                                   mode="accuracy", started="now", complete=True, compliant=True, accuracy=acc))
    assert "per class Top-1: yes 50.0 % (2 files), no 100.0 % (2 files)" in text
    assert "AUC 0.900 (sklearn, as the MLCommons runner" in text


def test_docs_say_what_the_code_does(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text()
    assert "--resume --out RUN_DIR" in readme and "[--resume]" not in readme
    arch = (repo_root / "docs" / "architecture.md").read_text()
    assert "`plots/` is written by `tinybench report`, not by `run`" in arch
    workloads = (repo_root / "docs" / "workloads.md").read_text()
    assert "not redistributed upstream" not in workloads
    assert "published by EEMBC" in workloads and "withdrawn" in workloads


def test_leaderboard_labels_each_published_auc_with_its_method(shared: Path) -> None:
    from tinybench.leaderboard.mlperf_import import import_tree
    from tinybench.leaderboard.normalize import build_board
    from tinybench.leaderboard.site import fmt_accuracy

    records = import_tree(shared / "mlperf-tiny-results")
    methods = {(r.provenance.round, r.workload): r.accuracy.auc_method
               for r in records if r.accuracy is not None and r.accuracy.auc is not None}
    assert methods[("v0.5", "ad")] == metrics.EEMBC          # EnergyRunner printed it
    assert methods[("v1.3", "kws")] == metrics.SKLEARN        # the MLCommons runner printed it
    board = build_board(records)
    shown = [fmt_accuracy(row) for table in board.tables.values() for rows in table.values()
             for row in rows if row.metric == "auc" and row.accuracy is not None]
    assert shown and all(s.endswith("(EEMBC simplified)") or s.endswith("(sklearn)") for s in shown)
