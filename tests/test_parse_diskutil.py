"""Tests for the diskutil parser: AppleRAID list/checkRAID text and plists, `diskutil info -plist`.

The real outputs are read in place from ../shared/corpus/diskutil/ (znerol-rotavault/,
macos-raid-rebuild-guide/, xymon-appleraid/), by corpus path; nothing of them is copied into this
repository. Shapes the corpus lacks are written inline below from diskutil's documented layout.
"""

from __future__ import annotations

import json
import plistlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import CORPUS, corpus_files, corpus_path, expected_for, needs_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raidwatch.errors import ParseError
from raidwatch.model import MemberState, SyncAction
from raidwatch.parsers.diskutil import (
    AppleRaidList,
    AppleRaidOperation,
    AppleRaidSet,
    DiskInfo,
    parse_appleraid_list,
    parse_appleraid_plist,
    parse_checkraid,
    parse_diskutil,
    parse_diskutil_info_plist,
    to_json,
)

DISKUTIL_CORPUS = CORPUS / "diskutil"

# The real outputs the explicit-value tests read, in place, by their path in ../shared/corpus
# (see ../shared/corpus/SOURCES.md for upstream, commit and license); the tests skip without the corpus.
LIST_OK = "diskutil/znerol-rotavault/diskutil-appleraid-list-ok.txt"
LIST_DEGRADED_FAILED = "diskutil/znerol-rotavault/diskutil-appleraid-list-degraded-failed.txt"
LIST_DEGRADED_MISSING = "diskutil/znerol-rotavault/diskutil-appleraid-list-degraded-missing.txt"
LIST_10_6_REBUILDING = "diskutil/znerol-rotavault/diskutil-appleraid-list-10.6.txt"
LIST_10_5_REBUILDING = "diskutil/znerol-rotavault/diskutil-appleraid-list-10.5-rebuild.txt"
LIST_NO_SETS = "diskutil/znerol-rotavault/diskutil-appleraid-list-no-raidsets-found.txt"
LIST_CONTROLLER_FAILED = "diskutil/znerol-rotavault/diskutil-appleraid-controller-failed.txt"
OPERATION_ADD_MEMBER_ERROR = "diskutil/znerol-rotavault/diskutil-appleraid-add-member-from-existing-set"
INFO_RAID_SET_DISK4 = "diskutil/znerol-rotavault/disk4.plist"
INFO_RAID_MEMBER_DISK3S1 = "diskutil/znerol-rotavault/disk3s1.plist"
INFO_RAID_MEMBER_REBUILDING_DISK3S1 = (
    "diskutil/znerol-rotavault/diskutil-info-member-rebuilding-disk3s1.plist"
)
CHECKRAID_REBUILDING = "diskutil/macos-raid-rebuild-guide/checkraid-rebuilding.txt"
CHECKRAID_DEGRADED_FAILED = "diskutil/macos-raid-rebuild-guide/checkraid-degraded-failed.txt"
CHECKRAID_ONE_MEMBER = "diskutil/macos-raid-rebuild-guide/checkraid-one-member.txt"
LIST_NAME_WITH_SPACE = "diskutil/xymon-appleraid/list-online.txt"
REAL_OUTPUTS = [
    LIST_OK,
    LIST_DEGRADED_FAILED,
    LIST_DEGRADED_MISSING,
    LIST_10_6_REBUILDING,
    LIST_10_5_REBUILDING,
    LIST_NO_SETS,
    LIST_CONTROLLER_FAILED,
    OPERATION_ADD_MEMBER_ERROR,
    INFO_RAID_SET_DISK4,
    INFO_RAID_MEMBER_DISK3S1,
    INFO_RAID_MEMBER_REBUILDING_DISK3S1,
    CHECKRAID_REBUILDING,
    CHECKRAID_DEGRADED_FAILED,
    CHECKRAID_ONE_MEMBER,
    LIST_NAME_WITH_SPACE,
]


def fixture(rel: str) -> str:
    """One real diskutil output, by its path in ../shared/corpus (the calling test skips without it)."""
    return corpus_path(rel).read_text()


def only_set(result: AppleRaidList) -> AppleRaidSet:
    assert len(result.sets) == 1, result.sets
    return result.sets[0]


# ---------------------------------------------------------------------------------------------------------
# real outputs with explicit values (read in place from ../shared/corpus/diskutil/; skip without it)


