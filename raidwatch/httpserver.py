"""The metrics HTTP server: /metrics (the engine's pre-rendered bytes), /healthz and /; TLS and basic auth.

One event-loop thread owns every socket: it accepts, runs the TLS handshakes, reads requests and writes
responses, so an idle connection costs one file descriptor and no thread. Everything is bounded:

- at most `limit` connections: MAX_CONNECTIONS, lowered so that FD_RESERVE descriptors always stay free
  for collection (it must still open /proc/mdstat when the network is hostile). When full, the oldest
  idle connection is closed to make room; if none is idle the newcomer gets a short 503 and is closed.
- timeouts: the TLS handshake and a request head within HEADER_TIMEOUT, an idle keep-alive connection
  closed after IDLE_TIMEOUT, a response that makes no progress for WRITE_TIMEOUT dropped.
- requests: a head of at most MAX_HEAD bytes; a body (Content-Length up to MAX_BODY) is read and
  discarded before the next request; Transfer-Encoding, conflicting lengths or malformed heads get a 400
  and the connection is closed (no request desync behind a proxy).
- work that may block (bcrypt, the engine's health check) runs on WORKERS threads with at most
  MAX_QUEUED waiting; /metrics with cached or no credentials never leaves the loop.

A response goes out in one write (headers and body together; TCP_NODELAY too), so a keep-alive client
never waits ~40 ms for Nagle and a delayed ACK. Nothing here logs a traceback: refusals are one debug
line, TLS handshake failures one line each (at most TLS_LOG_BURST a minute).
"""

from __future__ import annotations

import collections
import contextlib
import errno
import gzip
import logging
import os
import resource
import selectors
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from raidwatch import __version__
from raidwatch.engine import Engine
from raidwatch.webconfig import WebConfig

log = logging.getLogger("raidwatch.daemon")

MAX_CONNECTIONS = 1000  # upper bound; the open-file limit lowers it (see _compute_limit)
FD_RESERVE = 128  # descriptors always left for collection (files, command pipes) and the process itself
MIN_CONNECTIONS = 2  # even when descriptors run short: a scrape and a health check
HEADER_TIMEOUT = 5.0  # connect (or first byte of a keep-alive request) to a complete request head
IDLE_TIMEOUT = 60.0  # a keep-alive connection with no request
WRITE_TIMEOUT = 30.0  # a response the client does not read
LINGER_TIMEOUT = 2.0  # after an error response: drain what the client still sends, then close
MAX_HEAD = 16 * 1024
MAX_BODY = 64 * 1024
WORKERS = 2
MAX_QUEUED = 32
SWEEP_EVERY = 0.5  # seconds between timeout and descriptor checks
TLS_LOG_BURST = 5  # TLS handshake failure lines per minute; the rest are counted
ONE_WRITE = 256 * 1024  # responses up to this size are joined into one buffer (larger: one sendmsg)
TLS_CHUNK = 256 * 1024

