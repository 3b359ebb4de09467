"""/proc/mdstat parser: every state from recorded outputs, the corpus against its readings, fuzzing."""

from __future__ import annotations

import contextlib
import re

import pytest
from conftest import CORPUS, FIXTURES, corpus_files, corpus_path, expected_for, needs_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from raidwatch.errors import ParseError
from raidwatch.model import MemberState, SyncAction
from raidwatch.parsers.mdstat import parse_mdstat

# Hand-made files only (tests/fixtures/mdstat/SOURCES.md); the real outputs are read in place from
# ../shared/corpus/mdstat/ (glensc-check-raid/, prometheus-procfs/), by their corpus path.
MD = FIXTURES / "mdstat"


def arrays(rel: str) -> dict:
    """The arrays of one real /proc/mdstat, by its path in ../shared/corpus (skips without the corpus)."""
    res = parse_mdstat(corpus_path(rel).read_text(), rel)
    return {a.name: a for a in res.arrays}


def handmade_arrays(name: str) -> dict:
    """The arrays of one hand-made file in tests/fixtures/mdstat."""
    res = parse_mdstat((MD / name).read_text(), name)
    return {a.name: a for a in res.arrays}


def test_clean_raid1_pair():
    a = arrays("mdstat/glensc-check-raid/issue64")["md1"]
    assert (a.level, a.state, a.raid_disks, a.in_sync_disks, a.degraded) == ("raid1", "active", 2, 2, False)
    assert [(m.device, m.slot, m.state) for m in a.members] == [
        ("sdc2", 0, MemberState.ACTIVE),
        ("sdd2", 1, MemberState.ACTIVE),
    ]
    assert a.sync is None and a.metadata == "1.2" and a.status_map == "UU"


def test_auto_read_only_is_read_only_too():
    md = arrays("mdstat/glensc-check-raid/issue64")
    assert md["md2"].auto_read_only and md["md2"].read_only
    assert not md["md1"].read_only


def test_degraded_with_failed_member():
    a = arrays("mdstat/glensc-check-raid/mdstat-failed")["md0"]
    assert (a.level, a.raid_disks, a.in_sync_disks, a.degraded, a.status_map) == ("raid5", 3, 2, True, "U_U")
    assert [m.device for m in a.failed_members] == ["sdc1"]
    assert a.size_bytes == 8385664 * 1024


def test_failed_extra_member_in_full_array_is_not_degraded():
    # [5/5] with a sixth device marked (F): every role is filled, one faulty extra sits in the array
    a = arrays("mdstat/glensc-check-raid/issue164")["md1"]
    assert a.raid_disks == 5 and a.in_sync_disks == 5 and not a.degraded
    assert [m.device for m in a.failed_members] == ["sdh1"]


def test_recovery_progress_eta_speed_and_target():
    md = arrays("mdstat/glensc-check-raid/pr28_2")
    a = md["md0"]
    assert a.degraded and a.in_sync_disks == 1
    s = a.sync
    assert s.action is SyncAction.RECOVERY and s.running
    assert s.progress == pytest.approx(0.039)
    assert s.finish_seconds == pytest.approx(267.0 * 60)
    assert s.speed_kib_s == 12
    assert (s.done_blocks, s.total_blocks) == (8448, 208704)
    # sda1[2]: descriptor 2 >= raid_disks 2 while [_U]: the recovery target, not in sync
    sda1 = next(m for m in a.members if m.device == "sda1")
    assert sda1.rebuilding and sda1.in_sync is False
    sdb1 = next(m for m in a.members if m.device == "sdb1")
    assert sdb1.in_sync and not sdb1.rebuilding


def test_resync_delayed_is_queued_not_running():
    md = arrays("mdstat/glensc-check-raid/pr28_2")
    s = md["md1"].sync
    assert s.action is SyncAction.RESYNC and s.delayed and not s.running and s.progress is None


def test_resync_pending_and_delayed_in_procfs_sample():
    md = arrays("mdstat/prometheus-procfs/mdstat")
    assert md["md11"].sync.pending and not md["md11"].sync.running and md["md11"].auto_read_only
    assert md["md9"].sync.delayed and md["md9"].sync.action is SyncAction.RESYNC


