"""The one vocabulary: frozen dataclasses shared by every room (arrays, disks, volumes, inventory)."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any


class MemberState(enum.StrEnum):
    """What a member device is doing in its array."""

    ACTIVE = "active"  # holds a role in the array (in sync, or being rebuilt into it)
    FAILED = "failed"  # marked faulty (mdstat "(F)", sysfs "faulty")
    SPARE = "spare"  # no role: hot spare, or not yet added (mdstat "(S)")


class SyncAction(enum.StrEnum):
    """A background operation on an array. Rebuilds change the margin; scrubs do not."""

    RESYNC = "resync"
    RECOVERY = "recovery"
    CHECK = "check"
    REPAIR = "repair"
    RESHAPE = "reshape"

    @property
    def is_scrub(self) -> bool:
        """check/repair are routine scrubs; the rest change the redundancy margin."""
        return self in (SyncAction.CHECK, SyncAction.REPAIR)


class Severity(enum.StrEnum):
    """How loud a finding is."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


# Levels with no redundancy by nature, and how many member losses the others survive.
NON_REDUNDANT_LEVELS = frozenset(
    {"raid0", "linear", "faulty", "multipath", "stripe", "concat", "single", "dup"}
)
# Filesystem-level RAID: losses survived by profile, whatever the number of devices
# (btrfs raid1 keeps two copies on three disks as on two; dup keeps both copies on one disk).
BTRFS_PROFILE_LOSSES = {"raid1": 1, "raid1c3": 2, "raid1c4": 3, "raid10": 1, "raid5": 1, "raid6": 2}
# Controller levels beyond md's: the member losses they always survive (raid50/60: one/two in any
# span; raid1e/5e: one; ADM and triple mirrors: two).
HW_LEVEL_LOSSES = {
    "raid50": 1,
    "raid60": 2,
    "raid1e": 1,
    "raid5e": 1,
    "raid5ee": 1,
    "raid6e": 2,
    "raid1adm": 2,
    "raid1triple": 2,
    "raid10adm": 2,
    "raid10triple": 2,
}
RAIDZ_LOSSES = {"raidz1": 1, "raidz": 1, "raidz2": 2, "raidz3": 3, "draid1": 1, "draid2": 2, "draid3": 3}


@dataclass(frozen=True)
class SyncStatus:
    """A running or queued resync/recovery/check/repair/reshape."""

    action: SyncAction
    progress: float | None = None  # 0..1, None when queued or unknown
    finish_seconds: float | None = None  # the kernel's estimate of time left
    speed_kib_s: int | None = None
    delayed: bool = False  # queued behind another array on the same disks (resync=DELAYED)
    pending: bool = False  # waiting for the array to be written to (resync=PENDING, auto-read-only)
    done_blocks: int | None = None  # KiB blocks done (mdstat) or sectors (sysfs), with total_blocks
    total_blocks: int | None = None

    @property
    def running(self) -> bool:
        """True when the operation is actually progressing now (not queued)."""
        return not (self.delayed or self.pending)


@dataclass(frozen=True)
class Member:
    """A component device of an array."""

    device: str  # kernel name: sda1, nvme0n1p2, dm-3
    slot: int | None = None  # the number mdstat shows in brackets (the kernel's descriptor number)
    state: MemberState = MemberState.ACTIVE
    flags: tuple[str, ...] = ()  # subset of write-mostly, replacement, journal, failfast
    role: int | None = None  # raid role (sysfs dev-*/slot, mdadm RaidDevice); None for spares
    in_sync: bool | None = None  # holds current data for its role; None when no source says
    rebuilding: bool = False  # being recovered into a role right now
    raw_state: str | None = None  # sysfs dev-*/state or mdadm's state words, verbatim
    meta_device: str | None = None  # dm-raid (LVM RAID): the leg's metadata sub-LV (rmeta), lost with it


