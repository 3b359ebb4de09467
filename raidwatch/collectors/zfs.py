"""ZFS: `zpool status -P` -> one Array per pool (a stripe over its top-level vdevs) and per redundant vdev."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from raidwatch.collectors.base import Collector, Contribution, blinding
from raidwatch.errors import ParseError, ProbeError
from raidwatch.model import Array, HostHeader, Member, MemberState, Mount, Problem, SyncAction, SyncStatus
from raidwatch.parsers.zpool import FAILED_STATES, PoolStatus, ScanStatus, Vdev, parse_zpool_status
from raidwatch.probe import CommandResult, Probe

log = logging.getLogger(__name__)

STATUS_ARGV = ("zpool", "status", "-P")  # -P: full device paths, so leaves map to kernel names
TIMEOUT = 30.0
ZPOOL = "command:zpool"  # what saw()/seen() remember zpool answering under
# A pool in one of these states serves no data at all.
DOWN_POOL_STATES = frozenset({"FAULTED", "UNAVAIL", "SUSPENDED"})
# Leaf states that still serve reads (DEGRADED: too many errors, but the device is still in use).
SERVING_STATES = frozenset({"ONLINE", "DEGRADED"})
# Where udev keeps the names zpool prints without -P (tried in order for a bare name).
_LINK_DIRS = (
    "/dev/disk/by-id",
    "/dev/disk/by-vdev",
    "/dev/disk/by-path",
    "/dev/disk/by-partuuid",
    "/dev/disk/by-partlabel",
    "/dev/mapper",
)
_GUID_RE = re.compile(r"^\d{8,}$")  # a device ZFS cannot find is shown by its GUID
_NO_MODULE_RE = re.compile(r"modules are not loaded|/dev/zfs and /proc/self/mounts are required", re.I)


def _no_pools(res: CommandResult) -> bool:
    return "no pools available" in (res.stdout + "\n" + res.stderr) and not res.stdout.strip().startswith(
        "pool:"
    )


def kernel_name(probe: Probe, name: str) -> str:
    """A leaf as zpool prints it -> the kernel's name for it (sda1, nvme0n1p3, dm-2) where it can tell.

    `/dev/sda1` -> sda1; `/dev/disk/by-id/ata-X-part1` -> the link's target (sda1), or `ata-X-part1` when
    the link cannot be read; a bare name (no -P) is looked up in the udev link directories; a GUID (a lost
    device) and a file vdev's path stay as they are."""
    if _GUID_RE.match(name):
        return name
    if name.startswith("/dev/"):
        rel = name[len("/dev/") :]
        if "/" not in rel:
            return rel
        try:
            return probe.read_link(name).rstrip("/").rsplit("/", 1)[-1]
        except ProbeError as exc:
            if blinding(exc):
                raise
            return rel.rsplit("/", 1)[-1]
    if name.startswith("/"):
        return name  # a file vdev
    for d in _LINK_DIRS:
        try:
            return probe.read_link(f"{d}/{name}").rstrip("/").rsplit("/", 1)[-1]
        except ProbeError as exc:
            if blinding(exc):
                raise
            continue
    return name


def serves(v: Vdev) -> bool:
    """Does this slot hold current data? A leaf: serving state and not being resilvered. A spare-N or
    replacing-N group: when any of its children does. Any other vdev: when it is not failed."""
    if v.is_leaf:
        return v.state in SERVING_STATES and not v.resilvering
    if v.kind in ("spare", "replacing"):
        return any(serves(c) for c in v.children)
    return v.state not in FAILED_STATES


def _member_state(v: Vdev) -> MemberState:
    if v.state in FAILED_STATES:
        return MemberState.FAILED
    if v.state in ("AVAIL", "INUSE"):
        return MemberState.SPARE
    return MemberState.ACTIVE


def _leaf_errors(v: Vdev) -> int:
    """READ + WRITE + CKSUM as zpool counts them (since the last `zpool clear`)."""
    return sum(x or 0 for x in (v.read_errors, v.write_errors, v.checksum_errors))


def _raw(v: Vdev) -> str:
    return " ".join(x for x in (v.state, v.note) if x)


def _level(v: Vdev) -> str:
    kind = v.kind
    if kind in ("spare", "replacing", "group"):
        return "mirror"  # any one child that holds current data serves the slot
    return kind


