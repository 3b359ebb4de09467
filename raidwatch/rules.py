"""`raidwatch rules`: the Prometheus alert rules, rendered for a deployment from the packaged template.

The template (raidwatch/data/alerts.yml.in, shipped in the package) is plain YAML with a few
`@NAME@` placeholders and whole-line `#@if daemon` / `#@if textfile` / `#@endif` blocks; Go template
text (`{{ $labels.x }}`) passes through untouched. prometheus/alerts.yml is render_rules()'s default
output (a test keeps them equal).
"""

from __future__ import annotations

import re
import sys
from importlib import resources
from typing import Any

from raidwatch.errors import ConfigError

MODES = ("daemon", "textfile")
DEFAULT_SELECTOR = {"daemon": 'job="raidwatch"', "textfile": 'job="node"'}
DEFAULT_RUNBOOK_BASE = "docs/runbooks.md"
DEFAULT_MAX_AGE = "30m"
# The array kinds raidwatch_array_info reports that have runbook sections of their own.
ARRAY_KINDS = ("md", "appleraid", "zfs", "btrfs", "hardware", "lvm")
# kind -> the runbook section (anchor suffix) its array alerts link to: each of ARRAY_KINDS its own; "dm"
# (dm-raid / dm-mirror set up without LVM, e.g. dmraid) shares lvm's, whose runbooks cover it with dmsetup.
KIND_ANCHOR: dict[str, str] = {**{k: k for k in ARRAY_KINDS}, "dm": "lvm"}
# Finding codes whose critical findings an alert of their own pages for: RaidwatchCriticalFinding
# (every other critical finding) leaves them out, so no finding pages twice.
DEDICATED: dict[str, str] = {
    "array-degraded": "RaidwatchArrayDegraded",
    "array-inactive": "RaidwatchArrayInactive",
    "array-rebuild-stalled": "RaidwatchRebuildTooSlow",
    "collector-failed": "RaidwatchCollectorFailing",
    "collector-stale": "RaidwatchCollectorStale",
    "collector-wedged": "RaidwatchCollectorWedged",
    "disk-missing": "RaidwatchDiskMissing",
    "disk-smart-failing": "RaidwatchSmartFailing",
    "role-not-redundant": "RaidwatchRoleNotRedundant",
    "role-volume-missing": "RaidwatchRoleNotRedundant",
    "test-page": "RaidwatchTestPage",
}
PRESENCE_ALERT = {"daemon": "RaidwatchExporterAbsent", "textfile": "RaidwatchTextfileAbsent"}

_MATCHER = r'\s*[A-Za-z_][A-Za-z0-9_]*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\\n]|\\.)*"\s*'
_SELECTOR_RE = re.compile(rf"^{_MATCHER}(?:,{_MATCHER})*,?\s*$")
_PLACEHOLDER_RE = re.compile(r"@[A-Z_]+@")
_BASE_RE = re.compile(r"^[^\s'\"#{}]+$")


def check_selector(selector: str) -> str:
    """The label matchers inside a selector's braces, e.g. `job="node"` or `job=~"node|raidwatch"`."""
    sel = selector.strip()
    if sel.startswith("{") and sel.endswith("}"):
        sel = sel[1:-1].strip()
    if not sel or not _SELECTOR_RE.match(sel):
        raise ConfigError(
            f'--selector {selector!r}: expected label matchers such as job="node" or '
            'job=~"node|raidwatch",env="prod"'
        )
    return sel.rstrip(", ")


def _seconds(duration: str) -> int:
    from raidwatch.settings import parse_duration

    return int(parse_duration(duration, "--max-age"))


def template_text() -> str:
    """The packaged template."""
    return resources.files("raidwatch").joinpath("data", "alerts.yml.in").read_text(encoding="utf-8")


def _command(mode: str, selector: str, runbook_base: str, max_age: str) -> str:
    parts = ["raidwatch rules"]
    if mode == "textfile":
        parts.append("--textfile")
    if selector != DEFAULT_SELECTOR[mode]:
        parts.append(f"--selector '{selector}'")
    if mode == "textfile" and max_age != DEFAULT_MAX_AGE:
        parts.append(f"--max-age {max_age}")
    if runbook_base != DEFAULT_RUNBOOK_BASE:
        parts.append(f"--runbook-base {runbook_base}")
    return " ".join(parts)


def _kind_anchor() -> str:
    """Go template text: `-<anchor>` for a kind with a runbook section (KIND_ANCHOR), nothing otherwise."""

    def quoted(kinds: list[str]) -> str:
        return " ".join(f'"{k}"' for k in kinds)

    own = [k for k, a in KIND_ANCHOR.items() if k == a]
    text = f"{{{{ if eq $labels.kind {quoted(own)} }}}}-{{{{ $labels.kind }}}}"
    shared: dict[str, list[str]] = {}
    for kind, anchor in KIND_ANCHOR.items():
        if kind != anchor:
            shared.setdefault(anchor, []).append(kind)
    for anchor, kinds in shared.items():
        text += f"{{{{ else if eq $labels.kind {quoted(kinds)} }}}}-{anchor}"
    return text + "{{ end }}"


