"""The pydantic schema of a board file (boards/*.yaml).

Every field a launcher, flasher or report needs lives here, so the rest of the code never reads
YAML. Unknown keys are errors (``extra="forbid"``): a misspelt key would otherwise be silently
ignored and the board would run with a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

BoardKind = Literal["host", "qemu", "renode", "physical"]
Category = Literal["measured", "simulated"]
Mode = Literal["performance", "accuracy", "energy"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BaudConfig(_Strict):
    """Baud per mode; the firmware's rate is fixed at build time, so the host must match it."""

    performance: int = Field(115200, gt=0)
    accuracy: int = Field(115200, gt=0)
    energy: int = Field(9600, gt=0)


class BuildConfig(_Strict):
    port: str = Field(min_length=1, description="firmware/ports/<port>")
    toolchain: Literal["gcc", "arm-none-eabi-gcc"]
    stack_bytes: int = Field(32768, gt=0, description="stack reserved by the linker script")
    opt: Literal["-O0", "-O1", "-O2", "-O3", "-Os"] = Field(
        "-O2", description="compiler optimisation level of the firmware (make OPT=); a board "
                           "variant with another level is how a size- or speed-tuned build is compared")


class QemuConfig(_Strict):
    machine: str = Field(min_length=1)
    cpu: str | None = None
    icount_shift: int = Field(5, ge=0, le=10)


class RenodeConfig(_Strict):
    """Resources of a Renode-simulated board (``kind: renode``); see docs/architecture.md.

    ``platform``: a ``.repl`` file — a path relative to the board yaml's folder (the project's own
    platforms live in ``boards/renode/``), or, when no such file exists, a file bundled with Renode
    (``platforms/boards/nrf52840dk_nrf52840.repl``). A project ``.repl`` may use Renode Python
    peripherals: their ``filename:`` is resolved against the platform's folder (it is added to
    Renode's search path), e.g. ``filename: "renode/rcc.py"`` next to it. ``platform_extra``: more
    ``.repl`` text loaded on top (adds or overrides peripherals of a bundled platform).
    """

    platform: str = Field(min_length=1)
    platform_extra: str | None = None
    uart: str = Field(min_length=1, description="sysbus peripheral name of the DUT link UART")
    edge_uart: str | None = Field(None, description="UART carrying the energy edge channel")
    cpu: str = Field("cpu", min_length=1, description="sysbus name of the CPU peripheral")
    performance_in_mips: int = Field(100, gt=0, description="instructions per virtual microsecond")
    commands: list[str] = Field(default_factory=list,
                                description="monitor commands run after the platform loads, "
                                            "before the ELF (e.g. register presets)")
    global_quantum_s: float | None = Field(
        0.01, gt=0, description="emulation SetGlobalQuantum: virtual seconds between Renode's sync "
                                "points; Renode's tiny default makes emulation several times slower, "
                                "while DUT time (SysTick) stays exact at any quantum")
    advance_immediately: bool = Field(
        True, description="emulation SetGlobalAdvanceImmediately: skip idle (WFI) time instead of "
                          "waiting for it; the firmware's clock is paused in WFI, so DUT time is unchanged")
    start_timeout_s: float = Field(90.0, gt=0, description="launch to name% answered")


class Discovery(_Strict):
    vid: int = Field(ge=0, le=0xFFFF)
    pid: int = Field(ge=0, le=0xFFFF)
    also: list[tuple[int, int]] = Field(default_factory=list,
                                        description="more (vid, pid) pairs the same board enumerates "
                                                    "as (other probe firmware versions)")
    name_check: str | None = Field(None, description="vendor text expected in m-name-dut-[...]")

    def matches(self, vid: int | None, pid: int | None) -> bool:
        return (vid, pid) in [(self.vid, self.pid), *self.also]


class SerialConfig(_Strict):
    url: str | None = None
    discovery: Discovery | None = None
    boot_s: float = Field(0.0, ge=0, description="seconds from opening the port to the monitor's "
                                                 "first answer, for boards that reset on port open")
    energy_url: str | None = Field(None, description="energy mode: the port of the USB-serial adapter "
                                                     "(or IO manager) wired to the Arduino D0/D1 pins")

    @model_validator(mode="after")
    def _one_way(self) -> SerialConfig:
        if (self.url is None) == (self.discovery is None):
            raise ValueError("give exactly one of serial.url or serial.discovery")
        return self



