"""Client side of the simulated boards' energy edge channel (``DutLink.edge_url``).

Why a handshake: QEMU accepts a TCP client on its serial socket only when its main loop gets to
it, and drops output until then, so an edge emitted right after ``connect()`` can be lost. The
firmware answers any byte received on the edge channel with ``edge-ready\\n`` while it is idle
between commands; once that line arrives, the connection is live and no later edge is dropped.
"""

from __future__ import annotations

import re
import socket
import time

from tinybench.errors import TinybenchError

READY_LINE = b"edge-ready\n"
_EDGE = re.compile(r"edge (\d+)")


def open_edge_channel(edge_url: str, timeout: float = 10.0) -> socket.socket:
    """Connect to ``socket://host:port`` and wait for ``edge-ready``; returns the live socket.

    Call it while the DUT is idle (no command running), before sending the commands whose edges
    you need.
    """
    if not edge_url.startswith("socket://"):
        raise TinybenchError(f"edge channel {edge_url!r} is not a socket:// URL",
                             "use DutLink.edge_url of an energy-mode image on a simulated board")
    host, _, port = edge_url.removeprefix("socket://").rpartition(":")
    deadline = time.monotonic() + timeout
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    try:
        buf = b""
        next_probe = 0.0
        while READY_LINE not in buf:
            now = time.monotonic()
            if now >= deadline:
                raise TinybenchError(f"no edge-ready from {edge_url} within {timeout:.0f} s",
                                     "is the DUT idle and the image an energy build?")
            if now >= next_probe:  # re-ask: a byte sent before QEMU accepted may be lost
                sock.sendall(b"?")
                next_probe = now + 0.5
            sock.settimeout(min(0.2, deadline - now))
            try:
                chunk = sock.recv(256)
            except TimeoutError:
                continue
            if not chunk:
                raise TinybenchError(f"edge channel {edge_url} closed during the handshake")
            buf += chunk
        # Further answers to repeated probes may follow; they are not edges.
        sock.settimeout(None)
        return sock
    except BaseException:
        sock.close()
        raise


def parse_edge_line(line: str) -> int | None:
    """``edge <dut_us>`` → dut_us; None for other lines (``edge-ready``)."""
    match = _EDGE.fullmatch(line.strip())
    return int(match.group(1)) if match else None
