"""Evaluation: a host's inventory + its policy -> findings (stable codes, severity, subject, message)."""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from raidwatch.model import (
    Array,
    Finding,
    HostInventory,
    MemberState,
    Severity,
    StackNode,
    SyncAction,
    Volume,
)
from raidwatch.policy import SMART_METRICS, HostPolicy, RolePolicy

C, W, INFO = Severity.CRITICAL, Severity.WARNING, Severity.INFO

# Every finding code, its default severity and what it means. Stable: dashboards and exemptions use them.
CODES: dict[str, tuple[Severity, str]] = {
    "role-volume-missing": (C, "none of the mount points a role covers is mounted"),
    "role-not-redundant": (C, "a role's volume does not survive the loss of one physical disk"),
    "role-too-few-copies": (C, "a role's mirror has fewer copies than min_copies demands"),
    "role-kind-not-allowed": (W, "a role's volume is redundant through a mechanism its kinds do not allow"),
    "role-spare-missing": (W, "a role requires a hot spare and the arrays under its volume have none"),
    "role-hardware-unverifiable": (W, "the policy accepts hardware RAID here and raidwatch cannot verify it"),
    "mirror-same-disk": (C, "an array's members sit on fewer physical disks than its level needs"),
    "array-degraded": (C, "an array is missing members and no rebuild is running within the grace period"),
    "array-rebuilding": (W, "a rebuild, resync or reshape is running (with progress and ETA)"),
    "array-rebuild-stalled": (C, "a rebuild makes no progress, or will not finish within rebuild_grace"),
    "array-sync-queued": (INFO, "a resync/rebuild is queued (DELAYED/PENDING) behind another array"),
    "array-scrub": (INFO, "a check or repair (a scrub) is running: routine"),
    "array-inactive": (C, "an array is assembled but not running: its data is unavailable"),
    "array-failed-member": (W, "a member is marked faulty (replace it)"),
    "array-mismatch": (W, "mismatch_cnt > 0 after a check: copies differ"),
    "array-sources-disagree": (W, "sysfs, /proc/mdstat and mdadm disagree about an array"),
    "array-data-errors": (C, "the filesystem on an array knows of damaged data (ZFS permanent errors)"),
    "array-member-errors": (W, "a member counted I/O or checksum errors (btrfs device stats, ZFS counters)"),
    "array-last-copy-at-risk": (
        C,
        "the last in-sync copy of an array's data sits on a disk whose SMART says failing or warning",
    ),
    "cache-writeback-unmirrored": (
        W,
        "a writeback cache's device survives no disk loss: what is written to it is the only copy until "
        "written back",
    ),
    "cache-error": (W, "a cache reports trouble: dm-cache failed or read-only, dm-writecache I/O error, ..."),
    "disk-smart-failing": (C, "a disk's SMART overall assessment is FAILED"),
    "disk-smart-warning": (W, "a disk's SMART shows failure predictors (reallocated/pending sectors, ...)"),
    "disk-smart-threshold": (W, "a SMART value is at or past a fleet.yaml threshold"),
    "disk-smart-unreadable": (
        W,
        "a disk's SMART could not be read (permission, timeout, output not understood)",
    ),
    "collector-failed": (C, "a collector could not run: part of the picture is missing"),
    "collector-wedged": (
        C,
        "a collector's run did not return within its deadline (a hung read or command): the daemon serves "
        "its last good data and does not start it again until it returns",
    ),
    "collector-stale": (
        C,
        "a collector's last good data is older than its limit (its interval plus its deadline): it stopped "
        "running",
    ),
    "collector-problem": (W, "a collector could not read one source (file, command, device)"),
    "disk-missing": (C, "a disk seen before (same WWN/serial) is gone (daemon, or --state)"),
    "array-member-missing": (W, "an array member seen before is gone from the array (daemon, or --state)"),
    "exemption-expired": (W, "an exemption in fleet.yaml is past its expiry date"),
    "state-file-corrupt": (
        W,
        "the state file (--state-file, --state) was not a valid raidwatch state: set aside as "
        "FILE.corrupt-<time> (its valid entries kept); disks and members seen before may be forgotten",
    ),
    "state-file-unusable": (
        W,
        "the state file is in use by another raidwatch (locked) or cannot be read or written: disks and "
        "members are remembered in memory only",
    ),
    "host-default-policy": (INFO, "no group or host entry names this host: the defaults apply"),
}

