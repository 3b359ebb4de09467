"""device-mapper targets read for what they are (LVM RAID and mirrors, dm-cache/lvmcache, dm-writecache)
through `dmsetup table` and `dmsetup status`, and bcache caches from sysfs.

What sysfs alone says is used first: each /sys/block/dm-N has dm/name, dm/uuid (LVM-, CRYPT-, mpath-,
partN-, ...) and slaves. `dmsetup` is run (once `table`, once `status`, for all devices) only when a dm
device's target cannot be told from that: an LVM LV that sits on other LVs of its own volume group (raid
legs, a cache pool, a thin pool, a snapshot's cow, ...) or a dm device of no known subsystem. A host with
only plain LVM, crypt and multipath runs no command at all.

Contributes one Array per dm-raid / dm-mirror device (kind "lvm" for an LVM LV, "dm" otherwise), keyed
by its kernel name dm-N, whose members are the legs (a leg: the rimage sub-LV, its rmeta as
Member.meta_device); one Cache per bcache, dm-cache and dm-writecache device; one DmMap per dm device
dmsetup described (its targets), or with a note for those it was needed for and could not be had.

Least privilege: dmsetup talks to /dev/mapper/control, which needs root (CAP_SYS_ADMIN). Refused, it is
one problem and the stack falls back to sysfs's view (every slave needed); the bcache files are
world-readable and no device is opened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from raidwatch.collectors.base import Collector, Contribution, blinding
from raidwatch.errors import ParseError, ProbeError
from raidwatch.model import (
    Array,
    Cache,
    DmMap,
    HostHeader,
    Member,
    MemberState,
    Problem,
    SyncAction,
    SyncStatus,
)
from raidwatch.parsers import bcache as bc
from raidwatch.parsers.dmsetup import (
    DmLine,
    DmReport,
    MirrorStatus,
    RaidStatus,
    RaidTable,
    parse_cache_status,
    parse_cache_table,
    parse_dmsetup,
    parse_mirror_status,
    parse_raid_status,
    parse_raid_table,
    parse_writecache_status,
    parse_writecache_table,
    split_lvm_name,
)
from raidwatch.parsers.sysblock import parse_devno
from raidwatch.probe import CommandResult, Probe

log = logging.getLogger(__name__)

SYS_BLOCK = "/sys/block"
SYS_DEV_BLOCK = "/sys/dev/block"
SYS_FS_BCACHE = "/sys/fs/bcache"
TABLE_ARGV = ("dmsetup", "table")
STATUS_ARGV = ("dmsetup", "status")
TIMEOUT = 10.0
# dm uuid prefixes whose mapping is known without dmsetup: dm-crypt/integrity/verity (cryptsetup),
# dm-multipath and kpartx partitions ("part1-mpath-...")
PLAIN_PREFIXES = ("CRYPT-", "mpath-", "part")
PERMISSION_HINT = (
    "permission denied: dmsetup needs root (CAP_SYS_ADMIN, for /dev/mapper/control); LVM RAID, dm-cache and "
    "dm-writecache are judged from sysfs alone (every slave needed)"
)
MISSING_HINT = (
    "dmsetup not found (install the device-mapper tools, e.g. the dmsetup or lvm2 package); LVM RAID, "
    "dm-cache and dm-writecache are judged from sysfs alone (every slave needed)"
)
UNREAD_NOTE = "targets unknown: dmsetup not read"
_ACTIONS = {
    "resync": SyncAction.RESYNC,
    "init": SyncAction.RESYNC,
    "recover": SyncAction.RECOVERY,
    "check": SyncAction.CHECK,
    "repair": SyncAction.REPAIR,
    "reshape": SyncAction.RESHAPE,
}


@dataclass(frozen=True)
class DmSysfs:
    """What /sys/block/dm-N says of one dm device."""

    name: str  # dm-3
    dm_name: str | None
    uuid: str | None
    slaves: tuple[str, ...]
    devno: str | None
    size_bytes: int | None = None


def needs_dmsetup(devs: dict[str, DmSysfs]) -> list[str]:
    """The dm devices whose target sysfs cannot tell: LVM LVs layered on LVs of their own VG (raid, mirror,
    cache, writecache, thin, snapshot, ...) and devices of no known subsystem (no uuid, dmraid, ...)."""
    out = []
    for name, d in sorted(devs.items()):
        uuid = d.uuid or ""
        if uuid.startswith(PLAIN_PREFIXES):
            continue
        if uuid.startswith("LVM-"):
            vg = uuid[: 4 + 32]
            if any((devs[s].uuid or "").startswith(vg) for s in d.slaves if s in devs):
                out.append(name)
            continue
        out.append(name)
    return out


def lvm_label(dm_name: str | None, uuid: str | None) -> str | None:
    """vg/lv for an LVM device (its dm name otherwise)."""
    if dm_name and (uuid or "").startswith("LVM-"):
        split = split_lvm_name(dm_name)
        if split is not None:
            vg, lv, layer = split
            return f"{vg}/{lv}" + (f" ({layer})" if layer else "")
    return dm_name


def _lv_uuid(uuid: str | None) -> str | None:
    u = uuid or ""
    if not u.startswith("LVM-"):
        return None
    return u[4 + 32 : 4 + 64] or None


def raid_array(
    sysfs: DmSysfs,
    lines: tuple[DmLine, ...],
    status: RaidStatus,
    table: RaidTable | None,
    resolve: Callable[[str], str],
    by_name: dict[str, str] | None = None,
) -> Array:
    """Pure: a dm-raid device -> an Array whose members are its legs (rimage, with its rmeta). Without
    a table (or for a '-' in it) a leg is found by LVM's sub-LV name (`by_name`: dm name -> kernel name)."""
    n = status.devices
    if table is not None and len(table.legs) != n:
        table = None  # reloaded between the two commands: the status alone is judged
    legs: tuple[tuple[str | None, str | None], ...] = (
        table.legs if table is not None else tuple((None, None) for _ in range(n))
    )
    action = _ACTIONS.get(status.sync_action or "")
    whole_set = all(c == "a" for c in status.health)  # resync/reshape: dm-raid shows every device 'a'
    base = sysfs.dm_name or sysfs.name
    names = by_name or {}

    def leg(devno: str | None, sub: str, i: int) -> str | None:
        if devno is not None:
            return resolve(devno)
        guess = f"{base}_{sub}_{i}"
        return names.get(guess, guess if sub == "rimage" else None)

    members = []
    for i, ch in enumerate(status.health):
        meta, data = legs[i]
        device = leg(data, "rimage", i) or f"{base}_rimage_{i}"
        meta_dev = leg(meta, "rmeta", i)
        if ch in ("D", "-") or (data is None and table is not None):
            members.append(
                Member(
                    device,
                    slot=i,
                    state=MemberState.FAILED,
                    role=i,
                    in_sync=False,
                    raw_state=ch,
                    meta_device=meta_dev,
                )
            )
        elif ch == "a" and not whole_set:
            rebuilding = action in (SyncAction.RECOVERY, SyncAction.RESHAPE)
            members.append(
                Member(
                    device,
                    slot=i,
                    role=i,
                    in_sync=False,
                    rebuilding=rebuilding,
                    raw_state=ch,
                    meta_device=meta_dev,
                )
            )
        else:
            members.append(Member(device, slot=i, role=i, in_sync=True, raw_state=ch, meta_device=meta_dev))
    in_sync = sum(1 for m in members if m.in_sync and m.state is MemberState.ACTIVE)
    sync = None
    if action is not None:
        sync = SyncStatus(
            action=action,
            progress=status.sync_ratio,
            done_blocks=status.sync_done,
            total_blocks=status.sync_total,
        )
    level = status.level
    size = sum(seg.length for seg in lines) * 512 if lines else sysfs.size_bytes
    return Array(
        name=sysfs.name,
        level=level,
        state="active",
        raid_disks=n,
        in_sync_disks=in_sync,
        degraded=level != "raid0" and in_sync < n,
        members=tuple(members),
        sync=sync,
        size_bytes=size,
        status_map="".join("U" if m.in_sync and m.state is MemberState.ACTIVE else "_" for m in members),
        chunk_kib=table.chunk_sectors // 2 if table is not None and table.chunk_sectors else None,
        copies=table.copies if table is not None else (2 if level == "raid10" else None),
        uuid=_lv_uuid(sysfs.uuid),
        mismatch_cnt=status.mismatch_cnt,
        kind="lvm" if (sysfs.uuid or "").startswith("LVM-") else "dm",
        sources=("dmsetup",),
        label=lvm_label(sysfs.dm_name, sysfs.uuid),
    )


