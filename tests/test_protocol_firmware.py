"""DutClient against the REAL tinybench firmware (host build, kws01) over a real socket link."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tinybench.protocol import DutError, connect


@pytest.fixture(scope="module")
def kws_host():
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    from tinybench.boards import load_board
    from tinybench.flash import build_firmware, deploy
    from tinybench.run.session import _model_file
    from tinybench.workloads import load_workload

    board, workload = load_board("host"), load_workload("kws01")
    model = _model_file(workload)
    image = build_firmware(board, model, workload.id)
    with deploy(board, image) as link:
        yield link, workload, model


def test_standard_and_extended_commands(kws_host):
    from tinybench.workloads.conversion import input_to_int8
    from tinybench.workloads.reference import TflmModel

    link, workload, model = kws_host
    rng = np.random.default_rng(3)
    data = rng.integers(0, 256, 490, dtype=np.uint8).tobytes()
    expected = TflmModel(workload, model).run(input_to_int8(data, workload))
    with connect(link.url, link.baud, timeout=5.0) as client:
        assert client.profile()[1] == "kws01"
        client.load(data)                                  # stock 31-byte chunks (not negotiated yet)
        r1 = client.infer(3, 1)
        raw_stock = client.raw_output()                    # negotiates tb-caps on first use
        caps = client.caps()
        client.load(data)                                  # now in big negotiated chunks
        r2 = client.infer(1, 0)
        raw_big = client.raw_output()
        again = client.results()
        info = client.info()
    assert caps.raw and caps.info and caps.cmdmax > 80 and caps.chunk_bytes > 31
    assert raw_stock == raw_big == expected.tobytes()      # bit-exact with TFLM either way
    assert r1.elapsed_us is not None and r1.elapsed_us > 0 and len(r1.laps) == 2
    deq = (np.frombuffer(raw_big, dtype=np.int8).astype(float) + 128) / 256
    assert r2.results == pytest.approx(deq, abs=1e-3) and again == r2.results
    assert info["model"] == "kws01" and int(info["input_bytes"]) == 490


def test_firmware_errors_surface_as_dut_errors(kws_host):
    link, _, _ = kws_host
    with connect(link.url, link.baud, timeout=5.0) as client:
        with pytest.raises(DutError, match="Unknown command"):
            client.command("frobnicate")
        with pytest.raises(DutError):
            client.command("infer 0 0")
        with pytest.raises(DutError):
            client.command("db load 0")
        assert client.name()                               # still in step