_REBUILDS = (SyncAction.RECOVERY, SyncAction.RESYNC, SyncAction.RESHAPE)
# Collectors whose blindness (collector-failed, -wedged, -stale) is a warning, not a page: the arrays' own
# collectors still see a disk that drops out, and a disk read FAILED before stays FAILED. The alert rules
# (RaidwatchSmartBlind, and collector!="smart" in the critical ones) follow the same split.
BLIND_WARNING_ONLY = frozenset({"smart"})
# Codes listed ahead of the rest of their severity: the one finding an operator must read first.
_FIRST = ("array-last-copy-at-risk",)


@dataclass(frozen=True)
class RoleCoverage:
    """A role of the host's policy and the mounted volumes it covers (what the exporter labels by role)."""

    role: str
    require: str  # mirror | any | none
    mountpoints: tuple[str, ...]  # mounted volumes the role covers; empty when none is mounted
    optional: bool = False


@dataclass(frozen=True)
class Evaluation:
    """The findings for one host, those silenced by exemptions, and the policy layers used."""

    host: str
    findings: tuple[Finding, ...]
    exempted: tuple[tuple[Finding, str], ...] = ()  # (finding, exemption key)
    layers: tuple[str, ...] = ()
    roles: tuple[RoleCoverage, ...] = ()  # every role of the policy, with the volumes it covers

    @property
    def worst(self) -> Severity | None:
        order = (C, W, INFO)
        for sev in order:
            if any(f.severity is sev for f in self.findings):
                return sev
        return None

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def compliant(self) -> bool:
        return not any(f.severity in (C, W) for f in self.findings)


@dataclass(frozen=True)
class Blindness:
    """A collector the daemon cannot see through right now (its engine decides): `state` is wedged (a run
    past its deadline), failed (its latest run failed) or stale (its last good data older than its limit)."""

    collector: str
    state: str  # wedged -> collector-wedged, failed -> collector-failed, stale -> collector-stale
    since: float  # unix time it became so
    why: str  # one line
    data_age_seconds: float | None  # age of the last good data served instead; None: it never had any


def _f(code: str, subject: str, message: str, key: str | None, severity: Severity | None = None) -> Finding:
    return Finding(
        code=code, severity=severity or CODES[code][0], subject=subject, message=message, policy_key=key
    )


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "ETA unknown"
    h, rem = divmod(int(seconds), 3600)
    return f"ETA {h}h{rem // 60:02d}m" if h else f"ETA {rem // 60}m"


def _arrays_under(node: StackNode | None, inv: HostInventory) -> list[Array]:
    if node is None:
        return []
    out = []
    a = inv.array(node.name)
    if a is not None:
        out.append(a)
    for c in node.children:
        out.extend(_arrays_under(c, inv))
    return out


def _role_volumes(role: RolePolicy, inv: HostInventory) -> list[Volume]:
    vols = []
    for cover in role.covers:
        if cover.startswith("label:"):
            label = cover[len("label:") :]
            vols.extend(v for v in inv.volumes if v.label == label)
        else:
            v = inv.volume(cover)
            if v is not None:
                vols.append(v)
    return list({v.mountpoint: v for v in vols}.values())


def _rebuild_running(inv: HostInventory) -> bool:
    return any(a.sync is not None and a.sync.running and a.sync.action in _REBUILDS for a in inv.arrays)


