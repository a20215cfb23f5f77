"""VWW builder: ``person/`` and ``non_person/`` image folders → 96×96×3 uint8 HWC files.

Resizing reproduces ``skimage.transform.resize(anti_aliasing=True)`` with numpy/scipy
(``features.resize_like_skimage``); images are decoded with Pillow (already installed as a
matplotlib dependency). Output names: the 12-digit COCO image id when the file name carries one
(``COCO_val2014_000000343218.jpg`` → ``000000343218.bin``), else the file stem. When the source holds
every image of the official ``vww01`` index, exactly those are built, in index order.
"""

from __future__ import annotations

import re
from pathlib import Path

from tinybench.errors import TinybenchError
from tinybench.workloads.builders.common import BuiltInput, read_rgb, select_names, write_layout
from tinybench.workloads.definitions import Workload
from tinybench.workloads.features import vww_image_bytes

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff"}
_FOLDERS = {"person": 1, "non_person": 0}


def _out_name(path: Path) -> str:
    match = re.search(r"(\d{6,12})$", path.stem)
    return f"{int(match.group(1)):012d}.bin" if match else f"{path.stem}.bin"


def build(workload: Workload, source: Path, out: Path, *, limit: int | None = None,
          official_index: Path | None = None) -> Path:
    found: dict[str, tuple[Path, int]] = {}
    for folder, label in _FOLDERS.items():
        for path in sorted((source / folder).glob("*")):
            if path.suffix.lower() in _IMAGE_SUFFIXES:
                found.setdefault(_out_name(path), (path, label))
    if not found:
        raise TinybenchError(f"no images in {source}/person or {source}/non_person",
                             "point --source at the extracted vw_coco2014_96 folder")
    # fallback order: person images first, like the official index
    names = select_names(workload.id, found, official_index, lambda n: (-found[n][1], n), limit)
    inputs = [BuiltInput(n, vww_image_bytes(read_rgb(found[n][0])), found[n][1],
                         str(found[n][0].relative_to(source))) for n in names]
    return write_layout(out, workload.dataset.num_classes, inputs)
