"""Linux md RAID: /proc/mdstat, /sys/block/mdX/md and `mdadm --detail`, cross-checked and merged."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from raidwatch.collectors.base import Collector, Contribution
from raidwatch.errors import ParseError, ProbeError
from raidwatch.model import (
    Array,
    HostHeader,
    Member,
    MemberState,
    Problem,
    SyncAction,
    SyncStatus,
    raid10_layout_text,
)
from raidwatch.parsers.md_sysfs import MdSysfs, parse_md_sysfs, raid10_geometry
from raidwatch.parsers.mdstat import parse_mdstat
from raidwatch.probe import Probe

log = logging.getLogger(__name__)

MDSTAT = "/proc/mdstat"
MDADM = "command:mdadm"  # what saw()/seen() remember mdadm answering under
MDADM_TIMEOUT = 10.0  # seconds per `mdadm --detail`; after one timeout mdadm is not run again that collection
SYS_BLOCK = "/sys/block"
SYSFS_ATTRS = (
    "level",
    "array_state",
    "raid_disks",
    "degraded",
    "sync_action",
    "sync_completed",
    "sync_speed",
    "mismatch_cnt",
    "metadata_version",
    "uuid",
    "chunk_size",
    "layout",
)
_SYSFS_ACTION = {
    "resync": SyncAction.RESYNC,
    "recover": SyncAction.RECOVERY,
    "check": SyncAction.CHECK,
    "repair": SyncAction.REPAIR,
    "reshape": SyncAction.RESHAPE,
}
_DEV_FLAGS = {
    "write_mostly": "write-mostly",
    "writemostly": "write-mostly",
    "replacement": "replacement",
    "journal": "journal",
    "failfast": "failfast",
}


def read_md_sysfs(probe: Probe, name: str) -> MdSysfs | None:
    """Read one array's sysfs directory through the probe (None when it has none)."""
    base = f"{SYS_BLOCK}/{name}/md"
    try:
        entries = probe.list_dir(base)
    except ProbeError as exc:
        if exc.reason == "missing":
            return None
        raise
    files: dict[str, str] = {}
    for attr in SYSFS_ATTRS:
        if attr in entries:
            try:
                files[attr] = probe.read_text(f"{base}/{attr}")
            except ProbeError as exc:
                if exc.reason != "missing":
                    raise
    devices: dict[str, dict[str, str]] = {}
    for entry in entries:
        if not entry.startswith("dev-"):
            continue
        attrs: dict[str, str] = {}
        for attr in ("state", "slot", "errors"):
            try:
                attrs[attr] = probe.read_text(f"{base}/{entry}/{attr}")
            except ProbeError as exc:
                if exc.reason != "missing":
                    raise
        devices[entry[4:]] = attrs
    return parse_md_sysfs(name, files, devices, source=base)


def _sysfs_member(sm, mdstat_member: Member | None, sync: SyncStatus | None) -> Member:  # type: ignore[no-untyped-def]
    if sm.faulty:
        state = MemberState.FAILED
    elif sm.slot_text == "none":
        state = MemberState.SPARE  # no role: a hot spare
    elif sm.slot_text is None and "spare" in sm.state_words and not sm.in_sync:
        state = MemberState.SPARE  # no slot file to say otherwise (old kernels, partial trees)
    else:
        state = MemberState.ACTIVE
    flags = tuple(dict.fromkeys(_DEV_FLAGS[w] for w in sm.state_words if w in _DEV_FLAGS))
    if mdstat_member is not None:
        flags = tuple(dict.fromkeys(flags + mdstat_member.flags))
    rebuilding = (
        state is MemberState.ACTIVE
        and not sm.in_sync
        and sync is not None
        and sync.running
        and sync.action in (SyncAction.RECOVERY, SyncAction.RESHAPE)
    )
    return Member(
        device=sm.device,
        slot=mdstat_member.slot if mdstat_member else None,
        state=state,
        flags=flags,
        role=sm.slot,
        in_sync=sm.in_sync and not sm.faulty,
        rebuilding=rebuilding,
        raw_state=",".join(sm.state_words),
    )


