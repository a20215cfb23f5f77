"""CLI of the workloads area: ``workloads``, ``fetch models``, ``data build|download|ci-sets``, ``reference``.

Heavy modules (scipy, tflite-micro, Pillow) are imported inside the command bodies so that
``tinybench --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def _echo_json(obj: object) -> None:
    typer.echo(json.dumps(obj, indent=2))


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""

    @app.command("workloads")
    def workloads_cmd(as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
        """List the workload definitions (workloads/*.yaml)."""
        from tinybench.workloads import list_workloads

        items = list_workloads()
        if as_json:
            _echo_json([w.model_dump(mode="json") for w in items])
            return
        for w in items:
            unit = "%" if w.metric == "top1" else ""
            typer.echo(f"{w.id:6}  {w.metric:4} target {w.quality_target}{unit:1}  "
                       f"{w.dataset.size:5} files  {w.input.bytes:6} B/input  {w.model.file}  {w.name}")

    fetch = typer.Typer(help="Download official artefacts (sha256-checked).", no_args_is_help=True)
    app.add_typer(fetch, name="fetch")

    @fetch.command("models")
    def fetch_models(
        from_dir: Optional[Path] = typer.Option(None, "--from", help="local mirror folder instead of upstream"),
        workload: Optional[str] = typer.Option(None, "--workload", "-w", help="only this workload"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Fetch the official int8 models into the cache, verifying their sha256."""
        from tinybench.workloads import fetch_model, list_workloads, load_workload

        chosen = [load_workload(workload)] if workload else list_workloads()
        done = {w.id: str(fetch_model(w, mirror=from_dir)) for w in chosen}
        if as_json:
            _echo_json(done)
        else:
            for wid, path in done.items():
                typer.echo(f"{wid}: {path} (sha256 verified)")

    data = typer.Typer(help="Evaluation data sets: build, download, offline CI sets.", no_args_is_help=True)
    app.add_typer(data, name="data")

    @data.command("build")
    def data_build(
        workload: str = typer.Argument(..., help="kws01, vww01, ic01 or ad01"),
        source: Path = typer.Option(..., "--source", help="extracted raw data set folder"),
        out: Path = typer.Option(..., "--out", help="output folder (y_labels.csv + .bin)"),
        limit: Optional[int] = typer.Option(None, "--limit", help="build at most this many files"),
    ) -> None:
        """Turn a raw public data set into the MLPerf Tiny evaluation layout."""
        from tinybench.workloads import load_dataset, load_workload
        from tinybench.workloads.builders import build_dataset

        w = load_workload(workload)
        index = build_dataset(w, source, out, limit=limit)
        from tinybench.workloads.official import check_official

        ds = load_dataset(index.parent, w)
        verdict = check_official(ds)
        note = (f" — the official set ({verdict.list_name}), verified by sha256" if verdict.official else
                f" — not the official set ({verdict.summary}, against {verdict.list_name})" if verdict.list_name
                else " — not an official set (no official list is known for this workload)")
        typer.echo(f"{w.id}: {len(ds)} files in {index.parent}{note}")

    @data.command("download")
    def data_download(
        workload: str = typer.Argument(...),
        out: Path = typer.Option(Path("raw"), "--out", help="folder for the raw archive"),
    ) -> None:
        """Download the raw public data set (needs internet); then extract it and run `data build`."""
        from tinybench.workloads import load_workload
        from tinybench.workloads.download import download_raw

        w = load_workload(workload)
        for path in download_raw(w.id, out / w.id):
            typer.echo(f"{w.id}: {path}")

    @data.command("ci-sets")
    def data_ci_sets(
        out: Optional[Path] = typer.Option(None, "--out", help="parent folder (default: cache/datasets/ci)"),
        workload: Optional[str] = typer.Option(None, "--workload", "-w"),
        force: bool = typer.Option(False, "--force", help="rebuild even if cached"),
        as_json: bool = typer.Option(False, "--json"),
        no_progress: bool = typer.Option(False, "--no-progress", help="no progress bar on stderr"),
    ) -> None:
        """Build the small offline CI data sets (deterministic, cached) with TFLM reference outputs."""
        from tinybench.run.progress import Progress
        from tinybench.workloads.ci_sets import CI_WORKLOADS, ensure_ci_set

        ids = [workload] if workload else list(CI_WORKLOADS)
        bar = None if no_progress else Progress(len(ids), "CI sets")
        done = {}
        try:
            for wid in ids:
                if bar is not None:
                    bar.describe(f"{wid} (build inputs, run the TFLM reference)")
                done[wid] = str(ensure_ci_set(wid, parent=out, force=force))
                if bar is not None:
                    bar.update()
        finally:
            if bar is not None:
                bar.close()
        if as_json:
            _echo_json(done)
        else:
            for wid, path in done.items():
                typer.echo(f"{wid}: {path}  (CI set — not the official evaluation set)")

    @data.command("official-size")
    def data_official_size(
        workload: str = typer.Argument(..., help="kws01, vww01, ic01 or ad01"),
        out: Path = typer.Option(..., "--out", help="new folder for the set"),
        source: Optional[Path] = typer.Option(None, "--source",
                                              help="set with reference.npz to repeat (default: the CI set)"),
    ) -> None:
        """Official file counts and sizes (for timing runs), repeating the CI set's files."""
        from tinybench.workloads.timing import NOTE, build_official_size

        path = build_official_size(workload, out, source=source)
        typer.echo(f"{workload}: {path}  ({NOTE})")

    @app.command("reference")
    def reference_cmd(
        workload: str = typer.Option(..., "--workload", "-w"),
        dataset: Path = typer.Option(..., "--dataset", "-d"),
        model: Optional[Path] = typer.Option(None, "--model", help="model file (default: fetched official)"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Run the official model in TFLM on every input; store the expected int8 outputs."""
        from tinybench.workloads import load_dataset, load_workload
        from tinybench.workloads.reference import load_reference, run_reference
        from tinybench.workloads.scoring import score_reference

        w = load_workload(workload)
        ds = load_dataset(dataset, w)
        path = run_reference(ds, model)
        score = score_reference(ds, load_reference(dataset, ds))
        if as_json:
            _echo_json({"reference": str(path), **score})
        else:
            typer.echo(f"{w.id}: {score['inferences']} inferences → {path}")
            typer.echo(f"TFLM {score['metric']} on this set: {score['value']:.4g} "
                       f"(target {w.quality_target}; {'met' if score['target_met'] else 'NOT met'})")
