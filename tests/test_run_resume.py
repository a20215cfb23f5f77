"""Kill the runner (SIGINT, SIGKILL) mid accuracy run on the real host-board firmware; ``--resume``
must give the same final result as an uninterrupted run, with no input lost or counted twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixtures_run import cached_dataset, ctrl_c_deliverable
from tinybench.protocol.transcripts import parse_tinybench_log
from tinybench.run.session import RunRequest, start

FILES = 30


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from tinybench.cli import main; sys.exit(main())", *args]


def _journal_inputs(run_dir: Path) -> list[str]:
    path = run_dir / "progress.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if item["kind"] == "input":
            out.append(item["key"])
    return out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupt_and_resume_matches_uninterrupted(tmp_path, sig):
    ds = cached_dataset("kws01", FILES)
    reference, _ = start(RunRequest(board="host", workload="kws01", mode="accuracy", dataset=ds,
                                    out=tmp_path / "whole", progress=False))
    out = tmp_path / "cut"
    proc = subprocess.Popen(_cli("run", "--board", "host", "--workload", "kws01", "--mode", "accuracy",
                                 "--dataset", str(ds), "--out", str(out), "--no-progress"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=ctrl_c_deliverable)
    try:
        deadline = time.monotonic() + 120
        while len(_journal_inputs(out)) < 5:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "run made no progress"
            time.sleep(0.05)
        # Freeze the runner and its firmware at once: on a fast link the remaining inputs could
        # otherwise all finish before the signal lands, and the test would interrupt nothing.
        os.killpg(proc.pid, signal.SIGSTOP)
        if sig == signal.SIGKILL:
            os.killpg(proc.pid, signal.SIGKILL)      # the runner and the firmware it launched
        else:
            os.kill(proc.pid, signal.SIGINT)
            os.killpg(proc.pid, signal.SIGCONT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "--resume" in err
        assert json.loads((out / "results.json").read_text())["complete"] is False
    else:
        assert proc.returncode == -signal.SIGKILL
    before = _journal_inputs(out)
    assert 5 <= len(before) < FILES

    done = subprocess.run(_cli("run", "--resume", "--out", str(out), "--no-progress", "--json"),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    resumed = json.loads(done.stdout)
    after = _journal_inputs(out)
    assert after[:len(before)] == before and len(after) == len(set(after)) == FILES
    assert resumed["complete"] is True
    whole = reference.model_dump(mode="json")
    assert resumed["inputs"] == whole["inputs"]
    for key in ("top1", "auc", "inputs", "inferences", "per_class_counts", "confusion_matrix"):
        assert resumed["accuracy"][key] == whole["accuracy"][key]
    # Inputs journaled before the kill were not measured again after it.
    log = parse_tinybench_log((out / "log.txt").read_text())
    measured = [x.input_file for x in log.inferences if x.tag == "accuracy"]
    assert all(measured.count(name) == 1 for name in before)
    assert set(measured) == set(after)
