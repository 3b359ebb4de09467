"""macOS AppleRAID: `diskutil appleRAID list` (or 10.4's `diskutil listRAID`), one Array per set."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from raidwatch.collectors.base import Collector, Contribution
from raidwatch.errors import ParseError
from raidwatch.model import Array, HostHeader, MemberState, Problem
from raidwatch.parsers.diskutil import (
    AppleRaidList,
    AppleRaidSet,
    parse_appleraid_list,
    parse_appleraid_plist,
    parse_checkraid,
)
from raidwatch.probe import CommandResult, Probe

log = logging.getLogger(__name__)

LIST_ARGV = ("diskutil", "appleRAID", "list")
PLIST_ARGV = ("diskutil", "appleRAID", "list", "-plist")
LEGACY_ARGV = ("diskutil", "listRAID")  # Mac OS X 10.4 has no appleRAID verb
TIMEOUT = 30.0
# What diskutil prints for a verb it does not know (10.4 prints its usage; later ones say so).
_UNKNOWN_VERB_RE = re.compile(
    r"did not recognize verb|unknown verb|not a recognized|usage:\s*diskutil|utility to manage local disks",
    re.IGNORECASE,
)


def _unknown_verb(res: CommandResult) -> bool:
    return bool(_UNKNOWN_VERB_RE.search(res.stdout + "\n" + res.stderr)) and (
        res.returncode != 0 or "=====" not in res.stdout
    )


def set_to_array(
    s: AppleRaidSet, node_by_uuid: dict[str, str], active_nodes: frozenset[str] = frozenset()
) -> Array:
    """One parsed set -> the model Array the stack builder links: named by its device node (disk4),
    labelled with its human name, members by device node (a nested set's member by the inner set's node).

    A member row whose status alone does not say whether it holds current data (a nested set shown
    "Degraded" or "Offline", an unknown word) is settled here, so that `in_sync_disks` counts exactly the
    members with in_sync True: a nested set serves its parent while it is active; anything else is not
    counted as a copy.
    """
    arr = s.array
    members = []
    for m in arr.members:
        node = node_by_uuid.get(m.device.upper())
        if node:
            m = replace(m, device=node)
        if m.in_sync is None and m.state is MemberState.ACTIVE:
            m = replace(m, in_sync=m.device in active_nodes)
        members.append(m)
    in_sync = arr.in_sync_disks
    if arr.members:
        rows = [m for m in members if m.state is not MemberState.SPARE]
        in_sync = sum(1 for m in rows if m.state is MemberState.ACTIVE and m.in_sync)
        if arr.raid_disks is not None:
            in_sync = min(in_sync, arr.raid_disks)  # an unnumbered ("-") row is no role of the set
        if arr.state != "active":
            in_sync = 0
    name = s.device_node or s.uuid or arr.name
    return replace(arr, name=name, label=arr.name, members=tuple(members), in_sync_disks=in_sync)


class AppleRaidCollector(Collector):
    """Every AppleRAID set (mirror, stripe, concat; nested sets kept as nested arrays)."""

    name = "appleraid"
    platforms = frozenset({"Darwin"})
    use_plist = False  # ask for `-plist` first (falls back to the text listing when that fails)

    def applicable(self, probe: Probe, header: HostHeader) -> str | None:
        return super().applicable(probe, header)

    def collect(self, probe: Probe) -> Contribution:
        notes: list[str] = []
        problems: list[Problem] = []
        listing: AppleRaidList | None = None
        argv: tuple[str, ...] = LIST_ARGV
        if self.use_plist:
            res = probe.run(PLIST_ARGV, timeout=TIMEOUT)
            if res.returncode == 0 and res.stdout.strip():
                try:
                    listing, argv = parse_appleraid_plist(res.stdout, " ".join(PLIST_ARGV)), PLIST_ARGV
                except ParseError as exc:
                    notes.append(f"-plist output not understood, using the text listing: {exc}")
            elif res.missing:
                return self._failed(res, notes)
            else:
                notes.append(f"-plist listing failed, using the text listing: {res.describe_failure()}")
        if listing is None:
            res = probe.run(LIST_ARGV, timeout=TIMEOUT)
            if not res.missing and not res.timed_out and _unknown_verb(res):
                notes.append("diskutil has no appleRAID verb (Mac OS X 10.4): using `diskutil listRAID`")
                argv = LEGACY_ARGV
                res = probe.run(LEGACY_ARGV, timeout=TIMEOUT)
            if res.missing or res.timed_out or (res.returncode != 0 and not res.stdout.strip()):
                return self._failed(res, notes)
            try:
                parse = parse_checkraid if argv == LEGACY_ARGV else parse_appleraid_list
                listing = parse(res.stdout, " ".join(argv))
            except ParseError as exc:
                return self._failed(res, notes, str(exc))
            if res.returncode != 0 and listing.ok:
                problems.append(self.problem(" ".join(argv), res.describe_failure()))
        notes.extend(listing.warnings)
        if not listing.ok:
            problems.append(
                self.problem(
                    " ".join(argv),
                    f"diskutil could not read the AppleRAID sets: {listing.error}",
                    "critical",
                )
            )
        node_by_uuid = {s.uuid.upper(): s.device_node for s in listing.sets if s.uuid and s.device_node}
        active = frozenset(s.device_node for s in listing.sets if s.device_node and s.array.state == "active")
        arrays = tuple(set_to_array(s, node_by_uuid, active) for s in listing.sets)
        for s in listing.sets:
            if not s.device_node:
                notes.append(f"set {s.name!r} has no device node (offline?): named by its UUID")
        for n in notes:
            log.debug("appleraid: %s", n)
        return Contribution(arrays=arrays, problems=tuple(problems), notes=tuple(notes))

    def _failed(self, res: CommandResult, notes: list[str], why: str | None = None) -> Contribution:
        for n in notes:
            log.debug("appleraid: %s", n)
        message = why or res.describe_failure() or "no output"
        return Contribution(problems=(self.problem(res.command, message, "critical"),), notes=tuple(notes))


__all__ = ["LEGACY_ARGV", "LIST_ARGV", "PLIST_ARGV", "AppleRaidCollector", "set_to_array"]
