"""Protocol tests of the firmware monitor over real socket links (host build and QEMU mps2-an386).

Commands are written as raw bytes (not through DutClient) so the tests can send what a careful
client never would: empty commands, over-long commands, bad hex, data past the announced size.
Expected replies come from ../shared/docs/dut-protocol.md and docs/architecture.md, not from the
firmware source.
"""

from __future__ import annotations

import re
import struct
import time

import numpy as np
import pytest

from tinybench.transport import open_link

READY = "m-ready"


class Raw:
    """Stop-and-wait over a raw link: write bytes + '%', return the lines before m-ready."""

    def __init__(self, url: str) -> None:
        self.link = open_link(url, 115200, 0.5)
        self.buf = b""

    def lines_until_ready(self, timeout: float = 30.0) -> list[str]:
        deadline = time.monotonic() + timeout
        lines: list[str] = []
        while time.monotonic() < deadline:
            while b"\n" in self.buf:
                raw, self.buf = self.buf.split(b"\n", 1)
                text = raw.decode().rstrip("\r")
                if text == READY:
                    return lines
                lines.append(text)
            self.buf += self.link.read(max(1, self.link.in_waiting))
        raise AssertionError(f"no m-ready within {timeout} s; got {lines} + {self.buf!r}")

    def cmd(self, text: str | bytes) -> list[str]:
        data = text.encode() if isinstance(text, str) else text
        self.link.write(data + b"%")
        return self.lines_until_ready()

    def close(self) -> None:
        self.link.close()


@pytest.fixture
def dut(deployed_ad):  # type: ignore[no-untyped-def]
    raw = Raw(deployed_ad.url)
    yield raw
    raw.close()


def _caps(dut: Raw) -> dict[str, str]:
    (line,) = dut.cmd("tb-caps")
    body = re.fullmatch(r"m-tb-caps-\[(.*)\]", line)
    assert body, line
    return dict((w.split("=", 1) + [""])[:2] for w in body.group(1).split(","))  # type: ignore[misc]


def _load(dut: Raw, data: bytes, chunk: int = 200) -> None:
    assert dut.cmd(f"db load {len(data)}") == [f"m-[Expecting {len(data)} bytes]"]
    replies: list[str] = []
    for at in range(0, len(data), chunk):
        replies = dut.cmd("db " + data[at:at + chunk].hex())
    assert replies == ["m-load-done"]


