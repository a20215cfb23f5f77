"""Deploy backends: every board kind resolves to its backend; unknown names fail clearly."""

from __future__ import annotations

import pytest

from tinybench.boards import list_boards
from tinybench.errors import TinybenchError
from tinybench.flash.backends import backend_for, backend_names, get_backend


def test_every_shipped_board_has_a_backend() -> None:
    for board in list_boards():
        assert backend_for(board).name == board.kind  # type: ignore[attr-defined]


def test_unknown_backend_lists_known_ones() -> None:
    with pytest.raises(TinybenchError) as err:
        get_backend("no-such-backend")
    assert "qemu" in (err.value.hint or "") and "host" in (err.value.hint or "")
    assert {"host", "qemu", "physical"} <= set(backend_names())
