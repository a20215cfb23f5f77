"""Nordic Power Profiler Kit II driver (optional extra ``tinybench[ppk2]``, package ``ppk2-api``).

Why this shape: the PPK2 samples current at a fixed 100 kS/s with 8 logic inputs and has no energy
accumulator, so this driver integrates I·V on the host into output samples (joules each) and turns
a falling edge on logic input D0 (wire the DUT timestamp pin to it) into an edge event at its exact
output-sample index. In source-meter mode it supplies and switches the DUT (800–5000 mV). Untested
on hardware in CI; the import is lazy and a missing package is a clear error.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from tinybench.errors import TinybenchError
from tinybench.power.monitor import Capture, InstrumentInfo, PowerMonitor

RAW_RATE_HZ = 100_000


def _import_ppk2() -> Any:
    try:
        from ppk2_api.ppk2_api import PPK2_API  # type: ignore[import-not-found]
    except ImportError as exc:
        raise TinybenchError("the PPK2 driver needs the `ppk2-api` package",
                             "install it with: pip install 'tinybench[ppk2]'") from exc
    return PPK2_API


class Ppk2(PowerMonitor):
    """PPK2 in source-meter mode; timestamp edges on logic input D0."""

    def __init__(self, port: str | None = None) -> None:
        super().__init__()
        api = _import_ppk2()
        if port is None:
            found = api.list_devices()
            if len(found) != 1:
                raise TinybenchError(f"found {len(found)} PPK2 devices", "pass ppk2:<port>")
            entry = found[0]
            port = entry[0] if isinstance(entry, (tuple, list)) else str(entry)
            serial_no = entry[1] if isinstance(entry, (tuple, list)) and len(entry) > 1 else "unknown"
        else:
            serial_no = "unknown"
        self._ppk = api(port, timeout=1, write_timeout=1, exclusive=True)
        self._ppk.get_modifiers()
        self._info = InstrumentInfo(model="Nordic PPK2", firmware="unknown", serial=str(serial_no),
                                    driver="ppk2", port=port)
        self._running = False
        self._thread: threading.Thread | None = None

    def info(self) -> InstrumentInfo:
        return self._info

    def configure(self, voltage_v: float, sample_rate_hz: float) -> None:
        if not 0.8 <= voltage_v <= 5.0:
            raise TinybenchError(f"PPK2 source voltage {voltage_v} V is outside 0.8–5.0 V")
        if sample_rate_hz <= 0 or RAW_RATE_HZ % int(sample_rate_hz):
            raise TinybenchError(f"{sample_rate_hz} Hz does not divide the PPK2's {RAW_RATE_HZ} Hz")
        self._ppk.use_source_meter()
        self._ppk.set_source_voltage(int(round(voltage_v * 1000)))
        self.voltage_v = float(voltage_v)
        self.configured = (float(voltage_v), float(sample_rate_hz))
        self.sample_rate_hz = float(sample_rate_hz)

    def power(self, on: bool) -> None:
        self._ppk.toggle_DUT_power("ON" if on else "OFF")
        self.powered = on

    def start(self) -> None:
        self._reset_stream()
        self._running = True
        self._ppk.start_measuring()
        self._thread = threading.Thread(target=self._pump, name="ppk2-pump", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        stride = int(RAW_RATE_HZ // self.sample_rate_hz)
        carry_i = np.zeros(0)
        last_d0, edges = 1, 0
        while self._running:
            buf = self._ppk.get_data()
            if not buf:
                time.sleep(0.005)
                continue
            current_ua, raw_digital = self._ppk.get_samples(buf)
            d0 = np.asarray(self._ppk.digital_channels(raw_digital)[0], dtype=np.int8)
            base = len(carry_i)
            cur = np.concatenate([carry_i, np.asarray(current_ua, dtype=np.float64)])
            whole = (len(cur) // stride) * stride
            energy = (cur[:whole] * 1e-6 * self.voltage_v).reshape(-1, stride).sum(axis=1) / RAW_RATE_HZ
            falls = np.flatnonzero(np.diff(np.concatenate([[last_d0], d0])) < 0) + base
            cursor = 0
            for f in falls:
                idx = min(f // stride, len(energy))
                self._add_samples(list(energy[cursor:idx]))
                cursor = idx
                edges += 1
                self._add_edge(edges)
            self._add_samples(list(energy[cursor:]))
            carry_i = cur[whole:]
            last_d0 = int(d0[-1]) if len(d0) else last_d0

    def stop(self) -> Capture:
        self._running = False
        if self._thread:
            self._thread.join(timeout=5.0)
        self._ppk.stop_measuring()
        return self._snapshot()

    def close(self) -> None:
        if self._running:
            self.stop()
        try:
            self.power(False)
        except Exception:
            pass
