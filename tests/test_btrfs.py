"""btrfs: parsers over the corpus and this VM's real outputs, the collector over recorded hosts, no crash."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys

import pytest
from conftest import FIXTURES, HOSTS, REPO, corpus_files, corpus_path, needs_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from raidwatch import collectors
from raidwatch.collectors.blockdev import BlockDevCollector
from raidwatch.collectors.btrfs import BtrfsCollector
from raidwatch.collectors.mounts import MountsCollector
from raidwatch.errors import ParseError
from raidwatch.inventory import collect_inventory
from raidwatch.model import Array, MemberState
from raidwatch.parsers.btrfs import (
    BtrfsShowResult,
    BtrfsStatsResult,
    parse_btrfs,
    parse_btrfs_sysfs,
    parse_device_stats,
    parse_error_stats,
    parse_filesystem_show,
    parse_size,
    to_json,
    weakest_profile,
)
from raidwatch.probe import ReplayProbe

# This project's own VM recordings (tests/fixtures/btrfs/SOURCES.md). The real third-party outputs (the
# linux-btrfs mailing list's) are read in place from ../shared/corpus/btrfs/linux-btrfs-ml-archive/.
FIX = FIXTURES / "btrfs"
MIRROR = HOSTS / "btrfs-loop-mirror"
DEGRADED = FIX / "host-loop-mirror-degraded"
MIRROR_UUID = "0389d364-f585-4142-8c7f-ccd3cda4d034"
DEGRADED_UUID = "31af8bff-cd21-4fe0-a209-f18270905dd3"
ROLLO_UUID = "61e5aba9-6811-46ae-9396-35a72d3b1117"
TIB, GIB, MIB, KIB = 1 << 40, 1 << 30, 1 << 20, 1 << 10


def parse_fixture(name: str) -> BtrfsShowResult | BtrfsStatsResult:
    """One of this project's VM recordings in tests/fixtures/btrfs."""
    return parse_btrfs((FIX / name).read_text(), name)


def parse_real(rel: str) -> BtrfsShowResult | BtrfsStatsResult:
    """One real output, by its path in ../shared/corpus (the calling test skips without the corpus)."""
    return parse_btrfs(corpus_path(rel).read_text(), rel)


def counters(result: BtrfsStatsResult) -> dict[str, dict[str, int]]:
    return {d.device: dict(d.counters) for d in result.devices}


# ---------------------------------------------------------------------------- filesystem show


def test_show_raid1_three_devices_from_the_mailing_list():
    res = parse_real("btrfs/linux-btrfs-ml-archive/rollo-fi-show-raid1-3dev.txt")
    assert isinstance(res, BtrfsShowResult) and res.warnings == ()
    (fs,) = res.filesystems
    assert (fs.uuid, fs.label, fs.total_devices) == (ROLLO_UUID, "BTRFS1", 3)
    assert fs.bytes_used == round(1.15 * TIB)
    assert [(d.devid, d.path, d.missing) for d in fs.devices] == [
        (1, "/dev/sdc1", False),
        (3, "/dev/sdf", False),
        (4, "/dev/sde", False),
    ]
    assert fs.devices[1].size_bytes == round(698.64 * GIB) and fs.devices[1].used_bytes == 10 * GIB
    assert fs.missing_count == 0 and not fs.some_missing


def test_show_some_devices_missing():
    (fs,) = parse_real("btrfs/linux-btrfs-ml-archive/rollo-fi-show-some-devices-missing.txt").filesystems
    assert fs.total_devices == 3 and len(fs.devices) == 2
    assert fs.some_missing and fs.missing_count == 1
    assert [d.path for d in fs.present_devices] == ["/dev/sdc1", "/dev/sdf"]


def test_show_healthy_mirror_in_human_units():
    (fs,) = parse_fixture("vm-fi-show-raid1-healthy.txt").filesystems
    assert fs.label == "rwtest" and fs.total_devices == 2 and fs.bytes_used == 144 * KIB
    assert [(d.devid, d.path, d.size_bytes, d.used_bytes) for d in fs.devices] == [
        (1, "/dev/loop0", 300 * MIB, 104 * MIB),
        (2, "/dev/loop1", 300 * MIB, 104 * MIB),
    ]
    assert fs.missing_count == 0


