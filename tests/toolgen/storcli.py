"""Render storcli/perccli JSON (`storcli64 /call show all J`, `/call/eall/sall show all J`,
`/call/vall show all J`) from a MegaRAID controller we describe, in StorCLI 7.x's layout.

The layout follows the Broadcom StorCLI reference manual's objects and storcli 7.x's JSON printer: a
document `{"Controllers":[...]}` whose entries hold a `Command Status` (CLI Version, Operating system,
Controller, Status, Description) and a `Response Data` object; members written one per line, indented
with tabs, as `"key" : value` (a space either side of the colon; three spaces after the colon before a
drive's `- Detailed Information` object, as storcli prints it). storcli's abbreviations are the states:

- virtual drive (`VD LIST`, `/cX/vY`, TOPOLOGY): Optl, Dgrd, Pdgd (partially degraded), OfLn, Rec;
- physical drive (`PD LIST`, `Drive /cX/eY/sZ`, TOPOLOGY): Onln, Offln, UGood, UGUnsp, UBad, GHS, DHS,
  Rbld, Cpybck, JBOD, the shielded states (UGShld, HSPShld, CFShld), and Msng for a TOPOLOGY row whose
  drive is gone (no `EID:Slot`, no `DID`);
- BBU (`BBU_Info`) / CacheVault (`Cachevault_Info`) `State`: Optimal, Degraded, Learning, Charging,
  Failed, ...

Sizes are printed as storcli does: binary units, three decimals, truncated ("14.551 TB"); a drive's raw,
non-coerced (raw less the 512 MiB the controller keeps for its configuration) and coerced (non-coerced
rounded down to whole 10^9 bytes, then to 1 MiB: the controller's 1 GB coercion mode) sizes in sectors.
Every value comes from the dataclasses below; nothing here is, or is edited from, a recorded output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

CLI_VERSION = "007.2705.0000.0000 Aug 24, 2023"
OS_NAME = "Linux 6.8.12-4-pve"

# storcli's legend words, for the states a model may carry
VD_STATES = ("Optl", "Dgrd", "Pdgd", "OfLn", "Rec")
PD_STATES = (
    "Onln",
    "Offln",
    "UGood",
    "UGUnsp",
    "UBad",
    "GHS",
    "DHS",
    "Rbld",
    "Cpybck",
    "JBOD",
    "UGShld",
    "HSPShld",
    "CFShld",
)
MISSING = "Msng"  # a TOPOLOGY row of a drive group whose drive is gone
RESERVED_SECTORS = 0x100000  # 512 MiB at the end of each configured drive: the controller's DDF metadata


@dataclass
class PhysicalDrive:
    """A drive behind the controller (`EID:Slt`, storcli's `DID`, what its Device attributes say)."""

    eid: int | None  # enclosure id (252 = the controller's own backplane/SGPIO); None = no enclosure
    slot: int
    did: int  # storcli's DID: smartctl's -d megaraid,N
    model: str
    serial: str
    wwn: str  # 16 hex digits
    firmware: str
    raw_bytes: int
    state: str = "Onln"
    interface: str = "SATA"  # SATA | SAS
    media: str = "HDD"  # HDD | SSD
    vendor: str = "ATA"  # storcli's "Manufacturer Id" (ATA for every SATA drive)
    logical_sector: int = 512
    physical_sector: int = 512
    temperature: int = 30
    media_errors: int = 0
    other_errors: int = 0
    predictive_failures: int = 0
    shield_counter: int = 0
    smart_alert: bool = False
    device_speed: str = "6.0Gb/s"
    link_speed: str = "6.0Gb/s"
    sas_address: str = "0x0"
    spun_up: bool = True
    sequence: int = 2

    @property
    def eid_slot(self) -> str:
        return f"{'' if self.eid is None else self.eid}:{self.slot}"

    @property
    def path(self) -> str:
        return f"/e{self.eid}/s{self.slot}" if self.eid is not None else f"/s{self.slot}"

    @property
    def raw_sectors(self) -> int:
        return self.raw_bytes // self.logical_sector

    @property
    def non_coerced_sectors(self) -> int:
        return self.raw_sectors - RESERVED_SECTORS * 512 // self.logical_sector

    @property
    def coerced_sectors(self) -> int:
        """1 GB coercion: whole 10^9 bytes, then whole MiB."""
        gb = self.non_coerced_sectors * self.logical_sector // 10**9 * 10**9
        mib = 2**20 // self.logical_sector
        return gb // self.logical_sector // mib * mib

    @property
    def coerced_bytes(self) -> int:
        return self.coerced_sectors * self.logical_sector


@dataclass
class VirtualDrive:
    """A virtual drive and its drive group: the drives in row order (None: a row whose drive is gone)."""

    vd: int
    dg: int
    level: str  # RAID0 | RAID1 | RAID5 | RAID6 | RAID10 | RAID50 | RAID60
    drives: list[tuple[int | None, int] | None]  # (eid, slot) of each row
    naa_id: str  # 32 hex digits: the SCSI NAA id the OS sees as the disk's wwid
    state: str = "Optl"
    name: str = ""
    os_drive: str | None = None  # "OS Drive Name" (/dev/sdX), which storcli prints only when it knows it
    spans: int = 1
    strip_kb: int = 256
    read_ahead: bool = True
    write_back: bool = True  # the write policy in force (WB; WT when the cache fell back to write-through)
    write_initial: str = "WriteBack"  # "Write Cache(initial setting)"
    access: str = "RW"
    consistent: bool = True
    created: tuple[str, str] = ("02-09-2024", "03:17:44 PM")
    active_operations: str = "None"

    @property
    def cache(self) -> str:
        return ("R" if self.read_ahead else "NR") + ("WB" if self.write_back else "WT") + "D"

    @property
    def data_drives(self) -> int:
        n, spans = len(self.drives), max(self.spans, 1)
        level = self.level.upper()
        if level in ("RAID1", "RAID10"):
            return n // 2
        if level in ("RAID5", "RAID50"):
            return n - spans
        if level in ("RAID6", "RAID60"):
            return n - 2 * spans
        return n


@dataclass
class Battery:
    """The cache's backup unit: a BBU (`BBU_Info`) or a CacheVault (`Cachevault_Info`)."""

    model: str
    state: str = "Optimal"
    kind: str = "BBU"  # BBU | CacheVault
    temperature: int = 31
    mfg_date: str = "2019/06/12"
    retention: str = "48 hours +"
    next_learn: str = "2026/12/17  02:00:00"


@dataclass
class Controller:
    index: int
    model: str  # "LSI MegaRAID SAS 9260-8i"
    serial: str
    sas_address: str  # 16 hex digits
    drives: list[PhysicalDrive] = field(default_factory=list)
    vds: list[VirtualDrive] = field(default_factory=list)
    battery: Battery | None = None
    status: str = "Optimal"  # Controller Status: Optimal | Needs Attention | Failed
    pci_address: str = "00:03:00:00"
    firmware_package: str = "12.15.0-0205"
    firmware_version: str = "2.130.393-2551"
    bios_version: str = "3.30.02.1_4.16.08.00_0x06060A03"
    driver_version: str = "07.727.03.00-rc1"
    memory_mb: int = 512
    enclosure_slots: int = 8
    enclosure_product: str = "SGPIO"
    when: str = "11/25/2026, 09:57:41"
    mfg_date: str = "06/14/19"

    def drive(self, eid: int | None, slot: int) -> PhysicalDrive | None:
        return next((d for d in self.drives if (d.eid, d.slot) == (eid, slot)), None)

    def dg_of(self, d: PhysicalDrive) -> VirtualDrive | None:
        return next((v for v in self.vds if (d.eid, d.slot) in v.drives), None)


# ----------------------------------------------------------------------------------------------------------
# formatting


def size_text(n_bytes: int) -> str:
    """storcli's sizes: binary units, three decimals, truncated."""
    for unit, power in (("TB", 4), ("GB", 3), ("MB", 2), ("KB", 1)):
        if n_bytes >= 1024**power:
            milli = n_bytes * 1000 // 1024**power
            return f"{milli // 1000}.{milli % 1000:03d} {unit}"
    return f"{n_bytes} B"


def _sectors_text(sectors: int, sector: int) -> str:
    return f"{size_text(sectors * sector)} [0x{sectors:x} Sectors]"


def _sector_size(n: int) -> str:
    return f"{n}B" if n < 1024 else f"{n // 1024} KB"


def _temperature(c: int) -> str:
    return f" {c}C ({c * 9 / 5 + 32:.2f} F)"


def _emit(value: Any, depth: int) -> str:
    """storcli's JSON printer: one member a line, tab indents, `"key" : value`."""
    tabs = "\t" * (depth + 1)
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            sep = " :   " if k.endswith(" - Detailed Information") else " : "
            items.append(f"{tabs}{json.dumps(k)}{sep}{_emit(v, depth + 1)}")
        return "{\n" + ",\n".join(items) + "\n" + "\t" * depth + "}"
    if isinstance(value, list):
        return "[\n" + ",\n".join(tabs + _emit(v, depth + 1) for v in value) + "\n" + "\t" * depth + "]"
    return json.dumps(value)


def document(entries: list[dict]) -> str:
    """The whole output: `{"Controllers":[` one entry per controller `]}`."""
    return '{\n"Controllers":[\n' + ",\n".join(_emit(e, 0) for e in entries) + "\n]\n}\n"


def _status(c: Controller | None, description: str = "None", os_name: str = OS_NAME) -> dict:
    st: dict[str, Any] = {"CLI Version": CLI_VERSION, "Operating system": os_name}
    if c is not None:
        st["Controller"] = c.index
    st["Status"] = "Success"
    st["Description"] = description
    return st


# ----------------------------------------------------------------------------------------------------------
# rows shared by the commands


def _pd_row(c: Controller, d: PhysicalDrive) -> dict:
    vd = c.dg_of(d)
    return {
        "EID:Slt": d.eid_slot,
        "DID": d.did,
        "State": d.state,
        "DG": vd.dg if vd is not None else "-",
        "Size": size_text(d.coerced_bytes),
        "Intf": d.interface,
        "Med": d.media,
        "SED": "N",
        "PI": "N",
        "SeSz": _sector_size(d.logical_sector),
        "Model": d.model,
        "Sp": "U" if d.spun_up else "D",
        "Type": "-",
    }


def vd_size(c: Controller, v: VirtualDrive) -> int:
    sizes = [d.coerced_bytes for d in (c.drive(*r) for r in v.drives if r is not None) if d is not None]
    return min(sizes) * v.data_drives if sizes else 0


def _vd_row(c: Controller, v: VirtualDrive) -> dict:
    return {
        "DG/VD": f"{v.dg}/{v.vd}",
        "TYPE": v.level,
        "State": v.state,
        "Access": v.access,
        "Consist": "Yes" if v.consistent else "No",
        "Cache": v.cache,
        "Cac": "-",
        "sCC": "ON",
        "Size": size_text(vd_size(c, v)),
        "Name": v.name,
    }


def _topology(c: Controller) -> list[dict]:
    rows: list[dict] = []
    for v in c.vds:
        size = size_text(vd_size(c, v))
        head = {"BT": "N", "Size": size, "PDC": "dsbl", "PI": "N", "SED": "N", "DS3": "none"}
        rows.append(
            {
                "DG": v.dg,
                "Arr": "-",
                "Row": "-",
                "EID:Slot": "-",
                "DID": "-",
                "Type": v.level,
                "State": v.state,
                **head,
                "FSpace": "N",
                "TR": "N",
            }
        )
        per_span = len(v.drives) // max(v.spans, 1)
        for arr in range(max(v.spans, 1)):
            span_level = {"RAID10": "RAID1", "RAID50": "RAID5", "RAID60": "RAID6"}.get(v.level, v.level)
            span_rows = v.drives[arr * per_span : (arr + 1) * per_span]
            span_state = v.state
            if v.spans > 1:
                gone = [r for r in span_rows if r is None or _bad(c.drive(*r))]
                span_state = "Dgrd" if gone else "Optl"
            rows.append(
                {
                    "DG": v.dg,
                    "Arr": arr,
                    "Row": "-",
                    "EID:Slot": "-",
                    "DID": "-",
                    "Type": span_level,
                    "State": span_state,
                    **head,
                    "FSpace": "N",
                    "TR": "N",
                }
            )
            for row, ref in enumerate(span_rows):
                d = c.drive(*ref) if ref is not None else None
                rows.append(
                    {
                        "DG": v.dg,
                        "Arr": arr,
                        "Row": row,
                        "EID:Slot": d.eid_slot if d else "-",
                        "DID": d.did if d else "-",
                        "Type": "DRIVE",
                        "State": d.state if d else MISSING,
                        "BT": "N",
                        "Size": size_text(d.coerced_bytes) if d else "-",
                        "PDC": "dsbl",
                        "PI": "N",
                        "SED": "N",
                        "DS3": "none",
                        "FSpace": "-",
                        "TR": "N",
                    }
                )
    return rows


def _bad(d: PhysicalDrive | None) -> bool:
    return d is None or d.state in ("Offln", "UBad", "Rbld")


# ----------------------------------------------------------------------------------------------------------
# /call show all


def _show_all(c: Controller) -> dict:
    data: dict[str, Any] = {}
    data["Basics"] = {
        "Controller": c.index,
        "Model": c.model,
        "Serial Number": c.serial,
        "Current Controller Date/Time": c.when,
        "Current System Date/time": c.when,
        "SAS Address": c.sas_address.lower(),
        "PCI Address": c.pci_address,
        "Mfg Date": c.mfg_date,
        "Rework Date": "00/00/00",
        "Revision No": "",
    }
    data["Version"] = {
        "Firmware Package Build": c.firmware_package,
        "Firmware Version": c.firmware_version,
        "Bios Version": c.bios_version,
        "Driver Name": "megaraid_sas",
        "Driver Version": c.driver_version,
    }
    bus, dev, fn = (int(x, 16) for x in c.pci_address.split(":")[1:])
    data["Bus"] = {
        "Vendor Id": 0x1000,
        "Device Id": 0x79,
        "SubVendor Id": 0x1000,
        "SubDevice Id": 0x9261,
        "Host Interface": "PCI-E",
        "Device Interface": "SAS-6G",
        "Bus Number": bus,
        "Device Number": dev,
        "Function Number": fn,
        "Domain ID": 0,
    }
    data["Pending Images in Flash"] = {"Image name": "No pending images"}
    data["Status"] = {
        "Controller Status": c.status,
        "Memory Correctable Errors": 0,
        "Memory Uncorrectable Errors": 0,
        "ECC Bucket Count": 0,
        "Any Offline VD Cache Preserved": "No",
        "BBU Status": 0 if c.battery is None or c.battery.state == "Optimal" else 32,
        "PD Firmware Download in progress": "No",
        "Support PD Firmware Download": "Yes",
        "Lock Key Assigned": "No",
        "Failed to get lock key on bootup": "No",
        "Lock key has not been backed up": "No",
        "Bios was not detected during boot": "No",
        "Controller must be rebooted to complete security operation": "No",
        "A rollback operation is in progress": "No",
        "At least one PFK exists in NVRAM": "No",
        "SSC Policy is WB": "No",
        "Controller has booted into safe mode": "No",
    }
    data["Supported Adapter Operations"] = {
        "Rebuild Rate": "Yes",
        "CC Rate": "Yes",
        "BGI Rate ": "Yes",
        "Reconstruct Rate": "Yes",
        "Patrol Read Rate": "Yes",
        "Alarm Control": "Yes",
        "Cluster Support": "No",
        "BBU": "Yes",
        "Spanning": "Yes",
        "Dedicated Hot Spare": "Yes",
        "Revertible Hot Spares": "Yes",
        "Foreign Config Import": "Yes",
        "Self Diagnostic": "Yes",
        "Global Hot Spares": "Yes",
        "Support Security": "Yes",
        "Support JBOD": "No",
    }
    data["HwCfg"] = {
        "ChipRevision": " B4",
        "BatteryFRU": "N/A",
        "Front End Port Count": 0,
        "Backend Port Count": 8,
        "BBU": "Present" if c.battery is not None and c.battery.kind == "BBU" else "Absent",
        "Alarm": "Present",
        "Serial Debugger": "Present",
        "NVRAM Size": "32KB",
        "Flash Size": "8MB",
        "On Board Memory Size": f"{c.memory_mb}MB",
        "CacheVault Flash Size": "NA",
        "TPM": "Absent",
        "Upgrade Key": "Absent",
        "On Board Expander": "Absent",
        "Temperature Sensor for ROC": "Absent",
        "Temperature Sensor for Controller": "Absent",
        "Current Size of CacheCade (GB)": 0,
        "Current Size of FW Cache (MB)": c.memory_mb * 3 // 4,
    }
    data["Policies"] = {
        "Policies Table": [
            {"Policy": "Predictive Fail Poll Interval", "Current": "300 sec", "Default": ""},
            {"Policy": "Rebuild Rate", "Current": "30 %", "Default": "30%"},
            {"Policy": "PR Rate", "Current": "30 %", "Default": "30%"},
            {"Policy": "BGI Rate", "Current": "30 %", "Default": "30%"},
            {"Policy": "Check Consistency Rate", "Current": "30 %", "Default": "30%"},
            {"Policy": "Cache Flush Interval", "Current": "4s", "Default": ""},
        ],
        "Flush Time(Default)": "4s",
        "Drive Coercion Mode": "1GB",
        "Auto Rebuild": "On",
        "Battery Warning": "On",
        "Restore Hot Spare on Insertion": "Off",
        "Expose Enclosure Devices": "On",
        "Maintain PD Fail History": "On",
    }
    data["Boot"] = {
        "BIOS Enumerate VDs": 1,
        "Stop BIOS on Error": "On",
        "Delay during POST": 4,
        "Spin Down Mode": "None",
        "Enable BIOS": "Yes",
    }
    data["High Availability"] = {"Topology Type": "None", "Cluster Permitted": "No", "Cluster Active": "No"}
    data["Defaults"] = {
        "Strip Size": "64 KB",
        "Write Policy": "WB",
        "Read Policy": "Read Ahead",
        "Cache When BBU Bad": "Off",
        "Cached IO": "Off",
        "Coercion Mode": "1 GB",
        "SMART Mode": "Mode 6",
    }
    data["Capabilities"] = {
        "Supported Drives": "SAS, SATA",
        "RAID Level Supported": "RAID0, RAID1, RAID5, RAID6, RAID00, RAID10, RAID50, RAID60, PRL 11, "
        "PRL 11 with spanning, SRL 3 supported, PRL11-RLQ0 DDF layout with no span, "
        "PRL11-RLQ0 DDF layout with span",
        "Enable JBOD": "No",
        "Mix in Enclosure": "Allowed",
        "Mix of SAS/SATA of HDD type in VD": "Not Allowed",
        "Max Arms Per VD": 32,
        "Max Spans Per VD": 8,
        "Max Arrays": 128,
        "Max VD per array": 16,
        "Max Number of VDs": 64,
        "Min Strip Size": "8 KB",
        "Max Strip Size": "1.000 MB",
    }
    data["Scheduled Tasks"] = {
        "Consistency Check Reoccurrence": "168 hrs",
        "Next Consistency check launch": "11/28/2026, 03:00:00",
        "Patrol Read Reoccurrence": "168 hrs",
        "Next Patrol Read launch": "11/28/2026, 03:00:00",
        "Battery learn Reoccurrence": "670 hrs",
        "Next Battery Learn": "12/17/2026, 02:00:00",
        "OEMID": "LSI",
    }
    data["Security Protocol properties"] = {"Security Protocol": "None"}
    data["Drive Groups"] = len(c.vds)
    if c.vds:
        data["TOPOLOGY"] = _topology(c)
    data["Virtual Drives"] = len(c.vds)
    if c.vds:
        data["VD LIST"] = [_vd_row(c, v) for v in c.vds]
    data["Physical Drives"] = len(c.drives)
    if c.drives:
        data["PD LIST"] = [_pd_row(c, d) for d in c.drives]
    eids = sorted({d.eid for d in c.drives if d.eid is not None})
    data["Enclosures"] = len(eids)
    if eids:
        data["Enclosure LIST"] = [
            {
                "EID": eid,
                "State": "OK",
                "Slots": c.enclosure_slots,
                "PD": sum(1 for d in c.drives if d.eid == eid),
                "PS": 0,
                "Fans": 0,
                "TSs": 0,
                "Alms": 0,
                "SIM": 1,
                "Port#": "-",
                "ProdID": c.enclosure_product,
                "VendorSpecific": " ",
            }
            for eid in eids
        ]
    b = c.battery
    if b is not None and b.kind == "BBU":
        data["BBU_Info"] = [
            {
                "Model": b.model,
                "State": b.state,
                "RetentionTime": b.retention,
                "Temp": f"{b.temperature}C",
                "Mode": "4",
                "MfgDate": b.mfg_date,
                "Next Learn": b.next_learn,
            }
        ]
    elif b is not None:
        data["Cachevault_Info"] = [
            {
                "Model": b.model,
                "State": b.state,
                "Temp": f"{b.temperature}C",
                "Mode": "-",
                "MfgDate": b.mfg_date,
            }
        ]
    return data


def render_show_all(controllers: list[Controller], os_name: str = OS_NAME) -> str:
    """`storcli64 /call show all J`."""
    return document(
        [{"Command Status": _status(c, os_name=os_name), "Response Data": _show_all(c)} for c in controllers]
    )


# ----------------------------------------------------------------------------------------------------------
# /call/eall/sall show all


def ata_identify(d: PhysicalDrive) -> str:
    """The first 128 bytes of the drive's ATA IDENTIFY DEVICE data (storcli's `Inquiry Data` of a SATA
    drive): ATA strings are byte-swapped within each word; the geometry words are the ATA standard's
    values for a drive larger than 8.4 GB."""
    words = [0] * 64
    words[0] = 0x0040 if d.media == "SSD" else 0x0C5A
    words[1], words[2], words[3], words[6] = 16383, 0xC837, 16, 63
    words[47], words[49], words[50], words[53] = 0x8010, 0x2F00, 0x4000, 0x0007
    words[54], words[55], words[56] = 16383, 16, 63
    words[57], words[58] = 0xFC10, 0x00FB
    words[59], words[60], words[61], words[63] = 0x0110, 0xFFFF, 0x0FFF, 0x0007

    def put(first: int, text: str, n_words: int) -> None:
        raw = text.encode("ascii").ljust(2 * n_words)[: 2 * n_words]
        for i in range(n_words):
            words[first + i] = raw[2 * i] << 8 | raw[2 * i + 1]

    put(10, f"{d.serial:>20}", 10)
    put(23, d.firmware, 4)
    put(27, d.model, 20)
    return "".join(f"{w & 0xFF:02x} {w >> 8:02x} " for w in words)


def scsi_inquiry(d: PhysicalDrive) -> str:
    """The standard INQUIRY data of a SAS drive (SPC-4): type, version, vendor, product, revision, serial."""
    data = bytearray(64)
    data[2], data[3], data[4], data[7] = 0x06, 0x12, 0x8B, 0x02
    data[8:16] = d.vendor.encode("ascii").ljust(8)[:8]
    data[16:32] = d.model.encode("ascii").ljust(16)[:16]
    data[32:36] = d.firmware.encode("ascii").ljust(4)[:4]
    data[36:56] = d.serial.encode("ascii").ljust(20)[:20]
    return "".join(f"{b:02x} " for b in data)


def _drive_detail(c: Controller, d: PhysicalDrive) -> dict:
    key = f"Drive /c{c.index}{d.path}"
    sata = d.interface == "SATA"
    state = {
        "Shield Counter": d.shield_counter,
        "Media Error Count": d.media_errors,
        "Other Error Count": d.other_errors,
        "BBM Error Count": 0,
        "Drive Temperature": _temperature(d.temperature),
        "Predictive Failure Count": d.predictive_failures,
        "S.M.A.R.T alert flagged by drive": "Yes" if d.smart_alert else "No",
    }
    attrs = {
        "SN": f"{d.serial:>20}" if sata else d.serial,
        "Manufacturer Id": f"{d.vendor:<8}",
        "Model Number": d.model,
        "NAND Vendor": "NA",
        "WWN": d.wwn.upper(),
        "Firmware Revision": f"{d.firmware:<8}" if sata else d.firmware,
        "Raw size": _sectors_text(d.raw_sectors, d.logical_sector),
        "Coerced size": _sectors_text(d.coerced_sectors, d.logical_sector),
        "Non Coerced size": _sectors_text(d.non_coerced_sectors, d.logical_sector),
        "Device Speed": d.device_speed,
        "Link Speed": d.link_speed,
        "NCQ setting": "N/A",
        "Write Cache": "N/A",
        "Logical Sector Size": _sector_size(d.logical_sector),
        "Physical Sector Size": _sector_size(d.physical_sector),
        "Connector Name": "",
    }
    policies: dict[str, Any] = {}
    vd = c.dg_of(d)
    if vd is not None:
        row = vd.drives.index((d.eid, d.slot))
        per_span = len(vd.drives) // max(vd.spans, 1)
        policies["Drive position"] = f"DriveGroup:{vd.dg}, Span:{row // per_span}, Row:{row % per_span}"
    policies.update(
        {
            "Enclosure position": "1",
            "Connected Port Number": f"{d.slot // 4}(path0) ",
            "Sequence Number": d.sequence,
            "Commissioned Spare": "Yes" if d.state in ("GHS", "DHS") else "No",
            "Emergency Spare": "No",
            "Last Predictive Failure Event Sequence Number": 0,
            "Successful diagnostics completion on": "N/A",
            "SED Capable": "No",
            "SED Enabled": "No",
            "Secured": "No",
            "Cryptographic Erase Capable": "No",
            "Locked": "No",
            "Needs EKM Attention": "No",
            "PI Eligible": "No",
            "Certified": "No",
            "Wide Port Capable": "No",
            "Port Information": [
                {"Port": 0, "Status": "Active", "Linkspeed": d.link_speed, "SAS address": d.sas_address}
            ],
        }
    )
    return {
        f"{key} State": state,
        f"{key} Device attributes": attrs,
        f"{key} Policies/Settings": policies,
        "Inquiry Data": ata_identify(d) if sata else scsi_inquiry(d),
    }


def render_drives(controllers: list[Controller], os_name: str = OS_NAME) -> str:
    """`storcli64 /call/eall/sall show all J`: each drive's row and its Detailed Information."""
    entries = []
    for c in controllers:
        data: dict[str, Any] = {}
        for d in c.drives:
            key = f"Drive /c{c.index}{d.path}"
            data[key] = [_pd_row(c, d)]
            data[f"{key} - Detailed Information"] = _drive_detail(c, d)
        entries.append(
            {
                "Command Status": _status(c, "Show Drive Information Succeeded.", os_name),
                "Response Data": data,
            }
        )
    return document(entries)


# ----------------------------------------------------------------------------------------------------------
# /call/vall show all


def _vd_properties(c: Controller, v: VirtualDrive) -> dict:
    props: dict[str, Any] = {
        "Strip Size": f"{v.strip_kb} KB",
        "Number of Blocks": vd_size(c, v) // 512,
        "VD has Emulated PD": "No",
        "Span Depth": v.spans,
        "Number of Drives Per Span": len(v.drives) // max(v.spans, 1),
        "Write Cache(initial setting)": v.write_initial,
        "Disk Cache Policy": "Disk's Default",
        "Encryption": "None",
        "Data Protection": "Disabled",
        "Active Operations": v.active_operations,
        "Exposed to OS": "Yes",
    }
    if v.os_drive:
        props["OS Drive Name"] = v.os_drive
    props.update(
        {
            "Creation Date": v.created[0],
            "Creation Time": v.created[1],
            "Emulation type": "default",
            "Cachebypass size": "Cachebypass-64k",
            "Cachebypass Mode": "Cachebypass Intelligent",
            "Is LD Ready for OS Requests": "Yes",
            "SCSI NAA Id": v.naa_id.lower(),
            "Unmap Enabled": "No",
        }
    )
    return props


def render_vds(controllers: list[Controller], os_name: str = OS_NAME) -> str:
    """`storcli64 /call/vall show all J`: each VD's row, its drives and its properties."""
    entries = []
    for c in controllers:
        data: dict[str, Any] = {}
        for v in c.vds:
            data[f"/c{c.index}/v{v.vd}"] = [_vd_row(c, v)]
            drives = [c.drive(*r) for r in v.drives if r is not None]
            data[f"PDs for VD {v.vd}"] = [_pd_row(c, d) for d in drives if d is not None]
            data[f"VD{v.vd} Properties"] = _vd_properties(c, v)
        entries.append({"Command Status": _status(c, os_name=os_name), "Response Data": data})
    return document(entries)


# the argv tails raidwatch.collectors.hwraid.TOOLS lists for storcli -> their renderer
COMMANDS = {
    ("/call", "show", "all", "J"): render_show_all,
    ("/call/eall/sall", "show", "all", "J"): render_drives,
    ("/call/vall", "show", "all", "J"): render_vds,
}


def render(args: tuple[str, ...] | list[str], controllers: list[Controller], os_name: str = OS_NAME) -> str:
    """The output of `storcli64 ARGS` for one of the commands in COMMANDS."""
    return COMMANDS[tuple(args)](controllers, os_name)


def render_failure(description: str, os_name: str = OS_NAME) -> str:
    """storcli's answer when the command fails (`Status: Failure`, no Response Data)."""
    st = {
        "CLI Version": CLI_VERSION,
        "Operating system": os_name,
        "Status": "Failure",
        "Description": description,
    }
    return document([{"Command Status": st}])
