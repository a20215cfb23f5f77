"""tinybench: a TinyML benchmarking harness, wire-compatible with MLPerf Tiny.

Importing the package has no side effects; everything heavy lives in sub-modules.
"""

__version__ = "0.1.0"
