"""CLI of the CI gate: ``tinybench compare BASELINE_RUN NEW_RUN``.

Exit codes: 0 no regression, 1 a figure regressed beyond its threshold, 2 the runs cannot be
compared (the usual ``TinybenchError`` exit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""

    @app.command("compare")
    def compare_cmd(
        baseline: Path = typer.Argument(..., help="baseline run directory (or its results.json)"),
        new: Path = typer.Argument(..., help="new run directory (or its results.json)"),
        latency_pct: float = typer.Option(5.0, "--latency-pct", help="allowed latency increase, %"),
        instructions_pct: float = typer.Option(1.0, "--instructions-pct",
                                               help="allowed instructions/inference increase, %"),
        accuracy_drop: float = typer.Option(0.5, "--accuracy-drop",
                                            help="allowed Top-1 drop in points (AUC: × 100)"),
        energy_pct: float = typer.Option(5.0, "--energy-pct", help="allowed energy/inference increase, %"),
        junit: Optional[Path] = typer.Option(None, "--junit", help="also write JUnit XML here"),
    ) -> None:
        """Compare a new run with a baseline; exit 1 when a figure regressed (CI gate)."""
        from tinybench import fsutil
        from tinybench.results.compare import Thresholds, compare_runs, junit_xml, render_table

        cmp = compare_runs(baseline, new, Thresholds(latency_pct=latency_pct,
                                                     instructions_pct=instructions_pct,
                                                     accuracy_drop=accuracy_drop, energy_pct=energy_pct))
        typer.echo(render_table(cmp))
        if junit is not None:
            fsutil.atomic_write_text(junit, junit_xml(cmp))
        if cmp.regressed:
            raise typer.Exit(1)
