"""Parse btrfs: `btrfs filesystem show`, `btrfs device stats` and /sys/fs/btrfs/<UUID>/. Pure: text in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from raidwatch.errors import ParseError
from raidwatch.model import BTRFS_PROFILE_LOSSES
from raidwatch.parsers.bounds import check_lines, line_error

# Block-group profiles as the kernel names them (the directories under allocation/<type>/).
PROFILES = ("single", "dup", "raid0", "raid1", "raid1c3", "raid1c4", "raid10", "raid5", "raid6")
BLOCK_GROUP_TYPES = ("data", "metadata", "system")
# `btrfs device stats` counter names; sysfs devinfo/<devid>/error_stats says write_errs etc.
COUNTERS = ("write_io_errs", "read_io_errs", "flush_io_errs", "corruption_errs", "generation_errs")
_SYSFS_COUNTER = {
    "write_errs": "write_io_errs",
    "read_errs": "read_io_errs",
    "flush_errs": "flush_io_errs",
    "corruption_errs": "corruption_errs",
    "generation_errs": "generation_errs",
}
_TABLE_COLUMNS = {
    "write errors": "write_io_errs",
    "read errors": "read_io_errs",
    "flush errors": "flush_io_errs",
    "corruption errors": "corruption_errs",
    "generation errors": "generation_errs",
}

_UNITS = {
    "": 1,
    "B": 1,
    "KiB": 1 << 10,
    "MiB": 1 << 20,
    "GiB": 1 << 30,
    "TiB": 1 << 40,
    "PiB": 1 << 50,
    "EiB": 1 << 60,
    "kB": 10**3,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "PB": 10**15,
    "EB": 10**18,
}
_SIZE_RE = re.compile(r"^(?P<n>[0-9]{1,20}(?:\.[0-9]{1,20})?)(?P<unit>[KMGTPE]i?B|kB|B)?$")
_LABEL_RE = re.compile(
    r"^Label:\s*(?:'(?P<quoted>.*)'|(?P<bare>\S+))\s+uuid:\s*(?P<uuid>[0-9a-fA-F-]{32,36})\s*$"
)
_TOTAL_RE = re.compile(r"^Total devices\s+(?P<n>[0-9]{1,9})\s+FS bytes used\s+(?P<used>\S+)\s*$")
# the path is the rest of the line (trailing blanks are stripped in code: a lazy `.*?\s*$` would try the
# end of the line from every blank of a long run, quadratic in its length)
_DEVID_RE = re.compile(
    r"^devid\s+(?P<devid>[0-9]{1,20})\s+size\s+(?P<size>\S+)\s+used\s+(?P<used>\S+)\s+path\s+(?P<path>.*)$"
)
# a header column starts after blanks where a capital follows (matched only where a blank run starts)
_COLUMN_SPLIT_RE = re.compile(r"(?<!\s)\s+(?=[A-Z])")
_MISSING_PATH_RE = re.compile(r"^<missing disk(?:\s*#\s*(?P<n>[0-9]{1,20}))?>(?:\s+MISSING)?$")
_WARN_MISSING_RE = re.compile(
    r"^warning[,:]?\s+devid\s+(?P<devid>[0-9]{1,20})\s+(?:is\s+)?missing\b|^warning[,:]?\s+device\s+(?P<dev2>[0-9]{1,20})\s+is\s+missing\b"
)
_VERSION_RE = re.compile(r"^(?:btrfs-progs|Btrfs)\s+v\S+\s*$")
_DIGITS_RE = re.compile(r"[0-9]{1,20}")
_STAT_RE = re.compile(r"^\[(?P<dev>[^\]]*)\]\.(?P<counter>[a-z_]+)\s+(?P<value>[0-9]{1,20})\s*$")


@dataclass(frozen=True)
class BtrfsDevice:
    """One device line of `btrfs filesystem show`."""

    devid: int
    path: str | None  # /dev/sdc1; None when missing
    size_bytes: int | None = None
    used_bytes: int | None = None
    missing: bool = False


@dataclass(frozen=True)
class BtrfsFilesystem:
    """One filesystem block of `btrfs filesystem show`."""

    uuid: str
    label: str | None
    total_devices: int | None
    bytes_used: int | None = None
    devices: tuple[BtrfsDevice, ...] = ()
    some_missing: bool = False  # "*** Some devices missing" printed

    @property
    def missing_count(self) -> int:
        """Devices the filesystem has but that are not there: MISSING lines, or Total minus listed."""
        flagged = sum(1 for d in self.devices if d.missing)
        present = sum(1 for d in self.devices if not d.missing and d.devid != 0)
        by_total = (self.total_devices - present) if self.total_devices is not None else 0
        count = max(flagged, by_total)
        if self.some_missing and count == 0:
            count = 1  # the tool says so without saying how many
        return count

    @property
    def present_devices(self) -> tuple[BtrfsDevice, ...]:
        return tuple(d for d in self.devices if not d.missing)


@dataclass(frozen=True)
class BtrfsShowResult:
    """All filesystems `btrfs filesystem show` printed, and lines it did not understand."""

    filesystems: tuple[BtrfsFilesystem, ...]
    warnings: tuple[str, ...] = ()
    # keep_going=True: the filesystems whose block could not be read (left out; the others kept)
    errors: tuple[ParseError, ...] = ()


@dataclass(frozen=True)
class BtrfsDeviceStats:
    """Error counters of one device (`btrfs device stats`, or sysfs devinfo/<devid>/error_stats)."""

    device: str  # as printed: /dev/sde, <missing disk>, or "devid N" from sysfs
    counters: tuple[tuple[str, int], ...]
    devid: int | None = None

    @property
    def total_errors(self) -> int:
        return sum(v for _k, v in self.counters)

    @property
    def nonzero(self) -> tuple[tuple[str, int], ...]:
        return tuple((k, v) for k, v in self.counters if v)


@dataclass(frozen=True)
class BtrfsStatsResult:
    """`btrfs device stats` output, one entry per device, in the order printed."""

    devices: tuple[BtrfsDeviceStats, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class BtrfsDevInfo:
    """/sys/fs/btrfs/<UUID>/devinfo/<devid>/ (kernel 5.9+; error_stats 5.14+)."""

    devid: int
    missing: bool | None = None
    replace_target: bool | None = None
    writeable: bool | None = None
    errors: BtrfsDeviceStats | None = None


@dataclass(frozen=True)
class BtrfsSysfs:
    """What /sys/fs/btrfs/<UUID>/ says about one mounted filesystem."""

    uuid: str
    label: str | None
    devices: tuple[str, ...]  # kernel names from devices/: the devices present now
    profiles: tuple[tuple[str, tuple[str, ...]], ...]  # (data|metadata|system, profiles in use)
    devinfo: tuple[BtrfsDevInfo, ...] = ()  # empty on kernels without devinfo/
    warnings: tuple[str, ...] = ()

    @property
    def all_profiles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for _t, ps in self.profiles for p in ps))

    @property
    def effective_profile(self) -> str | None:
        """The weakest profile in use: the filesystem survives only what its weakest block group does."""
        return weakest_profile(self.profiles)

    @property
    def member_devinfo(self) -> tuple[BtrfsDevInfo, ...]:
        """Devices that belong to the filesystem (a running replace's target, devid 0, does not yet)."""
        return tuple(d for d in self.devinfo if d.devid != 0 and not d.replace_target)

    @property
    def missing_count(self) -> int | None:
        """Devices the kernel marks missing; None on kernels whose sysfs cannot say."""
        if not self.devinfo or any(d.missing is None for d in self.member_devinfo):
            return None
        return sum(1 for d in self.member_devinfo if d.missing)


def weakest_profile(profiles: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    """The profile with the fewest losses survived (BTRFS_PROFILE_LOSSES); ties go to data, then
    metadata, then system, so `data raid1 + metadata dup` is "dup" and `single + dup` is "single"."""
    best: tuple[int, int, str] | None = None
    order = {t: i for i, t in enumerate(BLOCK_GROUP_TYPES)}
    for bg_type, names in profiles:
        for p in names:
            key = (BTRFS_PROFILE_LOSSES.get(p, 0), order.get(bg_type, len(order)), p)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def parse_size(text: str) -> int | None:
    """`5.46TiB`, `698.64GiB`, `0`, `314572800` (with --raw) -> bytes; None when not a size."""
    m = _SIZE_RE.match(text.strip())
    if not m:
        return None
    unit = m.group("unit") or ""
    if unit not in _UNITS:
        return None
    return round(float(m.group("n")) * _UNITS[unit])


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    return int(text) if _DIGITS_RE.fullmatch(text) else None


def _flag(text: str | None) -> bool | None:
    value = _int(text)
    return None if value is None else value != 0


# ---------------------------------------------------------------------------- filesystem show


def parse_filesystem_show(
    text: str, source: str = "btrfs filesystem show", keep_going: bool = False
) -> BtrfsShowResult:
    """`btrfs filesystem show [--raw] [-d] [UUID|path]` -> the filesystems it lists.

    A filesystem whose block cannot be read (a line longer than bounds.MAX_LINE) raises ParseError; with
    keep_going=True it goes to `errors` instead and the other filesystems are still read."""
    filesystems: list[BtrfsFilesystem] = []
    warnings: list[str] = []
    errors: list[ParseError] = []
    current: dict[str, Any] | None = None
    skipping = False  # keep_going: the lines of a filesystem left out
    extra_missing: set[int] = set()

    def close() -> None:
        nonlocal current
        if current is not None:
            devices = list(current["devices"])
            for devid in sorted(extra_missing - {d.devid for d in devices}):
                devices.append(BtrfsDevice(devid=devid, path=None, missing=True))
            filesystems.append(
                BtrfsFilesystem(
                    uuid=current["uuid"],
                    label=current["label"],
                    total_devices=current["total"],
                    bytes_used=current["used"],
                    devices=tuple(devices),
                    some_missing=current["some_missing"],
                )
            )
            extra_missing.clear()  # a warning before the first Label: line belongs to that filesystem
        current = None

    for lineno, raw in enumerate(text.splitlines(), 1):
        too_long = line_error(source, lineno, raw, "btrfs filesystem show")
        if too_long is not None:
            if not keep_going:
                raise too_long
            errors.append(too_long)  # its filesystem is left out, the others kept
            current, skipping = None, True
            extra_missing.clear()
            continue
        line = raw.strip()
        if not line or _VERSION_RE.match(line):
            continue
        m = _LABEL_RE.match(line)
        if m:
            close()
            skipping = False
            label = m.group("quoted") if m.group("quoted") is not None else m.group("bare")
            current = {
                "uuid": m.group("uuid").lower(),
                "label": None if label in (None, "none") and m.group("quoted") is None else label,
                "total": None,
                "used": None,
                "devices": [],
                "some_missing": False,
            }
            continue
        w = _WARN_MISSING_RE.match(line)
        if w:
            extra_missing.add(int(w.group("devid") or w.group("dev2")))
            continue
        if current is None:
            if skipping:
                continue
            raise ParseError(source, lineno, f"expected a 'Label: ... uuid: ...' line, got {line[:60]!r}")
        m = _TOTAL_RE.match(line)
        if m:
            current["total"] = int(m.group("n"))
            current["used"] = parse_size(m.group("used"))
            continue
        m = _DEVID_RE.match(line)
        if m:
            path = m.group("path").rstrip()
            missing_m = _MISSING_PATH_RE.match(path)
            # "<missing disk>", "<missing disk #2>", "... MISSING", or no path at all ("path  MISSING")
            missing = missing_m is not None or path == "MISSING" or path.endswith(" MISSING") or not path
            current["devices"].append(
                BtrfsDevice(
                    devid=int(m.group("devid")),
                    path=None if missing else path,
                    size_bytes=parse_size(m.group("size")),
                    used_bytes=parse_size(m.group("used")),
                    missing=missing,
                )
            )
            continue
        if line.startswith("***") and "missing" in line.lower():
            current["some_missing"] = True
            continue
        warnings.append(f"{source}:{lineno}: line not understood, ignored: {line[:80]!r}")
    close()
    if not filesystems:
        if errors:
            raise errors[0]
        raise ParseError(source, None, "no 'Label: ... uuid: ...' line: not `btrfs filesystem show` output")
    return BtrfsShowResult(filesystems=tuple(filesystems), warnings=tuple(warnings), errors=tuple(errors))


# ---------------------------------------------------------------------------- device stats


def parse_device_stats(text: str, source: str = "btrfs device stats") -> BtrfsStatsResult:
    """`btrfs device stats [-c] PATH` in its plain (`[/dev/sde].write_io_errs 0`) or `-T` table form.
    A line longer than bounds.MAX_LINE is refused (naming it): it could hide a device's counters."""
    all_lines = check_lines(text.splitlines(), source, "btrfs device stats")
    lines = [(n, raw.strip()) for n, raw in enumerate(all_lines, 1) if raw.strip()]
    if lines and lines[0][1].split()[:2] == ["Id", "Path"]:
        return _parse_stats_table(lines, source)
    order: list[str] = []
    counters: dict[str, dict[str, int]] = {}
    warnings: list[str] = []
    for lineno, line in lines:
        m = _STAT_RE.match(line)
        if not m:
            if not counters:
                raise ParseError(source, lineno, f"expected '[DEVICE].counter VALUE', got {line[:60]!r}")
            warnings.append(f"{source}:{lineno}: line not understood, ignored: {line[:80]!r}")
            continue
        dev = m.group("dev")
        if dev not in counters:
            counters[dev] = {}
            order.append(dev)
        name = m.group("counter")
        if name not in COUNTERS:
            warnings.append(f"{source}:{lineno}: unknown counter {name!r} on {dev}")
        counters[dev][name] = int(m.group("value"))
    if not counters:
        raise ParseError(source, None, "no '[DEVICE].counter VALUE' line: not `btrfs device stats` output")
    return BtrfsStatsResult(
        devices=tuple(
            BtrfsDeviceStats(device=d, counters=tuple(counters[d].items()), devid=_devid_of(d)) for d in order
        ),
        warnings=tuple(warnings),
    )


def _devid_of(device: str) -> int | None:
    """A device btrfs cannot name is printed as `devid:2` (progs 6.x, after `device scan --forget`)."""
    return _int(device[6:]) if device.startswith("devid:") else None


def _parse_stats_table(lines: list[tuple[int, str]], source: str) -> BtrfsStatsResult:
    header = lines[0][1]
    names = [c.strip().lower() for c in _COLUMN_SPLIT_RE.split(header) if c.strip()]
    # "Id Path Write errors Read errors ..." -> columns after Id and Path
    cols = [_TABLE_COLUMNS.get(n) for n in names[2:]]
    if not cols or any(c is None for c in cols):
        raise ParseError(source, lines[0][0], f"unknown `btrfs device stats -T` header: {header[:80]!r}")
    devices = []
    warnings: list[str] = []
    for lineno, line in lines[1:]:
        if set(line) <= {"-", " "}:
            continue
        tokens = line.split()
        values = tokens[-len(cols) :]
        if len(tokens) < len(cols) + 2 or _int(tokens[0]) is None or any(_int(v) is None for v in values):
            warnings.append(f"{source}:{lineno}: line not understood, ignored: {line[:80]!r}")
            continue
        path = " ".join(tokens[1 : len(tokens) - len(cols)])
        devices.append(
            BtrfsDeviceStats(
                device=path,
                counters=tuple((c, int(v)) for c, v in zip(cols, values, strict=True)),  # type: ignore[misc]
                devid=int(tokens[0]),
            )
        )
    if not devices:
        raise ParseError(source, None, "`btrfs device stats -T` table with no device rows")
    return BtrfsStatsResult(devices=tuple(devices), warnings=tuple(warnings))


def parse_error_stats(text: str, devid: int, source: str) -> BtrfsDeviceStats:
    """sysfs devinfo/<devid>/error_stats: `write_errs 0` lines."""
    counters: list[tuple[str, int]] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        parts = raw.split()
        if not parts:
            continue
        if len(parts) != 2 or _int(parts[1]) is None:
            raise ParseError(source, lineno, f"expected 'NAME COUNT', got {raw.strip()[:60]!r}")
        counters.append((_SYSFS_COUNTER.get(parts[0], parts[0]), int(parts[1])))
    if not counters:
        raise ParseError(source, None, "empty error_stats")
    return BtrfsDeviceStats(device=f"devid {devid}", counters=tuple(counters), devid=devid)


def parse_btrfs(
    text: str, source: str = "btrfs", keep_going: bool = False
) -> BtrfsShowResult | BtrfsStatsResult:
    """Either `btrfs filesystem show` or `btrfs device stats` output, told apart by their first line
    (`keep_going=`: see parse_filesystem_show)."""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if first.startswith("[") or first.split(maxsplit=2)[:2] == ["Id", "Path"]:
        return parse_device_stats(text, source)
    if first.startswith("Label:"):
        return parse_filesystem_show(text, source, keep_going=keep_going)
    raise ParseError(
        source, 1 if first else None, "neither `btrfs filesystem show` nor `btrfs device stats` output"
    )


# ---------------------------------------------------------------------------- sysfs


def profile_dirs(entries: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The profile subdirectories among an allocation/<type>/ listing (the rest are attribute files)."""
    return tuple(e for e in entries if e in PROFILES)


def parse_btrfs_sysfs(
    uuid: str,
    label: str | None,
    devices: list[str] | tuple[str, ...],
    allocation: dict[str, dict[str, str | None]],
    devinfo: dict[str, dict[str, str]],
    source: str = "/sys/fs/btrfs",
) -> BtrfsSysfs:
    """One /sys/fs/btrfs/<UUID>/ read by a collector: `allocation` maps data|metadata|system to
    {profile: allocation/<type>/<profile>/total_bytes text or None}; `devinfo` maps a devid directory
    name to its attribute files (missing, replace_target, writeable, error_stats) as read."""
    warnings: list[str] = []
    profiles = []
    for bg_type in BLOCK_GROUP_TYPES:
        found = allocation.get(bg_type)
        if found is None:
            continue
        used = []
        for profile, total in found.items():
            if profile not in PROFILES:
                warnings.append(f"{source}/{uuid}/allocation/{bg_type}/{profile}: unknown profile")
                continue
            if total is not None and _int(total) == 0:
                continue  # an emptied block group of an old profile (after a convert): not in use
            used.append(profile)
        profiles.append((bg_type, tuple(sorted(used, key=PROFILES.index))))
    infos = []
    for name, attrs in sorted(devinfo.items(), key=lambda kv: (_int(kv[0]) is None, _int(kv[0]) or 0)):
        devid = _int(name)
        if devid is None:
            warnings.append(f"{source}/{uuid}/devinfo/{name}: not a devid, ignored")
            continue
        errors = None
        if attrs.get("error_stats") is not None:
            try:
                errors = parse_error_stats(
                    attrs["error_stats"], devid, f"{source}/{uuid}/devinfo/{name}/error_stats"
                )
            except ParseError as exc:
                warnings.append(str(exc))
        infos.append(
            BtrfsDevInfo(
                devid=devid,
                missing=_flag(attrs.get("missing")),
                replace_target=_flag(attrs.get("replace_target")),
                writeable=_flag(attrs.get("writeable")),
                errors=errors,
            )
        )
    label = (label or "").strip() or None
    return BtrfsSysfs(
        uuid=uuid,
        label=label,
        devices=tuple(sorted(devices)),
        profiles=tuple(profiles),
        devinfo=tuple(infos),
        warnings=tuple(warnings),
    )


# ---------------------------------------------------------------------------- JSON


def to_json(result: BtrfsShowResult | BtrfsStatsResult) -> dict[str, Any]:
    """The `raidwatch parse btrfs FILE --json` object: `format` show|stats and what it lists."""
    if isinstance(result, BtrfsShowResult):
        return {
            "format": "show",
            "filesystems": [
                {
                    "uuid": fs.uuid,
                    "label": fs.label,
                    "total_devices": fs.total_devices,
                    "bytes_used": fs.bytes_used,
                    "missing_devices": fs.missing_count,
                    "some_missing": fs.some_missing,
                    "devices": [
                        {
                            "devid": d.devid,
                            "path": d.path,
                            "size_bytes": d.size_bytes,
                            "used_bytes": d.used_bytes,
                            "missing": d.missing,
                        }
                        for d in fs.devices
                    ],
                }
                for fs in result.filesystems
            ],
            "warnings": list(result.warnings),
            "errors": [str(e) for e in result.errors],
        }
    return {
        "format": "stats",
        "devices": [
            {
                "device": d.device,
                "devid": d.devid,
                "counters": dict(d.counters),
                "total_errors": d.total_errors,
            }
            for d in result.devices
        ],
        "warnings": list(result.warnings),
    }


__all__ = [
    "BLOCK_GROUP_TYPES",
    "COUNTERS",
    "PROFILES",
    "BtrfsDevInfo",
    "BtrfsDevice",
    "BtrfsDeviceStats",
    "BtrfsFilesystem",
    "BtrfsShowResult",
    "BtrfsStatsResult",
    "BtrfsSysfs",
    "parse_btrfs",
    "parse_btrfs_sysfs",
    "parse_device_stats",
    "parse_error_stats",
    "parse_filesystem_show",
    "parse_size",
    "profile_dirs",
    "to_json",
    "weakest_profile",
]
