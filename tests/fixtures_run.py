"""Fixtures of the run area."""
