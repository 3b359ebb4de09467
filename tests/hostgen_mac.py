"""Write recorded macOS hosts (the README's replay format) for tests and the demo.

The bundled Mac hosts under tests/hosts/ were made with `python tests/hostgen_mac.py` and are committed
as data; each holds what `raidwatch record` writes on such a Mac when the appleraid, macdisks and mounts
collectors run: `diskutil appleRAID list`, `diskutil list -plist`, `diskutil info -plist diskN` for
the whole disks, and the mount table (psutil); and, for the smart collector, one `smartctl -a` per physical
disk: REAL recorded smartctl text (../shared/corpus/smartctl-text, tests/fixtures/smartctl) with the identity
lines set to the host's disk (hostgen.adapt_identity), under the exact argv the smart collector runs.
What is real and what is modelled: tests/hosts/README-macos.md.
"""

from __future__ import annotations

import hashlib
import json
import plistlib
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# tests/ is on sys.path (pytest, or `python tests/hostgen_mac.py`)
from hostgen import Disk as LinuxDisk
from hostgen import adapt_identity, failing_smart

from raidwatch.collectors.smart import DiskTarget, smartctl_argv
from raidwatch.parsers.diskutil_list import smart_transport
from raidwatch.probe import command_slug

HOSTS = Path(__file__).resolve().parent / "hosts"
REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "smartctl"
CORPUS = REPO.parent / "shared" / "corpus" / "smartctl-text"
GB = 1000**3
APFS_CONTAINER = "EF57347C-0000-11AA-AA11-00306543ECAC"

# ../shared/corpus/diskutil/znerol-rotavault/diskutil-appleraid-list-10.6.txt, byte for byte
# (znerol/rotavault, MIT): set disk5 healthy, set disk6 rebuilding onto disk3s1 at 15%.
LIST_10_6 = """AppleRAID sets (2 found)
===============================================================================
Name:                 disk5
Unique ID:            664C5B49-ACF4-4B49-8FEF-16FFDE597ABD
Type:                 Mirror
Status:               Online
Size:                 67.0 MB (67043328 Bytes)
Rebuild:              manual
Device Node:          disk5
-------------------------------------------------------------------------------
#   Device Node       UUID                                   Status
-------------------------------------------------------------------------------
0   disk1s1           739826C1-0678-44A3-B50E-EA14F6688889   Online
1   disk2s1           F0D69BE4-E09F-4856-8395-997311111ABE   Online
===============================================================================
===============================================================================
Name:                 disk6
Unique ID:            1AFBD025-63DD-484A-961F-803C7DCA5657
Type:                 Mirror
Status:               Degraded
Size:                 67.0 MB (67043328 Bytes)
Rebuild:              manual
Device Node:          disk6
-------------------------------------------------------------------------------
#   Device Node       UUID                                   Status
-------------------------------------------------------------------------------
0   disk3s1           9EA4B118-A4C7-4585-A3DB-CB8EF6B7AF50   15% (Rebuilding)
1   disk4s1           DC1EEE98-6DF4-43A3-9C29-5831549D685C   Online
===============================================================================
"""

# Modelled on ../shared/corpus/diskutil/znerol-rotavault/diskutil-appleraid-list-10.5.txt (Leopard's
# "RAID SETS" layout, exact byte count with a bare "B", no Rebuild line), with this host's set.
LIST_10_5_FAILED = """RAID SETS
---------
===============================================================================
Name:                 Data
Unique ID:            3F2B8C1E-5D47-4A0B-9E61-7C2D4B8A9F10
Type:                 Mirror
Status:               Degraded
Size:                 499763888128 B
Device Node:          disk3
Apple RAID Version:   2
-------------------------------------------------------------------------------
#   Device Node       UUID                                   Status
-------------------------------------------------------------------------------
0   disk1s2           8A41C0D2-2E7B-4F59-B1A3-60E9D4C7F2B5   Online
1   disk2s2           C7E05B93-91D6-4C28-A4F0-3B8E2A61D7C4   Failed
===============================================================================
"""

