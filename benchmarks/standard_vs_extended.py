"""What the tinybench extensions buy: the same firmware built standard-only (``make STANDARD=1``,
as a vendor port speaks) vs extended, on the same board — input transfer rate and the wall time of
a whole accuracy run.

    .venv/bin/python benchmarks/standard_vs_extended.py [--board qemu-mps2-an386] [--workload kws01]
        [--loads 20] [--accuracy-workload kws01]

Transfer rate: payload bytes per second of loading one workload input ``--loads`` times through
the client (standard: ``db`` + 31-byte hex chunks; extended: whatever ``tb-caps`` negotiates).
Accuracy wall time: ``tinybench run --mode accuracy`` over the workload's CI set with each image
(the extended run also checks every output bit-exactly against TFLM, the standard one cannot).
Host-clock figures of harness throughput, not DUT figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path


def transfer_rate(board, image, payload: bytes, loads: int) -> float:  # noqa: ANN001
    from tinybench.flash import deploy
    from tinybench.protocol import connect

    with deploy(board, image) as link, connect(link.url, link.baud) as client:
        client.caps()
        t0 = time.perf_counter()
        for _ in range(loads):
            client.load(payload)
        return len(payload) * loads / (time.perf_counter() - t0)


def accuracy_wall(board_name: str, workload: str, image_path: Path | None, out: Path) -> tuple[float, object]:
    from tinybench.flash.source import DutSource
    from tinybench.run.session import RunRequest, start

    source = DutSource(firmware=image_path) if image_path else None
    t0 = time.monotonic()
    results, _ = start(RunRequest(board=board_name, workload=workload, mode="accuracy", out=out,
                                  progress=False, source=source))
    return time.monotonic() - t0, results


def main() -> None:
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware
    from tinybench.run.session import _model_file
    from tinybench.workloads import load_workload

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--board", default="qemu-mps2-an386")
    ap.add_argument("--workload", default="ic01", help="transfer payload: one input of it")
    ap.add_argument("--loads", type=int, default=20)
    ap.add_argument("--accuracy-workload", default="kws01")
    args = ap.parse_args()
    board = load_board(args.board)
    rows = {}
    wl = load_workload(args.workload)
    payload = bytes(range(256)) * (wl.window_bytes // 256 + 1)
    payload = payload[:wl.window_bytes]
    for kind, standard in (("standard-only", True), ("extended", False)):
        image = build_firmware(board, _model_file(wl), wl.id, standard=standard)
        rows.setdefault(kind, {})["transfer_B_per_s"] = round(transfer_rate(board, image, payload, args.loads))
    awl = load_workload(args.accuracy_workload)
    scratch = Path(tempfile.mkdtemp(prefix="tb-std-ext-"))
    try:
        std = build_firmware(board, _model_file(awl), awl.id, standard=True)
        foreign = scratch / ("vendor.elf" if std.is_elf else "vendor")
        shutil.copy2(std.path, foreign)
        for kind, image in (("standard-only", foreign), ("extended", None)):
            wall, results = accuracy_wall(args.board, awl.id, image, scratch / kind)
            rows[kind].update(accuracy_wall_s=round(wall, 1), inputs=results.accuracy.inputs,
                              metric=results.accuracy.metric_value,
                              tflm_checked=results.accuracy.agreement is not None)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps({"board": args.board, "transfer_workload": wl.id, "payload_bytes": len(payload),
                      "accuracy_workload": awl.id, **rows}, indent=2))


if __name__ == "__main__":
    main()
