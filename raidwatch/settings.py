"""The daemon's settings: the --config YAML file under command-line flags, checked at load."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from raidwatch.errors import ConfigError, read_yaml_mapping

DEFAULT_PORT = 9632
DEFAULT_LISTEN = f":{DEFAULT_PORT}"
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


DURATION_MAX = 365 * 86400.0  # any duration flag or setting: finite, at most a year
INTERVAL_MIN = 0.1  # interval and smart_interval: at least 100 ms ...
INTERVAL_MAX = 7 * 86400.0  # ... and at most a week (so is test_page_duration)
_FLAGS = {
    "listen_address": "--web.listen-address",
    "web_config_file": "--web.config.file",
    "smart_interval": "--smart-interval",
    "state_file": "--state-file",
    "test_page_duration": "--test-page-duration",
    "log_level": "--log-level",
}
LOG_LEVELS = ("debug", "info", "warning", "error")
MAX_PATH = 4096


def parse_duration(value: Any, what: str, minimum: float = 0.0, maximum: float = DURATION_MAX) -> float:
    """30, 30s, 5m, 1h, 2d, 1w -> seconds. Positive, finite, above `minimum` and at most `maximum`
    (a year unless said); anything else is one ConfigError line starting with `what`."""
    from raidwatch.policy import _DURATION_RE, _UNIT
    from raidwatch.safeyaml import describe

    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value) if not isinstance(value, int) or abs(value) <= 2**53 else math.inf
    elif isinstance(value, str):
        m = _DURATION_RE.match(value)
        if m:
            seconds = float(m.group(1)) * _UNIT[m.group(2)]
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        shown = describe(value) + (
            " (not a finite number)" if seconds is not None and not math.isfinite(seconds) else ""
        )
        raise ConfigError(f"{what}: expected a positive duration like 30s, 5m or 1h, got {shown}")
    if seconds < minimum or seconds > maximum:
        raise ConfigError(
            f"{what}: expected a duration from {_human(minimum)} to {_human(maximum)}, got {describe(value)}"
        )
    return seconds


def _human(seconds: float) -> str:
    from raidwatch.policy import _human as human

    return human(seconds) if seconds >= 1 else f"{seconds * 1000:g}ms"


class _Source:
    """Where each setting came from, for messages: a flag, or file:line:col of the --config file."""

    def __init__(self, config_file: str | None, doc: Any, overrides: dict[str, Any]) -> None:
        self.config_file = config_file
        self.doc = doc
        self.flags = {k for k, v in overrides.items() if v is not None}

    def __call__(self, key: str) -> str:
        if key in self.flags:
            return _FLAGS.get(key, "--" + key.replace("_", "-"))
        if self.doc is not None and key in self.doc:
            return f"{self.doc.where(key)}: {key}"
        return f"{self.config_file or 'settings'}: {key}"


def load_settings(config_file: str | None, overrides: dict[str, Any], check_files: bool = False) -> Settings:
    """Merge the YAML --config file (if any) with command-line overrides (None = not given). Every value is
    type- and range-checked here; any problem is one ConfigError line (file:line:col: key: why, or
    --flag: why), and nothing else is ever raised. `check_files` (validate --settings): the files and
    directories named must be there too (serve finds out when it loads them, with the same line)."""
    from raidwatch.safeyaml import describe

    base: dict[str, Any] = {}
    doc = None
    if config_file:
        doc = read_yaml_mapping(config_file, "settings")
        unknown = [k for k in doc if k not in CONFIG_KEYS]
        if unknown:
            shown = ", ".join(sorted(str(k)[:40] for k in unknown)[:10])
            raise ConfigError(
                f"{doc.where(unknown[0])}: unknown setting(s): {shown} "
                f"(known: {', '.join(sorted(CONFIG_KEYS))})"
            )
        base = dict(doc)
    src = _Source(config_file, doc, overrides)
    merged = {**base, **{k: v for k, v in overrides.items() if v is not None}}
    errors: list[str] = []

    def check(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except ConfigError as exc:
            errors.append(str(exc))
            return None

    listen = check(_listen, merged.get("listen_address", DEFAULT_LISTEN), src("listen_address"))
    web = check(_path, merged.get("web_config_file"), src("web_config_file"), "file" if check_files else None)
    fleet = check(_path, merged.get("fleet"), src("fleet"), "file" if check_files else None)
    replay = check(_path, merged.get("replay"), src("replay"), "dir" if check_files else None)
    state = check(_path, merged.get("state_file"), src("state_file"), "state" if check_files else None)
    interval = check(parse_duration, merged.get("interval", 30), src("interval"), INTERVAL_MIN, INTERVAL_MAX)
    smart_interval = check(
        parse_duration, merged.get("smart_interval", 1800), src("smart_interval"), INTERVAL_MIN, INTERVAL_MAX
    )
    test_page = check(
        parse_duration,
        merged.get("test_page_duration", DEFAULT_TEST_PAGE_DURATION),
        src("test_page_duration"),
        1.0,
        INTERVAL_MAX,
    )
    cols = check(_collectors, merged.get("collectors"), src("collectors"))
    level = merged.get("log_level", "info")
    if not isinstance(level, str) or level.lower() not in LOG_LEVELS:
        errors.append(f"{src('log_level')}: expected debug, info, warning or error, got {describe(level)}")
        level = "info"
    if errors:
        raise ConfigError("\n".join(sorted(errors, key=_file_order)))
    return Settings(
        listen_address=listen,
        web_config_file=web,
        fleet=fleet,
        replay=replay,
        interval=interval,
        smart_interval=smart_interval,
        collectors=cols,
        log_level=level.lower(),
        state_file=state,
        test_page_duration=test_page,
        config_file=config_file,
        cli_overrides=tuple((k, v) for k, v in overrides.items() if v is not None),
    )


def _file_order(line: str) -> tuple[int, int]:
    """Messages about the --config file in file order (line, column); flags after them."""
    m = re.search(r":(\d+):(\d+): ", line)
    return (int(m.group(1)), int(m.group(2))) if m else (1 << 30, 0)


def _listen(value: Any, what: str) -> str:
    from raidwatch.safeyaml import describe

    if not isinstance(value, str):
        raise ConfigError(
            f"{what}: expected [HOST]:PORT as text (like ':9632' or '127.0.0.1:9632'), got {describe(value)}"
        )
    try:
        host, _port = parse_listen(value)
    except ConfigError:
        raise ConfigError(f"{what}: expected [HOST]:PORT, got {describe(value)}") from None
    if len(host) > 253 or not re.fullmatch(r"[A-Za-z0-9._:%-]*", host):
        raise ConfigError(f"{what}: {describe(host)} is not a host name or an IP address")
    return value


def _path(value: Any, what: str, kind: str | None) -> str | None:
    """A path setting: text (None or empty: not set); `kind` says what must be there already, if anything."""
    from raidwatch.safeyaml import describe

    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{what}: expected a path (text), got {describe(value)}")
    if "\0" in value or len(value) > MAX_PATH:
        raise ConfigError(f"{what}: not a usable path: {describe(value)}")
    p = Path(value)
    try:
        if kind == "file":
            if not p.exists():
                raise ConfigError(f"{what}: {value}: no such file")
            if p.is_dir():
                raise ConfigError(f"{what}: {value}: is a directory, expected a file")
        elif kind == "dir":
            if not p.is_dir():
                raise ConfigError(f"{what}: {value}: no such directory")
        elif kind == "state" and p.is_dir():
            raise ConfigError(f"{what}: {value}: is a directory, expected a file (it is created if missing)")
    except OSError as exc:
        raise ConfigError(f"{what}: {value}: {exc.strerror or exc}") from None
    return value


def _collectors(value: Any, what: str) -> tuple[str, ...] | None:
    from raidwatch import collectors
    from raidwatch.safeyaml import describe

    if value is None:
        return None
    if isinstance(value, str):
        value = [c.strip() for c in value.split(",") if c.strip()]
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise ConfigError(f"{what}: expected a list of collector names, got {describe(value)}")
    if not value:
        raise ConfigError(f"{what}: expected at least one collector name")
    known = set(collectors.BUILTIN)  # names only: nothing is imported to check them
    try:
        from importlib.metadata import entry_points

        known.update(ep.name for ep in entry_points(group="raidwatch.collectors"))
    except Exception:  # broken package metadata: the built-in names still count
        pass
    unknown = [c for c in value if c not in known]
    if unknown:
        raise ConfigError(
            f"{what}: unknown collector(s): {', '.join(describe(c) for c in unknown[:10])} "
            f"(known: {', '.join(sorted(known))})"
        )
    return tuple(dict.fromkeys(value))


def parse_listen(address: str) -> tuple[str, int]:
    """ ":9632" -> ("", 9632); "127.0.0.1:9632"; "[::1]:9632"."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdecimal() or not 0 <= int(port) < 65536:
        raise ConfigError(f"--web.listen-address {address!r}: expected [HOST]:PORT")
    return host.strip("[]"), int(port)
