"""Parse one md array's sysfs attributes (/sys/block/mdX/md/*) into MdSysfs. Pure: texts in, model out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import to_int

# dev-*/state words the kernel writes (drivers/md/md.c state_show)
KNOWN_DEV_STATES = frozenset(
    {
        "faulty",
        "in_sync",
        "journal",
        "write_mostly",
        "writemostly",
        "blocked",
        "spare",
        "write_error",
        "want_replacement",
        "replacement",
        "external_bbl",
        "failfast",
        "clustered_remote",
    }
)
KNOWN_ARRAY_STATES = frozenset(
    {
        "clear",
        "inactive",
        "suspended",
        "readonly",
        "read-auto",
        "clean",
        "active",
        "write-pending",
        "active-idle",
        "broken",
    }
)
KNOWN_SYNC_ACTIONS = frozenset({"idle", "resync", "recover", "check", "repair", "reshape", "frozen"})


@dataclass(frozen=True)
class SysfsMember:
    """One dev-* directory: a component device as the kernel sees it."""

    device: str
    state_words: tuple[str, ...]
    slot: int | None  # raid role; None for "none" (spare/failed), "journal", or no slot file
    errors: int | None = None
    slot_text: str | None = None  # the slot file verbatim; None when there is no slot file

    @property
    def faulty(self) -> bool:
        return "faulty" in self.state_words

    @property
    def in_sync(self) -> bool:
        return "in_sync" in self.state_words


@dataclass(frozen=True)
class MdSysfs:
    """What sysfs says about one md array."""

    name: str
    level: str | None
    array_state: str | None
    raid_disks: int | None
    raid_disks_before_reshape: int | None = None  # "11 (10)" while reshaping from 10 to 11
    degraded: int | None = None
    sync_action: str | None = None
    sync_completed: tuple[int, int] | None = None  # sectors done, sectors total
    sync_delayed: bool = False  # sync_completed reads "delayed"
    sync_speed_kib_s: int | None = None
    mismatch_cnt: int | None = None
    metadata_version: str | None = None
    uuid: str | None = None
    chunk_size_bytes: int | None = None
    members: tuple[SysfsMember, ...] = ()
    warnings: tuple[str, ...] = ()
    layout: int | None = None  # md/layout: the level's layout number (raid10: see raid10_geometry)


@dataclass(frozen=True)
class Raid10Geometry:
    """An md raid10 layout number decoded as the kernel's raid10.c setup_geo() decodes it."""

    near_copies: int
    far_copies: int
    far_offset: bool
    far_set_size: int | None  # None: the far copies rotate over all raid disks (the original layout)


def raid10_geometry(layout: int, raid_disks: int | None = None) -> Raid10Geometry | None:
    """near = layout & 0xff, far = (layout >> 8) & 0xff, offset = bit 16, and bits 17-18 the far-set
    variant: 0 sets over all disks, 1 raid_disks / far (the early buggy variant), 2 near * far devices per
    set. None where setup_geo() refuses the number (bits above 18, a variant above 2, no copies)."""
    if layout < 0 or layout >> 19:
        return None
    near, far = layout & 0xFF, (layout >> 8) & 0xFF
    if near < 1 or far < 1:
        return None
    variant = layout >> 17
    if variant == 0:
        fss = None
    elif variant == 1:
        if not raid_disks:
            return None
        fss = raid_disks // far
    elif variant == 2:
        fss = near * far
    else:
        return None
    if fss is not None and raid_disks is not None and fss == raid_disks:
        fss = None
    return Raid10Geometry(near, far, bool(layout & 0x10000), fss)


# md's LEVEL_* numbers (include/uapi/linux/raid/md_u.h), which md/level shows as a bare number for an
# array assembled through the ioctl interface and not started (no personality yet)
_LEVEL_NUMBERS = {-1: "linear", -4: "multipath", -5: "faulty"}


def normalize_level(text: str | None) -> str | None:
    """md/level as the model names levels: "raid1" stays, "1" becomes raid1, "-1" linear; "" None."""
    if not text:
        return None
    if re.fullmatch(r"-?[0-9]+", text):
        n = to_int(text, signed=True)
        if n is None:
            return None
        if n in _LEVEL_NUMBERS:
            return _LEVEL_NUMBERS[n]
        return f"raid{n}" if 0 <= n <= 10 else None
    return text


