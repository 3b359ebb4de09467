"""Read smartctl `-j` JSON output (ATA, NVMe, SCSI) into SmartHealth; pySMART cannot read JSON. Pure."""

from __future__ import annotations

import json
import re
from typing import Any

from raidwatch.errors import ParseError
from raidwatch.model import SmartHealth
from raidwatch.parsers.bounds import MAX_DIGITS, to_int
from raidwatch.parsers.smartctl import (
    _PERM_RE,
    ATA_PREDICTORS,
    ATA_TEMPERATURE_IDS,
    _build,
    _Facts,
    _self_test_passed,
    ata_temperature,
    device_message,
)


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _int(v: Any) -> int | None:
    """A JSON integer of at most bounds.MAX_DIGITS digits (a 128-bit counter has 39); else None."""
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) < 10**MAX_DIGITS:
        return v
    return None


def _str(v: Any) -> str | None:
    return v.strip() if isinstance(v, str) and v.strip() else None


def _protocol(doc: dict[str, Any]) -> str | None:
    proto = str(_get(doc, "device", "protocol") or "").lower()
    if proto in ("ata", "nvme", "scsi"):
        return proto
    if "nvme_smart_health_information_log" in doc:
        return "nvme"
    if "ata_smart_attributes" in doc:
        return "ata"
    if any(k.startswith("scsi_") for k in doc):
        return "scsi"
    return None


def _list(value: Any) -> list[Any]:
    """A JSON array, or [] for anything else (null, a number, an object where an array belongs)."""
    return value if isinstance(value, list) else []


def _wwn(doc: dict[str, Any]) -> str | None:
    w = doc.get("wwn")
    if isinstance(w, dict) and all(_int(w.get(k)) is not None for k in ("naa", "oui", "id")):
        return f"0x{w['naa']:x}{w['oui']:06x}{w['id']:09x}"
    lu = _str(doc.get("logical_unit_id"))
    if lu and re.fullmatch(r"0x[0-9a-fA-F]+", lu):
        return lu.lower()
    # smartctl 7.3+ puts each namespace's EUI-64 in nvme_namespaces[]; older builds at the top level
    namespaces = [ns for ns in _list(doc.get("nvme_namespaces")) if isinstance(ns, dict)]
    for eui in (doc.get("nvme_eui64"), *(ns.get("eui64") for ns in namespaces)):
        if isinstance(eui, dict) and isinstance(eui.get("oui"), int) and isinstance(eui.get("ext_id"), int):
            return f"eui.{eui['oui']:06x}{eui['ext_id']:010x}"
    return None


def _messages(doc: dict[str, Any], f: _Facts) -> None:
    for msg in _list(_get(doc, "smartctl", "messages")):
        text = _str(_get(msg, "string")) if isinstance(msg, dict) else None
        if not text:
            continue
        if device_message(f, text):
            continue
        if _get(msg, "severity") == "error" and f.fatal is None:
            f.fatal = text
            f.permission_denied = f.permission_denied or bool(_PERM_RE.search(text))


def _ata(doc: dict[str, Any], f: _Facts) -> None:
    temps: dict[int, int] = {}
    for attr in _list(_get(doc, "ata_smart_attributes", "table")):
        if not isinstance(attr, dict) or not isinstance(attr.get("id"), int):
            continue
        attr_id, name = attr["id"], str(attr.get("name") or attr["id"])
        raw = _int(_get(attr, "raw", "value"))
        raw_str = _str(_get(attr, "raw", "string"))
        low_word = re.match(r"[0-9]+", raw_str) if raw_str else None
        if low_word:
            raw = to_int(low_word.group())  # the low word, as smartctl shows it
        when = _str(attr.get("when_failed")) or ""
        label = f"{attr_id} {name}"
        prefail = bool(_get(attr, "flags", "prefailure"))
        if when == "now":
            f.failing_now.append(label + (" (prefail)" if prefail else ""))
        elif when == "past":
            f.failed_in_past.append(label)
        if attr_id in ATA_PREDICTORS and raw is not None:
            f.predictors[ATA_PREDICTORS[attr_id]] = raw
            f.attributes.append((name, raw))
        if attr_id == 9 and raw is not None and f.power_on_hours is None:
            f.power_on_hours = raw
        if attr_id in ATA_TEMPERATURE_IDS and attr_id not in temps:
            value = _int(_get(attr, "raw", "value"))
            reading = value & 0xFF if value is not None and value >= 0 else raw  # smartctl: low byte
            if reading is not None:
                temps[attr_id] = reading
    # temperature.current is smartctl's own choice (SCT status, else these attributes) and is kept; without
    # it (a report without the key) the attributes are read by smartctl's rule: 194 first, then 190
    if f.temperature_celsius is None and temps:
        f.temperature_celsius = ata_temperature(temps)
    log = _get(doc, "ata_smart_self_test_log", "extended", "table") or _get(
        doc, "ata_smart_self_test_log", "standard", "table"
    )
    for entry in _list(log):
        status = _str(_get(entry, "status", "string")) or ""
        if "in progress" in status.lower():
            f.self_test_in_progress = True
            continue
        f.last_self_test_type = _str(_get(entry, "type", "string"))
        f.last_self_test_result = status or None
        passed = _get(entry, "status", "passed")
        f.last_self_test_passed = passed if isinstance(passed, bool) else _self_test_passed(status)
        f.last_self_test_hours = _int(entry.get("lifetime_hours")) if isinstance(entry, dict) else None
        break


