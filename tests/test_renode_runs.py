"""Every run mode on a Renode board, end to end on real Renode, and the CI gate on its results.

- performance: figures labelled simulated with the Renode time base; instructions per inference
  from Renode virtual time agree with Renode's own ``ExecutedInstructions`` counter (test module
  test_renode_board) and repeat exactly from one Renode launch to the next;
- ``tinybench compare`` passes a run against itself and fails (exit 1, JUnit failure) against the
  same firmware built ``-O0`` (a board variant, ``build.opt``), a deliberately slowed build;
- accuracy interrupted with SIGINT and finished with ``--resume`` equals the host build's run
  (the firmware is bit-exact on every board);
- energy: edges through the second UART socket, figures labelled estimated.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixtures_renode import RENODE_BOARD, needs_renode
from fixtures_run import cached_dataset, ctrl_c_deliverable
from tinybench.cli import main as cli_main
from tinybench.results.compare import compare_runs
from tinybench.run.session import RunRequest, start

pytestmark = pytest.mark.renode
WINDOW_S = 0.5


@pytest.fixture(scope="module")
def perf_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    needs_renode()
    ds = cached_dataset("ad01", 5)
    out = tmp_path_factory.mktemp("renode") / "perf"
    start(RunRequest(board=RENODE_BOARD, workload="ad01", mode="performance", dataset=ds, out=out,
                     min_window_s=WINDOW_S, progress=False))
    return out


def test_performance_figures_are_simulated_renode_figures(perf_run: Path) -> None:
    res = json.loads((perf_run / "results.json").read_text())
    perf = res["performance"]
    assert res["category"] == "simulated" and res["board"] == RENODE_BOARD and res["complete"]
    assert "Renode virtual time, 25 MIPS" in perf["time_base"]
    for w in perf["windows"]:
        assert w["instructions_per_inference"] == pytest.approx(w["elapsed_us"] * 25 / w["iterations"])
    assert perf["median_instructions_per_inference"] > 100_000


def _slow_board(tmp_path: Path) -> Path:
    base = (Path(__file__).parents[1] / "boards" / f"{RENODE_BOARD}.yaml").read_text()
    platform = Path(__file__).parents[1] / "boards" / "renode" / "mps2-an386.repl"
    text = (base.replace("platform: renode/mps2-an386.repl", f"platform: {platform}")
                .replace("name: renode-mps2-an386", "name: renode-mps2-an386-O0")
                .replace("  stack_bytes: 32768\n", "  stack_bytes: 32768\n  opt: -O0\n"))
    path = tmp_path / "renode-mps2-an386-O0.yaml"
    path.write_text(text)
    return path


def test_compare_gate_fails_a_slowed_build(perf_run: Path, tmp_path: Path) -> None:
    junit = tmp_path / "same.xml"
    assert cli_main(["compare", str(perf_run), str(perf_run), "--junit", str(junit)]) == 0
    assert 'failures="0"' in junit.read_text()

    slow = tmp_path / "slow"
    start(RunRequest(board=str(_slow_board(tmp_path)), workload="ad01", mode="performance",
                     dataset=cached_dataset("ad01", 5), out=slow, min_window_s=WINDOW_S, progress=False))
    cmp = compare_runs(perf_run, slow)
    rows = {r.figure: r for r in cmp.rows}
    assert rows["instructions/inference"].status == "REGRESSION"
    assert rows["latency"].status == "REGRESSION"
    junit = tmp_path / "slow.xml"
    assert cli_main(["compare", str(perf_run), str(slow), "--junit", str(junit)]) == 1
    xml = junit.read_text()
    assert '<failure' in xml and 'name="instructions/inference"' in xml


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from tinybench.cli import main; sys.exit(main())", *args]


def _inputs_done(run_dir: Path) -> int:
    path = run_dir / "progress.jsonl"
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if '"input"' in line)


def test_accuracy_interrupted_and_resumed_equals_host(tmp_path: Path) -> None:
    needs_renode()
    ds = cached_dataset("ad01", 4)
    host, _ = start(RunRequest(board="host", workload="ad01", mode="accuracy", dataset=ds,
                               out=tmp_path / "host", progress=False))
    out = tmp_path / "renode"
    proc = subprocess.Popen(_cli("run", "--board", RENODE_BOARD, "--workload", "ad01", "--mode", "accuracy",
                                 "--dataset", str(ds), "--out", str(out), "--no-progress"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_deliverable)
    try:
        deadline = time.monotonic() + 300
        while _inputs_done(out) < 1:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the Renode run made no progress"
            time.sleep(0.1)
        # Stop the runner first so the remaining inputs cannot all finish before Ctrl-C lands.
        proc.send_signal(signal.SIGSTOP)
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGCONT)
        assert proc.wait(timeout=120) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not (out / "results.json").exists() or not json.loads((out / "results.json").read_text())["complete"]
    resumed, _ = start(RunRequest(board=None, workload=None, mode=None, out=out, resume=True, progress=False))
    assert resumed.complete
    assert [i.score for i in resumed.inputs] == [i.score for i in host.inputs]
    assert resumed.accuracy is not None and host.accuracy is not None
    assert resumed.accuracy.metric_value == host.accuracy.metric_value


def test_energy_edges_through_second_uart(tmp_path: Path) -> None:
    needs_renode()
    from tinybench.run.energy import run_energy

    results, run_dir = run_energy(board=RENODE_BOARD, workload="ad01", dataset=cached_dataset("ad01", 5),
                                  out=tmp_path / "energy", monitor=None, voltage_v=1.8,
                                  min_window_s=WINDOW_S)
    energy = results.energy
    assert energy is not None and energy.category == "estimated"
    assert energy.edges > 0 and energy.median_energy_per_inf_uj > 0
    assert (run_dir / "trace.npz").is_file()
    assert os.path.getsize(run_dir / "log.txt") > 0
