"""Monitor selection and the optional instrument drivers' failure modes (no hardware in CI)."""

from __future__ import annotations

import importlib.util

import pytest

from tinybench.errors import TinybenchError
from tinybench.power.monitor import open_monitor


def test_unknown_monitor_spec_is_a_clear_error() -> None:
    with pytest.raises(TinybenchError, match="unknown power monitor 'keithley'"):
        open_monitor("keithley")
    with pytest.raises(TinybenchError, match="lpm01a needs a port"):
        open_monitor("lpm01a")


def test_lpm01a_on_a_closed_port_names_the_port() -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TinybenchError, match=f"socket://127.0.0.1:{port}"):
        open_monitor(f"lpm01a:socket://127.0.0.1:{port}")


@pytest.mark.parametrize("spec,module,extra", [("joulescope", "joulescope", "joulescope"),
                                                ("ppk2:/dev/null", "ppk2_api", "ppk2")])
def test_optional_driver_without_its_package(spec: str, module: str, extra: str) -> None:
    if importlib.util.find_spec(module) is not None:
        pytest.skip(f"{module} is installed; this checks the message shown when it is not")
    with pytest.raises(TinybenchError, match=rf"pip install 'tinybench\[{extra}\]'"):
        open_monitor(spec)


def test_simulated_power_model_comes_from_the_board() -> None:
    from tinybench.boards import load_board
    from tinybench.power.sim_lpm01a import DEFAULT_MW_PER_MHZ, estimate_power_mw

    board = load_board("qemu-mps2-an386")
    mw, why = estimate_power_mw(board)
    assert mw == pytest.approx(DEFAULT_MW_PER_MHZ * board.clock_hz / 1e6)
    assert "25 MHz" in why
    assert estimate_power_mw({"power": {"active_power_mw": 12.5}}) == (12.5, "board definition active_power_mw = 12.5 mW")
    assert estimate_power_mw(None)[1].endswith("(no clock in board definition)")
