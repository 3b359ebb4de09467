"""SMART health of every physical disk: smartctl run through the probe, never waking a sleeping disk.

Per disk, one `smartctl -a` (argv chosen by `smartctl_argv`): spinning or unknown disks get `-n standby`, so
a disk that sleeps stays asleep (smartctl exits 2 with "Device is in STANDBY mode"); SSD/NVMe need no
standby check; NVMe gets `-d nvme`; everything else (SATA, SAS, USB bridges) is left to smartctl's own
detection. The sweep runs in a bounded thread pool with a per-device timeout; the probe kills a hung
smartctl's whole process group. The text is parsed by parsers.smartctl (pySMART-backed).

A run that gives no reading (a timeout, a crash, garbage, output over the probe's cap, an UNKNOWN verdict)
never turns a disk last read WARN or FAIL into UNKNOWN: that reading is shown again with its own read_at
(its age shows, as for a sleeping disk) and the failure is a problem. smartctl gone after it had run is
one critical problem (the daemon marks SMART stale) and every last reading is kept.

NVMe: one run per drive, not per namespace. The health log and identify data smartctl prints are the
controller's, so the drive's first namespace is read and its other namespaces (and native-multipath path
devices nvmeXcYnZ, which have no /dev node) get the same reading with a note saying so (`one_per_drive`).

Why `-a` and not `-x`: `-a` holds everything the parser reads (identity, overall health, attributes, error
and self-test logs, NVMe health log, SCSI error counters), pySMART reads `-a` attribute tables as they are
(it misreads `-x` ones), and `-x` adds slow extended logs (SCT, GP logs) that some SAS and USB bridges
take seconds to answer or time out on.

Privileges: SATA/SAS SMART needs CAP_SYS_RAWIO, NVMe passthrough CAP_SYS_ADMIN (root has both). Without
them smartctl cannot open the device: a per-device problem, never a crash, never taken for standby.

macOS: the physical whole disks come from `diskutil list -plist` and `diskutil info -plist diskN` (the argv
the macdisks collector runs, so one recording serves both; the collectors still share nothing but the pure
parsers): not APFS containers, AppleRAID set devices or disk images. smartctl gets `/dev/diskN` with no
`-d`: on Darwin it picks ATA or NVMe from the IOKit SMART interface the device offers, which is exact
(`-d nvme` would fail on the AHCI PCI-Express SSDs of some 2013-2015 Macs). smartctl on macOS reads ATA and
NVMe only (SAS and most USB bridges: a per-device problem) and needs root. Its ATA layer cannot check the
power mode: `-n standby` is still passed to spinning disks but smartctl answers "CHECK POWER MODE not
implemented, ignoring -n option" and reads the disk anyway (a note says so).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from raidwatch.collectors.base import (
    KEPT_ASSESSMENTS,
    Collector,
    Contribution,
    blinding,
    kept_reading,
    reading_time,
    standby_reading,
)
from raidwatch.errors import ParseError, ProbeError
from raidwatch.model import Disk, Problem, SmartHealth, identity_key
from raidwatch.parsers.diskutil import parse_diskutil_info_plist
from raidwatch.parsers.diskutil_list import (
    LIST_ARGV,
    info_argv,
    is_physical_disk,
    needs_info,
    parse_diskutil_list_plist,
    smart_transport,
)
from raidwatch.parsers.smartctl import parse_smartctl_text
from raidwatch.parsers.sysblock import (
    classify,
    is_nvme_namespace,
    is_nvme_path,
    nvme_unit,
    parent_from_link,
    parse_flag,
    transport_from_link,
)
from raidwatch.probe import CommandResult, Probe

log = logging.getLogger(__name__)

SMARTCTL = "smartctl"
SYS_BLOCK = "/sys/block"
# /sys/block entries that are not physical disks (arrays, mappings, loops, RAM, optical, floppy, network,
# bcache devices)
NOT_DISKS = ("md", "dm-", "loop", "ram", "zram", "sr", "fd", "nbd", "bcache")
# virtual disks with no SMART behind them: virtio-blk, Xen, SD/eMMC
NO_SMART = ("vd", "xvd", "mmcblk")
PERMISSION_HINT = "permission denied (run as root or grant CAP_SYS_RAWIO / CAP_SYS_ADMIN for NVMe)"
MISSING_HINT = "smartctl not found: install smartmontools"
LOST_HINT = "smartctl ran before and is now not found: the last readings are kept (stale)"
SMARTCTL_SOURCE = "command:smartctl"  # what saw()/seen() remember smartctl answering under
DISKUTIL_TIMEOUT = 30.0
NO_POWER_MODE = "CHECK POWER MODE not implemented"
SHARED_NOTE = "SMART read through {reader}: one reading per NVMe drive (its health log is the controller's)"


def _signal_name(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return str(num)


class DiscoveryFailed(Exception):
    """macOS: `diskutil list -plist` could not be had, so there is no disk to read."""


@dataclass(frozen=True)
class DiskTarget:
    """A physical disk to read, with what /sys/block says about it (read without opening the device)."""

    name: str  # kernel name: sda, nvme0n1; disk0 on macOS
    transport: str | None = None  # ata, scsi, nvme, usb, ...
    rotational: bool | None = None  # None when sysfs does not say: treated as spinning (standby check)
    model: str | None = None
    serial: str | None = None
    wwn: str | None = None  # normalized like blockdev's (parsers.sysblock.classify)
    os: str = "Linux"  # Darwin: smartctl picks ATA or NVMe itself (no -d)
    # NVMe: the drive this namespace (or multipath path) is a slice of, as blockdev keys it
    # (parsers.sysblock.nvme_unit), and what the kernel groups the drive's namespaces and paths by: the
    # subsystem NQN, else the controller. One smartctl per `drive`.
    unit: str | None = None
    drive: str | None = None

    @property
    def solid_state(self) -> bool:
        return self.transport == "nvme" or self.name.startswith("nvme") or self.rotational is False


def smartctl_argv(target: DiskTarget) -> list[str]:
    """The exact command run for one disk (also what `raidwatch record` captures and replay looks up)."""
    argv = [SMARTCTL, "-a"]
    if target.os == "Darwin":
        if not target.solid_state:
            argv += ["-n", "standby"]  # macOS smartctl ignores it (says so); kept so the intent is the same
    elif target.transport == "nvme" or target.name.startswith("nvme"):
        argv += ["-d", "nvme"]
    elif not target.solid_state:
        argv += ["-n", "standby"]  # exit 2 and read nothing if the disk sleeps (or is in SLEEP mode)
    argv.append(f"/dev/{target.name}")
    return argv


@dataclass(frozen=True)
class _Outcome:
    """What reading one disk gave."""

    disk: Disk | None = None
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    missing: bool = False  # smartctl is not installed (or not in the recording)
    ran: bool = False  # smartctl ran and exited (whatever it said)
    exhausted: str = ""  # smartctl could not be started for want of descriptors, processes or memory


class SmartCollector(Collector):
    """SMART health of every physical disk, read in a bounded pool; sleeping disks keep their last reading."""

    name = "smart"
    platforms = frozenset({"Linux", "Darwin"})
    timeout: float = 30.0  # seconds per device
    max_workers: int = 4

    def __init__(
        self,
        timeout: float | None = None,
        max_workers: int | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if timeout is not None:
            self.timeout = timeout
        if max_workers is not None:
            self.max_workers = max(1, max_workers)
        self.clock = clock
        # identity -> the last full reading, shown (with its age) while the disk sleeps
        self._previous: dict[str, SmartHealth] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------------ discovery

    @staticmethod
    def _host_os(probe: Probe) -> str:
        try:
            return probe.header().os
        except ProbeError:
            return "Linux"

    def discover(self, probe: Probe) -> tuple[list[DiskTarget], list[str]]:
        """The physical disks to read, and notes (macOS: diskutil; otherwise /sys/block)."""
        targets, notes, _problems = self._discover(probe)
        return targets, notes

    def _discover(self, probe: Probe) -> tuple[list[DiskTarget], list[str], list[Problem]]:
        if self._host_os(probe) == "Darwin":
            return self.discover_darwin(probe)
        targets, notes = self.discover_sysblock(probe)
        return targets, notes, []

    def discover_darwin(self, probe: Probe) -> tuple[list[DiskTarget], list[str], list[Problem]]:
        """Physical whole disks from `diskutil list -plist` + `diskutil info -plist diskN` (nothing opened).

        Raises DiscoveryFailed when the list itself cannot be had; a disk whose `info` fails is a problem
        (its SMART is not read: nothing says it is not an AppleRAID set).
        """
        cmd = " ".join(LIST_ARGV)
        res = probe.run(LIST_ARGV, timeout=DISKUTIL_TIMEOUT)
        if res.missing or res.timed_out or res.returncode != 0:
            raise DiscoveryFailed(f"{res.describe_failure() or 'failed'}; no disk to read SMART from")
        try:
            listing = parse_diskutil_list_plist(res.stdout, cmd)
        except ParseError as exc:
            raise DiscoveryFailed(f"{exc}; no disk to read SMART from") from None
        notes: list[str] = list(listing.warnings)
        problems: list[Problem] = []
        targets: list[DiskTarget] = []
        for d in listing.disks:
            if not needs_info(d):
                continue  # an APFS container: its physical stores are partitions of disks listed on their own
            argv = info_argv(d.identifier)
            icmd = " ".join(argv)
            ires = probe.run(argv, timeout=DISKUTIL_TIMEOUT)
            if ires.missing or ires.timed_out or ires.returncode != 0:
                why = f"`{icmd}` {ires.describe_failure() or 'failed'}; SMART not read"
                problems.append(self.problem(f"/dev/{d.identifier}", why))
                continue
            try:
                info = parse_diskutil_info_plist(ires.stdout, icmd)
            except ParseError as exc:
                problems.append(self.problem(f"/dev/{d.identifier}", f"{exc}; SMART not read"))
                continue
            if not is_physical_disk(d, info):
                notes.append(f"{d.identifier}: not a physical disk (APFS container, AppleRAID set or image)")
                continue
            targets.append(
                DiskTarget(
                    name=d.identifier,
                    transport=smart_transport(info.bus_protocol),
                    rotational=(not info.solid_state) if info.solid_state is not None else None,
                    os="Darwin",
                )
            )
        return targets, notes, problems

    def discover_sysblock(self, probe: Probe) -> tuple[list[DiskTarget], list[str]]:
        """Whole physical disks from /sys/block (nothing is opened, so nothing wakes), and notes."""
        notes: list[str] = []
        targets: list[DiskTarget] = []
        for name in probe.list_dir(SYS_BLOCK):
            if name.startswith(NOT_DISKS):
                continue
            if name.startswith(NO_SMART):
                notes.append(f"{name}: virtual or flash-card disk, no SMART to read")
                continue
            targets.append(self._target(probe, name))
        return targets, notes

    def _opt(self, probe: Probe, path: str) -> str | None:
        return self.optional(probe, path)  # unknown when unreadable; a timeout or exhaustion raises

    def _target(self, probe: Probe, name: str) -> DiskTarget:
        base = f"{SYS_BLOCK}/{name}"
        try:
            link = probe.read_link(base)
        except ProbeError as exc:
            if blinding(exc):
                raise
            link = ""
        model = self._opt(probe, f"{base}/device/model") or None
        serial = (self._opt(probe, f"{base}/device/serial") or self._opt(probe, f"{base}/serial")) or None
        unit = drive = None
        if is_nvme_namespace(name):
            controller = parent_from_link(link) if link else None
            nqn = self._opt(probe, f"{base}/device/subsysnqn") or None
            unit = nvme_unit(model, serial, nqn, controller)
            drive = nqn or controller or unit
        return DiskTarget(
            name=name,
            transport=transport_from_link(name, link),
            rotational=parse_flag(self._opt(probe, f"{base}/queue/rotational")),
            model=model,
            serial=serial,
            wwn=classify(self._opt(probe, f"{base}/wwid") or self._opt(probe, f"{base}/device/wwid")),
            unit=unit,
            drive=drive,
        )

    @staticmethod
    def one_per_drive(targets: list[DiskTarget]) -> tuple[list[DiskTarget], dict[str, list[DiskTarget]]]:
        """The targets to run smartctl on, and per reader the targets that share its reading.

        NVMe: the SMART/Health log smartctl reads (`-d nvme`, namespace id 0xffffffff) and the identify data
        are the controller's, for all its namespaces, so one run per drive: the drive's first namespace by
        name is read, its other namespaces and its native-multipath path devices (nvmeXcYnZ: no /dev node to
        open) get that reading. A drive seen only through path devices is not read. Everything else: one
        run per kernel disk, as before."""
        readers: dict[str, DiskTarget] = {}
        for t in targets:
            if t.drive is not None and not is_nvme_path(t.name):
                cur = readers.get(t.drive)
                if cur is None or t.name < cur.name:
                    readers[t.drive] = t
        read: list[DiskTarget] = []
        shared: dict[str, list[DiskTarget]] = {}
        for t in targets:
            if t.drive is None or readers.get(t.drive) is t:
                read.append(t)
            elif t.drive in readers:
                shared.setdefault(readers[t.drive].name, []).append(t)
        return read, shared

    # ------------------------------------------------------------------------------------------ collect

    def collect(self, probe: Probe) -> Contribution:
        try:
            targets, notes, problems = self._discover(probe)
        except ProbeError as exc:
            return Contribution(problems=(self.problem(SYS_BLOCK, str(exc), "critical"),))
        except DiscoveryFailed as exc:
            return Contribution(problems=(self.problem(" ".join(LIST_ARGV), str(exc), "critical"),))
        now = self.clock() if self.clock is not None else reading_time(probe)
        read, shared = self.one_per_drive(targets)
        for t in targets:
            if t.drive is not None and t not in read and not any(t in v for v in shared.values()):
                notes.append(f"{t.name}: an NVMe multipath path with no namespace device to read SMART from")
        outcomes: list[_Outcome] = []
        if read:
            with ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="smartctl") as pool:
                outcomes = list(pool.map(lambda t: self.read_disk(probe, t, now), read))
        disks: list[Disk] = []
        missing = any(o.missing for o in outcomes)
        for t, o in zip(read, outcomes, strict=True):
            if o.disk is not None:
                disks.append(o.disk)
            problems.extend(o.problems)
            notes.extend(o.notes)
            for other in shared.get(t.name, ()):
                if o.disk is None or o.disk.smart is None:
                    continue
                disks.append(self._disk(other, self._shared(o.disk.smart, t, other)))
                notes.append(f"{other.name}: {SHARED_NOTE.format(reader=t.name)}")
        if any(o.ran for o in outcomes):
            self.saw(probe, SMARTCTL_SOURCE)
        if missing:
            # one problem, not one per disk; critical (stale, last readings kept) once smartctl had answered
            if self.seen(probe, SMARTCTL_SOURCE) or any(o.missing and o.disk is not None for o in outcomes):
                problems.insert(0, self.problem(SMARTCTL, LOST_HINT, "critical"))
            else:
                problems.insert(0, self.problem(SMARTCTL, MISSING_HINT))
        exhausted = next((o.exhausted for o in outcomes if o.exhausted), "")
        if exhausted:
            problems.insert(0, self.problem(SMARTCTL, f"could not start smartctl: {exhausted}", "critical"))
        for n in notes:
            log.debug("smart: %s", n)
        return Contribution(disks=tuple(disks), problems=tuple(problems), notes=tuple(notes))

    def read_disk(self, probe: Probe, target: DiskTarget, now: float) -> _Outcome:
        """Run smartctl for one disk and turn the result into a Disk carrying its SmartHealth. A read that
        fails (timeout, crash, garbage, smartctl gone) never turns a disk last read WARN or FAIL into UNKNOWN:
        that reading is kept with its own read_at, and the failure is a problem."""
        argv = smartctl_argv(target)
        command = " ".join(argv)
        dev = f"/dev/{target.name}"
        res = probe.run(argv, timeout=self.timeout)
        if res.missing:
            return self._unread(target, MISSING_HINT, missing=True)
        if res.timed_out:
            why = (
                f"smartctl not run: {res.error}"
                if res.error
                else f"smartctl timed out after {self.timeout:g}s (process group killed)"
            ) + "; the disk may be hung"
            return self._unread(target, why)
        if res.returncode is None:  # not started (not executable, out of descriptors), or output too large
            why = res.describe_failure() or f"`{command}`: could not run"
            out = self._unread(target, why)
            return replace(out, exhausted=res.error if res.exhausted else "")
        if res.returncode < 0:
            why = f"smartctl was killed by signal {_signal_name(-res.returncode)} (crashed?)"
            return replace(self._unread(target, why, exit_status=res.returncode), ran=True)
        try:
            health = parse_smartctl_text(self._text(res), command, res.returncode)
        except ParseError as exc:
            why = f"smartctl output not understood: {exc}"
            return replace(self._unread(target, why, exit_status=res.returncode, read_at=now), ran=True)
        if health.standby:
            return replace(self._standby(target, health), ran=True)
        health = replace(health, read_at=now)
        problems: tuple[Problem, ...] = ()
        if health.permission_denied:
            problems = (self.problem(dev, PERMISSION_HINT),)
        elif health.open_failed:
            problems = (self.problem(dev, f"smartctl could not open the device: {health.open_failed}"),)
        notes: tuple[str, ...] = ()
        if not target.solid_state and NO_POWER_MODE in res.stdout:
            notes = (f"{target.name}: smartctl cannot check the power mode here; -n standby was ignored",)
        if health.health_passed is not None or health.assessment != "UNKNOWN":
            disk = self._disk(target, health)
            with self._lock:
                self._previous[self._key(target)] = health
                self._previous[disk.identity] = health
            return _Outcome(disk, problems, notes, ran=True)
        # UNKNOWN (no permission, could not open, no SMART section): never in place of a WARN/FAIL reading
        prev = self._last(target)
        if prev is not None and prev.assessment in KEPT_ASSESSMENTS:
            why = health.message or next(iter(health.reasons), "no verdict in smartctl's output")
            note = f"{target.name}: read UNKNOWN ({why}); last reading kept (read at {prev.read_at})"
            return _Outcome(self._disk(target, kept_reading(prev, why)), problems, (*notes, note), ran=True)
        return _Outcome(self._disk(target, health), problems, notes, ran=True)

    def _last(self, target: DiskTarget) -> SmartHealth | None:
        with self._lock:
            return self._previous.get(self._key(target))

    def _unread(
        self,
        target: DiskTarget,
        why: str,
        *,
        missing: bool = False,
        exit_status: int | None = None,
        read_at: float | None = None,
    ) -> _Outcome:
        """A disk smartctl gave no reading for. Its last WARN/FAIL reading (any last reading when smartctl is
        gone) is kept with its own read_at and a problem says why; otherwise UNKNOWN with the problem."""
        dev = f"/dev/{target.name}"
        prev = self._last(target)
        if prev is not None and (missing or prev.assessment in KEPT_ASSESSMENTS):
            note = f"{target.name}: not read ({why}); last reading kept (read at {prev.read_at})"
            problems = (
                ()
                if missing
                else (self.problem(dev, f"{why}; the last reading ({prev.assessment}) is kept"),)
            )
            return _Outcome(self._disk(target, kept_reading(prev, why)), problems, (note,), missing=missing)
        if missing:
            return _Outcome(missing=True)
        health = SmartHealth(
            assessment="UNKNOWN", exit_status=exit_status, message=why, reasons=(why,), read_at=read_at
        )
        return _Outcome(self._disk(target, health), (self.problem(dev, why),))

    def _standby(self, target: DiskTarget, health: SmartHealth) -> _Outcome:
        with self._lock:
            prev = self._previous.get(self._key(target))
        kept, note = standby_reading(health, prev, target.name)
        return _Outcome(self._disk(target, kept), notes=(note,))

    @staticmethod
    def _shared(health: SmartHealth, reader: DiskTarget, other: DiskTarget) -> SmartHealth:
        """The reading of `reader` for another namespace or path of its drive: the same values, its own
        namespace id, and a note saying where the reading came from."""
        return replace(
            health,
            wwn=other.wwn,
            notes=(*health.notes, SHARED_NOTE.format(reader=reader.name)),
        )

    @staticmethod
    def _text(res: CommandResult) -> str:
        # smartctl writes its report (errors included) to stdout; stderr only when stdout has nothing
        return res.stdout if res.stdout.strip() else res.stderr

    @staticmethod
    def _key(target: DiskTarget) -> str:
        """A key for the previous reading that is known before reading (sysfs identity, else the name)."""
        return target.unit or identity_key(target.wwn, target.model, target.serial, target.name)

    @staticmethod
    def _disk(target: DiskTarget, health: SmartHealth | None) -> Disk:
        """The disk as SMART sees it; inventory merges it over the /sys/block one (sysfs identity first)."""
        wwn = target.wwn or (classify(health.wwn) if health else None)
        serial = target.serial or (health.serial if health else None)
        model = target.model or (health.model if health else None)
        if not target.wwn and not target.serial and health is not None:
            model = health.model or target.model  # the identity pair must come from one source
        identity = identity_key(wwn, model, serial, target.name)
        if target.unit is not None:
            # an NVMe namespace is its drive (blockdev's key); SMART's Serial/Model Number are the
            # controller's, so they name the drive when sysfs had no serial
            identity = target.unit
            if target.unit.startswith("name:") and health is not None and health.serial:
                identity = identity_key(None, model, health.serial, target.name)
        return Disk(
            name=target.name,
            identity=identity,
            model=model,
            serial=serial,
            wwn=wwn,
            size_bytes=health.capacity_bytes if health else None,
            rotational=target.rotational,
            transport=target.transport,
            smart=health,
        )
