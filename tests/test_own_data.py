"""The repository carries only data it made: no corpus copies, and our renderers print what the parsers read.

- No tracked file is a copy of a ../shared/corpus file, whole or edited, and none carries a corpus file's
  identity values (tests/corpus_guard.py); the guard itself is shown to catch each kind of copy.
- Our renderers (tests/toolgen) print each tool's format such that raidwatch's own parsers read back the
  values we chose, text and JSON alike; and the lines they print have the shape real tools print.
- The bundled Linux hosts are exactly what tests/hostgen.py writes.
- Every file left under tests/fixtures is listed in its folder's SOURCES.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import corpus_guard
import hostgen
import pytest
from conftest import CORPUS, FIXTURES, HOSTS, corpus_files, needs_corpus
from toolgen import smartctl as sc
from toolgen.diskutil import Member, RaidSet, render_list
from toolgen.zpool import Pool, Vdev, render_status

from raidwatch.parsers.diskutil import parse_appleraid_list
from raidwatch.parsers.smartctl import parse_smartctl
from raidwatch.parsers.zpool import parse_zpool_status


@pytest.fixture(scope="module")
def corpus() -> corpus_guard.Corpus:
    if not CORPUS.is_dir():
        pytest.skip(f"real-world corpus not found at {CORPUS}")
    return corpus_guard.load_corpus()


# ---------------------------------------------------------------------------------------- no copies


@needs_corpus
def test_no_tracked_file_is_a_corpus_copy_or_carries_corpus_identities(corpus) -> None:
    assert corpus_guard.find(corpus) == []


@needs_corpus
def test_the_guard_catches_whole_edited_and_identity_copies(corpus, tmp_path: Path) -> None:
    real = CORPUS / "smartctl-text/truenas-py-smart/sata_hdd_1_issue46/_-d_ata_--all__dev_sdau"
    text = real.read_text(errors="replace")
    serial = re.search(r"^Serial Number:\s*(\S+)", text, re.M).group(1)  # type: ignore[union-attr]
    (tmp_path / "whole").write_text("  " + text.replace("\n", "\n\n"))  # whitespace does not hide a copy
    (tmp_path / "edited").write_text(text.replace(serial, "MADEUP01").replace("PASSED", "FAILED!"))
    (tmp_path / "serial.md").write_text(f"a disk like {serial} in prose\n")
    (tmp_path / "ours").write_text(sc.render_text(hostgen_drive()))
    found = corpus_guard.find(corpus, tmp_path, ["whole", "edited", "serial.md", "ours"])
    assert any(f.startswith("copy: whole") for f in found)
    assert any(f.startswith("edited copy: edited") for f in found)
    assert any("serial.md" in f and serial in f for f in found)
    assert not [f for f in found if re.search(r"\bours\b", f)]  # our own rendering is none of these


def hostgen_drive() -> sc.AtaDrive:
    disk = hostgen.Disk("sda", 4000 * hostgen.GIB, "ST4000NM0035-1V4107", "ZC1GUARD", "naa.5000c500b1c20001")
    return hostgen.seagate_hdd(disk, 1000, 30)


# ------------------------------------------------------------------------ smartctl: text and JSON agree

_FIELDS = (
    "assessment",
    "device_type",
    "model",
    "serial",
    "firmware",
    "wwn",
    "capacity_bytes",
    "rotation_rpm",
    "is_ssd",
    "health_passed",
    "temperature_celsius",
    "power_on_hours",
    "reallocated_sectors",
    "pending_sectors",
    "offline_uncorrectable",
    "failing_now",
    "failed_in_past",
    "nvme_critical_warning",
    "nvme_media_errors",
    "nvme_percentage_used",
    "nvme_available_spare",
    "scsi_grown_defects",
    "scsi_uncorrected_errors",
    "last_self_test_result",
    "last_self_test_passed",
    "last_self_test_hours",
    "self_test_in_progress",
    "exit_status",
)


def _drives() -> dict[str, sc.Drive]:
    disk = hostgen.Disk(
        "sda",
        480 * hostgen.GIB,
        "Samsung SSD 860 PRO 512GB",
        "S3Z9NB0K700001A",
        "naa.5002538e40000001",
        False,
    )
    hdd = hostgen.Disk("sdb", 8000 * hostgen.GIB, "WDC WD80EFZX-68UW8N0", "VK0TEST1", "naa.5000cca26b000001")
    failing = hostgen.worn_out_samsung_ssd(disk, 9000, 35)
    pending = hostgen.seagate_hdd(hdd, 20000, 36)
    pending.attributes = sc.set_raw(pending.attributes, {197: 16, 198: 4})
    pending.self_tests.insert(0, sc.SelfTest(1, 7, 19990, 90, 4242))
    running = hostgen.wdc_hdd(hdd, 30000, 37, test_running_remaining=40)
    running.self_tests.insert(0, sc.SelfTest(2, 15, 30000, 40))
    past = hostgen.wdc_hdd(hdd, 31000, 38)
    past.attributes = sc.fail_attr(past.attributes, 3, 150, 9000, when="past")
    return {
        "ssd-healthy": hostgen.samsung_ssd(disk, 1200, 28),
        "ssd-failing": failing,
        "hdd-pending": pending,
        "hdd-test-running": running,
        "hdd-failed-in-past": past,
        "nvme-healthy": sc.NvmeDrive(
            "Samsung SSD 970 EVO Plus 500GB",
            "S4EWNX0R600999",
            "2B2QEXM7",
            500107862016,
            "0025385b01a0c999",
            percentage_used=7,
            power_on_hours=4000,
            self_tests=[sc.NvmeSelfTest(2, 0, 3990)],
        ),
        "nvme-critical": sc.NvmeDrive(
            "INTEL SSDPE2KX020T8",
            "PHLJ000000012P0BGN",
            "VDV10131",
            2000398934016,
            critical_warning=0x04,
            media_errors=12,
            available_spare=3,
            power_on_hours=41000,
        ),
        "sas-healthy": sc.ScsiDrive(
            "SEAGATE",
            "ST600MM0006",
            "B001",
            600127266816,
            "S0M0TEST0000",
            "0x5000c5000a0b0c0d",
            rpm=10000,
            temperature=31,
            trip=60,
            power_on_hours=22000,
            self_tests=[sc.SelfTest(1, 0, 21990)],
        ),
        "sas-defects": sc.ScsiDrive(
            "SEAGATE",
            "ST600MM0006",
            "B001",
            600127266816,
            "S0M0TEST0001",
            "0x5000c5000a0b0c0e",
            rpm=10000,
            temperature=33,
            trip=60,
            grown_defects=260,
            uncorrected=(3, 0, 1),
        ),
        "raid-volume": sc.ScsiDrive(
            "HP",
            "LOGICAL VOLUME",
            "6.60",
            299966445568,
            "5001438012345678",
            "0x600508b1001c0a0b0c0d0e0f10111213",
            smart=False,
            transport=None,
        ),
    }


@pytest.mark.parametrize("name", sorted(_drives()))
def test_text_and_json_renderings_parse_to_the_same_reading(name: str) -> None:
    drive = _drives()[name]
    rc = sc.exit_status(drive)
    text = parse_smartctl(sc.render_text(drive), f"{name}.txt", rc)
    doc = parse_smartctl(sc.render_json(drive, "/dev/sdx"), f"{name}.json")
    for f in _FIELDS:
        assert getattr(text, f) == getattr(doc, f), (name, f)


def test_renderings_carry_the_values_we_chose() -> None:
    d = _drives()
    failing = parse_smartctl(sc.render_text(d["ssd-failing"]), "f", sc.exit_status(d["ssd-failing"]))
    assert failing.assessment == "FAIL" and failing.exit_status == 24 and failing.reallocated_sectors == 1460
    assert failing.failing_now == ("179 Used_Rsvd_Blk_Cnt_Tot (prefail)",)
    pending = parse_smartctl(sc.render_text(d["hdd-pending"]), "p", sc.exit_status(d["hdd-pending"]))
    assert (pending.assessment, pending.pending_sectors, pending.offline_uncorrectable) == ("WARN", 16, 4)
    assert pending.exit_status == 128 and pending.last_self_test_hours == 19990
    running = parse_smartctl(sc.render_text(d["hdd-test-running"]), "r")
    assert running.self_test_in_progress and running.assessment == "PASS"
    past = parse_smartctl(
        sc.render_text(d["hdd-failed-in-past"]), "p", sc.exit_status(d["hdd-failed-in-past"])
    )
    assert past.assessment == "WARN" and past.failed_in_past == ("3 Spin_Up_Time",) and past.exit_status == 32
    nvme = parse_smartctl(sc.render_text(d["nvme-critical"]), "n", sc.exit_status(d["nvme-critical"]))
    assert nvme.assessment == "FAIL" and nvme.nvme_media_errors == 12 and nvme.nvme_available_spare == 3
    healthy = parse_smartctl(sc.render_text(d["nvme-healthy"]), "n")
    assert healthy.wwn == "eui.0025385b01a0c999" and healthy.nvme_percentage_used == 7
    sas = parse_smartctl(sc.render_text(d["sas-defects"]), "s", sc.exit_status(d["sas-defects"]))
    assert sas.assessment == "WARN" and sas.scsi_grown_defects == 260 and sas.scsi_uncorrected_errors == 4
    vol = parse_smartctl(sc.render_text(d["raid-volume"]), "v", sc.exit_status(d["raid-volume"]))
    assert vol.assessment == "UNKNOWN" and vol.smart_supported is False and vol.exit_status == 4
    standby = parse_smartctl(sc.standby_text(), "s")
    assert standby.standby and standby.exit_status == 2
    denied = parse_smartctl(sc.open_failed_text("/dev/sda"), "d", 2)
    assert denied.permission_denied and not denied.standby
    assert parse_smartctl(sc.standby_json("/dev/sda"), "s.json").standby
    assert parse_smartctl(sc.open_failed_json("/dev/sda"), "d.json").permission_denied


def test_format_capacity_is_smartctls() -> None:
    assert [
        sc.format_capacity(n) for n in (512110190592, 16000900661248, 4000787030016, 999, 15_066_443_264_000)
    ] == [
        "512 GB",
        "16.0 TB",
        "4.00 TB",
        "999 B",
        "15.0 TB",
    ]
    assert sc.asctime("2026-11-05T01:02:03+00:00") == "Thu Nov  5 01:02:03 2026 UTC"


def _shape(line: str) -> str:
    """A line's shape: digits, hex and values masked, runs of blanks kept as one."""
    key = line.split(":", 1)[0] if re.match(r"^[A-Z][\w ./()-]+:\s", line) else None
    if key is not None:
        return key.strip()
    return re.sub(r"\s+", " ", re.sub(r"0x[0-9a-f]+|\d+", "9", line)).strip()


