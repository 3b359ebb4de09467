"""Write recorded-host directories (the README's replay format) for tests, the demo and benchmarks.

The bundled hosts under tests/hosts/ were made with `python tests/hostgen.py` and are committed as
data; each is what `raidwatch record` writes on such a machine: /proc/mdstat and mountinfo in the
kernel's format, the /sys/block files the collectors read, `mdadm --detail` output in mdadm 4.x's
format, and one `smartctl` run per disk, rendered by our own smartctl renderer (tests/toolgen/smartctl.py)
from values chosen here, under the exact argv the smart collector runs (tests/hosts/README.md says what
each host shows). Nothing here is taken from a third-party recorded output.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python tests/hostgen.py` from a checkout
    sys.path.insert(0, str(REPO))

from raidwatch.collectors.smart import DiskTarget, smartctl_argv  # noqa: E402
from raidwatch.parsers.sysblock import transport_from_link  # noqa: E402
from raidwatch.probe import command_slug  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from toolgen import smartctl as sc  # noqa: E402

HOSTS = Path(__file__).resolve().parent / "hosts"
GIB = 1024**3


@dataclass
class Smart:
    """One recorded smartctl run for a disk: what smartctl prints for `drive` (rendered by toolgen.smartctl,
    exit status from its content), or one of smartctl's short answers, or no answer at all."""

    drive: sc.Drive | None = None
    answer: str = "report"  # report | standby | permission-denied | timed-out | missing
    preamble: str = ""  # lines smartctl prints before the report (macOS: "CHECK POWER MODE not implemented")


@dataclass
class Disk:
    name: str
    size: int
    model: str
    serial: str
    wwn: str | None = None
    rotational: bool = True
    partitions: dict[str, int] = field(default_factory=dict)  # name -> bytes
    link: str = ""  # /sys/block symlink target
    smart: Smart | None = None
    vendor: str = "ATA"
    # more files under /sys/block/NAME, relative path -> text: an NVMe controller's "device/subsysnqn", ...
    sysfs: dict[str, str] = field(default_factory=dict)


@dataclass
class Member:
    dev: str
    desc: int  # the number mdstat shows
    role: int | None  # raid role; None = spare
    state: str = "in_sync"  # sysfs dev-*/state
    mdstat_flag: str = ""  # "(F)", "(S)", "(W)"


@dataclass
class MdArray:
    name: str
    level: str
    raid_disks: int
    members: list[Member]
    size_kib: int
    uuid: str
    array_state: str = "clean"
    sync_action: str = "idle"
    sync_line: str = ""  # the mdstat progress line
    sync_completed: str = "none"
    sync_speed: str = "none"
    mismatch_cnt: int = 0
    mdadm_state: str = "clean"
    rebuild_status: str = ""
    events: int = 1234
    bitmap: bool = True
    layout: str | None = None  # raid10 in mdadm's words ("near=2", "far=2", "offset=2"); None: not printed

    @property
    def in_sync(self) -> int:
        return sum(1 for m in self.members if m.state == "in_sync" and m.role is not None)

    @property
    def r10(self) -> tuple[int, int, bool] | None:
        """The raid10 layout as (near, far, offset), from `layout`."""
        if self.layout is None:
            return None
        words = dict(w.strip().split("=") for w in self.layout.split(","))
        far = int(words.get("far", words.get("offset", 1)))
        return int(words.get("near", 1)), far, "offset" in words

    @property
    def layout_number(self) -> int:
        """md/layout as the kernel shows it (raid10.c setup_geo reads near | far << 8 | offset << 16)."""
        assert self.r10 is not None
        near, far, offset = self.r10
        return near | far << 8 | (0x10000 if offset else 0)

    @property
    def mdstat_geometry(self) -> str:
        """What raid10.c raid10_status prints before [n/m]: " 512K chunks 2 near-copies"."""
        assert self.r10 is not None
        near, far, offset = self.r10
        out = "512K chunks"
        if near > 1:
            out += f" {near} near-copies"
        if far > 1:
            out += f" {far} {'offset' if offset else 'far'}-copies"
        return out


