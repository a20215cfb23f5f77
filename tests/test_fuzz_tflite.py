"""Property-based fuzzing of the ``.tflite`` reader (``compiler/flatbuf.py``, ``compiler/tflite.py``)
and the compile front end that runs on what it returns (lowering, arena planning).

Property: for ANY bytes — random, or an official model with flipped bytes, corrupted offsets,
or cut short — ``parse_model`` / ``analyze_model`` return a model or raise ``ModelError`` (a
``TinybenchError``), within a bounded time. Never an IndexError, struct.error, MemoryError or a hang.
"""

from __future__ import annotations

import contextlib
import signal
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzzing import FUZZ, scaled
from tinybench.compiler import ModelError, analyze_model
from tinybench.compiler.tflite import parse_model

MODELS = ("kws_ref_model.tflite", "pretrainedResnet_quant.tflite", "ad01_int8.tflite")
HANG_S = 120     # generous: the suite shares 2 cores with other jobs; a real hang never ends


@contextlib.contextmanager
def no_hang(seconds: int = HANG_S):
    """Fail (instead of hanging the suite) when one parse takes longer than ``seconds``."""
    def _alarm(signum, frame):  # noqa: ANN001
        raise AssertionError(f"parser still busy after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def models(shared: Path) -> dict[str, bytes]:
    folder = shared / "mlperf-tiny" / "models"
    return {name: (folder / name).read_bytes() for name in MODELS if (folder / name).is_file()}


def _parse(data: bytes) -> None:
    with no_hang():
        try:
            parse_model(data, "fuzzed.tflite")
        except ModelError as exc:
            assert exc.hint                       # every refusal tells the user what to do


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    _parse(data)


@FUZZ
@given(st.binary(min_size=4, max_size=4), st.binary(max_size=2048))
def test_random_bytes_with_the_tflite_identifier(head, tail):
    _parse(head + b"TFL3" + tail)


def _mutate(data: bytes, draw) -> bytes:  # noqa: ANN001
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "offset", "cut", "zero"]))
        # Tables, vtables and offsets sit mostly in the first and last kilobytes of a model.
        pos = draw(st.integers(0, min(len(buf) - 1, 4096)) | st.integers(max(0, len(buf) - 4096), len(buf) - 1))
        if kind == "flip":
            buf[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "offset" and pos + 4 <= len(buf):
            value = draw(st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, len(buf), len(buf) - 4])
                         | st.integers(0, 2**32 - 1))
            struct.pack_into("<I", buf, pos, value)
        elif kind == "zero" and pos + 4 <= len(buf):
            buf[pos:pos + 4] = b"\0\0\0\0"
        elif kind == "cut":
            del buf[max(8, pos):]
    return bytes(buf)


@FUZZ
@given(data=st.data())
def test_corrupted_official_models_parse_or_refuse(models, data):
    name = data.draw(st.sampled_from(sorted(models)))
    _parse(_mutate(models[name], data.draw))


@scaled(0.5)
@given(data=st.data())
def test_corrupted_models_compile_front_end_or_refuse(models, tmp_path_factory, data):
    """What parses must also lower and plan, or be refused with ModelError (as `verify` does)."""
    name = data.draw(st.sampled_from(sorted(models)))
    path = tmp_path_factory.mktemp("fz") / "fuzzed.tflite"
    path.write_bytes(_mutate(models[name], data.draw))
    with no_hang():
        try:
            analyze_model(path, "fuzzed")
        except ModelError as exc:
            assert exc.hint


def test_official_models_still_parse(models):
    """Anchor: the fixes keep every official model readable."""
    for data in models.values():
        model = parse_model(data)
        assert model.operators and model.inputs and model.outputs
