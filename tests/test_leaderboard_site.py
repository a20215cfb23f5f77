"""Leaderboard rows, normalisation, categories, repeats and the rendered site (HTML/CSV/Markdown)."""

from __future__ import annotations

import csv
import re
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest

from tinybench.cli import main
from tinybench.leaderboard.mlperf_import import import_tree
from tinybench.leaderboard.normalize import build_board
from tinybench.leaderboard.records import Category
from tinybench.leaderboard.site import build_site, human, pareto_front, plot_figure
from tinybench.leaderboard.submit import submit

REF = "v0.5/closed/reference/Nucleo-L4R5ZI"
ST_RESULTS = "v1.3/closed/STMicroelectronics/results/NUCLEO_L4R5ZI-P"


@pytest.fixture(scope="module")
def relabelled_bundle(published: Path, tmp_path_factory) -> Path:
    """Real published MLC runner folders submitted with category 'simulated' and a KWS-only system.

    This exercises the category rules only; it does not claim to be a simulated run.
    """
    out = tmp_path_factory.mktemp("simbundle")
    runs = [published / ST_RESULTS / "kws" / m for m in ("performance", "energy", "accuracy")]
    submit(runs, published / "v1.3/closed/STMicroelectronics/systems/NUCLEO_L4R5ZI-P.json", out,
           submitter="SimLab", system_name="relabelled-sim", category=Category.simulated)
    return out


@pytest.fixture(scope="module")
def site(published: Path, relabelled_bundle: Path, tmp_path_factory):
    records = import_tree(published) + import_tree(relabelled_bundle)
    out = tmp_path_factory.mktemp("site")
    board = build_site(records, out)
    return out, board


