"""After flashing: make sure the board now runs the image just written, or stop the run.

A flash tool can report success while the board still runs the old image (wrong board picked,
write-protected flash, a reset that never happened). Our firmware's ``tb-info`` reports the model's
sha256 and the build id (the image's content key, compiled in as ``TB_BUILD_ID``): both must match
the image. Firmware built without the tinybench extensions (``standard``) can only be checked by
its ``name%`` answer.
"""

from __future__ import annotations

from tinybench.errors import TinybenchError
from tinybench.flash.build import FirmwareImage


def identify(url: str, baud: int, image: FirmwareImage, *, timeout: float = 30.0) -> dict[str, str]:
    """``tb-info`` of the DUT at ``url``; raises unless it names ``image``'s model and build."""
    from tinybench.protocol import client as dut_client

    try:
        with dut_client.connect(url, baud, timeout=5.0, sync_timeout=timeout) as dut:
            name = dut.name()
            if image.standard:
                return {"name": name}
            info = dut.info()
    except TinybenchError as exc:
        raise TinybenchError(f"the board at {url} did not answer after flashing and reset: {exc.message}",
                             "check the reset (power-cycle the board), the serial port and the baud "
                             f"({baud})") from exc
    problems = []
    if image.model_sha256 and info.get("sha256") != image.model_sha256:
        problems.append(f"model sha256 {info.get('sha256', '?')[:16]}… ≠ {image.model_sha256[:16]}…")
    if info.get("build") != image.key:
        problems.append(f"build id {info.get('build', '(none)')} ≠ {image.key}")
    if problems:
        raise TinybenchError(
            f"the board at {url} does not run the image just flashed ({'; '.join(problems)})",
            "the flash did not take or another board answered: check which probe/port belongs to "
            "this board, then flash again; nothing was measured")
    return {"name": name, **info}
