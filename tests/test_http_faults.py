"""The metrics server under hostile networks: the real daemon on 127.0.0.1 with idle floods, slow clients,
smuggled bodies, TLS garbage and timing probes; the server's policy pieces in-process.

Every daemon is stopped by its own PID; every figure is a ratio or a count, never a wall-clock number.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import os
import re
import resource
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from conftest import HOSTS, REPO
from test_daemon import _hash, _self_signed, _wait_for, free_port

from raidwatch import httpserver
from raidwatch.errors import ConfigError
from raidwatch.httpserver import BadRequest, MetricsServer, parse_head
from raidwatch.webconfig import WebConfig, load_web_config

WEB01 = HOSTS / "web01-mirror-degraded"
FAST = ("--collectors", "md,blockdev,mounts")
DEGRADED = b'raidwatch_findings{code="array-degraded",severity="critical"} 1.0'
MD_OK = b'raidwatch_collector_success{collector="md"} 1.0'


# ---------------------------------------------------------------------------- helpers


class Served:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path, tls: ssl.SSLContext | None) -> None:
        self.proc, self.port, self.log, self.tls = proc, port, log, tls

    def connect(self) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        if self.tls is not None:
            s = self.tls.wrap_socket(s, server_hostname="127.0.0.1")
        return s

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        conn = (
            http.client.HTTPSConnection("127.0.0.1", self.port, timeout=10, context=self.tls)
            if self.tls is not None
            else http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        )
        try:
            conn.request("GET", path, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def logs(self) -> str:
        return self.log.read_text()

    def threads(self) -> int:
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"^Threads:\s+(\d+)", text, re.M).group(1))

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))


@contextlib.contextmanager
def serve(
    tmp_path: Path, *args: str, nofile: int | None = None, tls: ssl.SSLContext | None = None
) -> Iterator[Served]:
    port = free_port()
    log = tmp_path / f"serve-{port}.log"

    def limits() -> None:  # in the child, before exec: the unit's LimitNOFILE=
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    cmd = [sys.executable, "-m", "raidwatch", "serve", "--web.listen-address", f"127.0.0.1:{port}", *args]
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            cmd,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, PYTHONPATH=str(REPO)),
            cwd=REPO,
            preexec_fn=limits,  # only setrlimit
        )
    d = Served(proc, port, log, tls)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"daemon exited {proc.returncode}: {log.read_text()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if d.get("/metrics")[0] in (200, 401):
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"daemon never answered: {log.read_text()}")
            time.sleep(0.1)
        yield d
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # stopped by its own PID
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def getheader(self, name: str) -> str | None:
        return self.headers.get(name.lower())


_readers: dict[int, Any] = {}


def read_response(sock: socket.socket) -> Reply:
    """One response from a raw socket, read exactly (the next one stays buffered for the next call)."""
    f = _readers.get(id(sock))
    if f is None or getattr(f, "_sock", None) is not sock:
        f = _readers[id(sock)] = sock.makefile("rb")
        f._sock = sock  # type: ignore[attr-defined]
    status = f.readline()
    assert status.startswith(b"HTTP/1.1 "), status
    headers = {}
    while (line := f.readline()) not in (b"\r\n", b""):
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get("content-length", 0)))
    return Reply(int(status.split()[1]), headers, body)


def closed_by_peer(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except (ConnectionError, ssl.SSLError):
        return True
    except TimeoutError:
        return False


def metric(body: bytes, name: str) -> float:
    m = re.search(rb"^" + re.escape(name.encode()) + rb" ([0-9.e+-]+)$", body, re.M)
    assert m, f"{name} not in /metrics"
    return float(m.group(1))


def raise_own_nofile(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return
    if hard != resource.RLIM_INFINITY and hard < need:
        pytest.skip(f"this test opens {need} sockets; the open-file hard limit here is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("plain"), "--replay", str(WEB01), *FAST) as d:
        yield d


# ---------------------------------------------------------------------------- exhaustion


def test_thousand_idle_connections_under_the_units_limits(tmp_path):
    """1,100 idle connections under LimitNOFILE=1024: scrapes answer, collection still opens its files,
    threads stay well under TasksMax=64, descriptors stay FD_RESERVE under the limit, no tracebacks."""
    raise_own_nofile(4096)
    args = ("--replay", str(WEB01), "--fleet", "fleet.yaml", *FAST, "--interval", "1s")
    with serve(tmp_path, *args, nofile=1024) as d:
        idle: list[socket.socket] = []
        peak_fds = peak_threads = 0
        try:
            for i in range(1100):
                s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
                if i % 2:  # a keep-alive connection that asked once and went quiet
                    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                idle.append(s)  # the others connected and never said a word
                if i % 100 == 0:
                    peak_fds, peak_threads = max(peak_fds, d.fds()), max(peak_threads, d.threads())
            took_at = metric(d.get("/metrics")[1], "raidwatch_snapshot_timestamp_seconds")
            for _ in range(5):
                code, body = d.get("/metrics")
                assert code == 200
                peak_fds, peak_threads = max(peak_fds, d.fds()), max(peak_threads, d.threads())
            # a collection that ran during the flood still read its sources
            _wait_for(lambda: metric(d.get("/metrics")[1], "raidwatch_snapshot_timestamp_seconds") > took_at)
            code, body = d.get("/metrics")
            assert code == 200 and MD_OK in body and DEGRADED in body
            assert metric(body, 'raidwatch_http_connections_closed_total{reason="evicted"}') > 0
            limit = metric(body, "raidwatch_http_connections_limit")
            assert limit <= 1024 - httpserver.FD_RESERVE
            assert d.get("/healthz")[0] == 200
            peak_fds, peak_threads = max(peak_fds, d.fds()), max(peak_threads, d.threads())
        finally:
            for s in idle:
                s.close()
        assert peak_threads < 64 // 2, f"{peak_threads} threads (TasksMax=64)"
        assert peak_fds <= 1024 - httpserver.FD_RESERVE // 2, f"{peak_fds} descriptors of 1024"
        logs = d.logs()
        assert "Traceback" not in logs and "Too many open files" not in logs
        assert len([ln for ln in logs.splitlines() if "connection limit" in ln]) <= 2  # one a minute


def test_slowloris_and_silent_connections_are_closed_after_the_header_timeout(plain):
    silent = plain.connect()
    slow = plain.connect()
    slow.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    stop = threading.Event()

    def trickle() -> None:  # a header line every half second: each byte in time, the head never done
        n = 0
        while not stop.wait(0.5):
            n += 1
            with contextlib.suppress(OSError):
                slow.sendall(f"X-{n}: y\r\n".encode())

    t = threading.Thread(target=trickle, daemon=True)
    start = time.monotonic()
    t.start()
    try:
        assert plain.get("/metrics")[0] == 200  # meanwhile, scrapes answer
        assert closed_by_peer(slow, httpserver.HEADER_TIMEOUT + 3)
        assert time.monotonic() - start < httpserver.HEADER_TIMEOUT + 3
        assert closed_by_peer(silent, 2)
    finally:
        stop.set()
        t.join(2)
        silent.close()
        slow.close()
    body = plain.get("/metrics")[1]
    assert metric(body, 'raidwatch_http_connections_closed_total{reason="header_timeout"}') >= 2


# ---------------------------------------------------------------------------- no stall


def test_keep_alive_back_to_back_is_not_slower_than_a_fresh_connection(plain):
    """Headers and body in one write: no Nagle + delayed-ACK wait (~40 ms) between back-to-back requests."""

    def timed(conn: http.client.HTTPConnection) -> float:
        t = time.perf_counter()
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        assert r.status == 200 and r.read()
        return time.perf_counter() - t

    keep = http.client.HTTPConnection("127.0.0.1", plain.port, timeout=10)
    try:
        timed(keep)
        kept = [timed(keep) for _ in range(40)]
    finally:
        keep.close()
    fresh = []
    for _ in range(40):
        c = http.client.HTTPConnection("127.0.0.1", plain.port, timeout=10)
        try:
            fresh.append(timed(c))
        finally:
            c.close()
    k, f = statistics.median(kept), statistics.median(fresh)
    assert k <= 2 * f, f"keep-alive p50 {k * 1000:.2f} ms vs fresh {f * 1000:.2f} ms"


# ---------------------------------------------------------------------------- request framing


def test_a_body_on_keep_alive_is_consumed_not_run_as_a_request(plain):
    s = plain.connect()
    try:
        smuggled = b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
        s.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(smuggled), smuggled)
            + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        first = read_response(s)
        second = read_response(s)
        assert first.status == 200 and first.body.startswith(b"ok")
        assert second.status == 200 and b"<h1>raidwatch</h1>" in second.body
        s.sendall(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")  # the connection is still in step
        assert read_response(s).status == 404
    finally:
        s.close()


def test_chunked_get_and_oversized_bodies_close_the_connection(plain):
    for request, code in [
        (b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413),
        (b"GET / HTTP/1.1\r\nHost: x\r\n X-folded: y\r\n\r\n", 400),
    ]:
        s = plain.connect()
        try:
            # what follows would be a second request if the server guessed the framing
            s.sendall(request + b"5\r\nhello\r\n0\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
            r = read_response(s)
            assert r.status == code and r.getheader("Connection") == "close", request
            assert closed_by_peer(s, 5), request  # and nothing else is answered on it
        finally:
            s.close()
    body = plain.get("/metrics")[1]
    assert metric(body, 'raidwatch_http_connections_closed_total{reason="bad_request"}') >= 4
    assert "Traceback" not in plain.logs()


def test_parse_head_is_strict_where_a_proxy_could_disagree():
    req, length = parse_head(b"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip")
    assert (req.method, req.path, req.keep_alive, length) == ("GET", "/metrics", True, 0)
    assert req.headers["accept-encoding"] == "gzip"
    assert parse_head(b"GET / HTTP/1.0")[0].keep_alive is False
    assert parse_head(b"GET / HTTP/1.0\r\nConnection: keep-alive")[0].keep_alive is True
    assert parse_head(b"GET http://h:1/metrics HTTP/1.1")[0].path == "/metrics"
    assert parse_head(b"GET / HTTP/1.1\r\nContent-Length: 7, 7")[1] == 7
    for head, code in [
        (b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked", 400),
        (b"GET / HTTP/1.1\r\nContent-Length: +5", 400),
        (b"GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 7", 400),
        (b"GET / HTTP/1.1\r\nContent-Length : 5", 400),
        (b"GET / HTTP/1.1\r\nX: a\rb", 400),
        (b"GET / HTTP/2.0", 505),
        (b"GET /  HTTP/1.1", 400),
        (b"GET / HTTP/1.1\r\nContent-Length: " + b"9" * 30, 400),
        (b"GET / HTTP/1.1\r\nContent-Length: 65537", 413),
    ]:
        with pytest.raises(BadRequest) as exc:
            parse_head(head)
        assert exc.value.code == code, head


# ---------------------------------------------------------------------------- TLS and auth


def _web_config(tmp_path: Path, cert: Path | None = None, key: Path | None = None, users=None) -> Path:  # type: ignore[no-untyped-def]
    doc: dict = {}
    if cert is not None:
        doc["tls_server_config"] = {"cert_file": str(cert), "key_file": str(key)}
    if users:
        doc["basic_auth_users"] = users
    web = tmp_path / "web-config.yml"
    web.write_text(yaml.safe_dump(doc))
    return web


def test_tls_garbage_handshake_is_one_log_line(tmp_path):
    cert, key = _self_signed(tmp_path)
    ctx = ssl.create_default_context(cafile=str(cert))
    web = _web_config(tmp_path, cert, key)
    with serve(tmp_path, "--replay", str(WEB01), *FAST, "--web.config.file", str(web), tls=ctx) as d:
        before = d.logs()
        raw = socket.create_connection(("127.0.0.1", d.port), timeout=5)
        raw.sendall(b"\x16\x03\x01\x00\x05garbage and more garbage\r\n\r\n")
        assert closed_by_peer(raw, 5)
        raw.close()
        quiet = socket.create_connection(("127.0.0.1", d.port), timeout=5)  # connects, says nothing, leaves
        quiet.close()
        assert d.get("/metrics")[0] == 200  # a real TLS client is served, over keep-alive too
        s = d.connect()
        try:
            for _ in range(3):
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                assert read_response(s).status == 200
        finally:
            s.close()
        _wait_for(lambda: "TLS handshake from" in d.logs())
        time.sleep(0.3)
        new = d.logs()[len(before) :]
        lines = [ln for ln in new.splitlines() if "TLS" in ln]
        assert len(lines) == 1 and re.search(r"TLS handshake from 127\.0\.0\.1:\d+ failed: \S", lines[0]), new
        assert "Traceback" not in d.logs()
        assert (
            metric(d.get("/metrics")[1], 'raidwatch_http_connections_closed_total{reason="tls_handshake"}')
            == 1
        )


def _auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _interleaved(fn_a, fn_b, n: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    a, b = [], []
    for _ in range(n):
        for fn, out in ((fn_a, a), (fn_b, b)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(a), statistics.median(b)


def test_wrong_user_and_wrong_password_cost_the_same(tmp_path):
    """An unknown user name runs bcrypt against a dummy hash of the same cost: names cannot be confirmed
    by timing (before: an unknown name answered without any bcrypt, ~26 ms sooner at cost 10)."""
    import bcrypt

    users = {"prometheus": bcrypt.hashpw(b"s3cret", bcrypt.gensalt(8)).decode()}  # ~15 ms a check
    cfg = load_web_config(str(_web_config(tmp_path, users=users)))
    wrong_user = _auth("nobody", "s3cret")
    wrong_password = _auth("prometheus", "nope")
    u, p = _interleaved(
        lambda: cfg.check_basic_auth(wrong_user), lambda: cfg.check_basic_auth(wrong_password), 15
    )
    assert 0.6 < u / p < 1.6, (u, p)
    assert cfg.check_basic_auth(_auth("prometheus", "s3cret"))
    assert cfg.quick_check(_auth("prometheus", "s3cret")) is True  # cached after one check
    assert cfg.quick_check(wrong_user) is None and cfg.quick_check(wrong_password) is None

    web = _web_config(tmp_path, users=users)
    with serve(tmp_path, "--replay", str(WEB01), *FAST, "--web.config.file", str(web)) as d:

        def attempt(header: str) -> None:
            assert d.get("/metrics", {"Authorization": header})[0] == 401

        u, p = _interleaved(lambda: attempt(wrong_user), lambda: attempt(wrong_password), 15)
        assert 0.5 < u / p < 2.0, (u, p)
        assert d.get("/metrics", {"Authorization": _auth("prometheus", "s3cret")})[0] == 200


def test_truncated_or_mangled_bcrypt_hash_is_refused_at_load(tmp_path):
    good = _hash("s3cret")
    for bad, fragment in [
        (good[:40], "not a valid bcrypt hash (40 characters"),
        (good[:-1] + "!", "not a valid bcrypt hash"),
        ("secret", "expected a bcrypt hash"),
        ("$2y$31$" + good[7:], "bcrypt cost 31 out of range"),
    ]:
        web = _web_config(tmp_path, users={"prometheus": bad})
        with pytest.raises(ConfigError, match=re.escape(fragment)) as exc:
            load_web_config(str(web))
        assert "\n" not in str(exc.value) and "basic_auth_users.prometheus" in str(exc.value)
    web = _web_config(tmp_path, users={"prometheus": good[:40]})
    res = subprocess.run(
        [sys.executable, "-m", "raidwatch", "serve", "--replay", str(WEB01), "--web.config.file", str(web)],
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2 and "truncated" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_sighup_with_a_broken_config_keeps_serving(tmp_path):
    users = {"prometheus": _hash("s3cret")}
    web = _web_config(tmp_path, users=users)
    cfg = tmp_path / "raidwatch.yml"
    good = {"replay": str(WEB01), "collectors": ["md", "blockdev", "mounts"], "web_config_file": str(web)}
    cfg.write_text(yaml.safe_dump(good))
    auth = {"Authorization": _auth("prometheus", "s3cret")}
    with serve(tmp_path, "--config", str(cfg)) as d:
        broken_web = tmp_path / "broken-web.yml"
        broken_web.write_text(yaml.safe_dump({"basic_auth_users": {"prometheus": users["prometheus"][:30]}}))
        for text in (
            "replay: [unclosed\n",  # not YAML
            yaml.safe_dump({**good, "web_config_file": {"a": 1}}),  # a wrong type
            yaml.safe_dump({**good, "web_config_file": str(broken_web)}),  # a truncated hash
            yaml.safe_dump({**good, "fleet": str(tmp_path / "missing.yaml")}),
        ):
            cfg.write_text(text)
            rejected = d.logs().count("reload rejected")
            d.proc.send_signal(signal.SIGHUP)
            _wait_for(lambda r=rejected: d.logs().count("reload rejected") > r)
            assert d.proc.poll() is None, d.logs()
            code, body = d.get("/metrics", auth)  # the old web config (and its password) still rules
            assert code == 200 and MD_OK in body
            if b"raidwatch_config_reload_success" in body:
                _wait_for(lambda: b"raidwatch_config_reload_success 0.0" in d.get("/metrics", auth)[1])
        assert d.logs().count("reload rejected") >= 4 and "Traceback" not in d.logs()
        cfg.write_text(yaml.safe_dump(good))
        d.proc.send_signal(signal.SIGHUP)
        _wait_for(lambda: "reloaded: fleet" in d.logs())
        code, body = d.get("/metrics", auth)
        assert code == 200
        if b"raidwatch_config_reload_success" in body:
            assert b"raidwatch_config_reload_success 1.0" in body


# ---------------------------------------------------------------------------- the policy, in-process


@contextlib.contextmanager
def inprocess(
    body: bytes, max_connections: int, web: WebConfig | None = None, health=lambda now: (True, "ok")
) -> Iterator[MetricsServer]:
    snapshot = SimpleNamespace(
        taken_at=time.time(), inventory=SimpleNamespace(header=SimpleNamespace(hostname="h"))
    )
    engine = SimpleNamespace(
        published=SimpleNamespace(snapshot=snapshot, body=body, body_gzip=body),
        settings=SimpleNamespace(interval=30.0),
        health=health,
    )
    srv = MetricsServer(("127.0.0.1", 0), engine, web or WebConfig(), max_connections=max_connections)  # type: ignore[arg-type]
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(5)


def test_full_server_closes_the_oldest_idle_connection_then_sheds_with_503(caplog):
    caplog.set_level("DEBUG", logger="raidwatch.daemon")
    with inprocess(b"x" * (32 << 20), max_connections=3) as srv:
        port = srv.server_address[1]
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
        _wait_for(lambda: srv.stats()["open"] == 3)
        readers = []
        try:
            # a new connection: the oldest idle one makes room
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(s).status == 200
            assert closed_by_peer(idle[0], 5)
            assert srv.stats()["closed"]["evicted"] == 1
            s.close()
            # three slow readers of a 32 MiB answer: busy, not idle, so nobody can be evicted
            for c in idle[1:]:
                c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            readers = idle[1:]
            extra = socket.create_connection(("127.0.0.1", port), timeout=5)
            extra.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            _wait_for(lambda: srv.stats()["open"] == 3)
            shed = socket.create_connection(("127.0.0.1", port), timeout=5)
            r = read_response(shed)
            assert r.status == 503 and r.getheader("Retry-After") == "1"
            assert srv.stats()["closed"]["limit"] == 1
            for _ in range(
                20
            ):  # a burst of refusals: one debug line each, one warning a minute, no traceback
                more = socket.create_connection(("127.0.0.1", port), timeout=5)
                assert read_response(more).status == 503
                more.close()
            shed.close()
            extra.close()
        finally:
            for c in idle + readers:
                c.close()
    refusals = [r for r in caplog.records if "refused connection" in r.getMessage()]
    assert len(refusals) == 21 and all(r.levelname == "DEBUG" for r in refusals)
    assert len([r for r in caplog.records if r.levelno >= 30]) == 1  # "connection limit reached", once
    assert not any(r.exc_info for r in caplog.records) and "Traceback" not in caplog.text


def test_idle_and_write_timeouts(monkeypatch):
    monkeypatch.setattr(httpserver, "IDLE_TIMEOUT", 0.5)
    monkeypatch.setattr(httpserver, "WRITE_TIMEOUT", 0.5)
    monkeypatch.setattr(httpserver, "SWEEP_EVERY", 0.1)
    with inprocess(b"x" * (32 << 20), max_connections=10) as srv:
        port = srv.server_address[1]
        keep = socket.create_connection(("127.0.0.1", port), timeout=5)
        keep.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(keep).status == 200
        stuck = socket.create_connection(("127.0.0.1", port), timeout=5)
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")  # and never reads the 32 MiB
        try:
            assert closed_by_peer(keep, 5)
            _wait_for(lambda: srv.stats()["closed"]["write_timeout"] == 1)
            assert srv.stats()["closed"]["idle_timeout"] == 1 and srv.stats()["open"] == 0
        finally:
            keep.close()
            stuck.close()


def test_stats_text_is_valid_exposition(tmp_path):
    text = httpserver.stats_text(
        {"open": 3, "limit": 960, "accepted": 10, "closed": dict.fromkeys(httpserver.CLOSE_REASONS, 1)}
    )
    assert b'raidwatch_http_connections_closed_total{reason="evicted"} 1.0' in text
    import shutil

    if not shutil.which("promtool"):
        pytest.skip("promtool not installed (Debian package prometheus)")
    res = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr


def test_large_answers_arrive_whole_over_plain_and_tls_keep_alive(tmp_path):
    body = bytes(range(256)) * (16 << 12)  # 16 MiB: many partial writes
    cert, key = _self_signed(tmp_path)
    tls = load_web_config(str(_web_config(tmp_path, cert, key)))
    for web, ctx in ((None, None), (tls, ssl.create_default_context(cafile=str(cert)))):
        with inprocess(body, max_connections=10, web=web) as srv:
            s = socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=10)
            if ctx is not None:
                s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
            try:
                for _ in range(2):
                    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                    r = read_response(s)
                    assert (
                        r.status == 200
                        and r.body.startswith(body)
                        and b"raidwatch_http_connections" in r.body
                    )
            finally:
                s.close()


def test_healthz_is_the_engines_per_collector_verdict():
    asked = []

    def health(now: float) -> tuple[bool, str]:
        asked.append(now)
        return False, "md wedged: its run has not returned after 300s (deadline 60s)"

    with inprocess(b"m 1\n", max_connections=10, health=health) as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=5)
        try:
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            assert (
                r.status == 503
                and r.read() == b"md wedged: its run has not returned after 300s (deadline 60s)\n"
            )
        finally:
            conn.close()
    assert asked and abs(asked[0] - time.time()) < 60  # asked with unix time
