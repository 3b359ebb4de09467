"""`dmsetup table` / `dmsetup status` (all devices): each line split, and the targets that carry redundancy
or caching (raid, mirror, cache, writecache) read field by field. Pure: text in, dataclasses out.

Format sources: the kernel's Documentation/admin-guide/device-mapper/dm-raid.rst, cache.rst and
writecache.rst, dm-raid1 (mirror) status in drivers/md/dm-raid1.c, and dmsetup(8): with no device named,
every line is ``<name>: <start> <length> <target> <args>`` (one line per segment of a multi-segment
device; a device with no table loaded prints ``<name>:`` alone), and ``No devices found`` when there is
no device at all.

Only a text that is not dmsetup output at all raises ParseError; a line or a target whose fields do not
fit is a warning, so one odd device never hides the others. The per-target readers
(``parse_raid_status`` ...) raise ParseError themselves for their callers that want one clear line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import line_error, to_int

# name: start length target [args...]; a name may hold spaces or colons, so the first ": <digits> <digits> ".
# The args are the rest of the line (split on blanks by the caller; a lazy `.*?\s*$` would be quadratic
# in a long run of blanks).
LINE_RE = re.compile(
    r"^(?P<name>\S.*?):\s+(?P<start>[0-9]+)\s+(?P<length>[0-9]+)\s+(?P<target>\S+)(?:\s+(?P<args>.*))?$"
)
_EMPTY_RE = re.compile(r"^(?P<name>\S.*?):\s*$")  # a device with no table loaded
NO_DEVICES = "No devices found"
DEVNO_RE = re.compile(r"^[0-9]+:[0-9]+$")

# dm-raid health characters (dm-raid.rst "Status Output"; '-' when the device is absent, dm-raid.c)
RAID_HEALTH = {"A": "alive, in sync", "a": "alive, not in sync", "D": "dead", "-": "absent"}
# dm-raid sync actions (dm-raid.rst); "init" is the name the document's example uses for the first sync
RAID_ACTIONS = frozenset(
    {"idle", "frozen", "resync", "recover", "check", "repair", "reshape", "init", "undef"}
)
# dm-mirror leg characters (dm-raid1.c device_status_char)
MIRROR_HEALTH = {
    "A": "alive",
    "D": "dead (write failure)",
    "S": "sync failure",
    "R": "read failure",
    "U": "unclassified",
}
CACHE_MODES = ("writeback", "writethrough", "passthrough")


@dataclass(frozen=True)
class DmLine:
    """One segment of one device as dmsetup prints it."""

    name: str  # the dm name (/dev/mapper/NAME)
    start: int  # sectors
    length: int  # sectors
    target: str  # linear, striped, raid, mirror, cache, writecache, crypt, thin, thin-pool, ...
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class DmReport:
    """A whole `dmsetup table` or `dmsetup status`: segments by device name, in the order printed."""

    devices: dict[str, tuple[DmLine, ...]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RaidStatus:
    """dm-raid `status`: raid <raid_type> <#devices> <health_chars> <sync_ratio> <sync_action> <mismatch_cnt>
    [<data_offset> [<journal_char>]]."""

    raid_type: str  # raid1, raid5_ls, raid6_zr, raid10, ...
    level: str  # raid1, raid4, raid5, raid6, raid10, raid0
    health: str  # one character per device: A a D -
    sync_done: int | None  # sectors of <sync_ratio>
    sync_total: int | None
    sync_action: str | None  # idle frozen resync recover check repair reshape (None: an old kernel's status)
    mismatch_cnt: int | None
    data_offset: int | None = None
    journal: str | None = None  # A write-through, a write-back, D dead, - none

    @property
    def devices(self) -> int:
        return len(self.health)

    @property
    def sync_ratio(self) -> float | None:
        if self.sync_done is None or not self.sync_total:
            return None
        return min(self.sync_done / self.sync_total, 1.0)


@dataclass(frozen=True)
class RaidTable:
    """dm-raid `table`: raid <raid_type> <#raid_params> <raid_params> <#raid_devs> <meta0> <dev0> ...
    A `-` (absent device) is None."""

    raid_type: str
    level: str
    chunk_sectors: int
    params: tuple[tuple[str, str | None], ...]  # optional parameters in order: (name, value or None)
    legs: tuple[tuple[str | None, str | None], ...]  # (metadata dev, data dev) as major:minor, per position

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.params if k == name), None)

    @property
    def copies(self) -> int | None:
        """raid10_copies (2 when the table does not say, dm-raid.rst)."""
        if self.level != "raid10":
            return None
        v = to_int(self.param("raid10_copies"))
        return v if v is not None else 2


@dataclass(frozen=True)
class MirrorStatus:
    """dm-mirror (LVM `mirror` segment type) `status`: <#mirrors> <dev>... <in-sync>/<regions> 1 <health>
    <#log args> <log args>."""

    devices: tuple[str, ...]  # major:minor per leg
    in_sync_regions: int
    regions: int
    health: str  # one character per leg: A D S R U
    log: tuple[str, ...] = ()  # core | disk <dev> <A|D|F>