@dataclass(frozen=True)
class Array:
    """A software RAID array (md) after merging mdstat, sysfs and mdadm."""

    name: str  # md0, md127
    level: str | None  # raid0/1/4/5/6/10, linear, container, None when mdstat does not say (inactive)
    state: str  # active | inactive
    read_only: bool = False
    auto_read_only: bool = False
    raid_disks: int | None = None  # members the array should have
    in_sync_disks: int | None = None  # members holding current data
    degraded: bool = False
    members: tuple[Member, ...] = ()
    sync: SyncStatus | None = None
    size_bytes: int | None = None
    metadata: str | None = None  # "1.2", "0.90", "external:imsm", "external:/md127/0"
    container: str | None = None  # for a member of an external-metadata container: the container
    is_container: bool = False  # an imsm/ddf container (holds disks, no data of its own)
    status_map: str | None = None  # "UU_" as mdstat prints it, per role
    chunk_kib: int | None = None
    copies: int | None = None  # raid10: copies of each chunk (near_copies * far_copies)
    # md raid10 geometry (kernel raid10.c setup_geo; sysfs md/layout, mdstat, mdadm "Layout :"): each chunk
    # has near_copies * far_copies copies; far_offset ("offset=N") moves where on a device, not which devices
    near_copies: int | None = None
    far_copies: int | None = None
    far_offset: bool | None = None
    far_set_size: int | None = None  # devices per far set (layout bit 17/18 layouts); None = all raid disks
    uuid: str | None = None
    array_state: str | None = None  # sysfs array_state verbatim (clean, active, read-auto, ...)
    mismatch_cnt: int | None = None
    events: int | None = None
    kind: str = "md"
    sources: tuple[str, ...] = ()  # which sources contributed: mdstat, sysfs, mdadm
    failures_tolerated: int | None = None  # more physical-disk losses survived (filled by inventory)
    disagreements: tuple[str, ...] = ()  # where sources disagree, one sentence each
    label: str | None = None  # a human name where `name` is a device node (an AppleRAID set's "Name:")
    mountpoints: tuple[str, ...] = ()  # filesystems sitting directly on it (btrfs, ZFS), not on a device
    data_errors: int | None = None  # permanent data errors its filesystem knows of (ZFS error log)
    member_errors: tuple[tuple[str, int], ...] = ()  # member -> I/O+checksum errors since the last reset

    @property
    def raid10_layout(self) -> str | None:
        """An md raid10's layout as mdadm words it ("near=2", "offset=2", "near=2, far=2"), when known."""
        if self.near_copies is None and self.far_copies is None:
            return None
        return raid10_layout_text(self.near_copies or 1, self.far_copies or 1, bool(self.far_offset))

    @property
    def redundant_by_level(self) -> bool:
        """True when the level can survive a member loss at all."""
        return self.level is not None and self.level not in NON_REDUNDANT_LEVELS and not self.is_container

    @property
    def failed_members(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.state is MemberState.FAILED)

    @property
    def spare_members(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.state is MemberState.SPARE)

    def member_losses_survivable(self) -> int:
        """How many of its full complement of members this level survives losing (ignores state)."""
        n = self.raid_disks or 0
        if not self.redundant_by_level or n == 0:
            return 0
        if self.kind == "btrfs":
            return min(BTRFS_PROFILE_LOSSES.get(self.level or "", 0), n - 1)
        if self.level in RAIDZ_LOSSES:
            return min(RAIDZ_LOSSES[self.level or ""], n - 1)
        if self.level in HW_LEVEL_LOSSES:
            return min(HW_LEVEL_LOSSES[self.level or ""], n - 1)
        if self.level in ("raid1", "mirror"):  # mirror: AppleRAID's and ZFS's name for it
            return n - 1
        if self.level in ("raid4", "raid5"):
            return 1
        if self.level == "raid6":
            return 2
        if self.level == "raid10":
            return max((self.copies or 2) - 1, 0)
        return 0


