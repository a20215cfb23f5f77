"""tinybench's reference firmware against TFLM + CMSIS-NN and TFLM reference kernels, measured in
the same run under the same QEMU with the same icount settings.

For every core (Cortex-M4F: qemu mps2-an386; Cortex-M55 with Helium: qemu mps3-an547) and model:

* anchors: ``../shared/anchors/tflm-cmsis-nn/measure.py`` runs the TFLM ELFs (median instructions
  per inference over 27 LCG inputs, TFLM arena bytes);
* tinybench: the benchmark image (``tinybench.flash.build_firmware``, as ``tinybench run`` uses it)
  gives flash and arena; a profiling build of the same model and engine (``make APP=profile``,
  firmware/profile/tb_profile.c) runs under ``qemu-system-arm -icount shift=0,sleep=off`` (the
  flags measure.py uses) and laps SysTick after every operator, so the total and the per-layer-type
  instruction counts come from one run: instructions = ticks x (10^9 / CPU Hz) / runs.

Category: simulated (QEMU executes one instruction per icount step; no caches or wait states;
an MVE instruction counts as one). Flash growth is against the same images built from main just
before the DSP/MVE kernels (commit 431941c, constants below).

    .venv/bin/python benchmarks/firmware_vs_tflm.py [--json] [--cores m4,m55] [--models kws01,...]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from tinybench import fsutil, paths
from tinybench.boards import load_board
from tinybench.flash import build_firmware
from tinybench.flash.fit import section_sizes

MODELS = {"kws01": "kws_ref_model.tflite", "vww01": "vww_96_int8.tflite",
          "ic01": "pretrainedResnet_quant.tflite", "ad01": "ad01_int8.tflite"}
CORES = {
    "m4": {"board": "qemu-mps2-an386", "machine": "mps2-an386", "hz": 25e6,
           "anchors": {"CMSIS-NN": "tflm-cmsisnn-m4-O2.elf", "TFLM-ref": "tflm-ref-m4-O2.elf"}},
    "m55": {"board": "qemu-mps3-an547", "machine": "mps3-an547", "hz": 32e6,
            "anchors": {"CMSIS-NN": "tflm-cmsisnn-m55-O2.elf"}},
}
#: flash bytes of the same images built from main just before the SIMD kernels landed (431941c:
#: same monitor, generic C engine; make defaults), so growth is the kernels' alone
FLASH_BEFORE = {("m4", "kws01"): 47736, ("m4", "vww01"): 261624, ("m4", "ic01"): 99836,
                ("m4", "ad01"): 285604, ("m55", "kws01"): 46988, ("m55", "vww01"): 260956,
                ("m55", "ic01"): 99124, ("m55", "ad01"): 284652}
#: issue 14 goals (instructions per inference)
GOALS = {("m4", "kws01"): 6_900_000, ("m4", "vww01"): 21_700_000, ("m4", "ic01"): 26_900_000,
         ("m4", "ad01"): 525_000, ("m55", "kws01"): 1_810_000, ("m55", "vww01"): 6_550_000,
         ("m55", "ic01"): 4_900_000, ("m55", "ad01"): 150_000}
PROFILE_RUNS = 3


def flash_bytes(elf: Path) -> int:
    s = section_sizes(elf)
    return s.get(".text", 0) + s.get(".rodata", 0) + s.get(".data", 0) + s.get(".ARM.exidx", 0)


def run_qemu(machine: str, elf: Path, timeout: float = 1800) -> str:
    return subprocess.run(["qemu-system-arm", "-M", machine, "-nographic", "-monitor", "none",
                           "-semihosting", "-icount", "shift=0,sleep=off", "-kernel", str(elf)],
                          capture_output=True, text=True, timeout=timeout, check=False).stdout


def anchors(core: str) -> dict[str, dict]:
    root = paths.shared_dir() / "anchors" / "tflm-cmsis-nn"
    out = {}
    for name, elf in CORES[core]["anchors"].items():
        res = subprocess.run([sys.executable, str(root / "measure.py"), str(root / elf), core],
                             capture_output=True, text=True, check=True, timeout=1800)
        out[name] = json.loads(res.stdout)
    return out


def profile(core: str, model_id: str, work: Path) -> dict:
    """Build the profiling image of model_id for the core's port, run it, return per-op figures."""
    from tinybench.compiler import compile_model

    cfg = CORES[core]
    board = load_board(cfg["board"])
    tflite = paths.shared_dir() / "mlperf-tiny" / "models" / MODELS[model_id]
    model_dir = work / f"{core}-{model_id}" / "model"
    out_dir = work / f"{core}-{model_id}" / "out"
    compile_model(tflite, model_dir, model_id)
    subprocess.run(["make", "-s", "-C", str(paths.firmware_dir()), f"BOARD={board.build.port}",
                    f"MODEL_DIR={model_dir}", f"OUT={out_dir}", "APP=profile",
                    f"EXTRA_CFLAGS=-DTB_OP_DONE=tb_profile_op_done -DTB_PROFILE_RUNS={PROFILE_RUNS}"],
                   check=True, capture_output=True, text=True)
    text = run_qemu(cfg["machine"], out_dir / "firmware.elf")
    if "profile done" not in text:
        raise RuntimeError(f"profiling run of {model_id} on {core} failed:\n{text[-2000:]}")
    kinds = dict(re.findall(r"/\* op (\d+) (\w+) \*/", (model_dir / "model.c").read_text()))
    per_tick = 1e9 / cfg["hz"]
    by_kind: dict[str, float] = defaultdict(float)
    for idx, ticks in re.findall(r"^op (\d+) ticks (\d+)", text, re.M):
        by_kind[kinds.get(idx, "?")] += int(ticks) * per_tick / PROFILE_RUNS
    return {"instructions": round(sum(by_kind.values())),
            "by_kind": {k: round(v) for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    ap.add_argument("--cores", default="m4,m55")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--from-json", help="re-render the tables from a saved --json output")
    args = ap.parse_args()
    rows = []
    if args.from_json:
        rows = json.loads(Path(args.from_json).read_text())
    with tempfile.TemporaryDirectory(prefix="tb-vs-tflm-") as tmp:
        for core in ([] if args.from_json else args.cores.split(",")):
            anc = anchors(core)
            board = load_board(CORES[core]["board"])
            for model_id in args.models.split(","):
                short = model_id.rstrip("0123456789")
                image = build_firmware(board, paths.shared_dir() / "mlperf-tiny" / "models" / MODELS[model_id],
                                       model_id)
                prof = profile(core, model_id, Path(tmp))
                flash = flash_bytes(image.path)
                row = {"core": core, "board": board.name, "model": model_id,
                       "tinybench": prof["instructions"], "by_kind": prof["by_kind"],
                       "arena": image.arena_bytes, "flash": flash,
                       "flash_before": FLASH_BEFORE.get((core, model_id)),
                       "goal": GOALS.get((core, model_id))}
                for name, res in anc.items():
                    row[name] = res["instructions_per_inference"].get(short)
                    if name == "CMSIS-NN":
                        row["tflm_arena"] = res["arena_bytes"].get(short)
                rows.append(row)
                if not args.json:
                    print(f"{core} {model_id}: {row['tinybench']:,} instructions "
                          f"(CMSIS-NN {row.get('CMSIS-NN') or 0:,})", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if args.from_json:
        args.cores, args.models = "m4,m55", ",".join(MODELS)
    lines = ["| core | model | tinybench | CMSIS-NN | TFLM-ref | tinybench / CMSIS-NN | tinybench / TFLM-ref "
             "| goal | met | arena B (TFLM) | flash B (before, growth) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"]
    for r in rows:
        cm, ref = r.get("CMSIS-NN"), r.get("TFLM-ref")
        growth = (r["flash"] / r["flash_before"] - 1) * 100 if r["flash_before"] else float("nan")
        ours = r["tinybench"]
        cm_s, ref_s = (f"{cm:,}" if cm else "—"), (f"{ref:,}" if ref else "—")
        cm_r, ref_r = (f"{ours / cm:.2f}" if cm else "—"), (f"{ours / ref:.2f}" if ref else "—")
        lines.append(
            f"| {r['core']} | {r['model']} | {ours:,} | {cm_s} | {ref_s} | {cm_r} | {ref_r} | {r['goal']:,} | "
            f"{'yes' if r['tinybench'] <= r['goal'] else 'no'} | {r['arena']:,} ({r.get('tflm_arena') or 0:,}) | "
            f"{r['flash']:,} ({r['flash_before'] or 0:,}, {growth:+.1f} %) |")
    lines += ["", "Per layer type (tinybench instructions per inference):", "",
              "| core | model | " + " | ".join(["layer type: instructions (share)"]) + " |", "| --- | --- | --- |"]
    for r in rows:
        parts = [f"{k} {v:,} ({v / r['tinybench'] * 100:.0f} %)" for k, v in r["by_kind"].items()]
        lines.append(f"| {r['core']} | {r['model']} | {'; '.join(parts)} |")
    text = "\n".join(["# tinybench firmware vs TFLM + CMSIS-NN (simulated: QEMU icount instructions)", "",
                      f"Command: `.venv/bin/python benchmarks/firmware_vs_tflm.py --cores {args.cores} "
                      f"--models {args.models}`", "", *lines, ""])
    print(text)
    if args.cores == "m4,m55" and args.models == ",".join(MODELS):
        fsutil.atomic_write_text(paths.repo_root() / "benchmarks" / "results" / "firmware_vs_tflm.md", text)
        fsutil.atomic_write_text(paths.repo_root() / "benchmarks" / "results" / "firmware_vs_tflm.json",
                                 json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
