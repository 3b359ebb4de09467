"""Render `smartctl -a` text and `smartctl -j -a` JSON for ATA, NVMe and SCSI devices from values we choose.

The layout follows smartmontools 7.3 (ataprint.cpp, nvmeprint.cpp, scsiprint.cpp and the JSON schema they
write through `jout`/`jglb`): column widths, the "General SMART Values" capability texts, the attribute table
format `"%3d %-24s0x%04x   %-3s   %-3s   %-3s    %-10s%-9s%-12s%s"`, the self-test log rows, NVMe's
`SMART/Health Information (NVMe Log 0x02)` block, `format_capacity`'s three significant digits, and the
exit-status bits of smartctl(8) "RETURN VALUES" (computed from the content, never chosen separately).

A drive is a dataclass (AtaDrive, NvmeDrive, ScsiDrive); `render_text`/`render_json` print it, `exit_status`
says what smartctl would exit with. `standby_*` and `open_failed_*` render the two short answers smartctl
gives
when it reads nothing. Vendor attribute sets (`*_attributes`) use the names smartmontools' drive database
gives those models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

VERSION = (7, 3)
VERSION_LINE = "7.3 2022-02-28 r5338"
SVN_REVISION = "5338"
COPYRIGHT = "Copyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org"
PLATFORM = "x86_64-linux-6.1.0-27-amd64"
WHEN = "2026-11-25T09:58:03+00:00"


# ----------------------------------------------------------------------------------------------------------
# the model


@dataclass
class Attr:
    """One ATA SMART attribute (raw as smartctl prints it: an int, or text such as "34 (Min/Max 21/40)")."""

    id: int
    name: str
    flag: int
    value: int
    worst: int
    thresh: int
    raw: int | str = 0
    when_failed: str = ""  # "" | "now" | "past"

    @property
    def prefail(self) -> bool:
        return bool(self.flag & 0x01)

    @property
    def raw_value(self) -> int:
        text = str(self.raw)
        digits = text.split()[0] if text.split() else "0"
        return int(digits) if digits.isdigit() else 0


# smartmontools ataprint.cpp: the self-test status nibble -> its text
ATA_TEST_STATUS = {
    0: "Completed without error",
    1: "Aborted by host",
    2: "Interrupted (host reset)",
    3: "Fatal or unknown error",
    4: "Completed: unknown failure",
    5: "Completed: electrical failure",
    6: "Completed: servo/seek failure",
    7: "Completed: read failure",
    8: "Completed: handling damage??",
    15: "Self-test routine in progress",
}
ATA_TEST_TYPES = {0: "Offline", 1: "Short offline", 2: "Extended offline", 3: "Conveyance offline"}


@dataclass
class SelfTest:
    """One self-test log entry: `status` is ATA's status nibble (ATA_TEST_STATUS), `kind` its type code."""

    kind: int = 1
    status: int = 0
    hours: int = 0
    remaining: int = 0  # percent, a multiple of 10
    lba: int | None = None

    @property
    def failed(self) -> bool:
        return 3 <= self.status <= 8


@dataclass
class AtaDrive:
    model: str
    serial: str
    firmware: str
    capacity: int
    wwn: str | None = None  # 16 hex digits, NAA 5 ("5000c500b1c2d3e4")
    rpm: int = 7200  # 0 = solid state
    family: str | None = None
    logical_sector: int = 512
    physical_sector: int = 512
    form_factor: str | None = "3.5 inches"
    ata_version: str = "ACS-3 T13/2161-D revision 5"
    sata_version: str = "SATA 3.2, 6.0 Gb/s (current: 6.0 Gb/s)"
    trim: bool = False
    health_passed: bool = True
    attributes: list[Attr] = field(default_factory=list)
    self_tests: list[SelfTest] = field(default_factory=list)  # newest first
    test_running_remaining: int | None = None  # percent left of a running self-test
    error_count: int = 0
    offline_seconds: int = 600
    polling: tuple[int, int, int | None] = (1, 600, 2)  # short, extended, conveyance minutes
    selective: bool = True
    sct: bool = True
    # behind a RAID controller's passthrough (smartctl -d megaraid,N): the firmware cannot return the SMART
    # RETURN STATUS, so smartctl judges from the attribute thresholds and says so
    status_from_attributes: bool = False

    @property
    def ssd(self) -> bool:
        return self.rpm == 0


@dataclass
class NvmeSelfTest:
    kind: int = 1  # 1 Short, 2 Extended
    result: int = 0  # 0 completed without error, 1 aborted by command, 7 one or more segments failed
    hours: int = 0


NVME_TEST_TYPES = {1: "Short", 2: "Extended"}
NVME_TEST_RESULTS = {
    0: "Completed without error",
    1: "Aborted: Self-test command",
    2: "Aborted: Controller Reset",
    5: "Completed: failed segments",
    7: "Completed: failed segments",
}


@dataclass
class NvmeDrive:
    model: str
    serial: str
    firmware: str
    capacity: int
    eui64: str | None = None  # 16 hex digits: OUI (6) + extension (10)
    pci_vendor: int = 0x144D
    oui: int = 0x002538
    controller_id: int = 4
    nvme_version: str = "1.3"
    utilization: int | None = None
    critical_warning: int = 0
    temperature: int = 38
    sensors: tuple[int, ...] = ()
    available_spare: int = 100
    spare_threshold: int = 10
    percentage_used: int = 1
    data_units_read: int = 0
    data_units_written: int = 0
    host_reads: int = 0
    host_writes: int = 0
    busy_minutes: int = 0
    power_cycles: int = 0
    power_on_hours: int = 0
    unsafe_shutdowns: int = 0
    media_errors: int = 0
    error_entries: int = 0
    self_tests: list[NvmeSelfTest] | None = field(default_factory=list)  # None: no self-test support
    warning_temp: int = 85
    critical_temp: int = 85


@dataclass
class ScsiDrive:
    vendor: str
    product: str
    revision: str
    capacity: int
    serial: str
    lu_id: str | None = None  # "0x5000c500..." or "0x600508b1..."
    rpm: int | None = None
    smart: bool = True  # SMART capability (a RAID logical volume has none)
    health_ok: bool = True
    temperature: int = 0
    trip: int = 0
    transport: str | None = "SAS (SPL-3)"
    form_factor: str | None = None
    power_on_hours: int | None = None
    grown_defects: int | None = 0
    uncorrected: tuple[int, int, int] = (0, 0, 0)  # read, write, verify
    processed_gb: tuple[float, float, float] = (0.0, 0.0, 0.0)
    self_tests: list[SelfTest] = field(default_factory=list)
    compliance: str = "SPC-4"
    logical_block: int = 512


Drive = AtaDrive | NvmeDrive | ScsiDrive


# ----------------------------------------------------------------------------------------------------------
# formatting helpers (smartmontools utility.cpp)


def thousands(n: int) -> str:
    return f"{n:,}"


