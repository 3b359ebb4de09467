"""``lsscsi`` / ``lsscsi -g``: a SCSI device listing, used to find controllers and disks, not a RAID status.

lsscsi prints one line per SCSI device (``[H:C:T:L]  type  vendor  model  rev  /dev/node  [/dev/sgN]``)
and nothing about the health of an array, a logical drive or a disk. check_raid uses it only to find
which sg node to hand to ``cciss_vol_status`` or smartctl. Turning it into a RAID report would give
volumes with no state that a reader could take for healthy ones, so ``parse`` refuses it with a
ParseError that says so (``detect`` still recognises it, so ``raidwatch parse`` names the tool instead of
"unknown output"). ``scan`` returns the listing itself (typed, pure) for collectors that need it for
discovery: ``storage`` entries are RAID controllers, ``disk`` entries the volumes or disks they expose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, head_lines
from raidwatch.parsers.hwraid.model import HwRaidReport

TOOL = "lsscsi"

# The model (free text, may be empty) is a lazy group of at most 256 characters ending on a non-blank, the
# blanks after it taken possessively: tried once per run of blanks (linear), where `(.*?)\s+` was not.
_ROW = re.compile(
    r"^\[([0-9]+:[0-9]+:[0-9]+:[0-9]+)\]\s++(\S+)\s++(\S+)\s++(?:(\S.{0,255}?)(?<=\S)\s++)?(\S+)\s++"
    r"(/dev/\S+|-)(?:\s++(/dev/\S+|-))?\s*$"
)
_PROMPT = re.compile(r"^(?:\S*\s+)?\S*[#$]\s*lsscsi\b")


@dataclass(frozen=True)
class ScsiDevice:
    """One line of lsscsi: address, type (disk, storage, cd/dvd, enclosu, ...), identity, device nodes."""

    hctl: str
    type: str
    vendor: str
    model: str
    rev: str
    devnode: str | None  # /dev/sda, None for "-"
    sgnode: str | None  # /dev/sg0 with -g; None for "-" or without -g


def detect(text: str) -> bool:
    """True when every non-prompt line is an lsscsi device line (and there is one)."""
    lines = [ln for ln in head_lines(text, 2000) if ln.strip() and not _PROMPT.match(ln.strip())]
    return bool(lines) and all(_ROW.match(ln.strip()) for ln in lines)


def scan(text: str, source: str) -> tuple[ScsiDevice, ...]:
    """The device listing; lines that are not device lines (a shell prompt) are skipped."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not lsscsi output")
    out = []
    for raw in check_lines(text.splitlines(), source, "lsscsi output"):
        m = _ROW.match(raw.strip())
        if not m:
            continue
        hctl, typ, vendor, model, rev, dev, sg = m.groups()
        out.append(
            ScsiDevice(
                hctl=hctl,
                type=typ,
                vendor=vendor,
                model=model or "",
                rev=rev,
                devnode=None if dev == "-" else dev,
                sgnode=None if sg in (None, "-") else sg,
            )
        )
    if not out:
        raise ParseError(source, 1 if text.strip() else None, "no lsscsi device line found")
    return tuple(out)


def parse(text: str, source: str) -> HwRaidReport:
    """Always a ParseError: lsscsi lists devices and carries no RAID health (see ``scan``)."""
    devices = scan(text, source)
    ctrls = sum(1 for d in devices if d.type == "storage")
    raise ParseError(
        source,
        None,
        f"lsscsi lists SCSI devices ({len(devices)}, {ctrls} RAID controller(s)) and carries no RAID "
        "health; run the controller's own tool (cciss_vol_status, ssacli, ...) on them",
    )
