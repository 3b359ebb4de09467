"""megarc (LSI's utility for the old SCSI/SATA MegaRAID cards): ``-dispCfg``/``-ldInfo``, the adapter list.

- ``megarc -dispCfg -aN`` / ``megarc -ldInfo -aN -Lall``: one block per logical drive
  (``Logical Drive : 0( Adapter: 0 ):  Status: OPTIMAL``, RAID level, span depth) followed by its
  disks (``Chnl Target StartBlock Blocks Physical Target Status``); ``-dispCfg`` may add hot spares.
- The banner-only adapter listing (``AdapterNo FirmwareType CardType``): the controllers.

Identifiers: controller = adapter number ("0"); LD = logical drive number ("0"); PD =
``channel:target`` ("0:1"), the address ``-physdrv[0:1]`` takes.

Status rules (megarc's words stay in ``state``):

- LD: OPTIMAL -> ok; DEGRADED -> degraded; OFFLINE -> offline; FAILED -> failed;
  REBUILDING/RECONSTRUCT -> rebuilding; INITIALIZING -> initializing; anything else -> unknown.
- PD: ONLINE -> ok; HOTSPARE/HOT SPARE -> spare; READY -> unconfigured; REBUILD/REBUILDING ->
  rebuilding; FAILED, OFFLINE -> failed; anything else -> unknown.
"""

from __future__ import annotations

import re

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, to_int
from raidwatch.parsers.hwraid.model import (
    HwController,
    HwLogicalDrive,
    HwPhysicalDrive,
    HwRaidReport,
)

TOOL = "megarc"

_DETECT_RE = re.compile(r"MEGARC MegaRAID Configuration Utility|Existing Logical Drive Information", re.I)
_LD_RE = re.compile(
    r"Logical Drive\s*:\s*([0-9]+)\s*\(\s*Adapter:\s*([0-9]+)\s*\)\s*:\s*Status:\s*(.+)$", re.I
)
_DISK_RE = re.compile(r"^([0-9]+)\s+([0-9]+)\s+(0x[0-9a-fA-F]+)\s+(0x[0-9a-fA-F]+)\s+(\S.*)$")
_ADAPTER_ROW_RE = re.compile(r"^([0-9]+)\s+(\S+)\s+(\S.*)$")
_LEVEL_RE = re.compile(r"RaidLevel\s*:\s*([0-9]+)", re.I)
_SPAN_RE = re.compile(r"SpanDepth\s*:\s*([0-9]+)", re.I)

LD_WORDS = {
    "optimal": "ok",
    "degraded": "degraded",
    "offline": "offline",
    "failed": "failed",
    "rebuilding": "rebuilding",
    "reconstruct": "rebuilding",
    "initializing": "initializing",
}
PD_WORDS = {
    "online": "ok",
    "hotspare": "spare",
    "hot spare": "spare",
    "ready": "unconfigured",
    "rebuild": "rebuilding",
    "rebuilding": "rebuilding",
    "failed": "failed",
    "offline": "failed",
}


def detect(text: str) -> bool:
    return bool(_DETECT_RE.search(text[:20000]))


def parse(text: str, source: str) -> HwRaidReport:
    """Parse megarc's logical drive configuration or adapter listing."""
    if not detect(text):
        raise ParseError(source, 1 if text else None, "not megarc output")
    clean = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text).replace("\r", "")
    warnings: list[str] = []
    ctrls: dict[str, HwController] = {}
    lds: list[dict] = []
    pds: list[HwPhysicalDrive] = []
    ld: dict | None = None
    in_adapters = False
    spares = False
    for lineno, raw in enumerate(check_lines(clean.split("\n"), source, "megarc output"), 1):
        line = raw.strip()
        if not line or set(line) <= set("*-= "):
            continue
        m = _LD_RE.search(line)
        if m:
            ld = {"id": m.group(1), "ctrl": m.group(2), "state": m.group(3).strip(), "members": []}
            ld["level"] = ld["span"] = None
            lds.append(ld)
            ctrls.setdefault(m.group(2), HwController(id=m.group(2)))
            spares = in_adapters = False
            continue
        if re.match(r"^AdapterNo\s+FirmwareType\s+CardType", line, re.I):
            in_adapters = True
            continue
        if in_adapters:
            m = _ADAPTER_ROW_RE.match(line)
            if m and (n := to_int(m.group(1))) is not None:
                cid = str(n)
                ctrls[cid] = HwController(id=cid, model=m.group(3).strip(), firmware=m.group(2))
                continue
            in_adapters = False
        if re.search(r"hot\s*spare", line, re.I) and not _DISK_RE.match(line):
            spares, ld = True, None
            continue
        if ld is not None:
            lm = _LEVEL_RE.search(line)
            if lm:
                ld["level"] = to_int(lm.group(1))
            sm = _SPAN_RE.search(line)
            if sm:
                ld["span"] = to_int(sm.group(1))
        m = _DISK_RE.match(line)
        chan, target = (to_int(m.group(1)), to_int(m.group(2))) if m else (None, None)
        if m and chan is not None and target is not None:
            pid = f"{chan}:{target}"
            state = m.group(5).strip()
            status = PD_WORDS.get(state.lower(), "unknown")
            if spares and status == "ok":
                status = "spare"
            if status == "unknown":
                warnings.append(f"{source}:{lineno}: disk {pid}: unknown state {state!r}")
            owner = ld["id"] if ld is not None else None
            cid = ld["ctrl"] if ld is not None else (next(iter(ctrls)) if ctrls else "0")
            if ld is not None:
                ld["members"].append(pid)
            pds.append(
                HwPhysicalDrive(controller=cid, id=pid, state=state, status=status, logical_drive=owner)
            )
            continue
        if re.match(
            r"^(Chnl|Logical Drive [0-9]+\s*:|SpanDepth|StripSz|Scanning|Finding|Type \?|By LSI"
            r"|\[Note|Ch=|MEGARC|Existing)",
            line,
            re.I,
        ):
            continue
        warnings.append(f"{source}:{lineno}: line not understood: {line[:80]!r}")

    out_lds = []
    for d in lds:
        status = LD_WORDS.get(d["state"].lower(), "unknown")
        if status == "unknown":
            warnings.append(f"{source}: logical drive {d['id']}: unknown state {d['state']!r}")
        level = None
        if d["level"] is not None:
            level = f"raid{d['level']}" + ("0" if (d["span"] or 1) > 1 else "")
        out_lds.append(
            HwLogicalDrive(
                controller=d["ctrl"],
                id=d["id"],
                level=level,
                state=d["state"],
                status=status,
                members=tuple(d["members"]),
            )
        )
    return HwRaidReport(
        tool=TOOL,
        controllers=tuple(ctrls.values()),
        logical_drives=tuple(out_lds),
        physical_drives=tuple(pds),
        warnings=tuple(warnings),
    )
