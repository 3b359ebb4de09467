"""Parse macOS diskutil output (AppleRAID list/checkRAID text and plist, `diskutil info -plist`). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from raidwatch.errors import ParseError
from raidwatch.model import Array, Member, MemberState, SyncAction, SyncStatus, to_jsonable
from raidwatch.parsers.bounds import check_lines, to_float, to_int
from raidwatch.parsers.plist import load_plist, pbool, pdicts, pint, pstr

# AppleRAID set types -> Array.level. Only "mirror" is redundant (survives n-1 member losses);
# "stripe" (RAID 0) and "concat" (JBOD/linear) lose the set with any one member. model.Array's
# redundant_by_level only knows md's names, so use AppleRaidSet.member_losses_survivable for these.
_LEVELS = {"mirror": "mirror", "stripe": "stripe", "concat": "concat", "concatenated": "concat"}
_REDUNDANT_LEVELS = frozenset({"mirror"})
# Set status -> Array.state. AppleRAID's kernel publishes Online/Degraded/Offline; diskutil adds Failed.
_ACTIVE_STATUSES = frozenset({"online", "degraded"})
_INACTIVE_STATUSES = frozenset({"offline", "failed"})

_UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_UUID_RE = re.compile(rf"^{_UUID}$")
_EQ_RULE_RE = re.compile(r"^={5,}$")
_DASH_RULE_RE = re.compile(r"^-{5,}$")
_FOUND_RE = re.compile(r"^AppleRAID sets \((?P<n>[0-9]+) found\)$")
_NO_SETS_RE = re.compile(r"^No (?:Apple)?RAID sets found\.?$", re.IGNORECASE)
_FIELD_RE = re.compile(r"^(?P<key>[A-Z][A-Za-z ]{0,40}?):\s*(?P<value>.*)$")
_ROW_RE = re.compile(rf"^(?P<idx>[0-9]+|-)\s+(?P<dev>\S+)\s+(?P<uuid>{_UUID})(?:\s+(?P<rest>.*))?$")
# What follows the UUID: the status (may hold spaces: "27% (Rebuilding)", "Missing/Damaged"), then on
# 10.7+ a size column in bytes -- which newer diskutil runs into the status: "5% (Rebuilding)4000443039744".
_STATUS_SIZE_RE = re.compile(
    r"^(?P<status>.*?)\s*(?:(?:[0-9.]+\s*[KMGTPE]?B\s*)?\((?P<bytes>[0-9]+)\s*Bytes\)|(?P<plain>[0-9]+)(?:\s*B(?:ytes)?)?)?$"
)
_STATUS_SIZE_MAX = 200  # _STATUS_SIZE_RE backtracks (lazy status before optional numbers): bounded input only
_BYTES_RE = re.compile(r"\((?P<n>[0-9]+)\s*Bytes\)")
_PLAIN_BYTES_RE = re.compile(r"^(?P<n>[0-9]+)\s*(?:B|Bytes)?$")
# (?<![0-9]): a match starts only where a run of digits starts (else searching a long run is quadratic)
_PERCENT_RE = re.compile(r"(?<![0-9])(?P<pct>[0-9]+(?:\.[0-9]+)?)\s*%")
_ERROR_RE = re.compile(r"^(?:Error:?\s*-?[0-9]+\b.*|AppleRAID:\s.*\bfail.*)$", re.IGNORECASE)
_OPERATION_RE = re.compile(r"^(?P<verb>Started|Finished) RAID operation on (?P<dev>\S+)(?:\s+(?P<name>.*))?$")
_OP_ERROR_RE = re.compile(r"^Error:?\s*(?P<msg>.*)$")


@dataclass(frozen=True)
class AppleRaidMember:
    """One row of a set's member table, as diskutil shows it."""

    index: int | None  # the '#' column; None for a spare ('-')
    device: str | None  # disk3s1, or a nested set's node (disk6); None for '-none-' (missing)
    uuid: str | None  # the member's AppleRAID UUID (a nested set's set UUID)
    status: str | None  # verbatim: "Online", "27% (Rebuilding)", "Missing/Damaged"
    kind: str  # online | rebuilding | failed | missing | spare | offline | degraded | unknown
    size_bytes: int | None = None
    rebuild_progress: float | None = None  # 0..1 while rebuilding, when diskutil prints a percent
    nested_set_uuid: str | None = None  # set when this member is itself an AppleRAID set in the list


