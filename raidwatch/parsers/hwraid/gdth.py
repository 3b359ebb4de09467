"""ICP vortex GDT (Linux ``gdth`` driver): the text of ``/proc/scsi/gdth/<N>``.

Sections (``Name:`` lines at column 0, ``key: value`` pairs below, tab separated, two per line):
``Disk Array Controller Information`` -> the controller (Number, Name, Firmware Ver., Serial No.);
``Physical Devices`` -> physical drives, id ``Chn/ID/LUN`` (``B/05/0``), model from ``Name``, size from
``Capacity [MB]``, ``Retries`` -> ``other_errors``, ``Grown Defects`` (sectors the disk has remapped)
-> ``media_errors``; a hot-swap backplane processor (``SCA HSBP``, capacity 0) is not a disk and is
left out. ``Logical Drives`` of Type ``Disk`` are the per-disk components of an array: their status
is their disk's status. ``Logical Drives`` of another Type (RAID-1 on older firmware) and ``Array
Drives`` (RAID-5, ...) are the logical drives: ids ``<n>`` and ``array <n>``. ``Host Drives`` (what
the OS sees) and ``Controller Events`` (a log) are not status and are skipped.

Status rules (the driver's words stay in ``state``):

* array drive: ready -> ok; fail -> degraded (GDT's "fail" is one member lost, the array still
  serves data without redundancy); rebuild -> rebuilding; build/init -> initializing; expand ->
  rebuilding (restriping); error -> failed (more members lost than it survives); else unknown.
* RAID logical drive: the same words (ok/ready -> ok); with ``Missing Drv.`` above 0 it is degraded
  whatever its status says (a mirror missing a drive has no redundancy left).
* per-disk logical drive -> its disk: ok/ready -> ok; fail/error/invalid -> failed; missing ->
  missing; rebuild -> rebuilding; else unknown. A disk in no logical drive (``To Log. Drive: --``)
  -> unconfigured; a disk that belongs to a RAID logical drive directly -> ok.
"""

from __future__ import annotations

import re

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, to_int
from raidwatch.parsers.hwraid.model import HwController, HwLogicalDrive, HwPhysicalDrive, HwRaidReport

TOOL = "gdth"

_SECTION = re.compile(r"^(\w[^:]*):\s*$")
# a key runs to the first ':' (stripped in code: a lazy key before `\s*:` retried every blank of a run)
_PAIR = re.compile(r"^\s*([A-Za-z][^:]*):(.*)$")

_ARRAY = {
    "ready": "ok",
    "ok": "ok",
    "fail": "degraded",
    "rebuild": "rebuilding",
    "build": "initializing",
    "init": "initializing",
    "expand": "rebuilding",
    "error": "failed",
}
_COMPONENT = {
    "ok": "ok",
    "ready": "ok",
    "fail": "failed",
    "error": "failed",
    "invalid": "failed",
    "missing": "missing",
    "rebuild": "rebuilding",
}


def detect(text: str) -> bool:
    """True for /proc/scsi/gdth/N: the GDT sections with ``Chn/ID/LUN`` devices or its controller block."""
    head = text[:20000]
    return "Disk Array Controller Information:" in head and (
        "Physical Devices:" in head or "Driver Parameters:" in head
    )


def _pairs(line: str) -> list[tuple[str, str]]:
    """``key: value`` pairs of one line; pairs are separated by tabs (values may hold spaces)."""
    out = []
    for chunk in re.split(r"\t(?=[A-Za-z][^\t:]*:)", line.strip()):
        m = _PAIR.match(chunk)
        if m:
            out.append((m.group(1).rstrip(), m.group(2).replace("\t", " ").strip()))
    return out


def _mb(value: str | None) -> int | None:
    n = to_int(value) if value and value == value.strip() else None
    return n * 1024 * 1024 if n is not None else None


def _int(value: str | None) -> int | None:
    return to_int(value) if value and value == value.strip() else None


