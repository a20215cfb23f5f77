"""Property-based fuzzing of the bundle checker (``tinybench.leaderboard.checker.check_tree``).

Property: whatever a submission tree contains — results.txt, log.txt, results.json, the
system description or the tinybench manifest edited line by line, cut short, filled with random
bytes or replaced by random JSON — ``check_tree`` returns a report (findings name the file) and
never raises. A tampered file that no longer matches its manifest hash is always an error.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzzing import scaled
from tinybench.cli import main
from tinybench.leaderboard.checker import CheckReport, check_tree

ST = "v1.3/closed/STMicroelectronics"
EEMBC_PERF = "v0.5/closed/reference/results/Nucleo-L4R5ZI/kws/performance"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=16)


@pytest.fixture(scope="module")
def small_bundle(published: Path, tmp_path_factory) -> Path:
    """A bundle of ST's published KWS performance folder (MLC runner) plus the v0.5 EEMBC one."""
    out = tmp_path_factory.mktemp("fuzz-bundle")
    run = published / ST / "results/NUCLEO_L4R5ZI-P/kws/performance"
    system = published / ST / "systems/NUCLEO_L4R5ZI-P.json"
    assert main(["submit", str(run), "--system", str(system), "--out", str(out), "--submitter", "Lab"]) == 0
    ref = out / "closed/Ref"
    shutil.copytree(published / EEMBC_PERF, ref / "results/Nucleo-L4R5ZI/kws/performance")
    (ref / "systems").mkdir()
    shutil.copy(published / "v0.5/closed/reference/systems/Nucleo_L4R5ZI_System_Description.json",
                ref / "systems/Nucleo-L4R5ZI.json")
    for path in ref.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return out


def _edit_text(text: str, data) -> str:  # noqa: ANN001
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        if not lines:
            lines = [""]
        i = data.draw(st.integers(0, len(lines) - 1))
        kind = data.draw(st.sampled_from(["drop", "dup", "flip", "cut", "insert", "number"]))
        line = lines[i]
        if kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, line)
        elif kind == "flip" and line:
            j = data.draw(st.integers(0, len(line) - 1))
            lines[i] = line[:j] + chr((ord(line[j]) ^ (1 << data.draw(st.integers(0, 6)))) or 32) + line[j + 1:]
        elif kind == "cut":
            lines[i] = line[:data.draw(st.integers(0, len(line)))]
        elif kind == "number":
            lines[i] = line + data.draw(st.sampled_from(["", " nan", " inf", " -1", " 1e400", " 9" * 30]))
        else:
            lines.insert(i, data.draw(st.text(max_size=60)))
    return "\n".join(lines)


@scaled(0.5)
@given(data=st.data())
def test_checker_reports_and_never_crashes(small_bundle, tmp_path_factory, data):
    root = tmp_path_factory.mktemp("fz") / "b"
    shutil.copytree(small_bundle, root)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    victims = data.draw(st.lists(st.sampled_from(files), min_size=1, max_size=3, unique=True))
    for path in victims:
        how = data.draw(st.sampled_from(["edit", "bytes", "json", "empty", "remove"]))
        if how == "edit":
            path.write_text(_edit_text(path.read_text(errors="replace"), data))
        elif how == "bytes":
            path.write_bytes(data.draw(st.binary(max_size=400)))
        elif how == "json":
            path.write_text(json.dumps(data.draw(json_values)))
        elif how == "empty":
            path.write_bytes(b"")
        else:
            path.unlink()
    report = check_tree(root)
    assert isinstance(report, CheckReport)
    assert all(f.path for f in report.findings)
    rendered = report.render()
    assert rendered.splitlines()[-1] in ("RESULT: PASS", "RESULT: FAIL")
    json.dumps(report.to_json())
    manifest = root / "closed/Lab/tinybench-manifest.json"
    changed = [p for p in victims if p != manifest and p.name != ".gitkeep"]
    if manifest not in victims and any("/Lab/" in str(p) for p in changed):
        # a file covered by the intact manifest was altered or removed: the check must fail
        assert not report.ok


def test_untouched_small_bundle_passes(small_bundle):
    report = check_tree(small_bundle)
    # performance runs only: the official rules' missing accuracy runs are its only errors
    assert [f.path for f in report.errors if "no accuracy/ results" not in f.message] == [], report.render()
    assert len(report.errors) == 2
    assert len(report.verified) >= 2