def format_capacity(val: int) -> str:
    """utility.cpp format_capacity: three significant digits, truncated, SI prefixes."""
    prefixes = " KMGTP"
    i, d = 0, 1
    d2 = 1000
    while val >= d2:
        d = d2
        i += 1
        if i >= len(prefixes) - 1:
            break
        d2 *= 1000
    n = val // d
    if i == 0:
        return f"{n} B"
    if n >= 100:
        return f"{n} {prefixes[i]}B"
    if n >= 10:
        return f"{n}.{(val % d) * 10 // d} {prefixes[i]}B"
    return f"{n}.{(val % d) * 100 // d:02d} {prefixes[i]}B"


def asctime(when: str = WHEN) -> str:
    """C asctime(): the day of the month space-padded ("Wed Nov  4 09:58:03 2026"), then the zone."""
    dt = datetime.fromisoformat(when).astimezone(UTC)
    return f"{dt:%a %b} {dt.day:2d} {dt:%H:%M:%S %Y} UTC"


def _time_t(when: str) -> int:
    return int(datetime.fromisoformat(when).timestamp())


def banner(platform: str = PLATFORM) -> str:
    return f"smartctl {VERSION_LINE} [{platform}] (local build)\n{COPYRIGHT}\n\n"


def _kv(key: str, value: str, width: int) -> str:
    return f"{key + ':':<{width}}{value}\n"


# ----------------------------------------------------------------------------------------------------------
# exit status (smartctl(8) RETURN VALUES), from what the report says


def exit_status(drive: Drive) -> int:
    rc = 0
    if isinstance(drive, AtaDrive):
        if not drive.health_passed:
            rc |= 1 << 3
        if any(a.when_failed == "now" and a.prefail for a in drive.attributes):
            rc |= 1 << 4
        if any(a.when_failed == "past" for a in drive.attributes) or any(
            a.when_failed == "now" and not a.prefail for a in drive.attributes
        ):
            rc |= 1 << 5
        if drive.error_count:
            rc |= 1 << 6
        if any(t.failed for t in drive.self_tests):
            rc |= 1 << 7
    elif isinstance(drive, NvmeDrive):
        if drive.critical_warning:
            rc |= 1 << 3
        if drive.error_entries:
            rc |= 1 << 6
        if any(t.result in (5, 6, 7) for t in drive.self_tests or ()):
            rc |= 1 << 7
    else:
        if not drive.smart:
            rc |= 1 << 2  # the log-sense commands a SMART-less volume rejects
        elif not drive.health_ok:
            rc |= 1 << 3
        if any(t.failed for t in drive.self_tests):
            rc |= 1 << 7
    return rc


# ----------------------------------------------------------------------------------------------------------
# ATA text


_TAB5 = "\t\t\t\t\t"


