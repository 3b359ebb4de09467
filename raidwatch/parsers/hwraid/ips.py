"""IBM/Adaptec ServeRAID (Linux ``ips`` driver): ``ipssend GETCONFIG <controller> LD`` output.

This is what check_raid's ``ips`` plugin reads (its test data is this command's output, not
``/proc/scsi/ips/N``, whose text has controller facts but no logical drive state; that text is refused
with a ParseError saying so). ``Logical drive number N`` blocks become logical drives with id ``N``:
``RAID level`` -> level, ``Size (in MB)`` -> size, ``Part of array X`` plus the ``Array X stripe
order (Channel/SCSI ID)`` line -> members (``1,0`` = channel 1, SCSI id 0). The controller is the one
of ``Read configuration has been initiated for controller N``.

Status rules: the code in parentheses of ``Status of logical drive`` (the words stay in ``state``):
OKY (Okay) -> ok; CRT (Critical: a member lost, no redundancy left) -> degraded; OFL (Offline) ->
offline; RBL (Rebuild) -> rebuilding; SYN (Synchronizing: building parity), FMT (Formatting) ->
initializing; LDM (Logical drive migration) -> rebuilding (restriping); BLK (Blocked) -> offline;
FRE (Free) / anything else -> unknown. ``Access blocked: Yes`` on an otherwise ok drive -> offline.
"""

from __future__ import annotations

import re

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, to_int
from raidwatch.parsers.hwraid.model import HwController, HwLogicalDrive, HwRaidReport

TOOL = "ips"

_LD = re.compile(r"^\s*Logical drive number\s+([0-9]+)\s*$", re.I)
# the key runs to the first ':' and the value to the end of the line, both stripped in code (lazy groups
# before `\s*:` / `\s*$` retried every blank of a long run: quadratic)
_KV = re.compile(r"^\s*(\S[^:]*):(.*)$")
_STRIPE = re.compile(r"^\s*Array\s+(\S+)\s+stripe order\s*\(Channel/SCSI ID\)\s*:(.*)$", re.I)
_CODE = re.compile(r"\(([A-Z]{3})\)")
_STATUS = {
    "OKY": "ok",
    "CRT": "degraded",
    "OFL": "offline",
    "RBL": "rebuilding",
    "SYN": "initializing",
    "FMT": "initializing",
    "LDM": "rebuilding",
    "BLK": "offline",
}


def detect(text: str) -> bool:
    """True for ``ipssend GETCONFIG ... LD`` output (or /proc/scsi/ips text, which parse refuses)."""
    head = text[:20000]
    # arcconf has the same headings, but not ipssend's three-letter state codes
    if re.search(r"^[^\S\n]*Logical drive number\s+[0-9]+\s*$", head, re.M | re.I) and re.search(
        r"^[^\S\n]*Status of logical drive\s*:.*\([A-Z]{3}\)\s*$", head, re.M
    ):
        return True
    return "IBM ServeRAID controller(s)" in head or "IBM ServeRAID General Information" in head


def parse(text: str, source: str) -> HwRaidReport:
    """``ipssend GETCONFIG N LD`` output -> HwRaidReport."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not ipssend output")
    if "IBM ServeRAID General Information" in text and "Status of logical drive" not in text:
        raise ParseError(
            source,
            1,
            "this is /proc/scsi/ips text: it has no logical drive state; use `ipssend getconfig N LD`",
        )
    warnings: list[str] = []
    ctl = ""
    blocks: list[dict[str, str]] = []
    stripes: dict[str, tuple[str, ...]] = {}
    cur: dict[str, str] | None = None
    seen = False
    error = None
    for lineno, raw in enumerate(check_lines(text.splitlines(), source, "ipssend output"), 1):
        s = raw.strip()
        if not s or re.match(r"^-{5,}$", s):
            continue
        m = re.search(r"initiated for controller\s+([0-9]+)", s, re.I)
        if m:
            ctl = m.group(1)
            continue
        if re.match(r"^Found [0-9]+ IBM ServeRAID controller", s) or s == "Logical drive information":
            seen = True
            continue
        if re.match(r"^Command (completed successfully|aborted|failed)", s, re.I):
            if not s.lower().startswith("command completed"):
                error = s
            continue
        m = _LD.match(s)
        if m:
            seen = True
            cur = {"number": m.group(1)}
            blocks.append(cur)
            continue
        m = _STRIPE.match(s)
        if m:
            stripes[m.group(1)] = tuple(m.group(2).split())
            continue
        m = _KV.match(s)
        if m and cur is not None:
            cur[m.group(1).rstrip()] = m.group(2).strip()
            continue
        if re.match(r"^(Invalid|Error|No )", s, re.I):
            error = s
            continue
        warnings.append(f"{source}:{lineno}: line not understood: {s[:120]!r}")

    if not seen and not blocks and error is None:
        raise ParseError(source, 1 if text.strip() else None, "no ServeRAID logical drive listing found")

    lds = []
    for b in blocks:
        state = b.get("Status of logical drive", "")
        m = _CODE.search(state)
        status = _STATUS.get(m.group(1)) if m else None
        if status is None:
            status = "unknown"
            warnings.append(f"{source}: logical drive {b['number']}: unknown status {state!r}")
        if status == "ok" and b.get("Access blocked", "No").lower().startswith("y"):
            status = "offline"
        level = b.get("RAID level")
        size = b.get("Size (in MB)", "")
        lds.append(
            HwLogicalDrive(
                controller=ctl,
                id=b["number"],
                level=f"raid{level.lower()}" if level and level.isalnum() else level,
                state=state or None,
                status=status,
                size_bytes=mb * 1024 * 1024 if (mb := to_int(size)) is not None else None,
                members=stripes.get(b.get("Part of array", ""), ()),
            )
        )
    controllers = (HwController(id=ctl, model="IBM ServeRAID", status="ok"),) if ctl else ()
    return HwRaidReport(
        tool=TOOL, controllers=controllers, logical_drives=tuple(lds), warnings=tuple(warnings), error=error
    )
