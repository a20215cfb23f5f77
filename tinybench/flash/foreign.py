"""Firmware images tinybench did not build: a vendor's ELF, Intel HEX or raw BIN (``run --firmware``).

Why checked here: a wrong image costs a flash cycle or a silent simulator, so what can be read
from the file is checked before any board time is spent: the format, for ELF the CPU
architecture and word size against the board's toolchain, and for ELF and HEX where the image
starts (its vector table) against the flash region of the board's port (``link.ld``), which is
what tells an image for another board with the same CPU apart. A foreign image is described by the
same ``FirmwareImage`` as our own builds (so every backend flashes or launches it unchanged), with
``origin`` facts the results record: its sha256 and file name.
"""

from __future__ import annotations

import platform
import re
import struct
from pathlib import Path

from tinybench import fsutil, paths
from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.flash.build import FirmwareImage

#: ELF e_machine values tinybench boards can run, by board toolchain.
_EM = {"arm-none-eabi-gcc": (40, "ARM (32-bit)"), "gcc-x86_64": (62, "x86-64"),
       "gcc-aarch64": (183, "AArch64")}
_EM_NAMES = {3: "x86 (32-bit)", 8: "MIPS", 20: "PowerPC", 40: "ARM (32-bit)", 62: "x86-64",
             183: "AArch64", 243: "RISC-V", 94: "Xtensa"}


def image_format(path: Path) -> str:
    """``elf``, ``hex`` or ``bin`` from the file's contents (extension only breaks ties)."""
    head = path.read_bytes()[:64]
    if head.startswith(b"\x7fELF"):
        return "elf"
    if head[:1] == b":" and all(c in b"0123456789abcdefABCDEF:\r\n" for c in head):
        return "hex"
    if path.suffix.lower() in (".elf", ".axf", ".out"):
        raise TinybenchError(f"{path} is named like an ELF file but has no ELF header",
                             "pass the linker's output (.elf/.axf) unmodified")
    if path.suffix.lower() in (".hex", ".ihex"):
        raise TinybenchError(f"{path} is named like Intel HEX but does not start with ':' records",
                             "pass the .hex file the vendor's tools produced")
    return "bin"


def _board_machine(board: Board) -> tuple[int, str]:
    if board.build.toolchain == "arm-none-eabi-gcc":
        return _EM["arm-none-eabi-gcc"]
    machine = platform.machine().lower()
    return _EM["gcc-aarch64"] if machine in ("aarch64", "arm64") else _EM["gcc-x86_64"]


def check_elf(path: Path, board: Board) -> None:
    """Refuse an ELF built for another CPU (or word size) than the board's."""
    head = path.read_bytes()[:20]
    if len(head) < 20:
        raise TinybenchError(f"{path} is truncated (no complete ELF header)", "rebuild or re-download it")
    ei_class = head[4]
    endian = "<" if head[5] == 1 else ">"
    e_machine = struct.unpack(endian + "H", head[18:20])[0]
    want, want_name = _board_machine(board)
    got_name = _EM_NAMES.get(e_machine, f"machine {e_machine}")
    if e_machine != want:
        raise TinybenchError(f"{path.name} is an ELF for {got_name}, but board '{board.name}' runs "
                             f"{want_name} code ({board.cpu})",
                             "pass the image built for this board, or choose the board it was built for")
    if board.is_cortex_m and ei_class != 1:
        raise TinybenchError(f"{path.name} is a 64-bit ELF; Cortex-M board '{board.name}' needs 32-bit code",
                             "pass the Cortex-M image")


_REGION = re.compile(r"^\s*(\w+)\s*\([^)]*\)\s*:\s*ORIGIN\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*,"
                     r"\s*LENGTH\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*([KM]?)", re.M)


def flash_region(board: Board) -> tuple[int, int, Path] | None:
    """(origin, length, linker script) of the FLASH region of the board's firmware port, or None
    for ports without one (the host build)."""
    script = paths.firmware_dir() / "ports" / board.build.port / "link.ld"
    if not script.is_file():
        return None
    for name, origin, length, unit in _REGION.findall(script.read_text(encoding="utf-8", errors="replace")):
        if name == "FLASH":
            return int(origin, 0), int(length, 0) * {"": 1, "K": 1024, "M": 1 << 20}[unit], script
    return None


