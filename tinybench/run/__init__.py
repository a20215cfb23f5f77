"""Run modes: performance, accuracy and energy runs against a connected DUT."""
