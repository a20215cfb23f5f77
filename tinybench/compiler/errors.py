"""Errors of the model compiler.

Why a subclass: callers (``tinybench compile``, firmware builds, ``verify``) can tell "this model
cannot be compiled" apart from other user errors, while the CLI still prints it like any
``TinybenchError``.
"""

from __future__ import annotations

from tinybench.errors import TinybenchError


class ModelError(TinybenchError):
    """The .tflite file is unreadable, or uses an operator/dtype/shape the engine does not support."""
