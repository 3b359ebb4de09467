"""Human-readable renderings of an inventory: tables and the device-stack tree."""

from __future__ import annotations

import re
from dataclasses import dataclass

from raidwatch.model import (
    Array,
    Disk,
    HostInventory,
    MemberState,
    SmartHealth,
    StackNode,
    SyncStatus,
    Volume,
)

_NVME_PATH = re.compile(r"nvme(\d+)c\d+n(\d+)")
_NVME_NAMESPACE = re.compile(r"nvme\d+(?:c\d+)?n\d+")
_WORST = {"FAIL": 0, "WARN": 1, "PASS": 2}  # the reading a physical disk shows when its paths differ


@dataclass(frozen=True)
class PhysicalDisk:
    """One physical disk of an inventory: the kernel disks that share an identity (the NVMe namespaces of
    one drive, the SAS paths of one dual-ported disk, multipath paths to one LUN): the thing that fails."""

    identity: str
    name: str  # the NVMe controller or subsystem (nvme0, nvme-subsys0), else its first kernel disk's name
    disks: tuple[Disk, ...]  # its kernel disks, by name
    namespaces: tuple[tuple[str, tuple[str, ...]], ...]  # what it holds: (kernel name, its other paths)
    size_bytes: int | None  # one LUN's size for paths to it; the sum of the namespaces of an NVMe drive
    smart: SmartHealth | None  # its reading (NVMe: one per drive; paths: the first that was read)
    nvme: bool = False

    @property
    def model(self) -> str | None:
        return next((d.model for d in self.disks if d.model), None)

    @property
    def serial(self) -> str | None:
        return next((d.serial for d in self.disks if d.serial), None)

    @property
    def wwns(self) -> tuple[str, ...]:
        """The WWNs of its kernel disks, once each: an NVMe namespace's is its own EUI-64/NGUID."""
        return tuple(dict.fromkeys(d.wwn for d in self.disks if d.wwn))


def physical_disks(inv: HostInventory) -> list[PhysicalDisk]:
    """The inventory's disks grouped by identity, in the order of their first kernel name."""
    devices = {b.name: b for b in inv.devices}
    groups: dict[str, list[Disk]] = {}
    for d in sorted(inv.disks, key=lambda d: d.name):
        groups.setdefault(d.identity, []).append(d)
    out = []
    for ident, disks in groups.items():
        # NVMe namespaces are disjoint slices of their drive (each its own EUI-64/NGUID; a multipath path
        # device shows its namespace again); any other kernel disks sharing an identity are paths to it
        shown: dict[str, list[Disk]] = {}
        for d in disks:
            m = _NVME_PATH.fullmatch(d.name)
            key = ""
            if _NVME_NAMESPACE.fullmatch(d.name):
                key = d.wwn or (f"nvme{m.group(1)}n{m.group(2)}" if m else d.name)
            shown.setdefault(key, []).append(d)
        heads = []
        size = 0
        for members in shown.values():
            members.sort(key=lambda d: (_NVME_PATH.fullmatch(d.name) is not None, d.name))
            heads.append((members[0].name, tuple(x.name for x in members[1:])))
            one = next((x.size_bytes for x in members if x.size_bytes is not None), None)
            size = size + one if size is not None and one is not None else None
        controllers = [
            devices[d.name].controller
            for d in disks
            if d.name in devices and devices[d.name].controller and not _NVME_PATH.fullmatch(d.name)
        ]
        readings = [d.smart for d in disks if d.smart is not None]
        smart = min(readings, key=lambda h: _WORST.get(h.assessment, 3)) if readings else None
        out.append(
            PhysicalDisk(
                identity=ident,
                name=controllers[0] if controllers else disks[0].name,
                disks=tuple(disks),
                namespaces=tuple(heads),
                size_bytes=size,
                smart=smart,
                nvme=bool(controllers),
            )
        )
    return out


def human_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def human_seconds(s: float | None) -> str:
    if s is None:
        return "?"
    s = int(s)
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600:02d}h"


def tolerance_text(t: int | None) -> str:
    if t is None:
        return "unknown"
    if t < 0:
        return "UNAVAILABLE"
    if t == 0:
        return "0 (one disk loss loses it)"
    return f"{t} disk loss" + ("es" if t > 1 else "")


def sync_text(sync: SyncStatus | None) -> str:
    if sync is None:
        return "-"
    if sync.delayed:
        return f"{sync.action.value} queued (DELAYED)"
    if sync.pending:
        return f"{sync.action.value} queued (PENDING)"
    pct = f" {sync.progress * 100:.1f}%" if sync.progress is not None else ""
    eta = f" ETA {human_seconds(sync.finish_seconds)}" if sync.finish_seconds is not None else ""
    speed = f" {sync.speed_kib_s // 1024} MiB/s" if sync.speed_kib_s else ""
    return f"{sync.action.value}{pct}{eta}{speed}"


