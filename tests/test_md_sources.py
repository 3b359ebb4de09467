"""md sysfs parsing, the three-source merge and its disagreements, and failures_tolerated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CORPUS, needs_corpus

from raidwatch.collectors.md import merge, read_md_sysfs
from raidwatch.errors import ParseError
from raidwatch.model import Array, Member, MemberState, StackNode, SyncAction
from raidwatch.parsers.md_sysfs import parse_md_sysfs
from raidwatch.parsers.mdadm import parse_mdadm_detail
from raidwatch.parsers.mdstat import parse_mdstat
from raidwatch.probe import LiveProbe
from raidwatch.redundancy import alive, failures_tolerated

SYSFS_TREE = CORPUS / "sysfs-md" / "prometheus-procfs"


def test_sysfs_attributes():
    s = parse_md_sysfs(
        "md6",
        {
            "level": "raid6\n",
            "array_state": "active\n",
            "raid_disks": "4\n",
            "degraded": "1\n",
            "sync_action": "recover\n",
            "sync_completed": "1569888 / 2093056\n",
            "sync_speed": "51234\n",
            "mismatch_cnt": "0\n",
        },
        {
            "sdq": {"state": "in_sync", "slot": "0"},
            "sdt": {"state": "spare", "slot": "3"},
            "sdx": {"state": "faulty"},
        },
    )
    assert (s.level, s.array_state, s.raid_disks, s.degraded, s.sync_action) == (
        "raid6",
        "active",
        4,
        1,
        "recover",
    )
    assert s.sync_completed == (1569888, 2093056) and s.sync_speed_kib_s == 51234 and s.mismatch_cnt == 0
    m = {x.device: x for x in s.members}
    assert m["sdq"].in_sync and m["sdq"].slot == 0
    assert m["sdt"].slot == 3 and not m["sdt"].in_sync
    assert m["sdx"].faulty


def test_sysfs_reshape_raid_disks_and_delayed():
    s = parse_md_sysfs("md8", {"level": "raid5", "raid_disks": "11 (10)", "sync_completed": "delayed"})
    assert s.raid_disks == 11 and s.raid_disks_before_reshape == 10 and s.sync_delayed


def test_sysfs_not_md_is_a_parse_error():
    with pytest.raises(ParseError):
        parse_md_sysfs("sda", {"size": "100"})


@needs_corpus
def test_corpus_sysfs_tree_matches_its_reading():
    probe = LiveProbe(str(SYSFS_TREE))
    text = (SYSFS_TREE / "sysfs.expected.txt").read_text()
    blocks = re.split(r'^Device: "(md\d+)"$', text, flags=re.M)[1:]
    assert len(blocks) // 2 == 8
    for name, body in zip(blocks[::2], blocks[1::2], strict=True):
        s = read_md_sysfs(probe, name)
        arr = merge(name, None, s)
        assert s.level == re.search(r'Level: "(\w+)"', body).group(1)
        assert s.array_state == re.search(r'ArrayState: "([\w-]+)"', body).group(1)
        assert s.metadata_version == re.search(r'MetadataVersion: "([\d.]+)"', body).group(1)
        disks = re.search(r"Disks: (\w+)", body).group(1)
        assert s.raid_disks == (None if disks == "nil" else int(disks))
        states = dict(re.findall(r'Device: "(\w+)" State: "(\w+)"', body))
        assert {m.device: ",".join(m.state_words) for m in s.members} == states
        deg = re.search(r"DegradedDisks: (\d+)", body)
        assert (s.degraded or 0) == (int(deg.group(1)) if deg else 0)
        sa = re.search(r'SyncAction: "(\w+)"', body)
        assert s.sync_action == (sa.group(1) if sa else None)
        sc = re.search(r"SyncCompleted: ([\d.]+)", body)
        if sc:
            assert arr.sync.progress == pytest.approx(float(sc.group(1)))
        if name == "md5":  # faulty + spare: degraded raid5 with a hot spare waiting
            assert arr.degraded and [m.device for m in arr.failed_members] == ["sdp"]
            assert [m.device for m in arr.spare_members] == ["sdaa"]
        if name == "md7":
            assert arr.is_container and arr.state == "inactive"


# ------------------------------------------------------------------ merge: sysfs first, others as checks

MDSTAT = """Personalities : [raid1]
md0 : active raid1 sdb1[2] sda1[0]
      1046528 blocks super 1.2 [2/1] [U_]
      [====>................]  recovery = 22.0% (230528/1046528) finish=0.5min speed=23052K/sec

