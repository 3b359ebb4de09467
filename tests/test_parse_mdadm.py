"""mdadm --detail/--examine parser: real outputs read in place from ../shared/corpus, properties."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import CORPUS, corpus_files, corpus_path, expected_for, needs_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from raidwatch.errors import ParseError
from raidwatch.model import MemberState, SyncAction
from raidwatch.parsers.mdadm import (
    MdadmDetail,
    MdadmDevice,
    MdadmExamine,
    detect_mdadm_format,
    parse_mdadm,
    parse_mdadm_detail,
    parse_mdadm_examine,
    to_json,
)

# Real `mdadm --detail` / `--examine` outputs are read in place from ../shared/corpus/mdadm-detail/
# (kellyjonbrazil-jc/: jc's tests/fixtures/generic, MIT; see ../shared/corpus/SOURCES.md), by corpus path;
# without the corpus the tests that need them skip. Nothing of them is copied into this repository.
CORPUS_DIR = CORPUS / "mdadm-detail"

# The real outputs the explicit-value tests below read, also used to seed the property tests.
JC_EXPLICIT = [
    "mdadm-detail/kellyjonbrazil-jc/mdadm-examine-container2-dev1.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-0-90-ok.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-checking.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-ok.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-replacing.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-spare.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-container1-member.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-container1-root.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-container2-root.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-detail.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid0-ok.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-faulty-with-spare.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-faulty.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-ok-0-9.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-ok.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-rebuild-failfast.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-spare-writem-rebuild.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-syncing.out",
    "mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid5-ok.out",
]


def fixture(rel: str) -> str:
    """One real mdadm output, by its path in ../shared/corpus (the calling test skips without it)."""
    return corpus_path(rel).read_text()


def detail(rel: str) -> MdadmDetail:
    result = parse_mdadm(fixture(rel), rel)
    assert isinstance(result, MdadmDetail)
    assert result.warnings == ()
    return result


def examine(rel: str) -> MdadmExamine:
    result = parse_mdadm(fixture(rel), rel)
    assert isinstance(result, MdadmExamine)
    assert result.warnings == ()
    return result


def dev(number, major, minor, role, state, device, descriptor=None) -> MdadmDevice:
    return MdadmDevice(number, major, minor, role, tuple(state.split()), device, descriptor)


# ------------------------------------------------------------------ recorded fixtures, explicit values


def test_clean_raid1() -> None:
    r = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-ok.out")
    assert (r.device, r.version, r.level) == ("/dev/md126", "1.2", "raid1")
    assert (r.array_size_kib, r.used_dev_size_kib) == (101376, 101376)
    assert (r.raid_devices, r.total_devices) == (2, 2)
    assert r.state == "clean"
    assert r.state_flags == ("clean",)
    assert (r.active_devices, r.working_devices, r.failed_devices, r.spare_devices) == (2, 2, 0, 0)
    assert r.consistency_policy == "resync"
    assert (r.name, r.homehost, r.local) == ("sysrescue:126", "sysrescue", True)
    assert r.uuid == "e054553a:fbccdcfe:0ae80bc8:9379377a"
    assert r.events == 17
    assert r.creation_time == "Sun Aug  7 21:15:49 2022"
    assert r.devices == (
        dev(0, 254, 1, 0, "active sync", "/dev/vda1"),
        dev(1, 254, 2, 1, "active sync", "/dev/vda2"),
    )
    assert not r.is_degraded and not r.is_failed and not r.is_container
    assert r.sync_action is None and r.sync_status() is None
    assert all(d.in_sync and d.member_state is MemberState.ACTIVE for d in r.devices)
    assert r.extra == ()


def test_raid1_metadata_1_1_with_bitmap() -> None:
    r = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-detail.out")
    assert (r.version, r.intent_bitmap, r.consistency_policy) == ("1.1", "Internal", "bitmap")
    assert r.array_size_kib == 5860520828
    # Name "virttest:0" without "(local to host ...)": homehost is the part before ':', not this host.
    assert (r.name, r.homehost, r.local) == ("virttest:0", "virttest", False)
    assert r.events == 2193679
    assert [d.number for d in r.devices] == [3, 2]
    assert [d.raid_device for d in r.devices] == [0, 1]


def test_degraded_with_faulty_and_removed() -> None:
    r = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-faulty.out")
    assert r.state_flags == ("clean", "degraded")
    assert (r.active_devices, r.working_devices, r.failed_devices, r.spare_devices) == (1, 1, 1, 0)
    assert r.is_degraded
    ok, removed, faulty = r.devices
    assert ok == dev(0, 254, 1, 0, "active sync", "/dev/vda1")
    assert removed == dev(None, 0, 0, 1, "removed", None)
    assert removed.is_removed and removed.member_state is None
    assert faulty == dev(1, 254, 2, None, "faulty", "/dev/vda2")
    assert faulty.is_faulty and not faulty.in_sync and faulty.member_state is MemberState.FAILED
    assert r.members_by_role == {0: (ok,)}


def test_degraded_spare_rebuilding_beside_faulty_failfast() -> None:
    r = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-faulty-with-spare.out")
    assert r.state_flags == ("clean", "degraded", "recovering")
    assert (r.sync_action, r.sync_percent, r.rebuild_percent) == (SyncAction.RECOVERY, 24.0, 24.0)
    assert r.resync_percent is None and r.check_percent is None and r.reshape_percent is None
    status = r.sync_status()
    assert (
        status is not None and status.action is SyncAction.RECOVERY and status.progress == pytest.approx(0.24)
    )
    assert r.devices[1] == dev(3, 254, 4, 1, "spare rebuilding", "/dev/vda4")
    assert r.devices[1].is_rebuilding and r.devices[1].member_state is MemberState.ACTIVE
    assert r.devices[2] == dev(2, 254, 2, None, "faulty failfast", "/dev/vda2")
    assert r.devices[2].flags == ("failfast",)


def test_spare_rebuilding_with_writemostly_failfast() -> None:
    r = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-spare-writem-rebuild.out")
    # "clean, recovering" with 2 active of 2: a rebuild onto an extra device, the array is not degraded.
    assert r.state_flags == ("clean", "recovering")
    assert not r.is_degraded
    assert (r.sync_action, r.sync_percent) == (SyncAction.RECOVERY, 30.0)
    rebuilding = r.devices[1]
    assert rebuilding == dev(2, 254, 2, 1, "writemostly failfast spare rebuilding", "/dev/vda2")
    assert rebuilding.flags == ("writemostly", "failfast")
    assert rebuilding.is_spare and rebuilding.is_rebuilding and not rebuilding.in_sync
    assert [d.device for d in r.members_by_role[1]] == ["/dev/vda2", "/dev/vda4"]


def test_failfast_spare_rebuilding_degraded() -> None:
    r = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-rebuild-failfast.out")
    assert r.is_degraded and r.rebuild_percent == 20.0
    assert r.devices[1].state == ("failfast", "spare", "rebuilding")


def test_resync() -> None:
    r = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-syncing.out")
    assert r.state_flags == ("clean", "resyncing")
    assert (r.sync_action, r.resync_percent, r.events) == (SyncAction.RESYNC, 4.0, 0)
    assert not r.is_degraded


def test_check_is_a_detail_despite_its_name() -> None:
    # jc calls this file "examine"; it is `mdadm --detail` of /dev/md126 (no Magic, has the device table).
    r = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-checking.out")
    assert r.device == "/dev/md126"
    assert r.state_flags == ("clean", "checking")
    assert (r.sync_action, r.check_percent) == (SyncAction.CHECK, 21.0)
    status = r.sync_status()
    assert status is not None and status.action.is_scrub


def test_raid5() -> None:
    r = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid5-ok.out")
    assert (r.level, r.raid_devices, r.layout, r.chunk_size_kib) == ("raid5", 3, "left-symmetric", 512)
    assert (r.array_size_kib, r.used_dev_size_kib) == (405504, 202752)
    assert [(d.number, d.raid_device, d.device) for d in r.devices] == [
        (0, 0, "/dev/vda1"),
        (1, 1, "/dev/vda2"),
        (3, 2, "/dev/vda3"),
    ]


def test_raid0() -> None:
    r = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid0-ok.out")
    assert (r.level, r.layout, r.chunk_size_kib, r.consistency_policy) == ("raid0", "-unknown-", 512, "none")
    assert r.used_dev_size_kib is None
    assert r.array_size_kib == 200704 and r.events == 0


def test_metadata_0_90_detail() -> None:
    r = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-ok-0-9.out")
    assert r.version == "0.90"
    # 0.90 prints the 64-bit event counter as "high.low": 0.18 is event 18 (jc splits it into maj/min).
    assert r.events == 18
    # 0.90 has no Name; the UUID line carries the "(local to host ...)" note.
    assert (r.name, r.uuid, r.homehost, r.local) == (
        None,
        "3f720601:29af5283:96fc04a8:108a4af7",
        "sysrescue",
        True,
    )
    assert r.value("Preferred Minor") == "0"


def test_metadata_0_90_examine() -> None:
    r = examine("mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-0-90-ok.out")
    assert (r.device, r.magic, r.version) == ("/dev/vda1", "a92b4efc", "0.90.00")
    assert r.array_uuid == "3f720601:29af5283:96fc04a8:108a4af7"
    assert (r.level, r.raid_devices, r.total_devices, r.active_devices) == ("raid1", 2, 2, 2)
    assert (r.working_devices, r.failed_devices, r.spare_devices) == (2, 0, 0)
    assert (r.array_size_kib, r.used_dev_size_kib, r.events) == (102336, 102336, 18)
    assert (r.checksum, r.checksum_ok) == ("7fb4bb0e", True)
    assert r.this == dev(0, 254, 1, 0, "active sync", "/dev/vda1")
    assert r.devices == (
        dev(0, 254, 1, 0, "active sync", "/dev/vda1", descriptor=0),
        dev(1, 254, 2, 1, "active sync", "/dev/vda2", descriptor=1),
    )
    assert r.device_role is None and r.array_state is None  # 0.90 prints neither


def test_container_root_and_member() -> None:
    root = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-container1-root.out")
    assert (root.device, root.version, root.level) == ("/dev/md0", "ddf", "container")
    assert root.is_container and not root.is_degraded
    assert (root.total_devices, root.working_devices, root.raid_devices) == (2, 2, None)
    assert root.member_arrays == ("/dev/md/vol0",)
    assert root.value("Container GUID") == "4C696E75:782D4D44:DEADBEEF:00000000:502D01BA:FB6D4FCB"
    assert root.value("Container GUID (continued)") == "(Linux-MD 08/16/22 16:20:42)"
    assert root.value("Virtual Disks") == "1"
    assert root.devices == (dev(None, 254, 0, None, "", "/dev/vda"), dev(None, 254, 16, None, "", "/dev/vdb"))
    assert detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-container2-root.out").member_arrays == (
        "/dev/md/vol0",
        "/dev/md/vol1",
    )

    member = detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-container1-member.out")
    assert (member.device, member.container, member.container_member) == ("/dev/md127", "/dev/md0", 0)
    assert (member.level, member.version, member.uuid) == ("raid1", None, None)
    assert member.array_size_kib == 786432
    assert member.devices[0] == dev(0, 254, 16, 0, "active sync", "/dev/vdb")


def test_examine_ddf_container_disk() -> None:
    r = examine("mdadm-detail/kellyjonbrazil-jc/mdadm-examine-container2-dev1.out")
    assert (r.device, r.magic, r.version, r.level) == ("/dev/vda", "de11de11", "01.02.00", None)
    assert [s.key for s in r.subarrays] == ["0", "1"]
    vol1 = r.subarrays[1]
    assert (vol1.name, vol1.level, vol1.state) == ("vol1", "RAID1", "Optimal, Consistent")
    assert vol1.uuid == "4C696E75:782D4D44:DEADBEEF:00000000:502D04D0:BA95BF7D"
    assert vol1.get("unit") == "126" and vol1.get("Raid Devices") == "2 (1@1024K 0@1024K)"
    assert [(d.number, d.ref, d.size, d.device, d.state) for d in r.physical_disks] == [
        (0, "33552859", "786432K", "/dev/vda", "active/Online"),
        (1, "1a6ba673", "913408K", None, "active/Online"),
    ]
    assert r.value("Physical Disks") == "1023"


def test_examine_raid1() -> None:
    r = examine("mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-ok.out")
    assert (r.device, r.magic, r.version, r.feature_map) == ("/dev/vda1", "a92b4efc", "1.2", "0x0")
    assert r.array_uuid == "e054553a:fbccdcfe:0ae80bc8:9379377a"
    assert (r.name, r.homehost, r.level, r.raid_devices) == ("sysrescue:126", "sysrescue", "raid1", 2)
    assert (r.avail_dev_size_sectors, r.array_size_kib) == (202752, 101376)
    assert (r.data_offset_sectors, r.super_offset_sectors) == (2048, 8)
    assert (r.state, r.device_role, r.replacement) == ("clean", 0, False)
    assert (r.array_state, r.array_state_words, r.missing_roles) == ("AA", ("active", "active"), 0)
    assert r.value("Unused Space") == "before=1968 sectors, after=0 sectors"
    assert r.this is None and r.devices == ()


def test_examine_replacing() -> None:
    r = examine("mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-replacing.out")
    assert (r.device_role, r.replacement) == (1, True)
    assert (r.array_state, r.array_state_words) == ("AR", ("active", "replacing"))
    assert r.flags == ("write-mostly", "failfast")
    assert (r.feature_map, r.recovery_offset_sectors, r.events) == ("0x12", 115200, 75)
    assert r.device_uuid == "cc336e3b:67a49dea:480135ed:9e1280cd"
    assert (r.checksum, r.checksum_ok) == ("e55a076b", True)


def test_examine_spare() -> None:
    r = examine("mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-spare.out")
    assert (r.device, r.device_role, r.replacement, r.is_spare) == ("/dev/vda4", "spare", False, True)


def test_to_json() -> None:
    d = to_json(detail("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-faulty-with-spare.out"))
    assert d["format"] == "detail"
    assert (d["sync_action"], d["sync_percent"], d["is_degraded"]) == ("recovery", 24.0, True)
    assert d["devices"][1] == {
        "number": 3,
        "major": 254,
        "minor": 4,
        "raid_device": 1,
        "state": ["spare", "rebuilding"],
        "device": "/dev/vda4",
        "descriptor": None,
    }
    e = to_json(examine("mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-replacing.out"))
    assert (e["format"], e["device_role"], e["replacement"]) == ("examine", 1, True)
    assert e["array_state_words"] == ["active", "replacing"]
    json.dumps(d)
    json.dumps(e)


# ------------------------------------------------------------------ shapes not in the corpus
# Hand-written here in the layout mdadm prints (Detail.c / super-intel.c); not recordings.

IMSM_CONTAINER_DETAIL = """\
/dev/md127:
           Version : imsm
        Raid Level : container
     Total Devices : 2

   Working Devices : 2


              UUID : 3b2fd2bd:a5aba6d3:8bd2d1df:4e4e1c8f
     Member Arrays : /dev/md/Volume0

    Number   Major   Minor   RaidDevice

       -       8        0        -        /dev/sda
       -       8       16        -        /dev/sdb
