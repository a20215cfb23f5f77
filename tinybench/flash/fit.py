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


def _size_tool(cortex_m: bool) -> str:
    """The ``size`` that reads the image's architecture: Arm's for Cortex-M, the host's otherwise."""
    import shutil

    tool = "arm-none-eabi-size" if cortex_m else "size"
    path = shutil.which(tool)
    if path is None:
        raise TinybenchError(f"{tool} is not installed (needed to read the image's sizes)",
                             "apt-get install binutils-arm-none-eabi" if cortex_m else "apt-get install binutils")
    return path


def elf_sizes(elf: Path, *, cortex_m: bool = True) -> tuple[int, int]:
    """(flash, static RAM) bytes of an ELF: text + data, data + bss (Berkeley ``size`` output)."""
    import subprocess

    result = subprocess.run([_size_tool(cortex_m), str(elf)], capture_output=True, text=True, check=False)
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) < 2:
        raise TinybenchError(f"{elf} is not an ELF image the size tool can read: "
                             f"{(result.stderr or result.stdout).strip()[-300:]}",
                             "flash an .elf built for this board")
    text, data, bss = (int(x) for x in lines[1].split()[:3])
    return text + data, data + bss


def section_sizes(elf: Path, *, cortex_m: bool = True) -> dict[str, int]:
    """Bytes per allocated section (``size -A``), e.g. ``{".text": …, ".bss": …}``; for footprint reports."""
    import subprocess

    out = subprocess.run([_size_tool(cortex_m), "-A", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    sizes: dict[str, int] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def check_elf_fits(board: Board, elf: Path) -> tuple[int, int]:
    """Before flashing any ELF (ours, cached, or a vendor's): its flash (text + data) and static RAM
    (data + bss) from the board's ``size`` tool must fit the board. Returns (flash, ram) bytes."""
    flash, ram = elf_sizes(elf, cortex_m=board.is_cortex_m)
    problems = []
    if flash > board.flash_bytes:
        problems.append(f"flash: {flash:,} B (text + data) but the board has {board.flash_bytes:,} B")
    if ram > board.ram_bytes:
        problems.append(f"RAM: {ram:,} B (data + bss) but the board has {board.ram_bytes:,} B")
    if problems:
        raise TinybenchError(f"image {elf} does not fit board '{board.name}': " + "; ".join(problems),
                             "build it for this board, or pick a board with more memory")
    return flash, ram
