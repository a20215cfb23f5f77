"""Energy mode (progress, run-directory line, --resume, failure reasons, report) and serial
failures (missing port, bad power-monitor port, no empty run directory after a failed start),
driven through the real CLI on the host board with the simulated LPM01A."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from fixtures_run import cached_dataset
from tinybench.cli import main

MIN_WINDOW = "0.3"


@pytest.fixture(autouse=True)
def _needs_gcc() -> None:
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed: cannot build the host firmware")


def _energy_argv(out: Path) -> list[str]:
    return ["run", "--board", "host", "--workload", "kws01", "--mode", "energy", "--min-window-s",
            MIN_WINDOW, "--dataset", str(cached_dataset("kws01", 5)), "--out", str(out)]


def _interrupt_when(log: Path, text: str) -> threading.Thread:
    """Send SIGINT to this process (a real Ctrl-C) once ``text`` appears in the run's log."""
    def watch() -> None:
        for _ in range(6000):   # up to 5 min: a loaded machine reaches window 2 late
            if log.is_file() and text in log.read_text(errors="replace"):
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_energy_interrupted_then_resumed_and_reported(tmp_path: Path, capsys) -> None:
    out = tmp_path / "energy"
    # A worker started from a background job may have SIGINT ignored: take Ctrl-C back for the test.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        watcher = _interrupt_when(out / "log.txt", "energy window 2 attempt 1")
        assert main(_energy_argv(out)) == 130
        watcher.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    err = capsys.readouterr().err
    assert f"run directory: {out}" in err                       # said before measuring
    assert "energy windows" in err                               # progress display
    assert "--resume" in err
    partial = json.loads((out / "results.json").read_text())
    assert partial["complete"] is False
    failed = [n for n in partial["notes"] if n.startswith("energy run failed")]
    assert failed and failed[0].endswith("interrupted (Ctrl-C or SIGTERM)") and "window 2" in failed[0]
    trace_meta = json.loads((out / "trace.json").read_text())
    assert trace_meta["failed_window"]["reason"] == "interrupted (Ctrl-C or SIGTERM)"

    # the advice works: --resume --out DIR alone measures the windows again in that directory
    assert main(["run", "--resume", "--out", str(out), "--no-progress"]) == 0
    done = json.loads((out / "results.json").read_text())
    assert done["complete"] is True and len(done["energy"]["windows"]) == 5
    assert "session resume" in (out / "log.txt").read_text()
    assert main(["run", "--resume", "--out", str(out)]) == 2      # complete: nothing to resume
    assert "already complete" in capsys.readouterr().err

    assert main(["report", str(out), "--no-plots"]) == 0
    report = capsys.readouterr().out
    rows = [line.split() for line in report.splitlines() if line.split()[:1] in (["1"], ["2"], ["3"], ["4"], ["5"])]
    assert [r[0] for r in rows] == ["1", "2", "3", "4", "5"]        # one table row per window
    assert [r[1] for r in rows] == [w["input_file"] for w in done["energy"]["windows"]]
    assert "X-NUCLEO-LPM01A" in report and "at 1.8 V, 1000 Hz" in report
    assert f"median energy {done['energy']['median_energy_per_inf_uj']:.3f} uJ/inference" in report
    assert "energy_windows.png" in report
    assert ("UNSTABLE TIMING" in report) == done["energy"]["unstable"]

    # a truncated trace is the user's file, not a bug: one message, exit 2
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    (broken / "trace.npz").write_bytes((out / "trace.npz").read_bytes()[:100])
    assert main(["energy", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "is corrupt or truncated" in err and "Traceback" not in err


def test_voltage_and_monitor_outside_energy_mode_are_refused(tmp_path: Path, capsys) -> None:
    for extra in (["--voltage", "3.3"], ["--monitor", "lpm01a:/dev/ttyACM1"]):
        assert main(["run", "--board", "host", "--workload", "kws01", "--mode", "performance",
                     "--out", str(tmp_path / "x"), *extra]) == 2
        assert "only apply to --mode energy" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_missing_serial_port_is_named_at_once_and_leaves_no_run_dir(tmp_path: Path, capsys) -> None:
    # an already-programmed DUT on a port that is not there (unplugged board, typo)
    out = tmp_path / "run"
    assert main(["run", "--board", "host", "--workload", "kws01", "--mode", "performance",
                 "--no-flash", "--port", "/dev/ttyUSB9", "--dataset", str(cached_dataset("kws01", 5)),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "DUT link /dev/ttyUSB9: no such serial device" in err
    assert "image was built" not in err and "did not answer" not in err   # not blamed on the firmware
    assert not out.exists()                                       # no empty run directory


def test_bad_power_monitor_port_is_named_as_the_monitor(tmp_path: Path, capsys) -> None:
    out = tmp_path / "energy"
    argv = _energy_argv(out) + ["--monitor", "lpm01a:/dev/ttyUSB8"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "power monitor (LPM01A) /dev/ttyUSB8: no such serial device" in err
    assert "DUT link" not in err
    assert not out.exists()
