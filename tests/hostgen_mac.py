"""Write recorded macOS hosts (the README's replay format) for tests and the demo.

The bundled Mac hosts under tests/hosts/ were made with `python tests/hostgen_mac.py` and are committed
as data; each holds what `raidwatch record` writes on such a Mac when the appleraid, macdisks and mounts
collectors run: `diskutil appleRAID list` (rendered by tests/toolgen/diskutil.py), `diskutil list -plist`,
`diskutil info -plist diskN` for the whole disks, and the mount table (psutil); and, for the smart
collector, one `smartctl -a` per physical disk, rendered by tests/toolgen/smartctl.py under the exact argv
the smart collector runs. Every value is chosen here; tests/hosts/README-macos.md says what each host shows.
"""

from __future__ import annotations

import hashlib
import json
import plistlib
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# tests/ is on sys.path (pytest, or `python tests/hostgen_mac.py`)
from hostgen import Smart
from toolgen import smartctl as sc
from toolgen.diskutil import Member, RaidSet, render_list

from raidwatch.collectors.smart import DiskTarget, smartctl_argv
from raidwatch.parsers.diskutil_list import smart_transport
from raidwatch.probe import command_slug

HOSTS = Path(__file__).resolve().parent / "hosts"
GB = 1000**3
APFS_CONTAINER = "EF57347C-0000-11AA-AA11-00306543ECAC"
# what smartctl prints on macOS for `-n standby` on an ATA disk: IOKit's ATA interface has no
# CHECK POWER MODE, so a Mac disk cannot be left asleep this way
NO_POWER_MODE = "CHECK POWER MODE not implemented, ignoring -n option\n"


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
class PhysDisk:
    ident: str
    size: int
    media_name: str
    protocol: str
    partitions: list[Part] = field(default_factory=list)
    internal: bool = True
    solid_state: bool | None = None  # None: this macOS's diskutil has no SolidState key
    scheme: str = "GUID_partition_scheme"
    # what smartctl says of the disk (diskutil names no serial or WWN): Smart(drive), drive from the helpers
    # below, which take the model (MediaName without " Media"), size, serial and WWN from this disk
    serial: str | None = None
    wwn: str | None = None  # naa.5000cca..., or None: the drive reports none
    smart: Smart | None = None

    @property
    def model(self) -> str:
        return self.media_name.removesuffix(" Media")


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


def smart_target(w: PhysDisk) -> DiskTarget:
    """What the smart collector makes of this disk's `diskutil info` (so the argv is the one it runs)."""
    rotational = (not w.solid_state) if w.solid_state is not None else None
    return DiskTarget(name=w.ident, transport=smart_transport(w.protocol), rotational=rotational, os="Darwin")


def _wwn_hex(w: PhysDisk) -> str | None:
    return w.wwn.split(".", 1)[1] if w.wwn and w.wwn.startswith("naa.") else None


def mac_ata(w: PhysDisk, attributes: list[sc.Attr], **kw: object) -> sc.AtaDrive:
    """An ATA drive for a Mac disk (its model, serial, WWN and size), plus what we choose."""
    kw.setdefault("rpm", 0 if w.solid_state else 7200)
    return sc.AtaDrive(
        w.model,
        w.serial or "",
        kw.pop("firmware", "JP4OA3EA"),
        w.size,
        _wwn_hex(w),
        attributes=attributes,
        **kw,
    )  # type: ignore[arg-type]


def write_smart(d: Path, w: PhysDisk) -> None:
    sm = w.smart
    if sm is None:
        return
    argv = smartctl_argv(smart_target(w))
    assert sm.drive is not None
    preamble = NO_POWER_MODE if "-n" in argv and isinstance(sm.drive, sc.AtaDrive) else ""
    platform = "x86_64-apple-darwin10.8.0" if w.protocol != "Apple Fabric" else "arm64-apple-darwin23.6.0"
    text = sc.render_text(sm.drive, preamble=preamble, platform=platform)
    write_command(d, tuple(argv), text, returncode=sc.exit_status(sm.drive))


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


def _set_members(set_ident: str, nodes: list[tuple[str, str]], size: int) -> list[Member]:
    return [
        Member(i, node, _uuid_for(f"{set_ident}/{node}", 7), status, size)
        for i, (node, status) in enumerate(nodes)
    ]


