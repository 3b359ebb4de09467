"""The hwraid collector end to end: vendor CLIs recorded on two hosts (tests/hosts/README-hw.md, every output
rendered by tests/toolgen), the inventory and `check` over them, a tool that is absent, hangs or prints
garbage, the pure helpers (normalise_level, arrays_from) on real corpus reports read in place, and our
storcli/ssacli renderers read back by raidwatch's own parsers."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import hostgen_hw
import pytest
from conftest import CORPUS, HOSTS, corpus_path, needs_corpus
from test_cli import arr, rw, vol
from toolgen import ssacli as hp
from toolgen import storcli as lsi

from raidwatch.collectors.base import Contribution
from raidwatch.collectors.hwraid import (
    SMART_PERMISSION_HINT,
    HwRaidCollector,
    arrays_from,
    megaraid_smartctl_argv,
    normalise_level,
    passthrough_targets,
)
from raidwatch.collectors.smart import MISSING_HINT
from raidwatch.findings import evaluate
from raidwatch.inventory import build_inventory, collect_inventory
from raidwatch.model import CollectorRun, HostHeader, MemberState, Severity
from raidwatch.parsers.hwraid import parse_hwraid
from raidwatch.parsers.hwraid.model import HwLogicalDrive, HwPhysicalDrive, HwRaidReport
from raidwatch.policy import load_policy
from raidwatch.probe import ReplayProbe

HW07 = HOSTS / "hw07-smartarray"
HW08 = HOSTS / "hw08-megaraid"
SSACLI_CMD = "ssacli_ctrl_all_show_config_detail"
NETDATA = CORPUS / "hwraid" / "netdata"


def _inv(host: Path):
    return collect_inventory(ReplayProbe(host))


def _run(inv, name: str):
    return next(r for r in inv.collectors if r.name == name)


def _copy(host: Path, tmp_path: Path) -> Path:
    dest = tmp_path / host.name
    shutil.copytree(host, dest)
    return dest


def _set_command(host: Path, slug: str, stdout: str, **meta: object) -> None:
    c = host / "commands" / slug
    doc = json.loads((c / "cmd.json").read_text())
    doc.update(meta)
    (c / "cmd.json").write_text(json.dumps(doc))
    (c / "stdout").write_text(stdout)


# ---------------------------------------------------------------------------- hw07: Smart Array


def test_hw07_volumes_sit_on_the_logical_drives():
    inv = _inv(HW07)
    root, srv, data = inv.volume("/"), inv.volume("/srv"), inv.volume("/data")
    assert (root.redundancy, root.failures_tolerated, root.source) == ("hardware", 1, "sda1")  # raid1 of 2
    assert (data.redundancy, data.failures_tolerated, data.source) == ("hardware", 1, "sdc1")  # raid5 of 6
    assert (srv.redundancy, srv.failures_tolerated, srv.source) == ("hardware", 0, "sdb1")  # raid10, 1 failed
    assert len(root.disks) == 2 and len(data.disks) == 6 and len(srv.disks) == 3
    assert all(k.startswith("wwn:5000C500") for v in (root, srv, data) for k in v.disks)


def test_hw07_degraded_raid10_names_its_failed_drive():
    inv = _inv(HW07)
    sdb = inv.array("sdb")
    assert sdb.kind == "hardware" and sdb.level == "raid10" and sdb.array_state == "Interim Recovery Mode"
    assert sdb.degraded and (sdb.raid_disks, sdb.in_sync_disks, sdb.failures_tolerated) == (4, 3, 0)
    assert [m.device for m in sdb.failed_members] == ["sdb:1I:1:3"]
    assert inv.array("sda").level == "raid1" and inv.array("sda").failures_tolerated == 1
    assert not inv.array("sda").degraded and inv.array("sdc").failures_tolerated == 1
    # the unassigned MSA drives (2E:1:7..12) belong to no logical drive: not part of any array
    assert not any("2E:1:7" in d.name for d in inv.disks)


def test_hw07_physical_drives_are_the_disks_not_the_logical_volumes():
    inv = _inv(HW07)
    names = {d.name for d in inv.disks}
    assert not names & {"sda", "sdb", "sdc"}  # HP LOGICAL VOLUMEs are arrays, not physical disks
    assert len(names) == 12 and "sdb:1I:1:3" in names  # the failed drive is still listed, by identity
    failed = next(d for d in inv.disks if d.name == "sdb:1I:1:3")
    assert failed.serial == "6XM2JZQ50000C3128B0E" and failed.model == "HP EG0300FBDSP"
    assert failed.identity == "wwn:5000C5006D1F2A13" and failed.transport == "ssacli controller slot 0"
    assert len({d.identity for d in inv.disks}) == 12


def test_hw07_collectors_report_no_false_problem():
    inv = _inv(HW07)
    hw, smart = _run(inv, "hwraid"), _run(inv, "smart")
    assert hw.success and not hw.skipped and hw.problems == ()
    assert smart.success and smart.problems == ()  # smartctl ran: no "smartctl not found"
    assert not any(MISSING_HINT in p.message for p in inv.problems)


def test_hw07_check_is_critical_for_the_degraded_logical_drive():
    ev = evaluate(_inv(HW07), load_policy("fleet.yaml").for_host("hw07"))
    got = {(f.code, f.subject, f.severity) for f in ev.findings}
    assert ("array-degraded", "sdb", Severity.CRITICAL) in got
    assert ("role-not-redundant", "/srv", Severity.CRITICAL) in got
    assert ("array-failed-member", "sdb/sdb:1I:1:3", Severity.WARNING) in got
    assert not any(s in ("/", "/data") for _c, s, _ in got)  # hardware is allowed there, and redundant
    assert not any(c.startswith("disk-smart") or c.startswith("collector") for c, _s, _ in got)
    assert ev.layers == ("defaults", "groups.hardware")


def test_hw07_cli_inventory_json():
    inv = json.loads(rw("inventory", "--replay", str(HW07), "--json").stdout)
    assert vol(inv, "/")["redundancy"] == "hardware" and vol(inv, "/")["failures_tolerated"] == 1
    assert vol(inv, "/srv")["failures_tolerated"] == 0 and vol(inv, "/data")["failures_tolerated"] == 1
    sdb = arr(inv, "sdb")
    assert sdb["degraded"] and sdb["kind"] == "hardware" and sdb["sources"] == ["ssacli"]
    assert [m["device"] for m in sdb["members"] if m["state"] == "failed"] == ["sdb:1I:1:3"]


# ---------------------------------------------------------------------------- hw08: MegaRAID (storcli)


def test_hw08_vd_is_mapped_to_its_kernel_disk_by_naa_id():
    inv = _inv(HW08)
    # storcli /call/vall gives the VD's SCSI NAA id; sdb's wwid is naa.<the same>: the VD is sdb
    vd = inv.array("sdb")
    assert inv.array("hw-storcli-c0-v0") is None  # the VD once, whatever the number of commands
    assert vd.level == "raid6" and vd.label == "archive" and not vd.degraded
    assert (vd.raid_disks, vd.in_sync_disks, vd.failures_tolerated) == (6, 6, 2)
    data = inv.volume("/data")
    assert (data.redundancy, data.failures_tolerated, data.source) == ("hardware", 2, "sdb1")
    assert len(data.disks) == 6
    assert inv.volume("/").redundancy == "none"
    drives = [d for d in inv.disks if d.name.startswith("sdb:")]
    assert len(drives) == 6 and all(d.serial and d.identity.startswith("wwn:5000C500") for d in drives)
    assert inv.disk("sdb") is None  # the VD is not a physical disk
    hw = _run(inv, "hwraid")
    assert hw.success and hw.problems == ()


def test_hw08_without_the_vd_properties_is_reported_honestly(tmp_path):
    h8 = _copy(HW08, tmp_path)
    shutil.rmtree(h8 / "commands" / "storcli64_call_vall_show_all_J")
    inv = _inv(h8)
    vd = inv.array("hw-storcli-c0-v0")
    assert vd is not None and vd.failures_tolerated == 2
    data = inv.volume("/data")  # nothing ties sdb to the VD now: not claimed redundant
    assert (data.redundancy, data.failures_tolerated) == ("none", 0)
    assert _run(inv, "hwraid").problems == ()  # an older recording without /vall: a note, not a problem


def test_hw08_check_warns_about_the_boot_disk_and_the_drive_behind_the_raid():
    ev = evaluate(_inv(HW08), load_policy("fleet.yaml").for_host("hw08"))
    got = {(f.code, f.subject, f.severity) for f in ev.findings}
    assert got == {
        ("role-hardware-unverifiable", "/", Severity.WARNING),
        # 252:5's own SMART (smartctl -d megaraid,13), though the controller calls it Onln/Optimal
        ("disk-smart-warning", "disk:sdb:252:5", Severity.WARNING),
        ("disk-smart-threshold", "disk:sdb:252:5", Severity.WARNING),
    }
    # the VD's "lacks SMART capability" is no disk-smart-unreadable; the healthy raid6 is no finding


def test_check_over_all_hosts_shows_the_hw_hosts():
    res = rw("check", "--fleet", "fleet.yaml", "--replay", str(HOSTS), "--json", check=False)
    doc = json.loads(res.stdout)
    hosts = {h["host"]: h for h in doc["hosts"]}
    assert hosts["hw07"]["status"] == "CRITICAL" and hosts["hw08"]["status"] == "WARNING"
    codes = {f["code"] for f in hosts["hw07"]["findings"]}
    assert "array-degraded" in codes


# ---------------------------------------------------------------------------- controller, absent, broken


def test_controller_cache_and_battery_trouble_are_collector_problems(tmp_path):
    h7 = _copy(HW07, tmp_path)
    ctrls = hostgen_hw.hw07_controllers()
    ctrls[0].cache_status = "Temporarily Disabled"  # the P410i's (slot 0)
    _set_command(h7, SSACLI_CMD, hp.render_config_detail(ctrls))
    inv = _inv(h7)
    (p,) = _run(inv, "hwraid").problems
    assert p.subject == "ssacli controller slot 0" and "cache Temporarily Disabled" in p.message
    assert p.severity is Severity.WARNING and inv.array("sdb").degraded  # the LDs are still read

    h8 = _copy(HW08, tmp_path)
    ctrl = hostgen_hw.hw08_controller()
    assert ctrl.battery is not None
    ctrl.battery.state = "Failed"
    _set_command(h8, "storcli64_call_show_all_J", lsi.render_show_all([ctrl]))
    (p,) = _run(_inv(h8), "hwraid").problems
    assert p.subject == "storcli controller 0" and "battery iBBU07, Failed" in p.message


def test_no_tool_installed_is_a_note_not_a_problem():
    probe = ReplayProbe(HOSTS / "web01-mirror-degraded")
    c = HwRaidCollector().collect(probe)
    assert (c.arrays, c.devices, c.problems) == ((), (), ())
    assert c.notes == ("no hardware RAID tool installed (storcli/perccli, ssacli, arcconf, MegaCli)",)
    run = _run(collect_inventory(probe), "hwraid")
    assert run.success and not run.skipped and run.problems == ()


@pytest.mark.parametrize(
    ("meta", "stdout", "fragment", "severity"),
    [
        # a hung CLI leaves the collector blind for that controller: critical (the daemon keeps the last
        # volumes read, marked stale); a CLI that answered, however badly, is a warning
        ({"timed_out": True, "returncode": None}, "", "timed out", Severity.CRITICAL),
        (
            {"returncode": 0},
            "\x1b[2J Segmentation fault (core dumped)\n@@@ 0x7f3a\n",
            "not the output of",
            Severity.WARNING,
        ),
        ({"returncode": 1}, "", "exit status 1", Severity.WARNING),
    ],
)
def test_a_tool_that_hangs_or_prints_garbage_is_one_problem_and_nothing_invented(
    tmp_path, meta, stdout, fragment, severity
):
    h7 = _copy(HW07, tmp_path)
    _set_command(h7, SSACLI_CMD, stdout, **meta)
    inv = _inv(h7)
    (p,) = _run(inv, "hwraid").problems
    assert p.subject == "ssacli ctrl all show config detail" and fragment in p.message
    assert p.severity is severity
    assert not [a for a in inv.arrays if a.kind == "hardware"]
    assert not any(":" in d.name for d in inv.disks)
    # without the controller's word, / is a plain disk again (the LOGICAL VOLUME sda)
    assert inv.volume("/").redundancy == "none" and inv.volume("/").source == "sda1"


def test_a_tool_that_sees_no_controller_is_a_note(tmp_path):
    h7 = _copy(HW07, tmp_path)
    _set_command(h7, SSACLI_CMD, "\nError: No controllers detected. Possible causes:\n", returncode=1)
    c = HwRaidCollector().collect(ReplayProbe(h7))
    assert c.problems == () and c.arrays == ()
    assert any("sees no controller" in n for n in c.notes)


def test_a_tool_error_is_a_problem(tmp_path):
    h7 = _copy(HW07, tmp_path)
    _set_command(h7, SSACLI_CMD, "\nError: The controller must be identified by slot.\n", returncode=1)
    (p,) = HwRaidCollector().collect(ReplayProbe(h7)).problems
    assert p.subject == "ssacli" and "identified by" in p.message


def test_second_storcli_command_failing_keeps_the_first(tmp_path):
    h8 = _copy(HW08, tmp_path)
    _set_command(h8, "storcli64_call_eall_sall_show_all_J", "", timed_out=True, returncode=None)
    c = HwRaidCollector().collect(ReplayProbe(h8))
    (p,) = c.problems
    assert "/call/eall/sall" in p.subject and "timed out" in p.message
    (vd,) = c.arrays
    assert vd.level == "raid6" and len(vd.members) == 6
    assert all(d.serial is None for d in c.devices)  # /call show all gives no serials: none invented


# ---------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("level", "want"),
    [
        ("RAID 1", "raid1"),
        ("RAID1", "raid1"),
        ("raid5", "raid5"),
        ("RAID-6", "raid6"),
        ("RAID 1+0", "raid10"),
        ("1+0", "raid10"),
        ("10", "raid10"),
        ("Primary-1, Secondary-0, RAID Level Qualifier-0", "raid1"),
        ("Primary-1, Secondary-3, RAID Level Qualifier-0", "raid10"),
        ("Primary-5, Secondary-0, RAID Level Qualifier-3", "raid5"),
        ("raid1e", "raid1e"),  # not raid1: a RAID 1E of three drives survives one loss, not two
        ("RAID 1(ADM)", "raid1adm"),
        ("raid10adm", "raid10adm"),
        ("raid50", "raid50"),
        ("RAID 60", "raid60"),
        ("jbod", "single"),
        ("Simple volume", "single"),
        ("spanned", "concat"),
        ("something new", "something new"),
        ("", None),
        (None, None),
    ],
)
def test_normalise_level(level, want):
    assert normalise_level(level) == want


def _parse(path: Path, command: str) -> HwRaidReport:
    return parse_hwraid(path.read_text(), command)


@needs_corpus
def test_arrays_from_megacli_ldpdinfo():
    report = _parse(NETDATA / "megacli" / "mega-phys-drives-info.txt", "MegaCli64 -LdPdInfo -aALL -NoLog")
    (a,), devices = arrays_from(report, {"sda"})
    assert a.name == "hw-megacli-c0-v0" and a.level == "raid10" and a.kind == "hardware"
    assert (a.raid_disks, a.in_sync_disks, a.degraded) == (8, 8, False)
    assert [d.name for d in devices][:2] == ["hw-megacli-c0-v0:32:0", "hw-megacli-c0-v0:32:2"]
    assert devices[0].serial == "S1YHNXAG804005" and devices[0].wwn == "5002538c4002e713"
    assert len({d.serial for d in devices}) == 8


def test_arrays_from_arcconf():
    glensc = "hwraid/glensc-check-raid/arcconf"
    report = _parse(corpus_path(f"{glensc}/4/arcconf_getconfig_1_al.out"), "arcconf GETCONFIG 1 AL")
    (a,), devices = arrays_from(report, set())
    assert (a.name, a.level, a.label, a.raid_disks, a.in_sync_disks) == (
        "hw-arcconf-c1-v1",
        "raid1",
        "MailMerak",
        2,
        2,
    )
    assert [d.serial for d in devices] == ["9QJ2C6NX", "GTA060PBGHX61F"]
    # arcconf names the OS disk of each LD ("Disk Name"): the LD takes the kernel name when it exists
    report = _parse(corpus_path(f"{glensc}/arcconf31000/getconfig"), "arcconf GETCONFIG 1 AL")
    arrays, _ = arrays_from(report, {"sda", "sdb"})
    assert [(x.name, x.level, x.raid_disks) for x in arrays] == [("sda", "raid1", 2), ("sdb", "raid6", 12)]
    arrays, _ = arrays_from(report, {"sda"})  # sdb not in /sys/block: not taken on the tool's word
    assert [x.name for x in arrays] == ["sda", "hw-arcconf-c1-v1"]


@needs_corpus
def test_arrays_from_arcconf_ld_only_knows_no_members():
    report = _parse(NETDATA / "adaptecraid" / "getconfig-ld-current.txt", "arcconf GETCONFIG 1 LD")
    (a,), devices = arrays_from(report, set())
    assert a.level == "raid10" and a.members == () and devices == []
    inv = build_inventory(
        HostHeader("h", "Linux", "6.1", "x86_64"),
        [(CollectorRun("hwraid", True, 0.0), Contribution(arrays=(a,)))],
    )
    assert inv.array(a.name).failures_tolerated is None  # members unknown: no margin claimed


@needs_corpus
def test_arrays_from_drops_identities_that_several_drives_share():
    # netdata's recording has every serial and WWID "REDACTED": 18 drives must not become one disk
    report = _parse(NETDATA / "hpssa" / "ssacli-P212_P410i.txt", "ssacli ctrl all show config detail")
    arrays, devices = arrays_from(report, {"sda", "sdb", "sdc"})
    assert [a.name for a in arrays] == ["sdc", "sda", "sdb"]
    assert all(d.serial is None and d.wwn is None and d.model for d in devices)
    inv = build_inventory(
        HostHeader("h", "Linux", "6.1", "x86_64"),
        [(CollectorRun("hwraid", True, 0.0), Contribution(arrays=tuple(arrays), devices=tuple(devices)))],
    )
    assert inv.array("sda").failures_tolerated == 1 and inv.array("sdc").failures_tolerated == 1


def _report(level: str, states: list[str], ld_status: str = "ok") -> HwRaidReport:
    pds = tuple(
        HwPhysicalDrive("0", f"252:{i}", state=s, status=s, serial=f"S{i}") for i, s in enumerate(states)
    )
    ld = HwLogicalDrive(
        "0", "0", level=level, state=ld_status, status=ld_status, members=tuple(p.id for p in pds)
    )
    return HwRaidReport("megacli", logical_drives=(ld,), physical_drives=pds)


def _tolerated(report: HwRaidReport) -> int | None:
    arrays, devices = arrays_from(report, set())
    inv = build_inventory(
        HostHeader("h", "Linux", "6.1", "x86_64"),
        [(CollectorRun("hwraid", True, 0.0), Contribution(arrays=tuple(arrays), devices=tuple(devices)))],
    )
    return inv.arrays[0].failures_tolerated


def test_a_degraded_ld_whose_lost_drive_is_not_listed_is_not_overstated():
    # MegaCli drops a missing drive from -LdPdInfo: raid5 "Degraded" with its two remaining drives listed
    (a,), _ = arrays_from(_report("raid5", ["ok", "ok"], "degraded"), set())
    assert a.degraded and (a.raid_disks, a.in_sync_disks) == (3, 2)
    assert _tolerated(_report("raid5", ["ok", "ok"], "degraded")) == 0
    assert _tolerated(_report("raid5", ["ok", "ok", "ok"])) == 1


def test_unknown_drive_words_do_not_degrade_an_ok_ld():
    (a,), _ = arrays_from(_report("raid1", ["ok", "unknown"]), set())
    assert not a.degraded and a.in_sync_disks == 2
    (a,), _ = arrays_from(_report("raid1", ["ok", "rebuilding"], "rebuilding"), set())
    assert a.degraded and a.sync is not None and a.members[1].rebuilding
    assert a.members[1].state is MemberState.ACTIVE and a.members[1].in_sync is False


@pytest.mark.parametrize(
    ("level", "drives", "want"),
    [
        ("raid50", 6, 1),
        ("raid60", 8, 2),
        ("raid1e", 3, 1),
        ("raid1adm", 3, 2),
        ("raid10adm", 6, 2),
        ("jbod", 1, 0),
    ],
)
def test_hardware_levels_the_md_model_does_not_name(level, drives, want):
    assert _tolerated(_report(level, ["ok"] * drives)) == want


# ---------------------------------------------------------------------------- SMART behind a MegaRAID

# hw08's drives: EID:Slt -> storcli DID (smartctl's -d megaraid,N)
HW08_DIDS = {"252:0": 8, "252:1": 9, "252:2": 10, "252:3": 11, "252:4": 12, "252:5": 13}


def _pd_slug(did: int) -> str:
    return f"smartctl_-a_-n_standby_-d_megaraid,{did}_dev_sdb"


class _Spy(ReplayProbe):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.ran: list[tuple[str, ...]] = []

    def run(self, argv, timeout=20.0):  # type: ignore[no-untyped-def]
        self.ran.append(tuple(argv))
        return super().run(argv, timeout)


def _megaraid_runs(ran: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return [a for a in ran if a[0] == "smartctl" and "-d" in a]


def test_hw08_smartctl_passthrough_argv_per_drive():
    spy = _Spy(HW08)
    HwRaidCollector().collect(spy)
    want = {
        ("smartctl", "-a", "-n", "standby", "-d", f"megaraid,{did}", "/dev/sdb") for did in HW08_DIDS.values()
    }
    assert set(_megaraid_runs(spy.ran)) == want and len(_megaraid_runs(spy.ran)) == 6  # each drive once
    assert megaraid_smartctl_argv(13, "sdb") == list(next(a for a in want if "megaraid,13" in a))
    # every recorded command is one the collectors run (the others are absent tools: not recorded)
    spy = _Spy(HW08)
    collect_inventory(spy)
    recorded = {tuple(json.loads(p.read_text())["argv"]) for p in HW08.glob("commands/*/cmd.json")}
    assert recorded <= set(spy.ran)


def test_hw08_drives_behind_the_raid_carry_their_smart():
    doc = json.loads(rw("inventory", "--replay", str(HW08), "--json").stdout)
    drives = {d["name"]: d for d in doc["disks"] if d["name"].startswith("sdb:")}
    assert set(drives) == {f"sdb:{slot}" for slot in HW08_DIDS}
    recorded_at = datetime.fromisoformat(doc["header"]["recorded_at"]).timestamp()
    for name, d in drives.items():
        sm = d["smart"]
        assert sm["serial"] == d["serial"] and sm["wwn"].removeprefix("0x") == d["wwn"].lower(), name
        assert sm["model"] == "ST16000NM001G-2KK103" and sm["rotation_rpm"] == 7200
        assert (sm["temperature_celsius"], sm["power_on_hours"], sm["exit_status"]) == (33, 47396, 0)
        assert sm["read_at"] == recorded_at and not sm["standby"]
        want = ("WARN", 24, 3) if name == "sdb:252:5" else ("PASS", 0, 0)
        assert (sm["assessment"], sm["reallocated_sectors"], sm["pending_sectors"]) == want, name
    hw = next(c for c in doc["collectors"] if c["name"] == "hwraid")
    assert hw["success"] and hw["problems"] == []


def test_hw08_check_reports_the_failing_drive_behind_the_raid():
    res = rw("check", "--fleet", "fleet.yaml", "--replay", str(HW08), "--json", check=False)
    assert res.returncode == 1  # WARNING
    (host,) = json.loads(res.stdout)["hosts"]
    smart = {(f["code"], f["subject"]) for f in host["findings"] if f["code"].startswith("disk-smart")}
    assert smart == {("disk-smart-warning", "disk:sdb:252:5"), ("disk-smart-threshold", "disk:sdb:252:5")}
    msgs = " ".join(f["message"] for f in host["findings"] if f["subject"] == "disk:sdb:252:5")
    assert "reallocated_sectors 24 >= warning 1" in msgs and "pending_sectors 3 >= warning 1" in msgs


@pytest.mark.parametrize(
    "why",
    [
        "Permission denied",  # not root and not in group disk: /dev/sdb itself
        "cannot open /dev/megaraid_sas_ioctl_node or /dev/megadev0",  # /dev/sdb opened, the ioctl node not
    ],
)
def test_permission_denied_is_one_problem_per_controller(tmp_path, why):
    h8 = _copy(HW08, tmp_path)
    for did in HW08_DIDS.values():
        text = (
            "smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.5.13-1-pve] (local build)\n"
            "Copyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org\n\n"
            f"Smartctl open device: /dev/sdb [megaraid_disk_{did:02d}] failed: {why}\n"
        )
        _set_command(h8, _pd_slug(did), text, returncode=2)
    spy = _Spy(h8)
    inv = collect_inventory(spy)
    (p,) = _run(inv, "hwraid").problems
    assert p.subject == "smartctl -d megaraid (storcli controller 0)" and p.message == SMART_PERMISSION_HINT
    assert len(_megaraid_runs(spy.ran)) == 1  # the first drive says it; the others are not tried
    assert all(d.smart is None for d in inv.disks if d.name.startswith("sdb:"))
    ev = evaluate(inv, load_policy("fleet.yaml").for_host("hw08"))
    assert not [f for f in ev.findings if f.code.startswith("disk-smart")]  # no finding per drive


def test_smartctl_missing_is_a_note(tmp_path):
    h8 = _copy(HW08, tmp_path)
    for did in HW08_DIDS.values():
        shutil.rmtree(h8 / "commands" / _pd_slug(did))
    spy = _Spy(h8)
    c = HwRaidCollector().collect(spy)
    assert c.problems == () and c.disks == ()
    assert any(n.startswith("smartctl not found") and "storcli controller 0" in n for n in c.notes)
    assert len(_megaraid_runs(spy.ran)) == 1  # not six tries
    inv = _inv(h8)
    assert _run(inv, "hwraid").problems == ()
    assert not any(p.message == MISSING_HINT for p in inv.problems)  # sda/sdb's smartctl still recorded


def test_passthrough_off_runs_no_smartctl():
    col = HwRaidCollector()
    col.smart_passthrough = False
    spy = _Spy(HW08)
    c = col.collect(spy)
    assert _megaraid_runs(spy.ran) == [] and c.disks == ()
    assert len(c.devices) == 6 and c.problems == ()


def test_a_long_running_collector_rereads_smart_only_every_smart_max_age():
    class Live(_Spy):  # a live host as far as the collector can tell
        @property
        def is_replay(self) -> bool:
            return False

    col = HwRaidCollector()
    probe = Live(HW08)
    first = col.collect(probe)
    second = col.collect(probe)  # the daemon's next fast run, 30 s later: no smartctl again
    assert len(_megaraid_runs(probe.ran)) == 6 and second.disks == first.disks
    col.smart_max_age = 0.0
    col.collect(probe)
    assert len(_megaraid_runs(probe.ran)) == 12
    replay = _Spy(HW08)  # a replayed host is read in full every time
    col.smart_max_age = 1800.0
    col.collect(replay), col.collect(replay)
    assert len(_megaraid_runs(replay.ran)) == 12


def test_no_passthrough_when_no_volume_is_tied_to_a_kernel_disk(tmp_path):
    h8 = _copy(HW08, tmp_path)
    shutil.rmtree(h8 / "commands" / "storcli64_call_vall_show_all_J")
    spy = _Spy(h8)
    c = HwRaidCollector().collect(spy)
    assert _megaraid_runs(spy.ran) == [] and c.disks == ()  # no /dev/sdX to send -d megaraid,N through


def test_standby_keeps_the_last_reading(tmp_path):
    h8 = _copy(HW08, tmp_path)
    col = HwRaidCollector()
    first = {d.name: d.smart for d in col.collect(ReplayProbe(h8)).disks}
    asleep = (
        "smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.5.13-1-pve] (local build)\n"
        "Copyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org\n\n"
        "Device is in STANDBY mode, exit(2)\n"
    )
    _set_command(h8, _pd_slug(HW08_DIDS["252:5"]), asleep, returncode=2)
    again = col.collect(ReplayProbe(h8))
    kept = next(d.smart for d in again.disks if d.name == "sdb:252:5")
    assert kept.standby and kept.assessment == "WARN" and kept.reallocated_sectors == 24
    assert kept.read_at == first["sdb:252:5"].read_at and again.problems == ()
    assert any(f"sdb:252:5 (megaraid,{HW08_DIDS['252:5']}): in standby" in n for n in again.notes)
    fresh = next(d.smart for d in HwRaidCollector().collect(ReplayProbe(h8)).disks if d.name == "sdb:252:5")
    assert fresh.standby and fresh.assessment == "UNKNOWN"  # no earlier reading: standby, nothing invented
    ev = evaluate(_inv(h8), load_policy("fleet.yaml").for_host("hw08"))
    assert not [f for f in ev.findings if f.code == "disk-smart-unreadable"]


def test_a_reading_of_another_drive_or_garbage_is_a_problem_not_a_smart(tmp_path):
    h8 = _copy(HW08, tmp_path)
    # device ids move when the controller re-scans: 252:0's id answers with 252:1's drive
    d0, d1, d4 = HW08_DIDS["252:0"], HW08_DIDS["252:1"], HW08_DIDS["252:4"]
    _set_command(h8, _pd_slug(d0), (h8 / "commands" / _pd_slug(d1) / "stdout").read_text())
    _set_command(h8, _pd_slug(d4), "\x00\x01 not smartctl at all\n", returncode=0)
    c = HwRaidCollector().collect(ReplayProbe(h8))
    probs = {p.subject: p.message for p in c.problems}
    assert set(probs) == {f"sdb:252:0 (megaraid,{d0})", f"sdb:252:4 (megaraid,{d4})"}
    assert "answered for another drive" in probs[f"sdb:252:0 (megaraid,{d0})"]
    assert "not understood" in probs[f"sdb:252:4 (megaraid,{d4})"]
    smart = {d.name: d.smart for d in c.disks}
    assert "sdb:252:0" not in smart  # not attributed to the wrong drive
    assert smart["sdb:252:4"].assessment == "UNKNOWN" and len(smart) == 5


def test_passthrough_targets_one_run_per_drive_on_a_tied_controller():
    def pd(pid: str, did: int | None) -> HwPhysicalDrive:
        return HwPhysicalDrive("0", pid, "Onln", "ok", wwn=f"5000C500{did or 0:08X}", device_id=did)

    report = HwRaidReport(
        tool="storcli",
        logical_drives=(
            HwLogicalDrive("0", "0", level="raid1", status="ok", members=("252:0", "252:1"), os_device="sdb"),
            HwLogicalDrive("0", "1", level="raid1", status="ok", members=("252:0", "252:1")),  # same group
            HwLogicalDrive("1", "0", level="raid1", status="ok", members=("8:0", "8:1")),  # untied controller
        ),
        physical_drives=(pd("252:0", 10), pd("252:1", None), pd("8:0", 3), pd("8:1", 4)),
    )
    arrays, devices = arrays_from(report, {"sdb"})
    targets = passthrough_targets(report, arrays, devices)
    (t,) = targets  # 252:1 has no device id; controller 1 has no volume tied to a kernel disk
    assert t.argv == megaraid_smartctl_argv(10, "sdb")
    assert t.names == ("sdb:252:0", "hw-storcli-c0-v1:252:0")  # one run, the drive under both VDs


def test_bundled_hw_hosts_are_what_the_generator_writes(tmp_path):
    # no corpus needed: every output is rendered by tests/toolgen from hostgen_hw's model
    for made in hostgen_hw.hw_hosts(tmp_path):
        bundled = HOSTS / made.name
        assert bundled.is_dir(), f"run `python tests/hostgen_hw.py`: {bundled} missing"
        new = sorted(p.relative_to(made) for p in made.rglob("*") if p.is_file())
        old = sorted(p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file())
        assert new == old
        for rel in new:
            assert (made / rel).read_text() == (bundled / rel).read_text(), rel


# ---------------------------------------------------------------------------- our renderers, read back
# tests/toolgen/storcli.py and ssacli.py render what the hosts record; raidwatch's own parsers must read
# every state they can print back as that state, and every identity as rendered.


def _storcli_ctrl(
    vd_state: str = "Optl", rows: tuple[str | None, ...] = ("Onln",) * 4, **kw
) -> lsi.Controller:
    """A VD (RAID 5 unless `level`) over enclosure 252's slots 0..n-1; a None row: its drive is gone."""
    drives = [
        lsi.PhysicalDrive(
            252,
            slot,
            20 + slot,
            "ST4000NM0245-1Z2107",
            f"ZC1{slot:05d}",
            f"5000C500AB{slot:06X}",
            "SN05",
            4_000_787_030_016,
            state=state,
            temperature=30 + slot,
        )
        for slot, state in enumerate(rows)
        if state is not None
    ]
    refs = [(252, slot) if state is not None else None for slot, state in enumerate(rows)]
    vd = lsi.VirtualDrive(
        0, 0, kw.pop("level", "RAID5"), refs, "600605b0c0ffee00112233445566778a", state=vd_state, name="vol0"
    )
    return lsi.Controller(
        0, "AVAGO MegaRAID SAS 9361-8i", "SK01234567", "500605b0c0ffee00", drives=drives, vds=[vd], **kw
    )


