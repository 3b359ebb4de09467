"""cciss_vol_status (HP Smart Array through the cciss or hpsa driver): volumes, drives, enclosures, cache.

Reads the plain output (one ``/dev/cciss/c0d0: (Smart Array P400) RAID 1 Volume 0 status: OK.`` line
per volume, enclosure lines) and the ``-V`` output (``Controller:`` blocks with firmware, ``Physical
drives``/``Failed drives``/``'Replacement' drives`` lists, ``Non-Volatile Cache status``). Controllers
are ``c0``, ``c1`` ... for /dev/cciss devices, else numbered in order; a controller printed twice
(queried through two /dev/sg nodes) is kept once. Drive ids are ``1I:1:2`` (connector:box:bay), as
ssacli names them.

Status rules (the tool's words are kept in ``state``):

* volume: OK -> ok; Failed -> failed; Using interim recovery mode, Ready for recovery operation,
  Wrong physical drive was replaced, A physical drive is not properly connected -> degraded;
  Currently recovering -> rebuilding; Ready to perform predictive spare activation -> rebuilding
  (a member is about to be copied to a spare); Currently expanding, Queued for expansion, Not yet
  available, Erase in progress -> initializing; Hardware has overheated, Disabled from SCSI ID
  conflict, Ejected -> offline; Hardware is overheating -> unknown, and the controller warning;
  anything else unknown.
* drives: those listed with OK -> ok; listed under ``Failed drives`` (or with a failed status) ->
  failed; under ``'Replacement' drives`` -> rebuilding (inserted to be rebuilt onto).
* controller (cciss_vol_status prints no controller status): ok, warning when its write cache is
  off (``Write cache enabled: No``) or an enclosure it reports is not OK (temperature, fan, power:
  the volumes are intact, the hardware needs attention) or a volume reports overheating.
* battery: "Flash backed cache present" -> ok; a cache disable condition that names the batteries
  (e.g. "less than 75% of the battery packs are at the sufficient voltage level") -> warning, or
  failed when it says they failed or are missing; otherwise none (not reported).

Other files that sit beside such output are refused with a ParseError naming them: the
``--version`` line, ``/proc/driver/cciss/ccissN`` (volumes without health), and anything else
(e.g. ``/sys/module/hpsa/refcnt``, the hpsa driver's use count: a bare number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TypeVar

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines
from raidwatch.parsers.bounds import head as bounded_head
from raidwatch.parsers.hwraid.model import HwController, HwLogicalDrive, HwPhysicalDrive, HwRaidReport

TOOL = "cciss"

_T = TypeVar("_T", HwLogicalDrive, HwPhysicalDrive)

# Free-text parts (the RAID level words, the enclosure name) are lazy groups of at most 128 characters
# that end on a non-blank, with the blanks after them taken possessively: each candidate end is tried once
# per run of blanks (an unbounded `.+?\s+` retried every blank of a long run: cubic). A status that runs
# to the end of the line is taken whole and its trailing '.' and blanks stripped in code.
_LEVEL_WORDS = r"(?P<level>RAID\s++.{1,128}?(?<=\S))"
_VOLUME_RE = re.compile(
    rf"^(?P<dev>/dev/\S+?):\s+\((?P<ctrl>[^)]*)\)\s+{_LEVEL_WORDS}\s++Volume\s+(?P<vol>[0-9]+)\s+"
    r"status:\s*(?P<status>[^.]*)\.?(?P<extra>.*)$"
)
_ENCL_RE = re.compile(
    r"^(?P<dev>/dev/\S+?):\s+\((?P<ctrl>[^)]*)\)\s+Enclosure\s*+(?P<name>(?:\S.{0,127}?(?<=\S))?)\s*+"
    r"\(S/N:\s*(?P<sn>[^)]*)\)(?:\s+on Bus\s+(?P<bus>[0-9]+))?(?:,\s*Physical Port\s+(?P<port>\S+))?"
    r"\s+status:\s*(?P<status>.*)$"
)
_DETECT_VOLUME_RE = re.compile(rf"^/dev/\S+:\s+\([^)]*\)\s+{_LEVEL_WORDS}\s++Volume\s+[0-9]+\s+status:", re.M)
_DETECT_ENCL_RE = re.compile(r"^/dev/\S+:\s+\([^)]*\)\s+Enclosure\b.*status:", re.M)
_BATTERY_SENTENCE_RE = re.compile(r"(?<![^.])[^.]*batter[^.]*\.", re.I)  # from a sentence's start only
_CACHE_RE = re.compile(r"^(?P<dev>/dev/\S+?)\((?P<ctrl>[^:)]*):(?P<n>[0-9]+)\):\s+Non-Volatile Cache status:")
_DRIVE_RE = re.compile(
    r"^\s+(?:b[0-9]+t[0-9]+\s+)?connector\s+(?P<conn>\S+)\s+box\s+(?P<box>[0-9]+)\s+bay\s+(?P<bay>[0-9]+)"
    r"\s+(?P<rest>.*)$"
)
_CONTROLLER_RE = re.compile(r"^Controller:\s*+(?P<model>\S(?:.*\S)?)\s*$")
_CCISS_DEV_RE = re.compile(r"^/dev/cciss/c([0-9]+)d[0-9]+$")
_VERSION_RE = re.compile(r"^[^\S\n]*cciss_vol_status version\s+\S+\s*$", re.M)
_PROC_RE = re.compile(r"^cciss[0-9]+:\s+.*(?:Smart Array|Controller)", re.M)


def detect(text: str) -> bool:
    """cciss_vol_status's volume line or -V controller block, or its version line / /proc file."""
    head = bounded_head(text)
    return bool(
        _DETECT_VOLUME_RE.search(head)
        or _DETECT_ENCL_RE.search(head)
        or (re.search(r"^Controller:\s+\S", head, re.M) and re.search(r"^[^\S\n]+Board ID:\s+0x", head, re.M))
        or _VERSION_RE.search(head)
        or _PROC_RE.search(head)
    )


