"""MegaCli / MegaCli64 and Intel's CmdTool2 (same program, same formats): PDs, LDs, BBU, adapter info.

Reads, in any mix (one run or several concatenated):

- ``-PDList -aALL``: one block per physical drive (``Enclosure Device ID`` ... ``Firmware state``).
- ``-LDInfo -Lall -aALL``: one block per virtual drive (``Virtual Drive: N (Target Id: N)``),
  CacheCade virtual drives included; ``Adapter N: No Virtual Drive Configured.``
- ``-LdPdInfo -aALL`` and ``-CfgDsply -aN``: virtual drives followed by their physical drives
  (``PD: N Information`` / ``Physical Disk: N``), which gives the members of each LD.
- ``-AdpBbuCmd -aALL``: battery state and firmware flags; ``Get BBU Status Failed``.
- ``-AdpAllInfo -aALL``: product name, serial, firmware, and the ``Device Present`` tally.

CmdTool2 (Intel's build of MegaCli) prints the same formats, so this one module reads both and
reports them as ``megacli``, the name the hwraid collector files them under (no separate module).

Identifiers: controller = adapter number ("0"); LD = virtual drive number ("0"); PD =
``enclosure:slot`` ("252:4", ":4" without an enclosure), the address MegaCli's own ``-PhysDrv [E:S]``
takes (check_raid names disks by ``Device Id``; the enclosure/slot survives a re-scan, the id not).
``Device Id`` is kept as the drive's ``device_id``: the N of smartctl's ``-d megaraid,N``.

Status rules (the tool's words stay in ``state``):

- LD ``State``: Optimal -> ok; Degraded, Partially Degraded -> degraded (also while a rebuild runs:
  the redundancy is still short until it ends; the progress is kept); Offline -> offline;
  Failed -> failed; an Optimal LD under background initialisation -> initializing; CacheCade
  drives print no state -> unknown.
- PD ``Firmware state`` (the word before the comma): Online, JBOD -> ok; Hotspare -> spare;
  Unconfigured(good) -> unconfigured; Unconfigured(bad), Failed, Offline -> failed; Rebuild,
  Copyback -> rebuilding; Missing -> missing; any Shielded state -> predictive-failure (the firmware
  is testing a suspect drive). An ok or spare drive with ``Predictive Failure Count`` > 0 or
  ``Drive has flagged a S.M.A.R.T alert : Yes`` -> predictive-failure. Media/other error counts
  are reported, not judged (``Other Error Count`` grows with harmless link resets).
- Battery: failed when MegaCli says ``Battery Replacement required: Yes``, ``Battery Pack
  Missing: Yes`` or a ``Battery State`` of Failed, or Non Operational outside a learn cycle;
  warning for Non Operational during a learn cycle, Degraded/Charging/Learning states, ``Pack is
  about to fail``, ``Remaining Capacity Low``, a failed or timed-out learn cycle, I2C errors, or a
  voltage/temperature not OK; ok otherwise. An empty ``Battery state:`` says nothing by itself.
  ``Get BBU Status Failed`` + "hardware component is not present" means there is no battery
  (battery "absent", no battery status); without that reason the status is unknown and
  ``error`` is set.
- Controller: warning when an LD's current write policy is WriteThrough while its default is
  WriteBack (the controller has dropped its write cache, nearly always for a bad or learning
  battery); warning when ``-AdpAllInfo``'s ``Device Present`` tally counts degraded/offline VDs or
  critical/failed disks (the LD/PD listings carry the detail), ok when that tally is clean;
  unknown otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, head, to_float, to_hex, to_int
from raidwatch.parsers.hwraid.model import (
    HwController,
    HwLogicalDrive,
    HwPhysicalDrive,
    HwRaidReport,
)

TOOL = "megacli"  # MegaCli, MegaCli64 and CmdTool2: one program under three names, one format

_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_DETECT_RES = (
    re.compile(r"^Adapter [0-9]+ -- Virtual Drive Information:", re.M),
    re.compile(r"^BBU status for Adapter\s*:\s*[0-9]+", re.M),
    re.compile(r"^Adapter [0-9]+: (Get BBU Status Failed|No Virtual Drive Configured)", re.M),
    re.compile(r"MegaCLI SAS RAID Management Tool"),
)
_ADAPTER_HASH_RE = re.compile(r"^Adapter #([0-9]+)\s*$", re.M)
_ADAPTER_COMPANIONS = re.compile(
    r"^(Enclosure Device ID|Number of Virtual Disks|Virtual Drive|Virtual Disk|Firmware state|"
    r"Product Name|Exit Code)\s*:",
    re.M,
)
_CFGDSPLY_RE = re.compile(r"^Adapter: [0-9]+\s*$", re.M)

_SIZE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGTP]?)(i?)B\b", re.I)
_SECTORS_RE = re.compile(r"\[0x([0-9a-fA-F]+)\s+Sectors\]")
_LD_START_RE = re.compile(r"^(?:(CacheCade) )?Virtual (?:Disk|Drive)\s*:\s*([0-9]+)\s*\(Target Id", re.I)
_PROGRESS_RE = re.compile(
    r"^(Rebuild|Reconstruction|Background Initialization|Initialization|Check Consistency)"
    r"\s*:\s*Completed\s+([0-9]+(?:\.[0-9]+)?)\s*%",
    re.I,
)
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5}

PD_STATUS_WORDS = {
    "online": "ok",
    "jbod": "ok",
    "hotspare": "spare",
    "hot spare": "spare",
    "unconfigured(good)": "unconfigured",
    "unconfigured(bad)": "failed",
    "failed": "failed",
    "offline": "failed",
    "rebuild": "rebuilding",
    "copyback": "rebuilding",
    "missing": "missing",
}
LD_STATUS_WORDS = {
    "optimal": "ok",
    "degraded": "degraded",
    "partially degraded": "degraded",
    "offline": "offline",
    "failed": "failed",
}


def size_bytes(text: str) -> int | None:
    """'136.125 GB', '696960MB', '2.728 TB [0x15d50a3b0 Sectors]', '3.637 TiB' -> bytes.

    MegaCli's and storcli's KB/MB/GB/TB are binary: every recorded row that prints a sector count beside
    the size agrees only with 1024-based units ("1.819 TB [0xe8e088af Sectors]" is 2000398933504 bytes,
    1.819 TiB, 2.000 TB). StorCLI2 writes the same binary sizes with IEC names (KiB/MiB/GiB/TiB), read as
    such. Shared by the megacli and storcli parsers."""
    printed = None
    m = _SIZE_RE.match(text)
    n = to_float(m.group(1)) if m else None
    if m and n is not None:  # None too for more digits than a reading has
        printed = round(n * _UNITS[m.group(2).upper()])
    m = _SECTORS_RE.search(text)
    sectors = to_hex(m.group(1)) if m else None
    if sectors is not None:
        if printed is None:
            return sectors * 512
        # the count is in the drive's logical sectors: 512 bytes, or 4096 on a 4Kn drive
        return min((sectors * 512, sectors * 4096), key=lambda b: abs(b - printed))
    return printed


def _int(text: str) -> int | None:
    m = re.match(r"\s*([0-9]+)", text)
    return to_int(m.group(1)) if m else None


def raid_level(
    primary: int | None, secondary: int | None, span_depth: int | None, drives_per_span: int | None = None
) -> str | None:
    """MegaCli's 'Primary-1, Secondary-3' plus span depth -> raid1/raid10/raid5/raid50/...

    A 'Primary-1' span of more than two drives is striped mirror pairs (newer firmware's RAID-1
    of 4+ drives, half their capacity): raid10."""
    if primary is None:
        return None
    spanned = (span_depth or 1) > 1
    if primary == 0:
        return "raid0"
    if primary == 1:
        return "raid10" if spanned or secondary == 3 or (drives_per_span or 2) > 2 else "raid1"
    if primary in (5, 6):
        return f"raid{primary}0" if spanned else f"raid{primary}"
    return f"primary-{primary}"


def split_inquiry(raw: str, pd_type: str | None) -> tuple[str | None, str | None]:
    """(model, serial) from MegaCli's 'Inquiry Data' (ATA: serial 20 + model 40 + fw; SCSI: vendor 8
    + product 16 + revision 4 + serial). Too short to split -> (the whole text, None)."""
    text = raw.rstrip()
    if not text.strip():
        return None, None
    sata = (pd_type or "").upper() == "SATA" if pd_type else text[:1] == " " or len(text) >= 60
    if sata and len(text) > 24:
        serial = text[:20].strip() or None
        model = " ".join(text[20:60].split()) or None
        return model, serial
    if not sata and len(text) > 28:
        vendor, product, serial = text[:8].strip(), text[8:24].strip(), text[28:].strip()
        model = " ".join(f"{vendor} {product}".split()) or None
        return model, serial or None
    return " ".join(text.split()), None


def pd_status(state: str | None, predictive: int | None, smart_alert: bool) -> tuple[str, bool]:
    """(normalised status, known word?) for a MegaCli firmware state."""
    if not state:
        return "unknown", False
    word = state.split(",")[0].strip().lower()
    if "shield" in word:
        return "predictive-failure", True
    status = PD_STATUS_WORDS.get(word)
    known = status is not None
    status = status or "unknown"
    if status in ("ok", "spare") and ((predictive or 0) > 0 or smart_alert):
        status = "predictive-failure"
    return status, known


def ld_status(state: str | None, activity: str | None) -> tuple[str, bool]:
    """(normalised status, known word?) for a MegaCli LD state and the operation in progress."""
    if not state:
        return "unknown", True
    status = LD_STATUS_WORDS.get(state.strip().lower())
    if status is None:
        low = state.lower()
        if "rebuild" in low or "recover" in low:
            return "rebuilding", True
        if "init" in low:
            return "initializing", True
        return "unknown", False
    if status == "ok" and activity:
        if "initiali" in activity.lower():
            return "initializing", True
        if "rebuild" in activity.lower():
            return "rebuilding", True
    return status, True


@dataclass
class _Pd:
    controller: str
    enclosure: str | None = None
    slot: str | None = None
    device_id: str | None = None
    state: str | None = None
    pd_type: str | None = None
    inquiry: str | None = None
    wwn: str | None = None
    size: int | None = None
    media: int | None = None
    other: int | None = None
    predictive: int | None = None
    smart_alert: bool = False
    temperature: float | None = None
    ld: str | None = None
    line: int = 0


@dataclass
class _Ld:
    controller: str
    id: str
    cachecade: bool = False
    name: str | None = None
    primary: int | None = None
    secondary: int | None = None
    span_depth: int | None = None
    drives: int | None = None
    state: str | None = None
    size: int | None = None
    default_cache: str | None = None
    current_cache: str | None = None
    activity: str | None = None
    progress: float | None = None
    members: list[str] = field(default_factory=list)
    line: int = 0


@dataclass
class _Ctrl:
    id: str
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    tally: dict[str, int] = field(default_factory=dict)
    bbu_type: str | None = None
    bbu_state: str | None = None
    bbu_flags: dict[str, str] = field(default_factory=dict)
    bbu_seen: bool = False
    bbu_failed: str | None = None  # "Get BBU Status Failed" text
    bbu_absent: bool = False


_BBU_FLAG_KEYS = {
    "charging status",
    "voltage",
    "temperature",
    "learn cycle requested",
    "learn cycle active",
    "learn cycle status",
    "learn cycle timeout",
    "i2c errors detected",
    "battery pack missing",
    "battery replacement required",
    "remaining capacity low",
    "pack is about to fail & should be replaced",
}


def _battery(c: _Ctrl) -> tuple[str | None, str | None]:
    """(battery words, battery status) for one adapter."""
    if c.bbu_absent:
        return "absent", None
    if c.bbu_failed and not c.bbu_seen:
        return c.bbu_failed, None
    if not c.bbu_seen:
        return None, None
    flags = c.bbu_flags
    yes = {k for k, v in flags.items() if v.strip().lower() == "yes"}
    state = (c.bbu_state or "").strip()
    low = state.lower()
    learning = "learn cycle active" in yes
    notes = []
    status = "ok"
    if "battery replacement required" in yes:
        notes.append("replacement required")
        status = "failed"
    if "battery pack missing" in yes:
        notes.append("pack missing")
        status = "failed"
    if "fail" in low or (low == "non operational" and not learning):
        status = "failed"
    warn = []
    if low == "non operational" and learning:
        warn.append("learn cycle active")
    elif low and low not in ("optimal", "operational") and status != "failed":
        warn.append(state)
    if "pack is about to fail & should be replaced" in yes:
        warn.append("about to fail")
    if "remaining capacity low" in yes:
        warn.append("remaining capacity low")
    if flags.get("learn cycle status", "OK").strip().lower() not in ("ok", ""):
        warn.append(f"learn cycle {flags['learn cycle status'].strip()}")
    if "learn cycle timeout" in yes:
        warn.append("learn cycle timeout")
    if "i2c errors detected" in yes:
        warn.append("I2C errors")
    for key in ("voltage", "temperature"):
        val = flags.get(key, "OK").strip()
        if val and val.upper() != "OK":
            warn.append(f"{key} {val}")
    if warn and status == "ok":
        status = "warning"
    words = ", ".join(p for p in (c.bbu_type, state or None) if p) or "battery"
    extra = notes + [w for w in warn if w != state]
    if extra:
        words += " (" + "; ".join(extra) + ")"
    return words, status


def parse(text: str, source: str) -> HwRaidReport:
    """Parse MegaCli/CmdTool2 output (any of the listings above, possibly concatenated)."""
    if not text.strip():
        raise ParseError(source, None, "empty MegaCli output (the tool printed nothing)")
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not MegaCli output")
    lines = check_lines(
        _ANSI_RE.sub("", text).replace("\r\n", "\n").replace("\r", "\n").split("\n"), source, "MegaCli output"
    )
    warnings: list[str] = []
    ctrls: dict[str, _Ctrl] = {}
    lds: list[_Ld] = []
    pds: list[_Pd] = []
    errors: list[str] = []
    exit_codes: list[str] = []
    adapter: str | None = None
    pd: _Pd | None = None
    ld: _Ld | None = None
    ld_context: _Ld | None = None  # PDs listed after an LD belong to it (-LdPdInfo, -CfgDsply)
    block = ""  # "pd", "ld", "bbu", "adp"
    section = ""  # AdpAllInfo section header
    banner = False
    recognised = False

    def ctrl(cid: str | None) -> _Ctrl:
        cid = cid if cid is not None else "0"
        if cid not in ctrls:
            ctrls[cid] = _Ctrl(cid)
        return ctrls[cid]

    def end_pd() -> None:
        nonlocal pd
        if pd is not None:
            pds.append(pd)
        pd = None

    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        m = re.match(r"^Adapter\s*(?:#|:)\s*([0-9]+)$", line)
        if m:
            end_pd()
            adapter = m.group(1)
            ctrl(adapter)
            ld = ld_context = None
            block, section, recognised = "adp", "", True
            continue
        m = re.match(r"^Adapter ([0-9]+) -- Virtual Drive Information:?$", line)
        if m:
            end_pd()
            adapter = m.group(1)
            ctrl(adapter)
            ld = ld_context = None
            block, recognised = "ld", True
            continue
        m = re.match(r"^Adapter ([0-9]+):\s*(.*)$", line)
        if m:
            end_pd()
            adapter, what = m.group(1), m.group(2).strip()
            c = ctrl(adapter)
            recognised = True
            if "Get BBU Status Failed" in what:
                c.bbu_failed = what
                block = "bbufail"
            elif "No Virtual Drive Configured" in what:
                block = "ld"
            else:
                warnings.append(f"{source}:{lineno}: adapter message {what!r}")
            continue
        m = re.match(r"^BBU status for Adapter\s*:\s*([0-9]+)$", line)
        if m:
            end_pd()
            adapter = m.group(1)
            ctrl(adapter).bbu_seen = True
            block, section, recognised = "bbu", "", True
            continue
        if re.match(r"^BBU (Capacity Info|Design Info|Properties) for Adapter", line):
            block = "bbu-info"
            continue
        if "MegaCLI SAS RAID Management Tool" in line:
            banner = True
            continue
        m = _LD_START_RE.match(line)
        if m:
            end_pd()
            ld = _Ld(controller=adapter or "0", id=m.group(2), cachecade=bool(m.group(1)), line=lineno)
            ctrl(ld.controller)
            lds.append(ld)
            ld_context = ld
            block, recognised = "ld", True
            continue
        m = re.match(r"^(?:PD: ([0-9]+) Information|Physical Disk: ([0-9]+))$", line)
        if m:
            end_pd()
            pd = _Pd(controller=adapter or "0", ld=ld_context.id if ld_context else None, line=lineno)
            block = "pd"
            continue
        if set(line) <= set("=*-_ "):
            continue
        if block == "bbufail":
            if "not present" in line.lower():
                ctrl(adapter).bbu_absent = True
            continue
        if ":" not in line and "=" not in line:
            if raw[:1] in (" ", "\t") or block == "adp":
                section = line.lower()  # an -AdpAllInfo section header or a table row
            elif not re.match(r"^(\$|#|\S+ ~ #)", line) and "Copyright" not in line:
                warnings.append(f"{source}:{lineno}: line not understood: {line[:80]!r}")
            continue
        key, _, value = raw.partition(":")
        key_l = key.strip().lower()
        val = value.strip()
        if key_l == "exit code":
            if val.lower() not in ("0x00", "0x0", "0"):
                exit_codes.append(val)
            ld = None
            end_pd()
            continue
        # physical drive fields
        if key_l == "enclosure device id":
            if pd is None or pd.enclosure is not None or pd.slot is not None:
                end_pd()
                pd = _Pd(controller=adapter or "0", ld=ld_context.id if ld_context else None, line=lineno)
            pd.enclosure = val
            block, recognised = "pd", True
            continue
        if key_l == "slot number":
            if pd is None or pd.slot is not None:
                end_pd()
                pd = _Pd(controller=adapter or "0", ld=ld_context.id if ld_context else None, line=lineno)
            pd.slot = val
            block, recognised = "pd", True
            continue
        if block == "pd" and pd is not None:
            if key_l == "device id":
                pd.device_id = val
            elif key_l == "firmware state":
                pd.state = val
            elif key_l == "pd type":
                pd.pd_type = val
            elif key_l == "inquiry data":
                pd.inquiry = value[1:] if value.startswith(" ") else value
            elif key_l == "wwn":
                pd.wwn = val or None
            elif key_l == "raw size":
                pd.size = size_bytes(val)
            elif key_l == "media error count":
                pd.media = _int(val)
            elif key_l == "other error count":
                pd.other = _int(val)
            elif key_l == "predictive failure count":
                pd.predictive = _int(val)
            elif key_l.startswith("drive has flagged a s.m.a.r.t alert"):
                pd.smart_alert = val.lower().startswith("yes")
            elif key_l == "drive temperature":
                m = re.match(r"(-?)([0-9]+(?:\.[0-9]+)?)\s*C", val)
                t = to_float(m.group(2)) if m else None
                pd.temperature = (-t if m and m.group(1) else t) if t is not None else None
            continue
        if block == "ld" and ld is not None:
            m = _PROGRESS_RE.match(line)
            if m:
                ld.activity = m.group(1)
                done = to_float(m.group(2))
                if m.group(1).lower() != "check consistency" and done is not None:
                    ld.progress = min(done / 100.0, 1.0)
                continue
            if key_l == "name":
                ld.name = val or None
            elif key_l == "raid level":
                p = re.search(r"Primary-([0-9]+)", val)
                s = re.search(r"Secondary-([0-9]+)", val)
                ld.primary = to_int(p.group(1)) if p else None
                ld.secondary = to_int(s.group(1)) if s else None
            elif key_l == "size":
                ld.size = size_bytes(val)
            elif key_l == "state":
                ld.state = val
            elif key_l == "span depth":
                ld.span_depth = _int(val)
            elif key_l in ("number of drives", "number of drives per span"):
                ld.drives = _int(val)
            elif key_l == "default cache policy":
                ld.default_cache = val
            elif key_l == "current cache policy":
                ld.current_cache = val
            elif key_l == "virtual drive type" and "cachecade" in val.lower():
                ld.cachecade = True
            continue
        if block == "bbu":
            c = ctrl(adapter)
            if key_l == "batterytype":
                c.bbu_type = val
            elif key_l == "battery state":
                c.bbu_state = val
            elif key_l == "bbu firmware status":
                section = "firmware"
            elif key_l in ("gasguagestatus", "bbu gasgauge status"):
                section = "gas"
            elif section == "firmware" and key_l in _BBU_FLAG_KEYS:
                c.bbu_flags[key_l] = val
            continue
        if block == "adp" or adapter is not None:
            c = ctrl(adapter)
            if key_l == "product name" and val:
                c.model = val
            elif key_l == "serial no" and val:
                c.serial = val
            elif key_l in ("fw package build", "fw version") and val and c.firmware is None:
                c.firmware = val
            elif section == "device present" and key_l in (
                "virtual drives",
                "degraded",
                "offline",
                "physical devices",
                "disks",
                "critical disks",
                "failed disks",
            ):
                n = _int(val)
                if n is not None:
                    c.tally[key_l] = n
            elif key_l == "number of virtual disks":
                recognised = True
    end_pd()

    if banner and not (recognised or pds or lds):
        raise ParseError(source, None, "MegaCli version banner (-v), not a status listing")
    if not (recognised or pds or lds):
        raise ParseError(source, 1, "no MegaCli adapter, drive or battery listing found")

    out_pds: list[HwPhysicalDrive] = []
    for p in pds:
        if p.slot is None and p.enclosure is None:
            continue
        enc = p.enclosure if p.enclosure and p.enclosure.upper() != "N/A" else ""
        pid = f"{enc}:{p.slot if p.slot is not None else '?'}"
        status, known = pd_status(p.state, p.predictive, p.smart_alert)
        if not known:
            warnings.append(f"{source}:{p.line}: PD {pid}: unknown firmware state {p.state!r}")
        model, serial = split_inquiry(p.inquiry, p.pd_type) if p.inquiry else (None, None)
        out_pds.append(
            HwPhysicalDrive(
                controller=p.controller,
                id=pid,
                state=p.state,
                status=status,
                model=model,
                serial=serial,
                wwn=p.wwn,
                size_bytes=p.size,
                media_errors=p.media,
                other_errors=p.other,
                predictive_failures=p.predictive,
                temperature_celsius=p.temperature,
                logical_drive=p.ld,
                device_id=_int(p.device_id) if p.device_id else None,
            )
        )
        if p.ld is not None:
            for candidate in lds:
                if candidate.controller == p.controller and candidate.id == p.ld:
                    candidate.members.append(pid)

    out_lds: list[HwLogicalDrive] = []
    cache_notes: dict[str, list[str]] = {}
    for d in lds:
        status, known = ld_status(d.state, d.activity)
        if not known:
            warnings.append(f"{source}:{d.line}: LD {d.id}: unknown state {d.state!r}")
        out_lds.append(
            HwLogicalDrive(
                controller=d.controller,
                id=d.id,
                name=d.name,
                level="cachecade"
                if d.cachecade
                else raid_level(d.primary, d.secondary, d.span_depth, d.drives),
                state=d.state,
                status=status,
                size_bytes=d.size,
                members=tuple(d.members),
                progress=d.progress if status != "ok" else None,
            )
        )
        if d.current_cache:
            cur = d.current_cache.split(",")[0].strip()
            default = d.default_cache.split(",")[0].strip() if d.default_cache else cur
            note = f"LD {d.id} {cur}" + (f" (default {default})" if default != cur else "")
            cache_notes.setdefault(d.controller, []).append(note)

    out_ctrls: list[HwController] = []
    for c in ctrls.values():
        status = "unknown"
        state = None
        if c.tally:
            state = ", ".join(f"{k.title()} {v}" for k, v in c.tally.items())
            bad = sum(c.tally.get(k, 0) for k in ("degraded", "offline", "critical disks", "failed disks"))
            status = "warning" if bad else "ok"
        notes = cache_notes.get(c.id, [])
        cache = "; ".join(notes) or None
        if any("(default WriteBack)" in n and " WriteThrough" in n for n in notes):
            status = "warning"
        battery, battery_status = _battery(c)
        out_ctrls.append(
            HwController(
                id=c.id,
                model=c.model,
                serial=c.serial,
                firmware=c.firmware,
                state=state,
                status=status,
                battery=battery,
                battery_status=battery_status,
                cache=cache,
            )
        )
        if c.bbu_failed and not c.bbu_absent:
            errors.append(f"adapter {c.id}: {c.bbu_failed}")
    explained = any(c.bbu_absent for c in ctrls.values())  # "no BBU" ends with a non-zero exit code
    if exit_codes and not (explained and not errors):
        errors.append("exit code " + ", ".join(exit_codes))

    return HwRaidReport(
        tool=TOOL,
        controllers=tuple(out_ctrls),
        logical_drives=tuple(out_lds),
        physical_drives=tuple(out_pds),
        warnings=tuple(warnings),
        error="; ".join(errors) or None,
    )


def detect(text: str) -> bool:
    """MegaCli/CmdTool2 output: its adapter headers, BBU status header or version banner."""
    text = head(text)
    if any(r.search(text) for r in _DETECT_RES):
        return True
    if _ADAPTER_HASH_RE.search(text) and _ADAPTER_COMPANIONS.search(text):
        return True
    return bool(_CFGDSPLY_RE.search(text) and "Number of DISK GROUPS" in text)
