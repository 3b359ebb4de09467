"""Parse recorded smartctl -a/-x text (through pySMART) and -j JSON into SmartHealth. Pure.

pySMART 1.4.3 is used as a library, never run: a `pySMART.smartctl.Smartctl` subclass hands it the captured
output from `generic_call`, and every pySMART call is guarded so its exceptions become our ParseError or a
note. Our own line scanner reads the same text next to it and fills in what pySMART lacks or gets wrong:
the WWN, the exit status, standby ("Device is in STANDBY mode, exit(2)"), open failures and permission
problems (pySMART sees an empty device in both), truncated attribute tables (pySMART raises StopIteration),
`-x` attribute tables (pySMART reads the FLAGS column as hex and raises ValueError), the model when
an "Add. Product Id" line follows "Device Model" (pySMART's substring test overwrites it), serials with
blanks (pySMART keeps the first word), SCSI uncorrected errors and the last self-test. Each correction is
recorded in `SmartHealth.notes`.

Assessment rule (the same for text and JSON):
- UNKNOWN when no health was read: standby, the device could not be opened, SMART unsupported/disabled,
  or no overall-health verdict and no warning sign below.
- FAIL when the drive's overall-health self-assessment says FAILED (SCSI: anything but OK), or exit bit 3
  (disk failing) is set.
- WARN when exit bit 4 or 5 is set, an attribute is FAILING_NOW or failed In_the_past, an ATA predictor is
  nonzero (5 reallocated, 197 pending, 198 offline uncorrectable), NVMe critical_warning != 0, media errors
  > 0 or available spare below its threshold, SCSI grown defects or uncorrected errors > 0, or the last
  finished self-test failed. (187/188/199 are reported but do not warn by themselves: 199 is a cable
  problem, 188 counts timeouts of any cause, 187 is often vendor-scaled.)
- PASS otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from raidwatch.errors import ParseError
from raidwatch.model import SmartHealth, to_jsonable
from raidwatch.parsers.bounds import check_lines, to_hex, to_int

# smartctl(8) "RETURN VALUES": one name per bit, low bit first.
EXIT_BITS: tuple[str, ...] = (
    "command-line-error",  # 0: command line did not parse
    "device-open-failed",  # 1: device open failed, or device in low-power mode with -n
    "command-failed",  # 2: some SMART or other command to the disk failed, or checksum error
    "disk-failing",  # 3: SMART status check returned DISK FAILING
    "prefail-below-threshold",  # 4: prefail attributes <= threshold now
    "attribute-past-threshold",  # 5: SMART status OK, but attributes were <= threshold in the past
    "error-log-has-errors",  # 6: the device error log contains records of errors
    "self-test-log-has-errors",  # 7: the self-test log contains records of errors
)

# ATA attribute id -> SmartHealth field
ATA_PREDICTORS: dict[int, str] = {
    5: "reallocated_sectors",
    187: "reported_uncorrectable",
    188: "command_timeout",
    197: "pending_sectors",
    198: "offline_uncorrectable",
    199: "udma_crc_errors",
}


# smartmontools atacmds.cpp ata_return_temperature_value(): the drive temperature is attribute 194
# (Temperature_Celsius) and, only when 194 is absent or gives no plausible reading, 190
# (Airflow_Temperature_Cel); the low byte of the raw value counts, and only 0 < t < 128 is a reading.
ATA_TEMPERATURE_IDS: tuple[int, ...] = (194, 190)


def ata_temperature(readings: dict[int, int]) -> int | None:
    """The drive temperature smartctl itself reports from ATA attribute readings {id: degrees}: 194 first,
    then 190, each kept only when 0 < t < 128 (smartmontools' rule); None when neither is. A reading is
    the first number smartctl prints in the RAW_VALUE column (text) or the low byte of raw.value (JSON)."""
    for attr_id in ATA_TEMPERATURE_IDS:
        t = readings.get(attr_id)
        if t is not None and 0 < t < 128:
            return t
    return None


def decode_exit_status(rc: int | None) -> tuple[str, ...]:
    """smartctl's exit status bit mask -> the names of the bits set (EXIT_BITS), low bit first."""
    if rc is None or rc < 0:
        return ()
    return tuple(name for bit, name in enumerate(EXIT_BITS) if rc & (1 << bit))


@dataclass
class _Facts:
    """What one reader (pySMART, our scanner, the JSON reader) found; None = not found."""

    device_type: str | None = None
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    wwn: str | None = None
    capacity_bytes: int | None = None
    rotation_rpm: int | None = None
    is_ssd: bool | None = None
    smart_supported: bool | None = None
    smart_enabled: bool | None = None
    health_passed: bool | None = None
    health_text: str | None = None
    temperature_celsius: int | None = None
    ata_temperature_raws: dict[int, int] = field(default_factory=dict)  # attribute 194/190 -> raw
    power_on_hours: int | None = None
    predictors: dict[str, int] = field(default_factory=dict)  # field name -> raw
    attributes: list[tuple[str, int]] = field(default_factory=list)
    failing_now: list[str] = field(default_factory=list)
    failed_in_past: list[str] = field(default_factory=list)
    nvme: dict[str, int] = field(default_factory=dict)  # SmartHealth nvme_* field -> value
    scsi_grown_defects: int | None = None
    scsi_uncorrected_errors: int | None = None
    last_self_test_type: str | None = None
    last_self_test_result: str | None = None
    last_self_test_passed: bool | None = None
    last_self_test_hours: int | None = None
    self_test_in_progress: bool = False
    standby: str | None = None  # the power mode smartctl named
    open_failed: str | None = None
    permission_denied: bool = False
    fatal: str | None = None  # smartctl gave up: "A mandatory SMART command failed", ...
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------------------
# assessment and assembly (shared with smartctl_json)


def _self_test_passed(status: str) -> bool | None:
    s = status.lower()
    if "in progress" in s or "aborted" in s or "interrupted" in s or s.startswith("running"):
        return None
    if any(w in s for w in ("fail", "error", "fatal", "unknown")) and "without error" not in s:
        return False
    if s.startswith("completed"):
        return True
    return None


def _build(f: _Facts, exit_status: int | None) -> SmartHealth:
    """Decide the assessment (rule in the module docstring) and freeze the facts."""
    bits = decode_exit_status(exit_status)
    reasons: list[str] = []
    message: str | None = None
    level = "PASS"

    def warn(why: str) -> None:
        nonlocal level
        reasons.append(why)
        if level == "PASS":
            level = "WARN"

    if f.health_passed is False:
        level = "FAIL"
        reasons.append(f"overall health: {f.health_text or 'FAILED'}")
    if "disk-failing" in bits:
        level = "FAIL"
        reasons.append("exit bit 3: SMART status says DISK FAILING")
    if "prefail-below-threshold" in bits:
        warn("exit bit 4: a prefail attribute is at or below its threshold")
    if "attribute-past-threshold" in bits:
        warn("exit bit 5: an attribute was at or below its threshold in the past")
    for name in f.failing_now:
        warn(f"{name} is at or below its threshold now (FAILING_NOW)")
    for name in f.failed_in_past:
        warn(f"{name} was at or below its threshold in the past")
    for key, label in (
        ("reallocated_sectors", "reallocated sectors"),
        ("pending_sectors", "pending sectors"),
        ("offline_uncorrectable", "offline uncorrectable sectors"),
    ):
        if f.predictors.get(key, 0) > 0:
            warn(f"{label}: {f.predictors[key]}")
    nv = f.nvme
    if nv.get("nvme_critical_warning", 0):
        warn(f"NVMe critical warning 0x{nv['nvme_critical_warning']:02x}")
    if nv.get("nvme_media_errors", 0) > 0:
        warn(f"NVMe media and data integrity errors: {nv['nvme_media_errors']}")
    spare, thresh = nv.get("nvme_available_spare"), nv.get("nvme_available_spare_threshold")
    if spare is not None and thresh is not None and spare < thresh:
        warn(f"NVMe available spare {spare}% below threshold {thresh}%")
    if (f.scsi_grown_defects or 0) > 0:
        warn(f"SCSI grown defect list: {f.scsi_grown_defects}")
    if (f.scsi_uncorrected_errors or 0) > 0:
        warn(f"SCSI uncorrected errors: {f.scsi_uncorrected_errors}")
    if f.last_self_test_passed is False:
        warn(f"last self-test: {f.last_self_test_result}")

    if f.standby:
        message = f"device is in {f.standby} mode; SMART not read (smartctl -n)"
    elif f.open_failed:
        message = f"device open failed: {f.open_failed}"
    elif f.fatal:
        message = f.fatal
    elif f.smart_supported is False:
        message = "SMART unavailable: device lacks SMART capability"
    elif f.smart_enabled is False and f.health_passed is None:
        message = "SMART is disabled on the device"
    if level == "PASS" and (message or f.health_passed is None):
        level = "UNKNOWN"
        if message is None:
            message = "no overall-health verdict in the output"
        reasons.append(message)
    elif level != "PASS" and message is None and f.health_passed is False:
        message = f.health_text

    return SmartHealth(
        assessment=level,
        temperature_celsius=f.temperature_celsius,
        power_on_hours=f.power_on_hours,
        attributes=tuple(f.attributes),
        exit_status=exit_status,
        standby=f.standby is not None,
        message=message,
        device_type=f.device_type,
        model=f.model,
        serial=f.serial,
        firmware=f.firmware,
        wwn=f.wwn,
        capacity_bytes=f.capacity_bytes,
        rotation_rpm=f.rotation_rpm,
        is_ssd=f.is_ssd,
        smart_supported=f.smart_supported,
        smart_enabled=f.smart_enabled,
        health_passed=f.health_passed,
        failing_now=tuple(f.failing_now),
        failed_in_past=tuple(f.failed_in_past),
        scsi_grown_defects=f.scsi_grown_defects,
        scsi_uncorrected_errors=f.scsi_uncorrected_errors,
        last_self_test_type=f.last_self_test_type,
        last_self_test_result=f.last_self_test_result,
        last_self_test_passed=f.last_self_test_passed,
        last_self_test_hours=f.last_self_test_hours,
        self_test_in_progress=f.self_test_in_progress,
        exit_bits=bits,
        permission_denied=f.permission_denied,
        open_failed=f.open_failed,
        reasons=tuple(reasons),
        notes=tuple(f.notes),
        **f.predictors,  # type: ignore[arg-type]
        **f.nvme,  # type: ignore[arg-type]
    )


# ----------------------------------------------------------------------------------------------------------
# our line scanner


# Digits are ASCII ([0-9]); every pattern is linear in the line's length: the rest of a line is taken
# whole (`.*`, stripped in code), never lazily before a trailing `\s*$`, and the self-test log's
# two free-text columns are split in code (_test_row), not by two lazy groups.
_BANNER_RE = re.compile(r"^smartctl\s+(?:pre-)?[0-9]+\.[0-9]+\S*\s")
_STANDBY_RE = re.compile(r"Device is in (?P<mode>[A-Z_]+(?: \(OS\))?) mode, exit\((?P<rc>[0-9]+)\)")
_OPEN_RE = re.compile(r"^Smartctl open device: (?P<dev>\S+)(?: \[[^\]]*\])? failed: (?P<why>.+)$")
_PERM_RE = re.compile(r"Permission denied|Operation not permitted", re.I)


def device_message(f: Any, line: str) -> bool:
    """smartctl's word on the device itself (asleep; could not open it, and whether for lack of
    permission): recorded on `f` (standby, open_failed, permission_denied). True when it was one."""
    m = _STANDBY_RE.search(line)
    if m:
        f.standby = m.group("mode")
        return True
    m = _OPEN_RE.match(line)
    if m:
        f.open_failed = m.group("why")
        f.permission_denied = bool(_PERM_RE.search(m.group("why")))
        return True
    return False


_FATAL_RES = (
    re.compile(r"^A mandatory SMART command failed.*"),
    re.compile(r"^Read Device Identity failed: .*"),
    re.compile(r"^.*: Unable to detect device type$"),
    re.compile(r"^Log Sense failed, IE page .*"),
    re.compile(r"^Standard Inquiry \([0-9]+ bytes\) failed .*"),
    re.compile(r"^.*Device does not support SMART.*", re.I),
)
_KV_RE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9 ./()#,-]*?):(?P<val>.*)$")
_ATTR_HDR_RE = re.compile(r"^ID#\s+ATTRIBUTE_NAME\s+FLAGS?\s+VALUE\s+WORST\s+THRESH")
_ATTR_STD_RE = re.compile(
    r"^\s*(?P<id>[0-9]{1,3})\s+(?P<name>\S+)\s+(?P<flag>0x[0-9a-fA-F]+)\s+(?P<value>[0-9]+)\s+"
    r"(?P<worst>[0-9]+)\s+(?P<thresh>[0-9]+|---)\s+(?P<type>Pre-fail|Old_age)\s+(?P<updated>\S+)\s+"
    r"(?P<when>\S+)\s+(?P<raw>.*)$"
)
_ATTR_BRIEF_RE = re.compile(
    r"^\s*(?P<id>[0-9]{1,3})\s+(?P<name>\S+)\s+(?P<flag>[-A-Z]{6,})\s+(?P<value>[0-9]+)\s+(?P<worst>[0-9]+)\s+"
    r"(?P<thresh>[0-9]+|---)\s+(?P<when>-|NOW|Past)\s+(?P<raw>.*)$"
)
# Self-test log rows: "<type>  <status>" (free text, two or more blanks between them), then a tail of
# fixed columns. Each tail pattern is searched from the status on (leftmost = the shortest status) and
# starts only where a run of blanks starts, so each try reads a few words: linear in the line.
_ATA_TEST_HEAD_RE = re.compile(r"#\s*[0-9]+\s+(?=\S)")
_ATA_TEST_TAIL_RE = re.compile(r"(?<!\s)\s+(?P<remain>[0-9]+)%\s+(?P<hours>[0-9]+)\s+(?P<lba>\S+)\s*$")
_SCSI_TEST_TAIL_RE = re.compile(r"(?<!\s)\s{2,}(?P<seg>\S+)\s+(?P<hours>[0-9]+|NOW|-)\s+\S+\s+\[")
_NVME_TEST_HEAD_RE = re.compile(r"\s*[0-9]+\s+(?=\S)")
_NVME_TEST_TAIL_RE = re.compile(r"(?<!\s)\s{2,}(?P<hours>[0-9]+)(?:\s|$)")
_TWO_BLANKS_RE = re.compile(r"(?<!\s)\s{2,}")
# the columns start at a digit: a class holding blanks right after `\s+` would split a long run of blanks
# between the two in every way (quadratic in its length)
_SCSI_ERR_RE = re.compile(r"^(?P<kind>read|write|verify):\s+(?P<cols>[0-9.,][0-9.,\s]*)$")
_INT_RE = re.compile(r"[0-9]+")
_DIGIT_SEP_RE = re.compile(r"(?<=[0-9])[\u00a0\u202f\u2019\ufffd'](?=[0-9]{3})")
_GROUPED_RE = re.compile(r"\s*([0-9][0-9,.'\u00a0\u202f\u2019\ufffd ]*)")
_NOT_DIGIT_RE = re.compile(r"[^0-9]+")


def _int(text: str) -> int | None:
    """First integer of a value, ignoring thousands separators of any locale (1,234 1.234 1'234 1 234)."""
    m = _GROUPED_RE.match(text)
    if not m:
        return None
    return to_int(_NOT_DIGIT_RE.sub("", m.group(1).split(" [")[0]))


def _first_int(text: str) -> int | None:
    m = _INT_RE.search(text)
    return to_int(m.group()) if m else None


def _test_row(s: str) -> tuple[str, str, str] | None:
    """(type, status, hours) of a self-test log row of smartctl's ATA, SCSI or NVMe self-test log."""
    for head_re, tail_re in (
        (_ATA_TEST_HEAD_RE, _ATA_TEST_TAIL_RE),
        (_ATA_TEST_HEAD_RE, _SCSI_TEST_TAIL_RE),
        (_NVME_TEST_HEAD_RE, _NVME_TEST_TAIL_RE),
    ):
        head = head_re.match(s)
        if head is None:
            continue
        gap = _TWO_BLANKS_RE.search(s, head.end())  # the type ends at the first run of 2+ blanks
        if gap is None:
            continue
        tail = tail_re.search(s, gap.end() + 1)  # the status is at least one character
        if tail is None:
            continue
        return s[head.end() : gap.start()], s[gap.end() : tail.start()], tail.group("hours")
    return None


def _ata_wwn(val: str) -> str | None:
    m = re.fullmatch(r"([0-9a-fA-F])\s+([0-9a-fA-F]{6})\s+([0-9a-fA-F]{9})", val.strip())
    return f"0x{''.join(m.groups()).lower()}" if m else None


def _scan(lines: list[str]) -> _Facts:
    """Read what we need from smartctl text ourselves (banner already stripped)."""
    f = _Facts()
    vendor = product = None
    section = ""
    in_attr = False
    nvme_health = False
    first_test_seen = False
    for raw in lines:
        line = raw.replace("\u202f", "").rstrip()
        s = line.strip()
        if not s:
            in_attr = False
            nvme_health = False
            continue
        if device_message(f, s):
            continue
        if f.fatal is None:
            for rx in _FATAL_RES:
                if rx.match(s):
                    f.fatal = s
                    break
        if s.startswith("==="):
            section = s
            continue
        if _ATTR_HDR_RE.match(s):
            in_attr = True
            continue
        if in_attr:
            m = _ATTR_STD_RE.match(line) or _ATTR_BRIEF_RE.match(line)
            if m:
                _take_attribute(f, m)
                continue
            in_attr = False
        if s.startswith("SMART/Health Information (NVMe Log"):
            nvme_health = True
            f.device_type = "nvme"
            continue
        if s.startswith(("SMART Self-test log", "SMART Extended Self-test Log", "Self-test Log (NVMe Log")):
            section = "selftest"
            first_test_seen = False
            continue
        if section == "selftest" and not first_test_seen:
            row = _test_row(s)
            if row and not s.lower().startswith("num"):
                test_type, status, hours = row
                status = status.strip()
                passed = _self_test_passed(status)
                if "in progress" in status.lower():
                    f.self_test_in_progress = True
                    continue
                first_test_seen = True
                f.last_self_test_type = test_type.strip()
                f.last_self_test_result = status
                f.last_self_test_passed = passed
                f.last_self_test_hours = to_int(hours)
                continue
        # nvmeprint.cpp (7.3+): "Self-test status: Short self-test in progress (37% completed)", or
        # "Self-test status: No self-test in progress" on every NVMe drive with a self-test log
        if s.startswith("Self-test status:") and "in progress" in s and "no self-test" not in s.lower():
            f.self_test_in_progress = True
        if "Self-test routine in progress" in s:
            f.self_test_in_progress = True
        m = _SCSI_ERR_RE.match(s)
        if m:
            cols = m.group("cols").split()
            errors = to_int(cols[-1]) if len(cols) >= 7 else None
            if errors is not None:
                f.scsi_uncorrected_errors = (f.scsi_uncorrected_errors or 0) + errors
            continue
        m = re.search(r"SMART overall-health self-assessment test result:\s*(?P<v>.*)$", s)
        if m:
            verdict = m.group("v").strip()
            f.health_passed = verdict.startswith("PASSED")
            f.health_text = f"SMART overall-health self-assessment: {verdict}"
            continue
        m = _KV_RE.match(s)
        if not m:
            continue
        key, val = m.group("key"), m.group("val").strip()
        if nvme_health:
            _take_nvme(f, key, val)
            continue
        _take_info(f, key, val)
        if key == "Vendor":
            vendor = val
            f.device_type = f.device_type or "scsi"
        elif key == "Product":
            product = val
            f.device_type = f.device_type or "scsi"
    if product and f.device_type == "scsi":
        f.model = f"{vendor} {product}" if vendor and not product.startswith(vendor) else product
    if f.device_type is None:
        if f.attributes or f.model or f.smart_supported is not None:
            f.device_type = "ata"
        elif f.health_text and "SMART Health Status" in f.health_text:
            f.device_type = "scsi"
    if f.device_type == "nvme":
        f.is_ssd, f.rotation_rpm = True, 0
    if f.temperature_celsius is None and f.ata_temperature_raws:
        f.temperature_celsius = ata_temperature(f.ata_temperature_raws)
    return f


def _take_attribute(f: _Facts, m: re.Match[str]) -> None:
    attr_id = int(m.group("id"))  # [0-9]{1,3}
    name = m.group("name")
    raw = _first_int(m.group("raw"))
    when = m.group("when")
    flag = m.group("flag")
    prefail = m.groupdict().get("type") == "Pre-fail" or (flag[:1] == "P" and not flag.startswith("0x"))
    label = f"{attr_id} {name}"
    if when in ("FAILING_NOW", "NOW"):
        f.failing_now.append(label + (" (prefail)" if prefail else ""))
    elif when in ("In_the_past", "Past"):
        f.failed_in_past.append(label)
    if attr_id in ATA_PREDICTORS and raw is not None:
        f.predictors[ATA_PREDICTORS[attr_id]] = raw
        f.attributes.append((name, raw))
    if attr_id == 9 and raw is not None:
        f.power_on_hours = raw
    if attr_id in ATA_TEMPERATURE_IDS and raw is not None:
        f.ata_temperature_raws.setdefault(attr_id, raw)  # chosen after the table (194 before 190)


def _take_nvme(f: _Facts, key: str, val: str) -> None:
    if key == "Critical Warning":
        if re.fullmatch(r"0x[0-9a-fA-F]+", val) and (warning := to_hex(val)) is not None:
            f.nvme["nvme_critical_warning"] = warning
    elif key == "Temperature":
        t = _first_int(val)
        if t is not None:
            f.temperature_celsius = round((t - 32) * 5 / 9) if "Fahrenheit" in val else t
    elif key in ("Available Spare", "Available Spare Threshold", "Percentage Used"):
        field_name = {
            "Available Spare": "nvme_available_spare",
            "Available Spare Threshold": "nvme_available_spare_threshold",
            "Percentage Used": "nvme_percentage_used",
        }[key]
        v = _first_int(val)
        if v is not None:
            f.nvme[field_name] = v
    elif key == "Power On Hours":
        f.power_on_hours = _int(val)
    elif key == "Unsafe Shutdowns":
        v = _int(val)
        if v is not None:
            f.nvme["nvme_unsafe_shutdowns"] = v
    elif key == "Media and Data Integrity Errors":
        v = _int(val)
        if v is not None:
            f.nvme["nvme_media_errors"] = v


def _take_info(f: _Facts, key: str, val: str) -> None:
    if key == "Device Model":
        f.model = val
    elif key == "Model Number":
        f.model = val
        f.device_type = "nvme"
    elif key in ("Serial Number", "Serial number"):
        f.serial = val or None
    elif key in ("Firmware Version", "Revision"):
        f.firmware = val
    elif key == "LU WWN Device Id":
        f.wwn = _ata_wwn(val)
    elif key == "Logical Unit id":
        if re.fullmatch(r"0x[0-9a-fA-F]+", val):
            f.wwn = val.lower()
    elif key in ("IEEE EUI-64", "Namespace 1 IEEE EUI-64"):
        hexd = re.sub(r"\s", "", val).lower()
        if re.fullmatch(r"[0-9a-f]{16}", hexd):
            f.wwn = f"eui.{hexd}"
    elif key in ("User Capacity", "Total NVM Capacity", "Namespace 1 Size/Capacity"):
        v = _int(val)
        if v and (f.capacity_bytes is None or key != "Namespace 1 Size/Capacity"):
            f.capacity_bytes = v
    elif key == "Rotation Rate":
        if val.startswith("Solid State"):
            f.rotation_rpm, f.is_ssd = 0, True
        else:
            rpm = _first_int(val)
            if rpm:
                f.rotation_rpm, f.is_ssd = rpm, False
    elif key == "SMART support is":
        if val.startswith("Unavailable") or "lacks SMART" in val:
            f.smart_supported = False
            f.smart_enabled = False
        elif val.startswith("Available"):
            f.smart_supported = True
        elif val.startswith("Enabled"):
            f.smart_enabled = True
            f.smart_supported = True
        elif val.startswith("Disabled"):
            f.smart_enabled = False
    elif key == "SMART Health Status":
        f.health_passed = val == "OK"
        f.health_text = f"SMART Health Status: {val}"
    elif key == "Current Drive Temperature":
        t = _first_int(val)
        if t:  # 0 C is what RAID virtual drives without sensors report
            f.temperature_celsius = t
    elif key == "Elements in grown defect list":
        f.scsi_grown_defects = _int(val)
    elif key.startswith("Accumulated power on time"):
        h = _first_int(val)
        if h is not None:
            f.power_on_hours = h
    elif key == "number of hours powered up" or key.startswith("number of hours powered up"):
        h = _first_int(val)
        if h is not None and f.power_on_hours is None:
            f.power_on_hours = h


# ----------------------------------------------------------------------------------------------------------
# pySMART


def _pysmart_read(body: list[str], device_type: str) -> _Facts:
    """Run pySMART's Device parser over captured lines (no process is started). Raises what pySMART raises."""
    from pySMART import Device
    from pySMART.interface import AtaAttributes, NvmeAttributes, SCSIAttributes
    from pySMART.smartctl import Smartctl

    class CapturedSmartctl(Smartctl):
        """Answers pySMART's --all query from the capture; any other query 'fails' (rc 1, no lines)."""

        def __init__(self, lines: list[str]) -> None:
            super().__init__(smartctl_path="smartctl", options=[], sudo=False)
            self._lines = lines

        def generic_call(self, params: list[str], pass_options: bool = False) -> tuple[list[str], int]:
            if "--all" in params or "--info" in params:
                return list(self._lines), 0
            return [], 1

    # pySMART drops the first 4 lines (banner); give it 4 of its own so nothing of ours is lost. It reads
    # digit groups separated by ',' '.' but not by NBSP or a U+FFFD left by a wrong decoding: make them ','.
    # Its regexes backtrack polynomially (its self-test row pattern has five `(.*[^\s])\s{2,}` groups):
    # it gets only the lines smartctl can print (see _for_pysmart); our scanner reads every line.
    lines = ["smartctl (captured)", "", "", "", *(_DIGIT_SEP_RE.sub(",", x) for x in _for_pysmart(body))]
    dev = Device("captured", interface=device_type, smartctl=CapturedSmartctl(lines))
    f = _Facts()
    f.model = dev.model
    f.serial = dev.serial
    f.firmware = dev.firmware
    f.capacity_bytes = dev._capacity or None
    f.is_ssd = dev.is_ssd if (dev.is_ssd or dev.rotation_rate) else None
    f.rotation_rpm = 0 if dev.is_ssd else dev.rotation_rate
    f.smart_supported = dev.smart_capable
    f.smart_enabled = dev.smart_enabled
    # dev.assessment mixes the drive's verdict with pySMART's own attribute warnings; the verdict line
    # itself is read by our scanner, so pySMART's assessment is not used.
    temp = dev.temperature
    f.temperature_celsius = temp if temp else None
    ia = dev.if_attributes
    if isinstance(ia, AtaAttributes):
        # pySMART's AtaAttributes.temperature takes 190 before 194; smartctl takes 194 first
        raws = {
            attr_id: attr.raw_int
            for attr_id in ATA_TEMPERATURE_IDS
            if (attr := ia.legacyAttributes[attr_id]) is not None and isinstance(attr.raw_int, int)
        }
        if raws:
            f.temperature_celsius = ata_temperature(raws)
        for attr_id, fname in ATA_PREDICTORS.items():
            attr = ia.legacyAttributes[attr_id]
            if attr is not None and attr.raw_int is not None:
                f.predictors[fname] = attr.raw_int
                f.attributes.append((attr.name, attr.raw_int))
        poh = ia.legacyAttributes[9]
        if poh is not None:
            f.power_on_hours = poh.raw_int
    elif isinstance(ia, NvmeAttributes):
        for src, dst in (
            ("criticalWarning", "nvme_critical_warning"),
            ("integrityErrors", "nvme_media_errors"),
            ("percentageUsed", "nvme_percentage_used"),
            ("availableSpare", "nvme_available_spare"),
            ("availableSpareThreshold", "nvme_available_spare_threshold"),
            ("unsafeShutdowns", "nvme_unsafe_shutdowns"),
        ):
            v = getattr(ia, src, None)
            if isinstance(v, int):
                f.nvme[dst] = v
        f.power_on_hours = getattr(ia, "powerOnHours", None)
    elif isinstance(ia, SCSIAttributes):
        d = ia.diagnostics
        f.scsi_grown_defects = d.Reallocated_Sector_Ct
        f.power_on_hours = d.Power_On_Hours
    done = [t for t in dev.tests if "progress" not in str(t.status).lower() and t.status != "Running"]
    if done:
        t = done[0]
        f.last_self_test_type = str(t.type)
        f.last_self_test_result = str(t.status)
        f.last_self_test_hours = _first_int(str(t.hours))
    return f


# The longest line of the real smartctl outputs in the corpus has 105 characters and 10 runs of 2+ blanks.
PYSMART_MAX_LINE = 160
PYSMART_MAX_GAPS = 12


def _for_pysmart(body: list[str]) -> list[str]:
    """The lines pySMART may read: a longer or more ragged line (no smartctl prints one) would make its
    backtracking regexes take seconds to hours; such a line is left out for pySMART only."""
    return [
        x for x in body if len(x) <= PYSMART_MAX_LINE and len(_TWO_BLANKS_RE.findall(x)) <= PYSMART_MAX_GAPS
    ]


# Fields where, when pySMART and our scanner disagree, ours wins (pySMART's known faults, see docstring).
_OURS_WINS = {
    "model": "pySMART takes any line holding 'Product' (as 'Add. Product Id'); for SCSI drops the vendor",
    "serial": "pySMART keeps only the first word of the serial",
    "capacity_bytes": "pySMART misreads some locale-formatted capacities",
    "temperature_celsius": "pySMART reads 0 C (no sensor) as a temperature",
}
_COMPARED = (
    "model",
    "serial",
    "firmware",
    "capacity_bytes",
    "rotation_rpm",
    "is_ssd",
    "temperature_celsius",
    "power_on_hours",
    "scsi_grown_defects",
    "last_self_test_hours",
    "last_self_test_result",
)


def _merge(ours: _Facts, py: _Facts | None, why_not: str | None) -> _Facts:
    """pySMART first; our scanner fills its gaps and wins where pySMART is known to be wrong."""
    if py is None:
        ours.notes.append(f"pySMART could not parse this output ({why_not}); values from raidwatch's scanner")
        return ours
    out = replace(ours, notes=list(ours.notes))
    gaps: list[str] = []
    for name in _COMPARED:
        mine, theirs = getattr(ours, name), getattr(py, name)
        if theirs is None or theirs == mine:
            if theirs is None and mine is not None:
                gaps.append(name)
            continue
        if mine is None:
            setattr(out, name, theirs)
            continue
        if name in _OURS_WINS:
            out.notes.append(f"{name}: pySMART said {theirs!r}, text says {mine!r} ({_OURS_WINS[name]})")
        else:
            setattr(out, name, theirs)
            out.notes.append(f"{name}: pySMART {theirs!r} kept; raidwatch's scanner read {mine!r}")
    for key, val in py.predictors.items():
        if key not in ours.predictors:
            out.predictors[key] = val
    for key, val in py.nvme.items():
        out.nvme.setdefault(key, val)
    missing_preds = sorted(set(ours.predictors) - set(py.predictors))
    if missing_preds:
        gaps.append("ATA attributes " + ", ".join(missing_preds))
    missing_nvme = sorted(set(ours.nvme) - set(py.nvme))
    if missing_nvme:
        gaps.append(", ".join(missing_nvme))
    if ours.wwn:
        gaps.append("wwn")
    if ours.scsi_uncorrected_errors is not None:
        gaps.append("scsi_uncorrected_errors")
    if ours.standby:
        gaps.append("standby")
    if ours.open_failed:
        gaps.append("open failure" + (" (permission denied)" if ours.permission_denied else ""))
    if gaps:
        out.notes.append("pySMART lacks " + "; ".join(gaps) + ": read by raidwatch's scanner")
    return out


# ----------------------------------------------------------------------------------------------------------
# entry points


def split_smartctl_runs(text: str) -> list[str]:
    """Several smartctl runs concatenated in one file -> one text per run (split at each banner)."""
    runs: list[list[str]] = []
    for line in text.splitlines():
        if _BANNER_RE.match(line) or not runs:
            runs.append([])
        runs[-1].append(line)
    return ["\n".join(r) for r in runs if any(_BANNER_RE.match(x) for x in r)]


def _body(lines: list[str]) -> tuple[list[str], int]:
    """Lines after smartctl's banner and copyright, and the 1-based line number where the body starts."""
    start = next((i for i, line in enumerate(lines) if _BANNER_RE.match(line)), None)
    if start is None:
        return lines, 1
    i = start + 1
    if i < len(lines) and lines[i].startswith("Copyright"):
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    return lines[i:], i + 1


_MARKERS = (
    "=== START OF",
    "SMART overall-health self-assessment",
    "SMART Health Status:",
    "Device is in ",
    "Smartctl open device:",
    "SMART support is:",
)


def parse_smartctl_text(text: str, source: str, exit_status: int | None = None) -> SmartHealth:
    """Parse one recorded `smartctl -a`/`-x`/`-H` text run. Not smartctl output -> ParseError."""
    if not isinstance(text, str):
        raise ParseError(source, None, "not text")
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not smartctl output")
    all_lines = check_lines(text.splitlines(), source, "smartctl output")
    has_banner = any(_BANNER_RE.match(x) for x in all_lines[:50])
    if not has_banner and not any(any(k in x for k in _MARKERS) for x in all_lines):
        if len(all_lines) == 1 and "/" in text and " " not in text.strip():
            why = f"a path ({text.strip()!r}), not smartctl output: a symbolic link stored as a file?"
        else:
            why = "not smartctl output: no 'smartctl X.Y' banner and no SMART section"
        raise ParseError(source, 1 if all_lines else None, why)
    runs = split_smartctl_runs(text) if has_banner else [text]
    notes: list[str] = []
    if len(runs) > 1:
        notes.append(f"{len(runs)} smartctl runs concatenated in {source}; the first was parsed")
    body, _ = _body(runs[0].splitlines())
    if exit_status is None:
        m = next((_STANDBY_RE.search(x) for x in body if _STANDBY_RE.search(x)), None)
        if m:
            exit_status = to_int(m.group("rc"))
    ours = _scan(body)
    ours.notes[:0] = notes
    py: _Facts | None = None
    why_not: str | None = None
    if ours.standby or ours.open_failed or (ours.fatal and not (ours.model or ours.health_text)):
        why_not = None  # nothing for pySMART to read; it would report an empty device
    else:
        try:
            py = _pysmart_read(body, ours.device_type or "ata")
        except Exception as exc:  # pySMART raises StopIteration, ValueError, IndexError, ... on odd input
            why_not = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    merged = _merge(ours, py, why_not) if (py is not None or why_not is not None) else ours
    return _build(merged, exit_status)


def parse_smartctl(text: str, source: str, exit_status: int | None = None) -> SmartHealth:
    """Parse smartctl output of either kind: JSON (`-j`) when it starts with '{', else text."""
    if isinstance(text, str) and text.lstrip().startswith("{"):
        from raidwatch.parsers.smartctl_json import parse_smartctl_json

        return parse_smartctl_json(text, source)
    return parse_smartctl_text(text, source, exit_status)


def to_json(health: SmartHealth) -> dict[str, Any]:
    """SmartHealth -> a JSON-ready dict for `raidwatch parse smartctl --json` (adds the self-test age)."""
    out: dict[str, Any] = to_jsonable(health)
    out["last_self_test_age_hours"] = health.last_self_test_age_hours
    return out


__all__ = [
    "ATA_PREDICTORS",
    "ATA_TEMPERATURE_IDS",
    "EXIT_BITS",
    "ata_temperature",
    "decode_exit_status",
    "parse_smartctl",
    "parse_smartctl_text",
    "split_smartctl_runs",
    "to_json",
]