def _nvme(doc: dict[str, Any], f: _Facts) -> None:
    log = doc.get("nvme_smart_health_information_log")
    if isinstance(log, dict):
        for src, dst in (
            ("critical_warning", "nvme_critical_warning"),
            ("media_errors", "nvme_media_errors"),
            ("percentage_used", "nvme_percentage_used"),
            ("available_spare", "nvme_available_spare"),
            ("available_spare_threshold", "nvme_available_spare_threshold"),
            ("unsafe_shutdowns", "nvme_unsafe_shutdowns"),
        ):
            v = _int(log.get(src))
            if v is not None:
                f.nvme[dst] = v
        if f.power_on_hours is None:
            f.power_on_hours = _int(log.get("power_on_hours"))
        if f.temperature_celsius is None:
            f.temperature_celsius = _int(log.get("temperature"))
    st = doc.get("nvme_self_test_log")
    if isinstance(st, dict):
        if _get(st, "current_self_test_operation", "value"):
            f.self_test_in_progress = True
        for entry in _list(st.get("table")):
            status = _str(_get(entry, "self_test_result", "string")) or ""
            f.last_self_test_type = _str(_get(entry, "self_test_code", "string"))
            f.last_self_test_result = status or None
            code = _get(entry, "self_test_result", "value")
            f.last_self_test_passed = True if code == 0 else _self_test_passed(status)
            f.last_self_test_hours = _int(entry.get("power_on_hours")) if isinstance(entry, dict) else None
            break


def _scsi(doc: dict[str, Any], f: _Facts) -> None:
    f.scsi_grown_defects = _int(doc.get("scsi_grown_defect_list"))
    log = doc.get("scsi_error_counter_log")
    if isinstance(log, dict):
        vals = [_int(_get(log, k, "total_uncorrected_errors")) for k in ("read", "write", "verify")]
        if any(v is not None for v in vals):
            f.scsi_uncorrected_errors = sum(v or 0 for v in vals)
    for n in range(20):
        entry = doc.get(f"scsi_self_test_{n}")
        if not isinstance(entry, dict):
            break
        status = _str(_get(entry, "result", "string")) or ""
        if "in progress" in status.lower():
            f.self_test_in_progress = True
            continue
        f.last_self_test_type = _str(_get(entry, "code", "string"))
        f.last_self_test_result = status or None
        f.last_self_test_passed = _self_test_passed(status)
        f.last_self_test_hours = _int(_get(entry, "power_on_time", "hours"))
        break


def parse_smartctl_json(text: str, source: str) -> SmartHealth:
    """Parse one `smartctl -j` device report; JSON of an unexpected shape is a ParseError, never a crash."""
    try:
        return _parse_smartctl_json(text, source)
    except ParseError:
        raise
    except (TypeError, AttributeError, ValueError, KeyError, IndexError) as exc:
        raise ParseError(
            source, None, f"smartctl JSON of an unexpected shape: {type(exc).__name__}: {exc}"
        ) from None


def _parse_smartctl_json(text: str, source: str) -> SmartHealth:
    """Parse one `smartctl -j` device report. Not JSON or not a device report (`--scan`) -> ParseError."""
    try:
        doc = json.loads(text)
    except (ValueError, TypeError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise ParseError(source, line, f"not smartctl JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("smartctl"), dict):
        raise ParseError(source, 1, "not smartctl JSON: no 'smartctl' object")
    if "devices" in doc and "device" not in doc:
        raise ParseError(
            source, 1, f"a smartctl --scan list ({len(_list(doc['devices']))} devices), not a device report"
        )
    exit_status = _int(_get(doc, "smartctl", "exit_status"))
    f = _Facts()
    f.device_type = _protocol(doc)
    _messages(doc, f)
    if f.device_type == "scsi":
        f.model = _str(doc.get("scsi_model_name")) or " ".join(
            x for x in (_str(doc.get("scsi_vendor")), _str(doc.get("scsi_product"))) if x
        )
        f.model = f.model or _str(doc.get("model_name"))
        f.firmware = _str(doc.get("scsi_revision")) or _str(doc.get("firmware_version"))
    else:
        f.model = _str(doc.get("model_name"))
        f.firmware = _str(doc.get("firmware_version"))
    f.serial = _str(doc.get("serial_number"))
    f.wwn = _wwn(doc)
    f.capacity_bytes = (
        _int(_get(doc, "user_capacity", "bytes")) or _int(doc.get("nvme_total_capacity")) or None
    )
    rpm = _int(doc.get("rotation_rate"))
    if f.device_type == "nvme":
        f.rotation_rpm, f.is_ssd = 0, True
    elif rpm is not None:
        f.rotation_rpm, f.is_ssd = rpm, rpm == 0
    avail, enabled = _get(doc, "smart_support", "available"), _get(doc, "smart_support", "enabled")
    f.smart_supported = avail if isinstance(avail, bool) else None
    f.smart_enabled = enabled if isinstance(enabled, bool) else None
    passed = _get(doc, "smart_status", "passed")
    if isinstance(passed, bool):
        f.health_passed = passed
        f.health_text = "SMART overall-health self-assessment: " + ("PASSED" if passed else "FAILED")
    f.temperature_celsius = _int(_get(doc, "temperature", "current")) or None
    f.power_on_hours = _int(_get(doc, "power_on_time", "hours"))
    _ata(doc, f)
    _nvme(doc, f)
    _scsi(doc, f)
    return _build(f, exit_status)


__all__ = ["parse_smartctl_json"]
