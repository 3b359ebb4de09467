"""Adaptec arcconf, HP hpacucli/ssacli and cciss_vol_status parsers: fixtures, check_raid's cases, fuzzing."""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS, corpus_files, corpus_path, expected_for, needs_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from raidwatch.errors import ParseError
from raidwatch.parsers.hwraid import arcconf, cciss, parse_hwraid, ssacli
from raidwatch.parsers.hwraid.model import LD_STATUS, PD_STATUS, HwRaidReport

# The real outputs are read in place from the corpus (../shared/corpus, see its SOURCES.md), by their
# path there: glensc = glensc/nagios-plugin-check_raid `t/data/`, netdata = netdata's collector testdata.
GLENSC = "hwraid/glensc-check-raid"
NETDATA = "hwraid/netdata"
GLENSC_DIR = CORPUS / GLENSC
MINE = (arcconf, ssacli, cciss)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def read_corpus(*rels: str) -> str:
    """Corpus files' text, one after the other (as a probe joins a tool's outputs); skips without them."""
    return "\n".join(read(corpus_path(rel)) for rel in rels)


def ld(report: HwRaidReport, ld_id: str, ctrl: str | None = None):
    found = [d for d in report.logical_drives if d.id == ld_id and (ctrl is None or d.controller == ctrl)]
    assert len(found) == 1, (ld_id, report.logical_drives)
    return found[0]


def pd(report: HwRaidReport, pd_id: str, ctrl: str | None = None):
    found = [d for d in report.physical_drives if d.id == pd_id and (ctrl is None or d.controller == ctrl)]
    assert len(found) == 1, (pd_id, report.physical_drives)
    return found[0]


def well_formed(report: HwRaidReport) -> None:
    assert all(d.status in LD_STATUS for d in report.logical_drives)
    assert all(d.status in PD_STATUS for d in report.physical_drives)
    for d in report.logical_drives:
        assert d.progress is None or 0.0 <= d.progress <= 1.0


# --- arcconf ------------------------------------------------------------------------------------


def test_arcconf_degraded_raid10_with_rebuild_task():
    r = arcconf.parse(
        read_corpus(f"{GLENSC}/arcconf/issue47/getconfig2", f"{GLENSC}/arcconf/issue47/getstatus2"), "issue47"
    )
    c = r.controllers[0]
    assert (c.id, c.model, c.state, c.status) == ("1", "Adaptec 6405", "Optimal", "ok")
    assert (c.battery, c.battery_status) == ("ZMM not installed", None)
    v = ld(r, "0")
    assert (v.name, v.level, v.state, v.status) == ("data", "raid10", "Degraded", "degraded")
    assert v.progress == pytest.approx(0.01)
    assert v.members == ("0,0", "0,1", "0,2", "0,3")
    assert pd(r, "0,3").state == "Rebuilding" and pd(r, "0,3").status == "rebuilding"
    assert [d.status for d in r.physical_drives].count("ok") == 3
    assert r.worst == "critical"


def test_arcconf_old_scsi_card_failed_drive_and_missing_segment():
    r = arcconf.parse(read_corpus(f"{GLENSC}/arcconf/86/arcconf-getconfig.out"), "86")
    v = ld(r, "0")
    assert (v.name, v.state, v.status, v.members) == ("raid1", "Degraded", "degraded", ("0,0",))
    assert (pd(r, "0,1").state, pd(r, "0,1").status) == ("Failed", "failed")
    assert pd(r, "0,0").serial == "3KT2ZPHH000076165TAD" and pd(r, "0,0").logical_drive == "0"
    assert len(r.physical_drives) == 2  # the SAF-TE enclosure is not a drive
    assert r.worst == "critical"


def test_arcconf_offline_volume_defunct_drive():
    r = arcconf.parse(read_corpus(f"{GLENSC}/arcconf/issue90/c"), "issue90")
    assert r.controllers[0].state == "Okay" and r.controllers[0].status == "ok"
    v = ld(r, "0")
    assert (v.name, v.level, v.state, v.status) == ("ARRAY01", "spanned", "Offline", "offline")
    assert (pd(r, "0,5").state, pd(r, "0,5").status) == ("Defunct", "failed")
    assert r.worst == "critical"


def test_arcconf_usage_text_is_refused():
    with pytest.raises(ParseError, match="usage text"):
        arcconf.parse(read_corpus(f"{GLENSC}/arcconf/issue90/a"), "issue90/a")


def test_arcconf_failed_battery_is_critical():
    r = arcconf.parse(read_corpus(f"{GLENSC}/arcconf/issue105/getconfig"), "issue105")
    assert (r.controllers[0].battery, r.controllers[0].battery_status) == ("Failed", "failed")
    assert ld(r, "0").status == "ok"
    assert r.worst == "critical"


