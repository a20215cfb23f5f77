"""Fixtures of the firmware area."""
