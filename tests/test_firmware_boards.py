"""Board definitions: the shipped files load, and broken files fail naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinybench.boards import list_boards, load_board
from tinybench.errors import TinybenchError


def test_shipped_boards_load() -> None:
    boards = {b.name: b for b in list_boards()}
    assert {"host", "qemu-mps2-an386", "qemu-mps3-an547", "nucleo-l4r5zi"} <= set(boards)
    assert boards["qemu-mps2-an386"].qemu.machine == "mps2-an386"  # type: ignore[union-attr]
    assert boards["nucleo-l4r5zi"].category == "measured"
    assert boards["nucleo-l4r5zi"].serial.discovery.vid == 0x0483  # type: ignore[union-attr]
    for board in boards.values():
        if board.kind in ("host", "qemu"):
            assert board.category == "simulated"
            assert (Path(__file__).parents[1] / "firmware" / "ports" / board.build.port / "port.mk").is_file()


def test_load_by_path_and_name_agree() -> None:
    by_name = load_board("qemu-mps3-an547")
    assert by_name.source is not None
    assert load_board(str(by_name.source)) == by_name


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


def test_bad_field_names_file_and_field(tmp_path: Path) -> None:
    base = (Path(__file__).parents[1] / "boards" / "qemu-mps2-an386.yaml").read_text()
    path = _write(tmp_path, base.replace("clock_hz: 25000000", "clock_hz: 25MHz"))
    with pytest.raises(TinybenchError) as err:
        load_board(path)
    assert str(path) in err.value.message and "clock_hz" in err.value.message


def test_unknown_key_and_missing_section(tmp_path: Path) -> None:
    base = (Path(__file__).parents[1] / "boards" / "qemu-mps2-an386.yaml").read_text()
    with pytest.raises(TinybenchError, match="icount_shfit"):
        load_board(_write(tmp_path, base.replace("icount_shift: 5", "icount_shfit: 5")))
    cut = base[:base.index("qemu:")]
    with pytest.raises(TinybenchError, match="needs a 'qemu' section"):
        load_board(_write(tmp_path, cut))


def test_unknown_board_lists_known_ones() -> None:
    with pytest.raises(TinybenchError) as err:
        load_board("no-such-board")
    assert "qemu-mps2-an386" in (err.value.hint or "")


def test_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(TinybenchError, match="mapping"):
        load_board(_write(tmp_path, "- just\n- a list\n"))
