"""CLI of the suite area: ``tinybench suite`` (boards × workloads × modes → one bundle per board)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""

    @app.command("suite")
    def suite_cmd(
        board: list[str] = typer.Option([], "--board", help="board name; repeat for several boards "
                                        "(each runs in its own process, in parallel)"),
        workloads: str = typer.Option("all", "--workloads", help="all, or a list such as kws01,ad01"),
        modes: str = typer.Option("performance,accuracy", "--modes",
                                  help="performance,accuracy[,energy] (or all)"),
        out: Path = typer.Option(..., "--out", help="suite folder: runs, summary, plots, bundles"),
        resume: bool = typer.Option(False, "--resume", help="continue the suite in --out: complete "
                                    "cells are kept, interrupted ones resumed, failed ones retried"),
        division: str = typer.Option("closed", "--division", help="closed (official rules gate: "
                                     "official data sets, all required modes, quality targets) or open"),
        dataset_root: Optional[Path] = typer.Option(
            None, "--dataset-root", help="folder with one data set per workload (<root>/kws01, ...); "
            "default: the CI sets"),
        min_window_s: Optional[float] = typer.Option(
            None, "--min-window-s", help="shortest timed window (default 10 s, the rule)"),
        system: Optional[Path] = typer.Option(None, "--system", help="MLPerf system description JSON "
                                              "(template; the board name is filled in per board)"),
        submitter: Optional[str] = typer.Option(None, "--submitter", help="submitter name in the bundles"),
        firmware: list[str] = typer.Option([], "--firmware", help="BOARD=IMAGE: benchmark a vendor "
                                           "image on that board instead of tinybench firmware"),
        energy_firmware: list[str] = typer.Option([], "--energy-firmware", help="BOARD=IMAGE: the "
                                                  "vendor's energy-mode image for that board's energy cells"),
        place: list[str] = typer.Option([], "--place", help="labgrid place; repeat for several: one "
                                        "worker per place, a board's cells spread over the places "
                                        "holding it (board = the place's board tag, or the one --board)"),
        coordinator: Optional[str] = typer.Option(None, "--coordinator", help="labgrid coordinator "
                                                  "HOST:PORT (default: LG_COORDINATOR, else 127.0.0.1:20408)"),
        sequential: bool = typer.Option(False, "--sequential", help="boards one after another"),
        no_progress: bool = typer.Option(False, "--no-progress", help="no progress display"),
    ) -> None:
        """Run the whole matrix and write a submission bundle per board, a summary table and plots."""
        from tinybench.errors import TinybenchError
        from tinybench.run import suite as S

        def board_images(option: str, items: list[str]) -> dict[str, str]:
            images = {}
            for item in items:
                name, sep, image = item.partition("=")
                if not sep or not image:
                    raise TinybenchError(f"{option} {item!r} is not BOARD=IMAGE", f"e.g. {option} host=./fw")
                images[name] = str(Path(image).resolve())
            return images
        workload_ids = S.parse_list(workloads, S.ALL_WORKLOADS, "workload")
        datasets = {}
        if dataset_root is not None:
            datasets = {w: str((dataset_root / w).resolve()) for w in workload_ids}
        if len(set(place)) != len(place):
            raise TinybenchError("a place is given twice", "each --place once")
        if coordinator is not None and not place:
            raise TinybenchError("--coordinator is for labgrid places", "add --place NAME")
        plan = S.SuitePlan(boards=list(board), workloads=workload_ids,
                           modes=S.parse_list(modes, S.ALL_MODES, "mode"), out=str(out.resolve()),
                           division=division, datasets=datasets, min_window_s=min_window_s,
                           system=str(system.resolve()) if system else None, submitter=submitter,
                           firmware=board_images("--firmware", firmware),
                           energy_firmware=board_images("--energy-firmware", energy_firmware),
                           places=dict.fromkeys(place, ""), coordinator=coordinator)
        plan = S.prepare(plan, resume=resume)
        try:
            states = S.execute(plan, parallel=not sequential, progress=not no_progress)
        except KeyboardInterrupt:
            typer.echo(f"interrupted: everything measured is kept; continue with "
                       f"`tinybench suite --resume --out {out}`", err=True)
            raise typer.Exit(130) from None
        rows = S.summarize(plan, states)
        S.plot(plan, rows)
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"tinybench suite — {out}")
        for col in ("board", "workload", "mode", "state", "figure"):
            table.add_column(col)
        for r in rows:
            style = "red" if r["state"] != "done" else None
            table.add_row(r["board"], r["workload"], r["mode"], r["state"], S._figure(r), style=style)
        Console().print(table)
        refused = False
        for b in plan.boards:
            root, problems = S.bundle(plan, b)
            if root is not None:
                typer.echo(f"{b}: bundle {root}  (verify: tinybench check {root})")
            else:
                refused = True
                typer.echo(f"{b}: no {plan.division}-division bundle: " + "; ".join(problems), err=True)
        failed = sum(1 for r in rows if r["state"] != "done")
        typer.echo(f"summary: {out / 'summary.md'}, plots: {out / 'plots'}; "
                   f"{len(rows) - failed}/{len(rows)} cells done")
        if failed or refused:
            raise typer.Exit(1)