@dataclass(frozen=True)
class CacheStatus:
    """dm-cache `status` (cache.rst "Status"); `failed` alone when the kernel prints Fail."""

    failed: bool = False
    metadata_block_sectors: int | None = None
    metadata_used: int | None = None
    metadata_total: int | None = None
    block_sectors: int | None = None  # cache block size
    used_blocks: int | None = None
    total_blocks: int | None = None
    read_hits: int | None = None
    read_misses: int | None = None
    write_hits: int | None = None
    write_misses: int | None = None
    demotions: int | None = None
    promotions: int | None = None
    dirty_blocks: int | None = None
    features: tuple[str, ...] = ()
    core_args: tuple[tuple[str, str], ...] = ()
    policy: str | None = None
    policy_args: tuple[str, ...] = ()
    metadata_mode: str | None = None  # rw | ro | fail
    needs_check: bool = False

    @property
    def mode(self) -> str | None:
        if self.failed:
            return None
        return next((f for f in self.features if f in CACHE_MODES), "writeback")

    @property
    def dirty_bytes(self) -> int | None:
        if self.dirty_blocks is None or self.block_sectors is None:
            return None
        return self.dirty_blocks * self.block_sectors * 512


@dataclass(frozen=True)
class CacheTable:
    """dm-cache `table`: <metadata dev> <cache dev> <origin dev> <block size> <#features> <features>
    <policy> <#policy args> <policy args>."""

    metadata_dev: str
    cache_dev: str
    origin_dev: str
    block_sectors: int
    features: tuple[str, ...] = ()
    policy: str | None = None
    policy_args: tuple[str, ...] = ()

    @property
    def mode(self) -> str:
        """writethrough or passthrough when the features say so; writeback is the default (cache.rst)."""
        return next((f for f in self.features if f in CACHE_MODES), "writeback")


@dataclass(frozen=True)
class WritecacheStatus:
    """dm-writecache `status`: <error> <#blocks> <#free blocks> <#blocks under writeback> [statistics...]."""

    error: int
    blocks: int
    free_blocks: int
    writeback_blocks: int
    extra: tuple[int, ...] = ()

    @property
    def dirty_blocks(self) -> int:
        """Blocks held in the cache: writecache caches writes only and frees a block once written back."""
        return max(self.blocks - self.free_blocks, 0)


@dataclass(frozen=True)
class WritecacheTable:
    """dm-writecache `table`: <p|s> <origin dev> <cache dev> <block size> <#optional args> <args...>."""

    cache_type: str  # p (persistent memory) | s (SSD)
    origin_dev: str
    cache_dev: str
    block_size: int  # bytes
    options: tuple[str, ...] = ()


def _err(source: str, why: str) -> ParseError:
    return ParseError(source, None, why)


def _int(word: str, what: str, source: str) -> int:
    n = to_int(word)
    if n is None or word != word.strip():
        raise _err(source, f"{what}: expected a number, got {word[:40]!r}")
    return n


def _ratio(word: str, what: str, source: str) -> tuple[int, int]:
    m = re.fullmatch(r"([0-9]+)/([0-9]+)", word)
    done, total = (to_int(m.group(1)), to_int(m.group(2))) if m else (None, None)
    if done is None or total is None:
        raise _err(source, f"{what}: expected N/M, got {word[:40]!r}")
    return done, total


def raid_level(raid_type: str) -> str:
    """dm-raid raid_type -> level: raid5_ls -> raid5, raid6_zr -> raid6, raid10 -> raid10."""
    m = re.match(r"raid([0-9]+)", raid_type)
    return f"raid{m.group(1)}" if m else raid_type


