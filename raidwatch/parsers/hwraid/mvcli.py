"""Marvell mvcli: ``info -o vd`` (virtual disks), ``info -o blk`` (blocks), ``smart -p N``; one or several.

* ``info -o vd`` blocks (``id:``, ``name:``, ``status:``, ``RAID mode:``, ``size:``, ``BGA status:``,
  ``PD RAID setup:``) become logical drives with id ``<id>``; ``PD RAID setup`` lists the member PDs.
* ``info -o blk`` blocks say which PD carries which VD (``PD id``/``VD id``); they become physical
  drives with status ``unknown`` (a block list carries no health) unless a SMART reading of the same
  PD is in the text.
* ``smart -p N`` becomes the health of PD ``N`` (from ``> smart -p N`` or ``# ... smart -p N``):
  ``SMART STATUS RETURN: OK`` -> ok, any other return -> predictive-failure; an attribute whose
  ``Current`` value is at or below a non-zero ``Threshhold`` (sic), or whose ``Status`` column is not
  OK, -> predictive-failure; no verdict line and no failing attribute -> ok. ``temperature_celsius`` is
  read as smartctl reads it: attribute C2 (194) and, only when C2 is absent or gives no reading, BE (190,
  airflow); the low byte of the raw value, kept when 0 < t < 128.

The tool does not name the adapter in these outputs; ``controller`` is ``""``.

Status rules for a VD (the tool's words stay in ``state``: the status, plus the background activity
when one runs): ``status`` functional/normal/optimal -> ok; degrade/degraded/critical -> degraded;
offline -> offline; failed -> failed; then ``BGA status`` other than ``not running``: rebuild... ->
rebuilding, init.../sync... -> initializing, migrat... -> rebuilding (restriping), consistency
check/media patrol -> still ok (routine scrub); a percentage in it goes to ``progress``.
"""

from __future__ import annotations

import re

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, to_float, to_hex, to_int
from raidwatch.parsers.hwraid.model import HwLogicalDrive, HwPhysicalDrive, HwRaidReport
from raidwatch.parsers.smartctl import ATA_TEMPERATURE_IDS, ata_temperature

TOOL = "mvcli"

# key and value are stripped in code (lazy groups before `\s*:` / `\s*$` retried every blank of a run)
_KV = re.compile(r"^\s*([A-Za-z#][A-Za-z #/.-]*):(.*)$")
_SMART_CMD = re.compile(r"\bsmart\s+-p\s+([0-9]+)", re.I)
_SMART_HDR = re.compile(r"^ID\s+Attribute Name\s+Current\s+Worst\s+Thresh+old\s+RawValue(\s+Status)?\s*$")
# the attribute name (may be empty) is a lazy group of at most 128 characters ending on a non-blank, the
# blanks after it taken possessively: tried once per run of blanks (an unbounded `(.*?)\s+` was cubic)
_SMART_ROW = re.compile(
    r"^([0-9A-F]{2})\s++(?:(\S.{0,127}?)(?<=\S)\s++)?([0-9]+)\s++([0-9]+)\s++([0-9]+)\s++([0-9A-F]+)"
    r"(?:\s++(\S+))?\s*$",
    re.I,
)
_SIZE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*([KMGT])?", re.I)
_UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_VD_STATUS = {
    "functional": "ok",
    "normal": "ok",
    "optimal": "ok",
    "degrade": "degraded",
    "degraded": "degraded",
    "critical": "degraded",
    "offline": "offline",
    "failed": "failed",
}


def detect(text: str) -> bool:
    """True for mvcli output: its banner, block/VD listings or its SMART table (``Threshhold``)."""
    head = text[:20000]
    return bool(
        "Marvell RAID Command Line Interface" in head
        or (
            re.search(r"^Block Information\s*$", head, re.M) and re.search(r"^Block id:\s+[0-9]+", head, re.M)
        )
        or (
            re.search(r"^Virtual Disk Information\s*$", head, re.M) and re.search(r"^BGA status:", head, re.M)
        )
        or (
            re.search(r"^Smart Info\s*$", head, re.M)
            and re.search(r"^ID\s+Attribute Name\s+Current\s+Worst\s+Threshhold", head, re.M)
        )
    )


def _size(text: str) -> int | None:
    m = _SIZE.match(text.strip())
    if not m:
        return None
    unit = (m.group(2) or "K").upper()
    n = to_float(m.group(1))
    return round(n * _UNITS[unit]) if n is not None else None


def _vd(block: dict[str, str], source: str, warnings: list[str]) -> HwLogicalDrive:
    state = block.get("status", "")
    status = _VD_STATUS.get(state.lower())
    if status is None:
        status = "unknown"
        warnings.append(f"{source}: VD {block.get('id')}: unknown status {state!r}")
    bga = block.get("BGA status", "")
    progress = None
    words = state
    if bga and bga.lower() != "not running":
        words = f"{state}, {bga}"
        b = bga.lower()
        if status == "ok":
            if "rebuild" in b or "migrat" in b:
                status = "rebuilding"
            elif "init" in b or "sync" in b:
                status = "initializing"
        m = re.search(r"(?<![0-9])([0-9]+(?:\.[0-9]+)?)\s*%", bga)
        pct = to_float(m.group(1)) if m else None
        if pct is not None:
            progress = max(0.0, min(1.0, pct / 100))
    members = tuple(block.get("PD RAID setup", "").split())
    level = block.get("RAID mode", "").lower().replace("-", "") or None
    return HwLogicalDrive(
        controller="",
        id=block.get("id", ""),
        name=block.get("name") or None,
        level=level,
        state=words or None,
        status=status,
        size_bytes=_size(block["size"]) if block.get("size") else None,
        members=members,
        progress=progress,
    )


