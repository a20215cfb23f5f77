"""Errors, one path: every command meets a read-only and a full output folder (real tmpfs mounts,
no mocks) with one paragraph — message, hint, exit 2 — never a traceback; corrupt models and
mismatched ids are refused before anything runs; a real bug still tracebacks, with a report line."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fixtures_run import cached_dataset
from tinybench.cli import main

HOST_SYSTEM = {
    "Submitter": "tinybench-ci", "Division": "closed", "Status": "available",
    "Board Name": "host", "SoC Name": "", "Processor(s) Name": "x86-64", "Processor(s) Frequencies": "",
    "Accelerator": "", "Hardware Notes": "", "Inference Framework": "tinybench engine",
    "Operating System": "Linux",
}


def _mount(path: Path, *options: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(("size=256k",) + options), "tmpfs",
                           str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")


def _fill(path: Path) -> None:
    """Write until the file system is full (ENOSPC): a real full disk."""
    import os

    fd = os.open(path / ".filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    for i in range(10000):   # and the room left for small files and folders
        try:
            (path / f".f{i}").mkdir()
        except OSError:
            break


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Callable[[str, Path | None], Path]]:
    """``folder(kind, seed)`` → a mounted folder that is read-only or full, holding a copy of
    ``seed`` (a run directory, say) when given."""
    mounted: list[Path] = []

    def make(kind: str, seed: Path | None = None) -> Path:
        where = tmp_path / f"{kind}{len(mounted)}"
        _mount(where)
        mounted.append(where)
        if seed is not None:
            shutil.copytree(seed, where / seed.name)
        if kind == "read-only":
            subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        else:
            _fill(where)
        return where

    yield make
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> dict[str, Path]:
    """A finished host performance run and a submission bundle of it (normal folders)."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed: cannot build the host firmware")
    from tinybench.run.session import RunRequest, start

    base = tmp_path_factory.mktemp("finished")
    _, run_dir = start(RunRequest(board="host", workload="kws01", mode="performance",
                                  dataset=cached_dataset("kws01", 5), out=base / "perf",
                                  min_window_s=0.2, progress=False))
    system = base / "host-sim.json"
    system.write_text(json.dumps(HOST_SYSTEM))
    assert main(["submit", str(run_dir), "--system", str(system), "--out", str(base / "bundle")]) == 0
    return {"run": run_dir, "system": system, "bundle": base / "bundle"}


def _argv(command: str, finished: dict[str, Path], target: Path, model: Path) -> list[str]:
    return {
        "run": ["run", "--board", "host", "--workload", "kws01", "--mode", "performance",
                "--min-window-s", "0.2", "--no-progress", "--dataset", str(cached_dataset("kws01", 5)),
                "--out", str(target / "run")],
        "report": ["report", str(target / finished["run"].name)],
        "submit": ["submit", str(finished["run"]), "--system", str(finished["system"]),
                   "--out", str(target / "bundle")],
        "leaderboard build": ["leaderboard", "build", str(finished["bundle"]), "--out", str(target / "site"),
                              "--no-plots"],
        "compile": ["compile", str(model), "--id", "kws01", "--out", str(target / "model")],
        "import mlperf": ["import", "mlperf", str(finished["bundle"]), "--out", str(target / "records.json")],
        "run energy": ["run", "--board", "host", "--workload", "kws01", "--mode", "energy",
                       "--min-window-s", "0.2", "--no-progress", "--dataset",
                       str(cached_dataset("kws01", 5)), "--out", str(target / "energy")],
        "data ci-sets": ["data", "ci-sets", "--workload", "ic01", "--force", "--no-progress",
                         "--out", str(target / "ci")],
    }[command]


COMMANDS = ["run", "run energy", "report", "submit", "leaderboard build", "compile", "import mlperf",
            "data ci-sets"]


@pytest.mark.parametrize("kind", ["read-only", "full"])
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_on_a_read_only_or_full_folder(command, kind, folder, finished, model_path, capsys):
    target = folder(kind, finished["run"] if command == "report" else None)
    capsys.readouterr()
    code = main(_argv(command, finished, target, model_path("kws01")))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.startswith("error: ")
    assert "hint:" in err
    assert ("read-only" in err.lower()) if kind == "read-only" else ("disk is full" in err)


