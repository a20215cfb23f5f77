"""``tinybench compile``: turn a .tflite model into the C sources the firmware builds.

Why a command of its own: users inspect a model's fit (arena, weights, ops) and the generated C
without building firmware; the firmware build calls the same ``compile_model``.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""

    @app.command("compile")
    def compile_cmd(
        model: Path = typer.Argument(..., help="the .tflite model (full-integer int8)"),
        model_id: str = typer.Option(..., "--id", help="model id, e.g. kws01, vww01, ic01, ad01"),
        out: Path = typer.Option(..., "--out", help="directory for model.c and model.json"),
        as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
    ) -> None:
        """Compile MODEL to static C (weights, schedule, requantisation, planned arena)."""
        from tinybench.compiler import compile_model

        result = compile_model(model, out, model_id)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2))
            return
        typer.echo(f"{result.model_id}: {len(result.ops)} operators, arena {result.arena_bytes} B, "
                   f"weights {result.weight_bytes} B")
        typer.echo(f"  input  {result.input.shape} scale {result.input.scale:.9g} "
                   f"zero point {result.input.zero_point}")
        typer.echo(f"  output {result.output.shape} scale {result.output.scale:.9g} "
                   f"zero point {result.output.zero_point}")
        for path in result.c_files:
            typer.echo(f"  wrote {path}")
