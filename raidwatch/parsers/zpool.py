"""Parse `zpool status` (incl. -P/-p/-v) and `zpool list [-v] [-H] -p` output. Pure: text in, data out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from raidwatch.errors import ParseError
from raidwatch.model import to_jsonable
from raidwatch.parsers.bounds import check_lines, line_error, to_float, to_int

POOL_STATES = frozenset({"ONLINE", "DEGRADED", "FAULTED", "OFFLINE", "UNAVAIL", "REMOVED", "SUSPENDED"})
# Vdev states: the pool states plus those of spares (AVAIL, INUSE) and a split-off device (SPLIT).
VDEV_STATES = POOL_STATES | {"AVAIL", "INUSE", "SPLIT", "HEALTHY", "UNKNOWN"}
# Leaf states that mean "this device holds no current data" (it is not a copy any more).
FAILED_STATES = frozenset({"FAULTED", "UNAVAIL", "REMOVED", "OFFLINE"})
CLASSES = ("logs", "cache", "spares", "special", "dedup")
_CLASS_ALIASES = {"log": "logs", "spare": "spares"}  # `zpool list -v` prints "spare" on some versions
# Digits are ASCII ([0-9]) throughout. A pattern used with search() that starts with a repeat is led by a
# lookbehind ((?<![0-9]), (?<!\S)) so that a match can start only where a run of such characters starts:
# without it every position inside one long run is tried again (quadratic in the run's length).
_INTERIOR_RE = re.compile(
    r"^(?P<kind>mirror|raidz[123]?|draid[123]?|spare|replacing|root)(?::[0-9a-z:]*)?(?:-[0-9]+)?$"
)
_SIZE_RE = re.compile(r"^(?P<n>[0-9]+(?:\.[0-9]+)?)(?P<unit>[BKMGTPEZ]?)(?:i?B)?$")
_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50, "E": 1 << 60}
_UNITS["Z"] = 1 << 70
_DHMS_RE = re.compile(r"^(?:(?P<d>[0-9]+) days? )?(?P<h>[0-9]+):(?P<m>[0-9]{2}):(?P<s>[0-9]{2})$")
_HM_RE = re.compile(r"^(?P<h>[0-9]+)h(?P<m>[0-9]+)m$")
_KEY_RE = re.compile(
    r"^\s{0,8}(?P<key>pool|state|status|action|see|scan|scrub|remove|checkpoint|config|errors|id|"
    r"expand|dedup|scan warning)\s*:\s?(?P<rest>.*)$"
)
# ` scrub:` of Solaris/OpenSolaris before `scan:` (snv_128), zfs-fuse and early ZFS on Linux (old zpool_main.c
# print_scrub_status): "none requested", "<scrub|resilver> <completed|stopped> after 0h1m with 0 errors on
# <ctime>", "<scrub|resilver> in progress for 0h1m, 12.34% done, 0h8m to go". "stopped" is a cancelled scan.
_LEGACY_DONE_RE = re.compile(
    r"^(?P<func>scrub|resilver) (?P<how>completed|stopped) after (?P<dur>[0-9]+h[0-9]+m) with "
    r"(?P<errors>[0-9]+) errors? on (?P<when>.+)$"
)
_LEGACY_RUN_RE = re.compile(
    r"^(?P<func>scrub|resilver) in progress for (?P<dur>[0-9]+h[0-9]+m), (?P<pct>[0-9]+(?:\.[0-9]+)?)% done, "
    r"(?P<eta>[0-9]+h[0-9]+m) to go$"
)
_SCAN_DONE_RE = re.compile(
    r"^(?P<func>scrub repaired|resilvered|error scrub repaired)(?: \((?P<how>[^)]*)\))? (?P<amount>\S+) "
    r"in (?P<dur>.+?) with (?P<errors>[0-9]+) errors on (?P<when>.+)$"
)
_SCAN_RUN_RE = re.compile(
    r"^(?P<func>scrub|resilver|error scrub)(?: \((?P<how>[^)]*)\))? "
    r"(?P<what>in progress|paused|canceled)(?: since| on)? ?(?P<when>.*)$"
)
_PCT_RE = re.compile(r"(?<![0-9])(?P<pct>[0-9]+(?:\.[0-9]+)?)% done")
_TOGO_RE = re.compile(r"(?<![0-9])(?P<eta>(?:[0-9]+ days? )?[0-9]+:[0-9]{2}:[0-9]{2}|[0-9]+h[0-9]+m) to go")
_AMOUNT_RE = re.compile(r"(?<!\S)(\S+) (?:repaired|resilvered),")
_WAS_RE = re.compile(r"\bwas (\S+)")
_COUNT_RE = re.compile(r"^[0-9]+(?:\.[0-9]+)?[KMGTPEZ]?$")
_ERRORS_COUNT_RE = re.compile(r"^(?P<n>[0-9]+) data errors?, use '-v' for a list$")


@dataclass(frozen=True)
class ScanStatus:
    """The `scan:` line (` scrub:` on ZFS before snv_128/ZoL 0.6): the last or running scrub/resilver."""

    function: str  # scrub | resilver | error scrub | none
    state: str  # finished | in progress | paused | canceled | none
    progress: float | None = None  # 0..1 while running
    to_go_seconds: float | None = None  # zpool's estimate; None when it gives none
    amount_bytes: int | None = None  # repaired (scrub) or resilvered bytes
    duration_seconds: float | None = None  # of a finished scan
    errors: int | None = None  # errors a finished scan found
    when: str | None = None  # ctime text: when it ended (finished/canceled) or started (running)
    method: str | None = None  # "(draid2:4d:10c:1s-0)": a sequential (dRAID) rebuild
    text: str = ""  # the scan section verbatim (joined lines)

    @property
    def running(self) -> bool:
        return self.state == "in progress"


@dataclass(frozen=True)
class Vdev:
    """One row of the config tree: the pool itself, an interior vdev, or a leaf device."""

    name: str  # as printed: a device (full path under -P), mirror-0, raidz2-1, or a GUID for a lost device
    state: str | None
    read_errors: int | None = None
    write_errors: int | None = None
    checksum_errors: int | None = None
    slow_ios: int | None = None  # the SLOW column of `zpool status -s`
    note: str | None = None  # text after the counters, verbatim ("was /dev/sdc1", "(resilvering)")
    was: str | None = None  # the path a missing device had ("was /dev/sdc1")
    children: tuple[Vdev, ...] = ()
    depth: int = 0  # 0 = the pool (or a class heading), 1 = top-level vdev, 2 = its children, ...

    @property
    def kind(self) -> str:
        """mirror, raidz1/2/3, draid1/2/3, spare, replacing; "disk" for a leaf, "pool" for the pool's row."""
        m = _INTERIOR_RE.match(self.name)
        if self.depth == 0 and self.children:
            return "pool"
        if not self.children or m is None:
            return "disk" if not self.children else "group"
        kind = m.group("kind")
        return {"raidz": "raidz1", "draid": "draid1"}.get(kind, kind)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def resilvering(self) -> bool:
        return bool(self.note and ("resilvering" in self.note or "awaiting resilver" in self.note))

    def leaves(self) -> tuple[Vdev, ...]:
        if not self.children:
            return (self,)
        return tuple(leaf for c in self.children for leaf in c.leaves())


