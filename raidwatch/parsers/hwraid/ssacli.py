"""HP/HPE Smart Array CLIs (hpacucli, hpssacli, ssacli): ``show config [detail]`` and ``show status``.

Reads, alone or concatenated: ``ctrl all show status`` (controller, cache and battery status),
``ctrl slot=N ld all show`` / ``ctrl all show config`` (the short ``array A`` / ``logicaldrive 1 (...)``
/ ``physicaldrive 1I:1:1 (...)`` lines) and ``ctrl all show config detail`` (``Array: A``, ``Logical
Drive: 1``, ``physicaldrive 1I:1:1`` blocks with Status, Serial Number, Model, Disk Name, ...).
The same controller header in two outputs is one controller. Lines echoed by a shell prompt
(``#``, ``$``) are skipped; the "FIRMWARE UPGRADE REQUIRED" notice and unknown lines are warnings.

Status rules (the tool's words are kept in ``state``; case-insensitive, by leading words):

* controller ``Controller Status``: OK -> ok; Failed -> failed; else warning. A cache that is not OK
  (Temporarily/Permanently Disabled, Failed, ...; "Not Configured" means no cache module and is
  fine) or an enclosure/drive cage not OK makes an ok controller warning: the volumes are intact.
* battery ``Battery/Capacitor Status``: OK -> ok; Failed... -> failed; Not Present/absent -> none;
  anything else (Recharging, Charging, ...) -> warning.
* logical drive: OK -> ok; Interim Recovery Mode, Ready for Rebuild, Wrong Drive Replaced, Loose
  Cable Detected/Not Properly Connected -> degraded; Recovering/Rebuilding -> rebuilding (its
  "NN% complete" goes to ``progress``); Expanding, Queued for Expansion, Transforming, Initializing,
  Not Yet Available, Erasing -> initializing; Failed -> failed; Disabled/Ejected -> offline; else
  unknown.
* physical drive: Failed -> failed; Predictive Failure -> predictive-failure; Rebuilding ->
  rebuilding; Missing/Not Present -> missing; OK -> spare when it is a spare ("spare" flag, "Drive
  Type: Spare Drive"), unconfigured when unassigned, else ok; else unknown.
* an array whose own status is not OK (``array B (Failed)``, ``Status: Failed Physical Drive``) while
  none of its listed drives is failed: the short outputs name no drive, so a drive ``array B`` with
  state ``array B: Failed`` and status failed stands for the failed drive they do not name (a
  failed spare leaves the logical drives OK but the array failed).

"Error: ..." lines are the tool's errors (``error``), except "does not have any logical drives",
which only means an unconfigured controller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, to_float
from raidwatch.parsers.bounds import head as bounded_head
from raidwatch.parsers.hwraid.model import HwController, HwLogicalDrive, HwPhysicalDrive, HwRaidReport

TOOL = "ssacli"

# Free-text parts (model, chassis) are lazy groups of at most 128 characters ending on a non-blank, with
# the blanks after them taken possessively: each candidate end is tried once per run of blanks and never
# past 128 characters (two unbounded lazy groups before `\s*$` ran for minutes on one long line).
_HEADER_RE = re.compile(
    r"^(?P<model>\S.{0,127}?)(?<=\S)\s++in\s++(?:Slot\s++(?P<slot>\S+)|(?P<chassis>\S.{0,127}?)(?<=\S))"
    r"(?P<tail>(?:\s++\([^)]*\))*)\s*$"
)
# the key runs to the first ':' (its trailing blanks stripped in code)
_KV_RE = re.compile(r"^(?P<ind>\s*)(?P<key>\S[^:]*):\s*(?P<value>.*)$")
_ARRAY_SHORT_RE = re.compile(r"^\s+array\s+(?P<name>\S+)(?:\s+\((?P<info>.*)\))?\s*$", re.I)
_LD_SHORT_RE = re.compile(r"^\s+logicaldrive\s+(?P<id>\S+)\s+\((?P<info>.*)\)\s*$")
_PD_SHORT_RE = re.compile(r"^\s+physicaldrive\s+(?P<id>\S+)\s+\((?P<info>.*)\)\s*$")
_PD_DETAIL_RE = re.compile(r"^(?P<ind>\s+)physicaldrive\s+(?P<id>\S+)\s*$")
_CAGE_RE = re.compile(r"^\s++(?P<what>.*\bat Port\s+\S+,\s*Box\s+[0-9]+),\s*+(?P<status>\S(?:.*\S)?)\s*$")
_SIZE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGTP])(i?)B\b", re.I)
_POWER = {"K": 1, "M": 2, "G": 3, "T": 4, "P": 5}
_PROMPT_RE = re.compile(r"^\s*(?:#|\$ |\[[^\]]*\]\s*[#$])")
_KNOWN_ERRORS = (
    "no controllers detected",
    "does not have any logical drives",
    "the controller must be identified by",
    "invalid target syntax",
)


def detect(text: str) -> bool:
    """A Smart Array controller header with hpacucli's words under it, or one of its error lines."""
    head = bounded_head(text)
    for line in head.splitlines():
        low = line.lower()
        if low.startswith("error:") and any(e in low for e in _KNOWN_ERRORS):
            return True
    if not re.search(r"^\S.*\bin\s+(?:Slot\s+\S+|\S)", head, re.M):
        return False
    return bool(
        re.search(r"^[^\S\n]+(?:Controller Status|Battery/Capacitor Status|Cache Status):", head, re.M)
        or re.search(r"^[^\S\n]+logicaldrive\s+\S+\s+\(", head, re.M)
        or re.search(r"^[^\S\n]+physicaldrive\s+\S+:\S+", head, re.M)
        or re.search(r"^[^\S\n]+Array:\s+\S+", head, re.M)
    )


