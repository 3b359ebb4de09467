"""YAML read with bounds: file size, nesting depth and alias expansion capped; positions kept; never raises
anything but ConfigError.

Every YAML file raidwatch reads (the --config settings, fleet.yaml, web-config.yml, YAML inventories for
--expect) goes through here. The document is composed from the parser's event stream (libyaml's when
PyYAML has it) into small nodes that keep their line and column. An alias is a reference to the node of
its anchor, never a copy, and every node counts with its full expanded size, so a "billion laughs" alias
bomb is refused after composing a few hundred nodes, not after expanding it. Scalars are resolved and
built as YAML 1.1 safe_load builds them (int, float, bool, null, dates); a value that cannot be built (an
impossible date such as 2026-02-30, an integer of more than 4,300 digits) becomes an `Invalid` value that
the reader reports with its key and position.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from typing import Any

import yaml

from raidwatch.errors import ConfigError

MAX_BYTES = 16 * 1024 * 1024  # a YAML file larger than this is refused before it is parsed
MAX_DEPTH = 64  # collections nested deeper than this are refused
MAX_NODES = 5_000_000  # nodes in a document counted after alias expansion (a 100k-host fleet.yaml: ~1.3M)
MAX_NODES_SMALL = 100_000  # the same for the small files: settings, web config

_Loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
    _STR,
}


class Invalid:
    """A scalar YAML could not build: why, in words (reported with the key by whoever reads it)."""

    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        self.why = why

    def __repr__(self) -> str:
        return f"<invalid: {self.why}>"


class Node:
    """A composed YAML node: where it starts (1-based line and column)."""

    __slots__ = ("col", "line")
    kind = "node"

    def __init__(self, line: int, col: int) -> None:
        self.line = line
        self.col = col


class Scalar(Node):
    """A scalar: its text as written, its resolved tag and the value built from it (or an Invalid)."""

    __slots__ = ("tag", "text", "value")
    kind = "scalar"

    def __init__(self, line: int, col: int, tag: str, text: str, value: Any) -> None:
        super().__init__(line, col)
        self.tag = tag
        self.text = text
        self.value = value


class Seq(Node):
    __slots__ = ("items",)
    kind = "list"

    def __init__(self, line: int, col: int, items: list[Node]) -> None:
        super().__init__(line, col)
        self.items = items


class Map(Node):
    """A mapping: (key node, value node) pairs in file order. `streamed`: its pairs went to a callback."""

    __slots__ = ("pairs", "streamed")
    kind = "mapping"

    def __init__(self, line: int, col: int, pairs: list[tuple[Node, Node]], streamed: bool = False) -> None:
        super().__init__(line, col)
        self.pairs = pairs
        self.streamed = streamed


# A callback for the pairs of a mapping at a given key path, e.g. {("hosts",): fn}: fn(key, value) is
# called as each pair is composed and the pair is not kept (a 100k-host fleet.yaml never sits in memory as
# a node tree). Not used for a mapping that carries an anchor (an alias may refer to it later).
StreamHooks = dict[tuple[str, ...], Callable[[Node, Node], None]]


def read_text(path: str, max_bytes: int = MAX_BYTES) -> str:
    """A config file's text: a regular file, at most max_bytes, UTF-8. ConfigError otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise ConfigError(f"{path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ConfigError(f"{path}: is a directory, expected a file")
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{path}: not a regular file")
        if st.st_size > max_bytes:
            raise ConfigError(f"{path}: too large ({st.st_size} bytes; at most {max_bytes})")
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise ConfigError(f"{path}: too large (more than {max_bytes} bytes)")
            chunks.append(chunk)
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None


