"""Tests for the smartctl parsers: fixtures with stated values, the whole corpus, and no-crash properties."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import CORPUS, corpus_files, corpus_path, expected_for, needs_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from toolgen import smartctl as sc

from raidwatch.errors import ParseError
from raidwatch.model import SmartHealth
from raidwatch.parsers.smartctl import (
    EXIT_BITS,
    decode_exit_status,
    parse_smartctl,
    parse_smartctl_text,
    split_smartctl_runs,
    to_json,
)
from raidwatch.parsers.smartctl_json import parse_smartctl_json

PYSMART = "smartctl-text/truenas-py-smart"
EXPORTER = "smartctl-json/prometheus-community-smartctl-exporter"
# real reports, read in place from ../shared/corpus (the tests that use them skip without it)
REAL = {
    "ata-hdd-wuh721816.txt": f"{PYSMART}/sata_hdd_1_issue46/_-d_ata_--all__dev_sdau",
    "sata-ssd-apacer-as340.txt": f"{PYSMART}/sata_ssd_1_issue_72/_-d_ata_--all__dev_sda",
    "nvme-kbg30zmv256g.txt": f"{PYSMART}/nvme_11_issue_75/_-d_nvme_--all__dev_sda",
    "sas-megaraid-jbod.txt": f"{PYSMART}/megaraid_jbod_sas_hdd_0_issue_85/_-d_scsi_--all__dev_sdd",
    "usb-nvme-asmedia-t7.txt": f"{PYSMART}/nvme_usb_asmedia_issue_97/_-d_sntasmedia_--all__dev_sda",
    "scsi-no-smart-mr9361.txt": f"{PYSMART}/unsupported_0/_-d_scsi_--all__dev_sda",
    "cciss-mandatory-command-failed.txt": "smartctl-text/glensc-check-raid/smartctl.cciss.8",
    "failing-nvme-mzwll3t2.json": f"{EXPORTER}/nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0.json",
    "sas-grown-defects-st373453lc.json": f"{EXPORTER}/SEAGATE_ST373453LC_26.json",
    "ata-reallocated-st3500418as.json": f"{EXPORTER}/ST3500418AS_12.json",
    "scan-nvme.json": "smartctl-json/netdata/type-nvme/scan.json",
}


def _pending_drive() -> sc.AtaDrive:
    """Our own report of what the corpus lacks: 8 pending and 8 offline-uncorrectable sectors, and the last
    self-test (an hour ago) stopped at a read failure."""
    return sc.AtaDrive(
        "ST2000NM000A-2J2100",
        "ZC1P3ND8",
        "SN02",
        2_000_398_934_016,
        "5000c500c8a1b2c3",
        attributes=sc.set_raw(sc.seagate_hdd_attributes(1380, 31), {197: 8, 198: 8}),
        self_tests=[sc.SelfTest(2, 7, 1379, 90, 123456789), sc.SelfTest(1, 0, 1300)],
    )


# our own renderings (tests/toolgen/smartctl.py) of what the corpus has no report of
OURS = {
    "ata-pending-st2000nm000a.txt": sc.render_text(_pending_drive()),
    "standby-sda.txt": sc.standby_text(),
    "permission-denied-sda.txt": sc.open_failed_text("/dev/sda"),
}


def read(path: Path) -> str:
    """What a collector does with captured bytes: UTF-8, else Latin-1 (Windows builds print NBSP groups)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def text_of(name: str) -> str:
    """A report by its short name: ours (OURS), or a real one from the corpus (REAL)."""
    return OURS[name] if name in OURS else read(corpus_path(REAL[name]))


def fixture(name: str, exit_status: int | None = None) -> SmartHealth:
    return parse_smartctl(text_of(name), name, exit_status)


# ---------------------------------------------------------------------------------------------- exit status


def test_decode_exit_status_bits() -> None:
    assert decode_exit_status(0) == ()
    assert decode_exit_status(None) == ()
    assert decode_exit_status(2) == ("device-open-failed",)
    assert decode_exit_status(4) == ("command-failed",)
    assert decode_exit_status(8 | 64) == ("disk-failing", "error-log-has-errors")
    assert decode_exit_status(255) == EXIT_BITS
    assert len(EXIT_BITS) == 8


def test_exit_status_is_information_not_a_crash() -> None:
    h = fixture("ata-hdd-wuh721816.txt", exit_status=64)
    assert h.exit_status == 64 and h.exit_bits == ("error-log-has-errors",)
    assert h.assessment == "PASS"  # bit 6 alone is not a warning sign by our rule
    assert fixture("ata-hdd-wuh721816.txt", exit_status=16).assessment == "WARN"  # bit 4
    h = fixture("ata-hdd-wuh721816.txt", exit_status=8)  # bit 3: disk failing
    assert h.assessment == "FAIL" and "disk-failing" in h.exit_bits


# ------------------------------------------------------------------------------------ fixtures, text kinds