def test_arcconf_impacted_volume_is_initializing_with_progress():
    r = arcconf.parse(
        read_corpus(f"{GLENSC}/arcconf/issue190/getconfig", f"{GLENSC}/arcconf/issue190/getstatus"),
        "issue190",
    )
    v = ld(r, "0")
    assert v.state == "Impacted ( Build/Verify with fix : 90 % )" and v.status == "initializing"
    assert v.progress == pytest.approx(0.9)
    assert ld(r, "1").status == "ok" and len(ld(r, "1").members) == 9
    assert (r.controllers[0].battery, r.controllers[0].battery_status) == ("Ready", "ok")
    assert r.worst == "warning"


def test_arcconf_old_logical_drive_layout():
    r = arcconf.parse(read_corpus(f"{GLENSC}/arcconf/4/arcconf_getconfig_1_al.out"), "4")
    v = ld(r, "1")
    assert (v.name, v.level, v.state, v.status, v.members) == (
        "MailMerak",
        "raid1",
        "Okay",
        "ok",
        ("0,0", "0,1"),
    )
    assert {d.serial for d in r.physical_drives} == {"9QJ2C6NX", "GTA060PBGHX61F"}
    assert r.worst == "ok"


def test_arcconf_3x_layout_disk_names_and_backup_power():
    r = arcconf.parse(read_corpus(f"{GLENSC}/arcconf/arcconf31000/getconfig"), "arcconf31000")
    c = r.controllers[0]
    assert (c.model, c.firmware, c.battery, c.battery_status, c.cache) == (
        "Adaptec SmartRAID 3154-16i",
        "4.11",
        "Ok",
        "ok",
        "Ok",
    )
    assert [(d.id, d.name, d.level, d.os_device) for d in r.logical_drives] == [
        ("0", "RAID1-240GB  OS", "raid1", "/dev/sda"),
        ("1", "RAID6-160T DATA", "raid6", "/dev/sdb"),
    ]
    assert len(ld(r, "1").members) == 12
    assert pd(r, "0,0").serial == "BTYF127108H9240AGN" and pd(r, "0,0").logical_drive == "0"


def test_arcconf_spares_and_ready_drives():
    r = arcconf.parse(read_corpus(f"{GLENSC}/arcconf/issue87/getconfig"), "issue87")
    states = [(d.state, d.status) for d in r.physical_drives]
    assert states.count(("Global Hot-Spare", "spare")) == 4
    assert states.count(("Ready", "unconfigured")) == 7
    assert states.count(("Online", "ok")) == 20
    assert r.worst == "ok"


def test_arcconf_ld_section_alone():
    r = arcconf.parse(read_corpus(f"{NETDATA}/adaptecraid/getconfig-ld-current.txt"), "ld")
    assert [(d.id, d.name, d.level, d.status) for d in r.logical_drives] == [
        ("0", "LogicalDrv 0", "raid10", "ok")
    ]
    assert r.controllers == ()


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Optimal", "ok"),
        ("Okay", "ok"),
        ("Degraded", "degraded"),
        ("Suboptimal, Fault Tolerant", "degraded"),
        ("Rebuilding", "rebuilding"),
        ("Impacted", "initializing"),
        ("Failed", "failed"),
        ("Offline", "offline"),
        ("Strange", "unknown"),
    ],
)
def test_arcconf_ld_words(word, status):
    assert arcconf.ld_status(word) == status


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Online", "ok"),
        ("Online (JBOD)", "ok"),
        ("Global Hot-Spare", "spare"),
        ("Dedicated Hot-Spare for logical device 1", "spare"),
        ("Ready", "unconfigured"),
        ("Raw (Pass Through)", "unconfigured"),
        ("Rebuilding", "rebuilding"),
        ("Failed", "failed"),
        ("Defunct", "failed"),
        ("Missing", "missing"),
    ],
)
def test_arcconf_pd_words(word, status):
    assert arcconf.pd_status(word) == status


# --- hpacucli / hpssacli / ssacli ---------------------------------------------------------------


def test_ssacli_interim_recovery_mode_is_degraded():
    r = ssacli.parse(read_corpus(f"{GLENSC}/hpacucli/hpacucli.interim_recovery_mode.show"), "irm")
    v = ld(r, "1")
    assert (v.controller, v.level, v.state, v.status, v.size_bytes) == (
        "slot 0",
        "raid5",
        "Interim Recovery Mode",
        "degraded",
        round(136.7 * 1024**3),  # "136.7 GB": ssacli prints logical drive sizes in binary units
    )
    assert r.controllers[0].model == "Smart Array E200i"
    assert any("FIRMWARE UPGRADE REQUIRED" in w for w in r.warnings)
    assert r.worst == "critical"


