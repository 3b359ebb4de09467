"""Areca cli64/cli32: ``rsf info`` (raid sets), ``vsf info`` (volume sets), ``disk info``; one or several.

Raid sets (the groups of disks that carry redundancy) and volume sets (what the OS sees, carved out of a
raid set) both become logical drives: raid sets with id ``rs<N>``, volume sets with id ``vs<N>``; the
``Name`` column is ``name``. ``disk info`` rows become physical drives with id ``<#>`` (the first column,
the one the CLI's ``drv=`` takes); empty slots (model and usage ``N.A.``) are left out. The CLI does not
name the controller (``set curctrl=N`` picks it), so ``controller`` is ``""``. A trailing
``GuiErrMsg<0xNN>: ...`` other than ``<0x00>: Success`` is the tool's error.

Status rules (the tool's words stay in ``state``; a ``(12.3%)`` suffix goes to ``progress``):

* raid/volume set ``State``: Normal -> ok; Checking -> ok (a consistency check is a routine scrub);
  Initializing/Init -> initializing; Rebuilding -> rebuilding; Migrating -> rebuilding (restriping;
  the model has no "reshaping" status); Degraded -> degraded; Incomplete, Failed -> failed;
  Offline -> offline; anything else -> unknown.
* disk ``Usage``: the name of a raid set -> ok, a member of it (``logical_drive`` is ``rs<N>`` when the
  same text has ``rsf info``, else the set's name); HotSpare, HotSpare[Global], HotSpare[Enc...] ->
  spare; Pass Through -> ok (a disk handed to the OS as is); Free -> unconfigured; Failed -> failed;
  Rebuild... -> rebuilding. Any other word is taken for a raid set's name: ``disk info`` alone cannot
  tell an unknown status from a set name (check_raid does the same).
"""

from __future__ import annotations

import re

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, head_lines, to_float, to_hex
from raidwatch.parsers.hwraid.model import HwLogicalDrive, HwPhysicalDrive, HwRaidReport

TOOL = "areca"