def test_ata_hdd() -> None:
    h = fixture("ata-hdd-wuh721816.txt")
    assert h.assessment == "PASS" and h.health_passed is True
    assert h.device_type == "ata"
    assert h.model == "WDC  WUH721816ALE6L4"
    assert h.serial == "3WJMHZ6L"
    assert h.firmware == "PCGNW232"
    assert h.wwn == "0x5000cca284e50e06"  # "LU WWN Device Id: 5 000cca 284e50e06"; pySMART drops it
    assert h.capacity_bytes == 16_000_900_661_248
    assert h.rotation_rpm == 7200 and h.is_ssd is False
    assert h.temperature_celsius == 26
    assert h.power_on_hours == 592
    assert (h.reallocated_sectors, h.pending_sectors, h.offline_uncorrectable) == (0, 0, 0)
    assert h.udma_crc_errors == 0
    assert h.smart_supported is True and h.smart_enabled is True
    assert any("pySMART lacks" in n and "wwn" in n for n in h.notes)


def test_sata_ssd_model_and_capacity_where_pysmart_is_wrong() -> None:
    h = fixture("sata-ssd-apacer-as340.txt")
    # pySMART sets the model from "Add. Product Id:  mavlsata" (any line containing 'Product').
    assert h.model == "Apacer AS340 240GB"
    assert any("mavlsata" in n for n in h.notes)
    assert h.capacity_bytes == 240_057_409_536  # "240<NBSP>057<NBSP>409<NBSP>536 bytes"
    assert h.is_ssd is True and h.rotation_rpm == 0
    assert h.wwn == "0x502b2a201d1c1b1a"
    assert h.power_on_hours == 3519 and h.temperature_celsius == 47
    assert h.reallocated_sectors == 0 and h.udma_crc_errors == 0
    assert h.assessment == "PASS"
    assert h.last_self_test_result is None  # "No self-tests have been logged."


def test_nvme() -> None:
    h = fixture("nvme-kbg30zmv256g.txt")
    assert h.device_type == "nvme" and h.assessment == "PASS"
    assert h.model == "KBG30ZMV256G TOSHIBA" and h.serial == "68APC048P12P" and h.firmware == "ADHA0101"
    assert h.wwn == "eui.00080d040017b710"
    assert h.capacity_bytes == 256_060_514_304
    assert h.is_ssd is True and h.rotation_rpm == 0
    assert h.temperature_celsius == 48 and h.power_on_hours == 10188
    assert h.nvme_critical_warning == 0 and h.nvme_media_errors == 0
    assert h.nvme_percentage_used == 33
    assert (h.nvme_available_spare, h.nvme_available_spare_threshold) == (100, 10)
    assert h.nvme_unsafe_shutdowns == 106
    assert h.last_self_test_result == "Completed without error"
    assert h.last_self_test_passed is True
    assert h.last_self_test_hours == 8754
    assert h.last_self_test_age_hours == 10188 - 8754


def test_sas_behind_megaraid() -> None:
    h = fixture("sas-megaraid-jbod.txt")
    assert h.device_type == "scsi" and h.assessment == "PASS"
    assert h.health_passed is True  # "SMART Health Status: OK"
    assert h.firmware == "CA00" and h.capacity_bytes == 800_166_076_416
    assert h.is_ssd is True and h.temperature_celsius == 42
    assert h.scsi_grown_defects == 0 and h.scsi_uncorrected_errors == 0
    assert h.last_self_test_type == "Background short"
    assert h.last_self_test_result == "Completed" and h.last_self_test_passed is True
    assert h.last_self_test_hours == 349
    assert h.wwn is not None and h.wwn.startswith("0x5")


def test_usb_bridge_nvme() -> None:
    h = fixture("usb-nvme-asmedia-t7.txt")
    assert h.device_type == "nvme" and h.assessment == "PASS"
    assert h.model == "Samsung Portable SSD T7" and h.serial == "S7MNNS0Y828393V"
    assert h.capacity_bytes == 2_000_398_934_016
    assert h.power_on_hours == 9 and h.temperature_celsius == 29
    assert h.nvme_unsafe_shutdowns == 10


def test_scsi_without_smart_is_unknown() -> None:
    h = fixture("scsi-no-smart-mr9361.txt")
    assert h.assessment == "UNKNOWN"
    assert h.smart_supported is False
    assert h.message is not None and "lacks SMART" in h.message
    assert h.model == "AVAGO MR9361-16i"
    assert h.temperature_celsius is None  # "Current Drive Temperature: 0 C" from a RAID volume: no sensor


def test_mandatory_command_failed_is_unknown_not_error() -> None:
    h = fixture("cciss-mandatory-command-failed.txt")
    assert h.assessment == "UNKNOWN"
    assert h.message is not None and "failed" in h.message


def test_pending_sectors_and_failed_self_test_warn() -> None:
    h = fixture("ata-pending-st2000nm000a.txt")
    assert h.pending_sectors == 8 and h.offline_uncorrectable == 8
    assert h.assessment == "WARN"
    assert "pending sectors: 8" in h.reasons and "offline uncorrectable sectors: 8" in h.reasons
    assert h.last_self_test_result == "Completed: read failure" and h.last_self_test_passed is False
    assert h.last_self_test_hours == 1379 and h.power_on_hours == 1380
    assert h.last_self_test_age_hours == 1