NO_SETS = "No AppleRAID sets found\n"

# Real smartctl -a reports used for the Mac disks (see tests/hosts/README-macos.md).
HDD_DESKTOP = "corpus:truenas-py-smart/sata_hdd_0_issue42/_-d_ata_--all__dev_sdau"  # 7200 rpm SATA
HDD_ULTRASTAR = "corpus:truenas-py-smart/sata_hdd_1_issue46/_-d_ata_--all__dev_sdau"  # WD/HGST Ultrastar
HDD_SEAGATE = "corpus:truenas-py-smart/sat_hdd_0_issue70/_-d_sat_--all__dev_sg2"  # Seagate
NVME = "fixtures:nvme-kbg30zmv256g.txt"  # a 256 GB NVMe SSD


def plist_text(obj: Any) -> str:
    return plistlib.dumps(obj, fmt=plistlib.FMT_XML, sort_keys=True).decode("utf-8")


@dataclass
class Part:
    ident: str
    size: int
    content: str
    volume_name: str = ""
    mount_point: str | None = None


@dataclass
class MacSmart:
    """One recorded `smartctl -a` of a Mac disk: real text from `source`, the exit status smartctl gave."""

    source: str  # "fixtures:NAME" (tests/fixtures/smartctl) or "corpus:PATH" (../shared/corpus/smartctl-text)
    rc: int = 0
    edit: str | None = None  # a named edit (EDITS), said in tests/hosts/README-macos.md


@dataclass
class PhysDisk:
    ident: str
    size: int
    media_name: str
    protocol: str
    partitions: list[Part] = field(default_factory=list)
    internal: bool = True
    solid_state: bool | None = None  # None: this macOS's diskutil has no SolidState key
    scheme: str = "GUID_partition_scheme"
    # what smartctl says of the disk (diskutil names no serial or WWN)
    model: str | None = None  # smartctl's Device Model / Model Number; default: MediaName without " Media"
    serial: str | None = None
    wwn: str | None = None  # naa.5000cca..., or None: the drive reports none (the line is dropped)
    smart: MacSmart | None = None


@dataclass
class RaidSetDisk:
    ident: str
    size: int
    name: str
    uuid: str
    level: str
    status: str
    member_uuids: list[str]
    volume_name: str
    mount_point: str | None


@dataclass
class ApfsVolume:
    ident: str
    name: str
    size: int
    mount_point: str | None = None
    snapshot: tuple[str, str] | None = None  # (snapshot BSD name, mount point)


@dataclass
class ApfsContainer:
    ident: str
    size: int
    stores: list[str]
    volumes: list[ApfsVolume]


Whole = PhysDisk | RaidSetDisk | ApfsContainer


