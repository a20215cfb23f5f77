"""Building firmware images for a board and workload, and putting them on the board (flash or launch).

``build_firmware(board, model, model_id)`` → ``FirmwareImage`` (compiled, size-checked, cached);
``deploy(board, image)`` → context manager yielding a ``DutLink`` that answers ``name%``.
"""

from tinybench.flash.build import FirmwareImage, build_firmware, build_from_model_dir
from tinybench.flash.deploy import DutLink, deploy
from tinybench.flash.fit import check_fit

__all__ = ["DutLink", "FirmwareImage", "build_firmware", "build_from_model_dir", "check_fit", "deploy"]