def _dev(word: str, what: str, source: str) -> str | None:
    if word == "-":
        return None
    if not DEVNO_RE.match(word):
        raise _err(source, f"{what}: expected major:minor or '-', got {word!r}")
    return word


def parse_raid_status(args: tuple[str, ...] | list[str], source: str = "dmsetup status") -> RaidStatus:
    """The arguments of a `raid` status line (after the target name)."""
    a = list(args)
    if len(a) < 4:
        raise _err(source, f"raid status: expected at least 4 fields, got {len(a)}: {' '.join(a)!r}")
    raid_type, ndev, health, ratio = a[0], a[1], a[2], a[3]
    n = _int(ndev, "raid status #devices", source)
    if len(health) != n or any(c not in RAID_HEALTH for c in health):
        raise _err(source, f"raid status: health characters {health!r} do not fit {n} device(s) of A/a/D/-")
    done, total = _ratio(ratio, "raid status sync ratio", source)
    action = a[4] if len(a) > 4 else None
    if action is not None and action not in RAID_ACTIONS:
        raise _err(source, f"raid status: unknown sync action {action!r}")
    mismatch = _int(a[5], "raid status mismatch_cnt", source) if len(a) > 5 else None
    offset = _int(a[6], "raid status data_offset", source) if len(a) > 6 else None
    journal = a[7] if len(a) > 7 else None
    return RaidStatus(
        raid_type, raid_level(raid_type), health, done, total, action, mismatch, offset, journal
    )


# dm-raid table parameters that take a value (dm-raid.rst "Mapping Table Interface")
_RAID_VALUE_PARAMS = frozenset(
    {
        "rebuild",
        "daemon_sleep",
        "min_recovery_rate",
        "max_recovery_rate",
        "write_mostly",
        "max_write_behind",
        "stripe_cache",
        "region_size",
        "raid10_copies",
        "raid10_format",
        "delta_disks",
        "data_offset",
        "journal_dev",
        "journal_mode",
    }
)


def parse_raid_table(args: tuple[str, ...] | list[str], source: str = "dmsetup table") -> RaidTable:
    """The arguments of a `raid` table line."""
    a = list(args)
    if len(a) < 3:
        raise _err(
            source, f"raid table: expected <raid_type> <#params> <chunk_size> ..., got {' '.join(a)!r}"
        )
    raid_type = a[0]
    nparams = _int(a[1], "raid table #raid_params", source)
    if nparams < 1 or len(a) < 2 + nparams + 1:
        raise _err(source, f"raid table: {nparams} parameter(s) announced, {len(a) - 2} field(s) follow")
    raw = a[2 : 2 + nparams]
    chunk = _int(raw[0], "raid table chunk_size", source)
    params: list[tuple[str, str | None]] = []
    i = 1
    while i < len(raw):
        key = raw[i]
        if key in _RAID_VALUE_PARAMS and i + 1 < len(raw):
            params.append((key, raw[i + 1]))
            i += 2
        else:
            params.append((key, None))
            i += 1
    rest = a[2 + nparams :]
    ndev = _int(rest[0], "raid table #raid_devs", source)
    devs = rest[1:]
    if len(devs) != 2 * ndev:
        raise _err(source, f"raid table: {ndev} device pair(s) announced, {len(devs)} field(s) follow")
    legs = tuple(
        (
            _dev(devs[2 * k], "raid table metadata dev", source),
            _dev(devs[2 * k + 1], "raid table dev", source),
        )
        for k in range(ndev)
    )
    return RaidTable(raid_type, raid_level(raid_type), chunk, tuple(params), legs)


def parse_mirror_status(args: tuple[str, ...] | list[str], source: str = "dmsetup status") -> MirrorStatus:
    """The arguments of a `mirror` status line."""
    a = list(args)
    n = _int(a[0], "mirror status #mirrors", source) if a else 0
    if n < 1 or len(a) < n + 4:
        raise _err(
            source, f"mirror status: expected <#mirrors> <devs> <in-sync>/<regions> 1 <health>, got {a!r}"
        )
    devs = tuple(a[1 : 1 + n])
    for d in devs:
        _dev(d, "mirror status dev", source)
    done, total = _ratio(a[1 + n], "mirror status regions", source)
    health = a[3 + n]
    if len(health) != n or any(c not in MIRROR_HEALTH for c in health):
        raise _err(source, f"mirror status: health characters {health!r} do not fit {n} leg(s)")
    log: tuple[str, ...] = ()
    tail = a[4 + n :]
    nlog = to_int(tail[0]) if tail else None
    if nlog is not None:
        log = tuple(tail[1 : 1 + nlog])
    return MirrorStatus(devs, done, total, health, log)