@dataclass(frozen=True)
class AppleRaidSet:
    """One AppleRAID set: the model Array plus what has no place in it."""

    array: Array
    set_type: str | None  # verbatim: Mirror, Stripe, Concat
    status: str | None  # verbatim: Online, Degraded, Offline, Failed
    device_node: str | None  # disk4 (the set's exported disk)
    rebuild_mode: str | None  # manual | automatic (mirrors on 10.6+); None when not shown
    members: tuple[AppleRaidMember, ...] = ()
    spares: tuple[AppleRaidMember, ...] = ()
    parent_set_uuid: str | None = None  # set when this set is a member of another set (nesting)
    chunk_size_bytes: int | None = None  # plist only
    extra: tuple[tuple[str, str], ...] = ()  # header fields with no field here ("Apple RAID Version")
    line: int | None = None  # where the set's block starts in the text

    @property
    def name(self) -> str:
        return self.array.name

    @property
    def uuid(self) -> str | None:
        return self.array.uuid

    @property
    def redundant_by_type(self) -> bool:
        return self.array.level in _REDUNDANT_LEVELS

    def member_losses_survivable(self) -> int:
        """How many of its full complement this set type survives losing: mirror n-1, stripe/concat 0."""
        n = self.array.raid_disks or 0
        return max(n - 1, 0) if self.redundant_by_type else 0


@dataclass(frozen=True)
class AppleRaidList:
    """What `diskutil appleRAID list` (or listRAID/checkRAID) says: the sets, or why it could not say."""

    sets: tuple[AppleRaidSet, ...]
    style: str | None = None  # "appleraid-sets" (10.6+ header), "raid-sets" (10.4/10.5), "plist", None
    declared_count: int | None = None  # N of "AppleRAID sets (N found)"
    no_sets: bool = False  # diskutil said "No AppleRAID sets found"
    error: str | None = None  # the tool could not read the sets; `sets` is then not the truth
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """False when diskutil reported an error: an empty list then does not mean 'no RAID here'."""
        return self.error is None

    @property
    def arrays(self) -> tuple[Array, ...]:
        return tuple(s.array for s in self.sets)

    def set_by_uuid(self, uuid: str) -> AppleRaidSet | None:
        return next((s for s in self.sets if s.uuid and s.uuid.upper() == uuid.upper()), None)


@dataclass(frozen=True)
class AppleRaidOperation:
    """The output of an AppleRAID change (`appleRAID add/remove/repairMirror ...`): not a status listing."""

    target: str | None  # the set's device node the operation ran on (disk4)
    set_name: str | None
    finished: bool
    error: str | None = None  # "-9998: Invalid request"
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiskInfo:
    """The parts of `diskutil info -plist DEVICE` the mount mapping needs."""

    device_identifier: str  # disk3s1
    device_node: str | None = None  # /dev/disk3s1
    parent_whole_disk: str | None = None  # disk3
    whole_disk: bool | None = None
    internal: bool | None = None
    solid_state: bool | None = None
    size_bytes: int | None = None  # TotalSize, else Size, else IOKitSize
    mount_point: str | None = None  # None when not mounted (diskutil prints "")
    volume_name: str | None = None
    volume_uuid: str | None = None
    content: str | None = None  # partition type: Apple_RAID, Apple_HFS, GUID_partition_scheme, ...
    filesystem_type: str | None = None  # hfs, apfs, ...
    bus_protocol: str | None = None
    media_name: str | None = None
    raid_master: bool = False  # this device IS an AppleRAID set
    raid_slice: bool = False  # this device is a member of an AppleRAID set
    raid_set_uuid: str | None = None
    raid_set_name: str | None = None
    raid_set_status: str | None = None
    raid_set_level: str | None = None  # verbatim RAIDSetLevelType: Mirror, Stripe, Concat
    raid_set_members: tuple[str, ...] = ()  # member UUIDs (on the set's own info)
    raid_member_uuid: str | None = None
    raid_member_status: str | None = None
    raid_slice_number: int | None = None
    raid_set_slice_count: int | None = None
    apfs_physical_stores: tuple[str, ...] = ()  # device identifiers under an APFS container
    apfs_container_reference: str | None = None

    @property
    def raid_level(self) -> str | None:
        """The set type in Array.level vocabulary (mirror/stripe/concat)."""
        return _LEVELS.get(self.raid_set_level.lower()) if self.raid_set_level else None