class InterfaceRenode(_Strict):
    """A simulated interface board: a second Renode machine running firmware/interface, its DUT UART
    wired to the DUT's link UART through a Renode UART hub (the two-machine bench of docs/bench.md)."""

    platform: str = Field(min_length=1, description="the interface machine's .repl (as renode.platform)")
    port: str = Field(min_length=1, description="firmware/ports/<port> whose toolchain builds "
                                                "firmware/interface (interface/Makefile lists "
                                                "IFACE_SRCS_<port>)")
    host_uart: str = Field("uart0", min_length=1, description="interface UART facing the host")
    dut_uart: str = Field("uart1", min_length=1, description="interface UART wired to the DUT")
    performance_in_mips: int = Field(25, gt=0)
    pace: bool = Field(True, description="spend one character time at the DUT baud per byte sent to "
                                         "the DUT (simulated UARTs are instant; a real wire is not)")


class InterfaceConfig(_Strict):
    """The energy bench's interface board in front of the DUT (tinybench/relay.py): the modes listed
    reach the DUT only through it. ``url``: a real board's port (``/dev/ttyACM1``,
    ``socket://host:port``); ``renode``: a simulated one next to a ``kind: renode`` DUT."""

    modes: list[Mode] = Field(default_factory=lambda: ["energy"], min_length=1,
                              description="modes run through the interface board (MLPerf Tiny: energy)")
    url: str | None = Field(None, min_length=1)
    renode: InterfaceRenode | None = None
    kind: Literal["mlcommons", "io-manager"] | None = Field(
        None, description="the real board's kind when its name/help replies do not tell "
                          "(tinybench/relay_kinds.py); default: recognised when opened")

    @model_validator(mode="after")
    def _one_way(self) -> InterfaceConfig:
        if (self.url is None) == (self.renode is None):
            raise ValueError("give exactly one of interface.url (a real interface board's port) or "
                             "interface.renode (a simulated one)")
        if self.url is not None and self.url.startswith("relay+"):
            raise ValueError("interface.url is the interface board's own port: drop the 'relay+' prefix")
        if self.kind is not None and self.url is None:
            raise ValueError("interface.kind describes a real board: give it with interface.url")
        if len(set(self.modes)) != len(self.modes):
            raise ValueError(f"interface.modes lists a mode twice: {self.modes}")
        return self


FlasherName = Literal["command", "gdb", "openocd", "pyocd"]


class FlashConfig(_Strict):
    """How firmware gets onto the board (tinybench.flash.flashers). ``flasher`` picks the default
    backend; the other fields configure each backend, so ``tinybench flash --flasher X`` can pick
    another one that the yaml also describes."""

    flasher: FlasherName = "command"
    command: list[str] | None = Field(
        None, min_length=1,
        description="argv template; {elf}/{image}, {hex}, {bin} become the image in that format")
    gdb_remote: str | None = Field(None, description="host:port of a GDB server (OpenOCD, pyOCD, "
                                                     "J-Link) for flasher 'gdb'; 'renode' on a twin: "
                                                     "its own GDB server, started with empty flash")
    openocd_config: list[str] = Field(default_factory=list,
                                      description="openocd -f files, e.g. board/st_nucleo_l4.cfg")
    gdb_reset: list[str] = Field(default_factory=lambda: ["monitor reset run"],
                                 description="GDB commands after load+verify that reset and run the "
                                             "target (server-specific; [] when the server resets it)")
    pyocd_target: str | None = Field(None, description="pyOCD target name, e.g. nrf52840")
    timeout_s: float = Field(120.0, gt=0)

    @model_validator(mode="after")
    def _backend_configured(self) -> FlashConfig:
        needs = {"command": self.command, "gdb": self.gdb_remote, "openocd": self.openocd_config,
                 "pyocd": self.pyocd_target}
        if not needs[self.flasher]:
            field_name = {"command": "command", "gdb": "gdb_remote", "openocd": "openocd_config",
                          "pyocd": "pyocd_target"}[self.flasher]
            raise ValueError(f"flasher '{self.flasher}' needs flash.{field_name}")
        return self


