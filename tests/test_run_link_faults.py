"""Faults on the wire between the real client and the real host-board firmware (fault proxy).

Each case is one the fault campaign (benchmarks/fault_campaign.py) found undetected before the
fix: a damaged digit in a command or a result line still parses, so only redundancy catches it.
"""

from __future__ import annotations

import json
import re

import pytest

from fixtures_run import cached_dataset
from tinybench.boards import load_board
from tinybench.flash import deploy
from tinybench.protocol import DutProtocolError, connect
from tinybench.results.rundir import RunDirectory
from tinybench.run.common import FAULT_NOTE, RunOptions, RunTarget
from tinybench.run.runner import execute
from tinybench.sim.faultproxy import Fault, FaultProxy
from tinybench.workloads import load_dataset, load_workload


@pytest.fixture(scope="module")
def host_kws(firmware_image):
    with deploy(load_board("host"), firmware_image("host", "kws01")) as link:
        yield link


def test_damaged_infer_count_is_detected_by_the_echo(host_kws):
    """`infer 3 0` arriving as `infer 2 0` ran 2 inferences; the host divided by 3 without the echo check."""
    with FaultProxy(host_kws.url) as proxy, connect(proxy.url, host_kws.baud, timeout=2.0) as client:
        client.load(bytes(490))
        proxy.faults.append(Fault("flip", "up", 6, arg=0, match=b"infer 3 0%"))   # '3' -> '2'
        with pytest.raises(DutProtocolError, match="echoed infer count 2, the host sent 3"):
            client.infer(3, 0)
        assert [i.kind for i in proxy.injected] == ["flip"]


def _run(link, proxy_faults, tmp_path, mode, files):
    dataset = load_dataset(cached_dataset("kws01", files), load_workload("kws01"))
    run = RunDirectory.create(tmp_path / "run", {"board": "host", "workload": "kws01", "mode": mode,
                                                 "dataset": str(dataset.directory), "min_window_s": 0.02})
    options = RunOptions(min_window_s=0.02, line_timeout_s=3.0, progress=False)
    with FaultProxy(link.url, proxy_faults) as proxy, \
            connect(proxy.url, link.baud, transcript=run.transcript, timeout=3.0) as client:
        results = execute(client, run, RunTarget(board="host"), dataset, mode, options)
    return results, run.path, proxy


@pytest.mark.parametrize("mode", ["accuracy", "performance"])
def test_flipped_result_digit_is_caught_by_a_second_reading(host_kws, tmp_path, mode):
    """A bit flip turning a digit of the first m-results line into another digit."""
    # "m-results-[0.0" : byte 13 is the first decimal ('0', 0x30); bit 0 makes it '1'. In
    # performance mode the calibration probes' lines are unchecked (never reported): aim at the
    # reply of the first `results` re-read instead, which then disagrees with the window's line.
    fault = Fault("flip", "down", 13, arg=0, match=b"m-results-[",
                  armed_by=b"results%" if mode == "performance" else None)
    clean, _, _ = _run(host_kws, [], tmp_path / "clean", mode, 5)
    results, run_dir, proxy = _run(host_kws, [fault], tmp_path / "faulty", mode, 5)
    assert [i.kind for i in proxy.injected] == ["flip"]
    assert FAULT_NOTE in (run_dir / "log.txt").read_text()
    if mode == "accuracy":
        assert [i.score for i in results.inputs] == [i.score for i in clean.inputs]
    else:
        printed = proxy.original_down.decode()
        for w in results.performance.windows:
            line = "m-results-[" + ",".join(f"{v:.3f}" for v in w.results) + "]"
            assert line in printed
    saved = json.loads((run_dir / "results.json").read_text())
    assert saved["complete"] is True


def test_flipped_lap_digit_is_caught_by_tb_laps(host_kws, tmp_path):
    """The last digit of window 2's T0 changes by one: the window would be 1 us off, silently."""
    # Armed by window 1's `tb-laps` check; the first lap line after it is window 1's `timestamp`
    # reply (skipped), the next is window 2's T0. Bit 0 turns any digit into another digit.
    fault = Fault("flip", "down", -1, arg=0, match=b"m-lap-us-", skip=1, armed_by=b"tb-laps%")
    results, run_dir, proxy = _run(host_kws, [fault], tmp_path, "performance", 5)
    assert [i.kind for i in proxy.injected] == ["flip"]
    log = (run_dir / "log.txt").read_text()
    # window 2's T0, or window 1's repeat when its first attempt came out too short
    assert re.search(rf"{FAULT_NOTE} window [12]: infer printed laps", log)
    printed = proxy.original_down.decode()
    for w in results.performance.windows:
        assert all(f"m-lap-us-{lap}" in printed for lap in w.laps_us)