@dataclass(frozen=True)
class BlockDevice:
    """A node of the kernel's block device graph (from /sys/block)."""

    name: str  # kernel name: sda, sda1, md0, dm-0, nvme0n1p1
    kind: str  # disk | partition | md | dm | loop | other
    size_bytes: int | None = None
    parent: str | None = None  # partition -> its disk
    slaves: tuple[str, ...] = ()  # md/dm -> the devices it sits on
    dm_name: str | None = None  # /dev/mapper name for dm devices
    dm_uuid: str | None = None  # LVM-..., CRYPT-..., mpath-...
    model: str | None = None
    vendor: str | None = None
    serial: str | None = None
    wwn: str | None = None
    rotational: bool | None = None
    removable: bool | None = None
    read_only: bool | None = None
    transport: str | None = None  # sata, sas, nvme, usb, virtio, ...
    devno: str | None = None  # "major:minor"
    label: str | None = None  # filesystem label (/dev/disk/by-label, diskutil VolumeName)
    # The physical device this disk is one view of, as a disk identity, when that is not the disk itself:
    # an NVMe namespace (or a native-multipath path nvmeXcYnZ) -> its drive, serial:MODEL:SERIAL from
    # the controller (parsers.sysblock.nvme_unit). inventory.disk_identity prefers it to `wwn`, which
    # for a namespace is the namespace's own EUI-64/NGUID, different for each namespace of one drive.
    unit: str | None = None
    controller: str | None = None  # NVMe: the controller (nvme0) or subsystem (nvme-subsys0) it hangs off


@dataclass(frozen=True)
class SmartHealth:
    """A disk's SMART reading (parsers.smartctl fills it; the smart collector adds read_at)."""

    assessment: str  # PASS | WARN | FAIL | UNKNOWN
    temperature_celsius: float | None = None
    power_on_hours: int | None = None
    attributes: tuple[tuple[str, int], ...] = ()  # selected failure predictors, name -> raw value
    exit_status: int | None = None
    standby: bool = False
    read_at: float | None = None  # unix time of the reading
    message: str | None = None  # why UNKNOWN (standby, open failed, no SMART), or smartctl's verdict text
    # identity
    device_type: str | None = None  # ata | nvme | scsi
    model: str | None = None  # ATA Device Model, NVMe Model Number, SCSI "Vendor Product"
    serial: str | None = None
    firmware: str | None = None
    wwn: str | None = None  # "0x5000cca2..." (ATA LU WWN / SCSI LU id) or "eui.0025..." (NVMe EUI-64)
    capacity_bytes: int | None = None
    rotation_rpm: int | None = None  # 0 = solid state (SSD/NVMe); None when not reported
    is_ssd: bool | None = None
    smart_supported: bool | None = None
    smart_enabled: bool | None = None
    health_passed: bool | None = None  # the drive's own overall verdict; None when not read
    # ATA failure predictors (raw values)
    reallocated_sectors: int | None = None  # 5
    reported_uncorrectable: int | None = None  # 187
    command_timeout: int | None = None  # 188
    pending_sectors: int | None = None  # 197
    offline_uncorrectable: int | None = None  # 198
    udma_crc_errors: int | None = None  # 199
    failing_now: tuple[str, ...] = ()  # attributes at/below threshold now (WHEN_FAILED FAILING_NOW)
    failed_in_past: tuple[str, ...] = ()  # attributes at/below threshold in the past (In_the_past)
    # NVMe health log
    nvme_critical_warning: int | None = None
    nvme_media_errors: int | None = None
    nvme_percentage_used: int | None = None
    nvme_available_spare: int | None = None  # percent
    nvme_available_spare_threshold: int | None = None  # percent
    nvme_unsafe_shutdowns: int | None = None
    # SCSI/SAS
    scsi_grown_defects: int | None = None
    scsi_uncorrected_errors: int | None = None  # read + write + verify, from the error counter log
    # last finished self-test; age in hours = power_on_hours - last_self_test_hours
    last_self_test_type: str | None = None
    last_self_test_result: str | None = None  # smartctl's status text verbatim
    last_self_test_passed: bool | None = None  # None when aborted/interrupted or unknown
    last_self_test_hours: int | None = None  # power-on hours at which it ran
    self_test_in_progress: bool = False
    # how the read went
    exit_bits: tuple[str, ...] = ()  # decoded exit_status bits (parsers.smartctl.EXIT_BITS)
    permission_denied: bool = False
    open_failed: str | None = None  # smartctl's reason when it could not open the device
    reasons: tuple[str, ...] = ()  # why the assessment is WARN/FAIL/UNKNOWN, one phrase each
    notes: tuple[str, ...] = ()  # where the parser completed or corrected pySMART, and other remarks

    @property
    def last_self_test_age_hours(self) -> int | None:
        """Power-on hours since the last finished self-test ran."""
        if self.power_on_hours is None or self.last_self_test_hours is None:
            return None
        return max(self.power_on_hours - self.last_self_test_hours, 0)