def mirror_array(
    sysfs: DmSysfs, lines: tuple[DmLine, ...], status: MirrorStatus, resolve: Callable[[str], str]
) -> Array:
    """Pure: a dm-mirror device (LVM's older `mirror` segment type, dmraid RAID1) -> an Array."""
    members = []
    for i, (dev, ch) in enumerate(zip(status.devices, status.health, strict=True)):
        if ch in ("D", "S", "U"):
            members.append(
                Member(resolve(dev), slot=i, state=MemberState.FAILED, role=i, in_sync=False, raw_state=ch)
            )
        else:  # A, or R: a read failed, the leg's data is unaffected (dm-raid1.c)
            members.append(Member(resolve(dev), slot=i, role=i, in_sync=True, raw_state=ch))
    n = len(members)
    in_sync = sum(1 for m in members if m.in_sync)
    sync = None
    if status.regions and status.in_sync_regions < status.regions:
        sync = SyncStatus(
            SyncAction.RESYNC,
            progress=status.in_sync_regions / status.regions,
            done_blocks=status.in_sync_regions,
            total_blocks=status.regions,
        )
    return Array(
        name=sysfs.name,
        level="raid1",
        state="active",
        raid_disks=n,
        in_sync_disks=in_sync,
        degraded=in_sync < n,
        members=tuple(members),
        sync=sync,
        size_bytes=sum(seg.length for seg in lines) * 512 if lines else sysfs.size_bytes,
        status_map="".join("U" if m.in_sync else "_" for m in members),
        uuid=_lv_uuid(sysfs.uuid),
        kind="lvm" if (sysfs.uuid or "").startswith("LVM-") else "dm",
        sources=("dmsetup",),
        label=lvm_label(sysfs.dm_name, sysfs.uuid),
    )