def parse_cache_status(args: tuple[str, ...] | list[str], source: str = "dmsetup status") -> CacheStatus:
    """The arguments of a `cache` status line (cache.rst "Status")."""
    a = list(args)
    if a and a[0].lower() == "fail":
        return CacheStatus(failed=True, metadata_mode="fail")
    if len(a) < 12:
        raise _err(source, f"cache status: expected at least 12 fields, got {len(a)}: {' '.join(a)!r}")
    mblock = _int(a[0], "cache status metadata block size", source)
    mused, mtotal = _ratio(a[1], "cache status metadata blocks", source)
    cblock = _int(a[2], "cache status cache block size", source)
    used, total = _ratio(a[3], "cache status cache blocks", source)
    counters = [_int(w, "cache status counter", source) for w in a[4:11]]
    pos = 11
    nfeat = _int(a[pos], "cache status #features", source)
    features = tuple(a[pos + 1 : pos + 1 + nfeat])
    pos += 1 + nfeat
    core: list[tuple[str, str]] = []
    if pos < len(a):
        ncore = _int(a[pos], "cache status #core args", source)
        words = a[pos + 1 : pos + 1 + ncore]
        core = [(words[k], words[k + 1]) for k in range(0, len(words) - 1, 2)]
        pos += 1 + ncore
    policy = a[pos] if pos < len(a) else None
    pos += 1
    policy_args: tuple[str, ...] = ()
    npol = to_int(a[pos]) if pos < len(a) else None
    if npol is not None:
        policy_args = tuple(a[pos + 1 : pos + 1 + npol])
        pos += 1 + npol
    mode = a[pos] if pos < len(a) else None
    needs_check = pos + 1 < len(a) and a[pos + 1] == "needs_check"
    if len(features) != nfeat:
        raise _err(source, f"cache status: {nfeat} feature(s) announced, {len(features)} follow")
    return CacheStatus(
        False,
        mblock,
        mused,
        mtotal,
        cblock,
        used,
        total,
        *counters,
        features=features,
        core_args=tuple(core),
        policy=policy,
        policy_args=policy_args,
        metadata_mode=mode,
        needs_check=needs_check,
    )


def parse_cache_table(args: tuple[str, ...] | list[str], source: str = "dmsetup table") -> CacheTable:
    """The arguments of a `cache` table line (cache.rst "Constructor")."""
    a = list(args)
    if len(a) < 5:
        raise _err(
            source, f"cache table: expected <meta> <cache> <origin> <block size> <#features>, got {a!r}"
        )
    meta, cache, origin = (_dev(w, "cache table dev", source) for w in a[:3])
    if meta is None or cache is None or origin is None:
        raise _err(source, "cache table: a device is '-'")
    block = _int(a[3], "cache table block size", source)
    nfeat = _int(a[4], "cache table #features", source)
    features = tuple(a[5 : 5 + nfeat])
    if len(features) != nfeat:
        raise _err(source, f"cache table: {nfeat} feature(s) announced, {len(features)} follow")
    rest = a[5 + nfeat :]
    policy = rest[0] if rest else None
    policy_args: tuple[str, ...] = ()
    npol = to_int(rest[1]) if len(rest) > 1 else None
    if npol is not None:
        policy_args = tuple(rest[2 : 2 + npol])
    return CacheTable(meta, cache, origin, block, features, policy, policy_args)


def parse_writecache_status(
    args: tuple[str, ...] | list[str], source: str = "dmsetup status"
) -> WritecacheStatus:
    """The arguments of a `writecache` status line (writecache.rst "Status")."""
    a = list(args)
    if len(a) < 4:
        raise _err(source, f"writecache status: expected at least 4 numbers, got {' '.join(a)!r}")
    error = to_int(a[0], signed=True) if a[0] == a[0].strip() and a[0][:1] != "+" else None
    if error is None:
        raise _err(source, f"writecache status error indicator: expected a number, got {a[0][:40]!r}")
    nums = [_int(w, "writecache status field", source) for w in a[1:]]
    return WritecacheStatus(abs(error), nums[0], nums[1], nums[2], tuple(nums[3:]))


