"""Parse `mdadm --detail` and `mdadm --examine` text into typed results. Pure: text in, dataclasses out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from raidwatch.errors import ParseError
from raidwatch.model import MemberState, SyncAction, SyncStatus, to_jsonable
from raidwatch.parsers.bounds import check_lines, to_float

# Every pattern here is linear in the line's length. The rest of a line is taken whole (`.*`, stripped in
# code) rather than lazily before a trailing `\s*$`, which would retry the end of the line from every
# blank of a long run of them; a lazy prefix before `\s*(` is led by (?<!\s) for the same reason.
# "          Raid Level : raid1": a right-aligned key, " : ", the value (which may hold colons itself).
_KV_RE = re.compile(r"^\s*(?P<key>\S(?:.*?\S)?)\s+:(?P<value>(?:\s.*)?)$")
_HEADER_RE = re.compile(r"^(?P<dev>/\S*):\s*$")
_TABLE_HEAD_RE = re.compile(r"^\s*Number\s+Major\s+Minor\s+RaidDevice(?:\s+State)?\s*$")
_DDF_TABLE_HEAD_RE = re.compile(r"^\s*Number\s+RefNo\s+Size\s+Device\s+Type/State\s*$")
_DETAIL_ROW_RE = re.compile(
    r"^\s*(?P<number>-|[0-9]+)\s+(?P<major>[0-9]+)\s+(?P<minor>[0-9]+)\s+(?P<role>-|[0-9]+)(?:\s+(?P<rest>.*))?$"
)
# 0.90 --examine: "this     0     254        1        0      active sync   /dev/vda1" (no descriptor column)
_THIS_ROW_RE = re.compile(
    r"^this\s+(?P<number>[0-9]+)\s+(?P<major>[0-9]+)\s+(?P<minor>[0-9]+)\s+(?P<role>-|[0-9]+)(?:\s+(?P<rest>.*))?$"
)
# 0.90 --examine: "   1     1     254        2        1      active sync   /dev/vda2" (descriptor first)
_SB_ROW_RE = re.compile(
    r"^\s*(?P<desc>[0-9]+)\s+(?P<number>[0-9]+)\s+(?P<major>[0-9]+)\s+(?P<minor>[0-9]+)\s+(?P<role>-|[0-9]+)"
    r"(?:\s+(?P<rest>.*))?$"
)
_DDF_ROW_RE = re.compile(
    r"^\s*(?P<number>[0-9]+)\s+(?P<ref>[0-9A-Fa-f]+)\s+(?P<size>[0-9]+K?)\s+(?:(?P<dev>/\S+)\s+)?(?P<state>\S+)\s*$"
)
_CONTINUATION_RE = re.compile(r"^\s+\(.*\)\s*$")
_INDEXED_KEY_RE = re.compile(r"^(?P<base>.+?)\[(?P<idx>[0-9]+)\]$")
_SECTION_RE = re.compile(r"^\s*\[(?P<name>[^\]]+)\]:\s*$")
_DISK_SERIAL_RE = re.compile(r"^Disk(?P<n>[0-9]+) Serial$")
_LOCAL_RE = re.compile(r"^(?P<value>.*?)(?<!\s)\s*\(local to host (?P<host>[^)]*)\)$")
_SIZE_RE = re.compile(r"^(?P<n>[0-9]+)(?:\s+(?P<unit>KiB|sectors|K)\b)?")
_CHUNK_RE = re.compile(r"^(?P<n>[0-9]+)\s*(?P<unit>K|KiB|M|MiB)?\b")
_EVENTS_RE = re.compile(r"^(?P<a>[0-9]+)(?:\.(?P<b>[0-9]+))?$")
_STATUS_KEY_RE = re.compile(r"^(?P<what>[A-Za-z]+) Status$")
_PERCENT_RE = re.compile(r"^(?P<pct>[0-9]+(?:\.[0-9]+)?)\s*%")
_CONTAINER_RE = re.compile(r"^(?P<dev>[^,\s]+),?\s+member\s+(?P<member>[0-9]+)\b")
_QUEUED_RE = re.compile(r"^(?P<word>.*?)(?<!\s)\s*\((?P<queued>DELAYED|PENDING|REMOTE)\)$")
_ROLE_RE = re.compile(r"^(?P<kind>Active|Replacement) device (?P<n>[0-9]+)$")
_CHECKSUM_RE = re.compile(r"^(?P<sum>[0-9A-Fa-f]+)\s*(?:-\s*)?(?P<verdict>correct|expected\s+\S+)?")

# "Rebuild Status : 24% complete" and the matching word on the State line, as the model's sync actions.
_STATUS_ACTIONS = {
    "Rebuild": SyncAction.RECOVERY,
    "Recovery": SyncAction.RECOVERY,
    "Resync": SyncAction.RESYNC,
    "Reshape": SyncAction.RESHAPE,
    "Check": SyncAction.CHECK,
    "Repair": SyncAction.REPAIR,
}
_STATE_ACTIONS = {
    "recovering": SyncAction.RECOVERY,
    "resyncing": SyncAction.RESYNC,
    "reshaping": SyncAction.RESHAPE,
    "checking": SyncAction.CHECK,
    "repairing": SyncAction.REPAIR,
}
_DEVICE_FLAG_WORDS = ("writemostly", "failfast", "replacement", "journal")
_ARRAY_STATE_CHARS = {"A": "active", ".": "missing", "R": "replacing"}
_MAX_INT_DIGITS = 40
_T = TypeVar("_T")


@dataclass(frozen=True)
class MdadmDevice:
    """One row of the device table: `Number Major Minor RaidDevice State ... device`."""

    number: int | None  # the kernel's descriptor number; None for a "-" (removed slot, container disk)
    major: int
    minor: int
    raid_device: int | None  # the role it holds or is being rebuilt into; None for "-" (spare, faulty)
    state: tuple[str, ...]  # mdadm's words verbatim: ("active", "sync"), ("spare", "rebuilding"), ("faulty",)
    device: str | None  # /dev path; None for a removed slot
    descriptor: int | None = None  # 0.90 --examine only: the superblock descriptor the row came from

    @property
    def is_removed(self) -> bool:
        return "removed" in self.state

    @property
    def is_faulty(self) -> bool:
        return "faulty" in self.state

    @property
    def is_spare(self) -> bool:
        return "spare" in self.state

    @property
    def is_rebuilding(self) -> bool:
        return "rebuilding" in self.state

    @property
    def in_sync(self) -> bool:
        """Holds current data for its role ("active sync")."""
        return "sync" in self.state and not self.is_faulty

    @property
    def flags(self) -> tuple[str, ...]:
        """The per-device flags among the state words (writemostly, failfast, replacement, journal)."""
        return tuple(w for w in self.state if w in _DEVICE_FLAG_WORDS)

    @property
    def member_state(self) -> MemberState | None:
        """In the model's vocabulary; None for a removed slot (no device there)."""
        if self.is_removed:
            return None
        if self.is_faulty:
            return MemberState.FAILED
        if self.raid_device is not None:
            return MemberState.ACTIVE  # holds a role, in sync or being rebuilt into it
        return MemberState.SPARE


