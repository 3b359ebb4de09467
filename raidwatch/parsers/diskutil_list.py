"""Parse `diskutil list -plist` (whole disks, partitions, APFS containers, volumes, snapshots). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from raidwatch.errors import ParseError
from raidwatch.parsers.diskutil import DiskInfo
from raidwatch.parsers.plist import load_plist, pbool, pdicts, pint, pstr, pstrings

# The commands macOS disk discovery runs (macdisks and smart run the same argv, so recordings share them).
LIST_ARGV = ("diskutil", "list", "-plist")
# The partition-type GUID diskutil prints as the Content of a synthesized APFS container disk.
APFS_CONTAINER_CONTENT = "EF57347C-0000-11AA-AA11-00306543ECAC"
_IDENT_RE = re.compile(r"^disk[0-9]+(?:s[0-9]+)*$")


@dataclass(frozen=True)
class ListedSnapshot:
    """A mounted APFS snapshot (the sealed system volume is mounted this way on / since macOS 11)."""

    identifier: str  # disk3s1s1
    mount_point: str | None
    name: str | None = None
    sealed: bool | None = None


@dataclass(frozen=True)
class ListedPartition:
    """A partition of a whole disk, or a volume of an APFS container."""

    identifier: str  # disk0s2, disk3s5
    parent: str  # the whole disk or container it lives on
    size_bytes: int | None = None
    content: str | None = None  # partition type: Apple_RAID, Apple_HFS, Apple_APFS, EFI, ...
    volume_name: str | None = None
    mount_point: str | None = None
    apfs_volume: bool = False  # a volume of an APFS container (not a partition of a disk)
    snapshots: tuple[ListedSnapshot, ...] = ()


@dataclass(frozen=True)
class ListedDisk:
    """An AllDisksAndPartitions entry: a whole disk (physical, RAID set, disk image) or an APFS container."""

    identifier: str  # disk0
    size_bytes: int | None = None
    content: str | None = None  # GUID_partition_scheme, Apple_partition_scheme, Apple_HFS, the APFS GUID
    volume_name: str | None = None  # when the whole disk holds a volume directly (an AppleRAID set)
    mount_point: str | None = None
    partitions: tuple[ListedPartition, ...] = ()  # partitions, or APFS volumes for a container
    apfs_physical_stores: tuple[str, ...] = ()  # the devices an APFS container sits on (disk0s2)
    os_internal: bool | None = None

    @property
    def is_apfs_container(self) -> bool:
        return (
            bool(self.apfs_physical_stores)
            or (self.content or "").upper() == APFS_CONTAINER_CONTENT
            or any(p.apfs_volume for p in self.partitions)
        )


@dataclass(frozen=True)
class DiskList:
    """What `diskutil list -plist` says."""

    disks: tuple[ListedDisk, ...]
    whole_disks: tuple[str, ...] = ()
    all_disks: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def disk(self, identifier: str) -> ListedDisk | None:
        return next((d for d in self.disks if d.identifier == identifier), None)


def _ident(d: dict[str, Any], where: str, warnings: list[str]) -> str | None:
    ident = pstr(d, "DeviceIdentifier")
    if ident is None:
        warnings.append(f"{where}: no DeviceIdentifier, ignored")
        return None
    if not _IDENT_RE.match(ident):
        warnings.append(f"{where}: unusual DeviceIdentifier {ident!r} kept")
    return ident


def _snapshots(d: dict[str, Any]) -> tuple[ListedSnapshot, ...]:
    out = []
    for s in pdicts(d, "MountedSnapshots"):
        ident = pstr(s, "SnapshotBSD")
        if ident:
            out.append(
                ListedSnapshot(
                    identifier=ident,
                    mount_point=pstr(s, "SnapshotMountPoint"),
                    name=pstr(s, "SnapshotName"),
                    sealed=pbool(s, "Sealed") if "Sealed" in s else None,
                )
            )
    return tuple(out)


def parse_diskutil_list_plist(text: str, source: str = "diskutil list -plist") -> DiskList:
    """Parse `diskutil list -plist` (10.5 through current macOS).

    Each entry of AllDisksAndPartitions becomes a ListedDisk with its Partitions (a partitioned disk) or
    its APFSVolumes (an APFS container, with APFSPhysicalStores naming what it sits on) as partitions.
    Text that is not that plist raises ParseError; odd entries are skipped with a warning.
    """
    data = load_plist(text, source)
    if not isinstance(data, dict) or "AllDisksAndPartitions" not in data:
        raise ParseError(source, None, "plist has no 'AllDisksAndPartitions': not `diskutil list -plist`")
    raw = data.get("AllDisksAndPartitions")
    if not isinstance(raw, list):
        raise ParseError(source, None, "'AllDisksAndPartitions' is not an array")
    warnings: list[str] = []
    disks: list[ListedDisk] = []
    for n, d in enumerate(raw):
        where = f"{source}: AllDisksAndPartitions[{n}]"
        if not isinstance(d, dict):
            warnings.append(f"{where}: not a dict, ignored")
            continue
        ident = _ident(d, where, warnings)
        if ident is None:
            continue
        parts: list[ListedPartition] = []
        for k, p in enumerate(pdicts(d, "Partitions")):
            pid = _ident(p, f"{where}.Partitions[{k}]", warnings)
            if pid is not None:
                parts.append(
                    ListedPartition(
                        identifier=pid,
                        parent=ident,
                        size_bytes=pint(p, "Size"),
                        content=pstr(p, "Content"),
                        volume_name=pstr(p, "VolumeName"),
                        mount_point=pstr(p, "MountPoint"),
                    )
                )
        for k, v in enumerate(pdicts(d, "APFSVolumes")):
            vid = _ident(v, f"{where}.APFSVolumes[{k}]", warnings)
            if vid is not None:
                parts.append(
                    ListedPartition(
                        identifier=vid,
                        parent=ident,
                        size_bytes=pint(v, "Size"),
                        content="Apple_APFS_Volume",
                        volume_name=pstr(v, "VolumeName"),
                        mount_point=pstr(v, "MountPoint"),
                        apfs_volume=True,
                        snapshots=_snapshots(v),
                    )
                )
        stores = tuple(
            s for s in (pstr(x, "DeviceIdentifier") for x in pdicts(d, "APFSPhysicalStores")) if s is not None
        )
        disks.append(
            ListedDisk(
                identifier=ident,
                size_bytes=pint(d, "Size"),
                content=pstr(d, "Content"),
                volume_name=pstr(d, "VolumeName"),
                mount_point=pstr(d, "MountPoint"),
                partitions=tuple(parts),
                apfs_physical_stores=stores,
                os_internal=pbool(d, "OSInternal"),
            )
        )
    return DiskList(
        disks=tuple(disks),
        whole_disks=pstrings(data, "WholeDisks"),
        all_disks=pstrings(data, "AllDisks"),
        warnings=tuple(warnings),
    )


def transport_from_protocol(protocol: str | None) -> str | None:
    """diskutil's BusProtocol ("SATA", "USB", "Apple Fabric", "PCI-Express") -> a transport word."""
    if not protocol:
        return None
    # verbatim, lower-cased: "PCI-Express" is NVMe on most Macs but AHCI on some (2013-2015), so no guess
    return protocol.strip().lower().replace(" ", "-") or None


