"""Adaptec/Microsemi arcconf: GETCONFIG (AD/LD/PD/AL, old and new layouts) and GETSTATUS, as one report.

Feed one command's output, or several concatenated (``GETCONFIG 1 AL`` then ``GETSTATUS 1``): each run
starts with ``Controllers found: N``; a GETSTATUS task is applied to the logical device of the
controller whose GETCONFIG came before it. Unknown section headings are tolerated as warnings.

Status rules (the tool's words are kept in ``state``; matching is case-insensitive, by first word):

* controller ``Controller Status``: Optimal/Okay/OK -> ok; Failed/Fault -> failed; anything else ->
  warning.
* battery (``Controller Battery Information``/``Controller ZMM Information`` ``Status``, ``Overall
  Backup Unit Status``, ``Backup Power Status``): Optimal/Ok/Okay/Ready/ZMM Optimal -> ok;
  Not Installed/Not Present/ZMM not installed -> none (no battery: ``battery_status`` None);
  Failed/Fault/Dead/Missing -> failed; anything else (Charging, Degraded, Low, ...) -> warning.
* logical device ``Status of logical device|drive``: Optimal/Okay/OK -> ok; Degraded/Suboptimal/
  Critical -> degraded (also while a rebuild runs: the volume has no redundancy until it ends, the
  rebuild percentage goes to ``progress``); Rebuilding -> rebuilding; Impacted (the volume was not
  fully built: its parity/mirror is not yet trustworthy), Building, Initializing, Formatting ->
  initializing; Failed -> failed; Offline/Missing -> offline; else unknown.
* physical device ``State``: Online, Online (JBOD), Optimal -> ok; Global/Dedicated Hot-Spare, Hot
  Spare -> spare; Ready, Raw, Unconfigured -> unconfigured; Rebuilding/Rebuild -> rebuilding;
  Failed/Defunct/Offline -> failed; Missing -> missing; else unknown. A drive whose ``PFA`` is Yes or
  with ``S.M.A.R.T. warnings`` above 0 that is otherwise ok is predictive-failure.
  Enclosures and enclosure services devices are not drives and are left out.

Output that is not a configuration (usage text, GETLOGS event logs, an empty run) is refused with
a ParseError that says what it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, to_float, to_int
from raidwatch.parsers.hwraid.model import HwController, HwLogicalDrive, HwPhysicalDrive, HwRaidReport

TOOL = "arcconf"

# Patterns searched over a whole text with re.M start with [^\S\n]* (blanks but not a newline), not \s*:
# a \s* at each line start would run across every following blank line (quadratic in their number).
_FOUND_RE = re.compile(r"^[^\S\n]*Controllers found\s*:\s*([0-9]+)\s*$", re.I | re.M)
_BANNER_RE = re.compile(r"^[^\S\n]*\|\s*ARCCONF\s*\|", re.M)
_SECTION_RE = re.compile(
    r"^(controller information|logical (?:device|drive) information|physical device information"
    r"|array information|connector information|maxcache .*information|logical device task:"
    r"|physical device task:|enclosure information)\s*$",
    re.I,
)
# the key ends where a run of blanks starts ((?<!\s)), not inside it: linear in a long run of blanks
_KV_RE = re.compile(r"^(\s*)(\S.*?)(?<!\s)\s*:(?:\s+|$)(.*)$")
_LD_START_RE = re.compile(r"^\s*Logical (?:device|drive) number\s+([0-9]+)\s*$", re.I)
_PD_START_RE = re.compile(r"^\s*Device #([0-9]+)\s*$")
_CHANNEL_RE = re.compile(r"^\s*Channel #([0-9]+):?\s*$")
_SEGMENT_KEY_RE = re.compile(r"^(?:Group [0-9]+, )?Segment [0-9]+$|^Device [0-9]+$", re.I)
_CTRL_ID_RE = re.compile(r"(?:GETCONFIG|GETSTATUS)\s+([0-9]+)", re.I)
_SEG_CTRL_RE = re.compile(r"\(Controller:([0-9]+)")
# arcconf's MB/GB are binary (a 73 GB disk prints "70007 MB"); KiB..TiB are binary by name
_SIZE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT])(i?)B\b", re.I)
_UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_ERROR_RE = re.compile(
    r"^(?:Command aborted|Invalid controller number|No controllers (?:were )?found|Error:|"
    r".*[Pp]ermission denied|.*must be run as root)",
    re.I,
)


def detect(text: str) -> bool:
    """arcconf's own phrases: the usage banner, 'Controllers found: N', or its section headings."""
    head = text[:65536]
    if re.search(r"^Found [0-9]+ IBM ServeRAID controller", head, re.M):
        return False  # IBM ipssend: a cousin of arcconf's layout, another tool
    if _BANNER_RE.search(head) or _FOUND_RE.search(head):
        return True
    return bool(
        re.search(r"^Logical (?:device|drive) information\s*$", head, re.I | re.M)
        and re.search(r"^Logical (?:device|drive) number\s+[0-9]+\s*$", head, re.I | re.M)
        and re.search(r"^[^\S\n]+Status of logical (?:device|drive)\s*:", head, re.I | re.M)
    ) or bool(
        re.search(r"^Physical Device information\s*$", head, re.I | re.M)
        and re.search(r"^[^\S\n]+Device #[0-9]+\s*$", head, re.M)
        and re.search(r"^[^\S\n]+Reported Channel,Device", head, re.M)
    )