def merge(name: str, mdstat: Array | None, sysfs: MdSysfs | None, detail: object | None = None) -> Array:
    """One Array from up to three sources. sysfs wins where it speaks; disagreements are kept."""
    sources = []
    disagreements: list[str] = []
    base = mdstat or Array(name=name, level=None, state="inactive")
    if mdstat is not None:
        sources.append("mdstat")
    arr = base
    if sysfs is not None:
        sources.append("sysfs")
        state = "inactive" if sysfs.array_state in ("inactive", "clear") else "active"
        if sysfs.array_state is None:
            state = base.state
        level = sysfs.level or base.level
        is_container = base.is_container or level == "container"
        # sync: sysfs sync_action names the operation precisely (mdstat prints "repair" as resync)
        sync = base.sync
        action = _SYSFS_ACTION.get(sysfs.sync_action or "")
        if action is not None:
            progress = None
            done = total = None
            if sysfs.sync_completed and sysfs.sync_completed[1] > 0:
                done, total = sysfs.sync_completed
                progress = min(done / total, 1.0)
            sync = SyncStatus(
                action=action,
                progress=progress if progress is not None else (base.sync.progress if base.sync else None),
                finish_seconds=base.sync.finish_seconds if base.sync and base.sync.running else None,
                speed_kib_s=sysfs.sync_speed_kib_s
                if sysfs.sync_speed_kib_s is not None
                else (base.sync.speed_kib_s if base.sync else None),
                delayed=sysfs.sync_delayed or bool(base.sync and base.sync.delayed),
                pending=bool(base.sync and base.sync.pending),
                done_blocks=done,
                total_blocks=total,
            )
            if base.sync and base.sync.running and base.sync.action != action:
                compatible = {base.sync.action, action} == {SyncAction.RESYNC, SyncAction.REPAIR}
                if not compatible:
                    disagreements.append(
                        f"sync action: sysfs says {sysfs.sync_action}, mdstat says {base.sync.action.value}"
                    )
        elif sysfs.sync_action in ("idle", "frozen") and base.sync is not None and base.sync.running:
            disagreements.append(
                f"sync action: sysfs says {sysfs.sync_action}, mdstat shows {base.sync.action.value} running"
            )
        raid_disks = sysfs.raid_disks if sysfs.raid_disks is not None else base.raid_disks
        # members: sysfs dev-* entries are authoritative on state, role and in_sync
        by_dev = {m.device: m for m in base.members}
        members = []
        for sm in sysfs.members:
            members.append(_sysfs_member(sm, by_dev.pop(sm.device, None), sync))
        for leftover in by_dev.values():
            disagreements.append(f"member {leftover.device}: in mdstat but not in sysfs")
            members.append(leftover)
        if not sysfs.members:
            members = list(base.members)
        in_sync = (
            sum(1 for m in members if m.in_sync and m.state is MemberState.ACTIVE)
            if sysfs.members
            else base.in_sync_disks
        )
        if state == "inactive":
            in_sync = 0
        degraded = base.degraded
        if sysfs.degraded is not None and state == "active":
            degraded = sysfs.degraded > 0
            if mdstat is not None and mdstat.state == "active" and mdstat.degraded != degraded:
                disagreements.append(
                    f"degraded: sysfs says {sysfs.degraded} missing, mdstat shows "
                    f"[{mdstat.raid_disks}/{mdstat.in_sync_disks}]"
                )
        elif raid_disks is not None and in_sync is not None and state == "active":
            degraded = in_sync < raid_disks
        if (
            mdstat is not None
            and mdstat.in_sync_disks is not None
            and sysfs.members
            and state == "active"
            and mdstat.state == "active"
            and mdstat.in_sync_disks != in_sync
            and mdstat.raid_disks is not None
        ):
            disagreements.append(
                f"in-sync members: sysfs counts {in_sync}, mdstat shows {mdstat.in_sync_disks}"
            )
        if mdstat is not None and mdstat.state != state:
            disagreements.append(
                f"state: sysfs array_state is {sysfs.array_state}, mdstat says {mdstat.state}"
            )
        arr = replace(
            base,
            level=level,
            state=state,
            read_only=sysfs.array_state in ("readonly", "read-auto") or base.read_only,
            auto_read_only=sysfs.array_state == "read-auto" or base.auto_read_only,
            raid_disks=raid_disks,
            in_sync_disks=in_sync,
            degraded=degraded,
            members=tuple(members),
            sync=sync,
            metadata=base.metadata or sysfs.metadata_version,
            is_container=is_container,
            chunk_kib=base.chunk_kib or (sysfs.chunk_size_bytes // 1024 if sysfs.chunk_size_bytes else None),
            uuid=sysfs.uuid or base.uuid,
            array_state=sysfs.array_state,
            mismatch_cnt=sysfs.mismatch_cnt,
        )
        if level == "raid10" and sysfs.layout is not None:
            geo = raid10_geometry(sysfs.layout, raid_disks)
            if geo is not None:
                arr = _with_raid10_layout(
                    arr, geo.near_copies, geo.far_copies, geo.far_offset, "sysfs", disagreements
                )
                arr = replace(arr, far_set_size=geo.far_set_size)
    if detail is not None:
        arr = _merge_detail(arr, detail, disagreements)
        sources.append("mdadm")
    if arr.state == "inactive":
        arr = replace(arr, in_sync_disks=0, degraded=False)
    return replace(arr, sources=tuple(sources), disagreements=tuple(disagreements))


def _with_raid10_layout(
    arr: Array, near: int, far: int, offset: bool, source: str, disagreements: list[str]
) -> Array:
    """The array with this raid10 geometry; where an earlier source stated another, a disagreement."""
    said = arr.raid10_layout
    now = raid10_layout_text(near, far, offset)
    if said is not None and said != now:
        earlier = "mdstat" if source == "sysfs" else "the kernel"
        disagreements.append(f"raid10 layout: {source} says {now}, {earlier} says {said}")
    return replace(arr, near_copies=near, far_copies=far, far_offset=offset, copies=near * far)


def _merge_detail(arr: Array, detail: object, disagreements: list[str]) -> Array:
    """Fold `mdadm --detail` in: UUID, events, roles; a second opinion on degraded and failures; the level
    and raid10 layout where the kernel does not state them (an inactive array has no level in mdstat)."""
    from raidwatch.parsers.mdadm import MdadmDetail

    assert isinstance(detail, MdadmDetail)
    changes: dict[str, object] = {}
    if arr.level is None and detail.level and not detail.level.startswith("-"):
        changes["level"] = detail.level  # not "-unknown-"
        if detail.level == "container":
            changes["is_container"] = True
    geo = detail.raid10_layout if (arr.level or detail.level) == "raid10" else None
    if geo is not None:
        if arr.raid10_layout is None:
            arr = _with_raid10_layout(arr, *geo, "mdadm", disagreements)
        elif arr.raid10_layout != raid10_layout_text(*geo):
            disagreements.append(
                f"raid10 layout: mdadm says {raid10_layout_text(*geo)}, the kernel says {arr.raid10_layout}"
            )
    if detail.uuid and not arr.uuid:
        changes["uuid"] = detail.uuid
    if detail.events is not None:
        changes["events"] = detail.events
    flags = {f.lower() for f in detail.state_flags}
    says_degraded = "degraded" in flags
    if arr.state == "active" and arr.redundant_by_level and says_degraded != arr.degraded:
        kernel = "degraded" if arr.degraded else "not degraded"
        disagreements.append(f"degraded: mdadm state is '{detail.state}', kernel says {kernel}")
    by_name = {m.device: m for m in arr.members}
    members = list(arr.members)
    for dev in detail.devices:
        if not dev.device:
            continue
        kname = dev.device.rsplit("/", 1)[-1]
        m = by_name.get(kname)
        words = {w.lower() for w in dev.state}
        if m is None:
            if arr.members:
                disagreements.append(f"member {kname}: listed by mdadm but not by the kernel")
            continue
        idx = members.index(m)
        upd: dict[str, object] = {}
        if m.role is None and dev.raid_device is not None and "spare" not in words:
            upd["role"] = dev.raid_device
        if "faulty" in words and m.state is not MemberState.FAILED:
            disagreements.append(f"member {kname}: mdadm says faulty, kernel says {m.state.value}")
        if "writemostly" in words and "write-mostly" not in m.flags:
            upd["flags"] = (*m.flags, "write-mostly")
        if "failfast" in words and "failfast" not in m.flags:
            upd["flags"] = (*upd.get("flags", m.flags), "failfast")  # type: ignore[misc]
        if m.in_sync is None and arr.state == "active":
            upd["in_sync"] = "sync" in words and "faulty" not in words
        if "rebuilding" in words and not m.rebuilding:
            upd["rebuilding"] = True
        if upd:
            members[idx] = replace(m, **upd)  # type: ignore[arg-type]
    changes["members"] = tuple(members)
    return replace(arr, **changes)  # type: ignore[arg-type]


class MdCollector(Collector):
    """Every md array on the host, each merged from all the sources that exist."""

    name = "md"
    use_mdadm = True
    # `mdadm --detail` is a second opinion on what the kernel already says: in a long-running daemon
    # it is re-run for an array only when the kernel's view of it changes, or every mdadm_max_age
    # seconds, so a host with hundreds of arrays does not fork hundreds of processes every 30 s.
    mdadm_max_age = 600.0

    def __init__(self) -> None:
        self._details: dict[str, tuple[tuple, float, object]] = {}  # name -> (kernel view, when, detail)
        self._pending: tuple[Probe, str] | None = None  # /proc/mdstat as applicable() read it

    def applicable(self, probe: Probe, header: HostHeader) -> str | None:
        """Not applicable only when md never existed here: once /proc/mdstat was read, its loss is reported
        by collect() (a critical problem: the last arrays are served, stale), never "not applicable"."""
        reason = super().applicable(probe, header)
        if reason:
            return reason
        if self.seen(probe, MDSTAT):
            return None
        try:
            text = probe.read_text(MDSTAT)
        except ProbeError as exc:
            if exc.reason == "missing":
                return f"no {MDSTAT}: the md driver is not loaded"
            return None  # unreadable: collect() says why
        self._pending = (probe, text)
        return None

    def _mdstat(self, probe: Probe) -> str:
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] is probe:
            return pending[1]
        return probe.read_text(MDSTAT)

    def collect(self, probe: Probe) -> Contribution:
        problems: list[Problem] = []
        notes: list[str] = []
        mdstat_arrays: dict[str, Array] = {}
        try:
            text = self._mdstat(probe)
        except ProbeError as exc:
            problems.append(self.source_problem(probe, MDSTAT, exc, "the last arrays read are kept"))
        else:
            self.saw(probe, MDSTAT)
            try:
                result = parse_mdstat(text, MDSTAT)
                mdstat_arrays = {a.name: a for a in result.arrays}
                notes.extend(result.warnings)
                problems.extend(self.problem(MDSTAT, str(err)) for err in result.errors)
            except ParseError as exc:
                problems.append(self.problem(MDSTAT, str(exc)))
        try:
            names = [n for n in probe.list_dir(SYS_BLOCK) if n.startswith("md")]
            self.saw(probe, SYS_BLOCK)
        except ProbeError as exc:
            problems.append(self.source_problem(probe, SYS_BLOCK, exc, "the last arrays read are kept"))
            names = []
        names = sorted(set(names) | set(mdstat_arrays), key=_md_sort_key)
        arrays = []
        mdadm_missing = mdadm_hung = False
        for name in names:
            sysfs = None
            try:
                sysfs = read_md_sysfs(probe, name)
                if sysfs is not None:
                    notes.extend(sysfs.warnings)
            except ProbeError as exc:
                problems.append(self.item_problem(f"{SYS_BLOCK}/{name}/md", exc))
            except ParseError as exc:
                problems.append(self.problem(f"{SYS_BLOCK}/{name}/md", str(exc)))
            if sysfs is None and name not in mdstat_arrays:
                continue  # an mdX node with no array behind it (being stopped)
            detail = None
            if self.use_mdadm and not mdadm_missing and not mdadm_hung:
                view = _kernel_view(mdstat_arrays.get(name), sysfs)
                cached = self._details.get(name)
                now = time.monotonic()
                if (
                    cached
                    and cached[0] == view
                    and now - cached[1] < self.mdadm_max_age
                    and not probe.is_replay
                ):
                    detail = cached[2]
                else:
                    detail, missing, problem, hung = self._detail(probe, name)
                    mdadm_missing, mdadm_hung = missing, hung
                    if problem:
                        problems.append(problem)
                    if detail is not None:
                        self._details[name] = (view, now, detail)
            arrays.append(merge(name, mdstat_arrays.get(name), sysfs, detail))
        if mdadm_missing:
            if self.seen(probe, MDADM):
                # a second opinion lost: a warning, not critical, so the kernel's fresh view still publishes
                problems.append(
                    self.problem(
                        "mdadm",
                        "mdadm ran before and is now not found: merged from /proc/mdstat and sysfs only",
                    )
                )
            else:
                notes.append("mdadm not installed: merged from /proc/mdstat and sysfs only")
        if mdadm_hung:
            notes.append("mdadm timed out: not run for the other arrays in this collection")
        for n in notes:
            log.debug("md: %s", n)
        return Contribution(arrays=tuple(arrays), problems=tuple(problems), notes=tuple(notes))

    def _detail(self, probe: Probe, name: str) -> tuple[object | None, bool, Problem | None, bool]:
        """(detail, mdadm missing, problem, mdadm hung) for one array."""
        from raidwatch.parsers.mdadm import parse_mdadm_detail

        argv = ["mdadm", "--detail", f"/dev/{name}"]
        res = probe.run(argv, timeout=MDADM_TIMEOUT)
        if res.missing:
            return None, True, None, False
        if res.returncode is not None and not res.timed_out:
            self.saw(probe, MDADM)
        if res.exhausted:
            return None, False, self.problem(" ".join(argv), res.describe_failure(), "critical"), True
        if res.timed_out or res.returncode != 0 or not res.stdout.strip():
            problem = self.problem(" ".join(argv), res.describe_failure() or "no output")
            return None, False, problem, res.timed_out
        try:
            return parse_mdadm_detail(res.stdout, " ".join(argv)), False, None, False
        except ParseError as exc:
            return None, False, self.problem(" ".join(argv), str(exc)), False


def _kernel_view(mdstat: Array | None, sysfs: MdSysfs | None) -> tuple:
    """What would make mdadm's answer change: states, members and the operation running (not its progress)."""
    view: list = []
    if mdstat is not None:
        view += [mdstat.state, mdstat.level, mdstat.raid_disks, mdstat.in_sync_disks, mdstat.read_only]
        view += [(m.device, m.state.value, m.flags) for m in mdstat.members]
        view.append(mdstat.sync.action.value if mdstat.sync else None)
    if sysfs is not None:
        view += [sysfs.array_state, sysfs.level, sysfs.raid_disks, sysfs.degraded, sysfs.sync_action]
        view += [(m.device, m.state_words, m.slot) for m in sysfs.members]
    return tuple(view)


def _md_sort_key(name: str) -> tuple[int, str]:
    digits = "".join(c for c in name if c.isdecimal())
    return (int(digits) if digits else 1 << 30, name)
