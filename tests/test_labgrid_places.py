"""labgrid places, against a real labgrid coordinator and exporter on loopback (no mocked labgrid).

The farm (``tinybench.sim.labgrid_farm``) exports the TCP sockets of simulated boards — the host
build of the firmware — as each place's ``NetworkSerialPort``. Every test checks the coordinator's
own view of the place afterwards (``labgrid-client -v places``): released after success, error and
Ctrl-C; untouched when someone else holds it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fixtures_run import ctrl_c_deliverable
from tinybench.errors import TinybenchError
from tinybench.flash.places import client_command, list_places
from tinybench.sim.labgrid_farm import FarmPlace, LabgridFarm, start_board
from tinybench.sim.process import free_port


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from tinybench.cli import main; sys.exit(main())", *args]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_cli(*args), capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory, firmware_image) -> Iterator[LabgridFarm]:  # type: ignore[no-untyped-def]
    try:
        client_command()
    except TinybenchError:
        pytest.skip("labgrid is not installed (pip install -e '.[test]' brings it)")
    running = firmware_image("host", "kws01")
    places = [FarmPlace("tb-flash", "labgrid-host", free_port()),     # tinybench flashes it
              FarmPlace("tb-flash2", "labgrid-host", free_port()),    # a second one (suite)
              FarmPlace("tb-running", "host", free_port()),           # already programmed (--no-flash)
              FarmPlace("tb-hostbench", "labgrid-host", free_port(), energy=True),   # interface port only
              FarmPlace("tb-slowbench", "labgrid-host", free_port(), energy=True, interface_speed=9600)]
    with LabgridFarm(tmp_path_factory.mktemp("farm"), places) as lab:
        start_board(places[2].port, running.path)
        yield lab


def _holder(lab: LabgridFarm, place: str) -> str | None:
    return list_places(lab.coordinator)[place].acquired


def _measuring(logs: Iterator[Path], count: int) -> bool:
    """``count`` run transcripts exist and each has reached a timed ``infer``."""
    found = list(logs)
    return len(found) == count and all("infer" in log.read_text() for log in found)


def _ctrl_c_once(argv: list[str], *, measuring: Callable[[], bool], held: Callable[[], bool]) -> None:
    """Start ``argv``, wait until ``measuring()``, check the places are ``held()``, send one Ctrl-C,
    expect exit 130."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ctrl_c_deliverable)
    try:
        deadline = time.monotonic() + 180
        while not measuring():
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "never started measuring"
            time.sleep(0.2)
        assert held()                                    # held while it runs
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=120) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_run_flashes_the_board_at_a_place_and_releases_it(farm: LabgridFarm, tmp_path: Path) -> None:
    """No --board: the place's board tag picks labgrid-host, whose command flasher programs the
    board behind the place; the DUT must then identify as the image just built."""
    out = tmp_path / "run"
    proc = _run("run", "--place", "tb-flash", "--coordinator", farm.coordinator, "--workload", "kws01",
                "--mode", "performance", "--min-window-s", "0.2", "--out", str(out), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["complete"] and results["board"] == "labgrid-host"
    assert results["firmware"]["place"] == "tb-flash" and results["firmware"]["origin"] == "tinybench"
    assert results["performance"]["median_throughput"] > 0
    assert _holder(farm, "tb-flash") is None


def test_flash_command_uses_the_held_place_through_labgrid(farm: LabgridFarm, tmp_path: Path) -> None:
    """``{place}`` / ``{coordinator}`` in a command flasher: the template asks the coordinator itself
    (``labgrid-client -p {place} show``, as a ``bootstrap`` through the place's drivers would) and
    finds the place held by this run before it programs the board."""
    import yaml

    from tinybench import paths

    board = yaml.safe_load((paths.boards_dir() / "labgrid-host.yaml").read_text())
    seen = tmp_path / "show.txt"
    script = ('"$1" -x "$2" -p "$3" show > "$4" && grep -q "acquired: ." "$4" && '
              'exec "$5" -m tinybench.sim.labgrid_farm flash "$6" "$7"')
    board["flash"]["command"] = ["sh", "-c", script, "flash", client_command()[0], "{coordinator}",
                                 "{place}", str(seen), "{python}", "{serial_url}", "{elf}"]
    board_file = tmp_path / "labgrid-host.yaml"
    board_file.write_text(yaml.safe_dump(board))
    out = tmp_path / "run"
    proc = _run("run", "--board", str(board_file), "--place", "tb-flash", "--coordinator", farm.coordinator,
                "--workload", "kws01", "--mode", "performance", "--min-window-s", "0.2", "--out", str(out),
                "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "tb-flash" in seen.read_text() and "acquired:" in seen.read_text()
    assert json.loads((out / "results.json").read_text())["complete"]
    assert _holder(farm, "tb-flash") is None
    # the same template without a place: refused before anything is flashed, naming the field
    bad = _run("flash", "--board", str(board_file))
    assert bad.returncode == 2 and "uses {coordinator}" in bad.stderr and "--place" in bad.stderr, bad.stderr


def test_no_flash_run_error_and_ctrl_c_all_release(farm: LabgridFarm, tmp_path: Path) -> None:
    # --no-flash at the place: the already-running host firmware is benchmarked as it is.
    ok = _run("run", "--place", "tb-running", "--coordinator", farm.coordinator, "--no-flash",
              "--workload", "kws01", "--mode", "performance", "--min-window-s", "0.2",
              "--out", str(tmp_path / "ok"), "--no-progress")
    assert ok.returncode == 0, ok.stderr
    assert json.loads((tmp_path / "ok" / "results.json").read_text())["firmware"]["reached_at"] == \
        "labgrid place tb-running"
    assert _holder(farm, "tb-running") is None

    # An error inside the run (the DUT is not the vendor asked for): exit 2, place released.
    bad = _run("run", "--place", "tb-running", "--coordinator", farm.coordinator, "--no-flash",
               "--vendor", "nobody", "--workload", "kws01", "--mode", "performance",
               "--out", str(tmp_path / "bad"), "--no-progress")
    assert bad.returncode == 2, bad.stderr
    assert "nobody" in bad.stderr
    assert _holder(farm, "tb-running") is None

    # Ctrl-C in the middle of a timed window: exit 130, the measured part kept, place released.
    out = tmp_path / "interrupted"
    _ctrl_c_once(_cli("run", "--place", "tb-running", "--coordinator", farm.coordinator, "--no-flash",
                      "--workload", "kws01", "--mode", "performance", "--min-window-s", "30",
                      "--out", str(out), "--no-progress"),
                 measuring=lambda: _measuring(out.glob("log.txt"), 1),
                 held=lambda: _holder(farm, "tb-running") is not None)
    assert (out / "state.json").is_file()                    # resumable: nothing measured is lost
    assert _holder(farm, "tb-running") is None


def test_performance_at_a_bench_place_goes_through_its_interface_board(farm: LabgridFarm, tmp_path: Path) -> None:
    """An energy bench place exports the interface board's port and no DUT port: a performance run
    builds the DUT firmware for the bench's DUT-side baud (the board's energy baud, at which the
    interface board relays), flashes it through the interface port, runs through the relay and says
    which hop it used."""
    from tinybench.boards import load_board
    from tinybench.boards.model import BaudConfig
    from tinybench.flash import build_firmware
    from tinybench.run.session import _model_file
    from tinybench.sim.labgrid_farm import BENCH_BAUD
    from tinybench.workloads import load_workload

    bench = next(p for p in farm.places if p.name == "tb-hostbench")
    out = tmp_path / "run"
    proc = _run("run", "--place", "tb-hostbench", "--coordinator", farm.coordinator, "--workload", "ad01",
                "--mode", "performance", "--min-window-s", "0.1", "--out", str(out), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["complete"] and results["performance"]["median_throughput"] > 0
    board = load_board("labgrid-host")
    at_bench = board.model_copy(update={"baud": BaudConfig(performance=BENCH_BAUD, accuracy=BENCH_BAUD,
                                                           energy=BENCH_BAUD)})
    built = build_firmware(at_bench, _model_file(load_workload("ad01")), "ad01")   # cached: the same build
    assert results["firmware"]["image_sha256"] == built.image_sha256
    log = (out / "log.txt").read_text()
    assert ("labgrid place tb-hostbench: the performance run reaches the DUT through the interface board "
            "(the place exports no DUT port") in log
    assert f"hop 1 host → interface board socket://127.0.0.1:{bench.interface_port}, hop 2 interface board " \
           f"→ DUT at {BENCH_BAUD} baud" in log
    assert "io > dut db " in log and "io > dut infer" in log      # the board hop in the transcript
    assert _holder(farm, "tb-hostbench") is None


def test_bench_place_failures_name_the_hop_and_release_the_place(farm: LabgridFarm, tmp_path: Path) -> None:
    """The bench behind a place failing on either hop (met with --no-flash, the place's interface
    port served by a simulated board per case): the error names the hop, the place is released and
    no run directory is left. The bench's own boards are stopped first; the next run flashes anew."""
    import socket

    from tinybench.sim.interface_board import SimInterfaceBoard
    from tinybench.sim.labgrid_farm import stop_board

    bench = next(p for p in farm.places if p.name == "tb-hostbench")
    dut = f"socket://127.0.0.1:{next(p for p in farm.places if p.name == 'tb-running').port}"
    stop_board(bench.port)
    mute = socket.create_server(("127.0.0.1", 0))       # a DUT that never says a word
    cases = {   # what the simulated board at the interface port does -> what the error must say
        "another board": ({"dut_url": dut, "name": "Arduino Uno blink"}, ["not as an interface board", "hop 1"]),
        "wrong DUT baud": ({"dut_url": dut, "dut_baud": 115200},
                           ["relays to the DUT at 115200 baud, but this DUT runs at 9600 baud (hop 2"]),
        "DUT silent": ({"dut_url": f"socket://127.0.0.1:{mute.getsockname()[1]}"}, ["is silent", "(hop 2"]),
    }
    try:
        for case, (board, says) in cases.items():
            with SimInterfaceBoard(listen_port=bench.interface_port, dut_baud=board.pop("dut_baud", 9600),
                                   **board):
                bad = _run("run", "--place", "tb-hostbench", "--coordinator", farm.coordinator, "--no-flash",
                           "--workload", "ad01", "--mode", "performance", "--out", str(tmp_path / case))
            assert bad.returncode == 2, (case, bad.stderr)
            assert "labgrid place 'tb-hostbench'" in bad.stderr and all(s in bad.stderr for s in says), \
                (case, bad.stderr)
            assert _holder(farm, "tb-hostbench") is None and not (tmp_path / case).exists(), case
    finally:
        mute.close()
    # hop 1 at the resource: the exporter states a raw interface port at 9600 baud
    slow = _run("run", "--place", "tb-slowbench", "--coordinator", farm.coordinator, "--no-flash",
                "--workload", "ad01", "--mode", "performance", "--out", str(tmp_path / "slow"))
    assert slow.returncode == 2
    assert ("labgrid place 'tb-slowbench': its interface port (NetworkSerialPort 'interface', raw TCP) runs "
            "at 9600 baud, but an interface board's host side runs at 115200 baud (hop 1") in slow.stderr, slow.stderr
    assert "speed: 115200" in slow.stderr
    assert _holder(farm, "tb-slowbench") is None and not (tmp_path / "slow").exists()


def test_place_held_by_someone_else_is_refused_and_left_alone(farm: LabgridFarm, tmp_path: Path) -> None:
    alice = {"LG_USERNAME": "alice", "LG_HOSTNAME": "benchhost"}
    lg = [*client_command(), "-x", farm.coordinator, "-p", "tb-running"]
    subprocess.run([*lg, "acquire"], check=True, capture_output=True, env={**os.environ, **alice})
    try:
        proc = _run("run", "--place", "tb-running", "--coordinator", farm.coordinator, "--no-flash",
                    "--workload", "kws01", "--mode", "performance", "--out", str(tmp_path / "r"),
                    "--no-progress")
        assert proc.returncode == 2
        assert "labgrid place 'tb-running' is held by benchhost/alice" in proc.stderr
        assert not (tmp_path / "r").exists()
        assert _holder(farm, "tb-running") == "benchhost/alice"   # not released behind alice's back
    finally:
        subprocess.run([*lg, "release"], check=True, capture_output=True, env={**os.environ, **alice})


def test_unknown_place_and_unreachable_coordinator(farm: LabgridFarm, tmp_path: Path) -> None:
    unknown = _run("run", "--place", "tb-nowhere", "--coordinator", farm.coordinator, "--workload",
                   "kws01", "--mode", "performance", "--out", str(tmp_path / "a"))
    assert unknown.returncode == 2
    assert f"labgrid place 'tb-nowhere' does not exist on coordinator {farm.coordinator}" in unknown.stderr
    down = f"127.0.0.1:{free_port()}"           # nothing listens there: a coordinator that is down
    gone = _run("run", "--place", "tb-flash", "--coordinator", down, "--board", "labgrid-host",
                "--workload", "kws01", "--mode", "performance", "--out", str(tmp_path / "b"))
    assert gone.returncode == 2
    assert f"labgrid coordinator at {down} is unreachable" in gone.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_energy_at_a_place_without_a_monitor_names_the_resource(farm: LabgridFarm, tmp_path: Path) -> None:
    """A physical board at a place with a DUT port only: energy mode needs the place's `monitor`
    port (or --monitor); the error names the resource and the add-match fix, the place is released
    and no run directory is left."""
    proc = _run("run", "--place", "tb-flash", "--coordinator", farm.coordinator, "--workload", "ad01",
                "--mode", "energy", "--out", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "labgrid place 'tb-flash' has no NetworkSerialPort named 'monitor'" in proc.stderr, proc.stderr
    assert "labgrid-client -p tb-flash add-match" in proc.stderr
    assert not (tmp_path / "r").exists() and _holder(farm, "tb-flash") is None


def test_simulator_kinds_cannot_be_flashed_through_a_place(farm: LabgridFarm, tmp_path: Path) -> None:
    proc = _run("run", "--place", "tb-running", "--coordinator", farm.coordinator, "--workload", "kws01",
                "--mode", "performance", "--out", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "kind host" in proc.stderr and "--no-flash" in proc.stderr
    assert _holder(farm, "tb-running") is None


def test_suite_spreads_a_boards_cells_over_its_places(farm: LabgridFarm, tmp_path: Path) -> None:
    """Two places holding labgrid-host: one worker per place, both cells done, each journaled with
    the place that ran it, every place released at the end."""
    out = tmp_path / "suite"
    proc = _run("suite", "--place", "tb-flash", "--place", "tb-flash2", "--coordinator", farm.coordinator,
                "--workloads", "kws01,ad01", "--modes", "performance", "--min-window-s", "0.2",
                "--division", "open", "--out", str(out), "--no-progress")
    # every cell runs; a performance-only suite then writes no bundle (`check` needs accuracy runs)
    # and says so with exit 1 — the spreading over places is what this test is about
    assert proc.returncode == 1 and "labgrid-host: no open-division bundle" in proc.stderr, proc.stderr + proc.stdout
    done = [json.loads(line) for line in (out / "labgrid-host" / "cells.jsonl").read_text().splitlines()]
    done = [r for r in done if r["state"] == "done"]
    assert sorted(r["cell"] for r in done) == ["ad01-performance", "kws01-performance"]
    assert {r["place"] for r in done} <= {"tb-flash", "tb-flash2"}
    plan = json.loads((out / "suite.json").read_text())
    assert plan["places"] == {"tb-flash": "labgrid-host", "tb-flash2": "labgrid-host"}
    assert all(p.acquired is None for p in list_places(farm.coordinator).values())


def test_suite_interrupted_releases_every_place(farm: LabgridFarm, tmp_path: Path) -> None:
    """Ctrl-C while both places are measuring: exit 130, both cells journaled as interrupted (with
    their places), both places released."""
    out = tmp_path / "suite"
    _ctrl_c_once(_cli("suite", "--place", "tb-flash", "--place", "tb-flash2", "--coordinator",
                      farm.coordinator, "--workloads", "kws01,ad01", "--modes", "performance",
                      "--min-window-s", "30", "--division", "open", "--out", str(out), "--no-progress"),
                 measuring=lambda: _measuring(out.glob("labgrid-host/runs/*/log.txt"), 2),
                 held=lambda: all(_holder(farm, p) for p in ("tb-flash", "tb-flash2")))
    cells = [json.loads(line) for line in (out / "labgrid-host" / "cells.jsonl").read_text().splitlines()]
    stopped = {r["place"] for r in cells if r["state"] == "interrupted"}
    assert stopped == {"tb-flash", "tb-flash2"}
    assert all(p.acquired is None for p in list_places(farm.coordinator).values())


def test_suite_refuses_a_place_of_another_board(farm: LabgridFarm, tmp_path: Path) -> None:
    proc = _run("suite", "--board", "labgrid-host", "--place", "tb-running", "--coordinator",
                farm.coordinator, "--workloads", "kws01", "--modes", "performance", "--division", "open",
                "--out", str(tmp_path / "s"), "--no-progress")
    assert proc.returncode == 2
    assert "labgrid place 'tb-running' holds board 'host', which is not in the suite" in proc.stderr


# ----------------------------------------------------------------- energy bench place, power port
@pytest.fixture(scope="module")
def bench_farm(tmp_path_factory: pytest.TempPathFactory, firmware_image) -> Iterator[LabgridFarm]:  # type: ignore[no-untyped-def]
    """An energy bench place (interface board + simulated LPM01A + power switch; the DUT's UART not
    exported; the DUT in QEMU, whose -icount time repeats exactly) and a plain place with a power
    switch whose board already runs (host kind)."""
    import shutil

    try:
        client_command()
    except TinybenchError:
        pytest.skip("labgrid is not installed (pip install -e '.[test]' brings it)")
    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("qemu-system-arm / arm-none-eabi-gcc not installed (the bench's DUT runs in QEMU)")
    running = firmware_image("host", "kws01")
    places = [FarmPlace("tb-bench", "labgrid-qemu", free_port(), energy=True, power=True),
              FarmPlace("tb-powered", "host", free_port(), power=True)]
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware
    from tinybench.run.session import _model_file
    from tinybench.sim.labgrid_farm import flash
    from tinybench.workloads import load_workload

    energy = build_firmware(load_board("labgrid-qemu"), _model_file(load_workload("ad01")), "ad01", energy=True)
    with LabgridFarm(tmp_path_factory.mktemp("bench-farm"), places) as lab:
        start_board(places[1].port, running.path)
        flash(places[0].interface_port, energy.path, qemu="labgrid-qemu")   # tests may run in any order
        yield lab


def _energy(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())


def _check_edges(lab: LabgridFarm, out: Path) -> None:
    """The edge-resolution rule against the instrument's own record: each window lasts what the
    DUT's edges say (±1 sample) and holds the simulated LPM01A's stated power × that time."""
    import numpy as np

    energy = _energy(out)["energy"]
    edges_us = lab.monitors["tb-bench"].edges_seen
    with np.load(out / "trace.npz") as trace:
        window_edges = trace["window_edges"].tolist()
    assert len(energy["windows"]) == 5
    for w, (a, b) in zip(energy["windows"], window_edges):
        assert w["duration_s"] == pytest.approx((edges_us[b] - edges_us[a]) / 1e6, abs=0.0011)
        assert w["energy_uj"] == pytest.approx(lab.BENCH_POWER_MW * 1e3 * w["duration_s"], rel=0.006)


def test_energy_run_through_a_bench_place_and_directly(bench_farm: LabgridFarm, tmp_path: Path) -> None:
    """`run --place` at an energy bench: flashed through the interface port, DUT reached through the
    interface board (relay), the place's monitor port is the power monitor, the power port is
    cycled first; then the same bench reached directly (--interface, --monitor) gives the same
    figures within the edge-resolution rule (QEMU -icount: the same N and DUT time per window)."""
    bench = next(p for p in bench_farm.places if p.name == "tb-bench")
    placed = tmp_path / "placed"
    proc = _run("run", "--place", "tb-bench", "--coordinator", bench_farm.coordinator, "--workload", "ad01",
                "--mode", "energy", "--min-window-s", "0.2", "--out", str(placed), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    data = _energy(placed)
    assert data["complete"] and data["category"] == "estimated" and data["energy"]["category"] == "estimated"
    assert data["firmware"]["place"] == "tb-bench" and data["energy"]["instrument"]["serial"].startswith("SIM-")
    log = (placed / "log.txt").read_text()
    assert "power port 'power' (NetworkPowerPort" in log and "cycled" in log
    assert f"relaying to the DUT through interface board socket://127.0.0.1:{bench.interface_port}" in log
    _check_edges(bench_farm, placed)
    assert _holder(bench_farm, "tb-bench") is None

    direct = tmp_path / "direct"
    proc = _run("run", "--board", "labgrid-qemu", "--no-flash", "--interface",
                f"socket://127.0.0.1:{bench.interface_port}", "--monitor",
                f"lpm01a:socket://127.0.0.1:{bench.monitor_port}", "--workload", "ad01", "--mode", "energy",
                "--min-window-s", "0.2", "--out", str(direct), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    _check_edges(bench_farm, direct)
    again = _energy(direct)
    assert again["category"] == data["category"] == "estimated"
    assert again["energy"]["instrument"] == data["energy"]["instrument"]
    for a, b in zip(data["energy"]["windows"], again["energy"]["windows"]):
        assert a["iterations"] == b["iterations"]
        assert a["duration_s"] == pytest.approx(b["duration_s"], abs=0.0011)   # ±1 sample per window
        # ±1 sample at either edge of 40.8 mW, and the ±0.5 % ripple of the stated model
        assert a["energy_per_inf_uj"] == pytest.approx(b["energy_per_inf_uj"], rel=0.006)


def test_energy_at_a_bench_place_power_cycles_and_releases_after_error_and_ctrl_c(
        bench_farm: LabgridFarm, tmp_path: Path) -> None:
    """The place's power port is cycled before each run: the board behind it (flashed by the test
    before) is a new process afterwards, and the simulated switch saw off, then on. An error in the
    run and a Ctrl-C during a window both release the place."""
    from tinybench.sim.labgrid_farm import _state_dir

    bench = next(p for p in bench_farm.places if p.name == "tb-bench")
    pid_before = (_state_dir() / f"{bench.port}.pid").read_text()
    bench_farm.switch.events.clear()  # type: ignore[union-attr]
    bad = _run("run", "--place", "tb-bench", "--coordinator", bench_farm.coordinator, "--no-flash",
               "--vendor", "nobody", "--workload", "ad01", "--mode", "energy", "--min-window-s", "0.2",
               "--out", str(tmp_path / "bad"), "--no-progress")
    assert bad.returncode == 2 and "nobody" in bad.stderr, bad.stderr
    assert _holder(bench_farm, "tb-bench") is None
    assert bench_farm.switch.events == [(0, False), (0, True)]  # type: ignore[union-attr]
    assert (_state_dir() / f"{bench.port}.pid").read_text() != pid_before
    out = tmp_path / "interrupted"
    _ctrl_c_once(_cli("run", "--place", "tb-bench", "--coordinator", bench_farm.coordinator, "--no-flash",
                      "--workload", "ad01", "--mode", "energy", "--min-window-s", "5",
                      "--out", str(out), "--no-progress"),
                 measuring=lambda: (out / "log.txt").is_file() and "energy window 1" in (out / "log.txt").read_text(),
                 held=lambda: _holder(bench_farm, "tb-bench") is not None)
    assert (out / "trace.npz").is_file()                       # the acquisition so far is kept
    assert _holder(bench_farm, "tb-bench") is None


def test_place_resource_names_and_missing_ones(bench_farm: LabgridFarm) -> None:
    """The real coordinator's view of the places, read as tinybench reads it: the bench's ports by
    name, its monitor as a --monitor spec, its power port; a place without a monitor port is
    refused with the resource named and the add-match fix."""
    from tinybench.flash.places import show_place

    bench = next(p for p in bench_farm.places if p.name == "tb-bench")
    info = show_place("tb-bench", bench_farm.coordinator)
    assert info.serial_url() == ""                                   # no DUT port: interface only
    assert info.serial_url("interface") == f"socket://127.0.0.1:{bench.interface_port}"
    assert info.monitor_spec() == f"lpm01a:socket://127.0.0.1:{bench.monitor_port}"
    assert info.power_port is not None and info.power_port[:2] == ("power", "NetworkPowerPort")
    plain = show_place("tb-powered", bench_farm.coordinator)
    assert plain.monitor_spec() is None
    with pytest.raises(TinybenchError) as err:
        plain.require("monitor", "the power monitor")
    assert "labgrid place 'tb-powered' has no NetworkSerialPort named 'monitor'" in err.value.message
    assert "labgrid-client -p tb-powered add-match" in err.value.hint


def test_failing_power_port_names_the_place_and_resource(bench_farm: LabgridFarm, tmp_path: Path) -> None:
    """A power switch that answers with an error stops the run before it starts, with an error
    naming the place and its power resource; the place is released and no run directory is left."""
    powered = next(p for p in bench_farm.places if p.name == "tb-powered")
    bench_farm.switch.failing.add(bench_farm.places.index(powered))  # type: ignore[union-attr]
    try:
        bad = _run("run", "--place", "tb-powered", "--coordinator", bench_farm.coordinator, "--no-flash",
                   "--workload", "kws01", "--mode", "performance", "--out", str(tmp_path / "bad"))
    finally:
        bench_farm.switch.failing.clear()  # type: ignore[union-attr]
    assert bad.returncode == 2
    assert "labgrid place 'tb-powered': its power port 'power' (NetworkPowerPort" in bad.stderr, bad.stderr
    assert "power get -n power" in bad.stderr
    assert not (tmp_path / "bad").exists() and _holder(bench_farm, "tb-powered") is None


def test_suite_energy_cell_at_a_bench_place(bench_farm: LabgridFarm, tmp_path: Path) -> None:
    out = tmp_path / "suite"
    proc = _run("suite", "--place", "tb-bench", "--coordinator", bench_farm.coordinator, "--workloads", "ad01",
                "--modes", "energy", "--min-window-s", "0.2", "--division", "open", "--out", str(out),
                "--no-progress")
    cells = [json.loads(line) for line in (out / "labgrid-qemu" / "cells.jsonl").read_text().splitlines()]
    done = [r for r in cells if r["state"] == "done"]
    assert [(r["cell"], r["place"]) for r in done] == [("ad01-energy", "tb-bench")], proc.stderr + proc.stdout
    assert done[0]["energy_uj"] > 0
    assert _holder(bench_farm, "tb-bench") is None


@pytest.mark.parametrize("key, value, setter", [("held", True, "the labgrid backend"), ("mode", "energy", "--mode")])
def test_runtime_labgrid_state_cannot_come_from_a_board_yaml(tmp_path: Path, key: str, value: object,
                                                            setter: str) -> None:
    """``labgrid.mode`` / ``labgrid.held`` are run state: a yaml that sets them is refused naming the
    field and who sets it; what a run sets never reaches a dump of the section."""
    import yaml

    from tinybench import paths
    from tinybench.boards import load_board

    board = yaml.safe_load((paths.boards_dir() / "labgrid-host.yaml").read_text())
    board["labgrid"] = {"place": "tb-flash", key: value}
    path = tmp_path / "placed.yaml"
    path.write_text(yaml.safe_dump(board))
    with pytest.raises(TinybenchError) as err:
        load_board(path)
    assert f"labgrid.{key} is set by the runner at run time" in err.value.message
    assert setter in err.value.message and "remove it" in err.value.message
    del board["labgrid"][key]
    path.write_text(yaml.safe_dump(board))
    section = load_board(path).labgrid
    assert section is not None and not section.held and section.mode is None
    running = section.for_mode("energy").held_at("127.0.0.1:1")
    assert running.held and running.mode == "energy" and running.coordinator == "127.0.0.1:1"
    assert set(running.model_dump()) == {"place", "coordinator", "power", "power_off_s"}
