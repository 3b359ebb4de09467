"""btrfs: /sys/fs/btrfs/<UUID>/ (devices, profiles, missing devices, error counters), cross-checked
with `btrfs filesystem show`; each mounted filesystem becomes an Array that claims its mount points."""

from __future__ import annotations

import logging
import re

from raidwatch.collectors.base import Collector, Contribution, blinding
from raidwatch.errors import ParseError, ProbeError
from raidwatch.model import Array, HostHeader, Member, MemberState, Mount, Problem
from raidwatch.parsers.btrfs import (
    BLOCK_GROUP_TYPES,
    BtrfsDeviceStats,
    BtrfsFilesystem,
    BtrfsSysfs,
    parse_btrfs_sysfs,
    parse_device_stats,
    parse_filesystem_show,
    profile_dirs,
)
from raidwatch.probe import CommandResult, Probe

log = logging.getLogger(__name__)

SYS_FS_BTRFS = "/sys/fs/btrfs"
DEVINFO_ATTRS = ("missing", "replace_target", "writeable", "error_stats")
COMMAND_TIMEOUT = 10.0
PROGS = "command:btrfs"  # what saw()/seen() remember btrfs-progs answering under
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# `btrfs device stats -c`: 64 means "some counter is nonzero", not a failure
_STATS_OK = (0, 64)


def array_name(uuid: str) -> str:
    """The stable name of a btrfs filesystem's Array: btrfs- and the first 8 hex digits of its UUID."""
    return f"btrfs-{uuid[:8]}"


def filesystem_uuids(probe: Probe) -> list[str]:
    """The filesystems the kernel has mounted (each is a UUID directory beside `features`)."""
    return [e for e in probe.list_dir(SYS_FS_BTRFS) if _UUID_RE.match(e)]


def _optional(probe: Probe, path: str) -> str | None:
    try:
        return probe.read_optional(path)
    except ProbeError as exc:
        if exc.reason == "permission":
            return None
        raise


def read_btrfs_sysfs(probe: Probe, uuid: str) -> BtrfsSysfs:
    """Read one /sys/fs/btrfs/<UUID>/ through the probe (world-readable: no privileges needed)."""
    base = f"{SYS_FS_BTRFS}/{uuid}"
    label = _optional(probe, f"{base}/label")
    devices = probe.list_dir(f"{base}/devices")
    allocation: dict[str, dict[str, str | None]] = {}
    for bg_type in BLOCK_GROUP_TYPES:
        try:
            entries = probe.list_dir(f"{base}/allocation/{bg_type}")
        except ProbeError as exc:
            if exc.reason == "missing":
                continue
            raise
        allocation[bg_type] = {
            p: _optional(probe, f"{base}/allocation/{bg_type}/{p}/total_bytes") for p in profile_dirs(entries)
        }
    devinfo: dict[str, dict[str, str]] = {}
    try:
        ids = probe.list_dir(f"{base}/devinfo")
    except ProbeError as exc:
        if exc.reason != "missing":
            raise
        ids = []  # kernels before 5.9 have no devinfo/
    for devid in ids:
        attrs: dict[str, str] = {}
        for attr in DEVINFO_ATTRS:
            value = _optional(probe, f"{base}/devinfo/{devid}/{attr}")
            if value is not None:
                attrs[attr] = value
        devinfo[devid] = attrs
    return parse_btrfs_sysfs(uuid, label, devices, allocation, devinfo, SYS_FS_BTRFS)


