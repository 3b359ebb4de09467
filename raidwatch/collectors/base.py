"""The collector interface: read through a probe, parse with parsers, contribute model objects."""

from __future__ import annotations

import time
import weakref
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from raidwatch.errors import ProbeError
from raidwatch.model import Array, BlockDevice, Cache, Disk, DmMap, HostHeader, Mount, Problem, SmartHealth
from raidwatch.probe import CommandResult, Probe

# ProbeError reasons that mean "could not look", not "there is nothing": a read that never returned, or a
# process out of file descriptors, threads or memory. Anywhere in a collection they make it a critical
# problem (the engine then serves the collector's last good data, marked stale), never "absent".
BLINDING = frozenset({"timeout", "exhausted"})


def blinding(exc: ProbeError) -> bool:
    """True when a read failed because raidwatch could not look, not because the thing is absent."""
    return exc.reason in BLINDING


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

    # ---- blindness is loud: what this collector has read before (per probe, for this process's life)

    def _memory(self, probe: Probe) -> set[str]:
        mem = self.__dict__.get("_seen_sources")
        if mem is None:
            mem = self.__dict__["_seen_sources"] = weakref.WeakKeyDictionary()
        try:
            return mem.setdefault(probe, set())
        except TypeError:  # a probe that cannot be weakly referenced: keyed by id
            return self.__dict__.setdefault("_seen_by_id", {}).setdefault(id(probe), set())

    def saw(self, probe: Probe, source: str) -> None:
        """Remember that `source` (a file, a directory, a command) answered on this probe."""
        self._memory(probe).add(source)

    def seen(self, probe: Probe, source: str) -> bool:
        """Whether `source` answered before on this probe (during this process's life)."""
        return source in self._memory(probe)

    def source_problem(self, probe: Probe, subject: str, exc: ProbeError, what: str = "") -> Problem:
        """A primary source could not be read: critical (the daemon serves the last good data, stale) when
        raidwatch could not look or the source answered before; a warning only when it never existed here.
        `what` is added when a source that answered before is gone."""
        if exc.reason == "missing" and self.seen(probe, subject):
            why = f"{exc}: it was read before and is gone (moved, deleted, unmounted?)"
            return self.problem(subject, f"{why}; {what}" if what else why, "critical")
        if blinding(exc) or self.seen(probe, subject):
            return self.problem(subject, str(exc), "critical")
        return self.problem(subject, str(exc))

    def item_problem(self, subject: str, exc: ProbeError) -> Problem:
        """One item (an array's sysfs directory, a device) could not be read: critical when raidwatch could
        not look (timeout, out of descriptors), else a warning for that item only."""
        return self.problem(subject, str(exc), "critical" if blinding(exc) else "warning")

    def command_lost(self, probe: Probe, res: CommandResult, source: str | None = None) -> bool:
        """Remember a command that answered; True when it answered before and is now missing."""
        key = f"command:{source or res.argv[0]}"
        if res.missing:
            return self.seen(probe, key)
        if not res.timed_out and res.returncode is not None:
            self.saw(probe, key)
        return False

    @staticmethod
    def optional(probe: Probe, path: str) -> str | None:
        """An optional attribute: its text stripped, or None when absent or unreadable. A read that could not
        look (timeout, out of descriptors) still raises: unknown is not the same as absent."""
        try:
            return probe.read_optional(path)
        except ProbeError as exc:
            if blinding(exc):
                raise
            return None


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
# readings that a failed read (timeout, garbage, crash, smartctl gone, UNKNOWN) never replaces with UNKNOWN
KEPT_ASSESSMENTS = frozenset({"WARN", "FAIL"})


def kept_reading(previous: SmartHealth, why: str) -> SmartHealth:
    """The last reading shown again because this read failed: its own values and read_at (so its age
    shows, as for a sleeping disk), a message saying why it was not read now."""
    return replace(
        previous,
        standby=False,
        message=f"{why}; showing the last reading",
        notes=(*previous.notes, f"not read now: {why}"),
    )


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
