"""Hostile-input-safe reading of results trees.

Why: results trees come from other labs (pull requests to a shared results repository), so every
read is bounded and checked before parsing: no symlinks are followed, nothing outside the root is
opened, files above a size limit are refused unread, text must be UTF-8 and JSON/CSV must parse.
Every problem names the file (and line, where there is one) so a submitter can fix it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024  # MLCommons' checker message says 50 MB


class InputProblem(Exception):
    """A file that cannot be trusted or parsed; ``line`` is 1-based when known."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        super().__init__(f"{path}{f':{line}' if line else ''}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass
class SafeTree:
    """A root directory that is only ever read through these checked helpers."""

    root: Path
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES

    def __post_init__(self) -> None:
        self.root = Path(os.path.abspath(self.root))
        # a root reached through a symbolic link is fine (symlinks *inside* stay refused)
        self.real_root = Path(os.path.realpath(self.root))

    def rel(self, path: Path) -> str:
        return Path(os.path.abspath(path)).relative_to(self.root).as_posix()

    def resolve_member(self, relpath: str) -> Path:
        """Map a relative path (e.g. from a manifest) to a file under root, refusing escapes."""
        pure = PurePosixPath(relpath)
        if pure.is_absolute() or ".." in pure.parts or "\\" in relpath or relpath.strip() == "":
            raise InputProblem(relpath, "path escapes the submission root (absolute or '..')")
        candidate = self.root.joinpath(*pure.parts)
        cur = self.root
        for part in pure.parts:
            cur = cur / part
            if cur.is_symlink():
                raise InputProblem(self.rel(cur), "is a symbolic link; symlinks are not allowed")
        real = Path(os.path.realpath(candidate))
        if real != self.real_root and self.real_root not in real.parents:
            raise InputProblem(relpath, "resolves outside the submission root")
        return candidate

    def walk(self) -> tuple[list[Path], list[InputProblem]]:
        """All regular files under root (sorted), plus problems: symlinks, specials, oversized."""
        files: list[Path] = []
        problems: list[InputProblem] = []
        stack = [self.root]
        while stack:
            directory = stack.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                problems.append(InputProblem(self.rel(Path(directory)), f"cannot list: {exc}"))
                continue
            if not entries and Path(directory) != self.root:
                problems.append(InputProblem(self.rel(Path(directory)), "empty folder"))
            for entry in entries:
                path = Path(entry.path)
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(info.st_mode):
                    problems.append(InputProblem(self.rel(path), "is a symbolic link; symlinks are "
                                                 "not allowed (copy the file instead)"))
                elif stat.S_ISDIR(info.st_mode):
                    if entry.name != ".git":  # a results repository checkout: git's own store
                        stack.append(path)
                elif not stat.S_ISREG(info.st_mode):
                    problems.append(InputProblem(self.rel(path), "is not a regular file"))
                elif info.st_size > self.max_file_bytes:
                    problems.append(InputProblem(
                        self.rel(path), f"is {info.st_size} bytes, above the limit of "
                        f"{self.max_file_bytes} bytes; it was not read"))
                else:
                    files.append(path)
        return sorted(files), problems

    def read_bytes(self, path: Path) -> bytes:
        rel = self.rel(path)
        self.resolve_member(rel)
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            raise InputProblem(rel, "is not a regular file")
        if info.st_size > self.max_file_bytes:
            raise InputProblem(rel, f"is {info.st_size} bytes, above the limit of "
                               f"{self.max_file_bytes} bytes")
        with open(path, "rb") as handle:
            data = handle.read(self.max_file_bytes + 1)
        if len(data) > self.max_file_bytes:
            raise InputProblem(rel, "grew above the size limit while being read")
        return data

    def read_text(self, path: Path) -> str:
        data = self.read_bytes(path)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputProblem(self.rel(path), f"is not valid UTF-8 (byte offset {exc.start})",
                               line) from None

    def read_json(self, path: Path) -> Any:
        text = self.read_text(path)
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputProblem(self.rel(path), f"malformed JSON: {exc.msg} (column {exc.colno})",
                               exc.lineno) from None
        except RecursionError:
            raise InputProblem(self.rel(path), "malformed JSON: nested too deeply") from None

    def read_csv(self, path: Path) -> list[list[str]]:
        """Rows of a CSV file; every row must have the same number of fields as the first."""
        text = self.read_text(path)
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        except csv.Error as exc:
            raise InputProblem(self.rel(path), f"malformed CSV: {exc}") from None
        width = len(rows[0]) if rows else 0
        for number, row in enumerate(rows, start=1):
            if row and len(row) != width:
                raise InputProblem(self.rel(path), f"malformed CSV: {len(row)} fields, the first "
                                   f"row has {width}", number)
        return rows
