"""Flasher ``gdb``: ``load`` an ELF into any GDB server — OpenOCD (:3333), pyOCD (:3333), SEGGER
J-Link GDB Server (:2331), or Renode's ``machine StartGdbServer`` (how the twins are flashed).

GDB runs in batch mode: connect (``target extended-remote``), ``load``, ``compare-sections`` (the
verify step: any "MIS-MATCHED" section fails the flash), then the board's ``gdb_reset`` commands
(server-specific, default ``monitor reset run``), then ``detach`` so the target keeps running.
"""

from __future__ import annotations

import shutil

from tinybench.errors import TinybenchError
from tinybench.flash.flashers import FlashRequest, register_flasher, run_tool

GDB_CANDIDATES = ("gdb-multiarch", "arm-none-eabi-gdb")
#: GDB's own words for a connection or load that failed while its exit status stays 0 in batch mode
FAILURES = ("MIS-MATCHED", "Connection refused", "Connection timed out", "Remote communication error",
            "Remote connection closed", "Load failed", "Error finishing flash operation",
            "Error writing data", "No such file or directory", "not in executable format")


def find_gdb() -> str:
    for name in GDB_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    raise TinybenchError("no GDB for Arm found (gdb-multiarch or arm-none-eabi-gdb)",
                         "apt-get install gdb-multiarch")


def gdb_argv(gdb: str, remote: str, elf: str, reset: list[str]) -> list[str]:
    """The batch GDB command line (exposed for docs and debugging)."""
    argv = [gdb, "-q", "-nx", "-batch", "-ex", "set confirm off", "-ex", "set pagination off",
            "-ex", "set remotetimeout 30", "-ex", "set tcp connect-timeout 10",
            "-ex", f"target extended-remote {remote}",
            "-ex", "load", "-ex", "compare-sections"]
    for cmd in reset:
        argv += ["-ex", cmd]
    return argv + ["-ex", "detach", elf]


@register_flasher("gdb")
class GdbFlasher:
    def flash(self, request: FlashRequest) -> str:
        remote = request.gdb_remote or request.config.gdb_remote
        if not remote:
            raise TinybenchError(f"board '{request.board.name}': flasher 'gdb' needs a GDB server address",
                                 "set flash.gdb_remote (host:port) in its yaml")
        argv = gdb_argv(find_gdb(), remote, str(request.elf), request.config.gdb_reset)
        log = run_tool(argv, request, what=f"GDB ({remote})", failure_markers=FAILURES)
        if "Transfer rate" not in log and "Start address" not in log:
            raise TinybenchError(f"GDB ({remote}) loaded nothing into {request.board.name}:\n"
                                 + "\n".join(log.strip().splitlines()[-10:]),
                                 "is the GDB server attached to the right target?")
        return log