def _storcli_each(ctrl: lsi.Controller) -> list[HwRaidReport]:
    """The three commands the collector runs (show all, eall/sall, vall), each parsed alone."""
    reports = []
    for args, render in lsi.COMMANDS.items():
        report = parse_hwraid(render([ctrl]), " ".join(("storcli64", *args)))
        assert report.tool == "storcli" and report.error is None and report.warnings == ()
        reports.append(report)
    return reports


def _storcli(ctrl: lsi.Controller) -> HwRaidReport:
    """The three commands merged as the collector merges them."""
    from raidwatch.collectors.hwraid import _merge

    merged = _merge("storcli", _storcli_each(ctrl))
    assert merged is not None
    return merged


def test_storcli_render_of_hw08_reads_back_as_rendered():
    ctrl = hostgen_hw.hw08_controller()
    show_all, drives, vall = _storcli_each(ctrl)
    (c,) = show_all.controllers
    assert (c.id, c.model, c.serial, c.firmware) == ("0", ctrl.model, ctrl.serial, ctrl.firmware_package)
    assert (c.state, c.status, c.battery, c.battery_status) == ("Optimal", "ok", "iBBU07, Optimal", "ok")
    assert all(pd.serial is None for pd in show_all.physical_drives)  # /call show all names no serial
    report = _storcli(ctrl)
    (ld,) = report.logical_drives
    (vd,) = ctrl.vds
    assert (ld.level, ld.state, ld.status, ld.name) == ("raid6", "Optl", "ok", "archive")
    assert ld.members == tuple(f"252:{s}" for s, *_ in hostgen_hw.HW08_DRIVES)
    assert ld.wwn == vd.naa_id and ld.os_device is None  # tied to sdb by the NAA id alone
    assert abs(ld.size_bytes - lsi.vd_size(ctrl, vd)) < 1024**4 // 1000  # "58.207 TB": three decimals
    merged = {pd.id: pd for pd in report.physical_drives}
    detail = {pd.id: pd for pd in drives.physical_drives}
    for d in ctrl.drives:
        pd = merged[d.eid_slot]
        assert (pd.state, pd.status, pd.device_id, pd.model) == ("Onln", "ok", d.did, d.model)
        assert (pd.serial, pd.wwn, pd.logical_drive) == (d.serial, d.wwn, "0")
        assert (pd.temperature_celsius, pd.media_errors, pd.predictive_failures) == (33.0, 0, 0)
        pd = detail[d.eid_slot]  # /call/eall/sall: the raw size, in sectors
        assert (pd.serial, pd.wwn, pd.size_bytes, pd.device_id) == (d.serial, d.wwn, d.raw_bytes, d.did)
    assert vall.logical_drives[0].wwn == vd.naa_id


