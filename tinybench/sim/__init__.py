"""Simulated boards: QEMU and host-build launchers that always clean up their processes."""