def raid10_layout_text(near: int, far: int, offset: bool = False) -> str:
    """raid10 geometry in mdadm's words (print_r10_layout): "near=2", "far=2", "offset=2", "near=2, far=2"."""
    words = [f"near={near}"] if near != 1 else []
    if far != 1:
        words.append(f"{'offset' if offset else 'far'}={far}")
    return ", ".join(words) or "near=1 (no redundancy)"


def identity_key(wwn: str | None, model: str | None, serial: str | None, name: str) -> str:
    """A disk's identity across reboots and controller moves: WWN, then model+serial, else the name."""
    if wwn:
        return f"wwn:{wwn}"
    if serial and model:
        return f"serial:{model.strip()}:{serial.strip()}"
    if serial:
        return f"serial:{serial.strip()}"
    return f"name:{name}"


@dataclass(frozen=True)
class Disk:
    """A physical disk: what data ultimately lives on. Keyed by a stable identity, not /dev/sdX."""

    name: str  # kernel name now (sda, nvme0n1, disk0): moves across reboots
    identity: str  # wwn:..., serial:MODEL:SERIAL, or name:sda when nothing stable is known
    model: str | None = None
    serial: str | None = None
    wwn: str | None = None
    size_bytes: int | None = None
    rotational: bool | None = None
    transport: str | None = None
    smart: SmartHealth | None = None

    @property
    def identity_stable(self) -> bool:
        return not self.identity.startswith("name:")


@dataclass(frozen=True)
class StackNode:
    """One level of a volume's device stack, down to the physical disks."""

    name: str  # kernel name
    kind: str  # disk | partition | md | dm | loop | other | unknown | copies (a raid10 copy set)
    detail: str | None = None  # raid1, LVM vg-lv, crypt, ...
    children: tuple[StackNode, ...] = ()
    need: int | None = None  # children that must stay available for this node to be; None = all
    failures_tolerated: int | None = None  # how many more disk losses this node survives
    key: str | None = None  # leaves: the physical disk identity (two paths to one LUN share it)
    redundant: bool = False  # this layer is a redundancy mechanism by design (mirror, parity)


