"""Solaris Volume Manager (SVM) ``metastat``: mirrors, submirrors, RAID-5, soft partitions, hot spares.

Every top-level metadevice (``d30: Mirror``, ``d5: RAID``, ``d100: Soft Partition``, ``d7: Concat/Stripe``,
``d9: Trans``) becomes a logical drive with id ``d30``; submirrors (``d31: Submirror of d30``) are parts
of their mirror, not volumes. Mirror levels are raid1, RAID is raid5, Concat/Stripe is raid0, a soft
partition is ``soft-partition``. The components (slices such as ``c1t2d0s6``) become physical drives
with that id and the top-level metadevice as ``logical_drive``: SVM reports slices, not whole disks.
Hot spares of a pool (``hsp001: 1 hot spare``) become physical drives too. Sizes are ``N blocks`` x 512.
``there are no existing databases`` (SVM not configured) is an empty report with that as ``error``.
``metastat -p`` prints the configuration in md.tab form without any state: it is refused with a
ParseError that says to run plain ``metastat``.

Status rules (the tool's words stay in ``state``):

* a component's ``State``: Okay -> ok; Resyncing -> rebuilding; Maintenance, Needs maintenance, Last
  Erred -> failed; Unavailable -> missing; anything else -> unknown.
* a hot spare's ``Status``: Available -> spare; In use -> ok (it stands in for a failed component);
  Broken -> failed; else unknown.
* a submirror / RAID / soft partition ``State``: Okay -> ok; Resyncing -> rebuilding; Initializing ->
  initializing; Needs maintenance, Last Erred, Maintenance -> failed; Unavailable -> missing.
* a mirror: every submirror ok -> ok; some failed or missing while another is ok -> degraded; none ok
  -> failed; else a submirror resyncing -> rebuilding (``Resync in progress: N % done`` -> progress).
  A RAID-5 or soft partition takes its own state (Needs maintenance -> degraded for RAID-5, which runs
  on without the component; failed for a soft partition, whose device failed underneath it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, head_lines, to_float, to_int
from raidwatch.parsers.hwraid.model import HwLogicalDrive, HwPhysicalDrive, HwRaidReport

TOOL = "metastat"

_HEAD = re.compile(
    r"^((?:\S+/)?d[0-9]+):\s+"
    r"(Mirror|Submirror of ((?:\S+/)?d[0-9]+)|RAID|Soft Partition|Concat/Stripe|Trans)\s*$"
)
_HSP = re.compile(r"^(hsp[0-9]+|\S+/hsp[0-9]+):\s+([0-9]+)\s+hot spares?\s*$")
_STATE = re.compile(r"^\s+State:(.*)$")  # the value stripped in code (a lazy `(.*?)\s*$` is quadratic)
_SUBMIRROR = re.compile(r"^\s+Submirror\s+[0-9]+:\s+(\S+)\s*$")
_DEVICE = re.compile(r"^\s+Device:\s+(\S+)\s*$")
_SIZE = re.compile(r"^\s+Size:\s+([0-9]+)\s+blocks")
_RESYNC = re.compile(r"Resync in progress:\s*([0-9]+(?:\.[0-9]+)?)\s*%", re.I)
_PROMPT = re.compile(r"^\[.{0,256}\]\s*+\S*[#$]\s*metastat")  # a shell prompt ("[root@host ~]# metastat")
_COMPONENT = re.compile(
    r"^\s+(/?[A-Za-z][\w/.-]*?)\s+([0-9]+)\s+(Yes|No)\s+(Okay|Resyncing|Maintenance|Last Erred|Unavailable|"
    r"[A-Z][a-z]+(?: [A-Za-z]+)?)\s+(Yes|No|-)(?:\s+(\S+))?\s*$"
)
_SPARE = re.compile(
    r"^\s+(/?[A-Za-z][\w/.-]*)\s+(Available|In use|Broken|[A-Z][a-z]+(?: use)?)\s+([0-9]+)\s+blocks"
)
_MDTAB = re.compile(r"^(\S+)\s+(-m\s+\S+|-r\s|-p\s|[0-9]+\s+[0-9]+\s+\S+)")
_NO_DB = re.compile(r"there are no existing databases", re.I)

_COMP_STATUS = {
    "okay": "ok",
    "resyncing": "rebuilding",
    "maintenance": "failed",
    "needs maintenance": "failed",
    "last erred": "failed",
    "unavailable": "missing",
}
_DEV_STATUS = {**_COMP_STATUS, "initializing": "initializing"}
_SPARE_STATUS = {"available": "spare", "in use": "ok", "broken": "failed"}
_LEVELS = {
    "Mirror": "raid1",
    "RAID": "raid5",
    "Soft Partition": "soft-partition",
    "Concat/Stripe": "raid0",
    "Trans": "trans",
}


@dataclass
class _Dev:
    name: str
    kind: str
    parent: str | None = None
    state: str | None = None
    size: int | None = None
    submirrors: list[str] = field(default_factory=list)
    device: str | None = None
    resync: float | None = None
    components: list[tuple[str, str]] = field(default_factory=list)


def detect(text: str) -> bool:
    """True for metastat output (its metadevice headings), its "no databases" answer, or ``metastat -p``."""
    lines = [ln for ln in head_lines(text, 400) if ln.strip()]
    if any(_HEAD.match(ln) or _HSP.match(ln) for ln in lines):
        return True
    if any(ln.startswith("metastat:") and _NO_DB.search(ln) for ln in lines):
        return True
    body = [ln for ln in lines if not ln.lstrip().startswith(("#", "$"))]
    return (
        bool(body)
        and all(re.match(r"^(d[0-9]+|hsp[0-9]+)\s", ln) for ln in body)
        and any(
            re.match(r"^d[0-9]+\s+-m\s+d[0-9]+", ln)
            or re.match(r"^d[0-9]+\s+[0-9]+\s+[0-9]+\s+c[0-9]+t?[0-9]*d[0-9]+s[0-9]+", ln)
            for ln in body
        )
    )


def parse(text: str, source: str) -> HwRaidReport:
    """``metastat`` output -> HwRaidReport."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not metastat output")
    lines = check_lines(text.splitlines(), source, "metastat output")
    if any(_NO_DB.search(ln) for ln in lines) and not any(_HEAD.match(ln) for ln in lines):
        msg = next(ln.strip() for ln in lines if _NO_DB.search(ln))
        return HwRaidReport(tool=TOOL, error=msg)
    if not any(_HEAD.match(ln) or _HSP.match(ln) for ln in lines):
        body = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith(("#", "$"))]
        if body and all(_MDTAB.match(ln) or re.match(r"^hsp[0-9]+\s", ln) for ln in body):
            raise ParseError(
                source,
                1,
                "metastat -p prints the configuration (md.tab form) without any state; run metastat",
            )
        raise ParseError(source, 1 if text.strip() else None, "no metastat metadevice found")

    warnings: list[str] = []
    devs: dict[str, _Dev] = {}
    order: list[str] = []
    spares: list[tuple[str, str, str]] = []  # pool, device, status
    cur: _Dev | None = None
    pool: str | None = None
    section = "dev"
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        if m := _HEAD.match(raw):
            name, kind = m.group(1), m.group(2)
            parent = m.group(3)
            cur = _Dev(name, "Submirror" if parent else kind, parent)
            devs[name] = cur
            order.append(name)
            pool, section = None, "dev"
            continue
        if m := _HSP.match(raw):
            pool, cur, section = m.group(1), None, "hsp"
            continue
        if raw.startswith("Device Relocation Information"):
            cur, pool, section = None, None, "reloc"
            continue
        if section == "reloc" or raw.lstrip().startswith(("#", "$")) or re.match(r"^\S*metastat\s*$", raw):
            continue
        if _PROMPT.match(raw):  # a shell prompt
            continue
        if section == "hsp" and pool:
            if re.match(r"^\s+Device\s+Status\s+Length", raw):
                continue
            if m := _SPARE.match(raw):
                spares.append((pool, m.group(1), m.group(2)))
                continue
        if cur is None:
            warnings.append(f"{source}:{lineno}: line not understood: {raw.strip()[:120]!r}")
            continue
        if m := _SUBMIRROR.match(raw):
            cur.submirrors.append(m.group(1))
            continue
        if m := _STATE.match(raw):
            if cur.submirrors and cur.kind == "Mirror":
                pass  # a submirror's state as seen from its mirror; the submirror's own block has it too
            else:
                cur.state = m.group(1).strip()
            continue
        if m := _DEVICE.match(raw):
            cur.device = m.group(1)
            continue
        if m := _SIZE.match(raw):
            cur.size = n * 512 if (n := to_int(m.group(1))) is not None else None
            continue
        if m := _RESYNC.search(raw):
            pct = to_float(m.group(1))
            cur.resync = max(0.0, min(1.0, pct / 100)) if pct is not None else None
            continue
        if m := _COMPONENT.match(raw):
            cur.components.append((m.group(1), m.group(4)))
            continue
        if re.match(
            r"^\s+(Pass|Read option|Write option|Stripe [0-9]+|Device\s+Start Block|Extent|"
            r"[0-9]+\s+[0-9]+\s+[0-9]+|"
            r"Hot spare pool|Interlace|Invoke|Original device|Logging device|Log)\b",
            raw,
        ):
            continue
        warnings.append(f"{source}:{lineno}: line not understood: {raw.strip()[:120]!r}")

    # Mirror submirror states come from the mirror block when the submirror's block is missing.
    sub_state: dict[str, str] = {}
    cur_sub = None
    for raw in lines:
        if m := _SUBMIRROR.match(raw):
            cur_sub = m.group(1)
        elif (m := _STATE.match(raw)) and cur_sub:
            sub_state.setdefault(cur_sub, m.group(1).strip())
            cur_sub = None
        elif _HEAD.match(raw):
            cur_sub = None

    lds: list[HwLogicalDrive] = []
    pds: list[HwPhysicalDrive] = []

    def comp_pds(dev: _Dev, top: str) -> list[str]:
        ids = []
        for comp, word in dev.components:
            st = _COMP_STATUS.get(word.lower())
            if st is None:
                st = "unknown"
                warnings.append(f"{source}: {dev.name}: component {comp}: unknown state {word!r}")
            pds.append(HwPhysicalDrive(controller="", id=comp, state=word, status=st, logical_drive=top))
            ids.append(comp)
        return ids

    def dev_status(word: str | None) -> str:
        if word is None:
            return "unknown"
        return _DEV_STATUS.get(word.lower(), "unknown")

    for name in order:
        dev = devs[name]
        if dev.kind == "Submirror" and dev.parent in devs:
            continue
        members: list[str] = []
        progress = dev.resync
        if dev.kind == "Mirror":
            parts = []
            statuses = []
            for sub in dev.submirrors:
                sd = devs.get(sub)
                word = (sd.state if sd else None) or sub_state.get(sub)
                st = dev_status(word)
                statuses.append(st)
                parts.append(f"{sub}: {word}")
                if sd:
                    members += comp_pds(sd, name)
                    progress = progress if progress is not None else sd.resync
            if statuses and all(s == "ok" for s in statuses):
                status = "ok"
            elif {"failed", "missing"} & set(statuses):
                status = "degraded" if "ok" in statuses or "rebuilding" in statuses else "failed"
            elif "rebuilding" in statuses:
                status = "rebuilding"
            elif "initializing" in statuses:
                status = "initializing"
            else:
                status = "unknown"
            state = ", ".join(parts) or None
        else:
            members = comp_pds(dev, name)
            status = dev_status(dev.state)
            if dev.kind == "RAID" and status in ("failed", "missing"):
                status = "degraded"
            if dev.kind == "Soft Partition" and status == "missing":
                status = "failed"
            state = dev.state
            if dev.device:
                state = f"{dev.state} (on {dev.device})" if dev.state else f"on {dev.device}"
            if status == "unknown":
                warnings.append(f"{source}: {name}: unknown state {dev.state!r}")
        lds.append(
            HwLogicalDrive(
                controller="",
                id=name,
                level=_LEVELS.get(dev.kind, dev.kind.lower()),
                state=state,
                status=status,
                size_bytes=dev.size,
                members=tuple(members),
                progress=progress if status in ("rebuilding", "initializing") else None,
            )
        )
    for pool_name, dev_name, word in spares:
        st = _SPARE_STATUS.get(word.lower())
        if st is None:
            st = "unknown"
            warnings.append(f"{source}: {pool_name}: hot spare {dev_name}: unknown status {word!r}")
        pds.append(HwPhysicalDrive(controller="", id=dev_name, state=f"{word} ({pool_name})", status=st))
    return HwRaidReport(
        tool=TOOL, logical_drives=tuple(lds), physical_drives=tuple(pds), warnings=tuple(warnings)
    )