@pytest.mark.parametrize(
    ("state", "status"),
    [("Optl", "ok"), ("Dgrd", "degraded"), ("Pdgd", "degraded"), ("OfLn", "offline"), ("Rec", "rebuilding")],
)
def test_storcli_every_vd_state_reads_back(state, status):
    assert set(lsi.VD_STATES) == {"Optl", "Dgrd", "Pdgd", "OfLn", "Rec"}
    (ld,) = _storcli(_storcli_ctrl(state)).logical_drives
    assert (ld.state, ld.status) == (state, status)


PD_WORDS = {
    "Onln": "ok",
    "Offln": "failed",
    "UGood": "unconfigured",
    "UGUnsp": "unconfigured",
    "UBad": "failed",
    "GHS": "spare",
    "DHS": "spare",
    "Rbld": "rebuilding",
    "Cpybck": "rebuilding",
    "JBOD": "ok",
    "UGShld": "predictive-failure",
    "HSPShld": "predictive-failure",
    "CFShld": "predictive-failure",
}


@pytest.mark.parametrize("state", lsi.PD_STATES)
def test_storcli_every_drive_state_reads_back(state):
    assert set(PD_WORDS) == set(lsi.PD_STATES)
    ctrl = _storcli_ctrl("Optl", ("Onln", "Onln", "Onln"))
    extra = lsi.PhysicalDrive(
        252,
        7,
        40,
        "ST4000NM0245-1Z2107",
        "ZC1EXTRA7",
        "5000C500ABCDEF07",
        "SN05",
        4_000_787_030_016,
        state=state,
    )
    ctrl.drives.append(extra)
    if state in ("Offln", "Rbld", "Cpybck", "CFShld", "DHS"):  # states of a drive in a drive group
        ctrl.vds[0].drives.append((252, 7))
    pd = next(p for p in _storcli(ctrl).physical_drives if p.id == "252:7")
    assert (pd.state, pd.status) == (state, PD_WORDS[state])
    assert (pd.serial, pd.device_id) == ("ZC1EXTRA7", 40)


