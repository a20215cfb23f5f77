"""CLI of the energy area: ``tinybench energy TRACE_DIR`` recomputes energy from raw data.

Why: a published or measured µJ/inf is only trustworthy if anyone can recompute it from the raw
trace; this command does that for EnergyRunner folders, MLCommons runner ``results.json`` and
tinybench's own energy runs, with the one energy module (``tinybench.power.energy``).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""

    @app.command("energy")
    def energy(
        trace_dir: Path = typer.Argument(..., help="EnergyRunner/MLC energy folder or tinybench run directory"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    ) -> None:
        """Recompute per-window energy, power, duration and the median energy/inference from a raw trace."""
        from tinybench.power.importers import load_trace

        from tinybench.run.board_timer import recorded_windows, summarize

        trace = load_trace(trace_dir)
        summary = trace.summarize()
        # The interface board's timer laps (EEMBC IO manager, our firmware), when the run has them.
        timer = recorded_windows(trace_dir, [w.duration_s for w in summary.windows],
                                 summary.sample_rate_hz, trace.meta)
        if as_json:
            out = {"source": trace.source, "path": str(trace.path), "voltage_v": trace.voltage_v,
                   "category": trace.category, "samples": int(len(trace.samples_j)),
                   **summary.to_dict()}
            instrument = trace.meta.get("instrument")
            if instrument:
                out["instrument"] = instrument
            if timer is not None:
                out["board_timer"] = timer
            typer.echo(json.dumps(out, indent=2))
            return
        volt = f"{trace.voltage_v:g} V" if trace.voltage_v is not None else "unknown voltage"
        typer.echo(f"{trace.path}: {trace.source} trace, {len(trace.samples_j)} samples at "
                   f"{summary.sample_rate_hz:g} Hz, {volt}, {trace.category}")
        instrument = trace.meta.get("instrument")
        if instrument:
            typer.echo(f"instrument: {instrument.get('model')}, firmware {instrument.get('firmware')}, "
                       f"serial {instrument.get('serial')}")
        for w in summary.windows:
            flag = "  (shorter than 10 s)" if w.index in summary.short_windows else ""
            typer.echo(f"window {w.index + 1}: {w.duration_s:9.3f} s  N={w.inferences:<7d} "
                       f"Energy {w.energy_uj:14.3f} uJ  Power {w.power_uw:12.3f} uW  "
                       f"Energy/Inf. {w.energy_per_inf_uj:12.3f} uJ/inf  "
                       f"{w.throughput_ips:.3f} inf/s{flag}")
        typer.echo(f"Median energy cost is {summary.median_energy_per_inf_uj:.3f} uJ/inf.")
        for k, w in enumerate(timer or [], start=1):
            if w.get("agrees") is not None:
                typer.echo(f"window {k}: {w['board_s']:.6f} s by the interface board's timer laps, "
                           f"{w['monitor_s']:.6f} s by the monitor's edges "
                           f"({(w['monitor_s'] - w['board_s']) * 1e3:+.3f} ms)")
        line = summarize(timer or [], "the interface board")
        if line:
            typer.echo(line)
