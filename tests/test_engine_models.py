"""Whole-model bit-exactness: compiler + host engine vs the pinned TFLM interpreter.

Each official MLPerf Tiny int8 model runs on the same random int8 inputs in TFLM and in a host
build of our engine; every output byte must match. (The firmware area repeats this over the
serial protocol on the host board and QEMU; this test pins the engine itself.)
"""

from __future__ import annotations

import numpy as np
import pytest

from engine_harness import runner

pytest.importorskip("tflite_micro")

MODELS = {
    "ad01": "ad01_int8.tflite",
    "kws01": "kws_ref_model.tflite",
    "ic01": "pretrainedResnet_quant.tflite",
    "vww01": "vww_96_int8.tflite",
}
SAMPLES = 200


@pytest.mark.parametrize("model_id", list(MODELS))
def test_model_bit_exact_with_tflm(shared, model_id):
    path = shared / "mlperf-tiny" / "models" / MODELS[model_id]
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    rng = np.random.default_rng(sum(map(ord, model_id)))
    info_elems = runner.analyze_model(path, model_id).input.elements
    inputs = rng.integers(-128, 128, size=(SAMPLES, info_elems), dtype=np.int8)
    # Extremes too: all-min, all-max and all-zero inputs saturate differently.
    inputs[0], inputs[1], inputs[2] = -128, 127, 0
    ref = runner.tflm_outputs(path, inputs)
    ours = runner.engine_outputs(path, inputs, model_id)
    matches = int((ref == ours).all(axis=1).sum())
    assert matches == SAMPLES, (f"{model_id}: {matches}/{SAMPLES} bit-exact; first mismatch: "
                                f"{runner.first_mismatch(ref, ours)}")


def test_repeated_invoke_keeps_input(shared):
    """The graph input survives tb_model_invoke, so `infer N` can rerun without reloading."""
    path = shared / "mlperf-tiny" / "models" / MODELS["kws01"]
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    from tinybench.compiler.hostlib import load_host_model
    import ctypes

    host = load_host_model(path, "kws01")
    x = np.random.default_rng(5).integers(-128, 128, size=host.input_elements, dtype=np.int8)
    first = host.run(x[None, :])[0]
    lib = host.lib
    lib.tb_model_input.restype = ctypes.POINTER(ctypes.c_int8)
    lib.tb_model_output.restype = ctypes.POINTER(ctypes.c_int8)
    lib.tb_model_invoke()   # second run on whatever the first left in the input buffer
    again = np.ctypeslib.as_array(lib.tb_model_output(), shape=(host.output_elements,)).copy()
    kept = np.ctypeslib.as_array(lib.tb_model_input(), shape=(host.input_elements,)).copy()
    assert np.array_equal(kept, x)
    assert np.array_equal(again, first)
