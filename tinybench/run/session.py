"""From CLI arguments to a finished run: validate, build, deploy, connect, execute.

Why separate from the CLI module: tests and benchmarks run exactly this path (the real firmware
via ``tinybench.flash``) without going through typer, and the CLI stays a thin shell.
Everything cheap is validated first (board, workload, mode, data set, run directory), so a typo
costs no build or board time.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Iterator
from typing import Any

from tinybench import paths
from tinybench.errors import TinybenchError
from tinybench.results.rundir import RunDirectory
from tinybench.results.schema import RunResults
from tinybench.run.common import RULE_MIN_WINDOW_S, SPREAD_BOUND_PCT, RunOptions, RunTarget
from tinybench.run.runner import MODES, execute


@dataclass
class RunRequest:
    board: str | None
    workload: str | None
    mode: str | None
    dataset: Path | None = None
    out: Path | None = None
    resume: bool = False
    min_window_s: float | None = None
    progress: bool = True
    max_spread_pct: float | None = None   # timing-sanity bound (default SPREAD_BOUND_PCT)
    source: Any = None                 # tinybench.flash.source.DutSource (None: build our firmware)


def _model_file(workload: Any) -> Path:
    from tinybench.workloads import fetch_model, model_path

    try:
        return model_path(workload)
    except TinybenchError:
        shared = paths.shared_dir()
        if shared is None or not (shared / "mlperf-tiny" / "models" / workload.model.file).is_file():
            raise
        return fetch_model(workload, mirror=shared / "mlperf-tiny" / "models")


def _default_dataset(workload: Any) -> Path:
    from tinybench.workloads.ci_sets import ensure_ci_set

    return ensure_ci_set(workload.id)


def _resolve(req: RunRequest) -> tuple[RunRequest, RunDirectory | None, dict[str, Any]]:
    """Fill a resumed request from the run's state; check the given arguments agree with it."""
    if not req.resume:
        return req, None, {}
    if req.out is None:
        raise TinybenchError("--resume needs --out RUN_DIR (the directory of the interrupted run)")
    run = RunDirectory.reopen(req.out)
    state = run.state()
    missing = [k for k in ("board", "workload", "mode", "dataset", "min_window_s") if k not in state]
    if missing:
        raise TinybenchError(f"{run.path / 'state.json'} lacks {', '.join(missing)}: it was not written "
                             "by `tinybench run` or has been edited", "start a new run with another --out")
    for key in ("board", "workload", "mode"):
        given = getattr(req, key)
        if given is not None and given != state[key]:
            raise TinybenchError(f"--{key} {given} differs from the interrupted run's {state[key]}",
                                 f"omit --{key} when resuming, or start a new run")
    if req.dataset is not None and Path(req.dataset).resolve() != Path(state["dataset"]):
        raise TinybenchError(f"--dataset {req.dataset} differs from the run's {state['dataset']}")
    resolved = RunRequest(board=state["board"], workload=state["workload"], mode=state["mode"],
                          dataset=Path(state["dataset"]), out=req.out, resume=True,
                          min_window_s=state["min_window_s"], progress=req.progress,
                          max_spread_pct=state.get("max_spread_pct"),
                          source=req.source or _source_from_state(state))
    return resolved, run, state


def _source_from_state(state: dict[str, Any]) -> Any:
    from tinybench.flash.source import DutSource

    saved = dict(state.get("source") or {})
    for key in ("firmware", "model"):
        if saved.get(key):
            saved[key] = Path(saved[key])
    return DutSource(**saved)


def _source_state(source: Any) -> dict[str, Any]:
    from dataclasses import asdict

    saved = {k: v for k, v in asdict(source).items() if v not in (None, False)}
    for key in ("firmware", "model"):
        if key in saved:
            saved[key] = str(Path(saved[key]).expanduser().resolve())
    return saved


