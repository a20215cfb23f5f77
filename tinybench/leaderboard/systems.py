"""System descriptions (MLPerf ``systems/<id>.json``): clock, voltage and device class.

Why: MLPerf stores clock and supply voltage only as free text and has no notion of device class,
so phone SoCs, FPGAs and MCUs end up in one table. We parse the free text once, here, and record
where each value came from; the device class is inferred from the description and can always be
overridden (``"tinybench device class"`` key in the JSON, or ``--device-class``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tinybench.errors import TinybenchError
from tinybench.leaderboard.records import DeviceClass

OVERRIDE_KEY = "tinybench device class"

_MHZ = re.compile(r"(\d+(?:\.\d+)?)\s*(GHz|MHz|kHz)", re.IGNORECASE)
_VOLT = re.compile(r"(\d+(?:\.\d+)?)\s*(mV|V)\b")
_FPGA = re.compile(r"fpga|zynq|pynq|xilinx|artix|kintex|ultrascale|lattice|ice40|cyclone|arria", re.I)
_APP = re.compile(r"cortex[- ]?a\d|raspberry|x86|intel core|snapdragon|apple m\d|jetson|kryo|"
                  r"risc-?v.*linux", re.I)
_APP_OS = re.compile(r"linux|android|ubuntu|debian|yocto|windows|macos", re.I)
_HUB = re.compile(r"sensing hub|sensor hub|always[- ]on (?:dsp|processor)", re.I)
_NPU = re.compile(r"\bnpu\b|ndp\d|neural processing|ethos|syntiant|tpu\b|neural-art", re.I)
_MCU = re.compile(r"cortex[- ]?m\d|\bm(?:0\+?|3|4|7|23|33|55|85)\b|risc-?v|\brv(?:32|64)|\bmcu\b|"
                  r"microcontroller|stm32|esp32|nrf5|gap\d|andescore|rxv\d", re.I)
_NONE = {"n/a", "na", "none", "-", "no", ""}

@dataclass(frozen=True)
class SystemInfo:
    name: str
    submitter: str
    division: str
    board: str
    soc: str | None
    processor: str | None
    accelerator: str | None
    framework: str | None
    clock_mhz: float | None
    voltage_v: float | None
    voltage_source: str | None
    device_class: DeviceClass
    device_class_source: str


def _text(desc: dict, key: str) -> str | None:
    value = desc.get(key)
    if isinstance(value, (dict, list)):
        value = str(value)
    value = (value or "").strip() if isinstance(value, str) else (str(value) if value is not None else "")
    return value or None


def parse_clock_mhz(text: str | None) -> float | None:
    """First frequency in the text, in MHz ('120 MHz' -> 120.0, '1.5 GHz' -> 1500.0)."""
    if not text:
        return None
    match = _MHZ.search(text)
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2).lower()
    return value * {"ghz": 1000.0, "mhz": 1.0, "khz": 0.001}[unit]


def parse_voltage_v(text: str | None) -> float | None:
    """First supply voltage in the text ('Operating at 1.8V' -> 1.8, '900 mV' -> 0.9)."""
    if not text:
        return None
    match = _VOLT.search(text)
    if not match:
        return None
    value = float(match.group(1))
    return value / 1000.0 if match.group(2) == "mV" else value


def infer_device_class(desc: dict) -> tuple[DeviceClass, str]:
    """Device class from the processor, operating-system and accelerator fields, with the reason
    (shown on the site). Order matters: an FPGA with a soft core is an FPGA; a phone SoC's
    sensing hub is not an MCU even though a small core runs the model."""
    override = _text(desc, OVERRIDE_KEY)
    if override:
        return parse_device_class(override), "override (system JSON)"
    processor = " ".join(filter(None, (_text(desc, "Processor(s) Name"), _text(desc, "SoC Name"))))
    accel = _text(desc, "Accelerator") or ""
    has_accel = accel.strip().lower() not in _NONE
    system_os = " ".join(filter(None, (_text(desc, "Operating System"), _text(desc, "Operating System "))))
    everything = " ".join(str(v) for v in desc.values() if isinstance(v, str))
    on_fpga = ""
    if _FPGA.search(processor + " " + accel):
        return DeviceClass.fpga, "inferred: the model runs in FPGA fabric"
    if _FPGA.search(everything):
        if not _MCU.search(processor):
            return DeviceClass.fpga, "inferred: description mentions an FPGA"
        on_fpga = " (core prototyped on an FPGA board)"
    if _HUB.search(accel + " " + processor):
        return DeviceClass.sensing_hub, f"inferred: phone-class sensing hub ({accel or processor})"
    if _APP.search(processor):
        return DeviceClass.application_processor, "inferred: application-class processor"
    if _APP_OS.search(system_os):
        return DeviceClass.application_processor, f"inferred: runs {system_os.strip()}"
    if has_accel:
        if _MCU.search(processor):
            return DeviceClass.mcu_accelerator, f"inferred: MCU core plus accelerator ({accel}){on_fpga}"
        return DeviceClass.npu, "inferred: accelerator without an MCU host core"
    if _NPU.search(processor):
        return DeviceClass.npu, "inferred: neural processor"
    return DeviceClass.mcu, f"inferred: MCU core, no accelerator{on_fpga}"


def read_description(text: str) -> tuple[dict, str | None]:
    """A system description; malformed JSON (real ones miss commas) is read leniently as the
    flat ``"key": "value"`` pairs it holds, with a note saying so (``check`` still flags it)."""
    import json

    try:
        data = json.loads(text)
        return (data, None) if isinstance(data, dict) else ({}, "not a JSON object")
    except json.JSONDecodeError as exc:
        pairs = re.findall(r'"([^"\n]+)"\s*:\s*"((?:[^"\\\n]|\\.)*)"', text)
        if not pairs:
            raise
        return dict(pairs), f"malformed JSON ({exc.msg}, line {exc.lineno}); read its key/value pairs leniently"


def parse_device_class(text: str) -> DeviceClass:
    wanted = text.strip().lower()
    for member in DeviceClass:
        if wanted in {member.value.lower(), member.name}:
            return member
    raise TinybenchError(f"unknown device class {text!r}",
                         "use one of: " + ", ".join(m.value for m in DeviceClass))


def describe_system(name: str, desc: dict, *, device_class: DeviceClass | None = None) -> SystemInfo:
    """Turn a system description dict into the fields records need."""
    if not isinstance(desc, dict):
        raise TinybenchError(f"system description {name!r} is not a JSON object",
                             "use the MLPerf system_description_template.json layout")
    notes = " ".join(filter(None, (_text(desc, "Hardware Notes"), _text(desc, "Board Name"))))
    voltage = parse_voltage_v(notes)
    if device_class is not None:
        dclass, dsource = device_class, "override (command line)"
    else:
        dclass, dsource = infer_device_class(desc)
    return SystemInfo(
        name=name,
        submitter=_text(desc, "Submitter") or "unknown",
        division=(_text(desc, "Division") or "closed").lower(),
        board=_text(desc, "Board Name") or name,
        soc=_text(desc, "SoC Name"),
        processor=_text(desc, "Processor(s) Name"),
        accelerator=_text(desc, "Accelerator"),
        framework=_text(desc, "Inference Framework"),
        clock_mhz=parse_clock_mhz(_text(desc, "Processor(s) Frequencies")),
        voltage_v=voltage,
        voltage_source="system JSON 'Hardware Notes'" if voltage is not None else None,
        device_class=dclass,
        device_class_source=dsource,
    )