class LabgridConfig(_Strict):
    """The board sits in a labgrid place (``tinybench.flash.places``): tinybench acquires the place,
    takes its serial port (``NetworkSerialPort``: raw TCP or RFC 2217) as the DUT link, flashes with
    the board's own flasher and releases the place afterwards. ``run --place`` sets this section.

    What a run adds — its mode, and that the place is held with its ports in the board — is runtime
    state, not yaml: private attributes (``mode``, ``held``) set through ``for_mode`` / ``held_at``,
    so a board file cannot set them and no dump writes them."""

    place: str = Field(min_length=1, description="labgrid place name")
    coordinator: str | None = Field(None, description="HOST:PORT of the labgrid coordinator "
                                                      "(default: LG_COORDINATOR, else 127.0.0.1:20408)")
    power: Literal["cycle", "none"] = Field(
        "cycle", description="cycle: when the place has a power port (NetworkPowerPort ...), switch "
                             "it off and on before every run (clean boot); none: leave it alone")
    power_off_s: float = Field(1.0, ge=0, description="seconds the power stays off in a cycle")
    _mode: Mode | None = PrivateAttr(None)
    _held: bool = PrivateAttr(False)

    @model_validator(mode="before")
    @classmethod
    def _no_runtime_keys(cls, data: object) -> object:
        """``mode`` / ``held`` were once (excluded) fields: say why a yaml may not set them."""
        if isinstance(data, dict):
            for key, what in _RUNTIME_KEYS.items():
                if key in data:
                    raise ValueError(f"labgrid.{key} is set by the runner at run time ({what}), not in "
                                     f"a board yaml: remove it")
        return data

    @property
    def mode(self) -> Mode | None:
        """The run's mode (which of the place's ports it uses); None outside a run."""
        return self._mode

    @property
    def held(self) -> bool:
        """The place is acquired and its ports are in the board (the board's own kind reaches it)."""
        return self._held

    def for_mode(self, mode: Mode) -> LabgridConfig:
        out = self.model_copy()
        out._mode = mode
        return out

    def held_at(self, coordinator: str) -> LabgridConfig:
        out = self.model_copy(update={"coordinator": coordinator})
        out._held = True
        return out


#: runtime-only names a board yaml's labgrid section may not use, and what sets them.
_RUNTIME_KEYS = {"mode": "the run's --mode", "held": "the labgrid backend, once the place is acquired"}


class Board(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    kind: BoardKind
    cpu: str
    clock_hz: int = Field(gt=0)
    flash_bytes: int = Field(gt=0)
    ram_bytes: int = Field(gt=0)
    category: Category
    baud: BaudConfig = BaudConfig()
    build: BuildConfig
    qemu: QemuConfig | None = None
    renode: RenodeConfig | None = None
    serial: SerialConfig | None = None
    flash: FlashConfig | None = None
    interface: InterfaceConfig | None = None
    labgrid: LabgridConfig | None = None
    source: Path | None = Field(None, exclude=True, description="the yaml file it was loaded from")

    @model_validator(mode="after")
    def _kind_needs(self) -> Board:
        if self.kind == "qemu" and self.qemu is None:
            raise ValueError("kind 'qemu' needs a 'qemu' section (machine, icount_shift)")
        if self.kind == "renode" and self.renode is None:
            raise ValueError("kind 'renode' needs a 'renode' section (platform, uart)")
        if self.kind == "physical" and self.serial is None:
            raise ValueError("kind 'physical' needs a 'serial' section (url or discovery)")
        if self.interface is not None and self.interface.renode is not None and self.kind != "renode":
            raise ValueError(f"interface.renode (a simulated interface board) needs a kind 'renode' "
                             f"DUT, not kind '{self.kind}'; use interface.url for a real board")
        if self.kind in ("host", "qemu", "renode") and self.category != "simulated":
            raise ValueError(f"kind '{self.kind}' can only produce category 'simulated'")
        return self

    def baud_for(self, mode: Mode) -> int:
        return int(getattr(self.baud, mode))

    @property
    def relay_url(self) -> str | None:
        """``relay+<url>`` of the real interface board in front of the DUT (``interface.url``)."""
        from tinybench.relay_kinds import relay_url

        if self.interface is None or self.interface.url is None:
            return None
        return relay_url(self.interface.url, self.interface.kind)

    def for_mode(self, mode: str) -> Board:
        """This board as a run in ``mode`` reaches it: the ``interface`` section is kept only when
        ``mode`` goes through the interface board (so backends need not know the mode)."""
        if self.interface is None or mode in self.interface.modes:
            return self
        return self.model_copy(update={"interface": None})

    @property
    def is_cortex_m(self) -> bool:
        return self.build.toolchain == "arm-none-eabi-gcc"