def test_ssacli_failed_array_with_ok_logical_drive():
    r = ssacli.parse(
        read_corpus(
            f"{GLENSC}/hpacucli/issue98/controller.status", f"{GLENSC}/hpacucli/issue98/logical.status"
        ),
        "issue98",
    )
    assert len(r.controllers) == 1  # the status and the ld listing name the same controller
    c = r.controllers[0]
    assert (c.id, c.model, c.status, c.battery_status, c.cache) == (
        "slot 1",
        "Smart Array P410",
        "ok",
        "ok",
        "OK",
    )
    assert [(d.id, d.state, d.status) for d in r.logical_drives] == [
        ("1", "OK", "ok"),
        ("2", "OK", "ok"),
        ("3", "OK", "ok"),
    ]
    stand_in = pd(r, "array B")
    assert (stand_in.state, stand_in.status, stand_in.logical_drive) == ("array B: Failed", "failed", "2")
    assert r.worst == "critical"


def test_ssacli_recharging_battery_is_a_warning():
    r = ssacli.parse(read_corpus(f"{GLENSC}/hpacucli/PR193/ctrl-status"), "pr193")
    c = r.controllers[0]
    assert (c.state, c.status, c.cache, c.battery, c.battery_status) == (
        "OK",
        "warning",
        "Temporarily Disabled",
        "Recharging",
        "warning",
    )
    assert r.worst == "warning"


def test_ssacli_no_controllers_is_an_error():
    r = ssacli.parse(read_corpus(f"{GLENSC}/hpacucli/pr207/controller"), "pr207")
    assert r.error == "No controllers detected." and r.controllers == ()


def test_ssacli_config_detail_failed_battery_and_unassigned_drives():
    r = ssacli.parse(read_corpus(f"{NETDATA}/hpssa/ssacli-P400i-unassigned.txt"), "p400i")
    c = r.controllers[0]
    assert (c.id, c.model, c.firmware, c.battery, c.battery_status) == (
        "slot 0",
        "Smart Array P400i",
        "7.24-0",
        "Failed (Replace Batteries)",
        "failed",
    )
    assert c.cache == "Temporarily Disabled" and c.status == "warning"
    v = ld(r, "1")
    assert (v.level, v.status, v.os_device, v.members) == (
        "raid1",
        "ok",
        "/dev/cciss/c0d0",
        ("1I:1:3", "1I:1:4"),
    )
    assert (pd(r, "1I:1:1").status, pd(r, "1I:1:1").model) == ("unconfigured", "ST250LT021-1AF14")
    d = pd(r, "1I:1:3")
    assert (d.status, d.logical_drive, d.size_bytes, d.temperature_celsius) == ("ok", "1", 100 * 10**9, 23.0)
    assert r.worst == "critical"


def test_ssacli_config_detail_two_controllers():
    r = ssacli.parse(read_corpus(f"{NETDATA}/hpssa/ssacli-P212_P410i.txt"), "p212")
    assert [(c.id, c.model, c.status) for c in r.controllers] == [
        ("slot 5", "Smart Array P212", "ok"),
        ("slot 0", "Smart Array P410i", "ok"),
    ]
    assert [(d.controller, d.id, d.level, d.os_device, len(d.members)) for d in r.logical_drives] == [
        ("slot 5", "1", "raid5", "/dev/sdc", 6),
        ("slot 0", "1", "raid1", "/dev/sda", 2),
        ("slot 0", "2", "raid10", "/dev/sdb", 4),
    ]
    assert sum(d.status == "unconfigured" for d in r.physical_drives) == 6
    assert r.worst == "ok"


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("OK", "ok"),
        ("Interim Recovery Mode", "degraded"),
        ("Ready for Rebuild", "degraded"),
        ("Recovering, 45% complete", "rebuilding"),
        ("Expanding, 10% complete", "initializing"),
        ("Failed", "failed"),
        ("Disabled", "offline"),
    ],
)
def test_ssacli_ld_words(word, status):
    assert ssacli.ld_status(word) == status


