"""What every parser keeps to, whatever it is fed: bounded lines and numbers, ASCII digits, finite floats.

- Lines: a line of a tool's text output longer than MAX_LINE (65,536 characters) is no real output (the
  longest in the corpus of real outputs is about 1,100). `check_lines` refuses it with a ParseError
  naming the line. Where one output lists several arrays, pools or filesystems only the block holding it
  is refused: mdstat always (its `errors`), zpool status/list and btrfs filesystem show with
  keep_going=True. JSON and XML plist input is not line-oriented and not bound by this (their readers are
  linear); nor is what a detector reads, which is bounded instead (`head`: the first DETECT_HEAD chars).
- Numbers: only ASCII digits are digits (`str.isdecimal()` and a regex `\\d` also take Arabic-Indic,
  fullwidth and other scripts' digits), and a number of more than MAX_DIGITS (40) digits is no reading
  (a 128-bit counter has 39): `to_int`/`to_float` give None for it, where Python's int() would raise
  ValueError past 4,300 digits and float() would give inf (which int() and round() refuse). Floats are
  finite: inf and nan are None.
"""

from __future__ import annotations

import math
import re

from raidwatch.errors import ParseError

MAX_LINE = 65536
MAX_DIGITS = 40
DETECT_HEAD = 65536  # characters a detector reads (which tool printed this?)

_FLOAT_RE = re.compile(r"[0-9]{1,40}(?:\.[0-9]{1,40})?|\.[0-9]{1,40}")
_HEX_RE = re.compile(r"(?:0[xX])?[0-9a-fA-F]{1,40}")


def to_int(text: str | None, signed: bool = False) -> int | None:
    """ASCII digits (a leading '-' or '+' too when `signed`), at most MAX_DIGITS of them -> int; else None."""
    if text is None:
        return None
    t = text.strip()
    sign = 1
    if signed and t[:1] in ("-", "+"):
        sign, t = (-1 if t[0] == "-" else 1), t[1:]
    if not 0 < len(t) <= MAX_DIGITS or not t.isascii() or not t.isdigit():
        return None
    return sign * int(t)


def to_hex(text: str | None) -> int | None:
    """A hexadecimal number ('0x1f', '1F'), at most MAX_DIGITS digits -> int; else None."""
    if text is None:
        return None
    t = text.strip()
    if not _HEX_RE.fullmatch(t):
        return None
    return int(t, 16)


def to_float(text: str | None) -> float | None:
    """'12', '12.5', '.5' in ASCII digits (at most MAX_DIGITS on each side of the point) -> float; else None.
    No sign, exponent, inf or nan: no tool prints a reading that way."""
    if text is None:
        return None
    t = text.strip()
    if len(t) > 2 * MAX_DIGITS + 1 or not _FLOAT_RE.fullmatch(t):
        return None
    return float(t)


def finite(value: float | None) -> float | None:
    """The value when it is a finite number, else None (inf, nan)."""
    if value is None or not math.isfinite(value):
        return None
    return value


def round_int(value: float | None) -> int | None:
    """round() that gives None where round() would raise (inf, nan) or for None."""
    if value is None or not math.isfinite(value):
        return None
    return round(value)


def line_error(source: str, lineno: int, line: str, what: str) -> ParseError | None:
    """The ParseError for a line longer than MAX_LINE (None when it is not)."""
    if len(line) <= MAX_LINE:
        return None
    return ParseError(
        source,
        lineno,
        f"a line of {len(line)} characters: longer than the {MAX_LINE} any line of {what} has (not read)",
    )


def check_lines(lines: list[str], source: str, what: str, first: int = 1) -> list[str]:
    """The lines unchanged, or a ParseError naming the first line longer than MAX_LINE."""
    if lines and max(map(len, lines)) > MAX_LINE:
        for n, line in enumerate(lines, first):
            err = line_error(source, n, line, what)
            if err is not None:
                raise err
    return lines


def head(text: str, limit: int = DETECT_HEAD) -> str:
    """The first `limit` characters of a text, ended at a line break: what a format detector reads, so that
    telling formats apart costs the same for a 1 MiB output as for a 64 KiB one."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[: cut + 1] if cut > 0 else text[:limit]


def head_lines(text: str, count: int, limit: int = DETECT_HEAD) -> list[str]:
    """The first `count` lines of head(text)."""
    return head(text, limit).splitlines()[:count]


def bounded_lines(text: str, source: str, what: str) -> list[str]:
    """text.splitlines(), refusing a line longer than MAX_LINE with a ParseError that names it."""
    return check_lines(text.splitlines(), source, what)


__all__ = [
    "DETECT_HEAD",
    "MAX_DIGITS",
    "MAX_LINE",
    "bounded_lines",
    "check_lines",
    "finite",
    "head",
    "head_lines",
    "line_error",
    "round_int",
    "to_float",
    "to_hex",
    "to_int",
]
