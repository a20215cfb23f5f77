"""Parsers for single DUT lines (``m-lap-us-…``, ``m-results-[…]``, …) and lap arithmetic.

Why separate from the client: the same parsers read live serial lines and the lines inside
published transcripts, so both paths agree on what a line means. All parsers are tolerant in the
ways real firmware requires (trailing commas, empty fields, surrounding whitespace) and return
None for lines that are not of their kind instead of raising.
"""

from __future__ import annotations

import re
import zlib

WRAP_32 = 1 << 32

# Bounded digit counts: a garbled line of thousands of digits is "not a lap", not a crash.
_LAP = re.compile(r"^m-lap-us-([0-9]{1,20})$")
_RESULTS = re.compile(r"^m-results-\[([^\]]*)\]$")
_NAME = re.compile(r"^m-name-dut-\[([^\]]*)\]$")
_PROFILE = re.compile(r"^m-profile-\[([^\]]+)\]$")
_MODEL = re.compile(r"^m-model-\[([^\]]+)\]$")
_EXPECTING = re.compile(r"^m-\[Expecting ([0-9]{1,12}) bytes\]$")
_ERROR = re.compile(r"^e-\[(.*)\]\s*$")
_EXT = re.compile(r"^m-tb-(caps|info|raw|crc|laps|slide|check)-\[([^\]]*)\]$")
_ECHO = re.compile(r"^m-(warmup|infer)-start-([0-9]{1,12})$")
_BOOT = re.compile(r"^m-(init-done|timestamp-mode-(performance|energy))$")
# Where a protocol message starts inside a line that vendor firmware glued to other text: an
# echoed command (``infer 50000 1%m-warmup-start-1``, Alibaba v0.7) or debug output without a line
# end (``th_load_tensor starting at 152226051m-warmup-start-0``, Syntiant v1.0).
_TOKEN = re.compile(r"(?:m-(?:lap-us-[0-9]|results-\[|warmup-|infer-|load-done|name-dut-\[|profile-\[|"
                    r"model-\[|\[Expecting |timestamp-mode-|init-done|tb-)|e-\[)")
# KWS reference quirk: integer printing turns 1.0 into "0.1000" (dut-protocol.md §7).
_KWS_ONE = "0.1000"


def clean(raw: bytes | str) -> str:
    """Decode one received line the way the MLCommons host does: drop CR and NUL, strip blanks."""
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", errors="replace")
    return raw.replace("\r", "").replace("\x00", "").strip()


def protocol_part(line: str) -> str:
    """The protocol message inside ``line``: itself, or what follows glued-on echo or debug text.

    Lines that hold no protocol token are returned unchanged (free text stays free text).
    """
    if line.startswith(("m-", "e-")):
        return line
    m = _TOKEN.search(line)
    return line[m.start():] if m else line


def is_ready(line: str) -> bool:
    """End-of-response marker; a substring match, as the MLCommons host does."""
    return "m-ready" in line


def parse_lap(line: str) -> int | None:
    m = _LAP.match(protocol_part(line))
    return int(m.group(1)) if m else None


def parse_infer_echo(line: str) -> tuple[str, int] | None:
    """``m-warmup-start-W`` / ``m-infer-start-N`` → ("warmup", W) / ("infer", N): the DUT's echo
    of the counts it received, which lets the host notice a command damaged on the way."""
    m = _ECHO.match(protocol_part(line))
    return (m.group(1), int(m.group(2))) if m else None


def parse_results(line: str) -> list[float] | None:
    """Values of an ``m-results-[…]`` line in any vendor format seen in published results.

    Empty fields (trailing comma) are dropped; three or six decimals, raw integers (Skymizer v1.1
    printed int8 outputs) and blanks around values are accepted; the KWS reference's ``0.1000``
    (its integer printer's rendering of 1.0) reads as 1.0 when the other fields have three
    decimals. Glued-on echo or debug text before the message is skipped.
    """
    m = _RESULTS.match(protocol_part(line))
    if not m:
        return None
    fields = [f.strip() for f in m.group(1).split(",")]
    fields = [f for f in fields if f]
    three = all(len(f.partition(".")[2]) == 3 for f in fields if f != _KWS_ONE)
    out: list[float] = []
    for field in fields:
        try:
            out.append(1.0 if field == _KWS_ONE and three and len(fields) > 1 else float(field))
        except ValueError:
            return None
    return out


