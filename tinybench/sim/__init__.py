"""Simulated boards: QEMU and host-build launchers that always clean up their processes."""

from tinybench.sim.process import SimProcess
from tinybench.sim.launch import launch_host, launch_qemu, qemu_command

__all__ = ["SimProcess", "launch_host", "launch_qemu", "qemu_command"]
