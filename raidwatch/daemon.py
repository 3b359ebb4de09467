"""`raidwatch serve`: collect on a schedule, swap in complete snapshots, serve /metrics, /healthz and /."""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from raidwatch import __version__
from raidwatch.collectors import Collector, Contribution, create
from raidwatch.errors import ConfigError, ProbeError, read_yaml_mapping
from raidwatch.model import CollectorRun, Problem, Severity
from raidwatch.probe import LiveProbe, Probe, ReplayProbe
from raidwatch.snapshot import CollectorStatus, Snapshot
from raidwatch.webconfig import WebConfig, load_web_config

log = logging.getLogger("raidwatch.daemon")

DEFAULT_PORT = 9632
DEFAULT_LISTEN = f":{DEFAULT_PORT}"
SLOW_COLLECTORS = frozenset({"smart"})
CONFIG_KEYS = {
    "listen_address",
    "web_config_file",
    "fleet",
    "replay",
    "interval",
    "smart_interval",
    "collectors",
    "log_level",
    "state_file",
    "test_page_duration",
}
DEFAULT_TEST_PAGE_DURATION = 600.0
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
INDEX_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>raidwatch</title></head>
<body><h1>raidwatch</h1>
<p>Storage inventory and RAID health for {host}.</p>
<ul><li><a href="metrics">/metrics</a> (Prometheus)</li><li><a href="healthz">/healthz</a></li></ul>
<p>raidwatch {version}</p>
</body></html>
"""


# ------------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    """What the daemon runs with: flags over the --config file over defaults."""

    listen_address: str = DEFAULT_LISTEN
    web_config_file: str | None = None
    fleet: str | None = None
    replay: str | None = None
    interval: float = 30.0
    smart_interval: float = 1800.0
    collectors: tuple[str, ...] | None = None
    log_level: str = "info"
    state_file: str | None = None  # where disks and members seen are remembered across restarts
    test_page_duration: float = DEFAULT_TEST_PAGE_DURATION  # how long a SIGUSR1 test page runs
    config_file: str | None = None
    cli_overrides: tuple[tuple[str, Any], ...] = ()  # what the command line set, kept for SIGHUP reloads


def parse_duration(value: Any, what: str) -> float:
    from raidwatch.policy import _DURATION_RE, _UNIT

    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    m = _DURATION_RE.match(str(value))
    if not m or float(m.group(1)) <= 0:
        raise ConfigError(f"{what}: expected a positive duration like 30s, 5m or 1h, got {value!r}")
    return float(m.group(1)) * _UNIT[m.group(2)]


def load_settings(config_file: str | None, overrides: dict[str, Any]) -> Settings:
    """Merge the YAML --config file (if any) with command-line overrides (None = not given)."""
    base: dict[str, Any] = {}
    if config_file:
        doc = read_yaml_mapping(config_file, "settings")
        unknown = set(doc) - CONFIG_KEYS
        if unknown:
            raise ConfigError(
                f"{config_file}: unknown setting(s): {', '.join(sorted(unknown))} "
                f"(known: {', '.join(sorted(CONFIG_KEYS))})"
            )
        base = dict(doc)
    merged = {**base, **{k: v for k, v in overrides.items() if v is not None}}
    cols = merged.get("collectors")
    if isinstance(cols, str):
        cols = [c.strip() for c in cols.split(",") if c.strip()]
    if cols is not None and not (isinstance(cols, list) and all(isinstance(c, str) for c in cols)):
        raise ConfigError(f"{config_file or 'settings'}: collectors: expected a list of names")
    level = str(merged.get("log_level", "info")).lower()
    if level not in ("debug", "info", "warning", "error"):
        raise ConfigError(f"{config_file or 'settings'}: log_level: expected debug, info, warning or error")
    where = config_file or "--"
    return Settings(
        listen_address=str(merged.get("listen_address", DEFAULT_LISTEN)),
        web_config_file=merged.get("web_config_file"),
        fleet=merged.get("fleet"),
        replay=merged.get("replay"),
        interval=parse_duration(merged.get("interval", 30), f"{where} interval"),
        smart_interval=parse_duration(merged.get("smart_interval", 1800), f"{where} smart_interval"),
        collectors=tuple(cols) if cols is not None else None,
        log_level=level,
        state_file=merged.get("state_file"),
        test_page_duration=parse_duration(
            merged.get("test_page_duration", DEFAULT_TEST_PAGE_DURATION), f"{where} test_page_duration"
        ),
        config_file=config_file,
        cli_overrides=tuple((k, v) for k, v in overrides.items() if v is not None),
    )


def parse_listen(address: str) -> tuple[str, int]:
    """ ":9632" -> ("", 9632); "127.0.0.1:9632"; "[::1]:9632"."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdecimal() or not 0 <= int(port) < 65536:
        raise ConfigError(f"--web.listen-address {address!r}: expected [HOST]:PORT")
    return host.strip("[]"), int(port)


