"""Render `ssacli ctrl all show config detail` (HPE Smart Storage Administrator CLI; hpssacli and hpacucli
print the same layout) from Smart Array controllers we describe.

The layout follows the HPE Smart Storage Administrator CLI user guide's `show config detail`: per
controller a header `<model> in Slot N[ (Embedded)]` at column 0 and its properties indented by 3;
for each drive enclosure (`Internal Drive Cage at Port 1I, Box 1, OK`, an external shelf such as a
`StorageWorks MSA 60 at Port 2E, Box 1, OK`) its properties by 6 and a `Physical Drives` list of short
lines `physicaldrive 1I:1:1 (port 1I:box 1:bay 1, SAS HDD, 146 GB, OK)`; the ports (`Port Name:`, by 3,
their properties by 9); each `Array: A` (by 3, properties by 6) with its `Logical Drive: N` blocks (by 6,
properties by 9; `Mirror Group N:` short lines by 12 for RAID 1 and 1+0) and its drives' detail blocks
`physicaldrive P:B:B` (by 6, properties by 9); then `Unassigned` drives.

States are HPE's words: controller and cache `OK`, ...; battery/capacitor `OK`, `Recharging`,
`Failed (Replace Batteries)`; logical drive `OK`, `Interim Recovery Mode`, `Recovering, NN% complete`,
`Ready for Rebuild`, `Failed`, ...; physical drive `OK`, `Failed`, `Rebuilding`, `Predictive Failure`.
An array with a failed drive says `Failed Physical Drive`. Sizes: a drive's marketing size in decimal
units ("146 GB", "1 TB"); logical drive and array sizes in binary units with two decimals ("136.70 GB").
Every value comes from the dataclasses below; nothing here is, or is edited from, a recorded output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RESERVED_SECTORS = 65536  # per drive: the controller's configuration area (RIS)
HEADS, SECTORS_PER_TRACK = 255, 32


@dataclass
class PhysicalDrive:
    port: str  # "1I", "2E"
    box: int
    bay: int
    model: str  # the product id, e.g. "EG0146FAWHU"
    serial: str
    wwid: str  # 16 hex digits
    firmware: str
    size: int  # bytes
    vendor: str = "HP"  # the INQUIRY vendor; "ATA" for every SATA drive
    interface: str = "SAS"  # SAS | SATA
    media: str = "HDD"  # HDD | SSD
    rpm: int = 10000
    status: str = "OK"  # OK | Failed | Rebuilding | Predictive Failure | ...
    temperature: int | None = 35  # None: not readable (a failed drive)
    max_temperature: int | None = 41
    phy_rate: str = "6.0Gbps, Unknown"
    spare: bool = False

    @property
    def id(self) -> str:
        return f"{self.port}:{self.box}:{self.bay}"

    @property
    def sectors(self) -> int:
        return self.size // 512

    def short(self) -> str:
        flags = ", spare" if self.spare else ""
        return (
            f"physicaldrive {self.id} (port {self.port}:box {self.box}:bay {self.bay}, "
            f"{self.interface} {self.media}, {drive_size(self.size)}, {self.status}{flags})"
        )


@dataclass
class LogicalDrive:
    number: int
    fault_tolerance: str  # "0", "1", "1+0", "5", "6"
    drives: list[PhysicalDrive]  # in mirror-group order for 1 and 1+0
    unique_id: str  # 32 hex digits: the volume's NAA id (the kernel disk's wwid)
    label: str
    status: str = "OK"
    disk_name: str | None = None  # "/dev/sda": the driver's name for the volume (hpsa)
    mount_points: list[tuple[str, int]] = field(default_factory=list)  # (mount point, partition bytes)
    strip_kb: int = 256
    boot: str | None = None  # "Primary" | "Secondary"

    @property
    def data_drives(self) -> int:
        n = len(self.drives)
        return {"0": n, "1": n // 2, "1+0": n // 2, "5": n - 1, "6": n - 2}[self.fault_tolerance]

    @property
    def sectors_per_drive(self) -> int:
        strip = self.strip_kb * 2
        return (min(d.sectors for d in self.drives) - RESERVED_SECTORS) // strip * strip

    @property
    def size(self) -> int:
        """Bytes: what the kernel sees as the volume's size."""
        return self.sectors_per_drive * self.data_drives * 512