def test_resync_running():
    s = arrays("mdstat/glensc-check-raid/mdstat-resync")["md2"].sync
    assert s.action is SyncAction.RESYNC and s.running and s.progress == pytest.approx(0.112)
    assert s.speed_kib_s == 54928 and s.finish_seconds == pytest.approx(197.2 * 60)


def test_check_is_a_scrub():
    a = arrays("mdstat/glensc-check-raid/pr24")["md2"]
    assert a.sync.action is SyncAction.CHECK and a.sync.action.is_scrub and not a.degraded
    assert a.sync.progress == pytest.approx(0.983)


def test_reshape_raid6_two_missing_is_degraded():
    a = arrays("mdstat/glensc-check-raid/issue43/reshape")["md0"]
    assert a.level == "raid6" and a.status_map == "UUUU__" and a.degraded
    assert a.sync.action is SyncAction.RESHAPE and a.sync.progress == pytest.approx(0.484)
    assert len(a.spare_members) == 2 and a.metadata == "0.91"


def test_raid6_recovery_two_targets():
    a = arrays("mdstat/glensc-check-raid/issue43/recovery")["md0"]
    assert (a.raid_disks, a.in_sync_disks) == (6, 4)
    assert sorted(m.device for m in a.members if m.rebuilding) == ["sde1", "sdf1"]


def test_spares_and_failed_counted():
    md = arrays("mdstat/prometheus-procfs/mdstat")
    md6 = md["md6"]
    assert [m.device for m in md6.failed_members] == ["sdb2"]
    assert [m.device for m in md6.spare_members] == ["sdc"]
    assert md6.sync.action is SyncAction.RECOVERY and md6.sync.progress == pytest.approx(0.085)
    md3 = md["md3"]
    assert len(md3.spare_members) == 2 and md3.raid_disks == 8 and md3.chunk_kib == 64


def test_raid0_and_linear_have_no_redundancy():
    md = arrays("mdstat/glensc-check-raid/mdstat-linear")
    assert md["md0"].level == "linear" and not md["md0"].redundant_by_level
    assert md["md0"].raid_disks == 2 and md["md0"].in_sync_disks == 2 and not md["md0"].degraded
    r0 = arrays("mdstat/glensc-check-raid/mdstat-raid0")["md2"]
    assert r0.level == "raid0" and not r0.redundant_by_level
    assert {m.device for m in r0.members} == {"dm-14", "dm-15"}


def test_external_metadata_container_and_member():
    md = arrays("mdstat/glensc-check-raid/issue34")
    container, member = md["md0"], md["md127"]
    assert container.is_container and container.state == "inactive" and container.metadata == "external:imsm"
    assert container.level == "container"
    assert all(m.state is MemberState.SPARE for m in container.members)
    assert member.container == "md0" and member.level == "raid1" and not member.is_container
    assert not member.degraded


def test_read_only_and_inactive():
    md = arrays("mdstat/prometheus-procfs/mdstat")
    assert md["md101"].read_only and not md["md101"].auto_read_only
    # md4: "inactive raid1 ... [2/2] [UU]". An inactive array serves nothing, whatever the
    # status map says; procfs reports DisksActive 0 and so do we (in_sync_disks 0, not degraded:
    # "inactive" is its own, worse state).
    md4 = md["md4"]
    assert md4.state == "inactive" and md4.in_sync_disks == 0 and not md4.degraded


def test_old_kernel_format():
    res = parse_mdstat((MD / "oldkernel-2.4").read_text())
    md = {a.name: a for a in res.arrays}
    assert res.warnings == ()
    assert md["md0"].metadata is None and md["md0"].raid_disks == 2 and not md["md0"].degraded
    assert md["md1"].degraded and [m.device for m in md["md1"].failed_members] == ["hda2"]