@dataclass(frozen=True)
class Cache:
    """A cache in front of a slower device: bcache, dm-cache (lvmcache) or dm-writecache. The cached device
    is virtual, never a disk; its cache devices are in the volume's failure set only while they hold data
    found nowhere else (writeback with dirty data, or dirty data unknown)."""

    name: str  # kernel name of the cached (virtual) device: bcache0, dm-4
    kind: str  # bcache | dm-cache | dm-writecache
    mode: str | None  # writeback | writethrough | writearound | passthrough | none; None when unknown
    origin: str | None  # kernel name of the slow device it caches (bcache's backing device)
    cache_devices: tuple[str, ...] = ()  # kernel names holding its cached data (dm-cache: and its metadata)
    dirty_bytes: int | None = None  # written to the cache, not yet to the origin; None when unknown
    state: str | None = None  # bcache: clean | dirty | no cache | inconsistent; dm-cache: rw | ro | fail
    error: str | None = None  # why it is not working (dm-cache Fail, writecache I/O error, ...), else None
    label: str | None = None  # a human name (LVM vg/lv, the dm name)
    size_bytes: int | None = None  # the cache's capacity
    used_bytes: int | None = None  # of which in use
    failures_tolerated: int | None = None  # further disk losses its cache devices survive (by inventory)

    @property
    def holds_only_copy(self) -> bool:
        """Its cache devices hold data found nowhere else now: writeback (or an unknown mode) with dirty
        data, or with dirty data unknown."""
        if self.mode not in (None, "writeback") or not self.cache_devices:
            return False
        return self.dirty_bytes is None or self.dirty_bytes > 0


@dataclass(frozen=True)
class DmMap:
    """A device-mapper device as `dmsetup table` describes it: the target of each segment."""

    name: str  # kernel name: dm-3
    dm_name: str | None = None  # /dev/mapper name
    targets: tuple[str, ...] = ()  # per segment: linear, striped, raid, cache, crypt, thin, error, ...
    note: str | None = None  # why the targets are not known (dmsetup refused, missing, ...)


@dataclass(frozen=True)
class Mount:
    """A mounted filesystem as the OS reports it."""

    device: str  # as mounted: /dev/md0, /dev/mapper/vg-root, /dev/disk3s1
    mountpoint: str
    fstype: str
    options: str = ""
    devno: str | None = None  # "major:minor" from /proc/self/mountinfo, when known


@dataclass(frozen=True)
class Volume:
    """A mounted filesystem with the device stack it depends on."""

    mountpoint: str
    device: str
    fstype: str
    source: str | None  # kernel name of the top block device, None when it could not be resolved
    stack: StackNode | None
    disks: tuple[str, ...]  # identities of the physical disks it depends on
    failures_tolerated: int | None  # more disk losses survived: 0 = one failure loses it; -1 = lost now
    redundancy: str  # md, appleraid, btrfs, zfs, hardware, none, unknown
    problem: str | None = None  # why the stack or tolerance could not be determined
    label: str | None = None  # filesystem label of the mounted device, when known

    @property
    def redundant(self) -> bool:
        """Survives the loss of any single physical disk."""
        return self.failures_tolerated is not None and self.failures_tolerated >= 1


@dataclass(frozen=True)
class Problem:
    """Something a collector could not read or understand: becomes a finding and a metric."""

    collector: str
    subject: str  # file path, command, device
    message: str
    severity: Severity = Severity.WARNING


@dataclass(frozen=True)
class CollectorRun:
    """The outcome of one collector over one host."""

    name: str
    success: bool
    duration_seconds: float
    problems: tuple[Problem, ...] = ()
    skipped: str | None = None  # why it did not run (not applicable here)


@dataclass(frozen=True)
class HostHeader:
    """Who and when: from the live host or a recording's host.json."""

    hostname: str
    os: str  # Linux, Darwin
    kernel: str
    machine: str = ""
    recorded_at: str | None = None  # ISO 8601 when replayed from a recording
    raidwatch_version: str | None = None


@dataclass(frozen=True)
class Finding:
    """A policy result: something an operator should know or act on."""

    code: str
    severity: Severity
    subject: str
    message: str
    policy_key: str | None = None