def test_healthy_mirror() -> None:
    res = parse_appleraid_list(fixture(LIST_OK), LIST_OK)
    assert res.ok and res.style == "appleraid-sets" and res.declared_count == 1 and not res.warnings
    s = only_set(res)
    a = s.array
    assert (a.name, a.kind, a.level, a.state, a.array_state) == (
        "raidtest",
        "appleraid",
        "mirror",
        "active",
        "Online",
    )
    assert a.uuid == "76898140-1ED1-41AB-931F-2E30D015829F"
    assert a.size_bytes == 1870594048
    assert (a.raid_disks, a.in_sync_disks, a.degraded, a.sync) == (2, 2, False, None)
    assert (s.set_type, s.status, s.device_node, s.rebuild_mode) == ("Mirror", "Online", "disk4", "manual")
    assert [(m.device, m.slot, m.state, m.in_sync, m.raw_state) for m in a.members] == [
        ("disk3s1", 0, MemberState.ACTIVE, True, "Online"),
        ("disk5s1", 1, MemberState.ACTIVE, True, "Online"),
    ]
    assert [m.uuid for m in s.members] == [
        "9CD9D671-5249-4EE2-84B5-7C44150B418F",
        "1DD3EF4D-6FAF-4864-9C2E-C49785A43150",
    ]
    assert s.member_losses_survivable() == 1
    assert s.parent_set_uuid is None and all(m.nested_set_uuid is None for m in s.members)
    assert res.arrays == (a,)


def test_degraded_failed_member() -> None:
    s = only_set(parse_appleraid_list(fixture(LIST_DEGRADED_FAILED)))
    a = s.array
    assert (a.state, a.array_state, a.degraded, a.raid_disks, a.in_sync_disks) == (
        "active",
        "Degraded",
        True,
        2,
        1,
    )
    failed = a.failed_members
    assert [(m.device, m.slot, m.in_sync, m.raw_state) for m in failed] == [("disk3s1", 0, False, "Failed")]
    assert s.members[0].kind == "failed" and a.sync is None


def test_degraded_missing_member_has_no_device() -> None:
    s = only_set(parse_appleraid_list(fixture(LIST_DEGRADED_MISSING)))
    missing = s.members[0]
    assert (missing.device, missing.kind, missing.status) == (None, "missing", "Missing/Damaged")
    # The model Member needs a name: the lost member's UUID is the only identity left.
    m = s.array.members[0]
    assert (m.device, m.state, m.in_sync, m.raw_state) == (
        "9CD9D671-5249-4EE2-84B5-7C44150B418F",
        MemberState.FAILED,
        False,
        "Missing/Damaged",
    )
    assert s.array.degraded and s.array.in_sync_disks == 1


def test_rebuilding_with_percent_two_sets() -> None:
    res = parse_appleraid_list(fixture(LIST_10_6_REBUILDING))
    assert [s.name for s in res.sets] == ["disk5", "disk6"] and res.declared_count == 2
    healthy, rebuilding = res.sets
    assert not healthy.array.degraded and healthy.device_node == "disk5"
    a = rebuilding.array
    assert (a.array_state, a.degraded, a.raid_disks, a.in_sync_disks) == ("Degraded", True, 2, 1)
    assert (
        a.sync is not None and a.sync.action is SyncAction.RECOVERY and a.sync.progress == pytest.approx(0.15)
    )
    m0 = a.members[0]
    assert (m0.device, m0.state, m0.in_sync, m0.rebuilding, m0.raw_state) == (
        "disk3s1",
        MemberState.ACTIVE,
        False,
        True,
        "15% (Rebuilding)",
    )
    assert rebuilding.members[0].rebuild_progress == pytest.approx(0.15)
    assert res.set_by_uuid("1afbd025-63dd-484a-961f-803c7dca5657") is rebuilding


def test_leopard_raid_sets_format() -> None:
    res = parse_checkraid(fixture(LIST_10_5_REBUILDING), "10.5")
    assert res.style == "raid-sets" and res.declared_count is None and not res.warnings
    s = only_set(res)
    # The set is *named* "disk2" (its volume name) while its device node is disk4 and disk2s1 a member.
    assert (s.name, s.device_node, s.rebuild_mode) == ("disk2", "disk4", None)
    assert s.array.size_bytes == 104792064  # "104792064 B": Leopard prints bytes only
    assert dict(s.extra) == {"Apple RAID Version": "2"}
    assert [(m.device, m.kind, m.rebuild_progress) for m in s.members] == [
        ("disk2s1", "online", None),
        ("disk3s1", "rebuilding", pytest.approx(0.27)),
    ]
    assert s.array.sync is not None and s.array.sync.progress == pytest.approx(0.27)


def test_checkraid_status_and_size_run_together() -> None:
    s = only_set(parse_checkraid(fixture(CHECKRAID_REBUILDING)))
    assert [(m.index, m.device, m.status, m.size_bytes, m.rebuild_progress) for m in s.members] == [
        (0, "disk2s2", "Online", 4000443039744, None),
        (1, "disk3s2", "5% (Rebuilding)", 4000443039744, pytest.approx(0.05)),
    ]
    assert s.members[1].uuid == "AE52533C-796A-4BB1-822C-0AEF8BE3C37C"
    assert s.array.sync is not None and s.array.sync.progress == pytest.approx(0.05)


