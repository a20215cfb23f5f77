"""``tinybench suite``: the whole matrix boards × workloads × modes, ending in one submission bundle
per board.

Why this shape:
* one worker **process per board** (boards run in parallel; a simulator or a serial port belongs
  to one process), cells of a board one after another;
* every cell is an ordinary run directory (``<out>/<board>/runs/<workload>-<mode>``), so a cell is
  resumed exactly as ``tinybench run --resume`` would, and ``--resume`` on the suite skips complete
  cells and continues incomplete ones;
* workers append their cell states to ``<out>/<board>/cells.jsonl`` (fsynced); the parent reads
  these journals for one overall rich progress display and for the final tally, so a worker that
  dies loses nothing already measured;
* a failing cell is recorded with its error and the worker moves on;
* with labgrid places (``--place``, ``tinybench.flash.places``) there is one worker process per
  **place** instead: it holds its place for its whole life (released on any exit) and takes the
  next cell of its board from a queue shared by the places that hold that board, so a board's
  cells spread over all of its places;
* at the end: a summary table (``summary.csv``/``summary.md``), plots, and per board a bundle
  written by ``tinybench submit`` — behind the official-rules gate for the closed division.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tinybench import fsutil
from tinybench.errors import TinybenchError

ALL_WORKLOADS = ("kws01", "vww01", "ic01", "ad01")
ALL_MODES = ("performance", "accuracy", "energy")
PLAN_FILE = "suite.json"


@dataclass
class SuitePlan:
    boards: list[str]
    workloads: list[str]
    modes: list[str]
    out: str
    division: str = "closed"
    datasets: dict[str, str] = field(default_factory=dict)   # workload -> folder (default: CI set)
    min_window_s: float | None = None
    system: str | None = None          # MLPerf system description JSON (template for every board)
    submitter: str | None = None
    firmware: dict[str, str] = field(default_factory=dict)   # board -> vendor image (--firmware B=IMG)
    energy_firmware: dict[str, str] = field(default_factory=dict)   # board -> vendor energy-mode image
    places: dict[str, str] = field(default_factory=dict)     # labgrid place -> the board it holds
    coordinator: str | None = None                            # labgrid coordinator HOST:PORT

    def cells(self, board: str) -> list[tuple[str, str]]:
        return [(w, m) for w in self.workloads for m in self.modes]

    def run_dir(self, board: str, workload: str, mode: str) -> Path:
        return Path(self.out) / board / "runs" / f"{workload}-{mode}"

    def journal(self, board: str) -> Path:
        return Path(self.out) / board / "cells.jsonl"


def parse_list(value: str | None, allowed: tuple[str, ...], what: str) -> list[str]:
    if value is None or value.strip() in ("", "all"):
        return list(allowed)
    items = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise TinybenchError(f"unknown {what}: {', '.join(unknown)}", f"choose from: {', '.join(allowed)}")
    return list(dict.fromkeys(items))


def prepare(plan: SuitePlan, *, resume: bool) -> SuitePlan:
    """Validate the whole plan (boards, workloads, data sets, division gate, out folder) before
    any board time is spent; on ``resume`` the saved plan wins over the arguments."""
    from tinybench.boards import load_board

    out = Path(plan.out)
    saved = out / PLAN_FILE
    if resume:
        if not saved.is_file():
            raise TinybenchError(f"no suite to resume in {out} ({PLAN_FILE} is missing)",
                                 "start it without --resume")
        plan = SuitePlan(**json.loads(saved.read_text()))
    elif saved.is_file():
        raise TinybenchError(f"{out} already holds a suite", "pass --resume to continue it, or choose another --out")
    if plan.places and not resume:
        plan.places, plan.boards = place_boards(list(plan.places), plan.boards, plan.coordinator)
    if not plan.boards:
        raise TinybenchError("no board given", "pass --board NAME (repeat it for several boards)")
    if len(set(plan.boards)) != len(plan.boards):
        raise TinybenchError("a board is given twice", "each --board once")
    if plan.division not in ("closed", "open"):
        raise TinybenchError(f"division {plan.division!r} is not closed or open")
    for board in plan.boards:
        load_board(board)
    for option, images in (("--firmware", plan.firmware), ("--energy-firmware", plan.energy_firmware)):
        for board, image in images.items():
            if board not in plan.boards:
                raise TinybenchError(f"{option} {board}=... names a board that is not in the suite",
                                     f"boards: {', '.join(plan.boards)}")
            if not Path(image).is_file():
                raise TinybenchError(f"firmware image {image} does not exist")
    if "energy" in plan.modes:
        # A vendor build is performance or energy firmware (EE_CFG_ENERGY_MODE), never both: the
        # energy cells need their own image, or they would fail after the other cells' board time.
        missing = [b for b in plan.firmware if b not in plan.energy_firmware]
        if missing:
            raise TinybenchError(
                f"energy mode on {', '.join(missing)}: --firmware gives the performance-mode image, "
                "and vendor firmware is built for energy mode separately (EE_CFG_ENERGY_MODE)",
                f"pass --energy-firmware {missing[0]}=ENERGY_IMAGE, or drop energy from --modes")
    if plan.system is not None and not Path(plan.system).is_file():
        raise TinybenchError(f"system description {plan.system} does not exist")
    datasets = _load_datasets(plan)
    if plan.division == "closed":
        from tinybench.run.gate import dataset_problems

        problems = dataset_problems(datasets)
        if problems:
            raise TinybenchError("closed division refused before running: " + "; ".join(problems),
                                 "pass --dataset-root with the official sets, or --division open")
    if not resume:
        fsutil.atomic_write_json(saved, asdict(plan))
    return plan


def place_boards(places: list[str], boards: list[str],
                 coordinator: str | None) -> tuple[dict[str, str], list[str]]:
    """Which board each place holds (its ``board`` tag; an untagged place holds the one --board),
    and the suite's boards (--board, else the places' boards). Every place must hold a board of
    the suite and every board must have a place. One ``labgrid-client`` call for all places."""
    from tinybench.flash.places import coordinator_address, list_places

    if len(set(places)) != len(places):
        raise TinybenchError("a place is given twice", "each --place once")
    known = list_places(coordinator)
    address = coordinator_address(coordinator)
    out: dict[str, str] = {}
    for place in places:
        if place not in known:
            raise TinybenchError(f"labgrid place '{place}' does not exist on coordinator {address}",
                                 f"list the places: labgrid-client -x {address} places")
        tag = known[place].board
        if tag is None and len(boards) != 1:
            raise TinybenchError(f"labgrid place '{place}' does not say which board it holds",
                                 f"tag it: labgrid-client -p {place} set-tags board=NAME (or give one --board)")
        out[place] = tag or boards[0]
    boards = boards or list(dict.fromkeys(out.values()))
    for place, board in out.items():
        if board not in boards:
            raise TinybenchError(f"labgrid place '{place}' holds board '{board}', which is not in the suite "
                                 f"({', '.join(boards)})", "drop the place, or add --board " + board)
    for board in boards:
        if board not in out.values():
            raise TinybenchError(f"board '{board}' has no labgrid place among {', '.join(places)}",
                                 f"add a --place tagged board={board}, or drop --board {board}")
    return out, boards


def _load_datasets(plan: SuitePlan) -> dict[str, Any]:
    from tinybench.run.session import _default_dataset
    from tinybench.workloads import load_dataset, load_workload

    out = {}
    for workload_id in plan.workloads:
        workload = load_workload(workload_id)
        folder = plan.datasets.get(workload_id)
        if folder is None:
            folder = str(_default_dataset(workload))
            plan.datasets[workload_id] = folder
        out[workload_id] = load_dataset(Path(folder), workload)
    return out


# ------------------------------------------------------------------ worker (one process per board)
def _append(journal: Path, record: dict[str, Any]) -> None:
    fsutil.append_line(journal, json.dumps({"t": time.time(), **record}))


def _complete(run_dir: Path) -> bool:
    try:
        return bool(json.loads((run_dir / "results.json").read_text()).get("complete"))
    except (OSError, ValueError):
        return False


def run_cell(plan: SuitePlan, board: str, workload: str, mode: str, place: str | None = None) -> Any:
    """One cell as an ordinary run (resumed when its directory holds an interrupted run), at
    labgrid ``place`` when given."""
    from tinybench.flash.source import DutSource

    run_dir = plan.run_dir(board, workload, mode)
    resume = (run_dir / "state.json").is_file()
    if run_dir.exists() and not resume:
        shutil.rmtree(run_dir)      # a start that failed before the run existed: nothing measured
    image = (plan.energy_firmware if mode == "energy" else plan.firmware).get(board)
    source = DutSource(firmware=Path(image) if image else None, place=place,
                       coordinator=plan.coordinator if place else None)
    if source == DutSource():
        source = None
    dataset = Path(plan.datasets[workload])
    if mode == "energy":
        from tinybench.run.energy import run_energy

        results, _ = run_energy(board=None if resume else board, workload=None if resume else workload,
                                dataset=None if resume else dataset, out=run_dir,
                                min_window_s=None if resume else plan.min_window_s, resume=resume,
                                source=source)
        return results
    from tinybench.run.session import RunRequest, start

    req = RunRequest(board=None if resume else board, workload=None if resume else workload,
                     mode=None if resume else mode, dataset=None if resume else dataset, out=run_dir,
                     resume=resume, min_window_s=None if resume else plan.min_window_s,
                     progress=False, source=source)
    results, _ = start(req)
    return results


def headline(results: Any) -> dict[str, Any]:
    """The figures the summary shows for one cell."""
    out: dict[str, Any] = {"category": results.category_label, "compliant": results.compliant}
    if results.performance is not None:
        out["throughput"] = results.performance.median_throughput
        out["latency_ms"] = results.performance.latency_ms
    if results.accuracy is not None:
        out["metric"] = results.accuracy.metric
        out["value"] = results.accuracy.metric_value
        out["target_met"] = results.accuracy.target_met
    if results.energy is not None:
        out["energy_uj"] = results.energy.median_energy_per_inf_uj
    return out


def board_worker(plan_data: dict[str, Any], board: str) -> None:
    """Process entry: run every cell of ``board``; a failing cell is journaled and skipped."""
    _sigterm_interrupts()
    plan = SuitePlan(**plan_data)
    try:
        _run_cells(plan, board, iter(plan.cells(board)), Path(plan.out) / board / "worker.log")
    except KeyboardInterrupt:
        return      # Ctrl-C / the parent's SIGTERM: the cell is journaled "interrupted"; no traceback


def _sigterm_interrupts() -> None:
    """In a worker, the parent's SIGTERM (sent on Ctrl-C) unwinds like Ctrl-C itself, so a running
    cell saves its state and stops its simulator instead of dying mid-write."""
    import signal

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)


def place_worker(plan_data: dict[str, Any], place: str, queue: Any) -> None:
    """Process entry: hold labgrid ``place`` and run cells of its board taken from ``queue`` until
    it is empty. The place is released on every way out (SIGTERM from the parent included)."""
    import queue as queue_mod

    from tinybench.flash.places import lease

    _sigterm_interrupts()
    plan = SuitePlan(**plan_data)
    board = plan.places[place]

    def cells() -> Any:
        while True:
            try:
                yield queue.get(timeout=1.0)
            except queue_mod.Empty:
                return

    log = Path(plan.out) / board / f"worker-{place}.log"
    try:
        with lease(place, plan.coordinator):
            _run_cells(plan, board, cells(), log, place=place)
    except KeyboardInterrupt:
        return      # Ctrl-C / the parent's SIGTERM: the cell is journaled "interrupted", the place released
    except Exception as exc:  # noqa: BLE001 - the place could not be had: say so, the others go on
        import sys

        message = getattr(exc, "message", str(exc))
        print(f"place {place}: {message} (its board's cells go to the other places)", file=sys.stderr)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"place {place}: {message}\n")


def _run_cells(plan: SuitePlan, board: str, cells: Any, log_path: Path, *, place: str | None = None) -> None:
    """Run ``cells`` of ``board`` one after another, journaling each (a failing cell is recorded and
    skipped; a complete one is not run again)."""
    import contextlib
    import io

    journal = plan.journal(board)
    where = {"place": place} if place else {}
    log = log_path.open("a", encoding="utf-8")
    for workload, mode in cells:
        cell = f"{workload}-{mode}"
        run_dir = plan.run_dir(board, workload, mode)
        if _complete(run_dir):
            from tinybench.run.runner import load_results

            _append(journal, {"cell": cell, "state": "done", "skipped": True,
                              **headline(load_results(run_dir))})
            continue
        _append(journal, {"cell": cell, "state": "running", **where})
        t0 = time.monotonic()
        try:
            with contextlib.redirect_stderr(io.StringIO()) as err:
                results = run_cell(plan, board, workload, mode, place=place)
            log.write(err.getvalue())
            _append(journal, {"cell": cell, "state": "done", "wall_s": time.monotonic() - t0,
                              **where, **headline(results)})
        except KeyboardInterrupt:
            _append(journal, {"cell": cell, "state": "interrupted", **where})
            raise
        except Exception as exc:  # noqa: BLE001 - one failing cell must not stop the others
            log.write(f"{cell}: {type(exc).__name__}: {exc}\n")
            _append(journal, {"cell": cell, "state": "failed", "wall_s": time.monotonic() - t0,
                              "error": f"{type(exc).__name__}: {exc}", **where})
        log.flush()
    log.close()


# ------------------------------------------------------------------ parent: progress and tally
def read_journal(path: Path) -> dict[str, dict[str, Any]]:
    """Last state of every cell in a board's journal."""
    out: dict[str, dict[str, Any]] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue        # a line cut by a crash
        out[rec["cell"]] = rec
    return out


