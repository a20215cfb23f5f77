"""A minimal, bounds-checked FlatBuffers table reader.

Why our own: the compiler must read ``.tflite`` files without TensorFlow or tflite-micro at run
time, and a corrupt or truncated file must become a clear ``ModelError`` rather than an
``IndexError`` deep inside generated accessors. Only what the TFLite schema subset needs is
implemented: tables, scalars, strings, vectors of scalars / tables, and union members.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from tinybench.compiler.errors import ModelError


class FlatBuffer:
    """The raw bytes plus checked primitive reads; every read names the field it was for."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.what = what

    def _need(self, pos: int, size: int, field: str) -> None:
        if pos < 0 or pos + size > len(self.data):
            raise ModelError(
                f"{self.what}: truncated or corrupt flatbuffer (field {field!r} at byte {pos} "
                f"needs {size} bytes, file has {len(self.data)})",
                "re-export the model; the file is not a complete .tflite flatbuffer",
            )

    def unpack(self, fmt: str, pos: int, field: str) -> int | float:
        size = struct.calcsize(fmt)
        self._need(pos, size, field)
        return struct.unpack_from("<" + fmt, self.data, pos)[0]

    def root(self) -> "Table":
        return Table(self, int(self.unpack("I", 0, "root offset")), "root")


@dataclass(frozen=True)
class Table:
    """One flatbuffer table: ``pos`` is the table start, the vtable is found through it."""

    buf: FlatBuffer
    pos: int
    name: str

    def _field_pos(self, index: int) -> int | None:
        buf = self.buf
        vtable = self.pos - int(buf.unpack("i", self.pos, f"{self.name}.vtable"))
        vt_size = int(buf.unpack("H", vtable, f"{self.name}.vtable size"))
        if vt_size < 4 or vt_size % 2:
            raise ModelError(f"{buf.what}: corrupt flatbuffer vtable for {self.name}",
                             "re-export the model")
        slot = 4 + 2 * index
        if slot + 2 > vt_size:
            return None
        off = int(buf.unpack("H", vtable + slot, f"{self.name}.field{index}"))
        return self.pos + off if off else None

    def has(self, index: int) -> bool:
        return self._field_pos(index) is not None

    def scalar(self, index: int, fmt: str, default: int | float = 0) -> int | float:
        pos = self._field_pos(index)
        return default if pos is None else self.buf.unpack(fmt, pos, f"{self.name}.field{index}")

    def _indirect(self, index: int) -> int | None:
        pos = self._field_pos(index)
        if pos is None:
            return None
        return pos + int(self.buf.unpack("I", pos, f"{self.name}.field{index} offset"))

    def table(self, index: int, name: str) -> "Table | None":
        target = self._indirect(index)
        return None if target is None else Table(self.buf, target, name)

    def string(self, index: int) -> str:
        target = self._indirect(index)
        if target is None:
            return ""
        n = int(self.buf.unpack("I", target, f"{self.name}.string length"))
        self.buf._need(target + 4, n, f"{self.name}.string")
        return self.buf.data[target + 4 : target + 4 + n].decode("utf-8", "replace")

    def _vector(self, index: int, elem: int) -> tuple[int, int]:
        target = self._indirect(index)
        if target is None:
            return 0, 0
        n = int(self.buf.unpack("I", target, f"{self.name}.vector length"))
        self.buf._need(target + 4, n * elem, f"{self.name}.field{index} vector")
        return target + 4, n

    def vector(self, index: int, fmt: str) -> list:
        elem = struct.calcsize(fmt)
        start, n = self._vector(index, elem)
        if n == 0:
            return []
        return list(struct.unpack_from(f"<{n}{fmt}", self.buf.data, start))

    def bytes_vector(self, index: int) -> bytes:
        start, n = self._vector(index, 1)
        return self.buf.data[start : start + n]

    def tables(self, index: int, name: str) -> list["Table"]:
        start, n = self._vector(index, 4)
        out = []
        for i in range(n):
            slot = start + 4 * i
            out.append(Table(self.buf, slot + int(self.buf.unpack("I", slot, name)), f"{name}[{i}]"))
        return out