DiskutilResult = AppleRaidList | DiskInfo | AppleRaidOperation


# ---------------------------------------------------------------------------------------------------------
# member and set semantics, shared by the text and plist readers


def _member_kind(status: str | None) -> tuple[str, float | None]:
    """A verbatim member status -> (kind, rebuild progress 0..1 or None)."""
    if not status:
        return "unknown", None
    low = status.lower()
    if "rebuild" in low:
        m = _PERCENT_RE.search(status)
        f = to_float(m.group("pct")) if m else None
        pct = min(max(f / 100.0, 0.0), 1.0) if f is not None else None
        return "rebuilding", pct
    for word, kind in (
        ("online", "online"),
        ("fail", "failed"),
        ("missing", "missing"),
        ("damaged", "missing"),
        ("spare", "spare"),
        ("standby", "spare"),  # the kernel's word for a spare (kAppleRAIDStatusSpare)
        ("offline", "offline"),
        ("degraded", "degraded"),  # a nested set shown as a member of its parent
    ):
        if word in low:
            return kind, None
    return "unknown", None


def _model_member(m: AppleRaidMember) -> Member:
    if m.kind in ("failed", "missing"):
        state = MemberState.FAILED
    elif m.kind == "spare":
        state = MemberState.SPARE
    else:
        state = MemberState.ACTIVE
    if m.kind == "online":
        in_sync: bool | None = True
    elif m.kind in ("rebuilding", "failed", "missing", "spare"):
        in_sync = False
    else:
        in_sync = None  # offline, degraded (a nested set), unknown: this row alone does not say
    device = m.device or m.uuid or "-none-"
    return Member(
        device=device,
        slot=m.index,
        state=state,
        role=m.index,
        in_sync=in_sync,
        rebuilding=m.kind == "rebuilding",
        raw_state=m.status,
    )


def _build_set(
    *,
    name: str,
    uuid: str | None,
    set_type: str | None,
    status: str | None,
    size_bytes: int | None,
    device_node: str | None,
    rebuild_mode: str | None,
    members: list[AppleRaidMember],
    spares: list[AppleRaidMember],
    warnings: list[str],
    where: str,
    chunk_size_bytes: int | None = None,
    extra: tuple[tuple[str, str], ...] = (),
    line: int | None = None,
) -> AppleRaidSet:
    level: str | None = None
    if set_type:
        level = _LEVELS.get(set_type.strip().lower())
        if level is None:
            level = set_type.strip().lower()
            warnings.append(
                f"{where}: set {name!r}: unknown AppleRAID type {set_type!r} kept as level {level!r}"
            )
    low = (status or "").strip().lower()
    if low in _ACTIVE_STATUSES:
        state = "active"
    else:
        state = "inactive"
        if low not in _INACTIVE_STATUSES:
            warnings.append(f"{where}: set {name!r}: unknown status {status!r}, taken as inactive")
    every = members + spares
    rebuilding = [m for m in every if m.kind == "rebuilding"]
    # The set's complement is its member slots, not the rows shown: a Missing/Damaged member keeps its
    # slot ('#' column), so the highest index counts, also when a row is absent or could not be read.
    numbered = [m.index for m in members if m.index is not None]
    slots = max(len(members), max(numbered) + 1) if numbered else len(members)
    degraded = (
        low == "degraded"
        or any(m.kind in ("failed", "missing", "rebuilding") for m in every)
        or slots > len(members)
    )
    sync = None
    if rebuilding:
        known = [m.rebuild_progress for m in rebuilding if m.rebuild_progress is not None]
        sync = SyncStatus(action=SyncAction.RECOVERY, progress=min(known) if known else None)
    array = Array(
        name=name,
        level=level,
        state=state,
        raid_disks=slots if every else None,
        in_sync_disks=sum(1 for m in members if m.kind == "online") if every else None,
        degraded=degraded,
        members=tuple(_model_member(m) for m in every),
        sync=sync,
        size_bytes=size_bytes,
        uuid=uuid,
        array_state=status,
        kind="appleraid",
        sources=("diskutil",),
    )
    return AppleRaidSet(
        array=array,
        set_type=set_type,
        status=status,
        device_node=device_node,
        rebuild_mode=rebuild_mode.lower() if rebuild_mode else None,
        members=tuple(members),
        spares=tuple(spares),
        chunk_size_bytes=chunk_size_bytes,
        extra=extra,
        line=line,
    )


