"""Faults on the wire between the real client and the real host-board firmware (fault proxy).

Each case is one the fault campaign (benchmarks/fault_campaign.py) found undetected before the
fix: a damaged digit in a command or a result line still parses, so only redundancy catches it.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from fixtures_run import cached_dataset
from tinybench.boards import load_board
from tinybench.flash import deploy
from tinybench.protocol import DutProtocolError, connect
from tinybench.protocol.client import LINK_NOTE
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


def _run(link, proxy_faults, tmp_path, mode, files, line_check=False):
    """A short run through the proxy; without the line check by default: these cases test the
    second readings, which standard firmware relies on (the line check catches them first)."""
    dataset = load_dataset(cached_dataset("kws01", files), load_workload("kws01"))
    run = RunDirectory.create(tmp_path / "run", {"board": "host", "workload": "kws01", "mode": mode,
                                                 "dataset": str(dataset.directory), "min_window_s": 0.02})
    options = RunOptions(min_window_s=0.02, line_timeout_s=3.0, progress=False)
    with FaultProxy(link.url, proxy_faults) as proxy, \
            connect(proxy.url, link.baud, transcript=run.transcript, timeout=3.0,
                    line_check=line_check) as client:
        results = execute(client, run, RunTarget(board="host"), dataset, mode, options)
    return results, run.path, proxy


@pytest.mark.parametrize("mode", ["accuracy", "performance"])
def test_flipped_result_digit_is_caught_by_a_second_reading(host_kws, tmp_path, mode):
    """A bit flip turning a digit of the first m-results line into another digit (line check off)."""
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


# ------------------------------------------------------------------ link anomalies (the record)
# Every fault the proxy injects must leave a trace in the run's own record: an error, a
# "fault detected" repeat, or a "# link anomaly: ..." note; a clean link leaves none.
@pytest.mark.parametrize("mode", ["accuracy", "performance"])
def test_clean_run_records_no_link_anomaly(host_kws, tmp_path, mode):
    results, run_dir, proxy = _run(host_kws, [], tmp_path, mode, 5, line_check=True)
    log = (run_dir / "log.txt").read_text()
    assert results.complete and not proxy.injected
    assert "line check on" in log                  # tinybench firmware: every line carries a CRC-32
    noted = [line for line in log.splitlines() if LINK_NOTE in line or FAULT_NOTE in line]
    assert noted == []


def _client(link, faults, **kw):
    proxy = FaultProxy(link.url, faults).start()
    client = connect(proxy.url, link.baud, timeout=2.0, **kw)
    return proxy, client


def _kinds(client):
    return [a.split(":", 1)[0] for a in client.anomalies]


def test_line_check_catches_damage_to_a_line_nobody_reads(host_kws):
    """`m-warmup-done` is read by no one: without a check a flipped byte in it went unseen."""
    proxy, client = _client(host_kws, [])
    with proxy, client:
        assert client.caps().line_check and client.line_check
        client.load(bytes(490))
        proxy.faults.append(Fault("flip", "down", 4, arg=1, match=b"m-warmup-done"))
        with pytest.raises(DutProtocolError, match="failed its check"):
            client.infer(1, 0)
        assert _kinds(client) == ["damaged line"] and [i.kind for i in proxy.injected] == ["flip"]


def test_a_damaged_caps_word_is_noticed_by_a_second_reading(host_kws):
    """The first tb-caps reply is read before any check: a flip turning "check" into "aheck" hid
    the line check itself and went unseen (fault campaign, seed 72, run 52)."""
    proxy, client = _client(host_kws, [Fault("flip", "down", 16, arg=1, match=b"m-tb-caps-[")])
    with proxy, client:
        client.command("tb-check off")          # the module's DUT may still check from a test before
        assert client.caps().line_check and client.line_check
        assert _kinds(client) == ["damaged line"] and "aheck" in client.anomalies[0]
        assert [i.kind for i in proxy.injected] == ["flip"]


def test_line_check_notices_a_lost_carriage_return(host_kws):
    """The CR is outside the CRC; a checked line always ends in CR LF, so a lost CR is noted."""
    proxy, client = _client(host_kws, [])
    with proxy, client:
        client.caps()
        proxy.faults.append(Fault("drop", "down", 16, match=b"m-ready~"))   # "m-ready~xxxxxxxx\r"
        client.name()
        assert client.anomalies == ["damaged line: 'm-ready' arrived without its CR"]


def test_without_line_check_a_damaged_protocol_line_is_noted(host_kws):
    proxy, client = _client(host_kws, [], line_check=False)
    with proxy, client:
        client.caps()
        client.command("tb-check off")          # the module's DUT may still check from a test before
        assert not client.line_check
        client.load(bytes(490))
        proxy.faults.append(Fault("flip", "down", 9, arg=0, match=b"m-warmup-done"))  # d -> e
        client.infer(1, 0)
        assert _kinds(client) == ["unexpected line"] and "m-warmup-eone" in client.anomalies[0]


def test_stall_inside_the_name_reply_at_connect_is_noted(host_kws):
    """Sync tolerates pauses in boot text, but not inside the DUT's name reply (fault campaign,
    seed 82, run 17: a 1 s stall at byte 10 of `m-name-dut-[…]` went unseen)."""
    proxy = FaultProxy(host_kws.url, [Fault("stall", "down", 10, arg=1.0, match=b"m-name-dut-")]).start()
    with proxy, connect(proxy.url, host_kws.baud, timeout=3.0) as client:
        assert [i.kind for i in proxy.injected] == ["stall"]
        assert _kinds(client) == ["link stall"] and "m-name-dut" in client.anomalies[0]   # 10 bytes: the dash is after the stall


@pytest.mark.parametrize("direction, at, where", [("down", 8, "inside the line"),
                                                  ("up", 0, "before 'm-results")])
def test_stall_is_noted(host_kws, direction, at, where):
    """A stream stopped for 1 s inside a line, or before the DUT saw the command."""
    proxy, client = _client(host_kws, [])
    with proxy, client:
        client.load(bytes(490))
        client.infer(1, 0)
        match = b"m-results-[" if direction == "down" else b"results%"
        proxy.faults.append(Fault("stall", direction, at, arg=1.0, match=match))
        client.results()
        assert _kinds(client) == ["link stall"] and where in client.anomalies[0]


def test_busy_dut_is_no_stall(host_kws):
    """The DUT is silent during the warm-up and the timed window: that is no stall."""
    proxy, client = _client(host_kws, [])
    with proxy, client:
        client.load(bytes(490))
        probe = client.infer(20, 0)
        n = max(20, int(20 * 1.2e6 / max(1, probe.elapsed_us)))     # a window of ~1.2 s
        client.infer(n, n // 2)
        assert client.anomalies == []


@pytest.mark.parametrize("fault, expected", [
    (Fault("dup", "down", 0, match=b"m-results-["), "twice in a row in one reply"),
    (Fault("dup", "up", 0, match=b"results%"), "stale input discarded: m-results-["),
    (Fault("flip", "up", 2, arg=0, match=b"results%"), "the DUT received 'rerults'"),
])
def test_duplicated_or_damaged_exchange_is_noted(host_kws, fault, expected):
    proxy, client = _client(host_kws, [])
    with proxy, client:
        client.load(bytes(490))
        client.infer(1, 0)
        proxy.faults.append(fault)
        client.command("results", check=False)
        time.sleep(0.2)
        client.name()
        assert len(client.anomalies) == 1 and expected in client.anomalies[0]


def test_late_duplicate_after_the_last_exchange_is_noted(host_kws):
    proxy, client = _client(host_kws, [])
    with proxy:
        with client:
            proxy.faults.append(Fault("dup", "down", 0, match=b"m-ready", armed_by=b"profile%"))
            client.profile()
        assert client.anomalies == ["unexpected line: 'm-ready' after the last exchange"]


def test_duplicate_during_sync_is_noted(host_kws):
    proxy, client = _client(host_kws, [Fault("dup", "down", 0, match=b"m-ready")])
    with proxy, client:
        assert _kinds(client) == ["unexpected line"] and "after the reply to name" in client.anomalies[0]


def test_reset_while_connecting_is_noted(host_kws, firmware_image):
    """The DUT restarts before answering the first name%: its boot text is recorded."""
    from tinybench.sim.launch import launch_host

    image = firmware_image("host", "kws01")
    started = []

    def restart():
        started.append(launch_host(image.path))
        return started[-1].uart_url

    try:
        with FaultProxy(host_kws.url, [Fault("reset", "down", 0, match=b"m-name-dut-[")],
                        on_reset=restart) as proxy, \
                connect(proxy.url, host_kws.baud, timeout=2.0) as client:
            assert client.name() == "tinybench-host"
            assert [i.kind for i in proxy.injected] == ["reset"]
            assert _kinds(client) == ["dut reset"]
    finally:
        for proc in started:
            proc.stop()