def _w(root: Path, path: str, text: str) -> None:
    p = root / "fs" / path.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def mdstat_text(arrays: list[MdArray]) -> str:
    levels = sorted({a.level for a in arrays})
    out = ["Personalities : " + " ".join(f"[{lv}]" for lv in levels) + " "]
    for a in arrays:
        members = " ".join(f"{m.dev}[{m.desc}]{m.mdstat_flag}" for m in a.members)
        out.append(f"{a.name} : active {a.level} {members}")
        status_map = "".join(
            "U" if any(m.role == r and m.state == "in_sync" for m in a.members) else "_"
            for r in range(a.raid_disks)
        )
        line = f"      {a.size_kib} blocks super 1.2 "
        if a.level == "raid0":
            line += "512k chunks"
        else:
            if a.layout is not None:
                line += a.mdstat_geometry + " "
            line += f"[{a.raid_disks}/{a.in_sync}] [{status_map}]"
        out.append(line)
        if a.sync_line:
            out.append("      " + a.sync_line)
        if a.bitmap and a.level != "raid0":
            out.append("      bitmap: 1/8 pages [4KB], 65536KB chunk")
        out.append("")
    out.append("unused devices: <none>")
    return "\n".join(out) + "\n"


def _human(kib: int) -> str:
    return f"({kib / 1024 / 1024:.2f} GiB {kib * 1024 / 1e9:.2f} GB)"


def mdadm_detail(a: MdArray, hostname: str) -> str:
    failed = sum(1 for m in a.members if "faulty" in m.state)
    spares = sum(1 for m in a.members if m.role is None and "faulty" not in m.state)
    working = len(a.members) - failed
    lines = [
        f"/dev/{a.name}:",
        "           Version : 1.2",
        "     Creation Time : Tue Mar  3 10:12:41 2026",
        f"        Raid Level : {a.level}",
        f"        Array Size : {a.size_kib} {_human(a.size_kib)}",
    ]
    if a.level != "raid0":
        lines.append(f"     Used Dev Size : {a.size_kib} {_human(a.size_kib)}")
    lines += [
        f"      Raid Devices : {a.raid_disks}",
        f"     Total Devices : {len(a.members)}",
        "       Persistence : Superblock is persistent",
        "",
    ]
    if a.bitmap and a.level != "raid0":
        lines += ["     Intent Bitmap : Internal", ""]
    lines += [
        "       Update Time : Wed Nov 25 09:58:02 2026",
        f"             State : {a.mdadm_state} ",
        f"    Active Devices : {a.in_sync}",
        f"   Working Devices : {working}",
        f"    Failed Devices : {failed}",
        f"     Spare Devices : {spares}",
        "",
        *([f"            Layout : {a.layout}", "        Chunk Size : 512K", ""] if a.layout else []),
        "Consistency Policy : " + ("bitmap" if a.bitmap and a.level != "raid0" else "none"),
        "",
    ]
    if a.rebuild_status:
        lines += [f"    Rebuild Status : {a.rebuild_status}", ""]
    uuid = a.uuid.replace("-", "")
    mdadm_uuid = ":".join(uuid[i : i + 8] for i in range(0, 32, 8))
    lines += [
        f"              Name : {hostname}:{a.name[2:]}  (local to host {hostname})",
        f"              UUID : {mdadm_uuid}",
        f"            Events : {a.events}",
        "",
        "    Number   Major   Minor   RaidDevice State",
    ]
    for r in range(a.raid_disks):
        m = next((m for m in a.members if m.role == r), None)
        if m is None:
            lines.append(f"       -       0        0        {r}      removed")
            continue
        if m.state == "in_sync":
            st = "active sync"
        elif "faulty" in m.state:
            st = "faulty"
        else:
            st = "spare rebuilding"
        lines.append(f"       {m.desc}       8       {m.desc * 16 + 1:<3}      {r}      {st}   /dev/{m.dev}")
    first = True
    for m in a.members:
        if m.role is None:
            st = "faulty" if "faulty" in m.state else "spare"
            if first:
                lines.append("")
                first = False
            lines.append(
                f"       {m.desc}       8       {m.desc * 16 + 1:<3}      -      {st}   /dev/{m.dev}"
            )
    return "\n".join(lines) + "\n"


def wwn_hex(disk: Disk) -> str | None:
    """The disk's NAA WWN as the hex digits smartctl prints ("naa.5000c500b1c2d3e4" -> "5000c500b1c2d3e4")."""
    return disk.wwn.split(".", 1)[1] if disk.wwn and disk.wwn.startswith("naa.") else None


