"""ZFS: the zpool parser over the corpus and hand-made files, the zfs collector, /tank on a recorded host."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import CORPUS, FIXTURES, HOSTS, REPO, corpus_files, corpus_path, needs_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from raidwatch.collectors.blockdev import BlockDevCollector
from raidwatch.collectors.mounts import MountsCollector
from raidwatch.collectors.zfs import STATUS_ARGV, ZfsCollector, kernel_name
from raidwatch.errors import ParseError
from raidwatch.inventory import collect_inventory
from raidwatch.model import MemberState, SyncAction
from raidwatch.parsers.zpool import (
    ZpoolList,
    ZpoolStatus,
    parse_duration,
    parse_size,
    parse_zpool,
    parse_zpool_list,
    parse_zpool_status,
    to_json,
)
from raidwatch.probe import ReplayProbe

sys.path.insert(0, str(REPO / "tests"))
import hostgen
import hostgen_zfs

# Hand-made files only (tests/fixtures/zpool/SOURCES.md). The real outputs are read in place from
# ../shared/corpus/zpool/ (danjl1100-zpool-status-exporter/, netdata/), by their corpus path.
ZP = FIXTURES / "zpool"
ZFS05 = HOSTS / "zfs05-degraded-mirror"


def status(name: str) -> ZpoolStatus:
    """A real output by its corpus path ("zpool/..."; skips without the corpus), else a hand-made file."""
    path = corpus_path(name) if name.startswith("zpool/") else ZP / name
    res = parse_zpool(path.read_text(), name)
    assert isinstance(res, ZpoolStatus)
    return res


def one(name: str):
    (pool,) = status(name).pools
    return pool


def tree(v, depth=0):
    """(depth, name, state, read, write, cksum, note) for every row, in order."""
    out = [(depth, v.name, v.state, v.read_errors, v.write_errors, v.checksum_errors, v.note)]
    for c in v.children:
        out.extend(tree(c, depth + 1))
    return out


# ---------------------------------------------------------------------------------- the corpus


def test_fixtures_are_hand_made_listed_and_no_corpus_copies():
    # the real outputs are read from ../shared/corpus in place; only hand-made files live here
    remaining = sorted(p.name for p in ZP.iterdir() if p.name != "SOURCES.md")
    assert remaining and all(name.startswith("handmade-") for name in remaining), remaining
    sources = (ZP / "SOURCES.md").read_text()
    assert [name for name in remaining if f"`{name}`" not in sources] == []
    if CORPUS.is_dir():
        corpus = {b" ".join(c.read_bytes().split()) for c in corpus_files("zpool")}
        assert [n for n in remaining if b" ".join((ZP / n).read_bytes().split()) in corpus] == []


@needs_corpus
def test_every_corpus_file_parses():
    files = corpus_files("zpool")
    assert len(files) == 14  # 11 status + 3 list; plus 11 .expected.txt readings = the 25 corpus files
    for f in files:
        res = parse_zpool(f.read_text(), str(f))
        assert res.pools, f
        if isinstance(res, ZpoolStatus):
            assert res.warnings == (), f


# The danjl1100 readings (.expected.txt): pool state, scan state, error state, every device state and
# counter. Asserted here row by row, in ZFS's own terms.
def test_01_corrupted_degraded_two_mirrors():
    p = one("zpool/danjl1100-zpool-status-exporter/input-01-corrupted.txt")
    assert (p.name, p.state) == ("dummy", "DEGRADED")
    assert p.status.startswith(
        "One or more devices could not be used because the label is missing or invalid."
    )
    assert p.action == "Replace the device using 'zpool replace'."
    assert p.see == "https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-4J"
    s = p.scan
    assert (s.function, s.state, s.amount_bytes, s.duration_seconds, s.errors) == (
        "scrub",
        "finished",
        0,
        0,
        0,
    )
    assert s.when == "Sat Feb 10 20:34:42 2024"
    # no "errors:" line in this recording (danjl1100 reads it as "UnknownMissing" = 0): not said, so None
    assert (p.errors, p.data_errors) == (None, None)
    assert tree(p.root) == [
        (0, "dummy", "DEGRADED", 0, 0, 0, None),
        (1, "mirror-0", "ONLINE", 0, 0, 0, None),
        (2, "loop0", "ONLINE", 0, 0, 0, None),
        (2, "loop1", "ONLINE", 0, 0, 0, None),
        (1, "mirror-1", "DEGRADED", 0, 0, 0, None),
        (2, "loop2", "ONLINE", 0, 0, 0, None),
        (2, "loop3", "UNAVAIL", 0, 0, 0, "corrupted data"),
    ]
    assert [v.kind for v in p.data_vdevs] == ["mirror", "mirror"]
    assert p.root.kind == "pool" and p.root.children[0].children[0].kind == "disk"


def test_02_online_with_data_errors():
    p = one("zpool/danjl1100-zpool-status-exporter/input-02-online-data-corruption.txt")
    assert (p.name, p.state) == ("jeremy", "ONLINE")
    assert p.status.startswith("One or more devices has experienced an error resulting in data corruption.")
    assert p.see == "http://zfsonlinux.org/msg/ZFS-8000-8A"
    # ZFS on Linux 0.7's duration format "14h7m"; a scrub that found 1 error
    assert (p.scan.function, p.scan.duration_seconds, p.scan.errors) == ("scrub", 14 * 3600 + 7 * 60, 1)
    # two errors: lines (the -v attempt without privileges, then the count): both kept, count read
    assert p.data_errors == 1
    assert p.errors == "List of errors unavailable: permission denied / 1 data errors, use '-v' for a list"
    assert [leaf.name for leaf in p.root.leaves()] == [
        "ata-ST8000DM004-2CX188_ZCT0ZR05-part1",
        "ata-ST8000VN004-2M2101_WKD02XPR-part1",
    ]


def test_03_resilvered():
    p = one("zpool/danjl1100-zpool-status-exporter/input-03-resilvered.txt")
    assert (p.state, p.scan.function, p.scan.state) == ("ONLINE", "resilver", "finished")
    assert (p.scan.amount_bytes, p.scan.duration_seconds, p.scan.errors) == (21 * 1024, 0, 0)
    assert (p.errors, p.data_errors) == ("No known data errors", 0)
    assert [r[2] for r in tree(p.root)] == ["ONLINE"] * 7


def test_04_scrub_in_progress():
    p = one("zpool/danjl1100-zpool-status-exporter/input-04-scrub-progress.txt")
    s = p.scan
    assert (s.function, s.state, s.running) == ("scrub", "in progress", True)
    assert s.when == "Sun Feb 11 11:54:20 2024"
    assert s.progress == 0.0 and s.to_go_seconds is None  # "0.00% done, no estimated completion time"
    assert s.amount_bytes == 0  # "0B repaired"
    assert [leaf.name for leaf in p.root.leaves()] == [
        "wwn-0x5000c500af8ec287-part2",
        "ata-TOSHIBA_HDWQ140_50SRK3F3FBJG-part1",
    ]


def test_05_two_pools_feature_notice():
    res = status("zpool/danjl1100-zpool-status-exporter/input-05-features.txt")
    assert [(p.name, p.state) for p in res.pools] == [("rpool", "ONLINE"), ("wilbur", "ONLINE")]
    rpool, wilbur = res.pools
    assert rpool.status.startswith("Some supported and requested features are not enabled on the pool.")
    assert rpool.action.endswith("See zpool-features(7) for details.")
    assert (rpool.scan.duration_seconds, wilbur.scan.duration_seconds) == (
        15 * 60 + 42,
        6 * 3600 + 35 * 60 + 50,
    )
    assert rpool.scan.when == "Sun Feb 11 04:00:01 2024" and wilbur.scan.when == "Sun Feb 11 10:20:10 2024"
    assert [len(p.root.leaves()) for p in res.pools] == [2, 2]


def test_06_removed():
    p = one("zpool/danjl1100-zpool-status-exporter/input-06-removed.txt")
    assert p.state == "DEGRADED" and p.status.startswith("One or more devices has been removed")
    assert p.scan.duration_seconds == 10 * 3600 + 42 * 60 + 32
    assert [(r[1], r[2]) for r in tree(p.root)] == [
        ("dummy", "DEGRADED"),
        ("mirror-0", "DEGRADED"),
        ("drive0-part1", "REMOVED"),
        ("drive1-part1", "ONLINE"),
    ]


def test_07_unavail_guid_was_path_three_way_mirror():
    p = one("zpool/danjl1100-zpool-status-exporter/input-07-unavail.txt")
    lost, a, b = p.root.children[0].children
    assert (lost.name, lost.state, lost.checksum_errors) == ("12345678901234567890", "UNAVAIL", 100980)
    assert lost.was == "/dev/disk/by-id/ata-ST8000DM004-xxxxxx_redacted-part1"
    assert lost.note == "was /dev/disk/by-id/ata-ST8000DM004-xxxxxx_redacted-part1"
    assert (a.state, b.state, b.name) == ("ONLINE", "ONLINE", "ata-ST8000VN004-xxxxxx_redacted")


def test_08_09_10_11():
    assert one("zpool/danjl1100-zpool-status-exporter/input-08-features-alt.txt").status.startswith(
        "Some supported features are not enabled"
    )
    s = one("zpool/danjl1100-zpool-status-exporter/input-09-scrub-cancel.txt").scan
    assert (s.function, s.state, s.when, s.progress) == (
        "scrub",
        "canceled",
        "Sun Jan 18 12:18:11 2026",
        None,
    )
    # no scan line: danjl1100 reads 10 as NeverScanned and 11 as UnknownMissing; both print nothing, which
    # OpenZFS 2.x does when no scan ever ran: the same reading for both here (scan None)
    new, broken = (
        one("zpool/danjl1100-zpool-status-exporter/input-10-new-pool.txt"),
        one("zpool/danjl1100-zpool-status-exporter/input-11-degraded-no-scan.txt"),
    )
    assert new.scan is None and broken.scan is None
    assert (new.name, new.status, new.data_errors) == ("milton", None, 0)
    assert [(r[1], r[2], r[6]) for r in tree(broken.root)][-1] == ("loop1", "UNAVAIL", "corrupted data")


def test_zpool_list_p_faulted_pool():
    res = parse_zpool(corpus_path("zpool/netdata/zpool-list.txt").read_text())
    assert isinstance(res, ZpoolList) and not res.scripted
    rpool, zion = (p.pool for p in res.pools)
    assert (rpool.name, rpool.size_bytes, rpool.alloc_bytes, rpool.free_bytes) == (
        "rpool",
        21367462298,
        9051643576,
        12240656794,
    )
    assert (rpool.frag_percent, rpool.cap_percent, rpool.dedup_ratio, rpool.health) == (33, 42, 1.0, "ONLINE")
    assert (zion.health, zion.size_bytes, zion.altroot) == ("FAULTED", None, None)


def test_zpool_list_v_logs_cache():
    res = parse_zpool_list(corpus_path("zpool/netdata/zpool-list-vdev-logs-cache.txt").read_text())
    (p,) = res.pools
    assert "CKPOINT" in res.columns
    assert (p.pool.name, p.pool.health, p.pool.size_bytes) == ("rpool", "DEGRADED", 9981503995904)
    got = [(v.name, v.depth, v.vdev_class, v.health, v.size_bytes) for v in p.vdevs]
    assert got == [
        ("mirror-0", 1, None, "ONLINE", 9981503995904),
        ("sdc2", 2, None, "ONLINE", 9998683602944),
        ("sdd2", 2, None, "ONLINE", 9998683602944),
        ("mirror-1", 1, "logs", "DEGRADED", 17716740096),
        ("sdb1", 2, "logs", "ONLINE", 17951621120),
        ("14807975228228307538", 2, "logs", "UNAVAIL", None),
        ("sdb2", 1, "cache", "ONLINE", 99000254464),
        ("wwn-0x500151795954c095-part2", 1, "cache", "UNAVAIL", None),
    ]
    v = parse_zpool_list(corpus_path("zpool/netdata/zpool-list-vdev.txt").read_text()).pools[0]
    assert [x.name for x in v.vdevs] == ["mirror-0", "nvme2n1p3", "nvme0n1p3"]
    assert v.vdevs[0].frag_percent == 55 and v.vdevs[0].cap_percent == 41


def test_zpool_list_H_p():
    res = parse_zpool((ZP / "handmade-list-H-p.txt").read_text())
    assert isinstance(res, ZpoolList) and res.scripted and len(res.columns) == 11
    assert [(p.pool.name, p.pool.health, p.pool.size_bytes) for p in res.pools] == [
        ("rpool", "ONLINE", 3985729650688),
        ("zion", "FAULTED", None),
    ]
    vd = parse_zpool_list(
        "tank\t100\t50\t50\t-\t-\t1\t50\t1.00\tONLINE\t-\n\tmirror-0\t100\t50\t50\t-\t-\t1\t50\t-\tONLINE\n"
    )
    assert [(v.name, v.depth, v.health) for v in vd.pools[0].vdevs] == [("mirror-0", 1, "ONLINE")]


# ------------------------------------------------------------------------ hand-made fixtures


def test_resilver_raidz2_replacing_and_classes():
    p = one("handmade-resilver-raidz2-special-logs-cache-spares-P.txt")
    s = p.scan
    assert (s.function, s.state) == ("resilver", "in progress")
    assert s.progress == pytest.approx(0.286) and s.to_go_seconds == 6 * 3600 + 54 * 60 + 12
    assert s.amount_bytes == parse_size("1.01T")
    raidz, special = p.data_vdevs
    assert (raidz.kind, special.kind, [v.kind for v in p.logs]) == ("raidz2", "mirror", ["mirror"])
    rep = raidz.children[2]
    assert rep.kind == "replacing" and [c.state for c in rep.children] == ["UNAVAIL", "ONLINE"]
    assert rep.children[0].was == "/dev/sdc1" and rep.children[1].resilvering
    assert [v.name for v in p.cache] == ["/dev/nvme2n1"]
    assert [(v.name.rsplit("/", 1)[-1], v.state, v.read_errors) for v in p.spares] == [
        ("ata-WDC_WD80EFZX-68UW8N0_VK0ABC07-part1", "AVAIL", None)
    ]
    assert [c.name for c in p.root.children] == ["raidz2-0"]  # special is its own class, still data


def test_suspended_pool_exact_counters_and_error_files():
    p = one("handmade-suspended-errors-v-p.txt")
    assert p.state == "SUSPENDED"
    assert p.scan.duration_seconds == 93784  # "1 days 02:03:04"
    assert tree(p.root)[1:] == [
        (1, "mirror-0", "UNAVAIL", 12, 1480, 0, "insufficient replicas"),
        (2, "/dev/sdg1", "FAULTED", 7, 912, 0, "too many errors"),
        (2, "/dev/sdh1", "REMOVED", 5, 568, 0, None),
    ]
    assert p.error_files == ("/vault/photos/2019/img_0042.jpg", "vault/backup:<0x1f>", "<metadata>:<0x0>")
    assert p.data_errors == 3
    assert p.errors == "Permanent errors have been detected in the following files:"


def test_spare_in_use_and_zol07_progress():
    p = one("handmade-spare-inuse-single-disk-vdev.txt")
    mirror, single = p.data_vdevs
    assert (mirror.children[1].kind, single.kind) == ("spare", "disk")
    assert [(v.name, v.state, v.note) for v in p.spares] == [("sdd", "INUSE", "currently in use")]
    assert p.scan.duration_seconds == 41 * 60
    s = one("handmade-zol07-resilver.txt").scan
    assert (s.progress, s.to_go_seconds, s.amount_bytes) == (0.005, 5 * 3600 + 5 * 60, parse_size("3.35G"))


def test_units():
    assert parse_size("1.66T") == round(1.66 * 2**40) and parse_size("0B") == 0 and parse_size("-") is None
    assert parse_duration("1 days 02:03:04") == 93784 and parse_duration("5h5m") == 18300
    assert parse_duration("soon") is None


def test_no_pools_and_not_zpool_output():
    assert parse_zpool("no pools available\n").no_pools
    for text in ("", "hello\n", "Personalities : [raid1]\nunused devices: <none>\n", "  pool: \n", "\x00"):
        with pytest.raises(ParseError):
            parse_zpool(text, "x")
    with pytest.raises(ParseError):
        parse_zpool_status("  pool: tank\nconfig:\n", "x")  # no state line


def test_to_json_and_cli(tmp_path):
    doc = to_json(status("zpool/danjl1100-zpool-status-exporter/input-07-unavail.txt"))
    assert doc["kind"] == "zpool-status"
    (pool,) = doc["pools"]
    assert pool["root"]["children"][0]["kind"] == "mirror"
    assert pool["root"]["children"][0]["children"][0]["was"].startswith("/dev/disk/by-id/")
    json.dumps(to_json(parse_zpool(corpus_path("zpool/netdata/zpool-list-vdev-logs-cache.txt").read_text())))
    from raidwatch import cli

    if "zpool" not in cli.PARSE_KINDS:
        pytest.skip("`zpool` is not registered in raidwatch.cli.PARSE_KINDS yet")
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "raidwatch",
            "parse",
            "zpool",
            str(corpus_path("zpool/danjl1100-zpool-status-exporter/input-01-corrupted.txt")),
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert res.returncode == 0 and json.loads(res.stdout)["pools"][0]["state"] == "DEGRADED"


ZPOOL_LINES = [
    "  pool: tank",
    " state: DEGRADED",
    "status: One or more devices",
    "\tcontinue to function.",
    "  scan: resilver in progress since Sun Jun  5 21:02:35 2016",
    "\t1.01T resilvered, 28.60% done, 06:54:12 to go",
    "config:",
    "",
    "\tNAME        STATE     READ WRITE CKSUM",
    "\ttank        DEGRADED     0     0     0",
    "\t  mirror-0  DEGRADED     0     0     0",
    "\t    sda     ONLINE       0     0     0",
    "\t      sdb   UNAVAIL      0     0     0  was /dev/sdb1",
    "\tlogs",
    "\tspares",
    "\t  sdc       AVAIL",
    "errors: No known data errors",
    "NAME   SIZE  ALLOC  FREE  HEALTH",
    "tank\t1\t2",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(ZPOOL_LINES), st.text(max_size=60)), max_size=24))
def test_fuzz_only_parse_error_escapes(lines):
    try:
        res = parse_zpool("\n".join(lines), "fuzz")
    except ParseError:
        return
    json.dumps(to_json(res))


# ------------------------------------------------------------------------------- the collector


def run_inventory(d):
    return collect_inventory(ReplayProbe(d), [ZfsCollector(), BlockDevCollector(), MountsCollector()])


@pytest.fixture()
def zfs05(tmp_path):
    dst = tmp_path / "zfs05"
    shutil.copytree(ZFS05, dst)
    return dst


def zpool_cmd(d):
    (c,) = [
        p
        for p in (d / "commands").iterdir()
        if json.loads((p / "cmd.json").read_text())["argv"][0] == "zpool"
    ]
    return c


def set_result(d, *, stdout="", stderr="", rc=0, timed_out=False):
    c = zpool_cmd(d)
    meta = json.loads((c / "cmd.json").read_text())
    meta.update(returncode=rc, timed_out=timed_out)
    (c / "cmd.json").write_text(json.dumps(meta))
    (c / "stdout").write_text(stdout)
    (c / "stderr").write_text(stderr)


def test_bundled_host_is_what_hostgen_writes(tmp_path):
    made = hostgen_zfs.write_zfs_host(tmp_path)
    new = sorted(p.relative_to(made) for p in made.rglob("*") if p.is_file())
    old = sorted(p.relative_to(ZFS05) for p in ZFS05.rglob("*") if p.is_file())
    assert new == old
    for rel in new:
        assert (made / rel).read_bytes() == (ZFS05 / rel).read_bytes(), rel
    # the recorded stdout is our renderer's, and zpool's own reader of it agrees with what it shows
    text = zpool_cmd(made).joinpath("stdout").read_text()
    assert text.startswith("  pool: tank\n state: DEGRADED\nstatus: One or more devices could not be used")
    assert json.loads(zpool_cmd(made).joinpath("cmd.json").read_text())["argv"] == list(STATUS_ARGV)


def test_degraded_host_tank_survives_nothing_more():
    inv = run_inventory(ZFS05)
    assert inv.problems == ()
    for mp in ("/tank", "/tank/db"):
        v = inv.volume(mp)
        assert (v.redundancy, v.failures_tolerated, v.source) == ("zfs", 0, "zfs:tank"), mp
        assert len(v.disks) == 3  # sdd1's disk holds no current data: not part of the stack
    pool = inv.array("zfs:tank")
    # the pool stripes over two vdevs that both still serve: the degraded one says so, not the pool again
    assert (pool.kind, pool.level, pool.state, pool.degraded) == ("zfs", "stripe", "active", False)
    assert pool.mountpoints == ("/tank", "/tank/db")
    assert [m.device for m in pool.members] == ["zfs:tank/mirror-0", "zfs:tank/mirror-1"]
    m0, m1 = inv.array("zfs:tank/mirror-0"), inv.array("zfs:tank/mirror-1")
    assert (m0.level, m0.raid_disks, m0.in_sync_disks, m0.degraded, m0.failures_tolerated) == (
        "mirror",
        2,
        2,
        False,
        1,
    )
    assert (m1.raid_disks, m1.in_sync_disks, m1.degraded, m1.failures_tolerated) == (2, 1, True, 0)
    # by-id paths resolved through udev's links to kernel names
    assert [(m.device, m.state) for m in m1.members] == [
        ("sdc1", MemberState.ACTIVE),
        ("sdd1", MemberState.FAILED),
    ]
    assert m1.members[1].raw_state == "UNAVAIL corrupted data"
    assert inv.volume("/").redundancy == "none"
    assert pool.sync is None  # the last scrub finished


@needs_corpus
def test_healthy_twin_survives_one(tmp_path):
    d = hostgen_zfs.write_zfs_host(tmp_path, healthy=True)
    inv = run_inventory(d)
    v = inv.volume("/tank")
    assert (v.redundancy, v.failures_tolerated, len(v.disks)) == ("zfs", 1, 4)
    assert not inv.array("zfs:tank").degraded
    assert [a.failures_tolerated for a in inv.arrays if a.kind == "zfs"] == [1, 1, 1]


def test_no_zpool_installed_is_skipped_quietly(zfs05):
    shutil.rmtree(zpool_cmd(zfs05))
    inv = run_inventory(zfs05)
    run = next(r for r in inv.collectors if r.name == "zfs")
    assert run.skipped == "zpool not installed" and run.problems == ()
    assert inv.volume("/tank").problem  # the mount is still seen; nothing knows "tank"


def test_no_pools_available_is_skipped(zfs05):
    set_result(zfs05, stderr="no pools available\n")
    run = next(r for r in run_inventory(zfs05).collectors if r.name == "zfs")
    assert run.skipped and "no ZFS pools" in run.skipped and run.problems == ()


def test_module_not_loaded_is_skipped(zfs05):
    set_result(
        zfs05, rc=1, stderr="The ZFS modules are not loaded.\nTry running '/sbin/modprobe zfs' as root.\n"
    )
    run = next(r for r in run_inventory(zfs05).collectors if r.name == "zfs")
    assert run.skipped == "the ZFS kernel module is not loaded"


def test_permission_denied_is_a_problem(zfs05):
    set_result(zfs05, rc=1, stderr="Permission denied the ZFS utilities must be run as root.\n")
    inv = run_inventory(zfs05)
    run = next(r for r in inv.collectors if r.name == "zfs")
    assert not run.success and not run.skipped
    (p,) = run.problems
    assert p.subject == "zpool status -P" and "must be run as root" in p.message and p.severity == "critical"
    assert inv.array("zfs:tank") is None


def test_timeout_is_a_problem(zfs05):
    set_result(zfs05, rc=None, timed_out=True)
    run = next(r for r in run_inventory(zfs05).collectors if r.name == "zfs")
    (p,) = run.problems
    assert "timed out" in p.message and not run.success


def test_unreadable_output_is_a_problem(zfs05):
    set_result(zfs05, stdout="something else entirely\n")
    (p,) = next(r for r in run_inventory(zfs05).collectors if r.name == "zfs").problems
    assert "expected '  pool: NAME'" in p.message


def test_data_errors_are_their_own_finding(zfs05):
    # an ONLINE pool whose error log names damaged files: not "sources disagree", damaged data
    set_result(
        zfs05,
        stdout=corpus_path(
            "zpool/danjl1100-zpool-status-exporter/input-02-online-data-corruption.txt"
        ).read_text(),
    )
    inv = run_inventory(zfs05)
    (a,) = [a for a in inv.arrays if a.name == "zfs:jeremy"]
    assert a.data_errors == 1 and a.disagreements == ()
    from raidwatch.findings import evaluate
    from raidwatch.policy import load_policy

    ev = evaluate(inv, load_policy("f", "defaults: {}\n").for_host("zfs05"))
    f = next(f for f in ev.findings if f.code == "array-data-errors")
    assert f.subject == "zfs:jeremy" and f.severity.value == "critical" and "1 permanent" in f.message


def test_resilver_gives_recovery_with_eta_and_classes(zfs05):
    set_result(zfs05, stdout=(ZP / "handmade-resilver-raidz2-special-logs-cache-spares-P.txt").read_text())
    c = ZfsCollector().collect(ReplayProbe(zfs05))
    by = {a.name: a for a in c.arrays}
    pool = by["zfs:tank"]
    assert pool.sync.action is SyncAction.RECOVERY and pool.sync.finish_seconds == 24852
    assert [m.device for m in pool.members if m.state is MemberState.ACTIVE] == [
        "zfs:tank/raidz2-0",
        "zfs:tank/mirror-1",  # special: its loss loses the pool
    ]
    assert [m.device for m in pool.spare_members] == ["ata-WDC_WD80EFZX-68UW8N0_VK0ABC07-part1"]  # no link
    rz = by["zfs:tank/raidz2-0"]
    assert (rz.level, rz.raid_disks, rz.in_sync_disks, rz.degraded) == ("raidz2", 6, 5, True)
    assert rz.sync.action is SyncAction.RECOVERY
    rep = by["zfs:tank/raidz2-0/replacing-2"]
    assert [(m.device, m.state, m.in_sync, m.rebuilding) for m in rep.members] == [
        ("9876543210987654321", MemberState.FAILED, False, False),
        ("ata-WDC_WD80EFZX-68UW8N0_VK0ABC06-part1", MemberState.ACTIVE, False, True),
    ]
    assert rep.members[0].raw_state == "UNAVAIL was /dev/sdc1"
    assert any("logs vdev mirror-2" in n for n in c.notes) and any("cache vdev" in n for n in c.notes)
    assert "zfs:tank/mirror-2" not in by  # the log mirror is no data vdev


def test_suspended_pool_is_inactive(zfs05):
    set_result(zfs05, stdout=(ZP / "handmade-suspended-errors-v-p.txt").read_text())
    inv = run_inventory(zfs05)
    pool = inv.array("zfs:vault")
    assert (pool.state, pool.in_sync_disks, pool.failures_tolerated) == ("inactive", 0, -1)


def test_kernel_name_resolution(zfs05):
    probe = ReplayProbe(zfs05)
    assert kernel_name(probe, "/dev/sda1") == "sda1"
    assert kernel_name(probe, f"/dev/disk/by-id/{hostgen_zfs.by_id('WSD0A1B2')}") == "sda1"
    assert kernel_name(probe, hostgen_zfs.by_id("WSD0A1B2")) == "sda1"  # bare by-id name (no -P)
    assert kernel_name(probe, "/dev/disk/by-id/ata-gone-part1") == "ata-gone-part1"
    assert kernel_name(probe, "12345678901234567890") == "12345678901234567890"
    assert kernel_name(probe, "/var/tmp/file-vdev") == "/var/tmp/file-vdev"


def test_not_on_windows_and_collect_without_applicable(zfs05):
    from raidwatch.model import HostHeader

    assert ZfsCollector().applicable(ReplayProbe(zfs05), HostHeader("x", "Windows", "")) == "not on Windows"
    c = ZfsCollector().collect(ReplayProbe(zfs05))
    assert {a.name for a in c.arrays} == {"zfs:tank", "zfs:tank/mirror-0", "zfs:tank/mirror-1"}
    assert hostgen.GIB  # the host generator builds on tests/hostgen.py


def test_lost_log_device_is_noted_not_counted():
    text = (
        "  pool: tank\n state: DEGRADED\nconfig:\n\n"
        "\tNAME        STATE     READ WRITE CKSUM\n"
        "\ttank        DEGRADED     0     0     0\n"
        "\t  mirror-0  ONLINE       0     0     0\n"
        "\t    sda1    ONLINE       0     0     0\n"
        "\t    sdb1    ONLINE       0     0     0\n"
        "\tlogs\t\n"
        "\t  sdc1      UNAVAIL      0     0     0  cannot open\n\n"
        "errors: No known data errors\n"
    )
    from raidwatch.collectors.zfs import pool_arrays

    notes: list[str] = []
    (p,) = parse_zpool_status(text).pools
    arrays = pool_arrays(p, lambda n: n, (), notes)
    assert [(a.name, a.degraded, a.raid_disks) for a in arrays] == [
        ("zfs:tank", False, 1),
        ("zfs:tank/mirror-0", False, 2),
    ]
    assert any("logs vdev sdc1 (UNAVAIL)" in n for n in notes)
    assert any("every data vdev is whole" in n for n in notes)


def test_paused_scrub_is_not_running():
    text = (
        corpus_path("zpool/danjl1100-zpool-status-exporter/input-10-new-pool.txt")
        .read_text()
        .replace(
            "config:",
            "  scan: scrub paused since Mon Nov 23 10:00:00 2026\n"
            "\tscrub started on Mon Nov 23 09:00:00 2026\n"
            "\t1.2T / 3.4T scanned, 1.1T / 3.4T issued\n\t0B repaired, 32.35% done\nconfig:",
        )
    )
    from raidwatch.collectors.zfs import pool_arrays

    (p,) = parse_zpool_status(text).pools
    assert (p.scan.state, p.scan.progress) == ("paused", pytest.approx(0.3235))
    pool = pool_arrays(p, lambda n: n)[0]
    assert pool.sync.action is SyncAction.CHECK and not pool.sync.running


def test_leaf_error_counters_are_member_errors(zfs05):
    set_result(
        zfs05, stdout=corpus_path("zpool/danjl1100-zpool-status-exporter/input-07-unavail.txt").read_text()
    )
    inv = run_inventory(zfs05)
    errors = {(a.name, m): n for a in inv.arrays for m, n in a.member_errors}
    assert list(errors.values()) == [100980]  # the UNAVAIL leaf's CKSUM count, and nothing invented
    from raidwatch.findings import evaluate
    from raidwatch.policy import load_policy

    ev = evaluate(inv, load_policy("f", "defaults: {}\n").for_host("zfs05"))
    assert [f.code for f in ev.findings].count("array-member-errors") == 1


# ------------------------------------------ `zpool list -H -o ...` in a chosen order (issue 11, item 5.3)
# No corpus file shows `-o`; the rows below are our own, in OpenZFS's format (zpool_main.c print_pool: -H
# joins the -o columns with tabs, in the -o order; -v vdev rows print the default stats "not compatible
# with '-o'", led by a tab).


def test_list_H_o_name_health_any_order_is_inferred():
    res = parse_zpool_list("tank\tONLINE\nbackup\tDEGRADED\n", "zpool list -H -o name,health")
    assert res.scripted and res.columns == ("NAME", "HEALTH")
    assert [(p.pool.name, p.pool.health) for p in res.pools] == [("tank", "ONLINE"), ("backup", "DEGRADED")]
    res = parse_zpool("DEGRADED\tbackup\nFAULTED\tzion\n", "zpool list -H -o health,name")
    assert isinstance(res, ZpoolList) and res.columns == ("HEALTH", "NAME")
    assert [(p.pool.name, p.pool.health) for p in res.pools] == [("backup", "DEGRADED"), ("zion", "FAULTED")]


def test_list_H_o_columns_argument_reads_any_property_order():
    text = "tank\t3985729650688\t41\tONLINE\nzion\t-\t-\tFAULTED\n"
    res = parse_zpool_list(text, "argv", columns="name,size,cap,health")
    tank, zion = (p.pool for p in res.pools)
    assert (tank.name, tank.size_bytes, tank.cap_percent, tank.health) == (
        "tank",
        3985729650688,
        41,
        "ONLINE",
    )
    assert (zion.size_bytes, zion.health) == (None, "FAULTED")
    res = parse_zpool("ONLINE\t1.00x\ttank\n", "argv", columns=["health", "dedup", "name"])
    assert (res.pools[0].pool.name, res.pools[0].pool.dedup_ratio) == ("tank", 1.0)
    res = parse_zpool_list("tank\nbackup\n", "argv", columns="name")
    assert [p.pool.name for p in res.pools] == ["tank", "backup"]


def test_list_H_o_with_v_vdev_rows_keep_the_default_stats():
    text = (
        "tank\tONLINE\n"
        "\tmirror-0\t3.62T\t1.50T\t2.12T\t-\t-\t12%\t41.4%\t-\tONLINE\n"
        "\tsda\t3.64T\t-\t-\t-\t-\t-\t-\t-\tONLINE\n"
    )
    (p,) = parse_zpool_list(text, "zpool list -H -v -o name,health").pools
    assert p.pool.health == "ONLINE"
    assert [(v.name, v.health, v.frag_percent) for v in p.vdevs] == [
        ("mirror-0", "ONLINE", 12),
        ("sda", "ONLINE", None),
    ]
    assert p.vdevs[0].size_bytes == parse_size("3.62T")


def test_list_header_in_a_chosen_order():
    res = parse_zpool_list("HEALTH    NAME   CAP\nONLINE    tank   41%\nDEGRADED  vault  93%\n")
    assert not res.scripted and res.columns == ("HEALTH", "NAME", "CAP")
    assert [(p.pool.name, p.pool.health, p.pool.cap_percent) for p in res.pools] == [
        ("tank", "ONLINE", 41),
        ("vault", "DEGRADED", 93),
    ]
    with pytest.raises(ParseError, match="is not columns=NAME,HEALTH"):
        parse_zpool_list("HEALTH  NAME\nONLINE  tank\n", "x", columns="name,health")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("tank\tONLINE\t3.62T\n", r"x:1: column 3 \('3.62T'\) .* pass columns="),  # SIZE? ALLOC? FREE?
        ("tank\t3985729650688\tONLINE\n", r"x:1: column 2 .* pass columns="),  # -p: a size or a count
        ("tank\t41%\tONLINE\n", r"x:1: column 2 \('41%'\)"),  # FRAG or CAP
        ("tank\tONLINE\t-\n", r"x:1: column 3 \('-'\)"),
        ("tank\tONLINE\tbackup\n", r"x:1: 2 columns could each be NAME"),
        ("ONLINE\tONLINE\n", r"x:1: 2 columns could each be HEALTH"),
        ("tank\tONLINE\nbackup\tONLINE\tDEGRADED\n", r"x:2: 3 tab-separated values"),
        ("tank\n", r"x:1: one value and no tab"),
    ],
)
def test_list_H_ambiguous_order_is_refused_naming_the_line(text, why):
    with pytest.raises(ParseError, match=why):
        parse_zpool_list(text, "x")


def test_list_H_default_width_still_default_order():
    res = parse_zpool((ZP / "handmade-list-H-p.txt").read_text())
    assert len(res.columns) == 11 and res.columns[9] == "HEALTH"
    with pytest.raises(ParseError, match="no NAME"):
        parse_zpool_list("tank\tONLINE\n", "x", columns="health,size")


# ---------------------------------------------- old ` scrub:` lines (issue 11, item 4; item 5.4)
# Solaris before snv_128, zfs-fuse and early ZFS on Linux print " scrub:" where OpenZFS prints " scan:"
# (old zpool_main.c print_scrub_status). No corpus file has one; this is our own text in that format.

OLD_STATUS = """\
  pool: tank
 state: DEGRADED
