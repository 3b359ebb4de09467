"""Linux block device graph from /sys/block: disks, partitions, md/dm and what each sits on."""

from __future__ import annotations

from dataclasses import replace

from raidwatch.collectors.base import Collector, Contribution, blinding
from raidwatch.errors import ProbeError
from raidwatch.model import BlockDevice, HostHeader, Problem
from raidwatch.parsers.sysblock import (
    classify,
    device_kind,
    is_nvme_namespace,
    nvme_unit,
    parent_from_link,
    parse_devno,
    parse_flag,
    parse_size,
    transport_from_link,
    unescape_udev,
)
from raidwatch.probe import Probe

SYS_BLOCK = "/sys/block"
BY_LABEL = "/dev/disk/by-label"
# pseudo devices with nothing to do with where data lives
IGNORED_PREFIXES = ("ram", "zram", "fd", "sr", "nbd")


class BlockDevCollector(Collector):
    """Reads /sys/block/* (never opens a device, so it wakes no disk)."""

    name = "blockdev"

    def applicable(self, probe: Probe, header: HostHeader) -> str | None:
        return super().applicable(probe, header)

    def collect(self, probe: Probe) -> Contribution:
        problems: list[Problem] = []
        devices: list[BlockDevice] = []
        try:
            names = probe.list_dir(SYS_BLOCK)
        except ProbeError as exc:
            return Contribution(problems=(self.problem(SYS_BLOCK, str(exc), "critical"),))
        for name in names:
            if name.startswith(IGNORED_PREFIXES):
                continue
            try:
                dev, parts = self._device(probe, name)
            except ProbeError as exc:
                # a device that went away meanwhile is a warning; a read that could not look is critical
                problems.append(self.item_problem(f"{SYS_BLOCK}/{name}", exc))
                continue
            devices.append(dev)
            devices.extend(parts)
        try:
            labels = self._labels(probe)
        except ProbeError as exc:
            problems.append(self.item_problem(BY_LABEL, exc))
            labels = {}
        if labels:
            devices = [replace(d, label=labels[d.name]) if d.name in labels else d for d in devices]
        return Contribution(devices=tuple(devices), problems=tuple(problems))

    def _labels(self, probe: Probe) -> dict[str, str]:
        """Filesystem labels from udev's /dev/disk/by-label links (readable without privileges)."""
        try:
            names = probe.list_dir(BY_LABEL)
        except ProbeError as exc:
            if blinding(exc):
                raise
            return {}  # no udev, or no labelled filesystem: labels are optional
        out = {}
        for entry in names:
            try:
                target = probe.read_link(f"{BY_LABEL}/{entry}")
            except ProbeError as exc:
                if blinding(exc):
                    raise
                continue
            out[target.rsplit("/", 1)[-1]] = unescape_udev(entry)
        return out

    def _opt(self, probe: Probe, path: str) -> str | None:
        # permission/io on an optional identity attribute: leave it unknown; a timeout or exhaustion raises
        return self.optional(probe, path)

    def _nvme(
        self, probe: Probe, base: str, link: str, model: str | None, serial: str | None
    ) -> tuple[str | None, str | None]:
        """An NVMe namespace's controller (or, under native multipath, subsystem) and the drive it is a
        slice of: its `device` is the controller/subsystem, whose serial and model name the drive for every
        namespace and path of it (parsers.sysblock.nvme_unit); its own `wwid` names the namespace only."""
        controller = parent_from_link(link) if link else None
        if controller is None:  # no /sys/block link recorded: the `device` link names it too
            try:
                controller = probe.read_link(f"{base}/device").rstrip("/").rsplit("/", 1)[-1] or None
            except ProbeError as exc:
                if blinding(exc):
                    raise
                controller = None
        nqn = None if serial else self._opt(probe, f"{base}/device/subsysnqn")
        return controller, nvme_unit(model, serial, nqn, controller)

    def _device(self, probe: Probe, name: str) -> tuple[BlockDevice, list[BlockDevice]]:
        base = f"{SYS_BLOCK}/{name}"
        entries = probe.list_dir(base)
        kind = device_kind(name, "dm" in entries, "md" in entries, "loop" in entries)
        slaves: tuple[str, ...] = ()
        if "slaves" in entries:
            try:
                slaves = tuple(probe.list_dir(f"{base}/slaves"))
            except ProbeError as exc:
                if blinding(exc):
                    raise
                slaves = ()
        dm_name = dm_uuid = None
        if kind == "dm":
            dm_name = self._opt(probe, f"{base}/dm/name")
            dm_uuid = self._opt(probe, f"{base}/dm/uuid")
        model = vendor = serial = wwn = transport = unit = controller = None
        if kind == "disk":
            model = self._opt(probe, f"{base}/device/model")
            vendor = self._opt(probe, f"{base}/device/vendor")
            serial = self._opt(probe, f"{base}/device/serial") or self._opt(probe, f"{base}/serial")
            wwn = self._opt(probe, f"{base}/wwid") or self._opt(probe, f"{base}/device/wwid")
            try:
                link = probe.read_link(base)
            except ProbeError as exc:
                if blinding(exc):
                    raise
                link = ""
            transport = transport_from_link(name, link)
            if is_nvme_namespace(name):
                controller, unit = self._nvme(probe, base, link, model, serial)
        dev = BlockDevice(
            name=name,
            kind=kind,
            size_bytes=parse_size(self._opt(probe, f"{base}/size")),
            slaves=slaves,
            dm_name=dm_name,
            dm_uuid=dm_uuid,
            model=model,
            vendor=vendor,
            serial=serial,
            wwn=classify(wwn),
            rotational=parse_flag(self._opt(probe, f"{base}/queue/rotational")),
            removable=parse_flag(self._opt(probe, f"{base}/removable")),
            read_only=parse_flag(self._opt(probe, f"{base}/ro")),
            transport=transport,
            devno=parse_devno(self._opt(probe, f"{base}/dev")),
            unit=unit,
            controller=controller,
        )
        parts = []
        for entry in entries:
            if not entry.startswith(name) or entry == name:
                continue
            pbase = f"{base}/{entry}"
            if self._opt(probe, f"{pbase}/partition") is None:
                continue
            parts.append(
                BlockDevice(
                    name=entry,
                    kind="partition",
                    size_bytes=parse_size(self._opt(probe, f"{pbase}/size")),
                    parent=name,
                    read_only=parse_flag(self._opt(probe, f"{pbase}/ro")),
                    devno=parse_devno(self._opt(probe, f"{pbase}/dev")),
                )
            )
        return dev, parts
