"""Write the bundled ZFS host (tests/hosts/zfs05-degraded-mirror) and its healthy twin for tests.

The recorded `zpool status -P` output is REAL text from ../shared/corpus/zpool (danjl1100/zpool-status-
exporter tests/input): input-01-corrupted (degraded) and input-03-resilvered (healthy), the same pool
layout (two two-way mirrors) in two states. Only names change: the pool `dummy` becomes `tank` and the
loop devices become the by-id paths `zpool status -P` prints for partitions of SATA disks; the columns are
re-aligned exactly as zpool aligns them (tests/hosts/README-zfs.md says so). Everything else — the status,
action, see and scan lines, the states, counters and the "corrupted data" note — is as recorded.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostgen import GIB, HDD_OOS12000, SSD_LITEON, Disk, Smart, write_command, write_host

HOSTS = Path(__file__).resolve().parent / "hosts"
CORPUS = (
    Path(__file__).resolve().parents[2] / "shared" / "corpus" / "zpool" / "danjl1100-zpool-status-exporter"
)
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "zpool"
DEGRADED_SOURCE = "input-01-corrupted.txt"
HEALTHY_SOURCE = "input-03-resilvered.txt"
NAME = "zfs05-degraded-mirror"
MODEL = "ST8000VN004-2M2101"
# loop device in the recorded text -> (kernel partition, disk serial)
DEVICES = {
    "loop0": ("sda1", "WSD0A1B2"),
    "loop1": ("sdb1", "WSD0A1C3"),
    "loop2": ("sdc1", "WSD0A1D4"),
    "loop3": ("sdd1", "WSD0A1E5"),
}


def by_id(serial: str) -> str:
    return f"ata-{MODEL}_{serial}-part1"


def source_text(name: str) -> str:
    """The recorded text: the corpus file, else the copy in tests/fixtures/zpool."""
    for d in (CORPUS, FIXTURES):
        if (d / name).is_file():
            return (d / name).read_text()
    raise SystemExit(f"hostgen_zfs: {name}: not in {CORPUS} nor {FIXTURES}")


def rename_config(text: str, renames: dict[str, str]) -> str:
    """Rename rows of the config tree and re-align it the way zpool does (print_status_config:
    "\\t%*s%-*s  %-8s %5s %5s %5s" with the name column as wide as the widest indented name, min 10)."""
    lines = text.splitlines()
    start = next(i for i, x in enumerate(lines) if x.strip().startswith("NAME") and "STATE" in x)
    end = start + 1
    while end < len(lines) and lines[end].startswith("\t") and lines[end].strip():
        end += 1
    rows = []
    for line in lines[start + 1 : end]:
        body = line[1:]
        depth = len(body) - len(body.lstrip(" "))
        tokens = body.split()
        note = re.split(r"\s{2,}", body.strip(), maxsplit=5)
        rest = note[-1] if len(tokens) > 5 else None
        rows.append((depth, renames.get(tokens[0], tokens[0]), tokens[1], tokens[2:5], rest))
    width = max([10] + [depth + len(name) for depth, name, *_ in rows])
    out = [f"\t{'NAME':<{width}}  {'STATE':<8} {'READ':>5} {'WRITE':>5} {'CKSUM':>5}"]
    for depth, name, state, counters, rest in rows:
        row = f"\t{'':{depth}}{name:<{width - depth}}  {state:<8}" + "".join(f" {c:>5}" for c in counters)
        out.append(row + (f"  {rest}" if rest else ""))
    return "\n".join(lines[:start] + out + lines[end:]) + "\n"


def status_text(source: str) -> str:
    text = source_text(source)
    text = text.replace("  pool: dummy\n", "  pool: tank\n")
    renames = {"dummy": "tank"} | {
        loop: f"/dev/disk/by-id/{by_id(serial)}" for loop, (_, serial) in DEVICES.items()
    }
    return rename_config(text, renames)


def write_zfs_host(root: Path = HOSTS, *, healthy: bool = False, name: str = NAME) -> Path:
    """tank: mirror-0 (sda1 + sdb1) and mirror-1 (sdc1 + sdd1, sdd1 UNAVAIL "corrupted data" unless healthy);
    / on a single SATA SSD (sde2); datasets tank and tank/db mounted at /tank and /tank/db."""
    disks = []
    for i, (_loop, (part, serial)) in enumerate(DEVICES.items()):
        disks.append(
            Disk(
                part[:-1],
                8000 * GIB,
                MODEL,
                serial,
                f"naa.5000c500d0e1f2{i:02x}",
                True,
                {part: 7999 * GIB},
                smart=Smart(HDD_OOS12000),
            )
        )
    disks.append(
        Disk(
            "sde",
            480 * GIB,
            "Samsung SSD 860 PRO 512GB",
            "S42YNX0M805501E",
            "naa.5002538e40a1c5e5",
            False,
            {"sde1": 1 * GIB, "sde2": 470 * GIB},
            smart=Smart(SSD_LITEON),
        )
    )
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
    for _loop, (part, serial) in DEVICES.items():
        entries.append(by_id(serial))
        index["links"][f"/dev/disk/by-id/{by_id(serial)}"] = f"../../{part}"
    index["dirs"]["/dev/disk/by-id"] = sorted(entries)
    (d / "fs.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    text = status_text(HEALTHY_SOURCE if healthy else DEGRADED_SOURCE)
    write_command(d, ["zpool", "status", "-P"], text, 0, duration=0.02)
    return d


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HOSTS
    print(write_zfs_host(out))
