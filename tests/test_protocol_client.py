"""DutClient against a protocol-level replay of REAL published transcripts (see fixtures_run)."""

from __future__ import annotations

import time

import pytest

from fixtures_run import Fault
from tinybench.protocol import DutError, DutProtocolError, DutResetError, DutTimeoutError, connect
from tinybench.transport import open_link
from tinybench.errors import TinybenchError

KWS_PERF = "v0.5/closed/reference/results/Nucleo-L4R5ZI/kws/performance/log.txt"
VWW_PERF = "v0.5/closed/reference/results/Nucleo-L4R5ZI/vww/performance/log.txt"


def _log_values(shared, rel):
    """Laps and result fields of the first infer, read from the log text with plain string ops."""
    laps, results = [], None
    for line in (shared / "mlperf-tiny-results" / rel).read_text().splitlines():
        if " dut: m-lap-us-" in line:
            laps.append(int(line.rsplit("-", 1)[1]))
        if " dut: m-results-[" in line and results is None:
            results = [float(x) for x in line.split("[", 1)[1].rstrip("]").split(",") if x]
            break
    return laps[-2:], results


def test_full_exchange_on_real_kws_transcript(shared, replay_dut):
    dut = replay_dut(KWS_PERF)
    seen = []
    client = connect(dut.url, 115200, timeout=2.0, transcript=lambda d, t, ts: seen.append((d, t, ts)))
    with client:
        assert client.name() == "replay"
        assert client.profile() == ("ULPMark for tinyML Firmware V0.0.1", "kws01")
        assert isinstance(client.timestamp(), int)
        assert client.caps().words == frozenset()          # standard firmware: no extensions
        data = bytes((i * 37) % 256 for i in range(490))
        client.load(data)
        r = client.infer(100, 1)
    laps, results = _log_values(shared, KWS_PERF)
    assert bytes(dut.loaded) == data
    assert r.laps == laps and r.elapsed_us == laps[1] - laps[0] == 18192390
    assert r.results == results and r.iterations == 100 and r.warmups == 1
    # wire discipline: <= 80 chars, no CR/LF, 31-byte chunks, W explicit
    assert all(len(c) <= 80 and "\r" not in c and "\n" not in c and c for c in dut.received)
    chunks = [c for c in dut.received if c.startswith("db ") and not c.startswith("db load")]
    assert [len(c) - 3 for c in chunks] == [62] * 15 + [50]
    assert "infer 100 1" in dut.received
    sent = [t for d, t, _ in seen if d == ">"]
    assert sent == dut.received[-len(sent):]                  # every command sent is in the transcript
    stamps = [ts for _, _, ts in seen]
    assert stamps == sorted(stamps)
    assert ("<", "m-load-done", ) in [(d, t) for d, t, _ in seen]


def test_trailing_comma_results_of_real_vww_firmware(shared, replay_dut):
    dut = replay_dut(VWW_PERF, model="vww01")
    with connect(dut.url, 115200, timeout=2.0) as client:
        client.load(b"\x01" * 64)
        r = client.infer(5, 1)
    assert r.lines[-1].endswith(",]")                      # the real v0.5 line had a trailing comma
    assert r.results == _log_values(shared, VWW_PERF)[1] and len(r.results) == 2


def test_wrap_and_millisecond_timer(replay_dut):
    dut = replay_dut(KWS_PERF)
    dut.exchanges = [([2**32 - 1000, 500], "m-results-[0.5,0.5]"),
                     ([88170000, 89292000], "m-results-[1]")]
    with connect(dut.url, 115200, timeout=2.0) as client:
        client.load(b"\0" * 8)
        wrapped = client.infer(1, 0)
        coarse = client.infer(1, 0)
    assert wrapped.elapsed_us == 1500 and not wrapped.coarse_timer
    assert coarse.elapsed_us == 1_122_000 and coarse.coarse_timer


def test_stray_lines_and_stale_input_are_tolerated(replay_dut):
    dut = replay_dut(KWS_PERF, stray_lines=True)
    notes = []
    with connect(dut.url, 115200, timeout=2.0, transcript=lambda d, t, ts: notes.append((d, t))) as client:
        dut.late_lines = ["m-late-line-of-an-earlier-exchange"]
        assert client.name() == "replay"                      # the late line follows this m-ready
        time.sleep(0.2)
        assert client.profile()[1] == "kws01"                 # ... and is not taken as its answer
    # tolerated, and recorded: nothing may arrive between exchanges on a clean link (discarded as
    # stale input, or, on a slow host, seen inside the next reply as no known message)
    assert ("<", "debug: heap ok") in notes                   # free text inside replies is kept
    # this replay DUT prints boot text when connected to, like a board that resets on open
    late = [a for a in client.anomalies if not a.startswith("dut reset: ")]
    assert len(late) == 1                                     # free text is no anomaly
    assert late[0].startswith("unexpected line: ")
    assert "m-late-line-of-an-earlier-exchange" in late[0]
    assert ("#", "link anomaly: " + late[0]) in notes


def test_negotiated_big_chunks(replay_dut):
    dut = replay_dut(KWS_PERF, caps_line="m-tb-caps-[raw,info,cmdmax=1024,dbmax=3000,]", cmdmax=1024)
    with connect(dut.url, 115200, timeout=2.0) as client:
        caps = client.caps()
        data = bytes(range(256)) * 10
        client.load(data)
        sent = len(dut.received)
        with pytest.raises(DutProtocolError, match="does not fit the DUT's 3000-byte input buffer"):
            client.load(b"\0" * 3001)
        assert len(dut.received) == sent                          # refused before sending anything
    assert caps.raw and caps.info and caps.cmdmax == 1024 and caps.chunk_bytes == 510 and caps.dbmax == 3000
    assert bytes(dut.loaded) == data
    assert len([c for c in dut.received if c.startswith("db ") and "load" not in c]) == 6


def test_dut_errors_and_refused_commands(replay_dut):
    dut = replay_dut(KWS_PERF, buffer_max=490)
    with connect(dut.url, 115200, timeout=2.0) as client:
        with pytest.raises(DutError) as err:
            client.command("bogus")
        assert "Unknown command: bogus" in str(err.value) and dut.url in str(err.value)
        with pytest.raises(DutProtocolError, match="did not accept a 491-byte load"):
            client.load(b"\0" * 491)
        for bad in ["", "name\n", "a%b", "x" * 81]:
            with pytest.raises(ValueError):
                client.command(bad)
        with pytest.raises(ValueError):
            client.infer(0, 0)
        assert client.name() == "replay"                      # still in step after the errors


@pytest.mark.parametrize("kind, error", [("silent", DutTimeoutError), ("garbage", DutProtocolError),
                                         ("reset", DutResetError)])
def test_faults_name_port_command_and_last_line(replay_dut, kind, error):
    dut = replay_dut(KWS_PERF)
    with connect(dut.url, 115200, timeout=1.0) as client:
        client.load(b"\0" * 40)
        dut.fault = Fault(kind, after=0)
        with pytest.raises(error) as exc:
            client.infer(1, 0, timeout=1.0)
    text = str(exc.value)
    assert isinstance(exc.value, TinybenchError)
    assert dut.url in text and "'infer 1 0'" in text and "last line received" in text
    if kind == "silent":
        assert "m-ready" in text                              # the last line seen before going silent


def test_open_link_errors_are_user_errors():
    with pytest.raises(TinybenchError, match="cannot open DUT link"):
        open_link("socket://127.0.0.1:1", 115200, 0.5)
    with pytest.raises(TinybenchError):
        open_link("/dev/does-not-exist-tb", 115200, 0.5)