def test_standby() -> None:
    h = fixture("standby-sda.txt")
    assert h.standby is True
    assert h.assessment == "UNKNOWN"
    assert h.exit_status == 2 and h.exit_bits == ("device-open-failed",)  # taken from "exit(2)"
    assert h.message is not None and "STANDBY" in h.message
    assert h.permission_denied is False and h.open_failed is None


def test_permission_denied() -> None:
    h = fixture("permission-denied-sda.txt", exit_status=2)
    assert h.permission_denied is True and h.standby is False
    assert h.open_failed == "Permission denied"
    assert h.assessment == "UNKNOWN"
    assert h.exit_bits == ("device-open-failed",)


def test_operation_not_permitted_nvme() -> None:
    text = (
        "smartctl 7.4 2023-08-01 r5530 [x86_64-linux-6.8.0] (local build)\n"
        "Copyright (C) 2002-23, Bruce Allen, Christian Franke, www.smartmontools.org\n\n"
        "Smartctl open device: /dev/nvme0 failed: Operation not permitted\n"
    )
    h = parse_smartctl_text(text, "t", 2)
    assert h.permission_denied is True and h.assessment == "UNKNOWN"


def test_truncated_attribute_table_pysmart_stopiteration() -> None:
    text = text_of("ata-hdd-wuh721816.txt")
    cut = (
        text[: text.index("  9 Power_On_Hours")]
        + "  9 Power_On_Hours          0x0012   100   100   000    Old_age"
    )
    cut = cut.rstrip() + "   Always       -       592"  # table ends at EOF, no blank line
    h = parse_smartctl_text(cut, "truncated")
    assert h.power_on_hours == 592 and h.reallocated_sectors == 0
    assert h.model == "WDC  WUH721816ALE6L4" and h.assessment == "PASS"
    assert any("pySMART could not parse" in n and "StopIteration" in n for n in h.notes)


def test_x_format_attribute_table() -> None:
    text = (
        "smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0] (local build)\n"
        "Copyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org\n\n"
        "=== START OF INFORMATION SECTION ===\n"
        "Device Model:     ST4000DM004-2CV104\n"
        "Serial Number:    ZFN0AAAA\n"
        "LU WWN Device Id: 5 000c50 0b1234567\n"
        "Rotation Rate:    5425 rpm\n"
        "SMART support is: Available - device has SMART capability.\n"
        "SMART support is: Enabled\n\n"
        "=== START OF READ SMART DATA SECTION ===\n"
        "SMART overall-health self-assessment test result: FAILED!\n"
        "Drive failure expected in less than 24 hours. SAVE ALL DATA.\n\n"
        "SMART Attributes Data Structure revision number: 10\n"
        "Vendor Specific SMART Attributes with Thresholds:\n"
        "ID# ATTRIBUTE_NAME          FLAGS    VALUE WORST THRESH FAIL RAW_VALUE\n"
        "  5 Reallocated_Sector_Ct   PO--CK   001   001   010    NOW  4088\n"
        "  9 Power_On_Hours          -O--CK   070   070   000    -    26513 (12 4 0)\n"
        "187 Reported_Uncorrect      -O--CK   001   001   000    -    371\n"
        "197 Current_Pending_Sector  -O--C-   100   100   000    -    16\n"
        "                            ||||||_ K auto-keep\n\n"
    )
    h = parse_smartctl_text(text, "x", 24)
    assert h.assessment == "FAIL" and h.health_passed is False
    assert h.reallocated_sectors == 4088 and h.reported_uncorrectable == 371 and h.pending_sectors == 16
    assert h.power_on_hours == 26513
    assert h.failing_now == ("5 Reallocated_Sector_Ct (prefail)",)
    assert h.exit_bits == ("disk-failing", "prefail-below-threshold")
    assert h.wwn == "0x5000c500b1234567" and h.rotation_rpm == 5425
    assert ("Reallocated_Sector_Ct", 4088) in h.attributes


def test_concatenated_runs_first_is_parsed() -> None:
    text = text_of("standby-sda.txt") + text_of("permission-denied-sda.txt")
    assert len(split_smartctl_runs(text)) == 2
    h = parse_smartctl_text(text, "two")
    assert h.standby is True and any("2 smartctl runs" in n for n in h.notes)


# ------------------------------------------------------------------------------------ fixtures, JSON kinds


def test_json_failing_nvme() -> None:
    h = fixture("failing-nvme-mzwll3t2.json")
    assert h.assessment == "FAIL" and h.health_passed is False
    assert h.exit_status == 8 and h.exit_bits == ("disk-failing",)
    assert h.nvme_critical_warning == 16
    assert h.device_type == "nvme" and h.is_ssd is True
    assert h.model == "SAMSUNG MZWLL3T2HAJQ-00005"
    assert h.power_on_hours == 18376 and h.temperature_celsius == 40