def start(req: RunRequest) -> tuple[RunResults, Path]:
    """Validate everything, then build, deploy and run; returns the results and the run directory."""
    from tinybench.boards import load_board
    from tinybench.flash.source import DutSource
    from tinybench.protocol import connect
    from tinybench.workloads import load_dataset, load_workload

    req, run, state = _resolve(req)
    if req.board is None or req.workload is None or req.mode is None:
        raise TinybenchError("--board, --workload and --mode are required for a new run")
    if req.mode not in MODES:
        raise TinybenchError(f"unknown mode {req.mode!r}", f"choose one of: {', '.join(MODES)}, energy")
    min_window = RULE_MIN_WINDOW_S if req.min_window_s is None else req.min_window_s
    if min_window <= 0:
        raise TinybenchError(f"--min-window-s must be positive (got {min_window})")
    spread_bound = SPREAD_BOUND_PCT if req.max_spread_pct is None else req.max_spread_pct
    if spread_bound < 0:
        raise TinybenchError(f"--max-spread-pct must be >= 0 (got {spread_bound})")
    board = load_board(req.board)
    source = req.source or DutSource()
    source.check(board)
    board = source.wired(board)         # a labgrid place's wiring may fix the firmware's baud
    workload = load_workload(req.workload)
    dataset_dir = Path(req.dataset) if req.dataset else _default_dataset(workload)
    dataset = load_dataset(dataset_dir, workload)
    model = source.model_for(_model_file(workload) if source.model is None else None) \
        if source.origin == "tinybench" else None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = Path(req.out) if req.out else paths.results_dir() / f"{board.name}-{workload.id}-{req.mode}-{stamp}"
    if run is None and out.exists() and any(out.iterdir()):
        raise TinybenchError(f"run directory {out} already exists and is not empty",
                             "pass --resume to continue it, or choose another --out")
    # Build before creating the run directory: a failed build leaves nothing half-made behind.
    image = source.image(board, model, workload.id, energy=False)
    fresh = run is None
    if run is None:
        run = RunDirectory.create(out, {
            "board": board.name, "workload": workload.id, "mode": req.mode,
            "dataset": str(Path(dataset_dir).resolve()), "min_window_s": min_window,
            "max_spread_pct": spread_bound, "source": _source_state(source)})
    print(f"run directory: {run.path}", file=sys.stderr)

    image_sha = image.image_sha256 if image is not None else None
    if image_sha is not None and state.get("firmware_sha256") not in (None, image_sha):
        raise TinybenchError(
            f"the firmware image changed since {run.path} started (sha256 {image_sha[:12]}… "
            f"vs {state['firmware_sha256'][:12]}…)", "finish it with the same firmware, or start a new run")
    run.update_state(firmware_sha256=image_sha)
    options = RunOptions(min_window_s=min_window, progress=req.progress, spread_bound_pct=spread_bound)
    previous = signal.getsignal(signal.SIGTERM)
    in_main = threading.current_thread() is threading.main_thread()

    def _terminate(signum: int, frame: object) -> None:   # SIGTERM: clean up like Ctrl-C
        raise KeyboardInterrupt

    if in_main:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        with _discard_on_failed_start(run, fresh), source.reach(board, image, req.mode) as link:
            for text in link.notes:
                run.transcript.note(text)
            target = RunTarget(
                board=board.name, category=link.category,
                time_base=link.time_base, icount_shift=link.icount_shift,
                instructions_per_us=link.instructions_per_us, firmware=source.firmware_file(image),
                model=model, identity=source.identity(image), expect_vendor=source.vendor,
                extra={"division": source.division})
            # Payloads by reference: each load follows an "input <file> offset <o>" note.
            with connect(link.url, link.baud, transcript=run.transcript, host_files=link.host_files,
                         payload_refs=True, pipeline=link.pipeline,
                         memory_writer=link.memory_writer) as client:
                results = execute(client, run, target, dataset, req.mode, options)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    return results, run.path


@contextlib.contextmanager
def _discard_on_failed_start(run: RunDirectory, fresh: bool) -> Iterator[None]:
    """A new run whose board never answered (port missing, flash failed) leaves no empty folder."""
    try:
        yield
    except BaseException:
        if fresh and run.discard_if_unmeasured():
            print(f"run directory {run.path} removed: nothing was measured", file=sys.stderr)
        raise