def ata(disk: Disk, attributes: list[sc.Attr], **kw: object) -> sc.AtaDrive:
    """An ATA drive for this disk: its identity (model, serial, WWN, size, rotation) plus what we choose."""
    kw.setdefault("rpm", 7200 if disk.rotational else 0)
    kw.setdefault("form_factor", "3.5 inches" if disk.rotational else "2.5 inches")
    return sc.AtaDrive(
        disk.model,
        disk.serial,
        kw.pop("firmware", "SN04"),
        disk.size,
        wwn_hex(disk),
        attributes=attributes,
        **kw,
    )  # type: ignore[arg-type]


def nvme(disk: Disk, **kw: object) -> sc.NvmeDrive:
    eui = disk.wwn.split(".", 1)[1] if disk.wwn and disk.wwn.startswith("eui.") else None
    return sc.NvmeDrive(disk.model, disk.serial, kw.pop("firmware", "2B2QEXM7"), disk.size, eui, **kw)  # type: ignore[arg-type]


def smart_target(disk: Disk) -> DiskTarget:
    """What the smart collector sees of this disk in /sys/block (so the argv is the one it runs)."""
    link = disk.link or f"../devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/{disk.name}"
    return DiskTarget(
        name=disk.name, transport=transport_from_link(disk.name, link), rotational=disk.rotational
    )


def write_command(
    d: Path,
    argv: list[str],
    stdout: str,
    rc: int | None,
    *,
    stderr: str = "",
    timed_out: bool = False,
    missing: bool = False,
    duration: float = 0.004,
) -> None:
    """One recorded command, as RecordingProbe writes it."""
    c = d / "commands" / command_slug(argv)
    c.mkdir(parents=True)
    meta = {
        "argv": argv,
        "returncode": rc,
        "timed_out": timed_out,
        "missing": missing,
        "duration_seconds": duration,
    }
    (c / "cmd.json").write_text(json.dumps(meta, indent=2) + "\n")
    (c / "stdout").write_text(stdout)
    (c / "stderr").write_text(stderr)


def write_smart(d: Path, disk: Disk) -> None:
    sm = disk.smart
    if sm is None:
        return
    argv = smartctl_argv(smart_target(disk))
    dev = argv[-1]
    if sm.answer == "missing":
        write_command(d, argv, "", None, stderr=f"{argv[0]}: command not found", missing=True, duration=0)
    elif sm.answer == "timed-out":
        write_command(d, argv, "", None, timed_out=True, duration=30.0)
    elif sm.answer == "standby":
        write_command(d, argv, sc.standby_text(), sc.STANDBY_RC, duration=0.02)
    elif sm.answer == "permission-denied":
        write_command(d, argv, sc.open_failed_text(dev), 2, duration=0.01)
    else:
        assert sm.drive is not None, f"{disk.name}: a SMART report needs a drive"
        write_command(
            d, argv, sc.render_text(sm.drive, preamble=sm.preamble), sc.exit_status(sm.drive), duration=0.3
        )