def _int(value: str | None, source: str, what: str, warnings: list[str]) -> int | None:
    if value is None:
        return None
    v = value.strip()
    if v in ("", "none"):
        return None
    n = to_int(v.split()[0], signed=True)
    if n is None:
        warnings.append(f"{source}/{what}: expected a number, got {v[:40]!r}")
    return n


def parse_md_sysfs(
    name: str,
    files: Mapping[str, str],
    devices: Mapping[str, Mapping[str, str]] | None = None,
    source: str | None = None,
) -> MdSysfs:
    """`files` maps attribute names (level, array_state, ...) to their text; `devices` maps
    a member name (sda1, from dev-sda1) to its attributes (state, slot, errors). Missing files
    are simply absent. Raises ParseError only when nothing identifies an md array."""
    src = source or f"/sys/block/{name}/md"
    warnings: list[str] = []
    get = {k: v.strip() for k, v in files.items() if isinstance(v, str)}
    if "\x00" in "".join(get.values()):
        raise ParseError(src, None, "binary data in md sysfs attributes")
    if not any(k in get for k in ("level", "array_state", "raid_disks")):
        raise ParseError(src, None, "not an md sysfs directory: no level, array_state or raid_disks")

    array_state = get.get("array_state") or None
    if array_state and array_state not in KNOWN_ARRAY_STATES:
        warnings.append(f"{src}/array_state: unknown value {array_state!r}")
    raid_disks = before = None
    rd = get.get("raid_disks")
    if rd:
        m = re.fullmatch(r"([0-9]+)(?:\s*\(([0-9]+)\))?", rd)
        if m and to_int(m.group(1)) is not None:
            raid_disks = to_int(m.group(1))
            before = to_int(m.group(2))
        else:
            warnings.append(f"{src}/raid_disks: unexpected value {rd[:40]!r}")
    sync_action = get.get("sync_action") or None
    if sync_action and sync_action not in KNOWN_SYNC_ACTIONS:
        warnings.append(f"{src}/sync_action: unknown value {sync_action!r}")
    completed = None
    delayed = False
    sc = get.get("sync_completed")
    if sc:
        m = re.fullmatch(r"([0-9]+)\s*/\s*([0-9]+)", sc)
        done, total = (to_int(m.group(1)), to_int(m.group(2))) if m else (None, None)
        if done is not None and total is not None:
            completed = (done, total)
        elif sc == "delayed":
            delayed = True
        elif sc != "none":
            warnings.append(f"{src}/sync_completed: unexpected value {sc[:40]!r}")
    speed = get.get("sync_speed")
    layout = _int(get.get("layout"), src, "layout", warnings)
    members = []
    for dev, attrs in sorted((devices or {}).items()):
        state = (attrs.get("state") or "").strip()
        words = tuple(w for w in re.split(r"[,\s]+", state) if w)
        for w in words:
            if w not in KNOWN_DEV_STATES:
                warnings.append(f"{src}/dev-{dev}/state: unknown word {w!r}")
        slot_text = (attrs.get("slot") or "").strip()
        slot = None
        if slot_text and slot_text not in ("none", "journal"):
            slot = _int(slot_text, src, f"dev-{dev}/slot", warnings)
        errors = _int(attrs.get("errors"), src, f"dev-{dev}/errors", warnings)
        members.append(
            SysfsMember(device=dev, state_words=words, slot=slot, errors=errors, slot_text=slot_text or None)
        )
    return MdSysfs(
        name=name,
        level=normalize_level(get.get("level")),
        array_state=array_state,
        raid_disks=raid_disks,
        raid_disks_before_reshape=before,
        degraded=_int(get.get("degraded"), src, "degraded", warnings),
        sync_action=sync_action,
        sync_completed=completed,
        sync_delayed=delayed,
        sync_speed_kib_s=_int(speed, src, "sync_speed", warnings) if speed and speed != "none" else None,
        mismatch_cnt=_int(get.get("mismatch_cnt"), src, "mismatch_cnt", warnings),
        metadata_version=get.get("metadata_version") or None,
        uuid=get.get("uuid") or None,
        chunk_size_bytes=_int(get.get("chunk_size"), src, "chunk_size", warnings),
        members=tuple(members),
        warnings=tuple(warnings),
        layout=layout,
    )
