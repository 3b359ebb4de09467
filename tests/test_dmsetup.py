"""parsers.dmsetup and parsers.bcache: every status/table form read, odd input refused in one line, no
input crashes them; the real dmsetup outputs of ../shared/corpus read in place.

The texts below are our own, written in the formats of the kernel's
Documentation/admin-guide/device-mapper/dm-raid.rst, cache.rst, writecache.rst and dmsetup(8).
"""

from __future__ import annotations

import contextlib

import pytest
from conftest import corpus_text
from hypothesis import given, settings
from hypothesis import strategies as st

from raidwatch.errors import ParseError
from raidwatch.parsers import bcache as bc
from raidwatch.parsers.dmsetup import (
    parse_cache_status,
    parse_cache_table,
    parse_dmsetup,
    parse_mirror_status,
    parse_raid_status,
    parse_raid_table,
    parse_writecache_status,
    parse_writecache_table,
    raid_level,
    split_line,
    split_lvm_name,
)

DM = "hwraid/glensc-check-raid/dm/pr-134"

# ------------------------------------------------------------------------------------------- dm-raid


def words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize(
    ("args", "level", "health", "ratio", "action", "mismatch"),
    [
        ("raid1 2 AA 209715200/209715200 idle 0 0 -", "raid1", "AA", 1.0, "idle", 0),
        ("raid1 2 AD 209715200/209715200 idle 0 0 -", "raid1", "AD", 1.0, "idle", 0),
        ("raid1 2 Aa 83886080/209715200 recover 0 0 -", "raid1", "Aa", 0.4, "recover", 0),
        ("raid5_ls 3 aaa 1024/1048576 resync 0", "raid5", "aaa", 1024 / 1048576, "resync", 0),
        ("raid6_zr 5 AAAAA 704512/704512 check 128", "raid6", "AAAAA", 1.0, "check", 128),
        ("raid10 4 AA-A 1048576/1048576 idle 0 0 -", "raid10", "AA-A", 1.0, "idle", 0),
        ("raid4 5 AAAAA 2/490221568 init 0", "raid4", "AAAAA", 2 / 490221568, "init", 0),
        ("raid1 2 AA 2097152/2097152", "raid1", "AA", 1.0, None, None),  # before dm-raid 1.5.0
        ("raid0 2 AA 2097152/2097152 idle 0", "raid0", "AA", 1.0, "idle", 0),
    ],
)
def test_raid_status_forms(args, level, health, ratio, action, mismatch) -> None:
    s = parse_raid_status(words(args))
    assert (s.level, s.health, s.devices, s.sync_action, s.mismatch_cnt) == (
        level,
        health,
        len(health),
        action,
        mismatch,
    )
    assert s.sync_ratio == pytest.approx(ratio)


def test_raid_status_data_offset_and_journal() -> None:
    s = parse_raid_status(words("raid5_ls 4 AAAA 1048576/1048576 idle 0 8192 a"))
    assert s.data_offset == 8192 and s.journal == "a" and s.raid_type == "raid5_ls"


@pytest.mark.parametrize(
    ("args", "why"),
    [
        ("raid1 2 AAA 1/1 idle 0", "do not fit 2 device(s)"),
        ("raid1 2 AX 1/1 idle 0", "do not fit"),
        ("raid1 2 AA 12 idle 0", "expected N/M"),
        ("raid1 two AA 1/1 idle 0", "expected a number"),
        ("raid1 2 AA 1/1 sleeping 0", "unknown sync action"),
        ("raid1 2 AA", "at least 4 fields"),
    ],
)
def test_raid_status_refusals_are_one_line(args, why) -> None:
    with pytest.raises(ParseError) as exc:
        parse_raid_status(words(args), "dmsetup status vg-x")
    assert why in str(exc.value) and "\n" not in str(exc.value)
    assert str(exc.value).startswith("dmsetup status vg-x: ")


