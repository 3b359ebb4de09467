"""`raidwatch serve` for real: a child process on loopback, scraped, signalled, with TLS and basic auth."""

from __future__ import annotations

import base64
import gzip
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import HOSTS, REPO

from raidwatch.collectors.base import Collector, Contribution
from raidwatch.daemon import Engine, Settings, load_settings, parse_listen, sd_notify
from raidwatch.errors import ConfigError
from raidwatch.model import Array
from raidwatch.probe import ReplayProbe

WEB01 = HOSTS / "web01-mirror-degraded"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path, scheme: str = "http") -> None:
        self.proc, self.port, self.log, self.scheme = proc, port, log, scheme

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def get(self, path: str, headers=None, context=None):  # type: ignore[no-untyped-def]
        req = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10, context=context) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def logs(self) -> str:
        return self.log.read_text()


@contextmanager
def daemon(tmp_path: Path, *args: str, env=None, scheme: str = "http", wait: bool = True):  # type: ignore[no-untyped-def]
    port = free_port()
    log = tmp_path / f"daemon-{port}.log"
    cmd = [sys.executable, "-m", "raidwatch", "serve", "--web.listen-address", f"127.0.0.1:{port}", *args]
    full_env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=full_env, cwd=REPO)
    d = Daemon(proc, port, log, scheme)
    try:
        if wait:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise AssertionError(f"daemon exited {proc.returncode}: {log.read_text()}")
                try:
                    ctx = ssl._create_unverified_context() if scheme == "https" else None
                    if d.get("/metrics", context=ctx)[0] in (200, 401):
                        break
                except (urllib.error.URLError, ConnectionError, OSError):
                    pass
                time.sleep(0.1)
            else:
                raise AssertionError(f"daemon never answered: {log.read_text()}")
        yield d
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # stopped by its own PID
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_metrics_healthz_index_404(tmp_path):
    # fast collectors only: the SMART loop would publish a second snapshot between the two scrapes
    # compared below (the bodies are compared byte for byte)
    fast = "md,blockdev,mounts"
    with daemon(tmp_path, "--replay", str(WEB01), "--fleet", "fleet.yaml", "--collectors", fast) as d:
        code, headers, body = d.get("/metrics")
        text = body.decode()
        assert code == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert 'raidwatch_host_info{hostname="web01"' in text
        assert "raidwatch_snapshot_age_seconds " in text
        code, headers, zbody = d.get("/metrics", {"Accept-Encoding": "gzip"})
        assert headers.get("Content-Encoding") == "gzip"
        unzipped = gzip.decompress(zbody).decode()
        assert (
            unzipped.split("raidwatch_snapshot_age_seconds")[0]
            == text.split("raidwatch_snapshot_age_seconds")[0]
        )
        assert d.get("/healthz")[0] == 200
        code, headers, body = d.get("/")
        assert code == 200 and b'href="metrics"' in body and headers["Content-Type"].startswith("text/html")
        assert d.get("/nope")[0] == 404
        assert d.get("/metrics/extra")[0] == 404
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(10) == 0
        assert "stopping" in d.logs()


def test_sighup_keeps_the_old_policy_when_the_new_is_invalid(tmp_path):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text((REPO / "fleet.yaml").read_text())
    with daemon(tmp_path, "--replay", str(WEB01), "--fleet", str(fleet)) as d:
        before = d.get("/metrics")[2].decode()
        assert "raidwatch_host_compliant 0.0" in before
        fleet.write_text("defaults:\n  roles: {boot: {covers: [/], require: mirrored}}\n")
        d.proc.send_signal(signal.SIGHUP)
        _wait_for(lambda: "reload rejected" in d.logs())
        assert "require: expected one of mirror, any, none" in d.logs()
        assert d.get("/metrics")[0] == 200 and d.proc.poll() is None
        fleet.write_text("defaults: {}\n")  # a valid, empty policy: web01 still has a degraded array
        d.proc.send_signal(signal.SIGHUP)
        _wait_for(lambda: "reloaded: fleet" in d.logs())
        after = d.get("/metrics")[2].decode()
        assert 'raidwatch_policy_info{layers="defaults"' in after