def _ata_general(d: AtaDrive) -> str:
    out = ["General SMART Values:"]
    out.append(
        "Offline data collection status:  (0x82)\tOffline data collection activity\n"
        f"{_TAB5}was completed without error.\n{_TAB5}Auto Offline Data Collection: Enabled."
        if not d.ssd
        else "Offline data collection status:  (0x00)\tOffline data collection activity\n"
        f"{_TAB5}was never started.\n{_TAB5}Auto Offline Data Collection: Disabled."
    )
    last = d.self_tests[0] if d.self_tests else None
    if d.test_running_remaining is not None:
        value = 0xF0 | (d.test_running_remaining // 10)
        out.append(
            f"Self-test execution status:      ({value:4d})\tSelf-test routine in progress...\n"
            f"{_TAB5}{d.test_running_remaining}% of test remaining."
        )
    elif last is not None and last.status == 7:
        out.append(
            f"Self-test execution status:      ({0x70 | last.remaining // 10:4d})\t"
            "The previous self-test completed "
            f"having\n{_TAB5}the read element of the test failed."
        )
    else:
        out.append(
            "Self-test execution status:      (   0)\tThe previous self-test routine completed\n"
            f"{_TAB5}without error or no self-test has ever \n{_TAB5}been run."
        )
    out.append(f"Total time to complete Offline \ndata collection: \t\t({d.offline_seconds:5d}) seconds.")
    caps = 0x7B if d.selective else 0x5B
    lines = [
        "SMART execute Offline immediate.",
        "Auto Offline data collection on/off support.",
        "Suspend Offline collection upon new\n" + _TAB5 + "command.",
        "Offline surface scan supported.",
        "Self-test supported.",
        "Conveyance Self-test supported."
        if d.polling[2] is not None
        else "No Conveyance Self-test supported.",
        "Selective Self-test supported." if d.selective else "No Selective Self-test supported.",
    ]
    out.append(f"Offline data collection\ncapabilities: \t\t\t (0x{caps:02x}) " + ("\n" + _TAB5).join(lines))
    out.append(
        "SMART capabilities:            (0x0003)\tSaves SMART data before entering\n"
        f"{_TAB5}power-saving mode.\n{_TAB5}Supports SMART auto save timer."
    )
    out.append(
        "Error logging capability:        (0x01)\tError logging supported.\n"
        f"{_TAB5}General Purpose Logging supported."
    )
    out.append(f"Short self-test routine \nrecommended polling time: \t ({d.polling[0]:4d}) minutes.")
    out.append(f"Extended self-test routine\nrecommended polling time: \t ({d.polling[1]:4d}) minutes.")
    if d.polling[2] is not None:
        out.append(f"Conveyance self-test routine\nrecommended polling time: \t ({d.polling[2]:4d}) minutes.")
    if d.sct:
        out.append(
            "SCT capabilities: \t       (0x003d)\tSCT Status supported.\n"
            f"{_TAB5}SCT Error Recovery Control supported.\n{_TAB5}SCT Feature Control supported.\n"
            f"{_TAB5}SCT Data Table supported."
        )
    return "\n".join(out) + "\n\n"


def _attr_row(a: Attr) -> str:
    when = {"now": "FAILING_NOW", "past": "In_the_past"}.get(a.when_failed, "    -")
    return (
        f"{a.id:3d} {a.name:<24}0x{a.flag:04x}   {a.value:03d}   {a.worst:03d}   {a.thresh:03d}    "
        f"{'Pre-fail' if a.prefail else 'Old_age':<10}{'Always' if a.flag & 0x02 else 'Offline':<9}{when:<12}"
        f"{a.raw}\n"
    )


def _ata_self_test_log(d: AtaDrive) -> str:
    if not d.self_tests:
        return (
            "SMART Self-test log structure revision number 1\n"
            "No self-tests have been logged.  [To run self-tests, use: smartctl -t]\n\n"
        )
    out = [
        "SMART Self-test log structure revision number 1",
        "Num  Test_Description    Status                  Remaining  LifeTime(hours)  LBA_of_first_error",
    ]
    for n, t in enumerate(d.self_tests, 1):
        lba = "-" if t.lba is None else str(t.lba)
        out.append(
            f"#{n:2d}  {ATA_TEST_TYPES[t.kind]:<19} {ATA_TEST_STATUS[t.status]:<29} {t.remaining // 10}0%  "
            f"{t.hours:8d}         {lba}"
        )
    return "\n".join(out) + "\n\n"


def _ata_text(d: AtaDrive, when: str) -> str:
    w = 18
    info = ["=== START OF INFORMATION SECTION ===\n"]
    if d.family:
        info.append(_kv("Model Family", d.family, w))
    info.append(_kv("Device Model", d.model, w))
    info.append(_kv("Serial Number", d.serial, w))
    if d.wwn:
        info.append(_kv("LU WWN Device Id", f"{d.wwn[0]} {d.wwn[1:7]} {d.wwn[7:]}", w))
    info.append(_kv("Firmware Version", d.firmware, w))
    info.append(_kv("User Capacity", f"{thousands(d.capacity)} bytes [{format_capacity(d.capacity)}]", w))
    if d.logical_sector == d.physical_sector:
        info.append(_kv("Sector Size", f"{d.logical_sector} bytes logical/physical", w))
    else:
        info.append(
            _kv("Sector Sizes", f"{d.logical_sector} bytes logical, {d.physical_sector} bytes physical", w)
        )
    info.append(_kv("Rotation Rate", "Solid State Device" if d.ssd else f"{d.rpm} rpm", w))
    if d.form_factor:
        info.append(_kv("Form Factor", d.form_factor, w))
    if d.trim:
        info.append(_kv("TRIM Command", "Available, deterministic, zeroed", w))
    info.append(
        _kv(
            "Device is",
            "In smartctl database 7.3/5319" if d.family else "Not in smartctl database 7.3/5319",
            w,
        )
    )
    info.append(_kv("ATA Version is", d.ata_version, w))
    info.append(_kv("SATA Version is", d.sata_version, w))
    info.append(_kv("Local Time is", asctime(when), w))
    info.append(_kv("SMART support is", "Available - device has SMART capability.", w))
    info.append(_kv("SMART support is", "Enabled", w))
    out = ["".join(info), "\n=== START OF READ SMART DATA SECTION ===\n"]
    if d.status_from_attributes:
        out.append("SMART Status not supported: ATA return descriptor not supported by controller firmware\n")
    if d.health_passed:
        out.append("SMART overall-health self-assessment test result: PASSED\n")
        if d.status_from_attributes:
            out.append("Warning: This result is based on an Attribute check.\n")
    else:
        out.append(
            "SMART overall-health self-assessment test result: FAILED!\n"
            "Drive failure expected in less than 24 hours. SAVE ALL DATA.\n"
            "See vendor-specific Attribute list for failed Attributes.\n"
        )
    if any(a.when_failed for a in d.attributes) and d.health_passed:
        out.append("See vendor-specific Attribute list for marginal Attributes.\n")
    out.append("\n" + _ata_general(d))
    out.append("SMART Attributes Data Structure revision number: 16\n")
    out.append("Vendor Specific SMART Attributes with Thresholds:\n")
    out.append(
        "ID# ATTRIBUTE_NAME          FLAG     VALUE WORST THRESH TYPE      UPDATED  WHEN_FAILED RAW_VALUE\n"
    )
    out.extend(_attr_row(a) for a in d.attributes)
    out.append("\nSMART Error Log Version: 1\n")
    out.append("No Errors Logged\n\n" if not d.error_count else f"ATA Error Count: {d.error_count}\n\n")
    out.append(_ata_self_test_log(d))
    if d.selective:
        out.append(
            "SMART Selective self-test log data structure revision number 1\n"
            " SPAN  MIN_LBA  MAX_LBA  CURRENT_TEST_STATUS\n"
            + "".join(f"    {i}        0        0  Not_testing\n" for i in range(1, 6))
            + "Selective self-test flags (0x0):\n"
            "  After scanning selected spans, do NOT read-scan remainder of disk.\n"
            "If Selective self-test is pending on power-up, resume after 0 minute delay.\n\n"
        )
    else:
        out.append("Selective Self-tests/Logging not supported\n\n")
    out.append("The above only provides legacy SMART information - try 'smartctl -x' for more\n\n")
    return "".join(out)


# ----------------------------------------------------------------------------------------------------------
# NVMe text


def _nvme_text(d: NvmeDrive, when: str) -> str:
    w = 36
    ns = d.capacity
    out = ["=== START OF INFORMATION SECTION ===\n"]
    out.append(_kv("Model Number", d.model, w))
    out.append(_kv("Serial Number", d.serial, w))
    out.append(_kv("Firmware Version", d.firmware, w))
    out.append(_kv("PCI Vendor/Subsystem ID", f"0x{d.pci_vendor:04x}", w))
    out.append(_kv("IEEE OUI Identifier", f"0x{d.oui:06x}", w))
    out.append(_kv("Total NVM Capacity", f"{thousands(ns)} [{format_capacity(ns)}]", w))
    out.append(_kv("Unallocated NVM Capacity", "0", w))
    out.append(_kv("Controller ID", str(d.controller_id), w))
    out.append(_kv("NVMe Version", d.nvme_version, w))
    out.append(_kv("Number of Namespaces", "1", w))
    out.append(_kv("Namespace 1 Size/Capacity", f"{thousands(ns)} [{format_capacity(ns)}]", w))
    if d.utilization is not None:
        out.append(
            _kv(
                "Namespace 1 Utilization", f"{thousands(d.utilization)} [{format_capacity(d.utilization)}]", w
            )
        )
    out.append(_kv("Namespace 1 Formatted LBA Size", "512", w))
    if d.eui64:
        out.append(_kv("Namespace 1 IEEE EUI-64", f"{d.eui64[:6]} {d.eui64[6:]}", w))
    out.append(_kv("Local Time is", asctime(when), w))
    out.append(_kv("Firmware Updates (0x16)", "3 Slots, no Reset required", w))
    admin = "Security Format Frmw_DL" + (" Self_Test" if d.self_tests is not None else "")
    out.append(_kv(f"Optional Admin Commands (0x{0x17 if d.self_tests is not None else 0x07:04x})", admin, w))
    out.append(_kv("Optional NVM Commands (0x005f)", "Comp Wr_Unc DS_Mngmt Wr_Zero Sav/Sel_Feat Timestmp", w))
    out.append(_kv("Log Page Attributes (0x03)", "S/H_per_NS Cmd_Eff_Lg", w))
    out.append(_kv("Maximum Data Transfer Size", "512 Pages", w))
    out.append(_kv("Warning  Comp. Temp. Threshold", f"{d.warning_temp} Celsius", w))
    out.append(_kv("Critical Comp. Temp. Threshold", f"{d.critical_temp} Celsius", w))
    out.append(
        "\nSupported Power States\n"
        "St Op     Max   Active     Idle   RL RT WL WT  Ent_Lat  Ex_Lat\n"
        " 0 +     7.80W       -        -    0  0  0  0        0       0\n"
        " 1 +     6.00W       -        -    1  1  1  1        0       0\n"
        " 2 +     3.40W       -        -    2  2  2  2        0       0\n"
        " 3 -   0.0700W       -        -    3  3  3  3      210    1200\n"
        " 4 -   0.0100W       -        -    4  4  4  4     2000    8000\n"
        "\nSupported LBA Sizes (NSID 0x1)\n"
        "Id Fmt  Data  Metadt  Rel_Perf\n"
        " 0 +     512       0         0\n\n"
    )
    out.append("=== START OF SMART DATA SECTION ===\n")
    if d.critical_warning:
        out.append("SMART overall-health self-assessment test result: FAILED!\n")
        for bit, text in (
            (0x01, "available spare has fallen below threshold"),
            (0x02, "temperature is above or below thresholds"),
            (0x04, "NVM subsystem reliability has been degraded"),
            (0x08, "media has been placed in read only mode"),
            (0x10, "volatile memory backup device has failed"),
        ):
            if d.critical_warning & bit:
                out.append(f"- {text}\n")
    else:
        out.append("SMART overall-health self-assessment test result: PASSED\n")
    out.append("\nSMART/Health Information (NVMe Log 0x02)\n")
    rows = [
        ("Critical Warning", f"0x{d.critical_warning:02x}"),
        ("Temperature", f"{d.temperature} Celsius"),
        ("Available Spare", f"{d.available_spare}%"),
        ("Available Spare Threshold", f"{d.spare_threshold}%"),
        ("Percentage Used", f"{d.percentage_used}%"),
        (
            "Data Units Read",
            f"{thousands(d.data_units_read)} [{format_capacity(d.data_units_read * 512000)}]",
        ),
        (
            "Data Units Written",
            f"{thousands(d.data_units_written)} [{format_capacity(d.data_units_written * 512000)}]",
        ),
        ("Host Read Commands", thousands(d.host_reads)),
        ("Host Write Commands", thousands(d.host_writes)),
        ("Controller Busy Time", thousands(d.busy_minutes)),
        ("Power Cycles", thousands(d.power_cycles)),
        ("Power On Hours", thousands(d.power_on_hours)),
        ("Unsafe Shutdowns", thousands(d.unsafe_shutdowns)),
        ("Media and Data Integrity Errors", thousands(d.media_errors)),
        ("Error Information Log Entries", thousands(d.error_entries)),
        ("Warning  Comp. Temperature Time", "0"),
        ("Critical Comp. Temperature Time", "0"),
    ]
    rows += [(f"Temperature Sensor {i}", f"{t} Celsius") for i, t in enumerate(d.sensors, 1)]
    out.extend(_kv(k, v, w) for k, v in rows)
    out.append("\nError Information (NVMe Log 0x01, 16 of 64 entries)\n")
    out.append(
        "No Errors Logged\n\n"
        if not d.error_entries
        else "Num   ErrCount  SQId   CmdId  Status  PELoc          LBA  NSID    VS\n  0"
        + f"{d.error_entries:>11}     0  0x0012  0xc005  0x028            -     0     -\n\n"
    )
    if d.self_tests is not None:
        out.append("Self-test Log (NVMe Log 0x06)\nSelf-test status: No self-test in progress\n")
        if not d.self_tests:
            out.append("No Self-tests Logged\n\n")
        else:
            out.append(
                "Num  Test_Description  Status                       Power_on_Hours"
                "  Failing_LBA  NSID Seg SCT Code\n"
            )
            for n, t in enumerate(d.self_tests):
                seg = "-" if t.result not in (5, 6, 7) else "1"
                out.append(
                    f"{n:2d}   {NVME_TEST_TYPES[t.kind]:<17} {NVME_TEST_RESULTS[t.result]:<28} {t.hours:>14}"
                    f"            -     -   {seg}   -    -\n"
                )
            out.append("\n")
    return "".join(out)


# ----------------------------------------------------------------------------------------------------------
# SCSI text


def _scsi_text(d: ScsiDrive, when: str) -> str:
    w = 22
    out = ["=== START OF INFORMATION SECTION ===\n"]
    out.append(_kv("Vendor", d.vendor, w))
    out.append(_kv("Product", d.product, w))
    out.append(_kv("Revision", d.revision, w))
    out.append(_kv("Compliance", d.compliance, w))
    out.append(_kv("User Capacity", f"{thousands(d.capacity)} bytes [{format_capacity(d.capacity)}]", w))
    out.append(_kv("Logical block size", f"{d.logical_block} bytes", w))
    if d.rpm is not None:
        out.append(_kv("Rotation Rate", "Solid State Device" if d.rpm == 0 else f"{d.rpm} rpm", w))
    if d.form_factor:
        out.append(_kv("Form Factor", d.form_factor, w))
    if d.lu_id:
        out.append(_kv("Logical Unit id", d.lu_id, w))
    out.append(_kv("Serial number", d.serial, w))
    out.append(_kv("Device type", "disk", w))
    if d.transport and d.smart:
        out.append(_kv("Transport protocol", d.transport, w))
    out.append(_kv("Local Time is", asctime(when), w))
    if not d.smart:
        out.append(_kv("SMART support is", "Unavailable - device lacks SMART capability.", w))
        out.append(
            "\n=== START OF READ SMART DATA SECTION ===\n"
            "Current Drive Temperature:     0 C\nDrive Trip Temperature:        0 C\n\n"
            "Error Counter logging not supported\n\nDevice does not support Self Test logging\n"
        )
        return "".join(out)
    out.append(_kv("SMART support is", "Available - device has SMART capability.", w))
    out.append(_kv("SMART support is", "Enabled", w))
    out.append(_kv("Temperature Warning", "Enabled", w))
    out.append("\n=== START OF READ SMART DATA SECTION ===\n")
    out.append(
        "SMART Health Status: "
        + ("OK" if d.health_ok else "FAILURE PREDICTION THRESHOLD EXCEEDED [asc=5d, ascq=0]")
        + "\n\n"
    )
    out.append(
        f"Current Drive Temperature:     {d.temperature} C\nDrive Trip Temperature:        {d.trip} C\n\n"
    )
    if d.power_on_hours is not None:
        out.append(f"Accumulated power on time, hours:minutes {d.power_on_hours}:07\n")
    if d.grown_defects is not None:
        out.append(f"Elements in grown defect list: {d.grown_defects}\n\n")
    out.append(
        "Error counter log:\n"
        "           Errors Corrected by           Total   Correction     Gigabytes    Total\n"
        "               ECC          rereads/    errors   algorithm      processed    uncorrected\n"
        "           fast | delayed   rewrites  corrected  invocations   [10^9 bytes]  errors\n"
    )
    for name, unc, gb in zip(("read", "write", "verify"), d.uncorrected, d.processed_gb, strict=True):
        out.append(f"{name + ':':<10}{0:>8}{0:>9}{0:>10}{0:>10}{0:>11}{gb:>15.3f}{unc:>12}\n")
    out.append("\nNon-medium error count:        0\n\n")
    if not d.self_tests:
        out.append("No Self-tests have been logged\n")
    else:
        out.append(
            "SMART Self-test log\n"
            "Num  Test              Status                 segment  LifeTime  LBA_first_err [SK ASC ASQ]\n"
            "     Description                              number   (hours)\n"
        )
        for n, t in enumerate(d.self_tests, 1):
            desc = "Background short" if t.kind == 1 else "Background long"
            status = (
                "Completed"
                if t.status == 0
                else "Failed in segment -->"
                if t.failed
                else "Aborted (by user command)"
            )
            lba = "-" if t.lba is None else str(t.lba)
            out.append(f"#{n:2d}  {desc:<17} {status:<23} {'-':>7} {t.hours:>7} {lba:>17} [-   -    -]\n")
    return "".join(out)


def render_text(drive: Drive, *, when: str = WHEN, platform: str = PLATFORM, preamble: str = "") -> str:
    """`smartctl -a` as smartctl 7.3 prints it for this drive (`preamble`: lines smartctl prints first,
    such as macOS's "CHECK POWER MODE not implemented, ignoring -n option")."""
    head = banner(platform) + preamble
    if isinstance(drive, AtaDrive):
        return head + _ata_text(drive, when)
    if isinstance(drive, NvmeDrive):
        return head + _nvme_text(drive, when)
    return head + _scsi_text(drive, when)


# ----------------------------------------------------------------------------------------------------------
# JSON (smartctl -j): the schema of smartmontools 7.3's JSON output


def _smartctl_obj(argv: list[str], rc: int, platform: str, messages: list[dict] | None = None) -> dict:
    obj: dict = {
        "version": list(VERSION),
        "svn_revision": SVN_REVISION,
        "platform_info": platform,
        "build_info": "(local build)",
        "argv": argv,
    }
    if messages:
        obj["messages"] = messages
    obj["exit_status"] = rc
    return obj


def _device_obj(dev: str, drive: Drive) -> dict:
    if isinstance(drive, NvmeDrive):
        return {"name": dev, "info_name": dev, "type": "nvme", "protocol": "NVMe"}
    if isinstance(drive, ScsiDrive):
        return {"name": dev, "info_name": dev, "type": "scsi", "protocol": "SCSI"}
    return {"name": dev, "info_name": f"{dev} [SAT]", "type": "sat", "protocol": "ATA"}


def _flags(flag: int) -> dict:
    names = ("prefailure", "updated_online", "performance", "error_rate", "event_count", "auto_keep")
    letters = "POSRCK"
    return {
        "value": flag,
        "string": "".join(c if flag & (1 << i) else "-" for i, c in enumerate(letters)) + " ",
        **{n: bool(flag & (1 << i)) for i, n in enumerate(names)},
    }


def _temperature(d: AtaDrive) -> int | None:
    by_id = {a.id: a for a in d.attributes}
    for attr_id in (194, 190):
        if attr_id in by_id:
            return by_id[attr_id].raw_value
    return None


def _ata_json(d: AtaDrive, doc: dict) -> None:
    if d.family:
        doc["model_family"] = d.family
    doc["model_name"] = d.model
    doc["serial_number"] = d.serial
    if d.wwn:
        doc["wwn"] = {"naa": int(d.wwn[0], 16), "oui": int(d.wwn[1:7], 16), "id": int(d.wwn[7:], 16)}
    doc["firmware_version"] = d.firmware
    doc["user_capacity"] = {"blocks": d.capacity // d.logical_sector, "bytes": d.capacity}
    doc["logical_block_size"] = d.logical_sector
    doc["physical_block_size"] = d.physical_sector
    doc["rotation_rate"] = d.rpm
    if d.form_factor:
        doc["form_factor"] = {"ata_value": 2 if d.form_factor.startswith("3.5") else 3, "name": d.form_factor}
    doc["trim"] = {"supported": d.trim}
    doc["in_smartctl_database"] = bool(d.family)
    doc["ata_version"] = {"string": d.ata_version, "major_value": 2040, "minor_value": 109}
    sata = d.sata_version.split(",")[0]
    doc["sata_version"] = {"string": sata, "value": 255}
    doc["interface_speed"] = {
        key: {"sata_value": 14, "string": "6.0 Gb/s", "units_per_second": 60, "bits_per_unit": 100000000}
        for key in ("max", "current")
    }
    doc["smart_support"] = {"available": True, "enabled": True}
    doc["smart_status"] = {"passed": d.health_passed}
    running = d.test_running_remaining
    last = d.self_tests[0] if d.self_tests else None
    if running is not None:
        st = {
            "value": 0xF0 | running // 10,
            "string": f"in progress, {running}% remaining",
            "remaining_percent": running,
        }
    elif last is not None and last.status == 7:
        st = {"value": 0x70 | last.remaining // 10, "string": "completed with read failure", "passed": False}
    else:
        st = {"value": 0, "string": "completed without error", "passed": True}
    doc["ata_smart_data"] = {
        "offline_data_collection": {
            "status": {
                "value": 0 if d.ssd else 130,
                "string": "was never started" if d.ssd else "was completed without error",
            },
            "completion_seconds": d.offline_seconds,
        },
        "self_test": {
            "status": st,
            "polling_minutes": {
                k: v
                for k, v in zip(("short", "extended", "conveyance"), d.polling, strict=True)
                if v is not None
            },
        },
        "capabilities": {
            "values": [0x7B if d.selective else 0x5B, 3],
            "exec_offline_immediate_supported": True,
            "offline_is_aborted_upon_new_cmd": False,
            "offline_surface_scan_supported": True,
            "self_tests_supported": True,
            "conveyance_self_test_supported": d.polling[2] is not None,
            "selective_self_test_supported": d.selective,
            "attribute_autosave_enabled": True,
            "error_logging_supported": True,
            "gp_logging_supported": True,
        },
    }
    doc["ata_smart_attributes"] = {
        "revision": 16,
        "table": [
            {
                "id": a.id,
                "name": a.name,
                "value": a.value,
                "worst": a.worst,
                "thresh": a.thresh,
                "when_failed": a.when_failed,
                "flags": _flags(a.flag),
                "raw": {"value": a.raw_value, "string": str(a.raw)},
            }
            for a in d.attributes
        ],
    }
    by_id = {a.id: a for a in d.attributes}
    if 9 in by_id:
        doc["power_on_time"] = {"hours": by_id[9].raw_value}
    if 12 in by_id:
        doc["power_cycle_count"] = by_id[12].raw_value
    temp = _temperature(d)
    if temp is not None:
        doc["temperature"] = {"current": temp}
    doc["ata_smart_error_log"] = {"summary": {"revision": 1, "count": d.error_count}}
    table = []
    for t in d.self_tests:
        entry = {
            "type": {"value": t.kind, "string": ATA_TEST_TYPES[t.kind]},
            "status": {"value": t.status << 4 | t.remaining // 10, "string": ATA_TEST_STATUS[t.status]},
            "lifetime_hours": t.hours,
        }
        if t.status != 15:
            entry["status"]["passed"] = not t.failed
        if t.remaining:
            entry["status"]["remaining_percent"] = t.remaining
        if t.lba is not None:
            entry["lba"] = t.lba
        table.append(entry)
    doc["ata_smart_self_test_log"] = {
        "standard": {
            "revision": 1,
            "table": table,
            "count": len(table),
            "error_count_total": sum(1 for t in d.self_tests if t.failed),
            "error_count_outdated": 0,
        }
    }


def _nvme_json(d: NvmeDrive, doc: dict) -> None:
    doc["model_name"] = d.model
    doc["serial_number"] = d.serial
    doc["firmware_version"] = d.firmware
    doc["nvme_pci_vendor"] = {"id": d.pci_vendor, "subsystem_id": d.pci_vendor}
    doc["nvme_ieee_oui_identifier"] = d.oui
    doc["nvme_total_capacity"] = d.capacity
    doc["nvme_unallocated_capacity"] = 0
    doc["nvme_controller_id"] = d.controller_id
    parts = d.nvme_version.split(".")
    if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
        value = int(parts[0]) << 16 | int(parts[1]) << 8
    else:  # "<1.2": the controller reports version 0 (NVMe before 1.2 had no version register)
        value = 0
    doc["nvme_version"] = {"string": d.nvme_version, "value": value}
    doc["nvme_number_of_namespaces"] = 1
    ns: dict = {
        "id": 1,
        "size": {"blocks": d.capacity // 512, "bytes": d.capacity},
        "capacity": {"blocks": d.capacity // 512, "bytes": d.capacity},
    }
    if d.utilization is not None:
        ns["utilization"] = {"blocks": d.utilization // 512, "bytes": d.utilization}
    ns["formatted_lba_size"] = 512
    if d.eui64:
        ns["eui64"] = {"oui": int(d.eui64[:6], 16), "ext_id": int(d.eui64[6:], 16)}
    doc["nvme_namespaces"] = [ns]
    doc["user_capacity"] = {"blocks": d.capacity // 512, "bytes": d.capacity}
    doc["logical_block_size"] = 512
    doc["smart_support"] = {"available": True, "enabled": True}
    doc["smart_status"] = {"passed": d.critical_warning == 0, "nvme": {"value": d.critical_warning}}
    log = {
        "critical_warning": d.critical_warning,
        "temperature": d.temperature,
        "available_spare": d.available_spare,
        "available_spare_threshold": d.spare_threshold,
        "percentage_used": d.percentage_used,
        "data_units_read": d.data_units_read,
        "data_units_written": d.data_units_written,
        "host_reads": d.host_reads,
        "host_writes": d.host_writes,
        "controller_busy_time": d.busy_minutes,
        "power_cycles": d.power_cycles,
        "power_on_hours": d.power_on_hours,
        "unsafe_shutdowns": d.unsafe_shutdowns,
        "media_errors": d.media_errors,
        "num_err_log_entries": d.error_entries,
        "warning_temp_time": 0,
        "critical_comp_time": 0,
    }
    if d.sensors:
        log["temperature_sensors"] = list(d.sensors)
    doc["nvme_smart_health_information_log"] = log
    doc["temperature"] = {"current": d.temperature}
    doc["power_cycle_count"] = d.power_cycles
    doc["power_on_time"] = {"hours": d.power_on_hours}
    doc["nvme_error_information_log"] = {"size": 64, "read": 16, "unread": 0}
    if d.self_tests is not None:
        doc["nvme_self_test_log"] = {
            "current_self_test_operation": {"value": 0, "string": "No self-test in progress"},
            "table": [
                {
                    "self_test_code": {"value": t.kind, "string": NVME_TEST_TYPES[t.kind]},
                    "self_test_result": {"value": t.result, "string": NVME_TEST_RESULTS[t.result]},
                    "power_on_hours": t.hours,
                }
                for t in d.self_tests
            ],
        }


def _scsi_json(d: ScsiDrive, doc: dict) -> None:
    doc["scsi_vendor"] = d.vendor
    doc["scsi_product"] = d.product
    doc["scsi_model_name"] = f"{d.vendor} {d.product}"
    doc["scsi_revision"] = d.revision
    doc["scsi_version"] = d.compliance
    doc["user_capacity"] = {"blocks": d.capacity // d.logical_block, "bytes": d.capacity}
    doc["logical_block_size"] = d.logical_block
    if d.rpm is not None:
        doc["rotation_rate"] = d.rpm
    if d.lu_id:
        doc["logical_unit_id"] = d.lu_id
    doc["serial_number"] = d.serial
    doc["device_type"] = {"scsi_terminology": "Peripheral Device Type [PDT]", "scsi_value": 0, "name": "disk"}
    doc["smart_support"] = {"available": d.smart, "enabled": d.smart}
    if not d.smart:
        doc["temperature"] = {"current": 0, "drive_trip": 0}
        return
    doc["smart_status"] = {"passed": d.health_ok}
    doc["temperature"] = {"current": d.temperature, "drive_trip": d.trip}
    if d.power_on_hours is not None:
        doc["power_on_time"] = {"hours": d.power_on_hours, "minutes": 7}
    if d.grown_defects is not None:
        doc["scsi_grown_defect_list"] = d.grown_defects
    doc["scsi_error_counter_log"] = {
        name: {
            "errors_corrected_by_eccfast": 0,
            "errors_corrected_by_eccdelayed": 0,
            "errors_corrected_by_rereads_rewrites": 0,
            "total_errors_corrected": 0,
            "correction_algorithm_invocations": 0,
            "gigabytes_processed": f"{gb:.3f}",
            "total_uncorrected_errors": unc,
        }
        for name, unc, gb in zip(("read", "write", "verify"), d.uncorrected, d.processed_gb, strict=True)
    }
    for n, t in enumerate(d.self_tests):
        doc[f"scsi_self_test_{n}"] = {
            "code": {"value": t.kind, "string": "Background short" if t.kind == 1 else "Background long"},
            "result": {
                "value": 0 if t.status == 0 else 7,
                "string": "Completed" if t.status == 0 else "Failed in segment -->",
            },
            "power_on_time": {"hours": t.hours, "aka": "accumulated_power_on_hours"},
        }


def render_json(
    drive: Drive, dev: str, *, argv: list[str] | None = None, when: str = WHEN, platform: str = PLATFORM
) -> str:
    """`smartctl -j -a DEV` as smartctl 7.3 prints it for this drive."""
    argv = argv or ["smartctl", "-j", "-a", dev]
    doc: dict = {
        "json_format_version": [1, 0],
        "smartctl": _smartctl_obj(argv, exit_status(drive), platform),
        "local_time": {"time_t": _time_t(when), "asctime": asctime(when)},
        "device": _device_obj(dev, drive),
    }
    if isinstance(drive, AtaDrive):
        _ata_json(drive, doc)
    elif isinstance(drive, NvmeDrive):
        _nvme_json(drive, doc)
    else:
        _scsi_json(drive, doc)
    return json.dumps(doc, indent=2) + "\n"


# ----------------------------------------------------------------------------------------------------------
# the short answers: a sleeping disk (-n standby), a device that cannot be opened

STANDBY_RC = 2


def standby_text(platform: str = PLATFORM) -> str:
    """ataprint.cpp: with `-n standby`, a disk in STANDBY is not woken; smartctl says so and exits 2."""
    return banner(platform) + "Device is in STANDBY mode, exit(2)\n"


def standby_json(
    dev: str, *, argv: list[str] | None = None, platform: str = PLATFORM, when: str = WHEN
) -> str:
    argv = argv or ["smartctl", "-j", "-a", "-n", "standby", dev]
    msg = [{"string": "Device is in STANDBY mode, exit(2)", "severity": "information"}]
    doc = {
        "json_format_version": [1, 0],
        "smartctl": _smartctl_obj(argv, STANDBY_RC, platform, msg),
        "local_time": {"time_t": _time_t(when), "asctime": asctime(when)},
        "device": {"name": dev, "info_name": f"{dev} [SAT]", "type": "sat", "protocol": "ATA"},
        "power_mode": {"value": 0, "string": "STANDBY"},
    }
    return json.dumps(doc, indent=2) + "\n"


def open_failed_text(dev: str, reason: str = "Permission denied", platform: str = PLATFORM) -> str:
    """smartctl.cpp: the device could not be opened (exit 2, bit 1)."""
    return banner(platform) + f"Smartctl open device: {dev} failed: {reason}\n"


def open_failed_json(dev: str, reason: str = "Permission denied", *, argv: list[str] | None = None) -> str:
    argv = argv or ["smartctl", "-j", "-a", dev]
    msg = [{"string": f"Smartctl open device: {dev} failed: {reason}", "severity": "error"}]
    doc = {"json_format_version": [1, 0], "smartctl": _smartctl_obj(argv, 2, PLATFORM, msg)}
    return json.dumps(doc, indent=2) + "\n"


# ----------------------------------------------------------------------------------------------------------
# attribute sets, by the names smartmontools' drive database gives each family


def _a(attr_id: int, name: str, flag: int, value: int, worst: int, thresh: int, raw: int | str) -> Attr:
    return Attr(attr_id, name, flag, value, worst, thresh, raw)


def samsung_ssd_attributes(
    hours: int, temp: int, *, cycles: int = 40, lbas_written: int = 9_876_543_210
) -> list[Attr]:
    """Samsung SATA SSDs (drivedb "Samsung based SSDs", 840/850/860/870)."""
    return [
        _a(5, "Reallocated_Sector_Ct", 0x0033, 100, 100, 10, 0),
        _a(9, "Power_On_Hours", 0x0032, 99, 99, 0, hours),
        _a(12, "Power_Cycle_Count", 0x0032, 99, 99, 0, cycles),
        _a(177, "Wear_Leveling_Count", 0x0013, 98, 98, 0, 23),
        _a(179, "Used_Rsvd_Blk_Cnt_Tot", 0x0013, 100, 100, 10, 0),
        _a(181, "Program_Fail_Cnt_Total", 0x0032, 100, 100, 10, 0),
        _a(182, "Erase_Fail_Count_Total", 0x0032, 100, 100, 10, 0),
        _a(183, "Runtime_Bad_Block", 0x0013, 100, 100, 10, 0),
        _a(187, "Uncorrectable_Error_Cnt", 0x0032, 100, 100, 0, 0),
        _a(190, "Airflow_Temperature_Cel", 0x0032, 100 - temp, 100 - temp - 12, 0, temp),
        _a(195, "ECC_Error_Rate", 0x001A, 200, 200, 0, 0),
        _a(199, "CRC_Error_Count", 0x003E, 100, 100, 0, 0),
        _a(235, "POR_Recovery_Count", 0x0012, 99, 99, 0, 12),
        _a(241, "Total_LBAs_Written", 0x0032, 99, 99, 0, lbas_written),
    ]


def intel_ssd_attributes(hours: int, temp: int, *, cycles: int = 31) -> list[Attr]:
    """Intel data-center SATA SSDs (drivedb "Intel S4510/S4610/S4500/S4600 Series SSDs")."""
    return [
        _a(5, "Reallocated_Sector_Ct", 0x0032, 100, 100, 0, 0),
        _a(9, "Power_On_Hours", 0x0032, 100, 100, 0, hours),
        _a(12, "Power_Cycle_Count", 0x0032, 100, 100, 0, cycles),
        _a(170, "Available_Reservd_Space", 0x0033, 100, 100, 10, 0),
        _a(171, "Program_Fail_Count", 0x0032, 100, 100, 0, 0),
        _a(172, "Erase_Fail_Count", 0x0032, 100, 100, 0, 0),
        _a(174, "Unsafe_Shutdown_Count", 0x0032, 100, 100, 0, 9),
        _a(175, "Power_Loss_Cap_Test", 0x0033, 100, 100, 10, "4471 (16 1033)"),
        _a(183, "SATA_Downshift_Count", 0x0032, 100, 100, 0, 0),
        _a(184, "End-to-End_Error", 0x0033, 100, 100, 90, 0),
        _a(187, "Reported_Uncorrect", 0x0032, 100, 100, 0, 0),
        _a(
            190,
            "Temperature_Case",
            0x0022,
            100 - temp,
            100 - temp - 9,
            0,
            f"{temp} (Min/Max {temp - 10}/{temp + 9})",
        ),
        _a(192, "Unsafe_Shutdown_Count", 0x0032, 100, 100, 0, 9),
        _a(194, "Temperature_Internal", 0x0022, 100, 100, 0, temp + 3),
        _a(197, "Current_Pending_Sector", 0x0012, 100, 100, 0, 0),
        _a(199, "CRC_Error_Count", 0x003E, 100, 100, 0, 0),
        _a(225, "Host_Writes_32MiB", 0x0032, 100, 100, 0, 512_331),
        _a(226, "Workld_Media_Wear_Indic", 0x0032, 100, 100, 0, 31),
        _a(227, "Workld_Host_Reads_Perc", 0x0032, 100, 100, 0, 61),
        _a(228, "Workload_Minutes", 0x0032, 100, 100, 0, hours * 60),
        _a(232, "Available_Reservd_Space", 0x0033, 100, 100, 10, 0),
        _a(233, "Media_Wearout_Indicator", 0x0032, 99, 99, 0, 0),
        _a(234, "Thermal_Throttle", 0x0032, 100, 100, 0, "0/0"),
        _a(241, "Host_Writes_32MiB", 0x0032, 100, 100, 0, 512_331),
        _a(242, "Host_Reads_32MiB", 0x0032, 100, 100, 0, 801_177),
    ]


def seagate_hdd_attributes(hours: int, temp: int, *, cycles: int = 51) -> list[Attr]:
    """Seagate enterprise/NAS hard disks (drivedb "Seagate Exos", "IronWolf", "Enterprise Capacity")."""
    return [
        _a(1, "Raw_Read_Error_Rate", 0x000F, 83, 64, 44, 201_584_210),
        _a(3, "Spin_Up_Time", 0x0003, 91, 90, 0, 0),
        _a(4, "Start_Stop_Count", 0x0032, 100, 100, 20, cycles),
        _a(5, "Reallocated_Sector_Ct", 0x0033, 100, 100, 10, 0),
        _a(7, "Seek_Error_Rate", 0x000F, 89, 60, 45, 812_367_440),
        _a(9, "Power_On_Hours", 0x0032, 100 - hours // 876, 100 - hours // 876, 0, hours),
        _a(10, "Spin_Retry_Count", 0x0013, 100, 100, 97, 0),
        _a(12, "Power_Cycle_Count", 0x0032, 100, 100, 20, cycles),
        _a(18, "Head_Health", 0x000B, 100, 100, 50, 0),
        _a(187, "Reported_Uncorrect", 0x0032, 100, 100, 0, 0),
        _a(188, "Command_Timeout", 0x0032, 100, 100, 0, 0),
        _a(
            190,
            "Airflow_Temperature_Cel",
            0x0022,
            100 - temp,
            100 - temp - 12,
            40,
            f"{temp} (Min/Max {temp - 11}/{temp + 8})",
        ),
        _a(192, "Power-Off_Retract_Count", 0x0032, 100, 100, 0, 31),
        _a(193, "Load_Cycle_Count", 0x0032, 99, 99, 0, 2_214),
        _a(194, "Temperature_Celsius", 0x0022, temp, 52, 0, f"{temp} (0 {temp - 11} 0 0 0)"),
        _a(197, "Current_Pending_Sector", 0x0012, 100, 100, 0, 0),
        _a(198, "Offline_Uncorrectable", 0x0010, 100, 100, 0, 0),
        _a(199, "UDMA_CRC_Error_Count", 0x003E, 200, 200, 0, 0),
        _a(200, "Pressure_Limit", 0x0023, 100, 100, 1, 0),
        _a(240, "Head_Flying_Hours", 0x0000, 100, 253, 0, f"{hours - 40} (28 31 0)"),
        _a(241, "Total_LBAs_Written", 0x0000, 100, 253, 0, 91_837_166_112),
        _a(242, "Total_LBAs_Read", 0x0000, 100, 253, 0, 288_516_009_884),
    ]


def wdc_hdd_attributes(hours: int, temp: int, *, cycles: int = 88) -> list[Attr]:
    """Western Digital / HGST hard disks (drivedb "Western Digital Red", "Blue", "Ultrastar")."""
    return [
        _a(1, "Raw_Read_Error_Rate", 0x002F, 200, 200, 51, 0),
        _a(3, "Spin_Up_Time", 0x0027, 178, 175, 21, 6_091),
        _a(4, "Start_Stop_Count", 0x0032, 100, 100, 0, cycles),
        _a(5, "Reallocated_Sector_Ct", 0x0033, 200, 200, 140, 0),
        _a(7, "Seek_Error_Rate", 0x002E, 200, 200, 0, 0),
        _a(9, "Power_On_Hours", 0x0032, 100 - hours // 876, 100 - hours // 876, 0, hours),
        _a(10, "Spin_Retry_Count", 0x0032, 100, 253, 0, 0),
        _a(11, "Calibration_Retry_Count", 0x0032, 100, 253, 0, 0),
        _a(12, "Power_Cycle_Count", 0x0032, 100, 100, 0, cycles),
        _a(192, "Power-Off_Retract_Count", 0x0032, 200, 200, 0, 41),
        _a(193, "Load_Cycle_Count", 0x0032, 198, 198, 0, 6_352),
        _a(194, "Temperature_Celsius", 0x0022, 120 - temp, 110 - temp, 0, temp),
        _a(196, "Reallocated_Event_Count", 0x0032, 200, 200, 0, 0),
        _a(197, "Current_Pending_Sector", 0x0032, 200, 200, 0, 0),
        _a(198, "Offline_Uncorrectable", 0x0030, 100, 253, 0, 0),
        _a(199, "UDMA_CRC_Error_Count", 0x0032, 200, 200, 0, 0),
        _a(200, "Multi_Zone_Error_Rate", 0x0008, 200, 200, 0, 0),
    ]


def hitachi_hdd_attributes(hours: int, temp: int, *, cycles: int = 64) -> list[Attr]:
    """Hitachi/HGST Deskstar and Ultrastar SATA disks (drivedb "Deskstar 7K1000.C", "Ultrastar A7K2000")."""
    return [
        _a(1, "Raw_Read_Error_Rate", 0x000B, 100, 100, 16, 0),
        _a(2, "Throughput_Performance", 0x0005, 136, 136, 54, 81),
        _a(3, "Spin_Up_Time", 0x0007, 128, 128, 24, "278 (Average 277)"),
        _a(4, "Start_Stop_Count", 0x0012, 100, 100, 0, cycles),
        _a(5, "Reallocated_Sector_Ct", 0x0033, 100, 100, 5, 0),
        _a(7, "Seek_Error_Rate", 0x000B, 100, 100, 67, 0),
        _a(8, "Seek_Time_Performance", 0x0005, 135, 135, 20, 26),
        _a(9, "Power_On_Hours", 0x0012, 100 - hours // 1000, 100 - hours // 1000, 0, hours),
        _a(10, "Spin_Retry_Count", 0x0013, 100, 100, 60, 0),
        _a(12, "Power_Cycle_Count", 0x0032, 100, 100, 0, cycles),
        _a(192, "Power-Off_Retract_Count", 0x0032, 100, 100, 0, 71),
        _a(193, "Load_Cycle_Count", 0x0012, 100, 100, 0, 71),
        _a(
            194,
            "Temperature_Celsius",
            0x0002,
            200 - 3 * temp,
            200 - 3 * temp,
            0,
            f"{temp} (Min/Max 18/{temp + 10})",
        ),
        _a(196, "Reallocated_Event_Count", 0x0032, 100, 100, 0, 0),
        _a(197, "Current_Pending_Sector", 0x0022, 100, 100, 0, 0),
        _a(198, "Offline_Uncorrectable", 0x0008, 100, 100, 0, 0),
        _a(199, "UDMA_CRC_Error_Count", 0x000A, 200, 200, 0, 0),
    ]


def set_raw(attrs: list[Attr], raws: dict[int, int | str]) -> list[Attr]:
    """The same attribute set with some raw values changed (normalised values untouched)."""
    out = []
    for a in attrs:
        if a.id in raws:
            a = Attr(a.id, a.name, a.flag, a.value, a.worst, a.thresh, raws[a.id], a.when_failed)
        out.append(a)
    return out


def fail_attr(attrs: list[Attr], attr_id: int, value: int, raw: int | str, when: str = "now") -> list[Attr]:
    """An attribute whose normalised value fell to or below its threshold (WHEN_FAILED `now`/`past`)."""
    out = []
    for a in attrs:
        if a.id == attr_id:
            a = Attr(a.id, a.name, a.flag, value, min(a.worst, value), a.thresh, raw, when)
            assert value <= a.thresh or when == "past", "a failing attribute is at or below its threshold"
        out.append(a)
    return out
