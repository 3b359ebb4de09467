"""Hardware RAID controllers through their vendor CLIs (storcli/perccli, ssacli, arcconf, MegaCli)."""

from __future__ import annotations

import logging
import re
from dataclasses import fields, replace

from raidwatch.collectors.base import Collector, Contribution
from raidwatch.errors import ParseError
from raidwatch.model import (
    Array,
    BlockDevice,
    HostHeader,
    Member,
    MemberState,
    Problem,
    SyncAction,
    SyncStatus,
)
from raidwatch.parsers.hwraid import parse_hwraid
from raidwatch.parsers.hwraid.model import HwController, HwLogicalDrive, HwPhysicalDrive, HwRaidReport
from raidwatch.probe import CommandResult, Probe

log = logging.getLogger(__name__)

# Each tool: the commands that give its full picture, tried binary name by binary name; the first
# binary that exists is the one used. Every command's output goes through the hwraid parsers.
TOOLS: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...] = (
    ("storcli", ("storcli64", "storcli", "perccli64", "perccli"), (("/call", "show", "all", "J"),)),
    ("ssacli", ("ssacli", "hpssacli", "hpacucli"), (("ctrl", "all", "show", "config", "detail"),)),
    ("arcconf", ("arcconf",), (("GETCONFIG", "1", "AL"),)),
    (
        "megacli",
        ("MegaCli64", "MegaCli", "megacli"),
        # -LdPdInfo names each LD's drives; -PDList adds spares and unconfigured ones; then the battery
        (("-LdPdInfo", "-aALL", "-NoLog"), ("-PDList", "-aALL", "-NoLog"), ("-AdpBbuCmd", "-aALL", "-NoLog")),
    ),
)
TIMEOUT = 60.0
_LEVEL_RE = re.compile(r"raid[\s-]*(\d+(?:\+\d+)?)", re.I)


def normalise_level(level: str | None) -> str | None:
    """ "RAID 1", "RAID1", "Primary-1, Secondary-0, RAID Level Qualifier-0", "1+0" -> raid1 / raid10."""
    if not level:
        return None
    text = level.strip().lower()
    if text.startswith("raid") and re.fullmatch(r"raid\d+", text):
        return text
    m = _LEVEL_RE.search(text)
    if m:
        return "raid" + m.group(1).replace("+", "")
    m = re.search(r"primary-(\d)", text)
    if m:
        sec = re.search(r"secondary-(\d)", text)
        primary = m.group(1)
        return "raid10" if primary == "1" and sec and sec.group(1) == "3" else f"raid{primary}"
    if text in ("1+0", "10"):
        return "raid10"
    return text


def _member_state(pd: HwPhysicalDrive) -> tuple[MemberState, bool | None, bool]:
    if pd.status in ("failed", "missing"):
        return MemberState.FAILED, False, False
    if pd.status == "spare":
        return MemberState.SPARE, None, False
    if pd.status == "rebuilding":
        return MemberState.ACTIVE, False, True
    if pd.status in ("ok", "predictive-failure"):
        return MemberState.ACTIVE, True, False
    return MemberState.ACTIVE, None, False


def arrays_from(report: HwRaidReport, os_names: set[str]) -> tuple[list[Array], list[BlockDevice]]:
    """Pure: a tool report -> one Array per logical drive (kind "hardware") and a BlockDevice per
    physical drive. An LD the tool maps to a kernel disk (ssacli "Disk Name: /dev/sda") takes that
    name, so the volumes on /dev/sda sit on it; others are named hw-TOOL-cC-vID."""
    arrays: list[Array] = []
    pd_by_key = {(pd.controller, pd.id): pd for pd in report.physical_drives}
    devices: list[BlockDevice] = []
    for ld in report.logical_drives:
        os_dev = (ld.os_device or "").rsplit("/", 1)[-1]
        name = os_dev if os_dev and os_dev in os_names else f"hw-{report.tool}-c{ld.controller}-v{ld.id}"
        name = re.sub(r"[^\w.:-]", "_", name)
        pds = [pd_by_key[(ld.controller, m)] for m in ld.members if (ld.controller, m) in pd_by_key]
        if not pds:
            pds = [
                pd
                for pd in report.physical_drives
                if pd.controller == ld.controller and pd.logical_drive == ld.id
            ]
        members = []
        for pd in pds:
            state, in_sync, rebuilding = _member_state(pd)
            dev = f"{name}:{pd.id}"
            members.append(
                Member(device=dev, state=state, in_sync=in_sync, rebuilding=rebuilding, raw_state=pd.state)
            )
            devices.append(
                BlockDevice(
                    name=dev,
                    kind="disk",
                    size_bytes=pd.size_bytes,
                    model=pd.model,
                    serial=pd.serial,
                    wwn=pd.wwn,
                    transport=f"{report.tool} controller {pd.controller}",
                )
            )
        arrays.append(_array(report.tool, ld, name, members))
    return arrays, devices