def test_raid_table_lvm_raid1_and_params() -> None:
    t = parse_raid_table(words("raid1 3 0 region_size 4096 2 253:0 253:1 253:2 253:3"))
    assert t.level == "raid1" and t.chunk_sectors == 0
    assert t.params == (("region_size", "4096"),)
    assert t.legs == (("253:0", "253:1"), ("253:2", "253:3"))
    assert t.copies is None


def test_raid_table_absent_devices_flags_and_raid10_copies() -> None:
    # dm-raid.rst: "a '-' can be given for both the metadata and data drives for a given position"
    t = parse_raid_table(
        words("raid10 8 128 nosync rebuild 1 raid10_copies 3 region_size 4096 3 253:1 253:2 - - 253:5 253:6")
    )
    assert t.level == "raid10" and t.chunk_sectors == 128 and t.copies == 3
    assert t.params == (("nosync", None), ("rebuild", "1"), ("raid10_copies", "3"), ("region_size", "4096"))
    assert t.legs == (("253:1", "253:2"), (None, None), ("253:5", "253:6"))
    assert parse_raid_table(words("raid10 1 128 2 - 8:17 - 8:33")).copies == 2  # the default
    # the document's own example: no metadata devices
    t4 = parse_raid_table(words("raid4 1 2048 5 - 8:17 - 8:33 - 8:49 - 8:65 - 8:81"))
    assert t4.legs[0] == (None, "8:17") and len(t4.legs) == 5


@pytest.mark.parametrize(
    "args",
    [
        "raid1 3 0 region_size 4096 2 253:0 253:1 253:2",  # a pair short
        "raid1 9 0 region_size 4096 2 253:0 253:1",  # more params announced than there are
        "raid1 1 0 2 sda sdb 253:2 253:3",  # not major:minor
        "raid1",
    ],
)
def test_raid_table_refusals(args) -> None:
    with pytest.raises(ParseError):
        parse_raid_table(words(args))


def test_raid_levels() -> None:
    assert [raid_level(t) for t in ("raid1", "raid5_n", "raid6_la_6", "raid10", "raid0", "striped")] == [
        "raid1",
        "raid5",
        "raid6",
        "raid10",
        "raid0",
        "striped",
    ]


# -------------------------------------------------------------------------------------------- mirror


def test_mirror_status_with_disk_log() -> None:
    m = parse_mirror_status(words("2 253:11 253:12 3072/4096 1 AD 3 disk 253:10 A"))
    assert m.devices == ("253:11", "253:12") and m.health == "AD"
    assert (m.in_sync_regions, m.regions) == (3072, 4096)
    assert m.log == ("disk", "253:10", "A")
    with pytest.raises(ParseError):
        parse_mirror_status(words("2 253:11 3072/4096 1 AD 1 core"))


# ------------------------------------------------------------------------------------------ dm-cache

CACHE_STATUS_WB = (
    "8 1546/262144 128 81920/245760 113244 40211 98211 3110 2 81920 5120 "
    "2 metadata2 writeback 2 migration_threshold 2048 smq 0 rw -"
)


def test_cache_status_writeback_with_dirty_blocks() -> None:
    s = parse_cache_status(words(CACHE_STATUS_WB))
    assert (s.metadata_block_sectors, s.metadata_used, s.metadata_total) == (8, 1546, 262144)
    assert (s.block_sectors, s.used_blocks, s.total_blocks) == (128, 81920, 245760)
    assert (s.read_hits, s.read_misses, s.write_hits, s.write_misses) == (113244, 40211, 98211, 3110)
    assert (s.demotions, s.promotions, s.dirty_blocks) == (2, 81920, 5120)
    assert s.features == ("metadata2", "writeback") and s.mode == "writeback"
    assert s.core_args == (("migration_threshold", "2048"),) and s.policy == "smq"
    assert s.metadata_mode == "rw" and not s.needs_check and not s.failed
    assert s.dirty_bytes == 5120 * 128 * 512