class BtrfsCollector(Collector):
    """Every mounted btrfs filesystem: its devices, its weakest profile, missing devices, error counters."""

    name = "btrfs"
    use_progs = True  # run `btrfs filesystem show` / `btrfs device stats` (tests turn it off)

    def applicable(self, probe: Probe, header: HostHeader) -> str | None:
        reason = super().applicable(probe, header)
        if reason:
            return reason
        if self.seen(probe, SYS_FS_BTRFS):
            return None  # read before: collect() says what happened to it
        try:
            uuids = filesystem_uuids(probe)
        except ProbeError as exc:
            if exc.reason == "missing":
                return f"no {SYS_FS_BTRFS}: the btrfs module is not loaded"
            return None  # unreadable: collect() reports it
        if not uuids:
            return "no btrfs filesystem mounted"
        return None

    def collect(self, probe: Probe) -> Contribution:
        try:
            return self._collect(probe)
        except ProbeError as exc:  # only reads that could not look get here (timeout, out of descriptors)
            return Contribution(problems=(self.item_problem(exc.subject, exc),))

    def _collect(self, probe: Probe) -> Contribution:
        problems: list[Problem] = []
        notes: list[str] = []
        try:
            uuids = filesystem_uuids(probe)
        except ProbeError as exc:
            return Contribution(problems=(self.problem(SYS_FS_BTRFS, str(exc), "critical"),))
        if uuids:
            self.saw(probe, SYS_FS_BTRFS)  # a filesystem was mounted: losing the directory now is blindness
        try:
            mounts = [m for m in probe.mounts() if m.fstype == "btrfs"]
        except ProbeError as exc:
            if blinding(exc):
                raise
            problems.append(self.problem("mount table", f"could not list mounts: {exc}"))
            mounts = []
        except Exception as exc:  # psutil raises its own types; arrays without mount points still count
            problems.append(self.problem("mount table", f"could not list mounts: {exc}"))
            mounts = []
        self._progs_missing = False
        arrays = []
        for uuid in uuids:
            try:
                sysfs = read_btrfs_sysfs(probe, uuid)
            except ProbeError as exc:
                problems.append(self.item_problem(f"{SYS_FS_BTRFS}/{uuid}", exc))
                continue
            except ParseError as exc:
                problems.append(self.problem(f"{SYS_FS_BTRFS}/{uuid}", str(exc)))
                continue
            notes.extend(sysfs.warnings)
            arr, probs = self._filesystem(probe, sysfs, mounts, notes)
            arrays.append(arr)
            problems.extend(probs)
        if self._progs_missing:
            if self.seen(probe, PROGS):  # a second opinion lost: a warning, the sysfs view still publishes
                why = "btrfs-progs ran before and are now not found: read from /sys/fs/btrfs only"
                problems.append(self.problem("btrfs", why))
            else:
                notes.append("btrfs-progs not installed: read from /sys/fs/btrfs only")
        for n in notes:
            log.debug("btrfs: %s", n)
        return Contribution(arrays=tuple(arrays), problems=tuple(problems), notes=tuple(notes))

    # ------------------------------------------------------------------ one filesystem

    def _filesystem(
        self, probe: Probe, sysfs: BtrfsSysfs, mounts: list[Mount], notes: list[str]
    ) -> tuple[Array, list[Problem]]:
        uuid = sysfs.uuid
        name = array_name(uuid)
        problems: list[Problem] = []
        disagreements: list[str] = []
        sources = ["sysfs"]
        show = self._show(probe, uuid, problems, notes) if self.use_progs else None
        if show is not None:
            sources.append("btrfs-show")
        by_devid = self._devid_names(probe, show)
        mountpoints = tuple(
            dict.fromkeys(m.mountpoint for m in mounts if self._kernel_name(probe, m.device) in sysfs.devices)
        )
        if not mountpoints and show is not None:
            paths = {d.path for d in show.present_devices}
            mountpoints = tuple(dict.fromkeys(m.mountpoint for m in mounts if m.device in paths))
        # members: the devices present now (devices/); a running replace's target (devid 0) is not yet one
        devid_of = {n: d for d, n in by_devid.items()}
        members = []
        for dev in sysfs.devices:
            devid = devid_of.get(dev)
            if devid == 0:
                members.append(
                    Member(
                        dev, state=MemberState.ACTIVE, flags=("replacement",), in_sync=False, rebuilding=True
                    )
                )
            else:
                members.append(Member(dev, state=MemberState.ACTIVE, role=devid, in_sync=True))
        present = sum(1 for m in members if m.in_sync)
        # how many devices the filesystem has, and how many are missing: sysfs first, show second
        if sysfs.devinfo:
            raid_disks: int = len(sysfs.member_devinfo)
        elif show is not None and show.total_devices is not None:
            raid_disks = show.total_devices
        else:
            raid_disks = present
        missing = sysfs.missing_count
        if missing is None and show is not None:
            missing = show.missing_count
        if missing is None:
            missing = max(raid_disks - present, 0)
            problems.append(
                self.problem(
                    f"{SYS_FS_BTRFS}/{uuid}",
                    "cannot tell missing devices: no devinfo/ in sysfs (kernel < 5.9) and no "
                    "`btrfs filesystem show` to ask",
                )
            )
        if show is not None:
            if sysfs.devinfo and show.total_devices is not None and show.total_devices != raid_disks:
                disagreements.append(
                    f"devices: sysfs devinfo lists {raid_disks}, btrfs filesystem show says "
                    f"Total devices {show.total_devices}"
                )
            if sysfs.missing_count is not None and show.missing_count != sysfs.missing_count:
                disagreements.append(
                    f"missing devices: sysfs says {sysfs.missing_count}, btrfs filesystem show says "
                    f"{show.missing_count}"
                )
        if present != raid_disks - missing:
            disagreements.append(
                f"present devices: devices/ lists {present}, but {raid_disks} devices with {missing} missing"
            )
        # error counters: sysfs devinfo/<devid>/error_stats (5.14+), else `btrfs device stats`
        stats = [d.errors for d in sysfs.devinfo if d.errors is not None]
        if stats:
            stats = [self._named(s, by_devid) for s in stats]
        elif self.use_progs and mountpoints:
            stats = self._stats(probe, mountpoints[0], problems)
            if stats:
                sources.append("btrfs-stats")
        member_errors = []
        for s in stats:
            if s.nonzero:
                counters = ", ".join(f"{k} {v}" for k, v in s.nonzero)
                notes.append(f"{name}/{s.device}: error counters {counters} (since `btrfs device stats -z`)")
                member_errors.append((s.device, sum(v for _k, v in s.nonzero)))
        profiles = " ".join(f"{t}={'+'.join(ps) or '?'}" for t, ps in sysfs.profiles)
        arr = Array(
            name=name,
            level=sysfs.effective_profile,
            state="active",
            raid_disks=raid_disks,
            in_sync_disks=present,
            degraded=missing > 0 or present < raid_disks,
            members=tuple(members),
            member_errors=tuple(member_errors),
            metadata=profiles or None,
            uuid=uuid,
            kind="btrfs",
            sources=tuple(sources),
            disagreements=tuple(disagreements),
            label=sysfs.label,
            mountpoints=mountpoints,
        )
        return arr, problems

    def _progs_problem(self, res: CommandResult) -> Problem:
        """A btrfs command that gave nothing: a warning (sysfs still answers), critical only when it could not
        start for want of resources; "needs root" only where the exit status can mean that."""
        why = res.describe_failure() or f"`{res.command}`: no output"
        if res.exhausted:
            return self.problem(res.command, why, "critical")
        if res.timed_out or res.returncode is None:
            return self.problem(res.command, why)
        return self.problem(res.command, f"{why} (needs root)")

    def _kernel_name(self, probe: Probe, path: str) -> str:
        """/dev/loop0 -> loop0; /dev/mapper/x and other links -> what they point to (dm-3)."""
        base = path.rsplit("/", 1)[-1]
        if path.startswith("/dev/") and path.count("/") > 2:
            try:
                return probe.read_link(path).rsplit("/", 1)[-1]
            except ProbeError as exc:
                if blinding(exc):
                    raise
                return base
        return base

    def _devid_names(self, probe: Probe, show: BtrfsFilesystem | None) -> dict[int, str]:
        if show is None:
            return {}
        return {d.devid: self._kernel_name(probe, d.path) for d in show.present_devices if d.path}

    def _named(self, s: BtrfsDeviceStats, by_devid: dict[int, str]) -> BtrfsDeviceStats:
        if s.devid is not None and s.devid in by_devid:
            return BtrfsDeviceStats(by_devid[s.devid], s.counters, s.devid)
        return s

    def _show(
        self, probe: Probe, uuid: str, problems: list[Problem], notes: list[str]
    ) -> BtrfsFilesystem | None:
        if self._progs_missing:
            return None
        argv = ["btrfs", "filesystem", "show", "--raw", uuid]
        res = probe.run(argv, timeout=COMMAND_TIMEOUT)
        if res.missing:
            self._progs_missing = True
            return None
        cmd = " ".join(argv)
        if res.returncode is not None:
            self.saw(probe, PROGS)
        if res.timed_out or res.returncode != 0 or not res.stdout.strip():
            problems.append(self._progs_problem(res))
            return None
        try:
            result = parse_filesystem_show(res.stdout, cmd, keep_going=True)
        except ParseError as exc:
            problems.append(self.problem(cmd, str(exc)))
            return None
        problems.extend(self.problem(cmd, str(e)) for e in result.errors)
        notes.extend(result.warnings)
        fs = next((f for f in result.filesystems if f.uuid == uuid), None)
        if fs is None:
            problems.append(self.problem(cmd, f"filesystem {uuid} not in its output"))
        return fs

    def _stats(self, probe: Probe, mountpoint: str, problems: list[Problem]) -> list[BtrfsDeviceStats]:
        if self._progs_missing:
            return []
        argv = ["btrfs", "device", "stats", "-c", mountpoint]
        res = probe.run(argv, timeout=COMMAND_TIMEOUT)
        if res.missing:
            self._progs_missing = True
            return []
        cmd = " ".join(argv)
        if res.returncode is not None:
            self.saw(probe, PROGS)
        if res.timed_out or res.returncode not in _STATS_OK or not res.stdout.strip():
            problems.append(self._progs_problem(res))
            return []
        try:
            devices = parse_device_stats(res.stdout, cmd).devices
        except ParseError as exc:
            problems.append(self.problem(cmd, str(exc)))
            return []
        return [
            BtrfsDeviceStats(self._kernel_name(probe, d.device), d.counters, d.devid)
            if d.device.startswith("/dev/")
            else d
            for d in devices
        ]


__all__ = ["BtrfsCollector", "array_name", "read_btrfs_sysfs"]
