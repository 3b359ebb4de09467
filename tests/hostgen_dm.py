"""Write the bundled device-mapper and cache hosts (tests/hosts/lvm09-raid1-root, bc10-bcache-writeback), and
any variant a test asks for.

Every output is rendered here or by tests/hostgen.py from values chosen here; nothing is copied from a
third-party recording. `dmsetup table` and `dmsetup status` are rendered in dmsetup's layout for all
devices (`<name>: <start> <length> <target> <args>`, dmsetup(8), lvm2 tools/dmsetup.c) with the raid, cache
and writecache fields of the kernel's Documentation/admin-guide/device-mapper/dm-raid.rst, cache.rst and
writecache.rst, under the exact argv raidwatch.collectors.dm runs. LVM names its devices as lvm2 does:
`vg-lv`, sub-LVs `lv_rimage_N`/`lv_rmeta_N`, `lv_corig`, `pool_cdata`/`pool_cmeta`, uuids `LVM-<vg><lv>`.
bcache is rendered as the kernel's sysfs shows it (Documentation/admin-guide/bcache.rst): `bcache/` files
of the backing device, the `cache` link to the cache set and the set's `cacheN` links.
"""

from __future__ import annotations

import hashlib
import json
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostgen import (
    GIB,
    Disk,
    MdArray,
    Member,
    Smart,
    _uuid,
    samsung_ssd,
    seagate_hdd,
    write_command,
    write_host,
)
from toolgen import smartctl as sc

from raidwatch.collectors.dm import STATUS_ARGV, TABLE_ARGV, DmSysfs, needs_dmsetup

HOSTS = Path(__file__).resolve().parent / "hosts"
LVM09 = "lvm09-raid1-root"
BC10 = "bc10-bcache-writeback"
_ALNUM = string.ascii_letters + string.digits


def lvm_id(seed: str) -> str:
    """A 32-character LVM uuid (as dm uuids carry it, without dashes), the same for the same seed."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(_ALNUM[b % len(_ALNUM)] for b in digest)


def lvm_uuid(vg: str, lv: str) -> str:
    return f"LVM-{lvm_id('vg:' + vg)}{lvm_id('lv:' + vg + '/' + lv)}"


def dm_name(vg: str, lv: str) -> str:
    """lvm2's dm name: vg-lv, a '-' inside either doubled."""
    return f"{vg.replace('-', '--')}-{lv.replace('-', '--')}"


@dataclass
class Dm:
    """One dm device to render: /sys/block/dm-N (name, uuid, slaves) and its dmsetup lines."""

    kname: str  # dm-3
    name: str  # vg0-root
    uuid: str
    slaves: list[str]
    table: list[str]  # "<start> <length> <target> <args>" per segment
    status: list[str]


def devno_of(kname: str, disks: list[Disk], arrays: list[MdArray]) -> str:
    """The major:minor write_host gives a device: disks 8:16i, partitions 8:16i+j, md 9:N, dm 253:N."""
    if kname.startswith("dm-"):
        return f"253:{kname[3:]}"
    if kname.startswith("md"):
        return f"9:{kname[2:]}"
    for i, disk in enumerate(disks):
        if kname == disk.name:
            return f"8:{16 * i}"
        for j, part in enumerate(disk.partitions, 1):
            if kname == part:
                return f"8:{16 * i + j}"
    raise KeyError(kname)


def linear(kname: str, vg: str, lv: str, pv_devno: str, pv: str, length: int, offset: int = 2048) -> Dm:
    return Dm(
        kname,
        dm_name(vg, lv),
        lvm_uuid(vg, lv),
        [pv],
        [f"0 {length} linear {pv_devno} {offset}"],
        [f"0 {length} linear "],
    )


def raid_lv(
    kname: str,
    vg: str,
    lv: str,
    raid_type: str,
    legs: list[tuple[Dm | None, Dm | None]],  # (rmeta, rimage) per position; None = '-'
    length: int,
    health: str,
    *,
    dev_sectors: int,
    action: str = "idle",
    done: int | None = None,
    mismatch: int = 0,
    params: str = "0 region_size 4096",
    devno: dict[str, str],
) -> Dm:
    """An LVM RAID LV (dm-raid): its table names each leg's rmeta and rimage, its status the health and
    the sync ratio, in sectors of one device (dm-raid.rst)."""
    words = params.split()
    devs = " ".join(f"{devno[m.kname] if m else '-'} {devno[d.kname] if d else '-'}" for m, d in legs)
    table = f"0 {length} raid {raid_type} {len(words)} {params} {len(legs)} {devs}"
    ratio = f"{dev_sectors if done is None else done}/{dev_sectors}"
    status = f"0 {length} raid {raid_type} {len(legs)} {health} {ratio} {action} {mismatch} 0 -"
    slaves = [x.kname for pair in legs for x in pair if x is not None]
    return Dm(kname, dm_name(vg, lv), lvm_uuid(vg, lv), slaves, [table], [status])