def execute(plan: SuitePlan, *, parallel: bool = True, progress: bool = True) -> dict[str, dict[str, dict]]:
    """Run every board's worker (in parallel, or one after another); returns board → cell → state."""
    ctx = multiprocessing.get_context("spawn")
    for board in plan.boards:
        (Path(plan.out) / board).mkdir(parents=True, exist_ok=True)
    started: dict[str, Any] = {}
    # Without places: one worker per board. With places: one per place, fed by its board's queue.
    pending: list[tuple[str, Any, tuple[Any, ...]]] = []
    if plan.places:
        queues = {board: ctx.Queue() for board in plan.boards}
        for board, q in queues.items():
            for cell in plan.cells(board):
                q.put(cell)
        pending = [(place, place_worker, (asdict(plan), place, queues[board]))
                   for place, board in plan.places.items()]
    else:
        pending = [(board, board_worker, (asdict(plan), board)) for board in plan.boards]
    display = _Display(plan) if progress else None
    try:
        while pending or any(p.is_alive() for p in started.values()):
            if pending and (parallel or not any(p.is_alive() for p in started.values())):
                name, target, args = pending.pop(0)
                proc = ctx.Process(target=target, args=args, name=f"suite-{name}")
                proc.start()
                started[name] = proc
            if display is not None:
                display.update()
            time.sleep(0.5)
    except KeyboardInterrupt:
        for proc in started.values():
            proc.terminate()      # SIGTERM: each run cleans up its simulator and saves its state
        for proc in started.values():
            proc.join(30)
        raise
    finally:
        if display is not None:
            display.update()
            display.close()
    for proc in started.values():
        proc.join()
    return {board: read_journal(plan.journal(board)) for board in plan.boards}