def list_plist(wholes: list[Whole]) -> str:
    """`diskutil list -plist` for these whole disks."""
    entries = []
    all_disks: list[str] = []
    volumes: list[str] = []
    for w in wholes:
        all_disks.append(w.ident)
        if isinstance(w, PhysDisk):
            parts = []
            for p in w.partitions:
                all_disks.append(p.ident)
                d: dict[str, Any] = {"Content": p.content, "DeviceIdentifier": p.ident, "Size": p.size}
                if p.volume_name:
                    d["VolumeName"] = p.volume_name
                if p.mount_point:
                    d["MountPoint"] = p.mount_point
                    volumes.append(p.volume_name)
                parts.append(d)
            entries.append(
                {"Content": w.scheme, "DeviceIdentifier": w.ident, "Partitions": parts, "Size": w.size}
            )
        elif isinstance(w, RaidSetDisk):
            d = {
                "Content": "Apple_HFS",
                "DeviceIdentifier": w.ident,
                "Size": w.size,
                "VolumeName": w.volume_name,
            }
            if w.mount_point:
                d["MountPoint"] = w.mount_point
                volumes.append(w.volume_name)
            entries.append(d)
        else:
            vols = []
            for v in w.volumes:
                all_disks.append(v.ident)
                vd: dict[str, Any] = {
                    "CapacityInUse": v.size // 3,
                    "DeviceIdentifier": v.ident,
                    "DiskUUID": _uuid_for(v.ident, 1),
                    "OSInternal": False,
                    "Size": w.size,
                    "VolumeName": v.name,
                    "VolumeUUID": _uuid_for(v.ident, 2),
                }
                if v.mount_point:
                    vd["MountPoint"] = v.mount_point
                    volumes.append(v.name)
                if v.snapshot:
                    all_disks.append(v.snapshot[0])
                    vd["MountedSnapshots"] = [
                        {
                            "SnapshotBSD": v.snapshot[0],
                            "SnapshotMountPoint": v.snapshot[1],
                            "SnapshotName": "com.apple.os.update-"
                            + _uuid_for(v.ident, 3).replace("-", "")[:40],
                            "SnapshotUUID": _uuid_for(v.ident, 4),
                        }
                    ]
                    volumes.append(v.name)
                vols.append(vd)
            entries.append(
                {
                    "APFSPhysicalStores": [{"DeviceIdentifier": s} for s in w.stores],
                    "APFSVolumes": vols,
                    "Content": APFS_CONTAINER,
                    "DeviceIdentifier": w.ident,
                    "OSInternal": False,
                    "Size": w.size,
                }
            )
    return plist_text(
        {
            "AllDisks": all_disks,
            "AllDisksAndPartitions": entries,
            "VolumesFromDisks": volumes,
            "WholeDisks": [w.ident for w in wholes],
        }
    )


def info_plist(w: PhysDisk | RaidSetDisk) -> str:
    """`diskutil info -plist diskN` for a whole physical disk or an AppleRAID set's disk."""
    common = {
        "Bootable": False,
        "DeviceIdentifier": w.ident,
        "DeviceNode": f"/dev/{w.ident}",
        "FreeSpace": 0,
        "IOKitSize": w.size,
        "MediaType": "Generic",
        "ParentWholeDisk": w.ident,
        "TotalSize": w.size,
        "WholeDisk": True,
        "Writable": True,
        "WritableMedia": True,
    }
    if isinstance(w, PhysDisk):
        d: dict[str, Any] = {
            **common,
            "BusProtocol": w.protocol,
            "Content": w.scheme,
            "DeviceTreePath": "IODeviceTree:/PCI0@0/SATA@1F,2/PRT0@0/PMP@0",
            "Ejectable": not w.internal,
            "Internal": w.internal,
            "MediaName": w.media_name,
            "MountPoint": "",
            "RAIDMaster": False,
            "RAIDSlice": False,
            "SMARTStatus": "Verified",
            "VolumeName": "",
            "WritableVolume": False,
        }
        if w.solid_state is not None:
            d["SolidState"] = w.solid_state
        return plist_text(d)
    return plist_text(
        {
            **common,
            "Bootable": w.mount_point == "/",
            "BusProtocol": "SATA",
            "Content": "Apple_HFS",
            "Ejectable": False,
            "FilesystemName": "Journaled HFS+",
            "FilesystemType": "hfs",
            "Internal": True,
            "MediaName": w.name,
            "MountPoint": w.mount_point or "",
            "RAIDMaster": True,
            "RAIDSetLevelType": w.level,
            "RAIDSetMembers": w.member_uuids,
            "RAIDSetName": w.name,
            "RAIDSetStatus": w.status,
            "RAIDSetUUID": w.uuid,
            "RAIDSlice": False,
            "SMARTStatus": "Not Supported",
            "VolumeName": w.volume_name,
            "VolumeUUID": _uuid_for(w.ident, 5),
            "WritableVolume": True,
        }
    )


