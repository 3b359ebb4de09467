"""Parse /proc/mdstat (every kernel from 2.4 on) into Array objects. Pure: text in, model out."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from raidwatch.errors import ParseError
from raidwatch.model import Array, Member, MemberState, SyncAction, SyncStatus
from raidwatch.parsers.bounds import line_error, to_float, to_int

# Digits are ASCII ([0-9]): a regex \d would also take other scripts' digits. Every pattern below is
# linear in the line's length (no two unbounded repeats that can match the same text meet).
_ARRAY_RE = re.compile(r"^(?P<name>md[\w.-]*|md_d[0-9]+)\s*:\s*(?P<rest>.*)$")
_MEMBER_RE = re.compile(r"^(?P<dev>[^\s\[\]()]+)\[(?P<slot>[0-9]+)\](?P<flags>(?:\([A-Za-z]\))*)$")
_STATUS_RE = re.compile(r"\[(?P<total>[0-9]+)/(?P<insync>[0-9]+)\]\s*\[(?P<map>[U_]*)\]")
_BLOCKS_RE = re.compile(r"^(?P<blocks>[0-9]+)\s+blocks\b")
_SUPER_RE = re.compile(r"\bsuper\s+(?P<super>\S+)")
_CHUNK_RE = re.compile(r"\b(?P<n>[0-9]+)[kK]\s+chunks?\b")
_OLD_CHUNK_RE = re.compile(r"\b(?P<n>[0-9]+)k chunk\b")
_COPIES_RE = re.compile(r"\b(?P<n>[0-9]+)\s+(?P<kind>near|far|offset)-copies\b")
_FAR_SET_RE = re.compile(r"\b(?P<n>[0-9]+)\s+devices\s+per\s+set\b")
_NUM = r"[0-9]+(?:\.[0-9]+)?"
_PROGRESS_RE = re.compile(
    rf"(?P<action>resync|recovery|check|repair|reshape)\s*=\s*(?P<pct>{_NUM})%"
    r"(?:\s*\((?P<done>[0-9]+)/(?P<total>[0-9]+)\))?"
    rf"(?:\s*finish\s*=\s*(?P<finish>{_NUM})min)?"
    r"(?:\s*speed\s*=\s*(?P<speed>[0-9]+)K/sec)?"
)
_QUEUED_RE = re.compile(
    r"\b(?P<action>resync|recovery|check|repair|reshape)\s*=\s*(?P<what>DELAYED|PENDING)\b"
)
_LEVEL_RE = re.compile(r"^(raid[0-9]+|linear|multipath|faulty)$")

_FLAG_NAMES = {"W": "write-mostly", "R": "replacement", "J": "journal"}


@dataclass(frozen=True)
class MdstatResult:
    """What /proc/mdstat says: the arrays, the personalities, and lines it did not understand."""

    arrays: tuple[Array, ...]
    personalities: tuple[str, ...] = ()
    unused_devices: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # lines not understood and tolerated
    errors: tuple[ParseError, ...] = ()  # arrays whose header could not be read (left out; others kept)


def _parse_members(tokens: list[str], source: str, lineno: int, warnings: list[str]) -> list[Member]:
    members = []
    for tok in tokens:
        m = _MEMBER_RE.match(tok)
        if not m:
            warnings.append(f"{source}:{lineno}: unknown member token {tok!r} ignored")
            continue
        letters = re.findall(r"\(([A-Za-z])\)", m.group("flags"))
        state = MemberState.ACTIVE
        flags = []
        for letter in letters:
            if letter == "F":
                state = MemberState.FAILED
            elif letter == "S":
                if state is not MemberState.FAILED:
                    state = MemberState.SPARE
            elif letter in _FLAG_NAMES:
                flags.append(_FLAG_NAMES[letter])
            else:
                warnings.append(f"{source}:{lineno}: unknown member flag ({letter}) on {m.group('dev')}")
        slot = to_int(m.group("slot"))
        if slot is None:
            why = f"a slot of {len(m.group('slot'))} digits is no slot number"
            warnings.append(f"{source}:{lineno}: member {m.group('dev')} ignored: {why}")
            continue
        members.append(Member(device=m.group("dev"), slot=slot, state=state, flags=tuple(flags)))
    return members


def _header(name: str, rest: str, source: str, lineno: int, warnings: list[str]) -> Array:
    tokens = rest.split()
    if not tokens:
        raise ParseError(source, lineno, f"{name}: no state after ':'")
    state = tokens.pop(0)
    if state not in ("active", "inactive"):
        raise ParseError(source, lineno, f"{name}: expected 'active' or 'inactive', got {state!r}")
    read_only = auto_ro = False
    level = None
    while tokens and tokens[0].startswith("("):
        word = tokens.pop(0)
        if word == "(read-only)":
            read_only = True
        elif word == "(auto-read-only)":
            read_only = auto_ro = True
        else:
            warnings.append(f"{source}:{lineno}: {name}: unknown array flag {word} ignored")
    if tokens and _LEVEL_RE.match(tokens[0]):
        level = tokens.pop(0)
    # Some old kernels put the size on the header line ("... 1048512 blocks [2/2] [UU]").
    member_tokens = []
    for i, tok in enumerate(tokens):
        if tok.isdecimal() and i + 1 < len(tokens) and tokens[i + 1] == "blocks":
            break
        member_tokens.append(tok)
    members = _parse_members(member_tokens, source, lineno, warnings)
    return Array(
        name=name,
        level=level,
        state=state,
        read_only=read_only,
        auto_read_only=auto_ro,
        members=tuple(members),
    )


def _number(text: str, what: str, arr: Array, source: str, lineno: int) -> int:
    """A count the array's state depends on: a number too long to be one makes the array unreadable."""
    n = to_int(text)
    if n is None:
        raise ParseError(source, lineno, f"{arr.name}: {what} of {len(text)} digits is not a number")
    return n