class _Display:
    """One rich progress display: a bar per board (its cells) and one for the whole suite."""

    def __init__(self, plan: SuitePlan) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.plan = plan
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), transient=False)
        total = sum(len(plan.cells(b)) for b in plan.boards)
        self.overall = self.progress.add_task("[bold]suite", total=total)
        self.tasks = {b: self.progress.add_task(b, total=len(plan.cells(b))) for b in plan.boards}
        self.progress.start()

    def update(self) -> None:
        finished_all = 0
        for board, task in self.tasks.items():
            cells = read_journal(self.plan.journal(board))
            finished = [c for c in cells.values() if c["state"] in ("done", "failed")]
            failed = sum(1 for c in finished if c["state"] == "failed")
            running = [name for name, c in cells.items() if c["state"] == "running"]
            text = f"{board}: {running[0]}" if running else board
            if failed:
                text += f" [red]({failed} failed)"
            self.progress.update(task, completed=len(finished), description=text)
            finished_all += len(finished)
        self.progress.update(self.overall, completed=finished_all)

    def close(self) -> None:
        self.progress.stop()


# ------------------------------------------------------------------ end of the suite
def summarize(plan: SuitePlan, states: dict[str, dict[str, dict]]) -> list[dict[str, Any]]:
    """One row per cell: writes summary.csv and summary.md; returns the rows."""
    import csv
    import io

    rows = []
    for board in plan.boards:
        for workload, mode in plan.cells(board):
            rec = states.get(board, {}).get(f"{workload}-{mode}", {"state": "not run"})
            rows.append({"board": board, "workload": workload, "mode": mode, "state": rec.get("state"),
                         "category": rec.get("category", ""),
                         "throughput_inf_s": rec.get("throughput"), "latency_ms": rec.get("latency_ms"),
                         "accuracy": rec.get("value"), "metric": rec.get("metric", ""),
                         "target_met": rec.get("target_met"), "energy_uj_per_inf": rec.get("energy_uj"),
                         "wall_s": rec.get("wall_s"), "error": rec.get("error", "")})
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["board"])
    writer.writeheader()
    writer.writerows(rows)
    fsutil.atomic_write_text(Path(plan.out) / "summary.csv", buf.getvalue())
    md = ["| board | workload | mode | state | figure | category |", "|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['board']} | {r['workload']} | {r['mode']} | {r['state']} | {_figure(r)} | "
                  f"{r['category']} |")
    fsutil.atomic_write_text(Path(plan.out) / "summary.md", "\n".join(md) + "\n")
    return rows