def elf_load_start(path: Path) -> int | None:
    """Lowest physical (load) address of a 32-bit ELF's loaded bytes, or None for other ELFs."""
    data = path.read_bytes()
    if data[4] != 1 or len(data) < 52:
        return None
    endian = "<" if data[5] == 1 else ">"
    phoff, = struct.unpack_from(endian + "I", data, 28)
    phentsize, phnum = struct.unpack_from(endian + "HH", data, 42)
    starts = []
    for i in range(phnum):
        at = phoff + i * phentsize
        if at + 32 > len(data):
            raise TinybenchError(f"{path.name} is truncated (program header {i} is cut off)",
                                 "rebuild or re-download it")
        p_type, _off, _vaddr, paddr, filesz = struct.unpack_from(endian + "5I", data, at)
        if p_type == 1 and filesz > 0:      # PT_LOAD with bytes in the file
            starts.append(paddr)
    return min(starts) if starts else None


def check_start(path: Path, board: Board, start: int | None) -> None:
    """Refuse an image whose first loaded byte (its vector table on Cortex-M) lies outside the flash
    region of the board's port: it was linked for another board (another memory map)."""
    region = flash_region(board)
    if region is None or start is None:
        return
    origin, length, script = region
    if not origin <= start < origin + length:
        raise TinybenchError(
            f"{path.name} starts at 0x{start:08x}, outside the flash of board '{board.name}' "
            f"(0x{origin:08x}-0x{origin + length - 1:08x}, {script.parent.name}/{script.name}): "
            "it was linked for another board",
            f"pass the image built for {board.name} (its vector table at 0x{origin:08x}), "
            "or choose the board it was built for")


def hex_to_bin(path: Path) -> tuple[bytes, int]:
    """Intel HEX → (contiguous bytes, load address); gaps are filled with 0xFF (erased flash)."""
    chunks: dict[int, bytes] = {}
    upper = 0
    for number, line in enumerate(path.read_text(encoding="ascii", errors="replace").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            record = bytes.fromhex(line[1:])
        except ValueError as exc:
            raise TinybenchError(f"{path.name} line {number} is not an Intel HEX record",
                                 "pass an unmodified .hex file") from exc
        if not line.startswith(":") or len(record) < 5 or len(record) != record[0] + 5 \
                or sum(record) & 0xFF:
            raise TinybenchError(f"{path.name} line {number}: bad Intel HEX record (length or checksum)",
                                 "the file is corrupt; regenerate it")
        count, address, kind, data = record[0], (record[1] << 8) | record[2], record[3], record[4:4 + record[0]]
        if kind == 0:
            chunks[upper + address] = data
        elif kind == 1:
            break
        elif kind == 2:
            upper = int.from_bytes(data, "big") << 4
        elif kind == 4:
            upper = int.from_bytes(data, "big") << 16
        del count
    if not chunks:
        raise TinybenchError(f"{path.name} holds no data records", "pass the vendor's application image")
    start = min(chunks)
    end = max(a + len(d) for a, d in chunks.items())
    image = bytearray(b"\xff" * (end - start))
    for address, data in chunks.items():
        image[address - start:address - start + len(data)] = data
    return bytes(image), start


def foreign_image(board: Board, path: Path, model_id: str, *, energy: bool) -> FirmwareImage:
    """Describe (and check) a user-supplied image for ``board`` running workload ``model_id``.

    Simulated boards load ELF files or raw binaries; an Intel HEX file is converted to a binary
    (cached by content) when its data starts at address 0, where QEMU loads raw images.
    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise TinybenchError(f"firmware image {path} does not exist", "pass the path of an .elf, .hex or .bin")
    if path.stat().st_size == 0:
        raise TinybenchError(f"firmware image {path} is empty", "pass the vendor's built image")
    kind = image_format(path)
    sha = fsutil.sha256_file(path)
    runnable = path
    if kind == "elf":
        check_elf(path, board)
        if board.is_cortex_m:
            check_start(path, board, elf_load_start(path))
    elif board.kind == "host":
        raise TinybenchError(f"board 'host' runs a Linux executable; {path.name} is a raw {kind.upper()} image",
                             "pass the host build (an ELF executable)")
    elif kind == "hex":
        data, start = hex_to_bin(path)
        check_start(path, board, start)
    if kind == "hex" and board.kind != "physical":
        if start != 0:
            raise TinybenchError(f"{path.name} loads at 0x{start:08x}; simulated board '{board.name}' loads "
                                 "raw images at address 0", "pass the ELF file instead")
        runnable = paths.cache_dir() / "foreign" / f"{sha[:24]}.bin"
        if not runnable.is_file():
            fsutil.atomic_write_bytes(runnable, data)
    return FirmwareImage(
        path=runnable, board=board.name, port=board.build.port, model_id=model_id, energy=energy,
        key=f"foreign-{sha[:24]}", model_sha256="", arena_bytes=0, weight_bytes=0, db_bytes=0,
        cmd_max=80, image_sha256=sha, standard=True)
