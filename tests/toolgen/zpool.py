"""Render `zpool status [-P]` text from a pool we describe, in OpenZFS 2.x's layout.

Follows zpool_main.c's status_callback/print_status_config: the `pool:`/`state:`/`status:`/`action:`/
`see:`/`scan:` header (status and action texts as OpenZFS prints them for each pool condition, with its
`\\n\\t` line breaks), the config tree `"\\t%*s%-*s  %-8s %5s %5s %5s"` with the name column as wide as the
widest indented name (at least 10), the leaf's note after two spaces, the `logs`/`cache`/`spares` sections
(spares carry no counters), and `errors:`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# zpool_main.c: the status/action/see texts for the conditions our pools show
STATUS = {
    "label-missing": (
        "One or more devices could not be used because the label is missing or\n\tinvalid.  "
        "Sufficient replicas exist for the pool to continue\n\tfunctioning in a degraded state.",
        "Replace the device using 'zpool replace'.",
        "https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-4J",
    ),
    "device-missing": (
        "One or more devices could not be opened.  Sufficient replicas exist for\n\tthe pool to "
        "continue functioning in a degraded state.",
        "Attach the missing device and online it using 'zpool online'.",
        "https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-2Q",
    ),
    "faulted": (
        "One or more devices are faulted in response to persistent errors.\n\tSufficient replicas "
        "exist for the pool to continue functioning in a\n\tdegraded state.",
        "Replace the faulted device, or use 'zpool clear' to mark the device\n\trepaired.",
        "https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-K4",
    ),
    "resilvering": (
        "One or more devices is currently being resilvered.  The pool will\n\tcontinue to function, "
        "possibly in a degraded state.",
        "Wait for the resilver to complete.",
        None,
    ),
}


@dataclass
class Vdev:
    """A row of the config tree: the pool's root, a mirror/raidz vdev, or a leaf device."""

    name: str
    state: str = "ONLINE"
    counters: tuple[int, int, int] = (0, 0, 0)
    children: list[Vdev] = field(default_factory=list)
    note: str | None = None  # "corrupted data", "(resilvering)", "was /dev/sdc1"


@dataclass
class Pool:
    name: str
    state: str
    vdevs: list[Vdev]
    condition: str | None = None  # a STATUS key, or None for a healthy pool
    scan: str | None = "scrub repaired 0B in 05:12:09 with 0 errors on Sun Nov  8 05:36:09 2026"
    logs: list[Vdev] = field(default_factory=list)
    cache: list[Vdev] = field(default_factory=list)
    spares: list[Vdev] = field(default_factory=list)
    errors: str = "No known data errors"


def _rows(v: Vdev, depth: int) -> list[tuple[int, Vdev]]:
    out = [(depth, v)]
    for c in v.children:
        out.extend(_rows(c, depth + 2))
    return out


def render_status(pools: list[Pool]) -> str:
    """`zpool status` for these pools (the caller chooses -P by naming leaves with full paths)."""
    out = []
    for p in pools:
        head = [f"  pool: {p.name}", f" state: {p.state}"]
        if p.condition:
            status, action, see = STATUS[p.condition]
            head.append(f"status: {status}")
            head.append(f"action: {action}")
            if see:
                head.append(f"   see: {see}")
        if p.scan:
            head.append(f"  scan: {p.scan}")
        head.append("config:")
        head.append("")
        root = Vdev(p.name, p.state, children=p.vdevs)
        rows = _rows(root, 0)
        extra = [
            (h, [r for v in vs for r in _rows(v, 2)]) for h, vs in (("logs", p.logs), ("cache", p.cache))
        ]
        spares = [(2, v) for v in p.spares]
        every = rows + [r for _, rs in extra for r in rs] + spares
        width = max([10] + [d + len(v.name) for d, v in every])
        lines = [f"\t{'NAME':<{width}}  {'STATE':<8} {'READ':>5} {'WRITE':>5} {'CKSUM':>5}"]
        for depth, v in rows:
            lines.append(_row(depth, v, width))
        for header, rs in extra:
            if rs:
                lines.append(f"\t{header}")
                lines.extend(_row(d, v, width) for d, v in rs)
        if spares:
            lines.append("\tspares")
            lines.extend(f"\t{'':{d}}{v.name:<{width - d}}  {v.state:<8}" for d, v in spares)
        out.append("\n".join([*head, *lines, "", f"errors: {p.errors}"]))
    return "\n\n".join(out) + "\n"


def _row(depth: int, v: Vdev, width: int) -> str:
    row = f"\t{'':{depth}}{v.name:<{width - depth}}  {v.state:<8}" + "".join(f" {c:>5}" for c in v.counters)
    return row + (f"  {v.note}" if v.note else "")