def test_json_scsi_grown_defects() -> None:
    h = fixture("sas-grown-defects-st373453lc.json")
    assert h.device_type == "scsi" and h.model == "SEAGATE ST373453LC" and h.firmware == "DX10"
    assert h.scsi_grown_defects == 260
    doc = json.loads(text_of("sas-grown-defects-st373453lc.json"))
    log = doc["scsi_error_counter_log"]
    assert h.scsi_uncorrected_errors == sum(log[k]["total_uncorrected_errors"] for k in log)
    assert h.assessment == "WARN" and h.health_passed is True
    assert h.rotation_rpm == 15015 and h.power_on_hours == 102880 and h.temperature_celsius == 33


def test_json_reallocated() -> None:
    h = fixture("ata-reallocated-st3500418as.json")
    assert h.reallocated_sectors == 304 and h.assessment == "WARN"
    assert h.wwn is not None and h.wwn.startswith("0x5000c5")


def test_json_scan_is_refused() -> None:
    with pytest.raises(ParseError, match="--scan"):
        fixture("scan-nvme.json")


def test_json_standby_and_permission_messages() -> None:
    base = {"json_format_version": [1, 0], "smartctl": {"version": [7, 4], "exit_status": 2}}
    standby = dict(base, device={"name": "/dev/sda", "type": "sat", "protocol": "ATA"})
    standby["smartctl"] = dict(
        base["smartctl"],
        messages=[{"string": "Device is in STANDBY mode, exit(2)", "severity": "information"}],
    )
    h = parse_smartctl_json(json.dumps(standby), "s.json")
    assert h.standby is True and h.assessment == "UNKNOWN" and h.exit_bits == ("device-open-failed",)
    denied = dict(base, device={"name": "/dev/sda", "type": "sat", "protocol": "ATA"})
    denied["smartctl"] = dict(
        base["smartctl"],
        messages=[
            {"string": "Smartctl open device: /dev/sda failed: Permission denied", "severity": "error"}
        ],
    )
    h = parse_smartctl(json.dumps(denied), "d.json")
    assert h.permission_denied is True and h.open_failed == "Permission denied" and h.assessment == "UNKNOWN"


def test_to_json_is_plain() -> None:
    out = to_json(fixture("nvme-kbg30zmv256g.txt"))
    assert out["assessment"] == "PASS" and out["last_self_test_age_hours"] == 10188 - 8754
    assert isinstance(out["notes"], list)
    json.dumps(out)


# ---------------------------------------------------------------------------------- refusals and pySMART


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello world\n",
        "\x00\x01binary",
        "Personalities : [raid1]\nunused devices: <none>\n",
        "{}",
        "[1, 2]",
    ],
)
def test_not_smartctl_is_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse_smartctl(text, "junk")


def test_mdstat_file_is_refused() -> None:
    text = "Personalities : [raid1]\nmd0 : active raid1 sdb1[1] sda1[0]\n      1048512 blocks [2/2] [UU]\n"
    with pytest.raises(ParseError, match="not smartctl output"):
        parse_smartctl(text, "/proc/mdstat")


def test_pysmart_never_starts_a_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import pySMART.smartctl

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(subprocess, "Popen", boom)
    monkeypatch.setattr(pySMART.smartctl, "Popen", boom)
    for name in ("ata-hdd-wuh721816.txt", "nvme-kbg30zmv256g.txt", "sas-megaraid-jbod.txt"):
        h = fixture(name)
        # pySMART did parse (no "could not parse" note) and nothing was spawned.
        assert not any("could not parse" in n for n in h.notes), h.notes


# --------------------------------------------------------------------------------------------- property


_LINE = st.one_of(
    st.sampled_from(
        [
            "smartctl 7.3 2022-02-28 r5338 [x86_64-linux] (local build)",
            "Copyright (C) 2002-22, Bruce Allen",
            "=== START OF INFORMATION SECTION ===",
            "=== START OF READ SMART DATA SECTION ===",
            "Vendor Specific SMART Attributes with Thresholds:",
            "ID# ATTRIBUTE_NAME FLAG VALUE WORST THRESH TYPE UPDATED WHEN_FAILED RAW_VALUE",
            "ID# ATTRIBUTE_NAME          FLAGS    VALUE WORST THRESH FAIL RAW_VALUE",
            "  5 Reallocated_Sector_Ct   0x0033   100   100   010    Pre-fail  Always       -       0",
            "  5 Reallocated_Sector_Ct 0xZZ 100 100 010 Pre-fail Always FAILING_NOW x",
            "  5 Reallocated_Sector_Ct 0x0033 001 001 010 Pre-fail Always FAILING_NOW 99",
            "SMART/Health Information (NVMe Log 0x02)",
            "Critical Warning:                   0xzz",
            "Available Spare:                    %",
            "Self-test Log (NVMe Log 0x06)",
            "Self-test status: Extended self-test in progress (x% completed)",
            "SMART Self-test log structure revision number 1",
            "# 1  Short offline       Completed without error       00%      1284         -",
            "SMART overall-health self-assessment test result: FAILED!",
            "SMART Health Status: OK",
            "read: 0 1 2",
            "Device is in STANDBY mode, exit(2)",
            "Smartctl open device: /dev/sda failed: Permission denied",
            "User Capacity:    1,000 bytes [1 KB]",
            "Rotation Rate:    rpm",
            "Vendor: X",
            "Product: Y",
            "Error Information (NVMe Log 0x01, 16 of 64 entries)",
            "",
        ]
    ),
    st.text(max_size=60),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINE, max_size=25))
