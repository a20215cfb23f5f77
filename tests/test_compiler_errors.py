"""Bad models get a clear ModelError (naming operator, index and what is supported) before any
C is generated or built."""

from __future__ import annotations

import numpy as np
import pytest

from tinybench.cli import main as cli_main
from tinybench.compiler import ModelError, analyze_model, compile_model
from tinybench.errors import TinybenchError

KWS = "kws_ref_model.tflite"


@pytest.fixture()
def kws_bytes(shared) -> bytes:
    path = shared / "mlperf-tiny" / "models" / KWS
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path.read_bytes()


def test_model_error_is_a_tinybench_error():
    assert issubclass(ModelError, TinybenchError)


@pytest.mark.parametrize("cut", [0, 7, 100, 5000, -1000, -4])
def test_truncated_file(tmp_path, kws_bytes, cut):
    bad = tmp_path / "cut.tflite"
    bad.write_bytes(kws_bytes[:cut])
    with pytest.raises(ModelError) as err:
        compile_model(bad, tmp_path / "out", "kws01")
    assert str(bad) in err.value.message
    assert err.value.hint
    assert not (tmp_path / "out" / "model.c").exists()


def test_garbage_bytes(tmp_path):
    bad = tmp_path / "garbage.tflite"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(ModelError, match="not a .tflite flatbuffer"):
        analyze_model(bad)


def test_garbage_with_valid_identifier(tmp_path):
    rng = np.random.default_rng(1)
    data = bytearray(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    data[4:8] = b"TFL3"
    bad = tmp_path / "garbage.tflite"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelError):
        analyze_model(bad)


def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        analyze_model(tmp_path / "nope.tflite")


def test_float_model_rejected(shared):
    path = shared / "mlperf-tiny" / "models" / "kws_ref_model_float32.tflite"
    if not path.is_file():
        pytest.skip("float KWS model missing")
    with pytest.raises(ModelError, match="FLOAT32") as err:
        analyze_model(path)
    assert "INT8" in err.value.hint


def test_unsupported_operator_named_with_index():
    pytest.importorskip("tflite_micro")
    from engine_harness import tflite_builder as tb
    from tinybench.compiler.tflite import parse_model
    from tinybench.compiler.lower import lower_model

    g = tb.GraphBuilder()
    x = g.tensor([1, 4, 4, 2], 0.1, 0)
    y = g.tensor([1, 4, 4, 2], 0.1, 0)
    z = g.tensor([1, 4, 4, 2], 0.1, 0)
    g.op("RESHAPE", [x], [y])
    tb.CODES.setdefault("TANH", 28)
    g.op("TANH", [y], [z])
    with pytest.raises(ModelError) as err:
        lower_model(parse_model(g.build([x], [z]), "synthetic"))
    assert "operator 1 (TANH)" in err.value.message
    assert "CONV_2D" in err.value.hint and "SOFTMAX" in err.value.hint


def test_unsupported_fused_activation():
    pytest.importorskip("tflite_micro")
    from engine_harness import tflite_builder as tb
    from tinybench.compiler.tflite import parse_model
    from tinybench.compiler.lower import lower_model

    g = tb.GraphBuilder()
    x = g.tensor([1, 8], 0.1, 0)
    w = g.tensor([3, 8], 0.1, 0, data=np.ones((3, 8), np.int8))
    y = g.tensor([1, 3], 0.1, 0)
    g.op("FULLY_CONNECTED", [x, w, -1], [y], *tb.fc_options(act=4))  # TANH
    with pytest.raises(ModelError) as err:
        lower_model(parse_model(g.build([x], [y]), "synthetic"))
    assert "operator 0 (FULLY_CONNECTED)" in err.value.message and "TANH" in err.value.message
    assert "RELU6" in err.value.hint


def test_broadcasting_add_rejected():
    pytest.importorskip("tflite_micro")
    from engine_harness import tflite_builder as tb
    from tinybench.compiler.tflite import parse_model
    from tinybench.compiler.lower import lower_model

    g = tb.GraphBuilder()
    x = g.tensor([1, 2, 2, 4], 0.1, 0)
    w = g.tensor([1, 1, 1, 4], 0.1, 0, data=np.ones((1, 1, 1, 4), np.int8))
    c = g.tensor([1, 1, 1, 1], 0.1, 0)
    y = g.tensor([1, 2, 2, 4], 0.1, 0)
    g.op("CONV_2D", [x, w, -1], [c], *tb.conv_options(padding="VALID", stride=(2, 2)))
    g.op("ADD", [x, c], [y])
    with pytest.raises(ModelError, match=r"operator 1 \(ADD\)") as err:
        lower_model(parse_model(g.build([x], [y]), "synthetic"))
    assert "broadcast" in err.value.hint


def test_bad_model_id(tmp_path, shared):
    path = shared / "mlperf-tiny" / "models" / KWS
    with pytest.raises(ModelError, match="model id"):
        compile_model(path, tmp_path, "bad id with spaces")


def test_cli_reports_error_and_exit_code(tmp_path, capsys):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x00" * 3)
    code = cli_main(["compile", str(bad), "--id", "kws01", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "too short" in capsys.readouterr().err


def test_corrupted_bytes_only_raise_model_error(kws_bytes):
    """Random byte damage in the flatbuffer header region either still compiles or raises
    ModelError: never IndexError, struct.error or a crash in the planner."""
    from tinybench.compiler.lower import lower_model
    from tinybench.compiler.planner import plan_arena
    from tinybench.compiler.tflite import parse_model

    rng = np.random.default_rng(7)
    errors = 0
    for _ in range(300):
        data = bytearray(kws_bytes)
        for _ in range(int(rng.integers(1, 4))):
            data[int(rng.integers(0, 2000))] = int(rng.integers(0, 256))
        try:
            model = parse_model(bytes(data), "damaged")
            ops = lower_model(model)
            plan_arena(ops, {t.index: t.elements for t in model.tensors}, model.inputs[0],
                       model.outputs[0])
        except ModelError:
            errors += 1
    assert errors > 0   # the damage was real: some files were rejected
