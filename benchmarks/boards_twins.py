"""Real-board twins × the four models: bit-exactness, instructions per inference, memory use, and
simulated latency at the board's clock next to the published v0.5 NUCLEO-L4R5ZI latencies.

For each twin (renode-nucleo-l4r5zi, renode-nrf52840dk) and model: the very ELF built for the
physical board is flashed through GDB into an empty Renode twin; ``infer N W`` runs under Renode's
instruction counter (``ExecutedInstructions``) and the firmware's own laps; flash and RAM come
from ``arm-none-eabi-size`` against the board's capacity; ``verify`` checks ``--samples`` random
inputs (plus AD's real windows) bit-exact against TFLM. The twins run one instruction per cycle
(``performance_in_mips`` = clock in MHz), so "simulated latency" is instructions ÷ clock: it shows
the gap between an instruction count and a real board's cycles (flash wait states, multi-cycle
loads/MACs), and is labelled simulated, never a measured figure.

    .venv/bin/python benchmarks/boards_twins.py [--samples 20] [--models kws01,vww01,ic01,ad01]
        [--twins renode-nucleo-l4r5zi,renode-nrf52840dk] [--out boards_twins.md]
"""

from __future__ import annotations

import argparse
import re
import time

from tinybench import fsutil, paths
from tinybench.boards import load_board
from tinybench.flash import build_firmware, deploy
from tinybench.flash.fit import elf_sizes
from tinybench.flash.verify import verify_model
from tinybench.protocol import connect

MODELS = {"kws01": "kws_ref_model.tflite", "vww01": "vww_96_int8.tflite",
          "ic01": "pretrainedResnet_quant.tflite", "ad01": "ad01_int8.tflite"}
PUBLISHED_DIR = {"kws01": "kws", "vww01": "vww", "ic01": "ic", "ad01": "ad"}
INPUT_BYTES = {"kws01": 490, "vww01": 27648, "ic01": 3072, "ad01": 2560}


def published_ms(model_id: str) -> float | None:
    """Median latency of the v0.5 reference NUCLEO-L4R5ZI run, from its results.txt throughput."""
    shared = paths.shared_dir()
    if shared is None:
        return None
    path = (shared / "mlperf-tiny-results" / "v0.5" / "closed" / "reference" / "results" /
            "Nucleo-L4R5ZI" / PUBLISHED_DIR[model_id] / "performance" / "results.txt")
    match = re.search(r"Median throughput is ([\d.]+) inf\./sec", path.read_text()) if path.is_file() else None
    return 1000.0 / float(match.group(1)) if match else None


def measure(board_name: str, model_id: str, iterations: int) -> dict[str, float]:
    board = load_board(board_name)
    model = paths.shared_dir() / "mlperf-tiny" / "models" / MODELS[model_id]  # type: ignore[operator]
    image = build_firmware(board, model, model_id)
    flash, ram_static = elf_sizes(image.path)
    payload = bytes((i * 37 + 11) % 256 for i in range(INPUT_BYTES[model_id]))
    with deploy(board, image, timeout=300) as link:
        renode = link.processes[0]
        with connect(link.url, link.baud, timeout=600.0) as dut:
            dut.load(payload)
            before = renode.executed_instructions()
            result = dut.infer(iterations, 1)
            after = renode.executed_instructions()
    laps = getattr(result, "elapsed_us", None)
    per_inf = (after - before) / (iterations + 1)
    return {"flash": flash, "ram": ram_static + board.build.stack_bytes,
            "instructions": per_inf, "sim_ms": per_inf / board.clock_hz * 1000.0,
            "lap_ms": (laps / iterations / 1000.0) if laps else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--iterations", type=int, default=2)
    parser.add_argument("--twins", default="renode-nucleo-l4r5zi,renode-nrf52840dk")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--out", default="boards_twins.md")
    args = parser.parse_args()
    if paths.shared_dir() is None:
        raise SystemExit("../shared is missing (set TINYBENCH_SHARED)")
    rows = []
    for twin in args.twins.split(","):
        board = load_board(twin)
        for model_id in args.models.split(","):
            started = time.monotonic()
            m = measure(twin, model_id, args.iterations)
            report = verify_model(board, paths.shared_dir() / "mlperf-tiny" / "models" / MODELS[model_id],  # type: ignore[operator]
                                  model_id, samples=args.samples, seed=2026)
            pub = published_ms(model_id)
            pub_text = "-" if pub is None else f"{pub:.2f} ms"
            ratio = "-" if pub is None else f"{pub / m['sim_ms']:.2f}×"
            rows.append(
                f"| {twin} | {model_id} | {report.checked - report.mismatched_inputs}/{report.checked} | "
                f"{m['instructions'] / 1e6:.2f} M | {m['sim_ms']:.1f} ms | "
                f"{pub_text} | {ratio} | "
                f"{m['flash'] / 1024:.0f} / {board.flash_bytes // 1024} KiB ({100 * m['flash'] / board.flash_bytes:.0f} %) | "
                f"{m['ram'] / 1024:.0f} / {board.ram_bytes // 1024} KiB ({100 * m['ram'] / board.ram_bytes:.0f} %) | "
                f"{time.monotonic() - started:.0f} s |")
            print(rows[-1], flush=True)
    text = "\n".join([
        "# Real-board twins: bit-exactness, instructions, memory, simulated latency",
        "",
        f"Command: `.venv/bin/python benchmarks/boards_twins.py --samples {args.samples} "
        f"--iterations {args.iterations} --twins {args.twins} --models {args.models} --out {args.out}`",
        "",
        "Each row: the ELF built for the physical board, flashed through GDB into an empty Renode",
        "twin. *bit-exact*: `verify` inputs (random, plus AD's real windows) equal to TFLM's int8",
        "outputs. *instructions*: Renode `ExecutedInstructions` per inference (`infer N 1`,",
        "divided by N+1). *simulated*: instructions ÷ the board's clock (1 instruction per cycle;",
        "category simulated). *v0.5 L4R5ZI*: the published reference NUCLEO-L4R5ZI median latency",
        "(TFLM reference kernels, mbed; from `../shared/mlperf-tiny-results/v0.5`), measured on a",
        "real board; *ratio* = published ÷ simulated. RAM = static (.data+.bss) + the reserved stack.",
        "",
        "| twin | model | bit-exact | instructions/inference | simulated | v0.5 L4R5ZI | ratio | flash | RAM | wall |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
    ])
    fsutil.atomic_write_text(paths.repo_root() / "benchmarks" / "results" / args.out, text)
    print(text)


if __name__ == "__main__":
    main()