def _link_nested(sets: list[AppleRaidSet]) -> tuple[AppleRaidSet, ...]:
    """Mark members that are themselves sets in the list (a mirror of stripes), and the inner sets' parent."""
    by_uuid = {s.uuid.upper(): i for i, s in enumerate(sets) if s.uuid}
    by_node = {s.device_node: i for i, s in enumerate(sets) if s.device_node}
    parents: dict[int, str | None] = {}
    linked: list[AppleRaidSet] = []
    for n, outer in enumerate(sets):
        groups: list[tuple[AppleRaidMember, ...]] = []
        for group in (outer.members, outer.spares):
            rows = []
            for m in group:
                inner = by_uuid.get(m.uuid.upper()) if m.uuid else None
                if inner is None and m.device:
                    inner = by_node.get(m.device)
                if inner is not None and inner != n:
                    m = replace(m, nested_set_uuid=sets[inner].uuid or sets[inner].device_node)
                    parents[inner] = outer.uuid or outer.device_node
                rows.append(m)
            groups.append(tuple(rows))
        linked.append(replace(outer, members=groups[0], spares=groups[1]))
    return tuple(replace(s, parent_set_uuid=parents[i]) if i in parents else s for i, s in enumerate(linked))


# ---------------------------------------------------------------------------------------------------------
# text: `diskutil appleRAID list`, `diskutil listRAID` / `checkRAID` (10.4/10.5 "RAID SETS" and later)


def _size_from_text(value: str) -> int | None:
    m = _BYTES_RE.search(value)
    if m:
        return to_int(m.group("n"))
    m = _PLAIN_BYTES_RE.match(value.strip())
    return to_int(m.group("n")) if m else None


@dataclass
class _Block:
    line: int
    fields: dict[str, str]
    members: list[AppleRaidMember]
    spares: list[AppleRaidMember]
    zone: str = "header"  # header | columns | rows

    @property
    def empty(self) -> bool:
        return not self.fields and not self.members and not self.spares


def _member_row(line: str, source: str, lineno: int, warnings: list[str]) -> AppleRaidMember | None:
    m = _ROW_RE.match(line)
    if not m:
        warnings.append(f"{source}:{lineno}: unknown member row ignored: {line[:80]!r}")
        return None
    rest = (m.group("rest") or "").strip()
    sm = _STATUS_SIZE_RE.match(rest) if len(rest) <= _STATUS_SIZE_MAX else None
    status: str | None = rest
    size = None
    if sm:
        status = sm.group("status").strip()
        digits = sm.group("bytes") or sm.group("plain")
        size = to_int(digits)
    if not status:
        status = None
        warnings.append(f"{source}:{lineno}: member {m.group('dev')} has no status")
    kind, pct = _member_kind(status)
    if kind == "unknown" and status:
        warnings.append(f"{source}:{lineno}: unknown member status {status!r}")
    dev = m.group("dev")
    return AppleRaidMember(
        index=to_int(m.group("idx")),
        device=None if dev.lower() in ("-none-", "none", "-") else dev,
        uuid=m.group("uuid").upper(),
        status=status,
        kind=kind,
        size_bytes=size,
        rebuild_progress=pct,
    )


def _close_block(block: _Block, source: str, warnings: list[str]) -> AppleRaidSet:
    f = block.fields
    where = f"{source}:{block.line}"
    name = f.get("Name")
    uuid = f.get("Unique ID")
    if not name and not uuid:
        raise ParseError(source, block.line, "AppleRAID set block without 'Name:' or 'Unique ID:'")
    if uuid and not _UUID_RE.match(uuid):
        warnings.append(f"{where}: set {name!r}: 'Unique ID' {uuid!r} is not a UUID")
    if block.zone != "rows" and not block.members:
        warnings.append(f"{where}: set {name or uuid!r}: no member table")
    known = {"Name", "Unique ID", "Type", "Status", "Size", "Rebuild", "Device Node"}
    size = _size_from_text(f["Size"]) if "Size" in f else None
    if "Size" in f and size is None:
        warnings.append(f"{where}: set {name or uuid!r}: size {f['Size']!r} has no exact byte count")
    node = f.get("Device Node") or None
    if node and node.startswith("/dev/"):
        node = node[len("/dev/") :]
    return _build_set(
        name=name or uuid or "",
        uuid=uuid.upper() if uuid else None,
        set_type=f.get("Type") or None,
        status=f.get("Status") or None,
        size_bytes=size,
        device_node=node,
        rebuild_mode=f.get("Rebuild") or None,
        members=block.members,
        spares=block.spares,
        warnings=warnings,
        where=where,
        extra=tuple((k, v) for k, v in f.items() if k not in known),
        line=block.line,
    )