def test_no_text_crashes(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        h = parse_smartctl(text, "fuzz")
    except ParseError:
        return
    assert h.assessment in ("PASS", "WARN", "FAIL", "UNKNOWN")


_JSON_KEYS = [
    "smartctl",
    "device",
    "exit_status",
    "protocol",
    "smart_status",
    "passed",
    "ata_smart_attributes",
    "table",
    "id",
    "raw",
    "value",
    "nvme_smart_health_information_log",
    "critical_warning",
    "messages",
    "string",
    "scsi_self_test_0",
    "devices",
]


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda c: st.dictionaries(st.sampled_from(_JSON_KEYS), c, max_size=5) | st.lists(c, max_size=3),
        max_leaves=20,
    )
)
def test_no_json_crashes(doc: object) -> None:
    with contextlib.suppress(ParseError):
        parse_smartctl_json(json.dumps(doc), "fuzz.json")


# ------------------------------------------------------------------------------------------------ corpus

TEXT_FILES = corpus_files("smartctl-text")
JSON_FILES = corpus_files("smartctl-json")
# git symbolic links in py-SMART's dataset, stored by the corpus as one-line files holding the link target.
PLACEHOLDERS = {"nvme_4_issue_53", "sas_ssd_0_issue_57"}


def _id(p: Path) -> str:
    return str(p.relative_to(CORPUS))


@needs_corpus
@pytest.mark.parametrize("path", TEXT_FILES + JSON_FILES, ids=_id)
def test_corpus_file_parses_or_refuses_cleanly(path: Path) -> None:
    text = read(path)
    if path.parent.name in PLACEHOLDERS or path.name == "scan.json":
        with pytest.raises(ParseError):
            parse_smartctl(text, str(path))
        return
    h = parse_smartctl(text, str(path))
    assert h.assessment in ("PASS", "WARN", "FAIL", "UNKNOWN")
    json.dumps(to_json(h))


def _ata_raw(values: dict, attr_id: int) -> int | None:
    attrs = values.get("attributes") or []
    a = attrs[attr_id] if attr_id < len(attrs) else None
    return a.get("raw_int") if a else None


@needs_corpus
@pytest.mark.parametrize(
    "path", [p for p in TEXT_FILES if (p.parent / "device.expected.txt").is_file()], ids=_id
)
def test_py_smart_corpus_expected(path: Path) -> None:
    """pySMART's own device.json readings, asserted where they mean what the tool says (deviations noted)."""
    expected = json.loads((path.parent / "device.expected.txt").read_text())["values"]
    if path.parent.name in PLACEHOLDERS:
        pytest.skip("the recorded output is a symlink placeholder; its device.json cannot be checked")
    h = parse_smartctl(read(path), str(path))
    if path.parent.name == "sata_ssd_1_issue_72":
        assert expected["model"] == "mavlsata"  # pySMART's bug: 'Add. Product Id' taken as the model
        assert h.model == "Apacer AS340 240GB"
    elif h.device_type == "scsi":
        # we keep the vendor in front, as smartctl -j's scsi_model_name does
        assert h.model is not None and h.model.endswith(expected["model"])
    else:
        assert h.model == expected["model"]
    assert h.serial == expected["serial"]
    assert h.firmware == expected["firmware"]
    assert h.capacity_bytes == expected["size"]
    if expected["rotation_rate"] is not None:
        assert h.rotation_rpm == expected["rotation_rate"] and h.is_ssd is False
    if expected["is_ssd"]:
        assert h.is_ssd is True and h.rotation_rpm == 0
    elif expected["rotation_rate"] is None:
        assert h.is_ssd is None  # pySMART defaults to False; the text does not say
    if expected["temperature"] == 0 and not expected["smart_capable"]:
        assert h.temperature_celsius is None  # "0 C" from a RAID volume without SMART is no reading
    else:
        assert h.temperature_celsius == expected["temperature"]
    assert h.assessment == {"PASS": "PASS", None: "UNKNOWN"}[expected["assessment"]]
    if h.device_type != "nvme":  # pySMART forces True for NVMe; NVMe text has no "SMART support is" line
        assert h.smart_supported is expected["smart_capable"]
        assert h.smart_enabled is expected["smart_enabled"]
    ia = expected.get("if_attributes") or {}
    if "powerOnHours" in ia:
        assert h.power_on_hours == ia["powerOnHours"]
        assert h.nvme_critical_warning == ia["criticalWarning"]
        assert h.nvme_media_errors == ia["integrityErrors"]
        assert h.nvme_percentage_used == ia["percentageUsed"]
        assert h.nvme_available_spare == ia["availableSpare"]
        assert h.nvme_available_spare_threshold == ia["availableSpareThreshold"]
        assert h.nvme_unsafe_shutdowns == ia["unsafeShutdowns"]
    for attr_id, name in (
        (5, "reallocated_sectors"),
        (187, "reported_uncorrectable"),
        (188, "command_timeout"),
        (197, "pending_sectors"),
        (198, "offline_uncorrectable"),
        (199, "udma_crc_errors"),
    ):
        assert getattr(h, name) == _ata_raw(expected, attr_id), name
    if _ata_raw(expected, 9) is not None:
        assert h.power_on_hours == _ata_raw(expected, 9)
    diags = expected.get("diags") or {}
    if diags.get("Reallocated_Sector_Ct", "-") != "-":
        assert h.scsi_grown_defects == int(diags["Reallocated_Sector_Ct"])
    unc = [diags.get(k, "-") for k in ("Uncorrected_Reads", "Uncorrected_Writes", "Uncorrected_Verifies")]
    if all(u != "-" for u in unc) and diags:
        assert h.scsi_uncorrected_errors == sum(int(u) for u in unc)
    # SCSI Power_On_Hours in device.json came from a second capture (`-l background`) not in the corpus.
    done = [t for t in expected["tests"] if "progress" not in t["status"] and t["status"] != "Running"]
    if done:
        assert h.last_self_test_result == done[0]["status"]
        assert h.last_self_test_hours == int(done[0]["hours"])
    else:
        assert h.last_self_test_result is None
    if any("progress" in t["status"] or t["status"] == "Running" for t in expected["tests"]):
        assert h.self_test_in_progress is True