def test_flags_journal_replacement_writemostly_and_raid10_copies():
    md = handmade_arrays("flags-journal-replacement-writemostly")
    journal = next(m for m in md["md5"].members if m.device == "sdf1")
    assert journal.flags == ("journal",) and journal.state is MemberState.ACTIVE
    md3 = {m.device: m for m in md["md3"].members}
    assert md3["sdb3"].flags == ("replacement",)
    assert md3["sdg3"].flags == ("write-mostly",)
    assert md["md10"].copies == 2 and md["md10"].chunk_kib == 512
    assert md["md10"].member_losses_survivable() == 1


def test_no_arrays():
    res = parse_mdstat(corpus_path("mdstat/glensc-check-raid/mdstat-none").read_text())
    assert res.arrays == () and res.warnings == ()


def test_unknown_lines_are_tolerated_and_reported():
    text = (
        corpus_path("mdstat/glensc-check-raid/issue64")
        .read_text()
        .replace("unused devices", "      some future kernel line\nunused devices")
    )
    res = parse_mdstat(text, "x")
    assert len(res.arrays) == 3
    assert any("some future kernel line" in w for w in res.warnings)


@pytest.mark.parametrize(
    "text",
    ["", "hello world\n", "root:x:0:0:root:/root:/bin/bash\n", "md0 : exploded raid1 sda1[0]\n", "\x00\x01"],
)
def test_not_mdstat_is_a_parse_error(text):
    with pytest.raises(ParseError):
        parse_mdstat(text, "input")


# ------------------------------------------------------------------- the corpus and its readings

PROCFS_ACTIVITY = {
    "recovering": "recovery",
    "resyncing": "resync",
    "checking": "check",
    "reshaping": "reshape",
}


@needs_corpus
@pytest.mark.parametrize("path", corpus_files("mdstat"), ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_parses(path):
    res = parse_mdstat(path.read_text(errors="replace"), str(path))
    exp = expected_for(path)
    if exp is None:
        return
    text = exp.read_text()
    if "procfs" in str(path):
        check_procfs_reading(res, text)
    else:
        check_checkraid_reading(res, text)


def check_procfs_reading(res, text):
    md = {a.name: a for a in res.arrays}
    for name, body in re.findall(r'^"(\w+)":(.*)$', text, re.M):
        f = dict(re.findall(r"(\w+):\s+(\"[^\"]*\"|[\d.]+)", body))
        a = md[name]
        assert f["Type"].strip('"') == (a.level if a.level != "container" else "unknown"), name
        assert int(f["BlocksTotal"]) * 1024 == a.size_bytes, name
        failed = sum(1 for m in a.members if m.state is MemberState.FAILED)
        spare = sum(1 for m in a.members if m.state is MemberState.SPARE)
        assert int(f["DisksFailed"]) == failed, name
        assert int(f["DisksSpare"]) == spare, name
        assert int(f["DisksActive"]) == a.in_sync_disks, name
        if a.state == "active":
            assert int(f["DisksTotal"]) == a.raid_disks, name
            assert int(f["DisksDown"]) == a.raid_disks - a.in_sync_disks, name
        # procfs reports DisksTotal 0 for inactive arrays; we keep what the line prints.
        activity = f["ActivityState"].strip('"')
        if activity in PROCFS_ACTIVITY:
            # procfs calls md9 (resync=DELAYED) and md11 (resync=PENDING) "resyncing": the kernel
            # has queued them, not started them. We keep the action and flag it queued.
            assert a.sync is not None and a.sync.action.value == PROCFS_ACTIVITY[activity], name
            if float(f["BlocksSyncedPct"]):
                assert a.sync.progress * 100 == pytest.approx(float(f["BlocksSyncedPct"])), name
            else:
                assert not a.sync.running, name
        else:
            assert a.state == activity, name
            assert a.sync is None, name


SIZE_UNITS = {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def check_checkraid_reading(res, text):
    """check_raid's summary: 'md0(8.00 GiB raid5):F:sdc1:U_U (recovery:3.9% 12K/sec ETA: 267.0min)'."""
    md = {a.name: a for a in res.arrays}
    m = re.search(r"^  message: (.*)$", text, re.M)
    if not m:
        assert not md
        return
    for name, size, unit, level, rest in re.findall(
        r"(md\d+)\(([\d.]+) (\w+)(?: (\w+))?\):([^,]*)", m.group(1)
    ):
        a = md[name]
        assert a.size_bytes / SIZE_UNITS[unit] == pytest.approx(float(size), abs=0.006), name
        if level:
            assert a.level == level, name
        status_map = re.search(r"(?:^|:)([U_]+)(?: |$)", rest)
        if status_map and a.status_map:
            assert a.status_map == status_map.group(1), name
        for failed in re.findall(r"F:(\w+):", rest):
            assert failed in {x.device for x in a.failed_members}, name
        if "hot-spare failure" in rest:
            dev = re.search(r"hot-spare failure:(\w+)", rest).group(1)
            assert dev in {x.device for x in a.failed_members} and not a.degraded, name
        sync = re.search(r"\((\w+):([\d.]+)% (\d+)K/sec ETA: ([\d.]+)min\)", rest)
        if sync:
            assert a.sync.action.value == sync.group(1), name
            assert a.sync.progress * 100 == pytest.approx(float(sync.group(2))), name
            assert a.sync.speed_kib_s == int(sync.group(3)), name
            assert a.sync.finish_seconds == pytest.approx(float(sync.group(4)) * 60), name
        queued = re.search(r"\((\w+)=DELAYED\)", rest)
        if queued:
            # check_raid names pr77's md1 "check=DELAYED"; the kernel wrote "resync=DELAYED" there
            # (the file says so): we report what the kernel wrote.
            assert a.sync is not None and a.sync.delayed, name
    statuses = re.findall(r"^  status: (\w+)$", text, re.M)
    if statuses and statuses[0] == "CRITICAL" and "could not be found" not in m.group(1):
        assert any(a.degraded or a.failed_members for a in res.arrays)
    if statuses and statuses[0] == "OK" and len(statuses) == 1:
        assert not any(a.degraded or a.failed_members for a in res.arrays)


# ------------------------------------------------------------------- no input crashes the parser

LINES = [
    "Personalities : [raid1] [raid6]",
    "md0 : active raid1 sda1[0] sdb1[1](F)",
    "md1 : inactive sdc[0](S)",
    "      1000 blocks super 1.2 [2/1] [U_]",
    "      [=>...]  recovery = 8.5% (1/2) finish=1.0min speed=10K/sec",
    "      resync=DELAYED",
    "      bitmap: 0/1 pages [0KB], 65536KB chunk",
    "unused devices: <none>",
    "md2 : active (auto-read-only) raid10 sda[0] sdb[1]",
]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_fuzz_any_text(text):
    with contextlib.suppress(ParseError):
        parse_mdstat(text, "fuzz")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(LINES), st.text(max_size=60)), max_size=20))