"""

IMSM_MEMBER_DELAYED = """\
/dev/md126:
         Container : /dev/md/imsm0, member 0
        Raid Level : raid1
        Array Size : 976759808 (931.51 GiB 1000.20 GB)
     Used Dev Size : 976759808 (931.51 GiB 1000.20 GB)
      Raid Devices : 2
     Total Devices : 2

             State : clean, degraded, resyncing (DELAYED)\x20
    Active Devices : 1
   Working Devices : 2
    Failed Devices : 0
     Spare Devices : 1

              UUID : 6d0f3b9a:8e3b4c2e:7a7c7f3e:0c1d2e3f
    Number   Major   Minor   RaidDevice State
       1       8       16        0      active sync   /dev/sdb
       0       8        0        1      spare rebuilding   /dev/sda
"""

IMSM_EXAMINE = """\
/dev/sda:
          Magic : Intel Raid ISM Cfg Sig.
        Version : 1.1.00
    Orig Family : 26b5a9e0
         Family : 26b5a9e0
     Generation : 00004db7
     Attributes : All supported
           UUID : 3b2fd2bd:a5aba6d3:8bd2d1df:4e4e1c8f
       Checksum : 261d2aed correct
    MPB Sectors : 1
          Disks : 2
   RAID Devices : 1

  Disk00 Serial : WD-WCC4E0000001
          State : active
             Id : 00000000
    Usable Size : 1953518862 (931.51 GiB 1000.20 GB)