def _rebuilding_within_grace(v: Volume, inv: HostInventory, grace: float) -> bool:
    """True when every degraded array under the volume is rebuilding and will finish within grace."""
    degraded = [a for a in _arrays_under(v.stack, inv) if a.degraded]
    if not degraded:
        return False
    for a in degraded:
        s = a.sync
        if s is not None and s.delayed and _rebuild_running(inv):
            continue  # queued behind another array's rebuild on the same disks (resync=DELAYED)
        if s is None or not s.running or s.action not in _REBUILDS or s.speed_kib_s == 0:
            return False
        if s.finish_seconds is not None and s.finish_seconds > grace:
            return False  # no ETA (AppleRAID gives none): a progressing rebuild gets the benefit of the doubt
    return True


def _role_findings(role: RolePolicy, inv: HostInventory, grace: float = 0.0) -> list[Finding]:
    out: list[Finding] = []
    key = role.key
    vols = _role_volumes(role, inv)
    if not vols:
        if not role.optional and role.require != "none":
            out.append(
                _f(
                    "role-volume-missing",
                    f"role:{role.name}",
                    f"role {role.name}: none of {', '.join(role.covers)} is mounted",
                    f"{key}.covers",
                )
            )
        return out
    if role.require == "none":
        return out
    for v in vols:
        subject = v.mountpoint
        tol = v.failures_tolerated
        if tol is None:
            out.append(
                _f(
                    "role-not-redundant",
                    subject,
                    f"role {role.name}: {v.mountpoint} on {v.device}: redundancy unknown ({v.problem})",
                    f"{key}.require",
                )
            )
            continue
        if tol < 1:
            if "hardware" in role.kinds and v.redundancy == "none":
                out.append(
                    _f(
                        "role-hardware-unverifiable",
                        subject,
                        f"role {role.name}: {v.mountpoint} on {v.device} has no software redundancy; "
                        "the policy accepts hardware RAID here, which raidwatch cannot verify",
                        f"{key}.kinds",
                    )
                )
                continue
            state = "is unavailable" if tol < 0 else "does not survive the loss of one disk"
            how = f"{v.redundancy} with {len(v.disks)} disk(s)" if v.redundancy != "none" else "no redundancy"
            sev = None
            if tol == 0 and _rebuilding_within_grace(v, inv, grace):
                sev = W  # an expected rebuild after a disk swap: warn until the grace period runs out
                how += ", rebuilding within rebuild_grace"
            out.append(
                _f(
                    "role-not-redundant",
                    subject,
                    f"role {role.name}: {v.mountpoint} on {v.device} {state} ({how}); "
                    f"the policy requires {role.require}",
                    f"{key}.require",
                    sev,
                )
            )
            continue
        if role.require == "mirror" and tol + 1 < role.min_copies:
            out.append(
                _f(
                    "role-too-few-copies",
                    subject,
                    f"role {role.name}: {v.mountpoint} has {tol + 1} copies, the policy requires "
                    f"{role.min_copies}",
                    f"{key}.min_copies",
                )
            )
        if v.redundancy not in role.kinds:
            out.append(
                _f(
                    "role-kind-not-allowed",
                    subject,
                    f"role {role.name}: {v.mountpoint} is redundant through {v.redundancy}; allowed: "
                    f"{', '.join(role.kinds)}",
                    f"{key}.kinds",
                )
            )
        if role.hot_spare:
            arrays = [a for a in _arrays_under(v.stack, inv) if a.redundant_by_level]
            if arrays and not any(a.spare_members for a in arrays):
                names = ", ".join(a.name for a in arrays)
                out.append(
                    _f(
                        "role-spare-missing",
                        subject,
                        f"role {role.name}: no hot spare in {names} under {v.mountpoint}",
                        f"{key}.hot_spare",
                    )
                )
    return out


