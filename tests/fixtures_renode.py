"""Fixtures of the Renode area: skip reasons and one running Renode per test module.

Renode takes seconds to start, so tests share one per module; every DUT is the real firmware on
real Renode reached over a real socket terminal.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

RENODE_BOARD = "renode-mps2-an386"


def needs_renode() -> None:
    """Skip (with the reason) when Renode or the Arm toolchain is missing."""
    from tinybench.errors import TinybenchError
    from tinybench.sim.renode import find_renode

    try:
        find_renode()
    except TinybenchError as exc:
        pytest.skip(f"Renode is not installed here ({exc.message}); ./quickstart.sh --setup installs it")
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc is not installed (needed for Renode boards)")


@pytest.fixture(scope="module")
def renode_kws(firmware_image) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The KWS image built for qemu-mps2-an386, running unchanged on renode-mps2-an386."""
    from tinybench.boards import load_board
    from tinybench.flash import deploy

    needs_renode()
    image = firmware_image("qemu-mps2-an386", "kws01")
    with deploy(load_board(RENODE_BOARD), image) as link:
        yield link
