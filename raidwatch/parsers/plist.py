"""XML property lists as macOS tools print them: safe loading and typed field access."""

from __future__ import annotations

import plistlib
from typing import Any

from raidwatch.errors import ParseError


def load_plist(text: str, source: str) -> Any:
    """XML plist text -> Python values; anything else (binary plist, junk, empty) raises ParseError."""
    if "\x00" in text or text.lstrip().startswith("bplist"):
        raise ParseError(source, None, "binary data (a binary plist?); expected XML plist text")
    if not text.strip():
        raise ParseError(source, None, "empty output")
    try:
        return plistlib.loads(text.encode("utf-8"), fmt=plistlib.FMT_XML)
    except Exception as exc:  # plistlib raises ExpatError, ValueError, TypeError, ... on bad input
        raise ParseError(source, None, f"not a valid XML plist: {type(exc).__name__}: {exc}") from None


def pstr(d: dict[str, Any], key: str) -> str | None:
    v = d.get(key)
    return v if isinstance(v, str) and v != "" else None


def pint(d: dict[str, Any], key: str) -> int | None:
    v = d.get(key)
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def pbool(d: dict[str, Any], key: str) -> bool | None:
    v = d.get(key)
    return v if isinstance(v, bool) else None


def pdicts(d: dict[str, Any], key: str) -> list[dict[str, Any]]:
    v = d.get(key)
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def pstrings(d: dict[str, Any], key: str) -> tuple[str, ...]:
    v = d.get(key)
    return tuple(x for x in v if isinstance(x, str)) if isinstance(v, list) else ()
