"""Write the bundled host nvm07-one-ssd-two-namespaces: NVMe namespaces are slices of one drive, not disks.

`/` sits on md0, a raid1 over nvme0n1p2 + nvme0n2p2: two namespaces of ONE Samsung PM9A3 (one controller,
nvme0: one serial, one model, one subsystem NQN; each namespace with its own EUI-64 in `wwid`). The installer
took the two namespaces for two disks; one SSD failure loses `/`. `/srv` sits on md1, a raid1 over two
separate drives (nvme1n1p1 + nvme2n1p1): it survives one loss.

Every file is written by tests/hostgen.py's `write_host` (the NVMe controller attributes through its Disk
`sysfs` files); smartctl runs once per drive (`smartctl -a -d nvme` on the drive's first namespace, as the
smart collector does: the health log is the controller's), rendered by tests/toolgen/smartctl.py from
values chosen here. Nothing is taken from a third-party recorded output.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostgen import GIB, Disk, MdArray, Member, Smart, _uuid, nvme, smart_target, write_host
from toolgen import smartctl as sc

from raidwatch.collectors.smart import smartctl_argv
from raidwatch.probe import command_slug

HOSTS = Path(__file__).resolve().parent / "hosts"
NAME = "nvm07-one-ssd-two-namespaces"
HOSTNAME = "nvm07"
PM9A3 = "SAMSUNG MZQL21T9HCJR-00A07"  # PM9A3 U.2 1.92 TB: up to 32 namespaces
PM9A3_BYTES = 1_920_383_410_176
NAMESPACE_BYTES = 894 * GIB  # two equal namespaces of drive 0
MAX_NAMESPACES = 32


def _link(pci: str, controller: str, block: str) -> str:
    return f"../devices/pci0000:00/0000:00:{pci}/nvme/{controller}/{block}"


def _nqn(serial: str) -> str:
    """What the kernel shows in `subsysnqn` for a drive that reports no NQN of its own: the NVMe-spec form
    built from PCI vendor ids, serial and model (drivers/nvme/host/core.c nvme_init_subnqn)."""
    return f"nqn.2014.08.org.nvmexpress:144d144d{serial:<20}{PM9A3:<40}"


def _controller_files(serial: str) -> dict[str, str]:
    # the controller's attributes, reached through each namespace's `device` link (recorded as files)
    return {"device/subsysnqn": _nqn(serial), "device/firmware_rev": "GDC5302Q", "device/state": "live"}


def _drive(disk: Disk, hours: int, temp: int, capacity: int) -> sc.NvmeDrive:
    drive = nvme(
        disk,
        firmware="GDC5302Q",
        nvme_version="1.4",
        controller_id=0x41,
        temperature=temp,
        sensors=(temp, temp + 6, temp + 11),
        percentage_used=1,
        data_units_read=18_220_114,
        data_units_written=25_106_870,
        host_reads=301_556_002,
        host_writes=520_440_318,
        busy_minutes=1_206,
        power_cycles=14,
        power_on_hours=hours,
        unsafe_shutdowns=3,
        self_tests=[sc.NvmeSelfTest(1, 0, hours - 40)],
    )
    drive.capacity = capacity
    return drive


def _namespaces_report(text: str, namespace_bytes: int) -> str:
    """smartctl on a namespace of a multi-namespace drive: the controller supports 32 namespaces, and
    "Namespace 1 Size/Capacity" is that namespace's, not the drive's (our renderer prints one namespace
    that fills the drive; these two lines are adjusted, and each adjustment must apply exactly once)."""
    total = f"{sc.thousands(PM9A3_BYTES)} [{sc.format_capacity(PM9A3_BYTES)}]"
    one = f"{sc.thousands(namespace_bytes)} [{sc.format_capacity(namespace_bytes)}]"
    nn_old, nn_new = (sc._kv("Number of Namespaces", str(n), 36) for n in (1, MAX_NAMESPACES))
    ns_old, ns_new = (sc._kv("Namespace 1 Size/Capacity", v, 36) for v in (total, one))
    for old in (nn_old, ns_old):
        assert text.count(old) == 1, f"the renderer's NVMe layout changed: {old!r}"
    return text.replace(nn_old, nn_new).replace(ns_old, ns_new)


def write_nvme_host(root: Path = HOSTS, name: str = NAME) -> Path:
    # drive 0: one PM9A3 (controller nvme0) carved into two namespaces, each partitioned alike
    serial0 = "S64GNA0T500701"
    ns1 = Disk(
        "nvme0n1",
        NAMESPACE_BYTES,
        PM9A3,
        serial0,
        "eui.002538b711a0c701",
        False,
        {"nvme0n1p1": 1 * GIB, "nvme0n1p2": 892 * GIB},
        link=_link("1d.0", "nvme0", "nvme0n1"),
        sysfs=_controller_files(serial0),
    )
    ns2 = Disk(
        "nvme0n2",
        NAMESPACE_BYTES,
        PM9A3,
        serial0,
        "eui.002538b711a0c702",
        False,
        {"nvme0n2p1": 1 * GIB, "nvme0n2p2": 892 * GIB},
        link=_link("1d.0", "nvme0", "nvme0n2"),
        sysfs=_controller_files(serial0),
    )
    # one smartctl for the drive, through its first namespace; nvme0n2 gets that reading (no run of its own)
    ns1.smart = Smart(_drive(ns1, 9_120, 36, PM9A3_BYTES))
    # drives 1 and 2: one namespace each, filling the drive
    data = []
    for i, serial in ((1, "S64GNA0T500702"), (2, "S64GNA0T500703")):
        d = Disk(
            f"nvme{i}n1",
            PM9A3_BYTES,
            PM9A3,
            serial,
            f"eui.002538b711a0c{0x700 + 16 * i:03x}",
            False,
            {f"nvme{i}n1p1": 1787 * GIB},
            link=_link(f"1d.{i}", f"nvme{i}", f"nvme{i}n1"),
            sysfs=_controller_files(serial),
        )
        d.smart = Smart(_drive(d, 9_118 + i, 35 + i, PM9A3_BYTES))
        data.append(d)
    made = write_host(
        name,
        hostname=HOSTNAME,
        disks=[ns1, ns2, *data],
        arrays=[
            MdArray(
                "md0",
                "raid1",
                2,
                [Member("nvme0n1p2", 0, 0), Member("nvme0n2p2", 1, 1)],
                935_198_720,
                _uuid(0x707),
                events=2210,
            ),
            MdArray(
                "md1",
                "raid1",
                2,
                [Member("nvme1n1p1", 0, 0), Member("nvme2n1p1", 1, 1)],
                1_873_280_000,
                _uuid(0x708),
                events=5012,
            ),
        ],
        mounts=[
            ("/dev/md0", "/", "ext4", "9:0"),
            ("/dev/md1", "/srv", "xfs", "9:1"),
            ("/dev/nvme0n1p1", "/boot/efi", "vfat", "8:1"),
        ],
        root=root,
    )
    # the drive-0 report names its namespace's size, not the drive's
    stdout = made / "commands" / command_slug(smartctl_argv(smart_target(ns1))) / "stdout"
    stdout.write_text(_namespaces_report(stdout.read_text(), NAMESPACE_BYTES))
    return made


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HOSTS
    print(write_nvme_host(out))
