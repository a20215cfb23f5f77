"""A run directory: the transcript, the progress journal, the state, and the result files.

Layout (everything written through ``tinybench.fsutil``)::

    <run>/log.txt        full serial transcript, appended per exchange, fsynced with the journal
    <run>/state.json     run configuration (atomic); what --resume needs to continue
    <run>/progress.jsonl one JSON line per completed input/window (append-only journal, fsynced at
                         most once a second and at the end)
    <run>/results.txt    the lines the MLCommons submission checker parses
    <run>/results.json   typed RunResults (tinybench.results.schema)
    <run>/manifest.json  sha256 of firmware, model, every input; harness version; git revision

Why a journal: completed measurements must survive SIGKILL. Appending one line per completed
input is cheap (fsyncs are grouped, ``RunDirectory.SYNC_INTERVAL_S``), and on resume a torn last
line (the only possible damage) is discarded, so an input is either fully recorded once or redone
— never lost, never counted twice.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tinybench import fsutil
from tinybench.errors import TinybenchError
from tinybench.protocol.transcripts import format_log_line

LOG = "log.txt"
STATE = "state.json"
PROGRESS = "progress.jsonl"
RESULTS_TXT = "results.txt"
RESULTS_JSON = "results.json"
MANIFEST = "manifest.json"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class TranscriptWriter:
    """Collects transcript lines and appends them to ``log.txt``.

    Lines reach the OS when the DUT ends a reply (``m-ready``), so a killed process loses at most
    the partial reply in flight (which the resumed run repeats anyway); they are fsynced on
    ``flush()``, which the progress journal calls before recording each completed input. Why not
    one fsync per exchange: an official-size AD run has ~150,000 exchanges, and their fsyncs took
    longer than the inferences.

    Times are written in ms relative to a ``# time-base <unix seconds>`` note at the start of each
    session (shorter lines; ``parse_tinybench_log`` adds the base back).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pending: list[str] = []
        self._base: float | None = None

    def __call__(self, direction: str, text: str, host_time: float) -> None:
        if self._base is None:
            self._base = host_time
            self._pending.append(format_log_line("#", f"time-base {host_time:.6f}", 0.0, 3))
        self._pending.append(format_log_line(direction, text, max(0.0, host_time - self._base), 3))
        if direction == "<" and "m-ready" in text:
            self._write()

    def note(self, text: str) -> None:
        self(("#"), text, time.time())

    def _write(self) -> None:
        if self._pending:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write("\n".join(self._pending) + "\n")
            self._pending.clear()

    def flush(self, *, sync: bool = True) -> None:
        """Write pending lines (they survive the process being killed) and, with ``sync``, fsync
        the log (durable against power loss up to here)."""
        self._write()
        if sync:
            fsutil.fsync_path(self.path)


class RunDirectory:
    """One run's folder; create it fresh or reopen it to resume."""

    #: fsync log and journal at most this often. Why grouped: each fsync costs ~3 ms on a busy
    #: disk and an official-size KWS+VWW+IC run records 2,200 inputs (two fsyncs each: ~15 s of a
    #: 5-minute budget). Every line still reaches the OS at once, so a killed run loses nothing;
    #: power loss may cost the last second's inputs, which --resume measures again.
    SYNC_INTERVAL_S = 1.0

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.transcript = TranscriptWriter(self.path / LOG)
        self._synced = time.monotonic()

    # ---------------------------------------------------------------- creation / resume
    @classmethod
    def create(cls, path: Path, state: dict[str, Any]) -> "RunDirectory":
        path = Path(path)
        if path.exists() and any(path.iterdir()):
            raise TinybenchError(f"run directory {path} already exists and is not empty",
                                 "pass --resume to continue it, or choose another --out")
        path.mkdir(parents=True, exist_ok=True)
        run = cls(path)
        fsutil.atomic_write_json(path / STATE, {**state, "created": utc_now()})
        return run

    @classmethod
    def reopen(cls, path: Path) -> "RunDirectory":
        path = Path(path)
        if not (path / STATE).is_file():
            raise TinybenchError(f"{path} is not a tinybench run directory (no {STATE})",
                                 "pass the folder printed when the run started")
        return cls(path)

    def discard_if_unmeasured(self) -> bool:
        """Remove a run directory that a failed start left without any measurement (no journal,
        no results): it would otherwise be an empty folder that blocks the same ``--out``.
        Returns whether it was removed."""
        if any((self.path / name).exists() for name in (PROGRESS, RESULTS_JSON, RESULTS_TXT)):
            return False
        for name in (STATE, LOG):
            (self.path / name).unlink(missing_ok=True)
        try:
            self.path.rmdir()
        except OSError:
            return False                      # something else is in there: leave it alone
        return True

    def state(self) -> dict[str, Any]:
        try:
            return json.loads((self.path / STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TinybenchError(f"cannot read {self.path / STATE}: {exc}") from exc

    def update_state(self, **changes: Any) -> None:
        fsutil.atomic_write_json(self.path / STATE, {**self.state(), **changes})

    # ---------------------------------------------------------------- progress journal
    def record(self, kind: str, key: str, data: dict[str, Any]) -> None:
        """Journal one completed unit of work (an input, a window, the calibration)."""
        sync = time.monotonic() - self._synced >= self.SYNC_INTERVAL_S
        self.transcript.flush(sync=sync)        # the log first: a journal line never outruns it
        line = json.dumps({"kind": kind, "key": key, "data": data, "time": time.time()},
                          separators=(",", ":"))
        fsutil.append_line(self.path / PROGRESS, line, sync=sync)
        if sync:
            self._synced = time.monotonic()

    def sync(self) -> None:
        """Make the log and the journal durable now (end of a run or session)."""
        self.transcript.flush()
        fsutil.fsync_path(self.path / PROGRESS)
        self._synced = time.monotonic()

    def completed(self, kind: str) -> dict[str, dict[str, Any]]:
        """Completed units of ``kind`` by key (first record wins; a torn last line is ignored)."""
        out: dict[str, dict[str, Any]] = {}
        path = self.path / PROGRESS
        if not path.is_file():
            return out
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue                      # torn line from a crash mid-append
            if item.get("kind") == kind and item.get("key") not in out:
                out[item["key"]] = item["data"]
        return out

    # ---------------------------------------------------------------- result files
    def write_results(self, results_json: dict[str, Any], results_txt: list[str]) -> None:
        fsutil.atomic_write_json(self.path / RESULTS_JSON, results_json)
        fsutil.atomic_write_text(self.path / RESULTS_TXT, "\n".join(results_txt) + "\n")

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        fsutil.atomic_write_json(self.path / MANIFEST, manifest)


def git_revision(repo: Path) -> str | None:
    """The checkout's commit (with ``-dirty`` when modified), or None outside git."""
    try:
        rev = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def build_manifest(*, firmware: Path | None, model: Path | None, inputs: list[Path],
                   extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """sha256 of firmware, model and every input file, plus harness version and git revision."""
    from tinybench import __version__, paths

    def entry(p: Path | None) -> dict[str, Any] | None:
        if p is None or not Path(p).is_file():
            return None
        return {"path": str(p), "sha256": fsutil.sha256_file(Path(p)), "bytes": os.path.getsize(p)}

    return {
        "harness_version": __version__,
        "git_revision": git_revision(paths.repo_root()),
        "created": utc_now(),
        "firmware": entry(firmware),
        "model": entry(model),
        "inputs": [{"file": Path(p).name, "sha256": fsutil.sha256_file(Path(p))} for p in inputs],
        **(extra or {}),
    }