@dataclass(frozen=True)
class MdadmDetail:
    """What `mdadm --detail /dev/mdX` says about one array (or an imsm/ddf container).

    Sizes are KiB, as mdadm prints them. A 0.90 "Events : 0.19" (high.low 32-bit halves) becomes
    19 + (0 << 32). The running background operation is one `sync_action` + `sync_percent` pair
    (0..100); the `*_percent` properties read it per action.
    """

    device: str | None
    version: str | None = None  # metadata: "1.2", "0.90", "imsm", "ddf"
    level: str | None = None  # raid0/1/4/5/6/10, linear, container, ...
    array_size_kib: int | None = None
    used_dev_size_kib: int | None = None
    raid_devices: int | None = None
    total_devices: int | None = None
    persistence: str | None = None
    intent_bitmap: str | None = None
    state: str | None = None  # the State line verbatim (trailing blank stripped)
    state_flags: tuple[str, ...] = ()  # its comma-separated words; "(DELAYED)" etc. split off as a word
    active_devices: int | None = None
    working_devices: int | None = None
    failed_devices: int | None = None
    spare_devices: int | None = None
    sync_action: SyncAction | None = None  # from "<Action> Status" or the State line
    sync_percent: float | None = None  # 0..100; None when queued or not printed
    sync_queued: str | None = None  # DELAYED | PENDING | REMOTE, from the State line
    layout: str | None = None
    chunk_size_kib: int | None = None
    consistency_policy: str | None = None
    name: str | None = None  # "sysrescue:126" without the "(local to host ...)" note
    uuid: str | None = None
    homehost: str | None = None  # "(local to host X)", else the part of a "host:name" Name before ':'
    local: bool = False  # mdadm printed "(local to host ...)"
    events: int | None = None
    creation_time: str | None = None
    update_time: str | None = None
    container: str | None = None  # a member of an external-metadata container: the container
    container_member: int | None = None
    member_arrays: tuple[str, ...] = ()  # a container: its member arrays
    devices: tuple[MdadmDevice, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()  # keys this parser does not model, verbatim and in order
    warnings: tuple[str, ...] = ()  # lines it did not understand, as "source:line: why"

    @property
    def is_container(self) -> bool:
        return self.level == "container"

    @property
    def is_failed(self) -> bool:
        return "FAILED" in self.state_flags

    @property
    def is_degraded(self) -> bool:
        """Missing redundancy: the State line says so, or fewer active devices than raid devices."""
        if "degraded" in self.state_flags or self.is_failed:
            return True
        if self.is_container or self.raid_devices is None or self.active_devices is None:
            return False
        return self.active_devices < self.raid_devices

    @property
    def rebuild_percent(self) -> float | None:
        return self.sync_percent if self.sync_action is SyncAction.RECOVERY else None

    @property
    def resync_percent(self) -> float | None:
        return self.sync_percent if self.sync_action is SyncAction.RESYNC else None

    @property
    def check_percent(self) -> float | None:
        return self.sync_percent if self.sync_action is SyncAction.CHECK else None

    @property
    def reshape_percent(self) -> float | None:
        return self.sync_percent if self.sync_action is SyncAction.RESHAPE else None

    @property
    def members_by_role(self) -> dict[int, tuple[MdadmDevice, ...]]:
        """Role -> the devices holding or being rebuilt into it (a replacement shares its role)."""
        out: dict[int, tuple[MdadmDevice, ...]] = {}
        for dev in self.devices:
            if dev.raid_device is not None and not dev.is_removed:
                out[dev.raid_device] = (*out.get(dev.raid_device, ()), dev)
        return out

    def sync_status(self) -> SyncStatus | None:
        """The background operation in the model's vocabulary (progress 0..1)."""
        if self.sync_action is None:
            return None
        progress = self.sync_percent / 100.0 if self.sync_percent is not None else None
        return SyncStatus(
            action=self.sync_action,
            progress=progress,
            delayed=self.sync_queued == "DELAYED",
            pending=self.sync_queued == "PENDING",
        )

    def value(self, key: str) -> str | None:
        """The raw value of a key kept in `extra` ("Preferred Minor", "Container GUID"...)."""
        return next((v for k, v in self.extra if k == key), None)

    @property
    def raid10_layout(self) -> tuple[int, int, bool] | None:
        """A raid10's "Layout :" line as (near copies, far copies, offset); None for other levels."""
        return parse_raid10_layout(self.layout) if self.level == "raid10" else None


_R10_WORD_RE = re.compile(r"^(?P<kind>near|far|offset)=(?P<n>[0-9]{1,3})$")


def parse_raid10_layout(text: str | None) -> tuple[int, int, bool] | None:
    """mdadm's raid10 layout words (print_r10_layout: "near=2", "far=2", "offset=2", "near=2, far=2")
    as (near copies, far copies, offset). None when the text is not that (or says "NO REDUNDANCY")."""
    if not text:
        return None
    found: dict[str, int] = {}
    for word in (w.strip() for w in text.split(",")):
        m = _R10_WORD_RE.match(word)
        if m is None or m.group("kind") in found:
            return None
        found[m.group("kind")] = int(m.group("n"))
    if "far" in found and "offset" in found:
        return None
    return found.get("near", 1), found.get("far", found.get("offset", 1)), "offset" in found


@dataclass(frozen=True)
class MdadmPhysicalDisk:
    """A disk of an imsm/ddf container as `--examine` lists it (DDF table row or imsm DiskNN block)."""

    number: int | None
    ref: str | None = None  # DDF RefNo
    size: str | None = None  # verbatim ("786432K", imsm "Usable Size")
    device: str | None = None  # /dev path when mdadm knows it
    state: str | None = None  # DDF "active/Online", imsm "active"
    serial: str | None = None  # imsm


@dataclass(frozen=True)
class MdadmSubarray:
    """A volume of an imsm/ddf container as `--examine` lists it: DDF `key[N]` lines, imsm `[Volume0]:`."""

    key: str  # DDF index ("0") or imsm section name ("Volume0")
    fields: tuple[tuple[str, str], ...]  # keys without the [N] suffix, verbatim values

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.fields if k == key), None)

    @property
    def name(self) -> str:
        return self.get("Name") or self.key

    @property
    def level(self) -> str | None:
        return self.get("Raid Level") or self.get("RAID Level")

    @property
    def state(self) -> str | None:
        return self.get("state") or self.get("Map State")

    @property
    def uuid(self) -> str | None:
        return self.get("VD GUID") or self.get("UUID")