def test_ssacli_short_lines_spare_rebuild_progress():
    text = (
        "Smart Array P420i in Slot 0 (Embedded)    (sn: 0014380123)\n\n"
        "   array A (SAS, Unused Space: 0  MB)\n\n"
        "      logicaldrive 1 (279.4 GB, RAID 1, Recovering, 45% complete)\n\n"
        "      physicaldrive 1I:2:1 (port 1I:box 2:bay 1, SAS HDD, 300 GB, OK)\n"
        "      physicaldrive 1I:2:2 (port 1I:box 2:bay 2, SAS HDD, 300 GB, Rebuilding)\n"
        "      physicaldrive 1I:2:3 (port 1I:box 2:bay 3, SAS HDD, 300 GB, OK, spare)\n"
        "      physicaldrive 1I:2:4 (port 1I:box 2:bay 4, SAS HDD, 300 GB, Predictive Failure, spare)\n"
    )
    r = ssacli.parse(text, "handmade")
    v = ld(r, "1")
    assert (v.status, v.progress, v.members) == ("rebuilding", pytest.approx(0.45), ("1I:2:1", "1I:2:2"))
    assert r.controllers[0].serial == "0014380123"
    assert [d.status for d in r.physical_drives] == ["ok", "rebuilding", "spare", "predictive-failure"]
    assert r.worst == "warning"


# --- cciss_vol_status -----------------------------------------------------------------------------


def test_cciss_write_cache_disabled_by_low_batteries():
    r = cciss.parse(read_corpus(f"{GLENSC}/cciss/cciss_vol_status.argos2"), "argos2")
    c = r.controllers[0]
    assert (c.id, c.model, c.firmware, c.status, c.battery_status) == (
        "c0",
        "Smart Array P400i",
        "5.20",
        "warning",
        "warning",
    )
    assert "75% of the battery packs" in c.battery
    assert "write cache enabled: No" in c.cache
    assert [(d.id, d.level, d.state, d.os_device) for d in r.logical_drives] == [
        ("0", "raid6", "OK", "/dev/cciss/c0d0")
    ]
    assert [d.id for d in r.physical_drives] == ["1I:1:1", "1I:1:2", "1I:1:3", "1I:1:4"]
    assert pd(r, "1I:1:1").serial == "3NP3BQ2700009910VW93"
    assert r.worst == "warning"


def test_cciss_enclosure_temperature_problem():
    r = cciss.parse(read_corpus(f"{GLENSC}/cciss/cciss_vol_status.c1"), "c1")
    assert [(c.id, c.model, c.status) for c in r.controllers] == [
        ("c0", "Smart Array P400", "ok"),
        ("c1", "Smart Array P800", "warning"),
    ]
    assert "MSA70 SGA6510007: Temperature problem" in r.controllers[1].state
    assert [(d.controller, d.id, d.status) for d in r.logical_drives] == [
        ("c0", "0", "ok"),
        ("c1", "0", "ok"),
    ]
    # check_raid says CRITICAL; the volumes are intact and nothing has failed yet: a warning
    assert r.worst == "warning"


def test_cciss_ready_for_recovery_with_replacement_drive():
    r = cciss.parse(read_corpus(f"{GLENSC}/cciss/cciss_vol_status.replacement.drives"), "replacement")
    assert [(d.id, d.level, d.state, d.status) for d in r.logical_drives] == [
        ("0", "raid5", "Ready for recovery operation", "degraded"),
        ("1", "raid5", "OK", "ok"),
    ]
    d = pd(r, "2I:1:1")
    assert (d.status, d.logical_drive, d.model, d.serial) == ("rebuilding", "0", "GB0750EAFJK", "9QK24NBZ")
    assert r.worst == "critical"


def test_cciss_failed_spare_is_a_failed_drive():
    r = cciss.parse(read_corpus(f"{GLENSC}/cciss/issue100/vol_status_1.10"), "issue100")
    assert [(d.id, d.state, d.os_device) for d in r.logical_drives] == [("0", "OK", "/dev/sda")]
    assert (pd(r, "1I:1:4").status, pd(r, "1I:1:4").logical_drive) == ("failed", "0")
    assert sum(d.status == "ok" for d in r.physical_drives) == 3
    # check_raid says OK (it does not read the "Failed drives" list); a failed drive must be replaced
    assert r.worst == "critical"


def test_cciss_hpsa_flash_backed_cache_raid10():
    r = cciss.parse(read_corpus(f"{GLENSC}/cciss/issue205/cciss_vol_status-V_dev_sg0"), "issue205")
    c = r.controllers[0]
    assert (c.model, c.firmware, c.battery, c.battery_status, c.status) == (
        "Smart Array P420i",
        "8.32",
        "Flash backed cache present",
        "ok",
        "ok",
    )
    assert [(d.id, d.level, d.os_device) for d in r.logical_drives] == [("0", "raid10", "/dev/sda")]
    assert len(r.physical_drives) == 8
    assert r.worst == "ok"


def test_cciss_controller_printed_twice_is_kept_once():
    r = cciss.parse(read_corpus(f"{GLENSC}/cciss/issue149/cciss_vol_status-V"), "issue149")
    assert len(r.controllers) == 1 and len(r.logical_drives) == 1 and len(r.physical_drives) == 4


