"""Fixtures of the workloads area."""
