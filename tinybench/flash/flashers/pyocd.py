"""Flasher ``pyocd``: pyOCD's Python API (PyPI ``pyocd``, imported only when used): open the
probe, program the ELF with verification, reset and run. pyOCD's own exception text is the error."""

from __future__ import annotations

from tinybench.errors import TinybenchError
from tinybench.flash.flashers import FlashRequest, register_flasher


@register_flasher("pyocd")
class PyOcdFlasher:
    def flash(self, request: FlashRequest) -> str:
        try:
            from pyocd.core.helpers import ConnectHelper  # type: ignore[import-not-found]
            from pyocd.flash.file_programmer import FileProgrammer  # type: ignore[import-not-found]
        except ImportError as exc:
            raise TinybenchError("flasher 'pyocd' needs the pyocd package, which is not installed",
                                 "pip install pyocd (or pick another flasher with --flasher)") from exc
        target = request.config.pyocd_target
        board = request.board.name
        try:
            session = ConnectHelper.session_with_chosen_probe(
                blocking=False, return_first=True, target_override=target,
                options={"frequency": 4_000_000})
            if session is None:
                raise TinybenchError(f"pyOCD found no debug probe for {board}",
                                     "plug the board in (its USB debug port) and check `pyocd list`")
            with session:
                FileProgrammer(session, chip_erase="auto", trust_crc=False).program(
                    str(request.elf), file_format="elf")
                session.board.target.reset()
        except TinybenchError:
            raise
        except Exception as exc:  # pyOCD raises its own hierarchy; its message is what matters
            raise TinybenchError(f"pyOCD failed flashing {board} (target {target}): {exc}",
                                 "check the probe (busy in another debugger?), the target name and "
                                 "the board power") from exc
        return f"pyOCD programmed {request.elf} ({target}) and reset the target"
