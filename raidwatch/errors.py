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


def read_yaml_mapping(path: str, what: str):  # type: ignore[no-untyped-def]
    """A small YAML settings file as a dict (a safeyaml.YamlDict: `.where(key)` gives file:line:col); any
    problem is one ConfigError line naming the file. Bounded: 16 MiB, 64 levels, 100,000 nodes after alias
    expansion (see raidwatch.safeyaml)."""
    from raidwatch.safeyaml import load_mapping

    return load_mapping(path, what)
