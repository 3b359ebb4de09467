"""Adaptec AACRAID ``afacli``: ``container list /full`` (check_raid feeds it ``open afa0``, the list, exit).

A container row starts with its number (``0    Mirror  465GB ... Valid   0:00:0 64.0KB: 465GB Normal``);
the rows under it without a number (``/dev/sda   root   0:01:0 ...``) hold its OS device, its label and
its further member partitions. Each container becomes a logical drive (id = its number; Mirror ->
raid1, RAID-5 -> raid5, Stripe -> raid0, Volume -> volume, RAID-10 -> raid10); each member partition
(``B:ID:L``, bus:target:lun) a physical drive with that id. The controller is the one of the prompt
(``AFA0>`` -> ``afa0``).

Status rules (the tool's words stay in ``state``):

* a member partition's ``State``: Normal -> ok; Missing -> missing; Broken, Failed, Dead -> failed;
  Rebuild, Bld/Vfy, VfyRepl -> rebuilding; Verify, Scrub -> ok (a routine check); anything else ->
  unknown.
* a container: ``Usage`` other than Valid (Invalid, Offline, ...) -> offline; else any member failed or
  missing -> degraded (failed when it is a stripe/volume, which has no redundancy); any member
  rebuilding, or a ``Task`` of Rebuild/Bld/Vfy/VfyRepl -> rebuilding; a Task of Clear/Zero/Build ->
  initializing; else ok.
"""

from __future__ import annotations

import re

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines
from raidwatch.parsers.hwraid.model import HwController, HwLogicalDrive, HwPhysicalDrive, HwRaidReport

TOOL = "afacli"

_HDR = re.compile(r"^Label\s+Type\s+Size\s+Ctr\s+Size\s+Usage\s+B:ID:L", re.I)
_CONTAINER = re.compile(r"^\s*([0-9]+)\s+(\S+)\s+([0-9.]+\s*[KMGT]?B)\s+(.*)$")
# searched: (?<![0-9]) makes a match start only where a run of digits starts (linear in a long run)
_MEMBER = re.compile(
    r"(?<![0-9])([0-9]+:[0-9]+:[0-9]+)\s+([0-9.]+\s*[KMGT]?B):\s*([0-9.]+\s*[KMGT]?B)\s+(\S+)(.*)$"
)
_LEVELS = {
    "mirror": "raid1",
    "raid-5": "raid5",
    "raid5": "raid5",
    "stripe": "raid0",
    "volume": "volume",
    "raid-10": "raid10",
    "raid10": "raid10",
    "raid-1": "raid1",
}
_MEMBER_STATUS = {
    "normal": "ok",
    "missing": "missing",
    "broken": "failed",
    "failed": "failed",
    "dead": "failed",
    "rebuild": "rebuilding",
    "bld/vfy": "rebuilding",
    "vfyrepl": "rebuilding",
    "verify": "ok",
    "scrub": "ok",
}
_TASKS_REBUILD = ("rebuild", "bld/vfy", "vfyrepl")
_TASKS_INIT = ("clear", "zero", "build")


def detect(text: str) -> bool:
    """True for afacli container listings: the ``Executing: container list`` line or the table heading."""
    head = text[:20000]
    return bool(re.search(r"^Executing:\s*container list", head, re.M | re.I)) or any(
        _HDR.match(ln) for ln in head.splitlines()
    )


def parse(text: str, source: str) -> HwRaidReport:
    """afacli ``container list /full`` session -> HwRaidReport."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not afacli output")
    if not detect(text):
        raise ParseError(source, 1 if text.strip() else None, "no afacli container list found")
    warnings: list[str] = []
    ctl = ""
    containers: list[dict] = []
    cur: dict | None = None
    in_table = False
    for lineno, raw in enumerate(check_lines(text.splitlines(), source, "afacli output"), 1):
        s = raw.rstrip()
        if not s.strip():
            continue
        m = re.match(r"^(AFA[0-9]+)>", s, re.I)
        if m:
            ctl = m.group(1).lower()
            continue
        if s.startswith("Executing:") or re.match(r"^Num\s+Total\s+Oth", s):
            continue
        if _HDR.match(s):
            in_table = True
            continue
        if re.match(r"^[-\s]+$", s):
            continue
        if not in_table:
            warnings.append(f"{source}:{lineno}: line not understood: {s.strip()[:120]!r}")
            continue
        mem = _MEMBER.search(s)
        m = _CONTAINER.match(s)
        if m:
            before = s[: mem.start()] if mem else s
            rest = before[m.end(3) :].split()
            cur = {
                "num": m.group(1),
                "type": m.group(2),
                "size": m.group(3),
                "usage": rest[-1] if rest else "",
                "device": None,
                "label": None,
                "members": [],
                "task": "",
            }
            containers.append(cur)
        elif cur is not None and mem:
            words = s[: mem.start()].split()
            if words and words[0].startswith("/dev/") and cur["device"] is None:
                cur["device"] = words[0]
                if len(words) > 1:
                    cur["label"] = words[1]
        else:
            warnings.append(f"{source}:{lineno}: line not understood: {s.strip()[:120]!r}")
            continue
        if mem and cur is not None:
            tail = mem.group(5).split()
            task = next((w for w in tail if w.lower() in _TASKS_REBUILD + _TASKS_INIT), "")
            cur["task"] = cur["task"] or task
            cur["members"].append((mem.group(1), mem.group(4)))

    lds, pds = [], []
    for c in containers:
        level = _LEVELS.get(c["type"].lower(), c["type"].lower())
        statuses = []
        for mid, word in c["members"]:
            st = _MEMBER_STATUS.get(word.lower())
            if st is None:
                st = "unknown"
                warnings.append(f"{source}: container {c['num']} member {mid}: unknown state {word!r}")
            statuses.append(st)
            pds.append(HwPhysicalDrive(controller=ctl, id=mid, state=word, status=st, logical_drive=c["num"]))
        task = c["task"].lower()
        if c["usage"].lower() != "valid":
            status = "offline"
        elif {"failed", "missing"} & set(statuses):
            redundant = level in ("raid1", "raid5", "raid10") and "ok" in statuses
            status = "degraded" if redundant else "failed"
        elif "rebuilding" in statuses or task in _TASKS_REBUILD:
            status = "rebuilding"
        elif task in _TASKS_INIT:
            status = "initializing"
        elif statuses and set(statuses) <= {"ok"}:
            status = "ok"
        else:
            status = "unknown"
        state = c["usage"] + (f", {c['task']}" if c["task"] else "")
        lds.append(
            HwLogicalDrive(
                controller=ctl,
                id=c["num"],
                name=c["label"],
                level=level,
                state=state,
                status=status,
                members=tuple(mid for mid, _w in c["members"]),
                os_device=c["device"],
            )
        )
    controllers = (HwController(id=ctl, status="ok"),) if ctl else ()
    return HwRaidReport(
        tool=TOOL,
        controllers=controllers,
        logical_drives=tuple(lds),
        physical_drives=tuple(pds),
        warnings=tuple(warnings),
    )
