"""Lowering of the operators beyond the official models' seven (custom, open-division models):
MAX_POOL_2D and standalone RELU / RELU6. Kernels: ``firmware/engine/tb_ops_more.c``.

Why a module of its own: the core lowering (``lower.py``) is tuned for the official models'
layers; these operators only need their TFLM parameters computed exactly as TFLM's ``Prepare``
does, and register themselves in ``lower._LOWER`` / ``codegen._STRUCTS``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinybench.compiler import quant

#: op name -> (params struct, kernel) for codegen
STRUCTS = {"MAX_POOL_2D": ("tb_pool_params_t", "tb_maxpool_s8"),
           "RELU": ("tb_relu_params_t", "tb_relu_s8"),
           "RELU6": ("tb_relu_params_t", "tb_relu_s8")}
HEADER = "tb_ops_more.h"


def _max_pool(o: Any) -> Any:
    from tinybench.compiler.lower import _avg_pool

    return _avg_pool(o)   # same window geometry, checks and activation clamp as AVERAGE_POOL_2D


def _relu(o: Any, upper: float | None) -> Any:
    from tinybench.compiler.lower import LoweredOp, _qp

    x = o.int8_activation(o.tensor(0, "input"), "input")
    y = o.int8_activation(o.out(), "output")
    if x.elements != y.elements:
        raise o.fail(f"shapes {x.shape} -> {y.shape}", "element-wise RELU of equal sizes")
    (si, zi), (so, zo) = _qp(x), _qp(y)
    if upper is None:
        # TFLM CalculateReluOpData: requantise by double(input scale) / double(output scale).
        mult, shift = quant.quantize_multiplier(float(np.float32(si)) / float(np.float32(so)))
        act_min, act_max = max(-128, zo), 127
    else:
        # TFLM Relu6: no requantisation; clamp to [input zero point, quantised 6] in the input's
        # quantisation (FloatToQuantizedType: zero point + round(6 / scale) in float, clamped).
        mult, shift, zi, zo = 1 << 30, 1, 0, 0      # tb_requant(x, 2^30, 1) == x
        zero = _qp(x)[1]
        act_min = zero
        act_max = max(-128, min(127, zero + _roundf(float(np.float32(upper) / np.float32(si)))))
    params = {"size": y.elements, "input_zero_point": zi, "output_zero_point": zo,
              "multiplier": mult, "shift": shift, "act_min": act_min, "act_max": act_max}
    return LoweredOp(o.op.index, o.op.name, [x.index], y.index, params)


def _roundf(v: float) -> int:
    return int(np.floor(v + 0.5)) if v >= 0 else -int(np.floor(-v + 0.5))


LOWER = {"MAX_POOL_2D": _max_pool, "RELU": lambda o: _relu(o, None), "RELU6": lambda o: _relu(o, 6.0)}
