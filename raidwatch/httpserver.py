"""The metrics HTTP server: /metrics (the engine's pre-rendered bytes), /healthz and /; TLS and basic auth."""

from __future__ import annotations

import contextlib
import gzip
import logging
import socket
import ssl
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from raidwatch import __version__
from raidwatch.engine import Engine
from raidwatch.webconfig import WebConfig

log = logging.getLogger("raidwatch.daemon")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
INDEX_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>raidwatch</title></head>
<body><h1>raidwatch</h1>
<p>Storage inventory and RAID health for {host}.</p>
<ul><li><a href="metrics">/metrics</a> (Prometheus)</li><li><a href="healthz">/healthz</a></li></ul>
<p>raidwatch {version}</p>
</body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    server_version = f"raidwatch/{__version__}"
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle or slow client holds only its own thread, and not for long

    def setup(self) -> None:
        web: WebConfig = self.server.web  # type: ignore[attr-defined]
        if web.tls is not None:
            # the handshake happens here, in this connection's own thread, never in the accept loop
            self.request.settimeout(10)
            try:
                self.request = web.tls.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                log.debug("TLS handshake with %s failed: %s", self.client_address, exc)
                self.request.close()
                raise
        super().setup()

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, ssl.SSLError, TimeoutError, OSError) as exc:
            log.debug("connection from %s ended: %s", self.client_address, exc)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _send(self, code: int, body: bytes, ctype: str = "text/plain; charset=utf-8", extra=None) -> None:  # type: ignore[no-untyped-def]
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        web: WebConfig = self.server.web  # type: ignore[attr-defined]
        if not web.check_basic_auth(self.headers.get("Authorization")):
            self._send(401, b"Unauthorized\n", extra={"WWW-Authenticate": 'Basic realm="raidwatch"'})
            return
        path = self.path.split("?", 1)[0]
        engine: Engine = self.server.engine  # type: ignore[attr-defined]
        pub = engine.published
        if path == "/metrics":
            if pub is None:
                self._send(503, b"no data collected yet\n")
                return
            tail = _age_tail(time.time() - pub.snapshot.taken_at)
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                # two gzip members back to back are one valid gzip stream (RFC 1952)
                self._send(
                    200, pub.body_gzip + gzip.compress(tail, 1), CONTENT_TYPE, {"Content-Encoding": "gzip"}
                )
            else:
                self._send(200, pub.body + tail, CONTENT_TYPE)
        elif path == "/healthz":
            limit = max(3 * engine.settings.interval, 90.0)
            if pub is None:
                self._send(503, b"starting: no snapshot yet\n")
            elif time.time() - pub.snapshot.taken_at > limit:
                self._send(
                    503, f"stale: last snapshot {time.time() - pub.snapshot.taken_at:.0f}s ago\n".encode()
                )
            else:
                state = "ok (serving last good data of failing collectors)" if pub.snapshot.stale else "ok"
                self._send(200, (state + "\n").encode())
        elif path == "/":
            host = pub.snapshot.inventory.header.hostname if pub else socket.gethostname()
            self._send(
                200, INDEX_HTML.format(host=host, version=__version__).encode(), "text/html; charset=utf-8"
            )
        else:
            self._send(404, b"not found: try /metrics\n")


def _age_tail(age: float) -> bytes:
    try:
        from raidwatch.exporter import age_family_text

        return age_family_text(age)
    except ImportError:  # pragma: no cover - exporter always ships
        return b""


class MetricsServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], engine: Engine, web: WebConfig) -> None:
        self.engine = engine
        self.web = web
        host = address[0]
        self.address_family = socket.AF_INET6 if ":" in host or host == "" else socket.AF_INET
        super().__init__(("::" if host == "" else host, address[1]), _Handler)

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:
            with contextlib.suppress(OSError):  # ":9632" listens on IPv6 and IPv4 alike
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()
