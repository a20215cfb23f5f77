"""A documented stand-in for a simulated board's edge channel: a TCP server that writes
``edge <dut_us>\\n`` lines when told to, and answers the ``edge-ready`` handshake like the
firmware does (any byte received → ``edge-ready\\n``).

Why: the simulated LPM01A is fed by the board's edge channel (``DutLink.edge_url``). To test the
instrument, the driver and the energy math independently of the firmware — and to keep energy
mode testable when an energy-mode firmware build is unavailable — this generator plays the
board's part with a *stated* timeline: the caller decides each edge's simulated time.
"""

from __future__ import annotations

import socket
import threading


class EdgeGenerator:
    """TCP server on 127.0.0.1; :attr:`url` is what a ``DutLink.edge_url`` would be."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._server = socket.create_server((host, 0))
        self._server.settimeout(0.2)
        self.url = f"socket://{host}:{self._server.getsockname()[1]}"
        self._conn: socket.socket | None = None
        self._connected = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._accept, name="edge-generator", daemon=True)

    def __enter__(self) -> "EdgeGenerator":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        """Serve one client at a time; a reconnecting client replaces the previous one (as the
        firmware's edge channel does), so a reader that retried its handshake still gets edges."""
        while not self._closing:
            try:
                conn, _ = self._server.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            previous, self._conn = self._conn, conn
            if previous is not None:
                try:
                    previous.close()
                except OSError:
                    pass
            self._connected.set()
            threading.Thread(target=self._answer_handshake, args=(conn,),
                             name="edge-generator-handshake", daemon=True).start()

    def _answer_handshake(self, conn: socket.socket) -> None:
        """Reply ``edge-ready`` to every probe, as the idle firmware does."""
        from tinybench.sim.edges import READY_LINE

        conn.settimeout(0.2)
        while not self._closing:
            try:
                data = conn.recv(256)
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            if not data:
                return
            try:
                conn.sendall(READY_LINE)
            except OSError:
                return

    def wait_connected(self, timeout: float = 5.0) -> bool:
        return self._connected.wait(timeout)

    def edge(self, dut_us: int) -> None:
        """Emit one edge at simulated time ``dut_us`` µs."""
        if not self._connected.wait(5.0) or self._conn is None:
            raise RuntimeError("nothing connected to the edge generator")
        self._conn.sendall(f"edge {int(dut_us)}\n".encode("ascii"))

    def close(self) -> None:
        self._closing = True
        for sock in (self._conn, self._server):
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