def _select_blocks(text: str, mode: str) -> str:
    out: list[str] = []
    keep = True
    inside = False
    for line in text.splitlines(keepends=True):
        directive = line.strip()
        if directive.startswith("#@if "):
            if inside:
                raise ValueError("alerts template: nested #@if")
            want = directive[len("#@if ") :].strip()
            if want not in MODES:
                raise ValueError(f"alerts template: unknown mode in {directive!r}")
            inside, keep = True, want == mode
            continue
        if directive == "#@endif":
            if not inside:
                raise ValueError("alerts template: #@endif without #@if")
            inside, keep = False, True
            continue
        if keep:
            out.append(line)
    if inside:
        raise ValueError("alerts template: #@if without #@endif")
    return "".join(out)


def render_rules(
    selector: str | None = None,
    mode: str = "daemon",
    runbook_base: str = DEFAULT_RUNBOOK_BASE,
    max_age: str = DEFAULT_MAX_AGE,
) -> str:
    """The alert rules (YAML text) for a deployment.

    mode "daemon": `raidwatch serve` scraped by the job(s) `selector` names (default job="raidwatch");
    RaidwatchExporterAbsent watches their `up`. mode "textfile": the metrics come through
    node_exporter's textfile collector (default job="node"); RaidwatchTextfileAbsent watches
    raidwatch_snapshot_timestamp_seconds instead (gone, or older than `max_age`). `runbook_base` is
    where docs/runbooks.md is published; each alert's runbook_url is it plus an anchor.
    """
    if mode not in MODES:
        raise ConfigError(f"mode {mode!r}: expected one of {', '.join(MODES)}")
    sel = check_selector(selector if selector is not None else DEFAULT_SELECTOR[mode])
    if not _BASE_RE.match(runbook_base):
        raise ConfigError(f"--runbook-base {runbook_base!r}: expected a URL or path without spaces or quotes")
    max_age_seconds = _seconds(max_age)
    values = {
        "MODE": mode,
        "COMMAND": _command(mode, sel, runbook_base, max_age),
        "SELECTOR": sel,
        "PRESENCE_ALERT": PRESENCE_ALERT[mode],
        "RUNBOOK_BASE": runbook_base,
        "KIND_ANCHOR": _kind_anchor(),
        "KINDS_TEXT": ", ".join(k if a == k else f"{k} as {a}" for k, a in KIND_ANCHOR.items()),
        "DEDICATED_RE": "|".join(sorted(DEDICATED)),
        "DEDICATED_TEXT": ", ".join(f"{code} ({alert})" for code, alert in sorted(DEDICATED.items())),
        "ZPOOL": '{{ reReplaceAll "^zfs:([^/]+).*$" "$1" $labels.array }}',
        "ZPOOL_OF_SUBJECT": '{{ reReplaceAll "^zfs:([^/]+).*$" "$1" $labels.subject }}',
        "MAX_AGE": max_age.strip(),
        "MAX_AGE_SECONDS": str(max_age_seconds),
    }
    text = _select_blocks(template_text(), mode)
    text = _PLACEHOLDER_RE.sub(lambda m: values[m.group(0).strip("@")], text)
    return text


# ---------------------------------------------------------------------------- CLI


def add_rules_parser(sub: Any) -> None:
    """The `rules` subcommand."""
    p = sub.add_parser(
        "rules",
        help="print the Prometheus alert rules for this deployment (daemon or textfile, job selector)",
        description="Print the alert rules (prometheus/alerts.yml is the default output). Use --textfile "
        "when the metrics come through node_exporter's textfile collector: the presence alert then watches "
        "raidwatch_snapshot_timestamp_seconds instead of the daemon's `up`.",
    )
    p.add_argument(
        "--selector",
        metavar="MATCHERS",
        help='label matchers of the job that carries raidwatch\'s metrics (default job="raidwatch"; '
        'with --textfile job="node")',
    )
    p.add_argument(
        "--textfile",
        action="store_true",
        help="textfile-only deployment: no RaidwatchExporterAbsent; RaidwatchTextfileAbsent instead",
    )
    p.add_argument(
        "--max-age",
        dest="max_age",
        metavar="DURATION",
        default=DEFAULT_MAX_AGE,
        help=f"--textfile: data older than this is absent (default {DEFAULT_MAX_AGE}; the shipped timer "
        "rewrites the file every 5m)",
    )
    p.add_argument(
        "--runbook-base",
        dest="runbook_base",
        metavar="URL",
        default=DEFAULT_RUNBOOK_BASE,
        help="where docs/runbooks.md is published; runbook_url is URL#anchor (default: the "
        f"repository-relative {DEFAULT_RUNBOOK_BASE})",
    )
    p.set_defaults(func=_cmd_rules)


def _cmd_rules(args: Any) -> int:
    try:
        text = render_rules(
            selector=args.selector,
            mode="textfile" if args.textfile else "daemon",
            runbook_base=args.runbook_base,
            max_age=args.max_age,
        )
    except ConfigError as exc:
        print(f"raidwatch: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


__all__ = [
    "ARRAY_KINDS",
    "DEDICATED",
    "DEFAULT_RUNBOOK_BASE",
    "DEFAULT_SELECTOR",
    "KIND_ANCHOR",
    "add_rules_parser",
    "check_selector",
    "render_rules",
]
