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
    CollectorRun,
    Disk,
    HostHeader,
    HostInventory,
    MemberState,
    Mount,
    Problem,
    Severity,
    StackNode,
    Volume,
    identity_key,
)
from raidwatch.probe import Probe
from raidwatch.redundancy import annotate

log = logging.getLogger(__name__)


def disk_identity(dev: BlockDevice) -> str:
    """A key that survives reboots and controller moves (model.identity_key of the block device)."""
    return identity_key(dev.wwn, dev.model, dev.serial, dev.name)


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

    def __init__(self, devices: dict[str, BlockDevice], arrays: dict[str, Array]) -> None:
        self.devices = devices
        self.arrays = arrays

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
        n = arr.raid_disks or len(children)
        m = arr.in_sync_disks if arr.in_sync_disks is not None else len(children)
        left = arr.member_losses_survivable() - (n - m)
        need = len(children) + 1 if left < 0 else max(len(children) - left, 1)
        return StackNode(arr.name, arr.kind, detail=label, children=children, need=need, redundant=True)


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
    for _run, c in runs:
        for a in c.arrays:
            arrays[a.name] = a
        for d in c.devices:
            devices[d.name] = d
        mounts.extend(c.mounts)
        extra_disks.extend(c.disks)
        problems.extend(c.problems)
    # Disks contributed by collectors (SMART, ...) enrich the /sys/block disk of the same name. The identity
    # stays sysfs's when stable; otherwise the contributed WWN/serial/model are folded into the BlockDevice
    # here, once, before any Disk or stack is built, so Disk.identity, StackNode.key and Volume.disks agree.
    contributed: dict[str, Disk] = {}
    for d in extra_disks:
        contributed[d.name] = _merge_disk(contributed[d.name], d) if d.name in contributed else d
    for name, extra in contributed.items():
        dev = devices.get(name)
        unstable = dev is not None and dev.kind == "disk" and disk_identity(dev).startswith("name:")
        if dev is not None and unstable and (extra.wwn or extra.serial):
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
    builder = _StackBuilder(devices, arrays)
    for name, arr in list(arrays.items()):
        if not arr.is_container:
            known = bool(arr.members) or arr.kind != "hardware"
            tolerated = annotate(builder.node(name)).failures_tolerated if known else None
            arrays[name] = replace(arr, failures_tolerated=tolerated)
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
    )


def collect_inventory(probe: Probe, collectors: Sequence[Collector] | None = None) -> HostInventory:
    """Read the host (live or replayed) and build its inventory."""
    header, runs = run_collectors(probe, collectors)
    return build_inventory(header, runs)