unused devices: <none>
"""


def _sysfs(degraded="1", sync_action="recover", b_state="spare", b_slot="1"):
    return parse_md_sysfs(
        "md0",
        {
            "level": "raid1",
            "array_state": "clean",
            "raid_disks": "2",
            "degraded": degraded,
            "sync_action": sync_action,
            "sync_completed": "461056 / 2093056",
            "sync_speed": "23052",
            "mismatch_cnt": "0",
            "uuid": "a1b2c3d4-0000-1111-2222-333344445555",
        },
        {"sda1": {"state": "in_sync", "slot": "0"}, "sdb1": {"state": b_state, "slot": b_slot}},
    )


def test_merge_agreeing_sources():
    mdstat = parse_mdstat(MDSTAT).arrays[0]
    arr = merge("md0", mdstat, _sysfs())
    assert arr.sources == ("mdstat", "sysfs") and arr.disagreements == ()
    assert arr.degraded and arr.in_sync_disks == 1 and arr.raid_disks == 2
    sdb1 = next(m for m in arr.members if m.device == "sdb1")
    assert sdb1.rebuilding and sdb1.role == 1 and sdb1.slot == 2 and sdb1.in_sync is False
    assert arr.sync.action is SyncAction.RECOVERY
    assert arr.sync.progress == pytest.approx(461056 / 2093056)  # sysfs sectors, finer than mdstat's 22.0%
    assert arr.sync.finish_seconds == pytest.approx(30.0)  # only mdstat estimates the finish
    assert arr.uuid == "a1b2c3d4-0000-1111-2222-333344445555" and arr.mismatch_cnt == 0


def test_merge_flags_a_lying_degraded_counter():
    # Vendors have shipped kernels whose `degraded` reads 0 on a degraded array: keep both opinions.
    mdstat = parse_mdstat(MDSTAT).arrays[0]
    arr = merge("md0", mdstat, _sysfs(degraded="0"))
    assert not arr.degraded  # sysfs first ...
    assert any("degraded" in d and "mdstat" in d for d in arr.disagreements)  # ... but never silently


def test_merge_repair_is_not_a_disagreement():
    # mdstat prints a running repair as "resync"; sysfs sync_action names it: repair.
    text = MDSTAT.replace("recovery =", "resync =").replace("[2/1] [U_]", "[2/2] [UU]")
    arr = merge("md0", parse_mdstat(text).arrays[0], _sysfs("0", "repair", "in_sync", "1"))
    assert arr.sync.action is SyncAction.REPAIR and arr.disagreements == ()


def test_merge_mdadm_second_opinion():
    detail = parse_mdadm_detail(
        (
            Path(__file__).parent / "hosts/web01-mirror-degraded/commands/mdadm_--detail_dev_md1/stdout"
        ).read_text()
    )
    md = parse_mdstat((Path(__file__).parent / "hosts/web01-mirror-degraded/fs/proc/mdstat").read_text())
    md1 = next(a for a in md.arrays if a.name == "md1")
    arr = merge("md1", md1, None, detail)
    assert arr.sources == ("mdstat", "mdadm") and arr.events == 20417 and arr.disagreements == ()
    # an mdadm that says "clean" on a degraded array is reported, not believed
    lying = parse_mdadm_detail(
        (Path(__file__).parent / "hosts/web01-mirror-degraded/commands/mdadm_--detail_dev_md1/stdout")
        .read_text()
        .replace("clean, degraded", "clean")
    )
    arr = merge("md1", md1, None, lying)
    assert arr.degraded and any("mdadm" in d for d in arr.disagreements)


# ------------------------------------------------------------------ failures_tolerated


def disk(name: str) -> StackNode:
    return StackNode(name, "disk", key=f"wwn:{name}")


def part(name: str, d: str) -> StackNode:
    return StackNode(name, "partition", children=(disk(d),))


def md(name: str, need: int | None, *children: StackNode) -> StackNode:
    return StackNode(name, "md", children=children, need=need, redundant=True)


def test_raid1_pair_survives_one():
    assert failures_tolerated(md("md0", 1, part("sda1", "sda"), part("sdb1", "sdb"))) == 1


def test_degraded_raid1_survives_none():
    assert failures_tolerated(md("md0", 1, part("sda1", "sda"))) == 0


def test_mirror_of_two_partitions_of_one_disk_survives_none():
    assert failures_tolerated(md("md0", 1, part("sda1", "sda"), part("sda2", "sda"))) == 0


def test_raid6_counts():
    six = [part(f"sd{c}1", f"sd{c}") for c in "abcdef"]
    assert failures_tolerated(md("md0", 4, *six)) == 2
    assert failures_tolerated(md("md0", 4, *six[:4])) == 0  # 4 of 6 in sync: [UUUU__]
    assert failures_tolerated(md("md0", 4, *six[:5])) == 1


def test_three_way_mirror_and_failed_array():
    assert failures_tolerated(md("md0", 1, disk("a"), disk("b"), disk("c"))) == 2
    assert failures_tolerated(md("md0", 3, disk("a"), disk("b"))) == -1  # needs more than it has: down


def test_lvm_over_two_mirrors_and_raid0():
    lv = StackNode(
        "dm-0", "dm", children=(md("md0", 1, disk("a"), disk("b")), md("md1", 1, disk("c"), disk("d")))
    )
    assert failures_tolerated(lv) == 1  # any single loss survived; both halves of one mirror kill it
    assert alive(lv, frozenset({"wwn:a", "wwn:c"}))
    assert not alive(lv, frozenset({"wwn:a", "wwn:b"}))
    raid0 = StackNode("md9", "md", children=(disk("a"), disk("b")), need=None)
    assert failures_tolerated(raid0) == 0


def test_multipath_paths_share_one_disk():
    mp = StackNode(
        "dm-1",
        "dm",
        children=(StackNode("sdc", "disk", key="wwn:X"), StackNode("sdd", "disk", key="wwn:X")),
        need=1,
    )
    assert failures_tolerated(mp) == 0


def test_array_member_state_rules():
    arr = Array(
        name="md0",
        level="raid10",
        state="active",
        raid_disks=4,
        copies=2,
        members=tuple(Member(f"sd{c}", i, MemberState.ACTIVE) for i, c in enumerate("abcd")),
    )
    assert arr.member_losses_survivable() == 1 and arr.redundant_by_level


def test_udev_label_escapes():
    from raidwatch.parsers.sysblock import unescape_udev

    assert unescape_udev("srv\\x20data") == "srv data"
    assert unescape_udev("caf\\xc3\\xa9") == "café"
    assert unescape_udev("plain") == "plain"