@dataclass(frozen=True)
class MdadmExamine:
    """What `mdadm --examine DEV` says: one member's superblock (md 0.90/1.x, or an imsm/ddf container disk).

    Sizes: `*_kib` in KiB (sector counts halved), `*_sectors` as 512-byte sectors, as mdadm prints them.
    """

    device: str | None
    magic: str | None = None
    version: str | None = None
    feature_map: str | None = None
    array_uuid: str | None = None  # 1.x "Array UUID", 0.90/imsm "UUID"
    name: str | None = None
    homehost: str | None = None
    local: bool = False
    level: str | None = None
    raid_devices: int | None = None
    total_devices: int | None = None  # 0.90
    active_devices: int | None = None  # 0.90
    working_devices: int | None = None  # 0.90
    failed_devices: int | None = None  # 0.90
    spare_devices: int | None = None  # 0.90
    array_size_kib: int | None = None
    used_dev_size_kib: int | None = None
    avail_dev_size_sectors: int | None = None
    data_offset_sectors: int | None = None
    super_offset_sectors: int | None = None
    recovery_offset_sectors: int | None = None  # a member being rebuilt: how far it got
    device_uuid: str | None = None
    state: str | None = None
    state_flags: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # write-mostly, failfast
    creation_time: str | None = None
    update_time: str | None = None
    checksum: str | None = None
    checksum_ok: bool | None = None
    events: int | None = None
    layout: str | None = None
    chunk_size_kib: int | None = None
    device_role: int | str | None = None  # role number, or "spare" / "journal"
    replacement: bool = False  # "Replacement device N": rebuilding as the replacement of role N
    array_state: str | None = None  # "AR": per role A active, . missing, R replacing
    this: MdadmDevice | None = None  # 0.90: the row describing this device
    devices: tuple[MdadmDevice, ...] = ()  # 0.90: the superblock's device table
    physical_disks: tuple[MdadmPhysicalDisk, ...] = ()  # imsm/ddf containers
    subarrays: tuple[MdadmSubarray, ...] = ()  # imsm/ddf containers
    extra: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def is_spare(self) -> bool:
        return self.device_role == "spare"

    @property
    def array_state_words(self) -> tuple[str, ...]:
        """`array_state` spelled out per role: active, missing, replacing (unknown chars kept)."""
        return tuple(_ARRAY_STATE_CHARS.get(c, c) for c in self.array_state or "")

    @property
    def missing_roles(self) -> int:
        """How many roles the superblock records as missing ('.')."""
        return (self.array_state or "").count(".")

    def value(self, key: str) -> str | None:
        return next((v for k, v in self.extra if k == key), None)