def test_storcli_degraded_vd_with_a_missing_drive_and_a_rebuilding_one():
    # RAID 6: row 1's drive is gone (TOPOLOGY "Msng", no EID:Slot), row 3's replacement rebuilds
    report = _storcli(_storcli_ctrl("Dgrd", ("Onln", None, "Onln", "Rbld", "Onln"), level="RAID6"))
    (ld,) = report.logical_drives
    assert (ld.level, ld.state, ld.status) == ("raid6", "Dgrd", "degraded")
    assert ld.members == ("252:0", "dg0/arr0/row1", "252:2", "252:3", "252:4")
    states = {pd.id: (pd.state, pd.status) for pd in report.physical_drives}
    assert states["dg0/arr0/row1"] == ("Msng", "missing") and states["252:3"] == ("Rbld", "rebuilding")
    (a,), _ = arrays_from(report, set())
    assert a.degraded and (a.raid_disks, a.in_sync_disks) == (5, 3) and a.sync is not None
    assert [m.device for m in a.failed_members] == ["hw-storcli-c0-v0:dg0/arr0/row1"]
    assert [m.device for m in a.members if m.rebuilding] == ["hw-storcli-c0-v0:252:3"]


def test_storcli_raid10_spans_and_predictive_failures():
    ctrl = _storcli_ctrl("Optl", ("Onln",) * 4, level="RAID10")
    ctrl.vds[0].spans = 2
    ctrl.drives[2].predictive_failures = 2
    ctrl.drives[3].smart_alert = True
    report = _storcli(ctrl)
    (ld,) = report.logical_drives
    assert ld.level == "raid10" and len(ld.members) == 4
    (a,), _ = arrays_from(report, set())
    assert not a.degraded and a.level == "raid10"
    drives = _storcli_each(ctrl)[1]  # the counters are in /call/eall/sall's Detailed Information
    status = {pd.id: (pd.status, pd.predictive_failures) for pd in drives.physical_drives}
    assert status == {
        "252:0": ("ok", 0),
        "252:1": ("ok", 0),
        "252:2": ("predictive-failure", 2),
        "252:3": ("predictive-failure", 0),
    }