status: One or more devices could not be opened.  Sufficient replicas exist for
        the pool to continue functioning in a degraded state.
action: Attach the missing device and online it using 'zpool online'.
   see: http://www.sun.com/msg/ZFS-8000-2Q
 scrub: {scrub}
config:

        NAME        STATE     READ WRITE CKSUM
        tank        DEGRADED     0     0     0
          mirror    DEGRADED     0     0     0
            c1t0d0  ONLINE       0     0     0
            c1t1d0  UNAVAIL      0     0     0  cannot open

errors: No known data errors
"""


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("none requested", ("none", "none", None, None, None, None)),
        (
            "scrub completed after 0h1m with 0 errors on Tue Mar  3 10:41:07 2009",
            ("scrub", "finished", 60.0, 0, None, "Tue Mar 3 10:41:07 2009"),
        ),
        (
            "resilver completed after 2h13m with 3 errors on Wed Jun 17 04:02:11 2009",
            ("resilver", "finished", 8000 - 20, 3, None, "Wed Jun 17 04:02:11 2009"),
        ),
        (
            "scrub stopped after 0h20m with 0 errors on Tue Mar  3 11:00:00 2009",
            ("scrub", "canceled", 1200.0, 0, None, "Tue Mar 3 11:00:00 2009"),
        ),
        (
            "resilver in progress for 0h4m, 12.34% done, 0h28m to go",
            ("resilver", "in progress", None, None, pytest.approx(0.1234), None),
        ),
    ],
)
def test_old_scrub_line_after_see_is_the_scan(line, want):
    (p,) = parse_zpool_status(OLD_STATUS.format(scrub=line), "old").pools
    assert p.see == "http://www.sun.com/msg/ZFS-8000-2Q"  # the scrub line is not glued onto see:
    s = p.scan
    assert (s.function, s.state, s.duration_seconds, s.errors, s.progress, s.when) == want
    if s.state == "in progress":
        assert s.running and s.to_go_seconds == 28 * 60
    assert [c.kind for c in p.root.children] == ["mirror"]
    assert p.root.children[0].children[1].state == "UNAVAIL"


def test_old_scrub_line_on_a_healthy_pool():
    text = OLD_STATUS.format(scrub="none requested").replace(" state: DEGRADED", " state: ONLINE")
    text = "\n".join(
        x for x in text.splitlines() if not x.startswith(("status:", "action:", "   see:", "        the"))
    )
    (p,) = parse_zpool_status(text, "old").pools
    assert (p.state, p.scan.function, p.status, p.see) == ("ONLINE", "none", None, None)
