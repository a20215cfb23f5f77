"""Accuracy mode: every input of the data set once (``infer 1 0``), Top-1, AUC, confusion matrix.

Why journaled per file: a full VWW run takes hours on a real board. Each completed file (all its
windows, for AD) is appended to the run's progress journal before the next starts, so an
interrupted run resumes at the first unfinished file, and no file is counted twice. When the
data set carries a TFLM reference and the firmware offers ``tb-raw``, every output tensor is
compared bit-exactly with it.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np

from tinybench import fsutil
from tinybench.errors import TinybenchError
from tinybench.protocol import DutClient
from tinybench.results.rundir import RunDirectory
from tinybench.results.schema import AccuracyFigures, Agreement, InputResult
from tinybench.run import metrics
from tinybench.run.common import FAULT_NOTE, RunOptions
from tinybench.run.progress import Progress


def _reference_for(dataset: Any) -> Any | None:
    """The workloads area's TFLM reference for ``dataset``, or None when the folder has none."""
    from tinybench.workloads import reference as ref

    if not (Path(dataset.directory) / ref.NPZ_NAME).is_file():
        return None
    return ref.load_reference(dataset.directory, dataset)


def run_inputs(client: DutClient, run: RunDirectory, dataset: Any, options: RunOptions,
               *, compare_raw: bool = True) -> tuple[list[InputResult], Agreement | None, int]:
    """Run (or finish) every file of ``dataset``; return per-file results, agreement, inferences."""
    workload = dataset.workload
    classifier = workload.metric == "top1"          # AD prints one anomaly score (MSE), not a vector
    reference = _reference_for(dataset) if compare_raw else None
    use_raw = reference is not None and client.caps().raw
    use_crc = use_raw and client.caps().output_crc
    # tb-slide also for one input at a time (KWS, VWW, IC; AD windows on small boards): results,
    # output CRC and a line CRC in one exchange instead of infer + results + tb-crc (three round
    # trips on links that cannot pipeline, such as Renode's).
    use_slide = client.caps().slide and client.binary
    done = run.completed("input")
    progress = Progress(len(dataset), f"accuracy {workload.id}", done=len(done)) if options.progress else None
    try:
        for entry in dataset:
            if entry.name in done:
                continue
            data = entry.read()
            window_results: list[list[float]] = []
            raw_match: bool | None = None
            # The file's hash once: the payload references of its windows point into these bytes.
            run.transcript.note(f"input-file {entry.name} sha256 {fsutil.sha256_bytes(data)} bytes {len(data)}")
            for chunk in slide_chunks(client, entry):
                measured = measure_slide(client, run, entry, data, chunk, options,
                                         reference if use_raw else None) if use_slide else None
                for k, offset in enumerate(chunk):
                    if measured is not None and measured[k] is not None:
                        results, same = measured[k]  # type: ignore[misc]
                    else:
                        results, same = measure_checked(
                            client, run, entry.name, offset, data[offset:offset + entry.window_bytes],
                            options, reference if use_raw else None, use_crc)
                    check_result_count(results, workload, client.port)
                    window_results.append(results)
                    if same is not None:
                        raw_match = same if raw_match is None else (raw_match and same)
            record = {"row": entry.row, "file": entry.name, "label": entry.label,
                      "window_results": window_results, "raw_match": raw_match}
            run.record("input", entry.name, record)
            done[entry.name] = record
            if progress:
                progress.update()
    finally:
        if progress:
            progress.close()
    inputs: list[InputResult] = []
    inferences = 0
    for entry in dataset:
        rec = done[entry.name]
        score = metrics.file_scores(rec["window_results"], classifier=classifier)
        inferences += len(rec["window_results"])
        inputs.append(InputResult(
            row=rec["row"], file=rec["file"], label=rec["label"], windows=len(rec["window_results"]),
            score=[float(v) for v in score],
            predicted=int(np.argmax(score)) if classifier else None, raw_match=rec["raw_match"]))
    agreement = None
    if use_raw:
        compared = [i for i in inputs if i.raw_match is not None]
        agreement = Agreement(compared=len(compared), bit_exact=sum(1 for i in compared if i.raw_match),
                              mismatched_files=[i.file for i in compared if not i.raw_match],
                              reference=str(Path(dataset.directory) / "reference.npz"))
    return inputs, agreement, inferences


