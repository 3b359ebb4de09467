"""Which hosts a fleet expects: exact names in fleet.yaml, plus lists (plain, Ansible INI or YAML inventory).

A name is expected only when something names it exactly: a `hosts:` entry, a non-glob name in a group's
`hosts:` list, the `expect:` list, or an expect file. Ansible-style ranges (`web[01:12]`, `db-[a:c]`) expand.
"""

from __future__ import annotations

import re

from raidwatch.errors import ConfigError
from raidwatch.policy import FleetPolicy

_RANGE = re.compile(r"\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::(\d+))?\]")
_GLOB = re.compile(r"[*?]|\[[^\]]*\]")
MAX_EXPANSION = 200_000  # names one entry (or one expect list, or one file) may expand to
MAX_NAME = 1000  # characters in one entry before expansion


def expand(name: str, where: str = "", limit: int = MAX_EXPANSION) -> list[str]:
    """Ansible host ranges: web[01:03] -> web01 web02 web03; db-[a:c] -> db-a db-b db-c.
    At most `limit` (and MAX_EXPANSION) names; bounds are checked before anything is built."""
    limit = min(limit, MAX_EXPANSION)
    if len(name) > MAX_NAME:
        raise ConfigError(f"{where}{name[:40]!r}…: longer than {MAX_NAME} characters")
    m = _RANGE.search(name)
    if not m:
        return [name]
    lo, hi, step_text = m.group(1), m.group(2), m.group(3)
    if len(lo) > 9 or len(hi) > 9 or (step_text and len(step_text) > 9):
        raise ConfigError(f"{where}{name!r}: a range's bounds are at most 9 digits")
    step = int(step_text) if step_text else 1
    if step <= 0:
        raise ConfigError(f"{where}{name!r}: a range's step must be at least 1")
    if lo.isdecimal() and hi.isdecimal():
        first, last = int(lo), int(hi)
        width = len(lo) if lo.startswith("0") and len(lo) > 1 else 0
        fmt = str
    elif len(lo) == 1 and len(hi) == 1 and lo.isalpha() and hi.isalpha() and lo.isascii() and hi.isascii():
        first, last = ord(lo), ord(hi)
        width = 0
        fmt = chr
    else:
        raise ConfigError(f"{where}{name!r}: a range is [N:M] or [a:z]")
    count = (last - first) // step + 1 if last >= first else 0
    if count <= 0:
        raise ConfigError(f"{where}{name!r}: an empty range")
    if count > limit:
        raise ConfigError(f"{where}{name!r}: {_too_many(limit)}")
    out: list[str] = []
    for i in range(first, last + 1, step):
        v = fmt(i).zfill(width) if width else fmt(i)
        out.extend(expand(name[: m.start()] + v + name[m.end() :], where, limit - len(out)))
        if len(out) > limit:
            raise ConfigError(f"{where}{name!r}: {_too_many(limit)}")
    return out


def _too_many(limit: int) -> str:
    if limit >= MAX_EXPANSION:
        return f"expands to more than {MAX_EXPANSION} names"
    return f"expands to more names than the {limit} still allowed (at most {MAX_EXPANSION} in all)"


def names_in_policy(policy: FleetPolicy) -> set[str]:
    """The hosts fleet.yaml names exactly (globs and regular expressions name no host)."""
    names = set(policy.hosts) | set(policy.expect)
    for g in policy.groups:
        names |= {h for h in g.hosts if not _GLOB.search(h)}
    return names


def _room(names: list[str], path: str) -> int:
    """How many more names a file may add (MAX_EXPANSION in all)."""
    if len(names) >= MAX_EXPANSION:
        raise ConfigError(f"--expect {path}: more than {MAX_EXPANSION} hosts")
    return MAX_EXPANSION - len(names)


def _host_of(entry: str) -> str:
    host = entry.strip()
    if host.startswith("[") and "]" in host:  # [2001:db8::1]:22
        return host[1 : host.index("]")]
    if re.fullmatch(r"[^:]+:\d+", host) and not _RANGE.search(host):  # host:port (a range has a colon too)
        host = host.split(":", 1)[0]
    return host


def _ini(text: str, path: str) -> list[str]:
    """Ansible INI inventory: hosts under [group] sections; [g:vars] and [g:children] name no host."""
    out: list[str] = []
    section = ""
    for n, raw in enumerate(text.splitlines(), 1):
        line = (
            raw.split("#", 1)[0].split(";", 1)[0].strip() if not raw.lstrip().startswith(("#", ";")) else ""
        )
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if ":" in section and section.rsplit(":", 1)[1] in ("vars", "children"):
            continue
        out.extend(expand(_host_of(line.split()[0]), f"{path}:{n}: ", _room(out, path)))
    return out


def _yaml_inventory(doc: dict, path: str) -> list[str]:
    """Ansible YAML inventory: every key of every `hosts:` mapping, at any depth of `children:`."""
    out: list[str] = []
    stack: list[object] = [doc]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        hosts = node.get("hosts")
        if isinstance(hosts, (dict, list)):  # a plain YAML list under hosts: is meant the same way
            for h in hosts:
                out.extend(expand(_host_of(str(h)), f"{path}: ", _room(out, path)))
        for key, child in node.items():
            if key != "hosts" and key != "vars" and isinstance(child, dict):
                stack.append(child)
    return out


def read_expect_file(path: str) -> list[str]:
    """A list of expected hosts: one name a line, an Ansible INI inventory, or an Ansible YAML inventory."""
    from raidwatch.safeyaml import read_text

    try:
        text = read_text(path)
    except ConfigError as exc:
        raise ConfigError(f"--expect {exc}") from None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", ";"))]
    if any(ln.startswith("[") and ln.endswith("]") and not _RANGE.fullmatch(ln) for ln in lines):
        names = _ini(text, path)
    else:
        doc = None
        if any(re.match(r"^[^\s#][^:]*:\s*(\S.*)?$", ln) and not ln.startswith("[") for ln in lines):
            from raidwatch.safeyaml import compose, to_python

            try:
                doc = to_python(compose(text, path), path)
            except ConfigError as exc:
                raise ConfigError(f"--expect neither a host list nor a valid YAML inventory: {exc}") from None
        if isinstance(doc, dict):
            names = _yaml_inventory(doc, path)
        else:
            names = []
            for n, raw in enumerate(text.splitlines(), 1):
                line = raw.split("#", 1)[0].strip()
                if line:
                    if len(line.split()) > 1:
                        raise ConfigError(f"--expect {path}:{n}: one host name a line, got {line!r}")
                    names.extend(expand(_host_of(line), f"{path}:{n}: ", _room(names, path)))
    bad = [n for n in names if _GLOB.search(n) and not _RANGE.search(n)]
    if bad:
        raise ConfigError(f"--expect {path}: {bad[0]!r} is a pattern; expected hosts are exact names")
    return names
