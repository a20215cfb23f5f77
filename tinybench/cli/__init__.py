"""The ``tinybench`` command.

Each area registers its own commands from one module (``tinybench/cli/<area>.py`` exposing
``register(app)``), so areas never edit each other's code. ``main`` turns ``TinybenchError`` into a
clear message and exit code 2 — no tracebacks for user mistakes.
"""

from __future__ import annotations

import importlib
import sys

import typer

from tinybench.errors import TinybenchError

# Modules that contribute commands, in help order.
_AREAS = ("compile", "firmware", "run", "data", "energy", "leaderboard", "boards", "compare", "suite")


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="tinybench",
        help="TinyML benchmarking harness, wire-compatible with MLPerf Tiny.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    @app.callback()
    def _root() -> None:
        """TinyML benchmarking harness, wire-compatible with MLPerf Tiny."""

    @app.command("version")
    def version() -> None:
        """Print the harness version."""
        from tinybench import __version__

        typer.echo(__version__)

    for area in _AREAS:
        module = importlib.import_module(f"tinybench.cli.{area}")
        module.register(app)
    return app


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; user errors become one clear message and exit code 2."""
    app = build_app()
    try:
        app(args=argv, prog_name="tinybench")
    except TinybenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:   # disk full, read-only folder, missing file, unreachable device
        from tinybench.errors import from_os_error

        print(f"error: {from_os_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: everything measured so far is saved; use --resume to continue",
              file=sys.stderr)
        return 130
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except Exception:   # a real bug: keep the traceback, and say where to report it
        import traceback

        from tinybench.errors import BUG_REPORT_LINE

        traceback.print_exc()
        print(BUG_REPORT_LINE, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