def check_result_count(values: list[float], workload: Any, port: str) -> None:
    """A DUT whose m-results has the wrong length runs another model (or prints another format):
    stop at the first input rather than score garbage."""
    expected = len(workload.classes) if workload.metric == "top1" else 1
    if len(values) != expected:
        raise TinybenchError(
            f"the DUT on {port} printed {len(values)} result values; {workload.id} needs {expected} "
            f"({'one per class' if expected > 1 else 'the anomaly score'})",
            "check that the firmware runs the workload's model and prints m-results-[...] as the "
            "reference does")


ATTEMPTS = 3


def slide_chunks(client: DutClient, entry: Any) -> list[list[int]]:
    """The file's window offsets in runs that one ``tb-slide`` covers (as many windows as the DUT's
    input buffer holds), or one window per run when the firmware lacks ``tb-slide``."""
    offsets = list(entry.window_offsets)
    caps = client.caps()
    window, stride = entry.window_bytes, entry.stride_bytes
    regular = all(b - a == stride for a, b in zip(offsets, offsets[1:]))
    if len(offsets) < 2 or not caps.slide or not regular or not client.binary or \
            caps.dbmax is None or caps.dbmax < window + stride:
        return [[o] for o in offsets]        # windows one at a time (or the file's one input)
    per = (caps.dbmax - window) // stride + 1
    return [offsets[i:i + per] for i in range(0, len(offsets), per)]


def measure_slide(client: DutClient, run: RunDirectory, entry: Any, data: bytes, chunk: list[int],
                  options: RunOptions, reference: Any | None
                  ) -> list[tuple[list[float], bool | None] | None] | None:
    """Every window of ``chunk`` in one load + ``tb-slide``: per window (results, bit-exact or None).

    Why: an official AD file is 196 windows; one exchange per file instead of 196 load + infer
    round trips is what makes AD fit minutes on a simulator (docs/architecture.md). A reply whose
    line CRC fails is measured again once; then (or when the firmware refuses) None, and the
    caller measures window by window. A window whose output CRC differs from the TFLM reference
    is returned as None too, so the caller measures it alone (logging its raw output as evidence).
    """
    from tinybench.protocol import DutError, DutProtocolError, DutResetError

    first, stride = chunk[0], entry.stride_bytes
    buffer = data[first:chunk[-1] + entry.window_bytes]
    for attempt in (1, 2):
        run.transcript.note(f"window {first} measure accuracy")
        try:
            reply = client.slide(buffer, stride, len(chunk), timeout=options.line_timeout_s)
        except DutResetError:
            raise
        except (DutError, DutProtocolError) as exc:
            run.transcript.note(f"{FAULT_NOTE} {entry.name} windows {first}..{chunk[-1]}: {exc}; "
                                f"{'measuring again' if attempt == 1 else 'one window at a time'}")
            continue
        out: list[tuple[list[float], bool | None] | None] = []
        for k, offset in enumerate(chunk):
            if reference is None:
                out.append((reply.results[k], None))
            elif reply.output_crcs[k] == zlib.crc32(reference.expected(entry.name, offset).tobytes()):
                out.append((reply.results[k], True))
            else:
                out.append(None)
        return out
    return None


