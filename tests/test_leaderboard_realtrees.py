"""Import and check at real-world scale: every published v0.7/v1.0 submitter (../shared/mlperf-tiny-results-more),
whatever layout it used, plus the official rules `check` enforces on bundles."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tinybench.cli import main
from tinybench.leaderboard.checker import check_tree
from tinybench.leaderboard.mlperf_import import import_report, import_tree
from tinybench.leaderboard.records import DeviceClass
from tinybench.leaderboard.recompute import energy_energyrunner, normalize_vendor_log, parse_edge_times
from tinybench.leaderboard.resultstxt import parse_results_txt
from tinybench.leaderboard.rules import official_rules_problems
from tinybench.protocol.transcripts import parse_eembc_log

ST_RESULTS = "v1.3/closed/STMicroelectronics/results/NUCLEO_L4R5ZI-P"
REF_KWS_ENERGY = "v0.5/closed/reference/results/Nucleo-L4R5ZI/kws/energy"


@pytest.fixture(scope="module")
def more(shared: Path) -> Path:
    path = shared / "mlperf-tiny-results-more"
    if not path.is_dir():
        pytest.skip("../shared/mlperf-tiny-results-more (v0.7 and v1.0 rounds) is not present")
    return path


def _benchmark_folders(root: Path) -> set[Path]:
    """Independently of tinybench's discovery: every folder holding a mode folder with a results file."""
    found = set()
    for path in root.rglob("*results.txt"):
        mode = path.parent
        if "results" in path.parts and mode.name.lower() in {"performance", "accuracy", "energy", "power", "enegy"}:
            found.add(mode.parent)
    return found


@pytest.fixture(scope="module")
def report_more(more: Path):
    return import_report([more])


def test_every_row_of_every_round_is_imported_or_has_a_reason(report_more, more):
    per_round = report_more.per_round()
    assert set(per_round) == {"v0.7", "v1.0"}
    for rnd in ("v0.7", "v1.0"):
        expected = len(_benchmark_folders(more / rnd))
        assert per_round[rnd]["found"] == expected, rnd
    silent = [o for o in report_more.outcomes if not o.imported and not o.reason]
    assert silent == []
    # the layouts of v0.7/v1.0 all import: nested results folders, sub-folder system descriptions,
    # long benchmark names, power/ folders, EEMBC-era file names, malformed system JSON
    assert report_more.ok, report_more.render()
    keys = {(o.round, o.submitter, o.system, o.benchmark) for o in report_more.outcomes}
    assert ("v1.0", "OctoML", "microtvm_cmsis_nn/NRF5340-DK", "kws") in keys
    assert ("v1.0", "greenwaves-technologies", "gap9_650_240", "kws") in keys
    assert ("v0.7", "hls4ml-finn", "pynq-z2", "ic/RN07") in keys
    notes = " ".join(n for o in report_more.outcomes for n in o.notes)
    for bent in ("'keyword_spotting' read as 'kws'", "power/ read as energy/", "enegy/ read as energy/",
                 "EEMBC-era file names performance_log.txt", "malformed JSON", "in a sub-folder"):
        assert bent in notes, bent


def test_figures_come_from_the_renamed_and_repeated_files(report_more, more):
    recs = {(r.provenance.round, r.provenance.submitter, r.system, r.label): r for r in report_more.records}
    slabs = recs[("v0.7", "silicon_labs", "silicon_labs_xG24_DK2601B", "kws")]
    text = (more / "v0.7/closed/silicon_labs/results/silicon_labs_xG24_DK2601B/kws/performance/"
            "performance_results.txt").read_text()
    assert slabs.performance.throughput_ips == parse_results_txt(text).throughput.value
    # Andes prints every results.txt line five times: still five windows, one figure
    andes = recs[("v0.7", "Andes", "AndesCore_d45_tflite_micro_framework", "ic")]
    assert andes.performance.windows == 5
    gap9 = recs[("v1.0", "greenwaves-technologies", "gap9_650_240", "kws")]
    assert gap9.energy is not None and gap9.device_class is DeviceClass.mcu_accelerator


@pytest.mark.parametrize("key,expected", [
    (("v1.0", "qualcomm", "Next_Generation_Snapdragon_Mobile_Platform_HDK"), DeviceClass.sensing_hub),
    (("v0.7", "hls4ml-finn", "pynq-z2"), DeviceClass.fpga),
    (("v0.7", "Alibaba", "Alibaba Cloud Sinian Platform (Xuantie RISC-V)"), DeviceClass.application_processor),
    (("v0.7", "syntiant", "syntiant_9120_0v9_30mhz"), DeviceClass.mcu_accelerator),
    (("v0.7", "Andes", "AndesCore_d25_tflite_micro_framework"), DeviceClass.mcu),  # core on an FPGA board
    (("v1.0", "plumerai", "DISCO_F746NG"), DeviceClass.mcu),
])
def test_device_class_from_the_real_system_descriptions(report_more, key, expected):
    classes = {(r.provenance.round, r.provenance.submitter, r.system): r.device_class for r in report_more.records}
    assert classes[key] is expected


