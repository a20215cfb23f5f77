"""CLI commands of the firmware area: ``boards``, ``build``, ``verify``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from tinybench.errors import TinybenchError


def _default_id(model: Path) -> str:
    """MLPerf Tiny id from the official file names; anything else needs --id."""
    name = model.name.lower()
    for key, model_id in (("kws", "kws01"), ("vww", "vww01"), ("resnet", "ic01"), ("ic", "ic01"),
                          ("ad01", "ad01")):
        if key in name:
            return model_id
    raise TinybenchError(f"cannot tell the MLPerf Tiny model id of {model.name}",
                         "pass --id kws01|vww01|ic01|ad01 (or your own id)")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""

    @app.command("boards")
    def boards(as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
        """List the board definitions in boards/."""
        from tinybench.boards import list_boards

        found = list_boards()
        if as_json:
            typer.echo(json.dumps([b.model_dump(mode="json") for b in found], indent=2))
            return
        for b in found:
            typer.echo(f"{b.name:18} {b.kind:9} {b.category:10} {b.cpu:11} "
                       f"{b.clock_hz / 1e6:7.1f} MHz  flash {b.flash_bytes // 1024:>7} KiB  "
                       f"ram {b.ram_bytes // 1024:>7} KiB  {b.description}")

    @app.command("build")
    def build(
        board: str = typer.Option(..., "--board", help="board name or yaml path"),
        model: Path = typer.Option(..., "--model", help=".tflite file"),
        model_id: str = typer.Option(None, "--id", help="model id (default: from the file name)"),
        energy: bool = typer.Option(False, "--energy", help="energy-mode firmware (timestamp pulses)"),
        standard: bool = typer.Option(False, "--standard-only", help="compile the tb- extensions out: "
                                      "the image speaks only the standard protocol, like vendor firmware"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    ) -> None:
        """Compile a model and build firmware for a board (cached)."""
        from tinybench.boards import load_board
        from tinybench.flash import build_firmware

        image = build_firmware(load_board(board), model, model_id or _default_id(model), energy=energy,
                               standard=standard)
        if as_json:
            typer.echo(json.dumps(image.to_json(), indent=2))
        else:
            typer.echo(f"{image.path}\n  board {image.board}, model {image.model_id}, energy "
                       f"{image.energy}, arena {image.arena_bytes} B, weights {image.weight_bytes} B")

    @app.command("verify")
    def verify(
        board: str = typer.Option(..., "--board", help="board name or yaml path"),
        model: Path = typer.Option(..., "--model", help=".tflite file"),
        model_id: str = typer.Option(None, "--id", help="model id (default: from the file name)"),
        samples: int = typer.Option(200, "--samples", help="random inputs"),
        seed: int = typer.Option(0, "--seed", help="seed of the random inputs"),
        reference: Optional[Path] = typer.Option(
            None, "--reference", help="model TFLM runs as the reference (default: --model)"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
        no_progress: bool = typer.Option(False, "--no-progress", help="no progress bar on stderr"),
    ) -> None:
        """Check the firmware's int8 outputs against TFLM over the serial protocol (bit-exact)."""
        from tinybench.boards import load_board
        from tinybench.flash.verify import verify_model
        from tinybench.run.progress import Progress

        bar: Progress | None = None

        def step(done: int, total: int) -> None:
            nonlocal bar
            if no_progress:
                return
            if bar is None:
                bar = Progress(total, "verify (inputs bit-exact vs TFLM)", done=done - 1)
            bar.update()

        try:
            report = verify_model(load_board(board), model, model_id or _default_id(model),
                                  samples=samples, seed=seed, reference_model=reference,
                                  progress=step)
        finally:
            if bar is not None:
                bar.close()
        if as_json:
            typer.echo(json.dumps(report.to_json(), indent=2))
        else:
            summary = report.to_json()
            typer.echo(f"{report.model_id} on {report.board} ({report.category}): "
                       f"{report.checked - report.mismatched_inputs}/{report.checked} inputs bit-exact "
                       f"({summary['bit_exact_percent']:.1f} %; {report.random_inputs} random, "
                       f"{report.real_inputs} real)")
            if report.first is not None:
                f = report.first
                typer.echo(f"FIRST MISMATCH: input #{f.input_index} ({f.input_name}), output index "
                           f"{f.output_index}: firmware {f.dut}, TFLM {f.reference}")
        if not report.ok:
            raise typer.Exit(1)
