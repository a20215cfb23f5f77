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

``SimIoManager`` is the EEMBC IO manager flavour (EnergyRunner's Arduino UNO), equally a
protocol-level simulated instrument: its own command set (``help``, ``version``, ``res``, ``tm``,
``enable-timer``, ``disable-timer``; no ``checkbaud``), half-duplex (a command arriving while the
DUT still owes its ``m-ready`` collides and is lost: ``collisions`` counts them) and the timer: fed
by the DUT's edge channel (the simulated timestamp pin, wired to it as to the power monitor), it
prints ``m-lap-us-<n>`` per falling edge while enabled.

Run by hand: ``python -m tinybench.sim.interface_board --dut socket://127.0.0.1:PORT [--listen N]
[--io-manager [--edge socket://127.0.0.1:EDGE_PORT]]``.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections.abc import Iterator

from tinybench.sim.process import socket_address


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
        self._dut = socket.create_connection(socket_address(dut_url), timeout=5.0)
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

    def _lines(self, sock: socket.socket) -> Iterator[bytes]:
        """Lines read from ``sock`` (without the LF) until it closes or the board stops."""
        buf = b""
        while not self._stop.is_set():
            try:
                chunk = sock.recv(4096)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                yield line

    def _dut_loop(self) -> None:
        for line in self._lines(self._dut):
            self._wire_delay(len(line) + 1)
            text = line.replace(b"\r", b"").replace(b"\0", b"").decode("ascii", "replace")
            if text:
                self._from_dut(text)

    def _from_dut(self, text: str) -> None:
        self._to_host(f"[dut]: {text}")

    def _forward(self, inner: str) -> None:
        """``dut <inner>``: acknowledge, then send ``<inner>%`` to the DUT."""
        self.relayed_commands.append(inner)
        self._to_host(f"m-dut-passthrough({inner})")
        self._to_host("m-ready")
        self._wire_delay(len(inner) + 1)
        try:
            self._dut.sendall(inner.encode("ascii") + b"%")
        except OSError:
            pass

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
            commands = buf.split(b"%")
            buf = commands.pop()
            self._arrived([c.decode("ascii", "replace") for c in commands])
        with self._lock:
            if self._host is conn:
                self._host = None
        conn.close()

    def _arrived(self, commands: list[str]) -> None:
        """Commands received together (one read of the host link)."""
        for command in commands:
            self._dispatch(command)

    def _dispatch(self, command: str) -> None:
        word = command.split(" ", 1)[0]
        if word == "dut" and " " in command:
            self._forward(command.split(" ", 1)[1])
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


class SimIoManager(SimInterfaceBoard):
    """EEMBC IO manager flavour (see the module docstring). Replies seen in EnergyRunner logs are
    reproduced byte for byte (``m-timestmp-mode-FALLING`` (sic), ``m-[Timer disabled after mode
    change]``, ``m-timer-enabled``, ``m-timer-disabled``); ``name``, ``help``, ``version`` and
    ``tm 1`` replies are not documented, so this board's are its own: ``name`` deliberately
    mentions no IO manager (the relay must recognise it by its ``help``)."""

    HELP = ("m-help-[help,name,res,enable-timer,disable-timer,dut,i2c-enable,i2c-disable,load-vdata,"
            "show-vdata,et,tm,tp,version]")

    def __init__(self, dut_url: str, *, edge_url: str | None = None, listen_port: int = 0,
                 name: str = "m-[simulated UNO]", pace: bool = False) -> None:
        self.collisions = 0
        self.timer_on = False
        self.laps_sent: list[int] = []
        self._owed = 0                   # DUT m-ready lines still due (half-duplex)
        self._epoch_us = int(time.monotonic() * 1e6) & 0xFFFFFFFF
        self._edges: socket.socket | None = None
        #: set once the timer input (the DUT's edge channel) is live
        self.edge_channel_open = threading.Event()
        super().__init__(dut_url, listen_port=listen_port, dut_baud=9600, name=name, pace=pace)
        if edge_url:
            threading.Thread(target=self._edge_loop, args=(edge_url,), daemon=True).start()

    def _edge_loop(self, edge_url: str) -> None:
        """``edge <dut_us>`` lines → laps on this board's clock (µs since it started; the edge's
        moment is known exactly because both read the host's monotonic clock)."""
        from tinybench.sim.edges import open_edge_channel, parse_edge_line

        try:    # the handshake needs the DUT idle: it is, once its UART has a client (this board)
            self._edges = open_edge_channel(edge_url)
        except Exception:  # noqa: BLE001 - the board simply has no timer input then
            return
        self.edge_channel_open.set()
        for line in self._lines(self._edges):
            dut_us = parse_edge_line(line.decode("ascii", "replace"))
            if dut_us is not None and self.timer_on:
                lap = (dut_us - self._epoch_us) & 0xFFFFFFFF
                self.laps_sent.append(lap)
                self._to_host(f"m-lap-us-{lap}")

    def _from_dut(self, text: str) -> None:
        if text == "m-ready" and self._owed:
            self._owed -= 1
        super()._from_dut(text)

    def _arrived(self, commands: list[str]) -> None:
        """Half-duplex: a command whose bytes arrive while the DUT still owes its m-ready (also one
        sent right behind a ``dut`` command) collides with the DUT's output and is lost."""
        busy = self._owed > 0
        for command in commands:
            if busy:
                self.collisions += 1
                continue
            self._dispatch(command)
            busy = command.startswith("dut ")

    def _dispatch(self, command: str) -> None:
        word, _, arg = command.partition(" ")
        replies = {
            "name": [self.name], "help": [self.HELP], "version": ["m-version-[1.0.3 (simulated)]"],
            "res": ["e-[res: no DUT reset in the simulation]"],
            "enable-timer": ["m-timer-enabled"], "disable-timer": ["m-timer-disabled"],
        }
        if word == "dut" and arg:
            self._owed += 1
            self._forward(arg)
            return
        if word == "tm" and arg in ("0", "1"):
            replies["tm"] = ["m-timestmp-mode-FALLING" if arg == "0" else "m-timestmp-mode-CHANGE",
                             "m-[Timer disabled after mode change]"]
        self.timer_on = {"enable-timer": True, "disable-timer": False, "tm": False}.get(word, self.timer_on)
        for line in replies.get(word, []) + ["m-ready"]:
            self._to_host(line)

    def close(self) -> None:
        super().close()
        if self._edges is not None:
            self._edges.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dut", required=True, help="the DUT's socket://host:port")
    ap.add_argument("--listen", type=int, default=0, help="host-side TCP port (0: any)")
    ap.add_argument("--dut-baud", type=int, default=9600)
    ap.add_argument("--pace", action="store_true", help="spend real wire time at --dut-baud")
    ap.add_argument("--io-manager", action="store_true", help="the EEMBC IO manager flavour (9600 baud)")
    ap.add_argument("--edge", help="--io-manager: the DUT's edge channel socket://host:port (timer input)")
    args = ap.parse_args(argv)
    board = (SimIoManager(args.dut, edge_url=args.edge, listen_port=args.listen, pace=args.pace)
             if args.io_manager else
             SimInterfaceBoard(args.dut, listen_port=args.listen, dut_baud=args.dut_baud, pace=args.pace))
    print(f"interface board at relay+{board.url} -> DUT {args.dut}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        board.close()


if __name__ == "__main__":
    main()
