"""Read whatever a pyserial link has, without waiting out its timeout.

Why: instrument streams arrive at thousands of lines a second. ``read(4096)`` blocks until 4096
bytes or the timeout; ``read(in_waiting)`` is right on a real serial port, but pyserial's
``socket://`` handler reports ``in_waiting`` as 0 or 1 (readable or not), which degrades to
two bytes per call. So: block for the first byte, then drain without blocking.
"""

from __future__ import annotations

import serial


def read_available(link: serial.SerialBase) -> bytes:
    """Block up to the link's timeout for one byte, then return it plus everything already buffered."""
    chunk = link.read(1)
    if not chunk or not link.in_waiting:
        return chunk
    if type(link).__module__.endswith("protocol_socket"):
        previous = link.timeout
        link.timeout = 0  # non-blocking: the socket handler returns what is there
        try:
            return chunk + link.read(1 << 16)
        finally:
            link.timeout = previous
    return chunk + link.read(link.in_waiting)
