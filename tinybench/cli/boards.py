"""``tinybench flash``: put an image on a board (or its Renode twin), reset it, identify it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from tinybench.errors import TinybenchError


def _image_for(board_name: str, firmware: Optional[Path], workload_id: str):  # noqa: ANN202
    """The image to flash: ``--firmware`` (ours from the build cache, or a foreign ELF), else the
    board's build of the workload's official model."""
    from tinybench.boards import load_board
    from tinybench.flash.build import FirmwareImage, build_firmware

    board = load_board(board_name)
    if firmware is None:
        from tinybench.workloads import load_workload
        from tinybench.workloads.models import model_path

        workload = load_workload(workload_id)
        return board, build_firmware(board, model_path(workload), workload.id)
    firmware = firmware.resolve()
    if not firmware.is_file():
        raise TinybenchError(f"firmware image {firmware} does not exist",
                             f"build one: `tinybench build --board {board.name} --model M.tflite`")
    meta = firmware.parent.parent / "image.json"
    if meta.is_file():                     # one of ours: its facts (model sha256, build id) are known
        image = FirmwareImage.from_json(json.loads(meta.read_text()))
        if image.path.resolve() == firmware:
            return board, image
    from tinybench import fsutil

    # A foreign image (vendor firmware): only its name% answer can identify it.
    return board, FirmwareImage(path=firmware, board=board.name, port=board.build.port,
                                model_id="unknown", energy=False, key="", model_sha256="",
                                arena_bytes=0, weight_bytes=0, db_bytes=0, cmd_max=80,
                                image_sha256=fsutil.sha256_file(firmware), standard=True)


def _flash_interface(board_name: str, firmware: Optional[Path], flasher: Optional[str], dut_baud: int,
                     port: Optional[str], as_json: bool) -> None:
    """``flash --interface-firmware``: build, flash and check our interface-board firmware."""
    from tinybench.boards import load_board
    from tinybench.flash.interface import flash_interface_firmware

    if firmware is not None:
        raise TinybenchError("--firmware and --interface-firmware both name the image to flash",
                             "pass one: --interface-firmware builds firmware/interface for the board")
    facts = flash_interface_firmware(load_board(board_name), dut_baud=dut_baud, flasher=flasher, port=port)
    if as_json:
        typer.echo(json.dumps(facts, indent=2))
        return
    typer.echo(f"flashed interface firmware {facts['image']} onto {facts['board']} with {facts['flasher']}; "
               f"it answers as '{facts['name']}' at {facts['url']}, relays to the DUT at "
               f"{facts['dut_baud']} baud and queues {facts['queue']} bytes of DUT commands; runs "
               "reach a DUT wired to its Arduino D0/D1 with --interface <this board's port> (docs/bench.md)")


def register(app: typer.Typer) -> None:
    @app.command("flash")
    def flash(
        board: str = typer.Option(..., "--board", help="board name or yaml path"),
        firmware: Optional[Path] = typer.Option(None, "--firmware",
                                                help="ELF to flash (default: build --workload's model)"),
        workload: str = typer.Option("kws01", "--workload", help="workload whose model to build"),
        flasher: Optional[str] = typer.Option(None, "--flasher",
                                              help="command | gdb | openocd | pyocd (default: the yaml's)"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
        interface_firmware: bool = typer.Option(
            False, "--interface-firmware", help="flash tinybench's energy-bench interface-board firmware "
            "(firmware/interface) instead of a DUT image; the board then relays to a DUT on its Arduino "
            "D0/D1 pins (docs/bench.md)"),
        dut_baud: int = typer.Option(9600, "--dut-baud", help="with --interface-firmware: the DUT's "
                                     "UART baud behind the board (MLPerf Tiny energy mode: 9600)"),
        port: Optional[str] = typer.Option(None, "--port", help="with --interface-firmware: the "
                                           "board's own serial port (default: its yaml's / USB discovery)"),
    ) -> None:
        """Flash an image onto a board (or its Renode twin), reset it, check tb-info names it."""
        from tinybench.flash.flashers import flash_session

        if interface_firmware:
            _flash_interface(board, firmware, flasher, dut_baud, port, as_json)
            return
        brd, image = _image_for(board, firmware, workload)
        facts = flash_session(brd, image, flasher=flasher)
        if as_json:
            typer.echo(json.dumps(facts, indent=2))
            return
        typer.echo(f"flashed {image.path} onto {brd.name} with {facts['flasher']}; the board answers "
                   f"as {facts.get('name', '?')}" + (f", build {facts['build']}" if facts.get("build") else ""))