def _size(value: str, binary: bool = False) -> int | None:
    """A size as the tool prints it -> bytes. A drive's size is its decimal marketing figure ("1 TB",
    "960 GB"); a logical drive's is binary under a decimal unit name (`binary=True`): every recorded
    `show config detail` agrees only with that (RAID 1 of two "100 GB" drives is "93.1 GB", RAID 5 of six
    "1 TB" drives "4.55 TB", RAID 6 of four "960 GB" drives "1.75 TB", which the OS lists as "1.7 TiB").
    KiB..PiB are binary by name."""
    m = _SIZE_RE.match(value)
    if not m:
        return None
    base = 1024 if (binary or m.group(3)) else 1000
    n = to_float(m.group(1))  # None too for a digit string longer than a reading
    return (round(n * base ** _POWER[m.group(2).upper()]) or None) if n is not None else None


def _temperature(text: str | None) -> float | None:
    m = re.fullmatch(r"(-?)([0-9]+(?:\.[0-9]+)?)", text or "")
    t = to_float(m.group(2)) if m else None
    return (-t if m and m.group(1) else t) if t is not None else None


def _progress(value: str) -> float | None:
    m = re.search(r"(?<![0-9])([0-9]+(?:\.[0-9]+)?)\s*%\s*complete", value, re.I)
    pct = to_float(m.group(1)) if m else None
    return min(pct / 100.0, 1.0) if pct is not None else None


def ctrl_status(word: str | None) -> str:
    w = (word or "").strip().lower()
    if not w:
        return "unknown"
    if w == "ok" or w.startswith("ok "):
        return "ok"
    if w.startswith("fail"):
        return "failed"
    return "warning"


def cache_ok(word: str | None) -> bool:
    w = (word or "").strip().lower()
    return not w or w.startswith(("ok", "not configured", "not present"))


def battery_status(word: str | None) -> str | None:
    w = (word or "").strip().lower()
    if not w or w.startswith(("not present", "not installed", "n/a", "none")):
        return None
    if w == "ok" or w.startswith("ok "):
        return "ok"
    if w.startswith("fail"):
        return "failed"
    return "warning"


def ld_status(word: str | None) -> str:
    w = (word or "").strip().lower()
    if w == "ok" or w.startswith(("ok ", "ok,")):
        return "ok"
    if w.startswith(("interim recovery", "ready for rebuild", "wrong drive", "loose cable", "degraded")) or (
        "not properly connected" in w
    ):
        return "degraded"
    if w.startswith(("recovering", "rebuilding", "rebuild")):
        return "rebuilding"
    if w.startswith(
        ("expanding", "queued for expansion", "transforming", "initializ", "not yet available", "eras")
    ):
        return "initializing"
    if w.startswith("fail"):
        return "failed"
    if w.startswith(("disabled", "ejected", "offline")):
        return "offline"
    return "unknown"