def test_vendor_transcript_quirks_are_read(more):
    """Syntiant breaks a DUT line, Andes echoes commands glued to the reply after a bare CR."""
    for path in ("v0.7/closed/syntiant/results/syntiant_9120_0v9_30mhz/kws/performance/log.txt",
                 "v0.7/closed/Andes/results/AndesCore_d25_tflite_micro_framework/kws/performance/log.txt"):
        raw = (more / path).read_bytes().decode("utf-8")
        windows = [x for x in parse_eembc_log(normalize_vendor_log(raw)).inferences if x.elapsed_us]
        assert len(windows) == 5, path


def test_energyrunner_auc_of_a_dut_printing_logits_is_confirmed(more):
    """v0.7 Alibaba's firmware prints logits; EnergyRunner's printed AUC 0.93 comes from them as
    printed, so no false alarm."""
    report = check_tree(more / "v0.7/open/Alibaba")
    assert not report.errors, report.render()
    assert any(v.what.startswith("AUC (eembc-simplified") and v.published == "0.93" and "/ic/" in v.path
               for v in report.verified)


def test_one_bad_submission_never_aborts_the_rest(published, tmp_path, capsys):
    tree = tmp_path / "tiny_results_v1.3"
    shutil.copytree(published / "v1.3", tree)
    bad = tree / "closed/Broken"
    shutil.copytree(published / "v1.3/closed/STMicroelectronics/results", bad / "results")
    (bad / "systems").mkdir()  # no system description at all
    for path in tree.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (tree / "closed/STMicroelectronics/results/NUCLEO_L4R5ZI-P/ic/performance/results.txt").write_text(
        "no headline here\n")
    link = tmp_path / "through-a-link"
    os.symlink(tree, link)  # a symlinked *root* is fine
    report_path = tmp_path / "report.json"
    capsys.readouterr()
    code = main(["import", "mlperf", str(link), "--out", str(tmp_path / "r.json"), "--report", str(report_path)])
    assert code == 1  # something was not importable
    table = capsys.readouterr().err
    assert "NOT IMPORTABLE" in table and "no system description for results/NUCLEO_L4R5ZI-P" in table
    data = json.loads(report_path.read_text())
    assert data["rounds"] == {"v1.3": {"found": 10, "imported": 5, "not_importable": 5}}
    broken = [o for o in data["outcomes"] if o["submitter"] == "Broken"]
    assert len(broken) == 5 and all(not o["imported"] and o["reason"] for o in broken)
    st_ic = next(o for o in data["outcomes"] if o["submitter"] == "STMicroelectronics" and o["benchmark"] == "ic")
    assert st_ic["imported"] and any("performance/results.txt has no performance headline" in n
                                     for n in st_ic["notes"])
    # a symlink *inside* a submission stays refused
    inner = tree / "closed/STMicroelectronics/results/NUCLEO_L4R5ZI-P/kws/performance/log.txt"
    inner.unlink()
    os.symlink("/etc/hostname", inner)
    again = import_report([link])
    assert any("symbolic link" in p for p in again.tree_problems)


def test_rounds_are_never_merged(published, tmp_path):
    copy = tmp_path / "tiny_results_v1.4"
    shutil.copytree(published / "v1.3", copy)
    recs = import_tree(published / "v1.3") + import_tree(copy)
    keys = {r.system_key for r in recs}
    assert keys == {"v1.3/closed/STMicroelectronics/NUCLEO_L4R5ZI-P", "v1.4/closed/STMicroelectronics/NUCLEO_L4R5ZI-P"}


