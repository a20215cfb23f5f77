"""Property-based fuzzing of the DUT line parsers and the transcript parsers.

Properties: a parser returns a value of its kind or None (lines) / a Transcript (transcripts) for
ANY input, and otherwise fails only with a ``TinybenchError`` — never an IndexError, ValueError or
a hang. Well-formed lines round-trip exactly. Inputs are random text, random bytes and real
published transcripts with random edits (so the fuzzer reaches deep into the parsers' branches).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzzing import FUZZ, scaled
from tinybench.errors import TinybenchError
from tinybench.protocol import DutClient
from tinybench.protocol import lines as L
from tinybench.protocol import transcripts as T

PUBLISHED = "mlperf-tiny-results/v0.5/closed/reference/results/Nucleo-L4R5ZI/kws/performance/log.txt"
MLC_LOG = "mlperf-tiny-results/v1.3/closed/STMicroelectronics/results/NUCLEO_L4R5ZI-P/kws/performance/log.txt"

PREFIXES = ["m-lap-us-", "m-results-[", "m-name-dut-[", "m-profile-[", "m-model-[", "m-[Expecting ",
            "e-[", "m-tb-caps-[", "m-tb-info-[", "m-tb-raw-[", "m-ready", "m-init-done", "m-load-done",
            "m-tb-check-[", "m-warmup-start-", "m-infer-done"]
dut_like = st.builds(lambda p, body, tail: p + body + tail, st.sampled_from(PREFIXES),
                     st.text(alphabet=st.characters(codec="ascii"), max_size=60) | st.from_regex(r"[0-9]{1,6000}", fullmatch=True),
                     st.sampled_from(["", "]", " bytes]", ",]", "]\r"]))
any_line = st.text(max_size=200) | dut_like


@FUZZ
@given(any_line)
def test_line_parsers_return_their_kind_or_none(text):
    assert isinstance(L.clean(text), str)
    assert isinstance(L.is_ready(text), bool) and isinstance(L.is_boot_line(text), bool)
    lap = L.parse_lap(text)
    assert lap is None or (isinstance(lap, int) and lap >= 0)
    values = L.parse_results(text)
    assert values is None or all(isinstance(v, float) for v in values)
    for parser in (L.parse_name, L.parse_profile, L.parse_model, L.parse_error):
        out = parser(text)
        assert out is None or isinstance(out, str)
    expecting = L.parse_expecting(text)
    assert expecting is None or isinstance(expecting, int)
    ext = L.parse_extension(text)
    if ext is not None:
        assert ext[0] in ("caps", "info", "raw", "crc", "laps", "slide", "check")
        assert isinstance(L.parse_kv_list(ext[1]), dict)
    assert isinstance(L.is_known(text), bool)
    assert not L.is_known(text) or L.protocol_part(text).startswith(("m-", "e-"))


@FUZZ
@given(st.binary(max_size=200).filter(lambda b: b"\n" not in b), st.data())
def test_line_check_refuses_any_single_bit_flip(raw, data):
    """tb-check: a line with its CRC-32 is accepted as itself; with any one bit flipped anywhere
    (text, ``~``, check digits) it is not accepted as a checked line."""
    line = raw + b"~" + f"{zlib.crc32(raw):08x}".encode()
    assert DutClient._unchecked(line) == raw
    i = data.draw(st.integers(0, len(line) - 1))
    damaged = bytearray(line)
    damaged[i] ^= 1 << data.draw(st.integers(0, 7))
    assert DutClient._unchecked(bytes(damaged)) is not None
    assert DutClient._unchecked(bytes(damaged)) == bytes(damaged)


@FUZZ
@given(st.binary(max_size=300))
def test_clean_accepts_any_bytes(raw):
    text = L.clean(raw)
    assert "\r" not in text and "\x00" not in text and text == text.strip()


@FUZZ
@given(st.integers(min_value=0, max_value=2**64), st.lists(
    st.floats(allow_nan=False, allow_infinity=False, width=32), max_size=12), st.booleans())
def test_well_formed_lines_round_trip(lap, values, trailing_comma):
    assert L.parse_lap(f"m-lap-us-{lap}") == lap
    body = ",".join(f"{v:.3f}" for v in values) + ("," if trailing_comma and values else "")
    parsed = L.parse_results(f"m-results-[{body}]")
    assert parsed == [float(f"{v:.3f}") for v in values]


@FUZZ
@given(st.integers(min_value=0, max_value=2**40), st.integers(min_value=0, max_value=2**40))
def test_elapsed_is_non_negative_or_a_value_error(t0, t1):
    try:
        elapsed = L.elapsed_us(t0, t1)
    except ValueError:
        assert t1 < t0 and (t0 >= L.WRAP_32 or t1 >= L.WRAP_32)
        return
    assert elapsed >= 0
    if t1 >= t0:
        assert elapsed == t1 - t0


# ------------------------------------------------------------------------------ transcripts
def _parse_all(text: str) -> None:
    for parser in (T.parse_tinybench_log, T.parse_eembc_log, T.parse_mlc_log):
        try:
            tr = parser(text)
        except TinybenchError:
            continue
        assert isinstance(tr, T.Transcript)
        for ex in tr.exchanges:
            assert ex.elapsed_us is None or ex.elapsed_us >= 0
    assert isinstance(T.parse_summary(text), T.Summary)


tb_line = st.builds(
    lambda t, d, body: f"{t:.6f} {d} {body}",
    st.floats(min_value=0, max_value=2e9, allow_nan=False),
    st.sampled_from([">", "<", "#"]),
    st.sampled_from(["infer 1 0", "infer", "infer x y", "infer 99999999999999999999 1", "db load 490",
                     "input a.bin offset 0", "input a.bin offset 99999999999999999999999",
                     "measure accuracy", "m-ready", "m-lap-us-10", "m-lap-us-5", "m-results-[0.1,0.9]",
                     "m-results-[x]", "m-model-[kws01]", "m-lap-us-99999999999"]) | st.text(max_size=40))
eembc_line = st.builds(
    lambda t, src, body: f"{t:.5f} {src}: {body}",
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
    st.sampled_from(["sequencer", "dut", "io", "ulp-mlperf", "emon"]),
    st.sampled_from(["m-ready", "m-lap-us-100", "m-lap-us-1", "m-results-[1,2]", "[dut]: m-ready",
                     "-command[dut infer 10 1]-ack[1]", "-command[dut infer]-ack[1]",
                     "-command[dut infer a b]-ack[1]", '-command[bload dut "x/a.bin" 12 3]-ack[1]',
                     '-command[bload dut "x" 999999999999999999999999999]-ack[1]',
                     "Performance results for window 1:", "  # Inferences :   10",
                     "  Runtime      :   1.5 sec.", "Throughput : 7.0 inf./sec.",
                     "Median throughput is  7.0 inf./sec.", "Top-1: 91.0%", "AUC: 0.9",
                     "Median energy cost is 12.3 uJ/inf"]) | st.text(max_size=40))
mlc_line = st.sampled_from([
    "Device model retrieved: kws01", "Loading file a.bin segment 0", "Loading file a.bin segment 99999",
    "Running inference with 1/10 (warmup/measured)", "ulp-mlperf: Runtime : 1.0 sec.",
    "ulp-mlperf: Throughput : 10.0 inf./sec.", "m-results : [0.1, 0.2,]", "m-results : [x, ]",
    "m-results : [nan, inf]"]) | st.text(max_size=40)


@FUZZ
@given(st.lists(tb_line | eembc_line | mlc_line, max_size=40))
def test_transcript_parsers_on_mixed_lines(rows):
    _parse_all("\n".join(rows))


@FUZZ
@given(st.text(max_size=2000))
def test_transcript_parsers_on_random_text(text):
    _parse_all(text)


@pytest.fixture(scope="module")
def published_logs(shared: Path) -> list[str]:
    return [(shared / rel).read_text(errors="replace")[:60_000] for rel in (PUBLISHED, MLC_LOG)]


@FUZZ
@given(data=st.data())
def test_transcript_parsers_on_edited_published_logs(published_logs, data):
    text = data.draw(st.sampled_from(published_logs))
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(lines) - 1))
        edit = data.draw(st.sampled_from(["drop", "dup", "flip", "cut", "insert"]))
        if edit == "drop":
            del lines[i]
        elif edit == "dup":
            lines.insert(i, lines[i])
        elif edit == "flip" and lines[i]:
            j = data.draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:j] + chr(ord(lines[i][j]) ^ (1 << data.draw(st.integers(0, 6)))) + lines[i][j + 1:]
        elif edit == "cut":
            lines[i] = lines[i][:data.draw(st.integers(0, len(lines[i])))]
        else:
            lines.insert(i, data.draw(any_line))
        if not lines:
            lines = [""]
    _parse_all("\n".join(lines))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20)
infer_objects = st.fixed_dictionaries({}, optional={
    "file": json_values, "infer": st.fixed_dictionaries({}, optional={
        "iterations": json_values | st.integers(-5, 10**6), "warmups": json_values,
        "results": st.lists(json_values | st.floats(), max_size=5) | json_values,
        "start_time": json_values | st.integers(0, 2**40), "end_time": json_values | st.integers(0, 2**40),
        "throughput": json_values}) | json_values})


@FUZZ
@given(json_values | st.lists(infer_objects | json_values, max_size=6))
def test_mlc_results_json_parser(data):
    try:
        tr = T.parse_mlc_results_json(data)
    except TinybenchError:
        return
    assert isinstance(tr, T.Transcript)


@scaled(0.5)
@given(st.binary(max_size=3000), st.sampled_from(["log.txt", "results.json"]))
def test_load_transcript_on_any_file(tmp_path_factory, raw, name):
    path = tmp_path_factory.mktemp("tr") / name
    path.write_bytes(raw)
    try:
        tr = T.load_transcript(path)
    except TinybenchError:
        return
    assert isinstance(tr, T.Transcript)


def test_results_json_round_trip_survives_the_fuzzed_parser():
    """A sanity anchor: the parser still reads a well-formed MLC results.json exactly."""
    data = [{"file": "a.bin", "infer": {"iterations": 10, "warmups": 1, "results": [0.5, 0.25],
                                       "start_time": 100, "end_time": 1100, "throughput": 10000.0}}]
    tr = T.parse_mlc_results_json(json.loads(json.dumps(data)))
    ex = tr.exchanges[0]
    assert (ex.iterations, ex.elapsed_us, ex.results) == (10, 1000, [0.5, 0.25])


def test_crashes_the_fuzzer_found_stay_fixed():
    """Inputs that raised bare Python exceptions before the fixes (each minimised by hypothesis)."""
    assert L.parse_lap("m-lap-us-" + "1" * 5000) is None           # int() digit limit
    assert T.parse_eembc_log("1.0 sequencer: -command[dut infer a b]-ack[1]\n1.1 dut: m-ready\n")
    with pytest.raises(TinybenchError):
        T.parse_mlc_log("Running inference with 1/10 (warmup/measured)\nm-results : [0/0]\n")
    for bad in (None, "0", [None], [{"infer": [None]}], [{"infer": {"iterations": ""}}],
                [{"infer": {"results": None}}], [{"infer": {"throughput": None}}]):
        with pytest.raises(TinybenchError):
            T.parse_mlc_results_json(bad)
    assert T.parse_summary("x Top-1: 1.2.3\n").top1 is None
