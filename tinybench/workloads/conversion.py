"""Input bytes → the int8 model input, exactly as the tinybench firmware converts them.

Why a separate module: the host reference must feed TFLM precisely what the DUT's model sees
(``dut-protocol.md`` §9), otherwise "agreement with the reference" would measure the conversion,
not the inference. The C side lives in ``firmware/monitor/``.
"""

from __future__ import annotations

import numpy as np

from tinybench.workloads.definitions import Workload


def round_half_away_from_zero(values: np.ndarray) -> np.ndarray:
    """C ``roundf``: halves go away from zero. Exact in float32 (no ``floor(x + 0.5)`` rounding slip)."""
    whole = np.trunc(values)
    frac = values - whole
    return whole + np.where(np.abs(frac) >= 0.5, np.sign(values), 0).astype(values.dtype)


def quantize_float_input(floats: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """q = clamp(round(x / scale) + zp, −128, 127), computed in float32 like the firmware.

    Same rule as ``tb_workload_quantize`` in ``firmware/monitor/tb_workload.c``: single-precision
    division, round half away from zero, NaN counts as 0 (q = zp), ±inf saturate.
    """
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        v = np.asarray(floats, dtype=np.float32) / np.float32(scale)
    v = np.clip(np.nan_to_num(v, nan=0.0, posinf=1.0e6, neginf=-1.0e6), -1.0e6, 1.0e6).astype(np.float32)
    q = round_half_away_from_zero(v).astype(np.float64) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def input_to_int8(window: bytes, workload: Workload) -> np.ndarray:
    """One inference's bytes → the flat int8 model input."""
    if len(window) != workload.input.bytes:
        raise ValueError(f"{workload.id} input has {workload.input.bytes} bytes, got {len(window)}")
    fmt = workload.input.format
    if fmt == "int8":
        return np.frombuffer(window, dtype=np.int8).copy()
    if fmt == "uint8":
        return (np.frombuffer(window, dtype=np.uint8).astype(np.int16) - 128).astype(np.int8)
    q = workload.model.input
    return quantize_float_input(np.frombuffer(window, dtype="<f4"), q.scale, q.zero_point)