@needs_corpus
def test_check_raid_cciss_expected() -> None:
    """check_raid: /dev/cciss/c0d0 -d cciss,{0,7,8} -> only #0 is a disk, and it is OK."""
    root = CORPUS / "smartctl-text" / "glensc-check-raid"
    stated = expected_for(root / "smartctl.cciss.0")
    assert stated is not None and "/dev/cciss/c0d0#0=OK" in stated.read_text()
    h0 = parse_smartctl(read(root / "smartctl.cciss.0"), "cciss.0")
    assert h0.assessment == "PASS" and h0.health_passed is True and h0.device_type == "scsi"
    for n in (7, 8):
        h = parse_smartctl(read(root / f"smartctl.cciss.{n}"), f"cciss.{n}")
        assert h.assessment == "UNKNOWN" and h.message
    h = parse_smartctl(read(root / "cciss-issue83-smartctl.out"), "issue83")
    assert h.assessment == "PASS" and any("16 smartctl runs" in n for n in h.notes)
    runs = [
        parse_smartctl_text(r, "run") for r in split_smartctl_runs(read(root / "cciss-issue83-smartctl.out"))
    ]
    assert [r.assessment for r in runs] == ["PASS"] * 3 + ["UNKNOWN"] * 13


def _json_index() -> dict[str, str]:
    """'state shown' of each smartctl-json file, from the corpus SOURCES.md index."""
    out: dict[str, str] = {}
    src = CORPUS / "SOURCES.md"
    if not src.is_file():
        return out
    group = None
    for line in src.read_text().splitlines():
        m = re.match(r"^### (smartctl-json/\S+)", line)
        if m:
            group = m.group(1)
            continue
        if line.startswith("### "):
            group = None
        m = re.match(r"^\| `([^`]+)` \| [^|]* \| ([^|]*) \|", line)
        if group and m:
            out[f"{group}/{m.group(1)}"] = m.group(2)
    return out


JSON_INDEX = _json_index()
_STATED_ATTRS = {5: "reallocated_sectors", 187: "reported_uncorrectable", 197: "pending_sectors"}


@needs_corpus
@pytest.mark.parametrize("path", [p for p in JSON_FILES if p.name != "scan.json"], ids=_id)
def test_json_corpus_index_values(path: Path) -> None:
    """The capture's stated values (corpus SOURCES.md 'state shown') for every smartctl -j device file."""
    state = JSON_INDEX.get(str(path.relative_to(CORPUS)))
    if state is None:
        pytest.skip("not in the corpus index")
    h = parse_smartctl(read(path), str(path))
    m = re.match(r"(ATA|NVMe|SCSI)/", state)
    if m:
        assert h.device_type == m.group(1).lower()
    m = re.search(r"smart_status (PASSED|FAILED)", state)
    if m:
        assert h.health_passed is (m.group(1) == "PASSED")
        if m.group(1) == "FAILED":
            assert h.assessment == "FAIL"
    m = re.search(r"exit_status (\d+)", state)
    assert h.exit_status == (int(m.group(1)) if m else 0)
    m = re.search(r", (-?\d+)C\b", state)
    if m:
        assert h.temperature_celsius == int(m.group(1))
    m = re.search(r", (\d+) h\b", state)
    if m:
        assert h.power_on_hours == int(m.group(1))
    m = re.search(r", (\d+)% used", state)
    if m:
        assert h.nvme_percentage_used == int(m.group(1))
    m = re.search(r"grown defects (\d+)", state)
    if m:
        assert h.scsi_grown_defects == int(m.group(1))
    for attr_id, raw in re.findall(r"attr (\d+) \S+ raw (\d+)", state):
        field = _STATED_ATTRS.get(int(attr_id))
        if field:
            assert getattr(h, field) == int(raw)
    m = re.search(r"critical_warning (\d+)", state)
    if m:
        assert h.nvme_critical_warning == int(m.group(1))


