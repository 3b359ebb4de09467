"""bcache's sysfs values (/sys/block/bcacheN/bcache/*, Documentation/admin-guide/bcache.rst). Pure."""

from __future__ import annotations

import re

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import to_int

BCACHE_MODES = ("writethrough", "writeback", "writearound", "none")
BCACHE_STATES = ("no cache", "clean", "dirty", "inconsistent")
_UNITS = "kMGTPEZY"  # bch_hprint: powers of 1024, at least one step (0 bytes prints "0.0k")


def parse_cache_mode(text: str, source: str) -> str:
    """`cache_mode`: every mode, the current one in brackets ("writethrough [writeback] writearound none")."""
    m = re.search(r"\[([a-z]+)\]", text)
    if not m:
        word = text.strip()
        if word in BCACHE_MODES:  # a single word, as some tools echo it back
            return word
        raise ParseError(source, 1, f"no [current] mode in {text.strip()[:80]!r}")
    if m.group(1) not in BCACHE_MODES:
        raise ParseError(source, 1, f"unknown cache mode {m.group(1)!r}")
    return m.group(1)


def parse_human_bytes(text: str, source: str) -> int:
    """`dirty_data` and the other sizes bcache prints with bch_hprint ("0.0k", "512", "1.2G") -> bytes.
    One decimal digit is all bcache prints, so the value is exact to about a tenth of its unit."""
    t = text.strip()
    m = re.fullmatch(r"([0-9]+)(?:\.([0-9]))?([" + _UNITS + r"])?", t)
    whole = to_int(m.group(1)) if m else None
    if m is None or whole is None:
        raise ParseError(source, 1, f"expected a size such as 1.2G, got {t[:40]!r}")
    tenth, unit = int(m.group(2) or 0), m.group(3)
    scale = 1024 ** (_UNITS.index(unit) + 1) if unit else 1
    return whole * scale + tenth * scale // 10


def parse_state(text: str, source: str) -> str:
    """`state` of a backing device: no cache | clean | dirty | inconsistent."""
    t = " ".join(text.split())
    if t not in BCACHE_STATES:
        raise ParseError(source, 1, f"unknown bcache state {t[:40]!r}")
    return t


def device_of_link(target: str) -> str | None:
    """A cache set's cacheN link (…/block/sdc/bcache, …/block/sdc/sdc1/bcache) -> the kernel name (sdc1)."""
    parts = [p for p in target.split("/") if p and p != ".."]
    if len(parts) >= 2 and parts[-1] == "bcache":
        return parts[-2]
    return None
