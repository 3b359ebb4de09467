"""Error types that cross rooms: parse errors name their source, probe errors their path or command."""

from __future__ import annotations


class RaidwatchError(Exception):
    """Base of every error raidwatch reports to a person as one line."""


class ParseError(RaidwatchError):
    """A tool's output could not be understood: names the source, the line and why."""

    def __init__(self, source: str, line: int | None, why: str) -> None:
        self.source = source
        self.line = line
        self.why = why
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {why}")


class ProbeError(RaidwatchError):
    """A file or command could not be read. `reason` is one of: missing, permission, io, timeout."""

    def __init__(self, subject: str, reason: str, detail: str = "") -> None:
        self.subject = subject
        self.reason = reason
        self.detail = detail
        text = {
            "missing": "not found",
            "permission": "permission denied",
            "io": "read error",
            "timeout": "timed out",
        }.get(reason, reason)
        super().__init__(f"{subject}: {text}" + (f" ({detail})" if detail else ""))


class ConfigError(RaidwatchError):
    """A configuration or policy file is invalid."""


def read_yaml_mapping(path: str, what: str) -> dict:
    """A small YAML settings file as a dict; any problem is one ConfigError line naming the file."""
    from pathlib import Path

    import yaml

    try:
        doc = yaml.safe_load(Path(path).read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a mapping of {what}")
    return doc
