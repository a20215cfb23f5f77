"""Import of the published MLPerf Tiny results (../shared/mlperf-tiny-results) into records."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tinybench.cli import main
from tinybench.errors import TinybenchError
from tinybench.leaderboard.mlperf_import import import_tree
from tinybench.leaderboard.records import Category, DeviceClass, load_records, save_records
from tinybench.leaderboard.systems import describe_system

REF = "v0.5/closed/reference/Nucleo-L4R5ZI"
ST = "v1.3/closed/STMicroelectronics/NUCLEO_L4R5ZI-P"


@pytest.fixture(scope="module")
def records(published: Path):
    return {(r.system_key, r.workload): r for r in import_tree(published)}


def _last(path: Path, pattern: str) -> float:
    """The last match in a published results file, read independently of the importer."""
    found = re.findall(pattern, path.read_text())
    assert found, f"{pattern!r} not in {path}"
    return float(found[-1])


def test_every_published_system_and_workload_is_imported(records):
    assert set(records) == {(REF, w) for w in ("kws", "vww", "ic", "ad")} | {
        (ST, w) for w in ("kws", "vww", "ic", "ad", "sww")}
    assert all(r.category is Category.measured for r in records.values())


@pytest.mark.parametrize("workload,latency_ms", [("kws", 181.9), ("vww", 600.6), ("ic", 704.2), ("ad", 10.05)])
def test_reference_latency_exactly_as_published(records, published, workload, latency_ms):
    rec = records[(REF, workload)]
    results_txt = published / "v0.5/closed/reference/results/Nucleo-L4R5ZI" / workload / "performance/results.txt"
    throughput = _last(results_txt, r"Median throughput is\s+([\d.]+) inf\./sec\.")
    assert rec.performance.throughput_ips == throughput
    assert rec.performance.latency_ms == pytest.approx(1000.0 / throughput, rel=1e-12)
    # the figures: 4 significant digits, as MLPerf's final report prints them
    assert float(f"{rec.performance.latency_ms:.4g}") == latency_ms


def test_reference_kws_energy_and_accuracy_exactly_as_published(records, published):
    rec = records[(REF, "kws")]
    base = published / "v0.5/closed/reference/results/Nucleo-L4R5ZI/kws"
    assert rec.energy.energy_uj == _last(base / "energy/results.txt", r"Median energy cost is ([\d.]+) uJ/inf")
    assert round(rec.energy.energy_uj, 1) == 7373.7
    assert rec.accuracy.top1_pct == _last(base / "accuracy/results.txt", r"Top-1: ([\d.]+)%") == 90.1
    assert rec.provenance.instrument == "LPM01A"
    assert rec.provenance.voltage_v == 1.8 and rec.provenance.clock_mhz == 120.0
    assert rec.provenance.harness == "EEMBC EnergyRunner" and rec.provenance.harness_version == "3.0.6"
    assert rec.provenance.round == "v0.5" and rec.provenance.submitter == "reference"
    assert rec.device_class is DeviceClass.mcu
    assert len(rec.energy.raw_files) == 5  # log, results, script, trace, timestamps all hashed


def test_mlc_runner_results_imported_with_voltage_from_samples(records, published):
    rec = records[(ST, "kws")]
    base = published / "v1.3/closed/STMicroelectronics/results/NUCLEO_L4R5ZI-P/kws"
    assert rec.performance.throughput_ips == _last(base / "performance/results.txt",
                                                   r"Median throughput is\s+([\d.]+) inf\./sec\.")
    assert rec.energy.energy_uj == _last(base / "energy/results.txt", r"Median energy cost is ([\d.]+) uJ/inf")
    assert rec.accuracy.top1_pct == 90.2 and rec.accuracy.auc == 0.995
    power_voltage = json.loads((base / "energy/results.json").read_text())[0]["power"]["voltage"]
    assert rec.provenance.voltage_v == float(power_voltage)
    assert rec.provenance.harness == "MLCommons runner"
    sww = records[(ST, "sww")]
    assert (sww.accuracy.true_positives, sww.accuracy.false_negatives, sww.accuracy.false_positives) == (44, 6, 4)


def test_round_override_and_records_roundtrip(published, tmp_path):
    recs = import_tree(published / "v1.3", round_name="v9.9")
    assert {r.provenance.round for r in recs} == {"v9.9"}
    path = tmp_path / "records.json"
    save_records(path, recs)
    again = load_records(path)
    assert [r.model_dump() for r in again] == [r.model_dump() for r in recs]


def test_newer_schema_major_is_refused(tmp_path):
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"schema_name": "tinybench.leaderboard.records", "schema_version": "2.0",
                                "records": []}))
    with pytest.raises(TinybenchError, match="schema 2.0"):
        load_records(path)


def test_cli_import_writes_records(published, tmp_path):
    out = tmp_path / "recs.json"
    assert main(["import", "mlperf", str(published / "v0.5"), "--out", str(out)]) == 0
    recs = load_records(out)
    assert {r.workload for r in recs} == {"kws", "vww", "ic", "ad"}
    ad = next(r for r in recs if r.workload == "ad")
    assert ad.accuracy.auc == 0.86  # v0.5 AD accuracy exists only as EnergyRunner's postproc.txt


def test_cli_import_rejects_a_folder_without_results(tmp_path):
    assert main(["import", "mlperf", str(tmp_path)]) == 2


@pytest.mark.parametrize("desc,expected", [
    ({"Processor(s) Name": "Arm Cortex-M4", "Accelerator": ""}, DeviceClass.mcu),
    ({"Processor(s) Name": "Arm Cortex-M55", "Accelerator": "Arm Ethos-U55"}, DeviceClass.mcu_accelerator),
    ({"Processor(s) Name": "Syntiant Core 2 NDP120", "Accelerator": ""}, DeviceClass.npu),
    ({"SoC Name": "Xilinx Zynq-7020", "Processor(s) Name": "Cortex-A9"}, DeviceClass.fpga),
    ({"Processor(s) Name": "4x Arm Cortex-A72", "Accelerator": ""}, DeviceClass.application_processor),
    ({"Processor(s) Name": "Arm Cortex-M4", "tinybench device class": "NPU"}, DeviceClass.npu),
])
def test_device_class_inference_and_override(desc, expected):
    info = describe_system("x", {"Submitter": "s", "Division": "closed", **desc})
    assert info.device_class is expected
    assert info.device_class_source.startswith("override" if "tinybench device class" in desc else "inferred")


def test_clock_and_voltage_parsed_from_free_text():
    info = describe_system("x", {"Processor(s) Frequencies": "1.2 GHz", "Hardware Notes": "core at 900 mV"})
    assert info.clock_mhz == 1200.0 and info.voltage_v == pytest.approx(0.9)
