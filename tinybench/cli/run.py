"""CLI commands of the run area: ``tinybench run`` and ``tinybench report``.

Heavy modules are imported inside the command bodies so ``tinybench --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""

    @app.command("run")
    def run_cmd(
        board: Optional[str] = typer.Option(None, "--board", help="board name (see `tinybench boards`)"),
        workload: Optional[str] = typer.Option(None, "--workload", help="kws01, vww01, ic01 or ad01"),
        mode: Optional[str] = typer.Option(None, "--mode", help="performance | accuracy | energy"),
        dataset: Optional[Path] = typer.Option(None, "--dataset", help="folder with y_labels.csv "
                                               "and .bin files (default: the workload's CI set)"),
        out: Optional[Path] = typer.Option(None, "--out", help="run directory (default: results/<...>)"),
        resume: bool = typer.Option(False, "--resume", help="continue the interrupted run in --out"),
        min_window_s: Optional[float] = typer.Option(
            None, "--min-window-s", help="shortest timed window in DUT seconds (default 10, the "
            "rule; anything less marks the result NOT VALID FOR SUBMISSION)"),
        monitor: Optional[str] = typer.Option(
            None, "--monitor", help="energy mode: power monitor, e.g. lpm01a:/dev/ttyACM1, "
            "joulescope, ppk2:/dev/ttyACM2 (default on simulated boards: the simulated LPM01A, "
            "figures labelled estimated)"),
        voltage: Optional[float] = typer.Option(None, "--voltage", help="energy mode: DUT supply "
                                                "voltage in V (default 1.8)"),
        max_spread_pct: Optional[float] = typer.Option(
            None, "--max-spread-pct", help="timing sanity: windows whose throughputs spread more "
            "than this (max − min over median, %) mark the run UNSTABLE (default 10)"),
        firmware: Optional[Path] = typer.Option(
            None, "--firmware", help="benchmark this image (ELF/HEX/BIN, e.g. a vendor's port) "
            "instead of building tinybench firmware; flashed or launched with the board's backend"),
        no_flash: bool = typer.Option(False, "--no-flash", help="the DUT is already programmed: "
                                      "just talk to it (at --port, or the board's serial.url)"),
        port: Optional[str] = typer.Option(None, "--port", help="--no-flash: the DUT's serial port "
                                           "or URL (/dev/ttyACM0, socket://127.0.0.1:5000)"),
        interface: Optional[str] = typer.Option(
            None, "--interface", help="reach the DUT through an energy bench's interface board at "
            "this port or URL (same as --port relay+URL; tinybench/relay.py)"),
        interface_kind: Optional[str] = typer.Option(
            None, "--interface-kind", help="with --interface: the board's kind, mlcommons or "
            "io-manager (EEMBC), when it cannot be recognised from its name/help replies"),
        edge: Optional[str] = typer.Option(None, "--edge", help="--no-flash energy runs on a "
                                           "simulated DUT: URL of its edge channel (second UART)"),
        baud: Optional[int] = typer.Option(None, "--baud", help="override the board's baud for this mode"),
        vendor: Optional[str] = typer.Option(None, "--vendor", help="refuse a DUT whose name% reply "
                                             "is not m-name-dut-[VENDOR]"),
        model: Optional[Path] = typer.Option(None, "--model", help="open division: compile and run "
                                             "this .tflite for the workload (its tensors must fit "
                                             "the workload's interface)"),
        place: Optional[str] = typer.Option(
            None, "--place", help="labgrid place holding the board: acquired for the run, its serial "
            "port is the DUT link, always released (--board defaults to the place's board tag)"),
        coordinator: Optional[str] = typer.Option(
            None, "--coordinator", help="labgrid coordinator HOST:PORT (default: LG_COORDINATOR, "
            "else 127.0.0.1:20408)"),
        as_json: bool = typer.Option(False, "--json", help="print results.json on stdout"),
        no_progress: bool = typer.Option(False, "--no-progress", help="no progress bars on stderr"),
    ) -> None:
        """Run a performance, accuracy or energy benchmark on a board; every result lands in a run directory."""
        import sys

        from tinybench.errors import TinybenchError
        from tinybench.flash.source import DutSource

        if interface is not None:
            if port is not None:
                raise TinybenchError("--interface and --port both name the DUT's link",
                                     "pass one: --interface URL is --port relay+URL")
            from tinybench.relay_kinds import KINDS, relay_url

            if interface_kind is not None and interface_kind not in KINDS:
                raise TinybenchError(f"--interface-kind {interface_kind!r} is not a known kind",
                                     f"use one of: {', '.join(KINDS)}")
            port = relay_url(interface, interface_kind)
        elif interface_kind is not None:
            raise TinybenchError("--interface-kind needs --interface URL",
                                 "pass the interface board's port with --interface")
        source = DutSource(firmware=firmware, no_flash=no_flash, port=port, edge=edge, baud=baud,
                           vendor=vendor, model=model, place=place, coordinator=coordinator)
        if place is not None and not resume:
            from tinybench.flash.places import board_of_place

            board = board_of_place(place, coordinator, board)
        try:
            if mode is None and resume and out is not None:
                mode = _mode_of_run(out)       # `--resume --out DIR` alone: the run says its mode
            if mode != "energy" and (monitor is not None or voltage is not None):
                raise TinybenchError(
                    f"--monitor and --voltage only apply to --mode energy (this run is {mode or 'not energy'})",
                    "drop them, or pass --mode energy")
            if mode == "energy":
                from tinybench.run.energy import run_energy

                results, run_dir = run_energy(board=board, workload=workload, dataset=dataset,
                                              out=out, monitor=monitor,
                                              voltage_v=1.8 if voltage is None else voltage,
                                              min_window_s=min_window_s, resume=resume,
                                              progress=not no_progress,
                                              source=None if resume and source == DutSource() else source)
            else:
                from tinybench.run.session import RunRequest, start

                results, run_dir = start(RunRequest(board=board, workload=workload, mode=mode,
                                                    dataset=dataset, out=out, resume=resume,
                                                    min_window_s=min_window_s,
                                                    max_spread_pct=max_spread_pct,
                                                    progress=not no_progress,
                                                    source=None if resume and source == DutSource() else source))
        except KeyboardInterrupt:
            # Handled here: click would swallow it with a bare "Aborted!".
            print("interrupted: everything measured so far is saved; continue with "
                  "`tinybench run --resume --out <run directory>`", file=sys.stderr)
            raise typer.Exit(130) from None
        if as_json:
            typer.echo(json.dumps(results.model_dump(mode="json"), indent=2))
        else:
            from tinybench.results.report import summary_text

            typer.echo(summary_text(results))
            typer.echo(f"run directory: {run_dir}")

    def _mode_of_run(out: Path) -> str | None:
        from tinybench.results.rundir import RunDirectory

        return RunDirectory.reopen(out).state().get("mode")

    @app.command("report")
    def report_cmd(
        run_dir: Path = typer.Argument(..., help="a run directory made by `tinybench run`"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable summary on stdout"),
        no_plots: bool = typer.Option(False, "--no-plots", help="skip the PNG plots"),
    ) -> None:
        """Tables and plots (latency per window, confusion matrix, ROC) of a finished run."""
        from tinybench.results.report import report

        typer.echo(report(run_dir, as_json=as_json, plots=not no_plots))