# --------------------------------------------------------------------- smartmontools 7.3+ NVMe details


def test_nvme_no_self_test_in_progress_is_not_a_running_test() -> None:
    """7.3+ prints "Self-test status: No self-test in progress" on every NVMe drive with a self-test log."""
    idle = sc.NvmeDrive("Samsung SSD 980 PRO 1TB", "S5GXNF0R000001", "5B2QGXA7", 1000204886016,
                        self_tests=[sc.NvmeSelfTest(1, 0, 812)])  # fmt: skip
    text = sc.render_text(idle)
    assert "Self-test status: No self-test in progress" in text
    h = parse_smartctl(text, "idle")
    assert h.self_test_in_progress is False and h.last_self_test_hours == 812 and h.last_self_test_passed
    running = text.replace("No self-test in progress", "Short self-test in progress (37% completed)")
    assert parse_smartctl(running, "running").self_test_in_progress is True


def test_json_nvme_eui64_from_the_namespace_list() -> None:
    """7.3+ JSON names the EUI-64 per namespace (nvme_namespaces[].eui64), not at the top level."""
    drive = sc.NvmeDrive(
        "Samsung SSD 980 PRO 1TB", "S5GXNF0R000001", "5B2QGXA7", 1000204886016, "002538b211a0c0de"
    )
    doc = json.loads(sc.render_json(drive, "/dev/nvme0n1"))
    assert "nvme_eui64" not in doc and doc["nvme_namespaces"][0]["eui64"]["oui"] == 0x002538
    assert parse_smartctl(json.dumps(doc), "n.json").wwn == "eui.002538b211a0c0de"


# ----------------------------------------------------- ATA temperature: 194 before 190 (issue 11, item 5.1)
# smartmontools atacmds.cpp ata_return_temperature_value() tries 194 (Temperature_Celsius) first and 190
# (Airflow_Temperature_Cel) only when 194 is absent or not a reading (0 < t < 128, low byte of the raw).
# pySMART 1.4.3 (AtaAttributes.temperature) and our scanner used to take 190 when both were present.

# real `smartctl -j` reports whose 190 and 194 disagree (Intel DC S3x00: 190 Temperature_Case, 194
# Temperature_Internal); their temperature.current is smartctl's own choice and equals the 194 reading
INTEL_190_194 = [
    f"{EXPORTER}/sat-Intel_730_and_DC_S35x0_3610_3700_Series_SSDs-INTEL_SSDSC2BB240G4-sde.json",
    f"{EXPORTER}/sat-Intel_730_and_DC_S35x0_3610_3700_Series_SSDs-INTEL_SSDSC2BB480G4-sda.json",
    f"{EXPORTER}/sat-Intel_730_and_DC_S35x0_3610_3700_Series_SSDs-INTEL_SSDSC2BB800G4-sda.json",
]


def _attr_raws(doc: dict) -> dict[int, dict]:
    return {a["id"]: a["raw"] for a in doc["ata_smart_attributes"]["table"]}


@needs_corpus
@pytest.mark.parametrize("rel", INTEL_190_194, ids=lambda r: r.rsplit("-", 2)[-2])
def test_json_temperature_is_194_where_190_differs(rel: str) -> None:
    text = corpus_path(rel).read_text()
    doc = json.loads(text)
    raws = _attr_raws(doc)
    t194, t190 = raws[194]["value"] & 0xFF, raws[190]["value"] & 0xFF
    assert t194 != t190 and doc["temperature"]["current"] == t194
    assert parse_smartctl(text, rel).temperature_celsius == t194
    # the attribute fallback (a report without temperature.current) follows smartctl's rule too
    del doc["temperature"]
    assert parse_smartctl(json.dumps(doc), rel).temperature_celsius == t194


@needs_corpus
@pytest.mark.parametrize("rel", INTEL_190_194, ids=lambda r: r.rsplit("-", 2)[-2])
def test_text_temperature_is_194_on_a_real_attribute_table(rel: str) -> None:
    """No real text report in the corpus has 190 and 194 disagreeing; the real Intel table above, printed
    by our own renderer (tests/toolgen/smartctl.py) as `smartctl -a` text, stands in for one."""
    doc = json.loads(corpus_path(rel).read_text())
    attrs = [
        sc.Attr(
            a["id"], a["name"], a["flags"]["value"], a["value"], a["worst"], a["thresh"], a["raw"]["string"]
        )
        for a in doc["ata_smart_attributes"]["table"]
    ]
    drive = sc.AtaDrive(doc["model_name"], "PHWL000000", "D2010370", doc["user_capacity"]["bytes"], rpm=0,
                        attributes=attrs)  # fmt: skip
    text = sc.render_text(drive)
    raws = _attr_raws(doc)
    assert re.search(rf"^190 Temperature_Case .* {re.escape(raws[190]['string'])}$", text, re.M)
    h = parse_smartctl(text, rel)
    assert h.temperature_celsius == raws[194]["value"]
    assert not any(n.startswith("temperature_celsius") for n in h.notes)  # pySMART's reading agrees now