def _model_files(tmp_path: Path, model: Path) -> dict[str, Path]:
    data = model.read_bytes()
    files = {"empty": b"", "truncated": data[: len(data) // 3], "corrupt": b"TFL3" + bytes(range(256)) * 40}
    out = {}
    for name, blob in files.items():
        out[name] = tmp_path / f"{name}.tflite"
        out[name].write_bytes(blob)
    return out


@pytest.mark.parametrize("which", ["empty", "truncated", "corrupt"])
def test_verify_refuses_a_broken_tflite_before_tflm(which, tmp_path, model_path, capsys):
    bad = _model_files(tmp_path, model_path("kws01"))[which]
    assert main(["verify", "--board", "host", "--model", str(bad), "--id", "kws01", "--samples", "2"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(bad.name) in err and "hint:" in err


def test_verify_refuses_a_model_that_is_not_the_id(model_path, capsys):
    assert main(["verify", "--board", "host", "--model", str(model_path("ad01")), "--id", "kws01",
                 "--samples", "2"]) == 2
    err = capsys.readouterr().err
    assert "is not a kws01 model" in err and "--id ad01" in err


def test_a_real_bug_tracebacks_with_a_report_line(capsys, monkeypatch):
    # a genuine programming error inside a command (not a user mistake): the traceback stays
    import tinybench.cli.firmware as firmware_cli

    monkeypatch.setattr(firmware_cli, "_default_id", lambda model: 1 / 0)
    assert main(["verify", "--board", "host", "--model", "x.tflite", "--samples", "1"]) == 1
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and "Traceback" in err and "bug in tinybench" in err


def test_cached_image_still_checks_the_board_fits(tmp_path, model_path):
    from tinybench.boards import load_board
    from tinybench.errors import TinybenchError
    from tinybench.flash import build_firmware

    model = model_path("kws01")
    build_firmware(load_board("host"), model, "kws01")        # cached for the host port
    text = (Path(load_board("host").source)).read_text()
    tiny = tmp_path / "tiny-host.yaml"
    tiny.write_text(text.replace("name: host", "name: tiny-host")
                    .replace("ram_bytes: 268435456", "ram_bytes: 40000")
                    .replace("flash_bytes: 268435456", "flash_bytes: 70000"))
    with pytest.raises(TinybenchError, match="does not fit board 'tiny-host'"):
        build_firmware(load_board(str(tiny)), model, "kws01")


def test_verify_and_ci_sets_show_progress(model_path, capsys):
    assert main(["verify", "--board", "host", "--model", str(model_path("kws01")), "--id", "kws01",
                 "--samples", "3"]) == 0
    err = capsys.readouterr().err
    assert "verify (inputs bit-exact vs TFLM): 3/3" in err
    assert main(["data", "ci-sets", "--workload", "ad01"]) == 0
    err = capsys.readouterr().err
    assert "CI sets: ad01 (build inputs, run the TFLM reference)" in err and "CI sets: 1/1" in err


@pytest.mark.parametrize("state", [{}, {"mode": "energy"}, {"mode": "performance", "board": "host"}])
def test_resume_of_a_foreign_or_edited_run_dir_is_a_clear_error(state, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "state.json").write_text(json.dumps(state))
    assert main(["run", "--resume", "--out", str(run)]) == 2
    err = capsys.readouterr().err
    assert "state.json lacks" in err and "Traceback" not in err


def test_a_damaged_cached_image_is_rebuilt_not_benchmarked(tmp_path, model_path, monkeypatch):
    # a cached image whose bytes changed after the build would run under the good image's hash
    from tinybench import fsutil
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware

    monkeypatch.setenv("TINYBENCH_CACHE", str(tmp_path / "cache"))
    board, model = load_board("host"), model_path("ad01")
    first = build_firmware(board, model, "ad01")
    with first.path.open("r+b") as image:     # truncate: what an interrupted copy leaves behind
        image.truncate(first.path.stat().st_size // 2)
    again = build_firmware(board, model, "ad01")
    assert again.path == first.path and fsutil.sha256_file(again.path) == first.image_sha256
