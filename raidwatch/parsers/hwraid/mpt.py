"""mpt-status (LSI Fusion-MPT integrated RAID, mptctl): volume and disk states.

Reads the three formats mpt-status prints:

- default / ``-i N``: ``ioc0 vol_id 0 type IM, 2 phy, 136 GB, state OPTIMAL, flags ENABLED`` and
  ``ioc0 phy 0 scsi_id 0 VENDOR PRODUCT REV, 136 GB, state ONLINE, flags NONE``;
- ``-n`` (newstyle): ``ioc:0 vol_id:0 type:IM raidlevel:RAID-1 ... state: DEGRADED flags: ...``,
  disks with ``sync_state: 70``, and ``scsi_id:N 70%`` resync lines;
- ``-s`` (short): ``log_id 0 OPTIMAL`` / ``phys_id 0 ONLINE``.

``mpt-status -p`` (the probe printing "Found SCSI id=N") carries no state and is refused with a
ParseError; ``found_scsi_ids`` reads it for a collector that must then run ``mpt-status -i N``.
"open /dev/mptctl" failures become the report's ``error``.

Identifiers: controller = the IOC number ("0"); volume = ``vol_id``; PD = the ``phy`` number.
Sizes are the tool's GB, which are GiB (check_raid prints them as such).

Status rules (state + flags other than ENABLED/NONE stay in ``state``, e.g. "DEGRADED
RESYNC_IN_PROGRESS"):

- Volume: OPTIMAL -> ok; DEGRADED -> degraded (also while it resyncs; the progress is kept);
  FAILED -> failed; MISSING or flag INACTIVE -> offline; anything else -> unknown. Type IM -> raid1,
  IME -> raid1e, IS -> raid0.
- Disk: ONLINE -> ok, but with flag OUT_OF_SYNC -> rebuilding; MISSING -> missing; FAILED,
  OFFLINE_REQUESTED, FAILED_REQUESTED, OTHER_OFFLINE, NOT_COMPATIBLE -> failed; INITIALIZING ->
  rebuilding; anything else -> unknown.
"""

from __future__ import annotations

import re

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, to_float, to_int
from raidwatch.parsers.hwraid.model import (
    HwController,
    HwLogicalDrive,
    HwPhysicalDrive,
    HwRaidReport,
)

TOOL = "mpt-status"

_VOL_RE = re.compile(
    r"^ioc([0-9]+) vol_id ([0-9]+) type (\w+), ([0-9]+) phy, ([0-9]+(?:\.[0-9]+)?) GB, "
    r"state (\w+), flags\s*(.*)$"
)
_PHY_RE = re.compile(
    r"^ioc([0-9]+) phy ([0-9]+) scsi_id ([0-9]+) (.*?),\s*([0-9]+(?:\.[0-9]+)?) GB, "
    r"state (\w+), flags\s*(.*)$"
)
_NVOL_RE = re.compile(r"^ioc:([0-9]+) vol_id:([0-9]+) (.*)$")
_NPHY_RE = re.compile(r"^ioc:([0-9]+) phys_id:([0-9]+) (.*)$")
_SHORT_VOL_RE = re.compile(r"^log_id ([0-9]+) (\w+)$")
_SHORT_PHY_RE = re.compile(r"^phys_id ([0-9]+) (\w+)$")
_SYNC_RE = re.compile(r"^scsi_id:([0-9]+) ([0-9]+(?:\.[0-9]+)?)%$")
_PROBE_RE = re.compile(r"^(Checking for SCSI ID:\s*[0-9]+|Found SCSI id=[0-9]+)", re.M)
_DETECT_RE = re.compile(
    r"^ioc[0-9]+ (vol_id|phy) [0-9]+ |^ioc:[0-9]+ (vol_id|phys_id):[0-9]+ |^log_id [0-9]+ \w+\s*$"
    r"|/dev/mptctl",
    re.M,
)

