"""storcli/storcli64/perccli JSON (Broadcom MegaRAID and HBAs): controllers, VDs, PDs, BBU/CacheVault.

Reads the ``J`` (JSON) form of the commands a collector runs, in any combination:

- ``/cALL show all J``: ``Basics``/``Version``/``Status`` (controller), ``VD LIST``, ``PD LIST``,
  ``TOPOLOGY`` (members of each drive group, missing drives), ``BBU_Info`` or ``Cachevault_Info``;
  on an HBA (mpt3sas) ``Physical Device Information``.
- ``/cALL/eALL/sALL show all J``: ``Drive /cX/eY/sZ`` rows and their ``- Detailed Information``
  (error counters, predictive failures, S.M.A.R.T alert, serial, WWN, raw size).
- ``/cALL/vALL show all J``: ``/cX/vY`` rows, ``PDs for VD N``, ``VDN Properties`` (write cache).
- ``/cALL/bbu show all J``, ``/cALL/cv show all J``: ``BBU_Info``/``Cachevault_Info`` tables.

A controller whose ``Command Status`` is not Success keeps its ``Description`` as the report's
``error``. storcli's text (non-JSON) output is not read: none was recorded, and every storcli and
perccli release since 2014 prints JSON with ``J``.

Sizes (``Size``, ``Raw size``) go through megacli's ``size_bytes``: storcli's KB/MB/GB/TB are binary
(the sector count printed beside a raw size matches only 1024-based units), and KiB/MiB/GiB/TiB (as
StorCLI2 writes them) are binary by name; with a ``[0x... Sectors]`` count the count decides.

Identifiers match the megacli parser's, so the two tools agree on one box: controller "0",
VD "0", PD ``enclosure:slot`` ("252:4"; ":4" with no enclosure). Each drive's ``DID`` (in ``PD LIST``,
``PDs for VD N``, ``TOPOLOGY`` and the ``Drive /cX/eY/sZ`` rows) is its ``device_id``, the N of
smartctl's ``-d megaraid,N``.

Status rules (storcli's abbreviations stay in ``state``):

- VD: Optl -> ok; Dgrd, Pdgd (partially degraded) -> degraded; OfLn -> offline; Rec (recovery)
  -> rebuilding; Cac (CacheCade) -> ok; anything else -> unknown.
- PD: Onln, JBOD -> ok; GHS, DHS -> spare; UGood, UGUnsp -> unconfigured; UBad, Offln, Failed
  -> failed; Rbld, Cpybck -> rebuilding; Msng -> missing (a TOPOLOGY row of a drive group whose
  drive is gone has no slot: its id is ``dgN/arrN/rowN``); any ...Shld (shielded) state ->
  predictive-failure; an ok or spare drive with ``Predictive Failure Count`` > 0 or
  ``S.M.A.R.T alert flagged by drive: Yes`` -> predictive-failure.
- Controller ``Controller Status``: Optimal, OK -> ok; Needs Attention -> warning; Failed -> failed.
  Also warning when a VD's write cache is WriteThrough while configured WriteBack.
- BBU/CacheVault ``State``: Optimal/OK -> ok; Failed, Missing, Replace... -> failed; Degraded,
  Learning, Charging, Needs Attention and anything else -> warning.
"""

from __future__ import annotations

import json
import re
from typing import Any

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import MAX_DIGITS, to_float, to_int
from raidwatch.parsers.hwraid.megacli import size_bytes
from raidwatch.parsers.hwraid.model import (
    HwController,
    HwLogicalDrive,
    HwPhysicalDrive,
    HwRaidReport,
)

TOOL = "storcli"  # storcli, storcli64, perccli, perccli64: one program, one JSON

VD_STATUS_WORDS = {
    "optl": "ok",
    "optimal": "ok",
    "cac": "ok",
    "dgrd": "degraded",
    "degraded": "degraded",
    "pdgd": "degraded",
    "partially degraded": "degraded",
    "ofln": "offline",
    "offline": "offline",
    "rec": "rebuilding",
    "recovery": "rebuilding",
}
PD_STATUS_WORDS = {
    "onln": "ok",
    "online": "ok",
    "jbod": "ok",
    "ghs": "spare",
    "dhs": "spare",
    "ugood": "unconfigured",
    "ugunsp": "unconfigured",
    "ubad": "failed",
    "offln": "failed",
    "failed": "failed",
    "rbld": "rebuilding",
    "cpybck": "rebuilding",
    "msng": "missing",
}
_LEVEL_RE = re.compile(r"^RAID([0-9]+)$", re.I)
_DRIVE_KEY_RE = re.compile(r"^Drive (/c([0-9]+)(?:/e([0-9]+))?/s([0-9]+))$")
_VD_KEY_RE = re.compile(r"^/c([0-9]+)/v([0-9]+)$")


