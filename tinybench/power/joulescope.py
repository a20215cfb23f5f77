"""Joulescope JS110 / JS220 driver (optional extra ``tinybench[joulescope]``).

Why this shape: a Joulescope is an inline current/voltage meter sampling at 1–2 MS/s; MLPerf
Tiny's runner integrates I·V into 1 kHz "virtual" energy samples and takes the timestamp from GPI0
(``../shared/docs/power-monitors.md``). We do the same through the maintained ``joulescope`` v1
API, so energy mode sees the same stream as from an LPM01A: joules per sample, edges positioned by
sample index. GPI0 reaches us as the ``current_lsb`` field (JS110 LSB source, JS220 gpi0 stream).
The instrument cannot source or switch the DUT supply: ``configure`` records the voltage the
external supply must provide (it is *measured* anyway, from the voltage channel) and ``power``
only notes that it is a no-op. Untested on hardware in CI (no instrument); the import is lazy and
a missing package is a clear error.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from tinybench.errors import TinybenchError
from tinybench.power.monitor import Capture, InstrumentInfo, PowerMonitor

RAW_RATE_HZ = {"js110": 2_000_000, "js220": 1_000_000}


def _import_joulescope() -> Any:
    try:
        import joulescope  # type: ignore[import-not-found]
    except ImportError as exc:
        raise TinybenchError("the Joulescope driver needs the `joulescope` package",
                             "install it with: pip install 'tinybench[joulescope]'") from exc
    return joulescope


class Joulescope(PowerMonitor):
    """JS110/JS220 via ``joulescope`` v1; energy per output sample integrated from raw I·V."""

    def __init__(self, serial_number: str | None = None) -> None:
        super().__init__()
        js = _import_joulescope()
        devices = js.scan(config="off")
        if serial_number:
            devices = [d for d in devices if serial_number in str(d)]
        if len(devices) != 1:
            raise TinybenchError(f"found {len(devices)} Joulescope(s) matching {serial_number or 'any'}",
                                 "connect exactly one, or pass joulescope:<serial>; on Linux install the udev rules")
        self._dev = devices[0]
        self._dev.open()
        name = str(self._dev).lower()
        self._model = "js220" if "js220" in name else "js110"
        self._info = InstrumentInfo(
            model=self._model.upper(), firmware=str(self._safe_info("fw", "unknown")),
            serial=str(self._safe_info("serial_number", str(self._dev))), driver="joulescope")
        self._thread: threading.Thread | None = None
        self._running = False
        self._notes: list[str] = []

    def _safe_info(self, key: str, default: str) -> Any:
        try:
            info = self._dev.info()
            return info.get(key) or info.get("ctl", {}).get(key) or default
        except Exception:
            return default

    def info(self) -> InstrumentInfo:
        return self._info

    def configure(self, voltage_v: float, sample_rate_hz: float) -> None:
        raw = RAW_RATE_HZ[self._model]
        if sample_rate_hz <= 0 or raw % int(sample_rate_hz):
            raise TinybenchError(f"{sample_rate_hz} Hz does not divide the {raw} Hz raw rate of a {self._model}")
        self._dev.parameter_set("sampling_frequency", raw)
        self._dev.parameter_set("current_lsb", "gpi0")
        self._dev.parameter_set("io_voltage", "3.3V")
        self.voltage_v = float(voltage_v)  # external supply; the actual voltage is measured per sample
        self.sample_rate_hz = float(sample_rate_hz)
        self.configured = (self.voltage_v, self.sample_rate_hz)

    def power(self, on: bool) -> None:
        self.powered = on
        self._notes.append("Joulescope is an inline meter: DUT power is switched by the external supply")

    def start(self) -> None:
        self._reset_stream()
        self._running = True
        self._dev.start()
        self._thread = threading.Thread(target=self._pump, name="joulescope-pump", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        """Integrate raw I·V into output samples; a GPI0 falling edge is an edge event."""
        raw = RAW_RATE_HZ[self._model]
        stride = int(raw // self.sample_rate_hz)
        buf = self._dev.stream_buffer
        start, _ = buf.sample_id_range
        next_id, last_gpi, acc_i = start, 1, 0
        volts: list[float] = []
        while self._running:
            _, end = buf.sample_id_range
            if end - next_id < stride:
                time.sleep(0.01)
                continue
            if next_id < buf.sample_id_range[0]:
                lost = buf.sample_id_range[0] - next_id
                self._add_drop(self.sample_count(), lost // stride)
                next_id = buf.sample_id_range[0]
            stop = next_id + ((end - next_id) // stride) * stride
            data = buf.samples_get(next_id, stop, fields=["current", "voltage", "current_lsb"])
            sig = data["signals"]
            i = np.asarray(sig["current"]["value"], dtype=np.float64)
            v = np.asarray(sig["voltage"]["value"], dtype=np.float64)
            gpi = np.asarray(sig["current_lsb"]["value"]).astype(np.int8)
            energy = (i * v).reshape(-1, stride).sum(axis=1) / raw
            falls = np.flatnonzero(np.diff(np.concatenate([[last_gpi], gpi])) < 0)
            cursor = 0
            for f in falls:  # samples before the edge, then the edge, so its index is exact
                out_idx = f // stride
                self._add_samples(list(energy[cursor:out_idx]))
                cursor = out_idx
                acc_i += 1
                self._add_edge(acc_i)
            self._add_samples(list(energy[cursor:]))
            volts.append(float(np.nanmean(v)))
            last_gpi = int(gpi[-1]) if len(gpi) else last_gpi
            next_id = stop
        if volts:
            self.voltage_v = float(np.mean(volts))

    def stop(self) -> Capture:
        self._running = False
        if self._thread:
            self._thread.join(timeout=5.0)
        self._dev.stop()
        return self._snapshot(self._notes)

    def close(self) -> None:
        try:
            if self._running:
                self.stop()
        finally:
            self._dev.close()
