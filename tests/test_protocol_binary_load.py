"""The binary input extensions (``tb-load``, ``tb-crc``, ``tb-fload``) against the REAL firmware over
real sockets: the host build, and the QEMU Cortex-M4 board.

Faults are injected on the real link by wrapping its ``write`` (a flipped or dropped byte on the
way to the DUT), which is what a noisy UART does; the firmware and its replies are real.
"""

from __future__ import annotations

import shutil
import socket
import zlib

import numpy as np
import pytest

from tinybench.protocol import DutError, connect
from tinybench.protocol.client import DutClient
from tinybench.protocol.transcripts import expand_payloads, format_log_line


def _deployed(board_name: str, workload_id: str, *, standard: bool = False):  # noqa: ANN202
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware, deploy
    from tinybench.run.session import _model_file
    from tinybench.workloads import load_workload

    board, workload = load_board(board_name), load_workload(workload_id)
    image = build_firmware(board, _model_file(workload), workload.id, standard=standard)
    return deploy(board, image), workload


@pytest.fixture(scope="module", params=["host", pytest.param("qemu-mps2-an386", marks=pytest.mark.qemu)])
def ad_dut(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """AD firmware (2560-byte inputs, sliding windows) on the host build and on QEMU."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    if request.param != "host" and shutil.which("qemu-system-arm") is None:
        pytest.skip("qemu-system-arm not installed")
    ctx, workload = _deployed(request.param, "ad01")
    with ctx as link:
        yield link, workload


def _windows(n: int, size: int = 2560, stride: int = 512) -> tuple[bytes, list[bytes]]:
    data = np.random.default_rng(n).integers(0, 256, size + stride * 4, dtype=np.uint8).tobytes()
    return data, [data[o:o + size] for o in range(0, len(data) - size + 1, stride)]


def test_binary_equals_hex_and_slides(ad_dut):
    """Same input, same DUT output whether loaded in hex or raw; sliding windows send only new bytes."""
    link, _ = ad_dut
    _, windows = _windows(1)
    with connect(link.url, link.baud, timeout=10.0) as client:
        client.binary = False
        client.caps()
        client.load(windows[0])
        client.infer(1, 0)
        raw_hex = client.raw_output()
        client.binary = True
        client.load(windows[0])                       # full binary load (hex load left no record)
        client.infer(1, 0)
        assert client.raw_output() == raw_hex
        assert client.output_crc() == zlib.crc32(raw_hex)
        for w in windows[1:]:
            client.load(w)                            # KEEP = 2048: 512 new bytes each
            assert client.command("tb-crc input").lines == [f"m-tb-crc-[input={zlib.crc32(w):08x}]"]
        stats = dict(client.load_stats)
    assert stats["hex"] == 1 and stats["binary"] == len(windows) and stats["retries"] == 0
    assert stats["bytes_sent"] == 2 * 2560 + 2560 + 512 * (len(windows) - 1)


def _raw(link, payload: bytes, *, quiet: float = 2.0) -> list[str]:  # noqa: ANN001
    """Send bytes on a fresh socket; return the reply lines up to the first m-ready."""
    host, port = link.url.removeprefix("socket://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=quiet) as sock:
        sock.sendall(payload)
        buf = b""
        while b"m-ready" not in buf:
            try:
                chunk = sock.recv(4096)
            except socket.timeout:
                break
            if not chunk:
                break
            buf += chunk
    return [x.strip() for x in buf.decode(errors="replace").splitlines() if x.strip()]


def test_firmware_rejects_bad_checksum_and_arguments(ad_dut):
    link, _ = ad_dut
    data = bytes(range(256)) * 10
    crc = zlib.crc32(data)
    with connect(link.url, link.baud, timeout=10.0) as client:
        client.caps()
        # Wrong CRC: the whole payload is consumed, the input is discarded, the link stays in step.
        client.link.write(f"tb-load 2560 {crc ^ 1:08x}%".encode() + data)
        lines = [client.read_line(10.0, "tb-load") for _ in range(2)]
        assert lines[0].startswith("e-[tb-load: checksum mismatch") and lines[1] == "m-ready"
        with pytest.raises(DutError, match="Input db has 0 bytes"):
            client.infer(1, 0)
        # KEEP without a previous complete input, and a malformed CRC: payload consumed, then refused.
        for command in (f"tb-load 2560 {crc:08x} 2048", "tb-load 2560 nothex!"):
            client.link.write(command.encode() + b"%" + data[:2560 - (2048 if command.endswith("2048") else 0)])
            assert client.read_line(10.0, command).startswith("e-[tb-load: bad CRC or KEEP")
            assert client.read_line(10.0, command) == "m-ready"
        # A size beyond the buffer is refused before any payload (nothing else is consumed).
        dbmax = client.caps().dbmax
        with pytest.raises(DutError, match=f"exceed the input buffer of {dbmax}"):
            client.command(f"tb-load {dbmax + 1} 00000000")
        client.load(data)
        assert client.load_stats["binary"] == 1 and client.name()


class _FaultyLink:
    """Wraps a real pyserial link; damages the payload of the next ``tb-load`` write once."""

    def __init__(self, link, mode: str) -> None:  # noqa: ANN001
        self._link, self.mode, self.armed = link, mode, True

    def write(self, data: bytes) -> int:
        if self.armed and data.startswith(b"tb-load"):
            self.armed = False
            cut = data.index(b"%") + 1 + 100
            if self.mode == "flip":
                data = data[:cut] + bytes([data[cut] ^ 0x40]) + data[cut + 1:]
            else:                                           # drop 7 payload bytes
                data = data[:cut] + data[cut + 7:]
        return self._link.write(data)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._link, name)


@pytest.mark.parametrize("mode", ["flip", "drop"])
def test_damaged_payload_recovers(ad_dut, mode):
    """A flipped byte fails the CRC; dropped bytes time out; both resync and retry in hex."""
    link, _ = ad_dut
    _, windows = _windows(2)
    notes: list[str] = []
    with connect(link.url, link.baud, timeout=2.0) as good:
        good.caps()
        good.load(windows[0])
        good.infer(1, 0)
        expected = good.raw_output()
    with connect(link.url, link.baud, timeout=2.0,
                 transcript=lambda d, t, _h: notes.append(t) if d == "#" else None) as client:
        client.caps()
        client.link = _FaultyLink(client.link, mode)
        client.load(windows[0])
        client.infer(1, 0)
        assert client.raw_output() == expected
        assert client.load_stats["retries"] == 1 and client.load_stats["hex"] == 1
        client.load(windows[1])                         # binary again, in step
        assert client.load_stats["binary"] == 1
    assert any("tb-load failed" in n for n in notes)


def test_payload_references_in_transcript(ad_dut):
    """With payload_refs the log names payload bytes by reference, never holds them, and
    ``expand_payloads`` rebuilds exactly the bytes sent (checking each tb-load CRC)."""
    link, _ = ad_dut
    data, windows = _windows(3)
    lines: list[str] = []

    def log(direction: str, text: str, t: float) -> None:
        lines.append(format_log_line(direction, text, t))

    with connect(link.url, link.baud, timeout=10.0, transcript=log) as client:
        client.payload_refs = True
        log("#", "input big.bin offset 0", 0.0)
        client.load(windows[0])                          # hex (not negotiated yet), by reference
        client.caps()
        for k, w in enumerate(windows[:2]):
            log("#", f"input big.bin offset {512 * k}", 0.0)
            client.load(w)
        client.payload_refs = False
        client.load(windows[2])                          # in full: a payload hex note
    text = "\n".join(lines)
    assert "> db =0+31" in text and "> db =2542+18" in text
    assert max(len(line) for line in lines if "payload" not in line) < 200
    payloads = expand_payloads(text, lambda name: data)
    hexed = [p for p in payloads if p.command.startswith("db ")]
    assert b"".join(p.data for p in hexed) == windows[0]
    binary = [p for p in payloads if p.command.startswith("tb-load")]
    assert [p.data for p in binary] == [windows[0], windows[1][2048:], windows[2][2048:]]
    assert [p.crc_ok for p in binary] == [True, True, False]   # the last note has no input note
    with pytest.raises(ValueError, match="sha256"):
        expand_payloads("0.000 # input-file big.bin sha256 " + "0" * 64 + " bytes 1\n" + text,
                        lambda name: data)


def test_standard_firmware_gets_hex(tmp_path):
    """Firmware without tb- extensions (as vendors ship) is loaded in standard hex, unchanged."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    ctx, _ = _deployed("host", "kws01", standard=True)
    data = bytes(range(245)) * 2
    with ctx as link, connect(link.url, link.baud, timeout=5.0) as client:
        assert not client.caps().binary_load
        client.load(data)
        assert client.load_stats == {"hex": 1, "binary": 0, "file": 0, "memory": 0, "bytes_sent": 980,
                                     "retries": 0}
        assert isinstance(client, DutClient)


def test_simulator_file_load(ad_dut):
    """QEMU firmware offers tb-fload (semihosting); it loads the same bytes as tb-load. The host
    build does not offer it, and a client not told that the simulator reads host files never uses it."""
    link, _ = ad_dut
    _, windows = _windows(4)
    with connect(link.url, link.baud, timeout=10.0) as client:
        caps = client.caps()
        client.load(windows[0])
        assert client.load_stats["file"] == 0               # host_files off: tb-load
        client.infer(1, 0)
        expected = client.output_crc()
        if link.board.kind != "qemu":
            assert not caps.file_load
            return
        assert caps.file_load
        client.host_files = True
        client.load(windows[1])
        client.load(windows[0])
        client.infer(1, 0)
        assert client.output_crc() == expected and client.load_stats["file"] == 2
        with pytest.raises(DutError, match="checksum mismatch"):
            client.command(f"tb-fload 2560 {zlib.crc32(windows[0]) ^ 1:08x} {client._staging / 'i'}")
        with pytest.raises(DutError, match="cannot read the host file"):
            client.command("tb-fload 2560 00000000 /nonexistent/tb-input.bin")