def _shared_disks(a: Array, inv: HostInventory) -> str:
    """Which of an array's members sit on one physical disk (partitions of one disk, namespaces of one NVMe
    drive, paths to one LUN): "nvme0n1p2 and nvme0n2p2 are on one disk, serial:MODEL:SERIAL"."""
    parents = {b.name: b.parent for b in inv.devices}
    on: dict[str, list[str]] = {}
    for m in a.members:
        if m.state is not MemberState.ACTIVE or m.in_sync is False:
            continue
        name: str | None = m.device
        for _ in range(8):  # partition -> its disk; a loop guard
            if name is None or inv.disk(name) is not None:
                break
            name = parents.get(name)
        d = inv.disk(name) if name is not None else None
        if d is not None:
            on.setdefault(d.identity, []).append(m.device)
    return "; ".join(
        f"{' and '.join(devs)} are on one disk, {ident}" for ident, devs in on.items() if len(devs) > 1
    )


def _array_findings(
    a: Array, grace: float, rebuild_elsewhere: bool = False, shared: str = ""
) -> list[Finding]:
    out: list[Finding] = []
    subject = a.name
    if a.is_container:
        return out
    if a.state != "active":
        out.append(
            _f("array-inactive", subject, f"{a.name} ({a.level or 'unknown level'}) is inactive", None)
        )
        return out
    sync = a.sync
    if a.redundant_by_level and a.failures_tolerated == 0 and not a.degraded:
        out.append(
            _f(
                "mirror-same-disk",
                subject,
                f"{a.name} ({a.level}, {a.in_sync_disks}/{a.raid_disks} in sync) has its members on "
                "shared physical disks" + (f" ({shared})" if shared else "") + ": one disk failure loses it",
                None,
            )
        )
    if a.degraded:
        missing = (a.raid_disks or 0) - (a.in_sync_disks or 0)
        what = (
            f"{a.name} ({a.level}) is degraded: {a.in_sync_disks}/{a.raid_disks} in sync, {missing} missing"
        )
        if sync is not None and sync.action in _REBUILDS and sync.running:
            pct = f"{sync.progress * 100:.1f}%" if sync.progress is not None else "?"
            if sync.speed_kib_s == 0 or (sync.finish_seconds is not None and sync.finish_seconds > grace):
                out.append(
                    _f(
                        "array-rebuild-stalled",
                        subject,
                        f"{what}; {sync.action.value} at {pct}, {_eta(sync.finish_seconds)}, "
                        f"speed {sync.speed_kib_s or 0} KiB/s: beyond the {grace / 3600:g}h grace",
                        "rebuild_grace",
                    )
                )
            else:
                out.append(
                    _f(
                        "array-rebuilding",
                        subject,
                        f"{what}; {sync.action.value} {pct}, {_eta(sync.finish_seconds)}",
                        "rebuild_grace",
                    )
                )
        elif sync is not None and sync.delayed and rebuild_elsewhere:
            # md rebuilds arrays that share disks one after another: the others say resync=DELAYED
            out.append(
                _f(
                    "array-rebuilding",
                    subject,
                    f"{what}; rebuild queued behind another array on the same disks (DELAYED)",
                    "rebuild_grace",
                )
            )
        else:
            queued = " (rebuild queued)" if sync is not None and not sync.running else ""
            out.append(_f("array-degraded", subject, what + queued, None))
    elif sync is not None:
        if sync.action.is_scrub and sync.running:
            pct = f" {sync.progress * 100:.1f}%" if sync.progress is not None else ""
            out.append(_f("array-scrub", subject, f"{a.name}: {sync.action.value}{pct} running", None))
        elif sync.running:
            pct = f"{sync.progress * 100:.1f}%" if sync.progress is not None else "?"
            out.append(
                _f(
                    "array-rebuilding",
                    subject,
                    f"{a.name}: {sync.action.value} {pct}, {_eta(sync.finish_seconds)}",
                    "rebuild_grace",
                )
            )
    if sync is not None and not sync.running:
        why = "DELAYED" if sync.delayed else "PENDING"
        out.append(_f("array-sync-queued", subject, f"{a.name}: {sync.action.value}={why}", None))
    for m in a.members:
        if m.state is MemberState.FAILED:
            out.append(
                _f(
                    "array-failed-member",
                    f"{a.name}/{m.device}",
                    f"{a.name}: member {m.device} is marked faulty",
                    None,
                )
            )
    if a.mismatch_cnt and (sync is None or not sync.running):
        out.append(
            _f("array-mismatch", subject, f"{a.name}: mismatch_cnt {a.mismatch_cnt} after a check", None)
        )
    if a.data_errors:
        out.append(
            _f(
                "array-data-errors",
                subject,
                f"{a.name}: {a.data_errors} permanent data error(s): files are damaged "
                "(`zpool status -v` names them; restore them from backup)",
                None,
            )
        )
    for member, count in a.member_errors:
        if count:
            out.append(
                _f(
                    "array-member-errors",
                    f"{a.name}/{member}",
                    f"{a.name}: member {member} counted {count} I/O or checksum error(s) since the "
                    "counters were last reset",
                    None,
                )
            )
    for d in a.disagreements:
        out.append(_f("array-sources-disagree", subject, f"{a.name}: {d}", None))
    return out


