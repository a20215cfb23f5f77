"""Shared settings of the property-based fuzz tests (``tests/test_fuzz_*.py``).

Why one place: CI runs a modest number of examples per property (``TINYBENCH_FUZZ_EXAMPLES``,
default 60) so the suite stays fast; ``benchmarks/fuzz_campaign.py`` runs the same properties with
thousands of examples and reports how many inputs were tried. No example database is written
(``database=None``) so runs leave nothing in the checkout, and a fixed derandomised seed keeps
CI reproducible unless the campaign asks for fresh randomness (``TINYBENCH_FUZZ_RANDOM=1``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("TINYBENCH_FUZZ_EXAMPLES", "60"))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,                      # wall clock is never asserted (2 shared cores)
    database=None,
    derandomize=os.environ.get("TINYBENCH_FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)


def scaled(fraction: float) -> settings:
    """FUZZ with ``fraction`` of the examples (for properties that touch the file system)."""
    return settings(FUZZ, max_examples=max(5, int(EXAMPLES * fraction)))
