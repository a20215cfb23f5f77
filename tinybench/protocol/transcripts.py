"""Read DUT transcripts into structured exchanges: EEMBC EnergyRunner logs, MLCommons-runner logs and
``results.json``, and tinybench's own ``log.txt``.

Why: published MLPerf Tiny results are the ground truth the client must agree with, and tinybench's
own figures must be recomputable from its own transcript alone. One model (``Exchange``) serves
all three sources, and the DUT lines inside them go through the same parsers as live lines
(``tinybench.protocol.lines``).
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tinybench.errors import TinybenchError
from tinybench.protocol import lines as L


class TranscriptError(TinybenchError, ValueError):
    """A transcript (log.txt, results.json) is malformed in a way that makes a figure unreadable.

    Also a ``ValueError`` so callers that already guard number parsing keep working."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "the file is corrupt or was edited; use the run's original "
                                  "log.txt / results.json")


def _int_or_none(text: str) -> int | None:
    """A decimal count from a log (``infer N W``); None when the field is not one."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _float_or_none(text: str, default: float | None = None) -> float | None:
    try:
        return float(text)
    except ValueError:
        return default


def _floats(fields: list[str]) -> list[float] | None:
    """Numbers of a results list, or None when any field is not a number (a garbled line)."""
    try:
        return [float(v) for v in fields if v.strip()]
    except ValueError:
        return None

@dataclass
class Exchange:
    """One DUT command and its reply (for ``infer``: laps, elapsed µs, results)."""

    command: str
    input_file: str | None = None        # the input loaded before this command (basename)
    input_offset: int = 0                # byte offset inside the file (AD windows)
    lines: list[str] = field(default_factory=list)
    host_time: float | None = None       # host timestamp of the command, when the log has one
    iterations: int | None = None
    warmups: int | None = None
    laps: list[int] = field(default_factory=list)
    elapsed_us: int | None = None
    results: list[float] | None = None
    published_runtime_s: float | None = None     # MLC logs print runtime, not laps
    published_throughput: float | None = None
    tag: str | None = None               # tinybench logs: the "# measure <tag>" note before the command

    @property
    def is_infer(self) -> bool:
        return self.command.split(" ", 1)[0] == "infer"

    @property
    def throughput(self) -> float | None:
        """Inferences per second of DUT time (None without laps)."""
        if self.iterations is None or not self.elapsed_us:
            return None
        return self.iterations / (self.elapsed_us / 1e6)


@dataclass
class Window:
    """A window as printed in a results file (``Performance results for window k``)."""

    number: int
    inferences: int | None = None
    runtime_s: float | None = None
    throughput: float | None = None


@dataclass
class Summary:
    """The figures a results file (or a log's summary lines) states."""

    windows: list[Window] = field(default_factory=list)
    median_throughput: float | None = None
    top1: float | None = None
    auc: float | None = None
    median_energy_uj: float | None = None


@dataclass
class Transcript:
    kind: str                                 # "eembc", "mlc", "mlc-json" or "tinybench"
    exchanges: list[Exchange] = field(default_factory=list)
    model: str | None = None
    summary: Summary = field(default_factory=Summary)

    @property
    def inferences(self) -> list[Exchange]:
        return [x for x in self.exchanges if x.is_infer]


def finish_infer(ex: Exchange) -> Exchange:
    """Fill laps, elapsed time and results of an ``infer`` exchange from its DUT lines."""
    parts = ex.command.split()
    if parts and parts[0] == "infer":
        # A malformed count (a garbled log line) leaves the figure unknown rather than guessed.
        ex.iterations = _int_or_none(parts[1]) if len(parts) > 1 else 1
        ex.warmups = _int_or_none(parts[2]) if len(parts) > 2 else 10
    ex.laps = [lap for lap in (L.parse_lap(t) for t in ex.lines) if lap is not None]
    if len(ex.laps) >= 2:
        try:
            ex.elapsed_us = L.elapsed_us(ex.laps[0], ex.laps[1])
        except ValueError as exc:
            raise TranscriptError(f"`{ex.command}`: {exc}") from None
    for text in ex.lines:
        values = L.parse_results(text)
        if values is not None:
            ex.results = values
    return ex


# --------------------------------------------------------------------- summary lines (both runners)
_WINDOW = re.compile(r"Performance results for window ([0-9]{1,9})\b")
_INFERENCES = re.compile(r"# Inferences\s*:\s*([0-9]{1,18})\b")
_RUNTIME = re.compile(r"Runtime\s*:\s*([\d.]+) sec\.")
_THROUGHPUT = re.compile(r"(?<!Median )Throughput\s*:\s*([\d.]+) inf\./sec\.")
# The MLCommons submission checker's own regexes (run-rules-and-formats.md §(c)).
CHECKER_TOP1 = re.compile(r".* Top[- ]1%?\s?[:=] ([\d\.]+).*")
CHECKER_AUC = re.compile(r".* AUC\s?[:=] ([\d\.]+).*")
CHECKER_THROUGHPUT = re.compile(r".* Median throughput is\s+([\d\.]+) inf\./sec\..*")
CHECKER_ENERGY = re.compile(r"Median energy cost is ([\d\.]+) uJ/inf")


def parse_summary(text: str) -> Summary:
    """Figures of a ``results.txt`` (EEMBC or MLC) with the checker's last-match-wins rule.

    The checker's own regexes accept strings like ``1.2.3``; such a match is not a number and is
    skipped (the MLCommons checker would crash on it)."""
    summary = Summary()
    current: Window | None = None
    for line in text.splitlines():
        m = _WINDOW.search(line)
        if m:
            current = Window(int(m.group(1)))
            summary.windows.append(current)
            continue
        if current is not None:
            if (m := _INFERENCES.search(line)):
                current.inferences = int(m.group(1))
            elif (m := _RUNTIME.search(line)):
                current.runtime_s = _float_or_none(m.group(1))
            elif (m := _THROUGHPUT.search(line)):
                current.throughput = _float_or_none(m.group(1))
        if (m := CHECKER_TOP1.match(line)):
            summary.top1 = _float_or_none(m.group(1), summary.top1)
        if (m := CHECKER_AUC.match(line)):
            summary.auc = _float_or_none(m.group(1), summary.auc)
        if (m := CHECKER_THROUGHPUT.match(line)):
            summary.median_throughput = _float_or_none(m.group(1), summary.median_throughput)
        if (m := CHECKER_ENERGY.search(line)):
            summary.median_energy_uj = _float_or_none(m.group(1), summary.median_energy_uj)
    return summary


# --------------------------------------------------------------------- EEMBC EnergyRunner
_EEMBC_LINE = re.compile(r"^(\d+\.\d+) ([\w-]+): ?(.*)$")
_SEQ_COMMAND = re.compile(r"-command\[(.*)\]-ack\[")
_BLOAD = re.compile(r'^bloadp? (?:dut )?"([^"]+)"(?:\s+([0-9]{1,18})\b(?:\s+([0-9]{1,18})\b)?)?')


def parse_eembc_log(text: str) -> Transcript:
    """An EnergyRunner ``log.txt``: sequencer commands, DUT lines (direct or via the IO manager)."""
    tr = Transcript("eembc")
    current: Exchange | None = None
    input_file: str | None = None
    offset = 0
    for raw in text.splitlines():
        m = _EEMBC_LINE.match(raw)
        if not m:
            continue
        stamp, source, body = float(m.group(1)), m.group(2), m.group(3).strip()
        if source == "sequencer":
            cm = _SEQ_COMMAND.search(body)
            if not cm:
                continue
            command = cm.group(1)
            bm = _BLOAD.match(command)
            if bm:
                input_file = Path(bm.group(1).replace("\\", "/")).name
                offset = int(bm.group(2) or 0)
                continue
            words = command.split()
            if words[:2] == ["io", "dut"]:
                words = words[2:]
            elif words[:1] == ["dut"]:
                words = words[1:]
            else:
                continue
            current = Exchange(" ".join(words), input_file, offset, host_time=stamp)
            tr.exchanges.append(current)
            continue
        dut_line: str | None = None
        if source == "dut":
            dut_line = body
        elif source == "io" and body.startswith("[dut]:"):
            dut_line = body[len("[dut]:"):].strip()
        elif source == "ulp-mlperf" or source == "ulp-ml":
            continue
        if dut_line is None:
            continue
        model = L.parse_model(dut_line)
        if model:
            tr.model = model
        if current is None:
            continue
        if L.is_ready(dut_line):
            finish_infer(current)
            current = None
            continue
        current.lines.append(dut_line)
    if current is not None:
        finish_infer(current)
    tr.summary = parse_summary(text)
    return tr


# --------------------------------------------------------------------- MLCommons runner
_MLC_LOAD = re.compile(r"Loading file (\S+) segment ([0-9]{1,18})\b")
_MLC_RUN = re.compile(r"Running inference with ([0-9]{1,18})/([0-9]{1,18}) \(warmup/measured\)")
_MLC_RESULTS = re.compile(r"m-results\s*:\s*\[(.*)\]")
_MLC_MODEL = re.compile(r"Device model retrieved: (\S+)")


def parse_mlc_log(text: str) -> Transcript:
    """An MLCommons-runner ``log.txt``: per window file, segment, W/N, runtime, throughput, results."""
    tr = Transcript("mlc")
    current: Exchange | None = None
    input_file: str | None = None
    segment = 0
    for line in text.splitlines():
        if (m := _MLC_MODEL.search(line)):
            tr.model = m.group(1)
        elif (m := _MLC_LOAD.search(line)):
            input_file, segment = m.group(1), int(m.group(2))
        elif (m := _MLC_RUN.search(line)):
            w, n = int(m.group(1)), int(m.group(2))
            current = Exchange(f"infer {n} {w}", input_file, segment, iterations=n, warmups=w)
            tr.exchanges.append(current)
        elif current is not None:
            if (m := _RUNTIME.search(line)) and "ulp-mlperf" in line:
                current.published_runtime_s = _float_or_none(m.group(1))
            elif (m := _THROUGHPUT.search(line)) and "ulp-mlperf" in line:
                current.published_throughput = _float_or_none(m.group(1))
            elif (m := _MLC_RESULTS.search(line)):
                values = _floats(m.group(1).split(","))
                if values is None:
                    raise TranscriptError(f"unreadable m-results line in the MLC log: {line.strip()[:120]!r}")
                current.results = values
    tr.summary = parse_summary(text)
    return tr


def parse_mlc_results_json(data: object) -> Transcript:
    """An MLCommons-runner ``results.json`` (list of per-window/per-file objects with raw laps).

    Every member is type-checked: a wrong shape raises :class:`TranscriptError` naming the entry,
    never a ``TypeError`` from deep inside (the file may come from an untrusted bundle)."""
    if not isinstance(data, list):
        raise TranscriptError(f"results.json must hold a list of entries, not {type(data).__name__}")
    tr = Transcript("mlc-json")
    for k, item in enumerate(data):
        where = f"results.json entry {k}"
        if not isinstance(item, dict):
            raise TranscriptError(f"{where} is a {type(item).__name__}, not an object")
        infer = item.get("infer") or {}
        if not isinstance(infer, dict):
            raise TranscriptError(f"{where}: 'infer' is a {type(infer).__name__}, not an object")
        n = _json_int(infer.get("iterations", 1), where, "iterations")
        w = _json_int(infer.get("warmups", 0), where, "warmups")
        results = infer.get("results", [])
        if not isinstance(results, list):
            raise TranscriptError(f"{where}: 'results' is not a list")
        name = item.get("file")
        ex = Exchange(f"infer {n} {w}", name if isinstance(name, str) else None, iterations=n,
                      warmups=w, results=[_json_float(v, where, "results") for v in results])
        if "start_time" in infer and "end_time" in infer:
            ex.laps = [_json_int(infer["start_time"], where, "start_time"),
                       _json_int(infer["end_time"], where, "end_time")]
            try:
                ex.elapsed_us = L.elapsed_us(ex.laps[0], ex.laps[1])
            except ValueError as exc:
                raise TranscriptError(f"{where}: {exc}") from None
        if "throughput" in infer:
            ex.published_throughput = _json_float(infer["throughput"], where, "throughput")
        tr.exchanges.append(ex)
    return tr


def _json_int(value: object, where: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
            or value < 0 or value != int(value) or value > 2**63:
        raise TranscriptError(f"{where}: {key!r} is {value!r}, not a non-negative integer")
    return int(value)


def _json_float(value: object, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TranscriptError(f"{where}: {key!r} holds {value!r}, not a number")
    return float(value)


# --------------------------------------------------------------------- tinybench's own log.txt
_TB_LINE = re.compile(r"^(\d+\.\d+) ([<>#]) (.*)$")
_TB_INPUT = re.compile(r"^input (\S+) offset ([0-9]{1,18})\b")
# Compact forms (accuracy runs): "input-file <name> sha256 <hex> bytes <n>" starts a file at offset 0;
# "window <offset>[ measure <tag>]" moves to another window of it and may tag the next infer.
_TB_INPUT_FILE = re.compile(r"^input-file (\S+)")
_TB_WINDOW = re.compile(r"^window ([0-9]{1,18})(?: measure (.+))?$")
_TB_MEASURE = re.compile(r"^measure (.+)$")
_TB_TIME_BASE = re.compile(r"^time-base (\d+\.\d+)$")
_TB_PAYLOAD = re.compile(r"^payload (?:=(\d+)\+(\d+)|([0-9a-f]*))$")
_TB_DB_REF = re.compile(r"^db =(\d+)\+(\d+)$")


def format_log_line(direction: str, text: str, host_time: float, places: int = 6) -> str:
    """One transcript line: ``<seconds> <direction> <text>`` (direction ``>``, ``<``, ``#``).

    Seconds are Unix time, or relative to the last ``# time-base <unix seconds>`` note (run
    directories write those with ms ``places=3``: host times only annotate, DUT laps are the timing)."""
    return f"{host_time:.{places}f} {direction} {text}"


def parse_tinybench_log(text: str) -> Transcript:
    """tinybench ``log.txt``: ``>`` sent, ``<`` received, ``# input <file> offset <n>`` notes (or
    the compact ``# input-file <file> ...`` + ``# window <n> measure <tag>`` of accuracy runs).

    Input payloads may be logged by reference (``# payload =K+N``, ``> db =K+N``, see
    docs/architecture.md "Protocol extensions"); ``expand_payloads`` turns them back into bytes."""
    tr = Transcript("tinybench")
    current: Exchange | None = None
    input_file: str | None = None
    offset = 0
    tag: str | None = None
    base = 0.0                       # "# time-base <t>": later stamps are relative to it
    for raw in text.splitlines():
        m = _TB_LINE.match(raw)
        if not m:
            continue
        stamp, direction, body = float(m.group(1)) + base, m.group(2), m.group(3)
        if direction == "#":
            if (bm := _TB_TIME_BASE.match(body)):
                base = float(bm.group(1))
            elif (im := _TB_INPUT.match(body)):
                input_file, offset = im.group(1), int(im.group(2))
            elif (fm := _TB_INPUT_FILE.match(body)):
                input_file, offset = fm.group(1), 0
            elif (wm := _TB_WINDOW.match(body)):
                offset = int(wm.group(1))
                if wm.group(2):
                    tag = wm.group(2)
            elif (mm := _TB_MEASURE.match(body)):
                tag = mm.group(1)
            continue
        if direction == ">":
            # A command without m-ready before the next one was interrupted: it stays incomplete.
            # A "# measure <tag>" note labels the next infer (a load may come in between: the
            # accuracy loop pipelines load + infer, and notes both before the load).
            is_infer = body.split(" ", 1)[0] in ("infer", "tb-slide")
            current = Exchange(body, input_file, offset, host_time=stamp, tag=tag if is_infer else None)
            if is_infer:
                tag = None
            tr.exchanges.append(current)
            continue
        model = L.parse_model(body)
        if model:
            tr.model = model
        if current is None:
            continue
        if L.is_ready(body):
            finish_infer(current)
            if current.command.startswith("tb-slide "):
                tr.exchanges.extend(slide_windows(current))
            current = None
        else:
            current.lines.append(body)
    # Keep only complete infer exchanges (an interrupted one has no results line).
    tr.exchanges = [x for x in tr.exchanges if not x.is_infer or x.results is not None]
    return tr


def slide_windows(ex: Exchange) -> list[Exchange]:
    """The windows of one ``tb-slide STRIDE COUNT`` exchange as ``infer 1 0`` exchanges (window k at
    the exchange's offset + k * STRIDE, its ``m-results`` and ``m-tb-crc`` lines). A reply whose
    ``m-tb-slide-[count=N,crc=C]`` check fails (a line damaged on the link; the host measured
    those windows again) or is missing (interrupted) yields none."""
    parts = ex.command.split()
    stride = _int_or_none(parts[1]) if len(parts) == 3 else None
    count = _int_or_none(parts[2]) if len(parts) == 3 else None
    per_window = L.split_slide(ex.lines, count) if stride is not None and count is not None else None
    if stride is None or per_window is None:
        return []
    return [finish_infer(Exchange("infer 1 0", ex.input_file, ex.input_offset + k * stride, lines,
                                  host_time=ex.host_time, tag=ex.tag))
            for k, lines in enumerate(per_window)]


@dataclass
class Payload:
    """The bytes one load command put on the wire, rebuilt from the log and the input files."""

    command: str            # as logged: "tb-load 2560 1a2b3c4d 2048", "db =0+31", "db <hex>", ...
    input_file: str | None
    input_offset: int
    data: bytes
    crc_ok: bool | None = None   # tb-load/tb-fload: the command's CRC-32 matches the rebuilt input


_TB_BIN_LOAD = re.compile(r"^tb-[fm]?load (\d+) ([0-9a-f]{8})(?: (\d+))?")


def expand_payloads(text: str, read_input: Callable[[str], bytes]) -> list[Payload]:
    """Every input payload of a tinybench ``log.txt``, as the bytes that were sent.

    ``read_input(name)`` returns the bytes of an input file; when the log has an ``# input-file
    <name> sha256 <hex>`` note they are checked against it. References: ``db =K+N`` is bytes K..K+N
    of the window loaded after the last ``# input <file> offset <o>`` note; a ``tb-load SIZE CRC
    [KEEP]`` (or ``tb-fload``/``tb-mload``) without a following ``# payload <hex>`` note sent bytes KEEP..SIZE
    of that window, whose CRC-32 must equal CRC (``crc_ok``).
    Raises ValueError on a reference without a preceding input note or past the file's end.
    """
    out: list[Payload] = []
    files: dict[str, bytes] = {}
    hashes: dict[str, str] = {}
    name: str | None = None
    offset = 0
    pending: tuple[str, int, str, int] | None = None     # a tb-load awaiting its payload note

    def window(start: int, length: int) -> bytes:
        return _window_slice(files, hashes, read_input, name, offset, start, length)

    def settle(hex_payload: str | None) -> None:
        nonlocal pending
        if pending is None:
            return
        command, size, crc, keep = pending
        pending = None
        full = window(0, size)
        data = bytes.fromhex(hex_payload) if hex_payload is not None else full[keep:]
        out.append(Payload(command, name, offset, data, crc_ok=zlib.crc32(full) == int(crc, 16)))

    for raw in text.splitlines():
        m = _TB_LINE.match(raw)
        if not m:
            continue
        direction, body = m.group(2), m.group(3)
        pm = _TB_PAYLOAD.match(body) if direction == "#" else None
        settle(pm.group(3) if pm is not None and pm.group(3) is not None else None)
        if direction == "#":
            if body.startswith("input-file "):
                parts = body.split()
                name, offset = parts[1], 0
                if len(parts) >= 4 and parts[2] == "sha256":
                    hashes[parts[1]] = parts[3]
            elif (im := _TB_INPUT.match(body)):
                name, offset = im.group(1), int(im.group(2))
            elif (wm := _TB_WINDOW.match(body)):
                offset = int(wm.group(1))
            continue
        if direction == ">":
            if (bm := _TB_BIN_LOAD.match(body)):
                pending = (body, int(bm.group(1)), bm.group(2), int(bm.group(3) or 0))
            elif (dm := _TB_DB_REF.match(body)):
                out.append(Payload(body, name, offset, window(int(dm.group(1)), int(dm.group(2)))))
            elif body.startswith("db ") and not body.startswith(("db load", "db print")):
                out.append(Payload(body, name, offset, bytes.fromhex(body[3:])))
    settle(None)
    return out


def _window_slice(files: dict[str, bytes], hashes: dict[str, str], read_input: Callable[[str], bytes],
                  name: str | None, offset: int, start: int, length: int) -> bytes:
    if name is None:
        raise ValueError("payload reference before any '# input <file> offset <o>' note")
    if name not in files:
        data = read_input(name)
        if name in hashes and hashlib.sha256(data).hexdigest() != hashes[name]:
            raise ValueError(f"input file {name} does not have the sha256 the log recorded")
        files[name] = data
    data = files[name]
    if offset + start + length > len(data):
        raise ValueError(f"payload reference {start}+{length} at offset {offset} is past the end of {name}")
    return data[offset + start:offset + start + length]


def load_transcript(path: Path) -> Transcript:
    """Detect the format of ``path`` (a ``log.txt`` or MLC ``results.json``) and parse it."""
    path = Path(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise TranscriptError(f"{path} is not valid JSON: {exc}") from None
        return parse_mlc_results_json(data)
    head = text[:4000]
    if re.search(r"^\d+\.\d+ (session|parser|sequencer|dut|io|emon):", head, re.M):
        tr = parse_eembc_log(text)
    elif "ulp-mlperf:" in text or "Logging initialized" in head:
        tr = parse_mlc_log(text)
    else:
        tr = parse_tinybench_log(text)
    results_txt = path.with_name("results.txt")
    if results_txt.exists() and tr.kind != "tinybench":
        published = parse_summary(results_txt.read_text(encoding="utf-8", errors="replace"))
        tr.summary = published
    return tr
