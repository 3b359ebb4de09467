"""The collector interface: read through a probe, parse with parsers, contribute model objects."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from raidwatch.model import Array, BlockDevice, Cache, Disk, DmMap, HostHeader, Mount, Problem, SmartHealth
from raidwatch.probe import Probe


@dataclass(frozen=True)
class Contribution:
    """What one collector adds to a host's inventory."""

    arrays: tuple[Array, ...] = ()
    devices: tuple[BlockDevice, ...] = ()
    mounts: tuple[Mount, ...] = ()
    disks: tuple[Disk, ...] = ()
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()  # debug-level remarks (tolerated unknown lines and the like)
    caches: tuple[Cache, ...] = ()  # bcache, dm-cache, dm-writecache
    dm_maps: tuple[DmMap, ...] = ()  # device-mapper targets of dm devices


class Collector(ABC):
    """One subsystem. Subclasses set `name` and `platforms`, and implement `collect`."""

    name: ClassVar[str] = "collector"
    platforms: ClassVar[frozenset[str]] = frozenset({"Linux"})

    def applicable(self, probe: Probe, header: HostHeader) -> str | None:
        """None when this collector should run on the host; otherwise the reason it should not."""
        if header.os not in self.platforms:
            return f"not on {header.os}"
        return None

    @abstractmethod
    def collect(self, probe: Probe) -> Contribution:
        """Read, parse and return model objects. Per-item trouble goes into `problems`;
        raising is reserved for "this collector could not run at all"."""

    def problem(self, subject: str, message: str, severity: str = "warning") -> Problem:
        from raidwatch.model import Severity

        return Problem(collector=self.name, subject=subject, message=message, severity=Severity(severity))


def reading_time(probe: Probe) -> float:
    """When readings are from: now on a live host, the recording's time when replayed (shared by the
    collectors that read SMART)."""
    if probe.is_replay:
        recorded = probe.header().recorded_at
        if recorded:
            try:
                return datetime.fromisoformat(recorded).timestamp()
            except ValueError:
                pass
    return time.time()


STANDBY_MESSAGE = "in standby, skipped"


def standby_reading(health: SmartHealth, previous: SmartHealth | None, who: str) -> tuple[SmartHealth, str]:
    """A disk that smartctl found asleep: its last reading (with its own read_at, so its age shows),
    or UNKNOWN "in standby" the first time. Returns the reading to show and a note saying which."""
    if previous is None:
        kept = SmartHealth(
            assessment="UNKNOWN",
            standby=True,
            message=STANDBY_MESSAGE,
            exit_status=health.exit_status,
            exit_bits=health.exit_bits,
            reasons=(STANDBY_MESSAGE + ": no earlier reading",),
        )
        return kept, f"{who}: {STANDBY_MESSAGE} (no earlier reading)"
    kept = replace(previous, standby=True, message=STANDBY_MESSAGE + "; showing the last reading")
    return kept, f"{who}: {STANDBY_MESSAGE}; last reading kept (read at {previous.read_at})"