def test_energy_window_count_is_taken_from_the_log(published):
    """A run with 4 windows (as one v1.1 trace has): the real v0.5 trace cut after window 4."""
    folder = published / REF_KWS_ENERGY
    edges = parse_edge_times((folder / "trace1-timestamps.json").read_text())
    log = parse_eembc_log((folder / "log.txt").read_text())
    iterations = [x.iterations for x in log.inferences if x.iterations]
    windows = parse_results_txt((folder / "results.txt").read_text()).energy_windows
    printed = [w.fields["Energy"].value for w in windows]
    per_inf = [w.fields["Energy/Inf"].value for w in windows]
    four = energy_energyrunner(folder, edges[:9] + edges[10:11], iterations[:4], printed[:4])
    assert four.per_inf_uj == pytest.approx(per_inf[:4], abs=0.0005)
    assert four.median_per_inf_uj == pytest.approx(sorted(per_inf[:4])[1:3][0] / 2 + sorted(per_inf[:4])[1:3][1] / 2,
                                                   abs=0.001)
    assert "4 windows log.txt shows" in four.note and "1 trailing edge" in four.note
    five = energy_energyrunner(folder, edges, iterations, printed)
    assert five.note is None and five.median_per_inf_uj == pytest.approx(7373.704, abs=0.0005)


@pytest.fixture
def st_bundle(published: Path, tmp_path: Path) -> Path:
    out = tmp_path / "bundle"
    runs = [str(published / ST_RESULTS / "kws" / m) for m in ("performance", "accuracy", "energy")]
    assert main(["submit", *runs, "--system", str(published / "v1.3/closed/STMicroelectronics/systems/"
                                                   "NUCLEO_L4R5ZI-P.json"), "--out", str(out),
                 "--submitter", "Lab"]) == 0
    return out


def test_official_rules_closed_division(st_bundle):
    assert official_rules_problems(st_bundle) == []
    acc = st_bundle / "closed/Lab/results/NUCLEO_L4R5ZI-P/kws/accuracy/results.txt"
    acc.write_text(acc.read_text().replace("Top 1% = 90.2", "Top 1% = 89.9"))
    problems = official_rules_problems(st_bundle)
    assert len(problems) == 1 and "quality target missed: 89.9 % < 90 %" in problems[0]
    shutil.rmtree(acc.parent)
    problems = official_rules_problems(st_bundle)
    assert problems == ["closed/Lab/results/NUCLEO_L4R5ZI-P/kws: closed division: no accuracy/ results "
                        "(required for every benchmark)"]


def test_printed_precision_tie_is_not_an_error(st_bundle):
    """90.0 printed for a target of 90 passes: figures are compared as printed."""
    acc = st_bundle / "closed/Lab/results/NUCLEO_L4R5ZI-P/kws/accuracy/results.txt"
    acc.write_text(acc.read_text().replace("Top 1% = 90.2", "Top 1% = 90.0"))
    assert official_rules_problems(st_bundle) == []


def test_figures_compare_at_their_printed_precision():
    from tinybench.leaderboard.resultstxt import Figure

    printed = Figure(412.755, "412.755", 27)
    assert printed.agrees(412.7545) and printed.agrees(412.7554)  # a rounding tie is not an error
    assert not printed.agrees(412.7556) and not printed.agrees(412.7539)


def test_mixed_boards_are_rejected(st_bundle):
    manifest_path = st_bundle / "closed/Lab/tinybench-manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for key, board in zip(sorted(manifest["modes"]), ("nucleo-l4r5zi", "nucleo-l4r5zi", "disco-f746ng")):
        manifest["modes"][key]["board"] = board
    manifest_path.write_text(json.dumps(manifest))
    problems = official_rules_problems(st_bundle)
    assert len(problems) == 1 and "mixes runs from different boards" in problems[0]
    assert "disco-f746ng: kws/performance" in problems[0]
    assert any("mixes runs from different boards" in f.message for f in check_tree(st_bundle).errors)


def test_missing_from_copy_and_code_outputs_raise_no_alarm(more, tmp_path):
    """A submitter folder checked on its own: its round's MISSING list still applies; training
    outputs under code/ are not parsed."""
    sub = tmp_path / "v0.7/closed/syntiant"
    shutil.copytree(more / "v0.7/closed/syntiant", sub)
    shutil.copy(more / "v0.7/MISSING-FROM-THIS-COPY.txt", tmp_path / "v0.7")
    code = sub / "code/training/outputs"
    code.mkdir(parents=True)
    (code / "history.csv").write_text("epoch,loss\n1,0.5,extra\n")  # ragged CSV, as tools write them
    (code / "run.json").write_text("{not json")
    report = check_tree(sub)
    paths = [f.path for f in report.findings]
    assert not any("/code/" in p for p in paths)
    assert not any("syntiant_9120_1v1_98mhz/kws/accuracy" in f.path and "missing" in f.message
                   for f in report.findings)
    # the one error is real: a malformed system description (missing comma)
    assert [(f.path.split("/")[-1], f.line) for f in report.errors] == [("syntiant_9120_0v9_30mhz.json", 17)]
    assert sum(v.what.startswith("median throughput") for v in report.verified) == 2
