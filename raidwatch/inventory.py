"""Run the collectors and build a HostInventory: volumes -> device stack -> arrays -> disks."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace

from raidwatch.collectors import Collector, Contribution, create
from raidwatch.model import (
    Array,
    BlockDevice,
    Cache,
    CollectorRun,
    Disk,
    DmMap,
    HostHeader,
    HostInventory,
    MemberState,
    Mount,
    Problem,
    Severity,
    StackNode,
    SyncAction,
    Volume,
    identity_key,
)
from raidwatch.probe import Probe
from raidwatch.redundancy import annotate

log = logging.getLogger(__name__)


def disk_identity(dev: BlockDevice) -> str:
    """The physical disk a kernel disk is, keyed to survive reboots and controller moves: the unit it is a
    view of when sysfs names one (an NVMe namespace or path -> its drive), else model.identity_key of the
    block device (WWN, then model+serial). SAS paths of one dual-ported disk and dm-multipath paths to one
    LUN share the LU's WWN, so each is one disk too; a name-only key is the last resort."""
    return dev.unit or identity_key(dev.wwn, dev.model, dev.serial, dev.name)


def run_collectors(
    probe: Probe, collectors: Sequence[Collector] | None = None
) -> tuple[HostHeader, list[tuple[CollectorRun, Contribution]]]:
    """Run each applicable collector; a collector that raises becomes a failed run, never a crash."""
    header = probe.header()
    results = []
    for col in collectors if collectors is not None else create():
        start = time.monotonic()
        reason = None
        try:
            reason = col.applicable(probe, header)
        except Exception as exc:
            reason = None
            log.warning("collector %s: applicability check failed: %s", col.name, exc)
        if reason:
            log.debug("collector %s skipped: %s", col.name, reason)
            results.append((CollectorRun(col.name, True, 0.0, skipped=reason), Contribution()))
            continue
        try:
            contrib = col.collect(probe)
            ok = not any(p.severity is Severity.CRITICAL for p in contrib.problems)
        except Exception as exc:  # the house rule: one failing collector never hides the others
            log.error("collector %s failed: %s: %s", col.name, type(exc).__name__, exc)
            prob = Problem(
                col.name, col.name, f"collector failed: {type(exc).__name__}: {exc}", Severity.CRITICAL
            )
            contrib = Contribution(problems=(prob,))
            ok = False
        for p in contrib.problems:
            log.info("%s: %s: %s", p.collector, p.subject, p.message)
        duration = time.monotonic() - start
        results.append((CollectorRun(col.name, ok, duration, problems=contrib.problems), contrib))
    return header, results


