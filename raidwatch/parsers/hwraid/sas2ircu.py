"""sas2ircu / sas3ircu (LSI/Broadcom SAS2/SAS3 IR HBAs): ``N DISPLAY``, ``N STATUS`` and ``LIST``.

- ``DISPLAY``: controller information, IR volumes (status, RAID level, size, member
  ``Enclosure#/Slot#``), physical devices (state, size, model, serial, GUID). Enclosure services
  devices (backplanes) are not drives and are left out.
- ``STATUS``: per volume ``Volume state`` and the ``Current operation`` with its ``Percentage
  complete``; "there are no IR volumes on the controller!" is an answer (no volumes), not an error.
- ``LIST``: the adapters (index and type).

Identifiers: controller = the index the tool was run with ("0"); volume = ``Volume ID`` ("79",
the number ``DELETEVOLUME`` takes); PD = ``enclosure:slot`` ("1:0").

Status rules (the tool's words stay in ``state``):

- Volume (DISPLAY ``Status of volume`` / STATUS ``Volume state``): Okay (OKY), Optimal -> ok;
  Degraded (DGD) -> degraded (also while it rebuilds; the progress is kept); Failed (FLD) ->
  failed; Missing (MIS), Inactive (INA) -> offline; an ok volume whose current operation is a
  background init or synchronize -> initializing; Rebuild on a not-degraded volume -> rebuilding;
  a consistency check leaves it ok.
- PD: Optimal (OPT), Online (ONL) -> ok; Ready (RDY) -> ok (a healthy drive in no volume: on
  these HBAs the OS uses it directly, like JBOD); Available (AVL) -> unconfigured; Hot Spare (HSP)
  -> spare; Rebuilding (RBLD), Out of Sync (OSY) -> rebuilding; Degraded (DGD) -> predictive-failure
  (still working, flagged by the controller); Failed (FLD) -> failed; Missing (MIS) -> missing;
  Standby (SBY) and anything else -> unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, head, to_float, to_int
from raidwatch.parsers.hwraid.model import (
    HwController,
    HwLogicalDrive,
    HwPhysicalDrive,
    HwRaidReport,
)

TOOL = "sas2ircu"  # sas2ircu and sas3ircu print the same formats

_DETECT_RE = re.compile(r"SAS[23] IR Configuration Utility|^SAS[23]IRCU:", re.M)
_ABBR_RE = re.compile(r"\(([A-Z]+)\)\s*$")

VOLUME_WORDS = {
    "oky": "ok",
    "okay": "ok",
    "optimal": "ok",
    "opt": "ok",
    "dgd": "degraded",
    "degraded": "degraded",
    "fld": "failed",
    "failed": "failed",
    "mis": "offline",
    "missing": "offline",
    "ina": "offline",
    "inactive": "offline",
}
PD_WORDS = {
    "opt": "ok",
    "onl": "ok",
    "rdy": "ok",
    "avl": "unconfigured",
    "hsp": "spare",
    "rbld": "rebuilding",
    "osy": "rebuilding",
    "dgd": "predictive-failure",
    "fld": "failed",
    "mis": "missing",
}


def detect(text: str) -> bool:
    return bool(_DETECT_RE.search(head(text, 200000)))


def _word(state: str) -> str:
    m = _ABBR_RE.search(state)
    return (m.group(1) if m else state.strip()).lower()


def volume_status(state: str | None, operation: str | None = None) -> str:
    if not state:
        return "unknown"
    status = VOLUME_WORDS.get(_word(state)) or VOLUME_WORDS.get(state.strip().lower(), "unknown")
    op = (operation or "").strip().lower()
    if status == "ok" and op:
        if "init" in op or "synchron" in op:
            return "initializing"
        if "rebuild" in op:
            return "rebuilding"
    return status


def pd_status(state: str | None) -> str:
    if not state:
        return "unknown"
    return PD_WORDS.get(_word(state), "unknown")


@dataclass
class _Vol:
    index: str
    id: str | None = None
    state: str | None = None
    level: str | None = None
    size: int | None = None
    operation: str | None = None
    progress: float | None = None
    members: list[str] = field(default_factory=list)


@dataclass
class _Dev:
    kind: str
    enclosure: str | None = None
    slot: str | None = None
    state: str | None = None
    size: int | None = None
    vendor: str | None = None
    model: str | None = None
    serial: str | None = None
    guid: str | None = None
    line: int = 0


def parse(text: str, source: str) -> HwRaidReport:
    """Parse sas2ircu/sas3ircu DISPLAY, STATUS or LIST output."""
    if not detect(text):
        raise ParseError(source, 1 if text else None, "not sas2ircu/sas3ircu output")
    warnings: list[str] = []
    controller: str | None = None
    ctrl_type: str | None = None
    firmware: str | None = None
    listed: list[tuple[str, str]] = []
    vols: dict[str, _Vol] = {}
    devs: list[_Dev] = []
    vol: _Vol | None = None
    dev: _Dev | None = None
    section = ""
    error: str | None = None
    in_list = False
    no_volumes = False
    for lineno, raw in enumerate(
        check_lines(text.replace("\r", "").split("\n"), source, "sas2ircu output"), 1
    ):
        line = raw.strip()
        if not line or set(line) <= set("-* "):
            continue
        m = re.match(
            r"^(?:Read configuration has been initiated|Background command progress status)"
            r" for controller ([0-9]+)",
            line,
        )
        if m:
            controller = m.group(1)
            continue
        if line in (
            "Controller information",
            "IR Volume information",
            "Physical device information",
            "Enclosure information",
        ):
            section = line.split()[0].lower()
            vol = dev = None
            continue
        m = re.match(r"^IR [Vv]olume ([0-9]+)$", line)
        if m:
            vol = vols.setdefault(m.group(1), _Vol(m.group(1)))
            section = "volume"
            continue
        m = re.match(r"^Device is an? (.+)$", line)
        if m:
            dev = _Dev(kind=m.group(1).strip(), line=lineno)
            devs.append(dev)
            section = "device"
            continue
        if re.match(r"^Index\s+Type\b", line):
            in_list = True
            continue
        if in_list:
            m = re.match(r"^([0-9]+)\s+(\S+)\s+\S+h\s", line)
            if m:
                listed.append((m.group(1), m.group(2)))
                continue
            in_list = False
        if line.startswith(("SAS2IRCU:", "SAS3IRCU:")):
            low = line.lower()
            if "no ir volumes" in low:
                no_volumes = True  # STATUS then says "Error executing command STATUS": not an error
                continue
            if ("error" in low or "failed" in low or "invalid" in low) and not no_volumes:
                error = error or line.split(":", 1)[1].strip()
            continue
        if ":" not in line:
            if not re.match(r"^(LSI|Avago|Broadcom|Version|Copyright|Adapter|Initiator at|#|\$)", line):
                warnings.append(f"{source}:{lineno}: line not understood: {line[:80]!r}")
            continue
        key, _, val = line.partition(":")
        key, val = key.strip().lower(), val.strip()
        if section == "controller":
            if key == "controller type":
                ctrl_type = val or None
            elif key == "firmware version":
                firmware = val or None
        elif section == "volume" and vol is not None:
            if key == "volume id":
                vol.id = val or None
            elif key in ("status of volume", "volume state"):
                vol.state = val or None
            elif key == "raid level":
                vol.level = val.lower().replace("-", "") or None
            elif key == "size (in mb)":
                vol.size = mb * 1024 * 1024 if (mb := to_int(val)) is not None else None
            elif key == "current operation":
                vol.operation = None if val.lower() in ("none", "") else val
            elif key == "percentage complete":
                m = re.match(r"([0-9]+(?:\.[0-9]+)?)", val)
                pct = to_float(m.group(1)) if m else None
                vol.progress = min(pct / 100.0, 1.0) if pct is not None else None
            elif re.match(r"^phy\[[0-9]+\] enclosure#/slot#$", key):
                m = re.match(r"^([0-9]+):([0-9]+)$", val)
                if m:
                    vol.members.append(f"{m.group(1)}:{m.group(2)}")
        elif section == "device" and dev is not None:
            if key == "enclosure #":
                dev.enclosure = val
            elif key == "slot #":
                dev.slot = val
            elif key == "state":
                dev.state = val or None
            elif key.startswith("size (in mb)"):
                m = re.match(r"^[0-9]+/([0-9]+)$", val)
                sectors = to_int(m.group(1)) if m else None
                dev.size = sectors * 512 if sectors is not None else None
            elif key == "manufacturer":
                dev.vendor = val or None
            elif key == "model number":
                dev.model = val or None
            elif key == "serial no":
                dev.serial = val or None
            elif key == "guid":
                dev.guid = val if val and val.upper() != "N/A" else None

    cid = controller or (listed[0][0] if len(listed) == 1 else "0")
    ctrls: list[HwController] = []
    if listed:
        for idx, typ in listed:
            ctrls.append(HwController(id=idx, model=typ))
    elif controller is not None:
        ctrls.append(HwController(id=cid, model=ctrl_type, firmware=firmware))

    member_of: dict[str, str] = {}
    lds: list[HwLogicalDrive] = []
    for v in vols.values():
        vid = v.id or v.index
        status = volume_status(v.state, v.operation)
        if status == "unknown":
            warnings.append(f"{source}: volume {vid}: unknown state {v.state!r}")
        for mbr in v.members:
            member_of[mbr] = vid
        lds.append(
            HwLogicalDrive(
                controller=cid,
                id=vid,
                level=v.level,
                state=v.state,
                status=status,
                size_bytes=v.size,
                members=tuple(v.members),
                progress=v.progress if v.operation else None,
            )
        )
    pds: list[HwPhysicalDrive] = []
    for d in devs:
        if "enclosure services" in d.kind.lower():
            continue
        pid = f"{d.enclosure or ''}:{d.slot or '?'}"
        status = pd_status(d.state)
        if status == "unknown" and _word(d.state or "") != "sby":
            warnings.append(f"{source}:{d.line}: PD {pid}: unknown state {d.state!r}")
        vendor = d.vendor if d.vendor and d.vendor.upper() != "ATA" else None
        model = " ".join(p for p in (vendor, d.model) if p) or None
        pds.append(
            HwPhysicalDrive(
                controller=cid,
                id=pid,
                state=d.state,
                status=status,
                model=model,
                serial=d.serial,
                wwn=d.guid,
                size_bytes=d.size,
                logical_drive=member_of.get(pid),
            )
        )
    return HwRaidReport(
        tool=TOOL,
        controllers=tuple(ctrls),
        logical_drives=tuple(lds),
        physical_drives=tuple(pds),
        warnings=tuple(warnings),
        error=error,
    )
