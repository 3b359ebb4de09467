"""Write the bundled hardware RAID hosts (tests/hosts/hw07-smartarray, tests/hosts/hw08-megaraid).

Each host is a model described here: the controllers, their logical drives and physical drives, the
kernel disks and mounts, and every drive's SMART. Every tool output is RENDERED by our own generators
from that model: `ssacli ctrl all show config detail` by tests/toolgen/ssacli.py, storcli's JSON by
tests/toolgen/storcli.py, each `smartctl` run by tests/toolgen/smartctl.py; the kernel's view
(/sys/block, mountinfo) by tests/hostgen.py's write_host. Every argv is the one the collectors run
(raidwatch.collectors.hwraid.TOOLS, megaraid_smartctl_argv; raidwatch.collectors.smart.smartctl_argv).
Serials, WWNs and WWIDs are made up. tests/hosts/README-hw.md says what each host shows.

    python tests/hostgen_hw.py [ROOT]    # rewrites ROOT/hw07-smartarray and ROOT/hw08-megaraid only
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostgen import GIB, Disk, ata, smart_target, write_command, write_host
from toolgen import smartctl as sc
from toolgen import ssacli, storcli

from raidwatch.collectors.hwraid import TOOLS, megaraid_smartctl_argv
from raidwatch.collectors.smart import smartctl_argv

HOSTS = Path(__file__).resolve().parent / "hosts"
MIB = 1024**2

SSACLI_ARGV = ["ssacli", *next(cmds for tool, _b, cmds in TOOLS if tool == "ssacli")[0]]
STORCLI_COMMANDS = next(cmds for tool, _b, cmds in TOOLS if tool == "storcli")


def write_scsi_smart(d: Path, disk: Disk, drive: sc.Drive, platform: str = sc.PLATFORM) -> None:
    """One `smartctl -a` run on a kernel disk, under the argv the smart collector runs for it."""
    argv = smartctl_argv(smart_target(disk))
    write_command(d, argv, sc.render_text(drive, platform=platform), sc.exit_status(drive), duration=0.3)


# ----------------------------------------------------------------------------------------------------------
# hw07: an HP server, two Smart Arrays (hpsa), one RAID 1+0 logical drive running on three of its four drives

HW07_KERNEL = "6.1.0-27-amd64"
HP_SAS_300 = 300_069_052_416  # a 300 GB SAS drive: 586,072,368 sectors
HP_SATA_2T = 2_000_398_934_016  # a 2 TB SATA drive: 3,907,029,168 sectors
HOST_SERIAL = "CZJ31807KQ"  # the server's


def _sas(
    bay: int, port: str, serial: str, wwid: str, temp: int | None, status: str = "OK"
) -> ssacli.PhysicalDrive:
    return ssacli.PhysicalDrive(
        port,
        1,
        bay,
        "EG0300FBDSP",
        serial,
        wwid,
        "HPDE",
        HP_SAS_300,
        rpm=10000,
        status=status,
        temperature=temp,
        max_temperature=None if temp is None else temp + 7,
    )


def _sata(bay: int) -> ssacli.PhysicalDrive:
    return ssacli.PhysicalDrive(
        "2E",
        1,
        bay,
        "MB2000GCWDA",
        f"Z1X4{bay:02d}QK",
        f"5000C5007B3E91{0xA0 + bay:02X}",
        "HPGH",
        HP_SATA_2T,
        vendor="ATA",
        interface="SATA",
        rpm=7200,
        temperature=(26, 27, 28, 29, 32)[bay % 5],
        max_temperature=(45, 46, 47, 48, 49)[bay % 5],
        phy_rate="3.0Gbps",
    )


def hw07_controllers() -> list[ssacli.Controller]:
    """The P410i (slot 0, embedded: sda and sdb) and the P212 (slot 3: sdc, on an MSA 60 shelf)."""
    bay = {  # P410i's six SAS drives: 1I:1:1..4 hold LD 2, 2I:1:5..6 hold LD 1
        1: _sas(1, "1I", "6XM2K4C10000C3140A1F", "5000C5006D1F2A11", 39),
        2: _sas(2, "1I", "6XM2K4D70000C3140A22", "5000C5006D1F2A12", 40),
        3: _sas(3, "1I", "6XM2JZQ50000C3128B0E", "5000C5006D1F2A13", None, "Failed"),  # dead: no temperature
        4: _sas(4, "1I", "6XM2K50B0000C3140A39", "5000C5006D1F2A14", 41),
        5: _sas(5, "2I", "6XM2L0RW0000C3152D07", "5000C5006D1F2A15", 39),
        6: _sas(6, "2I", "6XM2L0T30000C3152D11", "5000C5006D1F2A16", 40),
    }
    p410i_serial, p212_serial = "PACCR0N9V3K2D7", "PAAVP0M8Q1C2NB"
    ld1 = ssacli.LogicalDrive(
        1,
        "1",
        [bay[5], bay[6]],
        "600508B1001C5D9A3E27F4C18B06E2D4",
        f"7E21C0D4{p410i_serial}A3F1",
        disk_name="/dev/sda",
        boot="Primary",
        strip_kb=128,
    )
    ld2 = ssacli.LogicalDrive(
        2,
        "1+0",
        [bay[1], bay[2], bay[3], bay[4]],
        "600508B1001C2F8E61B4D07A93C5E11B",
        f"3B90E6A2{p410i_serial}5C7D",
        status="Interim Recovery Mode",
        disk_name="/dev/sdb",
        strip_kb=128,
    )
    shelf = [_sata(b) for b in range(1, 13)]
    ld3 = ssacli.LogicalDrive(
        1,
        "5",
        shelf[:6],
        "600508B1001CA4E7C2905B3D18F6A72C",
        f"D5C31F08{p212_serial}9E24",
        disk_name="/dev/sdc",
        strip_kb=128,
    )
    for ld, mount in ((ld1, "/"), (ld2, "/srv"), (ld3, "/data")):
        ld.mount_points = [(mount, ld.size - GIB)]
    p410i = ssacli.Controller(
        "Smart Array P410i",
        "0",
        p410i_serial,
        "PBKUC0ARH4X1Q5",
        HOST_SERIAL,
        "6.64-0",
        "0000:05:00.0",
        embedded=True,
        cache_gb=0.5,
        battery="OK",  # the flash-backed cache's capacitor pack
        ports=[ssacli.Port("1I", "500143801A6C3E50"), ssacli.Port("2I", "500143801A6C3E54")],
        enclosures=[
            ssacli.Enclosure(
                "Internal Drive Cage", "1I", 1, 4, properties=[("Power Supply Status", "Not Redundant")]
            ),
            ssacli.Enclosure(
                "Internal Drive Cage", "2I", 1, 4, properties=[("Power Supply Status", "Not Redundant")]
            ),
        ],
        arrays=[ssacli.Array("A", [ld1]), ssacli.Array("B", [ld2])],
    )
    p212 = ssacli.Controller(
        "Smart Array P212",
        "3",
        p212_serial,
        "PBCDH0CRH1V4Z7",
        HOST_SERIAL,
        "6.64-0",
        "0000:0e:00.0",
        cache_gb=0.5,
        cache_ratio="50% Read / 50% Write",
        battery="OK",  # the battery-backed write cache's battery
        backup_source="Batteries",
        ports=[ssacli.Port("1I", "500143802B7D4F60"), ssacli.Port("2E", "500143802B7D4F64")],
        enclosures=[
            ssacli.Enclosure(
                "StorageWorks MSA 60",
                "2E",
                1,
                12,
                external=True,
                properties=[
                    ("Fan Status", "OK"),
                    ("Temperature Status", "OK"),
                    ("Power Supply Status", "Redundant"),
                ],
                firmware="2.18",
                serial="2UX81100KD",
                sep=(244, "HP", "MSA60"),
            )
        ],
        arrays=[ssacli.Array("A", [ld3])],
        unassigned=shelf[6:],
    )
    return [p410i, p212]


def _lds(c: ssacli.Controller) -> list[ssacli.LogicalDrive]:
    return [ld for a in c.arrays for ld in a.logical_drives]


def write_hw07(root: Path = HOSTS) -> Path:
    ctrls = hw07_controllers()
    # (controller, its index = the SCSI host, the LD's index on it = its LUN, the LD), in kernel-name order
    lds = [(c, host, lun, ld) for host, c in enumerate(ctrls) for lun, ld in enumerate(_lds(c))]
    disks, drives, mounts = [], [], []
    for c, host, lun, ld in sorted(lds, key=lambda x: x[3].disk_name or ""):
        name = (ld.disk_name or "").removeprefix("/dev/")
        uid = ld.unique_id.lower()
        disk = Disk(
            name,
            ld.size,
            "LOGICAL VOLUME",
            f"PACCR{uid[-10:].upper()}",
            f"naa.{uid}",
            True,
            {f"{name}1": ld.size - GIB},
            link=f"../devices/pci0000:00/0000:00:01.0/{c.pci_address}/host{host}/target{host}:1:0/"
            f"{host}:1:0:{lun}/block/{name}",
            vendor="HP",
        )
        disks.append(disk)
        # an hpsa logical volume: a SCSI disk without SMART (the drives behind it are the controller's)
        rev = c.firmware.split("-")[0]
        drives.append(
            sc.ScsiDrive("HP", "LOGICAL VOLUME", rev, ld.size, disk.serial, f"0x{uid}", smart=False)
        )
        mount, _size = ld.mount_points[0]
        fstype = "ext4" if mount == "/" else "xfs"
        mounts.append((f"/dev/{name}1", mount, fstype, f"8:{16 * (len(disks) - 1) + 1}"))
    d = write_host(
        "hw07-smartarray",
        hostname="hw07",
        disks=disks,
        arrays=[],
        mounts=mounts,
        kernel=HW07_KERNEL,
        root=root,
    )
    for disk, drive in zip(disks, drives, strict=True):
        write_scsi_smart(d, disk, drive, f"x86_64-linux-{HW07_KERNEL}")
    write_command(d, SSACLI_ARGV, ssacli.render_config_detail(ctrls), 0, duration=2.1)
    return d


# ----------------------------------------------------------------------------------------------------------
# hw08: a Proxmox host, one MegaRAID with a RAID 6 of six 16 TB drives; / on a plain SATA SSD

HW08_KERNEL = "6.8.12-4-pve"
HW08_PLATFORM = f"x86_64-linux-{HW08_KERNEL}"
EXOS_X16 = "ST16000NM001G-2KK103"
EXOS_BYTES = 16_000_900_661_248  # 31,251,759,104 sectors of 512 bytes
VD_NAA = "600605b0071c3e402f1d6a8c3b5e7091"  # the VD's SCSI NAA id = sdb's wwid
POWER_ON_HOURS, DRIVE_TEMP = 47396, 33
WARN_DRIVE = (252, 5)  # its SMART shows the first failure predictors; the controller still says Onln
WARN_REALLOCATED, WARN_PENDING = 24, 3
# (slot, DID, serial, WWN, firmware) of the six drives in enclosure 252 (the controller's backplane)
HW08_DRIVES = (
    (0, 8, "ZL2A7K1F", "5000C500D41A7E20", "SN04"),
    (1, 9, "ZL2A7M3Q", "5000C500D41A8B35", "SN04"),
    (2, 10, "ZL2A81C4", "5000C500D41B0C4A", "SN04"),
    (3, 11, "ZL2A83RV", "5000C500D41B2D5F", "SN04"),
    (4, 12, "ZL2A9B0T", "5000C500D41C3E64", "SN03"),
    (5, 13, "ZL2A9D6W", "5000C500D41C4F79", "SN03"),
)


def hw08_controller() -> storcli.Controller:
    drives = [
        storcli.PhysicalDrive(
            252,
            slot,
            did,
            EXOS_X16,
            serial,
            wwn,
            firmware,
            EXOS_BYTES,
            physical_sector=4096,
            temperature=DRIVE_TEMP,
            sas_address=f"0x44332211{slot:02x}000000",
        )
        for slot, did, serial, wwn, firmware in HW08_DRIVES
    ]
    vd = storcli.VirtualDrive(
        0, 0, "RAID6", [(252, slot) for slot, *_ in HW08_DRIVES], VD_NAA, name="archive"
    )
    return storcli.Controller(
        0,
        "LSI MegaRAID SAS 9260-8i",
        "SV93418275",
        "500605b0071c3e40",
        drives=drives,
        vds=[vd],
        battery=storcli.Battery("iBBU07", "Optimal"),
    )


def exos(slot: int, serial: str, wwn: str, firmware: str) -> sc.AtaDrive:
    """smartctl -d megaraid,DID: the drive as storcli's /call/eall/sall names it; smartctl judges from the
    attributes (the MegaRAID firmware returns no ATA status)."""
    disk = Disk(f"sdb:252:{slot}", EXOS_BYTES, EXOS_X16, serial, f"naa.{wwn.lower()}")
    attrs = sc.seagate_hdd_attributes(POWER_ON_HOURS, DRIVE_TEMP)
    if (252, slot) == WARN_DRIVE:
        attrs = sc.set_raw(attrs, {5: WARN_REALLOCATED, 197: WARN_PENDING})
    return ata(
        disk,
        attrs,
        family="Seagate Exos X16",
        firmware=firmware,
        logical_sector=512,
        physical_sector=4096,
        offline_seconds=567,
        polling=(1, 1375, 2),
        self_tests=[sc.SelfTest(1, 0, POWER_ON_HOURS - 26), sc.SelfTest(2, 0, POWER_ON_HOURS - 698)],
        status_from_attributes=True,
    )


def write_hw08(root: Path = HOSTS) -> Path:
    """/ on a plain SATA SSD (sda, the onboard AHCI port); /data on the MegaRAID RAID 6 VD (sdb), tied to
    the kernel disk by the VD's SCSI NAA id (storcli /call/vall) matching sdb's wwid."""
    ctrl = hw08_controller()
    (vd,) = ctrl.vds
    vd_bytes = storcli.vd_size(ctrl, vd)
    ssd_bytes = 240_057_409_536
    sda = Disk(
        "sda",
        ssd_bytes,
        "INTEL SSDSC2KB240G8",
        "PHYF9342017K240AGN",
        "naa.55cd2e415e3b7a91",
        False,
        {"sda1": 512 * MIB, "sda2": ssd_bytes - 514 * MIB},
    )
    sdb = Disk(
        "sdb",
        vd_bytes,
        "MR9260-8i",
        bytes.fromhex(VD_NAA)[::-1].hex(),  # megaraid_sas: the VD's serial is its NAA id, byte-reversed
        f"naa.{VD_NAA}",
        True,
        {"sdb1": vd_bytes - GIB},
        link="../devices/pci0000:00/0000:00:02.0/0000:03:00.0/host0/target0:2:0/0:2:0:0/block/sdb",
        vendor="LSI",
    )
    d = write_host(
        "hw08-megaraid",
        hostname="hw08",
        disks=[sda, sdb],
        arrays=[],
        mounts=[
            ("/dev/sda2", "/", "ext4", "8:2"),
            ("/dev/sda1", "/boot/efi", "vfat", "8:1"),
            ("/dev/sdb1", "/data", "xfs", "8:17"),
        ],
        kernel=HW08_KERNEL,
        root=root,
    )
    ssd = ata(
        sda,
        sc.intel_ssd_attributes(29671, 29),
        family="Intel S4510/S4610/S4500/S4600 Series SSDs",
        firmware="XCV10140",
        trim=True,
        selective=False,
        polling=(1, 2, None),
        self_tests=[sc.SelfTest(1, 0, 29650)],
    )
    write_scsi_smart(d, sda, ssd, HW08_PLATFORM)
    rev = ".".join(ctrl.firmware_version.split(".")[:2])[:4]  # "2.13": the VD's INQUIRY revision
    volume = sc.ScsiDrive("LSI", "MR9260-8i", rev, vd_bytes, sdb.serial, f"0x{VD_NAA}", smart=False)
    write_scsi_smart(d, sdb, volume, HW08_PLATFORM)
    os_name = f"Linux {HW08_KERNEL}"
    for args in STORCLI_COMMANDS:
        write_command(d, ["storcli64", *args], storcli.render(args, [ctrl], os_name), 0, duration=1.4)
    for slot, did, serial, wwn, firmware in HW08_DRIVES:
        drive = exos(slot, serial, wwn, firmware)
        text = sc.render_text(drive, platform=HW08_PLATFORM)
        write_command(d, megaraid_smartctl_argv(did, "sdb"), text, sc.exit_status(drive), duration=0.9)
    return d


def hw_hosts(root: Path = HOSTS) -> list[Path]:
    return [write_hw07(root), write_hw08(root)]


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HOSTS
    for p in hw_hosts(out):
        print(p)
