"""``tinybench leaderboard serve``: preview a built site on 127.0.0.1 (never on other interfaces)."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

from tinybench.errors import TinybenchError


def make_server(site: Path, port: int) -> http.server.ThreadingHTTPServer:
    site = Path(site)
    if not (site / "index.html").is_file():
        raise TinybenchError(f"{site} has no index.html", "build it with `tinybench leaderboard build`")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise TinybenchError(f"cannot listen on 127.0.0.1:{port}: {exc}", "pick another --port") from exc


def serve(site: Path, port: int) -> None:
    server = make_server(site, port)
    print(f"serving {site} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