def parse(text: str, source: str) -> HwRaidReport:
    """/proc/scsi/gdth/N text -> HwRaidReport."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not /proc/scsi/gdth text")
    if not detect(text):
        raise ParseError(source, 1 if text.strip() else None, "not /proc/scsi/gdth text (no GDT sections)")
    warnings: list[str] = []
    section = ""
    blocks: dict[str, list[dict[str, str]]] = {}
    cur: dict[str, str] | None = None
    for lineno, raw in enumerate(check_lines(text.splitlines(), source, "/proc/scsi/gdth text"), 1):
        if not raw.strip():
            cur = None
            continue
        m = _SECTION.match(raw)
        if m and not raw[0].isspace():
            section = m.group(1).strip()
            cur = None
            continue
        if section in ("Controller Events", "Host Drives", "Driver Parameters"):
            continue
        if raw.strip() == "--":
            continue
        pairs = _pairs(raw)
        if not pairs:
            warnings.append(f"{source}:{lineno}: line not understood: {raw.strip()[:120]!r}")
            continue
        opens = pairs[0][0] in ("Number", "Chn/ID/LUN")
        if cur is None or (opens and pairs[0][0] in cur):
            cur = {}
            blocks.setdefault(section, []).append(cur)
        for k, v in pairs:
            if k == "Slave Number":
                cur["Slave Number"] = v
            elif k == "Status" and "Slave Number" in cur and "Slave Status" not in cur:
                cur["Slave Status"] = v
            else:
                cur.setdefault(k, v)

    controllers = []
    for c in blocks.get("Disk Array Controller Information", []):
        controllers.append(
            HwController(
                id=c.get("Number", ""),
                model=c.get("Name"),
                serial=c.get("Serial No."),
                firmware=c.get("Firmware Ver."),
                status="ok",
            )
        )
    ctl = controllers[0].id if controllers else ""

    lds: list[HwLogicalDrive] = []
    disk_lds: dict[str, dict[str, str]] = {}
    raid_lds: dict[str, str] = {}  # logical drive number -> LD id in the report
    components: dict[str, list[str]] = {}  # array number -> per-disk logical drive numbers
    for ld in blocks.get("Logical Drives", []):
        num = ld.get("Number", "")
        typ = ld.get("Type", "")
        if typ.lower() == "disk":
            disk_lds[num] = ld
            arr = ld.get("To Array Drv.", "--")
            if arr != "--":
                components.setdefault(arr, []).append(num)
            continue
        word = ld.get("Status", "")
        status = _ARRAY.get(word.lower())
        if status is None:
            status = "unknown"
            warnings.append(f"{source}: logical drive {num}: unknown status {word!r}")
        missing = _int(ld.get("Missing Drv."))
        state = word
        if "Slave Number" in ld:  # older firmware: the mirror's second half, a logical drive of its own
            state = f"{word}, slave {ld['Slave Number']} {ld.get('Slave Status', '')}".strip()
            slave = _ARRAY.get(ld.get("Slave Status", "ok").lower(), "unknown")
            if slave != "ok" and status == "ok":
                status = "degraded"
        if missing:
            state = f"{state}, {missing} missing drive(s)"
            if status in ("ok", "rebuilding", "initializing"):
                status = "degraded"
        raid_lds[num] = num
        lds.append(
            HwLogicalDrive(
                controller=ctl,
                id=num,
                level=typ.lower().replace("-", "") or None,
                state=state,
                status=status,
                size_bytes=_mb(ld.get("Capacity [MB]")),
            )
        )
    for ad in blocks.get("Array Drives", []):
        num = ad.get("Number", "")
        word = ad.get("Status", "")
        status = _ARRAY.get(word.lower())
        if status is None:
            status = "unknown"
            warnings.append(f"{source}: array drive {num}: unknown status {word!r}")
        lds.append(
            HwLogicalDrive(
                controller=ctl,
                id=f"array {num}",
                level=ad.get("Type", "").lower().replace("-", "") or None,
                state=word,
                status=status,
                size_bytes=_mb(ad.get("Capacity [MB]")) or None,
            )
        )

    pds: list[HwPhysicalDrive] = []
    for pd in blocks.get("Physical Devices", []):
        pid = pd.get("Chn/ID/LUN", "")
        name = pd.get("Name", "")
        model = " ".join(name.split()[:-1]) or None  # the last word is the firmware revision
        if "HSBP" in name.upper() and pd.get("Capacity [MB]") == "0":
            continue
        to_ld = pd.get("To Log. Drive", "--")
        ld_id = None
        if to_ld == "--":
            status, state = "unconfigured", "not assigned"
        elif to_ld in disk_lds:
            word = disk_lds[to_ld].get("Status", "")
            status = _COMPONENT.get(word.lower(), "unknown")
            state = word
            arr = disk_lds[to_ld].get("To Array Drv.", "--")
            ld_id = f"array {arr}" if arr != "--" else None
        elif to_ld in raid_lds:
            status, state, ld_id = "ok", None, to_ld
        else:
            status, state = "unknown", None
            warnings.append(f"{source}: disk {pid}: logical drive {to_ld} not listed")
        pds.append(
            HwPhysicalDrive(
                controller=ctl,
                id=pid,
                state=state,
                status=status,
                model=model,
                size_bytes=_mb(pd.get("Capacity [MB]")),
                media_errors=_int(pd.get("Grown Defects")),
                other_errors=_int(pd.get("Retries")),
                logical_drive=ld_id,
            )
        )

    members: dict[str, list[str]] = {}
    for pd in pds:
        if pd.logical_drive:
            members.setdefault(pd.logical_drive, []).append(pd.id)
    lds = [HwLogicalDrive(**{**ld.__dict__, "members": tuple(members.get(ld.id, ()))}) for ld in lds]
    return HwRaidReport(
        tool=TOOL,
        controllers=tuple(controllers),
        logical_drives=tuple(lds),
        physical_drives=tuple(pds),
        warnings=tuple(warnings),
    )
