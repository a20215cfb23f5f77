"""Footprint of the reference firmware per model x board: instructions per inference (QEMU icount),
flash bytes, RAM bytes (arena + stack high-water), next to TFLM's arena size.

Instructions: under ``-icount shift=S`` every instruction takes 2^S ns of simulated time, and the
firmware's m-lap-us timestamps come from SysTick in that simulated time. Per-inference
instructions = (elapsed(2N) - elapsed(N)) * 1000 / 2^S / N: the difference cancels the fixed
overhead inside the timed window (the first m-lap-us line is printed inside it). Resolution: one
microsecond = 2^-S * 1000 instructions, divided by N. These are SIMULATED figures (QEMU executes
every instruction in one step; no caches, wait states or pipeline), not cycle counts.

Flash: text + rodata (+ data initialisers and exidx) of firmware.elf from ``arm-none-eabi-size -A``.
RAM: static RAM (.data + .bss: arena, db buffer, command buffer) and the stack high-water measured
by stack painting (tb-info after the inferences).

    .venv/bin/python benchmarks/firmware_footprint.py [--boards qemu-mps2-an386,qemu-mps3-an547]
"""

from __future__ import annotations

import argparse

import numpy as np

from tinybench import fsutil, paths
from tinybench.boards import load_board
from tinybench.flash import build_firmware, deploy
from tinybench.flash.build import raw_input_bytes
from tinybench.flash.fit import section_sizes
from tinybench.protocol.client import connect

MODELS = {
    "kws01": ("kws_ref_model.tflite", 490),
    "vww01": ("vww_96_int8.tflite", 27648),
    "ic01": ("pretrainedResnet_quant.tflite", 3072),
    "ad01": ("ad01_int8.tflite", 640),
}
#: tflite-micro print_allocations arena sizes (issue 2)
TFLM_ARENA = {"kws01": 24272, "vww01": 103680, "ic01": 55984, "ad01": 3984}
#: timed iterations N (the run also does 2N)
ITERATIONS = {"kws01": 4, "vww01": 2, "ic01": 2, "ad01": 20}


def measure(board_name: str, model_id: str) -> dict[str, object]:
    shared = paths.shared_dir()
    assert shared is not None, "../shared is missing"
    board = load_board(board_name)
    image = build_firmware(board, shared / "mlperf-tiny" / "models" / MODELS[model_id][0], model_id)
    sizes = section_sizes(image.path)
    n = ITERATIONS[model_id]
    rng = np.random.default_rng(7)
    elements = MODELS[model_id][1]
    if model_id == "ad01":
        payload = rng.uniform(-10, 50, elements).astype("<f4").tobytes()
    else:
        payload = rng.integers(0, 256, raw_input_bytes(model_id, elements), dtype=np.uint8).tobytes()
    with deploy(board, image) as link, connect(link.url, link.baud, timeout=10.0) as dut:
        dut.caps()
        dut.load(payload)
        short = dut.infer(n, 1, timeout=600).elapsed_us
        long = dut.infer(2 * n, 0, timeout=600).elapsed_us
        info = dut.info()
        shift = link.icount_shift
    assert short is not None and long is not None and shift is not None
    per_inf_us = (long - short) / n
    instructions = per_inf_us * 1000 / (1 << shift)
    flash = sizes.get(".text", 0) + sizes.get(".rodata", 0) + sizes.get(".data", 0) + sizes.get(".ARM.exidx", 0)
    static_ram = sizes.get(".data", 0) + sizes.get(".bss", 0)
    return {
        "model": model_id, "board": board_name, "shift": shift, "iterations": n,
        "sim_us_per_inference": per_inf_us, "instructions": instructions,
        "text": sizes.get(".text", 0), "rodata": sizes.get(".rodata", 0), "flash": flash,
        "weights": image.weight_bytes, "arena": image.arena_bytes,
        "stack": int(info["stack_high_water"]), "static_ram": static_ram,
        "ram": image.arena_bytes + int(info["stack_high_water"]), "tflm_arena": TFLM_ARENA[model_id],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", default="qemu-mps2-an386,qemu-mps3-an547")
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args()
    rows = []
    for board_name in args.boards.split(","):
        for model_id in args.models.split(","):
            r = measure(board_name, model_id)
            rows.append(
                f"| {r['model']} | {r['board']} | {r['instructions']:,.0f} | {r['sim_us_per_inference']:,.1f} | "
                f"{r['flash']:,} | {r['weights']:,} | {r['text']:,} | {r['arena']:,} | {r['stack']:,} | "
                f"{r['ram']:,} | {r['static_ram']:,} | {r['tflm_arena']:,} | "
                f"{'yes' if r['arena'] <= r['tflm_arena'] else 'NO'} |")  # type: ignore[operator]
            print(rows[-1], flush=True)
    text = "\n".join([
        "# Firmware footprint: instructions, flash and RAM per model and board (simulated)",
        "",
        f"Command: `.venv/bin/python benchmarks/firmware_footprint.py --boards {args.boards}`",
        "",
        "Category: **simulated** (QEMU `-icount shift=S,sleep=off`: one instruction = 2^S ns of",
        "simulated time). Instructions per inference = (elapsed(2N) - elapsed(N)) x 1000 / 2^S / N from",
        "the firmware's own m-lap-us timestamps; resolution 1000/2^S/N instructions. Flash = .text +",
        ".rodata + .data + .ARM.exidx of firmware.elf (weights are in .rodata). RAM = planned arena +",
        "measured stack high-water (stack painting); static RAM = .data + .bss (arena, db buffer sized",
        "to one input, 1 KiB command buffer). TFLM arena = tflite-micro `print_allocations`.",
        "",
        "| model | board | instructions / inference | simulated µs / inference | flash B | weights B | "
        "code (.text) B | arena B | stack high-water B | RAM (arena+stack) B | static RAM B | TFLM arena B | arena ≤ TFLM |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        *rows,
        "",
    ])
    fsutil.atomic_write_text(paths.repo_root() / "benchmarks" / "results" / "firmware_footprint.md", text)
    print(text)


if __name__ == "__main__":
    main()