def pd_status(word: str | None, spare: bool = False, unassigned: bool = False) -> str:
    w = (word or "").strip().lower()
    if w.startswith("fail"):
        return "failed"
    if w.startswith("predictive"):
        return "predictive-failure"
    if w.startswith("rebuild"):
        return "rebuilding"
    if w.startswith(("missing", "not present")):
        return "missing"
    if w == "ok" or w.startswith("ok"):
        if spare:
            return "spare"
        if unassigned:
            return "unconfigured"
        return "ok"
    return "unknown"


def _model(value: str | None) -> str | None:
    words = (value or "").split()
    if len(words) > 1 and words[0] == "ATA":  # the vendor column of a SATA drive says only "ATA"
        words = words[1:]
    return " ".join(words) or None


def _level(raid: str) -> str | None:
    v = raid.strip().upper().removeprefix("RAID").strip()
    if not v:
        return None
    if "ADG" in v or v.startswith("6"):
        return "raid60" if v.startswith("60") else "raid6"
    if "1+0" in v or v.startswith("10"):
        return "raid10adm" if "ADM" in v and v.startswith("10") else "raid10"
    m = re.match(r"([0-9]+)\s*(ADM|TRIPLE)?", v)
    if m:
        return f"raid{m.group(1)}" + ("adm" if m.group(2) else "")
    return v.lower()


@dataclass
class _Ctrl:
    id: str
    model: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    cage_problems: list[str] = field(default_factory=list)


@dataclass
class _Array:
    ctrl: str
    name: str
    state: str | None = None


@dataclass
class _LD:
    ctrl: str
    id: str
    array: str | None
    fields: dict[str, str] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)


@dataclass
class _PD:
    ctrl: str
    id: str
    array: str | None = None
    unassigned: bool = False
    spare: bool = False
    fields: dict[str, str] = field(default_factory=dict)


def _ctrl_id(m: re.Match[str]) -> str:
    return f"slot {m.group('slot')}" if m.group("slot") else (m.group("chassis") or "?").strip()