def test_checkraid_without_header() -> None:
    res = parse_checkraid(fixture(CHECKRAID_DEGRADED_FAILED))
    assert res.style is None and res.declared_count is None
    s = only_set(res)
    assert (s.name, s.status, s.device_node, s.array.size_bytes) == (
        "RAID_set_2",
        "Degraded",
        "disk8",
        4000443039744,
    )
    assert [(m.device, m.kind, m.size_bytes) for m in s.members] == [
        ("disk2s2", "online", 4000443039744),
        ("disk3s2", "failed", 4000443039744),
    ]


def test_one_member_mirror_reports_online() -> None:
    res = parse_checkraid(fixture(CHECKRAID_ONE_MEMBER))
    assert any("2 set(s) found, 1 listed" in w for w in res.warnings)
    s = only_set(res)
    # diskutil says Online (the failed member was removed, so the set's complement is now one). We keep
    # its word: not degraded; the lack of redundancy shows as 0 member losses survivable, for policy.
    assert (s.status, s.array.degraded, s.array.raid_disks, s.array.in_sync_disks) == ("Online", False, 1, 1)
    assert s.member_losses_survivable() == 0


def test_name_with_a_space() -> None:
    s = only_set(parse_diskutil(fixture(LIST_NAME_WITH_SPACE)))  # type: ignore[arg-type]
    assert (s.name, s.rebuild_mode, s.device_node, s.array.size_bytes) == (
        "Toybox HDD",
        "automatic",
        "disk10",
        3000248991744,
    )
    assert [m.device for m in s.array.members] == ["disk3s2", "disk4s2"]


def test_no_sets_is_an_empty_ok_result() -> None:
    res = parse_appleraid_list(fixture(LIST_NO_SETS))
    assert (res.sets, res.no_sets, res.ok, res.error) == ((), True, True, None)
    # Leopard and earlier say it without "Apple".
    assert parse_checkraid("No RAID sets found\n").no_sets


def test_controller_error_is_a_result_not_an_exception() -> None:
    # rotavault's own test wants this to FAIL the parse. We return it with `error` set instead: the text is
    # well understood -- it is AppleRAID on the host that failed -- and the trailing "No AppleRAID sets
    # found" must not read as "no RAID here" (ok is False), which the collector turns into a Problem.
    res = parse_appleraid_list(fixture(LIST_CONTROLLER_FAILED))
    assert res.sets == () and not res.ok
    assert res.error == "AppleRAID: failed trying to get controller object, rc = 0xe00002c5."
    assert to_json(res)["error"] == res.error and to_json(res)["ok"] is False


def test_operation_output() -> None:
    res = parse_diskutil(fixture(OPERATION_ADD_MEMBER_ERROR))
    assert res == AppleRaidOperation(
        target="disk4",
        set_name="raid",
        finished=False,
        error="-9998: Invalid request",
        messages=("Proposed addition disk3 already part of a set",),
    )


def test_info_plist_of_a_raid_set() -> None:
    info = parse_diskutil_info_plist(fixture(INFO_RAID_SET_DISK4), INFO_RAID_SET_DISK4)
    assert (info.device_identifier, info.parent_whole_disk, info.whole_disk) == ("disk4", "disk4", True)
    assert (info.raid_master, info.raid_slice) == (True, False)
    assert info.raid_set_uuid == "76898140-1ED1-41AB-931F-2E30D015829F"
    assert (info.raid_set_name, info.raid_set_status, info.raid_level) == ("raidtest", "Online", "mirror")
    assert info.raid_set_members == (
        "AC197DBA-3BBD-460C-8E1F-1960291E8242",
        "1DD3EF4D-6FAF-4864-9C2E-C49785A43150",
    )
    assert (info.mount_point, info.volume_name, info.content, info.filesystem_type) == (
        "/Volumes/raidtest",
        "raidtest",
        "Apple_HFS",
        "hfs",
    )
    assert (info.size_bytes, info.internal, info.solid_state) == (1870594048, False, None)
    assert info.raid_member_uuid is None and info.apfs_physical_stores == ()


def test_info_plist_of_a_raid_member() -> None:
    info = parse_diskutil(fixture(INFO_RAID_MEMBER_DISK3S1))
    assert isinstance(info, DiskInfo)
    assert (info.device_identifier, info.device_node, info.parent_whole_disk, info.whole_disk) == (
        "disk3s1",
        "/dev/disk3s1",
        "disk3",
        False,
    )
    assert (info.raid_master, info.raid_slice, info.content) == (False, True, "Apple_RAID")
    assert info.raid_member_uuid == "AC197DBA-3BBD-460C-8E1F-1960291E8242"
    assert (info.raid_member_status, info.raid_slice_number, info.raid_set_slice_count) == ("Online", 1, 2)
    assert info.mount_point is None and info.volume_name is None  # diskutil prints "" for both
    rebuilding = parse_diskutil_info_plist(fixture(INFO_RAID_MEMBER_REBUILDING_DISK3S1))
    assert (rebuilding.raid_member_status, rebuilding.raid_set_status, rebuilding.raid_set_name) == (
        "Rebuilding",
        "Degraded",
        "raid1",
    )
    assert to_json(info)["kind"] == "diskutil-info"


