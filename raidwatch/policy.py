"""Fleet policy: fleet.yaml schema and validation (file:line:col errors), per-host resolution."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from raidwatch.errors import ConfigError

KINDS = ("md", "appleraid", "btrfs", "zfs", "hardware", "lvm", "dm")
# What a role accepts when it does not say: the mechanisms raidwatch can verify. "hardware" must be
# listed explicitly: it turns "no redundancy seen" into a warning that it cannot be verified. lvm is
# LVM RAID/mirror (dm-raid, dm-mirror), dm the same targets set up without LVM (dmsetup, dmraid).
DEFAULT_KINDS = ("md", "appleraid", "btrfs", "zfs", "lvm", "dm")
REQUIRE = ("mirror", "any", "none")
# SMART metrics a threshold may name -> the SmartHealth field it reads
SMART_METRICS = {
    "temperature_celsius": "temperature_celsius",
    "reallocated_sectors": "reallocated_sectors",
    "pending_sectors": "pending_sectors",
    "offline_uncorrectable": "offline_uncorrectable",
    "reported_uncorrectable": "reported_uncorrectable",
    "udma_crc_errors": "udma_crc_errors",
    "nvme_percentage_used": "nvme_percentage_used",
    "nvme_media_errors": "nvme_media_errors",
    "power_on_hours": "power_on_hours",
}
LAYER_KEYS = ("roles", "smart", "rebuild_grace", "exemptions")
GROUP_KEYS = ("hosts", "match", "priority", *LAYER_KEYS)
ROLE_KEYS = ("covers", "require", "min_copies", "kinds", "hot_spare", "optional")
EXEMPTION_KEYS = ("code", "subject", "reason", "expires")
DEFAULT_REBUILD_GRACE = 24 * 3600.0
_RANGE_RE = re.compile(r"\[[0-9a-zA-Z]+:[0-9a-zA-Z]+(?::\d+)?\]")  # an Ansible host range: web[01:12]
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


@dataclass(frozen=True)
class Threshold:
    """A SMART metric's limits: at or above `warning` warns, at or above `critical` is critical."""

    warning: float | None = None
    critical: float | None = None


@dataclass(frozen=True)
class RolePolicy:
    """What one role (boot, data, ...) demands of the volumes it covers."""

    name: str
    covers: tuple[str, ...]  # mount points, or "label:NAME"
    require: str = "mirror"  # mirror | any | none
    min_copies: int = 2  # for mirror: copies of the data that must exist now
    kinds: tuple[str, ...] = DEFAULT_KINDS  # redundancy mechanisms accepted
    hot_spare: bool = False
    optional: bool = False  # no finding when none of `covers` is mounted
    key: str = ""  # the policy key path that set it, for findings


@dataclass(frozen=True)
class Exemption:
    """A finding code silenced for a subject (glob), with a reason and an expiry date."""

    code: str
    subject: str
    reason: str
    expires: date
    key: str = ""


@dataclass(frozen=True)
class HostPolicy:
    """The policy that applies to one host after host > group > defaults precedence."""

    host: str
    layers: tuple[str, ...]  # e.g. ("defaults", "groups.db", "hosts.db02")
    roles: tuple[RolePolicy, ...] = ()
    smart: dict[str, Threshold] = field(default_factory=dict)
    rebuild_grace_seconds: float = DEFAULT_REBUILD_GRACE
    exemptions: tuple[Exemption, ...] = ()

    @property
    def matched(self) -> bool:
        """False when only the defaults apply (no group or host entry named this host)."""
        return len(self.layers) > 1


@dataclass(frozen=True)
class Group:
    name: str
    hosts: tuple[str, ...]  # exact names or globs
    match: re.Pattern[str] | None
    priority: int | None
    layer: dict[str, Any]

    def matches(self, host: str) -> bool:
        if any(fnmatch.fnmatchcase(host, pat) for pat in self.hosts):
            return True
        return bool(self.match and self.match.search(host))