def test_storcli_predictive_failure_survives_the_merge():
    ctrl = _storcli_ctrl("Optl", ("Onln",) * 3)
    ctrl.drives[1].predictive_failures = 2
    status = {pd.id: pd.status for pd in _storcli(ctrl).physical_drives}
    assert status["252:1"] == "predictive-failure"


@pytest.mark.parametrize(
    ("kind", "state", "status"),
    [
        ("BBU", "Optimal", "ok"),
        ("BBU", "Failed", "failed"),
        ("BBU", "Degraded", "warning"),
        ("BBU", "Learning", "warning"),
        ("CacheVault", "Optimal", "ok"),
        ("CacheVault", "Failed", "failed"),
    ],
)
def test_storcli_battery_states_read_back(kind, state, status):
    battery = lsi.Battery("CVPM02" if kind == "CacheVault" else "BBU09", state, kind=kind)
    ctrl = _storcli_ctrl(battery=battery)
    (c,) = _storcli(ctrl).controllers
    assert c.battery == f"{battery.model}, {state}" and c.battery_status == status
    assert c.status == "ok"  # the controller itself is fine; the collector reports the battery
    section = "Cachevault_Info" if kind == "CacheVault" else "BBU_Info"
    assert f'"{section}" : [' in lsi.render_show_all([ctrl])