def _uuid_for(ident: str, salt: int) -> str:
    """A fixed, made-up UUID for a generated device (stable across runs)."""
    h = hashlib.sha1(f"{ident}/{salt}".encode()).hexdigest().upper()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def write_command(
    d: Path,
    argv: tuple[str, ...],
    stdout: str,
    *,
    returncode: int | None = 0,
    stderr: str = "",
    missing: bool = False,
) -> None:
    c = d / "commands" / command_slug(argv)
    c.mkdir(parents=True, exist_ok=True)
    meta = {
        "argv": list(argv),
        "returncode": returncode,
        "timed_out": False,
        "missing": missing,
        "duration_seconds": 0.081,
    }
    (c / "cmd.json").write_text(json.dumps(meta, indent=2) + "\n")
    (c / "stdout").write_text(stdout)
    (c / "stderr").write_text(stderr)


def _source_text(source: str) -> str:
    kind, _, rel = source.partition(":")
    path = (FIXTURES if kind == "fixtures" else CORPUS) / rel
    if not path.is_file():
        raise SystemExit(f"hostgen_mac: {path}: missing (the corpus lives in ../shared/corpus by the repo)")
    return path.read_bytes().decode("utf-8", "replace")


def smart_target(w: PhysDisk) -> DiskTarget:
    """What the smart collector makes of this disk's `diskutil info` (so the argv is the one it runs)."""
    rotational = (not w.solid_state) if w.solid_state is not None else None
    return DiskTarget(name=w.ident, transport=smart_transport(w.protocol), rotational=rotational, os="Darwin")


def _set_line(text: str, key: str, value: str) -> str:
    return re.sub(rf"^({re.escape(key)}:\s+).*$", lambda m: m.group(1) + value, text, flags=re.M)


def adapt_mac(text: str, w: PhysDisk) -> str:
    """hostgen.adapt_identity for a Mac disk, plus the NVMe capacity line; no WWN: the WWN lines go."""
    model = w.model or w.media_name.removesuffix(" Media")
    text = adapt_identity(text, LinuxDisk(w.ident, w.size, model, w.serial or "", w.wwn))
    if w.wwn is None:  # the original disk's WWN / EUI-64 would be taken for this disk's identity
        text = re.sub(r"^(?:LU WWN Device Id|Namespace 1 IEEE EUI-64):.*\n", "", text, flags=re.M)
    if "Namespace 1 Size/Capacity:" in text:
        text = _set_line(text, "Namespace 1 Size/Capacity", f"{w.size:,} [{w.size / 1e9:.0f} GB]")
    return text


def _no_power_mode(text: str) -> str:
    """What smartctl prints on macOS for `-n standby` on an ATA disk (IOKit has no CHECK POWER MODE)."""
    line = "CHECK POWER MODE not implemented, ignoring -n option\n"
    head = "=== START OF INFORMATION SECTION ===\n"
    assert head in text
    return text.replace(head, line + head, 1)


def _edit_failing_hdd(text: str) -> str:
    """A dying spinning disk: health FAILED, reallocated sectors past the threshold now, pending sectors."""
    return failing_smart(
        text,
        {
            "  5 Reallocated_Sector_Ct": "0x0033   001   001   001    Pre-fail  Always   FAILING_NOW 2047",
            "197 Current_Pending_Sector": "0x0022   100   100   000    Old_age   Always       -       312",
            "198 Offline_Uncorrectable": "0x0008   100   100   000    Old_age   Offline      -       96",
        },
    )


EDITS = {"failing-hdd": _edit_failing_hdd}


def write_smart(d: Path, w: PhysDisk) -> None:
    sm = w.smart
    if sm is None:
        return
    argv = smartctl_argv(smart_target(w))
    text = adapt_mac(_source_text(sm.source), w)
    if "-n" in argv and "Device Model:" in text:
        text = _no_power_mode(text)
    if sm.edit:
        text = EDITS[sm.edit](text)
    write_command(d, tuple(argv), text, returncode=sm.rc)


