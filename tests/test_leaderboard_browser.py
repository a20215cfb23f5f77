"""The built site in headless Chromium (Debian package `chromium`), driven over the DevTools protocol.

The DevTools websocket is spoken with a ~60-line stdlib client below instead of adding a
dependency (websocket-client / playwright) for one test: the protocol needs only the handshake,
masked text frames out and unmasked frames in.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tinybench.leaderboard.mlperf_import import import_report
from tinybench.leaderboard.records import Category
from tinybench.leaderboard.serve import make_server
from tinybench.leaderboard.site import build_site
from tinybench.leaderboard.submit import submit

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed "
                                "(CI: `apt-get install -y --no-install-recommends chromium`)")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ST_RESULTS = "v1.3/closed/STMicroelectronics/results/NUCLEO_L4R5ZI-P"


class DevTools:
    """Minimal Chrome DevTools Protocol client over a raw websocket (RFC 6455, client side)."""

    def __init__(self, ws_url: str, timeout: float = 30.0) -> None:
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", ws_url)
        assert m, ws_url
        self.sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}:{m.group(2)}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.next_id = 0
        self.events: list[dict] = []

    def _send(self, text: str) -> None:
        payload = text.encode()
        header = bytes([0x81])
        n = len(payload)
        header += bytes([0x80 | n]) if n < 126 else (bytes([0x80 | 126]) + struct.pack(">H", n)
                                                     if n < 65536 else bytes([0x80 | 127]) + struct.pack(">Q", n))
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("DevTools socket closed")
            data += chunk
        return data

    def _recv(self) -> dict:
        message = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exact(8))[0]
            message += self._exact(n)
            if b0 & 0x80:
                return json.loads(message)

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        my_id = self.next_id
        self._send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = self._recv()
            if msg.get("id") == my_id:
                assert "error" not in msg, msg
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, method: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, ev in enumerate(self.events):
                if ev.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._recv())
        raise TimeoutError(method)

    def eval(self, expression: str):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in res, res
        return res["result"].get("value")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def site_url(shared: Path, tmp_path_factory):
    """Every shared round (v0.5 and v1.3; v0.7 and v1.0 when ../shared has them) plus a bundle of
    real published runs relabelled 'simulated' (exercises the category rules only)."""
    published = shared / "mlperf-tiny-results"
    bundle = tmp_path_factory.mktemp("simb")
    submit([published / ST_RESULTS / "kws" / m for m in ("performance", "energy")],
           published / "v1.3/closed/STMicroelectronics/systems/NUCLEO_L4R5ZI-P.json", bundle,
           submitter="SimLab", system_name="relabelled-sim", category=Category.simulated)
    roots = [published, bundle] + [p for p in [shared / "mlperf-tiny-results-more"] if p.is_dir()]
    report = import_report(roots)
    assert report.ok, report.render()
    out = tmp_path_factory.mktemp("site")
    build_site(report.records, out)
    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--remote-debugging-port=0", "--window-size=1280,1000",
         "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        ws = None
        deadline = time.monotonic() + 60
        while ws is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                pytest.fail(f"chromium exited with {proc.returncode}")
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                ws = m.group(1)
        assert ws, "chromium did not announce its DevTools endpoint"
        port = re.match(r"ws://[^:]+:(\d+)/", ws).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            page = next(t for t in json.load(resp) if t["type"] == "page")
        client = DevTools(page["webSocketDebuggerUrl"])
        yield client
        client.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _errors(events: list[dict]) -> list[dict]:
    bad = []
    for ev in events:
        method, params = ev.get("method"), ev.get("params", {})
        if method == "Runtime.exceptionThrown":
            bad.append(params)
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            bad.append(params)
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            bad.append(params)
    return bad


WIDTH = 1280


def _screenshot(browser: DevTools, name: str) -> None:
    shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    png = base64.b64decode(shot["data"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(png)


def _fits(browser: DevTools) -> list:
    """Tables (displayed ones) whose right edge passes the 1280-px window, and the page width."""
    return browser.eval(
        "[document.documentElement.scrollWidth, Array.from(document.querySelectorAll('table')).filter("
        "t => t.offsetParent !== null && t.getBoundingClientRect().right > window.innerWidth + 0.5)"
        ".map(t => t.id)]")


def test_site_loads_sorts_filters_without_console_errors(browser, site_url):
    for domain in ("Page", "Runtime", "Log"):
        browser.call(f"{domain}.enable")
    browser.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=1000, deviceScaleFactor=1,
                 mobile=False)
    browser.call("Page.navigate", url=site_url)
    browser.wait_event("Page.loadEventFired")
    time.sleep(0.3)  # let late resource errors (images) arrive
    browser.eval("1")
    assert _errors(browser.events) == []
    assert browser.eval("window.innerWidth") == WIDTH

    # default view: ranked within each device class; every displayed table fits 1280 px
    width, wide = _fits(browser)
    assert width <= WIDTH and wide == []
    per_class = browser.eval("Array.from(document.querySelectorAll('section.view-class table.lb'))"
                             ".filter(t => t.offsetParent !== null && /^t-kws-measured-/.test(t.id))"
                             ".map(t => [t.id, Array.from(t.tBodies[0].rows).map(r => r.cells[0].textContent)])")
    assert len(per_class) >= 2  # MCU and at least one other class
    for table_id, ranks in per_class:
        ranked = [int(x) for x in ranks if x]
        assert ranked == list(range(1, len(ranked) + 1)), table_id
        classes = browser.eval(f"Array.from(document.querySelectorAll('#{table_id} tbody tr')).map("
                               "r => r.getAttribute('data-device-class'))")
        assert len(set(classes)) == 1, table_id
    assert browser.eval("document.getElementById('t-kws-measured').offsetParent") is None
    # numbers for people: no exponent anywhere in the tables
    cells = browser.eval("Array.from(document.querySelectorAll('table.lb td')).map(td => td.textContent)")
    assert cells and not [c for c in cells if re.search(r"\de[+-]?\d", c)]
    # streaming wake word: its own units, never a per-inference column
    sww_head = browser.eval("Array.from(document.querySelectorAll('#t-sww-measured th')).map(h => h.textContent)")
    assert "Power mW" in sww_head and "Duty cycle" in sww_head
    assert not {"Latency ms", "Energy µJ/inf"} & set(sww_head)
    # composite only for complete systems; partial systems listed apart
    assert browser.eval("document.querySelectorAll('#t-partial-measured tbody tr').length") >= 1
    heads = browser.eval("Array.from(document.querySelectorAll('#t-partial-measured th')).map(h => h.textContent)")
    assert "Composite speed-up" not in heads
    # plots loaded (their labelled axes are checked on the figure in test_leaderboard_site)
    assert browser.eval("Array.from(document.images).every(i => i.complete && i.naturalWidth > 300)")
    _screenshot(browser, "leaderboard-1280.png")

    # the "all classes" view: one table per workload, ranks 1..n across classes
    browser.eval("var v=document.getElementById('view'); v.value='all'; v.dispatchEvent(new Event('change'))")
    assert browser.eval("document.getElementById('t-kws-measured').offsetParent !== null")
    ranks = browser.eval("Array.from(document.querySelectorAll('#t-kws-measured tbody tr')).map("
                         "r => r.cells[0].textContent)")
    ranked = [int(x) for x in ranks if x]
    assert ranked == list(range(1, len(ranked) + 1)) and len(ranked) > len(per_class[0][1])
    classes = set(browser.eval("Array.from(document.querySelectorAll('#t-kws-measured tbody tr')).map("
                               "r => r.getAttribute('data-device-class'))"))
    assert len(classes) >= 2
    width, wide = _fits(browser)
    assert width <= WIDTH and wide == []

    def systems(table: str) -> list[str]:
        return browser.eval(f"Array.from(document.querySelectorAll('#{table} tbody tr')).map("
                            "r => r.getAttribute('data-system-key'))")

    col = browser.eval("Array.from(document.querySelectorAll('#t-kws-measured th')).findIndex("
                       "h => h.textContent === 'Latency ms')")
    before = systems("t-kws-measured")
    browser.eval(f"document.querySelectorAll('#t-kws-measured th')[{col}].click()")
    ascending = systems("t-kws-measured")
    browser.eval(f"document.querySelectorAll('#t-kws-measured th')[{col}].click()")
    descending = systems("t-kws-measured")
    assert ascending == before and descending == list(reversed(before)) and descending != before
    shown = browser.eval(f"Array.from(document.querySelectorAll('#t-kws-measured tbody tr')).map("
                         f"r => parseFloat(r.cells[{col}].getAttribute('data-sort')))")
    assert shown == sorted(shown, reverse=True)
    _screenshot(browser, "leaderboard-1280-all-classes.png")

    browser.eval("var s=document.getElementById('filter-category'); s.value='simulated';"
                 "s.dispatchEvent(new Event('change'))")
    visible = browser.eval("Array.from(document.querySelectorAll('table.lb tbody tr')).filter("
                           "r => r.offsetParent !== null).map(r => r.getAttribute('data-category'))")
    assert visible and set(visible) == {"simulated"}
    browser.eval("var s=document.getElementById('filter-category'); s.value='';"
                 "s.dispatchEvent(new Event('change'))")
    browser.eval("var s=document.getElementById('filter-device-class'); s.value='FPGA';"
                 "s.dispatchEvent(new Event('change'))")
    visible = browser.eval("Array.from(document.querySelectorAll('table.lb tbody tr')).filter("
                           "r => r.offsetParent !== null).map(r => r.getAttribute('data-device-class'))")
    assert set(visible) <= {"FPGA"}
    assert _errors(browser.events) == []