def test_storcli_write_through_fallback_and_controller_states():
    ctrl = _storcli_ctrl(battery=lsi.Battery("BBU09", "Failed"))
    ctrl.vds[0].write_back = False  # the battery failed: the cache fell back to write-through
    (c,) = _storcli_each(ctrl)[2].controllers  # /call/vall: the VD's cache against its initial setting
    assert c.status == "warning" and c.cache == "VD 0 WriteThrough (configured WriteBack)"
    ctrl.vds[0].write_back = True
    (c,) = _storcli_each(ctrl)[2].controllers
    assert c.status == "unknown" and c.cache == "VD 0 WriteBack"  # /vall alone has no Controller Status
    for state, status in (("Optimal", "ok"), ("Needs Attention", "warning"), ("Failed", "failed")):
        (c,) = parse_hwraid(lsi.render_show_all([_storcli_ctrl(status=state)]), "show all").controllers
        assert (c.state, c.status) == (state, status)


def test_storcli_write_through_warning_survives_the_merge():
    ctrl = _storcli_ctrl(battery=lsi.Battery("BBU09", "Optimal"))
    ctrl.vds[0].write_back = False  # configured WriteBack, running WriteThrough
    (c,) = _storcli(ctrl).controllers
    assert c.status == "warning"


def test_storcli_failure_is_the_reports_error():
    report = parse_hwraid(lsi.render_failure("Controller 0 not found"), "storcli64 /call show all J")
    assert report.error == "Controller 0 not found" and report.logical_drives == ()