[Volume0]:
           UUID : 6d0f3b9a:8e3b4c2e:7a7c7f3e:0c1d2e3f
     RAID Level : 1
        Members : 2
          Slots : [UU]
      This Slot : 0
     Array Size : 1953519616 (931.51 GiB 1000.20 GB)
      Map State : normal
    Dirty State : clean

  Disk01 Serial : WD-WCC4E0000002
          State : active
             Id : 00000001
    Usable Size : 1953518862 (931.51 GiB 1000.20 GB)
"""


def test_imsm_container_detail() -> None:
    r = parse_mdadm_detail(IMSM_CONTAINER_DETAIL)
    assert (r.version, r.level, r.is_container, r.member_arrays) == (
        "imsm",
        "container",
        True,
        ("/dev/md/Volume0",),
    )
    assert r.uuid == "3b2fd2bd:a5aba6d3:8bd2d1df:4e4e1c8f"
    assert [(d.number, d.raid_device, d.state, d.device) for d in r.devices] == [
        (None, None, (), "/dev/sda"),
        (None, None, (), "/dev/sdb"),
    ]
    assert [d.member_state for d in r.devices] == [MemberState.SPARE, MemberState.SPARE]


def test_delayed_resync_on_container_member() -> None:
    r = parse_mdadm_detail(IMSM_MEMBER_DELAYED)
    assert (r.container, r.container_member) == ("/dev/md/imsm0", 0)
    assert r.state == "clean, degraded, resyncing (DELAYED)"
    assert r.state_flags == ("clean", "degraded", "resyncing", "DELAYED")
    assert (r.sync_action, r.sync_percent, r.sync_queued) == (SyncAction.RESYNC, None, "DELAYED")
    status = r.sync_status()
    assert status is not None and status.delayed and not status.running
    assert r.is_degraded and r.array_size_kib == 976759808


def test_imsm_examine_sections() -> None:
    r = parse_mdadm_examine(IMSM_EXAMINE)
    assert (r.magic, r.version, r.array_uuid) == (
        "Intel Raid ISM Cfg Sig.",
        "1.1.00",
        "3b2fd2bd:a5aba6d3:8bd2d1df:4e4e1c8f",
    )
    assert (r.checksum, r.checksum_ok) == ("261d2aed", True)
    # imsm's "RAID Devices" counts volumes, not raid members: kept raw, not read as raid_devices.
    assert r.raid_devices is None and r.value("RAID Devices") == "1"
    assert r.state is None  # the disks' "State : active" lines belong to their disk blocks
    assert [(d.number, d.serial, d.state) for d in r.physical_disks] == [
        (0, "WD-WCC4E0000001", "active"),
        (1, "WD-WCC4E0000002", "active"),
    ]
    (vol,) = r.subarrays
    assert (vol.key, vol.name, vol.level, vol.state, vol.get("Slots")) == (
        "Volume0",
        "Volume0",
        "1",
        "normal",
        "[UU]",
    )


def test_unknown_keys_and_lines_are_kept_not_fatal() -> None:
    odd = "Consistency Policy : resync\n     Shiny New Key : 42\n!!! what is this"
    text = fixture("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-ok.out").replace(
        "Consistency Policy : resync", odd
    )
    r = parse_mdadm_detail(text, "x")
    assert r.value("Shiny New Key") == "42"
    assert len(r.warnings) == 1 and r.warnings[0].startswith("x:") and "what is this" in r.warnings[0]
    assert r.events == 17


def test_second_report_is_reported_not_merged() -> None:
    text = fixture("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-ok.out") + fixture(
        "mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid5-ok.out"
    )
    r = parse_mdadm_detail(text)
    assert (r.device, r.level) == ("/dev/md126", "raid1")
    assert len(r.devices) == 2 and "second report" in r.warnings[0]


def test_detect() -> None:
    assert detect_mdadm_format(fixture("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-ok.out")) == "detail"
    assert (
        detect_mdadm_format(fixture("mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-ok.out")) == "examine"
    )
    assert (
        detect_mdadm_format(fixture("mdadm-detail/kellyjonbrazil-jc/mdadm-examine-container2-dev1.out"))
        == "examine"
    )
    assert detect_mdadm_format("hello") is None


MDSTAT = """\
Personalities : [raid1]
md0 : active raid1 sdb1[1] sda1[0]
      1048512 blocks [2/2] [UU]