def _parity(raid_type: str) -> int:
    return 2 if raid_type.startswith("raid6") else 1


def lvm_raid(
    first: int,
    vg: str,
    lv: str,
    raid_type: str,
    pvs: list[tuple[str, str]],  # (kernel name, devno) of each leg's PV
    length: int,
    health: str,
    **kw: object,
) -> list[Dm]:
    """The sub-LVs (rmeta_N, rimage_N) and the raid LV itself, from dm-<first> on."""
    n = first
    subs: list[Dm] = []
    legs: list[tuple[Dm | None, Dm | None]] = []
    per_leg = length if raid_type == "raid1" else length // max(len(pvs) - _parity(raid_type), 1)
    if raid_type == "raid10":
        per_leg = length * 2 // len(pvs)
    for i, (pv, pv_devno) in enumerate(pvs):
        meta = linear(f"dm-{n}", vg, f"{lv}_rmeta_{i}", pv_devno, pv, 8192, 2048)
        data = linear(f"dm-{n + 1}", vg, f"{lv}_rimage_{i}", pv_devno, pv, per_leg, 10240)
        n += 2
        subs += [meta, data]
        legs.append((meta, data))
    devno = {d.kname: f"253:{d.kname[3:]}" for d in subs}
    top = raid_lv(f"dm-{n}", vg, lv, raid_type, legs, length, health, devno=devno, dev_sectors=per_leg, **kw)  # type: ignore[arg-type]
    return [*subs, top]


@dataclass
class Bcache:
    """A bcache device over its backing device, attached (or not) to a cache set on one cache device."""

    name: str  # bcache0
    backing: str  # kernel name of the backing device: md0
    cache: str | None  # kernel name of the cache device (sdc); None: detached ("no cache")
    cache_link: str  # the cache device's sysfs path, as the set's cache0 link names it
    mode: str = "writeback"
    dirty: str = "0.0k"  # as bch_hprint prints it
    state: str = "clean"
    set_uuid: str = "5a1c3b9e-7d24-4e61-9f0a-2b8c6d4e1f37"
    size_sectors: int = 1953513472
    devno: str = "252:0"
    modes: tuple[str, ...] = ("writethrough", "writeback", "writearound", "none")


@dataclass
class DmHost:
    """Everything a device-mapper/cache host adds to write_host's."""

    dms: list[Dm] = field(default_factory=list)
    bcaches: list[Bcache] = field(default_factory=list)
    dmsetup: str = "ok"  # ok | permission-denied | missing


def dmsetup_text(dms: list[Dm], which: str) -> str:
    lines = []
    for d in sorted(dms, key=lambda d: d.name):
        for seg in d.table if which == "table" else d.status:
            start, length, target, *args = seg.split(" ")
            lines.append(f"{d.name}: {start} {length} {target} {' '.join(args)}")
    return "\n".join(lines) + "\n" if lines else "No devices found\n"