def test_storcli_json_is_storcli_shaped():
    text = lsi.render_drives([hostgen_hw.hw08_controller()])
    assert text.startswith('{\n"Controllers":[\n{\n\t"Command Status" : {\n') and text.endswith("}\n]\n}\n")
    assert '\t\t"Drive /c0/e252/s5 - Detailed Information" :   {\n' in text
    detail = json.loads(text)["Controllers"][0]["Response Data"]["Drive /c0/e252/s5 - Detailed Information"]
    identify = bytes.fromhex(detail["Inquiry Data"])
    swapped = bytes(b for i in range(0, len(identify), 2) for b in (identify[i + 1], identify[i]))
    assert (
        swapped[20:40].decode().strip() == "ZL2A9D6W"
        and swapped[54:94].decode().strip() == "ST16000NM001G-2KK103"
    )


def _hp_drive(bay: int, status: str = "OK", **kw) -> hp.PhysicalDrive:
    return hp.PhysicalDrive(
        "1I",
        1,
        bay,
        "EG0300FCSPH",
        f"KWH{bay:05d}",
        f"5000CCA07E{bay:06X}",
        "HPD4",
        300_000_000_000,
        status=status,
        **kw,
    )


def _hp_ctrl(
    ld_status: str = "OK", states: tuple[str, ...] = ("OK",) * 3, ft: str = "5", **kw
) -> hp.Controller:
    drives = [_hp_drive(i, s) for i, s in enumerate(states, 1)]
    spares = [_hp_drive(len(states) + 1, spare=True)] if kw.pop("spare", False) else []
    ld = hp.LogicalDrive(
        1, ft, drives, "600508B1001C0123456789ABCDEF0123", "LABEL1", status=ld_status, disk_name="/dev/sda"
    )
    unassigned = [_hp_drive(9)] if kw.pop("unassigned", False) else []
    return hp.Controller(
        "Smart Array P420i",
        "0",
        "PDKRH0ARH1234",
        "PBKUD0BRH5678",
        "CZ0000TEST",
        "8.32",
        "0000:02:00.0",
        embedded=True,
        arrays=[hp.Array("A", [ld], spares)],
        unassigned=unassigned,
        enclosures=[hp.Enclosure("Internal Drive Cage", "1I", 1, 8, status=kw.pop("cage", "OK"))],
        ports=[hp.Port("1I", "50014380AAAA0000")],
        **kw,
    )