def _wait_for(cond, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_sd_notify_ready_and_watchdog(tmp_path):
    sock_path = tmp_path / "notify.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(sock_path))
    s.settimeout(15)
    try:
        env = {"NOTIFY_SOCKET": str(sock_path), "WATCHDOG_USEC": "400000"}
        with daemon(tmp_path, "--replay", str(WEB01), env=env, wait=False):
            got = []
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not (
                any("READY=1" in m for m in got) and any("WATCHDOG=1" in m for m in got)
            ):
                got.append(s.recv(4096).decode())
            assert any(m.startswith("READY=1") for m in got), got
            assert any(m == "WATCHDOG=1" for m in got), got
    finally:
        s.close()


def test_sd_notify_outside_systemd_is_a_no_op(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sd_notify("READY=1") is False


def test_journald_log_format(tmp_path):
    with daemon(tmp_path, "--replay", str(WEB01), env={"JOURNAL_STREAM": "8:1234"}) as d:
        pass
    assert d.logs().splitlines()[0].startswith("<6>raidwatch ")


def test_bad_settings_exit_2_with_one_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for args, fragment in [
        (["--interval", "soon"], "interval: expected a positive duration"),
        (["--web.listen-address", "localhost"], "expected [HOST]:PORT"),
        (["--fleet", str(tmp_path / "missing.yaml")], "no such file"),
        (["--replay", str(tmp_path)], "host.json"),
        (["--collectors", "md,nope"], "unknown collector"),
        (["--web.config.file", str(tmp_path / "missing-web.yml")], "no such file"),
    ]:
        res = subprocess.run(
            [sys.executable, "-m", "raidwatch", "serve", *args],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert res.returncode == 2, (args, res.stderr)
        assert fragment in res.stderr and "Traceback" not in res.stderr, res.stderr


def test_settings_file_and_flags(tmp_path):
    cfg = tmp_path / "raidwatch.yml"
    cfg.write_text(
        "interval: 45s\nsmart_interval: 1h\ncollectors: [md, mounts]\nlisten_address: '127.0.0.1:9999'\n"
    )
    s = load_settings(str(cfg), {"listen_address": "[::1]:9632", "interval": None})
    assert (s.interval, s.smart_interval, s.collectors, s.listen_address) == (
        45,
        3600,
        ("md", "mounts"),
        "[::1]:9632",
    )
    assert parse_listen(s.listen_address) == ("::1", 9632) and parse_listen(":9632") == ("", 9632)
    cfg.write_text("intervall: 45s\n")
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(str(cfg), {})


# ------------------------------------------------------------------------- stale data, in-process


class Flaky(Collector):
    """Works once, then fails: the daemon must keep serving the first reading, marked stale."""

    name = "md"
    calls = 0

    def applicable(self, probe, header):  # type: ignore[no-untyped-def]
        return None

    def collect(self, probe):  # type: ignore[no-untyped-def]
        Flaky.calls += 1
        if Flaky.calls > 1:
            raise OSError("mdstat vanished")
        return Contribution(arrays=(Array("md0", "raid1", "active", raid_disks=2, in_sync_disks=2),))


def test_failing_collector_keeps_last_good_data_marked_stale(monkeypatch):
    engine = Engine(Settings(collectors=("mounts",)), ReplayProbe(WEB01), None, None)
    engine.collectors = [Flaky()]
    engine.slots = {"md": engine.slots.get("md") or type(engine.slots["mounts"])()}
    engine.run(engine.collectors)
    first = engine.published
    assert first is not None and not first.snapshot.stale
    assert b'raidwatch_collector_success{collector="md"} 1.0' in first.body
    engine.run(engine.collectors)
    second = engine.published
    assert second.snapshot.stale and "md" in second.snapshot.stale_reason
    assert second.snapshot.inventory.array("md0") is not None  # last good data still there
    assert b'raidwatch_collector_success{collector="md"} 0.0' in second.body
    assert b"raidwatch_snapshot_stale 1.0" in second.body


# ------------------------------------------------------------------------- TLS and basic auth


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed: cannot make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def _hash(password: str) -> str:
    import bcrypt

    # node_exporter's docs make hashes with `htpasswd -nBC 10`, which writes the $2y$ prefix
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(10)).decode().replace("$2b$", "$2y$", 1)


def test_tls_with_an_idle_connection_held_open_and_basic_auth(tmp_path):
    cert, key = _self_signed(tmp_path)
    web = tmp_path / "web-config.yml"
    web.write_text(
        f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"
        f"basic_auth_users:\n  prometheus: '{_hash('s3cret')}'\n"
    )
    if shutil.which("promtool"):
        res = subprocess.run(["promtool", "check", "web-config", str(web)], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout + res.stderr
    ctx = ssl.create_default_context(cafile=str(cert))
    auth = {"Authorization": "Basic " + base64.b64encode(b"prometheus:s3cret").decode()}
    with daemon(tmp_path, "--replay", str(WEB01), "--web.config.file", str(web), scheme="https") as d:
        idle = socket.create_connection(("127.0.0.1", d.port))  # connects, never says hello
        try:
            start = time.monotonic()
            code, _, body = d.get("/metrics", auth, ctx)
            assert code == 200 and b"raidwatch_host_info" in body
            assert time.monotonic() - start < 5, "an idle TLS connection blocked the scrape"
            assert d.get("/metrics", None, ctx)[0] == 401
            bad = {"Authorization": "Basic " + base64.b64encode(b"prometheus:wrong").decode()}
            assert d.get("/metrics", bad, ctx)[0] == 401
            with pytest.raises((urllib.error.URLError, ConnectionError)):  # plain HTTP to a TLS port fails
                urllib.request.urlopen(f"http://127.0.0.1:{d.port}/metrics", timeout=5).read()
        finally:
            idle.close()


# ------------------------------------------------------------------------- test page (SIGUSR1)

TEST_PAGE_LINE = (
    b'raidwatch_finding{code="test-page",severity="critical",'
    b'subject="raidwatch test page: not a real failure"} 1.0'
)


def test_test_page_setting(tmp_path):
    assert load_settings(None, {}).test_page_duration == 600
    cfg = tmp_path / "raidwatch.yml"
    cfg.write_text("test_page_duration: 5m\n")
    assert load_settings(str(cfg), {}).test_page_duration == 300
    assert load_settings(str(cfg), {"test_page_duration": "30s"}).test_page_duration == 30
    cfg.write_text("test_page_duration: soon\n")
    with pytest.raises(ConfigError, match="test_page_duration"):
        load_settings(str(cfg), {})


def test_engine_test_page_starts_renders_and_ends(caplog):
    caplog.set_level("INFO", logger="raidwatch.daemon")
    engine = Engine(Settings(collectors=("mounts",), test_page_duration=60), ReplayProbe(WEB01), None, None)
    engine.start_test_page()  # before the first snapshot: nothing to render yet, no error
    engine.test_page_until = None
    engine.run(engine.collectors)
    assert b"raidwatch_test_page_active 0.0" in engine.published.body
    assert TEST_PAGE_LINE not in engine.published.body  # no policy: no finding at all
    now = time.time()
    until = engine.start_test_page(now)
    assert until == now + 60
    snap = engine.published.snapshot
    assert b"raidwatch_test_page_active 1.0" in engine.published.body
    assert TEST_PAGE_LINE in engine.published.body  # even without a policy: the test must page
    assert TEST_PAGE_LINE in gzip.decompress(engine.published.body_gzip)
    assert "test page started" in caplog.text
    engine.run(engine.collectors)  # a collection while it runs keeps it
    assert b"raidwatch_test_page_active 1.0" in engine.published.body
    assert engine.start_test_page(now + 10) == now + 70 and "test page extended" in caplog.text
    assert engine.tick_test_page(now + 69) is False
    assert engine.tick_test_page(now + 71) is True
    assert b"raidwatch_test_page_active 0.0" in engine.published.body
    assert TEST_PAGE_LINE not in engine.published.body
    assert "test page ended" in caplog.text
    assert engine.tick_test_page(now + 100) is False  # ends once
    assert engine.published.snapshot is not snap  # the run above published a new snapshot


def test_sigusr1_bursts_during_collections_start_one_bounded_test_page(tmp_path):
    args = ("--replay", str(WEB01), "--fleet", "fleet.yaml", "--collectors", "md,blockdev,mounts")
    with daemon(tmp_path, *args, "--interval", "1s", "--test-page-duration", "3s") as d:
        assert b"raidwatch_test_page_active 0.0" in d.get("/metrics")[2]
        for _ in range(25):  # collections run every second: some signals land in the middle of one
            d.proc.send_signal(signal.SIGUSR1)
            time.sleep(0.02)
        _wait_for(lambda: TEST_PAGE_LINE in d.get("/metrics")[2])
        body = d.get("/metrics")[2]
        assert b"raidwatch_test_page_active 1.0" in body and b"raidwatch_host_compliant 0.0" in body
        _wait_for(lambda: "test page ended" in d.logs())
        assert b"raidwatch_test_page_active 0.0" in d.get("/metrics")[2]
        assert d.proc.poll() is None
        logs = d.logs()
        assert "test page started" in logs and "Traceback" not in logs


def test_test_page_command_signals_only_raidwatch(tmp_path):
    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "raidwatch", "test-page", *argv],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=dict(os.environ, PYTHONPATH=str(REPO)),
            timeout=30,
        )

    other = subprocess.Popen(["sleep", "30"])
    try:
        res = run("--pid", str(other.pid))
        assert res.returncode == 2 and "not `raidwatch serve`" in res.stderr
        time.sleep(0.2)
        assert other.poll() is None  # not killed by a stray SIGUSR1
    finally:
        other.kill()
        other.wait()
    pidfile = tmp_path / "raidwatch.pid"
    pidfile.write_text("garbage\n")
    res = run("--pidfile", str(pidfile))
    assert res.returncode == 2 and "expected a process id" in res.stderr
    res = run("--pidfile", str(tmp_path / "nope.pid"))
    assert res.returncode == 2 and res.stderr.startswith("raidwatch: test-page: ")
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    with daemon(tmp_path, "--replay", str(WEB01), "--collectors", "md,mounts") as d:
        pidfile.write_text(f"{d.proc.pid}\n")
        res = run("--pidfile", str(pidfile))
        assert res.returncode == 0 and f"pid {d.proc.pid}" in res.stdout
        _wait_for(lambda: b"raidwatch_test_page_active 1.0" in d.get("/metrics")[2])
        assert "test page started" in d.logs()