def _parse_text(text: str, source: str) -> AppleRaidList:
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not diskutil output")
    warnings: list[str] = []
    sets: list[AppleRaidSet] = []
    style: str | None = None
    declared: int | None = None
    no_sets = False
    errors: list[str] = []
    recognized = False
    first_text_line: int | None = None
    block: _Block | None = None

    def close() -> None:
        nonlocal block
        if block is not None and not block.empty:
            sets.append(_close_block(block, source, warnings))
        block = None

    for lineno, raw in enumerate(check_lines(text.splitlines(), source, "diskutil output"), 1):
        line = raw.strip()
        if not line:
            continue
        if first_text_line is None:
            first_text_line = lineno
        if _EQ_RULE_RE.match(line):
            close()
            block = _Block(lineno, {}, [], [])
            continue
        if block is None or block.empty:
            # Between sets: headers, "no sets", errors.
            m = _FOUND_RE.match(line)
            if m:
                style, declared, recognized = "appleraid-sets", to_int(m.group("n")), True
                continue
            if line == "RAID SETS":
                style, recognized = "raid-sets", True
                continue
            if _NO_SETS_RE.match(line):
                no_sets = recognized = True
                continue
            if _ERROR_RE.match(line):
                errors.append(line)
                recognized = True
                continue
            if _DASH_RULE_RE.match(line) and block is None:
                continue  # the underline of "RAID SETS"
        if block is None:
            warnings.append(f"{source}:{lineno}: line outside any set ignored: {line[:80]!r}")
            continue
        if block.zone == "header":
            if _DASH_RULE_RE.match(line):
                block.zone = "columns"
                continue
            fm = _FIELD_RE.match(line)
            if fm:
                block.fields[fm.group("key").strip()] = fm.group("value").strip()
                continue
            if _ROW_RE.match(line):  # a member table without its column header
                block.zone = "rows"
            else:
                warnings.append(f"{source}:{lineno}: unknown line in set header ignored: {line[:80]!r}")
                continue
        if block.zone == "columns":
            if line.startswith("#"):
                continue
            if _DASH_RULE_RE.match(line):
                block.zone = "rows"
                continue
            block.zone = "rows"  # rows with no second rule
        if _DASH_RULE_RE.match(line):
            continue
        row = _member_row(line, source, lineno, warnings)
        if row is not None:
            (block.spares if row.index is None or row.kind == "spare" else block.members).append(row)
    if block is not None and not block.empty:
        warnings.append(f"{source}: output ends inside the block of a set (no closing '=====' rule)")
    close()
    if not recognized and not sets:
        raise ParseError(
            source, first_text_line, "not diskutil AppleRAID output: no set block, header or error"
        )
    if declared is not None and declared != len(sets):
        warnings.append(f"{source}: header says {declared} set(s) found, {len(sets)} listed (truncated?)")
    error = "; ".join(errors) if errors else None
    return AppleRaidList(
        sets=_link_nested(sets),
        style=style,
        declared_count=declared,
        no_sets=no_sets,
        error=error,
        warnings=tuple(warnings),
    )


def parse_appleraid_list(text: str, source: str = "diskutil appleRAID list") -> AppleRaidList:
    """Parse `diskutil appleRAID list` text (10.5 through current macOS).

    "No AppleRAID sets found" is an empty, ok result. An AppleRAID controller error ("AppleRAID: failed
    trying to get controller object ...", "Error: -NNNN: ...") is valid output meaning diskutil could not
    read the sets: it is returned with `error` set (and `ok` False) rather than raised, because the text
    was understood -- it is the host, not the parser, that failed; the collector turns it into a Problem.
    Text that is not diskutil output raises ParseError.
    """
    return _parse_text(text, source)


def parse_checkraid(text: str, source: str = "diskutil checkRAID") -> AppleRaidList:
    """Parse `diskutil listRAID` / `checkRAID` text: the 10.4/10.5 "RAID SETS" layout, and the later layout
    these deprecated synonyms of `appleRAID list` print (whose member table may run status and size together).
    """
    return _parse_text(text, source)