# ---------------------------------------------------------------- helpers


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    if not text.isascii() or not text.isdecimal() or len(text) > _MAX_INT_DIGITS:
        return None
    return int(text)


def _first_int(text: str) -> int | None:
    words = text.split()
    return _int(words[0]) if words else None


def _size(text: str, default_unit: str = "KiB") -> tuple[int | None, str]:
    """(number, unit) of "786432 (768.00 MiB ...)", "202752 sectors (...)", "101376 KiB (...)"."""
    m = _SIZE_RE.match(text)
    if not m:
        return None, default_unit
    unit = m.group("unit") or default_unit
    return _int(m.group("n")), "KiB" if unit == "K" else unit


def _kib(text: str) -> int | None:
    n, unit = _size(text)
    if n is None:
        return None
    return n // 2 if unit == "sectors" else n


def _sectors(text: str) -> int | None:
    n, unit = _size(text, "sectors")
    if n is None:
        return None
    return n * 2 if unit == "KiB" else n


def _chunk_kib(text: str) -> int | None:
    m = _CHUNK_RE.match(text)
    if not m:
        return None
    n = _int(m.group("n"))
    if n is None:
        return None
    return n * 1024 if (m.group("unit") or "").startswith("M") else n


def _events(text: str) -> int | None:
    """Events: "2193679", or 0.90's "0.19" (high and low 32-bit halves of one 64-bit counter)."""
    m = _EVENTS_RE.match(text.strip())
    if not m:
        return None
    a, b = _int(m.group("a")), _int(m.group("b"))
    if a is None:
        return None
    if m.group("b") is None:
        return a
    return None if b is None else (a << 32) + b


def _local(text: str) -> tuple[str, str | None]:
    """Split off mdadm's "(local to host X)" note: (value, X or None)."""
    m = _LOCAL_RE.match(text)
    if m:
        return m.group("value"), m.group("host")
    return text, None


def _name_and_host(name_text: str | None, uuid_text: str | None) -> tuple[str | None, str | None, bool]:
    """(name, homehost, local) from the Name and UUID lines."""
    name = host = None
    local = False
    if uuid_text is not None:
        _, h = _local(uuid_text)
        if h is not None:
            host, local = h, True
    if name_text is not None:
        name, h = _local(name_text)
        if h is not None:
            host, local = h, True
        elif host is None and ":" in name:
            host = name.split(":", 1)[0] or None
    return name, host, local


def _state_flags(state: str) -> tuple[tuple[str, ...], str | None]:
    """State words: "clean, resyncing (DELAYED)" -> (("clean", "resyncing", "DELAYED"), "DELAYED")."""
    flags: list[str] = []
    queued = None
    for item in state.split(","):
        item = item.strip()
        if not item:
            continue
        m = _QUEUED_RE.match(item)
        if m:
            queued = m.group("queued")
            if m.group("word"):
                flags.append(m.group("word"))
            flags.append(queued)
        else:
            flags.append(item)
    return tuple(flags), queued