@dataclass(frozen=True)
class FleetPolicy:
    """A validated fleet.yaml."""

    path: str
    defaults: dict[str, Any]
    groups: tuple[Group, ...]
    hosts: dict[str, dict[str, Any]]
    expect: tuple[str, ...] = ()  # hosts the fleet view expects to report (exact names, ranges expanded)

    def groups_for(self, host: str) -> list[Group]:
        """The groups that apply to a host: the highest priority among those that match.
        Raises ConfigError when two match and no priority settles it."""
        matching = [g for g in self.groups if g.matches(host)]
        if len(matching) <= 1:
            return matching
        best = max((g.priority for g in matching if g.priority is not None), default=None)
        top = [g for g in matching if g.priority == best] if best is not None else matching
        if len(top) > 1:
            names = ", ".join(f"groups.{g.name}" for g in top)
            raise ConfigError(
                f"{self.path}: host {host!r} is matched by {names} and no 'priority' settles it "
                "(give one group a higher priority, or list the host under hosts:)"
            )
        return top

    def for_host(self, host: str) -> HostPolicy:
        """Resolve host > group > defaults for one host name."""
        layers: list[tuple[str, dict[str, Any]]] = [("defaults", self.defaults)]
        for g in self.groups_for(host):
            layers.append((f"groups.{g.name}", g.layer))
        if host in self.hosts:
            layers.append((f"hosts.{host}", self.hosts[host]))
        return _resolve(host, layers)


def _resolve(host: str, layers: list[tuple[str, dict[str, Any]]]) -> HostPolicy:
    roles: dict[str, dict[str, Any]] = {}
    role_keys: dict[str, str] = {}
    smart: dict[str, Threshold] = {}
    grace = DEFAULT_REBUILD_GRACE
    exemptions: list[Exemption] = []
    for prefix, layer in layers:
        for rname, rdef in (layer.get("roles") or {}).items():
            merged = dict(roles.get(rname, {}))
            merged.update(rdef)
            roles[rname] = merged
            role_keys[rname] = f"{prefix}.roles.{rname}"
        for metric, thr in (layer.get("smart") or {}).items():
            old = smart.get(metric, Threshold())
            smart[metric] = Threshold(
                warning=thr.warning if thr.warning is not None else old.warning,
                critical=thr.critical if thr.critical is not None else old.critical,
            )
        if layer.get("rebuild_grace") is not None:
            grace = layer["rebuild_grace"]
        exemptions.extend(layer.get("exemptions") or ())
    role_objs = []
    for rname, r in roles.items():
        if "covers" not in r:
            raise ConfigError(f"{role_keys[rname]}: role {rname!r} has no 'covers' in any layer")
        role_objs.append(
            RolePolicy(
                name=rname,
                covers=tuple(r["covers"]),
                require=r.get("require", "mirror"),
                min_copies=int(r.get("min_copies", 2)),
                kinds=tuple(r.get("kinds", DEFAULT_KINDS)),
                hot_spare=bool(r.get("hot_spare", False)),
                optional=bool(r.get("optional", False)),
                key=role_keys[rname],
            )
        )
    return HostPolicy(
        host=host,
        layers=tuple(p for p, _ in layers),
        roles=tuple(role_objs),
        smart=smart,
        rebuild_grace_seconds=grace,
        exemptions=tuple(exemptions),
    )


# ----------------------------------------------------------------------------------- validation


