"""Hardware RAID CLI outputs (MegaCli, storcli, arcconf, ssacli, tw_cli, ...): one model, tool detected."""

from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType

from raidwatch.errors import ParseError
from raidwatch.parsers.bounds import check_lines, head
from raidwatch.parsers.hwraid.model import HwRaidReport, to_json

__all__ = ["HwRaidReport", "detect_tool", "parse_hwraid", "to_json", "tool_modules"]

_SKIP = {"model"}


def tool_modules() -> list[ModuleType]:
    """Every tool parser in this package: a module with TOOL, detect(text) and parse(text, source)."""
    return list(_tool_modules())


@functools.cache
def _tool_modules() -> tuple[ModuleType, ...]:
    mods = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name in _SKIP or info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "TOOL") and hasattr(mod, "detect") and hasattr(mod, "parse"):
            mods.append(mod)
    return tuple(mods)


def detect_tool(text: str) -> ModuleType | None:
    """The tool module whose output this is, or None.

    The detectors read only the head of the text (bounds.head: its first 64 KiB, ended at a line break),
    so telling the tools apart costs the same for any size of output; the one module found then parses
    the whole text once."""
    first = head(text)
    for mod in _tool_modules():
        try:
            if mod.detect(first):
                return mod
        except Exception:  # a detector must never stop the others
            continue
    return None


def parse_hwraid(text: str, source: str) -> HwRaidReport:
    """Detect which tool printed `text` and parse it. Not a known tool's output -> ParseError.

    A line longer than bounds.MAX_LINE (64 KiB) is refused, naming it (storcli's JSON, which may come on
    one line, excepted)."""
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not a RAID tool's text output")
    if not text.lstrip().startswith(("{", "[")):
        check_lines(text.splitlines(), source, "a RAID tool's output")
    mod = detect_tool(text)
    if mod is None:
        tools = ", ".join(m.TOOL for m in _tool_modules())
        raise ParseError(source, 1 if text else None, f"not the output of a known RAID tool ({tools})")
    try:
        return mod.parse(text, source)
    except ParseError:
        raise
    except Exception as exc:  # a tool parser's bug must not become a traceback for the user
        raise ParseError(
            source, None, f"{mod.TOOL}: internal parser error: {type(exc).__name__}: {exc}"
        ) from None
