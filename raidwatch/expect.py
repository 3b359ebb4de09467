"""Which hosts a fleet expects: exact names in fleet.yaml, plus lists (plain, Ansible INI or YAML inventory).

A name is expected only when something names it exactly: a `hosts:` entry, a non-glob name in a group's
`hosts:` list, the `expect:` list, or an expect file. Ansible-style ranges (`web[01:12]`, `db-[a:c]`) expand.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from raidwatch.errors import ConfigError
from raidwatch.policy import FleetPolicy

_RANGE = re.compile(r"\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::(\d+))?\]")
_GLOB = re.compile(r"[*?]|\[[^\]]*\]")
MAX_EXPANSION = 100_000


def expand(name: str, where: str = "") -> list[str]:
    """Ansible host ranges: web[01:03] -> web01 web02 web03; db-[a:c] -> db-a db-b db-c."""
    m = _RANGE.search(name)
    if not m:
        return [name]
    lo, hi, step_text = m.group(1), m.group(2), m.group(3)
    step = int(step_text) if step_text else 1
    if lo.isdecimal() and hi.isdecimal():
        width = len(lo) if lo.startswith("0") and len(lo) > 1 else 0
        values = [str(i).zfill(width) for i in range(int(lo), int(hi) + 1, step)]
    elif len(lo) == 1 and len(hi) == 1 and lo.isalpha() and hi.isalpha():
        values = [chr(c) for c in range(ord(lo), ord(hi) + 1, step)]
    else:
        raise ConfigError(f"{where}{name!r}: a range is [N:M] or [a:z]")
    if step <= 0 or not values or len(values) > MAX_EXPANSION:
        raise ConfigError(f"{where}{name!r}: an empty or oversized range")
    out: list[str] = []
    for v in values:
        out.extend(expand(name[: m.start()] + v + name[m.end() :], where))
        if len(out) > MAX_EXPANSION:
            raise ConfigError(f"{where}{name!r}: expands to more than {MAX_EXPANSION} names")
    return out


def names_in_policy(policy: FleetPolicy) -> set[str]:
    """The hosts fleet.yaml names exactly (globs and regular expressions name no host)."""
    names = set(policy.hosts) | set(policy.expect)
    for g in policy.groups:
        names |= {h for h in g.hosts if not _GLOB.search(h)}
    return names


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
        out.extend(expand(_host_of(line.split()[0]), f"{path}:{n}: "))
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
                out.extend(expand(_host_of(str(h)), f"{path}: "))
        for key, child in node.items():
            if key != "hosts" and key != "vars" and isinstance(child, dict):
                stack.append(child)
    return out


def read_expect_file(path: str) -> list[str]:
    """A list of expected hosts: one name a line, an Ansible INI inventory, or an Ansible YAML inventory."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        raise ConfigError(f"--expect {path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"--expect {path}: is a directory, expected a file") from None
    except OSError as exc:
        raise ConfigError(f"--expect {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"--expect {path}: not UTF-8 text") from None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", ";"))]
    if any(ln.startswith("[") and ln.endswith("]") and not _RANGE.fullmatch(ln) for ln in lines):
        names = _ini(text, path)
    else:
        doc = None
        if any(re.match(r"^[^\s#][^:]*:\s*(\S.*)?$", ln) and not ln.startswith("[") for ln in lines):
            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise ConfigError(
                    f"--expect {path}: neither a host list nor a valid YAML inventory: {exc}"
                ) from None
        if isinstance(doc, dict):
            names = _yaml_inventory(doc, path)
        else:
            names = []
            for n, raw in enumerate(text.splitlines(), 1):
                line = raw.split("#", 1)[0].strip()
                if line:
                    if len(line.split()) > 1:
                        raise ConfigError(f"--expect {path}:{n}: one host name a line, got {line!r}")
                    names.extend(expand(_host_of(line), f"{path}:{n}: "))
    bad = [n for n in names if _GLOB.search(n) and not _RANGE.search(n)]
    if bad:
        raise ConfigError(f"--expect {path}: {bad[0]!r} is a pattern; expected hosts are exact names")
    return names