def info_argv(ident: str) -> tuple[str, ...]:
    """`diskutil info -plist diskN`: what is asked about each whole disk."""
    return ("diskutil", "info", "-plist", ident)


def needs_info(d: ListedDisk) -> bool:
    """Whether `diskutil info` is asked about this whole disk: all but APFS containers naming their stores."""
    return not (d.is_apfs_container and d.apfs_physical_stores)


# BusProtocol -> the transport word the smart collector uses (Linux's vocabulary: ata, nvme, usb, scsi).
_SMART_TRANSPORTS = {
    "sata": "ata",
    "ata": "ata",
    "serial-ata": "ata",
    "nvme": "nvme",
    "nvm-express": "nvme",
    "pci-express": "nvme",  # NVMe on most Macs; AHCI on some 2013-2015 ones (smartctl detects which)
    "pci": "nvme",
    "apple-fabric": "nvme",  # Apple silicon's internal SSD: smartctl reads it through the NVMe interface
    "usb": "usb",
    "sas": "scsi",
    "scsi": "scsi",
    "fibre-channel": "scsi",
    "fibre-channel-interface": "scsi",
}
# BusProtocols of devices that are no physical disk
_VIRTUAL_PROTOCOLS = frozenset({"disk-image", "virtual-interface"})


def smart_transport(protocol: str | None) -> str | None:
    """diskutil's BusProtocol -> ata / nvme / usb / scsi; anything else verbatim (lower-cased), or None."""
    t = transport_from_protocol(protocol)
    return _SMART_TRANSPORTS.get(t, t) if t else None


def is_physical_disk(d: ListedDisk, info: DiskInfo | None) -> bool:
    """Pure: a physical whole disk (internal or external), not an APFS container, AppleRAID set or image.

    Needs the disk's `diskutil info`: without it nothing says the entry is not a RAID set, so False.
    """
    if info is None or d.is_apfs_container or info.apfs_physical_stores or info.raid_master:
        return False
    if info.whole_disk is False:
        return False
    return transport_from_protocol(info.bus_protocol) not in _VIRTUAL_PROTOCOLS


__all__ = [
    "APFS_CONTAINER_CONTENT",
    "LIST_ARGV",
    "DiskList",
    "ListedDisk",
    "ListedPartition",
    "ListedSnapshot",
    "info_argv",
    "is_physical_disk",
    "load_plist",
    "needs_info",
    "parse_diskutil_list_plist",
    "smart_transport",
    "transport_from_protocol",
]