@pytest.mark.parametrize(
    "name", ["vm-fi-show-raid1-degraded-raw.txt", "vm-fi-show-raid1-degraded-missing-disk.txt"]
)
def test_show_degraded_mirror_marks_the_missing_device(name):
    (fs,) = parse_fixture(name).filesystems
    assert fs.total_devices == 2 and fs.missing_count == 1
    assert [(d.devid, d.path, d.missing) for d in fs.devices] == [(1, "/dev/loop0", False), (2, None, True)]


def test_show_single_device_and_several_filesystems():
    single = (FIX / "vm-fi-show-single-dup.txt").read_text()
    rollo = corpus_path("btrfs/linux-btrfs-ml-archive/rollo-fi-show-raid1-3dev.txt").read_text()
    both = single + "\n" + rollo + "btrfs-progs v6.2\n"
    res = parse_filesystem_show(both, "both")
    assert [(f.label, f.total_devices) for f in res.filesystems] == [("rwtest", 1), ("BTRFS1", 3)]
    assert res.warnings == ()


def test_show_old_forms_label_none_missing_disk_number_and_warning_line():
    text = (
        "warning, device 2 is missing\n"
        "Label: none  uuid: 11111111-2222-3333-4444-555555555555\n"
        "\tTotal devices 3 FS bytes used 1.00GiB\n"
        "\tdevid    1 size 10.00GiB used 2.00GiB path /dev/sda\n"
        "\tdevid    3 size 0 used 0 path <missing disk #3>\n"
        "Btrfs v3.12\n"
    )
    (fs,) = parse_filesystem_show(text).filesystems
    assert fs.label is None
    assert [(d.devid, d.missing) for d in fs.devices] == [(1, False), (3, True), (2, True)]
    assert fs.missing_count == 2


def test_parse_size():
    assert parse_size("0") == 0 and parse_size("314572800") == 314572800
    assert parse_size("1.50KiB") == 1536 and parse_size("2.00GB") == 2 * 10**9
    assert parse_size("lots") is None and parse_size("1.0XB") is None


# ---------------------------------------------------------------------------- device stats


def test_stats_with_huge_counters_from_the_mailing_list():
    res = parse_real("btrfs/linux-btrfs-ml-archive/rollo-device-stats-errors.txt")
    assert isinstance(res, BtrfsStatsResult)
    by = counters(res)
    assert list(by) == ["/dev/sdc1", "/dev/sdf", "/dev/sde"]
    assert by["/dev/sde"] == {
        "write_io_errs": 154997860,
        "read_io_errs": 77170574,
        "flush_io_errs": 310,
        "corruption_errs": 0,
        "generation_errs": 0,
    }
    assert [d.total_errors for d in res.devices] == [0, 0, 154997860 + 77170574 + 310]
    assert res.devices[2].nonzero == (
        ("write_io_errs", 154997860),
        ("read_io_errs", 77170574),
        ("flush_io_errs", 310),
    )


@pytest.mark.parametrize(
    ("name", "devices", "devids"),
    [
        ("vm-device-stats-healthy.txt", ["/dev/loop0", "/dev/loop1"], [None, None]),
        ("vm-device-stats-table-healthy.txt", ["/dev/loop0", "/dev/loop1"], [1, 2]),
        ("vm-device-stats-degraded.txt", ["/dev/loop0", "devid:2"], [None, 2]),
        ("vm-device-stats-table-degraded.txt", ["/dev/loop0", "devid:2"], [1, 2]),
        ("vm-device-stats-missing-disk.txt", ["/dev/loop0", "<missing disk>"], [None, None]),
    ],
)
def test_stats_plain_and_table_forms(name, devices, devids):
    res = parse_fixture(name)
    assert isinstance(res, BtrfsStatsResult) and res.warnings == ()
    assert [d.device for d in res.devices] == devices
    assert [d.devid for d in res.devices] == devids
    assert all(len(d.counters) == 5 and d.total_errors == 0 for d in res.devices)


def test_error_stats_from_sysfs():
    text = (MIRROR / f"fs/sys/fs/btrfs/{MIRROR_UUID}/devinfo/1/error_stats").read_text()
    s = parse_error_stats(text, 1, "error_stats")
    assert s.devid == 1 and s.device == "devid 1"
    assert dict(s.counters) == dict.fromkeys(
        ("write_io_errs", "read_io_errs", "flush_io_errs", "corruption_errs", "generation_errs"), 0
    )
    with pytest.raises(ParseError):
        parse_error_stats("write_errs lots\n", 1, "x")