unused devices: <none>
"""


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("   \n\n", "empty"),
        ("\x00\x01binary", "binary"),
        ("hello world\n", "not mdadm"),
        (MDSTAT, "not mdadm"),
        ("mdadm: cannot open /dev/md9: No such file or directory\n", "No such file"),
        ("mdadm: No md superblock detected on /dev/sda1.\n", "No md superblock"),
    ],
)
def test_not_mdadm_output_raises_parse_error(text: str, why: str) -> None:
    for parse in (parse_mdadm, parse_mdadm_detail, parse_mdadm_examine):
        with pytest.raises(ParseError, match=why) as info:
            parse(text, "src")
        assert info.value.source == "src"


def test_wrong_kind_is_named() -> None:
    with pytest.raises(ParseError, match="examine"):
        parse_mdadm_detail(fixture("mdadm-detail/kellyjonbrazil-jc/mdadm-examine-raid1-ok.out"))
    with pytest.raises(ParseError, match="Magic"):
        parse_mdadm_examine(fixture("mdadm-detail/kellyjonbrazil-jc/mdadm-query-raid1-ok.out"))


# ------------------------------------------------------------------ the real-world corpus vs jc's reading


def read_expected(path: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """jc's reading as written in NAME.expected.txt: `key: value` lines and a `device_table:` list."""
    values: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    for line in path.read_text().splitlines()[1:]:
        if line.startswith("  - "):
            rows.append(dict(cell.split("=", 1) for cell in line[4:].split(", ")))
        elif ": " in line:
            key, value = line.split(": ", 1)
            values[key] = value
    return values, rows