# ---------------------------------------------------------------------------------------------------------
# plists


def _plist_member(d: dict[str, Any], index: int | None) -> AppleRaidMember:
    status = pstr(d, "MemberStatus")
    kind, pct = _member_kind(status)
    dev = pstr(d, "BSD Name") or pstr(d, "BSDName")
    uuid = pstr(d, "AppleRAIDMemberUUID")
    return AppleRaidMember(
        index=index,
        device=dev,
        uuid=uuid.upper() if uuid else None,
        status=status,
        kind=kind,
        size_bytes=pint(d, "Size"),
        rebuild_progress=pct,
    )


def parse_appleraid_plist(text: str, source: str = "diskutil appleRAID list -plist") -> AppleRaidList:
    """Parse `diskutil appleRAID list -plist`.

    Written from the keys Apple's tools emit (AppleRAIDSets[]: Name, AppleRAIDSetUUID, Level, Status, Size,
    "BSD Name", Rebuild, ChunkSize, Members[]/Spares[]: "BSD Name", AppleRAIDMemberUUID, MemberStatus);
    no recorded sample exists in the corpus, so it is deliberately small. A rebuild percent is only read
    when MemberStatus carries one ("27% (Rebuilding)").
    """
    data = load_plist(text, source)
    if not isinstance(data, dict) or "AppleRAIDSets" not in data:
        raise ParseError(source, None, "plist has no 'AppleRAIDSets': not `diskutil appleRAID list -plist`")
    raw_sets = data.get("AppleRAIDSets")
    if not isinstance(raw_sets, list):
        raise ParseError(source, None, "'AppleRAIDSets' is not an array")
    warnings: list[str] = []
    sets: list[AppleRaidSet] = []
    for n, d in enumerate(raw_sets):
        if not isinstance(d, dict):
            warnings.append(f"{source}: AppleRAIDSets[{n}] is not a dict, ignored")
            continue
        uuid = pstr(d, "AppleRAIDSetUUID")
        name = pstr(d, "Name") or uuid or f"set{n}"
        members = [_plist_member(m, i) for i, m in enumerate(pdicts(d, "Members"))]
        spares = [_plist_member(m, None) for m in pdicts(d, "Spares")]
        sets.append(
            _build_set(
                name=name,
                uuid=uuid.upper() if uuid else None,
                set_type=pstr(d, "Level"),
                status=pstr(d, "Status"),
                size_bytes=pint(d, "Size"),
                device_node=pstr(d, "BSD Name") or pstr(d, "BSDName"),
                rebuild_mode=pstr(d, "Rebuild"),
                members=members,
                spares=spares,
                warnings=warnings,
                where=f"{source}: AppleRAIDSets[{n}]",
                chunk_size_bytes=pint(d, "ChunkSize"),
            )
        )
    return AppleRaidList(
        sets=_link_nested(sets),
        style="plist",
        declared_count=len(raw_sets),
        no_sets=not raw_sets,
        warnings=tuple(warnings),
    )