def test_fuzz_plausible_lines(lines):
    try:
        res = parse_mdstat("\n".join(lines), "fuzz")
    except ParseError:
        return
    for a in res.arrays:
        assert a.state in ("active", "inactive")
        if a.sync and a.sync.progress is not None:
            assert 0.0 <= a.sync.progress <= 1.0


def test_one_unreadable_array_hides_nothing_else():
    text = (
        corpus_path("mdstat/glensc-check-raid/issue64")
        .read_text()
        .replace("md1 : active raid1", "md1 : exploded raid1")
    )
    res = parse_mdstat(text, "mdstat")
    assert [a.name for a in res.arrays] == ["md2", "md0"]
    assert len(res.errors) == 1 and "md1" in str(res.errors[0]) and "exploded" in str(res.errors[0])
    assert res.warnings == ()  # md1's body lines were skipped with it, not reported one by one


# --------------------------------------------------- reshape: in-sync from the map (issue 11, item 5.5)
# md prints " [raid_disks/working] [map]": working = raid_disks - mddev->degraded, the map one In_sync bit per
# role (raid5.c raid5_status; raid1.c/raid10.c alike). During a reshape raid_disks is the new count (sysfs
# md/raid_disks reads "new (old)"), and raid5_calc_degraded() does not count a role of the new geometry
# whose device is not In_sync yet (the reshape itself writes it): then the count and the map differ. The
# members holding current data are the map's U (what sysfs dev-*/state says); `degraded` stays the count's.