@pytest.mark.parametrize(
    ("rel", "why"),
    [
        (f"{GLENSC}/hpsa.refcnt", "hpsa driver's use count"),
        (f"{GLENSC}/cciss/cciss-1.09", "--version output"),
        (f"{GLENSC}/cciss/cciss/cciss0", "/proc/driver/cciss"),
        (f"{GLENSC}/cciss/issue100/lsscsi", "lsscsi output"),
    ],
)
def test_cciss_refuses_the_files_beside_its_output(rel, why):
    with pytest.raises(ParseError, match=re.escape(why)):
        cciss.parse(read_corpus(rel), rel)


def test_hpsa_refcnt_is_no_raid_tool_output():
    with pytest.raises(ParseError, match="not the output of a known RAID tool"):
        parse_hwraid(read_corpus(f"{GLENSC}/hpsa.refcnt"), "hpsa.refcnt")


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("OK", "ok"),
        ("Using interim recovery mode", "degraded"),
        ("Ready for recovery operation", "degraded"),
        ("Currently recovering", "rebuilding"),
        ("Failed", "failed"),
        ("Currently expanding", "initializing"),
        ("Ejected", "offline"),
    ],
)
def test_cciss_volume_words(word, status):
    assert cciss.ld_status(word) == status


# --- the corpus: every file parses or is refused for a stated reason -----------------------------

# files that are not a status report of the tool, and the words their refusal must carry
REFUSED = {
    "arcconf/issue90/a": "usage text",
    "arcconf/issue90/d": "GETLOGS",
    "cciss/cciss-1.09": "--version",
    "cciss/cciss-1.11": "--version",
    "cciss/cciss-1.12a": "--version",
    "cciss/issue100/vol_status_ver_1.09": "--version",
    "cciss/issue100/vol_status_ver_1.10": "--version",
    "cciss/issue83/cciss_vol_status.version": "--version",
    "cciss/issue84/version": "--version",
    "cciss/cciss/cciss0": "/proc/driver/cciss",
    "cciss/issue83/cciss0.out": "/proc/driver/cciss",
    "cciss/issue84/cciss0": "/proc/driver/cciss",
    "cciss/issue100/lsscsi": "lsscsi",
    "cciss/issue149/lsscsi-g": "lsscsi",
    "cciss/issue205/lsscsi-g": "lsscsi",
    "hpsa.refcnt": "hpsa driver's use count",
}


def _corpus() -> list[tuple[object, Path]]:
    out: list[tuple[object, Path]] = []
    for mod, kinds in (
        (arcconf, ["hwraid/glensc-check-raid/arcconf", "hwraid/netdata/adaptecraid"]),
        (ssacli, ["hwraid/glensc-check-raid/hpacucli", "hwraid/netdata/hpssa"]),
        (cciss, ["hwraid/glensc-check-raid/cciss"]),
    ):
        for kind in kinds:
            out.extend((mod, p) for p in corpus_files(kind) if not p.name.startswith("CASES-"))
    if (GLENSC_DIR / "hpsa.refcnt").is_file():
        out.append((cciss, GLENSC_DIR / "hpsa.refcnt"))
    return out


def _rel(path: Path) -> str:
    return path.relative_to(GLENSC_DIR).as_posix() if path.is_relative_to(GLENSC_DIR) else path.name


@needs_corpus
@pytest.mark.parametrize(("mod", "path"), _corpus(), ids=lambda v: getattr(v, "TOOL", None) or _rel(v))
def test_every_corpus_file_parses_or_is_refused_with_a_reason(mod, path):
    text = read(path)
    rel = _rel(path)
    if rel in REFUSED:
        with pytest.raises(ParseError, match=re.escape(REFUSED[rel])):
            mod.parse(text, rel)
        return
    assert mod.detect(text), rel
    report = mod.parse(text, rel)
    well_formed(report)
    assert report.tool == mod.TOOL
    # the other modules of this family do not claim it (detection is specific)
    assert [m.TOOL for m in MINE if m.detect(text)] == [mod.TOOL]
    assert parse_hwraid(text, rel).tool == mod.TOOL


@needs_corpus
def test_no_other_tools_output_is_claimed():
    hw = CORPUS / "hwraid"
    mine = {"arcconf", "adaptecraid", "hpacucli", "hpssa", "cciss"}
    others = [
        p
        for p in corpus_files("hwraid")
        if not (set(p.relative_to(hw).parts) & mine)
        and p.name != "hpsa.refcnt"
        and not p.name.startswith("CASES-")
    ]
    assert others
    claimed = [(m.TOOL, str(p.relative_to(hw))) for p in others for m in MINE if m.detect(read(p))]
    assert claimed == []


