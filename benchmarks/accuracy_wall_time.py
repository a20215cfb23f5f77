"""Wall time of a 1000-input KWS accuracy run on the QEMU board (the full tinybench path: build,
launch, load every input, ``infer 1 0``, ``tb-raw`` agreement with TFLM, journal, results).

The 1000 inputs are generated (random int8 MFCC tensors, labels cycling over the classes) because
the official KWS set is not redistributed; wall time does not depend on the values.

    .venv/bin/python benchmarks/accuracy_wall_time.py [--board qemu-mps2-an386] [--files 1000] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from fixtures_run import cached_dataset   # the run area's data set generator (cached)

    from tinybench.run.session import RunRequest, start

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--board", default="qemu-mps2-an386")
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    dataset = cached_dataset("kws01", args.files)
    with tempfile.TemporaryDirectory(prefix="tb-bench-") as tmp:
        t0 = time.perf_counter()
        results, _ = start(RunRequest(board=args.board, workload="kws01", mode="accuracy",
                                      dataset=dataset, out=Path(tmp) / "run"))
        wall = time.perf_counter() - t0
    acc = results.accuracy
    out = {"board": args.board, "inputs": acc.inputs, "wall_s": round(wall, 1),
           "per_input_ms": round(1000 * wall / acc.inputs, 1),
           "tflm_bit_exact": f"{acc.agreement.bit_exact}/{acc.agreement.compared}" if acc.agreement else None}
    print(json.dumps(out, indent=2) if args.json else
          f"{args.board}: {acc.inputs}-input KWS accuracy run in {wall:.1f} s wall "
          f"({out['per_input_ms']} ms per input; TFLM bit-exact {out['tflm_bit_exact']})")


if __name__ == "__main__":
    main()
