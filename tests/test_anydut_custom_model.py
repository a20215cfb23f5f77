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


def _se_kws(path: Path) -> Path:
    """A small KWS-shaped model exported with a float32 interface that uses the custom-model
    operators together: float32 [1,49,10,1] -> QUANTIZE -> PAD -> CONV_2D 3x3/2 -> HARD_SWISH ->
    squeeze-excite (MEAN [1,2] -> LOGISTIC -> MUL broadcast) -> CONCATENATION with the
    un-gated features -> MEAN (keep_dims false) -> FULLY_CONNECTED -> SOFTMAX -> DEQUANTIZE."""
    rng = np.random.default_rng(11)
    f32, i32 = tb.sch.TensorType.FLOAT32, tb.sch.TensorType.INT32
    g = tb.GraphBuilder()

    def const_i32(values):
        v = np.asarray(values, np.int32)
        return g.tensor(list(v.shape), 1.0, 0, dtype=i32, data=v)

    xf = g.tensor([1, 49, 10, 1], 0.0, 0, dtype=f32, name="in")
    x = g.tensor([1, 49, 10, 1], *KWS_IN)
    g.op("QUANTIZE", [xf], [x])
    p = g.tensor([1, 51, 12, 1], *KWS_IN)
    g.op("PAD", [x, const_i32([[0, 0], [1, 1], [1, 1], [0, 0]])], [p])
    w = g.tensor([8, 3, 3, 1], [float(s) for s in rng.uniform(0.002, 0.01, 8)], 0,
                 data=rng.integers(-127, 128, (8, 3, 3, 1), dtype=np.int8))
    b = g.tensor([8], KWS_IN[0] * 0.005, 0, dtype=i32, data=rng.integers(-300, 300, 8).astype(np.int32))
    c = g.tensor([1, 25, 5, 8], 0.08, -20)
    g.op("CONV_2D", [p, w, b], [c], *tb.conv_options(padding="VALID", stride=(2, 2)))
    h = g.tensor([1, 25, 5, 8], 0.05, -100)
    g.op("HARD_SWISH", [c], [h])
    m = g.tensor([1, 1, 1, 8], 0.03, -90)
    g.op("MEAN", [h, const_i32([1, 2])], [m], *tb.reducer_options(keep_dims=True))
    gate = g.tensor([1, 1, 1, 8], 1 / 256, -128)
    g.op("LOGISTIC", [m], [gate])
    se = g.tensor([1, 25, 5, 8], 0.05, -100)
    g.op("MUL", [h, gate], [se], *tb.mul_options())
    cat = g.tensor([1, 25, 5, 16], 0.05, -100)
    g.op("CONCATENATION", [se, h], [cat], *tb.concat_options(3))
    pooled = g.tensor([1, 16], 0.02, -110)
    g.op("MEAN", [cat, const_i32([1, 2])], [pooled], *tb.reducer_options(keep_dims=False))
    fw = g.tensor([12, 16], 0.002, 0, data=rng.integers(-127, 128, (12, 16), dtype=np.int8))
    logits = g.tensor([1, 12], 0.1, 0)
    g.op("FULLY_CONNECTED", [pooled, fw, -1], [logits], *tb.fc_options())
    probs = g.tensor([1, 12], 1 / 256, -128)
    g.op("SOFTMAX", [logits], [probs], *tb.softmax_options())
    yf = g.tensor([1, 12], 0.0, 0, dtype=f32, name="out")
    g.op("DEQUANTIZE", [probs], [yf])
    path.write_bytes(g.build([xf], [yf]))
    return path


def test_custom_model_with_new_operators_runs_end_to_end_and_is_bit_exact(tmp_path):
    """``run --workload kws01 --model`` on the host board, then ``verify`` over the protocol:
    every int8 output equals TFLM's for the same inputs."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    pytest.importorskip("tflite_micro.python.tflite_micro.runtime", reason="TFLM reference missing")
    from tinybench.boards import load_board
    from tinybench.compiler import analyze_model
    from tinybench.flash.verify import verify_model

    model = _se_kws(tmp_path / "se_kws.tflite")
    assert analyze_model(model, "kws01").ops == [
        "PAD", "CONV_2D", "HARD_SWISH", "MEAN", "LOGISTIC", "MUL", "CONCATENATION", "MEAN",
        "FULLY_CONNECTED", "SOFTMAX"]
    results, _ = start(RunRequest(board="host", workload="kws01", mode="accuracy",
                                  dataset=cached_dataset("kws01", 12), out=tmp_path / "run",
                                  progress=False, source=DutSource(model=model)))
    assert results.complete and results.division == "open"
    assert results.model_sha256 == sha256_file(model)
    report = verify_model(load_board("host"), model, "kws01", samples=24, seed=3)
    assert report.first is None, report.to_json()
    assert report.ok and report.checked == 24


@pytest.mark.qemu
def test_custom_model_with_new_operators_is_bit_exact_on_cortex_m4(tmp_path):
    """The same model through the Cortex-M4 firmware on QEMU (generic C kernels for the new
    operators next to the DSP primitives of the official ones)."""
    pytest.importorskip("tflite_micro.python.tflite_micro.runtime", reason="TFLM reference missing")
    from fixtures_firmware import needs_qemu
    from tinybench.boards import load_board
    from tinybench.flash.verify import verify_model

    needs_qemu("qemu-mps2-an386")
    report = verify_model(load_board("qemu-mps2-an386"), _se_kws(tmp_path / "se_kws.tflite"), "kws01",
                          samples=6, seed=4)
    assert report.first is None, report.to_json()
    assert report.ok and report.checked == 6
