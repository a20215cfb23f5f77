"""A DUT that goes silent, sends garbage or resets mid-run: clear error, state saved, resumable.

The misbehaving DUT is the protocol-level ReplayDut (fixtures_run): real firmware cannot be made
to misbehave on demand. Its inference results are the lines of a real published KWS transcript.
"""

from __future__ import annotations

import json

import pytest

from fixtures_run import Fault, ReplayDut, cached_dataset, real_exchanges
from tinybench.protocol import DutProtocolError, DutResetError, DutTimeoutError, connect
from tinybench.results.rundir import RunDirectory
from tinybench.run.common import RunOptions, RunTarget
from tinybench.run.runner import execute
from tinybench.workloads import load_dataset, load_workload

KWS_ACC = "v0.5/closed/reference/results/Nucleo-L4R5ZI/kws/accuracy/log.txt"
PER_INPUT = 1 + 16 + 1          # db load, 16 chunks of <= 31 bytes, infer
SETUP = 5                       # sync name, name, profile, timestamp, tb-caps


def _resume(exchanges, run_dir, target, dataset, mode, options):
    """Resume ``run_dir`` against a healthy replay DUT; returns the results and that DUT.

    The DUT is returned (already closed) so a test can check what the resumed run sent to it.
    """
    good = ReplayDut(model="kws01", exchanges=exchanges)
    try:
        with connect(good.url, 115200, timeout=2.0) as client:
            return execute(client, RunDirectory.reopen(run_dir), target, dataset, mode, options), good
    finally:
        good.close()

def _journal_keys(run_dir):
    keys = []
    for line in (run_dir / "progress.jsonl").read_text().splitlines():
        item = json.loads(line)
        if item["kind"] == "input":
            keys.append(item["key"])
    return keys


@pytest.mark.parametrize("kind, error", [("silent", DutTimeoutError), ("garbage", DutProtocolError),
                                         ("reset", DutResetError)])
def test_fault_then_resume(shared, tmp_path, kind, error):
    exchanges = real_exchanges(shared / "mlperf-tiny-results" / KWS_ACC)
    dataset = load_dataset(cached_dataset("kws01", 12), load_workload("kws01"))
    options = RunOptions(line_timeout_s=1.0, progress=False)
    target = RunTarget(board="replay", category="simulated")
    run = RunDirectory.create(tmp_path / "run", {"board": "replay", "workload": "kws01",
                                                 "mode": "accuracy", "dataset": str(dataset.directory),
                                                 "min_window_s": 10.0})
    bad = ReplayDut(model="kws01", exchanges=exchanges, fault=Fault(kind, after=SETUP + 3 * PER_INPUT + 4))
    try:
        with connect(bad.url, 115200, timeout=1.0) as client:
            with pytest.raises(error) as exc:
                execute(client, run, target, dataset, "accuracy", options)
    finally:
        bad.close()
    assert bad.url in str(exc.value) and "hint:" in str(exc.value)
    saved = json.loads((run.path / "results.json").read_text())
    assert saved["complete"] is False and saved["accuracy"] is None
    assert "INCOMPLETE RUN" in (run.path / "results.txt").read_text()
    assert _journal_keys(run.path) == [e.name for e in dataset.entries[:3]]

    results, good = _resume(exchanges, run.path, target, dataset, "accuracy", options)
    assert results.complete and results.accuracy.inputs == 12
    assert [i.file for i in results.inputs] == [e.name for e in dataset.entries]
    assert _journal_keys(run.path) == [e.name for e in dataset.entries]        # none twice
    assert sum(c.startswith("db load") for c in good.received) == 12 - 3      # only the rest re-run


def test_performance_resume_keeps_calibration_and_finished_windows(shared, tmp_path):
    exchanges = real_exchanges(shared / "mlperf-tiny-results" / KWS_ACC)
    dataset = load_dataset(cached_dataset("kws01", 5), load_workload("kws01"))
    options = RunOptions(line_timeout_s=1.0, progress=False, min_window_s=0.1)
    target = RunTarget(board="replay", category="simulated")
    run = RunDirectory.create(tmp_path / "run", {"board": "replay", "workload": "kws01",
                                                 "mode": "performance", "dataset": str(dataset.directory),
                                                 "min_window_s": 0.1})
    # setup, probe (load + infer 1), then two windows (load + infer + the results/timestamp
    # re-reads each) succeed
    bad = ReplayDut(model="kws01", exchanges=exchanges,
                    fault=Fault("silent", after=SETUP + 3 * PER_INPUT + 2 + 2 * 2))
    try:
        with connect(bad.url, 115200, timeout=1.0) as client:
            with pytest.raises(DutTimeoutError):
                execute(client, run, target, dataset, "performance", options)
    finally:
        bad.close()
    journal = [json.loads(line) for line in (run.path / "progress.jsonl").read_text().splitlines()]
    assert [j["key"] for j in journal if j["kind"] == "window"] == ["1", "2"]
    results, good = _resume(exchanges, run.path, target, dataset, "performance", options)
    infers = [c for c in good.received if c.startswith("infer")]
    assert len(infers) == 3                                    # windows 3-5 only: no new probe
    assert [w.index for w in results.performance.windows] == [1, 2, 3, 4, 5]
    laps = {tuple(w.laps_us) for w in results.performance.windows}
    assert all(w.elapsed_us == w.laps_us[1] - w.laps_us[0] for w in results.performance.windows)
    assert len(laps) >= 3