@needs_corpus
@pytest.mark.parametrize(
    ("rel", "temp"),
    [
        (f"{PYSMART}/sat_hdd_0_issue70/_-d_sat_--all__dev_sg2", 31),
        (f"{PYSMART}/sata_hdd_0_issue42/_-d_ata_--all__dev_sdau", 38),
    ],
)
def test_text_temperature_real_reports_with_190_and_194(rel: str, temp: int) -> None:
    """The real text reports carrying both attributes (their raws agree): the 194 raw is read."""
    text = read(corpus_path(rel))
    assert re.search(rf"^194 Temperature_Celsius .* {temp} \(", text, re.M)
    assert parse_smartctl(text, rel).temperature_celsius == temp


def _intel(temp: int, raws: dict[int, int | str] | None = None) -> sc.AtaDrive:
    # 190 Temperature_Case = temp, 194 Temperature_Internal = temp + 3
    attrs = sc.intel_ssd_attributes(4100, temp)
    return sc.AtaDrive("INTEL SSDSC2KB480G8", "PHYF812300AB480BGN", "XCV10132", 480_103_981_056, rpm=0,
                       attributes=sc.set_raw(attrs, raws or {}))  # fmt: skip


def test_temperature_194_first_on_our_rendering() -> None:
    h = parse_smartctl(sc.render_text(_intel(27)), "intel.txt")
    assert h.temperature_celsius == 30
    assert parse_smartctl(sc.render_json(_intel(27), "/dev/sda"), "intel.json").temperature_celsius == 30
    attrs = sc.set_raw(sc.seagate_hdd_attributes(900, 33), {190: "41 (Min/Max 20/44)"})
    seagate = sc.AtaDrive("ST4000NM000A-2HZ100", "WJG0ABCD", "SN04", 4_000_787_030_016, attributes=attrs)
    assert parse_smartctl(sc.render_text(seagate), "seagate.txt").temperature_celsius == 33


@pytest.mark.parametrize("bad", [0, 128, 200])
def test_temperature_falls_back_to_190_when_194_is_no_reading(bad: int) -> None:
    """smartctl skips a 194 raw outside 0 < t < 128 and takes 190; the JSON fallback does the same."""
    drive = _intel(27, {194: bad})
    assert parse_smartctl(sc.render_text(drive), "t").temperature_celsius == 27
    doc = json.loads(sc.render_json(drive, "/dev/sda"))
    doc.pop("temperature", None)
    assert parse_smartctl(json.dumps(doc), "j").temperature_celsius == 27


def test_temperature_190_alone_and_json_low_byte() -> None:
    samsung = sc.AtaDrive("Samsung SSD 870 EVO 1TB", "S6PTNM0T000001", "SVT02B6Q", 1_000_204_886_016, rpm=0,
                          attributes=sc.samsung_ssd_attributes(1200, 36))  # fmt: skip
    assert parse_smartctl(sc.render_text(samsung), "s").temperature_celsius == 36
    # JSON raw.value of a tempminmax 194 carries min/max in the high words: the low byte is the reading
    doc = json.loads(sc.render_json(_intel(27), "/dev/sda"))
    doc.pop("temperature", None)
    for a in doc["ata_smart_attributes"]["table"]:
        if a["id"] == 194:
            a["raw"] = {"value": (45 << 32) | (18 << 16) | 31, "string": "31 (Min/Max 18/45)"}
    assert parse_smartctl(json.dumps(doc), "j").temperature_celsius == 31


def test_mvcli_smart_temperature_c2_before_be() -> None:
    """mvcli `smart -p N` prints attribute ids in hex: C2 = 194, BE = 190 (our own text in its layout)."""
    from raidwatch.parsers.hwraid import mvcli

    head = (
        "# mvcli smart -p 0\nSMART STATUS RETURN: OK.\n\nSmart Info\n"
        "ID      Attribute Name          Current Worst   Threshhold      RawValue        Status\n"
        "09      Power-On Hours Count    99      99      0               000000000FA0    OK\n"
    )
    be = "BE      Airflow Temperature     64      55      45              002C1B140024    OK\n"
    c2 = "C2      Temperature             36      45      0               00000000001F    OK\n"
    for rows, temp in ((be + c2, 31), (c2 + be, 31), (be, 36), (c2.replace("01F", "0C8") + be, 36)):
        pd = mvcli.parse(head + rows, "smart-p0").physical_drives[0]
        assert pd.temperature_celsius == temp, rows