@dataclass(frozen=True)
class PoolStatus:
    """One pool of `zpool status`."""

    name: str
    state: str  # ONLINE, DEGRADED, FAULTED, OFFLINE, UNAVAIL, REMOVED, SUSPENDED (or as printed)
    status: str | None = None  # the "status:" paragraph, continuation lines joined with spaces
    action: str | None = None
    see: str | None = None
    scan: ScanStatus | None = None  # None: no scan line (never scanned, or not said)
    errors: str | None = None  # the "errors:" text (first line); None when absent
    data_errors: int | None = None  # 0 for "No known data errors"; None when not said
    error_files: tuple[str, ...] = ()  # `zpool status -v`: files with permanent errors
    root: Vdev | None = None  # the pool's row and its data vdevs
    logs: tuple[Vdev, ...] = ()
    cache: tuple[Vdev, ...] = ()
    spares: tuple[Vdev, ...] = ()
    special: tuple[Vdev, ...] = ()
    dedup: tuple[Vdev, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()  # other sections (remove:, checkpoint:, expand:), verbatim

    @property
    def data_vdevs(self) -> tuple[Vdev, ...]:
        """Top-level vdevs that hold pool data: the normal class, plus special and dedup (whose loss
        loses the pool, too). Logs, cache and spares are not among them."""
        normal = self.root.children if self.root else ()
        return (*normal, *self.special, *self.dedup)


@dataclass(frozen=True)
class ZpoolStatus:
    """Everything `zpool status` printed."""

    pools: tuple[PoolStatus, ...]
    no_pools: bool = False  # "no pools available"
    warnings: tuple[str, ...] = ()
    # keep_going=True: the pools whose block could not be read (left out of `pools`; the others kept)
    errors: tuple[ParseError, ...] = ()


@dataclass(frozen=True)
class ListRow:
    """One row of `zpool list`: a pool, a class heading (logs, cache, ...) or a vdev (-v)."""

    name: str
    depth: int  # 0 pool (or class heading), 1 top-level vdev, 2 leaf ...; -H -v: 1 for every vdev row
    size_bytes: int | None = None
    alloc_bytes: int | None = None
    free_bytes: int | None = None
    checkpoint_bytes: int | None = None
    expand_bytes: int | None = None
    frag_percent: int | None = None
    cap_percent: int | None = None
    dedup_ratio: float | None = None
    health: str | None = None
    altroot: str | None = None
    vdev_class: str | None = None  # logs/cache/spares/special/dedup for rows under such a heading


@dataclass(frozen=True)
class ZpoolListPool:
    pool: ListRow
    vdevs: tuple[ListRow, ...] = ()


@dataclass(frozen=True)
class ZpoolList:
    """Everything `zpool list` printed."""

    pools: tuple[ZpoolListPool, ...]
    columns: tuple[str, ...] = ()
    scripted: bool = False  # -H: no header, tab-separated
    no_pools: bool = False
    # keep_going=True: the pools whose rows could not be read (left out of `pools`; the others kept)
    errors: tuple[ParseError, ...] = ()


# ------------------------------------------------------------------------------------------ helpers


def parse_size(text: str) -> int | None:
    """'1.66T', '21K', '0B', '9981503995904' -> bytes (binary units, as zfs_nicenum prints); '-' -> None."""
    m = _SIZE_RE.match(text.strip())
    if not m:
        return None
    scale = _UNITS[m.group("unit")]
    if "." not in m.group("n"):
        n = to_int(m.group("n"))  # exact (-p prints bytes; a float would round above 2**53)
        return n * scale if n is not None else None
    f = to_float(m.group("n"))  # None for more digits than a reading has
    return round(f * scale) if f is not None else None


def parse_count(text: str) -> int | None:
    """An error counter: exact with -p ('100980'), else zfs_nicenum ('1.2K' = 1.2 x 1024)."""
    if not _COUNT_RE.match(text):
        return None
    return parse_size(text)


def parse_duration(text: str) -> float | None:
    """'00:15:42', '1 days 02:03:04', '14h7m' (ZFS on Linux 0.6/0.7) -> seconds."""
    text = text.strip()
    m = _DHMS_RE.match(text)
    if m:
        d, h = to_int(m.group("d") or "0"), to_int(m.group("h"))
        if d is None or h is None:
            return None
        return float(((d * 24 + h) * 60 + int(m.group("m"))) * 60 + int(m.group("s")))
    m = _HM_RE.match(text)
    if m:
        h, mins = to_int(m.group("h")), to_int(m.group("m"))
        return float((h * 60 + mins) * 60) if h is not None and mins is not None else None
    return None


def _pct(text: str) -> float | None:
    """'12.34' (percent) -> 0..1; None when it is not a number."""
    f = to_float(text)
    return min(max(f / 100.0, 0.0), 1.0) if f is not None else None


def _parse_scan(lines: list[str]) -> ScanStatus:
    first = lines[0].strip()
    text = " ".join(x.strip() for x in lines if x.strip())
    if first in ("none requested", ""):
        return ScanStatus("none", "none", text=text)
    m = _LEGACY_DONE_RE.match(first)
    if m:
        done = m.group("how") == "completed"
        return ScanStatus(
            function=m.group("func"),
            state="finished" if done else "canceled",
            duration_seconds=parse_duration(m.group("dur")),
            errors=to_int(m.group("errors")),
            when=" ".join(m.group("when").split()),
            text=text,
        )
    m = _LEGACY_RUN_RE.match(first)
    if m:
        return ScanStatus(
            function=m.group("func"),
            state="in progress",
            progress=_pct(m.group("pct")),
            to_go_seconds=parse_duration(m.group("eta")),
            text=text,
        )
    m = _SCAN_DONE_RE.match(first)
    if m:
        func = {"scrub repaired": "scrub", "resilvered": "resilver"}.get(m.group("func"), "error scrub")
        return ScanStatus(
            function=func,
            state="finished",
            amount_bytes=parse_size(m.group("amount")),
            duration_seconds=parse_duration(m.group("dur")),
            errors=to_int(m.group("errors")),
            when=m.group("when").strip(),
            method=m.group("how"),
            text=text,
        )
    m = _SCAN_RUN_RE.match(first)
    if m:
        state = m.group("what")
        rest = " ".join(x.strip() for x in lines[1:])
        progress = to_go = None
        pm = _PCT_RE.search(rest)
        if pm:
            progress = _pct(pm.group("pct"))
        tm = _TOGO_RE.search(rest)
        if tm:
            to_go = parse_duration(tm.group("eta"))
        amount = None
        am = _AMOUNT_RE.search(rest)
        if am:
            amount = parse_size(am.group(1))
        return ScanStatus(
            function=m.group("func"),
            state=state,
            progress=progress if state != "canceled" else None,
            to_go_seconds=to_go,
            amount_bytes=amount,
            when=m.group("when").strip() or None,
            method=m.group("how"),
            text=text,
        )
    func = "resilver" if first.startswith("resilver") else "scrub" if first.startswith("scrub") else "unknown"
    return ScanStatus(func, "unknown", text=text)


def _vdev_row(line: str, base: str, columns: list[str], source: str, lineno: int) -> tuple[int, Vdev]:
    if not line.startswith(base):
        raise ParseError(source, lineno, f"config row not indented under the NAME header: {line.strip()!r}")
    rest = line[len(base) :]
    spaces = len(rest) - len(rest.lstrip(" "))
    tokens = rest.split()
    name = tokens[0]
    state = tokens[1] if len(tokens) > 1 else None
    counters: dict[str, int | None] = {}
    i = 2
    for col in columns[2:]:
        if col not in ("READ", "WRITE", "CKSUM", "SLOW"):
            break
        if i < len(tokens) and _COUNT_RE.match(tokens[i]):
            counters[col] = parse_count(tokens[i])
            i += 1
        else:
            break
    note = None
    if i < len(tokens):
        # the note is the rest of the row verbatim (zpool prints two spaces before it)
        idx = 0
        for tok in tokens[:i]:
            idx = rest.index(tok, idx) + len(tok)
        note = rest[idx:].strip() or None
    was = None
    if note:
        wm = _WAS_RE.search(note)
        if wm:
            was = wm.group(1)
    return spaces // 2, Vdev(
        name=name,
        state=state,
        read_errors=counters.get("READ"),
        write_errors=counters.get("WRITE"),
        checksum_errors=counters.get("CKSUM"),
        slow_ios=counters.get("SLOW"),
        note=note,
        was=was,
        depth=spaces // 2,
    )