def _sync(scan: ScanStatus | None) -> SyncStatus | None:
    if scan is None or scan.state not in ("in progress", "paused"):
        return None
    action = SyncAction.RECOVERY if scan.function == "resilver" else SyncAction.CHECK
    return SyncStatus(
        action=action,
        progress=scan.progress,
        finish_seconds=scan.to_go_seconds if scan.state == "in progress" else None,
        pending=scan.state == "paused",  # a paused scrub is not progressing
    )


def _resilvering(v: Vdev) -> bool:
    return any(leaf.resilvering for leaf in v.leaves())


def pool_arrays(
    pool: PoolStatus,
    resolve: Callable[[str], str],
    mounts: Sequence[Mount] = (),
    notes: list[str] | None = None,
) -> list[Array]:
    """One parsed pool -> the pool's Array, then one Array per redundant vdev (nested spare/replacing
    groups included). Pure apart from `resolve` (leaf name -> kernel name)."""
    notes = notes if notes is not None else []
    prefix = f"zfs:{pool.name}"
    sync = _sync(pool.scan)
    arrays: list[Array] = []

    def vdev_array(v: Vdev, name: str) -> Array:
        members = []
        for i, c in enumerate(v.children):
            if c.is_leaf:
                device = resolve(c.name)
            else:
                device = f"{name}/{c.name}"
                arrays.append(vdev_array(c, device))
            members.append(
                Member(
                    device=device,
                    slot=i,
                    state=_member_state(c),
                    role=i,
                    in_sync=serves(c),
                    rebuilding=c.resilvering or (not c.is_leaf and _resilvering(c) and not serves(c)),
                    raw_state=_raw(c),
                )
            )
        in_sync = sum(1 for m in members if m.in_sync and m.state is MemberState.ACTIVE)
        errors = tuple(
            (m.device, _leaf_errors(c))
            for m, c in zip(members, v.children, strict=True)
            if c.is_leaf and _leaf_errors(c)
        )
        vsync = sync if sync is not None and sync.action is SyncAction.RECOVERY and _resilvering(v) else None
        return Array(
            name=name,
            level=_level(v),
            state="inactive" if v.state in FAILED_STATES else "active",
            raid_disks=len(members),
            in_sync_disks=in_sync,
            degraded=in_sync < len(members) or v.state not in ("ONLINE", None),
            members=tuple(members),
            sync=vsync,
            kind="zfs",
            sources=("zpool status",),
            member_errors=errors,
        )

    tops = pool.data_vdevs
    members: list[Member] = []
    for i, v in enumerate(tops):
        if v.is_leaf:
            device = resolve(v.name)
            notes.append(f"pool {pool.name}: {v.name} is a single-disk top-level vdev (no redundancy)")
        else:
            device = f"{prefix}/{v.name}"
            arrays.append(vdev_array(v, device))
        members.append(
            Member(
                device=device,
                slot=i,
                state=MemberState.FAILED if v.state in FAILED_STATES else MemberState.ACTIVE,
                role=i,
                in_sync=serves(v),
                raw_state=_raw(v),
            )
        )
    for s in pool.spares:
        members.append(Member(device=resolve(s.name), state=MemberState.SPARE, raw_state=_raw(s)))
    for cls in ("logs", "cache"):
        for v in getattr(pool, cls):
            notes.append(
                f"pool {pool.name}: {cls} vdev {v.name} ({v.state}) holds no pool data: "
                "not counted for redundancy"
            )
    if pool.special or pool.dedup:
        notes.append(f"pool {pool.name}: special/dedup vdevs hold pool data: counted like data vdevs")
    n = len(tops)
    in_sync = sum(1 for m in members if m.state is MemberState.ACTIVE and m.in_sync)
    mountpoints = sorted(
        {
            m.mountpoint
            for m in mounts
            if m.fstype == "zfs" and (m.device == pool.name or m.device.startswith(pool.name + "/"))
        }
    )
    pool_array = Array(
        name=prefix,
        level="stripe",  # any top-level vdev lost = the pool lost
        state="inactive" if pool.state in DOWN_POOL_STATES else "active",
        raid_disks=n,
        in_sync_disks=in_sync if pool.state not in DOWN_POOL_STATES else 0,
        # a stripe is degraded only when a top-level vdev is missing (then it is down); a degraded
        # vdev is said once, by its own Array, not again by the pool
        degraded=in_sync < n,
        members=tuple(members),
        sync=sync,
        kind="zfs",
        sources=("zpool status",),
        data_errors=pool.data_errors,
        label=pool.name,
        mountpoints=tuple(mountpoints),
    )
    if pool.state == "DEGRADED" and not any(a.degraded for a in arrays) and in_sync == n:
        notes.append(f"pool {pool.name}: DEGRADED, but every data vdev is whole (a log or cache device?)")
    if pool.status:
        notes.append(f"pool {pool.name}: status: {pool.status}")
    return [pool_array, *arrays]