def detect(text: str) -> bool:
    """storcli/perccli JSON: {"Controllers": [{"Command Status": {"CLI Version": ...}}]}."""
    head = text.lstrip()[:4000]
    return head.startswith("{") and '"Controllers"' in head and '"Command Status"' in head


def _str(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _model(v: Any) -> str | None:
    s = _str(v)
    return " ".join(s.split()) if s else None


def _pd_id(eid_slot: Any) -> str | None:
    s = _str(eid_slot)
    if s is None or s == "-":
        return None
    enc, _, slot = s.partition(":")
    return f"{enc.strip()}:{slot.strip()}" if slot else s


def _level(v: Any) -> str | None:
    s = _str(v)
    if not s:
        return None
    m = _LEVEL_RE.match(s)
    if m:
        return f"raid{m.group(1)}"
    if s.lower().startswith("cac"):
        return "cachecade"
    return s.lower()


def vd_status(state: str | None) -> str:
    return VD_STATUS_WORDS.get((state or "").strip().lower(), "unknown")


def pd_status(state: str | None, predictive: int | None = None, smart_alert: bool = False) -> str:
    word = (state or "").strip().lower()
    status = PD_STATUS_WORDS.get(word)
    if status is None:
        status = "predictive-failure" if word.endswith("shld") else "unknown"
    if status in ("ok", "spare") and ((predictive or 0) > 0 or smart_alert):
        status = "predictive-failure"
    return status


def ctrl_status(state: str | None) -> str:
    low = (state or "").strip().lower()
    if low in ("optimal", "ok"):
        return "ok"
    if not low:
        return "unknown"
    if "fail" in low:
        return "failed"
    return "warning"


def battery_status(state: str | None) -> str | None:
    low = (state or "").strip().lower()
    if not low:
        return None
    if low in ("optimal", "ok"):
        return "ok"
    if any(w in low for w in ("fail", "missing", "replace")):
        return "failed"
    return "warning"


def _as_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v if abs(v) < 10**MAX_DIGITS else None
    return to_int(v) if isinstance(v, str) else None


class _Acc:
    """Facts about one controller gathered from the sections of one response."""

    def __init__(self, cid: str) -> None:
        self.cid = cid
        self.model: str | None = None
        self.serial: str | None = None
        self.firmware: str | None = None
        self.state: str | None = None
        self.battery: str | None = None
        self.battery_status: str | None = None
        self.cache_notes: list[str] = []
        self.seen_ctrl = False
        self.vds: dict[str, dict[str, Any]] = {}
        self.pds: dict[str, dict[str, Any]] = {}
        self.dg_members: dict[str, list[str]] = {}
        self.vd_dg: dict[str, str] = {}
        self.vd_os: dict[str, tuple[str | None, str | None]] = {}  # vd -> (OS Drive Name, SCSI NAA Id)


def _rows(v: Any) -> list[dict]:
    return [r for r in v if isinstance(r, dict)] if isinstance(v, list) else []


def _merge_pd(acc: _Acc, pid: str, **facts: Any) -> None:
    cur = acc.pds.setdefault(pid, {})
    for k, v in facts.items():
        if v is not None:
            cur[k] = v


def _pd_row(acc: _Acc, row: dict, pid: str | None = None) -> None:
    pid = pid or _pd_id(row.get("EID:Slt"))
    if pid is None:
        return
    dg = _str(row.get("DG"))
    _merge_pd(
        acc,
        pid,
        state=_str(row.get("State")),
        model=_model(row.get("Model")),
        size=size_bytes(_str(row.get("Size")) or ""),
        dg=dg if dg not in (None, "-") else None,
        did=_as_int(row.get("DID")),
    )


def _pd_detail(acc: _Acc, pid: str, detail: dict) -> None:
    for key, sub in detail.items():
        if not isinstance(sub, dict):
            continue
        if key.endswith(" State"):
            _merge_pd(
                acc,
                pid,
                media=_as_int(sub.get("Media Error Count")),
                other=_as_int(sub.get("Other Error Count")),
                predictive=_as_int(sub.get("Predictive Failure Count")),
                smart=str(sub.get("S.M.A.R.T alert flagged by drive", "")).strip().lower() == "yes",
                temp=_temp(sub.get("Drive Temperature")),
            )
        elif key.endswith(" Device attributes"):
            wwn = _str(sub.get("WWN"))
            _merge_pd(
                acc,
                pid,
                serial=_str(sub.get("SN")),
                model=_model(sub.get("Model Number")),
                wwn=wwn if wwn and wwn.upper() not in ("NA", "N/A") else None,
                size=size_bytes(_str(sub.get("Raw size")) or ""),
            )


def _temp(v: Any) -> float | None:
    m = re.match(r"\s*(-?)([0-9]+(?:\.[0-9]+)?)\s*C", str(v)[:100]) if v is not None else None
    t = to_float(m.group(2)) if m else None
    return (-t if m and m.group(1) else t) if t is not None else None


def _read_response(acc: _Acc, data: dict, warnings: list[str], where: str, nested: bool = False) -> None:
    for key, val in data.items():
        if key == "Basics" and isinstance(val, dict):
            acc.seen_ctrl = True
            acc.model = _str(val.get("Model")) or acc.model
            acc.serial = _str(val.get("Serial Number")) or acc.serial
        elif key == "Version" and isinstance(val, dict):
            acc.firmware = _str(val.get("Firmware Package Build")) or _str(val.get("Firmware Version"))
        elif key == "Status" and isinstance(val, dict):
            acc.seen_ctrl = True
            acc.state = _str(val.get("Controller Status"))
        elif key in ("VD LIST",) or _VD_KEY_RE.match(key):
            for row in _rows(val):
                dgvd = _str(row.get("DG/VD")) or ""
                dg, _, vd = dgvd.partition("/")
                if not vd:
                    continue
                acc.vds[vd] = {
                    "state": _str(row.get("State")),
                    "level": _level(row.get("TYPE")),
                    "size": size_bytes(_str(row.get("Size")) or ""),
                    "name": _str(row.get("Name")),
                    "cache": _str(row.get("Cache")),
                }
                acc.vd_dg[vd] = dg
        elif key in ("PD LIST",) or key.startswith("PDs for VD "):
            for row in _rows(val):
                _pd_row(acc, row)
        elif key == "TOPOLOGY":
            for row in _rows(val):
                if str(row.get("Type", "")).upper() != "DRIVE":
                    continue
                dg = _str(row.get("DG")) or "?"
                pid = _pd_id(row.get("EID:Slot"))
                if pid is None:  # a drive group slot whose drive is gone
                    pid = f"dg{dg}/arr{_str(row.get('Arr'))}/row{_str(row.get('Row'))}"
                _merge_pd(acc, pid, state=_str(row.get("State")), dg=dg, did=_as_int(row.get("DID")))
                acc.dg_members.setdefault(dg, [])
                if pid not in acc.dg_members[dg]:
                    acc.dg_members[dg].append(pid)
        elif key == "Physical Device Information" and isinstance(val, dict) and not nested:
            _read_response(acc, val, warnings, where, nested=True)  # an HBA's drives, one level down
        elif m := _DRIVE_KEY_RE.match(key):
            enc = m.group(3) or ""
            pid = f"{enc}:{m.group(4)}"
            for row in _rows(val):
                _pd_row(acc, row, pid)
        elif key.startswith("Drive /") and key.endswith(" - Detailed Information") and isinstance(val, dict):
            m = _DRIVE_KEY_RE.match(key[: -len(" - Detailed Information")])
            if m:
                _pd_detail(acc, f"{m.group(3) or ''}:{m.group(4)}", val)
        elif re.match(r"^VD[0-9]+ Properties$", key) and isinstance(val, dict):
            vd = key[2 : -len(" Properties")]
            acc.vd_os[vd] = (_str(val.get("OS Drive Name")), _str(val.get("SCSI NAA Id")))
            initial = _str(val.get("Write Cache(initial setting)"))
            cache = _str(acc.vds.get(vd, {}).get("cache"))
            if initial and cache:
                current = "WriteThrough" if "WT" in cache else "WriteBack" if "WB" in cache else cache
                note = f"VD {vd} {current}"
                if initial.replace(" ", "").lower() != current.lower():
                    note += f" (configured {initial})"
                acc.cache_notes.append(note)
        elif key in ("BBU_Info", "Cachevault_Info", "BBU_Info_Status"):
            for row in _rows(val):
                state = _str(row.get("State"))
                model = _str(row.get("Model"))
                acc.battery = ", ".join(p for p in (model, state) if p) or None
                acc.battery_status = battery_status(state)


def parse(text: str, source: str) -> HwRaidReport:
    """Parse one storcli/perccli JSON document (several concatenated documents are also accepted)."""
    docs = _load(text, source)
    warnings: list[str] = []
    errors: list[str] = []
    accs: dict[str, _Acc] = {}
    for doc in docs:
        ctrls = doc.get("Controllers") if isinstance(doc, dict) else None
        if not isinstance(ctrls, list):
            raise ParseError(source, 1, 'storcli JSON without a "Controllers" list')
        for i, entry in enumerate(ctrls):
            if not isinstance(entry, dict):
                warnings.append(f"{source}: Controllers[{i}] is not an object")
                continue
            cs = entry.get("Command Status") if isinstance(entry.get("Command Status"), dict) else {}
            cid = _str(cs.get("Controller"))
            if cid is None or not re.fullmatch(r"[0-9]+", cid):
                cid = str(i)
            status = _str(cs.get("Status")) or ""
            if status.lower() != "success":
                why = _str(cs.get("Description")) or status or "command failed"
                detail = cs.get("Detailed Status")
                if isinstance(detail, list) and detail and isinstance(detail[0], dict):
                    extra = _str(detail[0].get("ErrMsg") or detail[0].get("Status"))
                    why += f" ({extra})" if extra else ""
                errors.append(f"controller {cid}: {why}" if cs.get("Controller") is not None else why)
            data = entry.get("Response Data")
            if isinstance(data, dict):
                acc = accs.setdefault(cid, _Acc(cid))
                _read_response(acc, data, warnings, source)
    return _report(accs, warnings, errors)


def _load(text: str, source: str) -> list[Any]:
    dec = json.JSONDecoder()
    docs: list[Any] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos].isspace():
            pos += 1
        if pos >= n:
            break
        try:
            doc, pos = dec.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError; ValueError past 4,300 digits
            line = text.count("\n", 0, getattr(exc, "pos", pos)) + 1
            raise ParseError(source, line, f"not valid storcli JSON: {getattr(exc, 'msg', exc)}") from None
        docs.append(doc)
    if not docs:
        raise ParseError(source, None, "empty storcli output")
    return docs