def _apply_status(arr: Array, line: str, source: str, lineno: int) -> Array:
    changes: dict[str, object] = {}
    m = _BLOCKS_RE.search(line.strip())
    if m:
        size = to_int(m.group("blocks"))
        changes["size_bytes"] = size * 1024 if size is not None else None
    m = _SUPER_RE.search(line)
    if m:
        changes["metadata"] = m.group("super")
    m = _CHUNK_RE.search(line) or _OLD_CHUNK_RE.search(line)
    if m:
        changes["chunk_kib"] = to_int(m.group("n"))
    changes.update(_raid10_geometry(line))
    m = _STATUS_RE.search(line)
    if m:
        changes["raid_disks"] = _number(m.group("total"), "raid disks", arr, source, lineno)
        changes["in_sync_disks"] = _number(m.group("insync"), "in-sync disks", arr, source, lineno)
        changes["status_map"] = m.group("map")
    return replace(arr, **changes)  # type: ignore[arg-type]


def _raid10_geometry(line: str) -> dict[str, object]:
    """raid10's layout as raid10.c raid10_status prints it: " 2 near-copies", " 2 far-copies" or
    " 2 offset-copies" (each only when above 1), then " N devices per set" for far-set layouts."""
    found = {m.group("kind"): to_int(m.group("n")) for m in _COPIES_RE.finditer(line)}
    if not found or None in found.values():
        return {}
    near = found.get("near", 1)
    far = found.get("offset", found.get("far", 1))
    out: dict[str, object] = {
        "copies": near * far,
        "near_copies": near,
        "far_copies": far,
        "far_offset": "offset" in found,
    }
    m = _FAR_SET_RE.search(line)
    if m:
        out["far_set_size"] = to_int(m.group("n"))
    return out


def _progress(line: str) -> SyncStatus | None:
    m = _PROGRESS_RE.search(line)
    if m:
        pct = to_float(m.group("pct"))
        finish = to_float(m.group("finish"))
        return SyncStatus(
            action=SyncAction(m.group("action")),
            progress=min(max(pct / 100.0, 0.0), 1.0) if pct is not None else None,
            finish_seconds=finish * 60 if finish is not None else None,
            speed_kib_s=to_int(m.group("speed")),
            done_blocks=to_int(m.group("done")),
            total_blocks=to_int(m.group("total")),
        )
    m = _QUEUED_RE.search(line)
    if m:
        return SyncStatus(
            action=SyncAction(m.group("action")),
            delayed=m.group("what") == "DELAYED",
            pending=m.group("what") == "PENDING",
        )
    return None


def _finish(arr: Array) -> Array:
    """Derive what mdstat implies but does not print: containers, member arrays, in-sync, degraded."""
    changes: dict[str, object] = {}
    meta = arr.metadata or ""
    if meta.startswith("external:"):
        ext = meta[len("external:") :].lstrip("-")  # a leading '-' marks a read-only member array
        if ext.startswith("/"):
            # "external:/md127/0": member array 0 of container md127
            changes["container"] = ext.split("/")[1]
        else:
            changes["is_container"] = True  # "external:imsm", "external:ddf"
        if arr.level is None:
            changes["level"] = "container"
    level = changes.get("level", arr.level)
    raid_disks, in_sync = arr.raid_disks, arr.in_sync_disks
    if raid_disks is None and level in ("raid0", "linear") and arr.state == "active":
        # raid0/linear print no [n/m]: every non-failed member holds a part of the data.
        n = sum(1 for m in arr.members if m.state is MemberState.ACTIVE)
        raid_disks = in_sync = n
        changes["raid_disks"] = n
        changes["in_sync_disks"] = n
    if raid_disks is not None and in_sync is not None and arr.state == "active":
        changes["degraded"] = in_sync < raid_disks
        # md prints " [raid_disks/working] [map]": working = raid_disks - mddev->degraded, the map one
        # In_sync bit per role (raid5.c raid5_status; raid1/raid10 alike). During a reshape raid_disks is
        # the new count and raid5_calc_degraded() does not count a new-geometry role whose device is not
        # In_sync yet (the reshape writes it), so "[4/3] [UU__]" can be printed: degraded stays the
        # kernel's word (the count), the members holding current data are the map's (as sysfs dev-*/state).
        smap = arr.status_map
        reshaping = arr.sync is not None and arr.sync.action is SyncAction.RESHAPE
        if reshaping and smap is not None and len(smap) == raid_disks and smap.count("U") != in_sync:
            changes["in_sync_disks"] = in_sync = smap.count("U")
    if arr.state == "inactive":
        # an inactive array serves nothing, whatever status map an odd kernel printed for it
        changes["in_sync_disks"] = in_sync = 0
        changes["degraded"] = False
    # Which members are in sync: exact when every role-holding member is (count matches);
    # during a recovery the target usually carries a descriptor number >= raid_disks.
    members = list(arr.members)
    holders = [i for i, m in enumerate(members) if m.state is MemberState.ACTIVE]
    if in_sync is not None and arr.state == "active":
        if len(holders) <= in_sync:
            for i in holders:
                members[i] = replace(members[i], in_sync=True)
        elif raid_disks is not None:
            rebuilding = arr.sync is not None and arr.sync.action in (SyncAction.RECOVERY, SyncAction.RESHAPE)
            high = {i for i in holders if (members[i].slot or 0) >= raid_disks}
            if len(holders) - len(high) == in_sync:
                for i in holders:
                    is_high = i in high
                    members[i] = replace(members[i], in_sync=not is_high, rebuilding=is_high and rebuilding)
        changes["members"] = tuple(members)
    return replace(arr, **changes)  # type: ignore[arg-type]