def measure_checked(client: DutClient, run: RunDirectory, name: str, offset: int, window: bytes,
                    options: RunOptions, reference: Any | None,
                    use_crc: bool = False) -> tuple[list[float], bool | None]:
    """Load, ``infer 1 0`` and read the output twice; repeat when the two readings disagree.

    Why: a flipped digit in an ``m-results`` line is a valid-looking line with a wrong score, and
    nothing in one reply can reveal it. The standard ``results`` command prints the same tensor
    again over the same link, so a single damaged line shows up as a disagreement and the input is
    measured again (the last attempt is the one the journal and ``log.txt`` recompute keep). With
    a TFLM reference and ``tb-raw``, a raw output that differs from the reference is measured once
    more too: an input damaged on its way in (a flipped hex digit in ``db``) is caught that way; a
    difference that repeats is the firmware's and is recorded as a mismatch.
    """
    raw_retried = False
    for attempt in range(1, ATTEMPTS + 1):
        # One short note per window (an AD run has 48,608): the file was named by "input-file".
        run.transcript.note(f"window {offset} measure accuracy")
        # One round trip where the link allows: load, infer 1 0, results, tb-crc pipelined.
        reply = client.load_infer(window, 1, 0, timeout=options.line_timeout_s,
                                  output_crc=use_crc and reference is not None, reread=True)
        r, again = reply.infer, reply.results_again
        if again is not None and again != r.results:
            run.transcript.note(f"{FAULT_NOTE} {name} offset {offset}: infer printed {r.results}, "
                                f"results printed {again}; measuring again (attempt {attempt})")
            continue
        if reference is None:
            return r.results, None
        same = bool(_agrees(client, reference, name, offset, reply.output_crc))
        if not same and not raw_retried and attempt < ATTEMPTS:
            raw_retried = True
            run.transcript.note(f"{FAULT_NOTE} {name} offset {offset}: raw output differs from the TFLM "
                                "reference; measuring again to rule out a damaged input")
            continue
        return r.results, same
    from tinybench.protocol import DutProtocolError

    raise DutProtocolError(f"two readings of the output of {name} disagreed {ATTEMPTS} times",
                           port=client.port, command="results", last_line=None,
                           hint="the link corrupts data: check cable, baud rate and ground; "
                                "continue with --resume")


def _agrees(client: DutClient, reference: Any, name: str, offset: int, crc: int | None) -> bool:
    """Bit-exact agreement of the DUT's output with TFLM's for one window.

    With ``tb-crc`` (``crc``) only the CRC-32 of the output crosses the link (and the transcript);
    the whole tensor is fetched, and so logged as evidence, only when the CRC differs.
    """
    if crc is not None and crc == zlib.crc32(reference.expected(name, offset).tobytes()):
        return True
    return reference.agrees(name, offset, client.raw_output())


def figures(inputs: list[InputResult], workload: Any, agreement: Agreement | None,
            inferences: int, dataset_note: str | None = None) -> AccuracyFigures:
    """Top-1, AUC, per-class counts, confusion matrix and the quality-target verdict.

    ``dataset_note`` labels the verdict when the data set is not the official one (CI sets).
    """
    labels = [i.label for i in inputs]
    scores = np.vstack([np.asarray(i.score, dtype=float) for i in inputs])
    classifier = scores.shape[1] > 1
    top1 = metrics.top1(scores, labels) if classifier else None
    auc_value = metrics.auc(scores, labels, metrics.SKLEARN)
    auc_eembc = metrics.auc(scores, labels, metrics.EEMBC)
    value = top1 if workload.metric == "top1" else auc_value
    counts = {workload.classes[c]: labels.count(c) for c in range(len(workload.classes))}
    confusion = None
    per_class: dict[str, float] = {}
    if classifier:
        predicted = [i.predicted for i in inputs]
        confusion = metrics.confusion_matrix(predicted, labels, scores.shape[1])
        per_class = metrics.per_class_top1(predicted, labels, list(workload.classes))

    def _num(x: float) -> float | None:
        return None if np.isnan(x) else x

    return AccuracyFigures(
        inputs=len(inputs), inferences=inferences, top1=top1,
        auc=_num(auc_value), auc_method=metrics.SKLEARN, auc_eembc=_num(auc_eembc),
        top1_eembc_ad=None if classifier else _num(metrics.ad_top1_eembc(scores[:, 0], labels)),
        per_class_top1=per_class, metric=workload.metric,
        metric_value=None if value is None or np.isnan(value) else value, quality_target=workload.quality_target,
        target_met=bool(value is not None and not np.isnan(value) and workload.target_met(value)),
        per_class_counts=counts, confusion_matrix=confusion, agreement=agreement,
        dataset_note=dataset_note)