def _report(accs: dict[str, _Acc], warnings: list[str], errors: list[str]) -> HwRaidReport:
    ctrls: list[HwController] = []
    lds: list[HwLogicalDrive] = []
    pds: list[HwPhysicalDrive] = []
    for acc in accs.values():
        dg_to_vds: dict[str, list[str]] = {}
        for vd, dg in acc.vd_dg.items():
            dg_to_vds.setdefault(dg, []).append(vd)
        for vd, facts in acc.vds.items():
            status = vd_status(facts["state"])
            if status == "unknown":
                warnings.append(f"controller {acc.cid} VD {vd}: unknown state {facts['state']!r}")
            dg = acc.vd_dg.get(vd)
            members = acc.dg_members.get(dg or "", [])
            if not members:
                members = [pid for pid, p in acc.pds.items() if p.get("dg") == dg and dg is not None]
            lds.append(
                HwLogicalDrive(
                    controller=acc.cid,
                    id=vd,
                    name=facts["name"],
                    level=facts["level"],
                    state=facts["state"],
                    status=status,
                    size_bytes=facts["size"],
                    members=tuple(members),
                    os_device=acc.vd_os.get(vd, (None, None))[0],
                    wwn=acc.vd_os.get(vd, (None, None))[1],
                )
            )
        for pid, p in acc.pds.items():
            status = pd_status(p.get("state"), p.get("predictive"), bool(p.get("smart")))
            if status == "unknown":
                warnings.append(f"controller {acc.cid} PD {pid}: unknown state {p.get('state')!r}")
            vds = dg_to_vds.get(p.get("dg") or "", [])
            pds.append(
                HwPhysicalDrive(
                    controller=acc.cid,
                    id=pid,
                    state=p.get("state"),
                    status=status,
                    model=p.get("model"),
                    serial=p.get("serial"),
                    wwn=p.get("wwn"),
                    size_bytes=p.get("size"),
                    media_errors=p.get("media"),
                    other_errors=p.get("other"),
                    predictive_failures=p.get("predictive"),
                    temperature_celsius=p.get("temp"),
                    logical_drive=vds[0] if len(vds) == 1 else None,
                    device_id=p.get("did"),
                )
            )
        if acc.seen_ctrl or acc.battery or acc.cache_notes or acc.vds or acc.pds:
            status = ctrl_status(acc.state)
            cache = "; ".join(acc.cache_notes) or None
            if any("(configured WriteBack)" in n and "WriteThrough" in n for n in acc.cache_notes):
                status = "failed" if status == "failed" else "warning"
            ctrls.append(
                HwController(
                    id=acc.cid,
                    model=acc.model,
                    serial=acc.serial,
                    firmware=acc.firmware,
                    state=acc.state,
                    status=status,
                    battery=acc.battery,
                    battery_status=acc.battery_status,
                    cache=cache,
                )
            )
    return HwRaidReport(
        tool=TOOL,
        controllers=tuple(ctrls),
        logical_drives=tuple(lds),
        physical_drives=tuple(pds),
        warnings=tuple(warnings),
        error="; ".join(errors) or None,
    )