def parse_writecache_table(
    args: tuple[str, ...] | list[str], source: str = "dmsetup table"
) -> WritecacheTable:
    """The arguments of a `writecache` table line (writecache.rst constructor parameters)."""
    a = list(args)
    if len(a) < 4 or a[0] not in ("p", "s"):
        raise _err(source, f"writecache table: expected <p|s> <origin> <cache> <block size>, got {a!r}")
    origin = _dev(a[1], "writecache table origin dev", source)
    cache = _dev(a[2], "writecache table cache dev", source)
    if origin is None or cache is None:
        raise _err(source, "writecache table: a device is '-'")
    block = _int(a[3], "writecache table block size", source)
    options: tuple[str, ...] = ()
    nopt = to_int(a[4]) if len(a) > 4 else None
    if nopt is not None:
        options = tuple(a[5 : 5 + nopt])
    return WritecacheTable(a[0], origin, cache, block, options)


def split_line(line: str) -> DmLine | None:
    """One `name: start length target args` line, or None when it is not one."""
    m = LINE_RE.match(line.strip())
    if not m:
        return None
    start, length = to_int(m.group("start")), to_int(m.group("length"))
    if start is None or length is None:
        return None  # more digits than a sector count has: not a dm line
    args = tuple((m.group("args") or "").split())
    return DmLine(m.group("name"), start, length, m.group("target"), args)


def parse_dmsetup(text: str, source: str) -> DmReport:
    """A whole `dmsetup table` or `dmsetup status` for all devices -> segments by device name.

    ParseError only when the text is not dmsetup output at all (binary, or no line of its form)."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not dmsetup output")
    devices: dict[str, list[DmLine]] = {}
    warnings: list[str] = []
    seen = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        too_long = line_error(source, lineno, raw, "dmsetup")
        if too_long is not None:
            raise too_long  # it could be any device's segment: no device is known without it
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        if s == NO_DEVICES:
            seen = True
            continue
        line = split_line(s)
        if line is None:
            empty = _EMPTY_RE.match(s)
            if empty:
                seen = True
                devices.setdefault(empty.group("name"), [])
                warnings.append(f"{source}:{lineno}: {empty.group('name')}: no table loaded")
                continue
            warnings.append(f"{source}:{lineno}: line not understood: {s[:120]!r}")
            continue
        seen = True
        devices.setdefault(line.name, []).append(line)
    if not seen:
        raise ParseError(
            source,
            1 if text.strip() else None,
            "no dmsetup lines found (expected 'NAME: START LENGTH TARGET ...')",
        )
    return DmReport({k: tuple(v) for k, v in devices.items()}, tuple(warnings))


def split_lvm_name(dm_name: str) -> tuple[str, str, str] | None:
    """LVM's dm name -> (vg, lv, layer): "-" separates them, "--" is a "-" inside a name
    ("my--vg-root" -> ("my-vg", "root", "")). None when it is not of that form."""
    parts: list[str] = [""]
    i = 0
    while i < len(dm_name):
        c = dm_name[i]
        if c == "-":
            if i + 1 < len(dm_name) and dm_name[i + 1] == "-":
                parts[-1] += "-"
                i += 2
                continue
            parts.append("")
        else:
            parts[-1] += c
        i += 1
    if len(parts) < 2 or not parts[0] or not parts[1] or len(parts) > 3:
        return None
    return parts[0], parts[1], parts[2] if len(parts) == 3 else ""


__all__ = [
    "CacheStatus",
    "CacheTable",
    "DmLine",
    "DmReport",
    "MirrorStatus",
    "RaidStatus",
    "RaidTable",
    "WritecacheStatus",
    "WritecacheTable",
    "parse_cache_status",
    "parse_cache_table",
    "parse_dmsetup",
    "parse_mirror_status",
    "parse_raid_status",
    "parse_raid_table",
    "parse_writecache_status",
    "parse_writecache_table",
    "raid_level",
    "split_line",
    "split_lvm_name",
]