def _row(m: re.Match[str], descriptor: int | None = None) -> MdadmDevice | None:
    number = None if m.group("number") == "-" else _int(m.group("number"))
    major, minor = _int(m.group("major")), _int(m.group("minor"))
    role = None if m.group("role") == "-" else _int(m.group("role"))
    if major is None or minor is None or (m.group("number") != "-" and number is None):
        return None
    if m.group("role") != "-" and role is None:
        return None
    words = (m.group("rest") or "").split()
    device = words.pop() if words and words[-1].startswith("/") else None
    return MdadmDevice(number, major, minor, role, tuple(words), device, descriptor)


def _clean_lines(text: str, source: str, what: str) -> list[str]:
    if not isinstance(text, str):
        raise ParseError(source, None, f"expected text, got {type(text).__name__}")
    if "\x00" in text:
        raise ParseError(source, None, f"binary data, not {what} output")
    lines = check_lines(text.splitlines(), source, what)
    if not any(line.strip() for line in lines):
        raise ParseError(source, None, f"empty: no {what} output")
    return lines


def _mdadm_message(lines: list[str]) -> tuple[int, str] | None:
    """The first "mdadm: ..." line (an error or warning mdadm printed instead of, or before, a report)."""
    for i, line in enumerate(lines, 1):
        if line.strip().startswith("mdadm:"):
            return i, line.strip()[:200]
    return None


def _not_this(lines: list[str], source: str, what: str, why: str) -> ParseError:
    msg = _mdadm_message(lines)
    if msg is not None:
        return ParseError(source, msg[0], f"not {what} output: {msg[1]}")
    first = next((i for i, line in enumerate(lines, 1) if line.strip()), None)
    return ParseError(source, first, f"not {what} output: {why}")


def _kv(line: str) -> tuple[str, str] | None:
    m = _KV_RE.match(line)
    if not m:
        return None
    return m.group("key"), m.group("value").strip()


# ---------------------------------------------------------------- detection


def detect_mdadm_format(text: str) -> str | None:
    """Which mdadm report this text looks like: "detail", "examine" or None."""
    if not isinstance(text, str) or "\x00" in text:
        return None
    header = table = False
    detail_keys = examine_keys = 0
    for line in text.splitlines():
        if _HEADER_RE.match(line):
            header = True
            continue
        if _TABLE_HEAD_RE.match(line):
            table = True
            continue
        kv = _kv(line)
        if kv is None:
            continue
        if kv[0] in ("Magic", "Device Role", "Array State"):
            examine_keys += 1
        elif kv[0] in ("Raid Level", "State", "Raid Devices", "Container", "Member Arrays"):
            detail_keys += 1
    if examine_keys:
        return "examine"
    if table or (header and detail_keys):
        return "detail"
    return None


# ---------------------------------------------------------------- --detail


_DETAIL_TEXT_FIELDS = {
    "Version": "version",
    "Raid Level": "level",
    "Persistence": "persistence",
    "Intent Bitmap": "intent_bitmap",
    "Layout": "layout",
    "Consistency Policy": "consistency_policy",
    "Creation Time": "creation_time",
    "Update Time": "update_time",
}
_DETAIL_INT_FIELDS = {
    "Raid Devices": "raid_devices",
    "Total Devices": "total_devices",
    "Active Devices": "active_devices",
    "Working Devices": "working_devices",
    "Failed Devices": "failed_devices",
    "Spare Devices": "spare_devices",
}


def _detail_field(key: str, value: str, fields: dict[str, Any]) -> bool:
    """Store one known --detail key into `fields`; False when the key is not modelled."""
    if key in _DETAIL_TEXT_FIELDS:
        fields[_DETAIL_TEXT_FIELDS[key]] = value
    elif key in _DETAIL_INT_FIELDS:
        fields[_DETAIL_INT_FIELDS[key]] = _first_int(value)
    elif key == "Array Size":
        fields["array_size_kib"] = _kib(value)
    elif key == "Used Dev Size":
        fields["used_dev_size_kib"] = _kib(value)
    elif key == "State":
        fields["state"] = value
        fields["state_flags"], fields["sync_queued"] = _state_flags(value)
    elif key == "Chunk Size":
        fields["chunk_size_kib"] = _chunk_kib(value)
    elif key in ("Name", "UUID"):
        fields["_" + key.lower()] = value
    elif key == "Events":
        fields["events"] = _events(value)
    elif key == "Container":
        m = _CONTAINER_RE.match(value)
        fields["container"] = m.group("dev") if m else (value.split(",")[0].strip() or None)
        fields["container_member"] = _int(m.group("member")) if m else None
    elif key == "Member Arrays":
        fields["member_arrays"] = tuple(value.split())
    elif (status := _STATUS_KEY_RE.match(key)) and status.group("what") in _STATUS_ACTIONS:
        pct = _PERCENT_RE.match(value)
        fields["sync_action"] = _STATUS_ACTIONS[status.group("what")]
        percent = to_float(pct.group("pct")) if pct else None
        fields["sync_percent"] = min(max(percent, 0.0), 100.0) if percent is not None else None
    else:
        return False
    return True


