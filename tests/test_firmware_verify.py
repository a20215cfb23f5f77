"""Bit-exactness of the firmware against TFLM, over the serial protocol, per model and board.

Default run: 200 random inputs per model on the host build (VWW: 50) plus all 196 windows of the
real AD sample; on QEMU mps2-an386 a smaller set per model (the 200-input QEMU run is
``benchmarks/firmware_verify.py``, report in benchmarks/results/firmware_verify.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fixtures_firmware import physical_board
from tinybench.boards import load_board
from tinybench.errors import TinybenchError
from tinybench.flash.verify import quantize_window, verify_model

HOST_SAMPLES = {"ad01": 200, "kws01": 200, "ic01": 200, "vww01": 50}
QEMU_SAMPLES = {"ad01": 20, "kws01": 20, "ic01": 8, "vww01": 2}


@pytest.mark.parametrize("model_id", sorted(HOST_SAMPLES))
def test_bit_exact_on_host(model_id: str, model_path) -> None:  # type: ignore[no-untyped-def]
    report = verify_model(load_board("host"), model_path(model_id), model_id,
                          samples=HOST_SAMPLES[model_id], seed=11)
    assert report.first is None, report.to_json()
    assert report.checked == HOST_SAMPLES[model_id] + (196 if model_id == "ad01" else 0)
    assert report.ok


@pytest.mark.qemu
@pytest.mark.parametrize("model_id", sorted(QEMU_SAMPLES))
def test_bit_exact_on_qemu_mps2_an386(model_id: str, model_path) -> None:  # type: ignore[no-untyped-def]
    from fixtures_firmware import needs_qemu

    needs_qemu("qemu-mps2-an386")
    report = verify_model(load_board("qemu-mps2-an386"), model_path(model_id), model_id,
                          samples=QEMU_SAMPLES[model_id], seed=12, real_limit=24)
    assert report.first is None, report.to_json()
    assert report.checked == QEMU_SAMPLES[model_id] + (24 if model_id == "ad01" else 0)


@pytest.mark.qemu
def test_bit_exact_on_qemu_mps3_an547_smoke(model_path) -> None:  # type: ignore[no-untyped-def]
    from fixtures_firmware import needs_qemu

    needs_qemu("qemu-mps3-an547")
    report = verify_model(load_board("qemu-mps3-an547"), model_path("kws01"), "kws01", samples=5, seed=13)
    assert report.ok and report.checked == 5 and report.category == "simulated"


def test_quantize_rule() -> None:
    """The documented float→int8 rule: round half away from zero, NaN → zero point, saturation."""
    scale, zp = 0.5, 3
    x = np.array([0.25, -0.25, 0.75, -0.75, 0.2, 1e30, -1e30, np.nan, 61.0, -66.0], dtype="<f4")
    got = quantize_window(x.tobytes(), scale, zp).tolist()
    # x/scale = .5 → 1, -.5 → -1, 1.5 → 2, -1.5 → -2, .4 → 0, +inf → 127, -inf → -128, nan → zp
    assert got == [4, 2, 5, 1, 3, 127, -128, 3, 125, -128]


def test_verify_cli_json(model_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tinybench.cli import main

    code = main(["verify", "--board", "host", "--model", str(model_path("kws01")), "--samples", "5",
                 "--seed", "3", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["ok"] and out["checked"] == 5 and out["bit_exact_percent"] == 100.0


def test_corrupt_model_is_refused_before_building(tmp_path: Path, model_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tinybench.flash import build_firmware

    monkeypatch.setenv("TINYBENCH_CACHE", str(tmp_path / "cache"))
    truncated = tmp_path / "truncated.tflite"
    truncated.write_bytes(model_path("kws01").read_bytes()[:5000])
    garbage = tmp_path / "garbage.tflite"
    garbage.write_bytes(b"this is not a flatbuffer at all" * 10)
    for bad in (truncated, garbage, tmp_path / "missing.tflite"):
        with pytest.raises(TinybenchError) as err:
            build_firmware(load_board("host"), bad, "kws01")
        assert bad.name in str(err.value) or "model" in str(err.value).lower()
    built = list((tmp_path / "cache" / "firmware").glob("*/out")) if (tmp_path / "cache" / "firmware").exists() else []
    assert built == []


def test_model_too_large_for_board_is_refused_before_building(tmp_path: Path, model_path,
                                                              monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tinybench.flash import build_firmware

    monkeypatch.setenv("TINYBENCH_CACHE", str(tmp_path / "cache"))
    text = (Path(__file__).parents[1] / "boards" / "qemu-mps2-an386.yaml").read_text()
    small = tmp_path / "tiny-board.yaml"
    small.write_text(text.replace("name: qemu-mps2-an386", "name: tiny-board")
                     .replace("ram_bytes: 4194304", "ram_bytes: 65536")
                     .replace("flash_bytes: 4194304", "flash_bytes: 131072"))
    with pytest.raises(TinybenchError) as err:
        build_firmware(load_board(small), model_path("vww01"), "vww01")
    message = str(err.value)
    assert "tiny-board" in message and "RAM" in message and "flash" in message
    assert not (tmp_path / "cache" / "firmware").exists() or \
        not list((tmp_path / "cache" / "firmware").glob("*/out"))


def test_build_is_cached_and_deploy_always_stops_the_simulator(firmware_image) -> None:  # type: ignore[no-untyped-def]
    from tinybench.flash import deploy

    first = firmware_image("host", "kws01")
    assert firmware_image("host", "kws01") == first
    procs = []
    with pytest.raises(RuntimeError, match="boom"):
        with deploy(load_board("host"), first) as link:
            procs = link.processes
            assert procs and procs[0].alive()
            raise RuntimeError("boom")
    assert procs and not procs[0].alive()


def test_image_for_other_board_is_refused(firmware_image) -> None:  # type: ignore[no-untyped-def]
    from tinybench.flash import deploy

    image = firmware_image("host", "kws01")
    with pytest.raises(TinybenchError, match="built for port 'host'"):
        with deploy(load_board("qemu-mps2-an386"), image):
            pass


def test_physical_deploy_path_flashes_then_handshakes(tmp_path: Path, firmware_image) -> None:  # type: ignore[no-untyped-def]
    from tinybench.flash import deploy
    from tinybench.sim import launch_host

    image = firmware_image("host", "kws01")
    proc = launch_host(image.path)
    try:
        board = load_board(physical_board(tmp_path, proc.uart_url, "true"))
        with deploy(board, image) as link:
            assert link.url == proc.uart_url and link.category == "measured" and link.edge_url is None
        with pytest.raises(TinybenchError, match="failed flashing bench-board"):
            with deploy(load_board(physical_board(tmp_path, proc.uart_url, "false")), image):
                pass
    finally:
        proc.stop()


def test_a_real_discrepancy_fails_verify_and_names_the_first_output(model_path, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Firmware built from a copy of the AD model with ONE weight changed, checked against the
    official model in TFLM: verify must exit 1 and name the first differing input and output."""
    from tinybench.cli import main
    from tinybench.compiler.tflite import read_model

    official = model_path("ad01")
    data = bytearray(official.read_bytes())
    model = read_model(official)
    weights = model.tensors[model.operators[0].inputs[1]].data  # first FC layer, 640 inputs/row
    assert weights is not None and data.count(weights) == 1
    at = data.find(weights)
    data[at] = (data[at] + 64) % 256               # weight [0][0] of the first layer
    tampered = tmp_path / "ad01_tampered.tflite"
    tampered.write_bytes(bytes(data))

    capsys.readouterr()
    code = main(["verify", "--board", "host", "--model", str(tampered), "--id", "ad01",
                 "--reference", str(official), "--samples", "5", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["ok"] is False and report["reference_model"] == str(official)
    first = report["first_mismatch"]
    assert first["input_index"] == 0 and first["dut"] != first["reference"]
    assert 0 <= first["output_index"] < 640
    assert report["mismatched_inputs"] >= 1

    # The human-readable form names it too.
    code = main(["verify", "--board", "host", "--model", str(tampered), "--id", "ad01",
                 "--reference", str(official), "--samples", "1"])
    assert code == 1
    assert "FIRST MISMATCH: input #0" in capsys.readouterr().out