def test_json_is_an_object_with_sets() -> None:
    for rel in REAL_OUTPUTS:
        out = to_json(parse_diskutil(fixture(rel), rel))
        json.dumps(out)
        assert isinstance(out, dict)
    out = to_json(parse_diskutil(fixture(LIST_10_6_REBUILDING)))
    assert out["kind"] == "appleraid-list" and len(out["sets"]) == 2
    s = out["sets"][1]
    assert s["device_node"] == "disk6" and s["array"]["level"] == "mirror" and s["array"]["state"] == "active"
    assert s["array"]["members"][0]["state"] == "active" and s["array"]["sync"]["action"] == "recovery"
    assert out["arrays"][1]["degraded"] is True


# ---------------------------------------------------------------------------------------------------------
# shapes the corpus lacks (synthetic, written from diskutil's documented layout)

NESTED = """\
AppleRAID sets (3 found)
===============================================================================
Name:                 Fast
Unique ID:            11111111-1111-1111-1111-111111111111
Type:                 Stripe
Status:               Online
Size:                 2.0 TB (2000000000000 Bytes)
Rebuild:              manual
Device Node:          disk6
-------------------------------------------------------------------------------
#  DevNode   UUID                                  Status     Size
-------------------------------------------------------------------------------
0  disk2s2   AAAAAAAA-0000-0000-0000-000000000001  Online     1000000000000
1  disk3s2   AAAAAAAA-0000-0000-0000-000000000002  Online     1000000000000
===============================================================================
===============================================================================
Name:                 Fast2
Unique ID:            22222222-2222-2222-2222-222222222222
Type:                 Stripe
Status:               Failed
Size:                 2.0 TB (2000000000000 Bytes)
Rebuild:              manual
Device Node:          disk7
-------------------------------------------------------------------------------
#  DevNode   UUID                                  Status     Size
-------------------------------------------------------------------------------
0  disk4s2   AAAAAAAA-0000-0000-0000-000000000003  Online     1000000000000
1  -none-    AAAAAAAA-0000-0000-0000-000000000004  Missing/Damaged 1000000000000
===============================================================================
===============================================================================
Name:                 Safe
Unique ID:            33333333-3333-3333-3333-333333333333
Type:                 Mirror
Status:               Degraded
Size:                 2.0 TB (2000000000000 Bytes)
Rebuild:              automatic
Device Node:          disk8
-------------------------------------------------------------------------------
#  DevNode   UUID                                  Status     Size
-------------------------------------------------------------------------------
0  disk6     11111111-1111-1111-1111-111111111111  Online     2000000000000
1  disk7     22222222-2222-2222-2222-222222222222  Failed     2000000000000
-  disk9s2   AAAAAAAA-0000-0000-0000-000000000005  Spare      2000000000000
===============================================================================
"""


def test_nested_sets_are_linked_not_flattened() -> None:
    res = parse_appleraid_list(NESTED)
    assert not res.warnings
    fast, fast2, safe = res.sets
    assert (fast.array.level, fast.array.state, fast.member_losses_survivable()) == ("stripe", "active", 0)
    assert (fast2.array.state, fast2.array.array_state, fast2.array.degraded) == ("inactive", "Failed", True)
    assert fast.parent_set_uuid == fast2.parent_set_uuid == "33333333-3333-3333-3333-333333333333"
    assert safe.parent_set_uuid is None
    assert [m.nested_set_uuid for m in safe.members] == [
        "11111111-1111-1111-1111-111111111111",
        "22222222-2222-2222-2222-222222222222",
    ]
    a = safe.array
    assert [(m.device, m.state, m.slot) for m in a.members] == [
        ("disk6", MemberState.ACTIVE, 0),
        ("disk7", MemberState.FAILED, 1),
        ("disk9s2", MemberState.SPARE, None),
    ]
    assert (a.raid_disks, a.in_sync_disks, a.degraded) == (2, 1, True)
    assert safe.spares[0].kind == "spare" and safe.member_losses_survivable() == 1


def test_concat_offline_and_unknown_words() -> None:
    text = NESTED.replace(
        "Type:                 Stripe\nStatus:               Online", "Type: Concat\nStatus: Offline"
    )
    text = text.replace("Type:                 Mirror", "Type:                 Weird")
    text = text.replace("Status:               Degraded", "Status:               Pondering")
    fast, _, safe = parse_appleraid_list(text).sets
    assert (fast.array.level, fast.array.state, fast.array.degraded) == ("concat", "inactive", False)
    assert (safe.array.level, safe.array.state) == ("weird", "inactive")
    assert any("unknown AppleRAID type" in w for w in parse_appleraid_list(text).warnings)
    assert any("unknown status 'Pondering'" in w for w in parse_appleraid_list(text).warnings)


