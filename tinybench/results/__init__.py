"""Run directories: transcript, results.txt, typed results.json, manifest; incremental and atomic."""

from tinybench.results.rundir import RunDirectory, TranscriptWriter, build_manifest
from tinybench.results.schema import SCHEMA_VERSION, RunResults

__all__ = ["RunDirectory", "RunResults", "SCHEMA_VERSION", "TranscriptWriter", "build_manifest"]
