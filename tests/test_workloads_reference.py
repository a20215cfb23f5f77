"""TFLM host reference on the offline CI sets: stored per input, scored, stale files detected."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tinybench.errors import TinybenchError
from tinybench.workloads import load_dataset, load_workload
from tinybench.workloads.conversion import input_to_int8, quantize_float_input
from tinybench.workloads.reference import TflmModel, load_reference, run_reference
from tinybench.run.metrics import auc, top1
from tinybench.workloads.scoring import score_reference

# Lower bounds that show the set carries signal for the official model (chance: 1/12, 1/2, AUC 0.5).
ABOVE_CHANCE = {"kws01": 40.0, "vww01": 60.0, "ic01": 50.0, "ad01": 0.7}


@pytest.mark.parametrize("workload_id", ["kws01", "vww01", "ic01", "ad01"])
def test_ci_set_reference_is_complete_and_scored(ci_dataset, workload_id: str) -> None:  # noqa: ANN001
    folder = ci_dataset(workload_id)
    w = load_workload(workload_id)
    ds = load_dataset(folder, w)
    assert 10 <= len(ds) <= 400
    ref = load_reference(folder, ds)
    assert ref.outputs.shape == (ds.num_inferences, w.model.output.elements)
    assert ref.outputs.dtype == np.int8
    header = json.loads((folder / "reference.json").read_text())
    assert header["model_sha256"] == w.model.sha256 and header["tflite_micro"].startswith("0.dev")
    score = score_reference(ds, ref)
    print(f"{workload_id}: TFLM {w.metric} on the CI set = {score['value']:.4g} over {len(ds)} files")
    assert score["value"] > ABOVE_CHANCE[workload_id]
    if w.metric == "top1":
        assert len(set(ds.labels)) >= 2


def test_reference_equals_a_fresh_tflm_run_on_the_converted_bytes(ci_dataset, official_models) -> None:  # noqa: ANN001
    """Spot check: the stored output of an AD window equals TFLM fed the window quantised by hand."""
    folder = ci_dataset("ad01")
    w = load_workload("ad01")
    ds = load_dataset(folder, w)
    ref = load_reference(folder, ds)
    entry = ds.entries[0]
    window = entry.read()[512 * 7:512 * 7 + 2560]
    floats = np.frombuffer(window, dtype="<f4")
    by_hand = np.clip(np.sign(floats / np.float32(w.model.input.scale))
                      * np.floor(np.abs(floats / np.float32(w.model.input.scale)) + 0.5) + 89, -128, 127)
    assert np.array_equal(input_to_int8(window, w), by_hand.astype(np.int8))
    tflm = TflmModel(w, official_models["ad01"])
    assert ref.agrees(entry.name, 512 * 7, tflm.run(by_hand.astype(np.int8)))
    assert not ref.agrees(entry.name, 512 * 7, np.zeros(640, dtype=np.int8))


def test_float_quantisation_rounds_half_away_from_zero() -> None:
    x = np.array([0.5, -0.5, 1.5, -1.5, 2.5, 0.49999997, -0.49999997, 200.0, -300.0, np.nan], dtype=np.float32)
    assert quantize_float_input(x, 1.0, 0).tolist() == [1, -1, 2, -2, 3, 0, 0, 127, -128, 0]
    assert quantize_float_input(np.float32([0.5]), 1.0, 89).tolist() == [90]


def test_uint8_inputs_are_shifted_by_128() -> None:
    w = load_workload("ic01")
    data = bytes(range(256)) * 12
    got = input_to_int8(data, w)
    assert got[0] == -128 and got[128] == 0 and got[255] == 127


def test_stale_reference_is_refused(ci_dataset, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "ic"
    shutil.copytree(ci_dataset("ic01"), folder)
    w = load_workload("ic01")
    ds = load_dataset(folder, w)
    load_reference(folder, ds)
    first = ds.entries[0].path
    first.write_bytes(bytes(reversed(first.read_bytes())))
    with pytest.raises(TinybenchError, match="does not match the current input files"):
        load_reference(folder, load_dataset(folder, w))
    run_reference(load_dataset(folder, w))
    assert load_reference(folder, load_dataset(folder, w)).header["files"][first.name]


def test_metrics() -> None:
    assert top1(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), [1, 0, 0]) == pytest.approx(200 / 3)
    assert auc(np.array([0.1, 0.4, 0.35, 0.8]), [0, 0, 1, 1]) == pytest.approx(0.75)
    assert auc(np.array([1.0, 1.0]), [0, 1]) == pytest.approx(0.5)
