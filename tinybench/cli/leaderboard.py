"""CLI of the leaderboard area: ``import mlperf``, ``submit``, ``check``, ``leaderboard build|serve``.

Heavy modules (pydantic models, numpy, matplotlib) are imported inside the command bodies so
``tinybench --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""
    import_app = typer.Typer(help="Import published results into tinybench result records.",
                             no_args_is_help=True)
    board_app = typer.Typer(help="Build or preview the static leaderboard site.", no_args_is_help=True)
    app.add_typer(import_app, name="import")
    app.add_typer(board_app, name="leaderboard")

    @import_app.command("mlperf")
    def import_mlperf(
        directories: list[Path] = typer.Argument(..., help="results repository trees (or parts of "
                                                 "them, or bundles); several rounds at once are fine"),
        round_name: Optional[str] = typer.Option(None, "--round", help="round name, e.g. v0.5 "
                                                 "(default: the vX.Y in the path, e.g. tiny_results_v1.3)"),
        out: Optional[Path] = typer.Option(None, "--out", help="write records JSON here (default: stdout)"),
        report_path: Optional[Path] = typer.Option(None, "--report", help="write the per system × "
                                                   "benchmark outcome report (JSON) here"),
        device_class: Optional[str] = typer.Option(None, "--device-class",
                                                   help="override the inferred device class for all systems"),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="print only rows not imported and totals"),
    ) -> None:
        """Read MLPerf Tiny results (EEMBC and MLCommons runner formats) into result records.

        Never aborts on one bad submission: every system × benchmark is imported or listed with
        the reason it is not importable. Exit status 1 when any row was not importable."""
        from tinybench import fsutil
        from tinybench.leaderboard.mlperf_import import import_report
        from tinybench.leaderboard.records import RecordSet, save_records
        from tinybench.leaderboard.systems import parse_device_class

        dclass = parse_device_class(device_class) if device_class else None
        report = import_report(directories, round_name=round_name, device_class=dclass)
        if out is None:
            typer.echo(RecordSet(records=report.records).model_dump_json(indent=2))
        else:
            save_records(out, report.records)
        if report_path is not None:
            fsutil.atomic_write_text(report_path, json.dumps(report.to_json(), indent=2) + "\n")
        typer.echo(report.render(notes=not quiet, only_problems=quiet), err=True)
        if out is not None:
            typer.echo(f"{len(report.records)} record(s) written to {out}", err=True)
        raise typer.Exit(0 if report.ok else 1)

    @app.command("submit")
    def submit_cmd(
        run_dirs: list[Path] = typer.Argument(..., help="tinybench run directories (or MLC runner folders)"),
        system: Path = typer.Option(..., "--system", help="MLPerf system description JSON"),
        out: Path = typer.Option(..., "--out", help="bundle root (the results repository checkout)"),
        submitter: Optional[str] = typer.Option(None, "--submitter", help="default: 'Submitter' in the JSON"),
        division: Optional[str] = typer.Option(None, "--division", help="closed or open (default: the JSON's)"),
        system_name: Optional[str] = typer.Option(None, "--system-name", help="default: the JSON file name"),
    ) -> None:
        """Write runs as an MLPerf Tiny submission bundle plus a tinybench manifest."""
        from tinybench.leaderboard.submit import submit

        base = submit(run_dirs, system, out, submitter=submitter, division=division,
                      system_name=system_name)
        typer.echo(f"bundle written: {base}  (verify with `tinybench check {out}`)")

    @app.command("check")
    def check_cmd(
        directory: Path = typer.Argument(..., help="submission tree / results repository"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable report"),
        max_file_mb: float = typer.Option(50.0, "--max-file-mb", help="refuse files larger than this"),
        labels_dir: Optional[Path] = typer.Option(None, "--labels-dir",
                                                  help="folder with <dataset>/y_labels.csv for EEMBC accuracy logs"),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="also list every confirmed figure"),
    ) -> None:
        """Validate layout and files, recompute every figure from raw data; exit 1 on any error."""
        from tinybench.leaderboard.checker import check_tree

        report = check_tree(directory, max_file_bytes=int(max_file_mb * 1024 * 1024), labels_dir=labels_dir)
        if as_json:
            typer.echo(json.dumps(report.to_json(), indent=2))
        else:
            if verbose:
                for v in report.verified:
                    typer.echo(f"{v.path}:{v.line}: ok: {v.what} {v.published} (recomputed {v.recomputed:.6g})")
            typer.echo(report.render())
        raise typer.Exit(0 if report.ok else 1)

    @board_app.command("build")
    def build_cmd(
        results: list[Path] = typer.Argument(..., help="record files (tinybench import) or results trees"),
        out: Path = typer.Option(..., "--out", help="site folder to write"),
        reference: Optional[str] = typer.Option(None, "--reference",
                                                help="system key round/division/submitter/system "
                                                     "(default: v0.5/closed/reference/Nucleo-L4R5ZI)"),
        no_plots: bool = typer.Option(False, "--no-plots", help="skip the matplotlib Pareto plots"),
    ) -> None:
        """Build the static leaderboard site (HTML, CSV, Markdown, Pareto plots)."""
        from tinybench.leaderboard.site import build_site

        records = load_inputs(results)
        board = build_site(records, out, reference=reference, plots=not no_plots)
        typer.echo(f"{len(records)} record(s), {len(board.tables)} workload table(s) -> {out}/index.html")

    @board_app.command("serve")
    def serve_cmd(
        site: Path = typer.Argument(..., help="folder written by `tinybench leaderboard build`"),
        port: int = typer.Option(8000, "--port", help="TCP port on 127.0.0.1"),
    ) -> None:
        """Preview the site on http://127.0.0.1:PORT/ (Ctrl-C to stop)."""
        from tinybench.leaderboard.serve import serve

        serve(site, port)


def load_inputs(paths: list[Path]):
    """Record files and results trees, in the order given."""
    from tinybench.errors import TinybenchError
    from tinybench.leaderboard.mlperf_import import import_report
    from tinybench.leaderboard.records import load_records

    records = []
    for path in paths:
        if path.is_dir():
            report = import_report([path])
            for o in report.not_importable:
                typer.echo(f"not importable: {o.source}: {o.reason}", err=True)
            records.extend(report.records)
        elif path.is_file():
            records.extend(load_records(path))
        else:
            raise TinybenchError(f"{path} does not exist", "pass record files or results folders")
    return records
