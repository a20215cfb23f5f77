"""Does a compiled model fit a board? Checked before anything is built, flashed or launched.

Why estimates and not the linker: the linker's verdict comes after a full build and reads like
"region RAM overflowed by 41234 bytes"; this check names the model, the board and each budget.
The linker script still asserts the same limits, so an estimate that is too kind cannot produce
a broken image.
"""

from __future__ import annotations

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError

#: code of monitor + engine + port, measured with arm-none-eabi-size (-O2, M4) and rounded up
CODE_BYTES_ESTIMATE = 48 * 1024
#: monitor statics besides the db and command buffers (port state, SysTick, small tables)
STATIC_RAM_ESTIMATE = 1024


def ram_needed(board: Board, *, arena_bytes: int, db_bytes: int, cmd_bytes: int) -> int:
    return arena_bytes + db_bytes + cmd_bytes + STATIC_RAM_ESTIMATE + board.build.stack_bytes


def flash_needed(*, weight_bytes: int) -> int:
    return weight_bytes + CODE_BYTES_ESTIMATE


def check_fit(board: Board, model_id: str, *, arena_bytes: int, weight_bytes: int, db_bytes: int,
              cmd_bytes: int) -> None:
    """Raise ``TinybenchError`` when the model cannot fit ``board``'s RAM or flash."""
    ram = ram_needed(board, arena_bytes=arena_bytes, db_bytes=db_bytes, cmd_bytes=cmd_bytes)
    flash = flash_needed(weight_bytes=weight_bytes)
    problems = []
    if ram > board.ram_bytes:
        problems.append(
            f"RAM: needs {ram:,} B (arena {arena_bytes:,} + input buffer {db_bytes:,} + command "
            f"buffer {cmd_bytes:,} + stack {board.build.stack_bytes:,} + ~{STATIC_RAM_ESTIMATE:,}) "
            f"but the board has {board.ram_bytes:,} B")
    if flash > board.flash_bytes:
        problems.append(f"flash: needs ~{flash:,} B (weights {weight_bytes:,} + code "
                        f"~{CODE_BYTES_ESTIMATE:,}) but the board has {board.flash_bytes:,} B")
    if problems:
        raise TinybenchError(
            f"model '{model_id}' does not fit board '{board.name}': " + "; ".join(problems),
            "pick a board with more memory, or a smaller model")
