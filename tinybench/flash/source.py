"""Where a run's DUT comes from: our firmware built for the model, a vendor's image, or a board
that is already programmed.

Why one object: ``run`` (performance, accuracy), the energy mode and ``suite`` all need the same
three answers — which image (built, foreign or none), how to reach the board (the board kind's
deploy backend, or the URL backend for ``--no-flash``) and what identity the results record — and
each of these must be validated before any build or board time is spent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tinybench.boards.model import Board
from tinybench.errors import TinybenchError
from tinybench.flash.build import FirmwareImage
from tinybench.results.schema import DutFacts, Origin

#: How our firmware names itself: ``name%`` → ``m-name-dut-[tinybench-<port>]`` (every port's
#: ``tb_port_vendor``), ``tb-info`` → ``firmware=tinybench-<version>``.
OURS = "tinybench-"


@dataclass(frozen=True)
class DutSource:
    """``firmware``: a foreign image to flash/launch (``--firmware``); ``no_flash``: talk to the DUT
    as it is (``--no-flash``) at ``port`` (default: the board's ``serial.url``), its energy edge
    channel at ``edge`` (simulated DUTs); ``baud`` overrides the board's baud for the mode;
    ``standard``: build our firmware standard-only (no ``tb-`` extensions); ``vendor``: the text the
    DUT must answer in ``m-name-dut-[...]``; ``model``: compile this .tflite instead of the
    official model, after checking it fits the workload's interface (results: open division);
    ``place``/``coordinator``: the board sits in this labgrid place (``tinybench.flash.places``),
    acquired for the run and always released."""

    firmware: Path | None = None
    no_flash: bool = False
    port: str | None = None
    edge: str | None = None
    baud: int | None = None
    standard: bool = False
    vendor: str | None = None
    model: Path | None = None          # a custom .tflite for the workload (open division)
    place: str | None = None           # labgrid place (run --place)
    coordinator: str | None = None     # labgrid coordinator HOST:PORT (run --coordinator)

    @property
    def origin(self) -> Origin:
        """Who made the firmware, as far as it is known before the DUT answers: a DUT reached as it
        was (``--no-flash``) is ``unidentified`` until ``reached_identity`` hears it."""
        if self.no_flash:
            return "unidentified"
        return "vendor" if self.firmware is not None else "tinybench"

    @property
    def division(self) -> str:
        return "open" if self.model is not None else "closed"

    def model_for(self, official: Path | None) -> Path | None:
        return Path(self.model).expanduser().resolve() if self.model is not None else official

    def at_place(self, board: Board) -> Board:
        """``board`` with the labgrid place of ``--place`` (if any) as its ``labgrid:`` section."""
        if self.place is None:
            return board
        from tinybench.boards.model import LabgridConfig

        coordinator = self.coordinator or (board.labgrid.coordinator if board.labgrid else None)
        own = board.labgrid or LabgridConfig(place=self.place)     # the yaml's power settings stay
        return board.model_copy(update={"labgrid": own.model_copy(
            update={"place": self.place, "coordinator": coordinator})})

    def wired(self, board: Board) -> Board:
        """``board`` as the run reaches it, before anything is built: ``at_place``, with the bauds
        the place's wiring imposes (an energy bench place: every mode at the energy baud, see
        ``tinybench.flash.backends.labgrid.wire``)."""
        placed = self.at_place(board)
        if placed.labgrid is None:
            return board
        from tinybench.flash.backends.labgrid import wire

        return wire(placed)

    def check(self, board: Board) -> None:
        """Refuse contradictory options before anything is built or flashed."""
        if self.coordinator is not None and self.place is None and board.labgrid is None:
            raise TinybenchError("--coordinator is for labgrid places", "add --place NAME")
        placed = self.at_place(board)
        if placed.labgrid is not None:
            if self.port is not None:
                raise TinybenchError(f"--port and the labgrid place '{placed.labgrid.place}' both name the DUT's link",
                                     "drop --port: the place's serial port is the link")
            if not self.no_flash:
                from tinybench.flash.backends.labgrid import check_flashable

                check_flashable(placed, placed.labgrid.place)
        if self.model is not None and (self.firmware is not None or self.no_flash):
            raise TinybenchError("--model compiles tinybench firmware for your model; it cannot be "
                                 "combined with --firmware or --no-flash",
                                 "drop --model (a vendor image carries its own model)")
        if self.firmware is not None and self.no_flash:
            raise TinybenchError("--firmware and --no-flash exclude each other",
                                 "--firmware IMAGE flashes IMAGE; --no-flash talks to what is already on the board")
        if self.edge is not None and not self.no_flash:
            raise TinybenchError("--edge is only for --no-flash (a simulated DUT someone else started)",
                                 "drop --edge; tinybench connects launched simulators itself")
        if self.port is not None and not self.no_flash and board.kind != "physical":
            raise TinybenchError(f"--port is for --no-flash or physical boards; '{board.name}' is launched by tinybench",
                                 "drop --port, or add --no-flash to use a DUT already running at that URL")
        if self.baud is not None and self.baud <= 0:
            raise TinybenchError(f"--baud must be positive (got {self.baud})")
        if (self.no_flash and self.port is None and placed.labgrid is None and board.relay_url is None
                and (board.serial is None or board.serial.url is None)):
            raise TinybenchError(f"--no-flash needs --port: board '{board.name}' has no fixed serial.url",
                                 "pass --port /dev/ttyACM0 or socket://127.0.0.1:<port>")

    def image(self, board: Board, model: Path | None, model_id: str, *, energy: bool) -> FirmwareImage | None:
        """The image to put on the board: built from ``model``, the foreign file, or None (``--no-flash``)."""
        if self.no_flash:
            return None
        if self.firmware is not None:
            from tinybench.flash.foreign import foreign_image

            return foreign_image(board, self.firmware, model_id, energy=energy)
        from tinybench.flash import build_firmware

        if self.model is not None:
            from tinybench.workloads import load_workload
            from tinybench.workloads.custom_model import check_interface

            model = self.model_for(None)
            check_interface(model, load_workload(model_id))   # type: ignore[arg-type]
        if model is None:
            raise TinybenchError("no model to build firmware from")
        return build_firmware(board, model, model_id, energy=energy, standard=self.standard)

    def firmware_file(self, image: FirmwareImage | None) -> Path | None:
        """The file whose sha256 identifies the firmware (the user's file, not a converted copy)."""
        if self.firmware is not None:
            return Path(self.firmware).expanduser().resolve()
        return image.path if image is not None else None

    @contextmanager
    def reach(self, board: Board, image: FirmwareImage | None, mode: str) -> Iterator[Any]:
        """Flash/launch ``image`` with the board's backend (or reach it at its URL); yields a ``DutLink``
        whose ``baud`` is the board's baud for ``mode`` (boards may use one baud per mode)."""
        from tinybench.boards.model import BaudConfig

        baud = self.baud or board.baud_for(mode)  # type: ignore[arg-type]
        board = self.at_place(board).for_mode(mode)   # interface board: only if this mode uses it
        # Every hop (the backend's name% handshake after a flash, then the run) talks at this baud.
        at = board.model_copy(update={"baud": BaudConfig(performance=baud, accuracy=baud, energy=baud)})
        if at.labgrid is not None:     # the place's ports are chosen by mode (interface board: energy)
            at = at.model_copy(update={"labgrid": at.labgrid.for_mode(mode)})  # type: ignore[arg-type]
        if self.no_flash:
            from tinybench.boards.model import SerialConfig
            from tinybench.flash.backends import get_backend

            if at.labgrid is None:
                at = at.model_copy(update={"serial": SerialConfig(
                    url=self.port or board.relay_url or (board.serial.url if board.serial else None))})
            backend = get_backend("labgrid" if at.labgrid is not None else "url")
            with backend.open(at, None, timeout=15.0) as link:  # type: ignore[arg-type]
                yield replace(link, edge_url=self.edge)
            return
        from tinybench.flash import deploy

        assert image is not None
        with deploy(at, image) as link:
            yield link

    def identity(self, image: FirmwareImage | None) -> dict[str, Any]:
        """What the results record about the firmware (besides what the DUT says about itself)."""
        path = self.firmware_file(image)
        out: dict[str, Any] = {"origin": self.origin}
        if image is not None:
            out["image_sha256"] = image.image_sha256
        if path is not None:
            out["image_file"] = path.name
        if self.origin == "tinybench" and image is not None:
            out["standard_only"] = image.standard
        if self.no_flash:
            out["reached_at"] = self.port or "serial.url"
        if self.place is not None:
            out["place"] = self.place
            if self.no_flash:
                out["reached_at"] = f"labgrid place {self.place}"
        return out


def reached_identity(facts: DutFacts) -> dict[str, Any]:
    """The origin of a DUT reached as it was (``--no-flash``), from what it answered.

    Why from the DUT's words: nothing was flashed, so no image says what runs. Only our monitor
    answers the ``tb-`` extensions, and its ``tb-info`` says ``firmware=tinybench-<version>``: ours.
    A ``name%`` that is none of our ports' (``tinybench-<port>``) is not our firmware: vendor. A DUT
    speaking only the standard protocol under our name is our ``STANDARD=1`` build or anything
    printing that name; the wire cannot tell them apart, so it is labelled ``unidentified``, as is a
    DUT that never answered ``name%``."""
    if facts.info.get("firmware", "").startswith(OURS):
        return {"origin": "tinybench", "standard_only": False}
    if facts.vendor is not None and not facts.vendor.startswith(OURS):
        return {"origin": "vendor"}
    return {"origin": "unidentified"}

