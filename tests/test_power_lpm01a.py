"""The LPM01A driver against the simulated PowerShield over a real pyserial socket:// link.

The instrument side is ``tinybench.power.sim_lpm01a`` (a protocol-level simulated instrument),
fed by ``EdgeGenerator`` playing the simulated board's edge channel with a stated timeline. Expected
values come from the simulator's own record of what it sent (``sent_values``, ``event_positions``)
and from the stated timeline — not from the driver.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinybench.errors import TinybenchError
from tinybench.power.edge_generator import EdgeGenerator
from tinybench.power.energy import compute_windows
from tinybench.power.lpm01a import Lpm01a, parse_sample
from tinybench.power.sim_lpm01a import Faults, SimLpm01a, format_sample

T0 = 5_000_000  # simulated board time of the first edge, µs
# (marker, window 1 start/stop, window 2 start/stop) in µs after T0
TIMELINE = [0, 100_000, 2_600_400, 2_700_000, 5_200_750]


def _acquire(faults: Faults | None = None, *, power_mw: float = 12.0, timeline=TIMELINE):
    with EdgeGenerator() as gen, SimLpm01a(gen.url, power_mw=power_mw, faults=faults) as sim:
        assert gen.wait_connected()
        with Lpm01a(sim.url, timeout=1.0) as monitor:
            monitor.configure(1.8, 1000)
            monitor.power(True)
            monitor.start()
            for t in timeline:
                gen.edge(T0 + t)
            monitor.wait_edges(len(timeline), 3.0, settle=0.2)
            capture = monitor.stop()
        return capture, sim


def test_sample_format_round_trips() -> None:
    for value in (4.08e-5, 1.2345e-6, 9.9996e-3, 3.3e-5):
        text = format_sample(value)
        assert len(text) == 7
        assert parse_sample(text) == pytest.approx(value, rel=5e-4)
    assert parse_sample("6409-07") == pytest.approx(6.409e-4)
    with pytest.raises(ValueError):
        parse_sample("64x9-07")


def test_acquisition_matches_instrument_record() -> None:
    capture, sim = _acquire()
    info = capture.info
    assert info.driver == "lpm01a" and "simulated" in info.model and info.category == "estimated"
    assert info.serial.startswith("SIM-") and info.firmware.endswith("-sim")
    assert sim.voltage_mv == 1800 and sim.rate_hz == 1000 and sim.output == "energy"
    assert capture.voltage_v == 1.8 and capture.sample_rate_hz == 1000
    # Every sample the instrument sent arrived, in order, with its value.
    assert np.array_equal(capture.samples_j, np.asarray(sim.sent_values))
    assert [e.sample_index for e in capture.edges] == sim.event_positions
    assert [e.counter for e in capture.edges] == list(range(len(TIMELINE)))
    assert capture.drops == []
    # Edge positions follow the stated timeline: ceil(lead + Δt·fs).
    expected_pos = [math.ceil(20 + t / 1000 - 1e-9) for t in TIMELINE]
    assert [e.sample_index for e in capture.edges] == expected_pos
    # Window energy ≈ stated power × simulated time (ripple ±0.5 %, 4-digit samples).
    e = capture.edges
    summary = compute_windows(capture.samples_j, 1000.0,
                              [(e[1].sample_index, e[2].sample_index),
                               (e[3].sample_index, e[4].sample_index)], [100, 100])
    for w, (a, b) in zip(summary.windows, [(1, 2), (3, 4)]):
        dut_s = (TIMELINE[b] - TIMELINE[a]) / 1e6
        assert w.energy_uj == pytest.approx(12.0e-3 * dut_s * 1e6, rel=0.006)
        assert w.duration_s == pytest.approx(dut_s, abs=0.0011)


def test_instrument_not_answering_is_a_clear_error() -> None:
    with SimLpm01a(None, faults=Faults(mute=True)) as sim:
        with pytest.raises(TinybenchError, match=r"did not acknowledge `htc`"):
            Lpm01a(sim.url, timeout=0.5)


def test_error_reply_names_command_and_detail() -> None:
    faults = Faults(error_on={"volt": "voltage out of range for this board"})
    with SimLpm01a(None, faults=faults) as sim, Lpm01a(sim.url, timeout=1.0) as monitor:
        with pytest.raises(TinybenchError, match=r"rejected `volt 1800m`.*voltage out of range"):
            monitor.configure(1.8, 1000)


def test_bad_configuration_refused_before_sending() -> None:
    with SimLpm01a(None) as sim, Lpm01a(sim.url, timeout=1.0) as monitor:
        with pytest.raises(TinybenchError, match="outside 1.8"):
            monitor.configure(5.0, 1000)
        with pytest.raises(TinybenchError, match="cannot stream energy at 100000"):
            monitor.configure(1.8, 100_000)
        assert sim.voltage_mv == 3300 and sim.rate_hz == 100  # untouched defaults


def test_stale_output_queue_is_recovered_and_excluded() -> None:
    capture, sim = _acquire(Faults(stale_queue=True))
    assert any("stale output queue" in n for n in capture.notes)
    # None of the stale samples leaked into the capture.
    assert np.array_equal(capture.samples_j, np.asarray(sim.sent_values))


def test_dropped_samples_are_reported_where_they_happened() -> None:
    capture, sim = _acquire(Faults(drop_samples=[(1500, 30)]))
    assert capture.dropped_samples == 30
    (drop,) = capture.drops
    assert drop.after_sample <= 1500 <= drop.before_sample
    assert len(capture.samples_j) == len(sim.sent_values) - 30


def test_missing_and_extra_edges_are_visible() -> None:
    capture, sim = _acquire(Faults(missing_edges={2}, extra_edges={3: 5}))
    positions = [e.sample_index for e in capture.edges]
    assert positions == sim.event_positions
    assert len(positions) == len(TIMELINE)  # one lost, one spurious
    assert positions[3] - positions[2] == 5


def test_failed_stop_still_returns_everything_received() -> None:
    capture, sim = _acquire(Faults(error_on={"stop": "internal error"}))
    assert any("stopping the acquisition failed" in n and "internal error" in n for n in capture.notes)
    assert np.array_equal(capture.samples_j, np.asarray(sim.sent_values))
    assert [e.sample_index for e in capture.edges] == sim.event_positions


def test_a_single_dropped_sample_is_reported() -> None:
    """One sample lost: the instrument's ticks show the same 1-sample deficit twice (a tick
    printed just before its last sample shows it once), so it is reported and noted."""
    capture, sim = _acquire(Faults(drop_samples=[(1500, 1)]))
    assert capture.dropped_samples == 1
    (drop,) = capture.drops
    assert drop.after_sample <= 1500 <= drop.before_sample
    assert any("dropped 1 sample(s)" in n for n in capture.notes)
    clean, _ = _acquire()
    assert clean.drops == [] and clean.notes == []