def _none_or_int(text: str) -> int | None:
    return None if text == "None" else int(text)


def _norm(key: str) -> str:
    return re.sub(r"\W+", "_", key.strip().lower()).strip("_")


def _events(text: str) -> int:
    # jc keeps "0.19" as a string; mdadm prints a 0.90 event counter as high.low 32-bit halves.
    hi, _, lo = text.partition(".")
    return (int(hi) << 32) + int(lo) if lo else int(hi)


_SYNC_KEYS = {"rebuild": SyncAction.RECOVERY, "resync": SyncAction.RESYNC, "check": SyncAction.CHECK}
_INT_KEYS = ("raid_devices", "total_devices", "active_devices", "working_devices", "failed_devices")
_INT_KEYS += ("spare_devices",)
_SAME = ("device", "version", "creation_time", "update_time", "state", "layout", "consistency_policy")
_SAME += ("magic", "feature_map", "device_uuid", "homehost", "persistence", "intent_bitmap", "array_uuid")


def check_key(r: MdadmDetail | MdadmExamine, key: str, val: str) -> None:
    first = val.split()[0] if val.split() else ""
    if key in _SAME:
        assert getattr(r, key) == val
    elif key in _INT_KEYS:
        assert getattr(r, key) == int(val)
    elif key == "raid_level":
        assert r.level == val
    elif key in ("array_size", "array_size_num"):
        assert r.array_size_kib == int(first)
    elif key in ("used_dev_size", "used_dev_size_num"):
        assert r.used_dev_size_kib == int(first)
    elif key == "state_list":
        assert r.state_flags == tuple(val.split(", "))
    elif key in ("name", "name_val"):
        assert r.name == re.sub(r"\s*\(local to host [^)]*\)$", "", val)
    elif key in ("uuid", "uuid_val"):
        assert (r.uuid if isinstance(r, MdadmDetail) else r.array_uuid) == first
    elif key in ("events", "events_num"):
        assert r.events == _events(val)
    elif key == "events_maj":
        assert r.events is not None and r.events >> 32 == int(val)
    elif key == "events_min":
        assert r.events is not None and r.events & 0xFFFFFFFF == int(val)
    elif key == "chunk_size":
        assert r.chunk_size_kib == int(val.rstrip("K"))
    elif key == "chunk_size_num":
        assert r.chunk_size_kib == int(val)
    elif key.endswith("_status") and key.split("_")[0] in _SYNC_KEYS:
        assert isinstance(r, MdadmDetail)
        assert (r.sync_action, r.sync_percent) == (_SYNC_KEYS[key.split("_")[0]], float(val.split("%")[0]))
    elif key.endswith("_status_percent"):
        assert isinstance(r, MdadmDetail) and r.sync_percent == float(val)
    elif key == "container":
        assert isinstance(r, MdadmDetail) and f"{r.container}, member {r.container_member}" == val
    elif key == "container_dev":
        assert isinstance(r, MdadmDetail) and r.container == val
    elif key == "container_member":
        assert isinstance(r, MdadmDetail) and r.container_member == int(val)
    elif key == "member_arrays":
        assert isinstance(r, MdadmDetail) and r.member_arrays == tuple(val.split())
    elif key == "member_arrays_list":
        assert isinstance(r, MdadmDetail) and r.member_arrays == tuple(val.split(", "))
    elif isinstance(r, MdadmExamine):
        check_examine_key(r, key, val)
    else:
        check_extra(r, key, val)


