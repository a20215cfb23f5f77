"""Parsers for single DUT lines (``m-lap-us-…``, ``m-results-[…]``, …) and lap arithmetic.

Why separate from the client: the same parsers read live serial lines and the lines inside
published transcripts, so both paths agree on what a line means. All parsers are tolerant in the
ways real firmware requires (trailing commas, empty fields, surrounding whitespace) and return
None for lines that are not of their kind instead of raising.
"""

from __future__ import annotations

import re

WRAP_32 = 1 << 32

_LAP = re.compile(r"^m-lap-us-([0-9]+)$")
_RESULTS = re.compile(r"^m-results-\[([^\]]*)\]$")
_NAME = re.compile(r"^m-name-dut-\[([^\]]*)\]$")
_PROFILE = re.compile(r"^m-profile-\[([^\]]+)\]$")
_MODEL = re.compile(r"^m-model-\[([^\]]+)\]$")
_EXPECTING = re.compile(r"^m-\[Expecting ([0-9]+) bytes\]$")
_ERROR = re.compile(r"^e-\[(.*)\]\s*$")
_EXT = re.compile(r"^m-tb-(caps|info|raw|crc)-\[([^\]]*)\]$")
_BOOT = re.compile(r"^m-(init-done|timestamp-mode-(performance|energy))$")


def clean(raw: bytes | str) -> str:
    """Decode one received line the way the MLCommons host does: drop CR and NUL, strip blanks."""
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", errors="replace")
    return raw.replace("\r", "").replace("\x00", "").strip()


def is_ready(line: str) -> bool:
    """End-of-response marker; a substring match, as the MLCommons host does."""
    return "m-ready" in line


def parse_lap(line: str) -> int | None:
    m = _LAP.match(line)
    return int(m.group(1)) if m else None


def parse_results(line: str) -> list[float] | None:
    """Values of an ``m-results-[…]`` line; empty fields (trailing comma) are dropped."""
    m = _RESULTS.match(line)
    if not m:
        return None
    out: list[float] = []
    for field in m.group(1).split(","):
        field = field.strip()
        if not field:
            continue
        try:
            out.append(float(field))
        except ValueError:
            return None
    return out


def parse_name(line: str) -> str | None:
    m = _NAME.match(line)
    return m.group(1) if m else None


def parse_profile(line: str) -> str | None:
    m = _PROFILE.match(line)
    return m.group(1) if m else None


def parse_model(line: str) -> str | None:
    m = _MODEL.match(line)
    return m.group(1) if m else None


def parse_expecting(line: str) -> int | None:
    m = _EXPECTING.match(line)
    return int(m.group(1)) if m else None


def parse_error(line: str) -> str | None:
    """The message of an ``e-[…]`` line, or None."""
    m = _ERROR.match(line)
    return m.group(1) if m else None


def parse_extension(line: str) -> tuple[str, str] | None:
    """``m-tb-<kind>-[<payload>]`` → (kind, payload) for the tinybench extensions."""
    m = _EXT.match(line)
    return (m.group(1), m.group(2)) if m else None


def is_boot_line(line: str) -> bool:
    """Lines only printed while the firmware initialises; seeing one mid-command means a reset."""
    return bool(_BOOT.match(line))


def elapsed_us(t0: int, t1: int) -> int:
    """Elapsed µs between two laps, unwrapping one 32-bit counter wrap.

    Cortex-M firmware prints a 32-bit counter (wraps every 71.6 min); a 64-bit host build prints
    larger values. A decrease is a wrap only if both values fit in 32 bits; otherwise the counter
    went backwards, which is a firmware fault.
    """
    if t1 >= t0:
        return t1 - t0
    if t0 < WRAP_32 and t1 < WRAP_32:
        return t1 + WRAP_32 - t0
    raise ValueError(f"lap counter went backwards: {t0} then {t1}")


def parse_kv_list(payload: str) -> dict[str, str]:
    """``a=1,b,c=x`` → {"a": "1", "b": "", "c": "x"}; tolerant of blanks and trailing commas."""
    out: dict[str, str] = {}
    for item in payload.split(","):
        item = item.strip()
        if not item:
            continue
        key, _, value = item.partition("=")
        out[key.strip()] = value.strip()
    return out