def _size(value: str) -> int | None:
    m = _SIZE_RE.match(value)
    n = to_float(m.group(1)) if m else None
    if m is None or n is None:  # None too for a digit string longer than a reading
        return None
    return round(n * _UNITS[m.group(2).upper()]) or None


def _int(value: str) -> int | None:
    m = re.match(r"\s*([0-9]+)", value)
    return to_int(m.group(1)) if m else None


def ctrl_status(word: str | None) -> str:
    w = (word or "").strip().lower()
    if not w:
        return "unknown"
    if w.startswith(("optimal", "okay", "ok")):
        return "ok"
    if w.startswith(("failed", "fault")):
        return "failed"
    return "warning"


def battery_status(word: str | None) -> str | None:
    w = (word or "").strip().lower()
    w = w.removeprefix("zmm ").strip()
    if not w or w.startswith(("not installed", "not present", "none", "n/a", "not applicable")):
        return None
    if w.startswith(("optimal", "ok", "okay", "ready", "normal")):
        return "ok"
    if w.startswith(("failed", "fault", "dead", "missing", "bad")):
        return "failed"
    return "warning"


def ld_status(word: str | None) -> str:
    w = (word or "").strip().lower()
    if w.startswith(("optimal", "okay", "ok")):
        return "ok"
    if w.startswith(("degraded", "suboptimal", "critical", "interim")):
        return "degraded"
    if w.startswith(("rebuild", "recover")):
        return "rebuilding"
    if w.startswith(("impacted", "build", "initializ", "formatting", "expanding", "reconfigur")):
        return "initializing"
    if w.startswith("fail"):
        return "failed"
    if w.startswith(("offline", "missing", "dead")):
        return "offline"
    return "unknown"


def pd_status(word: str | None) -> str:
    w = (word or "").strip().lower()
    if not w:
        return "unknown"
    if w.startswith(("failed", "defunct", "offline", "dead")):
        return "failed"
    if w.startswith("missing"):
        return "missing"
    if w.startswith(("rebuild",)):
        return "rebuilding"
    if "hot-spare" in w or "hot spare" in w or "hotspare" in w or w.startswith("spare"):
        return "spare"
    if w.startswith(("online", "optimal")):
        return "ok"
    if w.startswith(("ready", "raw", "unconfigured", "available")):
        return "unconfigured"
    return "unknown"


@dataclass
class _PD:
    index: str
    channel: str | None
    kind: str = "disk"
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class _LD:
    id: str
    fields: dict[str, str] = field(default_factory=dict)
    segments: list[str] = field(default_factory=list)  # raw segment values, in order
    drives: list[str] = field(default_factory=list)  # old layout "Drive(s) (Channel,Device)"


@dataclass
class _Block:
    """One GETCONFIG run for one controller."""

    ctrl_id: str | None = None
    ctrl: dict[str, str] = field(default_factory=dict)
    battery: str | None = None
    lds: list[_LD] = field(default_factory=list)
    pds: list[_PD] = field(default_factory=list)
    tasks: list[dict[str, str]] = field(default_factory=list)