def _yaml_error(path: str, exc: yaml.YAMLError) -> ConfigError:
    """One line for a syntax error: file:line:col: invalid YAML: problem."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        why = " ".join(str(x) for x in (exc.context, exc.problem) if x) or "syntax error"
        return ConfigError(f"{where}: invalid YAML: {why}")
    if isinstance(exc, yaml.reader.ReaderError):
        return ConfigError(f"{path}: invalid YAML: {exc.reason} at character {exc.position}")
    return ConfigError(f"{path}: invalid YAML: {' '.join(str(exc).split())}")


class _Composer:
    def __init__(self, text: str, path: str, max_nodes: int, hooks: StreamHooks | None) -> None:
        self.path = path
        self.max_nodes = max_nodes
        self.hooks = hooks or {}
        self.hook_depth = max((len(k) for k in self.hooks), default=0)
        self.loader = _Loader(text)
        self._next = self.loader.get_event
        self._peek = self.loader.peek_event
        self.anchors: dict[str, tuple[Node, int]] = {}  # anchor -> (node, expanded size)
        self.count = 0
        self.scalars: dict[tuple[Any, ...], tuple[str, Any]] = {}  # short scalars already resolved and built

    def _where(self, mark: Any) -> str:
        return f"{self.path}:{mark.line + 1}:{mark.column + 1}"

    def _too_many(self, mark: Any) -> ConfigError:
        return ConfigError(
            f"{self._where(mark)}: more than {self.max_nodes} YAML nodes once aliases are expanded "
            "(an alias bomb?); refused"
        )

    def document(self) -> Node | None:
        ev = self._next()
        if isinstance(ev, yaml.StreamStartEvent):
            ev = self._next()
        if isinstance(ev, yaml.StreamEndEvent):
            return None
        if not isinstance(ev, yaml.DocumentStartEvent):
            raise ConfigError(f"{self._where(ev.start_mark)}: invalid YAML: expected a document")
        root = self.node(0, ())
        self._next()  # DocumentEnd
        ev = self._next()
        if not isinstance(ev, yaml.StreamEndEvent):
            raise ConfigError(
                f"{self._where(ev.start_mark)}: invalid YAML: expected a single document, found another"
            )
        return root

    def node(self, depth: int, path: tuple[str, ...] | None) -> Node:
        ev = self._next()
        cls = type(ev)
        mark = ev.start_mark
        if cls is _AliasEvent:
            if ev.anchor not in self.anchors:
                raise ConfigError(
                    f"{self._where(mark)}: invalid YAML: alias *{ev.anchor} names no anchor defined "
                    "before it (or refers to the node that contains it)"
                )
            target, size = self.anchors[ev.anchor]
            self.count += size
            if self.count > self.max_nodes:
                raise self._too_many(mark)
            return target
        if depth > MAX_DEPTH:
            raise ConfigError(f"{self._where(mark)}: nested more than {MAX_DEPTH} levels deep; refused")
        before = self.count
        self.count += 1
        if self.count > self.max_nodes:
            raise self._too_many(mark)
        anchor = ev.anchor
        node: Node
        if cls is _ScalarEvent:
            text = ev.value
            if len(text) <= 32:
                key = (ev.tag, ev.implicit, text)
                hit = self.scalars.get(key)
                if hit is None:
                    hit = _resolve_scalar(ev.tag, ev.implicit, text, mark)
                    if len(self.scalars) < 4096:  # keys, role names, kinds: few and repeated
                        self.scalars[key] = hit
            else:
                hit = _resolve_scalar(ev.tag, ev.implicit, text, mark)
            node = Scalar(mark.line + 1, mark.column + 1, hit[0], text, hit[1])
        elif cls is _SequenceStartEvent:
            if ev.tag not in (None, "!", _SEQ):
                raise ConfigError(f"{self._where(mark)}: unsupported YAML tag {ev.tag}")
            items = []
            peek = self._peek
            while type(peek()) is not _SequenceEndEvent:
                items.append(self.node(depth + 1, None))
            self._next()
            node = Seq(mark.line + 1, mark.column + 1, items)
        elif cls is _MappingStartEvent:
            if ev.tag not in (None, "!", _MAP):
                raise ConfigError(f"{self._where(mark)}: unsupported YAML tag {ev.tag}")
            hook = self.hooks.get(path) if path is not None and anchor is None else None
            track = path is not None and len(path) < self.hook_depth
            pairs: list[tuple[Node, Node]] = []
            peek = self._peek
            while type(peek()) is not _MappingEndEvent:
                key_node = self.node(depth + 1, None)
                sub = (*path, key_node.text) if track and isinstance(key_node, Scalar) else None  # type: ignore[misc]
                value = self.node(depth + 1, sub)
                if hook is not None:
                    hook(key_node, value)
                else:
                    pairs.append((key_node, value))
            self._next()
            node = Map(mark.line + 1, mark.column + 1, pairs, streamed=hook is not None)
        else:
            raise ConfigError(f"{self._where(mark)}: invalid YAML: unexpected {cls.__name__}")
        if anchor is not None:
            self.anchors[anchor] = (node, self.count - before)
        return node


_AliasEvent = yaml.AliasEvent
_ScalarEvent = yaml.ScalarEvent
_SequenceStartEvent = yaml.SequenceStartEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_MappingStartEvent = yaml.MappingStartEvent
_MappingEndEvent = yaml.MappingEndEvent


def _resolve_scalar(tag: str | None, implicit: Any, text: str, mark: Any) -> tuple[str, Any]:
    """(tag, value) for a scalar as safe_load resolves and builds it; an Invalid value when it cannot."""
    if tag in (None, "!"):
        tag = _STR if tag == "!" else _RESOLVER.resolve(yaml.ScalarNode, text, implicit)
    if tag in (_STR, _MERGE):
        return tag, text
    if tag not in _SCALAR_TAGS:
        return tag, Invalid(f"unsupported YAML tag {tag}")
    try:
        return tag, _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text, mark, mark))
    except (ValueError, OverflowError, ArithmeticError, yaml.YAMLError) as exc:
        what = {"tag:yaml.org,2002:timestamp": "date", "tag:yaml.org,2002:int": "integer"}.get(tag, "value")
        why = str(exc).split("\n")[0].split(";")[0] if not isinstance(exc, yaml.YAMLError) else "unreadable"
        return tag, Invalid(f"invalid {what} {_short(text)}: {why}")


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def compose(
    text: str, path: str, max_nodes: int = MAX_NODES, hooks: StreamHooks | None = None
) -> Node | None:
    """The document's root node (None when empty). ConfigError, one line, for anything wrong."""
    c = _Composer(text, path, max_nodes, hooks)
    try:
        return c.document()
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply; refused") from None
    finally:
        c.loader.dispose()