def _window(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    return rng.uniform(-15.0, 60.0, 640).astype("<f4").tobytes()


def test_name_profile_help(dut: Raw, deployed_ad) -> None:  # type: ignore[no-untyped-def]
    (name,) = dut.cmd("name")
    assert re.fullmatch(r"m-name-dut-\[[^\]]+\]", name)
    assert deployed_ad.board.name in name
    assert dut.cmd("profile") == ["m-profile-[ULPMark for tinyML Firmware V0.0.1]", "m-model-[ad01]"]
    help_lines = dut.cmd("help")
    assert help_lines[0].startswith("tinybench firmware ") and help_lines[1] == ""
    assert any(line.startswith("infer N") for line in help_lines)


def test_timestamps_are_microsecond_laps_that_advance(dut: Raw) -> None:
    (first,) = dut.cmd("timestamp")
    _load(dut, _window(1))
    dut.cmd("infer 2 0")
    (second,) = dut.cmd("timestamp")
    t0 = int(re.fullmatch(r"m-lap-us-(\d+)", first).group(1))  # type: ignore[union-attr]
    t1 = int(re.fullmatch(r"m-lap-us-(\d+)", second).group(1))  # type: ignore[union-attr]
    assert 0 < (t1 - t0) % 2**32 < 2**31


def test_unknown_and_empty_commands(dut: Raw) -> None:
    assert dut.cmd("frobnicate now") == ["e-[Unknown command: frobnicate]"]
    assert dut.cmd("") == ["e-[Empty command]"]
    assert dut.cmd("    ") == ["e-[Empty command]"]
    assert dut.cmd("name\t") == ["e-[Unknown command: name\t]"]      # tabs are not separators
    assert dut.cmd("NAME") == ["e-[Unknown command: NAME]"]          # case-sensitive
    assert dut.cmd("   name  ")[0].startswith("m-name-dut-[")         # runs of spaces collapse


def test_overlong_command_is_an_error_not_a_truncation(dut: Raw) -> None:
    cmdmax = int(_caps(dut)["cmdmax"])
    assert cmdmax >= 80
    # 'name' + spaces: a truncating monitor would run `name`; ours must refuse the whole command.
    assert dut.cmd("name" + " " * (cmdmax - 3)) == [f"e-[Command too long: max {cmdmax} characters]"]
    assert dut.cmd("name")[0].startswith("m-name-dut-[")             # nothing left over
    # Exactly cmdmax characters is accepted: a db chunk that fills the buffer.
    payload = bytes(range(256)) * 8
    nbytes = (cmdmax - len("db ")) // 2
    assert dut.cmd(f"db load {nbytes}") == [f"m-[Expecting {nbytes} bytes]"]
    assert dut.cmd("db " + payload[:nbytes].hex()) == ["m-load-done"]


def test_db_load_argument_errors(dut: Raw) -> None:
    assert dut.cmd("db") == ["e-[Command 'db' requires a subcommand]"]
    assert dut.cmd("db load") == ["e-[Command 'db load' requires the # of bytes]"]
    assert dut.cmd("db load 0") == ["e-[Command 'db load' must be >0 bytes]"]
    assert dut.cmd("db load ten") == ["e-[Command 'db load' must be >0 bytes]"]
    assert dut.cmd("db load -5") == ["e-[Command 'db load' must be >0 bytes]"]


def test_db_load_above_buffer_is_refused_and_changes_nothing(dut: Raw) -> None:
    window = _window(2)
    _load(dut, window)
    dbmax = int(_caps(dut)["dbmax"])
    assert dut.cmd(f"db load {dbmax + 1}") == [
        f"e-[Supplied buffer size {dbmax + 1} exceeds maximum of {dbmax}]"]
    # The earlier input is intact and still runs.
    printed = dut.cmd("db print")
    assert printed[0] == "m-buffer-" + "-".join(f"{b:02x}" for b in window[:8])
    assert "m-infer-done" in dut.cmd("infer 1 0")


def test_bad_hex_stores_nothing(dut: Raw) -> None:
    assert dut.cmd("db load 4") == ["m-[Expecting 4 bytes]"]
    assert dut.cmd("db 0a0") == ["e-[Insufficent number of hex digits]"]
    assert dut.cmd("db 0a0bzz") == ["e-[Invalid hex digit 'zz']"]
    assert dut.cmd("db g1") == ["e-[Invalid hex digit 'g1']"]
    assert dut.cmd("db 0A0B") == []                                    # upper case accepted, not done yet
    assert dut.cmd("db 0c0d") == ["m-load-done"]
    assert dut.cmd("db print") == ["m-buffer-0a-0b-0c-0d"]           # the bad chunks stored nothing


def test_data_past_expected_size_is_refused(dut: Raw) -> None:
    assert dut.cmd("db load 3") == ["m-[Expecting 3 bytes]"]
    assert dut.cmd("db 01020304") == ["e-[Data past the expected size: 3 bytes left, chunk has 4]"]
    assert dut.cmd("db 0102") == []
    assert dut.cmd("db 0304") == ["e-[Data past the expected size: 1 bytes left, chunk has 2]"]
    assert dut.cmd("db 03") == ["m-load-done"]
    assert dut.cmd("db 04") == ["e-[Data past the expected size: 0 bytes left, chunk has 1]"]
    assert dut.cmd("db print") == ["m-buffer-01-02-03"]


def test_db_print_eight_bytes_per_line(dut: Raw) -> None:
    data = bytes(range(0xf0, 0xf0 + 10))
    _load(dut, data)
    assert dut.cmd("db print") == ["m-buffer-f0-f1-f2-f3-f4-f5-f6-f7", "m-buffer-f8-f9"]


def test_infer_errors(dut: Raw) -> None:
    assert dut.cmd("infer 0 0") == ["e-[Inference iterations must be >0]"]
    assert dut.cmd("infer x") == ["e-[Inference iterations must be >0]"]
    assert dut.cmd("infer 1 -1") == ["e-[Inference warmup must be >=0]"]
    _load(dut, b"\x01\x02")
    assert dut.cmd("infer 1 0") == ["e-[Input db has 2 bytes, expected 2560]"]
    assert dut.cmd("db load 2560") == ["m-[Expecting 2560 bytes]"]
    dut.cmd("db " + bytes(100).hex())
    assert dut.cmd("infer 1 0") == ["e-[Input db has 100 bytes, expected 2560]"]


def test_infer_sequence_and_results(dut: Raw) -> None:
    window = _window(3)
    _load(dut, window)
    lines = dut.cmd("infer 3 2")
    assert lines[:3] == ["m-warmup-start-2", "m-warmup-done", "m-infer-start-3"]
    assert re.fullmatch(r"m-lap-us-\d+", lines[3]) and re.fullmatch(r"m-lap-us-\d+", lines[4])
    assert lines[5] == "m-infer-done"
    assert re.fullmatch(r"m-results-\[\d+\.\d{3}\]", lines[6])
    assert len(lines) == 7
    assert dut.cmd("results") == [lines[6]]
    # Default warm-up is 10 (as in the reference monitor).
    assert dut.cmd("infer 1")[0] == "m-warmup-start-10"


def test_ad_result_is_mse_of_dequantised_output_against_float_input(dut: Raw) -> None:
    window = _window(4)
    _load(dut, window)
    (results,) = [line for line in dut.cmd("infer 1 0") if line.startswith("m-results-")]
    (raw_line,) = dut.cmd("tb-raw")
    out = np.frombuffer(bytes.fromhex(raw_line[len("m-tb-raw-["):-1]), dtype=np.int8)
    assert out.size == 640
    x = np.frombuffer(window, dtype="<f4")
    info = dict(kv.split("=", 1) for kv in dut.cmd("tb-info")[0][len("m-tb-info-["):-1].split(","))
    assert info["output_elements"] == "640" and info["input_bytes"] == "2560"
    # Output quantisation of ad01 per ../shared/docs/dut-protocol.md §9: scale 0.36449847, zp 96.
    scale, zp = np.float32(0.36449847), 96
    total = np.float32(0.0)
    for q, xi in zip(out, x):          # sequential single-precision sum, as documented
        d = np.float32(np.float32(int(q) - zp) * scale) - xi
        total = np.float32(total + np.float32(d * d))
    mse = np.float32(total / np.float32(640))
    assert results == f"m-results-[{float(mse):0.3f}]"


def test_extensions(dut: Raw, deployed_ad) -> None:  # type: ignore[no-untyped-def]
    caps = _caps(dut)
    assert {"raw", "info", "cmdmax", "dbmax"} <= set(caps)
    # AD on a board with RAM to spare: a whole official file (196 windows) for tb-slide.
    assert int(caps["dbmax"]) == deployed_ad.image.db_bytes == 102400 and "slide" in caps
    (info_line,) = dut.cmd("tb-info")
    info = dict(kv.split("=", 1) for kv in info_line[len("m-tb-info-["):-1].split(","))
    assert info["model"] == "ad01" and info["energy"] == "0"
    assert info["sha256"] == deployed_ad.image.model_sha256
    assert int(info["arena_bytes"]) == deployed_ad.image.arena_bytes
    if deployed_ad.board.kind == "qemu":
        assert 0 < int(info["stack_high_water"]) < deployed_ad.board.build.stack_bytes
    (raw_line,) = dut.cmd("tb-raw")
    assert re.fullmatch(r"m-tb-raw-\[[0-9a-f]{1280}\]", raw_line)


def test_boot_sequence_on_a_fresh_host_process(firmware_image) -> None:  # type: ignore[no-untyped-def]
    import socket

    from tinybench.sim import launch_host

    proc = launch_host(firmware_image("host", "ad01").path)
    try:
        # A plain socket: pyserial's socket:// open() discards input already waiting (the boot text).
        text = b""
        with socket.create_connection(("127.0.0.1", proc.uart_port), timeout=5) as sock:
            while not text.endswith(b"m-ready\r\n"):
                chunk = sock.recv(256)
                assert chunk, text
                text += chunk
        boot = text.decode().split("\r\n")
        assert boot[0] == "m-timestamp-mode-performance"
        assert re.fullmatch(r"m-lap-us-\d+", boot[1])
        assert boot[2:] == ["m-init-done", "m-ready", ""]
    finally:
        proc.stop()
    assert not proc.alive()


def test_float_input_conversion_rounds_and_saturates(dut: Raw) -> None:
    """Windows that quantise to the same int8 tensor (x/scale within 0.4 of an integer; values far
    beyond the int8 range vs the range ends) must give identical model outputs."""
    scale = np.float32(0.39101523)
    zp = 89
    q = np.arange(-128, 127, dtype=np.int32)[:640 // 2].repeat(2)[:640]
    exact = ((q - zp).astype(np.float32) * scale).astype(np.float32)
    near = ((q - zp).astype(np.float32) + np.float32(0.4)) * scale   # rounds back to q
    outputs = []
    for window in (exact, near.astype(np.float32)):
        _load(dut, window.astype("<f4").tobytes())
        dut.cmd("infer 1 0")
        outputs.append(dut.cmd("tb-raw")[0])
    assert outputs[0] == outputs[1]
    # Far out of range saturates to the same tensor as the range ends.
    big = np.where(np.arange(640) % 2 == 0, np.float32(1e30), np.float32(-1e30)).astype(np.float32)
    ends = np.where(np.arange(640) % 2 == 0, (127 - zp) * scale, (-128 - zp) * scale).astype(np.float32)
    got = []
    for window in (big, ends):
        _load(dut, window.astype("<f4").tobytes())
        dut.cmd("infer 1 0")
        got.append(dut.cmd("tb-raw")[0])
    assert got[0] == got[1]
    assert struct.calcsize("<f") == 4


def test_host_stdio_mode(firmware_image) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    image = firmware_image("host", "ad01")
    done = subprocess.run([str(image.path), "--stdio"], input=b"name%profile%bogus%", capture_output=True,
                          timeout=30, check=False)
    lines = done.stdout.decode().split("\r\n")
    assert done.returncode == 0
    assert lines[0] == "m-timestamp-mode-performance" and lines[2:4] == ["m-init-done", "m-ready"]
    assert lines[4:] == ["m-name-dut-[tinybench-host]", "m-ready",
                         "m-profile-[ULPMark for tinyML Firmware V0.0.1]", "m-model-[ad01]", "m-ready",
                         "e-[Unknown command: bogus]", "m-ready", ""]


@pytest.mark.parametrize("model_id", ["kws01", "ic01"])
def test_classifier_result_formats(model_id: str, firmware_image) -> None:  # type: ignore[no-untyped-def]
    """KWS: `0.` + truncated thousandths; IC: `%0.3f` — both recomputed here from the raw int8
    output with the documented output quantisation (scale 1/256, zero point -128)."""
    from tinybench.boards import load_board
    from tinybench.flash import deploy

    image = firmware_image("host", model_id)
    size = 490 if model_id == "kws01" else 3072
    rng = np.random.default_rng(5)
    with deploy(load_board("host"), image) as link:
        dut = Raw(link.url)
        for _ in range(3):
            _load(dut, rng.integers(0, 256, size, dtype=np.uint8).tobytes(), chunk=500)
            (results,) = [line for line in dut.cmd("infer 1 0") if line.startswith("m-results-")]
            raw = np.frombuffer(bytes.fromhex(dut.cmd("tb-raw")[0][len("m-tb-raw-["):-1]), dtype=np.int8)
            values = [(int(q) + 128) / 256 for q in raw]
            if model_id == "kws01":
                text = ",".join(f"0.{int(v * 1000):03d}" for v in values)
            else:
                text = ",".join(f"{v:0.3f}" for v in values)
            assert results == f"m-results-[{text}]"
        dut.close()