@dataclass
class Array:
    letter: str
    logical_drives: list[LogicalDrive]
    spares: list[PhysicalDrive] = field(default_factory=list)

    @property
    def drives(self) -> list[PhysicalDrive]:
        seen: list[PhysicalDrive] = []
        for ld in self.logical_drives:
            seen.extend(d for d in ld.drives if d not in seen)
        return seen + [d for d in self.spares if d not in seen]

    @property
    def status(self) -> str:
        return "Failed Physical Drive" if any(d.status == "Failed" for d in self.drives) else "OK"


@dataclass
class Enclosure:
    name: str  # "Internal Drive Cage", "StorageWorks MSA 60"
    port: str
    box: int
    bays: int
    status: str = "OK"
    external: bool = False
    properties: list[tuple[str, str]] = field(default_factory=list)  # before Drive Bays (fans, power...)
    firmware: str | None = None  # an external shelf's
    serial: str = ""  # an external shelf's
    sep: tuple[int, str, str] | None = None  # (device number, vendor, model) of its SEP


@dataclass
class Port:
    name: str  # "1I", "2E"
    sas_address: str

    @property
    def external(self) -> bool:
        return self.name.endswith("E")


@dataclass
class Controller:
    model: str  # "Smart Array P410i"
    slot: str
    serial: str
    cache_serial: str
    host_serial: str
    firmware: str
    pci_address: str
    embedded: bool = False
    status: str = "OK"
    hardware_revision: str = "C"
    cache_status: str = "OK"
    cache_ratio: str = "25% Read / 75% Write"
    cache_gb: float = 0.5
    battery: str | None = None  # Battery/Capacitor Status; None: no battery (nor a line for it)
    backup_source: str = "Capacitors"
    ports: list[Port] = field(default_factory=list)
    enclosures: list[Enclosure] = field(default_factory=list)
    arrays: list[Array] = field(default_factory=list)
    unassigned: list[PhysicalDrive] = field(default_factory=list)
    driver: tuple[str, str] = ("hpsa", "3.4.20-200")

    @property
    def drives(self) -> list[PhysicalDrive]:
        out = [d for a in self.arrays for d in a.drives]
        return out + [d for d in self.unassigned if d not in out]


# ----------------------------------------------------------------------------------------------------------
# formatting


def drive_size(n: int) -> str:
    """A drive's size as the short lines print it: decimal units, the marketing figure."""
    if n >= 10**12:
        tenths = n * 10 // 10**12
        return f"{tenths // 10} TB" if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10} TB"
    return f"{n // 10**9} GB"


def volume_size(n: int) -> str:
    """Logical drive and array sizes: binary units, two decimals."""
    for unit, power in (("TB", 4), ("GB", 3), ("MB", 2)):
        if n >= 1024**power:
            return f"{n / 1024**power:.2f} {unit}"
    return f"{n} B"


def _mount_size(n: int) -> str:
    for unit, power in (("TB", 4), ("GB", 3), ("MB", 2)):
        if n >= 1024**power:
            v = n / 1024**power
            return f"{v:.0f} MB" if unit == "MB" else f"{v:.1f} {unit}"
    return f"{n} B"


def _kv(indent: int, key: str, value: object) -> str:
    return f"{' ' * indent}{key}: {value}".rstrip() + "\n"


# ----------------------------------------------------------------------------------------------------------
# blocks