def _csv_rows(out: Path) -> list[dict]:
    with open(out / "leaderboard.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_reference_figures_appear_exactly(site):
    out, board = site
    rows = {(r["system_key"], r["workload"]): r for r in _csv_rows(out)}
    kws = rows[(REF, "kws")]
    assert (kws["throughput_ips"], kws["energy_uj"], kws["accuracy"]) == ("5.497", "7373.704", "90.1")
    assert kws["speedup_vs_ref"] == "1.0" and kws["energy_ratio_vs_ref"] == "1.0"
    html = (out / "index.html").read_text()
    for shown in ("181.9", "7,373.7", "90.1 %", "600.6", "704.2", "10.05"):
        assert f">{shown}<" in html
    md = (out / "leaderboard.md").read_text()
    assert "| 181.9 | 7,373.7 | 90.1 % | pass |" in md


def test_speedup_and_energy_ratio_against_the_reference(site):
    _, board = site
    st = next(r for r in board.tables["kws"][Category.measured] if r.record.provenance.submitter == "STMicroelectronics")
    ref = next(r for r in board.tables["kws"][Category.measured] if r.record.system_key == REF)
    assert st.speedup == pytest.approx(ref.latency_ms / st.latency_ms)
    assert st.energy_ratio == pytest.approx(st.energy_uj / ref.energy_uj)
    assert st.composite_n == 4 and not st.partial
    assert [r.rank for r in board.tables["kws"][Category.measured]] == [1, 2]


def test_simulated_rows_only_in_their_own_category(site):
    out, board = site
    measured_keys = {r.record.system_key for r in board.tables["kws"][Category.measured]}
    simulated = board.tables["kws"][Category.simulated]
    assert [r.record.system for r in simulated] == ["relabelled-sim"] and simulated[0].rank == 1
    assert not any("relabelled-sim" in k for k in measured_keys)
    assert "relabelled-sim" not in {r.record.system for rows in board.tables["kws"].values()
                                    for r in rows if r.record.category is not Category.simulated}
    html = (out / "index.html").read_text()
    measured_section = html.split('<section class="lbsec view-all" data-category="measured">')[1].split(
        "</section>")[0]
    assert "relabelled-sim" not in measured_section
    assert "not ranked with measured results" in html
    sim_csv = [r for r in _csv_rows(out) if r["system"] == "relabelled-sim"]
    assert {r["category"] for r in sim_csv} == {"simulated"}


def test_composite_only_for_full_systems_partials_listed_apart(site):
    out, board = site
    sim = board.tables["kws"][Category.simulated][0]
    assert sim.composite_n == 1 and sim.partial and sim.composite_speedup is None
    assert [r.record.system for r in board.partial_systems[Category.simulated]] == ["relabelled-sim"]
    assert all(r.composite_n == 4 for rows in board.systems.values() for r in rows)
    html = (out / "index.html").read_text()
    partial = html.split('id="t-partial-simulated"')[1].split("</table>")[0]
    assert "relabelled-sim" in partial and "1 of 4 workloads" in partial
    assert "relabelled-sim" not in html.split('id="partial"')[0].split('id="systems"')[1]


def test_republished_results_collapse_into_one_row_with_their_rounds(published, tmp_path):
    same = tmp_path / "same/v1.4/closed/STMicroelectronics"
    shutil.copytree(published / "v1.3/closed/STMicroelectronics", same)
    board = build_board(import_tree(published / "v1.3") + import_tree(tmp_path / "same"))
    rows = board.tables["kws"][Category.measured]
    assert [(r.rounds, r.repeated_from) for r in rows] == [(["v1.3", "v1.4"], None)]
    assert board.collapsed == 5 and len(board.systems[Category.measured]) == 1
    # re-run performance, energy copied from v1.3: two rows, the later flagged
    part = tmp_path / "part/tiny_results_v1.4/closed/STMicroelectronics"
    shutil.copytree(published / "v1.3/closed/STMicroelectronics", part)
    results = part / "results/NUCLEO_L4R5ZI-P/kws/performance/results.txt"
    results.chmod(0o644)
    results.write_text(results.read_text() + "\n")
    board = build_board(import_tree(published / "v1.3") + import_tree(tmp_path / "part"))
    rows = board.tables["kws"][Category.measured]
    assert {r.record.provenance.round: r.repeated_from for r in rows} == {"v1.3": None, "v1.4": "v1.3"}


def test_quality_target_fail_is_shown(published):
    records = import_tree(published / "v0.5")
    kws = next(r for r in records if r.workload == "kws")
    low = kws.model_copy(deep=True)
    low.accuracy.top1_pct = 89.9  # below the closed-division 90 % target
    low.system = "below-target"
    board = build_board([kws, low])
    quality = {r.record.system: r.quality for r in board.tables["kws"][Category.measured]}
    assert quality == {"Nucleo-L4R5ZI": "pass", "below-target": "fail"}


@pytest.mark.parametrize("latencies,energies", [((10.0, 12.0, 15.0), (100.0, 150.0, 120.0)),
                                                 ((0.02, 5.0, 180.0), (30.0, 400.0, 7000.0))])
def test_plot_axes_are_labelled_even_within_a_decade(published, latencies, energies):
    import matplotlib.pyplot as plt

    kws = next(r for r in import_tree(published / "v0.5") if r.workload == "kws")
    records = []
    for i, (lat, energy) in enumerate(zip(latencies, energies)):
        rec = kws.model_copy(deep=True)
        rec.system = f"s{i}"
        rec.performance.latency_ms, rec.energy.energy_uj = lat, energy
        records.append(rec)
    fig = plot_figure("kws", build_board(records).tables["kws"])
    fig.canvas.draw()
    ax = fig.axes[0]
    for labels, (lo, hi), coord in ((ax.get_xticklabels(), ax.get_xlim(), 0),
                                    (ax.get_yticklabels(), ax.get_ylim(), 1)):
        # tick labels actually inside the plotted range, each a plain number
        visible = [t.get_text() for t in labels if t.get_text() and lo <= t.get_position()[coord] <= hi]
        assert len(visible) >= 2, visible
        assert all(re.fullmatch(r"[\d,.]+", text) for text in visible), visible
    assert ax.get_xlabel().startswith("latency") and ax.get_ylabel().startswith("energy")
    plt.close(fig)


def test_numbers_for_people():
    assert [human(v) for v in (10418.2, 181.92, 0.017461, 7.0)] == ["10,418", "181.9", "0.01746", "7.000"]


def test_pareto_front():
    pts = [(10, 5), (5, 10), (7, 7), (8, 8), (12, 1), (5, 11)]
    assert pareto_front(pts) == [(5, 10), (7, 7), (10, 5), (12, 1)]


def test_cli_build_writes_all_outputs(published, tmp_path):
    out = tmp_path / "site"
    assert main(["leaderboard", "build", str(published), "--out", str(out)]) == 0
    for name in ("index.html", "leaderboard.csv", "leaderboard.md", "plots/kws-pareto.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 100
    assert (out / "plots/kws-pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_serve_answers_on_loopback(site):
    from tinybench.leaderboard.serve import make_server

    out, _ = site
    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/leaderboard.csv", timeout=10) as resp:
            assert resp.status == 200 and resp.read().startswith(b"workload,category,rank")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