class _Validator:
    """Walks the YAML node tree (which keeps line/column) and builds plain values, or errors."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[str] = []

    def err(self, node: yaml.Node | None, key: str, why: str) -> None:
        where = self.path
        if node is not None:
            where += f":{node.start_mark.line + 1}:{node.start_mark.column + 1}"
        self.errors.append(f"{where}: {key}: {why}" if key else f"{where}: {why}")

    def mapping(self, node: yaml.Node, key: str, allowed: tuple[str, ...] | None) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.err(node, key, f"expected a mapping, got {_kind(node)}")
            return {}
        out: dict[str, yaml.Node] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                self.err(knode, key, "keys must be plain names")
                continue
            k = str(knode.value)
            sub = f"{key}.{k}" if key else k
            if k in out:
                self.err(knode, sub, "duplicate key")
                continue
            if allowed is not None and k not in allowed:
                hint = _closest(k, allowed)
                self.err(knode, sub, f"unknown key (expected one of {', '.join(allowed)})" + hint)
                continue
            out[k] = vnode
        return out

    def scalar(self, node: yaml.Node, key: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.err(node, key, f"expected a single value, got {_kind(node)}")
            return None
        return yaml.safe_load(yaml.serialize(node))

    def string(self, node: yaml.Node, key: str) -> str | None:
        v = self.scalar(node, key)
        if v is None and isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            self.err(node, key, "expected text, got nothing")
            return None
        if v is not None and not isinstance(v, str):
            return str(v)  # a host named 01 or a label like 2024 is still text
        return v

    def choice(self, node: yaml.Node, key: str, options: tuple[str, ...]) -> str | None:
        v = self.scalar(node, key)
        if v is None:
            return None
        if v not in options:
            self.err(node, key, f"expected one of {', '.join(options)} — got {v!r}")
            return None
        return v

    def integer(self, node: yaml.Node, key: str, minimum: int | None = None) -> int | None:
        v = self.scalar(node, key)
        if isinstance(v, bool) or not isinstance(v, int):
            if v is not None:
                self.err(node, key, f"expected a whole number, got {v!r}")
            return None
        if minimum is not None and v < minimum:
            self.err(node, key, f"expected at least {minimum}, got {v}")
            return None
        return v

    def number(self, node: yaml.Node, key: str) -> float | None:
        v = self.scalar(node, key)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            if v is not None:
                self.err(node, key, f"expected a number, got {v!r}")
            return None
        return float(v)

    def boolean(self, node: yaml.Node, key: str) -> bool | None:
        v = self.scalar(node, key)
        if not isinstance(v, bool):
            if v is not None:
                self.err(node, key, f"expected true or false, got {v!r}")
            return None
        return v

    def seq(self, node: yaml.Node, key: str) -> list[yaml.Node]:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str"):
            return [node]  # a single value where a list is expected: accept it as a one-item list
        if not isinstance(node, yaml.SequenceNode):
            self.err(node, key, f"expected a list, got {_kind(node)}")
            return []
        return list(node.value)

    def duration(self, node: yaml.Node, key: str) -> float | None:
        v = self.scalar(node, key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
        m = _DURATION_RE.match(str(v)) if isinstance(v, str) else None
        if not m:
            if v is not None:
                self.err(node, key, f"expected a duration like 90m, 24h or 2d, got {v!r}")
            return None
        return float(m.group(1)) * _UNIT[m.group(2)]

    # --- sections

    def layer(self, node: yaml.Node, key: str, allowed: tuple[str, ...] = LAYER_KEYS) -> dict[str, Any]:
        m = self.mapping(node, key, allowed)
        out: dict[str, Any] = {}
        if "roles" in m:
            roles = {}
            for rname, rnode in self.mapping(m["roles"], f"{key}.roles", None).items():
                roles[rname] = self.role(rnode, f"{key}.roles.{rname}")
            out["roles"] = roles
        if "smart" in m:
            smart = {}
            for metric, tnode in self.mapping(m["smart"], f"{key}.smart", tuple(SMART_METRICS)).items():
                t = self.threshold(tnode, f"{key}.smart.{metric}")
                if t is not None:
                    smart[metric] = t
            out["smart"] = smart
        if "rebuild_grace" in m:
            g = self.duration(m["rebuild_grace"], f"{key}.rebuild_grace")
            if g is not None:
                out["rebuild_grace"] = g
        if "exemptions" in m:
            ex = []
            for i, enode in enumerate(self.seq(m["exemptions"], f"{key}.exemptions")):
                e = self.exemption(enode, f"{key}.exemptions[{i}]")
                if e is not None:
                    ex.append(e)
            out["exemptions"] = ex
        return out

    def role(self, node: yaml.Node, key: str) -> dict[str, Any]:
        m = self.mapping(node, key, ROLE_KEYS)
        out: dict[str, Any] = {}
        if "covers" in m:
            covers = []
            for c in self.seq(m["covers"], f"{key}.covers"):
                s = self.string(c, f"{key}.covers")
                if s is None:
                    continue
                if not (s.startswith("/") or s.startswith("label:")):
                    self.err(c, f"{key}.covers", f"expected a mount point (/...) or label:NAME, got {s!r}")
                    continue
                covers.append(s)
            out["covers"] = covers
        if "require" in m:
            v = self.choice(m["require"], f"{key}.require", REQUIRE)
            if v:
                out["require"] = v
        if "min_copies" in m:
            v = self.integer(m["min_copies"], f"{key}.min_copies", minimum=1)
            if v is not None:
                out["min_copies"] = v
        if "kinds" in m:
            kinds = []
            for k in self.seq(m["kinds"], f"{key}.kinds"):
                v = self.choice(k, f"{key}.kinds", KINDS)
                if v:
                    kinds.append(v)
            out["kinds"] = kinds
        for b in ("hot_spare", "optional"):
            if b in m:
                v = self.boolean(m[b], f"{key}.{b}")
                if v is not None:
                    out[b] = v
        return out

    def threshold(self, node: yaml.Node, key: str) -> Threshold | None:
        if isinstance(node, yaml.ScalarNode):
            v = self.number(node, key)
            return Threshold(warning=v) if v is not None else None
        m = self.mapping(node, key, ("warning", "critical"))
        w = self.number(m["warning"], f"{key}.warning") if "warning" in m else None
        c = self.number(m["critical"], f"{key}.critical") if "critical" in m else None
        if w is not None and c is not None and c < w:
            self.err(node, key, f"critical ({c:g}) is below warning ({w:g})")
        return Threshold(w, c)

    def exemption(self, node: yaml.Node, key: str) -> Exemption | None:
        from raidwatch.findings import CODES

        m = self.mapping(node, key, EXEMPTION_KEYS)
        ok = True
        for req in ("code", "reason", "expires"):
            if req not in m and isinstance(node, yaml.MappingNode):
                self.err(
                    node, key, f"missing '{req}' (an exemption needs a code, a reason and an expiry date)"
                )
                ok = False
        code = self.string(m["code"], f"{key}.code") if "code" in m else None
        if code is not None and code not in CODES:
            self.err(
                m["code"], f"{key}.code", f"unknown finding code {code!r}" + _closest(code, tuple(CODES))
            )
            ok = False
        reason = self.string(m["reason"], f"{key}.reason") if "reason" in m else None
        if "reason" in m and not (reason or "").strip():
            self.err(m["reason"], f"{key}.reason", "a reason must say why")
            ok = False
        expires = None
        if "expires" in m:
            v = self.scalar(m["expires"], f"{key}.expires")
            if isinstance(v, date):
                expires = v
            else:
                self.err(m["expires"], f"{key}.expires", f"expected a date like 2026-12-31, got {v!r}")
                ok = False
        subject = self.string(m["subject"], f"{key}.subject") if "subject" in m else "*"
        if not ok or code is None or expires is None or reason is None:
            return None
        return Exemption(code=code, subject=subject or "*", reason=reason, expires=expires, key=key)

    def group(self, name: str, node: yaml.Node, key: str) -> Group | None:
        m = self.mapping(node, key, GROUP_KEYS)
        hosts: list[str] = []
        if "hosts" in m:
            for h in self.seq(m["hosts"], f"{key}.hosts"):
                s = self.string(h, f"{key}.hosts")
                if s is None:
                    continue
                problem = _bad_glob(s)
                if problem:
                    self.err(h, f"{key}.hosts", f"bad glob {s!r}: {problem}")
                    continue
                hosts.append(s)
        pattern = None
        if "match" in m:
            s = self.string(m["match"], f"{key}.match")
            if s is not None:
                try:
                    pattern = re.compile(s)
                except re.error as exc:
                    self.err(m["match"], f"{key}.match", f"bad regular expression {s!r}: {exc}")
        if "hosts" not in m and "match" not in m and isinstance(node, yaml.MappingNode):
            self.err(node, key, "a group needs 'hosts' (names or globs) or 'match' (a regular expression)")
        priority = self.integer(m["priority"], f"{key}.priority") if "priority" in m else None
        layer_node = yaml.MappingNode(
            "tag:yaml.org,2002:map",
            [(k, v) for k, v in node.value if getattr(k, "value", None) in LAYER_KEYS]
            if isinstance(node, yaml.MappingNode)
            else [],
            node.start_mark,
            node.end_mark,
        )
        layer = self.layer(layer_node, key)
        return Group(name=name, hosts=tuple(hosts), match=pattern, priority=priority, layer=layer)


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"{node.value!r}" if node.value else "nothing"


def _closest(word: str, options: tuple[str, ...]) -> str:
    import difflib

    near = difflib.get_close_matches(word, options, n=1)
    return f" — did you mean {near[0]!r}?" if near else ""


def _bad_glob(pattern: str) -> str | None:
    depth = 0
    for ch in pattern:
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
    if depth:
        return "unclosed '['"
    if not pattern.strip():
        return "empty"
    return None


def load_policy(path: str | Path, text: str | None = None) -> FleetPolicy:
    """Read and validate a fleet.yaml. Raises ConfigError with every problem, one per line."""
    path = str(path)
    if text is None:
        try:
            text = Path(path).read_text()
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such file") from None
        except OSError as exc:
            raise ConfigError(f"{path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise ConfigError(f"{where}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    v = _Validator(path)
    if root is None:
        raise ConfigError(f"{path}: empty policy file (expected defaults, groups and/or hosts)")
    top = v.mapping(root, "", ("version", "defaults", "groups", "hosts", "expect"))
    if "version" in top:
        ver = v.integer(top["version"], "version")
        if ver is not None and ver != 1:
            v.err(top["version"], "version", f"this raidwatch reads fleet.yaml version 1, got {ver}")
    defaults = v.layer(top["defaults"], "defaults") if "defaults" in top else {}
    groups = []
    for name, gnode in (v.mapping(top["groups"], "groups", None) if "groups" in top else {}).items():
        g = v.group(name, gnode, f"groups.{name}")
        if g is not None:
            groups.append(g)
    hosts = {}
    host_nodes = v.mapping(top["hosts"], "hosts", None) if "hosts" in top else {}
    for name, hnode in host_nodes.items():
        hosts[name] = v.layer(hnode, f"hosts.{name}")
    expect: list[str] = []
    for node in v.seq(top["expect"], "expect") if "expect" in top else []:
        name = v.string(node, "expect")
        if name is None:
            continue
        if re.search(r"[*?]", name) or (re.search(r"\[[^\]]*\]", name) and not _RANGE_RE.search(name)):
            v.err(
                node,
                "expect",
                f"{name!r} is a pattern: expect lists exact host names (patterns go in groups)",
            )
            continue
        try:
            from raidwatch.expect import expand

            expect.extend(expand(name))
        except ConfigError as exc:
            v.err(node, "expect", str(exc))
    policy = FleetPolicy(
        path=path, defaults=defaults, groups=tuple(groups), hosts=hosts, expect=tuple(dict.fromkeys(expect))
    )
    # hosts that two groups claim with nothing to settle it: checked for every host named anywhere
    named = set(hosts) | {h for g in groups for h in g.hosts if not any(c in h for c in "*?[")}
    for h in sorted(named):
        try:
            policy.groups_for(h)
        except ConfigError as exc:
            node = host_nodes.get(h)
            v.err(node, f"hosts.{h}" if node is not None else "groups", str(exc).split(": ", 1)[1])
    if not v.errors:
        try:
            _resolve("", [("defaults", defaults)])
        except ConfigError as exc:
            v.err(top.get("defaults"), "defaults", str(exc))
        for h in sorted(hosts):
            try:
                policy.for_host(h)
            except ConfigError as exc:
                v.err(host_nodes[h], f"hosts.{h}", str(exc))
    if v.errors:
        raise ConfigError("\n".join(v.errors))
    return policy