VOL_WORDS = {"optimal": "ok", "degraded": "degraded", "failed": "failed", "missing": "offline"}
PHY_WORDS = {
    "online": "ok",
    "missing": "missing",
    "failed": "failed",
    "offline_requested": "failed",
    "failed_requested": "failed",
    "other_offline": "failed",
    "not_compatible": "failed",
    "initializing": "rebuilding",
}
LEVELS = {"IM": "raid1", "IME": "raid1e", "IS": "raid0"}
_GIB = 1024**3


def detect(text: str) -> bool:
    head = text[:50000]
    if _DETECT_RE.search(head):
        return True
    return bool(_PROBE_RE.search(head) and re.search(r"^(Checking for SCSI ID|Found SCSI id)", head))


def found_scsi_ids(text: str) -> list[int]:
    """The volume SCSI ids ``mpt-status -p`` found (to run ``mpt-status -i N`` on each)."""
    ids = (to_int(m) for m in re.findall(r"^Found SCSI id=([0-9]+)", text, re.M))
    return [n for n in ids if n is not None]


def _flags(words: str) -> list[str]:
    return [w for w in words.split() if w not in ("ENABLED", "NONE")]


def vol_status(state: str, flags: list[str]) -> str:
    if "INACTIVE" in flags or "VOLUME_INACTIVE" in flags:
        return "offline"
    return VOL_WORDS.get(state.lower(), "unknown")


def phy_status(state: str, flags: list[str]) -> str:
    status = PHY_WORDS.get(state.lower(), "unknown")
    if status == "ok" and "OUT_OF_SYNC" in flags:
        return "rebuilding"
    return status


# a key is at most 64 characters (each start of a search reads no further), and the value ends where blanks
# start that are followed by the next key ((?<!\s) inside the lookahead: at the start of a run of blanks
# only, not again from each of its blanks)
_KV_RE = re.compile(r"([\w()/ ]{1,64}?):\s*(.*?)(?=(?<!\s)\s+[\w()/]+:|$)")


def _gib(text: str) -> int | None:
    """'68', '68.5' (GB, binary as mpt-status prints them) -> bytes; None when not such a number."""
    gb = to_float(text)
    return int(gb * _GIB) if gb is not None else None


def _kv(rest: str) -> dict[str, str]:
    """'type:IM raidlevel:RAID-1 size(GB):68 state: DEGRADED flags: ENABLED X' -> dict."""
    out: dict[str, str] = {}
    for m in _KV_RE.finditer(rest):
        out[m.group(1).strip().lower()] = m.group(2).strip()
    return out


