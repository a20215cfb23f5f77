"""Energy mode end to end: real energy-mode firmware (host build) → its edge channel → the simulated
LPM01A (protocol-level simulated instrument) → the real LPM01A driver over pyserial → run directory.

Independent expectations: the simulator's stated model (constant power) and its own record of the
simulated board's edge times (``edges_seen``, DUT µs) — never the figures under test. Faults are
injected by the simulated instrument.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from tinybench import fsutil
from tinybench.cli import main
from tinybench.errors import TinybenchError
from tinybench.power.lpm01a import Lpm01a
from tinybench.power.sim_lpm01a import Faults, SimLpm01a

POWER_MW = 25.0
MIN_WINDOW_S = 0.3  # short windows keep CI fast; such runs are marked non-compliant


@pytest.fixture(scope="module")
def host_energy(shared: Path):  # noqa: ANN201
    """(board, energy image, model, dataset) for AD on the host board; built once, cached on disk."""
    from fixtures_run import cached_dataset

    from tinybench.boards import load_board
    from tinybench.flash import build_firmware
    from tinybench.run.session import _model_file
    from tinybench.workloads import load_dataset, load_workload

    board = load_board("host")
    workload = load_workload("ad01")
    model = _model_file(workload)
    image = build_firmware(board, model, workload.id, energy=True)
    dataset = load_dataset(cached_dataset("ad01", 5), workload)
    return board, image, model, dataset


def _run(host_energy, out: Path, faults: Faults | None = None, *, iterations: int | None = None):  # noqa: ANN001, ANN202
    from tinybench.flash import deploy
    from tinybench.protocol import connect
    from tinybench.results.rundir import RunDirectory
    from tinybench.run.common import RunOptions, RunTarget
    from tinybench.run.energy import execute_energy

    board, image, model, dataset = host_energy
    run = RunDirectory.create(out, {"board": board.name, "workload": "ad01", "mode": "energy"})
    with deploy(board, image) as link:
        assert link.edge_url, "energy image must expose an edge channel"
        with SimLpm01a(link.edge_url, power_mw=POWER_MW, faults=faults) as sim:
            assert sim.edge_channel_open.wait(10)
            target = RunTarget(board=board.name, category=link.category, firmware=image.path, model=model)
            with Lpm01a(sim.url, timeout=1.0) as monitor, \
                    connect(link.url, link.baud, transcript=run.transcript) as client:
                try:
                    results = execute_energy(
                        client, run, target, dataset, RunOptions(min_window_s=MIN_WINDOW_S, progress=False),
                        monitor, voltage_v=1.8, power_model=f"test model {POWER_MW} mW",
                        iterations=iterations, edge_timeout_s=1.0)
                except TinybenchError as exc:
                    return None, sim, exc
    return results, sim, None


def _trace(out: Path) -> tuple[dict, dict]:
    with np.load(out / "trace.npz") as data:
        arrays = {k: data[k] for k in data.files}
    return arrays, json.loads((out / "trace.json").read_text())


def test_energy_run_figures_follow_the_stated_model(host_energy, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    results, sim, err = _run(host_energy, out)
    assert err is None and results.complete and results.mode == "energy"
    assert results.category == "estimated" and not results.compliant
    data = json.loads((out / "results.json").read_text())
    energy = data["energy"]
    assert energy["category"] == "estimated"
    assert energy["instrument"]["serial"].startswith("SIM-") and energy["instrument"]["driver"] == "lpm01a"
    assert energy["voltage_v"] == 1.8 and energy["sample_rate_hz"] == 1000
    assert len(energy["windows"]) == 5
    # Window timing from the monitor's edges agrees with the board's own edge times (±1 sample).
    edges_us = sim.edges_seen
    arrays, meta = _trace(out)
    context = {"windows": energy["windows"], "notes": energy["notes"], "edges_us": edges_us,
               "edges": arrays["edges"].tolist(), "window_edges": arrays["window_edges"].tolist()}
    assert len(arrays["edges"]) == len(edges_us) == len(sim.event_positions), context
    for w, (a, b) in zip(energy["windows"], arrays["window_edges"]):
        dut_s = (edges_us[b] - edges_us[a]) / 1e6
        assert w["duration_s"] == pytest.approx(dut_s, abs=0.0011), context
        assert w["duration_s"] >= MIN_WINDOW_S or w["attempts"] == 4, context
        # Stated model: constant power (±0.5 % ripple, 4-digit samples).
        assert w["energy_uj"] == pytest.approx(POWER_MW * 1e3 * w["duration_s"], rel=0.006), context
        assert w["energy_per_inf_uj"] == pytest.approx(w["energy_uj"] / w["iterations"])
    # The saved raw trace is exactly what the instrument sent.
    assert np.array_equal(arrays["samples_j"], np.asarray(sim.sent_values))
    assert meta["instrument"]["firmware"].endswith("-sim") and meta["voltage_v"] == 1.8
    # results.txt carries the checker's energy line with the same median.
    txt = (out / "results.txt").read_text()
    median = float(re.search(r"Median energy cost is ([\d.]+) uJ/inf", txt).group(1))
    assert median == pytest.approx(energy["median_energy_per_inf_uj"], abs=5e-4)
    assert "ESTIMATED" in txt and "SIM-LPM01A" in txt
    # `tinybench energy RUN_DIR` recomputes the same figures from the raw trace.
    capsys.readouterr()
    assert main(["energy", str(out), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["median_energy_per_inf_uj"] == pytest.approx(energy["median_energy_per_inf_uj"], rel=1e-12)
    assert again["category"] == "estimated"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["energy_trace"]["sha256"] == fsutil.sha256_file(out / "trace.npz")
    assert (out / "energy_windows.png").stat().st_size > 1000


def test_missing_edge_once_is_recovered_by_repeating_the_window(host_energy, tmp_path: Path) -> None:
    # Edges: 0 = timestamp marker, then (start, stop) per window; N fixed so no probe edges.
    results, sim, err = _run(host_energy, tmp_path / "run", Faults(missing_edges={2}), iterations=600)
    assert err is None and results.complete
    energy = json.loads((tmp_path / "run" / "results.json").read_text())["energy"]
    assert [w["attempts"] for w in energy["windows"]] == [2, 1, 1, 1, 1]
    assert any("missing timestamp edges" in n for n in energy["notes"])
    arrays, _ = _trace(tmp_path / "run")
    assert arrays["window_edges"][0].tolist() == [2, 3]  # the repeated attempt's edges (one was lost)
    for w in energy["windows"]:
        assert w["energy_uj"] == pytest.approx(POWER_MW * 1e3 * w["duration_s"], rel=0.006)


def test_extra_edge_once_is_recovered(host_energy, tmp_path: Path) -> None:
    results, _, err = _run(host_energy, tmp_path / "run", Faults(extra_edges={3: 2}), iterations=600)
    assert err is None and results.complete
    energy = json.loads((tmp_path / "run" / "results.json").read_text())["energy"]
    assert [w["attempts"] for w in energy["windows"]] == [1, 2, 1, 1, 1]
    assert any("extra timestamp edges" in n for n in energy["notes"])


def test_persistently_missing_edges_fail_clearly_and_keep_the_trace(host_energy, tmp_path: Path) -> None:
    out = tmp_path / "run"
    results, _, err = _run(host_energy, out, Faults(missing_edges={2, 4}), iterations=600)
    assert results is None and err is not None
    assert "energy window 1" in str(err) and "missing timestamp edges" in str(err)
    data = json.loads((out / "results.json").read_text())
    assert data["complete"] is False and data.get("energy") is None
    arrays, meta = _trace(out)
    assert len(arrays["edges"]) == 3 and meta["complete"] is False  # marker + 2 surviving edges kept
    assert main(["energy", str(out)]) == 2  # no complete window to recompute: a clear error, not a number


def test_dropped_samples_inside_a_window_are_refused(host_energy, tmp_path: Path) -> None:
    # 10 samples lost in every second of the trace: the instrument's 1 s ticks reveal each loss,
    # and a window overlapping a tick interval with a loss is refused (repeated once, then an
    # error at the latest when the final capture is checked) rather than reported short.
    out = tmp_path / "run"
    drops = [(21 + 1000 * k, 10) for k in range(200)]
    results, _, err = _run(host_energy, out, Faults(drop_samples=drops), iterations=600)
    assert results is None and err is not None
    assert "dropped 10 sample(s)" in str(err)
    assert json.loads((out / "results.json").read_text())["complete"] is False
    _, meta = _trace(out)
    assert meta["drops"] and all(d["count"] == 10 for d in meta["drops"])


def test_stale_queue_at_start_is_recovered(host_energy, tmp_path: Path) -> None:
    results, sim, err = _run(host_energy, tmp_path / "run", Faults(stale_queue=True), iterations=600)
    assert err is None and results.complete
    energy = json.loads((tmp_path / "run" / "results.json").read_text())["energy"]
    assert any("stale output queue" in n for n in energy["notes"])
    arrays, _ = _trace(tmp_path / "run")
    assert np.array_equal(arrays["samples_j"], np.asarray(sim.sent_values))


def test_instrument_error_reply_aborts_before_measuring(host_energy, tmp_path: Path) -> None:
    out = tmp_path / "run"
    results, _, err = _run(host_energy, out, Faults(error_on={"start": "acquisition not possible"}),
                           iterations=600)
    assert results is None and "rejected `start`" in str(err) and "acquisition not possible" in str(err)
    assert json.loads((out / "results.json").read_text())["complete"] is False


@pytest.mark.qemu
def test_qemu_energy_run_through_the_runner_entry_point(shared: Path, tmp_path: Path) -> None:
    """`run_energy` (what `tinybench run --mode energy` dispatches to) on QEMU mps2-an386: the
    simulated instrument is chosen automatically and its stated model is the board clock × 0.34 mW/MHz."""
    import shutil

    from fixtures_run import cached_dataset

    from tinybench.power.sim_lpm01a import DEFAULT_MW_PER_MHZ
    from tinybench.run.energy import run_energy

    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("qemu-system-arm / arm-none-eabi-gcc not installed")
    results, out = run_energy(board="qemu-mps2-an386", workload="ad01",
                              dataset=cached_dataset("ad01", 5), out=tmp_path / "run", min_window_s=0.5)
    assert results.complete and results.category == "estimated" and not results.compliant
    energy = json.loads((out / "results.json").read_text())["energy"]
    power_mw = DEFAULT_MW_PER_MHZ * 25.0  # boards/qemu-mps2-an386.yaml: clock_hz 25 MHz
    assert "25 MHz" in energy["power_model"]
    durations = [w["duration_s"] for w in energy["windows"]]
    assert min(durations) >= 0.5
    # -icount makes simulated time repeat exactly: the same N gives the same window (±1 sample).
    assert max(durations) - min(durations) <= 0.0011
    for w in energy["windows"]:
        assert w["energy_uj"] == pytest.approx(power_mw * 1e3 * w["duration_s"], rel=0.006)
    assert (out / "trace.npz").is_file() and (out / "energy_windows.png").is_file()
    # Energy-mode timing (monitor edges) agrees with performance-mode timing (the DUT's m-lap-us
    # laps) on the same simulated clock: within one 1 ms sample per window.
    from tinybench.run.session import RunRequest, start

    perf, _ = start(RunRequest(board="qemu-mps2-an386", workload="ad01", mode="performance",
                               dataset=cached_dataset("ad01", 5), out=tmp_path / "perf",
                               min_window_s=0.5, progress=False))
    per_inf_perf = 1.0 / perf.performance.median_throughput
    per_inf_energy = 1.0 / energy["median_throughput"]
    tolerance = 0.0011 / min(w["iterations"] for w in energy["windows"])
    assert per_inf_energy == pytest.approx(per_inf_perf, abs=tolerance + per_inf_perf * 1e-3)


def test_named_monitor_without_edges_fails_clearly(host_energy, tmp_path: Path) -> None:
    """`run_energy(monitor=SPEC)` (the physical-board path: monitor opened, configured and powered
    before the firmware is deployed) with an instrument whose event input is not wired."""
    from fixtures_run import cached_dataset

    from tinybench.run.energy import run_energy

    out = tmp_path / "run"
    with SimLpm01a(None, power_mw=POWER_MW) as sim:  # no edge channel: the "D7 wire" is missing
        with pytest.raises(TinybenchError, match="saw no edge for the DUT's `timestamp` pulse"):
            run_energy(board="host", workload="ad01", dataset=cached_dataset("ad01", 5), out=out,
                       monitor=f"lpm01a:{sim.url}", min_window_s=MIN_WINDOW_S, edge_timeout_s=0.5)
        assert sim.voltage_mv == 1800 and sim.rate_hz == 1000 and sim.output == "energy"
    data = json.loads((out / "results.json").read_text())
    assert data["complete"] is False and data["mode"] == "energy"
    assert "saw no edge" in " ".join(data["notes"])
    assert (out / "trace.npz").is_file()  # the (edge-less) acquisition is kept
