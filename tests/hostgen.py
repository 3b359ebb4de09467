"""Write recorded-host directories (the README's replay format) for tests, the demo and benchmarks.

The bundled hosts under tests/hosts/ were made with `python tests/hostgen.py` and are committed as
data; each is what `raidwatch record` writes on such a machine: /proc/mdstat and mountinfo in the
kernel's format, the /sys/block files the collectors read, `mdadm --detail` output in mdadm 4.x's
format (layouts modelled on the recorded outputs in ../shared/corpus/mdstat and mdadm-detail), and one
`smartctl` run per disk: REAL recorded smartctl text (../shared/corpus/smartctl-text and
tests/fixtures/smartctl) with the identity lines set to the host's disk, under the exact argv the smart
collector runs (tests/hosts/README.md lists every source and every edit).
"""

from __future__ import annotations

import json
import re
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

HOSTS = Path(__file__).resolve().parent / "hosts"
FIXTURES = REPO / "tests" / "fixtures" / "smartctl"
CORPUS = REPO.parent / "shared" / "corpus" / "smartctl-text"
GIB = 1024**3


@dataclass
class Smart:
    """One recorded smartctl run for a disk: real text from `source`, the exit status smartctl gave."""

    source: str  # "fixtures:NAME" (tests/fixtures/smartctl) or "corpus:PATH" (../shared/corpus/smartctl-text)
    rc: int | None = 0
    edit: str | None = None  # a named edit (EDITS), said in tests/hosts/README.md
    adapt: bool = True  # set the identity lines (model, serial, WWN, capacity) to the host's disk
    timed_out: bool = False
    missing: bool = False


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

    @property
    def in_sync(self) -> int:
        return sum(1 for m in self.members if m.state == "in_sync" and m.role is not None)


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


def _source_text(source: str) -> str:
    kind, _, rel = source.partition(":")
    path = (FIXTURES if kind == "fixtures" else CORPUS) / rel
    if not path.is_file():
        raise SystemExit(f"hostgen: {path}: missing (the corpus lives in ../shared/corpus beside the repo)")
    return path.read_bytes().decode("utf-8", "replace")  # what the probe keeps of a command's output


def _ata_wwn(wwn: str) -> str:
    """naa.5000c500b1c2d3e4 -> "5 000c50 0b1c2d3e4", as smartctl prints an ATA LU WWN."""
    h = wwn.split(".", 1)[-1]
    return f"{h[0]} {h[1:7]} {h[7:]}"


def adapt_identity(text: str, disk: Disk) -> str:
    """Put the host disk's model, serial, WWN and capacity into a recorded report (nothing else changes)."""

    def line(key: str, value: str) -> None:
        nonlocal text
        text = re.sub(rf"^({re.escape(key)}:\s+).*$", lambda m: m.group(1) + value, text, flags=re.M)

    line("Device Model", disk.model)
    line("Model Number", disk.model)
    line("Serial Number", disk.serial)
    if disk.wwn and disk.wwn.startswith("naa."):
        line("LU WWN Device Id", _ata_wwn(disk.wwn))
    line("User Capacity", f"{disk.size:,} bytes [{disk.size / 1e9:.0f} GB]")
    text = re.sub(r"^Model Family:.*\n", "", text, flags=re.M)  # the family of the original model
    return text


def failing_smart(text: str, rows: dict[str, str]) -> str:
    """A real `smartctl -a` report turned failing: overall health FAILED, and the attribute rows
    (ID + name -> the rest of the row, as smartctl prints it) replaced."""
    text = text.replace(
        "SMART overall-health self-assessment test result: PASSED\n",
        "SMART overall-health self-assessment test result: FAILED!\n"
        "Drive failure expected in less than 24 hours. SAVE ALL DATA.\n"
        "See vendor-specific Attribute list for failed Attributes.\n",
    )
    for head, rest in rows.items():
        text = re.sub(rf"^{re.escape(head)}\s+.*$", f"{head:<27} {rest}", text, flags=re.M)
    assert "FAILED!" in text and all(rest in text for rest in rows.values())
    return text


def _edit_failing(text: str) -> str:
    """A worn-out SSD: overall health FAILED, spare blocks below threshold now, many reallocations."""
    return failing_smart(
        text,
        {
            "  5 Reallocated_Sector_Ct": "0x0003   100   100   000    Pre-fail  Always       -       1460",
            "179 Used_Rsvd_Blk_Cnt_Tot": "0x0003   100   100   000    Pre-fail  Always       -       1460",
            "180 Unused_Rsvd_Blk_Cnt_Tot": "0x0033   003   003   005    Pre-fail  Always   FAILING_NOW 12",
        },
    )


EDITS = {"failing": _edit_failing}


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
    if sm.missing:
        write_command(d, argv, "", None, stderr=f"{argv[0]}: command not found", missing=True, duration=0)
        return
    if sm.timed_out:
        write_command(d, argv, "", None, timed_out=True, duration=30.0)
        return
    text = _source_text(sm.source)
    if sm.adapt:
        text = adapt_identity(text, disk)
    if sm.edit:
        text = EDITS[sm.edit](text)
    write_command(d, argv, text, sm.rc, duration=0.3)


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
        entries = ["dev", "device", "holders", "queue", "removable", "ro", "size", "slaves", *disk.partitions]
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
            "chunk_size": "524288" if a.level == "raid0" else "0",
        }
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


# Real smartctl -a reports used for the bundled hosts (see tests/hosts/README.md).
SSD_LITEON = "corpus:truenas-py-smart/sata_ssd_0_issue_49/_-d_ata_--all__dev_sda"
SSD_INTEL = "corpus:truenas-py-smart/megaraid_ph_sata_hdd_1_issue_56/_-d_sat+megaraid,60_--all__dev_bus_0"
HDD_ST2000 = "corpus:truenas-py-smart/sat_hdd_0_issue70/_-d_sat_--all__dev_sg2"
HDD_OOS12000 = "corpus:truenas-py-smart/sata_hdd_0_issue42/_-d_ata_--all__dev_sdau"
HDD_PENDING = "fixtures:ata-pending-st2000nm000a.txt"  # hand-edited: 8 pending, failed self-test
STANDBY = "fixtures:standby-sda.txt"
NVME_SAMSUNG = "corpus:truenas-py-smart/nvme_0/_-d_nvme_--all__dev_nvme0"


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
    sda.smart = Smart(SSD_LITEON)
    sdb.smart = Smart(SSD_LITEON, rc=24, edit="failing")  # the md1 member that failed: SMART says why
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
    sda.smart = Smart(SSD_INTEL)
    sdb.smart = Smart(HDD_PENDING, rc=128)  # the only in-sync copy of /data has pending sectors
    sdc.smart = Smart(HDD_ST2000)
    sdd.smart = Smart(STANDBY, rc=2, adapt=False)  # the spun-down backup disk: never woken
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
    for disk in (sda, sdb, sdc):
        disk.smart = Smart(HDD_OOS12000)
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
                smart=Smart(HDD_ST2000),
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
    sda.smart = Smart(SSD_LITEON)
    sdb.smart = Smart(SSD_LITEON)
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
        n.smart = Smart(NVME_SAMSUNG)
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
