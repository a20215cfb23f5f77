"""A registry of named plug-in classes, imported on first use.

Why one helper: deploy backends (how to reach a DUT) and flashers (how to program a board) both map a
name from a board yaml to a small class living in its own module. Importing those modules lazily
keeps ``import tinybench`` free of side effects and of optional dependencies (pyOCD, Renode).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from tinybench.errors import TinybenchError

_T = TypeVar("_T", bound=type)


class LazyRegistry:
    """``name -> class``; ``modules`` names the module that registers each built-in name."""

    def __init__(self, what: str, modules: dict[str, str]) -> None:
        self.what = what                   # e.g. "deploy backend", for error messages
        self.modules = dict(modules)
        self.classes: dict[str, type] = {}

    def register(self, name: str) -> Callable[[_T], _T]:
        """Class decorator: make ``cls`` the one called ``name`` (sets ``cls.name``)."""

        def wrap(cls: _T) -> _T:
            cls.name = name  # type: ignore[attr-defined]
            self.classes[name] = cls
            return cls

        return wrap

    def names(self) -> list[str]:
        return sorted(set(self.modules) | set(self.classes))

    def create(self, name: str) -> Any:
        """A new instance of the class registered as ``name`` (importing its module if needed)."""
        if name not in self.classes and name in self.modules:
            importlib.import_module(self.modules[name])
        if name not in self.classes:
            raise TinybenchError(f"no {self.what} named '{name}'",
                                 f"known: {', '.join(self.names())}")
        return self.classes[name]()
