"""Static activation-arena planning by tensor lifetimes.

Why: the engine has no allocator, so every activation tensor gets a fixed offset in one arena.
Tensors whose lifetimes do not overlap share memory (greedy first-fit, largest first, as TFLM's
GreedyMemoryPlanner does). Two aliasing rules make it smaller still:
- RESHAPE never copies: its output is the same buffer as its input.
- ADD writes in place over an input whose last reader is that ADD (element i is read before it
  is written, so this is safe).
The graph input is kept intact for the whole invoke, so a monitor can run ``infer N`` on one
loaded input without reloading it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinybench.compiler.lower import LoweredOp

ALIGN = 4


@dataclass
class Buffer:
    tensors: list[int]
    size: int
    first: int      # op position that writes it (-1: graph input)
    last: int       # last op position that reads it (n_ops: must survive invoke)
    offset: int = 0


def plan_arena(ops: list[LoweredOp], sizes: dict[int, int], graph_input: int,
               graph_output: int) -> tuple[dict[int, int], int]:
    """Return ({tensor index: arena offset}, arena size in bytes)."""
    n = len(ops)
    parent: dict[int, int] = {}

    def find(t: int) -> int:
        while parent.get(t, t) != t:
            t = parent[t]
        return t

    first: dict[int, int] = {graph_input: -1}
    last: dict[int, int] = {graph_input: n, graph_output: n}
    for pos, op in enumerate(ops):
        first.setdefault(op.output, pos)
        for t in op.inputs:
            last[t] = max(last.get(t, pos), pos)
        last.setdefault(op.output, pos)

    def group_last(root: int) -> int:
        return max(last[t] for t in last if find(t) == root)

    for pos, op in enumerate(ops):
        if op.kind == "RESHAPE":
            parent[find(op.output)] = find(op.inputs[0])
        elif op.kind == "ADD":
            for t in op.inputs:
                root = find(t)
                if (root != find(graph_input) and group_last(root) == pos
                        and sizes[t] == sizes[op.output]):
                    parent[find(op.output)] = root
                    break

    buffers: dict[int, Buffer] = {}
    for t in first:
        root = find(t)
        buf = buffers.get(root)
        if buf is None:
            buffers[root] = Buffer([t], sizes[t], first[t], last[t])
        else:
            buf.tensors.append(t)
            buf.size = max(buf.size, sizes[t])
            buf.first = min(buf.first, first[t])
            buf.last = max(buf.last, last[t])

    placed: list[Buffer] = []
    for buf in sorted(buffers.values(), key=lambda b: (-b.size, b.first)):
        live = sorted((p for p in placed if p.first <= buf.last and buf.first <= p.last),
                      key=lambda p: p.offset)
        offset = 0
        for p in live:
            if offset + buf.size <= p.offset:
                break
            offset = max(offset, _align(p.offset + p.size))
        buf.offset = offset
        placed.append(buf)
    offsets = {t: b.offset for b in placed for t in b.tensors}
    arena = max((_align(b.offset + b.size) for b in placed), default=0)
    return offsets, arena


def _align(x: int) -> int:
    return (x + ALIGN - 1) // ALIGN * ALIGN