def ld_status(word: str | None) -> str:
    w = (word or "").strip().lower()
    if w == "ok":
        return "ok"
    if w.startswith("fail"):
        return "failed"
    if "interim recovery" in w or "ready for recovery" in w or "wrong physical drive" in w:
        return "degraded"
    if "not properly connected" in w or "connection problem" in w:
        return "degraded"
    if "recovering" in w or "predictive spare" in w or "rebuild" in w:
        return "rebuilding"
    if "expan" in w or "not yet available" in w or "erase" in w:
        return "initializing"
    if "has overheated" in w or "disabled" in w or "ejected" in w:
        return "offline"
    return "unknown"


def _drive_status(word: str | None) -> str:
    w = (word or "").strip().lower()
    if w == "ok":
        return "ok"
    if w.startswith("fail"):
        return "failed"
    if "predictive" in w:
        return "predictive-failure"
    if "rebuild" in w:
        return "rebuilding"
    return "unknown"


@dataclass
class _Ctrl:
    id: str
    model: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    cache: dict[str, str] = field(default_factory=dict)
    cache_notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lds: list[HwLogicalDrive] = field(default_factory=list)
    pds: dict[str, HwPhysicalDrive] = field(default_factory=dict)
    provisional: bool = True  # id not yet tied to a /dev/cciss/cN device


def _refuse(text: str, source: str) -> None:
    stripped = text.strip()
    if not stripped:
        raise ParseError(source, None, "empty: no cciss_vol_status output")
    if _VERSION_RE.fullmatch(stripped) or re.fullmatch(r"cciss_vol_status version\s+\S+", stripped):
        raise ParseError(source, 1, "cciss_vol_status --version output, not a volume status report")
    if re.fullmatch(r"-?[0-9]+", stripped):
        raise ParseError(
            source,
            1,
            "a bare number (such as /sys/module/hpsa/refcnt, the hpsa driver's use count), "
            "not cciss_vol_status output",
        )