@needs_corpus
@pytest.mark.parametrize("name", ["ssd-healthy", "hdd-pending", "nvme-healthy", "sas-healthy", "raid-volume"])
def test_every_information_key_we_print_is_one_smartctl_prints(name: str) -> None:
    """The `Key:` lines of our information sections exist in real smartctl reports of the corpus."""
    real = set()
    for p in corpus_files("smartctl-text"):
        for line in p.read_text(errors="replace").splitlines():
            if re.match(r"^[A-Z][\w ./()-]+:\s", line):
                real.add(_shape(line))
    text = sc.render_text(_drives()[name])
    info = text.split("=== START OF INFORMATION SECTION ===", 1)[1].split("===", 1)[0]
    ours = {_shape(line) for line in info.splitlines() if re.match(r"^[A-Z][\w ./()-]+:\s", line)}
    # keys smartmontools added after the corpus's reports were taken (7.3 prints them; see nvmeprint.cpp)
    newer = {"Total NVM Capacity", "Unallocated NVM Capacity", "Namespace 1 Utilization", "TRIM Command"}
    assert ours - real - newer == set()


# ------------------------------------------------------------------------------- zpool and diskutil


def test_zpool_rendering_reads_back() -> None:
    pool = Pool(
        "tank",
        "DEGRADED",
        [
            Vdev("mirror-0", children=[Vdev("/dev/sda1"), Vdev("/dev/sdb1")]),
            Vdev(
                "mirror-1",
                "DEGRADED",
                children=[Vdev("/dev/sdc1"), Vdev("/dev/sdd1", "UNAVAIL", note="corrupted data")],
            ),
        ],
        condition="label-missing",
        logs=[Vdev("/dev/nvme0n1p1")],
        spares=[Vdev("/dev/sde1", "AVAIL")],
    )
    (p,) = parse_zpool_status(render_status([pool])).pools
    assert (p.name, p.state, p.data_errors) == ("tank", "DEGRADED", 0)
    assert p.status is not None and p.status.startswith("One or more devices could not be used")
    assert p.scan is not None and p.scan.function == "scrub" and p.scan.state == "finished"
    assert p.root is not None and [v.name for v in p.root.children] == ["mirror-0", "mirror-1"]
    assert [(leaf.name, leaf.state, leaf.note) for leaf in p.root.children[1].leaves()] == [
        ("/dev/sdc1", "ONLINE", None),
        ("/dev/sdd1", "UNAVAIL", "corrupted data"),
    ]
    assert [v.name for v in p.logs] == ["/dev/nvme0n1p1"] and [v.name for v in p.spares] == ["/dev/sde1"]


