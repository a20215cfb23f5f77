"""Fold a model's float32 interface into the int8 engine: a leading QUANTIZE (float32 -> int8) on
the model input and a trailing DEQUANTIZE (int8 -> float32) on the model output.

Why fold rather than run them: converters emit exactly this pair when a model is exported with
float input/output types (``inference_input_type=tf.float32``), and the monitor already does
both conversions at the boundary — it quantises float32 wire inputs with the model's input scale
and dequantises outputs with the output scale before printing results. So the engine's input is
the QUANTIZE's int8 output and its output the DEQUANTIZE's int8 input, and the firmware stays
int8-only. The DEQUANTIZE is exact (an int8 times a float32 scale fits a float32); the QUANTIZE is
TFLM's rule for every value the wire carries (tests/test_anydut_ops.py checks the pair end to end).
Float tensors anywhere else are refused by the lowering, with the operator named.
"""

from __future__ import annotations

import dataclasses

from tinybench.compiler.tflite import FLOAT32, INT8, Model


def _only_reader(model: Model, tensor: int) -> list[int]:
    return [op.index for op in model.operators if tensor in op.inputs]


def strip_float_io(model: Model) -> Model:
    """``model`` with a float32 input's QUANTIZE and a float32 output's DEQUANTIZE folded away
    (operator indices keep their .tflite numbering, so errors still name the right operator)."""
    if len(model.inputs) != 1 or len(model.outputs) != 1 or not model.operators:
        return model      # lower_model explains what is wrong
    ops, inputs, outputs = list(model.operators), list(model.inputs), list(model.outputs)
    first, last = ops[0], ops[-1]
    t_in = model.tensors[inputs[0]]
    if (t_in.dtype == FLOAT32 and first.name == "QUANTIZE" and first.inputs[:1] == inputs
            and _only_reader(model, inputs[0]) == [first.index] and len(first.outputs) == 1
            and model.tensors[first.outputs[0]].dtype == INT8):
        inputs = [first.outputs[0]]
        ops = ops[1:]
    t_out = model.tensors[outputs[0]]
    if (ops and t_out.dtype == FLOAT32 and last.name == "DEQUANTIZE" and last.outputs == outputs
            and len(last.inputs) == 1 and model.tensors[last.inputs[0]].dtype == INT8
            and _only_reader(model, last.inputs[0]) == [last.index]
            and last.inputs[0] not in inputs):
        outputs = [last.inputs[0]]
        ops = ops[:-1]
    if len(ops) == len(model.operators):
        return model
    return dataclasses.replace(model, operators=ops, inputs=inputs, outputs=outputs)
