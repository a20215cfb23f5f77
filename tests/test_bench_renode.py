"""The two-machine simulated energy bench (boards/renode-mps2-an386-bench.yaml), on real Renode.

One Renode runs two MPS2 AN386 machines: the DUT (tinybench firmware) and an interface board
running firmware/interface (its Cortex-M build), wired UART-to-UART through a Renode UART hub. The
host reaches the DUT only through the interface board's socket; the DUT's timestamp edges go to
the simulated LPM01A on its edge UART, as on the direct board.

- energy through the relay (board yaml ``interface:`` section, launched by ``tinybench run``), with
  the interface board an MPS2 AN386 or the NUCLEO-L4R5ZI twin running the NUCLEO build of
  firmware/interface (boards/renode-mps2-an386-bench-nucleo.yaml), equals the direct link (renode-mps2-an386, same image) per window, within one monitor sample on
  either window edge (the edge-resolution rule), category ``estimated``;
- performance and accuracy run through the relay unchanged (``--no-flash --interface`` on a bench
  this test starts itself); accuracy scores equal the host build's (bit-exact firmware);
- the interface firmware queues whole inputs: every input travels as ``db`` chunks queued at once;
- the nRF52840-DK build of firmware/interface, on Renode's bundled nRF52840-DK platform, relays a
  performance run (boards/renode-mps2-an386-bench-nrf52840.yaml) with the DUT's own laps;
- ``tinybench flash --interface-firmware`` puts it on the DK's twin the board's way.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fixtures_renode import needs_renode
from fixtures_run import cached_dataset
from tinybench.cli import main

pytestmark = pytest.mark.renode
BENCH = "renode-mps2-an386-bench"
WORKLOAD = "ad01"
WINDOW_S = 0.2


def _energy(board: str, out: Path) -> dict:
    code = main(["run", "--board", board, "--workload", WORKLOAD, "--mode", "energy",
                 "--dataset", str(cached_dataset(WORKLOAD, 5)), "--out", str(out),
                 "--min-window-s", str(WINDOW_S), "--no-progress"])
    assert code == 0
    return json.loads((out / "results.json").read_text())


@pytest.fixture(scope="module")
def direct_energy(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The same image and dataset on the DUT machine alone (no interface board): the reference."""
    needs_renode()
    return _energy("renode-mps2-an386", tmp_path_factory.mktemp("direct"))


@pytest.mark.parametrize("bench", [BENCH, f"{BENCH}-nucleo"])
def test_energy_through_the_interface_board_equals_direct(bench: str, direct_energy: dict,
                                                          tmp_path: Path) -> None:
    relay = _energy(bench, tmp_path / "relay")
    direct = direct_energy
    assert relay["complete"] and relay["category"] == direct["category"] == "estimated"
    e_r, e_d = relay["energy"], direct["energy"]
    assert e_r["category"] == "estimated"
    assert [w["iterations"] for w in e_r["windows"]] == [w["iterations"] for w in e_d["windows"]]
    sample_s = 1.0 / e_d["sample_rate_hz"]
    for wr, wd in zip(e_r["windows"], e_d["windows"], strict=True):
        # Same image, same DUT clock: the window lasts as long, up to one sample on either edge
        # (the edge-resolution rule); energy differs by those samples (power ±0.5 % ripple) plus
        # the ripple's sum over the window (< 0.1 %). A window 6 ms off would fail both.
        assert wr["duration_s"] == pytest.approx(wd["duration_s"], abs=2 * sample_s + 1e-9)
        power_uw = wd["energy_uj"] / wd["duration_s"]
        assert wr["energy_uj"] == pytest.approx(
            wd["energy_uj"], abs=2 * sample_s * power_uw * 1.005 + 1e-3 * wd["energy_uj"])
    log = (tmp_path / "relay" / "log.txt").read_text()
    assert "# io < tinyML Enhanced Interface Board" in log and "# io < baud is: 9600" in log
    assert "db chunks queued in the interface board at once" in log
    assert "# io < m-dut-passthrough(infer" in log