# ---------------------------------------------------------------------------- corpus, JSON, refusal

CORPUS_EXPECT = {
    "rollo-device-stats-errors.txt": ("stats", {"/dev/sde": 154997860 + 77170574 + 310}),
    "rollo-fi-show-raid1-3dev.txt": ("show", {ROLLO_UUID: (3, 0)}),
    "rollo-fi-show-some-devices-missing.txt": ("show", {ROLLO_UUID: (3, 1)}),
}


@needs_corpus
def test_every_corpus_file_parses_to_its_values():
    files = corpus_files("btrfs")
    assert sorted(p.name for p in files) == sorted(CORPUS_EXPECT)
    for path in files:
        fmt, want = CORPUS_EXPECT[path.name]
        out = to_json(parse_btrfs(path.read_text(), str(path)))
        assert out["format"] == fmt
        json.dumps(out)
        if fmt == "stats":
            errs = {d["device"]: d["total_errors"] for d in out["devices"] if d["total_errors"]}
            assert errs == want
        else:
            got = {f["uuid"]: (f["total_devices"], f["missing_devices"]) for f in out["filesystems"]}
            assert got == want


def test_to_json_shapes():
    show = to_json(parse_fixture("vm-fi-show-raid1-degraded-raw.txt"))
    assert show["format"] == "show"
    (fs,) = show["filesystems"]
    assert fs["missing_devices"] == 1 and fs["devices"][1] == {
        "devid": 2,
        "path": None,
        "size_bytes": 0,
        "used_bytes": 0,
        "missing": True,
    }
    stats = to_json(parse_real("btrfs/linux-btrfs-ml-archive/rollo-device-stats-errors.txt"))
    assert stats["format"] == "stats" and stats["devices"][2]["counters"]["flush_io_errs"] == 310


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "Personalities : [raid1]\nmd0 : active raid1 sda1[0] sdb1[1]\n",
        "Label: 'x'\n",
        "[/dev/sda].write_io_errs lots\n",
        "Id Path Frobs\n1 /dev/sda 0\n",
        "\tdevid    1 size 1 used 1 path /dev/sda\n",
        "hello",
        "random words\nLabel: none  uuid: 11111111-2222-3333-4444-555555555555\n",
    ],
)
def test_not_btrfs_output_is_a_parse_error(text):
    with pytest.raises(ParseError):
        parse_btrfs(text, "input")


_LINES = st.sampled_from(
    [
        "Label: 'rwtest'  uuid: 906ef8c1-e160-4c8c-8338-e2db9dfc5d0a",
        "Label: none  uuid: 906ef8c1-e160-4c8c-8338-e2db9dfc5d0a",
        "\tTotal devices 2 FS bytes used 144.00KiB",
        "\tTotal devices 99999999999 FS bytes used 1e400",
        "\tdevid    1 size 300.00MiB used 104.00MiB path /dev/loop0",
        "\tdevid    2 size 0 used 0 path <missing disk> MISSING",
        "\tdevid    2 size 0 used 0 path  MISSING",
        "\tdevid 0 size 99999999999999999999.9EiB used 1 path x",
        "\t*** Some devices missing",
        "warning, device 7 is missing",
        "[/dev/loop0].write_io_errs    0",
        "[devid:2].read_io_errs    99999999999999999999",
        "[/dev/loop0].frob 1",
        "Id Path       Write errors Read errors Flush errors Corruption errors Generation errors",
        "-- ---------- ------------ -----------",
        " 1 /dev/loop0            0           0            0                 0                 0",
        " x y 1 2",
        "btrfs-progs v6.2",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_LINES, st.text(max_size=60)), max_size=12))
def test_no_input_crashes_the_parsers(lines):
    text = "\n".join(lines)
    for fn in (parse_btrfs, parse_filesystem_show, parse_device_stats):
        with contextlib.suppress(ParseError):
            fn(text, "fuzz")
    with contextlib.suppress(ParseError):
        parse_error_stats(text, 1, "fuzz")


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["data", "metadata", "system", "frob"]),
        st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.text(max_size=8)), max_size=3),
        max_size=4,
    ),
    st.dictionaries(
        st.text(max_size=4),
        st.dictionaries(
            st.sampled_from(["missing", "replace_target", "writeable", "error_stats"]), st.text(max_size=30)
        ),
        max_size=4,
    ),
)
def test_sysfs_parser_never_crashes(allocation, devinfo):
    res = parse_btrfs_sysfs("u", None, ["sda"], allocation, devinfo)
    assert res.effective_profile is None or isinstance(res.effective_profile, str)
    assert res.missing_count is None or res.missing_count >= 0