@dataclass
class _Node:
    vdev: Vdev
    children: list[_Node] = field(default_factory=list)

    def freeze(self) -> Vdev:
        from dataclasses import replace

        return replace(self.vdev, children=tuple(c.freeze() for c in self.children))


def _parse_config(
    lines: list[tuple[int, str]], pool: str, source: str, warnings: list[str]
) -> dict[str, Any]:
    """The config tree -> root vdev and the class lists."""
    rows = [(n, x) for n, x in lines if x.strip()]
    out: dict[str, Any] = {"root": None, **{c: () for c in CLASSES}}
    if not rows:
        return out
    hdr_no, header = rows[0]
    columns = header.split()
    if columns[:2] != ["NAME", "STATE"]:
        raise ParseError(source, hdr_no, f"pool {pool}: config without a NAME STATE header")
    base = header[: len(header) - len(header.lstrip())]
    section: str | None = None  # None = the pool's own tree
    stack: list[_Node] = []
    tops: dict[str, list[_Node]] = {c: [] for c in CLASSES}
    root: _Node | None = None
    for lineno, line in rows[1:]:
        depth, v = _vdev_row(line, base, columns, source, lineno)
        name = v.name
        if depth == 0:
            cls = _CLASS_ALIASES.get(name, name)
            if root is not None and cls in CLASSES and v.state is None:
                section = cls
                stack = []
                continue
            if root is not None:
                warnings.append(f"{source}:{lineno}: second depth-0 row {name!r} in pool {pool} ignored")
                continue
            root = _Node(v)
            stack = [root]
            section = None
            continue
        if root is None:
            raise ParseError(source, lineno, f"pool {pool}: vdev row before the pool's own row")
        node = _Node(v)
        if section is None:
            while len(stack) > depth:
                stack.pop()
            if not stack or len(stack) < depth:
                raise ParseError(source, lineno, f"pool {pool}: {name!r} is indented too deep")
            stack[-1].children.append(node)
            stack.append(node)
        else:
            # class sections: depth 1 = a top-level vdev of that class
            if depth == 1:
                tops[section].append(node)
                stack = [node]
            else:
                while len(stack) > depth - 1:
                    stack.pop()
                if not stack or len(stack) < depth - 1:
                    raise ParseError(source, lineno, f"pool {pool}: {name!r} is indented too deep")
                stack[-1].children.append(node)
                stack.append(node)
    out["root"] = root.freeze() if root else None
    for c in CLASSES:
        out[c] = tuple(n.freeze() for n in tops[c])
    return out


