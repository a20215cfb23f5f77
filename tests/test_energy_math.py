"""Energy math and importer edge cases, on small hand-built traces with hand-computed answers."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from tinybench.errors import TinybenchError
from tinybench.power.energy import (compute_windows, edge_position_from_time,
                                    pair_edges_energyrunner)
from tinybench.power.importers import load_trace


def test_whole_sample_bounds_are_a_plain_sum() -> None:
    samples = np.arange(1, 11, dtype=float) * 1e-6  # 1..10 µJ
    s = compute_windows(samples, 1000.0, [(2, 5)], [3])
    (w,) = s.windows
    assert w.energy_uj == pytest.approx(3 + 4 + 5)
    assert w.duration_s == pytest.approx(0.003)
    assert w.power_uw == pytest.approx(12 / 0.003)
    assert w.energy_per_inf_uj == pytest.approx(4.0)
    assert w.throughput_ips == pytest.approx(1000.0)


def test_fractional_bounds_weight_boundary_samples() -> None:
    samples = np.array([10.0, 20.0, 30.0, 40.0]) * 1e-6
    (w,) = compute_windows(samples, 1000.0, [(0.5, 2.5)], [1]).windows
    assert w.energy_uj == pytest.approx(5 + 20 + 15)


def test_median_of_even_window_count_is_mean_of_middle_two() -> None:
    samples = np.ones(100) * 1e-6
    s = compute_windows(samples, 1000.0, [(0, 10), (10, 30), (30, 60), (60, 100)], [1, 1, 1, 1])
    assert s.median_energy_per_inf_uj == pytest.approx((20 + 30) / 2)
    assert s.short_windows == (0, 1, 2, 3)


def test_energyrunner_edge_rule_is_expected_ceil() -> None:
    # 1 ms-rounded time at 1 kHz: the true index is round(t·fs) or +1 with equal odds.
    assert edge_position_from_time(2.875, 1000.0, 0.001) == pytest.approx(2875.5)
    assert edge_position_from_time(20.93, 1000.0, 0.001) == pytest.approx(20930.5)
    # Exact time: ceil.
    assert edge_position_from_time(2.8751, 1000.0, 0.0) == 2876
    assert edge_position_from_time(1.0, 1000.0, 0.0) == 1000


@pytest.mark.parametrize("bounds,inf,match", [
    ([(5, 5)], [1], "not after"),
    ([(6, 5)], [1], "not after"),
    ([(0, 50)], [1], "outside the trace"),
    ([(0, 5)], [0], "inference count"),
    ([], [], "no energy windows"),
])
def test_bad_windows_are_errors(bounds, inf, match) -> None:  # noqa: ANN001
    with pytest.raises(TinybenchError, match=match):
        compute_windows(np.ones(10) * 1e-6, 1000.0, bounds, inf)


def test_nan_inside_a_window_is_refused_but_outside_is_fine() -> None:
    samples = np.ones(20) * 1e-6
    samples[3] = np.nan
    with pytest.raises(TinybenchError, match="missing"):
        compute_windows(samples, 1000.0, [(2, 6)], [1])
    assert compute_windows(samples, 1000.0, [(5, 9)], [1]).windows[0].energy_uj == pytest.approx(4)


def test_energyrunner_pairing_needs_marker_plus_pairs() -> None:
    assert pair_edges_energyrunner([0, 1, 2, 3, 4]) == [(1, 2), (3, 4)]
    for bad in ([0, 1], [0, 1, 2, 3], [0]):
        with pytest.raises(TinybenchError, match="edges"):
            pair_edges_energyrunner(bad)


def _energyrunner_folder(tmp: Path, samples_uj: list[float], times: list[float], infer: list[int],
                         tag: int = 0xF1) -> Path:
    raw = bytes([tag]) + struct.pack("<f", 1000.0) + struct.pack(f"<{len(samples_uj)}f", *samples_uj)
    (tmp / "trace1-energy.bin").write_bytes(raw)
    (tmp / "trace1-timestamps.json").write_text(json.dumps(times))
    (tmp / "script.async").write_text("\n".join(f"{{ cmd: 'io dut infer {n} 1' }}" for n in infer))
    return tmp


def test_energyrunner_import_small_trace(tmp_path: Path) -> None:
    folder = _energyrunner_folder(tmp_path, [2.0] * 50, [0.001, 0.010, 0.030], [4])
    trace = load_trace(folder)
    assert trace.source == "energyrunner" and trace.inferences == [4]
    (w,) = trace.summarize().windows
    # Bounds 10.5 .. 30.5 → 20 samples of 2 µJ.
    assert w.energy_uj == pytest.approx(40.0) and w.energy_per_inf_uj == pytest.approx(10.0)


def test_energyrunner_import_errors(tmp_path: Path) -> None:
    bad_tag = tmp_path / "a"
    bad_tag.mkdir()
    _energyrunner_folder(bad_tag, [1.0] * 10, [0.001, 0.002, 0.004], [1], tag=0x00)
    with pytest.raises(TinybenchError, match="not an EnergyRunner energy trace"):
        load_trace(bad_tag)
    wrong_n = tmp_path / "b"
    wrong_n.mkdir()
    _energyrunner_folder(wrong_n, [1.0] * 10, [0.001, 0.002, 0.004], [1, 1])
    with pytest.raises(TinybenchError, match="2 `io dut infer N W` commands for 1 energy windows"):
        load_trace(wrong_n)
    with pytest.raises(TinybenchError, match="no energy trace"):
        load_trace(tmp_path)


def test_mlc_results_nonconsecutive_counters_refused(tmp_path: Path) -> None:
    trial = {"infer": {"iterations": 5}, "power": {"samples": [1e-6] * 20,
                                                   "timestamps": [["00", 2], ["02", 12]], "voltage": 3}}
    (tmp_path / "results.json").write_text(json.dumps([trial]))
    with pytest.raises(TinybenchError, match="not consecutive"):
        load_trace(tmp_path)
    trial["power"]["timestamps"] = [["07", 1], ["00", 2], ["01", 12]]  # extra early event ignored
    (tmp_path / "results.json").write_text(json.dumps([trial]))
    (w,) = load_trace(tmp_path).summarize().windows
    assert w.energy_uj == pytest.approx(10.0) and w.inferences == 5