def _last_copy_findings(inv: HostInventory) -> list[Finding]:
    """Arrays still available whose loss of one more disk loses data, where that disk's SMART is WARN or
    FAIL: the degraded mirror's survivor with pending sectors, the raid5 survivor that is failing, the raid10
    copy set down to one member on a warning disk. The disk's reasons are its disk-smart-* finding's; this
    one names its verdict and first reason only."""
    from raidwatch.inventory import _StackBuilder
    from raidwatch.redundancy import single_points

    # the array's subtree in a volume's stack (the tree its margin was computed on), else built alike
    nodes: dict[str, StackNode] = {}
    kinds = {a.name: a.kind for a in inv.arrays}
    pending = [v.stack for v in inv.volumes if v.stack is not None]
    while pending:
        node = pending.pop()
        if kinds.get(node.name) == node.kind:
            nodes.setdefault(node.name, node)
        pending.extend(node.children)
    builder = _StackBuilder({d.name: d for d in inv.devices}, {a.name: a for a in inv.arrays})
    out: list[Finding] = []
    for a in inv.arrays:
        if a.is_container or a.state != "active" or not a.redundant_by_level:
            continue
        for key in single_points(nodes.get(a.name) or builder.node(a.name)):
            d = inv.disk(key)
            s = d.smart if d is not None else None
            if d is None or s is None or s.assessment not in ("WARN", "FAIL"):
                continue
            reasons = tuple(s.reasons)
            verdict = s.assessment + (f" ({reasons[0]}" if reasons else "")
            if len(reasons) > 1:
                verdict += f"; {len(reasons) - 1} more under disk:{d.name}"
            verdict += ")" if reasons else ""
            insync = f", {a.in_sync_disks}/{a.raid_disks} in sync" if a.raid_disks is not None else ""
            out.append(
                _f(
                    "array-last-copy-at-risk",
                    f"{a.name}/{d.name}",
                    f"{a.name} ({a.level}{insync}): the last in-sync copy of its data is on {d.name} "
                    f"({d.model or 'unknown model'}, {d.identity}, serial {d.serial or 'unknown'}), "
                    f"whose SMART says {verdict}: one more failure of that disk loses {a.name}",
                    None,
                )
            )
    return out


