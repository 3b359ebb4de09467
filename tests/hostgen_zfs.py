"""Write the bundled ZFS host (tests/hosts/zfs05-degraded-mirror) and its healthy twin for tests.

Every output is rendered by our own generators from values chosen here: `zpool status -P` by
tests/toolgen/zpool.py (OpenZFS 2.x layout), smartctl by tests/toolgen/smartctl.py, the rest by
tests/hostgen.py. The pool is two two-way mirrors over partitions of four SATA disks, named by the by-id
paths `zpool status -P` prints; in the degraded host one leaf is UNAVAIL with "corrupted data" (the label
is unreadable), in the healthy twin all are ONLINE after a scrub.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostgen import GIB, Disk, Smart, samsung_ssd, seagate_hdd, write_command, write_host
from toolgen.zpool import Pool, Vdev, render_status

HOSTS = Path(__file__).resolve().parent / "hosts"
NAME = "zfs05-degraded-mirror"
MODEL = "ST8000VN004-2M2101"
# kernel partition -> disk serial
DEVICES = {"sda1": "WSD0A1B2", "sdb1": "WSD0A1C3", "sdc1": "WSD0A1D4", "sdd1": "WSD0A1E5"}


def by_id(serial: str) -> str:
    return f"ata-{MODEL}_{serial}-part1"


def status_text(healthy: bool) -> str:
    leaf = {part: f"/dev/disk/by-id/{by_id(serial)}" for part, serial in DEVICES.items()}
    mirror1 = [Vdev(leaf["sdc1"]), Vdev(leaf["sdd1"])]
    if not healthy:
        mirror1[1] = Vdev(leaf["sdd1"], "UNAVAIL", note="corrupted data")
    pool = Pool(
        "tank",
        "ONLINE" if healthy else "DEGRADED",
        [
            Vdev("mirror-0", children=[Vdev(leaf["sda1"]), Vdev(leaf["sdb1"])]),
            Vdev("mirror-1", "ONLINE" if healthy else "DEGRADED", children=mirror1),
        ],
        condition=None if healthy else "label-missing",
        scan="scrub repaired 0B in 07:41:52 with 0 errors on Sun Nov  8 08:05:52 2026",
    )
    return render_status([pool])


def write_zfs_host(root: Path = HOSTS, *, healthy: bool = False, name: str = NAME) -> Path:
    """tank: mirror-0 (sda1 + sdb1) and mirror-1 (sdc1 + sdd1, sdd1 UNAVAIL "corrupted data" unless healthy);
    / on a single SATA SSD (sde2); datasets tank and tank/db mounted at /tank and /tank/db."""
    disks = []
    for i, (part, serial) in enumerate(DEVICES.items()):
        disk = Disk(
            part[:-1], 8000 * GIB, MODEL, serial, f"naa.5000c500d0e1f2{i:02x}", True, {part: 7999 * GIB}
        )
        disk.smart = Smart(seagate_hdd(disk, 18402 + i, 38 + i % 2, family="Seagate IronWolf"))
        disks.append(disk)
    sde = Disk(
        "sde",
        480 * GIB,
        "Samsung SSD 860 PRO 512GB",
        "S42YNX0M805501E",
        "naa.5002538e40a1c5e5",
        False,
        {"sde1": 1 * GIB, "sde2": 470 * GIB},
    )
    sde.smart = Smart(samsung_ssd(sde, 18410, 30))
    disks.append(sde)
    d = write_host(
        name,
        hostname="zfs05",
        disks=disks,
        arrays=[],
        mounts=[
            ("/dev/sde2", "/", "ext4", "8:66"),
            ("/dev/sde1", "/boot/efi", "vfat", "8:65"),
            ("tank", "/tank", "zfs", "0:51"),
            ("tank/db", "/tank/db", "zfs", "0:52"),
        ],
        root=root,
    )
    # udev's by-id links: what `zpool status -P` names the leaves by, resolved to kernel names
    index = json.loads((d / "fs.json").read_text())
    entries = []
    for part, serial in DEVICES.items():
        entries.append(by_id(serial))
        index["links"][f"/dev/disk/by-id/{by_id(serial)}"] = f"../../{part}"
    index["dirs"]["/dev/disk/by-id"] = sorted(entries)
    (d / "fs.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    text = status_text(healthy)
    write_command(d, ["zpool", "status", "-P"], text, 0, duration=0.02)
    return d


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HOSTS
    print(write_zfs_host(out))