def parse(text: str, source: str) -> HwRaidReport:
    """mvcli ``info -o vd|blk`` / ``smart -p N`` output -> HwRaidReport."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not mvcli output")
    warnings: list[str] = []
    section: str | None = None
    seen = False
    vd_blocks: list[dict[str, str]] = []
    blk_blocks: list[dict[str, str]] = []
    smart: dict[str, dict] = {}
    smart_pd: str | None = None
    cur: dict[str, str] | None = None

    for lineno, raw in enumerate(check_lines(text.splitlines(), source, "mvcli output"), 1):
        s = raw.strip()
        if not s or re.match(r"^-+$", s):
            continue
        m = _SMART_CMD.search(s)
        if m and (s.startswith((">", "#")) or s.lower().startswith("smart")):
            smart_pd = m.group(1)
            continue
        comment = s.startswith(">") or (s.startswith("#") and not s.startswith("# of "))
        if comment or s.startswith(("CLI Version", "Welcome to", "SG driver version")):
            continue
        if s == "Block Information":
            section, seen, cur = "blk", True, None
            continue
        if s == "Virtual Disk Information":
            section, seen, cur = "vd", True, None
            continue
        if s == "Smart Info":
            section, seen = "smart", True
            smart.setdefault(smart_pd or "", {"verdict": None, "failing": [], "temp": None})
            continue
        m = re.match(r"^SMART STATUS RETURN:\s*(.*?)\.?$", s, re.I)
        if m:
            seen = True
            smart.setdefault(smart_pd or "", {"verdict": None, "failing": [], "temp": None})
            smart[smart_pd or ""]["verdict"] = m.group(1)
            continue
        if section == "smart":
            if _SMART_HDR.match(s):
                continue
            m = _SMART_ROW.match(s)
            if m:
                rec = smart.setdefault(smart_pd or "", {"verdict": None, "failing": [], "temp": None})
                attr, name, cur_v, _worst, thresh, rawv, st = m.groups()
                limit, value = to_int(thresh), to_int(cur_v)
                if (limit and value is not None and value <= limit) or (st and st.upper() != "OK"):
                    rec["failing"].append(f"{attr} {name or ''}".rstrip())
                attr_id = int(attr, 16)  # two hex digits
                raw_value = to_hex(rawv)
                if attr_id in ATA_TEMPERATURE_IDS and raw_value is not None:
                    rec.setdefault("temps", {}).setdefault(attr_id, raw_value & 0xFF)
                    rec["temp"] = ata_temperature(rec["temps"])  # smartctl's rule: C2 (194), then BE (190)
                continue
        m = _KV.match(s)
        if m and section in ("blk", "vd"):
            key, value = m.group(1).rstrip(), m.group(2).strip()
            if section == "blk" and key == "Block id":
                cur = {}
                blk_blocks.append(cur)
            elif section == "vd" and key == "id":
                cur = {}
                vd_blocks.append(cur)
            elif section == "vd" and key.startswith("Total # of VD"):
                continue
            if cur is None:
                warnings.append(f"{source}:{lineno}: {key!r} outside a block")
                continue
            cur[key] = value
            continue
        warnings.append(f"{source}:{lineno}: line not understood: {s[:120]!r}")

    if not seen:
        raise ParseError(source, 1 if text.strip() else None, "no mvcli block, VD or SMART listing found")

    lds = tuple(_vd(b, source, warnings) for b in vd_blocks)
    pds: dict[str, HwPhysicalDrive] = {}
    for b in blk_blocks:
        pd = b.get("PD id")
        if pd is None or pd in pds:
            continue
        pds[pd] = HwPhysicalDrive(  # a block's Size is the VD's share of the disk, not the disk's size
            controller="",
            id=pd,
            state=b.get("Block status"),
            status="unknown",
            logical_drive=b.get("VD id"),
        )
    for pd, rec in smart.items():
        verdict = rec["verdict"]
        bad = rec["failing"] or (verdict is not None and verdict.upper() != "OK")
        words = [f"SMART {verdict}" if verdict else "SMART attributes read"]
        if rec["failing"]:
            words.append("failing: " + ", ".join(rec["failing"]))
        base = pds.get(pd)
        pds[pd] = HwPhysicalDrive(
            controller="",
            id=pd,
            state="; ".join(words),
            status="predictive-failure" if bad else "ok",
            logical_drive=base.logical_drive if base else None,
            temperature_celsius=float(rec["temp"]) if rec["temp"] is not None else None,
        )
    return HwRaidReport(
        tool=TOOL, logical_drives=lds, physical_drives=tuple(pds.values()), warnings=tuple(warnings)
    )
