"""Flasher ``openocd``: OpenOCD's ``program`` command with the board's config files (Debian's
openocd ships e.g. ``board/st_nucleo_l4.cfg``; the nRF52840-DK ``board/nordic_nrf52_dk.cfg``). ``program ... verify reset exit`` writes, verifies and resets."""

from __future__ import annotations

from tinybench.flash.flashers import FlashRequest, register_flasher, run_tool

#: OpenOCD's own messages for the classic failures (it may still exit 0 on some of them)
FAILURES = ("Error: open failed", "couldn't open", "Error: No J-Link device found", "** Programming Failed **",
            "** Verify Failed **", "checksum mismatch", "Error: init mode failed",
            "UNEXPECTED idcode", "Error connecting DP")


def openocd_argv(config: list[str], elf: str) -> list[str]:
    argv = ["openocd"]
    for item in config:
        argv += ["-f", item]
    return argv + ["-c", f"program {{{elf}}} verify reset exit"]


@register_flasher("openocd")
class OpenOcdFlasher:
    def flash(self, request: FlashRequest) -> str:
        argv = openocd_argv(request.config.openocd_config, str(request.elf))
        return run_tool(argv, request, what="OpenOCD", failure_markers=FAILURES)