def _figure(row: dict[str, Any]) -> str:
    if row["state"] == "failed":
        return f"error: {row['error'][:80]}"
    if row["mode"] == "performance" and row["throughput_inf_s"] is not None:
        return f"{row['throughput_inf_s']:.3f} inf/s ({row['latency_ms']:.3f} ms)"
    if row["mode"] == "accuracy" and row["accuracy"] is not None:
        unit = " %" if row["metric"] == "top1" else ""
        return f"{row['metric']} {row['accuracy']:.3f}{unit}{'' if row['target_met'] else ' (below target)'}"
    if row["mode"] == "energy" and row["energy_uj_per_inf"] is not None:
        return f"{row['energy_uj_per_inf']:.3f} uJ/inf"
    return "-"


def plot(plan: SuitePlan, rows: list[dict[str, Any]]) -> list[Path]:
    """Latency and accuracy per workload, one bar per board."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    written = []
    folder = Path(plan.out) / "plots"
    folder.mkdir(parents=True, exist_ok=True)
    for mode, key, label, name in (("performance", "latency_ms", "median latency (ms)", "latency.png"),
                                   ("accuracy", "accuracy", "Top-1 % / AUC", "accuracy.png"),
                                   ("energy", "energy_uj_per_inf", "energy per inference (uJ)", "energy.png")):
        data = [r for r in rows if r["mode"] == mode and r[key] is not None]
        if not data:
            continue
        fig, ax = plt.subplots(figsize=(7, 3.5))
        width = 0.8 / len(plan.boards)
        x = np.arange(len(plan.workloads))
        for i, board in enumerate(plan.boards):
            values = [next((r[key] for r in data if r["board"] == board and r["workload"] == w), np.nan)
                      for w in plan.workloads]
            ax.bar(x + i * width, values, width, label=board)
        ax.set_xticks(x + width * (len(plan.boards) - 1) / 2, plan.workloads)
        ax.set_ylabel(label)
        if mode == "performance":
            ax.set_yscale("log")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(folder / name, dpi=110)
        plt.close(fig)
        written.append(folder / name)
    return written


def system_description(plan: SuitePlan, board_name: str, runs: list[Any]) -> Path:
    """The board's MLPerf system description: the given template with the board filled in, or a
    minimal one (the user edits it before a real submission). Its "Inference Framework" names the
    firmware the bundle's ``runs`` (``RunResults``) record, not what the plan asked for."""
    from tinybench.boards import load_board
    from tinybench.results.schema import FIRMWARE_LABELS

    board = load_board(board_name)
    desc: dict[str, Any] = json.loads(Path(plan.system).read_text()) if plan.system else {}
    desc.setdefault("Submitter", plan.submitter or "tinybench-user")
    if plan.submitter:
        desc["Submitter"] = plan.submitter
    desc["Division"] = plan.division
    if not desc.get("Status"):
        desc["Status"] = "available"
    if not desc.get("Board Name") or len(plan.boards) > 1:
        desc["Board Name"] = board.description or board.name
    desc.setdefault("Processor(s) Name", board.cpu)
    desc.setdefault("Processor(s) Frequencies", f"{board.clock_hz / 1e6:g} MHz")
    origins = sorted({run.firmware.origin if run.firmware else "tinybench" for run in runs})
    desc.setdefault("Inference Framework", " + ".join(FIRMWARE_LABELS[o] for o in origins))
    path = Path(plan.out) / board_name / "system" / f"{board_name}.json"
    fsutil.atomic_write_json(path, desc)
    return path


