"""The daemon's settings: the --config YAML file under command-line flags, checked at load."""

from __future__ import annotations

from dataclasses import dataclass
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