class _StackBuilder:
    """Resolves a kernel device name down to the physical disks, with the rule each layer obeys."""

    def __init__(
        self,
        devices: dict[str, BlockDevice],
        arrays: dict[str, Array],
        caches: Iterable[Cache] = (),
        dm_maps: Iterable[DmMap] = (),
    ) -> None:
        self.devices = devices
        self.arrays = arrays
        self.caches = {c.name: c for c in caches}
        self.dm_maps = {m.name: m for m in dm_maps}
        # dm-raid legs: a leg's data sub-LV (rimage) -> its metadata sub-LV (rmeta), lost with it
        self.leg_meta = {m.device: m.meta_device for a in arrays.values() for m in a.members if m.meta_device}

    def node(self, name: str, path: tuple[str, ...] = ()) -> StackNode:
        if name in path:
            return StackNode(name, "unknown", detail="cycle in device graph")
        path = (*path, name)
        arr = self.arrays.get(name)
        dev = self.devices.get(name)
        if arr is not None:
            return self._array(arr, path)
        if dev is None:
            return StackNode(name, "unknown", detail="not in /sys/block", key=f"name:{name}")
        if dev.kind == "partition" and dev.parent:
            return StackNode(name, "partition", children=(self.node(dev.parent, path),))
        if name in self.caches:
            return self._cache(self.caches[name], dev, path)
        if dev.kind == "dm" and (dev.slaves or name in self.leg_meta):
            return self._dm(dev, path)
        if dev.slaves:  # dm, md without array data, an APFS container over its physical stores, ...
            detail = {"dm": _dm_detail(dev), "md": "md (no array data)"}.get(dev.kind, dev.kind)
            children = tuple(self.node(s, path) for s in dev.slaves)
            # multipath: any one path serves; the paths share a disk identity, so the loss of
            # the disk is still counted once. Everything else (LVM linear, crypt): all needed.
            need = 1 if (dev.dm_uuid or "").startswith("mpath-") else None
            return StackNode(name, dev.kind, detail=detail, children=children, need=need)
        if dev.kind in ("disk", "loop"):
            return StackNode(name, dev.kind, detail=dev.model, key=disk_identity(dev))
        return StackNode(name, "other", detail=dev.kind, key=f"name:{name}")

    def _array(self, arr: Array, path: tuple[str, ...]) -> StackNode:
        if not arr.members and arr.kind == "hardware":
            # a controller that does not say which disks make up a volume: one opaque leaf
            return StackNode(
                arr.name,
                "unknown",
                detail=f"{arr.level or 'hardware'} volume, members unknown",
                key=f"name:{arr.name}",
            )
        candidates = [m for m in arr.members if m.state is MemberState.ACTIVE and m.in_sync is not False]
        children = tuple(self.node(m.device, path) for m in candidates)
        label = arr.level or "unknown level"
        if arr.raid_disks is not None and arr.in_sync_disks is not None and arr.redundant_by_level:
            label += f" [{arr.raid_disks}/{arr.in_sync_disks}]"
        red = arr.redundant_by_level
        if arr.state != "active":
            return StackNode(
                arr.name,
                arr.kind,
                detail=f"{label}, {arr.state}",
                children=children,
                need=len(children) + 1,
                redundant=red,
            )
        if not red:
            # raid0/linear/stripe/concat need every member; one that is already missing means down
            missing = (arr.raid_disks or len(children)) - len(children)
            need = len(children) + 1 if missing > 0 else None
            return StackNode(arr.name, arr.kind, detail=label, children=children, need=need)
        if arr.kind == "md" and arr.level == "raid10":
            # which mirror sets lost members matters, not how many: judge it from the layout
            from raidwatch.redundancy import md_raid10_node

            node = md_raid10_node(arr, tuple(zip(candidates, children, strict=True)), label)
            if node is not None:
                return node
        n = arr.raid_disks or len(children)
        m = arr.in_sync_disks if arr.in_sync_disks is not None else len(children)
        left = arr.member_losses_survivable() - (n - m)
        if left < 0 and arr.kind == "md" and arr.level == "raid10" and children:
            left = 0  # roles unknown, but the kernel runs it: the missing members were in different sets
        reshaping = arr.sync is not None and arr.sync.action is SyncAction.RESHAPE and not arr.sync.delayed
        if left < 0 and reshaping and children:
            # a grow: the map marks the new roles not in sync ([4/3] [UU__]) while the old geometry still
            # serves the data the reshape has not reached; the kernel runs it, so it is not unavailable
            left = 0
            label += ", reshape: new roles not yet in sync"
        need = len(children) + 1 if left < 0 else max(len(children) - left, 1)
        return StackNode(arr.name, arr.kind, detail=label, children=children, need=need, redundant=True)

    def _dm(self, dev: BlockDevice, path: tuple[str, ...]) -> StackNode:
        """A device-mapper device that is not an array or a cache: linear, striped, crypt, integrity, thin,
        snapshot, ... all need every device under them (a dm-raid leg also its metadata sub-LV);
        multipath needs any one path (the paths share a disk identity, so the disk is counted once)."""
        children = [self.node(s, path) for s in dev.slaves]
        detail = _dm_detail(dev)
        meta = self.leg_meta.get(dev.name)
        if meta is not None and meta not in dev.slaves:
            children.append(self.node(meta, path))
            meta_dev = self.devices.get(meta)
            detail += f" + metadata {meta_dev.dm_name if meta_dev is not None and meta_dev.dm_name else meta}"
        need = 1 if (dev.dm_uuid or "").startswith("mpath-") else None
        m = self.dm_maps.get(dev.name)
        if m is not None and m.note:
            detail += f" ({m.note})"
        elif m is not None and m.targets:
            detail += ": " + ", ".join(dict.fromkeys(m.targets))
            if "error" in m.targets:  # LVM maps a missing PV's extents to the error target
                detail += " (error segments: part of its data is gone)"
                need = len(children) + 1
        return StackNode(dev.name, "dm", detail=detail, children=tuple(children), need=need)

    def _cache(self, cache: Cache, dev: BlockDevice, path: tuple[str, ...]) -> StackNode:
        """A cached device (bcache, dm-cache, dm-writecache): never a disk. Its origin is always needed;
        its cache devices only while they hold data found nowhere else (writeback with dirty data, or
        dirty data unknown): a node of their own that needs them then, and nothing (need 0) otherwise."""
        children = []
        origin = cache.origin or next((s for s in dev.slaves if s not in cache.cache_devices), None)
        if origin is not None:
            children.append(self.node(origin, path))
        mode = cache.mode or "mode unknown"
        if cache.cache_devices:
            if not cache.holds_only_copy:
                why = f"{mode}: holds no only copy of data, not needed"
                if cache.mode == "writeback":
                    why = "writeback, clean now: holds no only copy of data, not needed"
            elif cache.dirty_bytes is None:
                why = f"{mode}, dirty data unknown: counted as holding the only copy"
            else:
                why = f"{mode}, {_human(cache.dirty_bytes)} dirty: holds the only copy"
            devs = tuple(self.node(c, path) for c in cache.cache_devices)
            need = None if cache.holds_only_copy else 0
            children.append(StackNode(f"{cache.name}:cache", "cache", detail=why, children=devs, need=need))
        label = f"{cache.kind} {cache.label}" if cache.label else cache.kind
        detail = mode if label == dev.kind else f"{label}, {mode}"
        need_all: int | None = None
        if cache.state in ("fail", "error", "inconsistent"):
            detail += f" ({cache.error or cache.state})"
            need_all = len(children) + 1  # no I/O through it (dm-cache Fail), or its data is lost
        elif cache.error:
            detail += f" ({cache.error})"
        return StackNode(cache.name, dev.kind, detail=detail, children=tuple(children), need=need_all)