@pytest.fixture(scope="module")
def bench_url(firmware_image):  # type: ignore[no-untyped-def]
    """A performance image on the two-machine bench, started here; yields the interface board's URL."""
    from tinybench.boards import load_board
    from tinybench.flash.build import build_interface_firmware
    from tinybench.sim.renode import launch_renode

    needs_renode()
    board = load_board(BENCH)
    image = firmware_image(BENCH, WORKLOAD)
    assert board.interface is not None and board.interface.renode is not None
    iface = build_interface_firmware(board.interface.renode.port, board.baud_for("performance"), pace=True)
    proc = launch_renode(board, image.path, interface=iface)
    try:
        assert proc.uart_url.startswith("relay+socket://")
        yield proc.uart_url.removeprefix("relay+")
    finally:
        proc.stop()


def test_performance_through_the_interface_board(bench_url: str, tmp_path: Path) -> None:
    out = tmp_path / "perf"
    assert main(["run", "--board", BENCH, "--workload", WORKLOAD, "--mode", "performance",
                 "--dataset", str(cached_dataset(WORKLOAD, 5)), "--out", str(out), "--no-flash",
                 "--interface", bench_url, "--min-window-s", str(WINDOW_S), "--no-progress"]) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["complete"] and res["category"] == "simulated"
    assert all(w["runtime_s"] >= WINDOW_S for w in res["performance"]["windows"])
    assert len(res["performance"]["windows"]) == 5


def test_accuracy_through_the_interface_board_equals_host(bench_url: str, tmp_path: Path) -> None:
    from tinybench.run.session import RunRequest, start

    ds = cached_dataset(WORKLOAD, 2)    # AD: many 2560-byte windows per file, each a queued load
    host, _ = start(RunRequest(board="host", workload=WORKLOAD, mode="accuracy", dataset=ds,
                               out=tmp_path / "host", progress=False))
    out = tmp_path / "relay"
    assert main(["run", "--board", BENCH, "--workload", WORKLOAD, "--mode", "accuracy",
                 "--dataset", str(ds), "--out", str(out), "--no-flash", "--interface", bench_url,
                 "--no-progress"]) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["complete"]
    assert [i["score"] for i in res["inputs"]] == [i.score for i in host.inputs]


def test_performance_through_the_nrf52840_interface_firmware(tmp_path: Path) -> None:
    """tinybench launches the bench itself (DUT + nRF52840-DK twin running iface_nrf.c, built and
    loaded per run); the DUT's own laps come back through it."""
    needs_renode()
    out = tmp_path / "perf"
    assert main(["run", "--board", f"{BENCH}-nrf52840", "--workload", "kws01", "--mode", "performance",
                 "--dataset", str(cached_dataset("kws01", 5)), "--out", str(out),
                 "--min-window-s", str(WINDOW_S), "--no-progress"]) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["complete"] and res["category"] == "simulated"
    assert len(res["performance"]["windows"]) == 5
    assert all(w["runtime_s"] >= WINDOW_S for w in res["performance"]["windows"])
    log = (out / "log.txt").read_text()
    # the nRF build answered on the host hop and relays to the DUT at the DUT's performance baud
    assert "# io < m-iface-[tinybench,queue=65536,baud=115200,timer]" in log
    assert "db chunks queued in the interface board at once" in log
    assert "< m-lap-us-" in log


def test_flash_interface_firmware_onto_a_twin(capsys: pytest.CaptureFixture[str]) -> None:
    """`tinybench flash --interface-firmware` on the nRF52840-DK twin: the nRF build is flashed the
    board's way (GDB into empty flash) and answers as an interface board at the baud asked for."""
    needs_renode()
    if shutil.which("gdb-multiarch") is None and shutil.which("arm-none-eabi-gdb") is None:
        pytest.skip("no GDB for Arm installed (apt-get install gdb-multiarch)")
    assert main(["flash", "--board", "renode-nrf52840dk", "--interface-firmware", "--dut-baud", "19200",
                 "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["name"] == "tinyML Enhanced Interface Board"
    assert facts["dut_baud"] == 19200 and facts["queue"] == 65536 and facts["flasher"] == "gdb"
