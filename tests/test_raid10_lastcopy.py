"""md raid10 judged from its layout, inactive arrays keep their level, and the last-copy-at-risk finding.

raid10's copies follow the kernel's drivers/md/raid10.c (setup_geo decodes md/layout, __raid10_find_phys
places a chunk's copies); mdadm prints the layout as print_r10_layout does ("near=2", "offset=2").
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from math import gcd
from pathlib import Path

import hostgen
import hostgen_raid10
import pytest
from conftest import HOSTS, REPO, corpus_path, corpus_text
from hypothesis import given, settings
from hypothesis import strategies as st

from raidwatch.collectors.base import Contribution
from raidwatch.collectors.md import merge
from raidwatch.findings import evaluate
from raidwatch.inventory import build_inventory, collect_inventory
from raidwatch.model import (
    Array,
    BlockDevice,
    CollectorRun,
    Disk,
    HostHeader,
    HostInventory,
    Member,
    MemberState,
    Mount,
    SmartHealth,
    StackNode,
)
from raidwatch.parsers.md_sysfs import normalize_level, parse_md_sysfs, raid10_geometry
from raidwatch.parsers.mdadm import parse_mdadm_detail, parse_raid10_layout
from raidwatch.parsers.mdstat import parse_mdstat
from raidwatch.policy import load_policy
from raidwatch.probe import ReplayProbe
from raidwatch.redundancy import alive, failures_tolerated, md_raid10_copy_sets, single_points
from raidwatch.report import render_inventory

FLEET = load_policy(REPO / "fleet.yaml")
TODAY = date(2026, 11, 25)
LAST = "array-last-copy-at-risk"


# ------------------------------------------------------------------------------ synthetic inventories


def _disk(i: int) -> str:
    return "sd" + "abcdefghijklmnop"[i]


def _inventory(
    arrays: list[Array],
    smart: dict[int, SmartHealth] | None = None,
    mounts: tuple[Mount, ...] = (),
) -> HostInventory:
    """Each member sdXN is partition N of disk sdX (WWN and serial from the disk's letter); `smart` gives
    disks by index (0 = sda) a SMART reading."""
    devices: dict[str, BlockDevice] = {}
    for a in arrays:
        for m in a.members:
            disk = m.device[:3]
            i = "abcdefghijklmnop".index(disk[2])
            devices[disk] = BlockDevice(
                disk, "disk", wwn=f"naa.5000c500aa0000{i:02x}", model="M", serial=f"S{i}"
            )
            devices[m.device] = BlockDevice(m.device, "partition", parent=disk)
    disks = tuple(
        Disk(_disk(i), f"wwn:naa.5000c500aa0000{i:02x}", model="M", serial=f"S{i}", smart=s)
        for i, s in (smart or {}).items()
    )
    run = CollectorRun("test", True, 0.0)
    contrib = Contribution(arrays=tuple(arrays), devices=tuple(devices.values()), disks=disks, mounts=mounts)
    return build_inventory(HostHeader("t", "Linux", "6.1"), [(run, contrib)], collected_at=time.time())


def r10(
    n: int,
    lost: set[int] = frozenset(),  # type: ignore[assignment]
    near: int = 2,
    far: int = 1,
    offset: bool = False,
    state: str = "active",
    on: dict[int, int] | None = None,
    **kw: object,
) -> Array:
    """An md raid10 of n roles, member i (role i) on partition `sdX1` of disk i (or of disk on[i])."""
    on = on or {}
    members = []
    for i in range(n):
        disk = _disk(on.get(i, i))
        part = f"{disk}{1 + sum(1 for j in range(i) if on.get(j, j) == on.get(i, i))}"
        if i in lost:
            continue
        members.append(Member(part, i, MemberState.ACTIVE, role=i, in_sync=True))
    return Array(
        "md0",
        "raid10",
        state,
        raid_disks=n,
        in_sync_disks=n - len(lost) if state == "active" else 0,
        degraded=bool(lost) and state == "active",
        members=tuple(members),
        near_copies=near,
        far_copies=far,
        far_offset=offset,
        copies=near * far,
        **kw,  # type: ignore[arg-type]
    )


def md0(inv: HostInventory) -> Array:
    a = inv.array("md0")
    assert a is not None
    return a


def node_of(inv: HostInventory) -> StackNode:
    from raidwatch.inventory import _StackBuilder

    return _StackBuilder({d.name: d for d in inv.devices}, {a.name: a for a in inv.arrays}).node("md0")


# ------------------------------------------------------------------------------ where the copies lie


def test_copy_sets_near2_on_even_disks_are_the_mirror_pairs():
    assert md_raid10_copy_sets(4, 2, 1) == (frozenset({0, 1}), frozenset({2, 3}))
    assert md_raid10_copy_sets(6, 2, 1) == (frozenset({0, 1}), frozenset({2, 3}), frozenset({4, 5}))


def test_copy_sets_near2_on_three_disks_start_at_every_device():
    assert md_raid10_copy_sets(3, 2, 1) == (frozenset({0, 1}), frozenset({0, 2}), frozenset({1, 2}))


def test_copy_sets_far_and_offset_are_adjacent_pairs():
    # far=2 (and offset=2: it moves where on a device, not which device): the far copy is `near` (1) on
    pairs = (frozenset({0, 1}), frozenset({0, 3}), frozenset({1, 2}), frozenset({2, 3}))
    assert md_raid10_copy_sets(4, 1, 2) == pairs


def test_copy_sets_near3_and_near4_on_six():
    assert md_raid10_copy_sets(3, 3, 1) == (frozenset({0, 1, 2}),)
    assert md_raid10_copy_sets(6, 3, 1) == (frozenset({0, 1, 2}), frozenset({3, 4, 5}))
    # chunks start at multiples of gcd(4, 6) = 2: not at every device, not only at multiples of 4
    assert md_raid10_copy_sets(6, 4, 1) == (
        frozenset({0, 1, 2, 3}),
        frozenset({0, 1, 4, 5}),
        frozenset({2, 3, 4, 5}),
    )


def test_copy_sets_with_far_sets_stay_inside_their_set():
    # layout variant 2 (bit 18): far copies rotate inside sets of near*far devices; the last set of an odd
    # count takes the remainder (raid10.c __raid10_find_phys, last_far_set_start/size)
    assert md_raid10_copy_sets(4, 1, 2, far_set_size=2) == (frozenset({0, 1}), frozenset({2, 3}))
    assert md_raid10_copy_sets(5, 1, 2, far_set_size=2) == (
        frozenset({0, 1}),
        frozenset({2, 3}),
        frozenset({2, 4}),
        frozenset({3, 4}),
    )


def test_copy_sets_refuse_what_the_kernel_refuses():
    assert md_raid10_copy_sets(2, 1, 1) is None  # one copy: raid10 setup_conf wants 2..raid_disks
    assert md_raid10_copy_sets(3, 2, 2) is None  # 4 copies on 3 devices
    assert md_raid10_copy_sets(1, 2, 1) is None


# ------------------------------------------------------------------------------ parsers


@pytest.mark.parametrize(
    ("layout", "disks", "geometry"),
    [
        (258, 4, (2, 1, False, None)),  # near=2: mdadm's default
        (513, 4, (1, 2, False, None)),  # far=2
        (0x10201, 4, (1, 2, True, None)),  # offset=2
        (0x103, 6, (3, 1, False, None)),  # near=3
        (0x202, 8, (2, 2, False, None)),  # near=2, far=2
        ((2 << 17) | 0x201, 6, (1, 2, False, 2)),  # far sets of near*far devices
        ((1 << 17) | 0x201, 6, (1, 2, False, 3)),  # the early variant: raid_disks / far
        ((2 << 17) | 0x201, 2, (1, 2, False, None)),  # a far set of every device is no far set
    ],
)
def test_sysfs_layout_number_decodes_as_setup_geo(layout, disks, geometry):
    g = raid10_geometry(layout, disks)
    assert g is not None and (g.near_copies, g.far_copies, g.far_offset, g.far_set_size) == geometry


@pytest.mark.parametrize("layout", [1 << 19, 3 << 17, 0, 0x100, -1])
def test_sysfs_layout_numbers_the_kernel_refuses(layout):
    assert raid10_geometry(layout, 4) is None


def test_sysfs_layout_file_is_read():
    s = parse_md_sysfs("md5", {"level": "raid10", "raid_disks": "4", "layout": "258\n"})
    assert s.layout == 258
    s = parse_md_sysfs("md5", {"level": "raid10", "raid_disks": "4", "layout": "513 (258)\n"})  # reshaping
    assert s.layout == 513


@pytest.mark.parametrize(
    ("text", "level"),
    [("raid1", "raid1"), ("1", "raid1"), ("10", "raid10"), ("-1", "linear"), ("-4", "multipath"), ("", None)],
)
def test_sysfs_level_of_a_not_started_array_may_be_a_number(text, level):
    assert normalize_level(text) == level


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("near=2", (2, 1, False)),
        ("far=2", (1, 2, False)),
        ("offset=2", (1, 2, True)),
        ("near=2, far=2", (2, 2, False)),
        ("near=3", (3, 1, False)),
        ("NO REDUNDANCY", None),
        ("left-symmetric", None),
        ("far=2, offset=2", None),
        ("", None),
    ],
)
def test_mdadm_layout_words(text, want):
    assert parse_raid10_layout(text) == want


def _r10_mdarray(layout: str, n: int = 4, lost: tuple[int, ...] = ()) -> hostgen.MdArray:
    members = [hostgen.Member(f"sd{_disk(i)[2]}1", i, i) for i in range(n) if i not in lost]
    return hostgen.MdArray("md3", "raid10", n, members, 1_000_000, "0000-x", layout=layout)


@pytest.mark.parametrize(
    ("layout", "mdstat_words", "geometry"),
    [
        ("near=2", "512K chunks 2 near-copies [4/4]", (2, 1, False)),
        ("far=2", "512K chunks 2 far-copies [4/4]", (1, 2, False)),
        ("offset=2", "512K chunks 2 offset-copies [4/4]", (1, 2, True)),
        ("near=2, far=2", "512K chunks 2 near-copies 2 far-copies [4/4]", (2, 2, False)),
    ],
)
def test_mdstat_and_mdadm_state_the_layout(layout, mdstat_words, geometry):
    a = _r10_mdarray(layout)
    text = hostgen.mdstat_text([a])
    assert mdstat_words in text
    arr = parse_mdstat(text).arrays[0]
    assert (arr.near_copies, arr.far_copies, arr.far_offset) == geometry
    assert arr.copies == geometry[0] * geometry[1] and arr.raid10_layout == layout
    detail = parse_mdadm_detail(hostgen.mdadm_detail(a, "h"))
    assert detail.layout == layout and detail.raid10_layout == geometry


def test_mdstat_devices_per_set():
    line = "      2093056 blocks super 1.2 512K chunks 2 far-copies 2 devices per set [6/6] [UUUUUU]"
    text = (
        f"Personalities : [raid10]\nmd9 : active raid10 sda[0] sdb[1] sdc[2] sdd[3] sde[4] sdf[5]\n{line}\n"
    )
    arr = parse_mdstat(text).arrays[0]
    assert (arr.near_copies, arr.far_copies, arr.far_set_size) == (1, 2, 2)


def test_the_real_raid10_in_the_corpus_sysfs():
    """prometheus/procfs's md10: raid10 of four in-sync members, no layout file and no slot files: the
    margin falls back to counting (copies assumed 2): survives 1."""
    base = corpus_path("sysfs-md/prometheus-procfs/sys/block/md10/md/level").parent
    files = {p.name: p.read_text() for p in base.iterdir() if p.is_file()}
    devs = {p.name[4:]: {"state": (p / "state").read_text()} for p in base.glob("dev-*")}
    sysfs = parse_md_sysfs("md10", files, devs)
    assert sysfs.level == "raid10" and sysfs.layout is None
    arr = merge("md10", None, sysfs)
    assert arr.level == "raid10" and arr.in_sync_disks == 4 and arr.raid10_layout is None
    from raidwatch.inventory import _StackBuilder

    node = _StackBuilder({}, {"md10": arr}).node("md10")
    assert failures_tolerated(node) == 1 and len(node.children) == 4


def test_the_corpus_mdstat_with_a_raid10_personality_still_parses():
    # glensc's raid0 output has [raid10] among its personalities and no raid10 array
    res = parse_mdstat(corpus_text("mdstat/glensc-check-raid/mdstat-raid0"))
    assert "raid10" in res.personalities
    assert [(a.name, a.level, a.near_copies) for a in res.arrays] == [("md2", "raid0", None)]


def test_merge_takes_sysfs_layout_and_notes_a_disagreement():
    text = hostgen.mdstat_text([_r10_mdarray("near=2")])
    mdstat = parse_mdstat(text).arrays[0]
    sysfs = parse_md_sysfs(
        "md3",
        {"level": "raid10", "array_state": "clean", "raid_disks": "4", "layout": "513"},
        {f"sd{c}1": {"state": "in_sync", "slot": str(i)} for i, c in enumerate("abcd")},
    )
    arr = merge("md3", mdstat, sysfs)
    assert arr.raid10_layout == "far=2"
    assert any("raid10 layout: sysfs says far=2, mdstat says near=2" in d for d in arr.disagreements)
    same = merge(
        "md3", mdstat, parse_md_sysfs("md3", {"level": "raid10", "raid_disks": "4", "layout": "258"})
    )
    assert same.raid10_layout == "near=2" and not any("layout" in d for d in same.disagreements)


def test_mdadm_layout_fills_what_the_kernel_did_not_say():
    a = _r10_mdarray("offset=2")
    mdstat = parse_mdstat(hostgen.mdstat_text([a])).arrays[0]
    bare = Array("md3", "raid10", "active", raid_disks=4, in_sync_disks=4, members=mdstat.members)
    arr = merge("md3", bare, None, parse_mdadm_detail(hostgen.mdadm_detail(a, "h")))
    assert arr.raid10_layout == "offset=2" and arr.far_offset is True


# ------------------------------------------------------------------------------ margins from the layout


@pytest.mark.parametrize(
    ("n", "lost", "want"),
    [
        (4, set(), 1),
        (4, {1}, 0),
        (4, {1, 2}, 0),  # one from each mirror pair: running, one more loss of sda or sdd loses it
        (6, set(), 1),
        (6, {1, 3}, 0),  # the bundled r10 host's shape: sets 0+1 and 2+3 down to one member
        (6, {1, 3, 5}, 0),
        (3, set(), 1),  # n % near != 0: chunks start at every device, sets 0+1, 1+2, 2+0
        (3, {1}, 0),
    ],
)
def test_near2_margin_counts_sets_not_members(n, lost, want):
    inv = _inventory([r10(n, lost)])
    assert md0(inv).failures_tolerated == want
    node = node_of(inv)
    assert "could not be reconciled" not in (node.detail or "")


def test_near2_losses_in_one_set_are_unavailable_only_when_the_kernel_says_so():
    running = _inventory([r10(4, {0, 1})])  # the kernel runs it: our reading of roles/layout is wrong
    assert md0(running).failures_tolerated == 0
    assert "could not be reconciled" in (node_of(running).detail or "")
    stopped = _inventory([r10(4, {0, 1}, state="inactive")])
    assert md0(stopped).failures_tolerated == -1


def test_six_disk_near2_two_lost_from_different_sets_names_the_last_copies():
    inv = _inventory([r10(6, {1, 3})])
    node = node_of(inv)
    assert [c.kind for c in node.children] == ["copies"] * 3
    assert [c.detail for c in node.children] == [
        "roles 0+1: 1 of 2 in sync",
        "roles 2+3: 1 of 2 in sync",
        "roles 4+5: 2 of 2 in sync",
    ]
    assert single_points(node) == ("wwn:naa.5000c500aa000000", "wwn:naa.5000c500aa000002")


@pytest.mark.parametrize(
    ("near", "far", "offset", "lost", "want"),
    [
        (1, 2, False, set(), 1),
        (1, 2, False, {0, 2}, 0),  # far=2 on 4: adjacent pairs; 0 and 2 leave one copy of each
        (1, 2, True, {0, 2}, 0),
        (1, 2, True, {1}, 0),
    ],
)
def test_far_and_offset_on_four_disks(near, far, offset, lost, want):
    inv = _inventory([r10(4, lost, near=near, far=far, offset=offset)])
    assert md0(inv).failures_tolerated == want
    assert "could not be reconciled" not in (node_of(inv).detail or "")


def test_far2_loses_adjacent_roles_where_near2_does_not():
    near = _inventory([r10(4, {1, 2})])
    far = _inventory([r10(4, {1, 2}, near=1, far=2)])
    assert "could not be reconciled" not in (node_of(near).detail or "")
    assert "could not be reconciled" in (node_of(far).detail or "")  # roles 1+2 hold a chunk's copies


def test_far2_single_points_are_both_neighbours():
    node = node_of(_inventory([r10(4, {1}, near=1, far=2)]))
    assert single_points(node) == ("wwn:naa.5000c500aa000000", "wwn:naa.5000c500aa000002")


@pytest.mark.parametrize(("n", "lost", "want"), [(3, set(), 2), (3, {0}, 1), (6, set(), 2), (6, {0, 3}, 1)])
def test_near3(n, lost, want):
    assert md0(_inventory([r10(n, lost, near=3)])).failures_tolerated == want


def test_shared_disks_count_once():
    # roles 0 and 2 (different sets) on one disk: still survives any one disk loss
    apart = _inventory([r10(4, on={2: 0})])
    assert md0(apart).failures_tolerated == 1
    # roles 0 and 1 (one set) on one disk: that disk holds both copies
    together = _inventory([r10(4, on={1: 0})])
    assert md0(together).failures_tolerated == 0
    assert "mirror-same-disk" in {f.code for f in evaluate(together, FLEET.for_host("t"), TODAY).findings}


def test_roles_unknown_falls_back_to_counting_and_never_below_zero_while_running():
    arr = r10(6, {1, 3})
    arr = replace(arr, members=tuple(Member(m.device, m.slot, in_sync=True) for m in arr.members))
    assert md0(_inventory([arr])).failures_tolerated == 0  # 2 missing of 2 copies: counting says -1


def test_a_reshape_is_judged_by_counting():
    from raidwatch.model import SyncAction, SyncStatus

    arr = replace(r10(4), sync=SyncStatus(SyncAction.RESHAPE, 0.3))
    node = node_of(_inventory([arr]))
    assert [c.kind for c in node.children] == ["partition"] * 4 and failures_tolerated(node) == 1


def test_the_tree_shows_the_layout_and_the_sets():
    inv = _inventory([r10(6, {1, 3})], mounts=(Mount("/dev/md0", "/srv", "xfs"),))
    text = render_inventory(inv)
    assert "md0 (md, raid10 [6/4], near=2) survives 0" in text
    assert "md0[2+3] (copies, roles 2+3: 1 of 2 in sync) survives 0" in text
    assert "md0[4+5] (copies, roles 4+5: 2 of 2 in sync) survives 1" in text


def _kernel_placement(n: int, near: int, far: int) -> list[set[int]]:
    """Chunk by chunk, the devices holding each copy, the way raid10.c maps a virtual sector (far sets
    over all devices): chunk*near = stripe*n + dev; near copies on dev.., each far copy `near` further on."""
    out = []
    for chunk in range(2 * n * near):
        dev = (chunk * near) % n
        copies = set()
        for a in range(near):
            for j in range(far):
                copies.add((dev + a + j * near) % n)
        out.append(copies)
    return out


@settings(max_examples=400, deadline=None)
@given(
    st.integers(min_value=2, max_value=8).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.integers(min_value=1, max_value=n),
            st.integers(min_value=1, max_value=n),
            st.booleans(),
            st.sets(st.integers(min_value=0, max_value=n - 1), max_size=n),
            st.one_of(st.none(), st.lists(st.integers(min_value=0, max_value=n - 1), min_size=n, max_size=n)),
        )
    )
)
def test_margin_never_exceeds_a_brute_force_count_of_chunk_placement(args):
    """Random layouts, losses and (sometimes) several roles on one disk: the margin is what placing every
    chunk says, the fewest disks that hold all the in-sync copies of some chunk, less one."""
    n, near, far, offset, lost, on = args
    if not 2 <= near * far <= n:
        return
    disk_of = dict(enumerate(on)) if on is not None else {r: r for r in range(n)}
    inv = _inventory([r10(n, lost, near=near, far=far, offset=offset, on=disk_of)])
    got = md0(inv).failures_tolerated
    kill_costs = [len({disk_of[r] for r in c - lost}) for c in _kernel_placement(n, near, far)]
    if min(kill_costs) == 0:
        # a chunk without an in-sync copy: the kernel would not run this array; "running" is trusted
        assert got == 0 and "could not be reconciled" in (node_of(inv).detail or "")
        return
    brute = min(kill_costs) - 1  # losing every disk that holds a chunk's in-sync copies loses it
    assert got is not None and got <= brute
    assert got == brute  # and no less: exact, shared disks counted once


def test_chunk_starts_follow_gcd():
    for n in range(2, 9):
        for near in range(1, n + 1):
            starts = {(c * near) % n for c in range(n)}
            assert starts == set(range(0, n, gcd(near, n)))


# ------------------------------------------------------------------ inactive arrays keep their level


def test_real_inactive_mdstat_levels():
    arrays = {a.name: a for a in parse_mdstat(corpus_text("mdstat/prometheus-procfs/mdstat")).arrays}
    assert (arrays["md4"].state, arrays["md4"].level) == ("inactive", "raid1")
    assert (arrays["md219"].state, arrays["md219"].level) == ("inactive", "container")
    for rel, name in (
        ("mdstat/glensc-check-raid/issue34", "md0"),
        ("mdstat/glensc-check-raid/issue34_2", "md127"),
    ):
        a = next(a for a in parse_mdstat(corpus_text(rel)).arrays if a.name == name)
        assert (a.state, a.level, a.is_container) == ("inactive", "container", True)


def test_real_inactive_mdstat_level_survives_a_sysfs_without_one():
    md4 = next(
        a for a in parse_mdstat(corpus_text("mdstat/prometheus-procfs/mdstat")).arrays if a.name == "md4"
    )
    sysfs = parse_md_sysfs(
        "md4",
        {"level": "", "array_state": "inactive", "raid_disks": "2"},
        {"sda3": {"state": "faulty"}, "sdb3": {"state": "spare"}},
    )
    arr = merge("md4", md4, sysfs)
    assert (arr.state, arr.level, arr.failures_tolerated) == ("inactive", "raid1", None)
    inv = HostInventory(HostHeader("t", "Linux", "6.1"), 0.0, arrays=(arr,))
    msgs = [
        f.message for f in evaluate(inv, FLEET.for_host("t"), TODAY).findings if f.code == "array-inactive"
    ]
    assert msgs == ["md4 (raid1) is inactive"]


def test_real_inactive_sysfs_container():
    base = corpus_path("sysfs-md/prometheus-procfs/sys/block/md7/md/level").parent
    sysfs = parse_md_sysfs("md7", {p.name: p.read_text() for p in base.iterdir() if p.is_file()})
    arr = merge("md7", None, sysfs)
    assert (arr.state, arr.level, arr.is_container) == ("inactive", "container", True)


# `mdadm --detail` of an array assembled but not started, as mdadm 4.x prints it (Detail.c: the level
# from the superblock, "State : inactive", the device rows without a state)
INACTIVE_DETAIL = """/dev/md127:
           Version : 1.2
        Raid Level : raid10
     Total Devices : 2
       Persistence : Superblock is persistent

             State : inactive
   Working Devices : 2

              Name : h:5  (local to host h)
              UUID : 0a1b2c3d:4e5f6071:8293a4b5:c6d7e8f9
            Events : 1207

    Number   Major   Minor   RaidDevice

       -       8       17        -        /dev/sdb1
       -       8       33        -        /dev/sdc1
"""
INACTIVE_MDSTAT = """Personalities : [raid10]
md127 : inactive sdc1[1](S) sdb1[0](S)
      15627788288 blocks super 1.2

unused devices: <none>
"""


@pytest.mark.parametrize(
    ("sysfs_level", "with_mdadm", "level"), [("", True, "raid10"), ("10", False, "raid10"), ("", False, None)]
)
def test_inactive_array_level_from_mdadm_or_a_numeric_sysfs_level(sysfs_level, with_mdadm, level):
    mdstat = parse_mdstat(INACTIVE_MDSTAT).arrays[0]
    assert mdstat.level is None  # mdstat prints no personality for an array that is not running
    sysfs = parse_md_sysfs(
        "md127",
        {"level": sysfs_level, "array_state": "inactive", "raid_disks": "0"},
        {"sdb1": {"state": "spare"}, "sdc1": {"state": "spare"}},
    )
    detail = parse_mdadm_detail(INACTIVE_DETAIL) if with_mdadm else None
    arr = merge("md127", mdstat, sysfs, detail)
    assert arr.state == "inactive" and arr.level == level
    inv = HostInventory(HostHeader("t", "Linux", "6.1"), 0.0, arrays=(arr,))
    row = next(line for line in render_inventory(inv).splitlines() if line.strip().startswith("md127"))
    assert (level or "?") in row.split()


# -------------------------------------------------------------------- the last in-sync copy at risk


def inv_of(name: str) -> HostInventory:
    return collect_inventory(ReplayProbe(HOSTS / name))


def test_db02_mirror_rebuilding_from_a_disk_with_pending_sectors():
    ev = evaluate(inv_of("db02-single-boot-disk"), FLEET.for_host("db02"), TODAY)
    last = [f for f in ev.findings if f.code == LAST]
    assert len(last) == 1
    f = last[0]
    assert (f.severity.value, f.subject) == ("critical", "md0/sdb")
    for part in (
        "md0 (raid1, 1/2 in sync)",
        "sdb (ST4000NM0035-1V4107",
        "wwn:naa.5000c500b1c2d3e4",
        "ZC1A2B3C",
    ):
        assert part in f.message
    assert "SMART says WARN (pending sectors: 8; 2 more under disk:sdb)" in f.message
    assert "offline uncorrectable" not in f.message  # the disk's reasons are disk-smart-warning's to print
    criticals = [x.code for x in ev.findings if x.severity.value == "critical"]
    assert criticals[0] == LAST and ev.findings[0] is f


def test_web01_degraded_mirror_with_a_healthy_survivor_has_no_such_finding():
    ev = evaluate(inv_of("web01-mirror-degraded"), FLEET.for_host("web01"), TODAY)
    assert LAST not in {f.code for f in ev.findings}
    assert "array-degraded" in {f.code for f in ev.findings}


def test_only_db02_and_r10_among_the_bundled_hosts():
    hosts = sorted(p for p in HOSTS.iterdir() if (p / "host.json").is_file())
    with_it = set()
    for h in hosts:
        inv = collect_inventory(ReplayProbe(h))
        ev = evaluate(inv, FLEET.for_host(inv.header.hostname), TODAY)
        if any(f.code == LAST for f in ev.findings):
            with_it.add(inv.header.hostname)
    assert with_it == {"db02", "r10"}


def test_r10_host_running_survives_zero_and_names_sdc():
    inv = inv_of("r10-near2-two-lost")
    a = md0(inv)
    assert (a.state, a.level, a.raid10_layout, a.raid_disks, a.in_sync_disks) == (
        "active",
        "raid10",
        "near=2",
        6,
        4,
    )
    assert a.failures_tolerated == 0 and a.disagreements == ()
    srv = inv.volume("/srv")
    assert srv is not None and (srv.failures_tolerated, srv.redundancy) == (0, "md")
    root = inv.volume("/")
    assert root is not None and root.failures_tolerated == 1
    ev = evaluate(inv, FLEET.for_host("r10"), TODAY)
    last = [f for f in ev.findings if f.code == LAST]
    assert [f.subject for f in last] == ["md0/sdc"]
    assert "serial WKD0A1D4" in last[0].message and "WARN (pending sectors: 4)" in last[0].message
    assert ev.findings[0].code == LAST
    codes = {f.code for f in ev.findings}
    assert {"array-degraded", "array-failed-member", "disk-smart-failing", "disk-smart-warning"} <= codes


def test_r10_host_is_what_its_generator_writes(tmp_path: Path):
    made = hostgen_raid10.write_r10_host(tmp_path)
    bundled = HOSTS / made.name
    new = sorted(p.relative_to(made) for p in made.rglob("*") if p.is_file())
    old = sorted(p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file())
    assert new == old
    for rel in new:
        assert (made / rel).read_bytes() == (bundled / rel).read_bytes(), rel


def _smart(assessment: str, *reasons: str) -> SmartHealth:
    return SmartHealth(assessment, reasons=reasons)


def test_raid5_missing_one_with_a_failing_survivor():
    members = tuple(Member(f"sd{c}1", i, role=i, in_sync=True) for i, c in enumerate("ab"))
    arr = Array("md0", "raid5", "active", raid_disks=3, in_sync_disks=2, degraded=True, members=members)
    smart = {1: _smart("FAIL", "overall health: FAILED!", "reallocated sectors: 900")}
    ev = evaluate(_inventory([arr], smart=smart), FLEET.for_host("t"), TODAY)
    last = [f for f in ev.findings if f.code == LAST]
    assert [f.subject for f in last] == ["md0/sdb"]
    assert "SMART says FAIL (overall health: FAILED!; 1 more under disk:sdb)" in last[0].message
    assert "reallocated sectors: 900" not in last[0].message


def test_raid5_whole_with_a_warning_disk_is_not_at_risk():
    members = tuple(Member(f"sd{c}1", i, role=i, in_sync=True) for i, c in enumerate("abc"))
    arr = Array("md0", "raid5", "active", raid_disks=3, in_sync_disks=3, members=members)
    ev = evaluate(
        _inventory([arr], smart={1: _smart("WARN", "pending sectors: 2")}), FLEET.for_host("t"), TODAY
    )
    assert LAST not in {f.code for f in ev.findings}


def test_raid10_set_down_to_one_member_on_a_warning_disk():
    # near=2 on 4, role 1 lost: sda (role 0) is the last copy of set 0+1; sdc's set is whole
    smart = {0: _smart("WARN", "pending sectors: 3"), 2: _smart("WARN", "pending sectors: 5")}
    ev = evaluate(_inventory([r10(4, {1})], smart=smart), FLEET.for_host("t"), TODAY)
    assert [f.subject for f in ev.findings if f.code == LAST] == ["md0/sda"]


def test_an_inactive_array_gets_no_last_copy_finding():
    smart = {0: _smart("FAIL", "overall health: FAILED!")}
    ev = evaluate(_inventory([r10(4, {1}, state="inactive")], smart=smart), FLEET.for_host("t"), TODAY)
    assert LAST not in {f.code for f in ev.findings}


def test_single_points_of_an_unavailable_node_are_none():
    dead = StackNode("x", "md", children=(StackNode("a", "disk", key="a"),), need=2)
    assert not alive(dead, frozenset()) and single_points(dead) == ()


def test_a_raid5_grow_is_not_unavailable_while_the_kernel_runs_it() -> None:
    """mdstat `[4/3] [UU__]` during a reshape: the map marks the new roles not in sync while the old
    geometry still serves the data; a recovery with the same map has really lost two members."""
    from raidwatch.inventory import _StackBuilder
    from raidwatch.model import Array, BlockDevice, Member, SyncAction, SyncStatus
    from raidwatch.redundancy import annotate

    devs = {f"sd{c}": BlockDevice(f"sd{c}", "disk", wwn=f"naa.500{i}") for i, c in enumerate("abcd")}
    members = tuple(Member(f"sd{c}", role=i, in_sync=i < 2) for i, c in enumerate("abcd"))
    for action, want in ((SyncAction.RESHAPE, 0), (SyncAction.RECOVERY, -1)):
        arr = Array("md0", "raid5", "active", raid_disks=4, in_sync_disks=2, members=members,
                    sync=SyncStatus(action, 0.3))  # fmt: skip
        node = annotate(_StackBuilder(devs, {"md0": arr}).node("md0"))
        assert node.failures_tolerated == want, action
