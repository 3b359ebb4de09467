"""A complete, immutable picture of one host at one moment: what outputs render and the daemon swaps."""

from __future__ import annotations

from dataclasses import dataclass, field

from raidwatch.findings import Evaluation
from raidwatch.model import HostInventory


@dataclass(frozen=True)
class CollectorStatus:
    """The latest run of one collector as the daemon saw it."""

    name: str
    success: bool
    duration_seconds: float
    last_run: float  # unix time the run finished
    last_success: float | None  # unix time of the last successful run, None if never
    skipped: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """Inventory + policy evaluation + collector health. Built once; rendered once; served many times."""

    inventory: HostInventory
    evaluation: Evaluation | None  # None when no policy is loaded
    taken_at: float  # unix time the snapshot was assembled
    collectors: tuple[CollectorStatus, ...] = ()
    stale: bool = False  # the latest collection failed: this is the last good data
    stale_reason: str | None = None
    policy_path: str | None = None
    build: dict[str, str] = field(default_factory=dict)  # version, python, ...
