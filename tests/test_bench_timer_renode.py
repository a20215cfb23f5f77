"""The interface board's timestamp input on the NUCLEO-L4R5ZI and nRF52840-DK twins (real Renode).

The interface firmware built for each board (firmware/interface, iface_l4r5.c / iface_nrf.c) runs
on the board's Renode twin; the test drives the pin the bench wires to the DUT's timestamp line
(Arduino D3: PE13 through SYSCFG/EXTI on the L4R5, P1.04 through GPIOTE on the nRF52840) from the
Renode monitor with the emulation paused, advancing virtual time by known steps between the
changes, and reads the board's ``m-lap-us-N`` lines over a pyserial socket:

- ``tb-iface`` advertises ``timer``;
- ``tm 0`` (EEMBC's default): one lap per falling edge, ``tm 1``: one per change; the laps'
  differences equal the virtual time between the changes to the timer's resolution (1 µs);
- ``res`` answers ``m-[DUT reset]`` and leaves the DUT-reset output (Arduino D2) released.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import serial

from fixtures_renode import needs_renode

pytestmark = pytest.mark.renode

# board -> (monitor path of the timestamp pin's GPIO port and pin, reset pin: (ODR/OUT address, bit))
TWINS = {
    "renode-nucleo-l4r5zi": ("sysbus.gpioPortE OnGPIO 13", (0x48001414, 15)),   # PE13; GPIOF_ODR, PF15
    "renode-nrf52840dk": ("sysbus.gpio1 OnGPIO 4", (0x50000804, 3)),            # P1.04; P1 OUT, P1.03
}
# (level, virtual seconds until the next change): falling, rising 12.3 ms later, falling 1 ms
# later, rising 5 ms later — a window and a short timestamp pulse.
TOGGLES = [(False, 0.0123), (True, 0.001), (False, 0.005), (True, 0.002)]


def _command(link: serial.Serial, command: str) -> list[str]:
    """The board's reply lines to ``command`` up to its ``m-ready``."""
    link.write(command.encode() + b"%")
    lines: list[str] = []
    end = time.monotonic() + 30.0
    while time.monotonic() < end:
        line = link.readline().decode(errors="replace").strip()
        if line == "m-ready":
            return lines
        if line:
            lines.append(line)
    raise AssertionError(f"no m-ready after {command!r}; got {lines}")


def _laps(link: serial.Serial, count: int) -> list[int]:
    laps: list[int] = []
    end = time.monotonic() + 30.0
    while len(laps) < count and time.monotonic() < end:
        line = link.readline().decode(errors="replace").strip()
        if line.startswith("m-lap-us-"):
            laps.append(int(line.removeprefix("m-lap-us-")))
        else:
            assert not line.startswith("e-"), line
    return laps


@pytest.fixture(scope="module", params=sorted(TWINS))
def twin(request: pytest.FixtureRequest) -> Iterator[tuple[str, object, serial.Serial]]:
    from tinybench.boards import load_board
    from tinybench.flash.build import build_interface_firmware
    from tinybench.sim.renode import launch_renode

    needs_renode()
    board = load_board(request.param)
    assert board.build is not None
    elf = build_interface_firmware(board.build.port, 9600, pace=True)
    proc = launch_renode(board, elf)
    try:
        link = serial.serial_for_url(proc.uart_url, baudrate=115200, timeout=1.0)
        try:
            yield request.param, proc, link
        finally:
            link.close()
    finally:
        proc.stop()


def _toggle(proc, pin: str) -> None:  # type: ignore[no-untyped-def]
    """The changes of TOGGLES at exact virtual times (emulation paused in between), then run on."""
    proc.command("pause")
    for level, step in TOGGLES:
        proc.command(f"{pin} {str(level).lower()}")
        proc.command(f'emulation RunFor "{step}"')
    proc.command("start")


@pytest.mark.parametrize("mode", ["0", "1"])
def test_laps_follow_the_timestamp_pin_in_virtual_time(twin, mode: str) -> None:  # type: ignore[no-untyped-def]
    name, proc, link = twin
    pin = TWINS[name][0]
    assert _command(link, "tb-iface")[0].endswith(",timer]")
    proc.command(f"{pin} true")            # the DUT's line idles high
    assert _command(link, f"tm {mode}")[0] == ("m-timestmp-mode-FALLING" if mode == "0"
                                               else "m-timestmp-mode-CHANGE")
    assert _command(link, "enable-timer") == ["m-timer-enabled"]
    _toggle(proc, pin)
    changes = [i for i, (level, _) in enumerate(TOGGLES) if mode == "1" or not level]
    laps = _laps(link, len(changes))
    assert _command(link, "disable-timer") == ["m-timer-disabled"]
    assert len(laps) == len(changes), laps
    at = [round(sum(step for _, step in TOGGLES[:i]) * 1e6) for i in changes]
    for k in range(1, len(laps)):
        assert laps[k] - laps[k - 1] == pytest.approx(at[k] - at[k - 1], abs=1), (laps, at)


def test_res_answers_and_leaves_the_dut_reset_output_released(twin) -> None:  # type: ignore[no-untyped-def]
    """Only the end state is checked: watching the 10 ms pulse needs host bytes sent to a paused
    twin, and ``emulation RunFor`` then crashes Renode 1.16.1 (OverflowException in
    MasterTimeSource.RunFor; docs/bench.md)."""
    name, proc, link = twin
    out_reg, bit = TWINS[name][1]
    assert _command(link, "res") == ["m-[DUT reset]"]
    value = int(proc.command(f"sysbus ReadDoubleWord {out_reg:#x}").split()[-1], 0)
    assert (value >> bit) & 1 == 1            # released: open drain, high-Z (0 = held low)