_RSF_HDR = re.compile(r"^\s*#\s+Name\s+Disks\s+TotalCap\s+FreeCap\s+(?:MinDiskCap|DiskChannels)\s+State\s*$")
_VSF_HDR = re.compile(r"^\s*#\s+Name\s+Raid Name\s+Level\s+Capacity\s+Ch/Id/Lun\s+State\s*$")
_DISK_HDR = re.compile(r"^\s*#\s+(?:Enc#\s+Slot#|Ch#)\s+ModelName\s+Capacity\s+Usage\s*$")
# Table rows: free-text columns (names, models) sit between fixed ones. Each free-text column is a lazy
# group of at most 128 characters that starts and ends with a non-blank ((?<=\S)), and blanks after it are
# taken possessively (\s++): a candidate end is tried once per run of blanks, not once per blank, and never
# beyond 128 characters, so a row is read in time linear in its length. The last column is the rest of the
# line up to its last non-blank. (Unbounded `(.+?)\s+` groups were cubic to quintic on a long blank run.)
_NAME = r"(\S.{0,127}?)(?<=\S)"
_REST = r"(\S(?:.*\S)?)\s*$"
_SIZE_COL = r"([0-9.]+[KMGT]B)"
_RSF_ROW = re.compile(
    rf"^\s*([0-9]+)\s++{_NAME}\s++([0-9]+)\s++{_SIZE_COL}\s++{_SIZE_COL}\s++(\S+)\s++"
    r"(\S{1,64}(?:\s*\(.{0,64}\))?)\s*$"
)
_VSF_ROW = re.compile(
    rf"^\s*([0-9]+)\s++{_NAME}\s{{2,}}+{_NAME}\s++(Raid\S*|PassThr\S*|JBOD)\s++{_SIZE_COL}\s++"
    rf"([0-9]+/[0-9]+/[0-9]+)\s++{_REST}",
    re.I,
)
# the model column may be empty
_DISK_ENC_ROW = re.compile(
    rf"^\s*([0-9]+)\s++([0-9]+)\s++(Slot\s*#?\s*[0-9]+)\s++(?:{_NAME}\s++)?{_SIZE_COL}\s++{_REST}", re.I
)
_DISK_CH_ROW = re.compile(rf"^\s*([0-9]+)\s++([0-9]+)\s++(?:{_NAME}\s++)?{_SIZE_COL}\s++{_REST}")
_GUIERR = re.compile(r"GuiErrMsg<0x([0-9A-Fa-f]+)>\s*:\s*+(\S(?:.*\S)?)?\s*$")
# a shell or CLI prompt around the command ("host:~# cat file", "CLI> ..."): its first word is short
_PROMPT = re.compile(r"^\S{1,64}[:#]\s*~?.*#\s*(?:cat|/\S*cli)")
_SIZE = re.compile(r"^([0-9.]+)([KMGT])B$")
_PROGRESS = re.compile(r"\(\s*([0-9]+(?:\.[0-9]+)?)\s*%?\s*\)")
_UNITS = {"K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4}  # Areca capacities are decimal

_SET_STATUS = {
    "normal": "ok",
    "checking": "ok",
    "initializing": "initializing",
    "init": "initializing",
    "rebuilding": "rebuilding",
    "migrating": "rebuilding",
    "degraded": "degraded",
    "incomplete": "failed",
    "failed": "failed",
    "offline": "offline",
}


def detect(text: str) -> bool:
    """True for Areca CLI output: an rsf/vsf/disk info heading, or the ``GuiErrMsg<0x..>`` trailer."""
    for line in head_lines(text, 200):
        if _RSF_HDR.match(line) or _VSF_HDR.match(line) or _DISK_HDR.match(line):
            return True
        if re.match(r"^\s*GuiErrMsg<0x[0-9A-Fa-f]+>\s*:", line):
            return True
    return False


def _size(text: str) -> int | None:
    m = _SIZE.match(text)
    n = to_float(m.group(1)) if m else None
    if m is None or n is None:
        return None
    return round(n * _UNITS[m.group(2)])


def _set_status(state: str) -> tuple[str | None, float | None]:
    word = re.split(r"[\s(]", state.strip(), maxsplit=1)[0].lower()
    progress = None
    m = _PROGRESS.search(state)
    pct = to_float(m.group(1)) if m else None
    if pct is not None:
        progress = max(0.0, min(1.0, pct / 100))
    return _SET_STATUS.get(word), progress


def _level(word: str) -> str:
    w = word.lower()
    if w.startswith("passthr"):
        return "passthrough"
    return w.replace("+", "").replace(" ", "")


def parse(text: str, source: str) -> HwRaidReport:
    """Areca ``rsf info`` / ``vsf info`` / ``disk info`` output -> HwRaidReport."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not Areca CLI output")
    warnings: list[str] = []
    table: str | None = None
    seen = False
    error: str | None = None
    sets: list[tuple[str, str, str, str]] = []  # id, name, state, total
    vols: list[HwLogicalDrive] = []
    disks: list[tuple[str, str, str, str]] = []  # id, model, capacity, usage

    for lineno, line in enumerate(check_lines(text.splitlines(), source, "Areca CLI output"), 1):
        s = line.strip()
        if not s or re.match(r"^=+$", s):
            continue
        if _RSF_HDR.match(line):
            table, seen = "rsf", True
            continue
        if _VSF_HDR.match(line):
            table, seen = "vsf", True
            continue
        if _DISK_HDR.match(line):
            table, seen = "disk", True
            continue
        if s.startswith("#"):  # a comment naming the command
            continue
        m = _GUIERR.search(s)
        if m:
            seen = True
            if to_hex(m.group(1)) != 0:
                error = f"GuiErrMsg<0x{m.group(1)[:40]}>: {m.group(2) or ''}"
            table = None
            continue
        if table == "rsf" and (m := _RSF_ROW.match(line)):
            sets.append((m.group(1), m.group(2).strip(), m.group(7), m.group(4)))
            continue
        if table == "vsf" and (m := _VSF_ROW.match(line)):
            num, name, _raid_set, level, cap, _lun, state = m.groups()
            status, progress = _set_status(state)
            if status is None:
                warnings.append(f"{source}:{lineno}: volume set {num}: unknown state {state!r}")
            vols.append(
                HwLogicalDrive(
                    controller="",
                    id=f"vs{num}",
                    name=name.strip(),
                    level=_level(level),
                    state=state,
                    status=status or "unknown",
                    size_bytes=_size(cap),
                    progress=progress,
                    members=(),
                )
            )
            continue
        if table == "disk":
            m = _DISK_ENC_ROW.match(line)
            if m:
                disks.append((m.group(1), (m.group(4) or "").strip(), m.group(5), m.group(6).strip()))
                continue
            m = _DISK_CH_ROW.match(line)
            if m:
                disks.append((m.group(1), (m.group(3) or "").strip(), m.group(4), m.group(5).strip()))
                continue
        if _PROMPT.match(s) or s.startswith(("CLI>", "Copyright", "Areca")):
            continue  # a shell or CLI prompt around the command
        warnings.append(f"{source}:{lineno}: line not understood: {s[:120]!r}")

    if not seen:
        raise ParseError(source, 1 if text.strip() else None, "no Areca rsf/vsf/disk info table found")

    set_ids = {name: f"rs{num}" for num, name, _state, _total in sets}
    members: dict[str, list[str]] = {}
    pds: list[HwPhysicalDrive] = []
    for num, model, cap, usage in disks:
        u = usage.lower()
        if u in ("n.a.", "n.a") and model.upper().startswith("N.A"):
            continue
        ld = None
        if u.startswith("hotspare"):
            status = "spare"
        elif u.startswith("pass through") or u == "passthrough":
            status = "ok"
        elif u == "free":
            status = "unconfigured"
        elif u.startswith("fail"):
            status = "failed"
        elif "rebuild" in u:
            status = "rebuilding"
        elif u in ("n.a.", "n.a"):
            status = "unknown"
            warnings.append(f"{source}: disk {num}: usage N.A. for a present disk")
        else:
            status = "ok"
            ld = set_ids.get(usage, usage)
            members.setdefault(ld, []).append(num)
        pds.append(
            HwPhysicalDrive(
                controller="",
                id=num,
                state=usage,
                status=status,
                model=model or None,
                size_bytes=_size(cap),
                logical_drive=ld,
            )
        )

    lds: list[HwLogicalDrive] = []
    for num, name, state, total in sets:
        status, progress = _set_status(state)
        if status is None:
            warnings.append(f"{source}: raid set {num}: unknown state {state!r}")
        lds.append(
            HwLogicalDrive(
                controller="",
                id=f"rs{num}",
                name=name,
                state=state,
                status=status or "unknown",
                size_bytes=_size(total),
                members=tuple(members.get(f"rs{num}", ())),
                progress=progress,
            )
        )
    lds.extend(vols)
    return HwRaidReport(
        tool=TOOL,
        logical_drives=tuple(lds),
        physical_drives=tuple(pds),
        warnings=tuple(warnings),
        error=error,
    )
