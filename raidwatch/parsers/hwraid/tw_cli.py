"""3ware/LSI tw_cli: ``show``, ``info cN unitstatus|drivestatus|bbustatus``, ``/cN show [all]``, enclosures.

Feed one command's output or several concatenated (``/cN show all`` prints the controller attributes,
unit, port and BBU tables together): every table is recognised by its heading line, so any mix works.
The controller a unit/port/BBU table belongs to is the one the text names last (``/c0 Model = ...``,
``# tw_cli info c0 unitstatus``, ``//host> /c0 show``), else the one the source name carries
(``...info,c0,unitstatus``), else the only controller of the ``Ctl`` table, else ``""`` (a bare
``info cN unitstatus`` does not say N; the collector that ran it does).

Status rules (the tool's words stay in ``state``):

* unit ``Status``: OK, VERIFYING, VERIFY-PAUSED -> ok (a verify is a routine scrub; its percentage goes
  to ``progress``); INITIALIZING, INIT-PAUSED -> initializing; REBUILDING, REBUILD-PAUSED -> rebuilding
  (``%RCmpl`` -> ``progress``); MIGRATING, MIGRATE-PAUSED -> rebuilding (the unit is being restriped;
  the model has no "reshaping" status); DEGRADED, RECOVERY -> degraded; INOPERABLE -> failed;
  OFFLINE -> offline; anything else -> unknown (and a warning line). Units of type SPARE are hot
  spares, not volumes: they are not logical drives, their drives are ``spare``.
* port ``Status``: OK, VERIFYING, INITIALIZING -> ok, then: in a SPARE unit -> spare, in no unit
  (``-``) -> unconfigured (check_raid calls these "SPARE"; 3ware hot spares are SPARE units);
  REBUILDING -> rebuilding; DEGRADED -> rebuilding when its unit is REBUILDING in the same text (the
  drive being rebuilt onto shows DEGRADED), else failed (out of sync: the unit lacks it);
  ECC-ERROR, DEVICE-ERROR, DRIVE-ERROR, DCB-DATA-CHECK, OFFLINE -> failed; SMART-FAILURE ->
  predictive-failure; UNSUPPORTED, NOT-SUPPORTED -> unconfigured; NOT-PRESENT ports (no drive) are
  left out; anything else -> unknown.
* controller: ok; warning when its ``NotOpt`` count (units in a state other than OK/VERIFYING) is
  above 0, so ``tw_cli show`` alone already says a unit needs a look.
* battery (``BBU`` column, ``bbustatus``): OK, Testing, Charging -> ok; WeakBat -> warning;
  ``-``/absent -> no battery; anything else (Fault, Failed, Error, ...) -> failed. ``OnlineState``
  other than On, Volt/Temp TOO-LOW/TOO-HIGH -> failed; Volt/Temp LOW/HIGH, an estimated backup time
  of at most 1 hour or a capacity test never run (``xx-xxx-xxxx``) -> warning.
* enclosures (``/cN/eM show all``, ``eM show``; the model has no enclosure type, so each becomes a
  controller entry with id ``/c0/e0`` and model ``enclosure ...``): status OK -> ok, else warning;
  a fan/temperature/power/slot/alarm element in a state other than OK (NOT-INSTALLED,
  NOT-REPORTABLE, NO-DEVICE skipped) -> warning (an ACTIVATED alarm is one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, head_lines, to_float, to_int
from raidwatch.parsers.hwraid.model import HwController, HwLogicalDrive, HwPhysicalDrive, HwRaidReport

TOOL = "tw_cli"

_CTL_HDR = re.compile(r"^Ctl\s+Model\s+\(?V?\)?Ports\s+Drives\s+Units\s+NotOpt", re.I)
_UNIT_HDR = re.compile(r"^Unit\s+UnitType\s+Status\s+%RCmpl\s+%V/I/M", re.I)
_PORT_HDR = re.compile(r"^V?Port\s+Status\s+Unit\s+Size\s+(?:Blocks|Type)", re.I)
_BBU_HDR = re.compile(r"^Name\s+OnlineState\s+BBUReady\s+Status", re.I)
_ENC_SUMMARY_HDR = re.compile(r"^Encl(?:osure)?\s+Slots\s+Drives", re.I)
_ENC_STATUS_HDR = re.compile(r"^Encl\s+(Status|Controllers)\s*$", re.I)
_ELEM_HDR = re.compile(r"^(Fan|TempSensor|PowerSupply|Slot|Alarm)\s+(Status|Temperature)\b", re.I)
_SPEED_HDR = re.compile(r"^\s+-+Speed-+\s*$")
_DASHES = re.compile(r"^\s*[-=]{3,}\s*$")
# the attribute name is a lazy group of at most 128 characters ending on a non-blank, the blanks after it
# taken possessively (tried once per run of blanks; `(.+?)\s+=` was cubic); values run to the end of the
# line (a lazy `(.*?)\s*$` retried the end from every blank of a run) and are stripped in code
_ATTR = re.compile(r"^(/c[0-9]+(?:/e[0-9]+)?)\s++(\S.{0,127}?)(?<=\S)\s++=\s++(.*)$")
_CTX = re.compile(r"(?:^#|^//\S*>|^\S*>\s)")
_CTX_CTL = re.compile(r"(?<![A-Za-z0-9])/?(c[0-9]+)(?![A-Za-z0-9])")
_ERROR = re.compile(r"^(?:Error:|No controller found|.*\(CLI:[0-9]+\))", re.I)

_CTL_ROW = re.compile(
    r"^(c[0-9]+)\s+(\S+)\s+([0-9]+)\s+([0-9]+)\s+([0-9]+)\s+([0-9]+)\s+([0-9]+)\s+([0-9]+|-)(?:\s+(\S+))?\s*$"
)
_UNIT_ROW = re.compile(r"^(u[0-9]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s*$")
_SUBUNIT_ROW = re.compile(r"^u[0-9]+-[0-9]+")
_PORT_OLD = re.compile(r"^(p[0-9]+)\s+(\S+)\s+(\S+)\s+(?:([0-9.]+)\s+([KMGT]B)|-)\s+([0-9]+|-)\s+(.*)$")
_PORT_NEW = re.compile(
    r"^(p[0-9]+)\s+(\S+)\s+(\S+)\s+(?:([0-9.]+)\s+([KMGT]B)|-)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$"
)
_BBU_ROW = re.compile(r"^(bbu[0-9]*)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$")
_ENC_ROW = re.compile(r"^((?:/c[0-9]+)?/?e[0-9]+)\s+(\S+)\s*$")
_ELEM_ROW = re.compile(r"^((?:fan|temp|pwrs|psu|slo?t|alm)\S*)\s+(\S+)", re.I)
_PCT = re.compile(r"(?<![0-9])([0-9]+(?:\.[0-9]+)?)%")

_UNITS = {"KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_UNIT_STATUS = {
    "OK": "ok",
    "VERIFYING": "ok",
    "VERIFY-PAUSED": "ok",
    "INITIALIZING": "initializing",
    "INIT-PAUSED": "initializing",
    "REBUILDING": "rebuilding",
    "REBUILD-PAUSED": "rebuilding",
    "MIGRATING": "rebuilding",
    "MIGRATE-PAUSED": "rebuilding",
    "DEGRADED": "degraded",
    "RECOVERY": "degraded",
    "INOPERABLE": "failed",
    "OFFLINE": "offline",
}
_PORT_STATUS = {
    "OK": "ok",
    "VERIFYING": "ok",
    "INITIALIZING": "ok",
    "REBUILDING": "rebuilding",
    "ECC-ERROR": "failed",
    "DEVICE-ERROR": "failed",
    "DRIVE-ERROR": "failed",
    "DCB-DATA-CHECK": "failed",
    "OFFLINE": "failed",
    "SMART-FAILURE": "predictive-failure",
    "UNSUPPORTED": "unconfigured",
    "NOT-SUPPORTED": "unconfigured",
}
_SKIP_ELEM = {"NOT-INSTALLED", "NOT-REPORTABLE", "NO-DEVICE"}


@dataclass
class _Ctl:
    id: str
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    not_opt: int | None = None
    bbu_col: str | None = None
    bbu_rows: list[tuple[str, ...]] = field(default_factory=list)
    is_enclosure: bool = False
    enc_status: str | None = None
    bad_elements: list[str] = field(default_factory=list)


@dataclass
class _Unit:
    ctl: str
    id: str
    type: str
    status: str
    rcmpl: str
    vim: str
    size_gb: str
    cache: str


@dataclass
class _Port:
    ctl: str
    id: str
    status: str
    unit: str
    size_bytes: int | None
    model: str | None
    serial: str | None


def detect(text: str) -> bool:
    """True for tw_cli output: one of its table headings or ``/cN Model = ...`` attribute lines."""
    enc_header = enc_row = False
    for line in head_lines(text, 400):
        s = line.strip()
        if _CTL_HDR.match(s) or _UNIT_HDR.match(s) or _PORT_HDR.match(s) or _BBU_HDR.match(s):
            return True
        if re.match(
            r"^/c[0-9]+(?:/e[0-9]+)? (?:Model|Driver Version|Firmware Version|Vendor|Product ID) = ", s
        ):
            return True
        enc_header = enc_header or bool(_ENC_STATUS_HDR.match(s))
        enc_row = enc_row or bool(
            re.match(r"^(?:/c[0-9]+/e[0-9]+|e[0-9]+)\s+(?:/c[0-9]+|[A-Z][A-Z-]+)\s*$", s)
        )
    return enc_header and enc_row


def _size(num: str | None, unit: str | None) -> int | None:
    n = to_float(num)
    if n is None or not unit or unit.upper() not in _UNITS:
        return None
    return round(n * _UNITS[unit.upper()])


def _pct(text: str) -> float | None:
    m = _PCT.search(text)
    pct = to_float(m.group(1)) if m else None
    return max(0.0, min(1.0, pct / 100)) if pct is not None else None


def _level(unit_type: str) -> str:
    return unit_type.lower().replace("-", "")


def _battery(ctl: _Ctl) -> tuple[str | None, str | None]:
    """(the tool's words, ok|warning|failed|None) for a controller's BBU."""
    if ctl.bbu_rows:
        words, worst = [], "ok"
        rank = {"ok": 0, "warning": 1, "failed": 2}
        for name, online, ready, status, volt, temp, hours, lastcap in ctl.bbu_rows:
            st = _bbu_word(status) or "ok"
            if online.lower() != "on":
                st = "failed"
            for reading in (volt.upper(), temp.upper()):
                if reading.startswith("TOO-"):
                    st = "failed"
                elif reading in ("LOW", "HIGH") and rank[st] < 1:
                    st = "warning"
            if ((h := to_int(hours)) is not None and h <= 1) or lastcap.lower() == "xx-xxx-xxxx":
                st = "warning" if rank[st] < 1 else st
            worst = st if rank[st] > rank[worst] else worst
            words.append(
                f"{name} {status}, OnlineState={online}, BBUReady={ready}, Volt={volt}, Temp={temp}, "
                f"Hours={hours}, LastCapTest={lastcap}"
            )
        return "; ".join(words), worst
    if ctl.bbu_col and ctl.bbu_col != "-":
        return ctl.bbu_col, _bbu_word(ctl.bbu_col)
    return None, None


def _bbu_word(word: str) -> str | None:
    w = word.lower()
    if w in ("-", "not-present", "none"):
        return None
    if w in ("ok", "testing", "charging"):
        return "ok"
    if w == "weakbat":
        return "warning"
    return "failed"


def parse(text: str, source: str) -> HwRaidReport:
    """tw_cli output (one command or several concatenated) -> HwRaidReport."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not tw_cli output")
    warnings: list[str] = []
    ctls: dict[str, _Ctl] = {}
    units: list[_Unit] = []
    ports: list[_Port] = []
    errors: list[str] = []
    table: str | None = None
    seen_table = False
    ctx_ctl: str | None = None
    cur_enc: str | None = None

    def ctl(cid: str) -> _Ctl:
        if cid not in ctls:
            ctls[cid] = _Ctl(cid)
        return ctls[cid]

    for lineno, raw in enumerate(check_lines(text.splitlines(), source, "tw_cli output"), 1):
        line = raw.rstrip()
        s = line.strip()
        if not s:
            table = None
            continue
        if _DASHES.match(s) or _SPEED_HDR.match(line):
            continue
        if _CTX.match(s):  # a comment or a prompt naming the command that follows
            m = _CTX_CTL.search(s)
            if m:
                ctx_ctl = m.group(1)
            m = re.search(r"(?<![A-Za-z0-9])((?:/c[0-9]+)?/?e[0-9]+)(?![A-Za-z0-9])", s)
            if m:
                cur_enc = m.group(1)
            continue
        if _ERROR.match(s):
            errors.append(s)
            continue
        header = True
        if _CTL_HDR.match(s):
            table = "ctl"
        elif _UNIT_HDR.match(s):
            table = "unit"
        elif _PORT_HDR.match(s):
            table = "port"
        elif _BBU_HDR.match(s):
            table = "bbu"
        elif _ENC_SUMMARY_HDR.match(s):
            table = "enc-summary"
        elif _ENC_STATUS_HDR.match(s):
            table = "enc"
        elif m := _ELEM_HDR.match(s):
            table = "temp-only" if m.group(2).lower() == "temperature" else "elem"
        elif re.match(r"^Unit\s+UnitType\s+Status", s):
            table = "subunit"
        else:
            header = False
        if header:
            seen_table = True
            continue
        m = _ATTR.match(s)
        if m:
            seen_table = True
            obj, key, value = m.group(1), m.group(2), m.group(3).strip()
            if "/e" in obj:
                cur_enc = obj
                enc = ctl(obj)
                enc.is_enclosure = True
                if key.lower() == "product id":
                    enc.model = f"enclosure {value}".strip()
                elif key.lower().endswith("firmware version"):
                    enc.firmware = value
            else:
                ctx_ctl = obj.lstrip("/")
                c = ctl(ctx_ctl)
                k = key.lower()
                if k == "model":
                    c.model = value
                elif k == "firmware version":
                    c.firmware = value
                elif k == "serial number":
                    c.serial = value
                elif k == "not optimal units" and to_int(value) is not None:
                    c.not_opt = to_int(value)
            continue
        if table == "ctl" and (m := _CTL_ROW.match(s)):
            c = ctl(m.group(1))
            c.model = m.group(2)
            c.not_opt = to_int(m.group(6))
            c.bbu_col = m.group(9)
        elif table == "unit" and (m := _UNIT_ROW.match(s)):
            uid, utype, status, rcmpl, vim, _stripe, size, cache, _avrfy = m.groups()
            units.append(_Unit("?", uid, utype, status, rcmpl, vim, size, cache))
        elif table == "subunit" and (_SUBUNIT_ROW.match(s) or _UNIT_ROW.match(s)):
            pass  # `info cN uM`: the unit's sub-units; the unit table carries the unit's state
        elif table == "port" and ((m := _PORT_NEW.match(s)) or (m := _PORT_OLD.match(s))):
            g = list(m.groups())
            g[-1] = (g[-1] or "").strip()  # the last column runs to the end of the line
            if g[1].upper() == "NOT-PRESENT":
                continue
            size = _size(g[3], g[4])
            if len(g) == 7:  # Blocks Serial
                blocks, serial = g[5], g[6]
                if (n := to_int(blocks)) is not None:
                    size = n * 512
                ports.append(_Port("?", g[0], g[1], g[2], size, None, serial if serial != "-" else None))
            else:
                ports.append(_Port("?", g[0], g[1], g[2], size, g[8] or None, None))
        elif table == "bbu" and (m := _BBU_ROW.match(s)):
            ctl(ctx_ctl or "?").bbu_rows.append(m.groups())
        elif table == "enc-summary" and re.match(r"^(?:/c[0-9]+)?/e[0-9]+\s+[0-9]+", s):
            pass  # enclosure inventory of `show`: no status in it
        elif table == "enc" and (m := _ENC_ROW.match(s)):
            cur_enc = m.group(1)
            enc = ctl(cur_enc)
            enc.is_enclosure = True
            if not m.group(2).startswith("/c"):  # `Encl Status`, not `Encl Controllers`
                enc.enc_status = m.group(2)
        elif table in ("elem", "temp-only") and (m := _ELEM_ROW.match(s)):
            if table == "elem":
                name, status = m.group(1), m.group(2)
                if status.upper() not in _SKIP_ELEM and status.upper() != "OK":
                    enc = ctl(cur_enc or "enclosure")
                    enc.is_enclosure = True
                    enc.bad_elements.append(f"{name}={status}")
        else:
            warnings.append(f"{source}:{lineno}: line not understood: {s[:120]!r}")
            continue
        # rows of unit/port/bbu tables belong to the context controller, resolved below
        if table in ("unit", "port") and ctx_ctl:
            (units if table == "unit" else ports)[-1].ctl = ctx_ctl

    if not seen_table and not errors:
        raise ParseError(
            source, 1 if text.strip() else None, "no tw_cli table (Ctl/Unit/Port/BBU/Encl heading) found"
        )

    # The controller of rows with no context: the source name, else the only controller listed.
    fallback = ""
    m = _CTX_CTL.search(source or "")
    real = [c for c in ctls if c != "?" and not ctls[c].is_enclosure]
    if m:
        fallback = m.group(1)
    elif len(real) == 1:
        fallback = real[0]
    for u in units:
        if u.ctl == "?":
            u.ctl = fallback
    for p in ports:
        if p.ctl == "?":
            p.ctl = fallback
    if "?" in ctls:
        orphan = ctls.pop("?")
        target = ctl(fallback) if fallback else _Ctl("")
        target.bbu_rows.extend(orphan.bbu_rows)
        if not fallback:
            ctls[""] = target

    unit_by = {(u.ctl, u.id): u for u in units}
    lds: list[HwLogicalDrive] = []
    for u in units:
        if u.type.upper() == "SPARE":
            continue
        status = _UNIT_STATUS.get(u.status.upper())
        if status is None:
            status = "unknown"
            warnings.append(f"{source}: unit {u.id}: unknown status {u.status!r}")
        progress = None
        if status == "rebuilding" and u.status.upper().startswith("REBUILD"):
            progress = _pct(u.rcmpl)
        elif u.status.upper() != "OK":
            progress = _pct(u.vim)
        gb = to_float(u.size_gb)
        size = round(gb * 1024**3) if gb is not None else None
        members = tuple(p.id for p in ports if p.ctl == u.ctl and p.unit == u.id)
        lds.append(
            HwLogicalDrive(
                controller=u.ctl,
                id=u.id,
                level=_level(u.type),
                state=u.status,
                status=status,
                size_bytes=size,
                members=members,
                progress=progress,
            )
        )

    pds: list[HwPhysicalDrive] = []
    for p in ports:
        word = p.status.upper()
        unit = unit_by.get((p.ctl, p.unit))
        if word == "DEGRADED":
            rebuilding = unit is not None and unit.status.upper().startswith("REBUILD")
            status = "rebuilding" if rebuilding else "failed"
        else:
            status = _PORT_STATUS.get(word)
            if status is None:
                status = "unknown"
                warnings.append(f"{source}: port {p.id}: unknown status {p.status!r}")
        if status == "ok":
            if p.unit == "-":
                status = "unconfigured"
            elif unit is not None and unit.type.upper() == "SPARE":
                status = "spare"
        progress = None
        if status == "rebuilding" and unit is not None:
            progress = _pct(unit.rcmpl)
        in_volume = p.unit != "-" and not (unit is not None and unit.type.upper() == "SPARE")
        pds.append(
            HwPhysicalDrive(
                controller=p.ctl,
                id=p.id,
                state=p.status,
                status=status,
                model=p.model,
                serial=p.serial,
                size_bytes=p.size_bytes,
                logical_drive=p.unit if in_volume else None,
                progress=progress,
            )
        )

    controllers: list[HwController] = []
    for c in ctls.values():
        if c.is_enclosure:
            status = "ok"
            state = c.enc_status
            if c.enc_status and c.enc_status.upper() != "OK":
                status = "warning"
            if c.bad_elements:
                status = "warning"
                state = ", ".join(filter(None, [c.enc_status, *c.bad_elements]))
            controllers.append(
                HwController(
                    id=c.id, model=c.model or "enclosure", firmware=c.firmware, state=state, status=status
                )
            )
            continue
        battery, battery_status = _battery(c)
        status, state = "ok", None
        if c.not_opt:
            status, state = "warning", f"NotOpt={c.not_opt}"
        if c.id == "" and c.model is None and not c.bbu_rows:
            continue
        controllers.append(
            HwController(
                id=c.id,
                model=c.model,
                serial=c.serial,
                firmware=c.firmware,
                state=state,
                status=status,
                battery=battery,
                battery_status=battery_status,
            )
        )

    return HwRaidReport(
        tool=TOOL,
        controllers=tuple(controllers),
        logical_drives=tuple(lds),
        physical_drives=tuple(pds),
        warnings=tuple(warnings),
        error="; ".join(errors) if errors else None,
    )
