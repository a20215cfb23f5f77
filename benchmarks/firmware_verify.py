"""Bit-exactness report: firmware int8 outputs vs the TFLM interpreter, per model and board.

Drives the firmware over its serial protocol (``tinybench.flash.verify``): ``--samples`` random
inputs per model (default 200) plus, for AD, all windows of the real sample. Writes
benchmarks/results/firmware_verify.md and prints it.

    .venv/bin/python benchmarks/firmware_verify.py [--samples 200] [--boards host,qemu-mps2-an386]
        [--models kws01,vww01,ic01,ad01] [--out firmware_verify.md]
"""

from __future__ import annotations

import argparse
import time

from tinybench import fsutil, paths
from tinybench.boards import load_board
from tinybench.flash.verify import verify_model

MODELS = {
    "kws01": "kws_ref_model.tflite",
    "vww01": "vww_96_int8.tflite",
    "ic01": "pretrainedResnet_quant.tflite",
    "ad01": "ad01_int8.tflite",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--boards", default="host,qemu-mps2-an386")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--out", default="firmware_verify.md", help="report name in benchmarks/results")
    args = parser.parse_args()
    shared = paths.shared_dir()
    if shared is None:
        raise SystemExit("../shared is missing (set TINYBENCH_SHARED)")
    rows = []
    for board_name in args.boards.split(","):
        board = load_board(board_name)
        for model_id in args.models.split(","):
            started = time.monotonic()
            report = verify_model(board, shared / "mlperf-tiny" / "models" / MODELS[model_id], model_id,
                                  samples=args.samples, seed=args.seed)
            data = report.to_json()
            first = report.first
            rows.append(f"| {model_id} | {board_name} | {report.random_inputs} | {report.real_inputs} | "
                        f"{report.checked - report.mismatched_inputs}/{report.checked} | "
                        f"{data['bit_exact_percent']:.1f} % | "
                        f"{'-' if first is None else f'input {first.input_index} output {first.output_index}'} | "
                        f"{time.monotonic() - started:.0f} s |")
            print(rows[-1], flush=True)
    text = "\n".join([
        "# Firmware vs TFLM: bit-exact int8 outputs",
        "",
        f"Command: `.venv/bin/python benchmarks/firmware_verify.py --samples {args.samples} "
        f"--seed {args.seed} --boards {args.boards} --models {args.models} --out {args.out}`",
        "",
        "Each input is loaded over the DUT serial protocol (`db load`/`db`), run with `infer 1 0` and",
        "read back with `tb-raw`; the reference is the pinned tflite-micro Python interpreter on the",
        "same int8 tensor. AD also runs every 2560-byte window (512-byte steps) of the real sample",
        "`../shared/mlperf-tiny/samples/ad01/*.bin`. Wall time is host time on a shared machine.",
        "",
        "| model | board | random inputs | real inputs | bit-exact | % | first mismatch | wall |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |",
        *rows,
        "",
    ])
    fsutil.atomic_write_text(paths.repo_root() / "benchmarks" / "results" / args.out, text)
    print(text)


if __name__ == "__main__":
    main()