def parse_mdstat(text: str, source: str = "/proc/mdstat") -> MdstatResult:
    """Parse the text of /proc/mdstat. Unknown lines become warnings; a broken array line raises."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not /proc/mdstat")
    lines = text.splitlines()
    warnings: list[str] = []
    arrays: list[Array] = []
    personalities: tuple[str, ...] = ()
    unused: tuple[str, ...] = ()
    saw_header = False
    current: Array | None = None
    errors: list[ParseError] = []
    skipping: str | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            arrays.append(_finish(current))
            current = None

    for lineno, raw in enumerate(lines, 1):
        too_long = line_error(source, lineno, raw, "/proc/mdstat")
        if too_long is not None:
            # the array it belongs to (or starts) is left out with the error; the others are kept
            head = _ARRAY_RE.match(raw[:256])
            if head and raw[:1] not in (" ", "\t"):
                close()
                skipping = head.group("name")
                errors.append(too_long)
            elif current is not None:
                skipping = current.name
                current = None
                errors.append(too_long)
            elif skipping is None:
                warnings.append(str(too_long))
            continue
        line = raw.strip()
        if not line:
            continue
        if line.startswith("Personalities"):
            saw_header = True
            personalities = tuple(re.findall(r"\[([^\]]+)\]", line))
            continue
        if line.startswith("unused devices"):
            close()
            saw_header = True
            rest = line.split(":", 1)[1].strip() if ":" in line else ""
            unused = tuple(t for t in rest.split() if t != "<none>")
            continue
        if line.startswith("read_ahead") or line.startswith("Event:"):
            saw_header = True
            continue
        m = _ARRAY_RE.match(line)
        if m and raw[:1] not in (" ", "\t"):
            close()
            skipping = None
            try:
                current = _header(m.group("name"), m.group("rest"), source, lineno, warnings)
            except ParseError as exc:
                errors.append(exc)  # one odd array line hides nothing else
                skipping = m.group("name")
            continue
        if skipping is not None and raw[:1] in (" ", "\t"):
            continue  # the body of an array we could not read
        if current is None:
            warnings.append(f"{source}:{lineno}: line outside any array ignored: {line[:80]!r}")
            continue
        try:
            current = _body_line(current, line, source, lineno, warnings)
        except ParseError as exc:
            errors.append(exc)  # the array is left out, the others kept
            skipping, current = current.name, None
    close()
    if not saw_header and not arrays:
        raise ParseError(
            source, 1 if lines else None, "not /proc/mdstat: no 'Personalities' line and no md arrays"
        )
    return MdstatResult(tuple(arrays), personalities, unused, tuple(warnings), tuple(errors))


def _body_line(current: Array, line: str, source: str, lineno: int, warnings: list[str]) -> Array:
    """One line of an array's body (status, progress, bitmap) applied to it."""
    if "blocks" in line and _BLOCKS_RE.search(line):
        return _apply_status(current, line, source, lineno)
    sync = _progress(line)
    if sync is not None:
        if current.sync is None or (current.sync.delayed or current.sync.pending):
            return replace(current, sync=sync)
        return current
    if line.startswith("bitmap:"):
        return current
    if line.startswith("[") and re.fullmatch(r"\[[=>.]*\]", line):
        return current  # a progress bar wrapped onto its own line
    if _STATUS_RE.search(line):
        return _apply_status(current, line, source, lineno)
    warnings.append(f"{source}:{lineno}: unknown line in {current.name} ignored: {line[:80]!r}")
    return current