def check_extra(r: MdadmDetail | MdadmExamine, key: str, val: str) -> None:
    """Keys the parser does not model (Container GUID, Seq, Preferred Minor...) must be kept verbatim."""
    extra = {_norm(k): v for k, v in r.extra}
    assert key in extra, f"jc key {key!r} not found in the parse"
    assert extra[key] == val


def check_examine_key(r: MdadmExamine, key: str, val: str) -> None:
    first = val.split()[0] if val.split() else ""
    indexed = re.fullmatch(r"(?P<base>.+)_(?P<idx>\d+)", key)
    if key in ("avail_dev_size", "avail_dev_size_num"):
        assert r.avail_dev_size_sectors == int(first)
    elif key in ("data_offset", "super_offset"):
        assert getattr(r, f"{key}_sectors") == int(val)
    elif key == "recovery_offset":
        assert r.recovery_offset_sectors == int(first)
    elif key == "flags":
        assert r.flags == tuple(val.split())
    elif key == "flag_list":
        assert r.flags == tuple(val.split(", "))
    elif key in ("checksum", "checksum_val", "checksum_state"):
        assert r.checksum == first if key != "checksum_state" else r.checksum_ok is (val == "correct")
    elif key == "device_role":
        role = re.fullmatch(r"(Active|Replacement) device (\d+)", val)
        expected = (int(role.group(2)), role.group(1) == "Replacement") if role else (val, False)
        assert (r.device_role, r.replacement) == expected
    elif key == "array_state":
        assert r.array_state == first
    elif key == "array_state_list":
        assert r.array_state_words == tuple(val.split(", "))
    elif key in ("unused_space_before", "unused_space_after"):
        assert f"{key.rsplit('_', 1)[1]}={val} sectors" in (r.value("Unused Space") or "")
    elif indexed and indexed["idx"] in {s.key for s in r.subarrays}:
        sub = next(s for s in r.subarrays if s.key == indexed["idx"])
        assert {_norm(k): v for k, v in sub.fields}[indexed["base"]] == val
    else:
        check_extra(r, key, val)