class ZfsCollector(Collector):
    """Every imported ZFS pool and its vdev tree, from `zpool status -P`."""

    name = "zfs"
    platforms = frozenset({"Linux", "Darwin", "FreeBSD"})

    def __init__(self) -> None:
        self._pending: tuple[Probe, CommandResult] | None = None

    def _status(self, probe: Probe) -> CommandResult:
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] is probe:
            return pending[1]
        return probe.run(STATUS_ARGV, timeout=TIMEOUT)

    def applicable(self, probe: Probe, header: HostHeader) -> str | None:
        reason = super().applicable(probe, header)
        if reason:
            return reason
        res = probe.run(STATUS_ARGV, timeout=TIMEOUT)
        if res.missing and not self.seen(probe, ZPOOL):
            return "zpool not installed"  # (once it answered, collect() reports it gone: critical)
        if _no_pools(res):
            return "no ZFS pools (zpool status: no pools available)"
        if res.returncode and _NO_MODULE_RE.search(res.stdout + res.stderr):
            return "the ZFS kernel module is not loaded"
        self._pending = (probe, res)  # collect() uses this run instead of running zpool again
        return None

    def collect(self, probe: Probe) -> Contribution:
        try:
            return self._collect(probe)
        except ProbeError as exc:  # only reads that could not look get here (timeout, out of descriptors)
            return Contribution(problems=(self.item_problem(exc.subject, exc),))

    def _collect(self, probe: Probe) -> Contribution:
        res = self._status(probe)
        argv = " ".join(STATUS_ARGV)
        notes: list[str] = []
        problems: list[Problem] = []
        if res.missing:
            why = res.describe_failure()
            if self.seen(probe, ZPOOL):
                why += ": it answered before; the last pools read are kept"
            return Contribution(problems=(self.problem(argv, why, "critical"),))
        if res.returncode is not None and not res.timed_out:
            self.saw(probe, ZPOOL)
        if _no_pools(res):
            return Contribution(notes=("no pools available",))
        if res.timed_out or (res.returncode != 0 and not res.stdout.strip()):
            return Contribution(
                problems=(self.problem(argv, res.describe_failure() or "no output", "critical"),)
            )
        try:
            # one unreadable pool is a critical problem for that pool; the others still come through
            status = parse_zpool_status(res.stdout, argv, keep_going=True)
        except ParseError as exc:
            return Contribution(problems=(self.problem(argv, str(exc), "critical"),))
        problems.extend(self.problem(argv, str(e), "critical") for e in status.errors)
        if res.returncode != 0:
            problems.append(self.problem(argv, res.describe_failure()))
        notes.extend(status.warnings)
        try:
            mounts = probe.mounts()
        except ProbeError as exc:
            if blinding(exc):
                raise
            mounts = []
            problems.append(self.problem("mount table", f"could not list mounts: {exc}"))
        except Exception as exc:  # psutil raises its own types; the pools still count
            mounts = []
            problems.append(self.problem("mount table", f"could not list mounts: {exc}"))
        cache: dict[str, str] = {}

        def resolve(name: str) -> str:
            if name not in cache:
                cache[name] = kernel_name(probe, name)
            return cache[name]

        arrays: list[Array] = []
        for pool in status.pools:
            arrays.extend(pool_arrays(pool, resolve, mounts, notes))
        for n in notes:
            log.debug("zfs: %s", n)
        return Contribution(arrays=tuple(arrays), problems=tuple(problems), notes=tuple(notes))


__all__ = ["STATUS_ARGV", "ZfsCollector", "kernel_name", "pool_arrays", "serves"]