# ---------------------------------------------------------------------------- sysfs and the effective level


@pytest.mark.parametrize(
    ("profiles", "weakest"),
    [
        ((("data", ("raid1",)), ("metadata", ("raid1",)), ("system", ("raid1",))), "raid1"),
        ((("data", ("raid1",)), ("metadata", ("dup",)), ("system", ("dup",))), "dup"),
        ((("data", ("single",)), ("metadata", ("dup",)), ("system", ("dup",))), "single"),
        ((("data", ("raid1c3",)), ("metadata", ("raid1",)), ("system", ("raid1c3",))), "raid1"),
        ((("data", ("raid6",)), ("metadata", ("raid1c3",)), ("system", ("raid1c3",))), "raid6"),
        ((("data", ("single", "raid1")), ("metadata", ("raid1",))), "single"),  # a convert half done
        ((), None),
    ],
)
def test_effective_level_is_the_weakest_profile(profiles, weakest):
    assert weakest_profile(profiles) == weakest


def test_sysfs_parser_reads_profiles_devinfo_and_ignores_emptied_block_groups():
    res = parse_btrfs_sysfs(
        "u",
        "tank\n",
        ["sdb", "sda"],
        {
            "data": {"raid1": "1073741824", "single": "0"},  # the single block groups were converted
            "metadata": {"raid1c3": "268435456"},
            "system": {"raid1c3": None},
        },
        {
            "1": {"missing": "0", "error_stats": "write_errs 0\nread_errs 3\n"},
            "2": {"missing": "1"},
            "0": {"missing": "0", "replace_target": "1"},
            "x": {},
        },
    )
    assert res.label == "tank" and res.devices == ("sda", "sdb")
    assert res.profiles == (("data", ("raid1",)), ("metadata", ("raid1c3",)), ("system", ("raid1c3",)))
    assert res.effective_profile == "raid1"
    assert [d.devid for d in res.member_devinfo] == [1, 2]  # devid 0: the target of a running replace
    assert res.missing_count == 1
    assert res.devinfo[1].errors is not None and res.devinfo[1].errors.nonzero == (("read_io_errs", 3),)
    assert any("devinfo/x" in w for w in res.warnings)


def test_single_profile_arrays_survive_nothing():
    for level, n in (("single", 1), ("dup", 1), ("raid0", 2)):
        arr = Array("b", level, "active", raid_disks=n, in_sync_disks=n, kind="btrfs")
        assert arr.member_losses_survivable() == 0
    assert Array("b", "raid1", "active", raid_disks=3, kind="btrfs").member_losses_survivable() == 1


# ---------------------------------------------------------------------------- the collector, replayed

ALL = (BtrfsCollector, BlockDevCollector, MountsCollector)


def inventory(host):
    return collect_inventory(ReplayProbe(host), [c() for c in ALL])


def btrfs_volume(inv):
    (vol,) = [v for v in inv.volumes if v.fstype == "btrfs"]
    return vol


@pytest.fixture()
def mirror(tmp_path):
    dst = tmp_path / "mirror"
    shutil.copytree(MIRROR, dst)
    return dst


def test_recorded_mirror_array():
    c = BtrfsCollector().collect(ReplayProbe(MIRROR))
    assert c.problems == ()
    (arr,) = c.arrays
    assert (arr.name, arr.kind, arr.level, arr.state, arr.label) == (
        "btrfs-0389d364",
        "btrfs",
        "raid1",
        "active",
        "rwtest",
    )
    assert (arr.raid_disks, arr.in_sync_disks, arr.degraded) == (2, 2, False)
    assert [(m.device, m.role, m.in_sync, m.state) for m in arr.members] == [
        ("loop0", 1, True, MemberState.ACTIVE),
        ("loop1", 2, True, MemberState.ACTIVE),
    ]
    assert arr.uuid == MIRROR_UUID and arr.metadata == "data=raid1 metadata=raid1 system=raid1"
    assert arr.sources == ("sysfs", "btrfs-show") and arr.disagreements == ()
    assert len(arr.mountpoints) == 1 and arr.mountpoints[0].startswith("/tmp/raidwatch-btrfs-")