def smart_status(h: SmartHealth, now: float | None = None) -> str:
    """The verdict, and for a sleeping disk whether the values shown are an earlier reading and how old."""
    if not h.standby:
        return h.assessment
    if h.read_at is None:
        return f"{h.assessment} (standby, no reading yet)"
    age = f", read {human_seconds(max(now - h.read_at, 0))} ago" if now is not None else ""
    return f"{h.assessment} (standby{age})"


def temperature_text(h: SmartHealth) -> str:
    return "-" if h.temperature_celsius is None else f"{h.temperature_celsius:g}°C"


def hours_text(h: SmartHealth) -> str:
    return "-" if h.power_on_hours is None else f"{h.power_on_hours} h"


def smart_signs(h: SmartHealth) -> list[str]:
    """The failure predictors that are not zero, and why nothing was read (permission, timeout, ...)."""
    out: list[str] = []
    for value, label in (
        (h.reallocated_sectors, "reallocated"),
        (h.pending_sectors, "pending"),
        (h.offline_uncorrectable, "offline-uncorrectable"),
        (h.reported_uncorrectable, "reported-uncorrectable"),
        (h.command_timeout, "command-timeouts"),
        (h.udma_crc_errors, "crc-errors"),
        (h.nvme_media_errors, "media-errors"),
        (h.scsi_grown_defects, "grown-defects"),
        (h.scsi_uncorrected_errors, "uncorrected-errors"),
    ):
        if value:
            out.append(f"{label} {value}")
    if h.nvme_critical_warning:
        out.append(f"critical-warning 0x{h.nvme_critical_warning:02x}")
    spare, thresh = h.nvme_available_spare, h.nvme_available_spare_threshold
    if spare is not None and thresh is not None and spare < thresh:
        out.append(f"spare {spare}% < {thresh}%")
    if h.nvme_percentage_used is not None and h.nvme_percentage_used >= 80:
        out.append(f"{h.nvme_percentage_used}% used")
    out += [f"FAILING_NOW {a}" for a in h.failing_now]
    out += [f"failed-in-past {a}" for a in h.failed_in_past]
    if h.last_self_test_passed is False:
        out.append(f"self-test: {h.last_self_test_result}")
    if h.health_passed is False:
        out.append("overall health FAILED")
    if h.permission_denied:
        out.append("permission denied")
    elif h.assessment == "UNKNOWN" and h.message and not h.standby:
        out.append(h.message)
    return out


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _member_text(arr: Array) -> str:
    out = []
    for m in arr.members:
        tag = ""
        if m.state is MemberState.FAILED:
            tag = "(F)"
        elif m.state is MemberState.SPARE:
            tag = "(S)"
        elif m.rebuilding:
            tag = "(rebuilding)"
        elif m.in_sync is False:
            tag = "(not in sync)"
        flags = "".join(f"({f})" for f in m.flags)
        out.append(f"{m.device}{tag}{flags}")
    return " ".join(out) or "-"


def _array_state(arr: Array) -> str:
    words = [arr.state]
    if arr.is_container:
        words = ["container"]
    if arr.degraded:
        words.append("DEGRADED")
    if arr.auto_read_only:
        words.append("auto-read-only")
    elif arr.read_only:
        words.append("read-only")
    if arr.failed_members:
        words.append(f"{len(arr.failed_members)} failed")
    return ", ".join(words)


def _tree(
    node: StackNode, inv: HostInventory, prefix: str = "", last: bool = True, top: bool = True
) -> list[str]:
    label = f"{node.name} ({node.kind}"
    if node.detail:
        label += f", {node.detail}"
    label += ")"
    if node.kind == "disk":
        d = inv.disk(node.name)
        ctrl = next((b.controller for b in inv.devices if b.name == node.name and b.controller), None)
        if ctrl:
            label += f" on {ctrl}"  # an NVMe namespace: the drive is its controller, shared by its namespaces
        if d is not None:
            label += f" {human_bytes(d.size_bytes)} id={d.identity}"
            if d.smart is not None:
                label += " SMART " + smart_status(d.smart, inv.collected_at)
                facts = [f for f in (temperature_text(d.smart), hours_text(d.smart)) if f != "-"]
                signs = smart_signs(d.smart)
                if facts:
                    label += " " + " ".join(facts)
                if signs:
                    label += f" [{', '.join(signs)}]"
    if node.children and node.failures_tolerated is not None:
        label += f" survives {node.failures_tolerated}"
    lines = [label] if top else [prefix + ("└─ " if last else "├─ ") + label]
    child_prefix = "" if top else prefix + ("   " if last else "│  ")
    for i, c in enumerate(node.children):
        lines.extend(_tree(c, inv, child_prefix, i == len(node.children) - 1, top=False))
    return lines


def _volume_row(v: Volume) -> list[str]:
    return [
        v.mountpoint,
        v.device,
        v.fstype,
        v.redundancy,
        "yes" if v.redundant else "NO",
        tolerance_text(v.failures_tolerated),
        str(len(v.disks)),
    ]


