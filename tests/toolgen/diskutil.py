"""Render `diskutil appleRAID list` text from AppleRAID sets we describe, in three macOS layouts.

- "10.5": Leopard: a "RAID SETS" heading, the size as an exact byte count with a bare "B", an
  "Apple RAID Version" line, no "Rebuild" line.
- "10.6": Snow Leopard / Lion: "AppleRAID sets (N found)", "Size: 67.0 MB (67043328 Bytes)", "Rebuild:",
  members as `#   Device Node       UUID                                   Status`.
- "10.8": Mountain Lion and later: the same header, members as `#  DevNode   UUID  Status  Size`.
The set block is framed by `=` rules and the member table by `-` rules, as diskutil prints it; a member
that is missing has the device node `-none-`. With no set, diskutil says "No AppleRAID sets found".
"""

from __future__ import annotations

from dataclasses import dataclass, field

RULE = "=" * 79
DASH = "-" * 79


@dataclass
class Member:
    index: int
    node: str  # "disk1s2", or "-none-" for a missing member
    uuid: str
    status: str  # Online | Failed | Missing/Damaged | "15% (Rebuilding)" | Offline
    size: int = 0


@dataclass
class RaidSet:
    name: str
    uuid: str
    status: str  # Online | Degraded | Offline
    size: int
    device_node: str
    members: list[Member] = field(default_factory=list)
    type: str = "Mirror"
    rebuild: str = "manual"  # manual | automatic


def _size(n: int) -> str:
    """diskutil's human size: one decimal, powers of 1000."""
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def render_list(sets: list[RaidSet], layout: str = "10.6") -> str:
    if not sets:
        return "No AppleRAID sets found\n"
    out = ["RAID SETS", "---------"] if layout == "10.5" else [f"AppleRAID sets ({len(sets)} found)"]
    for s in sets:
        out.append(RULE)
        out.append(f"{'Name:':<22}{s.name}")
        out.append(f"{'Unique ID:':<22}{s.uuid}")
        out.append(f"{'Type:':<22}{s.type}")
        out.append(f"{'Status:':<22}{s.status}")
        if layout == "10.5":
            out.append(f"{'Size:':<22}{s.size} B")
        else:
            out.append(f"{'Size:':<22}{_size(s.size)} ({s.size} Bytes)")
            out.append(f"{'Rebuild:':<22}{s.rebuild}")
        out.append(f"{'Device Node:':<22}{s.device_node}")
        if layout == "10.5":
            out.append(f"{'Apple RAID Version:':<22}2")
        out.append(DASH)
        if layout == "10.8":
            out.append(f"{'#':<3}{'DevNode':<10}{'UUID':<38}{'Status':<11}Size")
        else:
            out.append(f"{'#':<4}{'Device Node':<18}{'UUID':<39}Status")
        out.append(DASH)
        for m in s.members:
            if layout == "10.8":
                out.append(f"{m.index:<3}{m.node:<10}{m.uuid:<38}{m.status:<11}{m.size}")
            else:
                out.append(f"{m.index:<4}{m.node:<18}{m.uuid:<39}{m.status}")
        out.append(RULE)
    return "\n".join(out) + "\n"
