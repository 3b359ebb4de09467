"""Human-readable renderings of an inventory: tables and the device-stack tree."""

from __future__ import annotations

from raidwatch.model import Array, HostInventory, MemberState, SmartHealth, StackNode, SyncStatus, Volume


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
        rows = [["NAME", "SIZE", "MODEL", "SERIAL", "IDENTITY", "SMART", "TEMP", "POWER-ON", "SIGNS"]]
        for d in inv.disks:
            h = d.smart
            rows.append(
                [
                    d.name,
                    human_bytes(d.size_bytes),
                    d.model or "-",
                    d.serial or "-",
                    d.identity,
                    smart_status(h, inv.collected_at) if h else "-",
                    temperature_text(h) if h else "-",
                    hours_text(h) if h else "-",
                    ", ".join(smart_signs(h)) if h else "-",
                ]
            )
        lines += ["  " + r for r in _table(rows)]
        for d in inv.disks:
            if d.smart is not None and d.smart.assessment in ("WARN", "FAIL"):
                for why in d.smart.reasons:
                    lines.append(f"  {d.name}: SMART {d.smart.assessment}: {why}")
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
