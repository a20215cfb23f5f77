"""Every published MLPerf Tiny energy trace in ../shared is recomputed within 0.1 %.

The expected values are parsed here, independently of tinybench's code, from each folder's
``results.txt`` (EnergyRunner ``ulp-ml:`` lines or MLC runner "Energy data for trial" blocks), and
the recomputation goes through the real CLI (``tinybench energy DIR --json``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tinybench.cli import main

TOL = 1e-3  # 0.1 %


def _published(results_txt: str) -> dict:
    """Per-window Energy (uJ), Power (uW), Energy/Inf (uJ) and duration (s) + the median."""
    energy = [float(x) for x in re.findall(r"(?:Total )?Energy\s*:\s*([\d.]+) uJ\s*$", results_txt, re.M)]
    per_inf = [float(x) for x in re.findall(r"Energy/Inf\.?\s*:\s*([\d.]+) uJ/inf", results_txt)]
    power = [float(x) for x in re.findall(r"Power\s*:\s*([\d.]+) uW", results_txt)]
    power += [float(x) * 1000.0 for x in re.findall(r"Power\s*:\s*([\d.]+) mW", results_txt)]
    duration = [float(x) for x in re.findall(r"for ([\d.]+) sec\.:", results_txt)]
    duration += [float(x) for x in re.findall(r"Elapsed time\s*:\s*([\d.]+)", results_txt)]
    median = float(re.search(r"Median energy cost is ([\d.]+) uJ/inf", results_txt).group(1))
    return {"energy": energy, "per_inf": per_inf, "power": power, "duration": duration,
            "median": median}


def _trace_folders(root: Path) -> list[Path]:
    found = [p.parent for p in root.rglob("trace1-energy.bin")]
    for results in root.rglob("energy/results.json"):
        if '"power"' in results.read_text()[:100000]:
            found.append(results.parent)
    return sorted(found)


def test_all_published_traces_reproduce(shared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folders = _trace_folders(shared / "mlperf-tiny-results")
    # v0.5 reference KWS/VWW/IC/AD (EnergyRunner) and v1.3 ST KWS/IC/AD (MLC results.json).
    assert len(folders) >= 7, folders
    for folder in folders:
        expected = _published((folder / "results.txt").read_text())
        capsys.readouterr()
        assert main(["energy", str(folder), "--json"]) == 0
        got = json.loads(capsys.readouterr().out)
        windows = got["windows"]
        assert len(windows) == len(expected["energy"]) == len(expected["per_inf"]) == 5, folder
        for w, e, p, ei, d in zip(windows, expected["energy"], expected["power"],
                                  expected["per_inf"], expected["duration"]):
            assert w["energy_uj"] == pytest.approx(e, rel=TOL), (folder, w["index"])
            assert w["power_uw"] == pytest.approx(p, rel=TOL), (folder, w["index"])
            assert w["energy_per_inf_uj"] == pytest.approx(ei, rel=TOL), (folder, w["index"])
            # Durations are printed with 2-3 decimals: agree to the printed precision.
            assert abs(w["duration_s"] - d) <= 0.006, (folder, w["index"], w["duration_s"], d)
        assert got["median_energy_per_inf_uj"] == pytest.approx(expected["median"], rel=TOL), folder


def test_mlc_results_json_is_exact(shared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The MLC format carries exact sample indices: agreement is to the printed precision."""
    folder = shared / "mlperf-tiny-results/v1.3/closed/STMicroelectronics/results/NUCLEO_L4R5ZI-P/kws/energy"
    if not folder.is_dir():
        pytest.skip("v1.3 ST KWS energy folder absent")
    expected = _published((folder / "results.txt").read_text())
    assert main(["energy", str(folder), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [round(w["energy_uj"], 3) for w in got["windows"]] == expected["energy"]
    assert round(got["median_energy_per_inf_uj"], 4) == expected["median"]
    assert got["voltage_v"] == 3.0
