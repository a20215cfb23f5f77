"""``tb-slide`` (every window of a loaded file in one exchange) and ``tb-mload`` (an input written
into the DUT's RAM by the simulator) against the REAL firmware: the host build, QEMU, and Renode
for the memory path. Faults are injected on the real link (a flipped byte in a reply line).
"""

from __future__ import annotations

import shutil
import zlib

import numpy as np
import pytest

from fixtures_renode import RENODE_BOARD, needs_renode
from tinybench.protocol import DutError, DutProtocolError, connect
from tinybench.protocol.transcripts import expand_payloads, format_log_line, parse_tinybench_log

WINDOW, STRIDE = 2560, 512


def _file(seed: int, windows: int) -> bytes:
    """Float32 frames in the AD input's range (scores stay small and printable)."""
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 2.0, (WINDOW + STRIDE * (windows - 1)) // 4).astype("<f4").tobytes()


@pytest.fixture(scope="module", params=["host", pytest.param("qemu-mps2-an386", marks=pytest.mark.qemu)])
def ad_link(request: pytest.FixtureRequest, firmware_image):  # type: ignore[no-untyped-def]
    from tinybench.boards import load_board
    from tinybench.flash import deploy

    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    image = firmware_image(request.param, "ad01")
    with deploy(load_board(request.param), image) as link:
        yield link


def _one_by_one(client, data: bytes, windows: int) -> tuple[list[list[float]], list[int]]:  # type: ignore[no-untyped-def]
    results, crcs = [], []
    for k in range(windows):
        client.load(data[k * STRIDE:k * STRIDE + WINDOW])
        results.append(client.infer(1, 0).results)
        crcs.append(client.output_crc())
    return results, crcs


def test_slide_equals_window_by_window_and_is_recomputable(ad_link):
    """One tb-slide gives exactly the results and output CRCs of loading and running each window
    alone, and its transcript expands into per-window exchanges plus a CRC-checked payload."""
    data = _file(1, 12)
    lines: list[str] = []
    with connect(ad_link.url, ad_link.baud, timeout=10.0, host_files=ad_link.host_files,
                 transcript=lambda d, t, h: lines.append(format_log_line(d, t, h)),
                 payload_refs=True) as client:
        assert client.caps().slide and client.caps().dbmax >= len(data)
        expected = _one_by_one(client, data, 12)
        lines.clear()
        lines.append(format_log_line("#", "input-file f.bin sha256 "
                                     + __import__("hashlib").sha256(data).hexdigest() + f" bytes {len(data)}", 0))
        lines.append(format_log_line("#", "window 0 measure accuracy", 0))
        reply = client.slide(data, STRIDE, 12)
        assert (reply.results, reply.output_crcs) == expected
        # infer after a whole-file load is refused (the buffer is not one input), the link stays in step
        with pytest.raises(DutError, match="Input db has"):
            client.infer(1, 0)
        # a count that does not match the loaded bytes is refused before anything runs
        client.load(data)
        with pytest.raises(DutError, match="tb-slide: the buffer holds"):
            client.command(f"tb-slide {STRIDE} 11")
    text = "\n".join(lines)
    windows = [x for x in parse_tinybench_log(text).inferences if x.tag == "accuracy"]
    assert [(x.input_offset, x.results) for x in windows] == \
        [(k * STRIDE, r) for k, r in enumerate(expected[0])]
    loads = [p for p in expand_payloads(text, lambda name: data) if "load" in p.command]
    assert loads and all(p.crc_ok for p in loads) and loads[0].data == data
    # A log line damaged afterwards breaks the slide's CRC: its windows are not recomputed from it.
    damaged = text.replace(f"m-results-[{expected[0][3][0]:0.3f}]", "m-results-[9.999]", 1)
    assert not [x for x in parse_tinybench_log(damaged).inferences if x.tag == "accuracy"]


class _FlipReply:
    """Wraps a real pyserial link; flips the first digit after the first ``m-results-[`` it reads,
    wherever the reads happen to split the line (a marker or its digit may end one read)."""

    _MARK = b"m-results-["

    def __init__(self, link) -> None:  # noqa: ANN001
        self._link, self.armed = link, True
        self._tail, self._digit_next = b"", False

    def read(self, n: int = 1) -> bytes:
        data = bytearray(self._link.read(n))
        if not self.armed or not data:
            return bytes(data)
        window = self._tail + bytes(data)
        at = window.find(self._MARK)
        if self._digit_next:
            digit = 0
        elif at >= 0:
            digit = at + len(self._MARK) - len(self._tail)      # index in this read
        else:
            digit = -1
        if 0 <= digit < len(data):
            data[digit] ^= 0x01
            self.armed = self._digit_next = False
        elif digit == len(data):
            self._digit_next = True                               # the marker ended this read
        self._tail = window[-(len(self._MARK) - 1):]
        return bytes(data)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._link, name)


