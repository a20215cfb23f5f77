"""Energy and performance runs through an interface board (``relay+`` link) vs the direct link,
on the same simulated DUT: per-window energy difference and wall-time overhead.

The interface board is ``tinybench.sim.interface_board`` (protocol-level simulation: a Python
relay between a host socket and the DUT's socket); the DUT is real tinybench firmware in QEMU
(default) or the host build. ``--pace`` spends the DUT hop's wire time at the energy baud (9600),
as a real bench does. A fresh simulator is launched for each run so both start from the same state.

    .venv/bin/python benchmarks/relay_energy.py [--board qemu-mps2-an386] [--workload kws01] [--pace]

``--bench BOARD`` instead runs the relay side on a board whose yaml has an ``interface:`` section
(the two-machine Renode bench: ``--board renode-mps2-an386 --bench renode-mps2-an386-bench``):
tinybench launches both machines and the interface firmware (firmware/interface) is the relay.

``--io-manager`` puts the simulated EEMBC IO manager (``SimIoManager``) on the relay side; with the
host board its timer gets the DUT's edges too, and the run's per-window cross-check of the
monitor's edges against the board's laps is printed (QEMU's edge channel takes one listener only).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--board", default="qemu-mps2-an386")
    ap.add_argument("--workload", default="kws01")
    ap.add_argument("--mode", default="energy", choices=["energy", "performance"])
    ap.add_argument("--min-window-s", type=float, default=0.3)
    ap.add_argument("--pace", action="store_true")
    ap.add_argument("--bench", help="relay side: this board (yaml interface: section), launched as a whole")
    ap.add_argument("--inputs", type=int, default=5)
    ap.add_argument("--io-manager", action="store_true", help="relay side: the simulated EEMBC IO manager")
    args = ap.parse_args()

    from fixtures_run import cached_dataset
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware
    from tinybench.flash.source import DutSource
    from tinybench.run.session import RunRequest, _model_file, start
    from tinybench.run.energy import run_energy
    from tinybench.sim.interface_board import SimInterfaceBoard, SimIoManager
    from tinybench.sim.launch import launch_host, launch_qemu
    from tinybench.workloads import load_workload

    brd = load_board(args.board)
    if brd.kind == "renode" and args.bench is None:
        ap.error("a Renode board needs --bench (the two-machine bench board for the relay side)")
    energy = args.mode == "energy"
    baud = brd.baud_for(args.mode)
    image = build_firmware(brd, _model_file(load_workload(args.workload)), args.workload, energy=energy)
    dataset = cached_dataset(args.workload, args.inputs)
    out = Path(tempfile.mkdtemp(prefix="relay-bench-"))
    rows = {}
    for how in ("direct", "relay"):
        launched = args.bench is not None      # tinybench launches both sides (Renode boards)
        proc = None if launched else (launch_host(image.path) if brd.kind == "host"
                                      else launch_qemu(brd, image.path))
        board = None
        name = args.bench if (args.bench and how == "relay") else args.board
        try:
            if launched:
                source = DutSource()
            else:
                port = proc.uart_url
                if how == "relay":
                    if args.io_manager:
                        timer_edges = proc.edge_url if energy and brd.kind == "host" else None
                        board = SimIoManager(proc.uart_url, edge_url=timer_edges, pace=args.pace)
                        if timer_edges:
                            board.edge_channel_open.wait(10)
                    else:
                        board = SimInterfaceBoard(proc.uart_url, dut_baud=baud, pace=args.pace)
                    port = "relay+" + board.url
                # the IO manager relays at a fixed 9600 baud; a simulated DUT's socket takes any
                fixed = 9600 if how == "relay" and args.io_manager else None
                source = DutSource(no_flash=True, port=port, edge=proc.edge_url if energy else None,
                                   baud=fixed)
            t0 = time.monotonic()
            if energy:
                res, _ = run_energy(board=name, workload=args.workload, dataset=dataset,
                                    out=out / how, min_window_s=args.min_window_s, source=source,
                                    progress=False)
                per = [w.energy_per_inf_uj for w in res.energy.windows]
                med = res.energy.median_energy_per_inf_uj
                for note in res.energy.notes:
                    if "timer" in note:
                        print(f"{how}: {note}")
            else:
                res, _ = start(RunRequest(board=name, workload=args.workload, mode="performance",
                                          dataset=dataset, out=out / how, min_window_s=args.min_window_s,
                                          progress=False, source=source))
                per = [w.throughput for w in res.performance.windows]
                med = res.performance.median_throughput
            rows[how] = (per, med, time.monotonic() - t0, res.category)
        finally:
            if board is not None:
                board.close()
            if proc is not None:
                proc.stop()
    unit = "uJ/inf" if energy else "inf/s"
    relay = args.bench or ("sim EEMBC IO manager" if args.io_manager else "sim interface board")
    print(f"board {args.board}, relay {relay}, {args.workload}, {args.mode}, "
          f"pace={args.pace}, dut baud {baud}")
    for how, (per, med, wall, cat) in rows.items():
        print(f"{how:7s} median {med:.6g} {unit} ({cat}); windows {[round(v, 6) for v in per]}; wall {wall:.1f} s")
    d, r = rows["direct"], rows["relay"]
    diffs = [100.0 * (b - a) / a for a, b in zip(d[0], r[0])]
    print(f"per-window difference relay vs direct: {[round(x, 4) for x in diffs]} %; "
          f"wall overhead {r[2] - d[2]:+.1f} s ({100 * (r[2] / d[2] - 1):+.0f} %)")


if __name__ == "__main__":
    main()