@pytest.mark.parametrize(
    ("features", "mode"),
    [
        ("1 writethrough", "writethrough"),
        ("1 passthrough", "passthrough"),
        ("2 writeback no_discard_passdown", "writeback"),
    ],
)
def test_cache_status_modes(features, mode) -> None:
    text = f"8 10/4096 512 0/1000 0 0 0 0 0 0 0 {features} 2 migration_threshold 2048 smq 0 rw -"
    assert parse_cache_status(words(text)).mode == mode


def test_cache_status_fail_read_only_and_needs_check() -> None:
    failed = parse_cache_status(["Fail"])
    assert failed.failed and failed.mode is None and failed.dirty_bytes is None
    ro = parse_cache_status(words(CACHE_STATUS_WB.replace(" rw -", " ro needs_check")))
    assert ro.metadata_mode == "ro" and ro.needs_check


def test_cache_status_refusals() -> None:
    with pytest.raises(ParseError):
        parse_cache_status(words("8 1546/262144 128 81920/245760 1 2 3"))
    with pytest.raises(ParseError):
        parse_cache_status(words(CACHE_STATUS_WB.replace("81920/245760", "81920")))


def test_cache_table_features_default_to_writeback() -> None:
    t = parse_cache_table(words("253:5 253:4 253:6 128 2 metadata2 writethrough smq 0"))
    assert (t.metadata_dev, t.cache_dev, t.origin_dev, t.block_sectors) == ("253:5", "253:4", "253:6", 128)
    assert t.mode == "writethrough" and t.policy == "smq"
    # cache.rst's own example: "1 writeback default 0"; no feature at all is writeback too
    assert parse_cache_table(words("253:1 253:2 253:3 512 1 writeback default 0")).mode == "writeback"
    assert parse_cache_table(words("253:1 253:2 253:3 512 0 smq 0")).mode == "writeback"
    with pytest.raises(ParseError):
        parse_cache_table(words("253:1 253:2 253:3 512 3 writeback"))


# ------------------------------------------------------------------------------------- dm-writecache


def test_writecache_status_and_table() -> None:
    s = parse_writecache_status(words("0 122070 101070 12"))
    assert (s.error, s.blocks, s.free_blocks, s.writeback_blocks, s.dirty_blocks) == (
        0,
        122070,
        101070,
        12,
        21000,
    )
    longer = parse_writecache_status(words("0 122070 122070 0 4410 4100 98211 90 12 0 7 0 33 2"))
    assert longer.dirty_blocks == 0 and len(longer.extra) == 10
    assert parse_writecache_status(words("-5 100 10 0")).error == 5
    t = parse_writecache_table(words("s 253:7 253:9 4096 2 high_watermark 60"))
    assert (t.cache_type, t.origin_dev, t.cache_dev, t.block_size) == ("s", "253:7", "253:9", 4096)
    assert t.options == ("high_watermark", "60")
    for bad in ("0 100 10", "x 100 10 0"):
        with pytest.raises(ParseError):
            parse_writecache_status(words(bad))
    with pytest.raises(ParseError):
        parse_writecache_table(words("q 253:7 253:9 4096 0"))


# ------------------------------------------------------------------------------------ whole outputs

TABLE = """\
vg0-home: 0 2097152 linear 8:2 2048
vg0-home: 2097152 4194304 linear 8:18 2048
vg0-root: 0 209715200 raid raid1 3 0 region_size 4096 2 253:0 253:1 253:2 253:3
vg0-stripe: 0 4194304 striped 2 128 8:2 6293504 8:18 6293504
vg0-pool-tpool: 0 41943040 thin-pool 253:7 253:8 128 0 0
vg0-thin1: 0 20971520 thin 253:9 1
vg0-snap: 0 2097152 snapshot 253:10 253:11 P 8
luks-root: 0 209682432 crypt aes-xts-plain64 00000000000000000000000000000000 0 253:4 32768
int-disk: 0 1951633032 integrity 8:33 0 4 J 6 journal_sectors:130944 interleave_sectors:32768
empty-one:
"""