@pytest.mark.parametrize("line_check, caught_by", [(False, "tb-slide reply does not check out"),
                                                   (True, "failed its check")])
def test_damaged_reply_line_is_detected(ad_link, line_check, caught_by):
    """A digit flipped on the way back makes the reply's line CRC disagree (or, with the per-line
    check on, that line's own CRC-32): the client raises instead of returning a wrong score; the
    next slide over a clean link agrees again."""
    data = _file(2, 8)
    with connect(ad_link.url, ad_link.baud, timeout=10.0, line_check=line_check) as client:
        client.caps()
        if not line_check:
            client.command("tb-check off")      # the module's DUT may still check from a test before
        good = client.slide(data, STRIDE, 8)
        clean = client.link
        client.link = _FlipReply(clean)
        with pytest.raises(DutProtocolError, match=caught_by):
            client.slide(data, STRIDE, 8)
        client.link = clean
        assert client.slide(data, STRIDE, 8) == good


def test_mload_checks_the_buffer_crc(ad_link):
    """tb-mload acknowledges the bytes already in the input buffer only when their CRC-32 agrees
    (on the host build the buffer is filled by a tb-load first; Renode's test writes RAM)."""
    data = _file(3, 1)
    with connect(ad_link.url, ad_link.baud, timeout=10.0) as client:
        client.caps()
        client.load(data)
        assert client.command(f"tb-mload {WINDOW} {zlib.crc32(data):08x}").lines == ["m-load-done"]
        response = client.command(f"tb-mload {WINDOW} {zlib.crc32(data) ^ 4:08x}", check=False)
        assert response.lines[0].startswith("e-[tb-load: checksum mismatch")
        with pytest.raises(DutError, match="Input db has 0 bytes"):
            client.infer(1, 0)
        with pytest.raises(DutError, match="tb-mload: the input exceeds the input buffer"):
            client.command(f"tb-mload {client.caps().dbmax + 1} 00000000")
        with pytest.raises(DutError, match="tb-mload needs SIZE CRC"):
            client.command("tb-mload 2560 nothex!")


def test_standard_firmware_runs_window_by_window(firmware_image):
    """Foreign (standard-only) firmware: no tb-slide in its caps, the accuracy loop falls back to
    one standard exchange per window, and asking for tb-slide names the missing extension."""
    from types import SimpleNamespace

    from tinybench.boards import load_board
    from tinybench.flash import build_firmware, deploy
    from tinybench.run.accuracy import slide_chunks
    from tinybench.run.session import _model_file
    from tinybench.workloads import load_workload

    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    board, workload = load_board("host"), load_workload("ad01")
    image = build_firmware(board, _model_file(workload), "ad01", standard=True)
    entry = SimpleNamespace(window_offsets=[k * STRIDE for k in range(6)], window_bytes=WINDOW,
                            stride_bytes=STRIDE)
    with deploy(board, image) as link, connect(link.url, link.baud, timeout=10.0) as client:
        assert not client.caps().slide
        assert slide_chunks(client, entry) == [[k * STRIDE] for k in range(6)]
        with pytest.raises(DutProtocolError, match="does not offer the tinybench extension 'slide'"):
            client.slide(_file(4, 6), STRIDE, 6)
    extended = build_firmware(board, _model_file(workload), "ad01")
    with deploy(board, extended) as link, connect(link.url, link.baud, timeout=10.0) as client:
        per = (client.caps().dbmax - WINDOW) // STRIDE + 1
        entry.window_offsets = [k * STRIDE for k in range(per + 3)]
        assert [len(c) for c in slide_chunks(client, entry)] == [per, 3]


@pytest.mark.renode
def test_renode_memory_load_and_slide(firmware_image):
    """On Renode the input is written into RAM by the monitor (tb-mload), not sent through the
    one-byte-per-interrupt UART; results equal the host build's."""
    from tinybench.boards import load_board
    from tinybench.flash import deploy

    needs_renode()
    data = _file(5, 10)
    with deploy(load_board("host"), firmware_image("host", "ad01")) as link, \
            connect(link.url, link.baud, timeout=10.0) as client:
        client.caps()
        expected = client.slide(data, STRIDE, 10)
    with deploy(load_board(RENODE_BOARD), firmware_image("qemu-mps2-an386", "ad01")) as link:
        assert link.memory_writer is not None
        with connect(link.url, link.baud, timeout=30.0, memory_writer=link.memory_writer) as client:
            assert client.caps().mbox is not None
            assert client.slide(data, STRIDE, 10) == expected
            assert client.load_stats["memory"] == 1 and client.load_stats["binary"] == 0
            client.load(data[:WINDOW])
            assert client.infer(1, 0).results == expected.results[0]