@pytest.mark.parametrize("layout", ["10.5", "10.6", "10.8"])
def test_appleraid_listing_reads_back(layout: str) -> None:
    sets = [
        RaidSet(
            "Server HD",
            "1B6E2C40-8D1F-4A57-9E30-C2F47A5D8B19",
            "Online",
            999860903936,
            "disk5",
            [
                Member(0, "disk1s2", "7F1E0D2C-3B4A-4958-8766-5A4B3C2D1E0F", "Online", 999860912128),
                Member(1, "disk2s2", "0F1E2D3C-4B5A-4968-8776-5A4B3C2D1E0F", "Online", 999860912128),
            ],
        ),
        RaidSet(
            "Data",
            "2C7F3D51-9E20-4B68-AF41-D3058B6E9C2A",
            "Degraded",
            999860903936,
            "disk6",
            [
                Member(
                    0, "disk3s2", "6E5D4C3B-2A19-4807-9F6E-5D4C3B2A1908", "42% (Rebuilding)", 999860912128
                ),
                Member(1, "-none-", "5D4C3B2A-1908-47F6-8E5D-4C3B2A190807", "Missing/Damaged"),
            ],
        ),
    ]
    parsed = parse_appleraid_list(render_list(sets, layout))
    assert [s.device_node for s in parsed.sets] == ["disk5", "disk6"]
    assert [s.name for s in parsed.sets] == ["Server HD", "Data"]
    assert [s.status for s in parsed.sets] == ["Online", "Degraded"]
    data = parsed.sets[1]
    assert [m.kind for m in data.members] == ["rebuilding", "missing"]
    assert data.members[0].rebuild_progress == pytest.approx(0.42)
    assert parse_appleraid_list(render_list([])).sets == ()


# ------------------------------------------------------------------------------------- hosts, SOURCES


def test_bundled_linux_hosts_are_what_hostgen_writes(tmp_path: Path) -> None:
    for made in hostgen.bundled_hosts(tmp_path):
        bundled = HOSTS / made.name
        new = sorted(p.relative_to(made) for p in made.rglob("*") if p.is_file())
        old = sorted(p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file())
        assert new == old, made.name
        for rel in new:
            assert (made / rel).read_bytes() == (bundled / rel).read_bytes(), f"{made.name}/{rel}"


def test_every_fixture_is_listed_in_its_folders_sources() -> None:
    unlisted = []
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.name == "SOURCES.md":
            continue
        folder = next(p for p in path.parents if (p / "SOURCES.md").is_file())
        rel = path.relative_to(folder)
        sources = (folder / "SOURCES.md").read_text()
        if (
            f"`{rel}`" not in sources
            and f"`{rel.parts[0]}/`" not in sources
            and f"{rel.parts[0]}" not in sources
        ):
            unlisted.append(str(path.relative_to(FIXTURES)))
    assert unlisted == []