def parse_diskutil_info_plist(text: str, source: str = "diskutil info -plist") -> DiskInfo:
    """Parse `diskutil info -plist DEVICE` into a DiskInfo (RAID membership, parent disk, mount)."""
    data = load_plist(text, source)
    if not isinstance(data, dict) or pstr(data, "DeviceIdentifier") is None:
        raise ParseError(source, None, "plist has no 'DeviceIdentifier': not `diskutil info -plist`")
    stores = tuple(
        s for s in (pstr(x, "APFSPhysicalStore") for x in pdicts(data, "APFSPhysicalStores")) if s is not None
    )
    members = data.get("RAIDSetMembers")
    member_uuids = (
        tuple(x.upper() for x in members if isinstance(x, str)) if isinstance(members, list) else ()
    )
    size = pint(data, "TotalSize")
    if size is None:
        size = pint(data, "Size")
    if size is None:
        size = pint(data, "IOKitSize")
    set_uuid = pstr(data, "RAIDSetUUID")
    member_uuid = pstr(data, "RAIDMemberUUID")
    return DiskInfo(
        device_identifier=pstr(data, "DeviceIdentifier") or "",
        device_node=pstr(data, "DeviceNode"),
        parent_whole_disk=pstr(data, "ParentWholeDisk"),
        whole_disk=pbool(data, "WholeDisk"),
        internal=pbool(data, "Internal"),
        solid_state=pbool(data, "SolidState"),
        size_bytes=size,
        mount_point=pstr(data, "MountPoint"),
        volume_name=pstr(data, "VolumeName"),
        volume_uuid=pstr(data, "VolumeUUID"),
        content=pstr(data, "Content"),
        filesystem_type=pstr(data, "FilesystemType"),
        bus_protocol=pstr(data, "BusProtocol"),
        media_name=pstr(data, "MediaName"),
        raid_master=pbool(data, "RAIDMaster") or False,
        raid_slice=pbool(data, "RAIDSlice") or False,
        raid_set_uuid=set_uuid.upper() if set_uuid else None,
        raid_set_name=pstr(data, "RAIDSetName"),
        raid_set_status=pstr(data, "RAIDSetStatus"),
        raid_set_level=pstr(data, "RAIDSetLevelType"),
        raid_set_members=member_uuids,
        raid_member_uuid=member_uuid.upper() if member_uuid else None,
        raid_member_status=pstr(data, "RAIDMemberStatus"),
        raid_slice_number=pint(data, "RAIDSliceNumber"),
        raid_set_slice_count=pint(data, "RAIDSetSliceCount"),
        apfs_physical_stores=stores,
        apfs_container_reference=pstr(data, "APFSContainerReference"),
    )


# ---------------------------------------------------------------------------------------------------------
# operations, detection, JSON


def parse_appleraid_operation(text: str, source: str = "diskutil appleRAID") -> AppleRaidOperation:
    """Parse the progress text of an AppleRAID change ("Started RAID operation on disk4 raid" ...)."""
    target = name = error = None
    finished = False
    messages: list[str] = []
    seen = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = _OPERATION_RE.match(line)
        if m:
            seen = True
            target = target or m.group("dev")
            name = name or (m.group("name") or None)
            finished = finished or m.group("verb") == "Finished"
            continue
        em = _OP_ERROR_RE.match(line)
        if em:
            error = em.group("msg").strip() or line
            continue
        messages.append(line)
    if not seen:
        raise ParseError(
            source, None, "no 'Started RAID operation on ...' line: not AppleRAID operation output"
        )
    return AppleRaidOperation(target, name, finished and error is None, error, tuple(messages))


def parse_diskutil(text: str, source: str = "diskutil") -> DiskutilResult:
    """Detect which diskutil output `text` is and parse it; anything else raises ParseError."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not diskutil output")
    head = text.lstrip()
    if not head:
        raise ParseError(source, None, "empty output")
    if head.startswith(("<?xml", "<!DOCTYPE plist", "<plist", "bplist")):
        data = load_plist(text, source)
        if isinstance(data, dict) and "AppleRAIDSets" in data:
            return parse_appleraid_plist(text, source)
        if isinstance(data, dict) and "DeviceIdentifier" in data:
            return parse_diskutil_info_plist(text, source)
        raise ParseError(source, None, "a plist, but neither `appleRAID list -plist` nor `info -plist`")
    if any(_OPERATION_RE.match(line.strip()) for line in text.splitlines()):
        return parse_appleraid_operation(text, source)
    return _parse_text(text, source)


def to_json(result: DiskutilResult) -> dict[str, Any]:
    """A parse result -> the JSON object `raidwatch parse diskutil FILE --json` prints."""
    if isinstance(result, AppleRaidList):
        return {
            "kind": "appleraid-list",
            "style": result.style,
            "declared_count": result.declared_count,
            "no_sets": result.no_sets,
            "ok": result.ok,
            "error": result.error,
            "sets": [to_jsonable(s) for s in result.sets],
            "arrays": [to_jsonable(a) for a in result.arrays],
            "warnings": list(result.warnings),
        }
    if isinstance(result, DiskInfo):
        return {"kind": "diskutil-info", **to_jsonable(result)}
    return {"kind": "appleraid-operation", **to_jsonable(result)}


__all__ = [
    "AppleRaidList",
    "AppleRaidMember",
    "AppleRaidOperation",
    "AppleRaidSet",
    "DiskInfo",
    "DiskutilResult",
    "parse_appleraid_list",
    "parse_appleraid_operation",
    "parse_appleraid_plist",
    "parse_checkraid",
    "parse_diskutil",
    "parse_diskutil_info_plist",
    "to_json",
]
