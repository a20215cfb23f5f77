"""Custom models (open division): ``run --model my.tflite`` compiles and runs your own model after
checking it fits the workload's interface; unsupported operators are named with their index
before anything is built; results are marked open division with the model's sha256."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from fixtures_run import cached_dataset
from tinybench.errors import TinybenchError
from tinybench.flash.source import DutSource
from tinybench.fsutil import sha256_file
from tinybench.run.session import RunRequest, _model_file, start
from tinybench.workloads import load_workload

sys.path.insert(0, str(Path(__file__).parent))
tb = pytest.importorskip("engine_harness.tflite_builder", reason="tflite-micro schema (test extra) missing")

KWS_IN = (0.5847029089927673, 83)      # kws01's official input quantisation


def _fc_softmax(path: Path, *, inputs: int = 490, classes: int = 12, quant=KWS_IN) -> Path:
    """input [1, inputs] -> FULLY_CONNECTED -> SOFTMAX [1, classes] (a tiny KWS-shaped classifier)."""
    rng = np.random.default_rng(3)
    g = tb.GraphBuilder()
    x = g.tensor([1, inputs], quant[0], quant[1], name="in")
    w = g.tensor([classes, inputs], 0.004, 0, data=rng.integers(-127, 128, (classes, inputs), dtype=np.int8))
    b = g.tensor([classes], quant[0] * 0.004, 0, dtype=tb.sch.TensorType.INT32,
                 data=rng.integers(-500, 500, classes).astype(np.int32))
    logits = g.tensor([1, classes], 0.25, 0, name="logits")
    y = g.tensor([1, classes], 1 / 256, -128, name="out")
    g.op("FULLY_CONNECTED", [x, w, b], [logits], *tb.fc_options())
    g.op("SOFTMAX", [logits], [y], *tb.softmax_options())
    path.write_bytes(g.build([x], [y]))
    return path


def test_custom_model_runs_in_the_open_division(tmp_path):
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    model = _fc_softmax(tmp_path / "my_kws.tflite")
    results, run_dir = start(RunRequest(board="host", workload="kws01", mode="accuracy",
                                        dataset=cached_dataset("kws01", 12), out=tmp_path / "run",
                                        progress=False, source=DutSource(model=model)))
    assert results.complete and results.division == "open"
    assert results.model_sha256 == sha256_file(model)
    assert results.dut.info.get("sha256") == sha256_file(model)     # the firmware runs that model
    assert results.accuracy.agreement is None     # the data set's TFLM reference is the official model's
    assert "open division" in (run_dir / "results.txt").read_text().splitlines()[0]
    assert sha256_file(model) in (run_dir / "manifest.json").read_text()


def test_models_that_do_not_fit_are_refused_before_any_build(tmp_path):
    ds = cached_dataset("kws01", 12)

    def run(model: Path, out: str) -> None:
        start(RunRequest(board="host", workload="kws01", mode="performance", dataset=ds,
                         out=tmp_path / out, source=DutSource(model=model)))

    with pytest.raises(TinybenchError, match=r"input has 640 elements .*kws01 sends 490"):
        run(_model_file(load_workload("ad01")), "a")
    with pytest.raises(TinybenchError, match=r"output has 10 elements .*kws01 needs 12 \(one per class\)"):
        run(_fc_softmax(tmp_path / "ten.tflite", classes=10), "b")
    with pytest.raises(TinybenchError, match=r"input quantisation is scale 0.1 / zero point 0"):
        run(_fc_softmax(tmp_path / "q.tflite", quant=(0.1, 0)), "c")
    g = tb.GraphBuilder()
    x = g.tensor([1, 49, 10, 1], *KWS_IN)
    y = g.tensor([1, 49, 10, 1], *KWS_IN)
    tb.CODES.setdefault("TANH", 28)
    g.op("TANH", [x], [y])
    pooled = tmp_path / "tanh.tflite"
    pooled.write_bytes(g.build([x], [y]))
    with pytest.raises(TinybenchError, match=r"operator 0 \(TANH\) is not supported"):
        run(pooled, "d")
    with pytest.raises(TinybenchError, match="cannot be combined with --firmware"):
        run_src = DutSource(model=pooled, no_flash=True, port="socket://127.0.0.1:1")
        start(RunRequest(board="host", workload="kws01", mode="performance", dataset=ds,
                         out=tmp_path / "e", source=run_src))
    assert not any((tmp_path / n).exists() for n in "abcde")
