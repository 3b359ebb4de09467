"""`raidwatch serve`: wires the settings, the collection engine, the HTTP server and the service glue,
and handles the signals (TERM/INT stop, HUP reload, USR1 test page).

The rooms: `settings` (the --config file under flags), `engine` (collection, snapshots), `httpserver`
(/metrics, /healthz), `service` (sd_notify, logging, `raidwatch test-page`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from raidwatch import __version__
from raidwatch.engine import Engine, collection_loop
from raidwatch.errors import ConfigError, ProbeError
from raidwatch.httpserver import MetricsServer
from raidwatch.probe import LiveProbe, Probe, ReplayProbe
from raidwatch.service import add_test_page_parser, sd_notify, setup_logging
from raidwatch.settings import (
    CONFIG_KEYS,
    DEFAULT_LISTEN,
    DEFAULT_PORT,
    Settings,
    load_settings,
    parse_duration,
    parse_listen,
)
from raidwatch.webconfig import load_web_config

log = logging.getLogger("raidwatch.daemon")

__all__ = [
    "CONFIG_KEYS",
    "DEFAULT_LISTEN",
    "DEFAULT_PORT",
    "Engine",
    "Settings",
    "add_serve_parser",
    "add_test_page_parser",
    "load_settings",
    "parse_duration",
    "parse_listen",
    "sd_notify",
    "serve",
]


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
    except Exception as exc:  # whatever a bad file can still provoke: one line, no traceback
        log.error("cannot start: %s: %s", type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
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

    def fast_done() -> None:
        engine.last_fast_run = time.monotonic()
        first.set()

    threads = [
        threading.Thread(
            target=collection_loop,
            args=(engine, fast, settings.interval, "fast", stop, fast_done),
            daemon=True,
            name="collect-fast",
        )
    ]
    if slow:
        threads.append(
            threading.Thread(
                target=collection_loop,
                args=(engine, slow, settings.smart_interval, "smart", stop),
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
            # only while collection is alive: a wedged or dead loop stops the pings, and systemd restarts us
            if _watchdog_ok(engine, settings):
                sd_notify("WATCHDOG=1")
            next_ping = time.monotonic() + watchdog_every
    log.info("stopping")
    sd_notify("STOPPING=1")
    server.shutdown()
    server.server_close()
    return 0


def _watchdog_ok(engine: Engine, settings: Settings) -> bool:
    check = getattr(engine, "watchdog_ok", None)
    if check is not None:  # per collector: none wedged, each finished a run within its limit
        try:
            return bool(check(time.time()))
        except Exception as exc:
            log.error("watchdog check failed: %s: %s", type(exc).__name__, exc)
            return False
    last = engine.last_fast_run
    return bool(last) and time.monotonic() - last < 3 * settings.interval + 60


def _reload(settings: Settings, engine: Engine, server: MetricsServer) -> None:
    """SIGHUP: re-read --config, the fleet file and the web config; keep the old ones if any is invalid.

    Never raises: whatever goes wrong while loading is one log line and the running configuration stays."""
    log.info("SIGHUP: reloading configuration")
    note = getattr(engine, "note_reload", None)
    try:
        new = load_settings(settings.config_file, dict(settings.cli_overrides))
        policy, policy_path = _load_policy(new.fleet)
        web = load_web_config(new.web_config_file)
    except Exception as exc:
        why = "; ".join(" ".join(ln.split()) for ln in str(exc).splitlines() if ln.strip())
        if not isinstance(exc, (ConfigError, ProbeError)):
            why = f"{type(exc).__name__}: {why}"
        log.error("reload rejected, keeping the running configuration: %s", why)  # one line, whatever it was
        if note is not None:
            with _logged("recording the failed reload"):
                note(False, time.time(), why)
        return
    for key in ("listen_address", "interval", "smart_interval", "collectors", "replay"):
        if getattr(new, key) != getattr(settings, key):
            log.warning("%s changes need a restart; still running with %r", key, getattr(settings, key))
    try:
        engine.reload(policy, policy_path)
    except Exception as exc:
        log.error("reload rejected, keeping the running configuration: %s: %s", type(exc).__name__, exc)
        if note is not None:
            with _logged("recording the failed reload"):
                note(False, time.time(), f"{type(exc).__name__}: {exc}")
        return
    server.web = web
    if note is not None:
        with _logged("recording the reload"):
            note(True, time.time(), None)
    log.info("reloaded: fleet %s, web config %s", policy_path or "(none)", web.path or "(none)")


@contextlib.contextmanager
def _logged(what: str) -> Iterator[None]:
    """Run a step whose failure must cost one log line, never the daemon."""
    try:
        yield
    except Exception as exc:
        log.error("%s failed: %s: %s", what, type(exc).__name__, exc)


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


def _cmd_serve(args: Any) -> int:
    overrides = {k: getattr(args, k) for k in sorted(CONFIG_KEYS)}  # each setting has its flag
    try:
        settings = load_settings(args.config_file, overrides)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"raidwatch: {line}", file=sys.stderr)
        return 2
    return serve(settings)