@dataclass(frozen=True)
class HostInventory:
    """Everything raidwatch knows about one host at one moment."""

    header: HostHeader
    collected_at: float
    volumes: tuple[Volume, ...] = ()
    arrays: tuple[Array, ...] = ()
    disks: tuple[Disk, ...] = ()
    devices: tuple[BlockDevice, ...] = ()
    collectors: tuple[CollectorRun, ...] = ()
    problems: tuple[Problem, ...] = ()
    caches: tuple[Cache, ...] = ()  # bcache, dm-cache, dm-writecache (the dm collector)
    dm_maps: tuple[DmMap, ...] = ()  # device-mapper targets per dm device, when dmsetup was read

    def array(self, name: str) -> Array | None:
        return next((a for a in self.arrays if a.name == name), None)

    def volume(self, mountpoint: str) -> Volume | None:
        return next((v for v in self.volumes if v.mountpoint == mountpoint), None)

    def disk(self, key: str) -> Disk | None:
        """Look a disk up by identity or current kernel name."""
        return next((d for d in self.disks if key in (d.identity, d.name)), None)


def to_jsonable(obj: Any) -> Any:
    """Model objects -> plain JSON-ready values (enums as their string, tuples as lists)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    return obj


class ModelDataError(ValueError):
    """JSON that does not fit the model (a wrong type, a missing required field), with where it is."""


def from_jsonable(cls: type, data: Any, where: str = "") -> Any:
    """Plain JSON values (what to_jsonable wrote) -> an instance of `cls`, a model dataclass.

    Unknown keys are ignored (newer writers may add fields); a missing field takes its default; a value
    of the wrong type raises ModelDataError naming the path (`volumes[0].stack.children[1].kind`)."""
    import typing

    return _from(typing.get_type_hints(cls) and cls, data, where or cls.__name__)


def _from(tp: Any, data: Any, where: str) -> Any:
    import types
    import typing

    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _from(arg, data, where)
            except ModelDataError as exc:
                errors.append(str(exc))
        raise ModelDataError(errors[0] if errors else f"{where}: unexpected {type(data).__name__}")
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(data, list):
            raise ModelDataError(f"{where}: expected a list, got {type(data).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_from(args[0], x, f"{where}[{i}]") for i, x in enumerate(data))
        if len(args) != len(data):
            raise ModelDataError(f"{where}: expected {len(args)} items, got {len(data)}")
        return tuple(_from(t, x, f"{where}[{i}]") for i, (t, x) in enumerate(zip(args, data, strict=True)))
    if origin is dict:
        kt, vt = typing.get_args(tp)
        if not isinstance(data, dict):
            raise ModelDataError(f"{where}: expected an object, got {type(data).__name__}")
        return {_from(kt, k, where): _from(vt, v, f"{where}.{k}") for k, v in data.items()}
    if tp is Any:
        return data
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise ModelDataError(f"{where}: expected an object, got {type(data).__name__}")
        hints = typing.get_type_hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if not f.init:
                continue
            if f.name in data:
                kwargs[f.name] = _from(hints[f.name], data[f.name], f"{where}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ModelDataError(f"{where}: missing {f.name!r}")
        return tp(**kwargs)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError:
            raise ModelDataError(f"{where}: {data!r} is not one of {[e.value for e in tp]}") from None
    if tp is float:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return float(data)
        raise ModelDataError(f"{where}: expected a number, got {type(data).__name__}")
    if tp is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        raise ModelDataError(f"{where}: expected an integer, got {type(data).__name__}")
    if tp in (str, bool):
        if isinstance(data, tp):
            return data
        raise ModelDataError(f"{where}: expected {tp.__name__}, got {type(data).__name__}")
    if tp is type(None):
        if data is None:
            return None
        raise ModelDataError(f"{where}: expected null")
    raise ModelDataError(f"{where}: cannot read a {tp!r}")


__all__ = [
    "NON_REDUNDANT_LEVELS",
    "Array",
    "BlockDevice",
    "Cache",
    "CollectorRun",
    "Disk",
    "DmMap",
    "Finding",
    "HostHeader",
    "HostInventory",
    "Member",
    "MemberState",
    "ModelDataError",
    "Mount",
    "Problem",
    "Severity",
    "StackNode",
    "SyncAction",
    "SyncStatus",
    "Volume",
    "from_jsonable",
]
