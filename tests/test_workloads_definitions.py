"""Workload definitions: the YAML files agree with the official models and the run rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinybench import fsutil
from tinybench.errors import TinybenchError
from tinybench.workloads import list_workloads, load_workload


def test_four_workloads_with_official_targets_and_sizes() -> None:
    got = {w.id: (w.metric, w.quality_target, w.dataset.size) for w in list_workloads()}
    assert got == {"kws01": ("top1", 90.0, 1000), "vww01": ("top1", 80.0, 1000),
                   "ic01": ("top1", 85.0, 200), "ad01": ("auc", 0.85, 248)}


def test_definitions_match_the_model_files(shared: Path) -> None:
    """sha256 and tensor quantisation in the YAML equal what the real .tflite files contain."""
    from tflite_micro.python.tflite_micro import runtime

    for w in list_workloads():
        path = shared / "mlperf-tiny" / "models" / w.model.file
        assert fsutil.sha256_file(path) == w.model.sha256, w.id
        assert w.model.url.endswith("/" + w.model.file)
        interp = runtime.Interpreter.from_file(str(path))
        for spec, details in ((w.model.input, interp.get_input_details(0)),
                              (w.model.output, interp.get_output_details(0))):
            q = details["quantization_parameters"]
            assert tuple(int(d) for d in details["shape"]) == spec.shape, w.id
            assert float(q["scales"][0]) == pytest.approx(spec.scale, rel=1e-7), w.id
            assert int(q["zero_points"][0]) == spec.zero_point, w.id


def test_labels_in_firmware_order_and_ad_run_rules() -> None:
    kws = load_workload("kws01")
    assert kws.output_labels[:3] == ("down", "go", "left") and kws.output_labels[-2:] == ("_silence_", "_unknown_")
    assert load_workload("vww01").output_labels == ("non_person", "person")
    assert load_workload("ic01").output_labels[3] == "cat"
    ad = load_workload("ad01")
    assert (ad.window_bytes, ad.stride_bytes, ad.dataset.file_bytes) == (2560, 512, 102_400)
    assert (ad.dataset.file_bytes - ad.window_bytes) // ad.stride_bytes + 1 == 196


def test_official_index_row_counts_match_definitions(shared: Path) -> None:
    for w in list_workloads():
        index = shared / "mlperf-tiny" / "datasets" / w.id / "y_labels.csv"
        rows = [line for line in index.read_text().splitlines() if line.strip()]
        assert len(rows) == w.dataset.size, w.id


def test_unknown_workload_names_the_known_ones() -> None:
    with pytest.raises(TinybenchError) as err:
        load_workload("kws99")
    assert "kws99" in err.value.message and "kws01" in (err.value.hint or "")


def test_invalid_definition_is_rejected_with_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "kws01.yaml"
    text = (Path(__file__).parents[1] / "workloads" / "kws01.yaml").read_text()
    bad.write_text(text.replace("bytes: 490 ", "bytes: 491 "))
    with pytest.raises(TinybenchError) as err:
        load_workload(str(bad))
    assert "input.bytes=491" in str(err.value) and str(bad) in str(err.value)
