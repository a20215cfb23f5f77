"""Bit-exact check of the firmware against the TFLM interpreter, driven over the DUT protocol.

Why over the serial protocol and not a side channel: the check must cover the whole path a
benchmark uses — host chunking, ``db`` parsing, the monitor's input conversion, the engine — so
each input is loaded with ``db load``/``db``, run with ``infer 1 0`` and read back with ``tb-raw``.
The reference gets the same int8 tensor the firmware computes from the wire bytes (the conversion
rule is reimplemented here, in numpy, from its written definition).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinybench import paths
from tinybench.boards.model import Board
from tinybench.errors import TinybenchError


@dataclass
class Mismatch:
    input_index: int
    input_name: str
    output_index: int
    dut: int
    reference: int


@dataclass
class VerifyReport:
    board: str
    model: str
    model_id: str
    category: str
    reference_model: str = ""
    checked: int = 0
    random_inputs: int = 0
    real_inputs: int = 0
    mismatched_inputs: int = 0
    first: Mismatch | None = None
    image_sha256: str = ""
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.checked > 0 and self.mismatched_inputs == 0

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok, "board": self.board, "model": self.model, "model_id": self.model_id,
            "reference_model": self.reference_model, "category": self.category, "checked": self.checked, "random_inputs": self.random_inputs,
            "real_inputs": self.real_inputs, "mismatched_inputs": self.mismatched_inputs,
            "bit_exact_percent": 100.0 * (self.checked - self.mismatched_inputs) / self.checked
            if self.checked else 0.0,
            "first_mismatch": None if self.first is None else vars(self.first),
            "image_sha256": self.image_sha256,
        }


def quantize_window(raw: bytes, scale: float, zero_point: int) -> np.ndarray:
    """The firmware's float32 → int8 rule (firmware/monitor/tb_workload.c), bit for bit:
    v = x / scale in float32; NaN → 0; clamp to ±1e6; round half away from zero via exact
    ``v - trunc(v)``; add the zero point; clamp to int8."""
    x = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    v = (x / np.float32(scale)).astype(np.float32)
    v = np.where(np.isnan(v), np.float32(0.0), v)
    v = np.clip(v, np.float32(-1.0e6), np.float32(1.0e6)).astype(np.float32)
    r = np.trunc(v).astype(np.int64)
    frac = (v - r.astype(np.float32)).astype(np.float32)
    r = r + (frac >= 0.5) - (frac <= -0.5)
    return np.clip(r + zero_point, -128, 127).astype(np.int8)


def wire_to_int8(model_id: str, raw: bytes, scale: float, zero_point: int) -> np.ndarray:
    """What the monitor writes into the input tensor for these wire bytes (DUT protocol §9)."""
    if model_id.startswith("ad"):
        return quantize_window(raw, scale, zero_point)
    data = np.frombuffer(raw, dtype=np.uint8)
    if model_id.startswith(("vww", "ic")):
        return (data.astype(np.int16) - 128).astype(np.int8)
    return data.view(np.int8).copy()


def random_inputs(model_id: str, elements: int, scale: float, zero_point: int, count: int,
                  seed: int) -> Iterator[tuple[str, bytes]]:
    """``count`` random wire inputs. AD windows span the whole quantised range plus 5 % beyond it
    on both sides (to exercise clamping) and exact .5 rounding ties."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        if model_id.startswith("ad"):
            lo = (-128 - zero_point) * scale
            hi = (127 - zero_point) * scale
            span = hi - lo
            x = rng.uniform(lo - 0.05 * span, hi + 0.05 * span, elements).astype(np.float32)
            ties = rng.random(elements) < 0.05
            x[ties] = ((rng.integers(-128, 127, int(ties.sum())) - zero_point + 0.5) * scale).astype(np.float32)
            yield f"random#{i}", x.astype("<f4").tobytes()
        else:
            yield f"random#{i}", rng.integers(0, 256, elements, dtype=np.uint8).tobytes()


def real_ad_windows(limit: int | None = None) -> Iterator[tuple[str, bytes]]:
    """Windows of the real AD sample(s): 2560-byte windows at 512-byte steps (the EnergyRunner
    accuracy-mode offsets 0, 512, …)."""
    shared = paths.shared_dir()
    if shared is None:
        return
    produced = 0
    for path in sorted((shared / "mlperf-tiny" / "samples" / "ad01").glob("*.bin")):
        data = path.read_bytes()
        for offset in range(0, len(data) - 2560 + 1, 512):
            if limit is not None and produced >= limit:
                return
            produced += 1
            yield f"{path.name}@{offset}", data[offset:offset + 2560]


def check_model_matches_id(model: Path, model_id: str) -> None:
    """Parse ``model`` with tinybench's own reader (a clear error for an empty, truncated or corrupt
    file, before TFLM is ever asked) and, when ``model_id`` names a standard workload, check the
    model's input and output shapes are that workload's.

    Why: ``verify --model ad01_int8.tflite --id kws01`` used to report "kws01 … bit-exact" — true of
    the AD model, and a silent lie about KWS.
    """
    from tinybench.compiler import analyze_model
    from tinybench.workloads import list_workloads

    facts = analyze_model(model, model_id)
    known = {w.id: w for w in list_workloads()}
    workload = known.get(model_id)
    if workload is None:
        return
    want_in, want_out = tuple(workload.model.input.shape), tuple(workload.model.output.shape)
    got_in, got_out = tuple(facts.input.shape), tuple(facts.output.shape)
    if (got_in, got_out) != (want_in, want_out):
        guess = [w.id for w in known.values()
                 if (tuple(w.model.input.shape), tuple(w.model.output.shape)) == (got_in, got_out)]
        raise TinybenchError(
            f"{model} is not a {model_id} model: its input is {list(got_in)} and output "
            f"{list(got_out)}, {model_id} needs input {list(want_in)} and output {list(want_out)}",
            f"pass --id {guess[0]}" if guess else
            "pass the model that matches --id, or give your own model its own --id")


