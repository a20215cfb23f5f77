"""Simulated boards: QEMU and host-build launchers that always clean up their processes."""

from tinybench.sim.process import SimProcess
from tinybench.sim.edges import open_edge_channel, parse_edge_line
from tinybench.sim.launch import launch_host, launch_qemu, qemu_command

__all__ = ["SimProcess", "launch_host", "launch_qemu", "open_edge_channel", "parse_edge_line", "qemu_command"]
