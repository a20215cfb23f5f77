"""`python -m tinybench …`: the same CLI as the `tinybench` script, for environments without the script on PATH."""
from __future__ import annotations

from tinybench.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