def check_rows(r: MdadmDetail | MdadmExamine, rows: list[dict[str, str]]) -> None:
    if isinstance(r, MdadmExamine) and r.physical_disks:  # DDF container disk table
        got = [(d.number, d.ref, d.size, d.device, d.state) for d in r.physical_disks]
        want = [
            (int(x["Number"]), x["RefNo"], x["Size"], _none_or_str(x["Device"]), x["Type/State"])
            for x in rows
        ]
        assert got == want
        return
    devices = list(r.devices)
    if isinstance(r, MdadmExamine):
        # 0.90 --examine: jc lists the "this" row as a device, and glues the descriptor column onto the
        # number (row "1  1  254 2 1" -> number 11). mdadm means descriptor 1, number 1: we keep both apart.
        assert r.this is not None and _as_row(r.this) == _as_row_expected(rows[0])
        rows = rows[1:]
        for d, x in zip(devices, rows, strict=True):
            assert int(x["number"]) == int(f"{d.descriptor}{d.number}")
            x["number"] = str(d.number)
    assert [_as_row(d) for d in devices] == [_as_row_expected(x) for x in rows]


def _none_or_str(text: str) -> str | None:
    return None if text == "None" else text


def _as_row(d: MdadmDevice) -> tuple:
    return (d.number, d.major, d.minor, d.raid_device, " ".join(d.state), d.device)


