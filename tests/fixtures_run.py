"""Fixtures of the run area.

``ReplayDut`` is a protocol-level simulated DUT (a TCP server speaking the EEMBC monitor protocol)
that answers ``infer`` with the lap and result lines of a REAL published transcript, so the client
is exercised on what real firmware printed (trailing commas, 6-decimal values, ms timers) and on
faults no real firmware produces on demand (silence, garbage, a reset mid-command). It is not a
mock of the client's collaborators: the client talks to it over a real pyserial ``socket://``
link. Tests against the real tinybench firmware use ``tinybench.flash`` when it is available.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class Fault:
    """Misbehaviour injected after ``after`` dispatched commands."""

    kind: str                 # "silent" | "garbage" | "reset" | "stray"
    after: int = 0


@dataclass
class ReplayDut:
    model: str = "kws01"
    vendor: str = "replay"
    exchanges: list[tuple[list[int], str]] = field(default_factory=list)   # (laps, results line)
    caps_line: str | None = None          # e.g. "m-tb-caps-[raw,info,cmdmax=1024]"; None = standard fw
    cmdmax: int = 80
    buffer_max: int = 27648
    fault: Fault | None = None
    stray_lines: bool = False             # print free-text debug lines inside replies
    late_lines: list[str] = field(default_factory=list)   # sent once, after the next m-ready

    def __post_init__(self) -> None:
        self.received: list[str] = []
        self.loaded = bytearray()
        self._expected = 0
        self._next = 0
        self._clock = 1000
        self._dispatched = 0
        self._srv = socket.socket()
        self._srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._srv.bind(("127.0.0.1", 0))
        self._srv.listen(1)
        self.url = f"socket://127.0.0.1:{self._srv.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ server
    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._srv.accept()
            except OSError:
                return
            with conn:
                self._send(conn, ["m-timestamp-mode-performance", f"m-lap-us-{self._clock}",
                                  "m-init-done", "m-ready"])
                buf = b""
                while not self._stop.is_set():
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        break
                    if not data:
                        break
                    buf += data
                    while b"%" in buf:
                        cmd, buf = buf.split(b"%", 1)
                        if not self._dispatch(conn, cmd.decode("ascii", "replace")):
                            break

    def _send(self, conn: socket.socket, lines: list[str]) -> None:
        try:
            conn.sendall("".join(line + "\r\n" for line in lines).encode())
        except OSError:
            pass

    def _dispatch(self, conn: socket.socket, cmd: str) -> bool:
        self.received.append(cmd)
        self._dispatched += 1
        f = self.fault
        if f is not None and self._dispatched > f.after:
            if f.kind == "silent":
                return True
            if f.kind == "garbage":
                self._send(conn, ["\x07\x1b garbage ~~ " + "#" * 40] * 5000)
                return True
            if f.kind == "reset":
                self._send(conn, ["m-timestamp-mode-performance", "m-lap-us-5", "m-init-done", "m-ready"])
                self.fault = None
                return True
        out: list[str] = []
        if self.stray_lines:
            out.append("debug: heap ok")
        if len(cmd) > self.cmdmax:
            out.append("e-[Command too long]")
        else:
            out += self._answer(cmd.split())
        out.append("m-ready")
        out += self.late_lines                # unsolicited output after the end marker
        self.late_lines = []
        self._send(conn, out)
        return True

    def _answer(self, tok: list[str]) -> list[str]:
        if not tok:
            return ["e-[empty command]"]
        if tok[0] == "name":
            return [f"m-name-dut-[{self.vendor}]"]
        if tok[0] == "profile":
            return ["m-profile-[ULPMark for tinyML Firmware V0.0.1]", f"m-model-[{self.model}]"]
        if tok[0] == "timestamp":
            return [f"m-lap-us-{self._clock}"]
        if tok[0] == "tb-caps":
            return [self.caps_line] if self.caps_line else ["e-[Unknown command: tb-caps]"]
        if tok[0] == "db":
            if len(tok) >= 2 and tok[1] == "load":
                n = int(tok[2]) if len(tok) > 2 and tok[2].isdigit() else 0
                if n <= 0:
                    return ["e-[Command 'db load' must be >0 bytes]"]
                if n > self.buffer_max:
                    return [f"Supplied buffer size {n} exceeds maximum of {self.buffer_max}"]
                self._expected, self.loaded = n, bytearray()
                return [f"m-[Expecting {n} bytes]"]
            payload = bytes.fromhex(tok[1])
            self.loaded += payload
            return ["m-load-done"] if len(self.loaded) == self._expected else []
        if tok[0] == "infer":
            n, w = int(tok[1]), int(tok[2])
            laps, results = self.exchanges[self._next % len(self.exchanges)]
            self._next += 1
            self._clock = laps[1]
            return [f"m-warmup-start-{w}", "m-warmup-done", f"m-infer-start-{n}",
                    f"m-lap-us-{laps[0]}", f"m-lap-us-{laps[1]}", "m-infer-done", results]
        return [f"e-[Unknown command: {tok[0]}]"]

    def close(self) -> None:
        self._stop.set()
        self._srv.close()


def real_exchanges(log: Path) -> list[tuple[list[int], str]]:
    """(laps, verbatim m-results line) of each ``infer`` in an EnergyRunner performance/accuracy log."""
    out: list[tuple[list[int], str]] = []
    laps: list[int] = []
    for line in log.read_text().splitlines():
        body = line.split(": ", 1)[1] if ": " in line else ""
        if body.startswith("m-lap-us-"):
            laps.append(int(body[len("m-lap-us-"):]))
        elif body.startswith("m-results-") and len(laps) >= 2:
            out.append((laps[-2:], body))
            laps = []
    return out


@pytest.fixture
def replay_dut(shared: Path) -> Iterator:
    """Factory: ``replay_dut(log_relpath, **options)`` → a running ReplayDut (closed after the test)."""
    made: list[ReplayDut] = []

    def make(log_rel: str, **kwargs) -> ReplayDut:
        dut = ReplayDut(exchanges=real_exchanges(shared / "mlperf-tiny-results" / log_rel), **kwargs)
        made.append(dut)
        return dut

    yield make
    for dut in made:
        dut.close()


# ---------------------------------------------------------------------------------------------
# Small generated data sets (cached on disk, safe under pytest -n 2)

def _input_bytes(workload, rng) -> bytes:  # noqa: ANN001
    import numpy as np

    if workload.input.format == "float32":
        # Plausible log-mel magnitudes; AD files get 4 windows (2560 + 3 x 512 bytes).
        n = (workload.window_bytes + 3 * workload.stride_bytes) // 4
        return (rng.normal(30.0, 12.0, n)).astype("<f4").tobytes()
    return rng.integers(0, 256, workload.input.bytes, dtype=np.uint8).tobytes()


def generate_dataset(workload_id: str, files: int, dest: Path, *, seed: int = 7) -> Path:
    """``files`` random inputs with labels cycling over the classes, plus the TFLM reference."""
    import numpy as np

    from tinybench import fsutil
    from tinybench.workloads import load_dataset, load_workload
    from tinybench.workloads.reference import run_reference
    from tinybench.run.session import _model_file

    workload = load_workload(workload_id)
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(files):
        label = i % workload.dataset.num_classes
        name = f"gen_{i:05d}_{label}.bin"
        fsutil.atomic_write_bytes(dest / name, _input_bytes(workload, rng))
        extra = f",{workload.window_bytes},{workload.stride_bytes}" if workload.windowed else ""
        rows.append(f"{name},{workload.dataset.num_classes},{label}{extra}")
    fsutil.atomic_write_text(dest / "y_labels.csv", "\n".join(rows) + "\n")
    run_reference(load_dataset(dest, workload), _model_file(workload))
    return dest


def cached_dataset(workload_id: str, files: int) -> Path:
    """A generated data set under the cache, built once across xdist workers (file lock + rename)."""
    import fcntl
    import shutil
    import tempfile

    from tinybench import paths

    parent = paths.cache_dir() / "test-run-datasets"
    parent.mkdir(parents=True, exist_ok=True)
    final = parent / f"{workload_id}-{files}"
    with open(parent / f".{workload_id}-{files}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (final / "reference.json").is_file():
            work = Path(tempfile.mkdtemp(prefix=".gen.", dir=parent))
            try:
                generate_dataset(workload_id, files, work)
                if final.exists():
                    shutil.rmtree(final)
                work.rename(final)
            finally:
                if work.exists():
                    shutil.rmtree(work, ignore_errors=True)
    return final


def ctrl_c_deliverable() -> None:
    """``preexec_fn`` for a child that a test interrupts with SIGINT.

    Why: a shell that starts a job in the background (a CI runner may) sets SIGINT to "ignored",
    children inherit that, and Python then installs no KeyboardInterrupt handler — the Ctrl-C the
    test sends would be lost. The child gets the default disposition back.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
