"""macOS disks from diskutil: whole disks, partitions, AppleRAID set devices, APFS containers and volumes."""

from __future__ import annotations

import logging

from raidwatch.collectors.base import Collector, Contribution
from raidwatch.errors import ParseError
from raidwatch.model import BlockDevice, HostHeader, Problem
from raidwatch.parsers.diskutil import DiskInfo, parse_diskutil_info_plist
from raidwatch.parsers.diskutil_list import (
    LIST_ARGV,
    DiskList,
    ListedDisk,
    info_argv,
    needs_info,
    parse_diskutil_list_plist,
    transport_from_protocol,
)
from raidwatch.probe import Probe

log = logging.getLogger(__name__)

TIMEOUT = 30.0


def devices_from(listing: DiskList, infos: dict[str, DiskInfo]) -> list[BlockDevice]:
    """Pure: the parsed list (+ `info` of whole disks) -> block devices the stack builder can walk.

    Physical disks are kind "disk" (a disk image "loop"); an AppleRAID set's disk is kind "appleraid"
    (its Array supplies the layer); an APFS container is kind "apfs" with its physical stores as slaves;
    partitions, APFS volumes and mounted APFS snapshots are kind "partition" pointing at what holds them.
    """
    out: list[BlockDevice] = []
    for d in listing.disks:
        info = infos.get(d.identifier)
        out.append(_whole(d, info))
        for p in d.partitions:
            out.append(
                BlockDevice(
                    name=p.identifier,
                    kind="partition",
                    size_bytes=p.size_bytes,
                    parent=d.identifier,
                    label=p.volume_name,
                )
            )
            for snap in p.snapshots:
                out.append(BlockDevice(name=snap.identifier, kind="partition", parent=p.identifier))
    return out


def _whole(d: ListedDisk, info: DiskInfo | None) -> BlockDevice:
    size = d.size_bytes if d.size_bytes is not None else (info.size_bytes if info else None)
    if d.is_apfs_container or (info is not None and info.apfs_physical_stores):
        stores = d.apfs_physical_stores or (info.apfs_physical_stores if info else ())
        return BlockDevice(name=d.identifier, kind="apfs", size_bytes=size, slaves=tuple(stores))
    if info is not None and info.raid_master:
        return BlockDevice(name=d.identifier, kind="appleraid", size_bytes=size)
    protocol = info.bus_protocol if info else None
    transport = transport_from_protocol(protocol)
    return BlockDevice(
        name=d.identifier,
        kind="loop" if transport == "disk-image" else "disk",
        size_bytes=size,
        model=info.media_name if info else None,
        rotational=(not info.solid_state) if info is not None and info.solid_state is not None else None,
        transport=transport,
    )


class MacDisksCollector(Collector):
    """`diskutil list -plist`, plus `diskutil info -plist` for each whole disk but APFS containers."""

    name = "macdisks"
    platforms = frozenset({"Darwin"})

    def applicable(self, probe: Probe, header: HostHeader) -> str | None:
        return super().applicable(probe, header)

    def collect(self, probe: Probe) -> Contribution:
        problems: list[Problem] = []
        notes: list[str] = []
        res = probe.run(LIST_ARGV, timeout=TIMEOUT)
        cmd = " ".join(LIST_ARGV)
        if res.missing or res.timed_out or res.returncode != 0:
            return Contribution(problems=(self.problem(cmd, res.describe_failure() or "failed", "critical"),))
        try:
            listing = parse_diskutil_list_plist(res.stdout, cmd)
        except ParseError as exc:
            return Contribution(problems=(self.problem(cmd, str(exc), "critical"),))
        notes.extend(listing.warnings)
        infos: dict[str, DiskInfo] = {}
        for d in listing.disks:
            if not needs_info(d):
                continue  # an APFS container naming its stores: everything needed is in the list
            argv = info_argv(d.identifier)
            ires = probe.run(argv, timeout=TIMEOUT)
            if ires.missing or ires.timed_out or ires.returncode != 0:
                problems.append(self.problem(" ".join(argv), ires.describe_failure() or "failed"))
                continue
            try:
                infos[d.identifier] = parse_diskutil_info_plist(ires.stdout, " ".join(argv))
            except ParseError as exc:
                problems.append(self.problem(" ".join(argv), str(exc)))
        for d in listing.disks:
            if d.is_apfs_container and not (d.apfs_physical_stores or _stores(infos, d.identifier)):
                problems.append(
                    self.problem(d.identifier, "APFS container whose physical stores diskutil did not name")
                )
        for n in notes:
            log.debug("macdisks: %s", n)
        return Contribution(
            devices=tuple(devices_from(listing, infos)), problems=tuple(problems), notes=tuple(notes)
        )


def _stores(infos: dict[str, DiskInfo], ident: str) -> tuple[str, ...]:
    info = infos.get(ident)
    return info.apfs_physical_stores if info else ()


__all__ = ["LIST_ARGV", "MacDisksCollector", "devices_from", "info_argv"]
