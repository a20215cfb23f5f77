"""Flasher ``command``: a vendor CLI as an argv template (STM32_Programmer_CLI, nrfjprog, nrfutil,
bossac). ``{elf}`` (or ``{image}``), ``{hex}`` and ``{bin}`` become the image in that format; the
template itself must verify and reset (e.g. ``-v -rst``, ``--verify --reset``, ``-R``)."""

from __future__ import annotations

import re

from tinybench.flash.flashers import FlashRequest, register_flasher, run_tool

_FIELD = re.compile(r"\{(elf|image|hex|bin)\}")


@register_flasher("command")
class CommandFlasher:
    def flash(self, request: FlashRequest) -> str:
        assert request.config.command is not None  # FlashConfig requires it for this flasher
        argv = [_FIELD.sub(lambda m: str(request.image("elf" if m.group(1) == "image" else m.group(1))),
                           part) for part in request.config.command]
        return run_tool(argv, request, what=argv[0])