# --- check_raid's own test cases -----------------------------------------------------------------


def cases(path: Path) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    cur: dict[str, str] | None = None
    for line in read(path).splitlines():
        m = re.match(r"^case (\d+):", line)
        if m:
            cur = out.setdefault(int(m.group(1)), {})
            continue
        m = re.match(r"^  (\w+): ?(.*)$", line)
        if m and cur is not None:
            cur[m.group(1)] = m.group(2)
    return out


NAGIOS = {"OK": "ok", "WARNING": "warning", "CRITICAL": "critical"}


def _check_worst(case: dict[str, str], report: HwRaidReport, override: str | None) -> None:
    expected = override or NAGIOS[case["status"]]
    assert report.worst == expected, (case["message"], report)


# Where the parsers' verdict differs from check_raid's, and why.
ARCCONF_OVERRIDES = {
    # issue75's config paired with issue67's GETSTATUS; the plugin said UNKNOWN about that mix-up.
    # All volumes Optimal, two Global Hot-Spares, ZMM Optimal: nothing is wrong with the array.
    11: "ok",
}


def _serial_groups(message: str) -> list[tuple[list[str], str]]:
    drives = message.split("Drives: ", 1)[1] if "Drives: " in message else ""
    return [(ids.split(","), state) for ids, state in re.findall(r"(\S+?)=(.*?)(?=\s\S+=|$)", drives)]


@needs_corpus
@pytest.mark.parametrize(
    "n", sorted(cases(GLENSC_DIR / "arcconf" / "CASES-arcconf.expected.txt")) if CORPUS.is_dir() else []
)
def test_check_raid_arcconf_cases(n):
    case = cases(GLENSC_DIR / "arcconf" / "CASES-arcconf.expected.txt")[n]
    text = (
        read(GLENSC_DIR / "arcconf" / case["getconfig"])
        + "\n"
        + read(GLENSC_DIR / "arcconf" / case["getstatus"])
    )
    r = arcconf.parse(text, f"case {n}")
    _check_worst(case, r, ARCCONF_OVERRIDES.get(n))
    msg = case["message"]
    # "Logical Device 0(data):Degraded"
    for lid, name, state in re.findall(r"Logical Device (\d+)(?:\(([^)]*)\))?:([A-Za-z]+)", msg):
        v = ld(r, lid)
        assert v.state == state and (v.name or "") == name
    # "Controller:Optimal", "Battery Status: Failed", "ZMM Status: ZMM Optimal"
    assert r.controllers[0].state == re.search(r"Controller:(\w+)", msg).group(1)
    m = re.search(r"(?:Battery|ZMM) Status: ([^,]+)", msg)
    if m:
        assert r.controllers[0].battery == m.group(1)
    # "Logical device #0: Rebuild: In Progress 1%"
    m = re.search(r"Logical device #(\d+): [^:]+: In Progress (\d+)%", msg)
    if m:
        assert ld(r, m.group(1)).progress == pytest.approx(int(m.group(2)) / 100)
    # "Drives: a,b=Online c=Rebuilding": every drive named, with its state
    groups = _serial_groups(msg)
    pd_states = Counter(d.state for d in r.physical_drives)
    named: Counter[str] = Counter()
    for ids, state in groups:
        # "Dedicated Hot-Spare for logical device 1" is check_raid's wording of "Dedicated Hot-Spare"
        match = max((s for s in pd_states if s and state.startswith(s)), key=len)
        named[match] += len(ids)
        for ident in ids:
            if ":" in ident:  # no serial: check_raid names it channel:device
                assert pd(r, ident.replace(":", ",")).state == match
            found = [d for d in r.physical_drives if d.serial == ident]
            if len(found) == 1:  # masked serials (****, xxxx) are not unique
                assert found[0].state == match, (ident, state)
    assert named == pd_states


HPACUCLI_OVERRIDES = {
    # cache Temporarily Disabled and battery Recharging: the plugin was told (cache_fail_status,
    # bbulearn_status) to call that OK; without those options, and by what it means (write cache off
    # until the battery charges), it is a warning.
    5: "warning",
    # "Controller slot=30 not found": the plugin was asked for a slot that the files do not have; the
    # files themselves show healthy controllers and volumes.
    9: "ok",
    # UNKNOWN "Not configured": a controller with no logical drives is no RAID failure (no volumes,
    # a note in the warnings).
    10: "ok",
    13: "ok",
    15: "ok",
    # UNKNOWN / WARNING where the tool printed an error: the report carries it in `error` (asserted
    # below); a report has no drive to judge.
    3: "ok",
    17: "ok",
}


