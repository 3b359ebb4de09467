"""dmraid (BIOS/"fake" RAID through device-mapper): ``dmraid -r`` (member disks) and ``dmraid -s`` (sets).

* ``dmraid -r``: ``/dev/sda: jmicron, "jmicron_JRAID", mirror, ok, 781385728 sectors, data@ 0`` -> a
  physical drive ``/dev/sda`` (size = sectors x 512) in the logical drive named by the set name; the
  set's level comes from the type (mirror -> raid1, stripe(d) -> raid0, raid4/raid5_*/raid6/raid10 ->
  raid4/raid5/raid6/raid10, GROUP -> none: a DDF1/ISW group is a container of sets, not a level).
* ``dmraid -s``: ``*** Active Set`` / ``*** Group superset`` / ``--> Active Subset`` blocks of
  ``name : value`` lines -> one logical drive per ``name`` (a group superset itself is a container
  and is not one).
* ``no raid disks`` / ``no raid sets`` (nothing to report) -> an empty report with that as ``error``.

Status rules (dmraid's words stay in ``state``):

* a member (``-r``): ok -> ok; nosync -> rebuilding (not yet in sync); broken -> failed;
  inconsistent -> failed (its metadata disagrees with the set's); undef/other -> unknown.
* a set (``-s``): ok -> ok; nosync -> rebuilding (being synchronised); inconsistent -> degraded (a
  member disagrees: the set runs without it); broken -> failed; undef/other -> unknown.
* a set known only from ``-r``: the worst of its members: any member failed -> degraded for a
  mirror that keeps a healthy member, else failed; any member rebuilding -> rebuilding; all ok -> ok.
"""

from __future__ import annotations

import re

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, head_lines, to_int
from raidwatch.parsers.hwraid.model import HwLogicalDrive, HwPhysicalDrive, HwRaidReport

TOOL = "dmraid"

_R_ROW = re.compile(
    r'^(/dev/\S+):\s+(\S+),\s+"([^"]*)",\s+(\S+),\s+(\S+),\s+([0-9]+)\s+sectors,\s+data@\s+([0-9]+)\s*$'
)
# "***" heads a set (one recorded output has it escaped as "**\*")
# (a lazy `(.*?)\s*$` tail would retry the end of the line from each blank of a long run: the rest of the
# line is taken whole and stripped in code)
_S_HDR = re.compile(r"^(?:\*\*\\?\*|-->)\s+(.*)$")
_S_KV = re.compile(r"^(name|size|stride|type|status|subsets|devs|spares)\s*:(.*)$")
_NOTHING = re.compile(r"^no raid (disks|sets)\b", re.I)

_MEMBER = {"ok": "ok", "nosync": "rebuilding", "broken": "failed", "inconsistent": "failed"}
_SET = {"ok": "ok", "nosync": "rebuilding", "inconsistent": "degraded", "broken": "failed"}


def detect(text: str) -> bool:
    """True for ``dmraid -r``/``-s`` output or its "no raid disks" answer."""
    lines = [ln.strip() for ln in head_lines(text, 200) if ln.strip()]
    if not lines:
        return False
    if len(lines) <= 2 and _NOTHING.match(lines[0]):
        return True
    if any(_R_ROW.match(ln) for ln in lines):
        return True
    return any(
        re.match(r"^\*\*\\?\* (?:Active |Inactive )?(?:Set|Group superset|Superset)\b", ln) for ln in lines
    ) and any(_S_KV.match(ln) and ln.startswith("status") for ln in lines)


def _level(word: str) -> str | None:
    w = word.lower()
    if w == "mirror":
        return "raid1"
    if w.startswith("stripe"):
        return "raid0"
    if w == "group":
        return None
    m = re.match(r"^(raid[0-9]+)", w)
    return m.group(1) if m else w


def parse(text: str, source: str) -> HwRaidReport:
    """``dmraid -r`` / ``dmraid -s`` output -> HwRaidReport."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not dmraid output")
    warnings: list[str] = []
    lines = check_lines(text.splitlines(), source, "dmraid output")
    stripped = [ln.strip() for ln in lines if ln.strip()]
    if stripped and _NOTHING.match(stripped[0]):
        return HwRaidReport(tool=TOOL, error=stripped[0])

    members: dict[str, list[HwPhysicalDrive]] = {}
    set_types: dict[str, str] = {}
    sets: list[dict[str, str]] = []
    cur: dict[str, str] | None = None
    seen = False
    for lineno, raw in enumerate(lines, 1):
        s = raw.strip()
        if not s:
            continue
        m = _R_ROW.match(s)
        if m:
            seen = True
            dev, _fmt, name, typ, status, sectors, _off = m.groups()
            st = _MEMBER.get(status.lower())
            if st is None:
                st = "unknown"
                warnings.append(f"{source}:{lineno}: {dev}: unknown status {status!r}")
            set_types.setdefault(name, typ)
            members.setdefault(name, []).append(
                HwPhysicalDrive(
                    controller="",
                    id=dev,
                    state=status,
                    status=st,
                    size_bytes=n * 512 if (n := to_int(sectors)) is not None else None,
                    logical_drive=name,
                )
            )
            continue
        m = _S_HDR.match(s)
        if m:
            seen = True  # a set, group superset or subset heading: the next `name :` opens a set
            cur = None
            continue
        m = _S_KV.match(s)
        if m:
            seen = True
            key, value = m.group(1), m.group(2).strip()
            if key == "name":
                cur = {"name": value}
                sets.append(cur)
            elif cur is not None:
                cur[key] = value
            continue
        warnings.append(f"{source}:{lineno}: line not understood: {s[:120]!r}")

    if not seen:
        raise ParseError(source, 1 if text.strip() else None, "no dmraid -r/-s lines found")

    lds: list[HwLogicalDrive] = []
    for st in sets:
        word = st.get("status", "")
        status = _SET.get(word.lower())
        if status is None:
            status = "unknown"
            warnings.append(f"{source}: set {st['name']}: unknown status {word!r}")
        sectors = to_int(st.get("size"))
        size = sectors * 512 if sectors is not None else None
        lds.append(
            HwLogicalDrive(
                controller="",
                id=st["name"],
                name=st["name"],
                level=_level(st.get("type", "")) if st.get("type") else None,
                state=word or None,
                status=status,
                size_bytes=size,
                members=tuple(pd.id for pd in members.get(st["name"], ())),
            )
        )
    known = {ld.id for ld in lds}
    for name, pds in members.items():
        if name in known:
            continue
        statuses = {pd.status for pd in pds}
        level = _level(set_types[name])
        if "failed" in statuses:
            healthy = "ok" in statuses or "rebuilding" in statuses
            status = "degraded" if level == "raid1" and healthy else "failed"
        elif "rebuilding" in statuses:
            status = "rebuilding"
        elif statuses == {"ok"}:
            status = "ok"
        else:
            status = "unknown"
        lds.append(
            HwLogicalDrive(
                controller="",
                id=name,
                name=name,
                level=level,
                state=", ".join(f"{pd.id} {pd.state}" for pd in pds),
                status=status,
                members=tuple(pd.id for pd in pds),
            )
        )
    return HwRaidReport(
        tool=TOOL,
        logical_drives=tuple(lds),
        physical_drives=tuple(pd for pds in members.values() for pd in pds),
        warnings=tuple(warnings),
    )
