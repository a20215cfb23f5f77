"""Host→DUT input transfer: wire efficiency on a 115200-baud line computed from the framing, and
bytes/s measured on a simulated board for each way of loading an input.

Ways: (a) the stock protocol's 31-byte hex chunks (``db <62 hex>%``, as MLPerf Tiny hosts send
them), (b) hex chunks as large as ``tb-caps`` cmdmax allows, (c) the binary extension ``tb-load``
(raw bytes, one acknowledgement, CRC-32), (d) ``tb-fload`` (the simulator reads a host file through
semihosting; QEMU only). The simulators' UARTs are not paced at a baud rate, so measured bytes/s
show protocol + simulator cost, not a wire; the framing figures are what a real 115200-baud 8N1
line (11,520 B/s) allows with stop-and-wait (each reply is waited for before the next command).

    .venv/bin/python benchmarks/transfer_rate.py [--board qemu-mps2-an386] [--workload ad01] [--loads 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import zlib

import numpy as np

LINE_RATE = 115200 / 10          # bytes/s of a 115200-baud 8N1 line
READY = len("m-ready\r\n")


def framing(n: int, keep: int = 0) -> dict[str, float]:
    """Line-time efficiency (payload bytes / all bytes that occupy the line) of loading n bytes."""
    crc = f"{zlib.crc32(bytes(n)):08x}"
    expecting = len(f"m-[Expecting {n} bytes]\r\n") + READY
    out = {}
    for name, chunk in (("hex_31", 31), ("hex_510", 510)):
        chunks = -(-n // chunk)
        sent = len(f"db load {n}%") + sum(len("db %") + 2 * min(chunk, n - i * chunk) for i in range(chunks))
        replies = expecting + chunks * READY + len("m-load-done\r\n")
        out[name] = n / (sent + replies)
    cmd = len(f"tb-load {n} {crc}" + (f" {keep}" if keep else "") + "%")
    out["tb_load"] = (n - keep) / (cmd + (n - keep) + len("m-load-done\r\n") + READY)
    return out


def measure(client, payloads: list[bytes]) -> float:  # noqa: ANN001
    start = time.perf_counter()
    for p in payloads:
        client.load(p)
    return sum(map(len, payloads)) / (time.perf_counter() - start)


def main() -> None:
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware, deploy
    from tinybench.protocol import connect
    from tinybench.run.session import _model_file
    from tinybench.workloads import load_workload

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--board", default="qemu-mps2-an386")
    ap.add_argument("--workload", default="ad01", help="its input size is the payload (ad01: 2560 B)")
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    board, workload = load_board(args.board), load_workload(args.workload)
    image = build_firmware(board, _model_file(workload), workload.id)
    rng = np.random.default_rng(5)
    n = workload.window_bytes
    payloads = [rng.integers(0, 256, n, dtype=np.uint8).tobytes() for _ in range(args.loads)]
    rates: dict[str, float] = {}
    with deploy(board, image) as link, connect(link.url, link.baud, timeout=30.0) as client:
        rates["hex_31"] = measure(client, payloads)             # no tb-caps yet: 31-byte chunks
        caps = client.caps()
        client.binary = False
        rates[f"hex_{caps.chunk_bytes}"] = measure(client, payloads)
        client.binary = True
        if caps.binary_load:
            rates["tb_load"] = measure(client, payloads)
        if caps.file_load and link.host_files:
            client.host_files = True
            rates["tb_fload"] = measure(client, payloads)
    wire = {k: round(100 * v, 1) for k, v in framing(n).items()}
    if workload.windowed:
        wire["tb_load_sliding_new_bytes"] = round(100 * framing(n, n - workload.stride_bytes)["tb_load"], 1)
    out = {"board": board.name, "payload_bytes": n, "loads": args.loads,
           "load_avg_1m": round(os.getloadavg()[0], 2),
           "measured_Bps": {k: round(v) for k, v in rates.items()},
           "measured_pct_of_115200_line": {k: round(100 * v / LINE_RATE, 1) for k, v in rates.items()},
           "framing_pct_of_115200_line": wire}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{board.name}: {n}-byte payload x {args.loads} (load average {out['load_avg_1m']})")
    for k, v in rates.items():
        print(f"  {k:10s} measured {v:9.0f} B/s")
    print("  on a real 115200-baud line (framing, stop-and-wait): " +
          ", ".join(f"{k} {v} %" for k, v in wire.items()))


if __name__ == "__main__":
    main()
