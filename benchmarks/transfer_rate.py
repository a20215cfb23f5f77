"""Host→DUT input transfer rate of the DUT protocol on a simulated board.

Measures payload bytes per second of ``db load`` + ``db <hex>`` with (a) the stock protocol's
31-byte chunks, as MLPerf Tiny hosts send them, and (b) the chunk size negotiated through the
tinybench ``tb-caps`` extension, and states each as a percentage of a 115200-baud 8N1 line's raw
rate (11,520 B/s). Note: QEMU's emulated UART behind a TCP socket is not paced at 115200 baud, so
the figure measures protocol + firmware overhead, not the wire.

    .venv/bin/python benchmarks/transfer_rate.py [--board qemu-mps2-an386] [--workload ic01] [--loads 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import time

LINE_RATE = 115200 / 10          # bytes/s of a 115200-baud 8N1 line


def measure(client, payload: bytes, loads: int) -> float:  # noqa: ANN001
    start = time.perf_counter()
    for _ in range(loads):
        client.load(payload)
    return len(payload) * loads / (time.perf_counter() - start)


def main() -> None:
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware, deploy
    from tinybench.protocol import connect
    from tinybench.run.session import _model_file
    from tinybench.workloads import load_workload

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--board", default="qemu-mps2-an386")
    ap.add_argument("--workload", default="ic01", help="its input size is the payload (ic01: 3072 B)")
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    board, workload = load_board(args.board), load_workload(args.workload)
    image = build_firmware(board, _model_file(workload), workload.id)
    payload = bytes((i * 131 + 7) % 256 for i in range(workload.input.bytes))
    with deploy(board, image) as link, connect(link.url, link.baud, timeout=10.0) as client:
        stock = measure(client, payload, args.loads)            # no tb-caps yet: 31-byte chunks
        caps = client.caps()
        negotiated = measure(client, payload, args.loads)
    out = {"board": board.name, "payload_bytes": len(payload), "loads": args.loads,
           "stock_31_byte_chunks_Bps": round(stock, 1),
           "stock_pct_of_115200_line": round(100 * stock / LINE_RATE, 1),
           "negotiated_chunk_bytes": caps.chunk_bytes,
           "negotiated_Bps": round(negotiated, 1),
           "negotiated_pct_of_115200_line": round(100 * negotiated / LINE_RATE, 1)}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{board.name}: {len(payload)}-byte payload x {args.loads}")
        print(f"  stock hex protocol, 31-byte chunks: {stock:8.0f} B/s = {out['stock_pct_of_115200_line']:5.1f} % "
              f"of a 115200-baud line (11,520 B/s)")
        print(f"  negotiated {caps.chunk_bytes}-byte chunks:     {negotiated:8.0f} B/s = "
              f"{out['negotiated_pct_of_115200_line']:5.1f} %")


if __name__ == "__main__":
    main()