def test_appleraid_plist() -> None:
    # No recorded `appleRAID list -plist` exists in the corpus: this is built from the documented keys.
    data = {
        "AppleRAIDSets": [
            {
                "AppleRAIDSetUUID": "76898140-1ed1-41ab-931f-2e30d015829f",
                "BSD Name": "disk4",
                "ChunkSize": 32768,
                "Level": "Mirror",
                "Name": "raidtest",
                "Rebuild": "Manual",
                "Size": 1870594048,
                "Status": "Degraded",
                "Members": [
                    {"AppleRAIDMemberUUID": "A-1", "BSD Name": "disk3s1", "MemberStatus": "Rebuilding"},
                    {
                        "AppleRAIDMemberUUID": "A-2",
                        "BSD Name": "disk5s1",
                        "MemberStatus": "Online",
                        "Size": 5,
                    },
                ],
                "Spares": [{"AppleRAIDMemberUUID": "A-3", "BSD Name": "disk6s1", "MemberStatus": "Spare"}],
            }
        ]
    }
    text = plistlib.dumps(data).decode()
    for res in (parse_appleraid_plist(text), parse_diskutil(text)):
        assert isinstance(res, AppleRaidList) and res.style == "plist"
        s = only_set(res)
        assert (s.uuid, s.device_node, s.rebuild_mode, s.chunk_size_bytes) == (
            "76898140-1ED1-41AB-931F-2E30D015829F",
            "disk4",
            "manual",
            32768,
        )
        a = s.array
        assert (a.level, a.state, a.degraded, a.raid_disks, a.in_sync_disks) == (
            "mirror",
            "active",
            True,
            2,
            1,
        )
        assert a.sync is not None and a.sync.progress is None  # no percent in the plist status
        assert [m.state for m in a.members] == [MemberState.ACTIVE, MemberState.ACTIVE, MemberState.SPARE]
    empty = parse_appleraid_plist(plistlib.dumps({"AppleRAIDSets": []}).decode())
    assert empty.sets == () and empty.no_sets and empty.ok


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("   \n\n", "empty"),
        ("hello world\nthis is not diskutil\n", "not diskutil"),
        ("Personalities : [raid1]\nmd0 : active raid1 sda1[0] sdb1[1]\n", "not diskutil"),
        ("\x00\x01\x02binary", "binary"),
        ("bplist00\xd1\x01\x02", "binary"),
        ("<?xml version='1.0'?><plist><dict><key>a</key><string>b</string></dict></plist>", "neither"),
        ("<plist><dict>", "not a valid XML plist"),
        ("=====\n=====\n", "not diskutil"),
        ("=======\nType: Mirror\nStatus: Online\n=======\n", "without 'Name:'"),
    ],
)
def test_not_diskutil_raises_parse_error(text: str, why: str) -> None:
    with pytest.raises(ParseError, match=re.escape(why)) as info:
        parse_diskutil(text, "input.txt")
    assert info.value.source == "input.txt"


def test_specific_parsers_reject_the_other_kinds() -> None:
    with pytest.raises(ParseError):
        parse_diskutil_info_plist(fixture(LIST_OK))
    with pytest.raises(ParseError):
        parse_appleraid_plist(fixture(INFO_RAID_SET_DISK4))
    with pytest.raises(ParseError):
        parse_diskutil_info_plist(plistlib.dumps({"AppleRAIDSets": []}).decode())


# ---------------------------------------------------------------------------------------------------------
# the corpus: every file parsed, every .expected.txt's stated values asserted

UUID = r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}"


@dataclass
class MemberClaim:
    device: str
    kind: str  # online, failed, rebuilding, ... (the member status word, lower case)
    index: int | None = None
    percent: int | None = None
    size_bytes: int | None = None
    set_uuid: str | None = None


@dataclass
class Expected:
    """What an .expected.txt states, read from its prose (two house styles: rotavault tests, import notes)."""

    set_count: int | None = None
    declared_count: int | None = None
    set_uuid: str | None = None
    name: str | None = None
    set_type: str | None = None
    status: str | None = None
    size_bytes: int | None = None
    rebuild: str | None = None
    device_node: str | None = None
    members: list[MemberClaim] = field(default_factory=list)
    single_member: bool = False
    unknown_device: str | None = None
    must_fail: bool = False
    empty: bool = False
    monitor: str | None = None  # rotavault's rebuild monitor end state: failed | finished
    sequence_percents: list[int] = field(default_factory=list)

    def stated(self) -> bool:
        return any(
            v not in (None, False, [])
            for v in (
                self.set_count,
                self.name,
                self.status,
                self.members,
                self.must_fail,
                self.empty,
                self.monitor,
            )
        )


