"""A complete, immutable picture of one host at one moment: what outputs render and the daemon swaps."""

from __future__ import annotations

from dataclasses import dataclass, field

from raidwatch.findings import Evaluation
from raidwatch.model import HostInventory


@dataclass(frozen=True)
class CollectorStatus:
    """The latest run of one collector as the daemon saw it, and how fresh its data are."""

    name: str
    success: bool | None  # of its latest finished run; None while no run has finished (a first run wedged)
    duration_seconds: float  # of its latest finished run, or how long the run in flight has been going
    last_run: float | None  # unix time its latest run finished, None if none has
    last_success: float | None  # unix time of the last successful run, None if never
    skipped: str | None = None
    error: str | None = None
    # Freshness (the daemon's engine decides; one-shot outputs read what they just collected: fresh)
    stale: bool = False  # wedged, its latest run failed, or its last success is older than its limit
    wedged: bool = False  # a run has not returned within its deadline; it is not started again until it does
    data_age_seconds: float | None = (
        None  # age of the data served for it at snapshot time (since last success)
    )
    stale_since: float | None = None  # unix time it became stale
    stale_reason: str | None = None  # one line: why


@dataclass(frozen=True)
class Snapshot:
    """Inventory + policy evaluation + collector health. Built once; rendered once; served many times."""

    inventory: HostInventory
    evaluation: Evaluation | None  # None when no policy is loaded
    taken_at: float  # unix time the snapshot was assembled
    collectors: tuple[CollectorStatus, ...] = ()
    stale: bool = False  # some collector is stale (its last good data are served), or the assembly failed
    stale_reason: str | None = None
    policy_path: str | None = None
    build: dict[str, str] = field(default_factory=dict)  # version, python, ...
    # The daemon's configuration (None in one-shot outputs: no reload there)
    config_reload_success: bool | None = None  # the latest reload (SIGHUP) was accepted
    config_loaded_at: float | None = None  # unix time the configuration in use was loaded