def bundle(plan: SuitePlan, board: str) -> tuple[Path | None, list[str]]:
    """Write ``<out>/<board>/bundle`` with ``tinybench submit``, only when it passes the rules
    ``tinybench check`` applies (and, for the closed division, the official-rules gate before it).
    Returns (bundle root or None, reasons it was refused)."""
    from tinybench.leaderboard.submit import submit
    from tinybench.run.gate import bundle_problems, run_problems
    from tinybench.run.runner import load_results

    results: dict[tuple[str, str], Any] = {}
    for workload, mode in plan.cells(board):
        run_dir = plan.run_dir(board, workload, mode)
        results[(workload, mode)] = load_results(run_dir) if _complete(run_dir) else None
    if plan.division == "closed":
        problems = run_problems(results, plan.workloads)
        if problems:
            return None, problems
    complete = [plan.run_dir(board, w, m) for (w, m), r in results.items() if r is not None]
    runs = [r for r in results.values() if r is not None]
    if not complete:
        return None, ["no complete run to submit"]
    root = Path(plan.out) / board / "bundle"
    scratch = Path(plan.out) / board / ".bundle-new"
    shutil.rmtree(scratch, ignore_errors=True)
    submit(complete, system_description(plan, board, runs), scratch, division=plan.division, system_name=board)
    # Both divisions: a bundle `tinybench check` would reject (e.g. a benchmark without its
    # accuracy run) is not written; the runs stay in <out>/<board>/runs.
    problems = bundle_problems(scratch)
    if problems:
        shutil.rmtree(scratch, ignore_errors=True)
        return None, problems
    shutil.rmtree(root, ignore_errors=True)
    scratch.rename(root)
    return root, []
