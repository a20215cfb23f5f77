"""Compile a model and build firmware for a board: cached by content, safe under parallel workers.

Cache layout: ``<cache_dir>/firmware/<key>/`` holding ``model/`` (generated C), ``out/`` (image)
and ``image.json``. The key hashes everything that can change the image: the .tflite bytes, the
model id, the board's build section, the energy flag, every file under ``firmware/`` and the
compiler's Python sources. An ``fcntl`` lock per key makes concurrent pytest workers wait for one
build instead of racing; the finished directory appears by atomic rename, so a crash mid-build
never leaves a half image behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from tinybench import fsutil, paths
from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.flash.fit import check_fit, ram_needed

CMD_MAX = 1024
STANDARD_CMD_MAX = 80       # the reference monitor's command buffer (STANDARD=1 builds)
FIRMWARE_VERSION = "0.1.0"


@dataclass(frozen=True)
class FirmwareImage:
    """A built firmware image and the facts reports need about it."""

    path: Path              # firmware.elf (Cortex-M) or firmware (host executable)
    board: str
    port: str
    model_id: str
    energy: bool
    key: str                # content hash (cache directory name)
    model_sha256: str
    arena_bytes: int
    weight_bytes: int
    db_bytes: int           # input buffer = raw bytes of one model input on the wire
    cmd_max: int
    image_sha256: str
    standard: bool = False  # built with STANDARD=1: no tb- extensions (behaves like vendor firmware)

    @property
    def is_elf(self) -> bool:
        return self.path.suffix == ".elf"

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> FirmwareImage:
        values = dict(data)
        values["path"] = Path(str(values["path"]))
        return cls(**values)  # type: ignore[arg-type]


def raw_input_bytes(model_id: str, input_elements: int) -> int:
    """Bytes of one input on the wire: float32 windows for AD, one byte per element otherwise."""
    return input_elements * 4 if model_id.startswith("ad") else input_elements


def input_buffer_bytes(board: Board, model_id: str, input_elements: int, arena_bytes: int) -> int:
    """Bytes of the firmware's input buffer (``DB_MAX``, advertised as ``dbmax``).

    One input, except for sliding-window workloads (AD) on boards with RAM to spare: there the
    buffer holds a whole official file (102,400 B), so one load and one ``tb-slide`` run all of a
    file's windows (docs/architecture.md, "Protocol extensions"). At most half the board's RAM goes
    to it; boards that cannot spare it keep one window and get one exchange per window."""
    raw = raw_input_bytes(model_id, input_elements)
    try:
        from tinybench.workloads import load_workload

        workload = load_workload(model_id)
    except Exception:  # a custom model id: no workload definition, one input per load
        return raw
    if not workload.windowed or workload.input.bytes != raw:
        return raw
    whole = workload.dataset.file_bytes
    need = ram_needed(board, arena_bytes=arena_bytes, db_bytes=whole, cmd_bytes=CMD_MAX)
    return whole if need <= board.ram_bytes // 2 else raw


def _tree_digest(digest: hashlib._Hash, root: Path, patterns: tuple[str, ...]) -> None:
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())


def _key(parts: dict[str, object], model_dir: Path | None, tflite: Path | None) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode())
    _tree_digest(digest, paths.firmware_dir(), ("Makefile", "monitor/*", "engine/*", "ports/*.h",
                                                "ports/*/*"))
    if tflite is not None:
        digest.update(tflite.read_bytes())
        _tree_digest(digest, paths.PACKAGE_DIR / "compiler", ("**/*.py",))
    if model_dir is not None:
        _tree_digest(digest, model_dir, ("*.c", "*.h"))
    return digest.hexdigest()[:24]


def _cached(final: Path, board: Board | None = None) -> FirmwareImage | None:
    """The cached image in ``final``, or None (also when the file no longer has the hash recorded
    at build time); with ``board``, re-check that it fits that board.

    Why re-check: the fit check must not depend on whether an image happens to be cached (a board
    too small for the model once ran anyway because a same-port image was already built).
    """
    meta = final / "image.json"
    if not meta.is_file():
        return None
    image = FirmwareImage.from_json(json.loads(meta.read_text()))
    if not image.path.is_file():
        return None
    if fsutil.sha256_file(image.path) != image.image_sha256:
        # damaged after it was built (disk trouble, a hand edit, an interrupted copy): a benchmark
        # of it would be recorded under the good image's hash, so it is rebuilt instead
        return None
    if board is not None:
        check_fit(board, image.model_id, arena_bytes=image.arena_bytes, weight_bytes=image.weight_bytes,
                  db_bytes=image.db_bytes, cmd_bytes=image.cmd_max)
    return image


def _board_parts(board: Board) -> dict[str, object]:
    """What of the board goes into the cache key: its build section and its memory budgets."""
    parts: dict[str, object] = {"build": board.build.model_dump(exclude={"opt"}),
                                "flash_bytes": board.flash_bytes, "ram_bytes": board.ram_bytes}
    if board.build.opt != "-O2":
        parts["opt"] = board.build.opt    # absent at the default: existing cache keys stay valid
    return parts


def _link_parts(board: Board, energy: bool) -> dict[str, object]:
    """The UART rate compiled into the image (physical boards' ports use it)."""
    return {"baud": board.baud_for("energy" if energy else "performance")}


def check_port(board: Board) -> None:
    """The board's port must exist in firmware/ports before anything is compiled."""
    port_dir = paths.firmware_dir() / "ports" / board.build.port
    if not (port_dir / "port.mk").is_file():
        known = sorted(p.parent.name for p in (paths.firmware_dir() / "ports").glob("*/port.mk"))
        raise TinybenchError(f"board '{board.name}' needs firmware port '{board.build.port}', which does "
                             f"not exist (no {port_dir}/port.mk)",
                             f"ports available: {', '.join(known)}; write the port or pick another board")


def _make(board: Board, model_dir: Path, out_dir: Path, *, energy: bool, db_bytes: int,
          standard: bool = False, build_id: str = "unknown") -> Path:
    tool = "gcc" if board.build.toolchain == "gcc" else "arm-none-eabi-gcc"
    if shutil.which(tool) is None:
        raise TinybenchError(f"the {tool} compiler is not installed (needed for board '{board.name}')",
                             "run ./quickstart.sh --setup or apt-get install the toolchain")
    argv = ["nice", "make", "-s", "-C", str(paths.firmware_dir()), f"BOARD={board.build.port}",
            f"MODEL_DIR={model_dir}", f"OUT={out_dir}", f"ENERGY={1 if energy else 0}",
            f"CMD_MAX={CMD_MAX}", f"DB_MAX={db_bytes}", f"FW_VERSION={FIRMWARE_VERSION}",
            f"STANDARD={1 if standard else 0}", f"OPT={board.build.opt}",
            f"BAUD={board.baud_for('energy' if energy else 'performance')}", f"BUILD_ID={build_id}"]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip()[-3000:]
        raise TinybenchError(f"firmware build failed for board '{board.name}':\n{tail}",
                             f"reproduce with: {' '.join(argv[1:])}")
    name = "firmware" if board.build.toolchain == "gcc" else "firmware.elf"
    return out_dir / name


def build_from_model_dir(board: Board, model_dir: Path, *, model_id: str, arena_bytes: int,
                         weight_bytes: int, input_elements: int, model_sha256: str = "",
                         energy: bool = False) -> FirmwareImage:
    """Build firmware around already generated model C (``model_dir/model.c``), cached.

    ``build_firmware`` is the normal entry; this one serves callers that hold generated C already.
    """
    check_port(board)
    model_dir = Path(model_dir).resolve()
    db_bytes = raw_input_bytes(model_id, input_elements)
    check_fit(board, model_id, arena_bytes=arena_bytes, weight_bytes=weight_bytes, db_bytes=db_bytes,
              cmd_bytes=CMD_MAX)
    key = _key({**_board_parts(board), **_link_parts(board, energy), "energy": energy,
                "model_id": model_id, "db": db_bytes},
               model_dir, None)
    return _build_cached(board, key, energy=energy, model_id=model_id, db_bytes=db_bytes,
                         model_sha256=model_sha256, arena_bytes=arena_bytes,
                         weight_bytes=weight_bytes, generate=lambda dest: shutil.copytree(model_dir, dest))


def build_firmware(board: Board, model: Path, model_id: str, *, energy: bool = False,
                   standard: bool = False) -> FirmwareImage:
    """Compile ``model`` (.tflite) for ``board``, check it fits, build the image (cached).

    ``standard``: compile the ``tb-`` extensions out (``make STANDARD=1``), giving an image that
    speaks only the standard protocol, as vendor firmware does.
    """
    check_port(board)
    model = Path(model)
    if not model.is_file():
        raise TinybenchError(f"model file {model} does not exist", "pass the path of a .tflite file")
    if model.stat().st_size == 0:
        raise TinybenchError(f"model file {model} is empty", "re-download or re-export the .tflite")
    from tinybench.compiler import analyze_model, compile_model

    parts: dict[str, object] = {**_board_parts(board), **_link_parts(board, energy), "energy": energy,
                                "model_id": model_id}
    if standard:
        parts["standard"] = True          # absent otherwise: existing cache keys stay valid
    key = _key(parts, None, model)
    final = paths.cache_dir() / "firmware" / key
    hit = _cached(final, board)
    if hit is not None:
        return hit
    # Analyse first (no files written): a corrupt model or one too large for the board stops here,
    # before any C is generated or make runs.
    facts = _compiled_facts(analyze_model(model, model_id))
    db_bytes = (raw_input_bytes(model_id, facts["input_elements"]) if standard or energy else
                input_buffer_bytes(board, model_id, facts["input_elements"], facts["arena_bytes"]))
    check_fit(board, model_id, arena_bytes=facts["arena_bytes"], weight_bytes=facts["weight_bytes"],
              db_bytes=db_bytes, cmd_bytes=CMD_MAX)
    return _build_cached(board, key, energy=energy, model_id=model_id, db_bytes=db_bytes,
                         model_sha256=fsutil.sha256_file(model), arena_bytes=facts["arena_bytes"],
                         weight_bytes=facts["weight_bytes"], standard=standard,
                         generate=lambda dest: compile_model(model, dest, model_id))


def _compiled_facts(compiled: object) -> dict[str, int]:
    facts: dict[str, int] = {}
    tensor = getattr(compiled, "input", None)
    values = {"arena_bytes": getattr(compiled, "arena_bytes", None),
              "weight_bytes": getattr(compiled, "weight_bytes", None),
              "input_elements": getattr(tensor, "elements", None)}
    for name, value in values.items():
        if value is None:
            raise TinybenchError(f"the compiler's result lacks '{name}' (firmware build cannot size the board)",
                                 "update tinybench.compiler and tinybench.flash together")
        facts[name] = int(value)  # type: ignore[call-overload]
    return facts


def _build_cached(board: Board, key: str, *, energy: bool, model_id: str, db_bytes: int,
                  model_sha256: str, arena_bytes: int, weight_bytes: int,
                  generate: Callable[[Path], object], standard: bool = False) -> FirmwareImage:
    """Under the key's lock: reuse the cached image, or generate the model C into a scratch
    directory, run make, and rename the finished directory into place."""
    root = paths.cache_dir() / "firmware"
    final = root / key
    with fsutil.exclusive_lock(root / f"{key}.lock"):
        hit = _cached(final, board)
        if hit is not None:
            return hit
        with _publish(root, key, final) as work:
            generate(work / "model")
            built = _make(board, work / "model", work / "out", energy=energy, db_bytes=db_bytes,
                          standard=standard, build_id=key)
            image = FirmwareImage(
                path=final / "out" / built.name, board=board.name, port=board.build.port,
                model_id=model_id, energy=energy, key=key, model_sha256=model_sha256,
                arena_bytes=arena_bytes, weight_bytes=weight_bytes, db_bytes=db_bytes,
                cmd_max=STANDARD_CMD_MAX if standard else CMD_MAX,
                image_sha256=fsutil.sha256_file(built), standard=standard)
            fsutil.atomic_write_json(work / "image.json", image.to_json())
    return image


@contextlib.contextmanager
def _publish(root: Path, key: str, final: Path) -> Iterator[Path]:
    """A scratch directory beside cache entry ``final``: when the block succeeds it replaces
    ``final`` whole (a reader never sees half a build), on any error or Ctrl-C it is removed."""
    work = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
    try:
        yield work
        if final.exists():
            shutil.rmtree(final)
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def build_interface_firmware(port: str, baud: int, *, pace: bool = False) -> Path:
    """Build the interface-board firmware (firmware/interface) for ``port``, relaying to the DUT at
    ``baud``; ``pace``: simulator builds spend one character time per byte sent to the DUT.
    Cached like DUT images (key: port, baud, pace and the firmware sources); returns the image.
    Which ports can build it: firmware/interface/Makefile (make's own error names them)."""
    digest = hashlib.sha256(json.dumps({"app": "interface", "port": port, "baud": baud,
                                        "pace": pace}, sort_keys=True).encode())
    _tree_digest(digest, paths.firmware_dir(), ("interface/*", "ports/*.h", "ports/cortex-m/*",
                                                f"ports/{port}/*"))
    key = "iface-" + digest.hexdigest()[:24]
    root = paths.cache_dir() / "firmware"
    final = root / key
    with fsutil.exclusive_lock(root / f"{key}.lock"):
        built = [final / n for n in ("firmware.elf", "firmware") if (final / n).is_file()]
        if built:
            return built[0]
        with _publish(root, key, final) as work:
            argv = ["nice", "make", "-s", "-C", str(paths.firmware_dir()), "-f", "interface/Makefile",
                    f"BOARD={port}", f"OUT={work}", f"BAUD={baud}", f"PACE={1 if pace else 0}"]
            result = subprocess.run(argv, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                tail = (result.stderr or result.stdout).strip()[-3000:]
                missing = re.search(r"port '[^']+' has no interface-board firmware \(ports with one: [^)]*\)", tail)
                if missing:
                    raise TinybenchError(missing.group(0), "flash it onto a physical board (or its Renode "
                                         "twin) whose build.port is one of those (the host and "
                                         "qemu-mps2-an386 builds serve simulated benches); a new port "
                                         "is a chip file in firmware/interface (docs/bench.md, \"our "
                                         "interface-board firmware\")")
                raise TinybenchError(f"interface firmware build failed for port '{port}':\n{tail}",
                                     f"reproduce with: {' '.join(argv[1:])}")
            name = "firmware.elf" if (work / "firmware.elf").is_file() else "firmware"
    return final / name
