"""Finding and loading board files: ``load_board("qemu-mps2-an386")`` or a path to a yaml file."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from tinybench import paths
from tinybench.boards.model import Board
from tinybench.errors import TinybenchError


def _board_files() -> list[Path]:
    return sorted(paths.boards_dir().glob("*.yaml"))


def _parse(path: Path) -> Board:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TinybenchError(f"cannot read board file {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise TinybenchError(f"board file {path} is not valid YAML: {exc}",
                             "fix the syntax at the position shown") from exc
    if not isinstance(raw, dict):
        raise TinybenchError(f"board file {path} must hold a mapping of fields, got {type(raw).__name__}")
    try:
        board = Board.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"field '{'.'.join(str(p) for p in err['loc']) or '<top>'}': {err['msg']}"
            for err in exc.errors()
        )
        raise TinybenchError(f"invalid board file {path}: {problems}",
                             "see boards/qemu-mps2-an386.yaml for a complete example") from exc
    return board.model_copy(update={"source": path})


def load_board(name_or_path: str | Path) -> Board:
    """Load a board by name (``boards/<name>.yaml``) or by the path of a yaml file."""
    text = str(name_or_path)
    candidate = Path(text)
    if text.endswith((".yaml", ".yml")) or candidate.is_file():
        if not candidate.is_file():
            raise TinybenchError(f"board file {candidate} does not exist")
        return _parse(candidate)
    path = paths.boards_dir() / f"{text}.yaml"
    if not path.is_file():
        known = ", ".join(p.stem for p in _board_files()) or "none"
        raise TinybenchError(f"unknown board '{text}'", f"known boards: {known}")
    return _parse(path)


def list_boards() -> list[Board]:
    """Every board in ``boards/``, sorted by name; an invalid file raises naming that file."""
    return [_parse(path) for path in _board_files()]
