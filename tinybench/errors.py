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