def _bytes_text(n: int) -> str:
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def _cache_findings(inv: HostInventory) -> list[Finding]:
    """Caches (bcache, dm-cache, dm-writecache). Warnings, not pages: while a writeback cache holds dirty
    data its device is in the volume's failure set, so the volume's own margin (role-not-redundant) pages
    for that; these name the cause, and cache-writeback-unmirrored stays while the cache happens to be
    clean, since the next write makes it the only copy again."""
    out: list[Finding] = []
    for c in inv.caches:
        what = f"{c.name} ({c.kind}" + (f" {c.label}" if c.label else "") + ")"
        tol = c.failures_tolerated
        if c.mode == "writeback" and c.cache_devices and tol is not None and tol < 1:
            devs = ", ".join(c.cache_devices)
            if c.dirty_bytes is None:
                now = "dirty data unknown: counted as the only copy"
            elif c.dirty_bytes > 0:
                now = f"{_bytes_text(c.dirty_bytes)} dirty now"
            else:
                now = "clean right now; the next write is the only copy again"
            out.append(
                _f(
                    "cache-writeback-unmirrored",
                    c.name,
                    f"{what} caches {c.origin or 'its origin'} in writeback mode on {devs}, which survives "
                    f"no disk loss: data written there is the only copy until written back ({now}); "
                    "mirror the cache device or switch to writethrough",
                    None,
                )
            )
        if c.error:
            out.append(_f("cache-error", c.name, f"{what}: {c.error}", None))
    return out


def _disk_findings(inv: HostInventory, policy: HostPolicy) -> list[Finding]:
    """SMART findings once per physical disk: the namespaces of one NVMe drive and the paths to one LUN
    share an identity and one reading, so they get one finding, naming every kernel name."""
    out: list[Finding] = []
    by_identity: dict[str, list] = {}
    for disk in inv.disks:
        by_identity.setdefault(disk.identity, []).append(disk)
    for same in by_identity.values():
        d = next((x for x in same if x.smart is not None), same[0])
        s = d.smart
        subject = f"disk:{d.name}"
        names = ", ".join(x.name for x in same)
        ident = f"{names} ({d.model or 'unknown model'}, {d.identity})"
        if s is None:
            # not attempted: no SMART behind it (virtio, Xen, eMMC), or smartctl is missing (that is
            # one collector-problem finding, not one per disk)
            continue
        if s.assessment == "FAIL":
            why = "; ".join(getattr(s, "reasons", ()) or ()) or "overall assessment FAILED"
            out.append(_f("disk-smart-failing", subject, f"{ident}: SMART {why}", None))
        elif s.assessment == "WARN":
            why = "; ".join(getattr(s, "reasons", ()) or ()) or "failure predictors present"
            out.append(_f("disk-smart-warning", subject, f"{ident}: SMART {why}", None))
        elif s.assessment == "UNKNOWN" and not s.standby and s.smart_supported is not False:
            # smart_supported False: smartctl read the device and it has no SMART (a RAID controller's
            # volume, an emulated disk): nothing went wrong reading it
            out.append(
                _f("disk-smart-unreadable", subject, f"{ident}: {s.message or 'SMART not readable'}", None)
            )
        for metric, thr in policy.smart.items():
            value = getattr(s, SMART_METRICS[metric], None)
            if value is None:
                continue
            if thr.critical is not None and value >= thr.critical:
                out.append(
                    _f(
                        "disk-smart-threshold",
                        subject,
                        f"{ident}: {metric} {value:g} >= critical {thr.critical:g}",
                        f"smart.{metric}",
                        C,
                    )
                )
            elif thr.warning is not None and value >= thr.warning:
                out.append(
                    _f(
                        "disk-smart-threshold",
                        subject,
                        f"{ident}: {metric} {value:g} >= warning {thr.warning:g}",
                        f"smart.{metric}",
                        W,
                    )
                )
    return out


def _ago(seconds: float) -> str:
    s = max(int(seconds), 0)
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    if s < 172800:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600}h"


