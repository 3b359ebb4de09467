"""How many more physical-disk losses a device stack survives: exact, by trying the smallest kill sets."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

from raidwatch.model import StackNode

LEAF_KINDS = frozenset({"disk", "loop", "unknown", "other"})
# Beyond this many alive() evaluations we stop and report the lower bound proven so far.
DEFAULT_BUDGET = 200_000


def leaf_key(node: StackNode) -> str:
    return node.key or node.name


def leaves(node: StackNode) -> frozenset[str]:
    """Identities of the physical disks (or other leaves) a node depends on."""
    if node.kind in LEAF_KINDS and not node.children:
        return frozenset({leaf_key(node)})
    out: set[str] = set()
    for c in node.children:
        out |= leaves(c)
    return frozenset(out)


def alive(node: StackNode, lost: frozenset[str]) -> bool:
    """Whether a node still serves its data when the disks in `lost` are gone."""
    if node.kind in LEAF_KINDS and not node.children:
        return leaf_key(node) not in lost
    need = len(node.children) if node.need is None else node.need
    if need <= 0:
        return True
    count = 0
    for c in node.children:
        if alive(c, lost):
            count += 1
            if count >= need:
                return True
    return False


def failures_tolerated(node: StackNode, budget: int = DEFAULT_BUDGET) -> int:
    """-1: not available now. 0: one more disk loss loses it. k: survives any k disk losses.
    Counts physical disks, so a "mirror" of two partitions of one disk tolerates 0."""
    if not alive(node, frozenset()):
        return -1
    disks = sorted(leaves(node))
    spent = 0
    for k in range(1, len(disks) + 1):
        for combo in combinations(disks, k):
            spent += 1
            if spent > budget:
                return k - 1  # proven: every set of k-1 disks was survived
            if not alive(node, frozenset(combo)):
                return k - 1
    return len(disks)  # nothing below it can fail (no leaves): treat as fully tolerant


def annotate(node: StackNode, budget: int = DEFAULT_BUDGET) -> StackNode:
    """The same tree with failures_tolerated filled on every node."""
    children = tuple(annotate(c, budget) for c in node.children)
    return replace(node, children=children, failures_tolerated=failures_tolerated(node, budget))
