"""A simulated energy-bench interface board, at the protocol level only.

What it is: a Python process (threads) relaying between a host-side TCP socket and the DUT's
socket. The DUT behind it is real firmware — the tinybench host build or QEMU's UART socket — so
only the interface board is simulated, not the DUT. No interface-board firmware runs here; this
is a stand-in for MLCommons' STM32H573I-DK board, used to test ``relay+`` links
(``tinybench.relay``) without hardware.

Command set (``../shared/docs/dut-protocol.md`` §8, "Passthrough"), host side ``%``-terminated:
``name`` → ``tinyML Enhanced Interface Board``; ``checkbaud`` → ``baud is: <n>``; ``setbaud <n>``
→ ``set baud to: <n>`` (stored; no reset is simulated); ``dut <cmd>`` → ``m-dut-passthrough(<cmd>)``,
``m-ready`` at once, then ``<cmd>%`` goes to the DUT and every DUT line comes back as
``[dut]: <line>`` (the DUT's own ``m-ready`` included, unsolicited output too); anything else →
``m-ready``. Each reply line ends in CRLF.

``pace=True`` spends the time the DUT hop would take at ``dut_baud`` (10 bits per byte) on every
byte relayed, like the real 9600-baud wire. ``name`` can be changed to test wrong-board errors.

Run by hand: ``python -m tinybench.sim.interface_board --dut socket://127.0.0.1:PORT [--listen N]``.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time


def _host_port(url: str) -> tuple[str, int]:
    rest = url.split("://", 1)[1] if "://" in url else url
    host, port = rest.rsplit(":", 1)
    return host, int(port.split("?", 1)[0])


class SimInterfaceBoard:
    def __init__(self, dut_url: str, *, listen_port: int = 0, dut_baud: int = 9600,
                 name: str = "tinyML Enhanced Interface Board", pace: bool = False) -> None:
        self.dut_url = dut_url
        self.dut_baud = dut_baud
        self.name = name
        self.pace = pace
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", listen_port))
        self._server.listen(1)
        self.port = self._server.getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.port}"
        self._dut = socket.create_connection(_host_port(dut_url), timeout=5.0)
        self._dut.settimeout(None)
        self._dut.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._host: socket.socket | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.relayed_commands: list[str] = []
        self._threads = [threading.Thread(target=self._accept_loop, daemon=True),
                         threading.Thread(target=self._dut_loop, daemon=True)]
        for t in self._threads:
            t.start()

    # ------------------------------------------------------------------ plumbing
    def _wire_delay(self, nbytes: int) -> None:
        if self.pace:
            time.sleep(nbytes * 10 / self.dut_baud)

    def _to_host(self, text: str) -> None:
        with self._lock:
            conn = self._host
        if conn is None:
            return                      # nobody listening: the line is lost, as on a real board
        try:
            conn.sendall(text.encode("ascii", "replace") + b"\r\n")
        except OSError:
            pass

    def _dut_loop(self) -> None:
        buf = b""
        while not self._stop.is_set():
            try:
                chunk = self._dut.recv(4096)
            except OSError:
                return
            if not chunk:
                return
            self._wire_delay(len(chunk))
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.replace(b"\r", b"").replace(b"\0", b"").decode("ascii", "replace")
                if text:
                    self._to_host(f"[dut]: {text}")

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # a UART has no Nagle
            with self._lock:
                old, self._host = self._host, conn
            if old is not None:
                old.close()
            threading.Thread(target=self._host_loop, args=(conn,), daemon=True).start()

    def _host_loop(self, conn: socket.socket) -> None:
        buf = b""
        while not self._stop.is_set():
            try:
                chunk = conn.recv(4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while b"%" in buf:
                raw, buf = buf.split(b"%", 1)
                self._dispatch(raw.decode("ascii", "replace"))
        with self._lock:
            if self._host is conn:
                self._host = None
        conn.close()

    def _dispatch(self, command: str) -> None:
        word = command.split(" ", 1)[0]
        if word == "dut" and " " in command:
            inner = command.split(" ", 1)[1]
            self.relayed_commands.append(inner)
            self._to_host(f"m-dut-passthrough({inner})")
            self._to_host("m-ready")
            self._wire_delay(len(inner) + 1)
            try:
                self._dut.sendall(inner.encode("ascii") + b"%")
            except OSError:
                pass
        elif word == "name":
            self._to_host(self.name)
            self._to_host("m-ready")
        elif word == "checkbaud":
            self._to_host(f"baud is: {self.dut_baud}")
            self._to_host("m-ready")
        elif word == "setbaud":
            arg = command.split(" ", 1)[1].strip() if " " in command else ""
            value = int(arg) if arg.isdigit() and 1 <= int(arg) <= 2_000_000 else 9600
            self.dut_baud = value
            self._to_host(f"set baud to: {value}")
            self._to_host("m-ready")
        else:
            self._to_host("m-ready")

    def close(self) -> None:
        self._stop.set()
        for s in (self._server, self._dut, self._host):
            if s is not None:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def __enter__(self) -> "SimInterfaceBoard":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dut", required=True, help="the DUT's socket://host:port")
    ap.add_argument("--listen", type=int, default=0, help="host-side TCP port (0: any)")
    ap.add_argument("--dut-baud", type=int, default=9600)
    ap.add_argument("--pace", action="store_true", help="spend real wire time at --dut-baud")
    args = ap.parse_args(argv)
    board = SimInterfaceBoard(args.dut, listen_port=args.listen, dut_baud=args.dut_baud, pace=args.pace)
    print(f"interface board at relay+{board.url} -> DUT {args.dut}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        board.close()


if __name__ == "__main__":
    main()