# ------------------------------------------------------------------------------------- snapshots


@dataclass
class _Slot:
    """The latest word from one collector, and the last good one."""

    run: CollectorRun | None = None
    contribution: Contribution = field(default_factory=Contribution)
    good: Contribution | None = None
    last_success: float | None = None
    last_run: float | None = None


@dataclass(frozen=True)
class Published:
    """What /metrics serves: rendered once per snapshot."""

    snapshot: Snapshot
    body: bytes
    body_gzip: bytes


class Engine:
    """Runs collector groups, assembles snapshots, renders them, swaps them in atomically."""

    def __init__(self, settings: Settings, probe: Probe, policy: Any, policy_path: str | None) -> None:
        self.settings = settings
        self.probe = probe
        self.policy = policy
        self.policy_path = policy_path
        self.collectors: list[Collector] = create(list(settings.collectors) if settings.collectors else None)
        self.slots: dict[str, _Slot] = {c.name: _Slot() for c in self.collectors}
        self._lock = threading.Lock()  # guards slots and the assembly
        self.published: Published | None = None
        self.last_fast_run: float | None = None
        self.builds = 0
        self.test_page_until: float | None = None  # unix time an operator's test page ends
        from raidwatch.history import History

        self.history = History.load(settings.state_file)

    def groups(self) -> tuple[list[Collector], list[Collector]]:
        fast = [c for c in self.collectors if c.name not in SLOW_COLLECTORS]
        slow = [c for c in self.collectors if c.name in SLOW_COLLECTORS]
        return fast, slow

    def run(self, group: list[Collector]) -> None:
        """Run one group of collectors and publish a new snapshot. Never raises."""
        from raidwatch.inventory import run_collectors

        try:
            _, results = run_collectors(self.probe, group)
        except Exception as exc:  # e.g. the probe's header could not be read
            log.error("collection failed: %s: %s", type(exc).__name__, exc)
            results = [
                (
                    CollectorRun(
                        c.name, False, 0.0, problems=(Problem(c.name, c.name, str(exc), Severity.CRITICAL),)
                    ),
                    Contribution(),
                )
                for c in group
            ]
        now = time.time()
        with self._lock:
            for run, contrib in results:
                slot = self.slots[run.name]
                slot.run, slot.last_run = run, now
                if run.success:
                    slot.contribution = slot.good = contrib
                    slot.last_success = now
                else:
                    # keep serving what it last read, alongside the problems of this run (marked stale)
                    slot.contribution = replace(slot.good or Contribution(), problems=contrib.problems)
            self._publish(now)

    def _publish(self, now: float) -> None:
        from raidwatch.exporter import render_metrics
        from raidwatch.findings import evaluate
        from raidwatch.inventory import build_inventory

        runs = [(s.run, s.contribution) for s in self.slots.values() if s.run is not None]
        try:
            header = self.probe.header()
            inv = build_inventory(header, runs, collected_at=now)
            evaluation = None
            gone = self.history.observe(inv, now)
            if self.policy is not None:
                host_policy = self.policy.for_host(header.hostname)
                evaluation = evaluate(inv, host_policy, extra=gone)
            stale = [
                n
                for n, s in self.slots.items()
                if s.run is not None and not s.run.success and not s.run.skipped
            ]
            statuses = tuple(
                CollectorStatus(
                    name=n,
                    success=s.run.success,
                    duration_seconds=s.run.duration_seconds,
                    last_run=s.last_run or now,
                    last_success=s.last_success,
                    skipped=s.run.skipped,
                    error="; ".join(p.message for p in s.run.problems) if not s.run.success else None,
                )
                for n, s in self.slots.items()
                if s.run is not None
            )
            snap = Snapshot(
                inventory=inv,
                evaluation=evaluation,
                taken_at=now,
                collectors=statuses,
                stale=bool(stale),
                stale_reason=f"collector(s) failing, serving their last good data: {', '.join(stale)}"
                if stale
                else None,
                policy_path=self.policy_path,
                build={"version": __version__, "python": sys.version.split()[0]},
            )
            body = render_metrics(snap, self._test_page(now))
        except Exception as exc:  # keep the last good snapshot, say why
            log.error(
                "could not assemble a snapshot (serving the previous one): %s: %s", type(exc).__name__, exc
            )
            if self.published is not None:
                old = self.published.snapshot
                if not old.stale:
                    snap = replace(old, stale=True, stale_reason=f"assembly failed: {exc}")
                    try:
                        body = render_metrics(snap, self._test_page(now))
                        self.published = Published(snap, body, gzip.compress(body, 6))
                    except Exception:  # the renderer itself fails: leave the old bytes in place
                        log.exception("renderer failed")
            return
        self.published = Published(snap, body, gzip.compress(body, 6))  # one reference swap
        self.builds += 1

    def reload(self, policy: Any, policy_path: str | None) -> None:
        with self._lock:
            self.policy, self.policy_path = policy, policy_path
            self._publish(time.time())

    # ---- test page: SIGUSR1 (the main loop calls these; the signal handler only counts)

    def _test_page(self, now: float):  # type: ignore[no-untyped-def]
        from raidwatch.exporter import TestPage

        until = self.test_page_until
        return TestPage(until=until) if until is not None and now < until else None

    def _rerender(self, now: float) -> None:
        """Render the published snapshot again (the test page changed); keep the old bytes on error."""
        from raidwatch.exporter import render_metrics

        pub = self.published
        if pub is None:
            return  # the first snapshot will carry it
        try:
            body = render_metrics(pub.snapshot, self._test_page(now))
        except Exception as exc:
            log.error("could not render the test page: %s: %s", type(exc).__name__, exc)
            return
        self.published = Published(pub.snapshot, body, gzip.compress(body, 6))

    def start_test_page(self, now: float | None = None) -> float:
        """Expose the test page for settings.test_page_duration from now (again if one runs)."""
        now = time.time() if now is None else now
        with self._lock:
            running = self.test_page_until is not None and now < self.test_page_until
            until = self.test_page_until = now + self.settings.test_page_duration
            self._rerender(now)
        log.info(
            "test page %s: raidwatch_test_page_active 1 and a critical finding code=test-page until %s "
            "(%.0fs); the shipped rules page with RaidwatchTestPage",
            "extended" if running else "started",
            time.strftime("%H:%M:%S", time.localtime(until)),
            self.settings.test_page_duration,
        )
        return until

    def tick_test_page(self, now: float | None = None) -> bool:
        """End an expired test page; True when one ended now."""
        now = time.time() if now is None else now
        if self.test_page_until is None or now < self.test_page_until:
            return False
        with self._lock:
            self.test_page_until = None
            self._rerender(now)
        log.info("test page ended: raidwatch_test_page_active 0")
        return True