def parse(text: str, source: str) -> HwRaidReport:
    """Parse hpacucli/hpssacli/ssacli output (status, config, config detail; one or several)."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not hpacucli/ssacli output")
    warnings: list[str] = []
    errors: list[str] = []
    ctrls: dict[str, _Ctrl] = {}
    arrays: dict[tuple[str, str], _Array] = {}
    lds: dict[tuple[str, str], _LD] = {}
    pds: dict[tuple[str, str], _PD] = {}
    ctrl: _Ctrl | None = None
    array: str | None = None
    unassigned = False
    ld: _LD | None = None  # detail "Logical Drive:" block
    pd: _PD | None = None  # detail "physicaldrive X" block
    block_indent = 0
    in_error = False
    notice = False
    recognised = False

    def get_pd(pid: str) -> _PD:
        assert ctrl is not None
        key = (ctrl.id, pid)
        if key not in pds:
            pds[key] = _PD(ctrl=ctrl.id, id=pid)
        p = pds[key]
        if array is not None and p.array is None:
            p.array = array
        if unassigned:
            p.unassigned = True
        return p

    for lineno, raw in enumerate(check_lines(text.splitlines(), source, "ssacli output"), 1):
        line = raw.replace("\t", "   ").rstrip()
        stripped = line.strip()
        if not stripped:
            in_error = False
            continue
        if _PROMPT_RE.match(line):
            continue
        indent = len(line) - len(line.lstrip())
        low = stripped.lower()
        if indent == 0 and low.startswith("error:"):
            errors.append(stripped[6:].strip())
            in_error = True
            recognised = True
            continue
        if in_error and indent > 0:
            errors[-1] = f"{errors[-1]} {stripped}"
            continue
        in_error = False
        if indent == 0 and low.startswith("firmware upgrade required"):
            notice = True
            warnings.append(f"{source}:{lineno}: {stripped}")
            continue
        if notice and indent > 0 and ctrl is None:
            continue  # the notice's continuation lines
        notice = False
        if indent == 0:
            m = _HEADER_RE.match(stripped)
            if m:
                recognised = True
                cid = _ctrl_id(m)
                ctrl = ctrls.setdefault(cid, _Ctrl(id=cid))
                ctrl.model = ctrl.model or m.group("model").strip()
                sn = re.search(r"\(sn:\s*([^)\s]+)\)", m.group("tail") or "")
                if sn:
                    ctrl.fields.setdefault("serial number", sn.group(1))
                array, unassigned, ld, pd = None, False, None, None
                continue
            warnings.append(f"{source}:{lineno}: line not understood: {stripped[:80]}")
            continue
        if ctrl is None:
            warnings.append(f"{source}:{lineno}: line before any controller header: {stripped[:80]}")
            continue
        # a detail block ends when a line comes back to its header's indentation or less
        if (ld is not None or pd is not None) and indent <= block_indent:
            ld = pd = None
        m = _PD_SHORT_RE.match(line)
        if m:
            p = get_pd(m.group("id"))
            parts = [x.strip() for x in m.group("info").split(",")]
            flags = {x.lower() for x in parts[4:]}
            if len(parts) >= 4:
                p.fields.setdefault("status", parts[3])
                p.fields.setdefault("size", parts[2])
            if any("spare" in f for f in flags):
                p.spare = True
            if ld is not None and p.id not in ld.members:
                ld.members.append(p.id)
            continue
        m = _LD_SHORT_RE.match(line)
        if m:
            parts = [x.strip() for x in m.group("info").split(",")]
            key = (ctrl.id, m.group("id"))
            cur = lds.setdefault(key, _LD(ctrl=ctrl.id, id=m.group("id"), array=array))
            if len(parts) >= 3:
                cur.fields.setdefault("size", parts[0])
                cur.fields.setdefault("raid", parts[1])
                cur.fields.setdefault("status", ", ".join(parts[2:]))
            ld = None
            continue
        m = _ARRAY_SHORT_RE.match(line)
        if m and indent <= 3:
            array, unassigned = m.group("name"), False
            arr = arrays.setdefault((ctrl.id, array), _Array(ctrl=ctrl.id, name=array))
            info = (m.group("info") or "").strip()
            if info and "," not in info and ":" not in info:
                arr.state = info  # "array B (Failed)"; "(SAS, Unused Space: 0 MB)" says no status
            ld = pd = None
            continue
        if indent <= 3 and low in ("unassigned", "hba drives", "unassigned drives"):
            array, unassigned, ld, pd = None, True, None, None
            continue
        m = _PD_DETAIL_RE.match(line)
        if m:
            pd = get_pd(m.group("id"))
            ld = None
            block_indent = indent
            continue
        m = _CAGE_RE.match(line)
        if m and indent <= 3:
            if m.group("status").strip().upper() != "OK":
                ctrl.cage_problems.append(f"{m.group('what')}: {m.group('status')}")
            array, ld, pd = None, None, None
            continue
        kv = _KV_RE.match(line)
        if kv:
            key, value = kv.group("key").strip().lower(), kv.group("value").strip()
            if pd is not None:
                pd.fields[key] = value
                if key == "drive type":
                    low_v = value.lower()
                    pd.spare = pd.spare or "spare" in low_v
                    pd.unassigned = pd.unassigned or "unassigned" in low_v
                continue
            if ld is not None:
                ld.fields[key] = value
                continue
            if indent <= 3 and key == "array":
                array, unassigned = value, False
                arrays.setdefault((ctrl.id, array), _Array(ctrl=ctrl.id, name=array))
                continue
            if key == "logical drive" and array is not None:
                ld = lds.setdefault((ctrl.id, value), _LD(ctrl=ctrl.id, id=value, array=array))
                block_indent = indent
                continue
            if array is not None and indent > 3 and key == "status":
                arrays[(ctrl.id, array)].state = value
                continue
            if indent <= 3 and array is None:
                ctrl.fields.setdefault(key, value)
            continue
        # headings this parser does not need: "Physical Drives", "Mirror Group 1:", SEP, Expander...
        if indent <= 3 and low != "physical drives":
            array, ld, pd = None, None, None
    if not recognised:
        raise ParseError(source, 1 if text else None, "no hpacucli/hpssacli/ssacli output found")
    return _build(ctrls, arrays, lds, pds, warnings, errors)


def _build(
    ctrls: dict[str, _Ctrl],
    arrays: dict[tuple[str, str], _Array],
    lds: dict[tuple[str, str], _LD],
    pds: dict[tuple[str, str], _PD],
    warnings: list[str],
    errors: list[str],
) -> HwRaidReport:
    controllers: list[HwController] = []
    for c in ctrls.values():
        state = c.fields.get("controller status")
        status = ctrl_status(state)
        cache = c.fields.get("cache status")
        if status == "ok" and (not cache_ok(cache) or c.cage_problems):
            status = "warning"
        for problem in c.cage_problems:
            warnings.append(f"controller {c.id}: {problem}")
        battery = c.fields.get("battery/capacitor status")
        controllers.append(
            HwController(
                id=c.id,
                model=c.model,
                serial=c.fields.get("serial number"),
                firmware=c.fields.get("firmware version"),
                state=state,
                status=status,
                battery=battery,
                battery_status=battery_status(battery),
                cache=cache,
            )
        )
    physical: list[HwPhysicalDrive] = []
    for p in pds.values():
        f = p.fields
        state = f.get("status")
        temp = f.get("current temperature (c)")
        physical.append(
            HwPhysicalDrive(
                controller=p.ctrl,
                id=p.id,
                state=state,
                status=pd_status(state, spare=p.spare, unassigned=p.unassigned),
                model=_model(f.get("model")),
                serial=f.get("serial number") or None,
                wwn=f.get("wwid") or None,
                size_bytes=_size(f.get("size", "")),
                temperature_celsius=_temperature(temp),
                logical_drive=None,
            )
        )
    logical: list[HwLogicalDrive] = []
    member_of: dict[tuple[str, str], str] = {}
    for d in lds.values():
        f = d.fields
        members = list(d.members)
        if not members and d.array is not None:
            members = [p.id for p in pds.values() if p.ctrl == d.ctrl and p.array == d.array and not p.spare]
        for pid in members:
            member_of.setdefault((d.ctrl, pid), d.id)
        state = f.get("status")
        raid = f.get("raid") or ("RAID " + f["fault tolerance"] if f.get("fault tolerance") else "")
        logical.append(
            HwLogicalDrive(
                controller=d.ctrl,
                id=d.id,
                name=f.get("logical drive label") or None,
                level=_level(raid) if raid else None,
                state=state,
                status=ld_status(state),
                size_bytes=_size(f.get("size", ""), binary=True),
                members=tuple(members),
                progress=_progress(state or ""),
                os_device=f.get("disk name") or None,
            )
        )
    physical = [replace(p, logical_drive=member_of.get((p.controller, p.id))) for p in physical]
    # an array that says it failed while none of its listed drives did: stand in for the unnamed drive
    for a in arrays.values():
        if not a.state or a.state.strip().upper() == "OK":
            continue
        own = [p for (c, _), p in pds.items() if c == a.ctrl and p.array == a.name]
        own = [p for p in physical if (p.controller, p.id) in {(q.ctrl, q.id) for q in own}]
        if any(p.status in ("failed", "missing") for p in own):
            continue
        ld_ids = [
            d.id for d in logical if d.controller == a.ctrl and lds[(d.controller, d.id)].array == a.name
        ]
        physical.append(
            HwPhysicalDrive(
                controller=a.ctrl,
                id=f"array {a.name}",
                state=f"array {a.name}: {a.state}",
                status="failed" if a.state.lower().startswith("fail") else "unknown",
                logical_drive=ld_ids[0] if len(ld_ids) == 1 else None,
            )
        )
    error = None
    real_errors = [e for e in errors if "does not have any logical drives" not in e.lower()]
    for e in errors:
        if e not in real_errors:
            warnings.append(f"controller without logical drives: {e}")
    if real_errors:
        error = "; ".join(real_errors)
    return HwRaidReport(
        tool=TOOL,
        controllers=tuple(controllers),
        logical_drives=tuple(logical),
        physical_drives=tuple(physical),
        warnings=tuple(warnings),
        error=error,
    )
