"""Model compiler: .tflite flatbuffer to static C (weights, schedule, requantisation, planned arena).

Public API::

    compile_model(tflite, out_dir, model_id) -> CompiledModel   # writes out_dir/model.c (+ model.json)
    analyze_model(tflite) -> CompiledModel                       # same figures, writes nothing

``analyze_model`` lets a caller reject a model that does not fit a board (arena vs RAM, weights vs
flash) before anything is generated or built.
"""

from __future__ import annotations

from tinybench.compiler.errors import ModelError
from tinybench.compiler.model import CompiledModel, TensorInfo, analyze_model, compile_model

__all__ = ["CompiledModel", "ModelError", "TensorInfo", "analyze_model", "compile_model"]