def test_recorded_mirror_volume_survives_one_loss():
    inv = inventory(MIRROR)
    vol = btrfs_volume(inv)
    assert (vol.redundancy, vol.failures_tolerated, vol.source) == ("btrfs", 1, "btrfs-0389d364")
    assert vol.disks == ("name:loop0", "name:loop1")
    assert vol.stack is not None and [c.kind for c in vol.stack.children] == ["loop", "loop"]
    assert inv.array("btrfs-0389d364").failures_tolerated == 1
    assert inv.volume("/").failures_tolerated == 0  # the VM's root disk: no mirror
    assert all(r.success and not r.problems for r in inv.collectors)


def test_recorded_degraded_mirror():
    inv = inventory(DEGRADED)
    arr = inv.array("btrfs-31af8bff")
    assert (arr.level, arr.raid_disks, arr.in_sync_disks, arr.degraded) == ("raid1", 2, 1, True)
    assert [m.device for m in arr.members] == ["loop0"] and arr.disagreements == ()
    vol = btrfs_volume(inv)
    assert (vol.failures_tolerated, vol.disks) == (0, ("name:loop0",))


def test_without_btrfs_progs_sysfs_is_enough(mirror):
    shutil.rmtree(mirror / "commands")
    c = BtrfsCollector().collect(ReplayProbe(mirror))
    assert c.problems == ()
    (arr,) = c.arrays
    assert arr.sources == ("sysfs",) and (arr.raid_disks, arr.in_sync_disks) == (2, 2)
    assert [m.role for m in arr.members] == [None, None]  # no devid without `btrfs filesystem show`
    assert sum("btrfs-progs not installed" in n for n in c.notes) == 1


def test_show_permission_denied_is_a_problem_for_that_filesystem(mirror):
    (d,) = (mirror / "commands").iterdir()
    meta = json.loads((d / "cmd.json").read_text())
    meta["returncode"] = 1
    (d / "cmd.json").write_text(json.dumps(meta))
    (d / "stdout").write_text("")
    (d / "stderr").write_text("ERROR: cannot open /dev/loop0: Permission denied\n")
    c = BtrfsCollector().collect(ReplayProbe(mirror))
    (p,) = c.problems
    assert p.subject.startswith("btrfs filesystem show") and "Permission denied" in p.message
    assert c.arrays[0].degraded is False and c.arrays[0].raid_disks == 2  # sysfs still answers


def test_nonzero_error_counters_are_member_errors(mirror):
    p = mirror / f"fs/sys/fs/btrfs/{MIRROR_UUID}/devinfo/2/error_stats"
    p.write_text(
        p.read_text().replace("read_errs 0", "read_errs 17").replace("corruption_errs 0", "corruption_errs 2")
    )
    c = BtrfsCollector().collect(ReplayProbe(mirror))
    assert (
        c.problems == ()
    )  # the read went fine: the counters are facts about the device, not trouble reading
    (arr,) = c.arrays
    assert arr.member_errors == (("loop1", 19),)  # devid 2 named through `btrfs filesystem show`
    assert any("read_io_errs 17" in n and "corruption_errs 2" in n for n in c.notes)
    from raidwatch.findings import evaluate
    from raidwatch.inventory import build_inventory
    from raidwatch.model import CollectorRun, HostHeader
    from raidwatch.policy import load_policy

    inv = build_inventory(HostHeader("h", "Linux", "6"), [(CollectorRun("btrfs", True, 0.0), c)])
    ev = evaluate(inv, load_policy("f", "defaults: {}\n").for_host("h"))
    f = next(f for f in ev.findings if f.code == "array-member-errors")
    assert f.subject == "btrfs-0389d364/loop1" and "19" in f.message and f.severity.value == "warning"


