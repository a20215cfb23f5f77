"""The one way tinybench opens a link to a DUT.

Why one function: device paths (``/dev/ttyACM0``, ``COM3``), ``socket://host:port`` (QEMU, the host
board, Renode) and ``rfc2217://host:port`` (remote labs) all go through pyserial's
``serial_for_url``, so the protocol client never knows or cares which kind of link it drives.
"""

from __future__ import annotations

import fcntl
import os
import struct
import termios

import serial
from serial.urlhandler import protocol_socket

from tinybench.errors import TinybenchError


class PortMissing(TinybenchError):
    """The serial device path does not exist: retrying cannot help, the board is not there."""


def missing_device(url: str) -> bool:
    """True for a POSIX device path (``/dev/...``) that does not exist."""
    return url.startswith("/") and "://" not in url and not os.path.exists(url)


def _ports_present() -> str:
    try:
        from serial.tools import list_ports

        found = sorted(p.device for p in list_ports.comports())
    except Exception:  # noqa: BLE001 - only a hint
        found = []
    return ", ".join(found) if found else "none"


def open_link(url: str, baud: int, timeout: float, *, what: str = "DUT link") -> serial.SerialBase:
    """Open ``url`` at ``baud`` (8N1, no flow control) with a per-read ``timeout`` in seconds.

    Raises ``TinybenchError`` naming ``what`` (the DUT link, a power monitor) and the URL when the
    port cannot be opened (missing device, nothing listening on the socket, permission denied);
    ``PortMissing`` when a device path does not exist.
    """
    if not url or not url.strip():
        raise TinybenchError(f"no serial port or URL given for the {what}",
                             "pass a device path such as /dev/ttyACM0 or a socket://host:port URL")
    if url.startswith("relay+"):      # a DUT behind an interface board (tinybench.relay)
        from tinybench.relay import open_relay

        return open_relay(url[len("relay+"):], baud, timeout)  # type: ignore[return-value]
    if missing_device(url):
        raise PortMissing(f"{what} {url}: no such serial device",
                          f"plug the device in or fix the port name (serial ports present: "
                          f"{_ports_present()})")
    if baud <= 0:
        raise TinybenchError(f"invalid baud rate {baud} for {url}", "use a positive baud such as 115200")
    try:
        factory = _CountingSocketSerial if url.startswith("socket://") else serial.serial_for_url
        link = factory(
            url,
            baudrate=baud,
            bytesize=serial.EIGHTBITS,
            parity=serial.PARITY_NONE,
            stopbits=serial.STOPBITS_ONE,
            timeout=timeout,
            write_timeout=max(timeout, 5.0),
            xonxoff=False,
            rtscts=False,
            dsrdtr=False,
        )
    except (serial.SerialException, ValueError, OSError) as exc:
        raise TinybenchError(
            f"cannot open {what} {url} at {baud} baud: {exc}",
            "check that the board is connected (or the simulator is running) and that no other "
            "program holds the port",
        ) from exc
    return link


class _CountingSocketSerial(protocol_socket.Serial):
    """pyserial's ``socket://`` link whose ``in_waiting`` is the byte count, as on real ports.

    Why: pyserial's socket ``in_waiting`` is 0 or 1 (readable or not), so a reader that asks how
    much is waiting reads one byte per call: ~20 system calls per reply line, which made the
    host's own reading a large share of an accuracy run's time.
    """

    @property
    def in_waiting(self) -> int:
        if not self.is_open:
            raise serial.PortNotOpenError()
        try:
            raw = fcntl.ioctl(self._socket.fileno(), termios.FIONREAD, b"\0\0\0\0")
        except OSError:
            return super().in_waiting
        return struct.unpack("i", raw)[0]