def write_mac_host(
    name: str,
    *,
    hostname: str,
    kernel: str,
    machine: str,
    wholes: list[Whole],
    raid_list: str | None,  # stdout of `diskutil appleRAID list`; None: not recorded
    mounts: list[tuple[str, str, str, str]],  # device, mountpoint, fstype, options
    extra_commands: dict[tuple[str, ...], tuple[int | None, str, str]] | None = None,
    root: Path = HOSTS,
) -> Path:
    d = root / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    host = {
        "format": 1,
        "hostname": hostname,
        "os": "Darwin",
        "kernel": kernel,
        "machine": machine,
        "recorded_at": "2026-11-25T09:58:03+00:00",
        "raidwatch_version": "0.1.0",
    }
    (d / "host.json").write_text(json.dumps(host, indent=2) + "\n")
    (d / "mounts.json").write_text(
        json.dumps(
            [
                {"device": dev, "mountpoint": mp, "fstype": fs, "options": o, "devno": None}
                for dev, mp, fs, o in mounts
            ],
            indent=2,
        )
        + "\n"
    )
    (d / "fs.json").write_text(json.dumps({"dirs": {}, "errors": {}, "links": {}}, indent=2) + "\n")
    if raid_list is not None:
        write_command(d, ("diskutil", "appleRAID", "list"), raid_list)
    write_command(d, ("diskutil", "list", "-plist"), list_plist(wholes))
    for w in wholes:
        if not isinstance(w, ApfsContainer):
            write_command(d, ("diskutil", "info", "-plist", w.ident), info_plist(w))
    for w in wholes:
        if isinstance(w, PhysDisk):
            write_smart(d, w)
    for argv, (rc, out, err) in (extra_commands or {}).items():
        write_command(d, argv, out, returncode=rc, stderr=err)
    return d


def _raid_part(ident: str, size: int) -> list[Part]:
    """An AppleRAID member partition and the Apple_Boot helper diskutil adds after it."""
    disk = ident.rsplit("s", 1)[0]
    n = int(ident.rsplit("s", 1)[1])
    return [Part(ident, size, "Apple_RAID"), Part(f"{disk}s{n + 1}", 134217728, "Apple_Boot", "Boot OS X")]


def xserve01(root: Path = HOSTS) -> Path:
    """Mac OS X Server 10.6: / on mirror disk5 (healthy), /Volumes/Data on mirror disk6 rebuilding (15%),
    /Volumes/Scratch on a plain drive module."""
    member = 67108864  # the sets in the recorded listing are 67 MB (see README-macos.md)
    disk0 = PhysDisk(
        "disk0",
        1000204886016,
        "Hitachi HDS721010CLA332 Media",
        "SATA",
        [
            Part("disk0s1", 209715200, "EFI"),
            Part("disk0s2", 999860912128, "Apple_HFS", "Scratch", "/Volumes/Scratch"),
        ],
        serial="JP2940HZ1A7B3C",
        wwn="naa.5000cca36cd10a01",
        smart=MacSmart(HDD_DESKTOP),
    )
    disks = [
        PhysDisk(
            f"disk{n}",
            1000204886016,
            model,
            "SATA",  # Xserve drive modules are SATA (or SAS, which smartctl cannot read on macOS)
            _raid_part(f"disk{n}s1", member),
            serial=serial,
            wwn=wwn,
            smart=MacSmart(source),
        )
        for n, model, serial, wwn, source in (
            (1, "Hitachi HDS721010CLA332 Media", "JP2940HZ1B8D4E", "naa.5000cca36cd10b12", HDD_DESKTOP),
            (2, "Hitachi HDS721010CLA332 Media", "JP2940HZ1C9E5F", "naa.5000cca36cd10c23", HDD_DESKTOP),
            (3, "HITACHI HUA722010CLA330 Media", "JPW9K0N10DAB7G", "naa.5000cca22bc21d34", HDD_ULTRASTAR),
            (4, "HITACHI HUA722010CLA330 Media", "JPW9K0N10EBC8H", "naa.5000cca22bc21e45", HDD_ULTRASTAR),
        )
    ]
    boot = RaidSetDisk(
        "disk5",
        67043328,
        "disk5",
        "664C5B49-ACF4-4B49-8FEF-16FFDE597ABD",
        "Mirror",
        "Online",
        ["739826C1-0678-44A3-B50E-EA14F6688889", "F0D69BE4-E09F-4856-8395-997311111ABE"],
        "Server HD",
        "/",
    )
    data = RaidSetDisk(
        "disk6",
        67043328,
        "disk6",
        "1AFBD025-63DD-484A-961F-803C7DCA5657",
        "Mirror",
        "Degraded",
        ["9EA4B118-A4C7-4585-A3DB-CB8EF6B7AF50", "DC1EEE98-6DF4-43A3-9C29-5831549D685C"],
        "Data",
        "/Volumes/Data",
    )
    return write_mac_host(
        "xserve01-mirrors-rebuilding",
        hostname="xserve01",
        kernel="10.8.0",
        machine="i386",
        wholes=[disk0, *disks, boot, data],
        raid_list=LIST_10_6,
        mounts=[
            ("/dev/disk5", "/", "hfs", "rw,local,rootfs,dovolfs,journaled,multilabel"),
            ("/dev/disk6", "/Volumes/Data", "hfs", "rw,nosuid,local,journaled"),
            ("/dev/disk0s2", "/Volumes/Scratch", "hfs", "rw,nosuid,local,journaled"),
        ],
        root=root,
    )