def _under(pd: PhysicalDisk, inv: HostInventory) -> str:
    """What a Disks row stands for when that is not just its name: an NVMe drive's namespaces (with their
    multipath paths), or the paths of a dual-ported or multipathed disk (with the dm map on them)."""
    sizes = {d.name: d.size_bytes for d in pd.disks}
    if pd.nvme:
        parts = []
        for name, paths in pd.namespaces:
            extra = [human_bytes(sizes.get(name))] if len(pd.namespaces) > 1 else []
            if paths:
                extra.append("paths " + ", ".join(paths))
            parts.append(name + (f" ({'; '.join(extra)})" if extra else ""))
        word = "namespace" if len(parts) == 1 else f"{len(parts)} namespaces"
        return f"{word}: " + ", ".join(parts)
    if len(pd.disks) == 1:
        return ""
    names = [d.name for d in pd.disks]
    maps = [
        f"{b.name} {b.dm_name}" if b.dm_name else b.name
        for b in inv.devices
        if b.kind == "dm" and (b.dm_uuid or "").startswith("mpath-") and set(b.slaves) & set(names)
    ]
    text = f"{len(names)} paths to one disk: " + ", ".join(names)
    return text + (f" (multipath {', '.join(maps)})" if maps else "")


def render_inventory(inv: HostInventory) -> str:
    h = inv.header
    lines = [
        f"Host {h.hostname} ({h.os} {h.kernel}"
        + (f", recorded {h.recorded_at}" if h.recorded_at else "")
        + ")"
    ]
    lines.append("")
    lines.append("Volumes")
    if inv.volumes:
        rows = [["MOUNT", "DEVICE", "FS", "REDUNDANCY", "REDUNDANT", "SURVIVES", "DISKS"]]
        rows += [_volume_row(v) for v in inv.volumes]
        lines += ["  " + r for r in _table(rows)]
    else:
        lines.append("  (no mounted block-device filesystems)")
    for v in inv.volumes:
        lines.append("")
        lines.append(f"  {v.mountpoint}:")
        if v.stack is not None:
            lines += ["    " + t for t in _tree(v.stack, inv)]
        if v.problem:
            lines.append(f"    problem: {v.problem}")
    lines.append("")
    lines.append("Arrays")
    if inv.arrays:
        rows = [["NAME", "LEVEL", "STATE", "IN SYNC", "MEMBERS", "SYNC", "SURVIVES"]]
        for a in inv.arrays:
            insync = f"{a.in_sync_disks}/{a.raid_disks}" if a.raid_disks is not None else "-"
            if a.status_map:
                insync += f" [{a.status_map}]"
            surv = "-" if a.is_container else tolerance_text(a.failures_tolerated)
            rows.append(
                [
                    a.name + (f" ({a.label})" if a.label else ""),
                    a.level or "?",
                    _array_state(a),
                    insync,
                    _member_text(a),
                    sync_text(a.sync),
                    surv,
                ]
            )
        lines += ["  " + r for r in _table(rows)]
        for a in inv.arrays:
            for d in a.disagreements:
                lines.append(f"  {a.name}: sources disagree: {d}")
    else:
        lines.append("  (none)")
    lines.append("")
    lines.append("Disks")
    if inv.disks:
        # one row per physical disk; its NVMe namespaces or its paths on a line under it
        pds = physical_disks(inv)
        rows = [["NAME", "SIZE", "MODEL", "SERIAL", "IDENTITY", "SMART", "TEMP", "POWER-ON", "SIGNS"]]
        for pd in pds:
            h = pd.smart
            rows.append(
                [
                    pd.name,
                    human_bytes(pd.size_bytes),
                    pd.model or "-",
                    pd.serial or "-",
                    pd.identity,
                    smart_status(h, inv.collected_at) if h else "-",
                    temperature_text(h) if h else "-",
                    hours_text(h) if h else "-",
                    ", ".join(smart_signs(h)) if h else "-",
                ]
            )
        table = _table(rows)
        lines.append("  " + table[0])
        for pd, row in zip(pds, table[1:], strict=True):
            lines.append("  " + row)
            under = _under(pd, inv)
            if under:
                lines.append("    └─ " + under)
        for pd in pds:
            if pd.smart is not None and pd.smart.assessment in ("WARN", "FAIL"):
                for why in pd.smart.reasons:
                    lines.append(f"  {pd.name}: SMART {pd.smart.assessment}: {why}")
    else:
        lines.append("  (none)")
    probs = list(inv.problems)
    if probs:
        lines.append("")
        lines.append("Problems")
        for p in probs:
            lines.append(f"  [{p.severity.value}] {p.collector}: {p.subject}: {p.message}")
    skipped = [c for c in inv.collectors if c.skipped]
    if skipped:
        lines.append("")
        lines.append("Collectors not run: " + "; ".join(f"{c.name} ({c.skipped})" for c in skipped))
    return "\n".join(lines) + "\n"