def _controller_head(c: Controller) -> str:
    out = [f"{c.model} in Slot {c.slot}{' (Embedded)' if c.embedded else ''}\n"]
    rows: list[tuple[str, object]] = [
        ("Bus Interface", "PCI"),
        ("Slot", c.slot),
        ("Serial Number", c.serial),
        ("Cache Serial Number", c.cache_serial),
        ("Controller Status", c.status),
        ("Hardware Revision", c.hardware_revision),
        ("Firmware Version", c.firmware),
        ("Rebuild Priority", "Medium"),
        ("Expand Priority", "Medium"),
        ("Surface Scan Delay", "15 secs"),
        ("Surface Scan Mode", "Idle"),
        ("Parallel Surface Scan Supported", "No"),
        ("Queue Depth", "Automatic"),
        ("Monitor and Performance Delay", "60  min"),
        ("Elevator Sort", "Enabled"),
        ("Degraded Performance Optimization", "Disabled"),
        ("Wait for Cache Room", "Disabled"),
        ("Surface Analysis Inconsistency Notification", "Disabled"),
        ("Post Prompt Timeout", "0 secs"),
        ("Cache Board Present", "True"),
        ("Cache Status", c.cache_status),
        ("Cache Ratio", c.cache_ratio),
        ("Drive Write Cache", "Disabled"),
        ("Total Cache Size", f"{c.cache_gb:g}"),
        ("Total Cache Memory Available", f"{c.cache_gb * 0.8:.1f}"),
        ("No-Battery Write Cache", "Disabled"),
    ]
    if c.battery is not None:
        rows += [
            ("Cache Backup Power Source", c.backup_source),
            ("Battery/Capacitor Count", 1),
            ("Battery/Capacitor Status", c.battery),
        ]
    internal = sum(1 for p in c.ports if not p.external)
    external = len(c.ports) - internal
    ports = (
        f"{len(c.ports)} Internal only"
        if not external
        else f"{len(c.ports)} ({internal} Internal / {external} External )"
    )
    boot = [ld for a in c.arrays for ld in a.logical_drives if ld.boot]
    rows += [
        ("SATA NCQ Supported", "True"),
        ("Number of Ports", ports),
        ("Encryption", "Not Set"),
        ("Driver Name", c.driver[0]),
        ("Driver Version", c.driver[1]),
        ("Driver Supports SSD Smart Path", "True"),
        ("PCI Address (Domain:Bus:Device.Function)", c.pci_address),
        ("Port Max Phy Rate Limiting Supported", "False"),
        ("Host Serial Number", c.host_serial),
        ("Sanitize Erase Supported", "False"),
    ]
    for kind in ("Primary", "Secondary"):
        ld = next((x for x in boot if x.boot == kind), None)
        rows.append((f"{kind} Boot Volume", f"logicaldrive {ld.number} ({ld.unique_id})" if ld else "None"))
    out.extend(_kv(3, k, v) for k, v in rows)
    return "".join(out) + "\n\n"


def _enclosure(c: Controller, e: Enclosure) -> str:
    out = [f"   {e.name} at Port {e.port}, Box {e.box}, {e.status}\n", "\n"]
    rows = list(e.properties)
    if e.external:
        rows += [("Vendor ID", "HP"), ("Serial Number", e.serial), ("Firmware Version", e.firmware or "")]
    rows += [
        ("Drive Bays", str(e.bays)),
        ("Port", e.port),
        ("Box", str(e.box)),
        ("Location", "External" if e.external else "Internal"),
    ]
    out.extend(_kv(6, k, v) for k, v in rows)
    out.append("\n")
    if e.sep is not None:
        number, vendor, model = e.sep
        out.append(f"   Enclosure SEP (Vendor ID {vendor}, Model {model}) {number}\n")
        sep_rows = [
            ("Device Number", number),
            ("Firmware Version", e.firmware or ""),
            ("Port", e.port),
            ("Box", e.box),
            ("Vendor ID", vendor),
            ("Model", model),
        ]
        out.extend(_kv(6, k, v) for k, v in sep_rows)
        out.append("\n")
    drives = [d for d in c.drives if (d.port, d.box) == (e.port, e.box)]
    drives.sort(key=lambda d: d.bay)
    out.append("   Physical Drives\n")
    out.extend(f"      {d.short()}\n" for d in drives)
    if not drives:
        out.append("      None attached\n")
    return "".join(out) + "\n\n"


def _ports(c: Controller) -> str:
    out = []
    for i, p in enumerate(c.ports):
        out.append(f"   Port Name: {p.name}\n")
        rows = [
            ("Port ID", i),
            ("Port Connection Number", i),
            ("SAS Address", p.sas_address),
            ("Port Location", "External" if p.external else "Internal"),
        ]
        out.extend(_kv(9, k, v) for k, v in rows)
        out.append("\n")
    return "".join(out)


def _drive_detail(d: PhysicalDrive, drive_type: str) -> str:
    sata = d.interface == "SATA"
    rows: list[tuple[str, object]] = [
        ("Port", d.port),
        ("Box", d.box),
        ("Bay", d.bay),
        ("Status", d.status),
        ("Drive Type", drive_type),
        ("Interface Type", d.interface),
        ("Size", drive_size(d.size)),
        ("Drive exposed to OS", "False"),
        ("Logical/Physical Block Size", "512/512"),
        ("Rotational Speed", d.rpm),
        ("Firmware Revision", d.firmware),
        ("Serial Number", d.serial),
        ("WWID", d.wwid),
        ("Model", f"{d.vendor:<8}{d.model}"),
    ]
    if sata:
        rows += [("SATA NCQ Capable", "True"), ("SATA NCQ Enabled", "True")]
    if d.temperature is not None:
        rows.append(("Current Temperature (C)", d.temperature))
    if d.max_temperature is not None:
        rows.append(("Maximum Temperature (C)", d.max_temperature))
    rows += [
        ("PHY Count", 1 if sata else 2),
        ("PHY Transfer Rate", d.phy_rate),
        ("Sanitize Erase Supported", "False"),
        ("Shingled Magnetic Recording Support", "None"),
    ]
    return f"      physicaldrive {d.id}\n" + "".join(_kv(9, k, v) for k, v in rows) + "\n"