def test_old_kernel_without_devinfo_asks_btrfs_device_stats(mirror):
    idx = json.loads((mirror / "fs.json").read_text())
    base = f"/sys/fs/btrfs/{MIRROR_UUID}/devinfo"
    idx["dirs"] = {k: v for k, v in idx["dirs"].items() if not k.startswith(base)}
    (mirror / "fs.json").write_text(json.dumps(idx))
    shutil.rmtree(mirror / f"fs{base}")
    mp = json.loads((mirror / "mounts.json").read_text())[1]["mountpoint"]
    d = mirror / "commands/stats"
    d.mkdir()
    argv = ["btrfs", "device", "stats", "-c", mp]
    (d / "cmd.json").write_text(json.dumps({"argv": argv, "returncode": 64}))
    (d / "stdout").write_text(
        (FIX / "vm-device-stats-healthy.txt")
        .read_text()
        .replace("[/dev/loop1].flush_io_errs    0", "[/dev/loop1].flush_io_errs    5")
    )
    c = BtrfsCollector().collect(ReplayProbe(mirror))
    (arr,) = c.arrays
    assert arr.sources == ("sysfs", "btrfs-show", "btrfs-stats")
    assert (arr.raid_disks, arr.in_sync_disks, arr.degraded) == (2, 2, False)  # from `filesystem show`
    assert arr.member_errors == (("loop1", 5),) and any("flush_io_errs 5" in n for n in c.notes)


def test_sysfs_and_show_disagreeing_is_kept(mirror):
    (d,) = (mirror / "commands").iterdir()
    (d / "stdout").write_text(
        (FIX / "vm-fi-show-raid1-degraded-raw.txt")
        .read_text()
        .replace("f69e2ad2-0ac1-44d1-be9a-caf22f9a6c54", MIRROR_UUID)
    )
    (arr,) = BtrfsCollector().collect(ReplayProbe(mirror)).arrays
    assert arr.disagreements == ("missing devices: sysfs says 0, btrfs filesystem show says 1",)
    assert arr.degraded is False  # sysfs wins; the disagreement becomes a finding


def test_quiet_without_btrfs(tmp_path):
    (tmp_path / "host.json").write_text(json.dumps({"hostname": "plain", "os": "Linux"}))
    inv = collect_inventory(ReplayProbe(tmp_path), [BtrfsCollector()])
    (run,) = inv.collectors
    assert run.skipped and "btrfs module is not loaded" in run.skipped and run.problems == ()
    (tmp_path / "fs/sys/fs/btrfs/features").mkdir(parents=True)
    (run,) = collect_inventory(ReplayProbe(tmp_path), [BtrfsCollector()]).collectors
    assert run.skipped == "no btrfs filesystem mounted"


def test_not_on_macos(tmp_path):
    (tmp_path / "host.json").write_text(json.dumps({"hostname": "mac", "os": "Darwin"}))
    (run,) = collect_inventory(ReplayProbe(tmp_path), [BtrfsCollector()]).collectors
    assert run.skipped == "not on Darwin"


# ---------------------------------------------------------------------------- CLI (once registered)

needs_registration = pytest.mark.skipif(
    "btrfs" not in collectors.available(),
    reason="the btrfs collector is not registered yet (BUILTIN / entry point)",
)


@needs_registration
def test_cli_inventory_over_the_recorded_mirror():
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "raidwatch",
            "inventory",
            "--replay",
            str(MIRROR),
            "--json",
            "--collectors",
            "btrfs,blockdev,mounts",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert res.returncode == 0, res.stderr
    inv = json.loads(res.stdout)
    (vol,) = [v for v in inv["volumes"] if v["fstype"] == "btrfs"]
    assert (vol["redundancy"], vol["failures_tolerated"], vol["disks"]) == (
        "btrfs",
        1,
        ["name:loop0", "name:loop1"],
    )
    (arr,) = [a for a in inv["arrays"] if a["kind"] == "btrfs"]
    assert (arr["name"], arr["level"], arr["raid_disks"], arr["in_sync_disks"]) == (
        "btrfs-0389d364",
        "raid1",
        2,
        2,
    )


def _parse_kind_registered() -> bool:
    from raidwatch import cli

    cli._optional_kinds()
    return "btrfs" in cli.PARSE_KINDS


@pytest.mark.skipif(not _parse_kind_registered(), reason="`raidwatch parse btrfs` is not registered yet")
@pytest.mark.parametrize(
    ("where", "name", "fmt"),
    [
        ("corpus", "btrfs/linux-btrfs-ml-archive/rollo-device-stats-errors.txt", "stats"),
        ("vm", "vm-fi-show-raid1-degraded-raw.txt", "show"),
    ],
)
def test_cli_parse_btrfs(where, name, fmt):
    path = corpus_path(name) if where == "corpus" else FIX / name
    res = subprocess.run(
        [sys.executable, "-m", "raidwatch", "parse", "btrfs", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["format"] == fmt
    bad = subprocess.run(
        [sys.executable, "-m", "raidwatch", "parse", "btrfs", str(REPO / "pyproject.toml")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
