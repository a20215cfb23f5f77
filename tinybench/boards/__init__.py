"""Board definitions (boards/*.yaml) validated with pydantic, and board discovery.

Why pydantic: a typo in a board file (``clock_hz: 25MHz``, an unknown key) must stop a run with a
message naming the file and the field, not surface later as a QEMU or serial failure.
"""

from tinybench.boards.model import Board, BuildConfig, Discovery, FlashConfig, QemuConfig, RenodeConfig, SerialConfig
from tinybench.boards.registry import list_boards, load_board

__all__ = [
    "Board",
    "BuildConfig",
    "Discovery",
    "FlashConfig",
    "QemuConfig",
    "RenodeConfig",
    "SerialConfig",
    "list_boards",
    "load_board",
]
