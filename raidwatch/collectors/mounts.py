"""Mounted filesystems (psutil), with the device number each sits on (/proc/self/mountinfo)."""

from __future__ import annotations

from dataclasses import replace

from raidwatch.collectors.base import Collector, Contribution
from raidwatch.errors import ParseError, ProbeError
from raidwatch.model import HostHeader, Mount
from raidwatch.parsers.sysblock import parse_mountinfo
from raidwatch.probe import Probe

MOUNTINFO = "/proc/self/mountinfo"
# Filesystems that never hold data worth a redundancy verdict.
IGNORED_FSTYPES = frozenset(
    {"squashfs", "iso9660", "udf", "overlay", "tmpfs", "devtmpfs", "ramfs", "autofs", "fuse.lxcfs", "nsfs"}
)
IGNORED_MOUNT_PREFIXES = ("/snap/", "/var/lib/docker/", "/var/lib/containers/", "/run/", "/proc/", "/sys/")


class MountsCollector(Collector):
    """The volumes: what is mounted, from which device."""

    name = "mounts"
    platforms = frozenset({"Linux", "Darwin"})

    def applicable(self, probe: Probe, header: HostHeader) -> str | None:
        return super().applicable(probe, header)

    def collect(self, probe: Probe) -> Contribution:
        problems = []
        try:
            mounts = probe.mounts()
        except Exception as exc:  # psutil raises its own types; the run must go on
            return Contribution(
                problems=(self.problem("mount table", f"could not list mounts: {exc}", "critical"),)
            )
        devnos: dict[str, str] = {}
        if probe.header().os == "Linux":
            try:
                devnos = parse_mountinfo(probe.read_text(MOUNTINFO), MOUNTINFO)
            except ProbeError as exc:
                problems.append(self.item_problem(MOUNTINFO, exc))
            except ParseError as exc:
                problems.append(self.problem(MOUNTINFO, str(exc)))
        kept = []
        seen = set()
        for m in mounts:
            if m.fstype in IGNORED_FSTYPES or (m.mountpoint + "/").startswith(IGNORED_MOUNT_PREFIXES):
                continue
            if m.mountpoint in seen:
                continue
            seen.add(m.mountpoint)
            kept.append(replace(m, devno=devnos.get(m.mountpoint)))
        return Contribution(mounts=tuple(sorted(kept, key=lambda m: m.mountpoint)), problems=tuple(problems))


__all__ = ["Mount", "MountsCollector"]
