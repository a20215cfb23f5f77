"""The EEMBC IO manager's command set and timer, end to end through the relay (``relay+URL``).

Two independent interface boards stand in front of the real tinybench host firmware (energy
build), over real sockets: ``SimIoManager`` (protocol-level simulated instrument, Python) and our
interface firmware's host build (C, ``firmware/interface``). Both get the DUT's timestamp edges
from its edge channel, as does the simulated LPM01A — the pin wired to the monitor and to the
board's timer input. Independent expectations: the simulated LPM01A's own record of the DUT's
edge times (``edges_seen``, DUT µs) and its stated power model; the observed EnergyRunner reply
strings.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tinybench.errors import TinybenchError
from tinybench.relay import open_relay
from tinybench.sim.interface_board import SimInterfaceBoard, SimIoManager

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")
POWER_MW = 25.0
ENERGY_BAUD = 9600


@pytest.fixture(scope="module")
def energy_dut(shared: Path):  # noqa: ANN201
    """The host build of the AD energy firmware, running (one process for the module)."""
    from fixtures_run import cached_dataset

    from tinybench.boards import load_board
    from tinybench.flash import build_firmware
    from tinybench.run.session import _model_file
    from tinybench.sim.launch import launch_host
    from tinybench.workloads import load_dataset, load_workload

    board, workload = load_board("host"), load_workload("ad01")
    model = _model_file(workload)
    image = build_firmware(board, model, workload.id, energy=True)
    proc = launch_host(image.path)
    yield proc, image, model, load_dataset(cached_dataset("ad01", 5), workload)
    proc.stop()


@contextmanager
def _firmware_board(dut: Any, edges: bool = True) -> Iterator[str]:
    """Our interface firmware (host build) in front of ``dut``, its timer fed by the edge channel."""
    from tinybench.flash.build import build_interface_firmware

    exe = build_interface_firmware("host", ENERGY_BAUD)
    host, port = dut.uart_url.split("://", 1)[1].rsplit(":", 1)
    argv = [str(exe), "0", host, port, str(ENERGY_BAUD)]
    if edges:
        argv.append(dut.edge_url.rsplit(":", 1)[1])
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        yield f"socket://127.0.0.1:{int(proc.stdout.readline().split()[1])}"
    finally:
        proc.terminate()
        proc.wait(timeout=5)


@contextmanager
def _sim_board(dut: Any, edges: bool = True) -> Iterator[str]:
    with SimIoManager(dut.uart_url, edge_url=dut.edge_url if edges else None) as board:
        if edges:
            assert board.edge_channel_open.wait(10)
        yield board.url


BOARDS = {"sim-io-manager": _sim_board, "tinybench-firmware": _firmware_board}


def _exchange(url: str, command: str, wait_s: float = 0.3) -> bytes:
    """The board's own reply bytes to ``command`` (relayed DUT lines, e.g. the DUT's boot text
    arriving late on a loaded machine, are dropped: they are not the board's reply)."""
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=2) as s:
        s.sendall(command.encode() + b"%")
        got = own = b""
        end = time.monotonic() + 2.0
        while not own.endswith(b"m-ready\r\n") and time.monotonic() < end:
            got += s.recv(4096)
            own = b"".join(line for line in got.splitlines(keepends=True)
                           if not line.startswith(b"[dut]: ") and line.endswith(b"\n"))
        time.sleep(wait_s)
        return own


@pytest.mark.parametrize("which", BOARDS)
def test_timer_replies_match_energyrunner_byte_for_byte(energy_dut, which):
    """The replies seen in EnergyRunner logs (``io: m-timestmp-mode-FALLING`` (sic) …)."""
    with BOARDS[which](energy_dut[0], edges=False) as url:
        assert _exchange(url, "tm 0") == (b"m-timestmp-mode-FALLING\r\n"
                                          b"m-[Timer disabled after mode change]\r\nm-ready\r\n")
        assert _exchange(url, "enable-timer") == b"m-timer-enabled\r\nm-ready\r\n"
        assert _exchange(url, "disable-timer") == b"m-timer-disabled\r\nm-ready\r\n"
        assert _exchange(url, "no-such-command") == b"m-ready\r\n"
        assert b"enable-timer" in _exchange(url, "help")
        res = _exchange(url, "res")
        assert res.startswith(b"e-[res: ") and res.endswith(b"]\r\nm-ready\r\n")   # cannot reset here