@needs_corpus
@pytest.mark.parametrize(
    "n", sorted(cases(GLENSC_DIR / "hpacucli" / "CASES-hpacucli.expected.txt")) if CORPUS.is_dir() else []
)
def test_check_raid_hpacucli_cases(n):
    case = cases(GLENSC_DIR / "hpacucli" / "CASES-hpacucli.expected.txt")[n]
    text = (
        read(GLENSC_DIR / "hpacucli" / case["controller"])
        + "\n"
        + read(GLENSC_DIR / "hpacucli" / case["logical"])
    )
    r = ssacli.parse(text, f"case {n}")
    _check_worst(case, r, HPACUCLI_OVERRIDES.get(n))
    msg = case["message"]
    if n in (3, 17):
        assert r.error and r.logical_drives == ()
        assert ("Invalid target syntax" if n == 3 else "No controllers detected") in r.error
        return
    if "Not configured" in msg:
        assert r.logical_drives == () and any("does not have any logical drives" in w for w in r.warnings)
        return
    if "not found" in msg:
        assert r.error is None and r.worst == "ok"
        return
    # "Smart Array P410[OK]: Array A(OK)[LUN1:OK], Array B(Failed)[LUN2:OK]"
    for model, state in re.findall(r"([A-Z][\w ]+?)\[(OK|FAILED|[A-Za-z ]+?)[,\]]", msg):
        if model.startswith("Array") or model == "MY STORAGE":
            continue
        found = [c for c in r.controllers if c.model == model.strip()]
        assert found and found[0].state == state
    luns = re.findall(r"\[LUN(\d+):([^\]]+)\]", msg)
    assert luns
    for lun, state in luns:
        assert any(d.id == lun and d.state == state for d in r.logical_drives), (lun, state)
    for name, state in re.findall(r"Array (\w+)\((\w+)\)", msg):
        if state != "OK":
            assert pd(r, f"array {name}").status == "failed"
    m = re.search(r"Cache: ([^,\]]+), Battery: ([^,\]]+)", msg)
    if m:
        assert (r.controllers[0].cache, r.controllers[0].battery) == (m.group(1), m.group(2))


CCISS_OVERRIDES = {
    # An MSA70 enclosure reports "Temperature problem"; both volumes are OK and no drive failed.
    # check_raid says CRITICAL; it is a hardware warning until something fails.
    6: "warning",
    # "At least one spare drive has failed" and a "Failed drives" list: check_raid ignores both and
    # says OK. A failed drive needs replacing whatever role it had: critical.
    11: "critical",
    12: "critical",
}


@needs_corpus
@pytest.mark.parametrize(
    "n", sorted(cases(GLENSC_DIR / "cciss" / "CASES-cciss.expected.txt")) if CORPUS.is_dir() else []
)
def test_check_raid_cciss_cases(n):
    case = cases(GLENSC_DIR / "cciss" / "CASES-cciss.expected.txt")[n]
    r = cciss.parse(read(GLENSC_DIR / "cciss" / case["controller"]), f"case {n}")
    _check_worst(case, r, CCISS_OVERRIDES.get(n))
    msg = case["message"]
    # "/dev/sda(Smart Array P410i): Volume 0 (RAID 1): OK, Volume 1 (RAID 6): OK, Drives(2): 1I-1-1,1I-1-2=OK"
    for part in re.split(r"(?=/dev/)", msg):
        m = re.match(r"(/dev/\S+?)\(([^)]*)\): (.*)", part)
        if not m:
            continue
        dev, model, rest = m.groups()
        vols = [d for d in r.logical_drives if d.os_device == dev]
        assert vols
        ctrl = vols[0].controller
        assert next(c for c in r.controllers if c.id == ctrl).model == model
        for vol, _level, state in re.findall(r"Volume (\d+) \(RAID ([^)]*\)?)\): ([^,]+)", rest):
            v = ld(r, vol, ctrl)
            assert v.state == state and v.status == "ok"
        dm = re.search(r"Drives\((\d+)\): (\S+)=OK", rest)
        if dm:
            ids = [i.replace("-", ":") for i in dm.group(2).split(",")]
            assert len(ids) == int(dm.group(1))
            for i in ids:
                assert pd(r, i, ctrl).status == "ok"
        if "WriteCache:DISABLED" in rest:
            assert "write cache enabled: No" in next(c for c in r.controllers if c.id == ctrl).cache
        if "FlashCache" in rest:
            assert next(c for c in r.controllers if c.id == ctrl).battery_status == "ok"
    for name, state in re.findall(r"\(([A-Z0-9]+)\): ([A-Za-z ]+?)(?:,|$)", msg.split("Enclosures: ", 1)[-1]):
        if state != "OK":
            assert any(name in (c.state or "") and c.status == "warning" for c in r.controllers)


