"""One error type for user-facing failures.

Why: the CLI must print a clear message and a hint for user mistakes (bad file, unknown board,
DUT not answering) without a traceback, while real bugs still raise ordinary exceptions.
Every module raises ``TinybenchError`` (or a subclass) for anything the user can fix.
"""

from __future__ import annotations


class TinybenchError(Exception):
    """A failure the user can act on: ``message`` says what went wrong, ``hint`` how to fix it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


#: where real bugs are reported (the one line printed under an unexpected traceback)
BUG_REPORT_LINE = ("this is a bug in tinybench, not a mistake of yours: please report it on the "
                   "tinybench issue tracker with the command you ran and the traceback above")


def from_os_error(exc: OSError) -> TinybenchError:
    """The one message for an operating-system failure (disk full, read-only or protected folder,
    missing file, unreachable device), naming the file and what to do about it.

    Why one place: every command writes files and opens devices; each used to let ``OSError``
    escape as a raw traceback. Anything measured before the failure is already on disk (the run
    directory journal is appended and fsynced), so the hints say how to continue.
    """
    import errno

    where = exc.filename or getattr(exc, "port", None) or ""
    target = f" {where}" if where else ""
    reason = exc.strerror or str(exc) or type(exc).__name__
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return TinybenchError(
            f"cannot write{target}: the disk is full ({reason})",
            "free space on that disk (or pass another --out folder) and run the command again; "
            "a run keeps everything measured so far: continue it with "
            "`tinybench run --resume --out <run directory>`")
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return TinybenchError(
            f"cannot write or open{target}: {reason}",
            "choose a folder you can write to (--out), or fix the permissions of that one")
    if code in (errno.ENOENT, errno.ENOTDIR):
        return TinybenchError(f"no such file or folder{target}",
                              "check the path (a typo? a folder deleted while the command ran?)")
    if code == errno.EISDIR:
        return TinybenchError(f"{where or 'the path'} is a folder where a file was expected",
                              "pass the path of a file")
    if code in (errno.EIO, errno.ENODEV, errno.ENXIO, errno.EBUSY, errno.ECONNREFUSED,
                errno.ECONNRESET, errno.EHOSTUNREACH, errno.ETIMEDOUT, errno.EPIPE):
        return TinybenchError(
            f"input/output error on{target or ' a device'}: {reason}",
            "check the cable, the device and that no other program holds it, then run again")
    return TinybenchError(f"operating-system error on{target or ' a file'}: {reason}",
                          "check the path, the disk and the device named above")
