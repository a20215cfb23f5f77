"""Renode vs QEMU on the same firmware image (the qemu-mps2-an386 build), all four models.

Per model and simulator: instructions per inference (DUT µs × instructions per µs; on Renode also
Renode's own ``ExecutedInstructions`` counter), wall time per inference, and input transfer rate
(payload bytes/s of ``db load`` + ``db <hex>`` with the negotiated chunk size). Then Renode's
start-up time (launch to ``name%`` answered) and the repeatability of laps across fresh Renode
launches. Instructions must agree within 0.1 % between the two simulators.

    .venv/bin/python benchmarks/renode_vs_qemu.py [--models kws01,vww01,ic01,ad01] [--launches 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

MODELS = ("kws01", "vww01", "ic01", "ad01")
ITERATIONS = {"kws01": 2, "vww01": 2, "ic01": 2, "ad01": 10}


def _payload(n: int) -> bytes:
    return bytes((i * 131 + 7) % 256 for i in range(n))


def measure(board_name: str, model_id: str) -> dict[str, float | int | None]:
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware, deploy
    from tinybench.protocol import connect
    from tinybench.run.session import _model_file
    from tinybench.workloads import load_workload

    workload = load_workload(model_id)
    image = build_firmware(load_board("qemu-mps2-an386"), _model_file(workload), model_id)
    payload = _payload(workload.input.bytes)
    n = ITERATIONS[model_id]
    with deploy(load_board(board_name), image) as link, connect(link.url, link.baud, timeout=300.0) as dut:
        dut.caps()
        t0 = time.perf_counter()
        for _ in range(3):
            dut.load(payload)
        rate = 3 * len(payload) / (time.perf_counter() - t0)
        sim = link.processes[0]
        counter = getattr(sim, "executed_instructions", None)
        before = counter() if counter else None
        t0 = time.perf_counter()
        r = dut.infer(n, 1, timeout=600.0)
        wall = (time.perf_counter() - t0) / (n + 1)
        after = counter() if counter else None
    assert r.elapsed_us is not None and link.instructions_per_us is not None
    return {"image_sha256": image.image_sha256[:16],
            "instructions_per_inference": r.elapsed_us * link.instructions_per_us / r.iterations,
            "executed_instructions_per_inference":
                None if before is None or after is None else (after - before) / (n + 1),
            "wall_s_per_inference": wall, "transfer_Bps": rate, "elapsed_us": r.elapsed_us}


def startup_and_laps(launches: int) -> dict[str, object]:
    """Fresh Renode launches of the KWS image: start-up seconds and the window's DUT µs each time."""
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware, deploy
    from tinybench.protocol import connect
    from tinybench.run.session import _model_file
    from tinybench.workloads import load_workload

    workload = load_workload("kws01")
    image = build_firmware(load_board("qemu-mps2-an386"), _model_file(workload), "kws01")
    starts, elapsed, laps = [], [], []
    for _ in range(launches):
        t0 = time.perf_counter()
        with deploy(load_board("renode-mps2-an386"), image) as link:
            starts.append(time.perf_counter() - t0)
            with connect(link.url, link.baud, timeout=120.0) as dut:
                dut.load(_payload(workload.input.bytes))
                r = dut.infer(3, 1, timeout=600.0)
        elapsed.append(r.elapsed_us)
        laps.append([b - a for a, b in zip(r.laps, r.laps[1:])])
    return {"startup_s": starts, "startup_median_s": statistics.median(starts),
            "window_elapsed_us": elapsed, "identical": len(set(elapsed)) == 1, "lap_deltas_us": laps}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--launches", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    for model_id in args.models.split(","):
        q = measure("qemu-mps2-an386", model_id)
        r = measure("renode-mps2-an386", model_id)
        qi, ri = float(q["instructions_per_inference"]), float(r["instructions_per_inference"])  # type: ignore[arg-type]
        rows.append({"model": model_id, "qemu": q, "renode": r,
                     "instructions_diff_pct": (ri - qi) / qi * 100.0})
    rep = startup_and_laps(args.launches)
    out = {"models": rows, "renode_repeatability": rep}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print("| model | instr/inf QEMU | instr/inf Renode | Renode ExecutedInstructions | diff | "
          "wall s/inf QEMU | wall s/inf Renode | transfer B/s QEMU | transfer B/s Renode |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        q, r = row["qemu"], row["renode"]
        print(f"| {row['model']} | {q['instructions_per_inference']:,.0f} | {r['instructions_per_inference']:,.0f} | "
              f"{r['executed_instructions_per_inference']:,.0f} | {row['instructions_diff_pct']:+.4f} % | "
              f"{q['wall_s_per_inference']:.3f} | {r['wall_s_per_inference']:.3f} | "
              f"{q['transfer_Bps']:,.0f} | {r['transfer_Bps']:,.0f} |")
    print(f"\nRenode start-up (launch to name% answered), {args.launches} launches: "
          + ", ".join(f"{s:.1f} s" for s in rep["startup_s"]))  # type: ignore[union-attr]
    print(f"KWS window (3 inferences) DUT µs per launch: {rep['window_elapsed_us']} — "
          f"{'identical' if rep['identical'] else 'NOT identical'}; lap deltas {rep['lap_deltas_us']}")


if __name__ == "__main__":
    main()