def _as_row_expected(x: dict[str, str]) -> tuple:
    return (
        _none_or_int(x["number"]),
        int(x["major"]),
        int(x["minor"]),
        _none_or_int(x["raid_device"]),
        x.get("state", ""),  # jc omits state for container rows, which print none
        _none_or_str(x["device"]),
    )


CORPUS_CASES = corpus_files("mdadm-detail") or [
    pytest.param(None, marks=pytest.mark.skip(f"no corpus at {CORPUS_DIR}"))
]


@needs_corpus
@pytest.mark.parametrize("path", CORPUS_CASES, ids=lambda p: p.name if p else "none")
def test_corpus_file_matches_jc(path: Path) -> None:
    r = parse_mdadm(path.read_text(), str(path))
    assert r.warnings == ()
    assert to_json(r)["format"] in ("detail", "examine")
    exp = expected_for(path)
    if exp is None:
        return
    values, rows = read_expected(exp)
    assert values, f"nothing read from {exp}"
    for key, val in values.items():
        if key == "device_table":
            continue
        check_key(r, key, val)
    if "device_table" in values:
        check_rows(r, rows)


@needs_corpus
def test_corpus_mdstat_is_rejected() -> None:
    files = corpus_files("mdstat")
    if not files:
        pytest.skip("no mdstat corpus")
    for path in files[:10]:
        with pytest.raises(ParseError):
            parse_mdadm(path.read_text(errors="replace"), str(path))


# ------------------------------------------------------------------ properties: only ParseError, ever


def _plausible_lines() -> list[str]:
    # seeded from the real outputs when the corpus is there; the lines below alone otherwise
    lines = {
        line
        for rel in JC_EXPLICIT
        if (CORPUS / rel).is_file()
        for line in (CORPUS / rel).read_text().splitlines()
    }
    lines.update(
        [
            "/dev/md0:",
            "             State : clean, degraded, resyncing (DELAYED) ",
            "    Rebuild Status : 1000% complete",
            "            Events : 99999999999999999999999999999999999999999999999.3",
            "         Container : , member",
            "      VD GUID[999999999999999999999999999999999999] : x",
            "[Volume0]:",
            "  Disk00 Serial : X",
            "this  1 2 3 -",
            "       -       0        0        -      removed",
            "        Chunk Size : 99999999999999999999999999999999999999999999999999M",
            "mdadm: cannot open /dev/md0",
        ]
    )
    return sorted(lines)


PLAUSIBLE = _plausible_lines()


def _assert_only_parse_error(text: str) -> None:
    for parse in (parse_mdadm, parse_mdadm_detail, parse_mdadm_examine):
        try:
            result = parse(text, "prop")
        except ParseError as exc:
            assert not exc.why.startswith("internal parser error"), exc.why
        else:
            json.dumps(to_json(result))


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_only_raises_parse_error(text: str) -> None:
    _assert_only_parse_error(text)


_junk_line = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
_mutated = st.builds(
    lambda line, i, s: line[:i] + s + line[i + len(s) :],
    st.sampled_from(PLAUSIBLE),
    st.integers(0, 60),
    st.text(alphabet=" :-/0123456789()[].,%aK\t", max_size=6),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PLAUSIBLE), _mutated, _junk_line), max_size=40))
def test_plausible_lines_mixed_with_junk_only_raise_parse_error(lines: list[str]) -> None:
    _assert_only_parse_error("\n".join(lines))


@needs_corpus
@settings(max_examples=100, deadline=None)
@given(st.sampled_from(JC_EXPLICIT), st.integers(0, 5000))
def test_truncated_fixtures_only_raise_parse_error(rel: str, cut: int) -> None:
    _assert_only_parse_error(fixture(rel)[:cut])