def read_expected(text: str) -> Expected:
    e = Expected()
    flat = " ".join(text.split())
    if m := re.search(r"exactly (\d+) sets?", flat):
        e.set_count = int(m.group(1))
    elif re.search(r"^One set\b|only one block", flat):
        e.set_count = 1
    if m := re.search(r"says (\d+) sets found", flat):
        e.declared_count = int(m.group(1))
    if m := re.search(rf"\bUUID ({UUID})", flat):
        e.set_uuid = m.group(1)
    quoted = re.search(r'set: "([^"]+)"', flat)  # a name with a space is quoted
    bare = re.search(r"(?:^|\. )([A-Za-z_]\w*), (?:UUID|Mirror|Stripe|Concat)\b", flat)
    if m := quoted or bare:
        e.name = m.group(1)
    if m := re.search(r"\b(Mirror|Stripe|Concat)\b", flat):
        e.set_type = m.group(1)
    if m := re.search(r"(?:status |(?:Mirror|Stripe|Concat), )(Online|Degraded|Offline|Failed)\b", flat):
        e.status = m.group(1)
    if m := re.search(r"(?:size )?(\d{6,}) bytes", flat):
        e.size_bytes = int(m.group(1))
    if m := re.search(r"rebuild (manual|automatic)", flat):
        e.rebuild = m.group(1)
    if m := re.search(r"(?:device node |rebuild \w+, )(disk\d+)", flat):
        e.device_node = m.group(1)
    # rotavault: "Set <UUID>, member /dev/disk3s1: status 'Rebuilding', progress 15 (%)." / "Same set, ..."
    last_set = None
    for m in re.finditer(
        rf"(?:Set ({UUID})|Same set), member /dev/(disk\w+): status '(\w+)'(?:, progress (\d+))?", flat
    ):
        last_set = m.group(1) or last_set
        pct = int(m.group(4)) if m.group(4) else None
        e.members.append(MemberClaim(m.group(2), m.group(3).lower(), percent=pct, set_uuid=last_set))
    # import-note style: "Members: 0 disk2s2 Online 4000443039744; 1 disk3s2 Rebuilding at 5 percent, size N"
    if m := re.search(r"Members: ([^\n]*)", text):
        for piece in m.group(1).split(";"):
            pm = re.match(
                r"\s*(\d+) (disk\w+) (\w+)(?: at (\d+) percent)?(?:,? (?:size )?(\d{6,}))?", piece.strip()
            )
            if pm:
                e.members.append(
                    MemberClaim(
                        pm.group(2),
                        pm.group(3).lower(),
                        index=int(pm.group(1)),
                        percent=int(pm.group(4)) if pm.group(4) else None,
                        size_bytes=int(pm.group(5)) if pm.group(5) else None,
                    )
                )
    if m := re.search(r"only ONE member \((disk\w+) (\w+)\)", flat):
        e.single_member = True
        e.members.append(MemberClaim(m.group(1), m.group(2).lower()))
    if m := re.search(r"Unknown member node \(/dev/(disk\w+)\)", flat):
        e.unknown_device = m.group(1)
    e.must_fail = "must make the parse FAIL" in flat
    e.empty = "to an empty list" in flat
    if m := re.search(r"LCSCommandState(Failed|Finished)", flat):
        e.monitor = m.group(1).lower()
    if "sequence" in flat:
        e.sequence_percents = [int(x) for x in re.findall(r"\((\d+)%\)", flat)]
    return e


def test_expected_reader_on_both_styles() -> None:
    e = read_expected(
        "One set. RAID_set_2, UUID A91EE267-9A0E-464F-A839-07A82ED833B1, Mirror, status Degraded, size "
        "4000443039744 bytes, rebuild manual, device node disk8.\n"
        "Members: 0 disk2s2 Online; 1 disk3s2 Failed.\n"
    )
    assert (e.set_count, e.name, e.status, e.size_bytes, e.rebuild, e.device_node) == (
        1,
        "RAID_set_2",
        "Degraded",
        4000443039744,
        "manual",
        "disk8",
    )
    assert [(c.index, c.device, c.kind) for c in e.members] == [
        (0, "disk2s2", "online"),
        (1, "disk3s2", "failed"),
    ]
    e = read_expected(
        "Set 1AFBD025-63DD-484A-961F-803C7DCA5657, member /dev/disk3s1: status 'Rebuilding', progress 15"
    )
    assert [(c.device, c.kind, c.percent, c.set_uuid) for c in e.members] == [
        ("disk3s1", "rebuilding", 15, "1AFBD025-63DD-484A-961F-803C7DCA5657")
    ]


def _corpus_params() -> list[Path]:
    return corpus_files("diskutil")


def _ids(p: Path) -> str:
    return str(p.relative_to(DISKUTIL_CORPUS))


@needs_corpus
def test_corpus_is_there() -> None:
    files = _corpus_params()
    assert len(files) >= 25, files  # 36 files, 11 of them .expected.txt
    assert sum(1 for p in files if expected_for(p)) >= 11


