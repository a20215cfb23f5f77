"""Does a compiled model fit a board? Checked before anything is built, flashed or launched.

Why estimates and not the linker: the linker's verdict comes after a full build and reads like
"region RAM overflowed by 41234 bytes"; this check names the model, the board and each budget.
The linker script still asserts the same limits, so an estimate that is too kind cannot produce
a broken image.
"""

from __future__ import annotations

from pathlib import Path

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


def check_elf_fits(board: Board, elf: Path) -> tuple[int, int]:
    """Before flashing any ELF (ours, cached, or a vendor's): its flash (text + data) and static RAM
    (data + bss) from the board's ``size`` tool must fit the board. Returns (flash, ram) bytes."""
    import shutil
    import subprocess

    # The size tool must read the board's architecture: Arm's for Cortex-M, the host's otherwise.
    tool = "arm-none-eabi-size" if board.is_cortex_m else "size"
    size = shutil.which(tool)
    if size is None:
        raise TinybenchError(f"{tool} is not installed (needed to check the image fits)",
                             "apt-get install binutils-arm-none-eabi" if board.is_cortex_m
                             else "apt-get install binutils")
    result = subprocess.run([size, str(elf)], capture_output=True, text=True, check=False)
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) < 2:
        raise TinybenchError(f"{elf} is not an ELF image the size tool can read: "
                             f"{(result.stderr or result.stdout).strip()[-300:]}",
                             "flash an .elf built for this board")
    text, data, bss = (int(x) for x in lines[1].split()[:3])
    flash, ram = text + data, data + bss
    problems = []
    if flash > board.flash_bytes:
        problems.append(f"flash: {flash:,} B (text + data) but the board has {board.flash_bytes:,} B")
    if ram > board.ram_bytes:
        problems.append(f"RAM: {ram:,} B (data + bss) but the board has {board.ram_bytes:,} B")
    if problems:
        raise TinybenchError(f"image {elf} does not fit board '{board.name}': " + "; ".join(problems),
                             "build it for this board, or pick a board with more memory")
    return flash, ram
