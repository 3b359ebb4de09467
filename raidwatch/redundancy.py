"""How many more physical-disk losses a device stack survives: exact, by trying the smallest kill sets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import combinations

from raidwatch.model import Array, Member, StackNode, SyncAction, raid10_layout_text

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


def md_raid10_copy_sets(
    raid_disks: int, near: int, far: int, far_set_size: int | None = None
) -> tuple[frozenset[int], ...] | None:
    """The raid roles holding the copies of each chunk of an md raid10, placed as the kernel places them
    (drivers/md/raid10.c __raid10_find_phys): chunk c starts on role (c * near) mod n, its near copies take
    that role and the next near-1 (wrapping), and each near copy has far-1 more copies `near` roles further
    on, within its far set (all n roles unless the layout uses far sets). Where chunks start repeats every
    n / gcd(near, n) chunks, so n chunks cover every pattern. Only the minimal distinct sets are returned (a
    set containing another constrains nothing more). None for a geometry the kernel refuses to run."""
    n = raid_disks
    if n < 2 or near < 1 or far < 1 or not 2 <= near * far <= n:
        return None
    fss = far_set_size or n
    if not 1 <= fss <= n:
        return None
    last_start = (n // fss - 1) * fss  # the last far set takes the remainder devices
    last_size = fss + n % fss
    found: set[frozenset[int]] = set()
    for chunk in range(n):
        dev = (chunk * near) % n
        roles = []
        for _ in range(near):
            d = dev
            roles.append(d)
            for _ in range(1, far):
                which = d // fss
                d += near
                if n % fss and d > last_start:
                    d = (d - last_start) % last_size + last_start
                else:
                    d = d % fss + fss * which
                roles.append(d)
            dev = (dev + 1) % n
        found.add(frozenset(roles))
    minimal = [s for s in found if not any(o < s for o in found)]
    return tuple(sorted(minimal, key=sorted))


def md_raid10_node(arr: Array, held: Sequence[tuple[Member, StackNode]], detail: str) -> StackNode | None:
    """An active md raid10 as "every copy set keeps one in-sync member": one `copies` node (need 1) per set of
    roles holding a chunk's copies, under the array node (needs every set), so failures_tolerated is exact,
    shared disks included. `held` pairs each in-sync role holder with its device node. None when the roles
    or the geometry are not known well enough (the caller counts members instead): a member without a role,
    a reshape running (two geometries at once), or a layout the kernel would not run."""
    n = arr.raid_disks
    if not n or (arr.sync is not None and arr.sync.action is SyncAction.RESHAPE):
        return None
    if any(m.role is None or not 0 <= m.role < n for m, _ in held):
        return None
    near, far = arr.near_copies, arr.far_copies
    assumed = near is None and far is None
    if assumed:
        near, far = (arr.copies or 2), 1  # mdadm's default layout is near=2
    near, far = near or 1, far or 1
    sets = md_raid10_copy_sets(n, near, far, arr.far_set_size)
    if sets is None:
        return None
    layout = raid10_layout_text(near, far, bool(arr.far_offset))
    if assumed:
        layout += " assumed (no source states the layout)"
    if arr.far_set_size and arr.far_set_size != n:
        layout += f", {arr.far_set_size} devices per set"
    by_role: dict[int, list[StackNode]] = {}
    for m, node in held:
        by_role.setdefault(m.role, []).append(node)  # type: ignore[arg-type]
    set_nodes: list[StackNode] = []
    empty: list[str] = []
    for s in sets:
        roles = sorted(s)
        kids = tuple(node for r in roles for node in by_role.get(r, ()))
        name = "+".join(str(r) for r in roles)
        if not kids:
            empty.append(name)
            continue
        in_sync = sum(1 for r in roles if r in by_role)
        set_nodes.append(
            StackNode(
                f"{arr.name}[{name}]",
                "copies",
                detail=f"roles {name}: {in_sync} of {len(roles)} in sync",
                children=kids,
                need=1,
            )
        )
    everyone = tuple(node for _, node in held)
    if empty:
        # The kernel runs no raid10 with a chunk left without an in-sync copy (raid10.c `enough`), so the
        # layout or the roles we read are wrong: trust the kernel, and let one more loss be the last.
        why = (
            f"{detail}, {layout}: layout could not be reconciled with the in-sync roles (no in-sync copy of "
            f"roles {', '.join(empty)}, yet the kernel runs it)"
        )
        return StackNode(arr.name, arr.kind, detail=why, children=everyone, need=None, redundant=True)
    if len(set_nodes) == 1:
        return StackNode(
            arr.name,
            arr.kind,
            detail=f"{detail}, {layout}",
            children=set_nodes[0].children,
            need=1,
            redundant=True,
        )
    return StackNode(
        arr.name, arr.kind, detail=f"{detail}, {layout}", children=tuple(set_nodes), need=None, redundant=True
    )


def single_points(node: StackNode) -> tuple[str, ...]:
    """The leaves (physical disks) whose loss alone makes an available node unavailable: where the last
    in-sync copy of some of its data sits. Empty when the node is unavailable already."""
    if not alive(node, frozenset()):
        return ()
    return tuple(k for k in sorted(leaves(node)) if not alive(node, frozenset({k})))
