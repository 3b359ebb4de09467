"""macOS: the appleraid and macdisks collectors over recorded Macs and the diskutil corpus, end to end."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, HOSTS, REPO, corpus_files, needs_corpus
from hostgen_mac import (
    ApfsContainer,
    ApfsVolume,
    Part,
    PhysDisk,
    RaidSetDisk,
    bundled_mac_hosts,
    list_plist,
    write_command,
    write_mac_host,
)
from toolgen.diskutil import Member, RaidSet, render_list

from raidwatch import collectors
from raidwatch.collectors.appleraid import LEGACY_ARGV, LIST_ARGV, PLIST_ARGV, AppleRaidCollector
from raidwatch.collectors.blockdev import BlockDevCollector
from raidwatch.collectors.macdisks import MacDisksCollector, info_argv
from raidwatch.collectors.md import MdCollector
from raidwatch.collectors.mounts import MountsCollector
from raidwatch.collectors.smart import SmartCollector
from raidwatch.errors import ParseError
from raidwatch.inventory import collect_inventory
from raidwatch.model import HostInventory, MemberState, Severity, StackNode, SyncAction
from raidwatch.parsers.diskutil import DiskInfo, parse_diskutil
from raidwatch.parsers.diskutil_list import parse_diskutil_list_plist
from raidwatch.probe import ReplayProbe

# Leopard's listing of one degraded mirror with a Failed member (our renderer, tests/toolgen/diskutil.py)
LIST_10_5_FAILED = render_list(
    [
        RaidSet(
            "Data",
            "0C6A29E1-7B55-4D10-9F3A-2B6E8D1C4A70",
            "Degraded",
            499763888128,
            "disk3",
            [
                Member(0, "disk1s2", "5B0E7C2A-1D94-4E63-8A2F-9C71B3E04D18", "Online"),
                Member(1, "disk2s2", "A93F51D6-0E28-47B7-B5C4-1F8D62E97A03", "Failed"),
            ],
        )
    ],
    "10.5",
)
XSERVE = HOSTS / "xserve01-mirrors-rebuilding"
POWERMAC = HOSTS / "powermac02-single-boot-failed-mirror"
MACMINI = HOSTS / "macmini03-apfs"
LINUX = HOSTS / "web01-mirror-degraded"
MAC_HOSTS = (XSERVE, POWERMAC, MACMINI)


def mac_collectors() -> list:
    return [MountsCollector(), MacDisksCollector(), AppleRaidCollector()]


def inventory(host: Path) -> HostInventory:
    return collect_inventory(ReplayProbe(host), mac_collectors())


def chain(node: StackNode) -> list[str]:
    """Names from the top down, following the first child."""
    out = [node.name]
    while node.children:
        node = node.children[0]
        out.append(node.name)
    return out


# ---------------------------------------------------------------------------------------------------------
# the bundled hosts are what the generator writes


def test_bundled_mac_hosts_are_what_the_generator_writes(tmp_path: Path) -> None:
    for made in bundled_mac_hosts(tmp_path):
        bundled = HOSTS / made.name
        assert bundled.is_dir(), f"run `python tests/hostgen_mac.py`: {bundled} missing"
        new = sorted(p.relative_to(made) for p in made.rglob("*") if p.is_file())
        old = sorted(p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file())
        assert new == old
        for rel in new:
            assert (made / rel).read_text() == (bundled / rel).read_text(), rel


@pytest.mark.parametrize("host", MAC_HOSTS, ids=lambda p: p.name)
def test_mac_hosts_record_exactly_what_the_collectors_run(host: Path) -> None:
    recorded = {tuple(json.loads(p.read_text())["argv"]) for p in host.glob("commands/*/cmd.json")}
    ran: list[tuple[str, ...]] = []

    class Spy(ReplayProbe):
        def run(self, argv, timeout=20.0):  # type: ignore[no-untyped-def]
            ran.append(tuple(argv))
            return super().run(argv, timeout)

    inv = collect_inventory(Spy(host), [*mac_collectors(), SmartCollector()])
    assert set(ran) == recorded
    assert json.loads((host / "host.json").read_text())["os"] == "Darwin"
    assert not inv.problems
    assert all(r.success and r.skipped is None for r in inv.collectors)


# ---------------------------------------------------------------------------------------------------------
# xserve01: boot mirror healthy, data mirror rebuilding


def test_xserve_boot_mirror_is_redundant() -> None:
    inv = inventory(XSERVE)
    root = inv.volume("/")
    assert root is not None and root.source == "disk5"
    assert root.redundancy == "appleraid"
    assert root.failures_tolerated == 1 and root.redundant
    assert root.disks == ("name:disk1", "name:disk2")
    boot = inv.array("disk5")
    assert boot is not None
    assert (boot.kind, boot.level, boot.state, boot.degraded) == ("appleraid", "mirror", "active", False)
    assert boot.label == "Server HD"  # the set's Name:, not its node
    assert boot.uuid == "4BF56359-48F4-7735-D5A2-8F2C98F43BC8"
    assert boot.size_bytes == 999860903936
    assert [m.device for m in boot.members] == ["disk1s1", "disk2s1"]
    assert boot.failures_tolerated == 1


def test_xserve_data_mirror_rebuilding_is_degraded_with_progress() -> None:
    inv = inventory(XSERVE)
    data = inv.volume("/Volumes/Data")
    assert data is not None and data.source == "disk6"
    assert data.failures_tolerated == 0 and not data.redundant
    assert data.disks == ("name:disk4",)  # the member being rebuilt holds no complete copy yet
    arr = inv.array("disk6")
    assert arr is not None and arr.degraded and arr.array_state == "Degraded"
    assert (arr.raid_disks, arr.in_sync_disks) == (2, 1)
    rebuilding = [m for m in arr.members if m.rebuilding]
    assert [m.device for m in rebuilding] == ["disk3s1"]
    assert rebuilding[0].state is MemberState.ACTIVE and rebuilding[0].in_sync is False
    assert arr.sync is not None and arr.sync.action is SyncAction.RECOVERY
    assert arr.sync.progress == pytest.approx(0.15)


def test_xserve_scratch_on_a_plain_disk_is_not_redundant() -> None:
    inv = inventory(XSERVE)
    scratch = inv.volume("/Volumes/Scratch")
    assert scratch is not None and scratch.stack is not None
    assert chain(scratch.stack) == ["disk0s2", "disk0"]
    assert scratch.failures_tolerated == 0 and scratch.redundancy == "none"
    disk0 = inv.disk("disk0")
    assert disk0 is not None
    assert (disk0.model, disk0.transport, disk0.serial) == ("Hitachi HDS721010CLA332 Media", "sata", None)
    # the RAID sets' disks are not physical disks
    assert {d.name for d in inv.disks} == {"disk0", "disk1", "disk2", "disk3", "disk4"}


# ---------------------------------------------------------------------------------------------------------
# powermac02: single boot disk, data mirror with a Failed member (10.5 "RAID SETS" output)


def test_powermac_boot_on_a_single_disk_is_not_redundant() -> None:
    inv = inventory(POWERMAC)
    root = inv.volume("/")
    assert root is not None and root.stack is not None
    assert chain(root.stack) == ["disk0s2", "disk0"]
    assert root.failures_tolerated == 0 and not root.redundant and root.redundancy == "none"


def test_powermac_data_mirror_with_a_failed_member_is_degraded() -> None:
    inv = inventory(POWERMAC)
    data = inv.volume("/Volumes/Data")
    assert data is not None and data.source == "disk3" and data.redundancy == "appleraid"
    assert data.failures_tolerated == 0
    arr = inv.array("disk3")
    assert arr is not None and arr.label == "Data" and arr.degraded
    failed = arr.failed_members
    assert [m.device for m in failed] == ["disk2s2"] and failed[0].raw_state == "Failed"
    assert arr.sync is None and arr.failures_tolerated == 0
    assert arr.size_bytes == 499763888128


# ---------------------------------------------------------------------------------------------------------
# macmini03: APFS on one internal SSD


def test_macmini_root_on_apfs_is_followed_to_the_ssd() -> None:
    inv = inventory(MACMINI)
    root = inv.volume("/")
    assert root is not None and root.source == "disk3s1s1" and root.stack is not None
    assert chain(root.stack) == ["disk3s1s1", "disk3s1", "disk3", "disk0s2", "disk0"]
    assert root.stack.children[0].children[0].kind == "apfs"
    assert root.failures_tolerated == 0 and not root.redundant and root.redundancy == "none"
    assert root.disks == ("name:disk0",)
    data = inv.volume("/System/Volumes/Data")
    assert data is not None and data.stack is not None
    assert chain(data.stack) == ["disk3s5", "disk3", "disk0s2", "disk0"]
    assert data.failures_tolerated == 0
    assert not inv.arrays  # "No AppleRAID sets found"
    (disk0,) = inv.disks
    assert (disk0.name, disk0.rotational, disk0.transport) == ("disk0", False, "apple-fabric")
    assert disk0.model == "APPLE SSD AP0256Q"
    for v in inv.volumes:
        assert v.disks == ("name:disk0",) and v.problem is None, v.mountpoint


# ---------------------------------------------------------------------------------------------------------
# platform choice: quiet where not applicable


def test_mac_collectors_are_skipped_on_linux_with_a_reason(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    probe = ReplayProbe(LINUX)
    header = probe.header()
    for col in (AppleRaidCollector(), MacDisksCollector()):
        assert col.applicable(probe, header) == "not on Linux"
    inv = collect_inventory(probe, [MdCollector(), BlockDevCollector(), MountsCollector(), *mac_collectors()])
    runs = {r.name: r for r in inv.collectors}
    assert runs["appleraid"].skipped == "not on Linux" and runs["macdisks"].skipped == "not on Linux"
    assert runs["md"].skipped is None
    loud = [r for r in caplog.records if r.levelno > logging.DEBUG and "appleraid" in r.getMessage()]
    assert not loud
    assert inv.volume("/").failures_tolerated == 1  # type: ignore[union-attr]


def test_linux_collectors_are_skipped_on_macos_quietly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    probe = ReplayProbe(XSERVE)
    header = probe.header()
    assert MdCollector().applicable(probe, header) == "not on Darwin"
    assert BlockDevCollector().applicable(probe, header) == "not on Darwin"
    inv = collect_inventory(probe, [MdCollector(), BlockDevCollector(), *mac_collectors()])
    runs = {r.name: r for r in inv.collectors}
    assert runs["md"].skipped and runs["blockdev"].skipped
    assert [r for r in caplog.records if r.levelno > logging.DEBUG] == []


# ---------------------------------------------------------------------------------------------------------
# the appleraid collector's paths: legacy verb, plist, nesting, failures


def _host(tmp_path: Path, commands: dict[tuple[str, ...], tuple[int | None, str, str]], **kw) -> Path:  # type: ignore[no-untyped-def]
    d = write_mac_host(
        "t",
        hostname="t",
        kernel="8.11.0",
        machine="Power Macintosh",
        wholes=kw.get("wholes", []),
        raid_list=None,
        mounts=kw.get("mounts", []),
        extra_commands=commands,
        root=tmp_path,
    )
    return d


def _collect(host: Path, col=None):  # type: ignore[no-untyped-def]
    col = col or AppleRaidCollector()
    return col.collect(ReplayProbe(host))


def test_tiger_falls_back_to_listraid(tmp_path: Path) -> None:
    usage = (
        "Disk Utility Tool\nUtility to manage local disks and volumes\n"
        "Most commands require an administrator or root user\n\nUsage:  diskutil <verb> <options>\n"
    )
    host = _host(tmp_path, {LIST_ARGV: (1, usage, ""), LEGACY_ARGV: (0, LIST_10_5_FAILED, "")})
    c = _collect(host)
    assert not c.problems
    (arr,) = c.arrays
    assert arr.name == "disk3" and arr.label == "Data" and arr.degraded
    assert any("listRAID" in n for n in c.notes)


def test_modern_unknown_verb_message_also_falls_back(tmp_path: Path) -> None:
    err = 'diskutil: did not recognize verb "appleRAID"; type "diskutil" for a list\n'
    host = _host(tmp_path, {LIST_ARGV: (1, "", err), LEGACY_ARGV: (0, "No AppleRAID sets found\n", "")})
    c = _collect(host)
    assert c.arrays == () and c.problems == ()


def test_plist_listing_when_asked(tmp_path: Path) -> None:
    import plistlib

    data = {
        "AppleRAIDSets": [
            {
                "AppleRAIDSetUUID": "2D7B4E90-6C1A-4F38-8E25-B9A04C3F1D67",
                "BSD Name": "disk10",
                "Level": "Mirror",
                "Name": "Toybox HDD",
                "Rebuild": "Automatic",
                "Size": 3000248991744,
                "Status": "Degraded",
                "Members": [
                    {"AppleRAIDMemberUUID": "71E2C9A4-58B0-4D6F-A31E-0B94D7F26C85", "BSD Name": "disk3s2",
                     "MemberStatus": "Online", "Size": 3000248991744},
                    {"AppleRAIDMemberUUID": "C0F47A1B-93D2-4E85-B6A9-52E1D08F3B74", "BSD Name": "disk4s2",
                     "MemberStatus": "42% (Rebuilding)", "Size": 3000248991744},
                ],
            }
        ]
    }  # fmt: skip
    text = plistlib.dumps(data, fmt=plistlib.FMT_XML).decode()
    host = _host(tmp_path, {PLIST_ARGV: (0, text, "")})
    col = AppleRaidCollector()
    col.use_plist = True
    c = _collect(host, col)
    assert not c.problems
    (arr,) = c.arrays
    assert (arr.name, arr.label, arr.size_bytes) == ("disk10", "Toybox HDD", 3000248991744)
    assert arr.sync is not None and arr.sync.progress == pytest.approx(0.42)


def test_plist_failure_falls_back_to_text(tmp_path: Path) -> None:
    text = (CORPUS / "diskutil/xymon-appleraid/list-online.txt") if CORPUS.is_dir() else None
    listing = text.read_text() if text else LIST_10_5_FAILED
    host = _host(tmp_path, {PLIST_ARGV: (1, "", "Error: unknown option -plist"), LIST_ARGV: (0, listing, "")})
    col = AppleRaidCollector()
    col.use_plist = True
    c = _collect(host, col)
    assert not c.problems and len(c.arrays) == 1
    assert any("-plist" in n for n in c.notes)


NESTED = """AppleRAID sets (3 found)
===============================================================================
Name:                 Mirror of stripes
Unique ID:            11111111-2222-3333-4444-555555555555
Type:                 Mirror
Status:               Degraded
Size:                 2.0 TB (2000079486976 Bytes)
Rebuild:              automatic
Device Node:          disk8
-------------------------------------------------------------------------------
#  DevNode   UUID                                  Status     Size
-------------------------------------------------------------------------------
0  disk6     AAAAAAAA-0000-0000-0000-000000000006  Online     2000079486976
1  disk7     AAAAAAAA-0000-0000-0000-000000000007  Offline    2000079486976
===============================================================================
===============================================================================
Name:                 Stripe A
Unique ID:            AAAAAAAA-0000-0000-0000-000000000006
Type:                 Stripe
Status:               Online
Size:                 2.0 TB (2000079486976 Bytes)
Device Node:          disk6
-------------------------------------------------------------------------------
#  DevNode   UUID                                  Status     Size
-------------------------------------------------------------------------------
0  disk2s2   BBBBBBBB-0000-0000-0000-000000000022  Online     1000039743488
1  disk3s2   BBBBBBBB-0000-0000-0000-000000000032  Online     1000039743488
===============================================================================
===============================================================================
Name:                 Stripe B
Unique ID:            AAAAAAAA-0000-0000-0000-000000000007
Type:                 Stripe
Status:               Offline
Size:                 2.0 TB (2000079486976 Bytes)
Device Node:          disk7
-------------------------------------------------------------------------------
#  DevNode   UUID                                  Status     Size
-------------------------------------------------------------------------------
0  disk4s2   BBBBBBBB-0000-0000-0000-000000000042  Online     1000039743488
1  -none-    BBBBBBBB-0000-0000-0000-000000000052  Missing/Damaged
===============================================================================
"""


def test_nested_sets_are_modelled_not_flattened(tmp_path: Path) -> None:
    """A mirror of two stripes (layout modelled on the 10.6+ text; no real capture of nesting exists)."""
    disks = [
        PhysDisk(f"disk{n}", 1000204886016, "WDC WD1003FBYX-01Y7B0", "SATA",
                 [Part(f"disk{n}s1", 209715200, "EFI"), Part(f"disk{n}s2", 1000039743488, "Apple_RAID")])
        for n in (2, 3, 4, 5)
    ]  # fmt: skip
    sets = [
        RaidSetDisk("disk6", 2000079486976, "Stripe A", "AAAAAAAA-0000-0000-0000-000000000006", "Stripe",
                    "Online", [], "", None),
        RaidSetDisk("disk7", 2000079486976, "Stripe B", "AAAAAAAA-0000-0000-0000-000000000007", "Stripe",
                    "Offline", [], "", None),
        RaidSetDisk("disk8", 2000079486976, "Mirror of stripes", "11111111-2222-3333-4444-555555555555",
                    "Mirror", "Online", [], "Big", "/Volumes/Big"),
    ]  # fmt: skip
    host = write_mac_host(
        "nested",
        hostname="nested",
        kernel="11.4.2",
        machine="i386",
        wholes=[*disks, *sets],
        raid_list=NESTED,
        mounts=[("/dev/disk8", "/Volumes/Big", "hfs", "rw,local,journaled")],
        root=tmp_path,
    )
    inv = inventory(host)
    outer = inv.array("disk8")
    assert outer is not None and [m.device for m in outer.members] == ["disk6", "disk7"]
    assert [(m.in_sync, m.state) for m in outer.members] == [
        (True, MemberState.ACTIVE),
        (False, MemberState.ACTIVE),
    ]
    assert (outer.raid_disks, outer.in_sync_disks, outer.degraded) == (2, 1, True)
    stripe_b = inv.array("disk7")
    assert stripe_b is not None and stripe_b.level == "stripe" and stripe_b.label == "Stripe B"
    assert stripe_b.state == "inactive" and stripe_b.failures_tolerated == -1
    vol = inv.volume("/Volumes/Big")
    assert vol is not None and vol.stack is not None
    assert chain(vol.stack) == ["disk8", "disk6", "disk2s2", "disk2"]
    # stripe B lost a member: the mirror lives on stripe A alone, which any one disk loss kills
    assert vol.failures_tolerated == 0
    assert set(vol.disks) == {"name:disk2", "name:disk3"}
    # with stripe B whole again, the mirror of stripes survives any one disk
    healthy = (
        NESTED.replace(
            "1  -none-    BBBBBBBB-0000-0000-0000-000000000052  Missing/Damaged",
            "1  disk5s2   BBBBBBBB-0000-0000-0000-000000000052  Online     1000039743488",
        )
        .replace("Offline", "Online")
        .replace("Degraded", "Online")
    )
    write_command(host, LIST_ARGV, healthy)
    inv = inventory(host)
    assert inv.volume("/Volumes/Big").failures_tolerated == 1  # type: ignore[union-attr]
    assert set(inv.volume("/Volumes/Big").disks) == {f"name:disk{n}" for n in (2, 3, 4, 5)}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("result", "needle"),
    [
        ({"missing": True}, "command not found"),
        ({"returncode": None, "timed_out": True}, "timed out"),
        ({"returncode": 1, "stderr": "diskutil: permission denied\n"}, "exit status 1"),
        ({"stdout": "AppleRAID: failed trying to get controller object, rc = 0xe00002c5.\n"
                    "No AppleRAID sets found\n"}, "could not read the AppleRAID sets"),
        ({"stdout": "this is not diskutil output\n"}, "not diskutil AppleRAID output"),
    ],
)  # fmt: skip
def test_diskutil_trouble_is_a_problem_not_a_crash(tmp_path: Path, result: dict, needle: str) -> None:
    host = _host(tmp_path, {})
    c = host / "commands" / "x"
    c.mkdir(parents=True)
    meta = {"argv": list(LIST_ARGV), "returncode": 0, "timed_out": False, "missing": False, **result}
    (c / "cmd.json").write_text(json.dumps(meta))
    (c / "stdout").write_text(result.get("stdout", ""))
    (c / "stderr").write_text(result.get("stderr", ""))
    contrib = _collect(host)
    assert contrib.arrays == ()
    (problem,) = contrib.problems
    assert problem.collector == "appleraid" and problem.severity is Severity.CRITICAL
    assert needle in problem.message


def test_macdisks_without_diskutil_is_a_problem(tmp_path: Path) -> None:
    host = _host(tmp_path, {})
    (host / "commands" / "diskutil_list_-plist").rename(host / "gone")  # nothing recorded: "not found"
    c = MacDisksCollector().collect(ReplayProbe(host))
    assert c.devices == () and c.problems[0].severity is Severity.CRITICAL
    assert "command not found" in c.problems[0].message


def test_macdisks_info_failure_is_per_disk(tmp_path: Path) -> None:
    d0 = PhysDisk(
        "disk0", 500 * 10**9, "ST500DM002", "SATA", [Part("disk0s2", 499 * 10**9, "Apple_HFS", "HD", "/")]
    )
    d1 = PhysDisk("disk1", 500 * 10**9, "ST500DM002", "SATA")
    host = _host(tmp_path, {}, wholes=[d0, d1])
    write_command(host, info_argv("disk1"), "", returncode=1, stderr="Could not find disk: disk1\n")
    c = MacDisksCollector().collect(ReplayProbe(host))
    assert [p.subject for p in c.problems] == ["diskutil info -plist disk1"]
    assert {d.name for d in c.devices} == {"disk0", "disk0s2", "disk1"}


def test_apfs_container_stores_from_info_when_the_list_omits_them(tmp_path: Path) -> None:
    import plistlib

    disk0 = PhysDisk("disk0", 500 * 10**9, "APPLE SSD SM0512G", "PCI-Express",
                     [Part("disk0s2", 499 * 10**9, "Apple_APFS")], solid_state=True)  # fmt: skip
    cont = ApfsContainer("disk1", 499 * 10**9, [], [ApfsVolume("disk1s1", "Macintosh HD", 10**11, "/")])
    host = _host(tmp_path, {}, wholes=[disk0, cont], mounts=[("/dev/disk1s1", "/", "apfs", "rw")])
    lst = plistlib.loads(list_plist([disk0, cont]).encode())
    del lst["AllDisksAndPartitions"][1]["APFSPhysicalStores"]
    write_command(host, ("diskutil", "list", "-plist"), plistlib.dumps(lst).decode())
    info = {"DeviceIdentifier": "disk1", "APFSPhysicalStores": [{"APFSPhysicalStore": "disk0s2"}]}
    write_command(host, info_argv("disk1"), plistlib.dumps(info).decode())
    inv = inventory(host)
    root = inv.volume("/")
    assert root is not None and root.stack is not None
    assert chain(root.stack) == ["disk1s1", "disk1", "disk0s2", "disk0"]
    assert inv.disk("disk0").transport == "pci-express"  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------------------
# the corpus: every file goes through a collector path or the parser without a crash


def _corpus_text_through_collector(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    host = _host(tmp_path, {LIST_ARGV: (0, text, "")})
    return _collect(host)


@needs_corpus
@pytest.mark.parametrize("path", corpus_files("diskutil"), ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_corpus_file_is_handled(tmp_path: Path, path: Path) -> None:
    text = path.read_text()
    if path.suffix == ".plist":
        info = parse_diskutil(text, str(path))
        assert isinstance(info, DiskInfo) and info.device_identifier == path.stem.rsplit("-", 1)[-1]
        return
    c = _corpus_text_through_collector(tmp_path, text)
    if "RAID operation" in text:  # an `appleRAID add` transcript, not a listing: the collector says so
        assert c.arrays == () and len(c.problems) == 1
        return
    if "controller object" in text:
        assert c.problems and "controller" in c.problems[0].message
        return
    assert not c.problems, c.problems
    for arr in c.arrays:
        assert arr.kind == "appleraid" and arr.name.startswith("disk") and arr.label
        assert all(m.device for m in arr.members)


@needs_corpus
def test_corpus_rotavault_machine_as_a_host(tmp_path: Path) -> None:
    """The znerol-rotavault `info -plist` captures of disk3/disk4/disk5 with its appleRAID listings, served
    as one recorded Mac: a USB stick and a disk image mirrored as set disk4, mounted on /Volumes/raidtest."""
    root = CORPUS / "diskutil" / "znerol-rotavault"
    host = tmp_path / "rotavault"
    host.mkdir()
    (host / "host.json").write_text(json.dumps({"hostname": "rotavault", "os": "Darwin", "kernel": "10.8.0"}))
    (host / "mounts.json").write_text(
        json.dumps([{"device": "/dev/disk4", "mountpoint": "/Volumes/raidtest", "fstype": "hfs"}])
    )
    wholes = [
        PhysDisk("disk3", 2004877312, "", "USB", [Part("disk3s1", 1870618624, "Apple_RAID"),
                                                   Part("disk3s2", 134217728, "Apple_Boot")]),
        PhysDisk("disk5", 2004877312, "", "Disk Image", [Part("disk5s1", 1870618624, "Apple_RAID"),
                                                          Part("disk5s2", 134217728, "Apple_Boot")]),
        RaidSetDisk("disk4", 1870594048, "raidtest", "", "Mirror", "Online", [], "raidtest",
                    "/Volumes/raidtest"),
    ]  # fmt: skip
    write_command(host, ("diskutil", "list", "-plist"), list_plist(wholes))
    for n in (3, 4, 5):
        write_command(host, info_argv(f"disk{n}"), (root / f"disk{n}.plist").read_text())
    expect = {"ok": 1, "degraded-failed": 0, "degraded-missing": 0, "degraded-rebuilding-1": 0}
    for case, tolerated in expect.items():
        write_command(host, LIST_ARGV, (root / f"diskutil-appleraid-list-{case}.txt").read_text())
        inv = inventory(host)
        vol = inv.volume("/Volumes/raidtest")
        assert vol is not None and vol.failures_tolerated == tolerated, case
        assert vol.redundancy == "appleraid"
        assert inv.disk("disk3") is not None and inv.disk("disk4") is None  # the set is no disk
        dev5 = next(d for d in inv.devices if d.name == "disk5")
        assert dev5.kind == "loop"  # a disk image


def test_list_plist_parser_rejects_other_text() -> None:
    for bad in (
        "",
        "No AppleRAID sets found\n",
        "<plist><dict><key>X</key><string>y</string></dict></plist>",
    ):
        with pytest.raises(ParseError):
            parse_diskutil_list_plist(bad)
    listing = parse_diskutil_list_plist((MACMINI / "commands/diskutil_list_-plist/stdout").read_text())
    assert listing.whole_disks == ("disk0", "disk1", "disk2", "disk3")
    main = listing.disk("disk3")
    assert main is not None and main.is_apfs_container and main.apfs_physical_stores == ("disk0s2",)
    system = next(p for p in main.partitions if p.identifier == "disk3s1")
    assert [s.identifier for s in system.snapshots] == ["disk3s1s1"] and system.snapshots[
        0
    ].mount_point == "/"


# ---------------------------------------------------------------------------------------------------------
# end to end through the CLI (only once the collectors are registered)


def _registered() -> bool:
    known = collectors.available()
    return "appleraid" in known and "macdisks" in known


@pytest.mark.skipif(not _registered(), reason="appleraid/macdisks not registered in raidwatch.collectors yet")
@pytest.mark.parametrize(
    ("host", "mount", "tolerated"),
    [(XSERVE, "/", 1), (XSERVE, "/Volumes/Data", 0), (POWERMAC, "/", 0), (POWERMAC, "/Volumes/Data", 0),
     (MACMINI, "/", 0)],
)  # fmt: skip
def test_cli_inventory_on_mac_hosts(host: Path, mount: str, tolerated: int) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "raidwatch", "inventory", "--replay", str(host), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert res.returncode in (0, 1, 2), res.stderr
    data = json.loads(res.stdout)
    vol = next(v for v in data["volumes"] if v["mountpoint"] == mount)
    assert vol["failures_tolerated"] == tolerated
    runs = {r["name"]: r for r in data["collectors"]}
    assert runs["appleraid"]["skipped"] is None and runs["md"]["skipped"]
    if host == MACMINI:  # the SSD's identity comes from SMART (diskutil names no serial)
        assert vol["disks"] == ["serial:APPLE SSD AP0256Q:0ba02c8e1a3f4d21"]