def _human(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def _cache_tolerances(builder: _StackBuilder, caches: Iterable[Cache]) -> tuple[Cache, ...]:
    """Each cache with failures_tolerated of its cache devices (the losses they survive together)."""
    out = []
    for c in caches:
        tol = None
        if c.cache_devices:
            devs = tuple(builder.node(d) for d in c.cache_devices)
            node = StackNode(f"{c.name}:cache", "cache", children=devs)
            tol = annotate(node).failures_tolerated
        out.append(replace(c, failures_tolerated=tol))
    return tuple(out)


def _dm_detail(dev: BlockDevice) -> str:
    uuid = dev.dm_uuid or ""
    kind = uuid.split("-", 1)[0] if "-" in uuid else "dm"
    return f"{kind} {dev.dm_name}" if dev.dm_name else kind


def _resolve(mount: Mount, devices: dict[str, BlockDevice]) -> str | None:
    if mount.devno and not mount.devno.startswith("0:"):
        for d in devices.values():
            if d.devno == mount.devno:
                return d.name
    base = mount.device.rsplit("/", 1)[-1]
    if base in devices:
        return base
    if mount.device.startswith("/dev/mapper/"):
        for d in devices.values():
            if d.dm_name == base:
                return d.name
    # /dev/md/NAME links to the array; only a numeric NAME says which one without the link
    if mount.device.startswith("/dev/md/") and f"md{base}" in devices:
        return f"md{base}"
    return None


def _redundancy(node: StackNode) -> str:
    """The mechanism that provides redundancy in this stack (the first one from the top)."""
    if node.redundant:
        return node.kind
    for c in node.children:
        r = _redundancy(c)
        if r != "none":
            return r
    return "none"


def _mentions(node: StackNode) -> Iterable[StackNode]:
    yield node
    for c in node.children:
        yield from _mentions(c)


def _merge_disk(a: Disk, b: Disk) -> Disk:
    """Two collectors' views of one disk: the later fills what the earlier lacks; SMART from either."""
    return replace(
        a,
        model=a.model or b.model,
        serial=a.serial or b.serial,
        wwn=a.wwn or b.wwn,
        identity=a.identity if a.identity_stable or not b.identity_stable else b.identity,
        size_bytes=a.size_bytes if a.size_bytes is not None else b.size_bytes,
        rotational=a.rotational if a.rotational is not None else b.rotational,
        transport=a.transport or b.transport,
        smart=b.smart if b.smart is not None else a.smart,
    )


def build_inventory(
    header: HostHeader,
    runs: list[tuple[CollectorRun, Contribution]],
    collected_at: float | None = None,
) -> HostInventory:
    """Pure: collector contributions -> the host's inventory."""
    arrays: dict[str, Array] = {}
    devices: dict[str, BlockDevice] = {}
    mounts: list[Mount] = []
    extra_disks: list[Disk] = []
    problems: list[Problem] = []
    caches: list[Cache] = []
    dm_maps: list[DmMap] = []
    for _run, c in runs:
        for a in c.arrays:
            arrays[a.name] = a
        for d in c.devices:
            devices[d.name] = d
        mounts.extend(c.mounts)
        extra_disks.extend(c.disks)
        problems.extend(c.problems)
        caches.extend(c.caches)
        dm_maps.extend(c.dm_maps)
    # Disks contributed by collectors (SMART, ...) enrich the /sys/block disk of the same name. The identity
    # stays sysfs's when stable; otherwise the contributed WWN/serial/model are folded into the BlockDevice
    # here, once, before any Disk or stack is built, so Disk.identity, StackNode.key and Volume.disks agree.
    contributed: dict[str, Disk] = {}
    for d in extra_disks:
        contributed[d.name] = _merge_disk(contributed[d.name], d) if d.name in contributed else d
    for name, extra in contributed.items():
        dev = devices.get(name)
        unstable = dev is not None and dev.kind == "disk" and disk_identity(dev).startswith("name:")
        if dev is not None and unstable and dev.unit and extra.serial:
            # an NVMe namespace whose controller showed no serial: SMART's Serial/Model Number are the
            # controller's too (the drive's); its EUI-64 is the namespace's, no key for the drive
            model = extra.model or dev.model
            unit = identity_key(None, model, extra.serial, name)
            devices[name] = replace(dev, serial=extra.serial, model=model, unit=unit)
        elif dev is not None and unstable and not dev.unit and (extra.wwn or extra.serial):
            devices[name] = replace(dev, wwn=extra.wwn, serial=extra.serial, model=extra.model or dev.model)
    disks = {
        d.name: Disk(
            name=d.name,
            identity=disk_identity(d),
            model=d.model,
            serial=d.serial,
            wwn=d.wwn,
            size_bytes=d.size_bytes,
            rotational=d.rotational,
            transport=d.transport,
        )
        for d in devices.values()
        if d.kind == "disk"
    }
    for name, extra in contributed.items():
        base = disks.get(name)
        if base is None:
            disks[name] = extra
        else:
            disks[name] = replace(
                base,
                model=base.model or extra.model,
                serial=base.serial or extra.serial,
                wwn=base.wwn or extra.wwn,
                size_bytes=base.size_bytes if base.size_bytes is not None else extra.size_bytes,
                rotational=base.rotational if base.rotational is not None else extra.rotational,
                transport=base.transport or extra.transport,
                smart=extra.smart if extra.smart is not None else base.smart,
            )
    # a kernel disk that is a hardware RAID logical drive is not a physical disk: its drives are (the
    # hwraid collector's leaves), and smartctl finds no SMART on the volume itself
    disks = {n: d for n, d in disks.items() if not (n in arrays and arrays[n].kind == "hardware")}
    builder = _StackBuilder(devices, arrays, caches, dm_maps)
    for name, arr in list(arrays.items()):
        if not arr.is_container:
            known = bool(arr.members) or arr.kind != "hardware"
            tolerated = annotate(builder.node(name)).failures_tolerated if known else None
            arrays[name] = replace(arr, failures_tolerated=tolerated)
    cache_list = _cache_tolerances(builder, caches)
    volumes = []
    claimed = {mp: a.name for a in arrays.values() for mp in a.mountpoints}
    for m in mounts:
        # a filesystem that is its own RAID (btrfs, ZFS) names the array; else the mounted device
        name = claimed.get(m.mountpoint) or _resolve(m, devices)
        base = m.device.rsplit("/", 1)[-1]
        if name is None and base in arrays:
            name = base  # a RAID set's device node with no block-device record (e.g. macdisks failed)
        if name is None:
            volumes.append(
                Volume(
                    m.mountpoint,
                    m.device,
                    m.fstype,
                    None,
                    None,
                    (),
                    None,
                    "unknown",
                    problem=f"{m.device}: not found among the host's block devices",
                )
            )
            continue
        stack = annotate(builder.node(name))
        keys = sorted({n.key or n.name for n in _mentions(stack) if not n.children and n.name not in arrays})
        unknown = [n for n in _mentions(stack) if n.kind == "unknown"]
        problem = None
        if unknown:
            problem = "; ".join(f"{n.name}: {n.detail}" for n in unknown)
        volumes.append(
            Volume(
                mountpoint=m.mountpoint,
                device=m.device,
                fstype=m.fstype,
                source=name,
                stack=stack,
                disks=tuple(keys),
                failures_tolerated=stack.failures_tolerated,
                redundancy=_redundancy(stack),
                problem=problem,
                label=devices[name].label
                if name in devices
                else (arrays[name].label if name in arrays else None),
            )
        )
    return HostInventory(
        header=header,
        collected_at=collected_at if collected_at is not None else time.time(),
        volumes=tuple(volumes),
        arrays=tuple(arrays.values()),
        disks=tuple(sorted(disks.values(), key=lambda d: d.name)),
        devices=tuple(devices.values()),
        collectors=tuple(r for r, _ in runs),
        problems=tuple(problems),
        caches=cache_list,
        dm_maps=tuple(dm_maps),
    )


def collect_inventory(probe: Probe, collectors: Sequence[Collector] | None = None) -> HostInventory:
    """Read the host (live or replayed) and build its inventory."""
    header, runs = run_collectors(probe, collectors)
    return build_inventory(header, runs)
