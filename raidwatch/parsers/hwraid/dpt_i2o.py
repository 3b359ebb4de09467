"""Adaptec I2O RAID (Linux ``dpt_i2o`` driver): the text of ``/proc/scsi/dpt_i2o/<N>``.

The controller comes from ``Vendor: ... Model: ... FW:...`` and ``Control Node=/dev/dptiN`` (id ``N``).
``Devices:`` lists what the adapter exposes to the OS, each as a name line (``ADAPTEC RAID-10   Rev:
...``) and a ``TID=..., (Channel=c, Target=t, Lun=l)  (state)`` line; the id is ``c,t,l``. A device
named ``RAID-<n>`` is an array: a logical drive of level raid<n>. Any other device (a redirect/pass-
through drive, a backplane processor such as ``SCA HSBP``) becomes a physical drive entry.

Status rules: the driver prints ``online`` or ``offline`` (whether the SCSI layer has the device
online; the driver reports nothing finer): online -> ok; offline -> offline for an array, failed for
any other device; anything else -> unknown.
"""

from __future__ import annotations

import re

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines
from raidwatch.parsers.hwraid.model import HwController, HwLogicalDrive, HwPhysicalDrive, HwRaidReport

TOOL = "dpt_i2o"

_TID = re.compile(
    r"^\s*TID=([0-9]+),\s*\(Channel=([0-9]+),\s*Target=([0-9]+),\s*Lun=([0-9]+)\)\s*\((\S+)\)\s*$"
)
# A free-text value is a lazy group of at most 128 (256) characters ending on a non-blank, with the blanks
# after it taken possessively (\s++): tried once per run of blanks, so linear in the line's length (an
# unbounded `(.*?)\s+` retried every blank of a long run).
_NAME = re.compile(r"^\s++(?:(\S.{0,255}?)(?<=\S)\s++)?Rev:\s*(\S*)\s*$")
_VENDOR = re.compile(
    r"^Vendor:(?:\s*+(\S.{0,127}?)(?<=\S))?\s++Model:(?:\s*+(\S.{0,127}?)(?<=\S))?\s++FW:\s*(\S+)"
)
_NODE = re.compile(r"Control Node=/dev/dpti([0-9]+)")


def detect(text: str) -> bool:
    """True for /proc/scsi/dpt_i2o/N: the driver banner or its ``Control Node=/dev/dpti`` line."""
    head = text[:20000]
    return "Adaptec I2O RAID Driver" in head or bool(_NODE.search(head) and "TID=" in head)


def parse(text: str, source: str) -> HwRaidReport:
    """/proc/scsi/dpt_i2o/N text -> HwRaidReport."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not /proc/scsi/dpt_i2o text")
    if not detect(text):
        raise ParseError(
            source, 1 if text.strip() else None, "not /proc/scsi/dpt_i2o text (no driver banner)"
        )
    warnings: list[str] = []
    ctl_id, vendor, model, fw = "", None, None, None
    name: str | None = None
    lds: list[HwLogicalDrive] = []
    pds: list[HwPhysicalDrive] = []
    in_devices = False
    for lineno, raw in enumerate(check_lines(text.splitlines(), source, "/proc/scsi/dpt_i2o text"), 1):
        s = raw.strip()
        if not s:
            continue
        if m := _VENDOR.match(s):
            vendor, model, fw = m.groups()
            continue
        if m := _NODE.search(s):
            ctl_id = m.group(1)
            continue
        if s == "Devices:":
            in_devices = True
            continue
        if not in_devices:
            continue  # driver banner and parameters (fifo sizes, sg table size)
        if m := _TID.match(raw):
            _tid, chan, target, lun, state = m.groups()
            did = f"{chan},{target},{lun}"
            word = state.lower()
            label = name or ""
            raid = re.search(r"\bRAID-?([0-9]+)\b", label, re.I)
            if raid:
                status = {"online": "ok", "offline": "offline"}.get(word, "unknown")
                lds.append(
                    HwLogicalDrive(
                        controller=ctl_id,
                        id=did,
                        name=label or None,
                        level=f"raid{raid.group(1)}",
                        state=state,
                        status=status,
                    )
                )
            else:
                status = {"online": "ok", "offline": "failed"}.get(word, "unknown")
                pds.append(
                    HwPhysicalDrive(
                        controller=ctl_id, id=did, model=label or None, state=state, status=status
                    )
                )
            if status == "unknown":
                warnings.append(f"{source}:{lineno}: device {did}: unknown state {state!r}")
            name = None
            continue
        if m := _NAME.match(raw):
            name = " ".join((m.group(1) or "").split())
            continue
        warnings.append(f"{source}:{lineno}: line not understood: {s[:120]!r}")
    controllers = (
        HwController(
            id=ctl_id, model=" ".join(x for x in (vendor, model) if x) or None, firmware=fw, status="ok"
        ),
    )
    return HwRaidReport(
        tool=TOOL,
        controllers=controllers,
        logical_drives=tuple(lds),
        physical_drives=tuple(pds),
        warnings=tuple(warnings),
    )
