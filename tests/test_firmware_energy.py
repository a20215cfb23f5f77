"""Energy-mode firmware: timestamps become pulses on the edge channel, never m-lap-us lines.

The edge channel (docs/architecture.md, "Energy edge channel") is a TCP stream of
``edge <dut_us>`` lines: the host build's second socket, QEMU's second CMSDK UART; a client that
sends a byte gets ``edge-ready`` once the channel is live.
"""

from __future__ import annotations

import socket
import time

import numpy as np
import pytest

from tinybench.protocol.client import connect


def _edges(sock: socket.socket, count: int, timeout: float = 20.0) -> list[int]:
    """The next ``count`` edge values (``edge-ready`` answers to repeated probes are skipped)."""
    from tinybench.sim.edges import parse_edge_line

    buf = b""
    values: list[int] = []
    deadline = time.monotonic() + timeout
    sock.settimeout(0.5)
    while len(values) < count and time.monotonic() < deadline:
        try:
            buf += sock.recv(4096)
        except TimeoutError:
            continue
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.decode()
            value = parse_edge_line(text)
            if value is None:
                assert text == "edge-ready", text
                continue
            values.append(value)
    assert len(values) == count, values
    return values


@pytest.mark.parametrize("board", ["host", pytest.param("qemu-mps2-an386", marks=pytest.mark.qemu)])
def test_energy_timestamps_are_edges(board: str, firmware_image) -> None:  # type: ignore[no-untyped-def]
    from tinybench.boards import load_board
    from tinybench.flash import deploy

    from tinybench.sim.edges import open_edge_channel

    image = firmware_image(board, "ad01", energy=True)
    with deploy(load_board(board), image) as link:
        assert link.edge_url is not None and link.baud == link.board.baud.energy
        with connect(link.url, link.baud) as dut:
            for _ in range(2):  # a second client after a disconnect must work as well
                with open_edge_channel(link.edge_url) as edge:
                    assert "energy" in dut.caps().words
                    assert dut.info()["energy"] == "1"
                    assert dut.timestamp() is None
                    (first,) = _edges(edge, 1)   # right after connecting: not lost
                    window = np.linspace(-10, 40, 640, dtype=np.float32).astype("<f4").tobytes()
                    dut.load(window)
                    result = dut.infer(2, 1)
                    assert result.laps == [] and not any(l.startswith("m-lap-us") for l in result.lines)
                    assert len(result.results) == 1
                    start, end = _edges(edge, 2)
                    assert first <= start < end


def _boot_text(url: str) -> str:
    """Read the boot text with a plain socket: pyserial's socket:// open() discards input that
    is already waiting, and the host firmware writes its boot text the moment a client connects."""
    host, port = url.removeprefix("socket://").split(":")
    text = b""
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        while not text.endswith(b"m-ready\r\n"):
            chunk = sock.recv(256)
            assert chunk, text
            text += chunk
    return text.decode()


def test_energy_boot_line(firmware_image) -> None:  # type: ignore[no-untyped-def]
    from tinybench.sim import launch_host

    proc = launch_host(firmware_image("host", "ad01", energy=True).path)
    try:
        assert _boot_text(proc.uart_url).split("\r\n")[:3] == [
            "m-timestamp-mode-energy", "m-init-done", "m-ready"]
    finally:
        proc.stop()