class TflmReference:
    """The pinned TFLM Python interpreter on one model, seen through the int8 tensors the
    firmware computes on.

    Why the conversion: a model exported with a float32 interface (a QUANTIZE first, a
    DEQUANTIZE last) runs int8-only in the firmware (``compiler/boundary.py``). TFLM gets the
    float32 value of each int8 input, which its QUANTIZE maps back to the same int8 exactly
    (|q - zp| <= 255, one rounding of a float32 product), and its float32 output is mapped back
    to int8 the same way, so the comparison stays bit-for-bit on int8 tensors.
    """

    def __init__(self, model: Path, arena_size: int | None = None) -> None:
        from tinybench.compiler import analyze_model

        try:
            from tflite_micro.python.tflite_micro import runtime
        except ImportError as exc:
            raise TinybenchError("the TFLM reference (tflite-micro) is not installed",
                                 "pip install -e '.[reference]'") from exc
        self.interpreter = runtime.Interpreter.from_file(str(model), arena_size=arena_size)
        details = self.interpreter.get_input_details(0)
        facts = analyze_model(Path(model))        # the int8 boundary tensors the firmware uses
        self.shape = tuple(int(d) for d in details["shape"])
        self.elements = int(np.prod(self.shape))
        self.scale, self.zero_point = facts.input.scale, facts.input.zero_point
        self._float_in = np.dtype(details["dtype"]) == np.float32
        self._float_out = np.dtype(self.interpreter.get_output_details(0)["dtype"]) == np.float32
        self._out_qp = (facts.output.scale, facts.output.zero_point)

    def run(self, tensor: np.ndarray) -> np.ndarray:
        x = tensor.reshape(self.shape)
        if self._float_in:
            x = ((x.astype(np.float32) - np.float32(self.zero_point)) * np.float32(self.scale)).astype(np.float32)
        self.interpreter.set_input(x, 0)
        self.interpreter.invoke()
        y = np.asarray(self.interpreter.get_output(0)).reshape(-1)
        if self._float_out:
            scale, zero_point = self._out_qp
            y = np.clip(np.round(y.astype(np.float64) / scale) + zero_point, -128, 127)
        return y.astype(np.int8)


def verify_model(board: Board, model: Path, model_id: str, *, samples: int = 200, seed: int = 0,
                 real_limit: int | None = None, keep_going: bool = True,
                 reference_model: Path | None = None,
                 progress: Callable[[int, int], None] | None = None) -> VerifyReport:
    """Build, deploy and compare ``samples`` random inputs (+ real AD windows) with TFLM.

    ``reference_model`` (default: ``model``) is what TFLM runs: passing the original model checks
    that firmware built from a modified copy (re-quantised, pruned, hand-edited) still matches it.
    """
    from tinybench.flash.build import build_firmware
    from tinybench.flash.deploy import deploy
    from tinybench.protocol.client import connect

    if samples < 0:
        raise TinybenchError(f"--samples must be >= 0 (got {samples})")
    reference_path = Path(reference_model) if reference_model is not None else Path(model)
    check_model_matches_id(Path(model), model_id)
    if reference_path != Path(model):
        check_model_matches_id(reference_path, model_id)
    reference = TflmReference(reference_path)
    image = build_firmware(board, model, model_id)
    report = VerifyReport(board.name, str(model), model_id, board.category,
                          reference_model=str(reference_path), image_sha256=image.image_sha256)
    inputs = list(random_inputs(model_id, reference.elements, reference.scale, reference.zero_point,
                                samples, seed))
    report.random_inputs = len(inputs)
    if model_id.startswith("ad"):
        real = list(real_ad_windows(real_limit))
        report.real_inputs = len(real)
        inputs += real
    with deploy(board, image) as link, connect(link.url, link.baud, timeout=10.0) as dut:
        dut.caps()
        for index, (name, raw) in enumerate(inputs):
            dut.load(raw)
            dut.infer(1, 0, timeout=120.0)
            got = np.frombuffer(dut.raw_output(), dtype=np.int8)
            want = reference.run(wire_to_int8(model_id, raw, reference.scale, reference.zero_point))
            report.checked += 1
            if got.shape != want.shape or not np.array_equal(got, want):
                where = int(np.argmax(got != want)) if got.shape == want.shape else min(got.size, want.size)
                miss = Mismatch(index, name, where,
                                int(got[where]) if where < got.size else -999,
                                int(want[where]) if where < want.size else -999)
                report.mismatched_inputs += 1
                report.mismatches.append(miss)
                if report.first is None:
                    report.first = miss
                if not keep_going:
                    break
            if progress is not None:
                progress(index + 1, len(inputs))
    return report