def _finish_detail(
    device: str | None,
    fields: dict[str, Any],
    extra: list[tuple[str, str]],
    rows: list[MdadmDevice],
    warnings: list[str],
) -> MdadmDetail:
    name, host, local = _name_and_host(fields.pop("_name", None), fields.get("_uuid"))
    uuid_text = fields.pop("_uuid", None)
    uuid = _local(uuid_text)[0].split()[0] if uuid_text and uuid_text.split() else None
    if fields.get("sync_action") is None:
        for flag in fields.get("state_flags", ()):
            if flag in _STATE_ACTIONS:
                fields["sync_action"] = _STATE_ACTIONS[flag]
                break
    return MdadmDetail(
        device=device,
        name=name,
        homehost=host,
        local=local,
        uuid=uuid,
        devices=tuple(rows),
        extra=tuple(extra),
        warnings=tuple(warnings),
        **fields,
    )


def _parse_detail(text: str, source: str) -> MdadmDetail:
    lines = _clean_lines(text, source, "mdadm --detail")
    kind = detect_mdadm_format(text)
    if kind == "examine":
        raise _not_this(
            lines, source, "mdadm --detail", "this is mdadm --examine output (it has Magic/Device Role)"
        )
    if kind != "detail":
        raise _not_this(
            lines, source, "mdadm --detail", "no '/dev/mdX:' header with Raid Level/State, no device table"
        )
    device: str | None = None
    fields: dict[str, Any] = {}
    extra: list[tuple[str, str]] = []
    rows: list[MdadmDevice] = []
    warnings: list[str] = []
    in_table = False
    last_key: str | None = None
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        header = _HEADER_RE.match(line)
        if header:
            if device is not None or fields or rows:
                warnings.append(f"{source}:{lineno}: a second report ({header.group('dev')}) ignored")
                break
            device = header.group("dev")
            continue
        if _TABLE_HEAD_RE.match(line):
            in_table = True
            continue
        if in_table:
            m = _DETAIL_ROW_RE.match(line)
            dev = _row(m) if m else None
            if dev is None:
                warnings.append(
                    f"{source}:{lineno}: unknown device table line ignored: {line.strip()[:80]!r}"
                )
            else:
                rows.append(dev)
            continue
        if last_key is not None and _CONTINUATION_RE.match(line):
            extra.append((f"{last_key} (continued)", line.strip()))
            continue
        kv = _kv(line)
        if kv is None or kv[0].startswith("mdadm"):
            warnings.append(f"{source}:{lineno}: unknown line ignored: {line.strip()[:80]!r}")
            continue
        last_key = kv[0]
        if not _detail_field(kv[0], kv[1], fields):
            extra.append(kv)
    return _finish_detail(device, fields, extra, rows, warnings)


# ---------------------------------------------------------------- --examine


_EXAMINE_TEXT_FIELDS = {
    "Magic": "magic",
    "Version": "version",
    "Feature Map": "feature_map",
    "Raid Level": "level",
    "Device UUID": "device_uuid",
    "Creation Time": "creation_time",
    "Update Time": "update_time",
    "Layout": "layout",
}
_EXAMINE_INT_FIELDS = {
    "Raid Devices": "raid_devices",
    "Total Devices": "total_devices",
    "Active Devices": "active_devices",
    "Working Devices": "working_devices",
    "Failed Devices": "failed_devices",
    "Spare Devices": "spare_devices",
}
_EXAMINE_SECTOR_FIELDS = {
    "Avail Dev Size": "avail_dev_size_sectors",
    "Data Offset": "data_offset_sectors",
    "Super Offset": "super_offset_sectors",
    "Recovery Offset": "recovery_offset_sectors",
}


def _role(value: str) -> tuple[int | str | None, bool]:
    """Role: "Active device 0" -> (0, False), "Replacement device 1" -> (1, True), "spare"."""
    m = _ROLE_RE.match(value.strip())
    if m:
        return _int(m.group("n")), m.group("kind") == "Replacement"
    word = value.strip().lower()
    return (word or None), False


def _examine_field(key: str, value: str, fields: dict[str, Any]) -> bool:
    """Store one known top-level --examine key into `fields`; False when the key is not modelled."""
    if key in _EXAMINE_TEXT_FIELDS:
        fields[_EXAMINE_TEXT_FIELDS[key]] = value
    elif key in _EXAMINE_INT_FIELDS:
        fields[_EXAMINE_INT_FIELDS[key]] = _first_int(value)
    elif key in _EXAMINE_SECTOR_FIELDS:
        fields[_EXAMINE_SECTOR_FIELDS[key]] = _sectors(value)
    elif key == "Array Size":
        fields["array_size_kib"] = _kib(value)
    elif key == "Used Dev Size":
        fields["used_dev_size_kib"] = _kib(value)
    elif key == "State":
        fields["state"] = value
        fields["state_flags"] = _state_flags(value)[0]
    elif key == "Flags":
        fields["flags"] = tuple(value.split())
    elif key in ("Name", "UUID", "Array UUID"):
        fields["_" + key.lower().replace(" ", "_")] = value
    elif key == "Events":
        fields["events"] = _events(value)
    elif key == "Chunk Size":
        fields["chunk_size_kib"] = _chunk_kib(value)
    elif key == "Checksum":
        m = _CHECKSUM_RE.match(value)
        fields["checksum"] = m.group("sum") if m else value
        fields["checksum_ok"] = (m.group("verdict") == "correct") if m and m.group("verdict") else None
    elif key == "Device Role":
        fields["device_role"], fields["replacement"] = _role(value)
    elif key == "Array State":
        fields["array_state"] = value.split()[0] if value.split() else None
    else:
        return False
    return True


