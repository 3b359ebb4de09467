"""``dmsetup status``: the device-mapper ``raid`` (LVM RAID, dm-raid) and ``mirror`` (LVM mirror) targets.

Every line is ``<name>: <start> <length> <target> <args>``; only ``raid`` and ``mirror`` targets carry
redundancy and become logical drives (id and name = the dm name, e.g. ``vg-root``); other targets
(linear, striped, crypt, thin, ...) are skipped, so a host with plain LVM gives an empty report.
``No devices found`` is an empty report. Lines starting with ``#`` are comments (check_raid's test data
has them). The legs become physical drives: for ``raid`` the leg index (``vg-root:0``; dm-raid's
status does not name the leg devices), for ``mirror`` the leg's ``major:minor``; a mirror's disk log
device is one too.

Status rules (the health characters and the sync ratio stay in ``state``):

* leg health characters (Documentation/device-mapper/dm-raid.rst, dm-raid1.c): ``A`` alive and in
  sync -> ok; ``a`` alive, not in sync -> rebuilding; ``D`` dead -> failed; mirror ``S`` (sync
  failure), ``R`` (read failure), ``U`` (unclassified) -> failed. Mirror log status ``A`` -> ok,
  ``D``/``F`` (dead, flush failed) -> failed.
* the volume: more failed legs than its level survives (raid0 0, raid1/mirror n-1, raid4/5 1, raid6 2,
  raid10 1) -> failed; some -> degraded; else, when not every leg/region is in sync (``a`` legs, a
  sync ratio below 1): ``sync_action`` recover/reshape/frozen/idle -> rebuilding, resync ->
  initializing (dm-raid's first synchronisation), check/repair -> ok (a scrub of an in-sync array);
  a mirror whose in-sync regions are fewer than its regions -> rebuilding (dmsetup does not say
  whether it is the first sync). The sync ratio goes to ``progress`` while not in sync.
"""

from __future__ import annotations

import re

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, head_lines, to_int
from raidwatch.parsers.dmsetup import LINE_RE, parse_raid_status
from raidwatch.parsers.hwraid.model import HwLogicalDrive, HwPhysicalDrive, HwRaidReport

TOOL = "dmsetup"

_LINE = LINE_RE  # the line format and the raid target's fields are parsers.dmsetup's (the dm collector's)
_LEG = {"A": "ok", "a": "rebuilding", "D": "failed", "S": "failed", "R": "failed", "U": "failed"}
_TOLERATES = {"raid0": 0, "raid4": 1, "raid5": 1, "raid6": 2, "raid10": 1}


def detect(text: str) -> bool:
    """True for ``dmsetup status``: every line a dm status line (or a comment), at least one of them."""
    if text.count("\n") > 100000:
        return False
    lines = [ln.strip() for ln in head_lines(text, 100000) if ln.strip() and not ln.startswith("#")]
    if lines == ["No devices found"]:
        return True
    if not lines:
        return False
    return all(_LINE.match(ln) for ln in lines[:500])


def _ratio(text: str) -> float | None:
    m = re.match(r"^([0-9]+)/([0-9]+)$", text)
    done, total = (to_int(m.group(1)), to_int(m.group(2))) if m else (None, None)
    if done is None or not total:
        return None
    return min(1.0, done / total)


def _volume_status(level: str, legs: str, in_sync: bool, action: str | None) -> str:
    failed = sum(1 for c in legs if _LEG.get(c) == "failed")
    unknown = any(c not in _LEG for c in legs)
    tolerated = _TOLERATES.get(level, max(0, len(legs) - 1))
    if failed > tolerated:
        return "failed"
    if failed:
        return "degraded"
    if unknown:
        return "unknown"
    if in_sync:
        return "ok"
    if action == "resync":
        return "initializing"
    if action in ("check", "repair"):
        return "ok"
    return "rebuilding"