# ------------------------------------------------------------------------------------ zpool status


def parse_zpool_status(text: str, source: str = "zpool status", keep_going: bool = False) -> ZpoolStatus:
    """`zpool status [-P] [-p] [-v] [-s]` output -> pools. Raises ParseError when it is not that.

    A pool whose block cannot be read (an odd config row, a line longer than bounds.MAX_LINE, ...) raises
    ParseError by default, so that a caller that does not look at `errors` never loses a pool silently;
    with keep_going=True it goes to `errors` instead and every other pool is still read."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not `zpool status` output")
    stripped = text.strip()
    if stripped in ("no pools available", "all pools are healthy"):
        return ZpoolStatus(pools=(), no_pools=stripped == "no pools available")
    lines = text.splitlines()
    blocks: list[list[tuple[int, str]]] = []
    for n, line in enumerate(lines, 1):
        m = _KEY_RE.match(line[:256])
        if m and m.group("key") == "pool":
            blocks.append([])
        if blocks:
            blocks[-1].append((n, line))
        elif line.strip():
            check_lines([line], source, "zpool status", n)
            raise ParseError(source, n, f"expected '  pool: NAME', got {line.strip()[:60]!r}")
    if not blocks:
        raise ParseError(source, None, "no '  pool:' line: not `zpool status` output")
    warnings: list[str] = []
    pools: list[PoolStatus] = []
    errors: list[ParseError] = []
    for block in blocks:
        try:
            pools.append(_parse_pool(block, source, warnings))
        except ParseError as exc:
            if not keep_going:
                raise
            errors.append(exc)
    return ZpoolStatus(pools=tuple(pools), warnings=tuple(warnings), errors=tuple(errors))


def _parse_pool(block: list[tuple[int, str]], source: str, warnings: list[str]) -> PoolStatus:
    for n, line in block:
        err = line_error(source, n, line, "zpool status")
        if err is not None:
            raise err
    sections: list[tuple[str, int, list[str]]] = []
    config: list[tuple[int, str]] = []
    error_lines: list[str] = []
    cur: str | None = None
    for n, line in block:
        m = _KEY_RE.match(line)
        if m and not (cur == "config" and line.startswith("\t")):
            cur = m.group("key")
            if cur == "errors":
                error_lines.append(m.group("rest").strip())
                continue
            sections.append((cur, n, [m.group("rest")]))
            continue
        if cur == "config":
            config.append((n, line))
        elif cur == "errors":
            if line.strip():
                error_lines.append(line.strip())
        elif cur is not None and sections:
            if line.strip():
                sections[-1][2].append(line)
        elif line.strip():
            raise ParseError(source, n, f"text outside any section: {line.strip()[:60]!r}")
    values: dict[str, tuple[int, list[str]]] = {}
    extra = []
    for key, n, body in sections:
        if key in values and key not in ("config",):
            warnings.append(f"{source}:{n}: repeated '{key}:' section; the later one kept")
        values[key] = (n, body)
        if key in ("remove", "checkpoint", "expand", "scan warning", "dedup"):
            extra.append((key, " ".join(x.strip() for x in body if x.strip())))
    n0, pool_body = values["pool"]
    name = pool_body[0].strip()
    if not name or " " in name:
        raise ParseError(source, n0, f"pool name {name!r} is not a pool name")
    if "state" not in values:
        raise ParseError(source, n0, f"pool {name}: no ' state:' line")
    sn, state_body = values["state"]
    state = state_body[0].strip()
    if not re.fullmatch(r"[A-Z][A-Z_]*", state):
        raise ParseError(source, sn, f"pool {name}: state {state!r} is not a pool state")
    if state not in POOL_STATES:
        warnings.append(f"{source}:{sn}: pool {name}: unknown state {state!r} kept as printed")

    def para(key: str) -> str | None:
        if key not in values:
            return None
        return " ".join(x.strip() for x in values[key][1] if x.strip()) or None

    # `scan:` since OpenZFS/snv_128; ` scrub:` before it (same meaning, older wording; see _LEGACY_DONE_RE)
    scan_key = "scan" if "scan" in values else "scrub" if "scrub" in values else None
    scan = _parse_scan(values[scan_key][1]) if scan_key else None
    if scan_key and scan is not None and scan.state == "unknown":
        where = values[scan_key][0]
        warnings.append(f"{source}:{where}: pool {name}: {scan_key} line not understood: {scan.text!r}")
    tree = _parse_config(config, name, source, warnings) if "config" in values else {"root": None}
    root = tree.get("root")
    if root is not None and root.name != name:
        warnings.append(f"{source}: pool {name}: the config tree's first row is {root.name!r}")
    data_errors: int | None = None
    files: list[str] = []
    for e in error_lines:
        if e == "No known data errors":
            data_errors = 0
        cm = _ERRORS_COUNT_RE.match(e)
        if cm:
            data_errors = to_int(cm.group("n"))
        if e.startswith("/") or e.startswith("<") or re.match(r"^[\w.-]+/", e):
            files.append(e)
    if files and not data_errors:
        data_errors = len(files)
    if any(e.startswith("Permanent errors have been detected") for e in error_lines) and data_errors is None:
        data_errors = len(files)
    return PoolStatus(
        name=name,
        state=state,
        status=para("status"),
        action=para("action"),
        see=para("see"),
        scan=scan,
        errors=" / ".join(e for e in error_lines if e not in files) or None,
        data_errors=data_errors,
        error_files=tuple(files),
        root=root,
        logs=tree.get("logs", ()),
        cache=tree.get("cache", ()),
        spares=tree.get("spares", ()),
        special=tree.get("special", ()),
        dedup=tree.get("dedup", ()),
        extra=tuple(extra),
    )


# -------------------------------------------------------------------------------------- zpool list

_LIST_COLUMNS = {
    11: ("NAME", "SIZE", "ALLOC", "FREE", "CKPOINT", "EXPANDSZ", "FRAG", "CAP", "DEDUP", "HEALTH", "ALTROOT"),
    10: ("NAME", "SIZE", "ALLOC", "FREE", "EXPANDSZ", "FRAG", "CAP", "DEDUP", "HEALTH", "ALTROOT"),
    9: ("NAME", "SIZE", "ALLOC", "FREE", "EXPANDSZ", "CAP", "DEDUP", "HEALTH", "ALTROOT"),
    8: ("NAME", "SIZE", "ALLOC", "FREE", "CAP", "DEDUP", "HEALTH", "ALTROOT"),
}
_FIELD = {
    "SIZE": "size_bytes",
    "ALLOC": "alloc_bytes",
    "FREE": "free_bytes",
    "CKPOINT": "checkpoint_bytes",
    "EXPANDSZ": "expand_bytes",
    "FRAG": "frag_percent",
    "CAP": "cap_percent",
    "DEDUP": "dedup_ratio",
    "HEALTH": "health",
    "ALTROOT": "altroot",
}


def _list_value(col: str, text: str, source: str, lineno: int) -> Any:
    text = text.strip()
    if text in ("-", ""):
        return None
    if col in ("HEALTH", "ALTROOT"):
        return text
    if col in ("FRAG", "CAP"):
        # OpenZFS 2.1+ prints a vdev's CAP with decimals ("0.00%", "41.4%": print_one_column, permyriad)
        m = re.fullmatch(r"([0-9]{1,6}(?:\.[0-9]+)?)%?", text)
        f = to_float(m.group(1)) if m else None
        if f is None:
            raise ParseError(source, lineno, f"{col} {text[:40]!r} is not a percentage")
        return round(f)
    if col == "DEDUP":
        m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)x?", text)
        f = to_float(m.group(1)) if m else None
        if f is None:
            raise ParseError(source, lineno, f"DEDUP {text[:40]!r} is not a ratio")
        return f
    size = parse_size(text)
    if size is None:
        raise ParseError(source, lineno, f"{col} {text!r} is not a size")
    return size


_HEADER_WORD_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_NUMBERISH_RE = re.compile(r"^[0-9]+(?:\.[0-9]+)?(?:[BKMGTPEZ](?:i?B)?|%|x)?$")
_POOL_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]*$")


def _columns_arg(columns: str | Sequence[str], source: str) -> tuple[str, ...]:
    """`columns=` as a caller knows it from the argv: "name,health,size" (the -o list) or a sequence."""
    names = columns.split(",") if isinstance(columns, str) else list(columns)
    out = tuple(str(c).strip().upper() for c in names)
    if not out or any(not _HEADER_WORD_RE.match(c) for c in out):
        raise ParseError(source, None, f"columns={columns!r} is not a `zpool list -o` property list")
    if "NAME" not in out:
        raise ParseError(source, None, f"columns={columns!r} has no NAME: the pool rows cannot be told apart")
    return out


def _header(line: str) -> tuple[str, ...] | None:
    """The column header of `zpool list` without -H: upper-case property names, no tab."""
    words = line.split()
    if "\t" in line or not words or not all(_HEADER_WORD_RE.match(w) for w in words):
        return None
    return tuple(words)


def _fits(columns: tuple[str, ...], rows: list[tuple[int, str]], source: str) -> bool:
    """Every -H pool row has len(columns) cells that read as those columns."""
    for lineno, line in rows:
        cells = line.split("\t")
        if len(cells) != len(columns):
            return False
        try:
            for col, val in zip(columns[1:], cells[1:], strict=True):
                if col in _FIELD:
                    v = _list_value(col, val, source, lineno)
                    if col == "HEALTH" and v is not None and not re.fullmatch(r"[A-Z]+", v):
                        return False
        except ParseError:
            return False
    return True


def _infer_columns(rows: list[tuple[int, str]], source: str) -> tuple[str, ...]:
    """-H pool rows of a chosen `-o` order: name the columns from their values (rule in parse_zpool_list)."""
    lineno0, first = rows[0]
    width = len(first.split("\t"))
    if width == 1:
        why = f"one value and no tab in {first.strip()[:60]!r}: not a `zpool list -H` row we can name"
        raise ParseError(source, lineno0, why + " (for `-H -o name` pass columns=)")
    table = [line.split("\t") for _, line in rows]
    for (lineno, _line), cells in zip(rows, table, strict=True):
        if len(cells) != width:
            why = (
                f"{len(cells)} tab-separated values where the first row has {width}: "
                "not one `zpool list -H` output"
            )
            raise ParseError(source, lineno, why)
    cols: list[str] = []
    for i in range(width):
        vals = [cells[i].strip() for cells in table]
        if all(v in POOL_STATES for v in vals):
            cols.append("HEALTH")
        elif all(
            _POOL_NAME_RE.match(v) and v not in POOL_STATES and not _NUMBERISH_RE.match(v) for v in vals
        ):
            cols.append("NAME")
        else:
            cols.append("?")
    for col in ("NAME", "HEALTH"):
        if cols.count(col) > 1:
            why = f"{cols.count(col)} columns could each be {col}: the -H row {first.strip()!r} is ambiguous"
            raise ParseError(source, lineno0, why + "; pass columns= (the -o list)")
    if "?" in cols:
        i = cols.index("?")
        val = first.split("\t")[i].strip()
        why = (
            f"column {i + 1} ({val!r}) of the -H row could be any of several properties (sizes, percentages, "
            "ratios and -p numbers look alike): pass columns= (the -o list) to read it"
        )
        raise ParseError(source, lineno0, why)
    if "NAME" not in cols:
        raise ParseError(source, lineno0, f"no column of pool names in the -H row {first.strip()!r}")
    return tuple(cols)


def _vdev_layout(n_values: int) -> tuple[str, ...] | None:
    """-v vdev rows print the default stats whatever -o says ("not compatible with '-o'"): the default
    layout of the same generation without ALTROOT, which vdev rows never print."""
    layout = _LIST_COLUMNS.get(n_values + 2)
    return layout[:-1] if layout else None


def parse_zpool_list(
    text: str,
    source: str = "zpool list",
    columns: str | Sequence[str] | None = None,
    keep_going: bool = False,
) -> ZpoolList:
    """`zpool list [-v] [-H] [-p] [-o PROPS]` -> pools (and their vdev rows with -v). ParseError otherwise.

    How the column order is learnt:

    1. `columns=` (the -o list, "name,health,size" or a sequence; case-insensitive) when the caller knows
       the argv: it is the order, and a header, when there is one, must agree with it.
    2. Without -H, the header line names the columns, in any order (NAME must be one of them).
    3. With -H there is no header. A row of a default width (8 to 11 values: `zpool list -H [-p]` of
       each OpenZFS generation) whose values read as that default layout is read in the default order.
       (A chosen -o order of the same width that also reads that way cannot be told apart: callers that
       pass -o pass `columns=`.)
    4. Otherwise the columns are named from their values in every pool row: a column of pool state words
       (ONLINE, DEGRADED, ...) is HEALTH; a column of pool names (text that is no state, number, size,
       percentage, ratio, '-' or path) is NAME. A column of anything else (sizes, percentages, ratios,
       and with -p all of them bare numbers) could be any of several properties: that, or two columns
       that could both be NAME or HEALTH, or no NAME, is ambiguous and a ParseError naming the row.

    -v vdev rows (indented; with -H led by a tab) always print the default stats, not the -o columns.

    A pool row (or one of its vdev rows) that cannot be read raises ParseError; with keep_going=True that
    pool goes to `errors` instead and the other pools are still read. A line longer than bounds.MAX_LINE
    is refused, naming it.
    """
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not `zpool list` output")
    want = _columns_arg(columns, source) if columns is not None else None
    if text.strip() == "no pools available":
        return ZpoolList(pools=(), columns=want or (), no_pools=True)
    all_lines = check_lines(text.splitlines(), source, "zpool list")
    lines = [(n, line) for n, line in enumerate(all_lines, 1) if line.strip()]
    if not lines:
        raise ParseError(source, None, "empty: not `zpool list` output")
    header = _header(lines[0][1])
    scripted = header is None
    cols: tuple[str, ...]
    if not scripted:
        assert header is not None
        if "NAME" not in header:
            raise ParseError(
                source, lines[0][0], "a `zpool list` header without NAME: the rows cannot be told apart"
            )
        if want is not None and want != header:
            raise ParseError(
                source, lines[0][0], f"header {' '.join(header)} is not columns={','.join(want)}"
            )
        cols = header
        rows = lines[1:]
    else:
        pool_rows = [(n, x) for n, x in lines if not x.startswith("\t")]
        if not pool_rows:
            raise ParseError(source, lines[0][0], "no pool rows: every row starts with a tab")
        if want is not None:
            cols = want
        else:
            width = len(pool_rows[0][1].split("\t"))
            default = _LIST_COLUMNS.get(width)
            if default is not None and _fits(default, pool_rows, source):
                cols = default
            else:
                cols = _infer_columns(pool_rows, source)
        rows = lines
    name_at = cols.index("NAME")
    custom = cols not in _LIST_COLUMNS.values()
    pools: list[ZpoolListPool] = []
    errors: list[ParseError] = []
    vdevs: list[ListRow] = []
    pool_row: ListRow | None = None
    skipping = False  # keep_going: the rows of a pool that could not be read
    cls: str | None = None

    def close() -> None:
        if pool_row is None:
            return
        if pool_row.health is not None and not re.fullmatch(r"[A-Z]+", pool_row.health):
            bad = f"pool {pool_row.name}: health {pool_row.health[:40]!r} is not a state"
            if not keep_going:
                raise ParseError(source, None, bad)
            errors.append(ParseError(source, None, bad))
            return
        pools.append(ZpoolListPool(pool_row, tuple(vdevs)))

    for lineno, line in rows:
        try:
            depth, name, kw = _list_row(line, lineno, cols, name_at, custom, scripted, source)
        except ParseError as exc:
            if not keep_going:
                raise
            errors.append(exc)  # this pool is left out; the next pool row starts afresh
            pool_row, vdevs, skipping = None, [], True
            continue
        alias = _CLASS_ALIASES.get(name, name)
        is_heading = depth == 0 and pool_row is not None and alias in CLASSES and kw.get("size_bytes") is None
        if scripted and depth == 1 and alias in CLASSES and kw.get("size_bytes") is None:
            is_heading = True
        if depth == 0 and not is_heading:
            close()
            pool_row, vdevs, cls, skipping = ListRow(name=name, depth=0, **kw), [], None, False
            if pool_row.health is None and not scripted and "HEALTH" in cols:
                err = ParseError(source, lineno, f"pool {name}: no HEALTH value")
                if not keep_going:
                    raise err
                errors.append(err)
                pool_row, skipping = None, True
            continue
        if pool_row is None:
            if skipping:
                continue  # a row of the pool left out
            err = ParseError(source, lineno, f"vdev row {name!r} before any pool row")
            if not keep_going:
                raise err
            errors.append(err)
            continue
        if is_heading:
            cls = alias
            continue
        vdevs.append(ListRow(name=name, depth=depth, vdev_class=cls, **kw))
    close()
    if not pools and not errors:
        raise ParseError(source, None, "no pool rows")
    if not pools:
        raise errors[0]
    return ZpoolList(pools=tuple(pools), columns=cols, scripted=scripted, errors=tuple(errors))


def _list_row(
    line: str,
    lineno: int,
    cols: tuple[str, ...],
    name_at: int,
    custom: bool,
    scripted: bool,
    source: str,
) -> tuple[int, str, dict[str, Any]]:
    """One `zpool list` row -> (depth, name, ListRow fields). ParseError when it cannot be read."""
    if scripted:
        cells = line.split("\t")
        depth = 0
        if cells and cells[0] == "":  # -H -v: a vdev row starts with a tab
            cells = cells[1:]
            depth = 1
    else:
        cells = line.split()
        indent = len(line) - len(line.lstrip(" "))
        depth = indent // 2
    if not cells or not cells[0]:
        raise ParseError(source, lineno, "a row without a name")
    row_cols = cols
    if depth > 0 and custom:  # a vdev row: the default stats after its name
        row_cols = _vdev_layout(len(cells) - 1) or ()
        if not row_cols and len(cells) > 1:
            raise ParseError(source, lineno, f"vdev row of {len(cells) - 1} values: no default layout fits")
        row_cols = row_cols or ("NAME",)
    at = name_at if row_cols is cols else 0
    if at >= len(cells):
        raise ParseError(source, lineno, f"{len(cells)} values: no NAME (column {at + 1})")
    name = cells[at]
    if not name:
        raise ParseError(source, lineno, "a row without a name")
    if len(cells) > len(row_cols):
        raise ParseError(source, lineno, f"{len(cells) - 1} values for {len(row_cols) - 1} columns")
    kw: dict[str, Any] = {}
    for col, val in zip(row_cols, cells, strict=False):
        if col in _FIELD:
            kw[_FIELD[col]] = _list_value(col, val, source, lineno)
    return depth, name, kw


# --------------------------------------------------------------------------------------- dispatcher


def parse_zpool(
    text: str, source: str = "zpool", columns: str | Sequence[str] | None = None, keep_going: bool = False
) -> ZpoolStatus | ZpoolList:
    """`zpool status` or `zpool list` output, whichever this is (`columns=`: see parse_zpool_list;
    `keep_going=`: see parse_zpool_status)."""
    head = next((x for x in text.splitlines() if x.strip()), "")
    if _KEY_RE.match(head[:256]) or text.strip() in ("no pools available", "all pools are healthy"):
        return parse_zpool_status(text, source, keep_going=keep_going)
    return parse_zpool_list(text, source, columns, keep_going=keep_going)


def _vdev_json(v: Vdev) -> dict[str, Any]:
    d = {k: val for k, val in to_jsonable(v).items() if k != "children"}
    d["kind"] = v.kind
    d["resilvering"] = v.resilvering
    d["children"] = [_vdev_json(c) for c in v.children]
    return d


def to_json(result: ZpoolStatus | ZpoolList) -> dict[str, Any]:
    """A parse result -> the JSON object `raidwatch parse zpool FILE --json` prints."""
    if isinstance(result, ZpoolStatus):
        pools = []
        for p in result.pools:
            d = to_jsonable(p)
            d["root"] = _vdev_json(p.root) if p.root else None
            for c in CLASSES:
                d[c] = [_vdev_json(v) for v in getattr(p, c)]
            d["data_vdevs"] = [v.name for v in p.data_vdevs]
            pools.append(d)
        return {
            "kind": "zpool-status",
            "no_pools": result.no_pools,
            "pools": pools,
            "warnings": list(result.warnings),
            "errors": [str(e) for e in result.errors],
        }
    return {
        "kind": "zpool-list",
        "scripted": result.scripted,
        "columns": list(result.columns),
        "no_pools": result.no_pools,
        "pools": [to_jsonable(p) for p in result.pools],
        "errors": [str(e) for e in result.errors],
    }


__all__ = [
    "FAILED_STATES",
    "POOL_STATES",
    "ListRow",
    "PoolStatus",
    "ScanStatus",
    "Vdev",
    "ZpoolList",
    "ZpoolListPool",
    "ZpoolStatus",
    "parse_count",
    "parse_duration",
    "parse_size",
    "parse_zpool",
    "parse_zpool_list",
    "parse_zpool_status",
    "to_json",
]