def _energy_run(dut: Any, url: str, out: Path, iterations: int = 600) -> tuple[Any, Any]:
    from tinybench.power.lpm01a import Lpm01a
    from tinybench.power.sim_lpm01a import SimLpm01a
    from tinybench.protocol import connect
    from tinybench.results.rundir import RunDirectory
    from tinybench.run.common import RunOptions, RunTarget
    from tinybench.run.energy import execute_energy

    proc, image, model, dataset = dut
    run = RunDirectory.create(out, {"board": "host", "workload": "ad01", "mode": "energy"})
    with SimLpm01a(proc.edge_url, power_mw=POWER_MW) as sim:
        assert sim.edge_channel_open.wait(10)
        target = RunTarget(board="host", category="simulated", firmware=image.path, model=model)
        with Lpm01a(sim.url, timeout=1.0) as monitor, \
                connect("relay+" + url, ENERGY_BAUD, transcript=run.transcript) as client:
            results = execute_energy(client, run, target, dataset, RunOptions(min_window_s=0.3, progress=False),
                                     monitor, voltage_v=1.8, power_model=f"test model {POWER_MW} mW",
                                     iterations=iterations, edge_timeout_s=1.0)
    return results, sim


@pytest.mark.parametrize("which", BOARDS)
def test_energy_run_through_the_board_with_timer_laps(energy_dut, which, tmp_path, capsys):
    """Same figures as a direct run (the monitor's edges, the stated model), plus the board's laps:
    two per window, agreeing with the DUT's own edge times to the microsecond."""
    with BOARDS[which](energy_dut[0]) as url:
        results, sim = _energy_run(energy_dut, url, tmp_path / "run")
    assert results.complete and results.energy is not None
    meta = json.loads((tmp_path / "run" / "trace.json").read_text())
    edges_us = sim.edges_seen
    for w, rec in zip(results.energy.windows, meta["windows"]):
        a, b = rec["edges"]
        dut_s = (edges_us[b] - edges_us[a]) / 1e6
        assert w.duration_s == pytest.approx(dut_s, abs=0.0011)             # as direct
        assert w.energy_uj == pytest.approx(POWER_MW * 1e3 * w.duration_s, rel=0.006)
        laps = rec["board_timer"]["laps_us"]
        assert len(laps) == 2 and rec["board_timer"]["agrees"] is True
        assert laps[1] - laps[0] == pytest.approx(edges_us[b] - edges_us[a], abs=1)
    assert any("cross-checked" in n and "5 window(s) agree" in n for n in results.energy.notes)
    log = (tmp_path / "run" / "log.txt").read_text()
    assert "# io > tm 0" in log and "# io < m-timer-enabled" in log and "# io > disable-timer" in log
    assert log.count("# io < m-lap-us-") >= 11                          # marker + 2 per window
    assert "< m-lap-us-" not in log.replace("# io < m-lap-us-", "")     # never taken as a DUT line
    from tinybench.cli import main

    capsys.readouterr()          # `tinybench energy RUN_DIR` shows the same check from the saved run
    assert main(["energy", str(tmp_path / "run"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["board_timer"] == [w["board_timer"] for w in meta["windows"]]


def test_timer_enabled_but_no_laps_is_noted_naming_the_hop(energy_dut, tmp_path):
    """An IO manager whose timer input is unwired: the run completes on the monitor's edges and
    says which hop gave no laps."""
    with _sim_board(energy_dut[0], edges=False) as url:
        results, _ = _energy_run(energy_dut, url, tmp_path / "run", iterations=300)
    assert results.complete
    note = next(n for n in results.energy.notes if "no m-lap-us" in n)
    assert "DUT timestamp pin → interface board timer input" in note and url in note
    meta = json.loads((tmp_path / "run" / "trace.json").read_text())
    assert all(w["board_timer"]["laps_us"] == [] for w in meta["windows"])


def test_performance_run_through_the_io_manager(energy_dut, tmp_path):
    """A performance image behind the simulated IO manager, recognised by its help reply; the
    relay never sends while the DUT talks (the board counts collisions)."""
    from fixtures_run import cached_dataset

    from tinybench.cli import main
    from tinybench.results.schema import RunResults
    from tinybench.sim.launch import launch_host

    from tinybench.boards import load_board
    from tinybench.flash import build_firmware

    proc = launch_host(build_firmware(load_board("host"), energy_dut[2], "ad01").path)
    try:
        with SimIoManager(proc.uart_url) as board:
            code = main(["run", "--board", "host", "--workload", "ad01", "--mode", "performance",
                         "--dataset", str(cached_dataset("ad01", 5)), "--out", str(tmp_path / "run"),
                         "--min-window-s", "0.2", "--no-progress", "--no-flash",
                         "--interface", board.url, "--baud", str(ENERGY_BAUD)])
            collisions = board.collisions
    finally:
        proc.stop()
    assert code == 0 and collisions == 0
    results = RunResults.model_validate_json((tmp_path / "run" / "results.json").read_text())
    assert results.complete and all(len(w.laps_us) == 2 for w in results.performance.windows)
    log = (tmp_path / "run" / "log.txt").read_text()
    assert "# io > help" in log and "# io: EEMBC IO manager (recognised)" in log


def test_half_duplex_collision_is_real_in_the_simulation(energy_dut):
    """Without the relay's wait, a command sent while the DUT still talks is lost (why it waits)."""
    with SimIoManager(energy_dut[0].uart_url) as board:
        host, port = board.url.split("://", 1)[1].rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=2) as s:
            s.sendall(b"dut profile%dut name%")
            time.sleep(0.5)
        assert (board.collisions, board.relayed_commands) == (1, ["profile"])


def test_kind_named_in_the_url_skips_the_probe(energy_dut):
    with SimIoManager(energy_dut[0].uart_url) as board:
        link = open_relay("io-manager+" + board.url, ENERGY_BAUD, 0.5)
        log: list[str] = []
        link.attach_transcript(lambda d, t: log.append(t))      # notes made while opening
        link.close()
    assert link.kind is not None and link.kind.key == "io-manager" and link.timer
    assert "io > help" not in log and any("as the URL says" in t for t in log)


def test_neither_kind_and_wrong_baud_name_the_hop(energy_dut):
    with SimInterfaceBoard(energy_dut[0].uart_url, name="Arduino Uno blink") as board:
        with pytest.raises(TinybenchError) as info:
            open_relay(board.url, ENERGY_BAUD, 0.5)
    assert "neither an MLCommons interface board nor an EEMBC IO manager" in info.value.message
    assert "hop 1" in info.value.message and "--interface-kind io-manager" in info.value.hint
    with SimIoManager(energy_dut[0].uart_url) as board:
        with pytest.raises(TinybenchError, match=r"fixed 9600 baud.*115200 baud \(hop 2"):
            open_relay(board.url, 115200, 0.5)


def test_kind_in_the_board_yaml_and_on_the_command_line(tmp_path, capsys):
    from tinybench.boards import load_board
    from tinybench.cli import main

    text = load_board("host").source.read_text().replace("name: host", "name: host-io")
    path = tmp_path / "host-io.yaml"
    path.write_text(text + "interface:\n  url: /dev/ttyUSB7\n  kind: io-manager\n")
    assert load_board(path).for_mode("energy").relay_url == "relay+io-manager+/dev/ttyUSB7"
    path.write_text(text + "interface:\n  url: /dev/ttyUSB7\n  kind: arduino\n")
    with pytest.raises(TinybenchError, match="interface.kind"):
        load_board(path)
    code = main(["run", "--board", "host", "--workload", "ad01", "--no-flash",
                 "--interface", "/dev/ttyUSB7", "--interface-kind", "arduino"])
    assert code == 2 and "--interface-kind 'arduino' is not a known kind" in capsys.readouterr().err


SYNTIANT = "mlperf-tiny-results-more/v1.0/closed/syntiant/results/syntiant_9120_0v9_30mhz/kws/energy"


def test_published_io_manager_laps_cross_check_the_lpm01a_edges(shared: Path, capsys):
    """Real data: a published EnergyRunner run (IO manager + LPM01A). Each window's two
    ``io: m-lap-us`` laps agree with the trace's edges within the rule, the IO manager's clock
    reading ~0.12 % long (a resonator's rate offset, seen in every window)."""
    from tinybench.cli import main
    from tinybench.run.board_timer import energyrunner_laps

    folder = shared / SYNTIANT
    if not (folder / "trace1-timestamps.json").is_file():
        pytest.skip(f"{folder} not present")
    laps = energyrunner_laps((folder / "log.txt").read_text())
    assert [len(p) for p in laps] == [2] * 5
    capsys.readouterr()
    assert main(["energy", str(folder), "--json"]) == 0
    timer = json.loads(capsys.readouterr().out)["board_timer"]
    assert [w["laps_us"] for w in timer] == laps and all(w["agrees"] for w in timer)
    assert all(0.10 < (w["board_s"] / w["monitor_s"] - 1) * 100 < 0.13 for w in timer)