def write_host(
    name: str,
    *,
    hostname: str,
    disks: list[Disk],
    arrays: list[MdArray],
    mounts: list[tuple[str, str, str, str]],  # device, mountpoint, fstype, devno
    dm: dict[str, tuple[str, str, list[str]]] | None = None,  # dm-N -> (name, uuid, slaves)
    mdadm: bool = True,
    labels: dict[str, str] | None = None,  # kernel name -> filesystem label (udev's /dev/disk/by-label)
    kernel: str = "6.1.0-27-amd64",
    root: Path = HOSTS,
) -> Path:
    d = root / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    host = {
        "format": 1,
        "hostname": hostname,
        "os": "Linux",
        "kernel": kernel,
        "machine": "x86_64",
        "recorded_at": "2026-11-25T09:58:03+00:00",
        "raidwatch_version": "0.1.0",
    }
    (d / "host.json").write_text(json.dumps(host, indent=2) + "\n")
    dirs: dict[str, list[str]] = {}
    links: dict[str, str] = {}
    block: list[str] = []
    minor = 0
    for disk in disks:
        block.append(disk.name)
        base = f"/sys/block/{disk.name}"
        _w(d, f"{base}/size", f"{disk.size // 512}\n")
        _w(d, f"{base}/ro", "0\n")
        _w(d, f"{base}/removable", "0\n")
        _w(d, f"{base}/queue/rotational", "1\n" if disk.rotational else "0\n")
        _w(d, f"{base}/dev", f"8:{minor}\n")
        _w(d, f"{base}/device/model", disk.model + "\n")
        _w(d, f"{base}/device/vendor", f"{disk.vendor:<8}\n")
        if disk.name.startswith("nvme"):
            _w(d, f"{base}/device/serial", disk.serial + "\n")
            if disk.wwn:
                _w(d, f"{base}/wwid", disk.wwn + "\n")
        elif disk.wwn:
            _w(d, f"{base}/device/wwid", disk.wwn + "\n")
        links[base] = (
            disk.link
            or f"../devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/{disk.name}"
        )
        for rel, text in disk.sysfs.items():
            _w(d, f"{base}/{rel}", text + "\n")
        entries = ["dev", "device", "holders", "queue", "removable", "ro", "size", "slaves", *disk.partitions]
        entries += sorted({rel.split("/", 1)[0] for rel in disk.sysfs} - set(entries))
        dirs[base] = sorted(entries)
        dirs[f"{base}/slaves"] = []
        for i, (part, size) in enumerate(disk.partitions.items(), 1):
            _w(d, f"{base}/{part}/partition", f"{i}\n")
            _w(d, f"{base}/{part}/size", f"{size // 512}\n")
            _w(d, f"{base}/{part}/ro", "0\n")
            _w(d, f"{base}/{part}/dev", f"8:{minor + i}\n")
        minor += 16
    for i, a in enumerate(arrays):
        block.append(a.name)
        base = f"/sys/block/{a.name}"
        num = int(a.name[2:])
        _w(d, f"{base}/size", f"{a.size_kib * 2}\n")
        _w(d, f"{base}/ro", "0\n")
        _w(d, f"{base}/removable", "0\n")
        _w(d, f"{base}/queue/rotational", "1\n")
        _w(d, f"{base}/dev", f"9:{num}\n")
        dirs[base] = ["dev", "holders", "md", "queue", "removable", "ro", "size", "slaves"]
        dirs[f"{base}/slaves"] = sorted(m.dev for m in a.members)
        md = f"{base}/md"
        attrs = {
            "level": a.level,
            "array_state": a.array_state,
            "raid_disks": str(a.raid_disks),
            "metadata_version": "1.2",
            "uuid": a.uuid,
            "chunk_size": "524288" if a.level == "raid0" or a.layout is not None else "0",
        }
        if a.layout is not None:
            attrs["layout"] = str(a.layout_number)
        if a.level != "raid0":
            attrs.update(
                degraded=str(a.raid_disks - a.in_sync),
                sync_action=a.sync_action,
                sync_completed=a.sync_completed,
                sync_speed=a.sync_speed,
                mismatch_cnt=str(a.mismatch_cnt),
            )
        for k, v in attrs.items():
            _w(d, f"{md}/{k}", v + "\n")
        dirs[md] = sorted([*attrs, *(f"dev-{m.dev}" for m in a.members)])
        for m in a.members:
            _w(d, f"{md}/dev-{m.dev}/state", m.state + "\n")
            _w(d, f"{md}/dev-{m.dev}/slot", ("none" if m.role is None else str(m.role)) + "\n")
            _w(d, f"{md}/dev-{m.dev}/errors", "0\n")
        del i
    for dmname, (mapname, uuid, slaves) in (dm or {}).items():
        block.append(dmname)
        base = f"/sys/block/{dmname}"
        _w(d, f"{base}/size", "209715200\n")
        _w(d, f"{base}/ro", "0\n")
        _w(d, f"{base}/removable", "0\n")
        _w(d, f"{base}/queue/rotational", "1\n")
        _w(d, f"{base}/dev", f"253:{dmname[3:]}\n")
        _w(d, f"{base}/dm/name", mapname + "\n")
        _w(d, f"{base}/dm/uuid", uuid + "\n")
        dirs[base] = ["dev", "dm", "holders", "queue", "removable", "ro", "size", "slaves"]
        dirs[f"{base}/slaves"] = sorted(slaves)
    dirs["/sys/block"] = sorted(block)
    if labels:
        escaped = {
            name: "".join(c if c.isalnum() or c in "-_.+" else f"\\x{ord(c):02x}" for c in label)
            for name, label in labels.items()
        }
        dirs["/dev/disk/by-label"] = sorted(escaped.values())
        for name, entry in escaped.items():
            links[f"/dev/disk/by-label/{entry}"] = f"../../{name}"
    if arrays:
        _w(d, "/proc/mdstat", mdstat_text(arrays))
    mi = ["21 1 0:20 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw"]
    for n, (dev, mp, fs, devno) in enumerate(mounts, 30):
        mi.append(f"{n} 1 {devno} / {mp} rw,relatime shared:{n} - {fs} {dev} rw")
    _w(d, "/proc/self/mountinfo", "\n".join(mi) + "\n")
    (d / "mounts.json").write_text(
        json.dumps(
            [
                {"device": dev, "mountpoint": mp, "fstype": fs, "options": "rw,relatime"}
                for dev, mp, fs, _ in mounts
            ],
            indent=2,
        )
        + "\n"
    )
    (d / "fs.json").write_text(
        json.dumps({"dirs": dirs, "links": links, "errors": {}}, indent=2, sort_keys=True) + "\n"
    )
    if mdadm:
        for a in arrays:
            c = d / "commands" / f"mdadm_--detail_dev_{a.name}"
            c.mkdir(parents=True)
            argv = ["mdadm", "--detail", f"/dev/{a.name}"]
            meta = {
                "argv": argv,
                "returncode": 0,
                "timed_out": False,
                "missing": False,
                "duration_seconds": 0.004,
            }
            (c / "cmd.json").write_text(json.dumps(meta, indent=2) + "\n")
            (c / "stdout").write_text(mdadm_detail(a, hostname))
            (c / "stderr").write_text("")
    for disk in disks:
        write_smart(d, disk)
    return d


