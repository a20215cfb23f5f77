"""The kinds of energy-bench interface board a ``relay+`` link can drive, and how each is recognised.

Why a table, not branches: the relay (``tinybench.relay``) drives every board the same way
(``dut <cmd>%`` passthrough, ``[dut]: `` lines, each command ending in ``m-ready``); the kinds
differ only in facts — which extra commands they have, whether the DUT-side baud is settable,
whether the board has a timer for the DUT's timestamp pin — so each kind is one entry here.

Facts and inferences (``../shared/docs/dut-protocol.md`` §8; EnergyRunner logs in
``../shared/mlperf-tiny-results*/…/energy/log.txt``, lines ``io: …``):

* MLCommons interface board (STM32H573I-DK): ``name`` → ``tinyML Enhanced Interface Board``
  (documented); ``checkbaud``/``setbaud``; no timer. tinybench's own interface firmware answers
  ``name`` the same way and says more to ``tb-iface`` (queue size, ``timer``).
* EEMBC IO manager (EnergyRunner's Arduino UNO, ``io-manager_1.0.3.hex``): commands ``help``,
  ``name``, ``res``, ``enable-timer``, ``disable-timer``, ``dut``, ``tm``, ``version`` … (documented);
  the DUT hop runs at EnergyRunner's fixed 9600 baud; ``tm 0`` / ``enable-timer`` replies as
  observed. Its ``name`` reply is **not** documented anywhere we have: a reply mentioning an IO
  manager is taken as one (inferred), otherwise the board is recognised by a ``help`` reply that
  lists ``enable-timer`` and ``dut`` (inferred from the documented command list), or the user names
  the kind (``relay+io-manager+URL``, ``--interface-kind``, yaml ``interface.kind``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InterfaceKind:
    key: str                       #: as written in ``relay+<key>+URL`` / ``interface.kind``
    title: str
    name_markers: tuple[str, ...]  #: lowercase substrings of a ``name`` reply that identify it
    help_markers: tuple[str, ...]  #: lowercase words that must all appear in its ``help`` reply
    baud_commands: bool            #: ``checkbaud`` / ``setbaud`` exist (DUT baud is settable)
    fixed_dut_baud: int | None     #: the DUT-side baud when it is not settable
    asks_iface: bool               #: worth asking ``tb-iface`` (tinybench firmware answers as this kind)
    timer: bool                    #: ``tm`` / ``enable-timer``: laps at the DUT's timestamp edges

    def named_by(self, lines: list[str]) -> bool:
        return any(marker in text.lower() for text in lines for marker in self.name_markers)

    def helped_by(self, lines: list[str]) -> bool:
        text = " ".join(lines).lower()
        return bool(self.help_markers) and all(word in text for word in self.help_markers)


MLCOMMONS = InterfaceKind(
    key="mlcommons", title="MLCommons interface board", name_markers=("interface board",),
    help_markers=(), baud_commands=True, fixed_dut_baud=None, asks_iface=True, timer=False)
IO_MANAGER = InterfaceKind(
    key="io-manager", title="EEMBC IO manager", name_markers=("io-manager", "io manager", "m-name-io"),
    help_markers=("enable-timer", "dut"), baud_commands=False, fixed_dut_baud=9600,
    asks_iface=False, timer=True)

KINDS: dict[str, InterfaceKind] = {k.key: k for k in (MLCOMMONS, IO_MANAGER)}


def split_relay_url(rest: str) -> tuple[InterfaceKind | None, str]:
    """``io-manager+/dev/ttyACM1`` → (IO_MANAGER, ``/dev/ttyACM1``); a URL without a kind → (None, URL).

    The part after ``relay+`` may name the kind first; no serial URL starts with a kind's key
    followed by ``+``, so an unnamed kind is never mistaken for one.
    """
    head, sep, tail = rest.partition("+")
    if sep and head in KINDS:
        return KINDS[head], tail
    return None, rest


def relay_url(url: str, kind: str | None = None) -> str:
    """The ``relay+`` URL of the interface board at ``url`` (``kind``: a key of ``KINDS`` or None)."""
    return "relay+" + (f"{kind}+" if kind else "") + url