def cache_from(
    sysfs: DmSysfs,
    table: DmLine,
    status: DmLine | None,
    resolve: Callable[[str], str],
    source: str,
) -> Cache:
    """Pure: a dm-cache or dm-writecache device -> a Cache. Raises ParseError on a table it cannot read."""
    label = lvm_label(sysfs.dm_name, sysfs.uuid)
    if table.target == "cache":
        t = parse_cache_table(table.args, source)
        s = None
        if status is not None and status.target == "cache":
            s = parse_cache_status(status.args, source)
        mode = (s.mode if s is not None else None) or t.mode
        error = None
        state = None
        if s is not None:
            state = s.metadata_mode or None
            if s.failed:
                error = "the cache failed (status Fail): no I/O is permitted until its metadata is repaired"
            elif s.needs_check:
                error = "the cache metadata needs checking (needs_check)"
            elif s.metadata_mode == "ro":
                error = "the cache metadata is read-only"
        block = (s.block_sectors if s is not None and s.block_sectors else t.block_sectors) * 512
        return Cache(
            name=sysfs.name,
            kind="dm-cache",
            mode=mode,
            origin=resolve(t.origin_dev),
            cache_devices=tuple(dict.fromkeys((resolve(t.cache_dev), resolve(t.metadata_dev)))),
            dirty_bytes=s.dirty_bytes if s is not None else None,
            state=state,
            error=error,
            label=label,
            size_bytes=s.total_blocks * block if s is not None and s.total_blocks is not None else None,
            used_bytes=s.used_blocks * block if s is not None and s.used_blocks is not None else None,
        )
    w = parse_writecache_table(table.args, source)
    ws = None
    if status is not None and status.target == "writecache":
        ws = parse_writecache_status(status.args, source)
    return Cache(
        name=sysfs.name,
        kind="dm-writecache",
        mode="writeback",  # dm-writecache only caches writes: every block it holds is the only copy
        origin=resolve(w.origin_dev),
        cache_devices=(resolve(w.cache_dev),),
        dirty_bytes=ws.dirty_blocks * w.block_size if ws is not None else None,
        state=("error" if ws.error else "ok") if ws is not None else None,
        error=f"the cache reported I/O error {ws.error}" if ws is not None and ws.error else None,
        label=label,
        size_bytes=ws.blocks * w.block_size if ws is not None else None,
        used_bytes=ws.dirty_blocks * w.block_size if ws is not None else None,
    )


