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