def _uuid(n: int) -> str:
    h = f"{n:08x}" * 4
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


# The SMART state each bundled host shows (tests/hosts/README.md): values chosen here, rendered by
# toolgen.smartctl.
def samsung_ssd(disk: Disk, hours: int, temp: int) -> sc.AtaDrive:
    return ata(
        disk,
        sc.samsung_ssd_attributes(hours, temp),
        family="Samsung based SSDs",
        firmware="RVM02B6Q",
        trim=True,
        selective=False,
        polling=(2, 85, None),
        self_tests=[sc.SelfTest(1, 0, hours - 20), sc.SelfTest(2, 0, hours - 190)],
    )


def worn_out_samsung_ssd(disk: Disk, hours: int, temp: int) -> sc.AtaDrive:
    """Spare blocks used up: 179 Used_Rsvd_Blk_Cnt_Tot below its threshold now, 1460 reallocated sectors,
    and the drive's own verdict FAILED (smartctl exits 24: bits 3 and 4)."""
    attrs = sc.set_raw(sc.samsung_ssd_attributes(hours, temp), {5: 1460})
    attrs = sc.fail_attr(attrs, 179, 3, 1460)
    drive = samsung_ssd(disk, hours, temp)
    drive.attributes, drive.health_passed = attrs, False
    return drive


def seagate_hdd(disk: Disk, hours: int, temp: int, **kw: object) -> sc.AtaDrive:
    return ata(
        disk,
        sc.seagate_hdd_attributes(hours, temp),
        family=kw.pop("family", "Seagate Enterprise Capacity 3.5 HDD"),
        logical_sector=512,
        physical_sector=4096,
        offline_seconds=567,
        polling=(1, 418, 2),
        self_tests=[sc.SelfTest(1, 0, hours - 30), sc.SelfTest(2, 0, hours - 700)],
        **kw,
    )


def wdc_hdd(disk: Disk, hours: int, temp: int, **kw: object) -> sc.AtaDrive:
    return ata(
        disk,
        sc.wdc_hdd_attributes(hours, temp),
        family=kw.pop("family", "Western Digital Red"),
        firmware="83.H0A83",
        logical_sector=512,
        physical_sector=4096,
        offline_seconds=6780,
        polling=(2, 795, 5),
        self_tests=[sc.SelfTest(1, 0, hours - 12)],
        **kw,
    )


