"""Fleet policy: fleet.yaml schema and validation (file:line:col errors), per-host resolution."""

from __future__ import annotations

import fnmatch
import marshal
import math
import re
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from raidwatch.errors import ConfigError
from raidwatch.safeyaml import MAX_BYTES, Invalid, Map, Node, Scalar, Seq, compose, describe, read_text

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
_DURATION_RE = re.compile(r"^\s*(\d{1,15}(?:\.\d{1,9})?)\s*(s|m|h|d|w)?\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
MAX_GRACE = 365 * 86400.0  # rebuild_grace: at most a year
MAX_THRESHOLD = 1e15  # a SMART threshold: finite, 0 .. 1e15
MAX_MIN_COPIES = 64
MAX_PRIORITY = 1_000_000
MAX_ERRORS = 100  # a file with more problems lists the first 100 and says how many more
MAX_EXPECT = 200_000  # hosts the expect: list may name once ranges are expanded
HOST_NAME_MAX = 253  # a DNS name's length: longer names never match a glob or a match: expression
MAX_REGEX = 1000  # characters in a match: expression
MAX_PATTERN = 1000  # characters in a glob (group hosts:, exemption subject:) or an expect: entry


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
    _exact: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    _globs: tuple[re.Pattern[str], ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # exact names in a set (a group of 100,000 names matches in O(1)), globs compiled once
        object.__setattr__(self, "_exact", frozenset(h for h in self.hosts if not _is_glob(h)))
        globs = tuple(re.compile(fnmatch.translate(h)) for h in self.hosts if _is_glob(h))
        object.__setattr__(self, "_globs", globs)

    def matches(self, host: str) -> bool:
        if host in self._exact:
            return True
        if len(host) > HOST_NAME_MAX:
            return False  # no host name is this long: patterns never run over unbounded input
        if any(g.match(host) for g in self._globs):
            return True
        return bool(self.match and self.match.search(host))


def _is_glob(name: str) -> bool:
    return any(c in name for c in "*?[")


@dataclass(frozen=True)
class FleetPolicy:
    """A validated fleet.yaml."""

    path: str
    defaults: dict[str, Any]
    groups: tuple[Group, ...]
    hosts: Mapping[str, dict[str, Any]]  # a dict, or HostLayers (compact) from load_policy
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


class HostLayers(Mapping[str, dict[str, Any]]):
    """The `hosts:` entries of a fleet.yaml: name -> validated layer, each kept as a small marshal blob (the
    layer rebuilt on access), identical entries sharing one blob. 100,000 entries cost ~25 MB, not ~150."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._shared: dict[bytes, bytes] = {}

    def add(self, name: str, layer: dict[str, Any]) -> None:
        blob = _encode_layer(layer)
        self._blobs[name] = self._shared.setdefault(blob, blob)

    def done(self) -> None:
        self._shared = {}  # only needed while adding

    def blob(self, name: str) -> bytes:
        return self._blobs[name]

    def __getitem__(self, name: str) -> dict[str, Any]:
        return _decode_layer(name, self._blobs[name])

    def __contains__(self, name: object) -> bool:
        return name in self._blobs

    def __iter__(self) -> Iterator[str]:
        return iter(self._blobs)

    def __len__(self) -> int:
        return len(self._blobs)


def _encode_layer(layer: dict[str, Any]) -> bytes:
    smart = layer.get("smart")
    ex = layer.get("exemptions")
    return marshal.dumps(
        (
            layer.get("roles"),
            {m: (t.warning, t.critical) for m, t in smart.items()} if smart is not None else None,
            layer.get("rebuild_grace"),
            [(e.code, e.subject, e.reason, e.expires.toordinal()) for e in ex] if ex is not None else None,
        ),
        2,
    )


def _decode_layer(name: str, blob: bytes) -> dict[str, Any]:
    roles, smart, grace, ex = marshal.loads(blob)
    out: dict[str, Any] = {}
    if roles is not None:
        out["roles"] = roles
    if smart is not None:
        out["smart"] = {m: Threshold(w, c) for m, (w, c) in smart.items()}
    if grace is not None:
        out["rebuild_grace"] = grace
    if ex is not None:
        out["exemptions"] = [
            Exemption(code, subject, reason, date.fromordinal(day), key=f"hosts.{name}.exemptions[{i}]")
            for i, (code, subject, reason, day) in enumerate(ex)
        ]
    return out


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
    """Walks the composed YAML nodes (which keep line/column) and builds plain values, or errors."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[str] = []
        self.dropped = 0  # errors past MAX_ERRORS, counted only

    def err(self, node: Node | None, key: str, why: str) -> None:
        self.err_at((node.line, node.col) if node is not None else None, key, why)

    def err_at(self, pos: tuple[int, int] | None, key: str, why: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.dropped += 1
            return
        where = self.path + (f":{pos[0]}:{pos[1]}" if pos is not None else "")
        key = key if len(key) <= 200 else key[:200] + "…"
        self.errors.append(f"{where}: {key}: {why}" if key else f"{where}: {why}")

    def mapping(self, node: Node, key: str, allowed: tuple[str, ...] | None) -> dict[str, Node]:
        if not isinstance(node, Map):
            self.err(node, key, f"expected a mapping, got {_kind(node)}")
            return {}
        out: dict[str, Node] = {}
        for knode, vnode in node.pairs:
            if not isinstance(knode, Scalar):
                self.err(knode, key, "keys must be plain names")
                continue
            k = knode.text
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

    def scalar(self, node: Node, key: str) -> Any:
        if not isinstance(node, Scalar):
            self.err(node, key, f"expected a single value, got {_kind(node)}")
            return None
        if isinstance(node.value, Invalid):
            self.err(node, key, node.value.why)
            return None
        return node.value

    def string(self, node: Node, key: str) -> str | None:
        v = self.scalar(node, key)
        if v is None and isinstance(node, Scalar) and not isinstance(node.value, Invalid):
            self.err(node, key, "expected text, got nothing")
            return None
        if v is not None and not isinstance(v, str):
            return node.text  # a host named 01 or a label like 2024 is still text, as written
        return v

    def choice(self, node: Node, key: str, options: tuple[str, ...]) -> str | None:
        v = self.scalar(node, key)
        if v is None:
            return None
        if not isinstance(v, str) or v not in options:
            self.err(node, key, f"expected one of {', '.join(options)} — got {describe(v)}")
            return None
        return v

    def integer(
        self, node: Node, key: str, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        v = self.scalar(node, key)
        if isinstance(v, bool) or not isinstance(v, int):
            if v is not None:
                self.err(node, key, f"expected a whole number, got {describe(v)}")
            return None
        if minimum is not None and v < minimum:
            self.err(node, key, f"expected at least {minimum}, got {v}")
            return None
        if maximum is not None and v > maximum:
            self.err(node, key, f"expected at most {maximum}, got {describe(v)}")
            return None
        return v

    def number(
        self, node: Node, key: str, minimum: float = 0.0, maximum: float = MAX_THRESHOLD
    ) -> float | None:
        v = self.scalar(node, key)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            if v is not None:
                self.err(node, key, f"expected a number, got {describe(v)}")
            return None
        f = float(v) if not isinstance(v, int) or abs(v) <= 2**53 else math.inf
        if not math.isfinite(f) or not minimum <= f <= maximum:
            self.err(node, key, f"expected a number from {minimum:g} to {maximum:g}, got {describe(v)}")
            return None
        return f

    def boolean(self, node: Node, key: str) -> bool | None:
        v = self.scalar(node, key)
        if not isinstance(v, bool):
            if v is not None:
                self.err(node, key, f"expected true or false, got {describe(v)}")
            return None
        return v

    def seq(self, node: Node, key: str) -> list[Node]:
        if isinstance(node, Scalar) and node.tag.endswith(":str"):
            return [node]  # a single value where a list is expected: accept it as a one-item list
        if not isinstance(node, Seq):
            self.err(node, key, f"expected a list, got {_kind(node)}")
            return []
        return node.items

    def duration(self, node: Node, key: str, maximum: float = MAX_GRACE) -> float | None:
        v = self.scalar(node, key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            seconds = float(v) if abs(v) <= 2**53 else math.inf
        else:
            m = _DURATION_RE.match(v) if isinstance(v, str) else None
            if not m:
                if v is not None:
                    self.err(node, key, f"expected a duration like 90m, 24h or 2d, got {describe(v)}")
                return None
            seconds = float(m.group(1)) * _UNIT[m.group(2)]
        if not math.isfinite(seconds) or not 0 <= seconds <= maximum:
            self.err(
                node,
                key,
                f"expected a duration from 0 to {_human(maximum)} (like 90m, 24h or 2d), got {describe(v)}",
            )
            return None
        return seconds

    # --- sections

    def layer(self, node: Node, key: str, allowed: tuple[str, ...] = LAYER_KEYS) -> dict[str, Any]:
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

    def role(self, node: Node, key: str) -> dict[str, Any]:
        m = self.mapping(node, key, ROLE_KEYS)
        out: dict[str, Any] = {}
        if "covers" in m:
            covers = []
            for c in self.seq(m["covers"], f"{key}.covers"):
                s = self.string(c, f"{key}.covers")
                if s is None:
                    continue
                if not (s.startswith("/") or s.startswith("label:")):
                    self.err(
                        c, f"{key}.covers", f"expected a mount point (/...) or label:NAME, got {describe(s)}"
                    )
                    continue
                covers.append(s)
            out["covers"] = covers
        if "require" in m:
            v = self.choice(m["require"], f"{key}.require", REQUIRE)
            if v:
                out["require"] = v
        if "min_copies" in m:
            v = self.integer(m["min_copies"], f"{key}.min_copies", minimum=1, maximum=MAX_MIN_COPIES)
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

    def threshold(self, node: Node, key: str) -> Threshold | None:
        if isinstance(node, Scalar):
            v = self.number(node, key)
            return Threshold(warning=v) if v is not None else None
        m = self.mapping(node, key, ("warning", "critical"))
        w = self.number(m["warning"], f"{key}.warning") if "warning" in m else None
        c = self.number(m["critical"], f"{key}.critical") if "critical" in m else None
        if w is not None and c is not None and c < w:
            self.err(node, key, f"critical ({c:g}) is below warning ({w:g})")
        return Threshold(w, c)

    def exemption(self, node: Node, key: str) -> Exemption | None:
        from raidwatch.findings import CODES

        m = self.mapping(node, key, EXEMPTION_KEYS)
        ok = True
        for req in ("code", "reason", "expires"):
            if req not in m and isinstance(node, Map):
                self.err(
                    node, key, f"missing '{req}' (an exemption needs a code, a reason and an expiry date)"
                )
                ok = False
        code = self.string(m["code"], f"{key}.code") if "code" in m else None
        if code is not None and code not in CODES:
            self.err(
                m["code"],
                f"{key}.code",
                f"unknown finding code {describe(code)}" + _closest(code, tuple(CODES)),
            )
            ok = False
        reason = self.string(m["reason"], f"{key}.reason") if "reason" in m else None
        if "reason" in m and not (reason or "").strip():
            if reason is not None:
                self.err(m["reason"], f"{key}.reason", "a reason must say why")
            ok = False
        expires = None
        if "expires" in m:
            node_e = m["expires"]
            v = self.scalar(node_e, f"{key}.expires")
            if isinstance(v, datetime):
                expires = v.date()  # a date and time: its day (in the time zone it was written in)
            elif isinstance(v, date):
                expires = v
            elif v is not None or not (isinstance(node_e, Scalar) and isinstance(node_e.value, Invalid)):
                self.err(node_e, f"{key}.expires", f"expected a date like 2026-12-31, got {describe(v)}")
            if expires is None:
                ok = False
        subject = "*"
        if "subject" in m:
            subject = self.string(m["subject"], f"{key}.subject") or "*"
            problem = _bad_glob(subject)
            if problem:
                self.err(m["subject"], f"{key}.subject", f"bad glob {describe(subject)}: {problem}")
                ok = False
        if not ok or code is None or expires is None or reason is None:
            return None
        return Exemption(code=code, subject=subject, reason=reason, expires=expires, key=key)

    def group(self, name: str, node: Node, key: str) -> Group | None:
        m = self.mapping(node, key, GROUP_KEYS)
        hosts: list[str] = []
        if "hosts" in m:
            for h in self.seq(m["hosts"], f"{key}.hosts"):
                s = self.string(h, f"{key}.hosts")
                if s is None:
                    continue
                problem = _bad_glob(s)
                if problem:
                    self.err(h, f"{key}.hosts", f"bad glob {describe(s)}: {problem}")
                    continue
                hosts.append(s)
        pattern = None
        if "match" in m:
            s = self.string(m["match"], f"{key}.match")
            if s is not None:
                try:
                    pattern = safe_regex(s)
                except ValueError as exc:
                    self.err(m["match"], f"{key}.match", f"{describe(s)}: {exc}")
                except (re.error, OverflowError, RecursionError) as exc:
                    self.err(m["match"], f"{key}.match", f"bad regular expression {describe(s)}: {exc}")
        if "hosts" not in m and "match" not in m and isinstance(node, Map):
            self.err(node, key, "a group needs 'hosts' (names or globs) or 'match' (a regular expression)")
        priority = None
        if "priority" in m:
            priority = self.integer(m["priority"], f"{key}.priority", -MAX_PRIORITY, MAX_PRIORITY)
        pairs = node.pairs if isinstance(node, Map) else []
        layer_node = Map(
            node.line,
            node.col,
            [(k, v) for k, v in pairs if isinstance(k, Scalar) and k.text in LAYER_KEYS],
        )
        layer = self.layer(layer_node, key)
        return Group(name=name, hosts=tuple(hosts), match=pattern, priority=priority, layer=layer)


def _kind(node: Node) -> str:
    if isinstance(node, Map):
        return "a mapping"
    if isinstance(node, Seq):
        return "a list"
    return repr(node.text) if isinstance(node, Scalar) and node.text else "nothing"


def _human(seconds: float) -> str:
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def _closest(word: str, options: tuple[str, ...]) -> str:
    import difflib

    if len(word) > 100:
        return ""
    near = difflib.get_close_matches(word, options, n=1)
    return f" — did you mean {near[0]!r}?" if near else ""


def _bad_glob(pattern: str) -> str | None:
    if len(pattern) > MAX_PATTERN:
        return f"longer than {MAX_PATTERN} characters"
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


# ------------------------------------------------------------------------------- regex safety


def safe_regex(pattern: str) -> re.Pattern[str]:
    r"""Compile a group's `match:` expression, refusing what can backtrack catastrophically on a host name.

    Refused (ValueError, with why): a quantified group that contains a variable-length quantifier
    ((a+)+, (\d{1,3}\.)*: exponential), alternation inside a quantified group ((a|ab)+), back-references,
    and three or more variable-length quantifiers in a row over overlapping characters (\d*\d*\d*,
    .*-.*-.*: polynomial of degree 3 and more). With these rules and host names capped at 253 characters
    (longer names never match), the worst accepted expression takes milliseconds per name.
    """
    if len(pattern) > MAX_REGEX:
        raise ValueError(f"a match: expression is at most {MAX_REGEX} characters")
    compiled = re.compile(pattern)
    try:
        import re._parser as sre_parse  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - before Python 3.11
        import sre_parse  # type: ignore[no-redef]
    _check_regex(sre_parse.parse(pattern), sre_parse, repeated=False)
    return compiled


_ASCII = frozenset(range(128))


def _check_regex(items: Any, sp: Any, repeated: bool) -> None:
    c = sp  # the constants live on the parser module (re._constants re-exported)
    repeats = (c.MAX_REPEAT, c.MIN_REPEAT)
    chain = 0  # variable-length items in a row whose characters overlap
    chain_chars: frozenset[int] = frozenset()
    for op, av in items:
        if op in repeats:
            lo, hi, sub = av
            variable = hi != lo
            if repeated and variable:
                raise ValueError(
                    "a quantified group contains a variable-length quantifier (like (a+)+): it can backtrack "
                    "catastrophically; write it without nesting (e.g. [a-z0-9-]+)"
                )
            _check_regex(sub, sp, repeated or hi > 1)
        elif op is c.SUBPATTERN:
            _check_regex(av[-1], sp, repeated)
        elif op is c.BRANCH:
            if repeated:
                raise ValueError(
                    "alternation inside a quantified group (like (a|ab)+) can backtrack catastrophically; "
                    "use a character class or list the alternatives outside the quantifier"
                )
            for branch in av[1]:
                _check_regex(branch, sp, repeated)
        elif op in (c.GROUPREF, c.GROUPREF_EXISTS):
            raise ValueError("back-references are not supported in match: expressions")
        elif op in (c.ASSERT, c.ASSERT_NOT):
            _check_regex(av[1], sp, repeated)
        elif op in (getattr(c, "ATOMIC_GROUP", None),):
            _check_regex(av, sp, repeated)
        elif op in (getattr(c, "POSSESSIVE_REPEAT", None),):
            _check_regex(av[2], sp, repeated)
        if op is c.AT:
            continue  # ^ $ \b: zero width, they neither break nor extend a run
        chars = _chars(op, av, sp)
        lo, hi = sp.SubPattern(sp.State(), [(op, av)]).getwidth()
        if hi != lo:
            if chain and chars & chain_chars:
                chain += 1
                chain_chars = chain_chars | chars
            else:
                chain, chain_chars = 1, chars
            if chain >= 3:
                raise ValueError(
                    "three or more variable-length quantifiers in a row over the same characters (like "
                    "\\d*\\d*\\d* or .*-.*-.*) can backtrack for seconds; anchor or narrow them"
                )
        elif chain and not (chars & chain_chars):
            chain, chain_chars = 0, frozenset()


def _chars(op: Any, av: Any, sp: Any) -> frozenset[int]:
    """The ASCII characters an item may match anywhere (a superset; both cases of letters, so (?i) is
    covered)."""
    c = sp
    if op is c.LITERAL:
        return _cased({av})
    if op is c.NOT_LITERAL:
        return _ASCII - {av}
    if op is c.IN:
        out: set[int] = set()
        negate = False
        for iop, iav in av:
            if iop is c.NEGATE:
                negate = True
            elif iop is c.LITERAL:
                out.add(iav)
            elif iop is c.RANGE:
                out.update(range(iav[0], min(iav[1], 127) + 1))
            elif iop is c.CATEGORY and iav in _CATEGORIES:
                out.update(_CATEGORIES[iav])
            else:
                return _ASCII
        return _ASCII - _cased(out) if negate else _cased(out)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        return _union(av[2], sp)
    if op is c.SUBPATTERN:
        return _union(av[-1], sp)
    if op is c.BRANCH:
        return frozenset().union(*(_union(b, sp) for b in av[1]))
    return _ASCII


def _cased(chars: set[int] | frozenset[int]) -> frozenset[int]:
    return frozenset(x for ch in chars if ch < 128 for x in {ch, ord(chr(ch).swapcase())})


def _categories() -> dict[Any, frozenset[int]]:
    try:
        import re._constants as k  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover
        import sre_constants as k  # type: ignore[no-redef]
    classes = {
        "CATEGORY_DIGIT": r"\d",
        "CATEGORY_NOT_DIGIT": r"\D",
        "CATEGORY_SPACE": r"\s",
        "CATEGORY_NOT_SPACE": r"\S",
        "CATEGORY_WORD": r"\w",
        "CATEGORY_NOT_WORD": r"\W",
    }
    return {
        getattr(k, name): frozenset(i for i in range(128) if re.fullmatch(cls, chr(i)))
        for name, cls in classes.items()
    }


_CATEGORIES = _categories()


def _union(items: Any, sp: Any) -> frozenset[int]:
    return frozenset().union(*(_chars(op, av, sp) for op, av in items)) if len(items) else frozenset()


# ------------------------------------------------------------------------------------- loading


def load_policy(path: str | Path, text: str | None = None) -> FleetPolicy:
    """Read and validate a fleet.yaml. Raises ConfigError with every problem, one per line (and nothing but
    ConfigError). Large files are read in one pass: each `hosts:` entry is validated as it is read and its
    YAML nodes dropped; identical host entries share one validated layer."""
    path = str(path)
    if text is None:
        text = read_text(path)
    elif len(text) > MAX_BYTES:
        raise ConfigError(f"{path}: too large (more than {MAX_BYTES} bytes)")
    v = _Validator(path)
    hosts = HostLayers()
    host_lines = array("L")  # where each hosts: entry starts, in the order of `hosts` (for messages)
    host_cols = array("L")

    def host_entry(knode: Node, vnode: Node) -> None:
        if not isinstance(knode, Scalar):
            v.err(knode, "hosts", "keys must be plain names")
            return
        name = knode.text
        if name in hosts:
            v.err(knode, f"hosts.{name}", "duplicate key")
            return
        hosts.add(name, v.layer(vnode, f"hosts.{name}"))
        host_lines.append(vnode.line)
        host_cols.append(vnode.col)

    def host_pos(name: str) -> tuple[int, int] | None:
        if name not in hosts:
            return None
        i = list(hosts).index(name)  # only for a message (at most MAX_ERRORS of them)
        return host_lines[i], host_cols[i]

    root = compose(text, path, hooks={("hosts",): host_entry})
    if root is None or (isinstance(root, Scalar) and root.value is None):
        raise ConfigError(f"{path}: empty policy file (expected defaults, groups and/or hosts)")
    top = v.mapping(root, "", ("version", "defaults", "groups", "hosts", "expect"))
    if "version" in top:
        ver = v.integer(top["version"], "version")
        if ver is not None and ver != 1:
            v.err(
                top["version"], "version", f"this raidwatch reads fleet.yaml version 1, got {describe(ver)}"
            )
    defaults = v.layer(top["defaults"], "defaults") if "defaults" in top else {}
    groups = []
    for name, gnode in (v.mapping(top["groups"], "groups", None) if "groups" in top else {}).items():
        g = v.group(name, gnode, f"groups.{name}")
        if g is not None:
            groups.append(g)
    hnode = top.get("hosts")
    if hnode is not None and not (isinstance(hnode, Map) and hnode.streamed):
        for knode, vnode in hnode.pairs if isinstance(hnode, Map) else ():
            host_entry(knode, vnode)  # hosts: given through an alias: validated the same way
        if not isinstance(hnode, Map):
            v.mapping(hnode, "hosts", None)  # the error: expected a mapping
    hosts.done()
    expect = _expect(v, top["expect"]) if "expect" in top else []
    policy = FleetPolicy(
        path=path, defaults=defaults, groups=tuple(groups), hosts=hosts, expect=tuple(dict.fromkeys(expect))
    )
    # every host named anywhere resolves: two groups that claim it with nothing to settle it, or a role
    # without covers in any of its layers, are errors now (not when the daemon meets that host)
    named = set(hosts)
    for g in groups:
        named.update(g._exact)
    resolved: set[tuple[int, int]] = set()
    for h in sorted(named):
        try:
            gs = policy.groups_for(h)
        except ConfigError as exc:
            v.err_at(host_pos(h), f"hosts.{h}" if h in hosts else "groups", str(exc).split(": ", 1)[1])
            continue
        if v.errors:
            continue
        key = (id(gs[0]) if gs else 0, id(hosts.blob(h)) if h in hosts else 0)
        if key in resolved:
            continue  # the same group and the same (shared) host entry resolve the same way
        resolved.add(key)
        try:
            policy.for_host(h)
        except ConfigError as exc:
            v.err_at(host_pos(h), f"hosts.{h}" if h in hosts else f"groups.{gs[0].name}", str(exc))
    if not v.errors:
        try:
            _resolve("", [("defaults", defaults)])
        except ConfigError as exc:
            v.err(top.get("defaults"), "defaults", str(exc))
        for g in groups:  # a group whose globs or expression match hosts without entries of their own
            if g.match is not None or g._globs:
                try:
                    _resolve("", [("defaults", defaults), (f"groups.{g.name}", g.layer)])
                except ConfigError as exc:
                    v.err(top["groups"], f"groups.{g.name}", str(exc))
    if v.errors:
        more = [f"{path}: … and {v.dropped} more problem(s)"] if v.dropped else []
        raise ConfigError("\n".join(v.errors + more))
    return policy


def _expect(v: _Validator, node: Node) -> list[str]:
    from raidwatch.expect import expand

    expect: list[str] = []
    for item in v.seq(node, "expect"):
        name = v.string(item, "expect")
        if name is None:
            continue
        if len(name) > MAX_PATTERN:
            v.err(item, "expect", f"{describe(name)} is longer than {MAX_PATTERN} characters")
            continue
        if re.search(r"[*?]", name) or (re.search(r"\[[^\]]*\]", name) and not _RANGE_RE.search(name)):
            v.err(
                item,
                "expect",
                f"{describe(name)} is a pattern: expect lists exact host names (patterns go in groups)",
            )
            continue
        if len(expect) >= MAX_EXPECT:
            v.err(item, "expect", f"more than {MAX_EXPECT} host names in all; refused")
            break
        try:
            expect.extend(expand(name, limit=MAX_EXPECT - len(expect)))
        except ConfigError as exc:
            v.err(item, "expect", str(exc))
    return expect