def _array(tool: str, ld: HwLogicalDrive, name: str, members: list[Member]) -> Array:
    holders = [m for m in members if m.state is not MemberState.SPARE]
    in_sync = sum(1 for m in holders if m.in_sync)
    level = normalise_level(ld.level)
    sync = None
    if ld.status in ("rebuilding", "initializing") or any(m.rebuilding for m in members):
        action = SyncAction.RECOVERY if ld.status != "initializing" else SyncAction.RESYNC
        sync = SyncStatus(action=action, progress=ld.progress)
    degraded = ld.status in ("degraded", "rebuilding") or (bool(holders) and in_sync < len(holders))
    return Array(
        name=name,
        level=level,
        state="inactive" if ld.status in ("failed", "offline") else "active",
        raid_disks=len(holders) or None,
        in_sync_disks=in_sync if holders else None,
        degraded=degraded,
        members=tuple(members),
        sync=sync,
        size_bytes=ld.size_bytes,
        kind="hardware",
        label=ld.name or f"{tool} controller {ld.controller} LD {ld.id}",
        array_state=ld.state,
        sources=(tool,),
    )


class HwRaidCollector(Collector):
    """Runs whichever vendor RAID CLIs are installed; quiet (skipped) when none is."""

    name = "hwraid"
    platforms = frozenset({"Linux"})

    def applicable(self, probe: Probe, header: HostHeader) -> str | None:
        return super().applicable(probe, header)

    def collect(self, probe: Probe) -> Contribution:
        problems: list[Problem] = []
        notes: list[str] = []
        arrays: list[Array] = []
        devices: list[BlockDevice] = []
        try:
            os_names = set(probe.list_dir("/sys/block"))
        except Exception:
            os_names = set()
        found_any = False
        for tool, binaries, commands in TOOLS:
            runs: list[CommandResult] = []
            for binary in binaries:
                first = probe.run([binary, *commands[0]], timeout=TIMEOUT)
                if first.missing:
                    continue
                runs = [first] + [probe.run([binary, *c], timeout=TIMEOUT) for c in commands[1:]]
                break
            if not runs:
                continue
            found_any = True
            reports = []
            for res in runs:
                if res.timed_out or not res.stdout.strip():  # vendor CLIs exit nonzero on mere warnings
                    problems.append(self.problem(res.command, res.describe_failure() or "no output"))
                    continue
                try:
                    reports.append(parse_hwraid(res.stdout, res.command))
                except ParseError as exc:
                    problems.append(self.problem(res.command, str(exc)))
            report = _merge(tool, reports)
            if report is None:
                continue
            if report.error:
                problems.append(self.problem(tool, report.error))
            a, d = arrays_from(report, os_names)
            arrays.extend(a)
            devices.extend(d)
            for c in report.controllers:
                if c.status in ("failed", "warning") or c.battery_status in ("failed", "warning"):
                    problems.append(self.problem(f"{tool} controller {c.id}", _ctrl_text(c), "warning"))
        if not found_any:
            notes.append("no hardware RAID tool installed (storcli/perccli, ssacli, arcconf, MegaCli)")
        return Contribution(
            arrays=tuple(arrays), devices=tuple(devices), problems=tuple(problems), notes=tuple(notes)
        )


def _ctrl_text(c) -> str:  # type: ignore[no-untyped-def]
    parts = [f"state {c.state or c.status}"]
    if c.battery:
        parts.append(f"battery {c.battery}")
    if c.cache:
        parts.append(f"cache {c.cache}")
    return ", ".join(parts)


def _merge(tool: str, reports: list[HwRaidReport]) -> HwRaidReport | None:
    """MegaCli needs two runs (LDs, PDs): one report of both."""
    if not reports:
        return None
    if len(reports) == 1:
        return reports[0]
    pds: dict[tuple[str, str], HwPhysicalDrive] = {}
    for pd in (pd for r in reports for pd in r.physical_drives):
        key = (pd.controller, pd.id)
        if key not in pds or (pds[key].logical_drive is None and pd.logical_drive is not None):
            pds[key] = pd  # the same drive from two commands: keep the one that knows its LD
    ctrls: dict[str, HwController] = {}
    for c in (c for r in reports for c in r.controllers):
        old = ctrls.get(c.id)
        if old is None:
            ctrls[c.id] = c
        else:  # one command knows the model, another the battery: keep what each says
            fill = {
                f.name: getattr(c, f.name) for f in fields(c) if getattr(old, f.name) in (None, "unknown")
            }
            ctrls[c.id] = replace(old, **fill)
    return HwRaidReport(
        tool=tool,
        controllers=tuple(ctrls.values()),
        logical_drives=tuple(ld for r in reports for ld in r.logical_drives),
        physical_drives=tuple(pds.values()),
        warnings=tuple(w for r in reports for w in r.warnings),
        error="; ".join(r.error for r in reports if r.error) or None,
    )
