"""Run orchestration: open or resume a run directory, drive a mode, write every result file.

Why one entry point: the CLI, the tests and the benchmarks all run through ``execute`` so that the
transcript, journal, results.txt/json and manifest are produced identically, and a failure of any
kind (DUT silent, garbage, reset, Ctrl-C) still leaves a consistent directory: the journal holds
every completed measurement, results.json is rewritten with ``complete: false``, and the state
says how to resume.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tinybench import __version__
from tinybench.protocol import DutClient
from tinybench.results.rundir import RunDirectory, build_manifest, utc_now
from tinybench.results.schema import DutFacts, FirmwareIdentity, OfficialData, RunResults
from tinybench.results.text import results_lines
from tinybench.run import accuracy, performance
from tinybench.run.common import RunOptions, RunTarget, identify

MODES = ("performance", "accuracy")


def performance_inputs(dataset: Any) -> list[tuple[str, bytes]]:
    """The first files of the index; for windowed workloads (AD) only each file's first window."""
    out = []
    for entry in list(dataset)[:5]:
        out.append((entry.name, entry.read()[:entry.window_bytes]))
    return out


def _notes(options: RunOptions, mode: str, dataset: Any, official: Any = None) -> list[str]:
    notes = []
    if mode == "performance" and not options.compliant:
        notes.append(f"windows only required to last {options.min_window_s:g} s (--min-window-s), "
                     "the rules require 10 s")
    if official is not None and not official.official:
        notes.append(official.note)
    return notes


def execute(client: DutClient, run: RunDirectory, target: RunTarget, dataset: Any, mode: str,
            options: RunOptions) -> RunResults:
    """Run ``mode`` on ``client`` into ``run`` (fresh or resumed); return the final results."""
    workload = dataset.workload
    state = run.state()
    started = state.get("started") or utc_now()
    if "started" not in state:
        run.update_state(started=started)
    t0 = time.monotonic()
    client.transcript = run.transcript
    run.transcript.note(f"session {'resume' if run.completed('session') else 'start'} "
                        f"board={target.board} workload={workload.id} mode={mode} harness={__version__}")
    run.record("session", f"{time.time():.6f}", {"event": "start"})
    base = dict(harness_version=__version__, board=target.board, category=target.category,
                workload=workload.id, mode=mode, started=started, dataset=str(dataset.directory))
    official = None
    if mode == "accuracy":   # judged by content: every input's sha256 against the official lists
        from tinybench.workloads.official import check_official

        official = check_official(dataset)
    notes = _notes(options, mode, dataset, official)
    facts = DutFacts()
    results = RunResults(**base, complete=False, compliant=not notes, notes=notes, dut=facts,
                         official_data=None if official is None else OfficialData(**official.to_json()),
                         **target_provenance(target))
    try:
        facts = identify(client, workload.id, workload.window_bytes, target.expect_vendor)
        results.dut = facts
        results.firmware = firmware_identity(target, facts)
        if mode == "performance":
            results.performance = performance.run_windows(client, run, target,
                                                          performance_inputs(dataset), options)
        elif mode == "accuracy":
            # A data set's TFLM reference belongs to the official model: a custom (open
            # division) model cannot be compared with it.
            inputs, agreement, inferences = accuracy.run_inputs(
                client, run, dataset, options, compare_raw=target.extra.get("division") != "open")
            results.inputs = inputs
            from tinybench.workloads.ci_sets import ci_set_note

            note = ci_set_note(dataset.directory)
            if note is None and official is not None and not official.official:
                note = "not the official evaluation set"
            results.accuracy = accuracy.figures(inputs, workload, agreement, inferences,
                                                dataset_note=note)
        else:
            raise ValueError(f"unknown mode {mode!r}")
        results.complete = True
        results.finished = utc_now()
    finally:
        run.sync()
        run.write_results(results.model_dump(mode="json"),
                          results_lines(results, time.monotonic() - t0))
        if results.complete:
            run.write_manifest(build_manifest(
                firmware=target.firmware, model=target.model,
                inputs=[e.path for e in dataset],
                extra={"board": target.board, "workload": workload.id, "mode": mode,
                       "dut": facts.model_dump(), "dataset": str(dataset.directory)}))
    return results


def firmware_identity(target: RunTarget, facts: DutFacts | None = None) -> FirmwareIdentity | None:
    """``target.identity`` as recorded; a DUT reached as it was gets the origin its answers
    (``facts``) show (``tinybench.flash.source.reached_identity``)."""
    if not target.identity:
        return None
    identity = dict(target.identity)
    if facts is not None and identity.get("origin") == "unidentified":
        from tinybench.flash.source import reached_identity

        identity.update(reached_identity(facts))
    return FirmwareIdentity(**identity)


def target_provenance(target: RunTarget, facts: DutFacts | None = None) -> dict[str, Any]:
    """The ``RunResults`` fields saying which firmware (as ``facts`` identify it) and model
    produced the figures."""
    out: dict[str, Any] = {}
    firmware = firmware_identity(target, facts)
    if firmware is not None:
        out["firmware"] = firmware
    if target.extra.get("division"):
        out["division"] = target.extra["division"]
    if target.model is not None and target.model.is_file():
        from tinybench.fsutil import sha256_file

        out["model_sha256"] = sha256_file(target.model)
    return out


def load_results(run_dir: Path) -> RunResults:
    """Read and validate a run's ``results.json``."""
    from tinybench.errors import TinybenchError

    path = Path(run_dir) / "results.json"
    if not path.is_file():
        raise TinybenchError(f"no results.json in {run_dir}", "pass a run directory made by `tinybench run`")
    try:
        return RunResults.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise TinybenchError(f"{path} does not match results schema: {exc}") from exc