def _refuse_non_config(text: str, source: str) -> None:
    if _BANNER_RE.search(text) and re.search(r"^[^\S\n]*GETCONFIG\s*\|", text, re.M):
        raise ParseError(
            source, 1, "arcconf printed its usage text (unknown command or option), not GETCONFIG/GETSTATUS"
        )
    if re.search(r"^[^\S\n]*ControllerLog\s*$", text, re.M) or "deadDriveEntry" in text:
        raise ParseError(
            source, 1, "arcconf GETLOGS output (the controller's event log), not GETCONFIG/GETSTATUS"
        )


def _loc_key(text: str) -> str | None:
    """A drive location comparable between a segment and a physical device."""
    t = text.lower()
    m = re.search(r"enclosure[:\s]*([0-9]+)\s*,\s*slot[:\s]*([0-9]+)", t)
    if m:
        return f"e{m.group(1)}s{m.group(2)}"
    m = re.search(r"enclosure direct attached\s*,\s*slot\s*([0-9]+)", t)
    if m:
        return f"da{m.group(1)}"
    m = re.search(r"connector[:\s]*([0-9]+)\s*,\s*device[:\s]*([0-9]+)", t)
    if m:
        return f"c{m.group(1)}d{m.group(2)}"
    return None


def parse(text: str, source: str) -> HwRaidReport:
    """Parse arcconf GETCONFIG/GETSTATUS output (one or several runs concatenated)."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not arcconf output")
    _refuse_non_config(text, source)
    warnings: list[str] = []
    errors: list[str] = []
    blocks: list[_Block] = []
    block: _Block | None = None
    section = ""
    subsection = ""
    ld: _LD | None = None
    pd: _PD | None = None
    channel: str | None = None
    task: dict[str, str] | None = None
    saw_anything = False
    explicit_id: str | None = None
    status_only = True  # no GETCONFIG section seen in this run (a bare GETSTATUS)

    def new_block() -> _Block:
        nonlocal block, ld, pd, task, channel
        block = _Block(ctrl_id=explicit_id)
        blocks.append(block)
        ld = pd = task = None
        channel = None
        return block

    for lineno, raw in enumerate(check_lines(text.splitlines(), source, "arcconf output"), 1):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or set(stripped) <= {"-", "="}:
            continue
        m = _CTRL_ID_RE.search(stripped)
        if stripped.startswith("#"):
            if m:
                explicit_id = m.group(1)
            continue
        m = _FOUND_RE.match(line)
        if m:
            saw_anything = True
            if m.group(1) == "0":
                errors.append("no controllers found")
            section, subsection = "", ""
            status_only = True
            # a GETSTATUS run belongs to the GETCONFIG run before it: it opens no new controller
            block = None
            continue
        if stripped.lower().startswith("command completed successfully"):
            continue
        if _ERROR_RE.match(line):
            errors.append(stripped)
            continue
        if not line.startswith(" ") and _SECTION_RE.match(stripped):
            saw_anything = True
            section = stripped.lower()
            subsection = ""
            ld = pd = None
            channel = None
            if section.startswith(("logical device task", "physical device task")):
                if block is None:
                    block = blocks[-1] if blocks else new_block()
                task = {"kind": "ld" if section.startswith("logical") else "pd"}
                block.tasks.append(task)
                continue
            task = None
            if status_only or block is None:
                status_only = False
                new_block()
            continue
        if task is not None:
            kv = _KV_RE.match(line)
            if kv:
                task[kv.group(2).strip().lower()] = kv.group(3).strip()
            continue
        kv = _KV_RE.match(line)
        if not section:
            if kv and kv.group(2).strip().lower() == "current operation":
                saw_anything = True  # a GETSTATUS with no task running
                continue
            if kv or stripped.startswith("|"):
                continue
            warnings.append(f"{source}:{lineno}: line outside any arcconf section ignored: {stripped[:80]}")
            continue
        assert block is not None
        if section.startswith("controller information"):
            if not kv:
                subsection = stripped.lower()
                continue
            key, value = kv.group(2).strip().lower(), kv.group(3).strip()
            battery_key = key == "status" and ("battery" in subsection or "zmm" in subsection)
            if battery_key or key in ("overall backup unit status", "backup power status"):
                block.battery = value
            elif "version information" in subsection and key == "firmware":
                block.ctrl["firmware"] = value
            else:
                block.ctrl.setdefault(key, value)
            continue
        if section.startswith("logical"):
            m = _LD_START_RE.match(line)
            if m:
                ld = _LD(id=m.group(1))
                block.lds.append(ld)
                continue
            if ld is None or not kv:
                continue
            key, value = kv.group(2).strip(), kv.group(3).strip()
            if _SEGMENT_KEY_RE.match(key):
                ld.segments.append(value)
                sm = _SEG_CTRL_RE.search(value)
                if sm and block.ctrl_id is None:
                    block.ctrl_id = sm.group(1)
            elif key.lower().startswith("drive(s)"):
                ld.drives = value.split()
            else:
                ld.fields.setdefault(key.lower(), value)
            continue
        if section.startswith("physical device"):
            m = _CHANNEL_RE.match(line)
            if m:
                channel = m.group(1)
                pd = None
                continue
            m = _PD_START_RE.match(line)
            if m:
                pd = _PD(index=m.group(1), channel=channel)
                block.pds.append(pd)
                continue
            if pd is None:
                continue
            low = stripped.lower()
            if low.startswith("device is a"):
                pd.kind = "disk" if ("hard drive" in low or "solid state" in low or "ssd" in low) else "other"
                continue
            if kv and kv.group(2).strip().lower() not in pd.fields:
                pd.fields[kv.group(2).strip().lower()] = kv.group(3).strip()
            continue
        # array/connector/maxCache sections: nothing of health here that the LDs don't carry

    if not saw_anything or (not blocks and not errors):
        if saw_anything:
            # a bare GETSTATUS: tasks without the configuration they belong to
            return HwRaidReport(tool=TOOL, warnings=tuple(warnings))
        raise ParseError(source, 1 if text else None, "no arcconf GETCONFIG/GETSTATUS output found")
    return _build(blocks, warnings, errors)


def _pd_id(pd: _PD) -> str:
    for key in ("reported channel,device(t:l)", "reported channel,device"):
        value = pd.fields.get(key)
        if value:
            m = re.match(r"([0-9]+),([0-9]+)", value)
            if m:
                return f"{m.group(1)},{m.group(2)}"
    return f"{pd.channel},{pd.index}" if pd.channel is not None else f"#{pd.index}"


def _temp(value: str | None) -> float | None:
    if not value:
        return None
    m = re.match(r"\s*(-?)([0-9]+(?:\.[0-9]+)?)\s*(?:C\b|deg)", value)
    t = to_float(m.group(2)) if m else None
    return (-t if m and m.group(1) else t) if t is not None else None


def _build(blocks: list[_Block], warnings: list[str], errors: list[str]) -> HwRaidReport:
    controllers: list[HwController] = []
    lds_out: list[HwLogicalDrive] = []
    pds_out: list[HwPhysicalDrive] = []
    used_ids: set[str] = set()
    for n, block in enumerate(blocks, 1):
        cid = block.ctrl_id or str(n)
        while cid in used_ids:
            cid = f"{cid}#"
        used_ids.add(cid)
        if block.ctrl:
            state = block.ctrl.get("controller status")
            bstat = battery_status(block.battery)
            controllers.append(
                HwController(
                    id=cid,
                    model=block.ctrl.get("controller model") or None,
                    serial=block.ctrl.get("controller serial number") or None,
                    firmware=block.ctrl.get("firmware") or None,
                    state=state,
                    status=ctrl_status(state),
                    battery=block.battery,
                    battery_status=bstat,
                    cache=block.ctrl.get("cache status"),
                )
            )
        # physical drives, and the keys a segment can point at
        by_loc: dict[str, str] = {}
        by_serial: dict[str, list[str]] = {}
        drives: list[HwPhysicalDrive] = []
        for pd in block.pds:
            if pd.kind != "disk":
                continue
            f = pd.fields
            pid = _pd_id(pd)
            state = f.get("state")
            status = pd_status(state)
            smart_warn = _int(f.get("s.m.a.r.t. warnings", "")) or 0
            pfa = f.get("pfa", "").lower().startswith("yes") or smart_warn > 0
            if pfa and status == "ok":
                status = "predictive-failure"
            serial = (f.get("serial number") or "").strip() or None
            wwn = (f.get("world-wide name") or "").strip() or None
            vendor = (f.get("vendor") or "").strip()
            model = (f.get("model") or "").strip()
            if vendor and vendor not in ("ATA", "*MISSING*") and not model.startswith(vendor):
                model = f"{vendor} {model}".strip()
            media = f.get("medium error count") or f.get("media failures")
            other = f.get("hardware error count") or f.get("hardware errors")
            drives.append(
                HwPhysicalDrive(
                    controller=cid,
                    id=pid,
                    state=state,
                    status=status,
                    model=model or None,
                    serial=serial,
                    wwn=wwn,
                    size_bytes=_size(f.get("total size") or f.get("size") or ""),
                    media_errors=_int(media) if media else None,
                    other_errors=_int(other) if other else None,
                    predictive_failures=_int(f.get("predictive failures", ""))
                    if "predictive failures" in f
                    else (smart_warn if "s.m.a.r.t. warnings" in f else None),
                    temperature_celsius=_temp(f.get("temperature") or f.get("current temperature")),
                )
            )
            loc = _loc_key(f.get("reported location", ""))
            if loc:
                by_loc[loc] = pid
            by_loc[f"cd{pid}"] = pid
            if serial:
                by_serial.setdefault(serial, []).append(pid)
        member_of: dict[str, str] = {}
        for ld in block.lds:
            members: list[str] = []
            for seg in ld.segments:
                pid = None
                inner = re.search(r"\(([^)]*)\)", seg)
                if inner:
                    loc = _loc_key(inner.group(1))
                    if loc is None:
                        cd = re.fullmatch(r"\s*([0-9]+),([0-9]+)\s*", inner.group(1))
                        if cd:
                            loc = f"cd{cd.group(1)},{cd.group(2)}"
                    pid = by_loc.get(loc) if loc else None
                if pid is None:
                    tail = seg.rsplit(")", 1)[-1].split()
                    cands = by_serial.get(tail[-1], []) if tail else []
                    if len(cands) == 1:
                        pid = cands[0]
                if pid is not None:
                    members.append(pid)
            for d in ld.drives:
                if re.fullmatch(r"[0-9]+,[0-9]+", d):
                    members.append(d)
            f = ld.fields
            state = f.get("status of logical device") or f.get("status of logical drive")
            progress = None
            pm = re.search(r"(?<![0-9])([0-9]+(?:\.[0-9]+)?)\s*%", state or "")
            pct_done = to_float(pm.group(1)) if pm else None
            if pct_done is not None:
                progress = min(pct_done / 100.0, 1.0)
            level = f.get("raid level")
            for pid in members:
                member_of.setdefault(pid, ld.id)
            lds_out.append(
                HwLogicalDrive(
                    controller=cid,
                    id=ld.id,
                    name=(f.get("logical device name") or f.get("logical drive name") or "").strip() or None,
                    level=_level(level),
                    state=state,
                    status=ld_status(state),
                    size_bytes=_size(f.get("size", "")),
                    members=tuple(members),
                    progress=progress,
                    os_device=(f.get("disk name") or "").strip() or None,
                )
            )
        for d in drives:
            pds_out.append(replace(d, logical_drive=member_of.get(d.id)))
        # GETSTATUS tasks of this controller
        for t in block.tasks:
            target = t.get("logical device")
            op = t.get("current operation", "")
            pct = t.get("percentage complete")
            if t.get("kind") != "ld" or target is None:
                continue
            for i, out in enumerate(lds_out):
                if out.controller == cid and out.id == target.strip():
                    done = to_float(pct)
                    prog = min(done / 100.0, 1.0) if done is not None else None
                    changes: dict[str, object] = {"progress": prog}
                    if op.lower().startswith("rebuild") and out.status == "ok":
                        changes["status"] = "rebuilding"
                    lds_out[i] = replace(out, **changes)  # type: ignore[arg-type]
                    break
            else:
                warnings.append(f"task {op or '?'} for logical device {target} not in the GETCONFIG output")
    return HwRaidReport(
        tool=TOOL,
        controllers=tuple(controllers),
        logical_drives=tuple(lds_out),
        physical_drives=tuple(pds_out),
        warnings=tuple(warnings),
        error="; ".join(errors) if errors else None,
    )


def _level(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().lower()
    m = re.match(r"([0-9]+)", v)
    if m:
        return f"raid{m.group(1)}"
    if v.startswith("simple") or v.startswith("volume"):
        return "jbod"
    if v.startswith("spanned"):
        return "spanned"
    return v or None