@dataclass
class _ExamineScan:
    """Mutable state of one --examine parse (local to the call)."""

    device: str | None = None
    in_sb_table: bool = False
    in_ddf_table: bool = False
    section: tuple[str, str] | None = None  # ("disk", "00") or ("volume", "Volume0")
    last_key: str | None = None


def _sectioned(
    scan: _ExamineScan,
    key: str,
    value: str,
    indexed: dict[str, list[tuple[str, str]]],
    sections: list[tuple[str, str, list[tuple[str, str]]]],
) -> bool:
    """Container examine: DDF "key[N]" lines and imsm per-disk/per-volume blocks. True when consumed."""
    m = _INDEXED_KEY_RE.match(key)
    if m:
        indexed.setdefault(m.group("idx"), []).append((m.group("base"), value))
        scan.last_key = key
        return True
    d = _DISK_SERIAL_RE.match(key)
    if d:
        scan.section = ("disk", d.group("n"))
        sections.append(("disk", d.group("n"), [("Serial", value)]))
        return True
    if scan.section is not None:
        sections[-1][2].append((key, value))
        return True
    return False


def _disk_from_section(number: str, fields: list[tuple[str, str]]) -> MdadmPhysicalDisk:
    get = dict(fields).get
    return MdadmPhysicalDisk(
        number=_int(number), size=get("Usable Size"), state=get("State"), serial=get("Serial")
    )


def _parse_examine(text: str, source: str) -> MdadmExamine:
    lines = _clean_lines(text, source, "mdadm --examine")
    if detect_mdadm_format(text) != "examine":
        raise _not_this(
            lines, source, "mdadm --examine", "no 'Magic :', 'Device Role :' or 'Array State :' line"
        )
    scan = _ExamineScan()
    fields: dict[str, Any] = {}
    extra: list[tuple[str, str]] = []
    warnings: list[str] = []
    rows: list[MdadmDevice] = []
    disks: list[MdadmPhysicalDisk] = []
    indexed: dict[str, list[tuple[str, str]]] = {}
    sections: list[tuple[str, str, list[tuple[str, str]]]] = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        header = _HEADER_RE.match(line)
        if header:
            if scan.device is not None or fields:
                warnings.append(f"{source}:{lineno}: a second report ({header.group('dev')}) ignored")
                break
            scan.device = header.group("dev")
            continue
        if _TABLE_HEAD_RE.match(line):
            scan.in_sb_table, scan.in_ddf_table = True, False
            continue
        if _DDF_TABLE_HEAD_RE.match(line):
            scan.in_ddf_table, scan.in_sb_table = True, False
            continue
        if _examine_row(scan, line, fields, rows, disks):
            continue
        sec = _SECTION_RE.match(line)
        if sec:
            scan.section = ("volume", sec.group("name"))
            sections.append(("volume", sec.group("name"), []))
            continue
        if scan.last_key is not None and _CONTINUATION_RE.match(line):
            _continuation(scan.last_key, line.strip(), indexed, extra)
            continue
        kv = _kv(line)
        if kv is None or kv[0].startswith("mdadm") or scan.in_sb_table or scan.in_ddf_table:
            warnings.append(f"{source}:{lineno}: unknown line ignored: {line.strip()[:80]!r}")
            continue
        scan.last_key = kv[0]
        if _sectioned(scan, kv[0], kv[1], indexed, sections):
            continue
        if not _examine_field(kv[0], kv[1], fields):
            extra.append(kv)
    return _finish_examine(scan, fields, extra, rows, disks, indexed, sections, warnings)


def _continuation(
    last_key: str, text: str, indexed: dict[str, list[tuple[str, str]]], extra: list[tuple[str, str]]
) -> None:
    m = _INDEXED_KEY_RE.match(last_key)
    if m:
        indexed.setdefault(m.group("idx"), []).append((f"{m.group('base')} (continued)", text))
    else:
        extra.append((f"{last_key} (continued)", text))