def parse(text: str, source: str) -> HwRaidReport:
    """Parse mpt-status output (default, -n or -s format)."""
    if not text.strip():
        raise ParseError(source, None, "empty mpt-status output")
    if "/dev/mptctl" in text and not re.search(r"^ioc|^log_id", text, re.M):
        first = next((ln.strip() for ln in text.splitlines() if "/dev/mptctl" in ln), "mptctl error")
        return HwRaidReport(tool=TOOL, error=first)
    warnings: list[str] = []
    ctrls: dict[str, HwController] = {}
    vols: list[dict] = []
    phys: list[dict] = []
    sync: dict[str, float] = {}
    current: str | None = None  # the volume whose disks follow
    for lineno, raw in enumerate(
        check_lines(text.replace("\r", "").split("\n"), source, "mpt-status output"), 1
    ):
        line = raw.strip()
        if not line:
            continue
        if m := _VOL_RE.match(line):
            flags = _flags(m.group(7))
            vols.append(
                {
                    "ctrl": m.group(1),
                    "id": m.group(2),
                    "level": LEVELS.get(m.group(3), m.group(3).lower()),
                    "size": _gib(m.group(5)),
                    "word": m.group(6),
                    "flags": flags,
                }
            )
            current = m.group(2)
        elif m := _PHY_RE.match(line):
            tokens = m.group(4).split()
            model = " ".join(tokens[:-1] if len(tokens) > 2 else tokens)  # drop the revision
            phys.append(
                {
                    "ctrl": m.group(1),
                    "id": m.group(2),
                    "model": model or None,
                    "vol": current,
                    "size": _gib(m.group(5)),
                    "word": m.group(6),
                    "flags": _flags(m.group(7)),
                    "sync": None,
                }
            )
        elif m := _NVOL_RE.match(line):
            kv = _kv(m.group(3))
            size = kv.get("size(gb)", "")
            level = kv.get("raidlevel", "").lower().replace("-", "") or LEVELS.get(kv.get("type", ""))
            vols.append(
                {
                    "ctrl": m.group(1),
                    "id": m.group(2),
                    "level": level or None,
                    "size": _gib(size),
                    "word": kv.get("state", "").split()[0] if kv.get("state") else "",
                    "flags": _flags(kv.get("flags", "")),
                }
            )
            current = m.group(2)
        elif m := _NPHY_RE.match(line):
            kv = _kv(m.group(3))
            size = kv.get("size(gb)", "")
            model = " ".join(" ".join(kv.get(k, "").split()) for k in ("vendor", "product_id") if kv.get(k))
            sync_state = kv.get("sync_state", "")
            phys.append(
                {
                    "ctrl": m.group(1),
                    "id": m.group(2),
                    "model": model or None,
                    "vol": current,
                    "size": _gib(size),
                    "word": kv.get("state", "").split()[0] if kv.get("state") else "",
                    "flags": _flags(kv.get("flags", "")),
                    "sync": pct / 100.0 if (pct := to_float(sync_state)) is not None else None,
                }
            )
        elif m := _SHORT_VOL_RE.match(line):
            vols.append(
                {"ctrl": "0", "id": m.group(1), "level": None, "size": None, "word": m.group(2), "flags": []}
            )
            current = m.group(1)
        elif m := _SHORT_PHY_RE.match(line):
            phys.append(
                {
                    "ctrl": "0",
                    "id": m.group(1),
                    "model": None,
                    "size": None,
                    "word": m.group(2),
                    "flags": [],
                    "sync": None,
                    "vol": current,
                }
            )
        elif m := _SYNC_RE.match(line):
            if (pct := to_float(m.group(2))) is not None:
                sync[m.group(1)] = pct / 100.0
        elif _PROBE_RE.match(line) or line.startswith(("Found SCSI id", "Checking for SCSI")):
            continue
        else:
            warnings.append(f"{source}:{lineno}: line not understood: {line[:80]!r}")
    if not vols and not phys:
        if _PROBE_RE.search(text):
            raise ParseError(
                source, None, "mpt-status -p probe output (volume SCSI ids), not a status listing"
            )
        raise ParseError(source, 1, "no mpt-status volume or disk line found")

    for item in vols + phys:
        ctrls.setdefault(item["ctrl"], HwController(id=item["ctrl"]))
    lds = []
    for v in vols:
        status = vol_status(v["word"], v["flags"])
        if status == "unknown":
            warnings.append(f"{source}: volume {v['id']}: unknown state {v['word']!r}")
        progress = None
        if any("RESYNC" in f for f in v["flags"]):
            values = [p["sync"] for p in phys if p["sync"] is not None and "OUT_OF_SYNC" in p["flags"]]
            values = values or list(sync.values())
            progress = min(values) if values else None
        members = [p["id"] for p in phys if p["ctrl"] == v["ctrl"] and p["vol"] == v["id"]]
        lds.append(
            HwLogicalDrive(
                controller=v["ctrl"],
                id=v["id"],
                level=v["level"],
                state=" ".join([v["word"], *v["flags"]]),
                status=status,
                size_bytes=v["size"],
                members=tuple(members),
                progress=progress,
            )
        )
    pds = []
    for p in phys:
        status = phy_status(p["word"], p["flags"])
        if status == "unknown":
            warnings.append(f"{source}: disk {p['id']}: unknown state {p['word']!r}")
        pds.append(
            HwPhysicalDrive(
                controller=p["ctrl"],
                id=p["id"],
                state=" ".join([p["word"], *p["flags"]]),
                status=status,
                model=p["model"],
                size_bytes=p["size"],
                logical_drive=p["vol"],
                progress=p["sync"] if status == "rebuilding" else None,
            )
        )
    return HwRaidReport(
        tool=TOOL,
        controllers=tuple(ctrls.values()),
        logical_drives=tuple(lds),
        physical_drives=tuple(pds),
        warnings=tuple(warnings),
    )