def write_dm_host(
    name: str,
    *,
    hostname: str,
    disks: list[Disk],
    arrays: list[MdArray],
    mounts: list[tuple[str, str, str, str]],
    extra: DmHost,
    root: Path = HOSTS,
) -> Path:
    """write_host, plus the dm devices (sysfs + `dmsetup table`/`status` when a dm device needs them),
    bcache sysfs, and the /sys/dev/block links the dm collector follows."""
    dm = {d.kname: (d.name, d.uuid, d.slaves) for d in extra.dms}
    d = write_host(
        name, hostname=hostname, disks=disks, arrays=arrays, mounts=mounts, dm=dm or None, root=root
    )
    index = json.loads((d / "fs.json").read_text())
    dirs, links = index["dirs"], index["links"]
    for b in extra.bcaches:
        base = f"/sys/block/{b.name}"
        files = {
            "size": f"{b.size_sectors}\n",
            "ro": "0\n",
            "removable": "0\n",
            "queue/rotational": "1\n",
            "dev": f"{b.devno}\n",
            "bcache/cache_mode": " ".join(f"[{m}]" if m == b.mode else m for m in b.modes) + "\n",
            "bcache/dirty_data": f"{b.dirty}\n",
            "bcache/state": f"{b.state}\n",
        }
        for rel, text in files.items():
            p = d / "fs" / base.lstrip("/") / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        dirs[base] = ["bcache", "dev", "holders", "queue", "removable", "ro", "size", "slaves"]
        dirs[f"{base}/slaves"] = [b.backing]
        dirs["/sys/block"] = sorted([*dirs["/sys/block"], b.name])
        if b.cache is not None:
            links[f"{base}/bcache/cache"] = f"../../../../../fs/bcache/{b.set_uuid}"
            setdir = f"/sys/fs/bcache/{b.set_uuid}"
            dirs[setdir] = ["bdev0", "block_size", "bucket_size", "cache0", "congested", "stop", "unregister"]
            links[f"{setdir}/cache0"] = f"../../../{b.cache_link}/bcache"
            links[f"{setdir}/bdev0"] = f"../../../devices/virtual/block/{b.backing}/bcache"
    dm_devnos = {f"253:{x.kname[3:]}" for x in extra.dms}
    for x in extra.dms:
        for seg in x.table:
            target = seg.split(" ")[2]
            if target not in ("cache", "writecache"):
                continue
            for word in seg.split(" ")[3:]:
                if ":" in word and word not in dm_devnos and word.replace(":", "").isdigit():
                    kname = next(
                        (k for k in _knames(disks, arrays) if devno_of(k, disks, arrays) == word), None
                    )
                    if kname is not None:
                        links[f"/sys/dev/block/{word}"] = f"../../block/{kname}"
    (d / "fs.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    sysfs = {x.kname: DmSysfs(x.kname, x.name, x.uuid, tuple(sorted(x.slaves)), None) for x in extra.dms}
    if needs_dmsetup(sysfs):
        for argv in (TABLE_ARGV, STATUS_ARGV):
            if extra.dmsetup == "permission-denied":
                err = (
                    "/dev/mapper/control: open failed: Permission denied\n"
                    "Failure to communicate with kernel device-mapper driver.\n"
                    "Check that device-mapper is available in the kernel.\n"
                )
                write_command(d, list(argv), "", 1, stderr=err)
                break
            if extra.dmsetup == "missing":
                write_command(
                    d, list(argv), "", None, stderr="dmsetup: command not found", missing=True, duration=0
                )
                break
            write_command(d, list(argv), dmsetup_text(extra.dms, argv[1]), 0)
    return d


def _knames(disks: list[Disk], arrays: list[MdArray]) -> list[str]:
    out = []
    for disk in disks:
        out.append(disk.name)
        out.extend(disk.partitions)
    return out + [a.name for a in arrays]


def _ata_link(port: int, name: str) -> str:
    ata = f"ata{port + 1}/host{port}/target{port}:0:0/{port}:0:0:0"
    return f"../devices/pci0000:00/0000:00:17.0/{ata}/block/{name}"


# ---------------------------------------------------------------------------------------------- lvm09


def lvm09_disks() -> list[Disk]:
    """sda, sdb: SATA SSDs (vg0: / on a raid1 LV); sdc, sdd: SATA HDDs (vg1: /srv on a raid1 LV)."""
    sda = Disk(
        "sda",
        480 * GIB,
        "Samsung SSD 860 PRO 512GB",
        "S42YNX0M809001A",
        "naa.5002538e40a19001",
        False,
        {"sda1": 1 * GIB, "sda2": 478 * GIB},
        link=_ata_link(0, "sda"),
    )
    sdb = Disk(
        "sdb",
        480 * GIB,
        "Samsung SSD 860 PRO 512GB",
        "S42YNX0M809002B",
        "naa.5002538e40a19002",
        False,
        {"sdb1": 1 * GIB, "sdb2": 478 * GIB},
        link=_ata_link(1, "sdb"),
    )
    sdc = Disk(
        "sdc",
        4000 * GIB,
        "ST4000NM0035-1V4107",
        "ZC1L9C01",
        "naa.5000c500b1c29c01",
        True,
        {"sdc1": 3999 * GIB},
        link=_ata_link(2, "sdc"),
    )
    sdd = Disk(
        "sdd",
        4000 * GIB,
        "ST4000NM0035-1V4107",
        "ZC1L9D02",
        "naa.5000c500b1c29d02",
        True,
        {"sdd1": 3999 * GIB},
        link=_ata_link(3, "sdd"),
    )
    sda.smart = Smart(samsung_ssd(sda, 8812, 30))
    sdb.smart = Smart(samsung_ssd(sdb, 8812, 31))
    sdc.smart = Smart(seagate_hdd(sdc, 20311, 34))
    # the disk under the failed leg: write errors and reallocations (dm-raid marked its leg dead)
    dying = seagate_hdd(sdd, 20309, 36)
    dying.attributes = sc.set_raw(dying.attributes, {5: 392, 197: 16, 198: 16})
    sdd.smart = Smart(dying)
    return [sda, sdb, sdc, sdd]


def write_lvm09(root: Path = HOSTS) -> Path:
    """/ on vg0/root, an LVM raid1 LV over sda2 + sdb2, healthy (AA); /srv on vg1/srv, an LVM raid1 LV over
    sdc1 + sdd1 whose second leg dm-raid marked dead (AD): degraded, nothing rebuilding."""
    disks = lvm09_disks()
    dev = {k: devno_of(k, disks, []) for k in ("sda2", "sdb2", "sdc1", "sdd1")}
    root_lv = lvm_raid(
        0, "vg0", "root", "raid1", [("sda2", dev["sda2"]), ("sdb2", dev["sdb2"])], 209715200, "AA"
    )
    srv_lv = lvm_raid(
        5, "vg1", "srv", "raid1", [("sdc1", dev["sdc1"]), ("sdd1", dev["sdd1"])], 7812939776, "AD"
    )
    return write_dm_host(
        LVM09,
        hostname="lvm09",
        disks=disks,
        arrays=[],
        mounts=[
            ("/dev/mapper/vg0-root", "/", "ext4", "253:4"),
            ("/dev/sda1", "/boot/efi", "vfat", "8:1"),
            ("/dev/mapper/vg1-srv", "/srv", "xfs", "253:9"),
        ],
        extra=DmHost(dms=[*root_lv, *srv_lv]),
        root=root,
    )


# ----------------------------------------------------------------------------------------------- bc10


def bc10_disks() -> list[Disk]:
    """sda, sdb: SATA HDDs (md1 = / and md0 = bcache0's backing device); sdc: the SATA SSD cache."""
    sda = Disk(
        "sda",
        4000 * GIB,
        "ST4000NM0035-1V4107",
        "ZC1B1A01",
        "naa.5000c500b1c2b001",
        True,
        {"sda1": 64 * GIB, "sda2": 3935 * GIB},
        link=_ata_link(0, "sda"),
    )
    sdb = Disk(
        "sdb",
        4000 * GIB,
        "ST4000NM0035-1V4107",
        "ZC1B1B02",
        "naa.5000c500b1c2b002",
        True,
        {"sdb1": 64 * GIB, "sdb2": 3935 * GIB},
        link=_ata_link(1, "sdb"),
    )
    sdc = Disk(
        "sdc",
        480 * GIB,
        "Samsung SSD 860 PRO 512GB",
        "S42YNX0M810003C",
        "naa.5002538e40a1b003",
        False,
        link=_ata_link(2, "sdc"),
    )
    sda.smart = Smart(seagate_hdd(sda, 15020, 33))
    sdb.smart = Smart(seagate_hdd(sdb, 15020, 34))
    sdc.smart = Smart(samsung_ssd(sdc, 15001, 29))
    return [sda, sdb, sdc]


def bc10_arrays() -> list[MdArray]:
    return [
        MdArray(
            "md0",
            "raid1",
            2,
            [Member("sda2", 0, 0), Member("sdb2", 1, 1)],
            4126146560,
            _uuid(0xBC0),
            events=5120,
        ),
        MdArray(
            "md1",
            "raid1",
            2,
            [Member("sda1", 0, 0), Member("sdb1", 1, 1)],
            67042304,
            _uuid(0xBC1),
            events=771,
        ),
    ]


def bc10_bcache(mode: str = "writeback", dirty: str = "1.2G", state: str = "dirty") -> Bcache:
    return Bcache(
        "bcache0",
        "md0",
        "sdc",
        _ata_link(2, "sdc")[3:],
        mode=mode,
        dirty=dirty,
        state=state,
        size_sectors=4126146560 * 2 - 16,
    )


def write_bc10(root: Path = HOSTS, *, cache: Bcache | None = None, name: str = BC10) -> Path:
    """/ on md1 raid1 (sda1 + sdb1); /srv on bcache0: md0 raid1 (sda2 + sdb2) behind one SATA SSD (sdc)
    cache in writeback mode holding 1.2 GiB of dirty data."""
    disks = bc10_disks()
    return write_dm_host(
        name,
        hostname="bc10",
        disks=disks,
        arrays=bc10_arrays(),
        mounts=[("/dev/md1", "/", "ext4", "9:1"), ("/dev/bcache0", "/srv", "xfs", "252:0")],
        extra=DmHost(bcaches=[cache or bc10_bcache()]),
        root=root,
    )


def bundled_dm_hosts(root: Path = HOSTS) -> list[Path]:
    return [write_lvm09(root), write_bc10(root)]


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HOSTS
    for p in bundled_dm_hosts(out):
        print(p)
