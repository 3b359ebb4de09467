"""Write the bundled hardware RAID hosts (tests/hosts/hw07-smartarray, tests/hosts/hw08-megaraid).

The RAID tool outputs are REAL text from ../shared/corpus/hwraid/netdata (netdata's test data):
hw07 records `ssacli ctrl all show config detail` from hpssa/ssacli-P212_P410i.txt, edited (and only so:
tests/hosts/README-hw.md lists every edit) so that one drive of the RAID 1+0 logical drive failed and the
logical drive is in Interim Recovery Mode; hw08 records storcli's JSON from storcli/megaraid-controllers-
info.json and storcli/megaraid-drives-info.json as they are. The kernel disks come from tests/hostgen.py's
helpers; the smartctl run on each RAID volume is the REAL smartctl text of a RAID controller's volume
(smartctl-text/truenas-py-smart/megaraid_vd_0) with its identity lines set to the volume. hw08 also
records `smartctl -a -n standby -d megaraid,N /dev/sdb` for each of its six drives: the REAL report of a
SATA hard disk read through a MegaRAID (smartctl-text/truenas-py-smart/megaraid_ph_sata_hdd_0) with its
identity lines set to the drive's as storcli gives them, and one drive (252:5) hand-edited to show
reallocated and pending sectors (README-hw.md lists the edits).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostgen import GIB, SSD_INTEL, Disk, Smart, write_command, write_host

from raidwatch.collectors.hwraid import TOOLS, megaraid_smartctl_argv

HOSTS = Path(__file__).resolve().parent / "hosts"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
HWRAID = CORPUS / "hwraid" / "netdata"
SSACLI_SOURCE = HWRAID / "hpssa" / "ssacli-P212_P410i.txt"
STORCLI_CONTROLLERS = HWRAID / "storcli" / "megaraid-controllers-info.json"
STORCLI_DRIVES = HWRAID / "storcli" / "megaraid-drives-info.json"
# hand-made (the corpus has no /vall output): the VD's properties with its SCSI NAA id
STORCLI_VALL = Path(__file__).resolve().parent / "fixtures" / "hwraid" / "storcli" / "handmade-vall-hw08.json"
# smartctl -a on a RAID controller's volume (a MegaRAID VD): "SMART support is: Unavailable - device
# lacks SMART capability." The hpsa driver's LOGICAL VOLUMEs answer the same SCSI way.
VD_SMART = CORPUS / "smartctl-text" / "truenas-py-smart" / "megaraid_vd_0" / "_-d_scsi_--all__dev_sda"
VD_SMART_RC = 4  # smartctl's bit 2: a SMART command failed (the device has none)
# smartctl -a -d megaraid,16 on a SATA HDD behind a MegaRAID (smartctl 7.1, an HGST Ultrastar 7K4000):
# "SMART Status not supported: ATA return descriptor not supported by controller firmware", then the
# verdict from the attribute check, as smartctl reads SATA drives through MegaRAID firmware
PD_SMART = CORPUS / "smartctl-text" / "truenas-py-smart" / "megaraid_ph_sata_hdd_0"
PD_SMART = PD_SMART / "_-d_megaraid,16_--all__dev_bus_0"
# the drive whose SMART is hand-edited to show the first failure predictors: 252:5, DID 31
WARN_DRIVE = "252:5"
WARN_REALLOCATED, WARN_PENDING = 24, 3
FAILED_DRIVE = "1I:1:3"  # in LD 2 (/dev/sdb, RAID 1+0), Mirror Group 2

SSACLI_ARGV = ["ssacli", *next(cmds for tool, _b, cmds in TOOLS if tool == "ssacli")[0]]
STORCLI_ARGVS = [["storcli64", *c] for c in next(cmds for tool, _b, cmds in TOOLS if tool == "storcli")]


def _read(path: Path) -> str:
    if not path.is_file():
        raise SystemExit(
            f"hostgen_hw: {path}: missing (the corpus lives in ../shared/corpus beside the repo)"
        )
    return path.read_text()


def drive_identity(n: int, interface: str) -> tuple[str, str]:
    """A serial and WWID for the n-th physical drive (the corpus has them REDACTED)."""
    serial = f"6SD{n:02d}HPX0000K{n:04d}" if interface == "SAS" else f"9VP{n:02d}QXA"
    return serial, f"5000C500{0x1A2B3C00 + n:08X}"


def ssacli_text() -> str:
    """The recorded ssacli text with the edits README-hw.md lists (and only those)."""
    out: list[str] = []
    slot = array = ld = pd = None  # where we are: controller slot, "Array:", "Logical Drive:", drive block
    pd_indent = 0
    interface = ""
    n = 0  # physical drive detail blocks seen: numbers the substituted identities
    for line in _read(SSACLI_SOURCE).splitlines():
        s = line.strip()
        indent = len(line) - len(line.lstrip())
        if s and pd is not None and indent <= pd_indent:
            pd = None
        header = re.match(r"^\S.*\bin Slot (\S+)", line)
        if header:
            slot, array, ld = header.group(1), None, None
        elif m := re.fullmatch(r"Array: (\S+)", s):
            array, ld = m.group(1), None
        elif m := re.fullmatch(r"Logical Drive: (\S+)", s):
            ld = m.group(1)
        elif m := re.fullmatch(r"physicaldrive (\S+)", s):
            pd, pd_indent, ld, n = m.group(1), indent, None, n + 1
        elif pd is not None and s.startswith("Interface Type:"):
            interface = s.split(":", 1)[1].strip()
        in_b = slot == "0" and array == "B"
        if pd is not None and s == "Serial Number: REDACTED":
            line = line.replace("REDACTED", drive_identity(n, interface)[0])
        elif pd is not None and s == "WWID: REDACTED":
            line = line.replace("REDACTED", drive_identity(n, interface)[1])
        elif pd == FAILED_DRIVE and slot == "0" and s == "Status: OK":
            line = line.replace("OK", "Failed")
        elif s.startswith(f"physicaldrive {FAILED_DRIVE} (") and s.endswith(", OK)"):
            line = line[: -len("OK)")] + "Failed)"
        elif in_b and ld is None and pd is None and s == "Status: OK":
            line = line.replace("OK", "Failed Physical Drive")
        elif in_b and ld == "2" and pd is None and s == "Status: OK":
            line = line.replace("OK", "Interim Recovery Mode")
        elif s.startswith("Mount Points:"):
            for old, new in MOUNT_EDITS.items():
                line = line.replace(old, new)
        out.append(line)
    text = "\n".join(out) + "\n"
    assert text.count(f"physicaldrive {FAILED_DRIVE} (") == text.count("SAS HDD, 146 GB, Failed)") == 2
    assert text.count("         Status: Failed\n") == 1 and text.count("Interim Recovery Mode") == 1
    assert text.count("Failed Physical Drive") == 1
    assert text.count("Serial Number: REDACTED") == 6  # controller, cache and host serials: as recorded
    return text


# what ssacli says is mounted on each LD's partition 1 -> what the recorded host mounts there
MOUNT_EDITS = {
    "/boot 243 MB": "/ 136.6 GB",
    "/srv/mnt1 262.3 GB": "/srv 262.3 GB",
    "/srv/mnt2 4.5 TB": "/data 4.5 TB",
}


def _vd_smart(disk: Disk, vendor: str, product: str, revision: str, lu_id: str, serial: str) -> str:
    """The real smartctl text of a RAID volume with its identity lines set to this volume."""
    text = _read(VD_SMART)
    for key, value in (
        ("Vendor", vendor),
        ("Product", product),
        ("Revision", revision),
        ("User Capacity", f"{disk.size:,} bytes [{disk.size / 1e9:.0f} GB]"),
        ("Logical Unit id", lu_id),
        ("Serial number", serial),
    ):
        text, count = re.subn(
            rf"^({re.escape(key)}:\s+).*$", lambda m, v=value: m.group(1) + v, text, flags=re.M
        )
        assert count == 1, key
    return text


def write_smart_vd(d: Path, disk: Disk, text: str) -> None:
    from hostgen import smart_target

    from raidwatch.collectors.smart import smartctl_argv

    write_command(d, smartctl_argv(smart_target(disk)), text, VD_SMART_RC, duration=0.05)


# hw07's logical drives: kernel name, Unique Identifier (the LD's WWID), size as ssacli gives it, slot
HP_LDS = (
    ("sda", "600508B1001C8CBE468FB9524F39E535", 136_700_000_000, "0000:04:00.0", 0, "6.40"),
    ("sdb", "600508B1001CE15640A74343E4DD1E18", 273_400_000_000, "0000:04:00.0", 1, "6.40"),
    ("sdc", "600508B1001C48AFDD414EB0F3004830", 4_550_000_000_000, "0000:14:00.0", 0, "6.60"),
)
HP_MOUNTS = {"sda": "/", "sdb": "/srv", "sdc": "/data"}


def write_hw07(root: Path = HOSTS) -> Path:
    disks = []
    for name, uid, size, pci, lun, _rev in HP_LDS:
        host = 0 if pci == "0000:04:00.0" else 1
        disks.append(
            Disk(
                name,
                size // 512 * 512,
                "LOGICAL VOLUME",
                f"PACCR{uid[-10:]}",
                f"naa.{uid.lower()}",
                True,
                {f"{name}1": size // 512 * 512 - GIB},
                link=f"../devices/pci0000:00/0000:00:01.0/{pci}/host{host}/target{host}:1:{lun}/"
                f"{host}:1:{lun}:0/block/{name}",
                vendor="HP",
            )
        )
    mounts = [
        (f"/dev/{d.name}1", HP_MOUNTS[d.name], "xfs" if d.name != "sda" else "ext4", f"8:{16 * i + 1}")
        for i, d in enumerate(disks)
    ]
    d = write_host("hw07-smartarray", hostname="hw07", disks=disks, arrays=[], mounts=mounts, root=root)
    for disk, (_n, uid, _s, _p, _l, rev) in zip(disks, HP_LDS, strict=True):
        text = _vd_smart(disk, "HP", "LOGICAL VOLUME", rev, f"0x{uid.lower()}", disk.serial)
        write_smart_vd(d, disk, text)
    write_command(d, SSACLI_ARGV, ssacli_text(), 0, duration=2.1)
    return d


def write_hw08(root: Path = HOSTS) -> Path:
    """/ on a plain SATA SSD (sda, the onboard AHCI port); /data on the MegaRAID RAID6 VD (sdb), tied to
    the kernel disk by the VD's SCSI NAA id (storcli /call/vall) matching sdb's wwid."""
    vd_size = 63_999_273_317_958 // 512 * 512
    sda = Disk(
        "sda",
        240 * GIB,
        "INTEL SSDSC2KB240G8",
        "PHYF8123008M240AGN",
        "naa.55cd2e414f1a8b0c",
        False,
        {"sda1": 1 * GIB, "sda2": 238 * GIB},
        smart=Smart(SSD_INTEL),
    )
    sdb = Disk(
        "sdb",
        vd_size,
        "ServeRAID M5015",
        "00f04d0e02b005066005b002e04f1000",
        "naa.600605b002e04f102d8a3c1e4b7f9a21",
        True,
        {"sdb1": vd_size - GIB},
        link="../devices/pci0000:00/0000:00:03.0/0000:0a:00.0/host0/target0:2:0/0:2:0:0/block/sdb",
        vendor="IBM",
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
        kernel="6.5.13-1-pve",
        root=root,
    )
    text = _vd_smart(sdb, "IBM", "ServeRAID M5015", "2.130", "0x600605b002e04f102d8a3c1e4b7f9a21", sdb.serial)
    write_smart_vd(d, sdb, text)
    for argv, source in zip(STORCLI_ARGVS, (STORCLI_CONTROLLERS, STORCLI_DRIVES, STORCLI_VALL), strict=True):
        write_command(d, argv, _read(source), 0, duration=1.4)
    write_pd_smart(d)
    return d


def _pd_smart(serial: str, wwn: str, firmware: str, size: int) -> str:
    """The real megaraid passthrough report with its identity lines set to this drive (storcli's words)."""
    text = _read(PD_SMART)
    w = wwn.lower()
    for key, value in (
        ("Model Family", "Seagate Exos X16"),  # smartctl's drive database entry for ST16000NM001G
        ("Device Model", "ST16000NM001G-2KK103"),
        ("Serial Number", serial),
        ("LU WWN Device Id", f"{w[0]} {w[1:7]} {w[7:]}"),  # how smartctl prints an ATA WWN: NAA OUI id
        ("Firmware Version", firmware),
        ("User Capacity", f"{size:,} bytes [{size / 1e12:.1f} TB]"),
    ):
        text, count = re.subn(
            rf"^({re.escape(key)}:\s+).*$", lambda m, v=value: m.group(1) + v, text, flags=re.M
        )
        assert count == 1, key
    return text


def _warn_edit(text: str) -> str:
    """252:5 starts to fail: reallocated sectors (and the events that moved them), sectors pending."""
    pre, old = "Pre-fail  Always       -", "Old_age   Always       -"
    rows = {
        "  5 Reallocated_Sector_Ct": (f"0x0033   100   100   005    {pre}", WARN_REALLOCATED),
        "196 Reallocated_Event_Count": (f"0x0032   100   100   000    {old}", WARN_REALLOCATED),
        "197 Current_Pending_Sector": (f"0x0022   100   100   000    {old}", WARN_PENDING),
    }
    for head, (middle, raw) in rows.items():
        text, count = re.subn(
            rf"^{re.escape(head)}\s+{re.escape(middle)}\s+0$",
            f"{head:<27} {middle}       {raw}",
            text,
            flags=re.M,
        )
        assert count == 1, head
    return text


def storcli_drives() -> list[tuple[str, int, str, str, str, int]]:
    """(EID:Slt, DID, serial, WWN, firmware, bytes) of each drive in storcli's /call/eall/sall JSON."""
    import json

    data = json.loads(_read(STORCLI_DRIVES))["Controllers"][0]["Response Data"]
    out = []
    for key, rows in data.items():
        m = re.fullmatch(r"Drive /c0/e(\d+)/s(\d+)", key)
        if not m:
            continue
        attrs = data[f"{key} - Detailed Information"][f"{key} Device attributes"]
        sectors = int(re.search(r"\[(0x[0-9a-f]+) Sectors\]", attrs["Raw size"]).group(1), 16)
        out.append(
            (
                rows[0]["EID:Slt"],
                rows[0]["DID"],
                attrs["SN"].strip(),
                attrs["WWN"],
                attrs["Firmware Revision"].strip(),
                sectors * 512,
            )
        )
    return out


def write_pd_smart(d: Path, via: str = "sdb") -> None:
    for slot, did, serial, wwn, firmware, size in storcli_drives():
        text = _pd_smart(serial, wwn, firmware, size)
        if slot == WARN_DRIVE:
            text = _warn_edit(text)
        write_command(d, megaraid_smartctl_argv(did, via), text, 0, duration=0.9)


def hw_hosts(root: Path = HOSTS) -> list[Path]:
    return [write_hw07(root), write_hw08(root)]


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HOSTS
    for p in hw_hosts(out):
        print(p)