def _ssacli(*ctrls: hp.Controller) -> HwRaidReport:
    report = parse_hwraid(hp.render_config_detail(list(ctrls)), "ssacli ctrl all show config detail")
    assert report.tool == "ssacli" and report.error is None and report.warnings == ()
    return report


def test_ssacli_render_of_hw07_reads_back_as_rendered():
    ctrls = hostgen_hw.hw07_controllers()
    report = _ssacli(*ctrls)
    got = {c.id: c for c in report.controllers}
    assert set(got) == {"slot 0", "slot 3"}
    for c in ctrls:
        r = got[f"slot {c.slot}"]
        assert (r.model, r.serial, r.firmware, r.state, r.status) == (
            c.model,
            c.serial,
            c.firmware,
            "OK",
            "ok",
        )
        assert (r.battery, r.cache) == (c.battery, "OK")
    assert {c.battery_status for c in got.values()} == {"ok"}
    lds = {(ld.controller, ld.id): ld for ld in report.logical_drives}
    assert {k: (v.level, v.state, v.status, v.os_device) for k, v in lds.items()} == {
        ("slot 0", "1"): ("raid1", "OK", "ok", "/dev/sda"),
        ("slot 0", "2"): ("raid10", "Interim Recovery Mode", "degraded", "/dev/sdb"),
        ("slot 3", "1"): ("raid5", "OK", "ok", "/dev/sdc"),
    }
    assert lds[("slot 0", "2")].members == ("1I:1:1", "1I:1:2", "1I:1:3", "1I:1:4")
    pds = {(pd.controller, pd.id): pd for pd in report.physical_drives}
    assert len(pds) == 18  # no stand-in "array B" drive: the failed drive is named
    for c in ctrls:
        for d in c.drives:
            pd = pds[(f"slot {c.slot}", d.id)]
            assert (pd.serial, pd.wwn, pd.model) == (
                d.serial,
                d.wwid,
                d.model if d.vendor == "ATA" else f"HP {d.model}",
            )
            assert pd.temperature_celsius == (None if d.temperature is None else float(d.temperature))
            assert pd.state == d.status
    assert pds[("slot 0", "1I:1:3")].status == "failed"
    assert {pds[("slot 3", f"2E:1:{b}")].status for b in range(7, 13)} == {"unconfigured"}


@pytest.mark.parametrize(
    ("state", "status", "progress"),
    [
        ("OK", "ok", None),
        ("Interim Recovery Mode", "degraded", None),
        ("Ready for Rebuild", "degraded", None),
        ("Wrong Drive Replaced", "degraded", None),
        ("Recovering, 45% complete", "rebuilding", 0.45),
        ("Expanding, 12% complete", "initializing", 0.12),
        ("Failed", "failed", None),
        ("Disabled", "offline", None),
    ],
)
def test_ssacli_every_ld_state_reads_back(state, status, progress):
    (ld,) = _ssacli(_hp_ctrl(state)).logical_drives
    assert (ld.state, ld.status, ld.progress) == (state, status, progress)
    assert (ld.level, ld.members, ld.os_device) == ("raid5", ("1I:1:1", "1I:1:2", "1I:1:3"), "/dev/sda")


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("OK", "ok"),
        ("Failed", "failed"),
        ("Rebuilding", "rebuilding"),
        ("Predictive Failure", "predictive-failure"),
    ],
)
def test_ssacli_every_drive_state_reads_back(state, status):
    report = _ssacli(_hp_ctrl("OK", ("OK", state, "OK"), spare=True, unassigned=True))
    pds = {pd.id: pd for pd in report.physical_drives}
    assert (pds["1I:1:2"].state, pds["1I:1:2"].status) == (state, status)
    assert (pds["1I:1:4"].status, pds["1I:1:9"].status) == ("spare", "unconfigured")
    assert pds["1I:1:2"].serial == "KWH00002" and pds["1I:1:2"].logical_drive == "1"


def test_ssacli_rebuilding_and_failed_lds_through_the_collector_model():
    # RAID 1+0: the replaced drive rebuilds; the array says OK (no failed drive), the LD "Recovering"
    report = _ssacli(_hp_ctrl("Recovering, 40% complete", ("OK", "OK", "Rebuilding", "OK"), "1+0"))
    (a,), _ = arrays_from(report, {"sda"})
    assert a.name == "sda" and a.level == "raid10" and a.degraded and a.sync.progress == 0.4
    assert [m.device for m in a.members if m.rebuilding] == ["sda:1I:1:3"]
    # RAID 5 with a failed drive: Interim Recovery Mode, the array "Failed Physical Drive"
    text = hp.render_config_detail([_hp_ctrl("Interim Recovery Mode", ("OK", "Failed", "OK"))])
    assert "      Status: Failed Physical Drive\n" in text
    (a,), _ = arrays_from(parse_hwraid(text, "ssacli"), {"sda"})
    assert a.degraded and (a.raid_disks, a.in_sync_disks) == (3, 2)
    assert [m.device for m in a.failed_members] == ["sda:1I:1:2"]


@pytest.mark.parametrize(
    ("kw", "ctrl_status", "battery_status"),
    [
        ({"battery": "OK"}, "ok", "ok"),
        ({"battery": "Recharging"}, "ok", "warning"),
        ({"battery": "Failed (Replace Batteries)"}, "ok", "failed"),
        ({"battery": None}, "ok", None),
        ({"cache_status": "Temporarily Disabled"}, "warning", None),
        ({"cache_status": "Permanently Disabled"}, "warning", None),
        ({"cage": "Failed"}, "warning", None),
        ({"status": "Failed"}, "failed", None),
    ],
)
def test_ssacli_controller_cache_battery_and_cage_states_read_back(kw, ctrl_status, battery_status):
    c = _hp_ctrl(**kw)
    report = parse_hwraid(hp.render_config_detail([c]), "ssacli ctrl all show config detail")
    (r,) = report.controllers
    assert (r.state, r.status, r.cache) == (c.status, ctrl_status, c.cache_status)
    assert (r.battery, r.battery_status) == (c.battery, battery_status)
    cage = "controller slot 0: Internal Drive Cage at Port 1I, Box 1: Failed"
    assert report.warnings == ((cage,) if "cage" in kw else ())