def parse_name(line: str) -> str | None:
    m = _NAME.match(protocol_part(line))
    return m.group(1) if m else None


def parse_profile(line: str) -> str | None:
    m = _PROFILE.match(protocol_part(line))
    return m.group(1) if m else None


def parse_model(line: str) -> str | None:
    m = _MODEL.match(protocol_part(line))
    return m.group(1) if m else None


def parse_expecting(line: str) -> int | None:
    m = _EXPECTING.match(protocol_part(line))
    return int(m.group(1)) if m else None


def parse_error(line: str) -> str | None:
    """The message of an ``e-[…]`` line, or None."""
    m = _ERROR.match(protocol_part(line))
    return m.group(1) if m else None


def parse_extension(line: str) -> tuple[str, str] | None:
    """``m-tb-<kind>-[<payload>]`` → (kind, payload) for the tinybench extensions."""
    m = _EXT.match(protocol_part(line))
    return (m.group(1), m.group(2)) if m else None


# Every message a DUT may print (dut-protocol.md §3-§8, tinybench extensions as any
# ``m-tb-<word>-[...]``, so a newer firmware's extension is not taken for damage).
_KNOWN = re.compile(r"^(m-ready|m-warmup-done|m-infer-done|m-load-done|m-init-done|"
                    r"m-timestamp-mode-(performance|energy)|m-(un)?mute-target\[[^\]]*\]|"
                    r"m-buffer-[0-9a-f]{2}(-[0-9a-f]{2})*)$")


def is_known(line: str) -> bool:
    """True for a line that is one whole protocol message this harness knows; False for free text
    and for damaged messages (``m-warmup-dkne``, ``m-results-[0.1,0.2`` cut short)."""
    part = protocol_part(line)
    return bool(_KNOWN.match(part) or parse_lap(part) is not None or parse_results(part) is not None
                or parse_name(part) is not None or parse_profile(part) is not None
                or parse_model(part) is not None or parse_expecting(part) is not None
                or parse_error(part) is not None or parse_infer_echo(part) is not None
                or re.match(r"^m-tb-[a-z0-9]+-\[[^\]]*\]$", part) is not None)


def strip_line_check(raw: bytes) -> bytes:
    """``raw`` (one line, CR allowed) without its ``~<crc32>`` when that CRC-32 of the bytes before
    it is right (the ``tb-check`` extension); ``raw`` itself, the same object, otherwise."""
    text, mark, check = raw.rstrip(b"\r").rpartition(b"~")
    if mark and len(check) == 8 and all(c in b"0123456789abcdef" for c in check) \
            and zlib.crc32(text) == int(check, 16):
        return text
    return raw


def is_boot_line(line: str) -> bool:
    """Lines only printed while the firmware initialises; seeing one mid-command means a reset."""
    return bool(_BOOT.match(protocol_part(line)))


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


def split_slide(lines: list[str], count: int) -> list[list[str]] | None:
    """The reply of ``tb-slide STRIDE COUNT`` as ``count`` line groups, one per window, each starting
    with its ``m-results`` line; None when the closing ``m-tb-slide-[count=N,crc=C]`` line is
    missing or disagrees (C is the CRC-32 of every other reply line with its CR LF, so a line the
    link damaged shows here even when it still parses). One reading for the client (which then
    measures the windows again) and for the transcript parser (which then recomputes none of them).
    """
    printed = 0
    summary: dict[str, str] | None = None
    groups: list[list[str]] = []
    for text in lines:
        ext = parse_extension(text)
        if ext and ext[0] == "slide":
            summary = parse_kv_list(ext[1])
            continue
        printed = zlib.crc32(text.encode("ascii", errors="replace") + b"\r\n", printed)
        if parse_results(text) is not None:
            groups.append([])
        if groups:
            groups[-1].append(text)
    if summary is None or len(groups) != count or summary.get("count") != str(count) \
            or summary.get("crc") != f"{printed:08x}":
        return None
    return groups