@needs_corpus
@pytest.mark.parametrize("path", _corpus_params(), ids=_ids)
def test_corpus_file_parses(path: Path) -> None:
    res = parse_diskutil(path.read_text(), str(path))
    json.dumps(to_json(res))
    if path.suffix == ".plist":
        assert isinstance(res, DiskInfo) and res.device_identifier == path.stem.rsplit("-", 1)[-1]
    elif "add-member" in path.name:
        assert isinstance(res, AppleRaidOperation) and res.target == "disk4"
    else:
        assert isinstance(res, AppleRaidList)
        assert res.no_sets or res.sets
        for s in res.sets:
            a = s.array
            assert a.kind == "appleraid" and a.uuid and a.level == "mirror" and a.array_state
            assert a.raid_disks == len(s.members) and a.in_sync_disks == sum(
                m.in_sync is True for m in a.members
            )
            assert a.degraded == (s.status == "Degraded" or any(m.kind != "online" for m in s.members))


def _find(res: AppleRaidList, e: Expected) -> AppleRaidSet:
    if e.set_uuid:
        s = res.set_by_uuid(e.set_uuid)
        assert s is not None
        return s
    if e.name:
        return next(s for s in res.sets if s.name == e.name)
    return only_set(res)


def _member(res: AppleRaidList, claim: MemberClaim, default: AppleRaidSet | None):
    s = res.set_by_uuid(claim.set_uuid) if claim.set_uuid else default
    assert s is not None, f"no set for {claim}"
    return next(m for m in s.members if m.device == claim.device)


@needs_corpus
@pytest.mark.parametrize("path", [p for p in _corpus_params() if expected_for(p)], ids=_ids)
def test_corpus_expected(path: Path) -> None:
    exp_path = expected_for(path)
    assert exp_path is not None
    e = read_expected(exp_path.read_text())
    assert e.stated(), f"the reader found no claim in {exp_path.name}: extend read_expected"
    res = parse_diskutil(path.read_text(), str(path))
    assert isinstance(res, AppleRaidList)

    if e.must_fail:
        # rotavault makes this parse FAIL; we answer with a result whose `error` is set and `ok` is False
        # (the output is understood: it says the controller could not be read). Same meaning, no exception.
        assert not res.ok and res.error and "controller" in res.error and res.sets == ()
        return
    if e.empty:
        assert res.sets == () and res.no_sets and res.ok
        return
    assert res.ok
    if e.set_count is not None:
        assert len(res.sets) == e.set_count
    if e.declared_count is not None:
        assert res.declared_count == e.declared_count and any("truncated" in w for w in res.warnings)
    target = _find(res, e) if res.sets and (e.set_uuid or e.name or len(res.sets) == 1) else None
    if target is not None:
        for want, got in (
            (e.name, target.name),
            (e.set_type, target.set_type),
            (e.status, target.status),
            (e.size_bytes, target.array.size_bytes),
            (e.rebuild, target.rebuild_mode),
            (e.device_node, target.device_node),
        ):
            if want is not None:
                assert got == want
        if e.single_member:
            # "Online, but only ONE member ... no redundancy": diskutil's Online is kept (degraded False);
            # the missing redundancy is what member_losses_survivable() == 0 says.
            assert len(target.members) == 1 and target.member_losses_survivable() == 0
    for claim in e.members:
        m = _member(res, claim, target)
        # The .expected.txt says status 'Rebuilding' where diskutil printed "27% (Rebuilding)": we keep the
        # verbatim text in `status`/raw_state and the word in `kind`.
        assert m.kind == claim.kind
        if claim.index is not None:
            assert m.index == claim.index
        if claim.percent is not None:
            assert m.rebuild_progress == pytest.approx(claim.percent / 100)
        if claim.size_bytes is not None:
            assert m.size_bytes == claim.size_bytes
    if e.unknown_device:
        assert all(m.device != e.unknown_device for s in res.sets for m in s.members)
    if e.monitor == "failed":
        # the monitored member shows Failed in a Degraded set: a rebuild cannot finish from here.
        s = only_set(res)
        assert (
            s.status == "Degraded" and any(m.kind == "failed" for m in s.members) and s.array.failed_members
        )
        assert s.array.sync is None
    elif e.monitor == "finished" and not e.sequence_percents:
        s = only_set(res)
        assert not s.array.degraded and s.array.in_sync_disks == s.array.raid_disks == 2
    if e.sequence_percents:
        # degraded-rebuilding-1, -2, -3 then list-ok: the rebuild progresses and ends healthy.
        progress = []
        for n in range(1, len(e.sequence_percents) + 1):
            step = path.with_name(re.sub(r"-\d+\.txt$", f"-{n}.txt", path.name))
            seq = parse_appleraid_list(step.read_text(), str(step))
            sync = only_set(seq).array.sync
            assert sync is not None and sync.action is SyncAction.RECOVERY
            progress.append(sync.progress)
        assert progress == [pytest.approx(p / 100) for p in e.sequence_percents]
        final = parse_appleraid_list(path.with_name("diskutil-appleraid-list-ok.txt").read_text())
        assert not only_set(final).array.degraded and only_set(final).array.sync is None


# ---------------------------------------------------------------------------------------------------------
# no input crashes the parser: only ParseError escapes