def test_whole_table_segments_by_device() -> None:
    r = parse_dmsetup(TABLE, "dmsetup table")
    assert [seg.target for seg in r.devices["vg0-home"]] == ["linear", "linear"]
    assert r.devices["vg0-home"][1].start == 2097152 and r.devices["vg0-home"][1].args == ("8:18", "2048")
    targets = {name: segs[0].target for name, segs in r.devices.items() if segs}
    assert targets == {
        "vg0-home": "linear",
        "vg0-root": "raid",
        "vg0-stripe": "striped",
        "vg0-pool-tpool": "thin-pool",
        "vg0-thin1": "thin",
        "vg0-snap": "snapshot",
        "luks-root": "crypt",
        "int-disk": "integrity",
    }
    assert r.devices["empty-one"] == ()
    assert any("no table loaded" in w for w in r.warnings)


def test_status_lines_with_trailing_spaces_and_no_devices() -> None:
    # dmsetup prints "<target> " then the target's status, which is empty for linear
    r = parse_dmsetup("vg0-root_rimage_0: 0 209715200 linear \n", "dmsetup status")
    assert r.devices["vg0-root_rimage_0"][0].args == ()
    assert parse_dmsetup("No devices found\n", "dmsetup status").devices == {}
    line = split_line("odd: name: 0 8 linear 8:1 0")
    assert line is not None and line.name == "odd: name" and line.target == "linear"


def test_an_odd_line_is_a_warning_not_a_refusal() -> None:
    r = parse_dmsetup("vg-a: 0 8 linear 8:1 0\nthis is not dmsetup\n", "dmsetup table")
    assert list(r.devices) == ["vg-a"]
    assert r.warnings == ("dmsetup table:2: line not understood: 'this is not dmsetup'",)


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "Personalities : [raid1]\nmd0 : active raid1 sda1[0] sdb1[1]\n", "\x00\x01binary"],
)
def test_not_dmsetup_output_is_one_parse_error(text) -> None:
    with pytest.raises(ParseError) as exc:
        parse_dmsetup(text, "dmsetup status")
    msg = str(exc.value)
    assert msg.startswith("dmsetup status") and "\n" not in msg


def test_lvm_names() -> None:
    assert split_lvm_name("vg0-root") == ("vg0", "root", "")
    assert split_lvm_name("my--vg-my--lv") == ("my-vg", "my-lv", "")
    assert split_lvm_name("vg0-pool-tpool") == ("vg0", "pool", "tpool")
    assert split_lvm_name("vg0-root_rimage_1") == ("vg0", "root_rimage_1", "")
    assert split_lvm_name("luks") is None and split_lvm_name("a-b-c-d") is None


# ----------------------------------------------------------------------------- the real corpus, in place


@pytest.mark.parametrize("name", ["dmsetup", "raid", "mirror", "all-combos", "lvm-only"])
def test_corpus_dmsetup_status_files(name: str) -> None:
    text = corpus_text(f"{DM}/{name}")
    r = parse_dmsetup(text, name)
    assert r.warnings == ()
    for segs in r.devices.values():
        for seg in segs:
            if seg.target == "raid":
                s = parse_raid_status(seg.args, name)
                assert set(s.health) == {"A"} and s.sync_action == "idle" and s.mismatch_cnt == 0
                assert s.sync_ratio == 1.0
            elif seg.target == "mirror":
                m = parse_mirror_status(seg.args, name)
                assert set(m.health) == {"A"} and m.log[0] in ("core", "disk")