def xserve01(root: Path = HOSTS) -> Path:
    """Mac OS X Server 10.6: / on mirror disk5 (healthy), /Volumes/Data on mirror disk6 rebuilding (15%),
    /Volumes/Scratch on a plain drive module."""
    member = 999_860_912_128  # each member partition fills its drive module but for the EFI and boot helper
    set_size = member - 4096 * 2  # AppleRAID keeps its metadata at the end of each member
    hitachi = dict(family="Hitachi Deskstar 7K1000.C", firmware="JP4OA3EA", polling=(1, 150, None))
    ultrastar = dict(family="Hitachi Ultrastar A7K2000", firmware="JP6OA3EA", polling=(1, 162, None))
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
    )
    disk0.smart = Smart(mac_ata(disk0, sc.hitachi_hdd_attributes(21877, 33), **hitachi))
    disks = []
    for n, model, serial, wwn, hours, kw in (
        (1, "Hitachi HDS721010CLA332 Media", "JP2940HZ1B8D4E", "naa.5000cca36cd10b12", 21870, hitachi),
        (2, "Hitachi HDS721010CLA332 Media", "JP2940HZ1C9E5F", "naa.5000cca36cd10c23", 21869, hitachi),
        (3, "HITACHI HUA722010CLA330 Media", "JPW9K0N10DAB7G", "naa.5000cca22bc21d34", 12, ultrastar),
        (4, "HITACHI HUA722010CLA330 Media", "JPW9K0N10EBC8H", "naa.5000cca22bc21e45", 17310, ultrastar),
    ):
        # Xserve drive modules are SATA (or SAS, which smartctl cannot read on macOS)
        w = PhysDisk(
            f"disk{n}", 1000204886016, model, "SATA", _raid_part(f"disk{n}s1", member), serial=serial, wwn=wwn
        )
        w.smart = Smart(mac_ata(w, sc.hitachi_hdd_attributes(hours, 34), **kw))
        disks.append(w)
    boot = RaidSet(
        "Server HD",
        _uuid_for("disk5", 6),
        "Online",
        set_size,
        "disk5",
        _set_members("disk5", [("disk1s1", "Online"), ("disk2s1", "Online")], member),
    )
    # disk3 is a new drive module: the set is rebuilding onto it
    data = RaidSet(
        "Data",
        _uuid_for("disk6", 6),
        "Degraded",
        set_size,
        "disk6",
        _set_members("disk6", [("disk3s1", "15% (Rebuilding)"), ("disk4s1", "Online")], member),
    )
    wholes = [disk0, *disks]
    for rs, volume, mount in ((boot, "Server HD", "/"), (data, "Data", "/Volumes/Data")):
        wholes.append(
            RaidSetDisk(
                rs.device_node,
                rs.size,
                rs.name,
                rs.uuid,
                rs.type,
                rs.status,
                [m.uuid for m in rs.members],
                volume,
                mount,
            )
        )
    return write_mac_host(
        "xserve01-mirrors-rebuilding",
        hostname="xserve01",
        kernel="10.8.0",
        machine="i386",
        wholes=wholes,
        raid_list=render_list([boot, data], "10.6"),
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
    )
    disk0.smart = Smart(
        mac_ata(
            disk0,
            sc.seagate_hdd_attributes(38211, 41),
            family="Seagate Barracuda 7200.10",
            firmware="3.AAE",
            ata_version="ATA/ATAPI-7 (minor revision not indicated)",
            sata_version="SATA 1.0a, 1.5 Gb/s",
            polling=(1, 83, None),
            form_factor=None,
        )
    )
    data_disks = []
    for n, serial in ((1, "WD-WCAS81234567"), (2, "WD-WCAS87654321")):
        w = PhysDisk(
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
        )
        w.smart = Smart(
            mac_ata(
                w,
                sc.wdc_hdd_attributes(29005 + n, 38),
                family="Western Digital Caviar Blue Serial ATA",
                firmware="12.01C02",
                ata_version="ATA8-ACS (minor revision not indicated)",
                sata_version="SATA 2.5, 3.0 Gb/s",
                polling=(2, 120, 5),
                form_factor=None,
            )
        )
        data_disks.append(w)
    # the mirror member AppleRAID failed (disk2s2): SMART says why. Its drive is dying: the overall verdict
    # FAILED, 5 Reallocated_Sector_Ct below its threshold now (2047 sectors), 312 pending and 96 offline
    # uncorrectable sectors; smartctl exits 24 (bits 3 and 4)
    dying = data_disks[1].smart.drive  # type: ignore[union-attr]
    assert isinstance(dying, sc.AtaDrive)
    dying.attributes = sc.fail_attr(sc.set_raw(dying.attributes, {197: 312, 198: 96}), 5, 100, 2047)
    dying.health_passed = False
    data = RaidSet(
        "Data",
        _uuid_for("disk3", 6),
        "Degraded",
        499763888128,
        "disk3",
        _set_members("disk3", [("disk1s2", "Online"), ("disk2s2", "Failed")], 499764019200),
    )
    raid_disk = RaidSetDisk(
        data.device_node,
        data.size,
        data.name,
        data.uuid,
        data.type,
        data.status,
        [m.uuid for m in data.members],
        "Data",
        "/Volumes/Data",
    )
    return write_mac_host(
        "powermac02-single-boot-failed-mirror",
        hostname="powermac02",
        kernel="9.8.0",
        machine="Power Macintosh",
        wholes=[disk0, *data_disks, raid_disk],
        raid_list=render_list([data], "10.5"),
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
    )
    disk0.smart = Smart(
        sc.NvmeDrive(
            "APPLE SSD AP0256Q",
            "0ba02c8e1a3f4d21",
            "555",
            disk0.size,
            None,  # Apple's SSDs name no EUI-64
            pci_vendor=0x106B,
            oui=0x000000,
            controller_id=0,
            nvme_version="<1.2",
            temperature=31,
            percentage_used=0,
            data_units_read=4_004_115,
            data_units_written=2_719_884,
            host_reads=91_337_410,
            host_writes=41_155_027,
            power_cycles=212,
            power_on_hours=1_903,
            unsafe_shutdowns=9,
            self_tests=None,
        )
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
        raid_list=render_list([]),
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