RESHAPE = """\
Personalities : [raid6] [raid5] [raid4]
md3 : active raid5 sde1[4] sdb1[0] sdc1[1]
      5860270080 blocks super 1.2 level 5, 512k chunk, algorithm 2 [{n}/{w}] [{map}]
      [====>................]  reshape = 21.7% (423948288/1953423360) finish=712.3min speed=35788K/sec

unused devices: <none>
"""


@needs_corpus
def test_reshape_real_outputs_count_and_map_agree():
    # check_raid issue43: raid6 reshaping to 6 roles with two of them empty and two spares waiting
    a = arrays("mdstat/glensc-check-raid/issue43/reshape")["md0"]
    assert (a.raid_disks, a.in_sync_disks, a.status_map, a.degraded) == (6, 4, "UUUU__", True)
    assert a.sync.action is SyncAction.RESHAPE and a.member_losses_survivable() - 2 == 0
    # issue43/reshape.expected.txt: WARNING is check_raid's rule for any array under resync/reshape, not a
    # reading of the kernel's [6/4] (no redundancy left), and its message lists the one md0 twice (the
    # plugin's duplicate). The array facts it states (raid6, 5.46 TiB, UUUU__, reshape 48.4%) match ours.
    assert a.size_bytes == 5860543744 * 1024 and round(a.size_bytes / 1024**4, 2) == 5.46
    # prometheus/procfs md42: raid5 [3/2] [UU_] reshaping with a spare; its reading: DisksActive 2, Down 1
    a = arrays("mdstat/prometheus-procfs/mdstat")["md42"]
    assert (a.raid_disks, a.in_sync_disks, a.status_map, a.degraded) == (3, 2, "UU_", True)
    assert a.sync.action is SyncAction.RESHAPE


def test_reshape_in_sync_from_the_map_where_the_count_differs():
    # a raid5 grown 3 -> 4 with role 2 lost and role 3 not yet In_sync (re-assembled mid-reshape)
    res = parse_mdstat(RESHAPE.format(n=4, w=3, map="UU__"), "reshape")
    (a,) = res.arrays
    assert (a.raid_disks, a.in_sync_disks, a.degraded) == (4, 2, True)
    # the same grow with every old role present: the kernel does not count role 3 as missing
    (a,) = parse_mdstat(RESHAPE.format(n=4, w=4, map="UUU_"), "reshape").arrays
    assert (a.raid_disks, a.in_sync_disks, a.degraded) == (4, 3, False)
    # agreeing count and map: nothing changes
    (a,) = parse_mdstat(RESHAPE.format(n=4, w=3, map="UUU_"), "reshape").arrays
    assert (a.raid_disks, a.in_sync_disks, a.degraded) == (4, 3, True)


def test_no_reshape_keeps_the_count():
    # outside a reshape the kernel prints both from the same bits; a mismatch is not read into anything
    text = RESHAPE.format(n=4, w=3, map="UU__").replace("reshape = 21.7%", "recovery = 21.7%")
    (a,) = parse_mdstat(text, "recovery").arrays
    assert (a.raid_disks, a.in_sync_disks, a.degraded) == (4, 3, True)


def test_reshape_mdstat_and_sysfs_now_agree_on_in_sync():
    from raidwatch.collectors.md import merge
    from raidwatch.parsers.md_sysfs import parse_md_sysfs

    (md,) = parse_mdstat(RESHAPE.format(n=4, w=3, map="UU__"), "reshape").arrays
    dev = {
        "sdb1": {"state": "in_sync", "slot": "0"},
        "sdc1": {"state": "in_sync", "slot": "1"},
        "sde1": {"state": "", "slot": "3"},  # role 3 of the new geometry, not In_sync yet
    }
    files = {"level": "raid5", "array_state": "active", "raid_disks": "4 (3)", "degraded": "1"}
    files |= {"sync_action": "reshape"}
    sysfs = parse_md_sysfs("md3", files, dev)
    arr = merge("md3", md, sysfs)
    assert (arr.raid_disks, arr.in_sync_disks, arr.degraded) == (4, 2, True)
    assert not [d for d in arr.disagreements if d.startswith(("in-sync", "degraded"))], arr.disagreements
