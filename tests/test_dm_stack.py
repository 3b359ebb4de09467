"""device-mapper and caches in the device stack: LVM RAID LVs are arrays, caches are judged by their mode,
multipath/crypt/linear keep their rules; the dm collector runs dmsetup only where sysfs cannot tell.

Hosts are rendered by tests/hostgen_dm.py (the bundled lvm09 and bc10, and variants written to tmp_path).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import hostgen_dm as hg
import pytest
from conftest import HOSTS, REPO
from hostgen import GIB, Disk, MdArray, Member, Smart, _uuid, samsung_ssd, seagate_hdd
from prometheus_client.parser import text_string_to_metric_families

from raidwatch.collectors.dm import PERMISSION_HINT, DmCollector, DmSysfs, needs_dmsetup
from raidwatch.exporter import build_snapshot, render_metrics
from raidwatch.findings import evaluate
from raidwatch.inventory import _StackBuilder, collect_inventory
from raidwatch.model import (
    BlockDevice,
    DmMap,
    HostHeader,
    HostInventory,
    MemberState,
    Severity,
    SyncAction,
    from_jsonable,
    to_jsonable,
)
from raidwatch.policy import load_policy
from raidwatch.probe import ReplayProbe
from raidwatch.redundancy import annotate

TODAY = date(2026, 11, 25)
FLEET = load_policy(str(REPO / "fleet.yaml"))
LVM09 = HOSTS / hg.LVM09
BC10 = HOSTS / hg.BC10
LINUX_HOSTS = sorted(
    p
    for p in HOSTS.iterdir()
    if (p / "host.json").is_file() and json.loads((p / "host.json").read_text()).get("os") == "Linux"
)


def inventory(d: Path) -> HostInventory:
    return collect_inventory(ReplayProbe(d))


def findings(inv: HostInventory, host: str | None = None) -> dict[tuple[str, str], Severity]:
    ev = evaluate(inv, FLEET.for_host(host or inv.header.hostname), today=TODAY)
    return {(f.code, f.subject): f.severity for f in ev.findings}


def hdd(name: str, i: int, parts: int = 1) -> Disk:
    d = Disk(
        name,
        4000 * GIB,
        "ST4000NM0035-1V4107",
        f"ZC1T{i:04d}",
        f"naa.5000c500b1c3{i:04x}",
        True,
        {f"{name}{j}": 3999 * GIB // parts for j in range(1, parts + 1)},
    )
    d.smart = Smart(seagate_hdd(d, 10000 + i, 33))
    return d


def ssd(name: str, i: int) -> Disk:
    d = Disk(
        name,
        480 * GIB,
        "Samsung SSD 860 PRO 512GB",
        f"S42YNX0M8T{i:04d}",
        f"naa.5002538e40a2{i:04x}",
        False,
        {f"{name}1": 478 * GIB},
    )
    d.smart = Smart(samsung_ssd(d, 9000 + i, 30))
    return d


def write(
    tmp_path: Path,
    disks: list[Disk],
    dms: list[hg.Dm],
    mounts: list[tuple[str, str, str, str]],
    arrays: list[MdArray] | None = None,
    dmsetup: str = "ok",
    name: str = "t",
) -> Path:
    return hg.write_dm_host(
        name,
        hostname=name,
        disks=disks,
        arrays=arrays or [],
        mounts=mounts,
        extra=hg.DmHost(dms=dms, dmsetup=dmsetup),
        root=tmp_path,
    )


def md0(a: str, b: str) -> MdArray:
    return MdArray("md0", "raid1", 2, [Member(a, 0, 0), Member(b, 1, 1)], 4193149952, _uuid(0xD30))


def raid_host(tmp_path: Path, raid_type: str, health: str, **kw) -> HostInventory:  # type: ignore[no-untyped-def]
    disks = [hdd(f"sd{c}", i) for i, c in enumerate("abcdefgh"[: len(health)])]
    pvs = [(f"{d.name}1", hg.devno_of(f"{d.name}1", disks, [])) for d in disks]
    dms = hg.lvm_raid(0, "vg0", "data", raid_type, pvs, 4 * 2**30, health, **kw)
    top = dms[-1]
    return inventory(
        write(tmp_path, disks, dms, [("/dev/mapper/vg0-data", "/srv", "xfs", f"253:{top.kname[3:]}")])
    )


# ---------------------------------------------------------------------------------------- LVM RAID


def test_lvm09_root_is_an_lvm_raid1_that_survives_one_disk() -> None:
    inv = inventory(LVM09)
    root = inv.volume("/")
    assert root is not None and root.source == "dm-4"
    assert (root.failures_tolerated, root.redundancy, len(root.disks)) == (1, "lvm", 2)
    arr = inv.array("dm-4")
    assert arr is not None and (arr.kind, arr.level, arr.label) == ("lvm", "raid1", "vg0/root")
    assert (arr.raid_disks, arr.in_sync_disks, arr.degraded, arr.failures_tolerated) == (2, 2, False, 1)
    assert [(m.device, m.meta_device, m.raw_state) for m in arr.members] == [
        ("dm-1", "dm-0", "A"),
        ("dm-3", "dm-2", "A"),
    ]
    assert arr.size_bytes == 209715200 * 512 and arr.mismatch_cnt == 0 and arr.sources == ("dmsetup",)
    # a leg is its rimage and its rmeta: both sit on sda2 here
    leg = root.stack.children[0]  # type: ignore[union-attr]
    assert leg.name == "dm-1" and {c.name for c in leg.children} == {"sda2", "dm-0"}
    assert leg.detail == "LVM vg0-root_rimage_0 + metadata vg0-root_rmeta_0: linear"
    assert {m.name: m.targets for m in inv.dm_maps}["dm-4"] == ("raid",)


def test_lvm09_srv_has_a_dead_leg() -> None:
    inv = inventory(LVM09)
    srv = inv.volume("/srv")
    assert srv is not None and (srv.failures_tolerated, srv.redundancy) == (0, "lvm")
    arr = inv.array("dm-9")
    assert arr is not None and arr.degraded and (arr.in_sync_disks, arr.status_map) == (1, "U_")
    failed = arr.members[1]
    assert (failed.device, failed.state, failed.raw_state) == ("dm-8", MemberState.FAILED, "D")
    got = findings(inv)
    assert got[("array-degraded", "dm-9")] is Severity.CRITICAL
    assert got[("array-failed-member", "dm-9/dm-8")] is Severity.WARNING
    assert got[("role-not-redundant", "/srv")] is Severity.CRITICAL
    assert ("role-not-redundant", "/") not in got and ("role-kind-not-allowed", "/") not in got


def test_lvm_raid1_rebuilding_warns_within_rebuild_grace(tmp_path: Path) -> None:
    inv = raid_host(tmp_path, "raid1", "Aa", action="recover", done=2 * 2**30)
    arr = next(a for a in inv.arrays if a.kind == "lvm")
    assert arr.degraded and arr.sync is not None and arr.sync.action is SyncAction.RECOVERY
    assert arr.sync.progress == pytest.approx(0.5) and arr.members[1].rebuilding
    assert inv.volume("/srv").failures_tolerated == 0  # type: ignore[union-attr]
    pol = load_policy("f.yaml", "defaults:\n  roles:\n    data: {covers: [/srv], require: mirror}\n")
    ev = evaluate(inv, pol.for_host("t"), today=TODAY)
    got = {(f.code, f.subject): f for f in ev.findings}
    assert got[("array-rebuilding", arr.name)].severity is Severity.WARNING
    role = got[("role-not-redundant", "/srv")]
    assert role.severity is Severity.WARNING and "rebuilding within rebuild_grace" in role.message
    assert ("array-degraded", arr.name) not in got


def test_lvm_raid_resync_of_the_whole_set_is_not_degraded(tmp_path: Path) -> None:
    inv = raid_host(tmp_path, "raid1", "aa", action="resync", done=1000)
    arr = next(a for a in inv.arrays if a.kind == "lvm")
    assert not arr.degraded and arr.in_sync_disks == 2 and arr.sync.action is SyncAction.RESYNC  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raid_type", "health", "tolerated", "level"),
    [
        ("raid1", "AAA", 2, "raid1"),
        ("raid5_ls", "AAA", 1, "raid5"),
        ("raid5_ls", "ADA", 0, "raid5"),
        ("raid6_zr", "AAAA", 2, "raid6"),
        ("raid6_zr", "AADA", 1, "raid6"),
        ("raid10", "AAAA", 1, "raid10"),
        ("raid0", "AA", 0, "raid0"),
    ],
)
def test_lvm_raid_levels(tmp_path: Path, raid_type: str, health: str, tolerated: int, level: str) -> None:
    inv = raid_host(tmp_path, raid_type, health)
    arr = next(a for a in inv.arrays if a.kind == "lvm")
    assert arr.level == level and arr.failures_tolerated == tolerated
    assert inv.volume("/srv").failures_tolerated == tolerated  # type: ignore[union-attr]
    if raid_type == "raid10":
        assert arr.copies == 2


def test_lvm_raid_check_with_mismatches(tmp_path: Path) -> None:
    inv = raid_host(tmp_path, "raid1", "AA", action="check", done=1000, mismatch=64)
    arr = next(a for a in inv.arrays if a.kind == "lvm")
    assert arr.sync.action is SyncAction.CHECK and not arr.degraded  # type: ignore[union-attr]
    got = findings(inv, "t")
    assert got[("array-scrub", arr.name)] is Severity.INFO
    done = raid_host(tmp_path / "done", "raid1", "AA", action="idle", mismatch=64)
    arr = next(a for a in done.arrays if a.kind == "lvm")
    assert findings(done, "t")[("array-mismatch", arr.name)] is Severity.WARNING


def test_linear_lv_over_two_pvs_needs_both_and_runs_no_dmsetup(tmp_path: Path) -> None:
    disks = [hdd("sda", 0), hdd("sdb", 1)]
    lv = hg.Dm("dm-0", "vg0-data", hg.lvm_uuid("vg0", "data"), ["sda1", "sdb1"], [], [])
    d = write(tmp_path, disks, [lv], [("/dev/mapper/vg0-data", "/data", "xfs", "253:0")])
    assert not (d / "commands" / "dmsetup_table").exists()
    inv = inventory(d)
    v = inv.volume("/data")
    assert v is not None and (v.failures_tolerated, v.redundancy, len(v.disks)) == (0, "none", 2)
    dm = next(r for r in inv.collectors if r.name == "dm")
    assert dm.success and not dm.problems and inv.dm_maps == ()


def test_crypt_over_lvm_raid_passes_through(tmp_path: Path) -> None:
    disks = [hdd("sda", 0), hdd("sdb", 1)]
    pvs = [("sda1", "8:1"), ("sdb1", "8:17")]
    raid = hg.lvm_raid(0, "vg0", "root", "raid1", pvs, 2**31, "AA")
    crypt = hg.Dm(
        "dm-5",
        "luks-root",
        "CRYPT-LUKS2-0f1e2d3c4b5a69788796a5b4c3d2e1f0-luks-root",
        ["dm-4"],
        ["0 2147450880 crypt aes-xts-plain64 00000000000000000000000000000000 0 253:4 32768"],
        ["0 2147450880 crypt "],
    )
    inv = inventory(write(tmp_path, disks, [*raid, crypt], [("/dev/mapper/luks-root", "/", "ext4", "253:5")]))
    v = inv.volume("/")
    assert v is not None and (v.failures_tolerated, v.redundancy) == (1, "lvm")
    assert v.stack.kind == "dm" and v.stack.detail == "CRYPT luks-root: crypt"  # type: ignore[union-attr]
    assert v.stack.children[0].name == "dm-4"  # type: ignore[union-attr]


def test_multipath_keeps_any_one_path() -> None:
    devs = {
        "sdx": BlockDevice("sdx", "disk", wwn="naa.600a0b80001234", model="LUN"),
        "sdy": BlockDevice("sdy", "disk", wwn="naa.600a0b80001234", model="LUN"),
        "dm-0": BlockDevice("dm-0", "dm", slaves=("sdx", "sdy"), dm_name="mpatha", dm_uuid="mpath-3600a0b8"),
    }
    node = annotate(_StackBuilder(devs, {}).node("dm-0"))
    assert node.need == 1 and node.failures_tolerated == 0  # two paths, one LUN: one disk


def test_error_segments_make_an_lv_unavailable() -> None:
    # lvm2 maps a missing PV's extents to the error target (partial activation)
    devs = {
        "sda": BlockDevice("sda", "disk", wwn="naa.5000c500aa000001"),
        "sda1": BlockDevice("sda1", "partition", parent="sda"),
        "dm-0": BlockDevice("dm-0", "dm", slaves=("sda1",), dm_name="vg0-data", dm_uuid="LVM-x"),
    }
    maps = [DmMap("dm-0", "vg0-data", ("linear", "error"))]
    node = annotate(_StackBuilder(devs, {}, dm_maps=maps).node("dm-0"))
    assert node.failures_tolerated == -1 and "error segments" in (node.detail or "")


# --------------------------------------------------------------------------- dmsetup: when and how


def test_needs_dmsetup_only_for_layered_lvm_and_unknown_subsystems() -> None:
    vg = "LVM-" + "V" * 32
    devs = {
        "dm-0": DmSysfs("dm-0", "vg-lv_rimage_0", vg + "A" * 32, ("sda1",), "253:0"),
        "dm-1": DmSysfs("dm-1", "vg-lv", vg + "B" * 32, ("dm-0",), "253:1"),
        "dm-2": DmSysfs("dm-2", "luks", "CRYPT-LUKS2-abc-luks", ("dm-1",), "253:2"),
        "dm-3": DmSysfs("dm-3", "mpatha", "mpath-3600", ("sdx", "sdy"), "253:3"),
        "dm-4": DmSysfs("dm-4", "mpatha1", "part1-mpath-3600", ("dm-3",), "253:4"),
        "dm-5": DmSysfs("dm-5", "other-lv", "LVM-" + "W" * 64, ("dm-2",), "253:5"),  # LVM over crypt
        "dm-6": DmSysfs("dm-6", "handmade", None, ("sdz",), "253:6"),
    }
    assert needs_dmsetup(devs) == ["dm-1", "dm-6"]


def test_every_linux_host_runs_dmsetup_only_when_needed() -> None:
    for host in LINUX_HOSTS:
        ran: list[tuple[str, ...]] = []

        class Spy(ReplayProbe):
            def run(self, argv, timeout=20.0, ran=ran):  # type: ignore[no-untyped-def]
                ran.append(tuple(argv))
                return super().run(argv, timeout)

        inv = collect_inventory(Spy(host))
        dm = next(r for r in inv.collectors if r.name == "dm")
        assert dm.problems == (), host.name
        dmsetup = [a for a in ran if a[0] == "dmsetup"]
        assert dmsetup == ([("dmsetup", "table"), ("dmsetup", "status")] if host == LVM09 else []), host.name


@pytest.mark.parametrize("host", [LVM09, BC10], ids=lambda p: p.name)
def test_dm_hosts_record_exactly_what_the_collectors_run(host: Path) -> None:
    recorded = {tuple(json.loads(p.read_text())["argv"]) for p in host.glob("commands/*/cmd.json")}
    ran: list[tuple[str, ...]] = []

    class Spy(ReplayProbe):
        def run(self, argv, timeout=20.0):  # type: ignore[no-untyped-def]
            ran.append(tuple(argv))
            return super().run(argv, timeout)

    inv = collect_inventory(Spy(host))
    # every recorded command is run; the others run are tools this machine does not have (hwraid's, zpool)
    assert recorded <= set(ran)
    assert all(ReplayProbe(host).run(a).missing for a in set(ran) - recorded)
    assert sorted(a for a in ran if a[0] == "dmsetup") == sorted(a for a in recorded if a[0] == "dmsetup")
    assert not inv.problems
    assert all(r.success for r in inv.collectors)


def test_bundled_dm_hosts_are_what_the_generator_writes(tmp_path: Path) -> None:
    for made in hg.bundled_dm_hosts(tmp_path):
        bundled = HOSTS / made.name
        assert bundled.is_dir(), f"run `python tests/hostgen_dm.py`: {bundled} missing"
        new = sorted(p.relative_to(made) for p in made.rglob("*") if p.is_file())
        old = sorted(p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file())
        assert new == old, made.name
        for rel in new:
            assert (made / rel).read_bytes() == (bundled / rel).read_bytes(), f"{made.name}/{rel}"


def test_dmsetup_refused_is_one_problem_and_the_old_guess(tmp_path: Path) -> None:
    disks = hg.lvm09_disks()
    raid = hg.lvm_raid(0, "vg0", "root", "raid1", [("sda2", "8:2"), ("sdb2", "8:18")], 209715200, "AA")
    d = write(
        tmp_path, disks, raid, [("/dev/mapper/vg0-root", "/", "ext4", "253:4")], dmsetup="permission-denied"
    )
    inv = inventory(d)
    dm = next(r for r in inv.collectors if r.name == "dm")
    assert dm.success and len(dm.problems) == 1
    assert dm.problems[0].subject == "dmsetup table" and dm.problems[0].message == PERMISSION_HINT
    root = inv.volume("/")
    assert root is not None and root.failures_tolerated == 0 and inv.arrays == ()  # every slave needed
    assert "targets unknown: dmsetup not read" in (root.stack.detail or "")  # type: ignore[union-attr]
    assert findings(inv, "t")[("collector-problem", "collector:dm")] is Severity.WARNING


def test_dmsetup_missing_is_one_problem(tmp_path: Path) -> None:
    disks = hg.lvm09_disks()
    raid = hg.lvm_raid(0, "vg0", "root", "raid1", [("sda2", "8:2"), ("sdb2", "8:18")], 209715200, "AA")
    d = write(tmp_path, disks, raid, [("/dev/mapper/vg0-root", "/", "ext4", "253:4")], dmsetup="missing")
    dm = next(r for r in inventory(d).collectors if r.name == "dm")
    assert len(dm.problems) == 1 and "dmsetup not found" in dm.problems[0].message


def test_an_odd_raid_status_is_a_problem_for_that_device_only(tmp_path: Path) -> None:
    disks = hg.lvm09_disks()
    good = hg.lvm_raid(0, "vg0", "root", "raid1", [("sda2", "8:2"), ("sdb2", "8:18")], 209715200, "AA")
    odd = hg.lvm_raid(5, "vg1", "srv", "raid1", [("sdc1", "8:33"), ("sdd1", "8:49")], 2**30, "AA")
    odd[-1].status = [odd[-1].status[0].replace(" AA ", " AQ ")]
    mounts = [("/dev/mapper/vg0-root", "/", "ext4", "253:4"), ("/dev/mapper/vg1-srv", "/srv", "xfs", "253:9")]
    inv = inventory(write(tmp_path, disks, [*good, *odd], mounts))
    dm = next(r for r in inv.collectors if r.name == "dm")
    assert [p.subject for p in dm.problems] == ["dmsetup status vg1-srv"]
    assert inv.volume("/").failures_tolerated == 1  # type: ignore[union-attr]
    assert inv.volume("/srv").failures_tolerated == 0  # type: ignore[union-attr]


def test_not_applicable_without_dm_or_bcache() -> None:
    inv = inventory(HOSTS / "web01-mirror-degraded")
    dm = next(r for r in inv.collectors if r.name == "dm")
    assert dm.skipped == "no device-mapper or bcache devices"
    assert DmCollector().applicable(ReplayProbe(LVM09), ReplayProbe(LVM09).header()) is None


# -------------------------------------------------------------------------------------------- bcache


def test_bc10_writeback_cache_with_dirty_data_is_in_the_failure_set() -> None:
    inv = inventory(BC10)
    srv = inv.volume("/srv")
    assert srv is not None and srv.source == "bcache0"
    assert (srv.failures_tolerated, srv.redundancy, len(srv.disks)) == (0, "md", 3)
    assert inv.disk("bcache0") is None and {d.name for d in inv.disks} == {"sda", "sdb", "sdc"}
    (c,) = inv.caches
    assert (c.kind, c.mode, c.origin, c.cache_devices, c.state) == (
        "bcache",
        "writeback",
        "md0",
        ("sdc",),
        "dirty",
    )
    assert c.dirty_bytes == 1024**3 + 2 * 1024**3 // 10 and c.holds_only_copy and c.failures_tolerated == 0
    top = srv.stack
    assert top is not None and (top.kind, top.detail) == ("bcache", "writeback")
    cache_node = top.children[1]
    assert (
        cache_node.kind == "cache"
        and cache_node.need is None
        and "holds the only copy" in (cache_node.detail or "")
    )
    got = findings(inv)
    assert got[("cache-writeback-unmirrored", "bcache0")] is Severity.WARNING
    assert got[("role-not-redundant", "/srv")] is Severity.CRITICAL
    assert ("role-not-redundant", "/") not in got


@pytest.mark.parametrize(
    ("mode", "dirty", "state", "tolerated", "finding"),
    [
        ("writethrough", "0.0k", "clean", 1, False),
        ("writearound", "0.0k", "clean", 1, False),
        ("writeback", "0.0k", "clean", 1, True),  # clean now: the next write is the only copy again
        ("writeback", "512.0M", "dirty", 0, True),
    ],
)
def test_bcache_modes(
    tmp_path: Path, mode: str, dirty: str, state: str, tolerated: int, finding: bool
) -> None:
    d = hg.write_bc10(tmp_path, cache=hg.bc10_bcache(mode, dirty, state))
    inv = inventory(d)
    assert inv.volume("/srv").failures_tolerated == tolerated  # type: ignore[union-attr]
    got = findings(inv, "bc10")
    assert (("cache-writeback-unmirrored", "bcache0") in got) is finding
    assert (("role-not-redundant", "/srv") in got) is (tolerated < 1)


def test_bcache_dirty_data_unknown_counts_as_the_only_copy(tmp_path: Path) -> None:
    d = hg.write_bc10(tmp_path)
    (d / "fs/sys/block/bcache0/bcache/dirty_data").unlink()
    inv = inventory(d)
    assert inv.caches[0].dirty_bytes is None and inv.caches[0].holds_only_copy
    assert inv.volume("/srv").failures_tolerated == 0  # type: ignore[union-attr]
    assert "dirty data unknown" in (inv.volume("/srv").stack.children[1].detail or "")  # type: ignore[union-attr]


def test_detached_bcache_has_no_cache_device(tmp_path: Path) -> None:
    cache = hg.bc10_bcache("writeback", "0.0k", "no cache")
    cache.cache = None
    inv = inventory(hg.write_bc10(tmp_path, cache=cache))
    (c,) = inv.caches
    assert c.cache_devices == () and not c.holds_only_copy
    assert inv.volume("/srv").failures_tolerated == 1  # type: ignore[union-attr]
    assert "cache-writeback-unmirrored" not in {code for code, _s in findings(inv, "bc10")}


# ----------------------------------------------------------------------------- dm-cache, dm-writecache


def cached_host(
    tmp_path: Path, *, mirrored: bool, mode: str = "writeback", dirty: int = 5120
) -> HostInventory:
    """/srv on vg0/data: a dm-cache (lvmcache) whose origin vg0/data_corig sits on md0 (raid1 of two HDDs) and
    whose cache pool (cdata, cmeta) is on sdc1 (+ sdd1, mirrored as LVM raid1, when `mirrored`)."""
    disks = [hdd("sda", 0), hdd("sdb", 1), ssd("sdc", 2), ssd("sdd", 3)]
    arrays = [md0("sda1", "sdb1")]
    corig = hg.linear("dm-0", "vg0", "data_corig", "9:0", "md0", 7812939776)
    if mirrored:
        pvs = [("sdc1", "8:33"), ("sdd1", "8:49")]
        cdata = hg.lvm_raid(1, "vg0", "cpool_cdata", "raid1", pvs, 943718400, "AA")
        cmeta = hg.lvm_raid(6, "vg0", "cpool_cmeta", "raid1", pvs, 2097152, "AA")
    else:
        cdata = [hg.linear("dm-5", "vg0", "cpool_cdata", "8:33", "sdc1", 943718400)]
        cmeta = [hg.linear("dm-10", "vg0", "cpool_cmeta", "8:33", "sdc1", 2097152, 943720448)]
    feats = "2 metadata2 writethrough" if mode == "writethrough" else "1 metadata2"
    status_feats = "2 metadata2 writethrough" if mode == "writethrough" else "2 metadata2 writeback"
    top = hg.Dm(
        "dm-11",
        "vg0-data",
        hg.lvm_uuid("vg0", "data"),
        ["dm-0", cdata[-1].kname, cmeta[-1].kname],
        [f"0 7812939776 cache 253:{cmeta[-1].kname[3:]} 253:{cdata[-1].kname[3:]} 253:0 128 {feats} smq 0"],
        [
            f"0 7812939776 cache 8 1546/262144 128 81920/7372800 113244 40211 98211 3110 2 81920 {dirty} "
            f"{status_feats} 2 migration_threshold 2048 smq 0 rw -"
        ],
    )
    d = write(
        tmp_path,
        disks,
        [corig, *cdata, *cmeta, top],
        [("/dev/mapper/vg0-data", "/srv", "xfs", "253:11")],
        arrays=arrays,
    )
    return inventory(d)


def test_lvmcache_writeback_on_a_raid1_cache_lv_survives_one(tmp_path: Path) -> None:
    inv = cached_host(tmp_path, mirrored=True)
    (c,) = inv.caches
    assert (c.kind, c.mode, c.origin, c.cache_devices) == ("dm-cache", "writeback", "dm-0", ("dm-5", "dm-10"))
    assert c.dirty_bytes == 5120 * 128 * 512 and c.failures_tolerated == 1 and c.label == "vg0/data"
    assert c.size_bytes == 7372800 * 128 * 512 and c.used_bytes == 81920 * 128 * 512
    assert inv.volume("/srv").failures_tolerated == 1  # type: ignore[union-attr]
    assert not any(code.startswith("cache-") for code, _s in findings(inv, "t"))


def test_lvmcache_writeback_on_one_ssd_is_a_single_point_of_failure(tmp_path: Path) -> None:
    inv = cached_host(tmp_path, mirrored=False)
    assert inv.volume("/srv").failures_tolerated == 0  # type: ignore[union-attr]
    assert findings(inv, "t")[("cache-writeback-unmirrored", "dm-11")] is Severity.WARNING


def test_lvmcache_writethrough_on_one_ssd_holds_no_only_copy(tmp_path: Path) -> None:
    inv = cached_host(tmp_path, mirrored=False, mode="writethrough", dirty=0)
    assert inv.caches[0].mode == "writethrough"
    assert inv.volume("/srv").failures_tolerated == 1  # type: ignore[union-attr]
    assert not any(code.startswith("cache-") for code, _s in findings(inv, "t"))


def test_a_failed_dm_cache_makes_the_volume_unavailable(tmp_path: Path) -> None:
    base = cached_host(tmp_path / "a", mirrored=True)
    c = replace(base.caches[0], state="fail", error="the cache failed (status Fail)")
    devs = {d.name: d for d in base.devices}
    arrays = {a.name: a for a in base.arrays}
    node = annotate(_StackBuilder(devs, arrays, [c]).node("dm-11"))
    assert node.failures_tolerated == -1


def writecache_host(tmp_path: Path, free: int) -> HostInventory:
    disks = [hdd("sda", 0), hdd("sdb", 1), ssd("sdc", 2)]
    origin = hg.linear("dm-0", "vg0", "main_wcorig", "9:0", "md0", 7812939776)
    fast = hg.linear("dm-1", "vg0", "fast_cvol", "8:33", "sdc1", 976773168)
    top = hg.Dm(
        "dm-2",
        "vg0-main",
        hg.lvm_uuid("vg0", "main"),
        ["dm-0", "dm-1"],
        ["0 7812939776 writecache s 253:0 253:1 4096 0"],
        [f"0 7812939776 writecache 0 122070 {free} 0"],
    )
    mounts = [("/dev/mapper/vg0-main", "/srv", "xfs", "253:2")]
    return inventory(write(tmp_path, disks, [origin, fast, top], mounts, arrays=[md0("sda1", "sdb1")]))


def test_dm_writecache_holds_the_only_copy_of_what_it_holds(tmp_path: Path) -> None:
    inv = writecache_host(tmp_path, 101070)
    (c,) = inv.caches
    assert (c.kind, c.mode, c.origin, c.cache_devices) == ("dm-writecache", "writeback", "dm-0", ("dm-1",))
    assert c.dirty_bytes == 21000 * 4096 and c.failures_tolerated == 0
    assert inv.volume("/srv").failures_tolerated == 0  # type: ignore[union-attr]
    assert findings(inv, "t")[("cache-writeback-unmirrored", "dm-2")] is Severity.WARNING
    clean = writecache_host(tmp_path / "clean", 122070)
    assert clean.volume("/srv").failures_tolerated == 1  # type: ignore[union-attr]
    assert ("cache-writeback-unmirrored", "dm-2") in findings(clean, "t")


def test_writecache_origin_on_a_partition_is_resolved_through_sys_dev_block(tmp_path: Path) -> None:
    disks = [hdd("sda", 0), ssd("sdc", 1)]
    top = hg.Dm(
        "dm-0",
        "wc",
        "",
        ["sda1", "sdc1"],
        ["0 7812939776 writecache s 8:1 8:17 4096 0"],
        ["0 7812939776 writecache 0 1000 1000 0"],
    )
    d = write(tmp_path, disks, [top], [("/dev/mapper/wc", "/srv", "xfs", "253:0")])
    links = json.loads((d / "fs.json").read_text())["links"]
    assert links["/sys/dev/block/8:1"] == "../../block/sda1"
    inv = inventory(d)
    assert (inv.caches[0].origin, inv.caches[0].cache_devices) == ("sda1", ("sdc1",))


# ----------------------------------------------------------------------------------- outputs, JSON


def metrics(host: Path) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    inv = inventory(host)
    ev = evaluate(inv, FLEET.for_host(inv.header.hostname), today=TODAY)
    out = {}
    for fam in text_string_to_metric_families(render_metrics(build_snapshot(inv, ev, "fleet.yaml")).decode()):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def test_cache_and_lvm_metrics() -> None:
    m = metrics(BC10)
    info = {
        "cache": "bcache0",
        "kind": "bcache",
        "label": "",
        "origin": "md0",
        "cache_devices": "sdc",
    }
    assert m[("raidwatch_cache_info", frozenset(info.items()))] == 1
    assert m[("raidwatch_cache_mode", frozenset({"cache": "bcache0", "mode": "writeback"}.items()))] == 1
    assert m[("raidwatch_cache_mode", frozenset({"cache": "bcache0", "mode": "writethrough"}.items()))] == 0
    one = frozenset({"cache": "bcache0"}.items())
    assert m[("raidwatch_cache_dirty_bytes", one)] == 1024**3 + 2 * 1024**3 // 10
    assert m[("raidwatch_cache_holds_only_copy", one)] == 1
    assert m[("raidwatch_cache_device_failures_tolerated", one)] == 0
    assert m[("raidwatch_cache_error", one)] == 0
    lv = metrics(LVM09)
    kinds = {dict(lab)["array"]: dict(lab)["kind"] for (n, lab) in lv if n == "raidwatch_array_info"}
    assert kinds == {"dm-4": "lvm", "dm-9": "lvm"}
    assert lv[("raidwatch_array_degraded", frozenset({"array": "dm-9"}.items()))] == 1


def test_inventory_json_round_trip_keeps_caches_and_maps() -> None:
    for host in (LVM09, BC10):
        inv = inventory(host)
        assert from_jsonable(HostInventory, json.loads(json.dumps(to_jsonable(inv)))) == inv
    empty = from_jsonable(
        HostInventory, {"header": to_jsonable(HostHeader("h", "Linux", "6")), "collected_at": 0}
    )
    assert empty.caches == () and empty.dm_maps == ()


def test_legs_are_found_by_name_when_the_raid_table_is_odd(tmp_path: Path) -> None:
    disks = hg.lvm09_disks()
    raid = hg.lvm_raid(0, "vg0", "root", "raid1", [("sda2", "8:2"), ("sdb2", "8:18")], 209715200, "AA")
    raid[-1].table = [raid[-1].table[0].replace(" 2 253:0", " 3 253:0")]  # a pair short
    inv = inventory(write(tmp_path, disks, raid, [("/dev/mapper/vg0-root", "/", "ext4", "253:4")]))
    dm = next(r for r in inv.collectors if r.name == "dm")
    assert [p.subject for p in dm.problems] == ["dmsetup table vg0-root"]
    arr = inv.array("dm-4")
    assert arr is not None and [(m.device, m.meta_device) for m in arr.members] == [
        ("dm-1", "dm-0"),
        ("dm-3", "dm-2"),
    ]
    assert inv.volume("/").failures_tolerated == 1  # type: ignore[union-attr]


def test_an_absent_leg_in_the_table_is_a_failed_member(tmp_path: Path) -> None:
    disks = hg.lvm09_disks()
    raid = hg.lvm_raid(0, "vg0", "root", "raid1", [("sda2", "8:2"), ("sdb2", "8:18")], 209715200, "A-")
    raid[-1].table = [raid[-1].table[0].replace("253:2 253:3", "- -")]
    raid[-1].slaves = ["dm-0", "dm-1"]
    inv = inventory(
        write(tmp_path, disks, [*raid[:2], raid[-1]], [("/dev/mapper/vg0-root", "/", "ext4", "253:4")])
    )
    arr = inv.array("dm-4")
    assert arr is not None and arr.degraded
    gone = arr.members[1]
    assert (gone.device, gone.state, gone.raw_state) == ("vg0-root_rimage_1", MemberState.FAILED, "-")
    assert inv.volume("/").failures_tolerated == 0  # type: ignore[union-attr]