CLOSE_REASONS = (
    "limit",  # refused: no room and no idle connection to close
    "evicted",  # an idle connection closed to make room for a new one
    "idle_timeout",
    "header_timeout",
    "write_timeout",
    "tls_handshake",
    "bad_request",
)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
INDEX_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>raidwatch</title></head>
<body><h1>raidwatch</h1>
<p>Storage inventory and RAID health for {host}.</p>
<ul><li><a href="metrics">/metrics</a> (Prometheus)</li><li><a href="healthz">/healthz</a></li></ul>
<p>raidwatch {version}</p>
</body></html>
"""
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 22\r\nRetry-After: 1\r\nConnection: close\r\n\r\ntoo many connections\r\n"
)
_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_R, _W = selectors.EVENT_READ, selectors.EVENT_WRITE


# ---------------------------------------------------------------------------- requests


@dataclass
class Request:
    """One parsed request head: header names lower-case, repeated headers joined with ", "."""

    method: str
    path: str
    version: str
    headers: dict[str, str]
    keep_alive: bool


class BadRequest(Exception):
    """A request we answer with `code` and then close the connection."""

    def __init__(self, code: int, why: str) -> None:
        super().__init__(why)
        self.code = code


def parse_head(head: bytes) -> tuple[Request, int]:
    """A request head (without its blank line) -> (request, body length). Raises BadRequest.

    Strict where leniency lets a proxy and this server disagree on where a request ends: no
    Transfer-Encoding, one Content-Length value, no header folding, no stray CR, no space before ':'."""
    lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in head.split(b"\n")]
    if any(b"\r" in ln or b"\0" in ln for ln in lines):
        raise BadRequest(400, "stray CR or NUL in the request head")
    parts = lines[0].split(b" ")
    if len(parts) != 3:
        raise BadRequest(400, "malformed request line")
    method_b, target_b, version_b = parts
    if not method_b or any(c not in _TOKEN for c in method_b):
        raise BadRequest(400, "malformed method")
    if version_b not in (b"HTTP/1.1", b"HTTP/1.0"):
        if version_b.startswith(b"HTTP/"):
            raise BadRequest(505, "only HTTP/1.0 and HTTP/1.1")
        raise BadRequest(400, "malformed request line")
    if not target_b or any(c < 0x21 or c >= 0x7F for c in target_b):
        raise BadRequest(400, "malformed request target")
    headers: dict[str, str] = {}
    for raw in lines[1:]:
        if raw[:1] in (b" ", b"\t"):
            raise BadRequest(400, "obsolete header line folding")
        name, sep, value = raw.partition(b":")
        if not sep or not name or any(c not in _TOKEN for c in name):
            raise BadRequest(400, "malformed header line")
        key = name.decode("ascii").lower()
        val = value.strip(b" \t").decode("latin-1")
        headers[key] = f"{headers[key]}, {val}" if key in headers else val
    if "transfer-encoding" in headers:
        raise BadRequest(400, "Transfer-Encoding in a request (requests here carry no body)")
    length = 0
    if "content-length" in headers:
        values = {v.strip() for v in headers["content-length"].split(",")}
        value = values.pop() if len(values) == 1 else ""
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            raise BadRequest(400, "invalid or conflicting Content-Length")
        length = int(value)
        if length > MAX_BODY:
            raise BadRequest(413, f"request body over {MAX_BODY} bytes")
    version = version_b.decode()
    tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
    keep = "close" not in tokens if version == "HTTP/1.1" else "keep-alive" in tokens
    target = target_b.decode("ascii")
    if target.startswith(("http://", "https://")):  # absolute form: keep the path
        rest = target.split("/", 3)
        target = "/" + (rest[3] if len(rest) > 3 else "")
    return Request(method_b.decode("ascii"), target.split("?", 1)[0], version, headers, keep), length


_date = [0, ""]


def _http_date() -> str:
    now = int(time.time())
    if _date[0] != now:
        _date[:] = [now, formatdate(now, usegmt=True)]
    return _date[1]


def response(
    code: int,
    parts: tuple[bytes, ...],
    ctype: str = "text/plain; charset=utf-8",
    *,
    head_only: bool = False,
    close: bool = False,
    extra: dict[str, str] | None = None,
) -> list[bytes]:
    """Status line, headers and body as buffers for one write (joined when small)."""
    length = sum(len(p) for p in parts)
    lines = [
        f"HTTP/1.1 {code} {REASONS.get(code, 'Error')}",
        f"Server: raidwatch/{__version__}",
        f"Date: {_http_date()}",
        f"Content-Type: {ctype}",
        f"Content-Length: {length}",
    ]
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    if close:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    if head_only:
        return [head]
    if length <= ONE_WRITE:
        return [b"".join((head, *parts))]
    return [head, *(p for p in parts if p)]


def _text(code: int, text: str, req: Request | None = None, **kw: Any) -> list[bytes]:
    return response(code, (text.encode(),), head_only=req is not None and req.method == "HEAD", **kw)


# ---------------------------------------------------------------------------- connections

HANDSHAKE, HEAD, BODY, BUSY, WRITE, LINGER = "handshake", "head", "body", "busy", "write", "linger"


class _Conn:
    __slots__ = (
        "body_left",
        "close_after",
        "closed",
        "deadline",
        "events",
        "fd",
        "inbuf",
        "linger",
        "out",
        "peer",
        "pending",
        "reason",
        "sock",
        "state",
        "tls",
    )

    def __init__(self, sock: socket.socket, peer: Any, tls: bool, now: float) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.peer = _peer(peer)
        self.tls = tls
        self.state = HANDSHAKE if tls else HEAD
        self.inbuf = bytearray()
        self.out: collections.deque[memoryview] = collections.deque()
        self.close_after = False
        self.linger = False
        self.body_left = 0
        self.pending: Request | None = None
        self.deadline: float | None = now + HEADER_TIMEOUT
        self.reason: str | None = "header_timeout"
        self.events = 0
        self.closed = False


def _peer(addr: Any) -> str:
    if isinstance(addr, tuple) and len(addr) >= 2:
        host = str(addr[0])
        return f"[{host}]:{addr[1]}" if ":" in host else f"{host}:{addr[1]}"
    return str(addr)


class _Throttle:
    """At most `burst` lines per `window` seconds; reports how many it held back."""

    def __init__(self, burst: int, window: float = 60.0) -> None:
        self.burst, self.window = burst, window
        self.start, self.count, self.held = 0.0, 0, 0

    def allow(self, now: float) -> tuple[bool, int]:
        held = 0
        if now - self.start >= self.window:
            held, self.start, self.count, self.held = self.held, now, 0, 0
        if self.count < self.burst:
            self.count += 1
            return True, held
        self.held += 1
        return False, 0


_TLS_HINTS = {
    "HTTP_REQUEST": "plain HTTP sent to the TLS port",
    "WRONG_VERSION_NUMBER": "not a TLS client, or an old TLS version",
    "UNEXPECTED_MESSAGE": "not a TLS client",
    "UNSUPPORTED_PROTOCOL": "TLS version below min_version",
    "NO_SHARED_CIPHER": "no cipher in common",
    "TLSV1_ALERT_UNKNOWN_CA": "the client does not trust our certificate",
    "SSLV3_ALERT_BAD_CERTIFICATE": "the client rejected our certificate",
    "PEER_DID_NOT_RETURN_A_CERTIFICATE": "no client certificate",
    "CERTIFICATE_VERIFY_FAILED": "client certificate not trusted",
}


def _tls_reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    if reason:
        hint = _TLS_HINTS.get(str(reason))
        return f"{reason} ({hint})" if hint else str(reason)
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# ---------------------------------------------------------------------------- the server


class MetricsServer:
    """Serves an Engine's published snapshot. `web` may be swapped at any time (SIGHUP reload)."""

    def __init__(
        self,
        address: tuple[str, int],
        engine: Engine,
        web: WebConfig,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.engine = engine
        self.web = web
        self.max_connections = max(MIN_CONNECTIONS, max_connections)
        host, port = address
        self.socket = self._listen("::" if host == "" else host, port, dual=host == "")
        self.server_address = self.socket.getsockname()
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._conns: dict[int, _Conn] = {}
        self._idle: collections.OrderedDict[int, _Conn] = collections.OrderedDict()  # no request yet
        self._partial: collections.OrderedDict[int, _Conn] = collections.OrderedDict()  # half a head
        self._ready: collections.deque[_Conn] = collections.deque()  # pipelined requests waiting
        self._done: collections.deque[tuple[_Conn, Request, list[bytes]]] = collections.deque()
        self._pool: ThreadPoolExecutor | None = None
        self._queued = 0
        self._accepted = 0
        self._counts = dict.fromkeys(CLOSE_REASONS, 0)
        self._accepting = True
        self._shutdown = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self._tls_log = _Throttle(TLS_LOG_BURST)
        self._full_log = _Throttle(1)
        self._limit = self._compute_limit()

    # -- setup

    @staticmethod
    def _listen(host: str, port: int, dual: bool) -> socket.socket:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError:
            if not dual:
                raise
            family, host = socket.AF_INET, "0.0.0.0"  # no IPv6 on this host: all IPv4 addresses
            sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                with contextlib.suppress(OSError):  # ":9632" listens on IPv6 and IPv4 alike
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind((host, port))
            sock.listen(256)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        return sock

    # -- what the daemon and the exporter see

    def stats(self) -> dict[str, Any]:
        """Connection counts: open, limit, accepted, and closed by the server per reason (CLOSE_REASONS)."""
        return {
            "open": len(self._conns),
            "limit": self._limit,
            "accepted": self._accepted,
            "closed": dict(self._counts),
        }

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Run the event loop until shutdown()."""
        self._stopped.clear()
        self._shutdown.clear()
        sel = self._sel
        sel.register(self.socket, _R, None)
        sel.register(self._wake_r, _R, "wake")
        next_sweep = time.monotonic() + SWEEP_EVERY
        try:
            while not self._shutdown.is_set():
                timeout = 0.0 if self._ready else max(0.0, min(poll_interval, next_sweep - time.monotonic()))
                for key, mask in sel.select(timeout):
                    try:
                        self._event(key, mask)
                    except Exception as exc:  # a bug must cost one connection, never the server
                        self._internal_error(key.data, exc)
                for _ in range(64):
                    if not self._ready:
                        break
                    conn = self._ready.popleft()
                    try:
                        if not conn.closed and conn.state == HEAD:
                            self._process(conn)
                    except Exception as exc:
                        self._internal_error(conn, exc)
                now = time.monotonic()
                if now >= next_sweep:
                    next_sweep = now + SWEEP_EVERY
                    try:
                        self._sweep(now)
                    except Exception as exc:
                        self._internal_error(None, exc)
        finally:
            for sock in (self.socket, self._wake_r):
                with contextlib.suppress(KeyError, ValueError):
                    sel.unregister(sock)
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop serve_forever() and wait for it (from another thread)."""
        self._shutdown.set()
        self._wake()
        self._stopped.wait(10)

    def server_close(self) -> None:
        for conn in list(self._conns.values()):
            self._close(conn)
        for sock in (self.socket, self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                sock.close()
        with contextlib.suppress(Exception):
            self._sel.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the loop

    def _event(self, key: selectors.SelectorKey, mask: int) -> None:
        if key.data is None:
            self._accept()
            return
        if key.data == "wake":
            with contextlib.suppress(OSError):
                while self._wake_r.recv(4096):
                    pass
            self._completions()
            return
        conn: _Conn = key.data
        if conn.closed:
            return
        if conn.state == HANDSHAKE:
            self._handshake(conn)
        elif conn.state == WRITE:
            self._flush(conn)
        elif mask & _R:
            self._on_read(conn)

    def _internal_error(self, conn: Any, exc: Exception) -> None:
        log.error("HTTP server: %s: %s (connection closed)", type(exc).__name__, exc)
        if isinstance(conn, _Conn):
            self._close(conn)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _set_events(self, conn: _Conn, events: int) -> None:
        if conn.closed or events == conn.events:
            return
        if conn.events == 0:
            self._sel.register(conn.sock, events, conn)
        elif events == 0:
            self._sel.unregister(conn.sock)
        else:
            self._sel.modify(conn.sock, events, conn)
        conn.events = events

    # -- connections in and out

    def _compute_limit(self) -> int:
        """MAX_CONNECTIONS, or fewer so that FD_RESERVE descriptors stay free whatever else is open."""
        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return self.max_connections
        open_fds = None
        for fd_dir in ("/proc/self/fd", "/dev/fd"):
            with contextlib.suppress(OSError):
                open_fds = len(os.listdir(fd_dir)) - 1  # less the listing's own descriptor
                break
        if open_fds is None:
            open_fds = len(self._conns) + 32  # a guess at what the process holds besides connections
        room = len(self._conns) + soft - open_fds - FD_RESERVE
        return max(MIN_CONNECTIONS, min(self.max_connections, room))

    def _victim(self) -> _Conn | None:
        """The connection to close to make room: the oldest idle one, else the oldest half-sent head."""
        for pool in (self._idle, self._partial):
            if pool:
                return next(iter(pool.values()))
        return None

    def _accept(self) -> None:
        for _ in range(64):
            try:
                sock, peer = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    # out of descriptors after all: stop accepting until the next sweep
                    self._accepting = False
                    with contextlib.suppress(KeyError, ValueError):
                        self._sel.unregister(self.socket)
                    self._note_full(f"cannot accept: {exc.strerror}")
                else:
                    log.debug("accept failed: %s", exc)
                return
            self._accepted += 1
            if len(self._conns) >= self._limit:
                victim = self._victim()
                if victim is None:
                    self._shed(sock, peer)
                    continue
                log.debug("closing idle connection from %s to make room", victim.peer)
                self._close(victim, "evicted")
                self._note_full("closing idle connections to make room")
            self._add(sock, peer)

    def _shed(self, sock: socket.socket, peer: Any) -> None:
        self._counts["limit"] += 1
        log.debug(
            "refused connection from %s: %d connections open (limit %d)",
            _peer(peer),
            len(self._conns),
            self._limit,
        )
        self._note_full("refusing new connections (503)")
        with contextlib.suppress(OSError):
            sock.setblocking(False)
            if self.web.tls is None:
                sock.send(_BUSY)
        with contextlib.suppress(OSError):
            sock.close()

    def _note_full(self, what: str) -> None:
        ok, held = self._full_log.allow(time.monotonic())
        if ok:
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
            log.warning(
                "HTTP connection limit reached (%d open, limit %d, open-file limit %s, %d kept for "
                "collection): %s%s",
                len(self._conns),
                self._limit,
                "unlimited" if soft == resource.RLIM_INFINITY else soft,
                FD_RESERVE,
                what,
                f" ({held} similar events in the last minute)" if held else "",
            )

    def _add(self, sock: socket.socket, peer: Any) -> None:
        now = time.monotonic()
        try:
            sock.setblocking(False)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            tls = self.web.tls
            if tls is not None:
                sock = tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        except (OSError, ValueError) as exc:
            log.debug("connection from %s dropped at setup: %s", _peer(peer), exc)
            with contextlib.suppress(OSError):
                sock.close()
            return
        conn = _Conn(sock, peer, tls is not None, now)
        self._conns[conn.fd] = conn
        self._idle[conn.fd] = conn
        self._set_events(conn, _R)
        if conn.tls:
            self._handshake(conn)  # the ClientHello is often there already
        else:
            self._on_read(conn)  # so is the request

    def _close(self, conn: _Conn, reason: str | None = None) -> None:
        if conn.closed:
            return
        conn.closed = True
        if conn.events:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._sel.unregister(conn.sock)
            conn.events = 0
        self._conns.pop(conn.fd, None)
        self._idle.pop(conn.fd, None)
        self._partial.pop(conn.fd, None)
        with contextlib.suppress(OSError):
            conn.sock.close()
        if reason:
            self._counts[reason] += 1

    def _sweep(self, now: float) -> None:
        for conn in list(self._conns.values()):
            if conn.deadline is not None and now >= conn.deadline:
                log.debug("closing connection from %s: %s", conn.peer, conn.reason or "lingered")
                self._close(conn, conn.reason)
        self._limit = self._compute_limit()
        while len(self._conns) > self._limit:  # descriptors ran short: give them back to collection
            victim = self._victim()
            if victim is None:
                break
            self._close(victim, "evicted")
        if not self._accepting:
            self._accepting = True
            self._sel.register(self.socket, _R, None)

    # -- TLS, reading, parsing

    def _handshake(self, conn: _Conn) -> None:
        try:
            conn.sock.do_handshake()  # type: ignore[attr-defined]
        except ssl.SSLWantReadError:
            self._set_events(conn, _R)
            return
        except ssl.SSLWantWriteError:
            self._set_events(conn, _W)
            return
        except (ssl.SSLEOFError, ConnectionError) as exc:  # the client went away: not worth a line
            log.debug("TLS connection from %s closed during the handshake: %s", conn.peer, exc)
            self._close(conn)
            return
        except (ssl.SSLError, OSError, ValueError) as exc:
            ok, held = self._tls_log.allow(time.monotonic())
            if ok:
                log.info(
                    "TLS handshake from %s failed: %s%s",
                    conn.peer,
                    _tls_reason(exc),
                    f" ({held} more in the last minute)" if held else "",
                )
            self._close(conn, "tls_handshake")
            return
        conn.state = HEAD
        self._set_events(conn, _R)
        self._on_read(conn)

    def _on_read(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(65536)
            if conn.tls and data:
                while conn.sock.pending() and len(data) < 4 * MAX_HEAD:  # type: ignore[attr-defined]
                    data += conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return
        except OSError as exc:
            log.debug("connection from %s: %s", conn.peer, exc)
            self._close(conn)
            return
        if not data:
            self._close(conn)
            return
        if conn.state == LINGER:
            return  # drained and dropped
        if conn.state not in (HEAD, BODY):
            return
        self._idle.pop(conn.fd, None)
        if conn.reason == "idle_timeout":  # a keep-alive connection starts its next request
            conn.deadline, conn.reason = time.monotonic() + HEADER_TIMEOUT, "header_timeout"
        conn.inbuf += data
        self._process(conn)

    def _process(self, conn: _Conn) -> None:
        buf = conn.inbuf
        if conn.state == BODY:
            n = min(len(buf), conn.body_left)
            del buf[:n]
            conn.body_left -= n
            if conn.body_left:
                self._partial.setdefault(conn.fd, conn)
                return
            req, conn.pending = conn.pending, None
            conn.state = HEAD
            self._partial.pop(conn.fd, None)
            assert req is not None
            self._dispatch(conn, req)
            return
        while buf[:1] in (b"\r", b"\n") and buf:  # stray line ends between requests (RFC 9112 2.2)
            del buf[:1]
        end, sep = buf.find(b"\r\n\r\n"), 4
        lf = buf.find(b"\n\n")
        if lf != -1 and (end == -1 or lf < end):
            end, sep = lf, 2
        if end == -1:
            if len(buf) > MAX_HEAD:
                self._reject(conn, BadRequest(431, f"request head over {MAX_HEAD} bytes"))
            elif buf:
                self._partial.setdefault(conn.fd, conn)
            return
        if end > MAX_HEAD:
            self._reject(conn, BadRequest(431, f"request head over {MAX_HEAD} bytes"))
            return
        head = bytes(buf[:end])
        del buf[: end + sep]
        self._partial.pop(conn.fd, None)
        try:
            req, length = parse_head(head)
        except BadRequest as exc:
            self._reject(conn, exc)
            return
        if length:
            if "100-continue" in req.headers.get("expect", "").lower():
                # answer without reading the body, then close: the client never sends it
                req.keep_alive = False
                conn.linger = True
            else:
                conn.state, conn.body_left, conn.pending = BODY, length, req
                self._process(conn)
                return
        self._dispatch(conn, req)

    def _reject(self, conn: _Conn, exc: BadRequest) -> None:
        log.debug("bad request from %s: %s", conn.peer, exc)
        self._counts["bad_request"] += 1
        conn.linger = True
        self._write(
            conn, _text(exc.code, f"{REASONS.get(exc.code, 'error').lower()}: {exc}\n", close=True), True
        )

    # -- answering

    def _dispatch(self, conn: _Conn, req: Request) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s %s", conn.peer, req.method, req.path)
        web = self.web
        header = req.headers.get("authorization")
        quick = web.quick_check(header)
        if quick is not None and not (quick and req.path == "/healthz"):
            self._write(conn, self.answer(req, quick), not req.keep_alive)
            return
        if self._queued >= MAX_QUEUED:
            self._write(
                conn, _text(503, "busy: too many requests waiting, try again\n", req), not req.keep_alive
            )
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="http-worker")
        conn.state = BUSY
        conn.deadline = conn.reason = None
        self._set_events(conn, 0)
        self._queued += 1
        self._pool.submit(self._work, conn, req, web, header, quick)

    def _work(
        self, conn: _Conn, req: Request, web: WebConfig, header: str | None, quick: bool | None
    ) -> None:
        """In a worker thread: the slow parts (bcrypt, health); the loop writes the answer."""
        try:
            ok = web.check_basic_auth(header) if quick is None else quick
            resp = self.answer(req, ok)
        except Exception as exc:
            log.error("HTTP server: %s %s: %s: %s", req.method, req.path, type(exc).__name__, exc)
            resp = _text(500, "internal error\n", req)
        self._done.append((conn, req, resp))
        self._wake()

    def _completions(self) -> None:
        while self._done:
            conn, req, resp = self._done.popleft()
            self._queued -= 1
            if not conn.closed:
                self._write(conn, resp, not req.keep_alive)

    def _write(self, conn: _Conn, buffers: list[bytes], close: bool) -> None:
        conn.out = collections.deque(memoryview(b) for b in buffers)
        conn.close_after = close or self._shutdown.is_set()
        conn.state = WRITE
        conn.deadline, conn.reason = time.monotonic() + WRITE_TIMEOUT, "write_timeout"
        self._flush(conn)

    def _flush(self, conn: _Conn) -> None:
        out = conn.out
        sent = 0
        try:
            while out:
                # plain: every buffer in one sendmsg (headers and body in one segment when they fit)
                n = conn.sock.send(out[0][:TLS_CHUNK]) if conn.tls else conn.sock.sendmsg(list(out)[:64])
                sent += n
                while n:
                    first = out[0]
                    if n >= len(first):
                        n -= len(first)
                        out.popleft()
                    else:
                        out[0] = first[n:]
                        n = 0
        except (BlockingIOError, InterruptedError, ssl.SSLWantWriteError):
            if sent:
                conn.deadline = time.monotonic() + WRITE_TIMEOUT
            self._set_events(conn, _W)
            return
        except ssl.SSLWantReadError:
            self._set_events(conn, _R)
            return
        except OSError as exc:
            log.debug("connection from %s: %s", conn.peer, exc)
            self._close(conn)
            return
        self._written(conn)

    def _written(self, conn: _Conn) -> None:
        if conn.close_after:
            if not conn.linger:
                self._close(conn)
                return
            # an error answer: let the client read it before we close (a close with unread data is a RST)
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_WR)
            conn.state, conn.inbuf = LINGER, bytearray()
            conn.deadline, conn.reason = time.monotonic() + LINGER_TIMEOUT, None
            self._set_events(conn, _R)
            return
        conn.state = HEAD
        self._set_events(conn, _R)
        if conn.inbuf:  # a pipelined request: answered from the loop, not recursively
            conn.deadline, conn.reason = time.monotonic() + HEADER_TIMEOUT, "header_timeout"
            self._ready.append(conn)
        else:
            conn.deadline, conn.reason = time.monotonic() + IDLE_TIMEOUT, "idle_timeout"
            self._idle[conn.fd] = conn

    # -- the endpoints (called from the loop, or from a worker for /healthz and bcrypt)

    def answer(self, req: Request, authorized: bool) -> list[bytes]:
        """The response to one request, as buffers."""
        close = not req.keep_alive
        if req.method not in ("GET", "HEAD"):
            return _text(
                405, "method not allowed: GET or HEAD\n", req, close=close, extra={"Allow": "GET, HEAD"}
            )
        if not authorized:
            return _text(
                401, "Unauthorized\n", req, close=close, extra={"WWW-Authenticate": 'Basic realm="raidwatch"'}
            )
        head_only = req.method == "HEAD"
        path = req.path
        engine = self.engine
        pub = engine.published
        if path == "/metrics":
            if pub is None:
                return _text(503, "no data collected yet\n", req, close=close)
            tail = _age_tail(time.time() - pub.snapshot.taken_at) + stats_text(self.stats())
            if "gzip" in req.headers.get("accept-encoding", ""):
                # two gzip members back to back are one valid gzip stream (RFC 1952)
                parts: tuple[bytes, ...] = (pub.body_gzip, gzip.compress(tail, 1))
                extra = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
            else:
                parts, extra = (pub.body, tail), {"Vary": "Accept-Encoding"}
            return response(200, parts, CONTENT_TYPE, head_only=head_only, close=close, extra=extra)
        if path == "/healthz":
            ok, text = self._health()
            return _text(200 if ok else 503, text.rstrip("\n") + "\n", req, close=close)
        if path == "/":
            host = pub.snapshot.inventory.header.hostname if pub else socket.gethostname()
            page = INDEX_HTML.format(host=host, version=__version__).encode()
            return response(200, (page,), "text/html; charset=utf-8", head_only=head_only, close=close)
        return _text(404, "not found: try /metrics\n", req, close=close)

    def _health(self) -> tuple[bool, str]:
        engine = self.engine
        health = getattr(engine, "health", None)
        if health is not None:  # per-collector freshness
            ok, text = health(time.time())
            return bool(ok), str(text)
        pub = engine.published
        limit = max(3 * engine.settings.interval, 90.0)
        if pub is None:
            return False, "starting: no snapshot yet"
        age = time.time() - pub.snapshot.taken_at
        if age > limit:
            return False, f"stale: last snapshot {age:.0f}s ago"
        return True, "ok (serving last good data of failing collectors)" if pub.snapshot.stale else "ok"


def _age_tail(age: float) -> bytes:
    try:
        from raidwatch.exporter import age_family_text

        return age_family_text(age)
    except ImportError:  # pragma: no cover - exporter always ships
        return b""


# The connection metrics: live values, appended to every /metrics answer after the snapshot's families.
HTTP_METRICS = (
    ("raidwatch_http_connections", "gauge", "connections open to the metrics server now"),
    (
        "raidwatch_http_connections_limit",
        "gauge",
        "most connections the metrics server holds at once (lowered to keep file descriptors for collection)",
    ),
    ("raidwatch_http_connections_accepted_total", "counter", "connections accepted by the metrics server"),
    (
        "raidwatch_http_connections_closed_total",
        "counter",
        "connections the metrics server closed or refused, by reason (limit: refused with 503, evicted: idle "
        "one closed to make room, idle_timeout, header_timeout, write_timeout, tls_handshake, bad_request)",
    ),
)


def stats_text(stats: dict[str, Any]) -> bytes:
    """MetricsServer.stats() as the text exposition."""
    values = {
        "raidwatch_http_connections": [("", stats["open"])],
        "raidwatch_http_connections_limit": [("", stats["limit"])],
        "raidwatch_http_connections_accepted_total": [("", stats["accepted"])],
        "raidwatch_http_connections_closed_total": [
            (f'{{reason="{r}"}}', stats["closed"].get(r, 0)) for r in CLOSE_REASONS
        ],
    }
    lines = []
    for name, kind, help_ in HTTP_METRICS:
        lines += [f"# HELP {name} {help_}", f"# TYPE {name} {kind}"]
        lines += [f"{name}{labels} {float(v)}" for labels, v in values[name]]
    return ("\n".join(lines) + "\n").encode()