def test_corpus_values() -> None:
    combos = parse_dmsetup(corpus_text(f"{DM}/all-combos"), "all-combos")
    raid6 = parse_raid_status(combos.devices["vg-raid6"][0].args)
    assert (raid6.raid_type, raid6.level, raid6.devices, raid6.sync_total) == ("raid6_zr", "raid6", 5, 704512)
    disk_log = parse_mirror_status(combos.devices["vg-mirror--mirrorlog--disk"][0].args)
    assert (disk_log.in_sync_regions, disk_log.regions, disk_log.log) == (730, 2048, ("disk", "254:60", "A"))
    lvm_only = parse_dmsetup(corpus_text(f"{DM}/lvm-only"), "lvm-only")
    assert [seg.start for seg in lvm_only.devices["sys-rootfs"]] == [0, 2097152]  # two segments, one LV
    pr134 = parse_dmsetup(corpus_text(f"{DM}/dmsetup"), "dmsetup")
    assert len(pr134.devices) == 10
    assert split_lvm_name("vg-mirror--mirrorlog--disk") == ("vg", "mirror-mirrorlog-disk", "")


# -------------------------------------------------------------------------------------------- bcache


def test_bcache_values() -> None:
    assert bc.parse_cache_mode("writethrough [writeback] writearound none\n", "m") == "writeback"
    assert bc.parse_cache_mode("[writethrough] writeback writearound none", "m") == "writethrough"
    assert bc.parse_cache_mode("writearound", "m") == "writearound"
    assert bc.parse_human_bytes("0.0k", "d") == 0
    assert bc.parse_human_bytes("512", "d") == 512
    assert bc.parse_human_bytes("1.2G", "d") == 1024**3 + 2 * 1024**3 // 10
    assert bc.parse_human_bytes("3.0M\n", "d") == 3 * 1024**2
    assert bc.parse_state("no cache\n", "s") == "no cache" and bc.parse_state("dirty", "s") == "dirty"
    link = "../../../devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block/sdc/sdc1/bcache"
    assert bc.device_of_link(link) == "sdc1"
    assert bc.device_of_link("../../block/sdc") is None
    for fn, bad in (
        (bc.parse_cache_mode, "[fast] slow"),
        (bc.parse_human_bytes, "lots"),
        (bc.parse_state, "?"),
    ):
        with pytest.raises(ParseError):
            fn(bad, "x")


# ---------------------------------------------------------------------------------- no input crashes

_WORDS = st.lists(
    st.one_of(
        st.sampled_from(
            ["raid", "raid1", "raid5_ls", "A", "aD", "-", "253:1", "8:2", "idle", "recover", "Fail"]
        ),
        st.sampled_from(
            ["writeback", "writethrough", "metadata2", "smq", "rw", "ro", "needs_check", "s", "p"]
        ),
        st.from_regex(r"\d{1,6}(/\d{1,6})?", fullmatch=True),
        st.text(max_size=6),
    ),
    max_size=24,
)
_PARSERS = (
    parse_raid_status,
    parse_raid_table,
    parse_mirror_status,
    parse_cache_status,
    parse_cache_table,
    parse_writecache_status,
    parse_writecache_table,
)


@settings(max_examples=300, deadline=None)
@given(_WORDS)
def test_no_argument_list_crashes_a_target_parser(args: list[str]) -> None:
    for fn in _PARSERS:
        with contextlib.suppress(ParseError):
            fn(args, "dmsetup")


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=400)
    | st.lists(_WORDS.map(" ".join)).map(lambda ls: "\n".join(f"x: 0 8 {w}" for w in ls))
)
def test_no_text_crashes_the_dmsetup_parser(text: str) -> None:
    try:
        r = parse_dmsetup(text, "dmsetup status")
    except ParseError as exc:
        assert "\n" not in str(exc)
        return
    for segs in r.devices.values():
        for seg in segs:
            assert seg.length >= 0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_no_text_crashes_the_bcache_readers(text: str) -> None:
    for fn in (bc.parse_cache_mode, bc.parse_human_bytes, bc.parse_state):
        with contextlib.suppress(ParseError):
            fn(text, "x")
    bc.device_of_link(text)
    split_lvm_name(text)