def _blind_findings(blind: Sequence[Blindness]) -> list[Finding]:
    """One finding per blind collector, naming it, since when and why, and the age of what it serves."""
    out: list[Finding] = []
    for b in blind:
        sev = W if b.collector in BLIND_WARNING_ONLY else None
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(b.since))
        kept = (
            f"serving its last good data, {_ago(b.data_age_seconds)} old"
            if b.data_age_seconds is not None
            else "no good data from it yet"
        )
        msg = f"{b.collector}: {b.why} (since {since}); {kept}"
        subject = f"collector:{b.collector}"
        if b.state == "wedged":
            out.append(_f("collector-wedged", subject, msg, None, sev))
        elif b.state == "stale":
            out.append(_f("collector-stale", subject, msg, None, sev))
        else:
            out.append(_f("collector-failed", subject, msg, None, sev))
    return out


def evaluate(
    inv: HostInventory,
    policy: HostPolicy,
    today: date | None = None,
    extra: Sequence[Finding] = (),
    blind: Sequence[Blindness] = (),
) -> Evaluation:
    """All findings for one host. `today` is injectable for tests (exemption expiry); `extra` are
    findings made elsewhere (history: disks and members gone) that exemptions apply to as well; `blind`
    are the collectors the daemon cannot see through now (one finding each, instead of collector-failed)."""
    today = today or date.today()
    findings: list[Finding] = list(extra)
    if not policy.matched:
        findings.append(
            _f(
                "host-default-policy",
                f"host:{policy.host}",
                f"{policy.host} is named by no group or host entry: the defaults apply",
                "defaults",
            )
        )
    for role in policy.roles:
        findings.extend(_role_findings(role, inv, policy.rebuild_grace_seconds))
    for a in inv.arrays:
        findings.extend(
            _array_findings(a, policy.rebuild_grace_seconds, _rebuild_running(inv), _shared_disks(a, inv))
        )
    findings.extend(_last_copy_findings(inv))
    findings.extend(_cache_findings(inv))
    findings.extend(_disk_findings(inv, policy))
    blind_names = {b.collector for b in blind}
    for run in inv.collectors:
        if not run.success and not run.skipped:
            if run.name in blind_names:
                continue  # said once, below, with since when and the age of the data kept
            msg = "; ".join(p.message for p in run.problems) or "failed"
            sev = W if run.name in BLIND_WARNING_ONLY else None
            findings.append(_f("collector-failed", f"collector:{run.name}", f"{run.name}: {msg}", None, sev))
        else:
            for p in run.problems:
                findings.append(
                    _f(
                        "collector-problem",
                        f"collector:{run.name}",
                        f"{run.name}: {p.subject}: {p.message}",
                        None,
                    )
                )
    findings.extend(_blind_findings(blind))
    kept: list[Finding] = []
    exempted: list[tuple[Finding, str]] = []
    for f in findings:
        ex = next(
            (e for e in policy.exemptions if e.code == f.code and fnmatch.fnmatchcase(f.subject, e.subject)),
            None,
        )
        if ex is None:
            kept.append(f)
        elif ex.expires < today:
            kept.append(
                replace(f, message=f"{f.message} (exemption {ex.key} expired {ex.expires.isoformat()})")
            )
        else:
            exempted.append((f, ex.key))
    for e in policy.exemptions:
        if e.expires < today:
            kept.append(
                _f(
                    "exemption-expired",
                    f"exemption:{e.code}:{e.subject}",
                    f"exemption for {e.code} on {e.subject} expired {e.expires.isoformat()} "
                    f"(reason was: {e.reason})",
                    e.key,
                )
            )
    order = {C: 0, W: 1, INFO: 2}
    kept.sort(key=lambda f: (order[f.severity], f.code not in _FIRST, f.code, f.subject))
    roles = tuple(
        RoleCoverage(r.name, r.require, tuple(v.mountpoint for v in _role_volumes(r, inv)), r.optional)
        for r in policy.roles
    )
    return Evaluation(
        host=policy.host, findings=tuple(kept), exempted=tuple(exempted), layers=policy.layers, roles=roles
    )