def bundled_hosts(root: Path = HOSTS) -> list[Path]:
    """The demo and end-to-end hosts (see tests/hosts/README.md for what each shows)."""
    made = []
    # 1. web01: / on md0 raid1 (sda1+sdb1), /srv on md1 raid1 degraded: sdb2 failed; SMART says sdb FAILED.
    sda = Disk(
        "sda",
        480 * GIB,
        "Samsung SSD 860 PRO 512GB",
        "S42YNX0M812345A",
        "naa.5002538e40a1b2c3",
        False,
        {"sda1": 32 * GIB, "sda2": 440 * GIB},
    )
    sdb = Disk(
        "sdb",
        480 * GIB,
        "Samsung SSD 860 PRO 512GB",
        "S42YNX0M812399K",
        "naa.5002538e40a1b2d4",
        False,
        {"sdb1": 32 * GIB, "sdb2": 440 * GIB},
    )
    sda.smart = Smart(samsung_ssd(sda, 14123, 31))
    sdb.smart = Smart(worn_out_samsung_ssd(sdb, 14119, 33))  # the md1 member that failed: SMART says why
    made.append(
        write_host(
            "web01-mirror-degraded",
            hostname="web01",
            disks=[sda, sdb],
            arrays=[
                MdArray(
                    "md0",
                    "raid1",
                    2,
                    [Member("sda1", 0, 0), Member("sdb1", 1, 1)],
                    33553344,
                    _uuid(0x5A1),
                    events=891,
                ),
                MdArray(
                    "md1",
                    "raid1",
                    2,
                    [Member("sda2", 0, 0), Member("sdb2", 1, None, "faulty", "(F)")],
                    461240320,
                    _uuid(0x5A2),
                    mdadm_state="clean, degraded",
                    events=20417,
                ),
            ],
            mounts=[("/dev/md0", "/", "ext4", "9:0"), ("/dev/md1", "/srv", "xfs", "9:1")],
            labels={"md0": "root", "md1": "srv data"},
            root=root,
        )
    )
    # 2. db02: single boot disk sda; /data on md0 raid1 (sdb1+sdc1) recovering onto sdc1; sdb has pending
    #    sectors; sdd, a backup disk in no array, is asleep (standby).
    sda = Disk(
        "sda",
        240 * GIB,
        "INTEL SSDSC2KB240G8",
        "PHYF8123004M240AGN",
        "naa.55cd2e414f1a2b3c",
        False,
        {"sda1": 1 * GIB, "sda2": 238 * GIB},
    )
    sdb = Disk(
        "sdb",
        4000 * GIB,
        "ST4000NM0035-1V4107",
        "ZC1A2B3C",
        "naa.5000c500b1c2d3e4",
        True,
        {"sdb1": 3999 * GIB},
    )
    sdc = Disk(
        "sdc",
        4000 * GIB,
        "ST4000NM0035-1V4107",
        "ZC1A9X8Y",
        "naa.5000c500b1c2f00d",
        True,
        {"sdc1": 3999 * GIB},
    )
    sdd = Disk(
        "sdd",
        4000 * GIB,
        "WDC WD40EFRX-68N32N0",
        "WD-WCC7K4ABCDEF",
        "naa.50014ee20d1e2f3a",
        True,
    )
    sda.smart = Smart(
        ata(
            sda,
            sc.intel_ssd_attributes(21344, 27),
            family="Intel S4510/S4610/S4500/S4600 Series SSDs",
            firmware="XCV10132",
            trim=True,
            selective=False,
            polling=(1, 2, None),
            self_tests=[sc.SelfTest(1, 0, 21300)],
        )
    )
    # the only in-sync copy of /data: 8 pending and 8 offline-uncorrectable sectors, and the last self-test
    # stopped at a read failure (smartctl exits 128: bit 7, the self-test log has errors)
    pending = seagate_hdd(sdb, 31872, 31)
    pending.attributes = sc.set_raw(pending.attributes, {197: 8, 198: 8})
    pending.self_tests = [sc.SelfTest(2, 7, 31860, remaining=90, lba=1_234_567_890), *pending.self_tests]
    sdb.smart = Smart(pending)
    sdc.smart = Smart(seagate_hdd(sdc, 1215, 30))  # the new disk the mirror is rebuilding onto
    sdd.smart = Smart(answer="standby")  # the spun-down backup disk: never woken
    made.append(
        write_host(
            "db02-single-boot-disk",
            hostname="db02",
            disks=[sda, sdb, sdc, sdd],
            arrays=[
                MdArray(
                    "md0",
                    "raid1",
                    2,
                    [Member("sdb1", 0, 0), Member("sdc1", 2, 1, "spare")],
                    4193149952,
                    _uuid(0xDB0),
                    sync_action="recover",
                    sync_completed="3354519960 / 8386299904",
                    sync_speed="161322",
                    mdadm_state="clean, degraded, recovering",
                    rebuild_status="40% complete",
                    events=77120,
                    sync_line="[=======>.............]  recovery = 40.0% (1677259980/4193149952) "
                    "finish=259.9min speed=161322K/sec",
                ),
            ],
            mounts=[
                ("/dev/sda2", "/", "ext4", "8:2"),
                ("/dev/sda1", "/boot", "ext4", "8:1"),
                ("/dev/md0", "/data", "xfs", "9:0"),
            ],
            root=root,
        )
    )
    # 3. lab03: "mirror" md0 of two partitions of ONE disk (sda1+sda2); /var on LVM over md1 (sdb1+sdc1).
    sda = Disk(
        "sda",
        1000 * GIB,
        "WDC WD10EZEX-08WN4A0",
        "WD-WCC6Y1ABCDEF",
        "naa.50014ee2b1a2c3d4",
        True,
        {"sda1": 100 * GIB, "sda2": 100 * GIB},
    )
    sdb = Disk(
        "sdb",
        2000 * GIB,
        "ST2000DM008-2FR102",
        "ZFL1ABCD",
        "naa.5000c500c1d2e3f4",
        True,
        {"sdb1": 1999 * GIB},
    )
    sdc = Disk(
        "sdc",
        2000 * GIB,
        "ST2000DM008-2FR102",
        "ZFL1WXYZ",
        "naa.5000c500c1d2ffee",
        True,
        {"sdc1": 1999 * GIB},
    )
    sda.smart = Smart(wdc_hdd(sda, 40211, 36, family="Western Digital Blue", test_running_remaining=70))
    for disk in (sdb, sdc):
        disk.smart = Smart(
            ata(
                disk,
                sc.seagate_hdd_attributes(23310, 34),
                family="Seagate BarraCuda 3.5",
                firmware="0001",
                physical_sector=4096,
                polling=(1, 213, 2),
                test_running_remaining=70,
            )
        )
    for disk, hours in ((sda, 40211), (sdb, 23310), (sdc, 23310)):  # a weekly extended self-test, 30% done
        assert disk.smart is not None and isinstance(disk.smart.drive, sc.AtaDrive)
        disk.smart.drive.self_tests = [sc.SelfTest(2, 15, hours, 70), sc.SelfTest(2, 0, hours - 168)]
    made.append(
        write_host(
            "lab03-same-disk-mirror",
            hostname="lab03",
            disks=[sda, sdb, sdc],
            arrays=[
                MdArray(
                    "md0", "raid1", 2, [Member("sda1", 0, 0), Member("sda2", 1, 1)], 104791040, _uuid(0x1AB)
                ),
                MdArray(
                    "md1",
                    "raid1",
                    2,
                    [Member("sdb1", 0, 0), Member("sdc1", 1, 1)],
                    2095944704,
                    _uuid(0x1AC),
                    sync_action="check",
                    sync_completed="1466951168 / 4191889408",
                    sync_speed="181000",
                    mdadm_state="clean, checking",
                    mismatch_cnt=0,
                    sync_line="[======>..............]  check = 35.0% (733475584/2095944704) "
                    "finish=125.4min speed=181000K/sec",
                ),
            ],
            dm={
                "dm-0": (
                    "vg0-var",
                    "LVM-Xk2bQ0d9s1Gm3pYt6vW8zA4cE7fH0jKlN5oPqR2sT9uV1wX3yZ5aB7cD9eF1gH3i",
                    ["md1"],
                )
            },
            mounts=[("/dev/md0", "/", "ext4", "9:0"), ("/dev/mapper/vg0-var", "/var", "ext4", "253:0")],
            root=root,
        )
    )
    # 4. nas04: raid6 of six disks with two missing and a recovery running ([6/4] [UUUU__]).
    disks = []
    members = []
    for i, letter in enumerate("abcdef"):
        disks.append(
            Disk(
                f"sd{letter}",
                8000 * GIB,
                "WDC WD80EFZX-68UW8N0",
                f"VK0ABC{i:02d}",
                f"naa.5000cca26b1a00{i:02x}",
                True,
                {f"sd{letter}1": 7999 * GIB},
                smart=Smart(
                    wdc_hdd(
                        Disk(
                            f"sd{letter}",
                            8000 * GIB,
                            "WDC WD80EFZX-68UW8N0",
                            f"VK0ABC{i:02d}",
                            f"naa.5000cca26b1a00{i:02x}",
                        ),
                        30117 + i,
                        35 + i % 3,
                    )
                ),
            )
        )
    for i, letter in enumerate("abcd"):
        members.append(Member(f"sd{letter}1", i, i))
    members.append(Member("sde1", 6, 4, "spare"))
    members.append(Member("sdf1", 7, 5, "spare"))
    made.append(
        write_host(
            "nas04-raid6-rebuild",
            hostname="nas04",
            disks=disks,
            arrays=[
                MdArray(
                    "md0",
                    "raid6",
                    6,
                    members,
                    31245849600,
                    _uuid(0x4A5),
                    sync_action="recover",
                    sync_completed="3062093260 / 15622924800",
                    sync_speed="13810",
                    array_state="active",
                    mdadm_state="active, degraded, recovering",
                    rebuild_status="19% complete",
                    events=402,
                    sync_line="[===>.................]  recovery = 19.6% (1531046630/7811462400) "
                    "finish=7578.1min speed=13810K/sec",
                ),
            ],
            mounts=[("/dev/md0", "/tank", "xfs", "9:0")],
            root=root,
        )
    )
    # 5. app05: the compliant one: / and /srv each on a healthy md raid1 over two SSDs, SMART clean.
    sda = Disk(
        "sda",
        480 * GIB,
        "Samsung SSD 860 PRO 512GB",
        "S42YNX0M800501B",
        "naa.5002538e40a1c501",
        False,
        {"sda1": 32 * GIB, "sda2": 440 * GIB},
    )
    sdb = Disk(
        "sdb",
        480 * GIB,
        "Samsung SSD 860 PRO 512GB",
        "S42YNX0M800502C",
        "naa.5002538e40a1c502",
        False,
        {"sdb1": 32 * GIB, "sdb2": 440 * GIB},
    )
    sda.smart = Smart(samsung_ssd(sda, 9800, 29))
    sdb.smart = Smart(samsung_ssd(sdb, 9801, 30))
    made.append(
        write_host(
            "app05-healthy",
            hostname="app05",
            disks=[sda, sdb],
            arrays=[
                MdArray(
                    "md0",
                    "raid1",
                    2,
                    [Member("sda1", 0, 0), Member("sdb1", 1, 1)],
                    33553344,
                    _uuid(0xA50),
                    events=412,
                ),
                MdArray(
                    "md1",
                    "raid1",
                    2,
                    [Member("sda2", 0, 0), Member("sdb2", 1, 1)],
                    461240320,
                    _uuid(0xA51),
                    events=9876,
                ),
            ],
            mounts=[("/dev/md0", "/", "ext4", "9:0"), ("/dev/md1", "/srv", "xfs", "9:1")],
            root=root,
        )
    )
    # 6. api06: compliant too, on NVMe: / on md0 raid1 over two NVMe namespaces (smartctl -d nvme).
    nvmes = []
    for i, serial in enumerate(("S4EWNX0R600101", "S4EWNX0R600102")):
        n = Disk(
            f"nvme{i}n1",
            500 * GIB,
            "Samsung SSD 970 EVO Plus 500GB",
            serial,
            f"eui.0025385b01a0c{i:03x}",
            False,
            {f"nvme{i}n1p1": 1 * GIB, f"nvme{i}n1p2": 498 * GIB},
            link=f"../devices/pci0000:00/0000:00:1d.{i}/0000:3{i}:00.0/nvme/nvme{i}/nvme{i}n1",
        )
        n.smart = Smart(
            nvme(
                n,
                temperature=42,
                sensors=(42, 47),
                percentage_used=3,
                data_units_read=41_882_310,
                data_units_written=38_113_025,
                host_reads=612_004_118,
                host_writes=802_331_776,
                busy_minutes=2_114,
                power_cycles=61,
                power_on_hours=11_245 + i,
                unsafe_shutdowns=7,
                utilization=231_508_127_744,
                self_tests=[sc.NvmeSelfTest(1, 0, 11_200)],
            )
        )
        nvmes.append(n)
    made.append(
        write_host(
            "api06-nvme-mirror",
            hostname="api06",
            disks=nvmes,
            arrays=[
                MdArray(
                    "md0",
                    "raid1",
                    2,
                    [Member("nvme0n1p2", 0, 0), Member("nvme1n1p2", 1, 1)],
                    522190848,
                    _uuid(0xA60),
                    events=3310,
                ),
            ],
            mounts=[("/dev/md0", "/", "ext4", "9:0"), ("/dev/nvme0n1p1", "/boot/efi", "vfat", "259:1")],
            root=root,
        )
    )
    return made


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HOSTS
    for p in bundled_hosts(out):
        print(p)