def compose_file(
    path: str, max_nodes: int = MAX_NODES, hooks: StreamHooks | None = None, max_bytes: int = MAX_BYTES
) -> Node | None:
    return compose(read_text(path, max_bytes), path, max_nodes, hooks)


class YamlDict(dict):
    """A mapping read from YAML that remembers where each key's value starts: `where(key)`."""

    path: str = ""
    line: int = 0
    col: int = 0
    positions: dict[Any, tuple[int, int]]

    def where(self, key: Any = None) -> str:
        """'file:line:col' of the value under `key` (of the mapping itself when None or unknown)."""
        line, col = (
            self.positions.get(key, (self.line, self.col)) if key is not None else (self.line, self.col)
        )
        return f"{self.path}:{line}:{col}"


def to_python(node: Node | None, path: str, key: str = "") -> Any:
    """Plain values (YamlDict, list, scalars) from composed nodes; an alias is the same Python object as
    its anchor (never a copy). ConfigError file:line:col: key: why for an Invalid scalar, a non-scalar or
    duplicate key; YAML merge keys (<<) are applied as safe_load applies them."""
    memo: dict[int, Any] = {}

    def err(n: Node, k: str, why: str) -> ConfigError:
        return ConfigError(f"{path}:{n.line}:{n.col}: {k + ': ' if k else ''}{why}")

    def build(n: Node, k: str) -> Any:
        if isinstance(n, Scalar):
            if isinstance(n.value, Invalid):
                raise err(n, k, n.value.why)
            return n.value
        if id(n) in memo:
            return memo[id(n)]
        if isinstance(n, Seq):
            out_list: list[Any] = []
            memo[id(n)] = out_list
            out_list.extend(build(item, f"{k}[{i}]") for i, item in enumerate(n.items))
            return out_list
        assert isinstance(n, Map)
        out = YamlDict()
        out.path, out.line, out.col, out.positions = path, n.line, n.col, {}
        memo[id(n)] = out
        merged: list[YamlDict] = []
        for kn, vn in n.pairs:
            if isinstance(kn, Scalar) and kn.tag == _MERGE:
                sources = vn.items if isinstance(vn, Seq) else [vn]
                for s in sources:
                    m = build(s, k)
                    if not isinstance(m, dict):
                        raise err(s, k, "a merge key (<<) takes a mapping or a list of mappings")
                    merged.append(m)
                continue
            if not isinstance(kn, Scalar) or isinstance(kn.value, Invalid):
                raise err(kn, k, "keys must be plain names")
            name = kn.value
            sub = f"{k}.{name}" if k else str(name)
            if name in out:
                raise err(kn, sub, "duplicate key")
            out[name] = build(vn, sub)
            out.positions[name] = (vn.line, vn.col)
        for m in merged:
            for mk, mv in m.items():
                if mk not in out:
                    out[mk] = mv
                    out.positions[mk] = (
                        m.positions.get(mk, (m.line, m.col))
                        if isinstance(m, YamlDict)
                        else (
                            n.line,
                            n.col,
                        )
                    )
        return out

    return None if node is None else build(node, key)


def load_mapping(path: str, what: str, max_nodes: int = MAX_NODES_SMALL) -> YamlDict:
    """A YAML file whose top level is a mapping, as a YamlDict (empty file: empty). ConfigError otherwise."""
    root = compose_file(path, max_nodes)
    if root is None:
        doc = YamlDict()
        doc.path, doc.line, doc.col, doc.positions = path, 1, 1, {}
        return doc
    if not isinstance(root, Map):
        if isinstance(root, Scalar) and root.value is None:
            doc = YamlDict()
            doc.path, doc.line, doc.col, doc.positions = path, 1, 1, {}
            return doc
        raise ConfigError(
            f"{path}:{root.line}:{root.col}: expected a mapping of {what}, got {describe(root)}"
        )
    return to_python(root, path)


def describe(node: Node | Any) -> str:
    """A short phrase for what a node or value is, for messages; never the repr of a whole structure."""
    if isinstance(node, (Map, dict)):
        return "a mapping"
    if isinstance(node, (Seq, list, tuple)):
        return "a list"
    if isinstance(node, Scalar):
        node = node.value
    if isinstance(node, Invalid):
        return node.why
    if node is None:
        return "nothing"
    if isinstance(node, str):
        return _short(node)
    if isinstance(node, bool):
        return "true" if node else "false"
    text = repr(node)
    return text if len(text) <= 60 else text[:60] + "…"


__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_NODES_SMALL",
    "Invalid",
    "Map",
    "Node",
    "Scalar",
    "Seq",
    "YamlDict",
    "compose",
    "compose_file",
    "describe",
    "load_mapping",
    "read_text",
    "to_python",
]