# ------------------------------------------------------------------------------------- HTTP


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


# ------------------------------------------------------------------------------------- systemd


def sd_notify(message: str) -> bool:
    """Tell systemd (Type=notify) something; a no-op outside systemd."""
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return False
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.connect(addr)
            s.sendall(message.encode())
        return True
    except OSError as exc:
        log.debug("sd_notify(%s) failed: %s", message, exc)
        return False


class JournalFormatter(logging.Formatter):
    """Under systemd, prefix each line with its syslog priority (<3> error ...) for journald."""

    PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record).replace("\n", " | ")
        return f"<{self.PRIORITY.get(record.levelno, 6)}>{text}"


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("JOURNAL_STREAM") or os.environ.get("INVOCATION_ID"):
        handler.setFormatter(JournalFormatter("%(message)s"))
    else:
        handler.setFormatter(logging.Formatter("raidwatch: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))


# ------------------------------------------------------------------------------------- main loop


def _load_policy(path: str | None) -> tuple[Any, str | None]:
    if not path:
        return None, None
    from raidwatch.policy import load_policy

    return load_policy(path), path


def _make_probe(settings: Settings) -> Probe:
    if settings.replay:
        return ReplayProbe(settings.replay)
    return LiveProbe()


def serve(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT. Returns the process exit status."""
    # SIGUSR1: a test page. Installed first (its default action would end the process); the handler only
    # counts, whatever it interrupts (a collection included): the main loop starts the test page.
    usr1 = [0]
    if hasattr(signal, "SIGUSR1"):
        signal.signal(signal.SIGUSR1, lambda *_: usr1.__setitem__(0, usr1[0] + 1))
    setup_logging(settings.log_level)
    try:
        probe = _make_probe(settings)
        policy, policy_path = _load_policy(settings.fleet)
        web = load_web_config(settings.web_config_file)
        address = parse_listen(settings.listen_address)
        engine = Engine(settings, probe, policy, policy_path)
    except (ConfigError, ProbeError) as exc:
        for line in str(exc).splitlines():
            log.error("%s", line)
        return 2
    except KeyError as exc:
        log.error("collectors: %s", exc.args[0])
        return 2
    try:
        server = MetricsServer(address, engine, web)
    except OSError as exc:
        log.error("cannot listen on %s: %s", settings.listen_address, exc.strerror or exc)
        return 2
    stop = threading.Event()
    hup = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: hup.set())
    usr1_seen = 0

    fast, slow = engine.groups()
    first = threading.Event()

    def loop(group: list[Collector], interval: float, name: str, mark_first: bool) -> None:
        while not stop.is_set():
            started = time.monotonic()
            engine.run(group)
            if mark_first:
                engine.last_fast_run = time.monotonic()
                first.set()
            took = time.monotonic() - started
            if took > interval:
                log.warning("%s collection took %.1fs, longer than its %.0fs interval", name, took, interval)
            stop.wait(max(interval - took, 1.0))

    threads = [
        threading.Thread(
            target=loop, args=(fast, settings.interval, "fast", True), daemon=True, name="collect-fast"
        )
    ]
    if slow:
        threads.append(
            threading.Thread(
                target=loop,
                args=(slow, settings.smart_interval, "smart", False),
                daemon=True,
                name="collect-smart",
            )
        )
    threads[0].start()
    http = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True, name="http"
    )
    http.start()
    _host, port = server.server_address[:2]
    log.info(
        "raidwatch %s listening on %s (port %d, %s), collectors: %s",
        __version__,
        settings.listen_address,
        port,
        "TLS" if web.tls else "plain HTTP",
        ", ".join(c.name for c in engine.collectors),
    )
    while not first.wait(0.2):
        if stop.is_set():
            break
    for t in threads[1:]:
        t.start()  # SMART after the first fast snapshot, so /metrics answers early
    sd_notify(f"READY=1\nSTATUS=serving {len(engine.collectors)} collectors on {settings.listen_address}")
    watchdog_usec = int(os.environ.get("WATCHDOG_USEC", "0") or 0)
    watchdog_every = watchdog_usec / 2e6 if watchdog_usec else None
    next_ping = time.monotonic()
    while not stop.is_set():
        stop.wait(0.5 if watchdog_every is None else min(0.5, watchdog_every))
        if hup.is_set():
            hup.clear()
            _reload(settings, engine, server)
        if usr1[0] != usr1_seen:
            usr1_seen = usr1[0]
            engine.start_test_page()
        engine.tick_test_page()
        if watchdog_every is not None and time.monotonic() >= next_ping:
            # only while the fast loop is alive: a hung collection stops the pings, and systemd restarts us
            if engine.last_fast_run and time.monotonic() - engine.last_fast_run < 3 * settings.interval + 60:
                sd_notify("WATCHDOG=1")
            next_ping = time.monotonic() + watchdog_every
    log.info("stopping")
    sd_notify("STOPPING=1")
    server.shutdown()
    server.server_close()
    return 0


def _reload(settings: Settings, engine: Engine, server: MetricsServer) -> None:
    """SIGHUP: re-read --config, the fleet file and the web config; keep the old ones if invalid."""
    log.info("SIGHUP: reloading configuration")
    try:
        new = load_settings(settings.config_file, dict(settings.cli_overrides))
        policy, policy_path = _load_policy(new.fleet)
        web = load_web_config(new.web_config_file)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            log.error("reload rejected, keeping the running configuration: %s", line)
        return
    for key in ("listen_address", "interval", "smart_interval", "collectors", "replay"):
        if getattr(new, key) != getattr(settings, key):
            log.warning("%s changes need a restart; still running with %r", key, getattr(settings, key))
    server.web = web
    engine.reload(policy, policy_path)
    log.info("reloaded: fleet %s, web config %s", policy_path or "(none)", web.path or "(none)")


def add_serve_parser(sub: Any) -> None:
    """The `serve` subcommand's flags (exporter conventions)."""
    p = sub.add_parser(
        "serve",
        help="run the exporter daemon: collect on a schedule and serve /metrics",
        description="Collect in the background and serve the latest snapshot to Prometheus. Flags override "
        "the --config file; SIGHUP reloads the config, fleet and web config files (keeping the old ones if "
        "the new are invalid); SIGUSR1 starts a test page (see `raidwatch test-page`); SIGTERM stops.",
    )
    p.add_argument(
        "--web.listen-address",
        dest="listen_address",
        metavar="[HOST]:PORT",
        help=f"where to listen (default {DEFAULT_LISTEN}: all addresses, port {DEFAULT_PORT})",
    )
    p.add_argument(
        "--web.config.file",
        dest="web_config_file",
        metavar="FILE",
        help="exporter-toolkit web config: tls_server_config, basic_auth_users (bcrypt)",
    )
    p.add_argument(
        "--config", dest="config_file", metavar="FILE", help="YAML settings file (keys as these flags)"
    )
    p.add_argument(
        "--fleet", metavar="FILE", help="fleet policy to evaluate (findings and compliance metrics)"
    )
    p.add_argument("--replay", metavar="DIR", help="serve a recorded host instead of this machine")
    p.add_argument(
        "--interval", metavar="DURATION", help="md/mounts/blockdev collection interval (default 30s)"
    )
    p.add_argument(
        "--smart-interval",
        dest="smart_interval",
        metavar="DURATION",
        help="SMART sweep interval (default 30m)",
    )
    p.add_argument("--collectors", metavar="LIST", help="comma-separated collectors to run (default: all)")
    p.add_argument(
        "--state-file",
        dest="state_file",
        metavar="FILE",
        help="remember disks and array members across restarts (default: in memory only)",
    )
    p.add_argument(
        "--test-page-duration",
        dest="test_page_duration",
        metavar="DURATION",
        help="how long a test page (SIGUSR1, `raidwatch test-page`) stays up (default 10m)",
    )
    p.add_argument(
        "--log-level",
        dest="log_level",
        choices=["debug", "info", "warning", "error"],
        help="log verbosity on stderr (default info)",
    )
    p.set_defaults(func=_cmd_serve)


def add_test_page_parser(sub: Any) -> None:
    """The `test-page` subcommand: SIGUSR1 to the running daemon."""
    p = sub.add_parser(
        "test-page",
        help="make the running daemon raise a test page (SIGUSR1): proves that an alert reaches a human",
        description="Send SIGUSR1 to the running `raidwatch serve`: for its --test-page-duration "
        "(default 10m) it exposes raidwatch_test_page_active 1 and a critical finding code=test-page, "
        "which the shipped rules turn into the RaidwatchTestPage alert (critical: it takes the real "
        "paging route). The daemon is found by --pid, --pidfile, or else as the MainPID of the systemd "
        "unit --unit. Equivalent: `systemctl kill --kill-whom=main -s USR1 raidwatch`; launchd: "
        "`launchctl kill SIGUSR1 system/org.raidwatch.exporter`.",
    )
    p.add_argument("--pid", type=int, metavar="PID", help="the daemon's process id")
    p.add_argument("--pidfile", metavar="FILE", help="a file holding the daemon's process id")
    p.add_argument(
        "--unit",
        default="raidwatch.service",
        metavar="UNIT",
        help="systemd unit whose MainPID is the daemon (default raidwatch.service)",
    )
    p.set_defaults(func=_cmd_test_page)


def _daemon_pid(args: Any) -> int:
    if args.pid is not None:
        return int(args.pid)
    if args.pidfile:
        try:
            text = Path(args.pidfile).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"--pidfile {args.pidfile}: {exc.strerror or exc}") from None
        if not text.isdecimal():
            raise ConfigError(f"--pidfile {args.pidfile}: expected a process id, got {text[:40]!r}")
        return int(text)
    import shutil
    import subprocess

    systemctl = shutil.which("systemctl")
    if systemctl is None:
        raise ConfigError("no --pid or --pidfile, and no systemctl to ask for the daemon's MainPID")
    try:
        res = subprocess.run(
            [systemctl, "show", "--property=MainPID", "--value", args.unit],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"systemctl show {args.unit}: {exc}") from None
    pid = res.stdout.strip()
    if res.returncode != 0 or not pid.isdecimal() or int(pid) == 0:
        raise ConfigError(
            f"{args.unit} is not running (systemctl reports no MainPID); give --pid or --pidfile"
        )
    return int(pid)


def _cmd_test_page(args: Any) -> int:
    try:
        pid = _daemon_pid(args)
        if pid <= 1:
            raise ConfigError(f"pid {pid}: not a daemon's process id")
        cmdline = f"/proc/{pid}/cmdline"
        if os.path.isdir("/proc/self"):  # Linux: refuse to signal anything but raidwatch (a stale pidfile)
            try:
                with open(cmdline, "rb") as fh:
                    argv = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except FileNotFoundError:
                raise ConfigError(f"no process {pid}") from None
            except OSError as exc:
                raise ConfigError(f"{cmdline}: {exc.strerror or exc}") from None
            if "raidwatch" not in argv or "serve" not in argv:
                raise ConfigError(
                    f"process {pid} is not `raidwatch serve` ({argv[:80]!r}): not signalling it"
                )
        try:
            os.kill(pid, signal.SIGUSR1)
        except ProcessLookupError:
            raise ConfigError(f"no process {pid}") from None
        except PermissionError:
            raise ConfigError(
                f"not allowed to signal process {pid}: run as root or as the daemon's user "
                "(or `systemctl kill --kill-whom=main -s USR1 raidwatch`)"
            ) from None
    except ConfigError as exc:
        print(f"raidwatch: test-page: {exc}", file=sys.stderr)
        return 2
    print(
        f"sent SIGUSR1 to raidwatch serve (pid {pid}): it exposes a test page (raidwatch_test_page_active 1) "
        "for its --test-page-duration; expect the RaidwatchTestPage alert to page, and see the daemon's log"
    )
    return 0


def _cmd_serve(args: Any) -> int:
    overrides = {k: getattr(args, k) for k in sorted(CONFIG_KEYS)}  # each setting has its flag
    try:
        settings = load_settings(args.config_file, overrides)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"raidwatch: {line}", file=sys.stderr)
        return 2
    return serve(settings)