class DmCollector(Collector):
    """LVM RAID/mirror arrays, dm caches and bcache; `dmsetup` only where sysfs cannot tell."""

    name = "dm"
    timeout = TIMEOUT

    def applicable(self, probe: Probe, header: HostHeader) -> str | None:
        reason = super().applicable(probe, header)
        if reason:
            return reason
        try:
            names = probe.list_dir(SYS_BLOCK)
        except ProbeError:
            return None  # let collect() say why
        if not any(n.startswith(("dm-", "bcache")) for n in names):
            return "no device-mapper or bcache devices"
        return None

    # ------------------------------------------------------------------------------------------ reading

    def _opt(self, probe: Probe, path: str) -> str | None:
        return self.optional(probe, path)  # unknown when unreadable; a timeout or exhaustion raises

    @staticmethod
    def _slaves(probe: Probe, base: str) -> tuple[str, ...]:
        try:
            return tuple(probe.list_dir(f"{base}/slaves"))
        except ProbeError as exc:
            if blinding(exc):
                raise
            return ()

    def _sysfs(self, probe: Probe, name: str) -> DmSysfs:
        base = f"{SYS_BLOCK}/{name}"
        slaves = self._slaves(probe, base)
        size = self._opt(probe, f"{base}/size")
        return DmSysfs(
            name=name,
            dm_name=self._opt(probe, f"{base}/dm/name") or None,
            uuid=self._opt(probe, f"{base}/dm/uuid") or None,
            slaves=slaves,
            devno=parse_devno(self._opt(probe, f"{base}/dev")),
            size_bytes=int(size) * 512 if size and size.isdecimal() else None,
        )

    def _run(self, probe: Probe, argv: tuple[str, ...]) -> tuple[str | None, str | None, str]:
        """(stdout, None, "") or (None, why it could not be had, severity): critical when dmsetup hung, could
        not start for want of resources, or answered before and is now gone (blind), else a warning."""
        res: CommandResult = probe.run(list(argv), timeout=self.timeout)
        if self.command_lost(probe, res, "dmsetup"):
            return None, f"{MISSING_HINT} (it answered before)", "critical"
        if res.timed_out or res.exhausted:
            return None, res.describe_failure(), "critical"
        out, why = self._answer(res)
        return out, why, "warning"

    @staticmethod
    def _answer(res: CommandResult) -> tuple[str | None, str | None]:
        if res.missing:
            return None, MISSING_HINT
        text = (res.stderr + res.stdout).lower()
        if res.returncode not in (0, None) and (
            "permission denied" in text or "operation not permitted" in text
        ):
            return None, PERMISSION_HINT
        if res.timed_out or res.returncode != 0:
            return None, res.describe_failure() or "failed"
        return res.stdout, None

    def collect(self, probe: Probe) -> Contribution:
        try:
            return self._collect(probe)
        except ProbeError as exc:  # only reads that could not look get here (timeout, out of descriptors)
            return Contribution(problems=(self.item_problem(exc.subject, exc),))

    def _collect(self, probe: Probe) -> Contribution:
        problems: list[Problem] = []
        notes: list[str] = []
        try:
            names = probe.list_dir(SYS_BLOCK)
        except ProbeError as exc:
            return Contribution(problems=(self.source_problem(probe, SYS_BLOCK, exc),))
        self.saw(probe, SYS_BLOCK)
        caches: list[Cache] = []
        for name in names:
            if name.startswith("bcache"):
                try:
                    caches.append(self._bcache(probe, name, notes))
                except ProbeError as exc:
                    problems.append(self.item_problem(f"{SYS_BLOCK}/{name}/bcache", exc))
                except ParseError as exc:
                    problems.append(self.problem(f"{SYS_BLOCK}/{name}/bcache", str(exc)))
        devs = {n: self._sysfs(probe, n) for n in names if n.startswith("dm-")}
        wanted = needs_dmsetup(devs)
        if not wanted:
            return Contribution(caches=tuple(caches), problems=tuple(problems), notes=tuple(notes))
        reports: dict[str, DmReport] = {}
        for argv in (TABLE_ARGV, STATUS_ARGV):
            command = " ".join(argv)
            out, why, severity = self._run(probe, argv)
            if why is not None:
                problems.append(self.problem(command, why, severity))
                break
            try:
                reports[argv[1]] = parse_dmsetup(out or "", command)
            except ParseError as exc:
                problems.append(self.problem(command, str(exc)))
                break
            notes.extend(reports[argv[1]].warnings)
        if len(reports) < 2:
            maps = tuple(DmMap(n, devs[n].dm_name, note=UNREAD_NOTE) for n in wanted)
            return Contribution(
                caches=tuple(caches), dm_maps=maps, problems=tuple(problems), notes=tuple(notes)
            )
        arrays, dm_caches, maps = self._targets(
            probe, devs, reports["table"], reports["status"], problems, notes
        )
        for n in notes:
            log.debug("dm: %s", n)
        return Contribution(
            arrays=tuple(arrays),
            caches=tuple(caches + dm_caches),
            dm_maps=tuple(maps),
            problems=tuple(problems),
            notes=tuple(notes),
        )

    def _resolver(self, probe: Probe, devs: dict[str, DmSysfs]) -> Callable[[str], str]:
        """major:minor -> kernel name: dm devices from their dev file, others from /sys/dev/block links."""
        known = {d.devno: d.name for d in devs.values() if d.devno}

        def resolve(devno: str) -> str:
            if devno not in known:
                try:
                    target = probe.read_link(f"{SYS_DEV_BLOCK}/{devno}")
                    known[devno] = target.rstrip("/").rsplit("/", 1)[-1] or devno
                except ProbeError as exc:
                    if blinding(exc):
                        raise
                    known[devno] = devno  # left as major:minor: the stack shows it as unknown
            return known[devno]

        return resolve

    def _targets(
        self,
        probe: Probe,
        devs: dict[str, DmSysfs],
        table: DmReport,
        status: DmReport,
        problems: list[Problem],
        notes: list[str],
    ) -> tuple[list[Array], list[Cache], list[DmMap]]:
        resolve = self._resolver(probe, devs)
        by_name = {d.dm_name: d.name for d in devs.values() if d.dm_name}
        arrays: list[Array] = []
        caches: list[Cache] = []
        maps: list[DmMap] = []
        for name, sysfs in sorted(devs.items(), key=lambda kv: _dm_sort_key(kv[0])):
            key = sysfs.dm_name
            lines = table.devices.get(key or "")
            if key is None or lines is None:
                continue  # appeared or went between the sysfs listing and dmsetup
            maps.append(DmMap(name, key, tuple(seg.target for seg in lines)))
            stat = status.devices.get(key, ())
            if not lines:
                continue
            first, sfirst = lines[0], (stat[0] if stat else None)
            subject = f"dmsetup status {key}"
            try:
                if first.target == "raid" and sfirst is not None and sfirst.target == "raid":
                    if len(lines) > 1:
                        notes.append(f"{key}: {len(lines)} raid segments; the first one is judged")
                    rs = parse_raid_status(sfirst.args, subject)
                    rt = None
                    try:
                        rt = parse_raid_table(first.args, f"dmsetup table {key}")
                    except ParseError as exc:
                        problems.append(self.problem(f"dmsetup table {key}", str(exc)))
                    arrays.append(raid_array(sysfs, lines, rs, rt, resolve, by_name))
                elif first.target == "mirror" and sfirst is not None and sfirst.target == "mirror":
                    arrays.append(
                        mirror_array(sysfs, lines, parse_mirror_status(sfirst.args, subject), resolve)
                    )
                elif first.target in ("cache", "writecache"):
                    caches.append(cache_from(sysfs, first, sfirst, resolve, f"dmsetup {key}"))
            except ParseError as exc:
                problems.append(self.problem(subject, str(exc)))
        return arrays, caches, maps

    def _bcache(self, probe: Probe, name: str, notes: list[str]) -> Cache:
        base = f"{SYS_BLOCK}/{name}"
        bdir = f"{base}/bcache"
        slaves = self._slaves(probe, base)
        mode_text = self._opt(probe, f"{bdir}/cache_mode")
        dirty_text = self._opt(probe, f"{bdir}/dirty_data")
        state_text = self._opt(probe, f"{bdir}/state")
        mode = bc.parse_cache_mode(mode_text, f"{bdir}/cache_mode") if mode_text else None
        dirty = bc.parse_human_bytes(dirty_text, f"{bdir}/dirty_data") if dirty_text else None
        state = bc.parse_state(state_text, f"{bdir}/state") if state_text else None
        cache_devices: list[str] = []
        try:
            cset = probe.read_link(f"{bdir}/cache").rstrip("/").rsplit("/", 1)[-1]
        except ProbeError as exc:
            if blinding(exc):
                raise
            cset = None
            if state not in (None, "no cache") or exc.reason != "missing":
                notes.append(f"{name}: no cache set link ({exc}); state {state}")
        if cset:
            setdir = f"{SYS_FS_BCACHE}/{cset}"
            try:
                entries = probe.list_dir(setdir)
            except ProbeError as exc:
                raise ProbeError(setdir, exc.reason, f"cache set of {name}") from None
            for entry in entries:
                if entry.startswith("cache") and entry[5:].isdecimal():
                    dev = bc.device_of_link(probe.read_link(f"{setdir}/{entry}"))
                    if dev:
                        cache_devices.append(dev)
        error = None
        if state == "inconsistent":
            error = "the backing device is inconsistent: its cache was lost while holding dirty data"
        if mode == "writeback" and cset and dirty_text is None:
            notes.append(f"{name}: writeback with no dirty_data file: dirty data unknown")
        return Cache(
            name=name,
            kind="bcache",
            mode=mode,
            origin=slaves[0] if slaves else None,
            cache_devices=tuple(cache_devices),
            dirty_bytes=dirty,
            state=state,
            error=error,
            label=None,
        )


def _dm_sort_key(name: str) -> tuple[int, str]:
    digits = name[3:]
    return (int(digits) if digits.isdecimal() else 1 << 30, name)
