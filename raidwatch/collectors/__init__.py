"""Collectors: one per subsystem, found through the "raidwatch.collectors" entry-point group."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

from raidwatch.collectors.base import Collector, Contribution

log = logging.getLogger(__name__)

# Built in, so a source checkout works without installation; entry points add (or override) more.
BUILTIN = {
    "md": "raidwatch.collectors.md:MdCollector",
    "blockdev": "raidwatch.collectors.blockdev:BlockDevCollector",
    "mounts": "raidwatch.collectors.mounts:MountsCollector",
    "smart": "raidwatch.collectors.smart:SmartCollector",
    "appleraid": "raidwatch.collectors.appleraid:AppleRaidCollector",
    "macdisks": "raidwatch.collectors.macdisks:MacDisksCollector",
    "btrfs": "raidwatch.collectors.btrfs:BtrfsCollector",
    "zfs": "raidwatch.collectors.zfs:ZfsCollector",
    "hwraid": "raidwatch.collectors.hwraid:HwRaidCollector",
    "dm": "raidwatch.collectors.dm:DmCollector",
}


def _load(spec: str) -> type[Collector]:
    module, _, attr = spec.partition(":")
    mod = __import__(module, fromlist=[attr])
    return getattr(mod, attr)


def available() -> dict[str, type[Collector]]:
    """Every known collector class by name: built-ins, then third-party entry points."""
    found: dict[str, type[Collector]] = {name: _load(spec) for name, spec in BUILTIN.items()}
    for ep in entry_points(group="raidwatch.collectors"):
        if ep.name in BUILTIN and ep.value == BUILTIN[ep.name]:
            continue
        try:
            cls = ep.load()
        except Exception as exc:  # a broken plugin must not stop raidwatch
            log.warning("collector plugin %s (%s) could not be loaded: %s", ep.name, ep.value, exc)
            continue
        if isinstance(cls, type) and issubclass(cls, Collector):
            found[ep.name] = cls
        else:
            log.warning("collector plugin %s (%s) is not a raidwatch Collector; ignored", ep.name, ep.value)
    return found


def create(names: list[str] | None = None) -> list[Collector]:
    """Instantiate the named collectors (all known ones when None), in a stable order."""
    known = available()
    if names is None:
        names = list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise KeyError(f"unknown collector(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return [known[n]() for n in names]


__all__ = ["Collector", "Contribution", "available", "create"]