def powermac02(root: Path = HOSTS) -> Path:
    """Mac OS X 10.5 on PowerPC: / on a single disk, /Volumes/Data on mirror disk3 with disk2s2 Failed."""
    apm = "Apple_partition_scheme"
    disk0 = PhysDisk(
        "disk0",
        250059350016,
        "ST3250824AS",
        "SATA",
        [
            Part("disk0s1", 32256, "Apple_partition_map"),
            Part("disk0s2", 249925132288, "Apple_HFS", "Macintosh HD", "/"),
        ],
        scheme=apm,
        serial="5ND1JQ7K",  # drives of that age report no WWN
        smart=MacSmart(HDD_SEAGATE),
    )
    data_disks = [
        PhysDisk(
            f"disk{n}",
            500107862016,
            "WDC WD5000AAKS-00YGA0",
            "SATA",
            [
                Part(f"disk{n}s1", 32256, "Apple_partition_map"),
                Part(f"disk{n}s2", 499764019200, "Apple_RAID"),
                Part(f"disk{n}s3", 134217728, "Apple_Boot", "Boot OS X"),
            ],
            scheme=apm,
            serial=serial,
            smart=smart,
        )
        for n, serial, smart in (
            (1, "WD-WCAS81234567", MacSmart(HDD_ULTRASTAR)),
            # the mirror member AppleRAID failed (disk2s2): SMART says why (hand-edited, README-macos.md)
            (2, "WD-WCAS87654321", MacSmart(HDD_ULTRASTAR, rc=24, edit="failing-hdd")),
        )
    ]
    data = RaidSetDisk(
        "disk3",
        499763888128,
        "Data",
        "3F2B8C1E-5D47-4A0B-9E61-7C2D4B8A9F10",
        "Mirror",
        "Degraded",
        ["8A41C0D2-2E7B-4F59-B1A3-60E9D4C7F2B5", "C7E05B93-91D6-4C28-A4F0-3B8E2A61D7C4"],
        "Data",
        "/Volumes/Data",
    )
    return write_mac_host(
        "powermac02-single-boot-failed-mirror",
        hostname="powermac02",
        kernel="9.8.0",
        machine="Power Macintosh",
        wholes=[disk0, *data_disks, data],
        raid_list=LIST_10_5_FAILED,
        mounts=[
            ("/dev/disk0s2", "/", "hfs", "rw,local,rootfs,dovolfs,journaled,multilabel"),
            ("/dev/disk3", "/Volumes/Data", "hfs", "rw,nosuid,local,journaled"),
        ],
        root=root,
    )


