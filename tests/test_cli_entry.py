"""`python -m tinybench` is the same CLI as the `tinybench` script (for venvs whose bin/ is not on PATH)."""
from __future__ import annotations

import subprocess
import sys


def test_python_dash_m_runs_the_cli_and_keeps_exit_codes() -> None:
    ok = subprocess.run([sys.executable, "-m", "tinybench", "--help"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "suite" in ok.stdout and "run" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "tinybench", "run", "--board", "no-such-board", "--workload", "kws01", "--mode", "performance"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "no-such-board" in bad.stderr and "Traceback" not in bad.stderr