def parse(text: str, source: str) -> HwRaidReport:
    """Parse cciss_vol_status output (plain or -V)."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not cciss_vol_status output")
    _refuse(text, source)
    ctrls: list[_Ctrl] = []
    current: _Ctrl | None = None
    warnings: list[str] = []
    errors: list[str] = []
    drive_list: str | None = None  # "physical" | "failed" | "replacement"
    list_ld: str | None = None
    in_cache = False
    in_ctrl_block = False
    saw = False

    def ctrl_for(dev: str, name: str) -> _Ctrl:
        nonlocal current
        m = _CCISS_DEV_RE.match(dev)
        if m:
            cid = f"c{m.group(1)}"
            for c in ctrls:
                if c.id == cid:
                    current = c
                    return c
            if current is not None and current.provisional and (current.model in (None, name)):
                current.id, current.provisional = cid, False
                current.model = current.model or name
                return current
            current = _Ctrl(id=cid, model=name, provisional=False)
            ctrls.append(current)
            return current
        if current is not None and current.model in (None, name):
            current.model = current.model or name
            return current
        for c in ctrls:
            if c.model == name and c.provisional:
                current = c
                return c
        current = _Ctrl(id=str(len(ctrls)), model=name)
        ctrls.append(current)
        return current

    for lineno, raw in enumerate(check_lines(text.splitlines(), source, "cciss_vol_status output"), 1):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            in_cache = False
            continue
        if stripped.startswith(("#", "$ ")) or (
            stripped.startswith("/") and "cciss_vol_status" in stripped and ": (" not in stripped
        ):
            continue  # a prompt or an echoed command line
        if stripped.startswith("cciss_vol_status:"):
            errors.append(stripped.split(":", 1)[1].strip())
            continue
        m = _CONTROLLER_RE.match(line)
        if m:
            saw = True
            current = _Ctrl(id=str(len(ctrls)), model=m.group("model"))
            ctrls.append(current)
            in_ctrl_block, in_cache, drive_list = True, False, None
            continue
        m = _VOLUME_RE.match(line)
        if m:
            saw = True
            in_ctrl_block = in_cache = False
            drive_list = None
            c = ctrl_for(m.group("dev"), m.group("ctrl").strip())
            state = m.group("status").strip()
            status = ld_status(state)
            if "is overheating" in state.lower():
                c.problems.append(f"volume {m.group('vol')}: {state}")
            extra = " ".join(m.group("extra").split())
            if extra:
                warnings.append(f"{source}:{lineno}: volume {m.group('vol')}: {extra}")
            c.lds.append(
                HwLogicalDrive(
                    controller=c.id,
                    id=m.group("vol"),
                    level=_level(m.group("level")),
                    state=state,
                    status=status,
                    os_device=m.group("dev") if not m.group("dev").startswith("/dev/sg") else None,
                )
            )
            list_ld = m.group("vol")
            continue
        m = _ENCL_RE.match(line)
        if m:
            saw = True
            in_ctrl_block = in_cache = False
            drive_list = None
            c = ctrl_for(m.group("dev"), m.group("ctrl").strip())
            st = m.group("status").rstrip()
            st = (st[:-1] if st.endswith(".") else st).strip()
            if st.upper() != "OK":
                name = " ".join(x for x in (m.group("name").strip(), m.group("sn").strip()) if x)
                c.problems.append(f"enclosure {name or '?'}: {st}")
            continue
        m = _CACHE_RE.match(line)
        if m:
            saw = True
            in_ctrl_block, in_cache, drive_list = False, True, None
            ctrl_for(m.group("dev"), m.group("ctrl").strip())
            continue
        if in_cache and current is not None:
            if ":" in stripped:
                k, v = stripped.split(":", 1)
                current.cache[k.strip().lower()] = v.strip()
            else:
                current.cache_notes.append(stripped)
            continue
        low = stripped.lower()
        if in_ctrl_block and current is not None and ":" in stripped and line.startswith(" "):
            k, v = stripped.split(":", 1)
            current.fields[k.strip().lower()] = v.strip()
            continue
        if low.startswith("physical drives:"):
            drive_list = "physical"
            continue
        if low.startswith("failed drives:"):
            drive_list = "failed"
            continue
        if low.startswith("'replacement' drives:") or low.startswith("replacement drives:"):
            drive_list = "replacement"
            continue
        if low.startswith("total of") and "failed" in low:
            continue
        m = _DRIVE_RE.match(line)
        if m and drive_list and current is not None:
            pid = f"{m.group('conn')}:{m.group('box')}:{m.group('bay')}"
            words = m.group("rest").split()
            # vendor model serial firmware [status]: the last column is the status only in the
            # "Physical drives" list; elsewhere it may be missing or a stray byte
            state = None
            if drive_list == "physical" and len(words) >= 5:
                state = " ".join(words[4:])
            vendor = words[0] if words else None
            model = words[1] if len(words) > 1 else None
            serial = words[2] if len(words) > 2 else None
            if drive_list == "failed":
                status, state = "failed", "Failed"
            elif drive_list == "replacement":
                status, state = "rebuilding", "Replacement"
            else:
                status = _drive_status(state)
            prev = current.pds.get(pid)
            if prev is not None and prev.status in ("failed", "rebuilding") and status == "ok":
                continue  # a drive named in the failed/replacement list keeps that reading
            current.pds[pid] = HwPhysicalDrive(
                controller=current.id,
                id=pid,
                state=state,
                status=status,
                model=(f"{vendor} {model}" if vendor and vendor not in ("ATA",) else model),
                serial=serial,
                logical_drive=list_ld if drive_list in ("failed", "replacement") else None,
            )
            continue
        if current is not None and in_ctrl_block:
            continue
        warnings.append(f"{source}:{lineno}: line not understood: {stripped[:80]}")
    if not saw:
        if _PROC_RE.search(text):
            raise ParseError(
                source,
                1,
                "/proc/driver/cciss controller file: it lists volumes without their health; "
                "cciss_vol_status reports their status",
            )
        if re.search(r"^\[[0-9]+:[0-9]+:[0-9]+:[0-9]+\]\s+\S+", text, re.M):
            raise ParseError(source, 1, "lsscsi output (the SCSI device list), not cciss_vol_status output")
        raise ParseError(source, 1, "no cciss_vol_status output found")
    return _build(ctrls, warnings, errors)


def _battery(c: _Ctrl) -> tuple[str | None, str | None]:
    notes = " ".join(c.cache_notes)
    low = notes.lower()
    if "batter" in low:
        m = _BATTERY_SENTENCE_RE.search(notes)
        words = " ".join((m.group(0) if m else notes).split())
        if re.search(r"batter\w*\s+(?:\w+\s+){0,4}(?:fail|missing|not present|removed)", low):
            return words, "failed"
        return words, "warning"
    if "flash backed cache present" in low:
        return "Flash backed cache present", "ok"
    return None, None


def _build(ctrls: list[_Ctrl], warnings: list[str], errors: list[str]) -> HwRaidReport:
    # the same controller read through two /dev/sg nodes prints twice: keep it once
    kept: list[_Ctrl] = []
    seen: set[tuple] = set()
    for c in ctrls:
        sig = (c.model, c.fields.get("board id"), tuple((d.os_device, d.id, d.state) for d in c.lds))
        if c.lds and sig in seen:
            continue
        seen.add(sig)
        kept.append(c)
    controllers, logical, physical = [], [], []
    used: set[str] = set()
    for c in kept:
        if not c.lds and not c.pds and not c.cache and not c.problems and not c.fields:
            continue
        cid = c.id
        while cid in used:
            cid += "#"
        used.add(cid)
        battery, bstatus = _battery(c)
        wc = c.cache.get("write cache enabled")
        cache = None
        if c.cache:
            cache = "; ".join(f"{k}: {v}" for k, v in c.cache.items())
            if c.cache_notes:
                cache += "; " + " ".join(c.cache_notes[:1])
        status = "ok"
        if (wc or "").lower() == "no" and c.cache.get("cache configured", "yes").lower() == "yes":
            status = "warning"
        if c.problems:
            status = "warning"
            warnings.extend(f"controller {cid}: {p}" for p in c.problems)
        controllers.append(
            HwController(
                id=cid,
                model=c.model,
                firmware=c.fields.get("running firmware"),
                state="; ".join(c.problems) or None,
                status=status,
                battery=battery,
                battery_status=bstatus,
                cache=cache,
            )
        )
        for d in c.lds:
            logical.append(d if d.controller == cid else _with_ctrl(d, cid))
        for p in c.pds.values():
            physical.append(p if p.controller == cid else _with_ctrl(p, cid))
    return HwRaidReport(
        tool=TOOL,
        controllers=tuple(controllers),
        logical_drives=tuple(logical),
        physical_drives=tuple(physical),
        warnings=tuple(warnings),
        error="; ".join(errors) if errors else None,
    )


def _with_ctrl(obj: _T, cid: str) -> _T:
    return replace(obj, controller=cid)  # type: ignore[type-var]


def _level(raid: str) -> str | None:
    v = raid.strip().upper().removeprefix("RAID").strip()
    if not v:
        return None
    if "1+0" in v or v.startswith("10"):
        return "raid10"
    if "ADG" in v or v.startswith("6"):
        return "raid60" if v.startswith("60") else "raid6"
    m = re.match(r"([0-9]+)", v)
    return f"raid{m.group(1)}" if m else v.lower()