def macmini03(root: Path = HOSTS) -> Path:
    """macOS 14 on Apple silicon: every volume in APFS containers on one internal SSD (disk0)."""
    disk0 = PhysDisk(
        "disk0",
        251000193024,
        "APPLE SSD AP0256Q",
        "Apple Fabric",
        [
            Part("disk0s1", 524288000, "Apple_APFS_ISC"),
            Part("disk0s2", 245107195904, "Apple_APFS"),
            Part("disk0s3", 5368664064, "Apple_APFS_Recovery"),
        ],
        solid_state=True,
        serial="0ba02c8e1a3f4d21",
        smart=MacSmart(NVME),
    )
    isc = ApfsContainer(
        "disk1",
        524288000,
        ["disk0s1"],
        [
            ApfsVolume("disk1s1", "iSCPreboot", 7663616, "/System/Volumes/iSCPreboot"),
            ApfsVolume("disk1s2", "xART", 6221824, "/System/Volumes/xarts"),
            ApfsVolume("disk1s3", "Hardware", 3690496, "/System/Volumes/Hardware"),
        ],
    )
    recovery = ApfsContainer(
        "disk2", 5368664064, ["disk0s3"], [ApfsVolume("disk2s1", "Recovery", 1022820352)]
    )
    main = ApfsContainer(
        "disk3",
        245107195904,
        ["disk0s2"],
        [
            ApfsVolume("disk3s1", "Macintosh HD", 10837377024, snapshot=("disk3s1s1", "/")),
            ApfsVolume("disk3s2", "Preboot", 6108479488, "/System/Volumes/Preboot"),
            ApfsVolume("disk3s3", "Recovery", 938643456),
            ApfsVolume("disk3s4", "Update", 3342336, "/System/Volumes/Update"),
            ApfsVolume("disk3s5", "Macintosh HD - Data", 91347488768, "/System/Volumes/Data"),
            ApfsVolume("disk3s6", "VM", 1073762304, "/System/Volumes/VM"),
        ],
    )
    apfs = "ro,local,rootfs,dovolfs,journaled,multilabel"
    return write_mac_host(
        "macmini03-apfs",
        hostname="macmini03",
        kernel="23.6.0",
        machine="arm64",
        wholes=[disk0, isc, recovery, main],
        raid_list=NO_SETS,
        mounts=[
            ("/dev/disk3s1s1", "/", "apfs", apfs),
            ("/dev/disk3s6", "/System/Volumes/VM", "apfs", "rw,noexec,local,dovolfs,dontbrowse,journaled"),
            ("/dev/disk3s2", "/System/Volumes/Preboot", "apfs", "rw,local,dovolfs,dontbrowse,journaled"),
            ("/dev/disk3s4", "/System/Volumes/Update", "apfs", "rw,local,dovolfs,dontbrowse,journaled"),
            ("/dev/disk1s2", "/System/Volumes/xarts", "apfs", "rw,noexec,local,dovolfs,dontbrowse,journaled"),
            ("/dev/disk1s1", "/System/Volumes/iSCPreboot", "apfs", "rw,local,dovolfs,dontbrowse,journaled"),
            ("/dev/disk1s3", "/System/Volumes/Hardware", "apfs", "rw,local,dovolfs,dontbrowse,journaled"),
            ("/dev/disk3s5", "/System/Volumes/Data", "apfs", "rw,local,dovolfs,dontbrowse,journaled"),
        ],
        root=root,
    )


def bundled_mac_hosts(root: Path = HOSTS) -> list[Path]:
    """The macOS demo and end-to-end hosts (tests/hosts/README-macos.md says what each shows)."""
    return [xserve01(root), powermac02(root), macmini03(root)]


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HOSTS
    for p in bundled_mac_hosts(out):
        print(p)
