"""Flasher ``command``: a vendor CLI as an argv template (STM32_Programmer_CLI, nrfjprog, nrfutil,
bossac). ``{elf}`` (or ``{image}``), ``{hex}`` and ``{bin}`` become the image in that format; the
template itself must verify and reset (e.g. ``-v -rst``, ``--verify --reset``, ``-R``).
``{serial_url}`` / ``{serial_host}`` become the board's serial URL and its host — for a board in a
labgrid place, the place's port, so a template can flash on the exporter host
(``ssh {serial_host} nrfjprog ...``) without naming it. ``{place}`` / ``{coordinator}`` are the
labgrid place tinybench holds for the run and its coordinator, so labgrid's own drivers can program
the board with the place's resources (``labgrid-client -x {coordinator} -p {place} -c env.yaml
bootstrap {elf}``: the client runs as the holder, on the exporter's probe). ``{python}`` is
tinybench's own interpreter (for flash helpers written in Python, e.g. ``tinybench.sim.labgrid_farm``)."""

from __future__ import annotations

import re
import sys
from urllib.parse import urlsplit

from tinybench.errors import TinybenchError
from tinybench.flash.flashers import FlashRequest, register_flasher, run_tool

_FIELD = re.compile(r"\{(elf|image|hex|bin|serial_url|serial_host|place|coordinator|python)\}")


@register_flasher("command")
class CommandFlasher:
    def flash(self, request: FlashRequest) -> str:
        assert request.config.command is not None  # FlashConfig requires it for this flasher
        url = (request.board.serial.url if request.board.serial else None) or ""
        held = request.board.labgrid if request.board.labgrid and request.board.labgrid.held else None

        def field(m: re.Match[str]) -> str:
            name = m.group(1)
            if name == "python":
                return sys.executable
            if name == "serial_url":
                return url
            if name == "serial_host":
                return urlsplit(url).hostname or "" if "://" in url else ""
            if name in ("place", "coordinator"):
                if held is None:
                    raise TinybenchError(
                        f"the flash command of board '{request.board.name}' uses {{{name}}}, but the "
                        "board is not in a labgrid place", "run it with --place NAME (or a labgrid: "
                        "section in the board yaml), or drop the labgrid fields from flash.command")
                return held.place if name == "place" else held.coordinator or ""
            return str(request.image("elf" if name == "image" else name))

        argv = [_FIELD.sub(field, part) for part in request.config.command]
        return run_tool(argv, request, what=argv[0])
