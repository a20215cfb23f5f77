"""Benchmarking any DUT, protocol side: vendor output formats seen in published MLPerf Tiny logs, and
the tinybench firmware built standard-only (``make STANDARD=1``) behaving like vendor firmware."""

from __future__ import annotations

import math
import re

import pytest

from tinybench.protocol import lines as L
from tinybench.protocol.transcripts import load_transcript

# Verbatim DUT lines from ../shared/mlperf-tiny-results*/ (see test_published_lines_parse).
VENDOR_LINES = [
    ("infer 50000 1%m-warmup-start-1", "m-warmup-start-1"),                  # Alibaba v0.7: echo
    ("timestamp%m-lap-us-1082735", "m-lap-us-1082735"),
    ("profile%m-profile-[ULPMark for tinyML Firmware V0.0.1]", "m-profile-[ULPMark for tinyML Firmware V0.0.1]"),
    ("th_load_tensor starting at 152226051m-warmup-start-0", "m-warmup-start-0"),  # Syntiant v1.0
    ("Acts (infer): [     1,      0, ]", "Acts (infer): [     1,      0, ]"),  # free text stays
]


@pytest.mark.parametrize("raw,expected", VENDOR_LINES)
def test_glued_echo_and_debug_text_are_cut_off(raw, expected):
    assert L.protocol_part(raw) == expected


def test_vendor_result_formats():
    assert L.parse_results("m-results-[0.941406,0.058594,]") == [0.941406, 0.058594]   # v0.5 VWW
    assert L.parse_results("m-results-[0,127]") == [0.0, 127.0]                        # Skymizer int8
    assert L.parse_results("m-results-[106.280540]") == [106.28054]                   # v0.5 AD
    assert L.parse_results("m-results-[ 0.023 , 0.977 ]") == [0.023, 0.977]
    assert L.parse_results("profile%m-results-[0.5,0.5]") == [0.5, 0.5]
    kws = "m-results-[0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.1000,0.000,0.000,0.000,0.000]"
    values = L.parse_results(kws)
    assert values is not None and values[7] == 1.0 and sum(values) == 1.0            # KWS 1.0 quirk
    assert L.parse_results("m-results-[0.1000]") == [0.1]                            # not KWS: literal
    assert L.parse_results("m-results-[a,b]") is None
    assert L.parse_lap("timestamp%m-lap-us-17") == 17
    assert L.parse_name("xx m-name-dut-[STMicroelectronics]") == "STMicroelectronics"
    assert L.is_boot_line("junk m-init-done")


def _dut_lines(text: str):
    for line in text.splitlines():
        m = re.match(r"^\d+\.\d+ (dut|io): ?(.*)$", line)
        if not m:
            continue
        body = m.group(2).strip()
        if m.group(1) == "io":
            if not body.startswith("[dut]:"):
                continue
            body = body[len("[dut]:"):].strip()
        yield body


def test_published_lines_parse(shared):
    """Every m-results / m-lap-us line of every published EnergyRunner log parses, glued or not."""
    logs = sorted((shared).glob("mlperf-tiny-results*/**/log.txt"))
    if not logs:
        pytest.skip("no published logs in ../shared")
    seen = 0
    for log in logs:
        for body in _dut_lines(log.read_text(errors="replace")):
            part = L.protocol_part(body)
            if part.startswith("m-results-["):
                values = L.parse_results(body)
                assert values is not None and values and all(math.isfinite(v) for v in values), (log, body)
                seen += 1
            elif part.startswith("m-lap-us-"):
                assert L.parse_lap(body) is not None, (log, body)
    assert seen > 10000


def test_alibaba_echo_transcript_has_laps(shared):
    """The echoing firmware's log yields complete infer exchanges (laps and results)."""
    logs = sorted(shared.glob("mlperf-tiny-results-more/v0.7/open/Alibaba/results/*/ad/performance/log.txt"))
    if not logs:
        pytest.skip("Alibaba v0.7 logs are not in ../shared")
    tr = load_transcript(logs[0])
    timed = [x for x in tr.inferences if x.elapsed_us]
    assert timed and all(x.results for x in timed)


def test_client_reads_vendor_results_live(replay_dut):
    """The live client parses raw-int8 and trailing-comma result lines from a DUT over a socket."""
    from tinybench.protocol import connect

    dut = replay_dut("v0.5/closed/reference/results/Nucleo-L4R5ZI/vww/performance/log.txt", model="vww01")
    dut.exchanges = [([100, 1100], "m-results-[0,127]"), ([1100, 3100], "m-results-[0.941406,0.058594,]")]
    with connect(dut.url, 115200) as client:
        assert not client.caps().extended and client.caps().chunk_bytes == 31
        client.load(bytes(range(100)))
        first = client.infer(10, 1)
        second = client.infer(10, 1)
    assert first.results == [0.0, 127.0] and first.elapsed_us == 1000
    assert second.results == [0.941406, 0.058594] and second.elapsed_us == 2000
    db = [c for c in dut.received if c.startswith("db ") and not c.startswith("db load")]
    assert [len(c) for c in db] == [3 + 62, 3 + 62, 3 + 62, 3 + 14]                    # 31-byte chunks


@pytest.fixture(scope="module")
def standard_kws(request):
    """The tinybench KWS firmware built standard-only, running on the host build."""
    import shutil

    from tinybench import paths
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware, deploy
    from tinybench.workloads import load_workload

    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    shared = paths.shared_dir()
    model = shared / "mlperf-tiny" / "models" / load_workload("kws01").model.file if shared else None
    if model is None or not model.is_file():
        pytest.skip("the official KWS model is not in ../shared")
    board = load_board("host")
    image = build_firmware(board, model, "kws01", standard=True)
    extended = build_firmware(board, model, "kws01")
    with deploy(board, image) as link:
        yield link, image, extended


def test_standard_only_firmware_answers_like_vendor_firmware(standard_kws):
    from tinybench.protocol import connect

    link, image, extended = standard_kws
    assert image.standard and image.cmd_max == 80 and image.image_sha256 != extended.image_sha256
    with connect(link.url, link.baud) as client:
        reply = client.command("tb-caps", check=False)
        assert reply.lines == ["e-[Unknown command: tb-caps]"]
        for word in ("tb-info", "tb-raw"):
            assert client.command(word, check=False).lines == [f"e-[Unknown command: {word}]"]
        assert not any("tb-" in line for line in client.command("help").lines)
        caps = client.caps()
        assert not caps.extended and caps.chunk_bytes == 31
        client.load(bytes(range(256)) + bytes(234))
        result = client.infer(1, 0)
        assert len(result.results) == 12 and abs(sum(result.results) - 1.0) < 0.02
        # The 80-character command buffer of the reference monitor: longer commands are refused.
        # (written raw: the client itself refuses to send it).
        client.link.write(("db " + "00" * 40 + "%").encode())
        assert client.read_line(5, "db") == "e-[Command too long: max 80 characters]"
        assert client.read_line(5, "db") == "m-ready"
