"""Renode boards: the qemu-mps2-an386 image runs unchanged on renode-mps2-an386 (one Renode for
the module), its instruction figure matches Renode's own counter, its laps repeat exactly, and bad
set-ups fail with Renode's own words."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixtures_renode import RENODE_BOARD, needs_renode
from tinybench.boards import load_board
from tinybench.errors import TinybenchError
from tinybench.flash import deploy
from tinybench.protocol import connect

pytestmark = pytest.mark.renode


def _input(n: int = 490) -> bytes:
    return bytes((i * 37 + 11) % 256 for i in range(n))


def test_same_image_answers_on_renode(renode_kws) -> None:  # type: ignore[no-untyped-def]
    link = renode_kws
    assert link.image.port == "qemu-mps2-an386" and link.board.name == RENODE_BOARD
    assert link.category == "simulated" and "Renode virtual time" in link.time_base
    with connect(link.url, link.baud, timeout=30.0) as dut:
        assert dut.name() == "tinybench-qemu-mps2-an386"
        assert dut.profile()[1] == "kws01"


def test_instructions_match_renode_counter_and_laps_repeat(renode_kws) -> None:  # type: ignore[no-untyped-def]
    link = renode_kws
    renode = link.processes[0]
    with connect(link.url, link.baud, timeout=60.0) as dut:
        dut.load(_input())
        before = renode.executed_instructions()
        first = dut.infer(2, 1)
        after = renode.executed_instructions()
        second = dut.infer(2, 1)
    assert first.elapsed_us is not None and first.elapsed_us > 0
    derived = first.elapsed_us * link.instructions_per_us / first.iterations
    counted = (after - before) / (first.iterations + first.warmups)  # includes command handling
    assert abs(derived - counted) / counted < 1e-3, (derived, counted)
    # Virtual time: the same image and input give the same DUT time, up to a few µs within one
    # session: the µs timestamps are truncated SysTick counts, and Renode updates the counter per
    # executed block, so a window starting at another phase may read a block later (< 10 ppm).
    assert abs(second.elapsed_us - first.elapsed_us) <= max(5, first.elapsed_us * 1e-5)
    assert second.results == first.results


def test_output_bit_exact_with_qemu(renode_kws, firmware_image) -> None:  # type: ignore[no-untyped-def]
    link = renode_kws
    with connect(link.url, link.baud, timeout=60.0) as dut:
        dut.load(_input())
        dut.infer(1, 0)
        on_renode = dut.raw_output()
    with deploy(load_board("qemu-mps2-an386"), link.image) as qlink, \
            connect(qlink.url, qlink.baud, timeout=60.0) as dut:
        dut.load(_input())
        dut.infer(1, 0)
        assert dut.raw_output() == on_renode


def _board_yaml(tmp_path: Path, **renode: str) -> Path:
    base = (Path(__file__).parents[1] / "boards" / f"{RENODE_BOARD}.yaml").read_text()
    platform = Path(__file__).parents[1] / "boards" / "renode" / "mps2-an386.repl"
    text = base.replace("platform: renode/mps2-an386.repl", f"platform: {platform}")
    for key, value in renode.items():
        text += f"  {key}: {value}\n"
    path = tmp_path / "renode-test.yaml"
    path.write_text(text.replace("name: renode-mps2-an386", "name: renode-test"))
    return path


def test_missing_renode_says_how_to_install(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tinybench.sim.renode import find_renode

    monkeypatch.setenv("TINYBENCH_RENODE", str(tmp_path / "no-renode"))
    with pytest.raises(TinybenchError) as err:
        find_renode()
    assert "TINYBENCH_RENODE" in err.value.message and "releases" in (err.value.hint or "")


def test_wrong_cpu_elf_is_refused_before_launch(firmware_image) -> None:  # type: ignore[no-untyped-def]
    from tinybench.sim.renode import launch_renode

    host_image = firmware_image("host", "ad01")
    with pytest.raises(TinybenchError, match="x86-64.*renode-mps2-an386"):
        launch_renode(load_board(RENODE_BOARD), host_image.path)


def _our_children() -> set[int]:
    me = str(os.getpid())
    kids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            kids.add(int(stat.parent.name))
    return kids


def test_bad_platform_reports_renode_error_and_leaves_nothing(tmp_path: Path,
                                                              firmware_image) -> None:  # type: ignore[no-untyped-def]
    needs_renode()
    board = load_board(_board_yaml(tmp_path, platform_extra='"broken: Memory.MappedMemory @ sysbus 0x60000000\\n    sizee: 4\\n"'))
    image = firmware_image("qemu-mps2-an386", "kws01")
    before = _our_children()
    with pytest.raises(TinybenchError) as err:
        with deploy(board, image):
            pass
    assert "renode-test" in err.value.message
    assert "MappedMemory" in err.value.message and "constructor" in err.value.message  # Renode's text
    assert _our_children() <= before  # Renode stopped, no orphan


def test_firmware_never_answering_names_board_and_renode_log(tmp_path: Path,
                                                             firmware_image) -> None:  # type: ignore[no-untyped-def]
    needs_renode()
    # The DUT link wired to the edge UART: the firmware runs but never answers name% there.
    text = _board_yaml(tmp_path).read_text().replace("uart: uart0", "uart: uart1")
    path = tmp_path / "silent.yaml"
    path.write_text(text + "  start_timeout_s: 4\n")
    from fixtures_run import cached_dataset
    from tinybench.run.session import RunRequest, start

    firmware_image("qemu-mps2-an386", "kws01")
    before = _our_children()
    out = tmp_path / "run"
    with pytest.raises(TinybenchError) as err:
        start(RunRequest(board=str(path), workload="kws01", mode="performance",
                         dataset=cached_dataset("kws01", 5), out=out, progress=False))
    assert "renode-test" in err.value.message and "name%" in err.value.message
    assert "last Renode output" in err.value.message and "sysbus" in err.value.message
    assert _our_children() <= before
    # nothing half-written: no results claimed in the run directory
    assert not (out / "results.json").exists() and not (out / "results.txt").exists()


def test_log_tail_folds_a_recurring_warning_and_keeps_the_setup_lines() -> None:
    # No Renode needed: the shape of a real transcript (the failing run above, 40 s instead of 4).
    from tinybench.sim.renode import fold_repeated_log_lines
    warn = "[WARNING] uart1: Unhandled write to offset 0xC. Unhandled bits: [2-3] when writing value 0xF."
    lines = ["(dut) sysbus LoadELF @/tmp/firmware.elf",
             "05:54:46.3544 [INFO] sysbus: Loading block of 52224 bytes length at 0x0.",
             "(dut) start", "Starting emulation...", "(dut) start"]
    lines += [f"{'(dut) ' if s == 0 else ''}05:54:{s:02d}.6068 {warn}" for s in range(40)]
    lines.append("05:55:40.0001 [INFO] dut: Machine paused.")
    tail = fold_repeated_log_lines(lines, keep=25, limit=2000).splitlines()
    assert tail[0] == "(dut) sysbus LoadELF @/tmp/firmware.elf"       # the setup survived
    assert tail.count("(dut) start") == 2                           # monitor echoes are not folded
    folded = [ln for ln in tail if "Unhandled write" in ln]
    assert folded == [f"05:54:39.6068 {warn}  [40 times]"]           # once, at its last place
    assert tail[-1].endswith("Machine paused.")
    short = fold_repeated_log_lines(lines, keep=3, limit=2000).splitlines()
    assert short == ["(dut) start", f"05:54:39.6068 {warn}  [40 times]",
                     "05:55:40.0001 [INFO] dut: Machine paused."]