@needs_corpus
def test_check_raid_hp_msa_case_has_no_tool_output():
    # check_hp_msa talks to an MSA enclosure over a serial line; its one case fails to open the tty
    # and names no recorded output, so there is nothing for a parser to read here.
    for case in cases(GLENSC_DIR / "CASES-hp_msa.expected.txt").values():
        assert set(case) <= {"status", "tty_device", "message", "c"}


def test_expected_for_is_not_needed_here():
    # the hwraid corpus states its readings in CASES files, not NAME.expected.txt beside each file
    assert expected_for(corpus_path(f"{GLENSC}/cciss/cciss_vol_status.argos2")) is None


def corpus_paths_named_here() -> set[str]:
    """Every corpus path this module spells out as an f-string on GLENSC or NETDATA: the files it reads."""
    prefix = {"GLENSC": GLENSC, "NETDATA": NETDATA}
    found = re.findall(r'f"\{(GLENSC|NETDATA)\}/([^"{}]+)"', Path(__file__).read_text(encoding="utf-8"))
    return {f"{prefix[k]}/{rest}" for k, rest in found}


@needs_corpus
def test_every_corpus_path_named_here_exists():
    # a mistyped or moved path would only make its test skip; with the corpus present it must be there
    named = corpus_paths_named_here()
    assert set(FUZZ_SOURCES) <= named
    assert sorted(rel for rel in named if not (CORPUS / rel).is_file()) == []


# --- fuzzing: only ParseError escapes --------------------------------------------------------------

# the arcconf, hpacucli/ssacli and cciss_vol_status outputs the tests above read by name
FUZZ_SOURCES = (
    f"{GLENSC}/arcconf/4/arcconf_getconfig_1_al.out",
    f"{GLENSC}/arcconf/86/arcconf-getconfig.out",
    f"{GLENSC}/arcconf/arcconf31000/getconfig",
    f"{GLENSC}/arcconf/issue105/getconfig",
    f"{GLENSC}/arcconf/issue190/getconfig",
    f"{GLENSC}/arcconf/issue190/getstatus",
    f"{GLENSC}/arcconf/issue47/getconfig2",
    f"{GLENSC}/arcconf/issue47/getstatus2",
    f"{GLENSC}/arcconf/issue87/getconfig",
    f"{GLENSC}/arcconf/issue90/c",
    f"{GLENSC}/arcconf/issue90/a",
    f"{NETDATA}/adaptecraid/getconfig-ld-current.txt",
    f"{GLENSC}/hpacucli/hpacucli.interim_recovery_mode.show",
    f"{GLENSC}/hpacucli/issue98/controller.status",
    f"{GLENSC}/hpacucli/issue98/logical.status",
    f"{GLENSC}/hpacucli/PR193/ctrl-status",
    f"{GLENSC}/hpacucli/pr207/controller",
    f"{NETDATA}/hpssa/ssacli-P212_P410i.txt",
    f"{NETDATA}/hpssa/ssacli-P400i-unassigned.txt",
    f"{GLENSC}/cciss/cciss_vol_status.argos2",
    f"{GLENSC}/cciss/cciss_vol_status.c1",
    f"{GLENSC}/hpsa.refcnt",
    f"{GLENSC}/cciss/issue100/lsscsi",
    f"{GLENSC}/cciss/issue100/vol_status_1.10",
    f"{GLENSC}/cciss/issue149/cciss_vol_status-V",
    f"{GLENSC}/cciss/issue205/cciss_vol_status-V_dev_sg0",
    f"{GLENSC}/cciss/cciss/cciss0",
    f"{GLENSC}/cciss/cciss_vol_status.replacement.drives",
    f"{GLENSC}/cciss/cciss-1.09",
)
_LINES = [
    line
    for rel in FUZZ_SOURCES
    if (CORPUS / rel).is_file()  # read at collection: no skip here; the test below skips without the corpus
    for line in read(CORPUS / rel).splitlines()[:80]
]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_only_raises_parse_error(text):
    for parse in (parse_hwraid, arcconf.parse, ssacli.parse, cciss.parse):
        with contextlib.suppress(ParseError):
            parse(text, "fuzz")


@needs_corpus
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_LINES), max_size=60), st.randoms(use_true_random=False))
def test_shuffled_real_lines_only_raise_parse_error(lines, rnd):
    rnd.shuffle(lines)
    text = "\n".join(lines)
    for parse in (parse_hwraid, arcconf.parse, ssacli.parse, cciss.parse):
        try:
            report = parse(text, "fuzz")
        except ParseError:
            continue
        well_formed(report)
