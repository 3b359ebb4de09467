"""Write the bundled raid10 host (tests/hosts/r10-near2-two-lost) for the demo and the tests.

Every output is rendered by our own generators from values chosen here (tests/hostgen.py for /proc/mdstat,
/sys/block and `mdadm --detail`, tests/toolgen/smartctl.py for smartctl). `/srv` is on md0, an md raid10
with the near=2 layout over six disks: roles 0+1, 2+3 and 4+5 each hold both copies of their chunks. Two
members are lost from different mirror sets and nothing rebuilds: sdb1 (role 1) is marked faulty and its
disk's SMART says FAILED, and sdd (role 3) is gone from the machine altogether. md0 runs `[6/4] [U_U_UU]`,
and one more loss of sda or sdc loses it; sdc, the last in-sync copy of roles 2+3, has pending sectors.
`/` is on md1, a healthy raid1 over two SSDs.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostgen import GIB, Disk, MdArray, Member, Smart, _uuid, samsung_ssd, seagate_hdd, write_host
from toolgen import smartctl as sc

HOSTS = Path(__file__).resolve().parent / "hosts"
NAME = "r10-near2-two-lost"
MODEL = "ST8000NM000A-2KE101"
FAMILY = "Seagate Exos 7E8"
# kernel name -> serial of the six raid10 disks (sdd is the one that is gone)
SERIALS = {
    "sda": "WKD0A1B2",
    "sdb": "WKD0A1C3",
    "sdc": "WKD0A1D4",
    "sdd": "WKD0A1E5",
    "sde": "WKD0A1F6",
    "sdf": "WKD0A1G7",
}
PART_GIB = 7999


def hdd(name: str, i: int) -> Disk:
    return Disk(
        name,
        8000 * GIB,
        MODEL,
        SERIALS[name],
        f"naa.5000c500e1a2b3{i:02x}",
        True,
        {f"{name}1": PART_GIB * GIB},
    )


def write_r10_host(root: Path = HOSTS, name: str = NAME) -> Path:
    """md0 raid10 near=2 over sda1..sdf1 with role 1 (sdb1) faulty and role 3 (sdd1) removed, no rebuild;
    sdc has 4 pending sectors; md1 raid1 over sdg1 + sdh1 for /."""
    disks = []
    for i, disk_name in enumerate(SERIALS):
        if disk_name == "sdd":
            continue  # died and dropped off the bus: no /sys/block entry, no smartctl run
        disk = hdd(disk_name, i)
        drive = seagate_hdd(disk, 26_310 + i, 34 + i % 3, family=FAMILY)
        if disk_name == "sdb":
            # the faulty member's disk: reallocated sectors past the threshold now, overall health FAILED
            drive.attributes = sc.fail_attr(drive.attributes, 5, 8, 3_912)
            drive.health_passed = False
        elif disk_name == "sdc":
            # the last in-sync copy of roles 2+3: 4 pending sectors (a fleet.yaml warning, not yet critical)
            drive.attributes = sc.set_raw(drive.attributes, {197: 4})
        disk.smart = Smart(drive)
        disks.append(disk)
    ssds = []
    for letter, serial, wwn in (("g", "S42YNX0M810701G", "c701"), ("h", "S42YNX0M810702H", "c702")):
        ssd = Disk(
            f"sd{letter}",
            480 * GIB,
            "Samsung SSD 860 PRO 512GB",
            serial,
            f"naa.5002538e40a1{wwn}",
            False,
            {f"sd{letter}1": 64 * GIB},
        )
        ssd.smart = Smart(samsung_ssd(ssd, 15_020 + len(ssds), 30))
        ssds.append(ssd)
    members = [
        Member("sda1", 0, 0),
        Member("sdb1", 1, None, "faulty", "(F)"),
        Member("sdc1", 2, 2),
        Member("sde1", 4, 4),
        Member("sdf1", 5, 5),
    ]
    return write_host(
        name,
        hostname="r10",
        disks=[*disks, *ssds],
        arrays=[
            MdArray(
                "md0",
                "raid10",
                6,
                members,
                3 * PART_GIB * 1024 * 1024,
                _uuid(0x510),
                mdadm_state="clean, degraded",
                events=58_211,
                layout="near=2",
            ),
            MdArray(
                "md1",
                "raid1",
                2,
                [Member("sdg1", 0, 0), Member("sdh1", 1, 1)],
                64 * 1024 * 1024 - 64,
                _uuid(0x511),
                events=1_907,
            ),
        ],
        mounts=[("/dev/md1", "/", "ext4", "9:1"), ("/dev/md0", "/srv", "xfs", "9:0")],
        root=root,
    )


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HOSTS
    print(write_r10_host(out))