def _raid(
    name: str, args: list[str], size: int | None
) -> tuple[HwLogicalDrive, list[HwPhysicalDrive]] | None:
    # <raid_type> <#devices> <health_chars> <sync_ratio> [<sync_action> <mismatch_cnt> [...]]
    try:
        st = parse_raid_status(args)
    except ParseError:
        return None
    legs, ratio_s, action, level = st.health, args[3], st.sync_action, st.level
    ratio = st.sync_ratio if st.sync_total else None
    in_sync = "a" not in legs and (ratio is None or ratio >= 1.0)
    status = _volume_status(level, legs, in_sync, action)
    state = " ".join(x for x in (legs, ratio_s, action) if x)
    ld = HwLogicalDrive(
        controller="",
        id=name,
        name=name,
        level=level,
        state=state,
        status=status,
        size_bytes=size,
        members=tuple(f"{name}:{i}" for i in range(len(legs))),
        progress=ratio if status in ("rebuilding", "initializing") else None,
    )
    pds = [
        HwPhysicalDrive(
            controller="",
            id=f"{name}:{i}",
            state=c,
            status=_LEG.get(c, "unknown"),
            logical_drive=name,
            progress=ratio if c == "a" else None,
        )
        for i, c in enumerate(legs)
    ]
    return ld, pds


def _mirror(
    name: str, args: list[str], size: int | None
) -> tuple[HwLogicalDrive, list[HwPhysicalDrive]] | None:
    # <#mirrors> <dev>... <in-sync>/<regions> <#status args = 1> <health chars> <#log args> <log args...>
    n = to_int(args[0]) if args else None
    if n is None:
        return None
    if len(args) < n + 4:
        return None
    devs = args[1 : 1 + n]
    ratio_s = args[1 + n]
    legs = args[3 + n]
    log = args[4 + n :]
    ratio = _ratio(ratio_s)
    in_sync = ratio is None or ratio >= 1.0
    status = _volume_status("raid1", legs, in_sync, None)
    pds = [
        HwPhysicalDrive(
            controller="",
            id=dev,
            state=legs[i] if i < len(legs) else None,
            status=_LEG.get(legs[i], "unknown") if i < len(legs) else "unknown",
            logical_drive=name,
        )
        for i, dev in enumerate(devs)
    ]
    log_words = ""
    nlog = to_int(log[0]) if log else None
    if nlog is not None:
        log_args = log[1 : 1 + nlog]
        log_words = " ".join(log_args)
        # disk log: <type> <dev> <status char>
        if len(log_args) >= 3 and log_args[0] == "disk":
            ch = log_args[2]
            pds.append(
                HwPhysicalDrive(
                    controller="",
                    id=log_args[1],
                    state=f"log {ch}",
                    status="ok" if ch == "A" else "failed" if ch in ("D", "F") else "unknown",
                    logical_drive=name,
                )
            )
    state = " ".join(x for x in (legs, ratio_s, f"log {log_words}" if log_words else "") if x)
    ld = HwLogicalDrive(
        controller="",
        id=name,
        name=name,
        level="raid1",
        state=state,
        status=status,
        size_bytes=size,
        members=tuple(devs),
        progress=ratio if status == "rebuilding" else None,
    )
    return ld, pds


def parse(text: str, source: str) -> HwRaidReport:
    """``dmsetup status`` -> HwRaidReport of its raid and mirror targets."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not dmsetup output")
    warnings: list[str] = []
    lds: list[HwLogicalDrive] = []
    pds: list[HwPhysicalDrive] = []
    seen = False
    for lineno, raw in enumerate(check_lines(text.splitlines(), source, "dmsetup status"), 1):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        if s == "No devices found":
            seen = True
            continue
        m = _LINE.match(s)
        if not m:
            warnings.append(f"{source}:{lineno}: line not understood: {s[:120]!r}")
            continue
        seen = True
        name, _start, length, target, rest = m.groups()
        if target not in ("raid", "mirror"):
            continue
        args = (rest or "").split()
        sectors = to_int(length)
        parsed = (_raid if target == "raid" else _mirror)(
            name, args, sectors * 512 if sectors is not None else None
        )
        if parsed is None:
            warnings.append(f"{source}:{lineno}: {name}: {target} status not understood: {rest!r}")
            continue
        lds.append(parsed[0])
        pds.extend(parsed[1])
    if not seen:
        raise ParseError(source, 1 if text.strip() else None, "no dmsetup status lines found")
    return HwRaidReport(
        tool=TOOL, logical_drives=tuple(lds), physical_drives=tuple(pds), warnings=tuple(warnings)
    )