def _only_parse_error(text: str) -> None:
    try:
        res = parse_diskutil(text, "fuzz")
    except ParseError:
        return
    json.dumps(to_json(res))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_random_text_never_crashes(text: str) -> None:
    _only_parse_error(text)


@needs_corpus
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_outputs_never_crash(data: st.DataObject) -> None:
    rel = data.draw(st.sampled_from(REAL_OUTPUTS))
    lines = fixture(rel).splitlines()
    for _ in range(data.draw(st.integers(0, 6))):
        op = data.draw(st.sampled_from(["drop", "dup", "replace", "cut", "swap"]))
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "replace":
            lines[i] = data.draw(st.text(max_size=80))
        elif op == "cut":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
        else:
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    _only_parse_error("\n".join(lines))


_plist_scalars = st.one_of(
    st.text(max_size=20),
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.sampled_from(["Online", "Mirror"]),
)
_plist_keys = st.sampled_from(
    ["AppleRAIDSets", "Members", "Spares", "MemberStatus", "BSD Name", "Name", "Status", "Level", "Size",
     "AppleRAIDSetUUID", "DeviceIdentifier", "RAIDSetMembers", "APFSPhysicalStores", "APFSPhysicalStore",
     "TotalSize", "RAIDMaster", "x"]
)  # fmt: skip
_plists = st.recursive(
    _plist_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_plist_keys, inner, max_size=6)),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_plist_keys, _plists, max_size=6))
def test_odd_plists_never_crash(data: dict) -> None:
    try:
        text = plistlib.dumps(data).decode()
    except (TypeError, ValueError, OverflowError):
        return  # not representable as a plist (e.g. surrogates)
    _only_parse_error(text)


# ------------------------------------- a Missing/Damaged member keeps its slot (issue 11, item 5.6)
# An AppleRAID set's complement is its member slots (the '#' column), not the rows diskutil prints: a lost
# member keeps its index. raid_disks counts the slots (highest index + 1, at least the rows), so a missing
# slot is counted even where its row is absent or could not be read.


@needs_corpus
def test_missing_damaged_mirror_counts_two_slots() -> None:
    s = only_set(parse_appleraid_list(fixture(LIST_DEGRADED_MISSING)))
    a = s.array
    assert [(m.index, m.kind) for m in s.members] == [(0, "missing"), (1, "online")]
    assert (a.level, a.raid_disks, a.in_sync_disks, a.degraded) == ("mirror", 2, 1, True)
    assert s.member_losses_survivable() == 1
    # the same real listing with the Missing/Damaged row gone: the online member's index 1 still says 2 slots
    text = "\n".join(x for x in fixture(LIST_DEGRADED_MISSING).splitlines() if "Missing/Damaged" not in x)
    a = only_set(parse_appleraid_list(text)).array
    assert (a.raid_disks, a.in_sync_disks, a.degraded) == (2, 1, True)


@pytest.mark.parametrize("layout", ["10.5", "10.6", "10.8"])
def test_missing_damaged_member_rendered(layout: str) -> None:
    from toolgen import diskutil as du

    online = du.Member(0, "disk2s2", "6B1D0F3A-7C2E-4A91-B5D8-0E4F6A7B8C9D", "Online", 499_763_888_128)
    missing = du.Member(1, "-none-", "C4E2A8B1-5D3F-4E6A-9B7C-1D2E3F4A5B6C", "Missing/Damaged")
    for members in ([online, missing], [missing, online], [missing]):
        uuid = "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"
        rs = du.RaidSet("Mirror1", uuid, "Degraded", 499_763_888_128, "disk4", members=members)
        s = only_set(parse_appleraid_list(du.render_list([rs], layout)))
        a = s.array
        lost = [m for m in a.members if m.raw_state == "Missing/Damaged"]
        assert lost and lost[0].state is MemberState.FAILED and lost[0].slot == 1
        assert (a.raid_disks, a.degraded) == (2, True), (layout, [m.index for m in members])
        assert a.in_sync_disks == (1 if online in members else 0)


def test_unnumbered_rows_are_no_slots() -> None:
    """A spare's row has '-' for its index: it adds no slot to the set."""
    from toolgen import diskutil as du

    rows = [
        du.Member(0, "disk2s2", "6B1D0F3A-7C2E-4A91-B5D8-0E4F6A7B8C9D", "Online"),
        du.Member(1, "disk3s2", "7C2E1F4B-8D3F-4B02-86E9-1F5A7B8C9D0E", "Online"),
    ]
    rs = du.RaidSet(
        "Mirror1", "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", "Online", 10**12, "disk4", members=rows
    )
    lines = du.render_list([rs], "10.8").splitlines()
    lines.insert(-1, "-  disk5s2   8D3F2A5C-9E4A-4C13-97FA-2A6B8C9D0E1F  Spare      0")
    s = only_set(parse_appleraid_list("\n".join(lines) + "\n"))
    assert len(s.spares) == 1 and (s.array.raid_disks, s.array.in_sync_disks, s.array.degraded) == (
        2,
        2,
        False,
    )