def _examine_row(
    scan: _ExamineScan,
    line: str,
    fields: dict[str, Any],
    rows: list[MdadmDevice],
    disks: list[MdadmPhysicalDisk],
) -> bool:
    """A row of the 0.90 device table or of the DDF physical disk table. True when consumed."""
    if scan.in_sb_table:
        m = _THIS_ROW_RE.match(line.strip())
        if m:
            this = _row(m)
            if this is not None:
                fields["this"] = this
                return True
        m = _SB_ROW_RE.match(line)
        dev = _row(m, _int(m.group("desc"))) if m else None
        if dev is not None:
            rows.append(dev)
            return True
    if scan.in_ddf_table:
        m = _DDF_ROW_RE.match(line)
        if m:
            disks.append(
                MdadmPhysicalDisk(
                    number=_int(m.group("number")),
                    ref=m.group("ref"),
                    size=m.group("size"),
                    device=m.group("dev"),
                    state=m.group("state"),
                )
            )
            return True
    return False


def _finish_examine(
    scan: _ExamineScan,
    fields: dict[str, Any],
    extra: list[tuple[str, str]],
    rows: list[MdadmDevice],
    disks: list[MdadmPhysicalDisk],
    indexed: dict[str, list[tuple[str, str]]],
    sections: list[tuple[str, str, list[tuple[str, str]]]],
    warnings: list[str],
) -> MdadmExamine:
    uuid_text = fields.pop("_array_uuid", None) or fields.pop("_uuid", None)
    fields.pop("_uuid", None)
    name, host, local = _name_and_host(fields.pop("_name", None), uuid_text)
    uuid = _local(uuid_text)[0].split()[0] if uuid_text and uuid_text.split() else None
    subarrays = [
        MdadmSubarray(idx, tuple(kvs))
        for idx, kvs in sorted(indexed.items(), key=lambda i: (len(i[0]), i[0]))
    ]
    for kind, key, kvs in sections:
        if kind == "volume":
            subarrays.append(MdadmSubarray(key, tuple(kvs)))
        else:
            disks.append(_disk_from_section(key, kvs))
    return MdadmExamine(
        device=scan.device,
        array_uuid=uuid,
        name=name,
        homehost=host,
        local=local,
        devices=tuple(rows),
        physical_disks=tuple(disks),
        subarrays=tuple(subarrays),
        extra=tuple(extra),
        warnings=tuple(warnings),
        **fields,
    )


# ---------------------------------------------------------------- front door


def _guarded(parse: Callable[[str, str], _T], text: str, source: str) -> _T:
    """The contract: for any input at all, ParseError is the only exception that leaves this module."""
    try:
        return parse(text, source)
    except ParseError:
        raise
    except Exception as exc:  # a parser bug must still reach a person as one line
        raise ParseError(source, None, f"internal parser error ({type(exc).__name__}: {exc})") from exc


def parse_mdadm_detail(text: str, source: str = "mdadm --detail") -> MdadmDetail:
    """Parse `mdadm --detail` (`--query --detail`) of one array. Unknown keys go to `extra`, odd lines to
    `warnings`; text that is not such a report raises ParseError."""
    return _guarded(_parse_detail, text, source)


def parse_mdadm_examine(text: str, source: str = "mdadm --examine") -> MdadmExamine:
    """Parse `mdadm --examine DEV` of one device (0.90/1.x superblocks, imsm/ddf container disks)."""
    return _guarded(_parse_examine, text, source)


def parse_mdadm(text: str, source: str = "mdadm") -> MdadmDetail | MdadmExamine:
    """Parse either report, telling them apart by content (`--examine` has Magic / Device Role lines)."""
    return _guarded(_parse_any, text, source)


def _parse_any(text: str, source: str) -> MdadmDetail | MdadmExamine:
    lines = _clean_lines(text, source, "mdadm --detail/--examine")
    kind = detect_mdadm_format(text)
    if kind == "examine":
        return _parse_examine(text, source)
    if kind == "detail":
        return _parse_detail(text, source)
    raise _not_this(
        lines,
        source,
        "mdadm --detail/--examine",
        "no '/dev/mdX:' header with Raid Level/State, no device table, no 'Magic :' line",
    )


def to_json(result: MdadmDetail | MdadmExamine) -> dict[str, Any]:
    """A result as a JSON-ready object: "format" ("detail"/"examine"), the fields, a few derived facts."""
    out: dict[str, Any] = {"format": "detail" if isinstance(result, MdadmDetail) else "examine"}
    out.update(to_jsonable(result))
    if isinstance(result, MdadmDetail):
        out["is_degraded"] = result.is_degraded
        out["is_container"] = result.is_container
    else:
        out["array_state_words"] = list(result.array_state_words)
    return out


__all__ = [
    "MdadmDetail",
    "MdadmDevice",
    "MdadmExamine",
    "MdadmPhysicalDisk",
    "MdadmSubarray",
    "detect_mdadm_format",
    "parse_mdadm",
    "parse_mdadm_detail",
    "parse_mdadm_examine",
    "to_json",
]