def _logical_drive(ld: LogicalDrive) -> str:
    sectors = ld.size // 512
    rows: list[tuple[str, object]] = [
        ("Size", volume_size(ld.size)),
        ("Fault Tolerance", ld.fault_tolerance),
        ("Heads", HEADS),
        ("Sectors Per Track", SECTORS_PER_TRACK),
        ("Cylinders", min(65535, sectors // (HEADS * SECTORS_PER_TRACK))),
        ("Strip Size", f"{ld.strip_kb} KB"),
        ("Full Stripe Size", f"{ld.strip_kb * ld.data_drives} KB"),
        ("Status", ld.status),
        ("Unrecoverable Media Errors", "None"),
        ("Caching", " Enabled"),
    ]
    if ld.fault_tolerance in ("5", "6"):
        rows.append(("Parity Initialization Status", "Initialization Completed"))
    rows.append(("Unique Identifier", ld.unique_id))
    if ld.disk_name:
        rows.append(("Disk Name", ld.disk_name))
    if ld.mount_points:
        mounts = ", ".join(
            f"{mp} {_mount_size(size)} Partition Number {i}"
            for i, (mp, size) in enumerate(ld.mount_points, 1)
        )
        rows += [("Mount Points", mounts), ("OS Status", "LOCKED")]
    if ld.boot:
        rows.append(("Boot Volume", ld.boot))
    rows.append(("Logical Drive Label", ld.label))
    out = [f"      Logical Drive: {ld.number}\n"]
    out.extend(_kv(9, k, v) for k, v in rows)
    if ld.fault_tolerance in ("1", "1+0"):
        half = len(ld.drives) // 2
        for g, group in enumerate((ld.drives[:half], ld.drives[half:]), 1):
            out.append(f"         Mirror Group {g}:\n")
            out.extend(f"            {d.short()}\n" for d in group)
    out += [_kv(9, "Drive Type", "Data"), _kv(9, "LD Acceleration Method", "Controller Cache")]
    return "".join(out) + "\n\n"


def _array(a: Array) -> str:
    drives = a.drives
    used = (
        sum(ld.sectors_per_drive for ld in a.logical_drives) * 512 * len([d for d in drives if not d.spare])
    )
    usable = sum(d.sectors - RESERVED_SECTORS for d in drives if not d.spare) * 512
    unused = max(usable - used, 0)
    total = used + unused or 1
    rows = [
        ("Interface Type", drives[0].interface if drives else "SAS"),
        ("Unused Space", f"{unused // 2**20} MB ({100 * unused / total:.2f}%)"),
        ("Used Space", f"{volume_size(used)} ({100 * used / total:.2f}%)"),
        ("Status", a.status),
        ("Array Type", "Data"),
        ("Smart Path", "disable"),
    ]
    out = [f"   Array: {a.letter}\n"]
    out.extend(_kv(6, k, v) for k, v in rows)
    out.append("\n\n")
    out.extend(_logical_drive(ld) for ld in a.logical_drives)
    for d in drives:
        out.append(_drive_detail(d, "Spare Drive" if d.spare else "Data Drive"))
    return "".join(out) + "\n"


def render_controller(c: Controller) -> str:
    out = [_controller_head(c)]
    out.extend(_enclosure(c, e) for e in c.enclosures)
    out.append(_ports(c))
    out.extend(_array(a) for a in c.arrays)
    if c.unassigned:
        out.append("   Unassigned\n\n")
        out.extend(_drive_detail(d, "Unassigned Drive") for d in c.unassigned)
        out.append("\n")
    return "".join(out)


def render_config_detail(controllers: list[Controller]) -> str:
    """`ssacli ctrl all show config detail`: every controller, one after the other."""
    return "\n" + "\n".join(render_controller(c) for c in controllers)
