"""The smart collector: recorded smartctl outputs per device kind, standby, privileges, timeouts, the pool."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from pathlib import Path

import pytest
from conftest import CORPUS, HOSTS, corpus_text, needs_corpus
from hostgen import GIB, Disk, smart_target, write_command, write_host
from toolgen import smartctl as sc

from raidwatch.collectors import available
from raidwatch.collectors.base import STANDBY_MESSAGE, Contribution
from raidwatch.collectors.smart import (
    MISSING_HINT,
    PERMISSION_HINT,
    DiskTarget,
    SmartCollector,
    smartctl_argv,
)
from raidwatch.errors import ProbeError
from raidwatch.inventory import build_inventory, collect_inventory
from raidwatch.model import BlockDevice, CollectorRun, HostHeader, Mount, SmartHealth
from raidwatch.model import Disk as ModelDisk
from raidwatch.probe import CommandResult, LiveProbe, Probe, ReplayProbe
from raidwatch.report import render_inventory

SAS_LINK = "../devices/pci0000:00/0000:00:01.0/0000:01:00.0/host0/port-0:0/end_device-0:0/target0:0:0/{}"
USB_LINK = "../devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/{}"
NVME_LINK = "../devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1"
PYSMART = "smartctl-text/truenas-py-smart"  # real reports, read in place from ../shared/corpus
WUH721816 = f"{PYSMART}/sata_hdd_1_issue46/_-d_ata_--all__dev_sdau"


def failing_text() -> str:
    """A real ATA HDD report with the drive's verdict turned to FAILED in memory (smartctl then exits with
    bit 3)."""
    text = corpus_text(WUH721816)
    failed = "SMART overall-health self-assessment test result: FAILED!\r\nDrive failure expected in less"
    text = text.replace("SMART overall-health self-assessment test result: PASSED", failed, 1)
    assert "FAILED!" in text
    return text


def pending_drive(serial: str = "ZC1P3ND8") -> sc.AtaDrive:
    """Our own report of a Seagate HDD with 8 pending and 8 offline-uncorrectable sectors and a last
    extended self-test that stopped at a read failure (smartctl exits 128: the self-test log has errors)."""
    attrs = sc.set_raw(sc.seagate_hdd_attributes(1479, 31), {197: 8, 198: 8})
    return sc.AtaDrive(
        "ST2000NM000A-2J2100",
        serial,
        "SN02",
        2_000_398_934_016,
        "5000c500c8a1b2c3",
        family="Seagate Exos 7E2000",
        physical_sector=4096,
        attributes=attrs,
        self_tests=[sc.SelfTest(2, 7, 1479, 90, 1_234_567_890), sc.SelfTest(1, 0, 1400)],
    )


PENDING = sc.render_text(pending_drive())
PENDING_RC = sc.exit_status(pending_drive())
STANDBY = sc.standby_text()
PERMISSION = sc.open_failed_text("/dev/sda")

# name -> (Disk for hostgen, source, exit status): every kind the issue lists. Real reports from the corpus
# ("corpus", path) and our own renderings ("text", output) for what the corpus lacks (pending sectors,
# standby, a permission error).
ZOO: dict[str, tuple[Disk, tuple[str, str], int]] = {
    "sda": (
        Disk("sda", 16000 * GIB, "WDC  WUH721816ALE6L4", "3WJMHZ6L", "naa.5000cca284e50e06", True),
        ("corpus", WUH721816),
        0,
    ),
    "sdb": (
        Disk("sdb", 240 * GIB, "Apacer AS340 240GB", "LKC125R001176", None, False),
        ("corpus", f"{PYSMART}/sata_ssd_1_issue_72/_-d_ata_--all__dev_sda"),
        0,
    ),
    "nvme0n1": (
        Disk("nvme0n1", 256 * GIB, "KBG30ZMV256G TOSHIBA", "X9LS10BBKL35", None, False, link=NVME_LINK),
        ("corpus", f"{PYSMART}/nvme_11_issue_75/_-d_nvme_--all__dev_sda"),
        0,
    ),
    "sdc": (
        Disk("sdc", 800 * GIB, "XXXXXXXXXXX", "XXXXXXXX", None, False, link=SAS_LINK.format("sdc")),
        ("corpus", f"{PYSMART}/megaraid_jbod_sas_hdd_0_issue_85/_-d_scsi_--all__dev_sdd"),
        0,
    ),
    "sdd": (
        Disk("sdd", 1000 * GIB, "Portable SSD T7", "S5SXNS0R000000", None, True, link=USB_LINK.format("sdd")),
        ("corpus", f"{PYSMART}/nvme_usb_asmedia_issue_97/_-d_sntasmedia_--all__dev_sda"),
        0,
    ),
    "sde": (
        Disk("sde", 16000 * GIB, "WDC  WUH721816ALE6L4", "3WJMFAIL", None, True),
        ("failing", WUH721816),
        8,
    ),
    "sdf": (
        Disk("sdf", 2000 * GIB, "ST2000NM000A-2J2100", "ZC1P3ND8", None, True),
        ("text", PENDING),
        PENDING_RC,
    ),
    "sdg": (Disk("sdg", 4000 * GIB, "WDC WD40EFRX", "WD-SLEEPY", None, True), ("text", STANDBY), 2),
    "sdh": (Disk("sdh", 4000 * GIB, "WDC WD40EFRX", "WD-NOPERM", None, True), ("text", PERMISSION), 2),
}


def zoo_stdout(source: tuple[str, str]) -> str | None:
    kind, value = source
    if kind == "text":
        return value
    if not CORPUS.is_dir():
        return None
    return failing_text() if kind == "failing" else corpus_text(value)


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Contribution]:
    """One host with a disk of every kind; without the corpus only our own renderings are in it."""
    root = tmp_path_factory.mktemp("zoo")
    present = {name: (disk, zoo_stdout(src), rc) for name, (disk, src, rc) in ZOO.items()}
    present = {name: v for name, v in present.items() if v[1] is not None}
    host = write_host(
        "zoo", hostname="zoo", disks=[d for d, _, _ in present.values()], arrays=[], mounts=[], root=root
    )
    for disk, text, rc in present.values():
        write_command(host, smartctl_argv(smart_target(disk)), text or "", rc)
    return host, SmartCollector().collect(ReplayProbe(host))


def smart_of(contrib: Contribution, name: str) -> SmartHealth:
    disk = next((d for d in contrib.disks if d.name == name), None)
    if disk is None and name in ZOO and ZOO[name][1][0] != "text" and not CORPUS.is_dir():
        pytest.skip(f"{name}'s real report is read from the corpus, which is missing")
    assert disk is not None and disk.smart is not None
    return disk.smart


def problems_for(contrib: Contribution, name: str) -> list[str]:
    return [p.message for p in contrib.problems if p.subject == f"/dev/{name}"]


# --------------------------------------------------------------------------------------------- argv


def test_argv_per_device_kind() -> None:
    assert smartctl_argv(DiskTarget("sda", "ata", True)) == ["smartctl", "-a", "-n", "standby", "/dev/sda"]
    assert smartctl_argv(DiskTarget("sda", "ata", None)) == ["smartctl", "-a", "-n", "standby", "/dev/sda"]
    assert smartctl_argv(DiskTarget("sdb", "ata", False)) == ["smartctl", "-a", "/dev/sdb"]
    assert smartctl_argv(DiskTarget("nvme0n1", "nvme", False)) == [
        "smartctl",
        "-a",
        "-d",
        "nvme",
        "/dev/nvme0n1",
    ]
    # USB bridges and SAS: smartctl's own detection (its drivedb knows the bridges), standby checked
    assert smartctl_argv(DiskTarget("sdd", "usb", True)) == ["smartctl", "-a", "-n", "standby", "/dev/sdd"]
    assert smartctl_argv(DiskTarget("sdc", "scsi", True)) == ["smartctl", "-a", "-n", "standby", "/dev/sdc"]


def test_registered() -> None:
    assert available()["smart"] is SmartCollector


# ------------------------------------------------------------------------------- recorded outputs


def test_every_disk_read_with_the_argv_it_was_recorded_under(zoo) -> None:
    _, contrib = zoo
    expected = sorted(n for n, (_, src, _) in ZOO.items() if CORPUS.is_dir() or src[0] == "text")
    assert sorted(d.name for d in contrib.disks) == expected
    assert not any(MISSING_HINT in p.message for p in contrib.problems)


def test_ata_hdd(zoo) -> None:
    h = smart_of(zoo[1], "sda")
    assert h.assessment == "PASS" and h.device_type == "ata" and h.rotation_rpm == 7200
    assert h.power_on_hours == 592 and h.read_at is not None and not h.standby


def test_sata_ssd(zoo) -> None:
    h = smart_of(zoo[1], "sdb")
    assert h.assessment == "PASS" and h.is_ssd is True and h.model == "Apacer AS340 240GB"
    assert zoo[1].disks[[d.name for d in zoo[1].disks].index("sdb")].identity.startswith("wwn:")


def test_nvme(zoo) -> None:
    h = smart_of(zoo[1], "nvme0n1")
    assert h.device_type == "nvme" and h.assessment == "PASS" and h.nvme_media_errors == 0


def test_sas(zoo) -> None:
    h = smart_of(zoo[1], "sdc")
    assert h.device_type == "scsi" and h.assessment == "PASS" and h.health_passed is True


def test_usb_bridge(zoo) -> None:
    h = smart_of(zoo[1], "sdd")
    assert h.model == "Samsung Portable SSD T7" and h.assessment == "PASS"


def test_failing_disk(zoo) -> None:
    h = smart_of(zoo[1], "sde")
    assert h.assessment == "FAIL" and h.health_passed is False and "disk-failing" in h.exit_bits
    assert problems_for(zoo[1], "sde") == []  # a verdict, not a collection problem


def test_pending_sectors(zoo) -> None:
    h = smart_of(zoo[1], "sdf")
    assert h.assessment == "WARN" and h.pending_sectors == 8 and h.offline_uncorrectable == 8


def test_standby_first_sight_is_unknown_not_a_problem(zoo) -> None:
    _, contrib = zoo
    h = smart_of(contrib, "sdg")
    assert h.standby and h.assessment == "UNKNOWN" and h.message == STANDBY_MESSAGE and h.read_at is None
    assert problems_for(contrib, "sdg") == []
    assert any("sdg" in n and STANDBY_MESSAGE in n for n in contrib.notes)


def test_permission_denied_is_a_device_problem_not_standby(zoo) -> None:
    _, contrib = zoo
    h = smart_of(contrib, "sdh")
    assert h.permission_denied and not h.standby and h.assessment == "UNKNOWN"
    assert problems_for(contrib, "sdh") == [PERMISSION_HINT]
    assert all(p.subject == "/dev/sdh" for p in contrib.problems)  # the only problem in the zoo


def test_zoo_inventory_and_table(zoo) -> None:
    host, _ = zoo
    inv = collect_inventory(ReplayProbe(host))
    assert all(d.smart is not None for d in inv.disks)
    out = render_inventory(inv)
    assert "pending 8" in out and "(standby, no reading yet)" in out
    assert "FAIL" in out or not CORPUS.is_dir()  # the failing disk is a corpus report edited in memory
    assert "permission denied" in out


# ---------------------------------------------------------------------------- an in-memory probe


class FakeProbe(Probe):
    """/sys/block with given disks; smartctl answers from a function; counts concurrent runs."""

    def __init__(self, disks: dict[str, bool | None], answer, delay: float = 0.0) -> None:  # type: ignore[no-untyped-def]
        self.disks = disks  # name -> rotational
        self.answer = answer  # argv -> CommandResult
        self.delay = delay
        self.active = 0
        self.peak = 0
        self.calls: list[tuple[str, ...]] = []
        self._lock = threading.Lock()

    def read_text(self, path: str) -> str:
        parts = path.strip("/").split("/")
        if len(parts) == 5 and parts[:2] == ["sys", "block"] and parts[3:] == ["queue", "rotational"]:
            rot = self.disks.get(parts[2])
            if rot is not None:
                return "1\n" if rot else "0\n"
        raise ProbeError(path, "missing")

    def list_dir(self, path: str) -> list[str]:
        if path == "/sys/block":
            return sorted(self.disks)
        raise ProbeError(path, "missing")

    def read_link(self, path: str) -> str:
        raise ProbeError(path, "missing")

    def run(self, argv, timeout: float = 20.0) -> CommandResult:  # type: ignore[no-untyped-def]
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.calls.append(tuple(argv))
        try:
            if self.delay:
                time.sleep(self.delay)
            return self.answer(tuple(argv))
        finally:
            with self._lock:
                self.active -= 1

    def mounts(self) -> list[Mount]:
        return []

    def header(self) -> HostHeader:
        return HostHeader("fake", "Linux", "6.1")


def ok(argv: tuple[str, ...]) -> CommandResult:
    return CommandResult(argv, PENDING_RC, PENDING)


def test_standby_keeps_the_previous_reading_with_its_age() -> None:
    state = {"asleep": False}

    def answer(argv: tuple[str, ...]) -> CommandResult:
        if state["asleep"]:
            return CommandResult(argv, 2, STANDBY)
        return ok(argv)

    now = [1_000_000.0]
    col = SmartCollector(clock=lambda: now[0])
    probe = FakeProbe({"sda": True}, answer)
    first = smart_of(col.collect(probe), "sda")
    assert first.assessment == "WARN" and first.read_at == 1_000_000.0 and not first.standby
    state["asleep"] = True
    now[0] += 7200
    contrib = col.collect(probe)
    kept = smart_of(contrib, "sda")
    assert kept.standby and kept.read_at == 1_000_000.0  # age = now - read_at = 2 h
    assert kept.assessment == "WARN" and kept.pending_sectors == 8  # the last-known values
    assert STANDBY_MESSAGE in (kept.message or "") and contrib.problems == ()
    assert probe.calls[-1] == ("smartctl", "-a", "-n", "standby", "/dev/sda")
    # and the table says how old it is
    run = (CollectorRun("smart", True, 0.0), contrib)
    dev = (CollectorRun("blockdev", True, 0.0), Contribution(devices=(BlockDevice("sda", "disk"),)))
    inv = build_inventory(HostHeader("fake", "Linux", "6.1"), [dev, run], collected_at=now[0])
    assert "WARN (standby, read 2h00m ago)" in render_inventory(inv)


def test_smartctl_missing_is_one_problem_not_one_per_disk() -> None:
    def answer(argv: tuple[str, ...]) -> CommandResult:
        return CommandResult(argv, None, "", "smartctl: command not found", missing=True)

    contrib = SmartCollector().collect(FakeProbe({f"sd{c}": True for c in "abcdef"}, answer))
    assert [p.message for p in contrib.problems] == [MISSING_HINT]
    assert contrib.disks == ()


def test_missing_in_a_replay_without_smartctl_records(tmp_path: Path) -> None:
    disk = Disk("sda", 100 * GIB, "M", "S", None, True)
    host = write_host("old", hostname="old", disks=[disk], arrays=[], mounts=[], root=tmp_path)
    contrib = SmartCollector().collect(ReplayProbe(host))
    assert [p.message for p in contrib.problems] == [MISSING_HINT]


def test_unparseable_output_is_a_problem_not_a_crash() -> None:
    contrib = SmartCollector().collect(FakeProbe({"sda": True}, lambda a: CommandResult(a, 0, "hello\n")))
    (p,) = contrib.problems
    assert p.subject == "/dev/sda" and "not understood" in p.message
    assert smart_of(contrib, "sda").assessment == "UNKNOWN"


def test_ssd_and_nvme_get_no_standby_check_and_pseudo_devices_are_skipped() -> None:
    probe = FakeProbe(
        {
            "sda": False,
            "nvme0n1": False,
            "md0": None,
            "dm-0": None,
            "loop0": None,
            "zram0": None,
            "vda": None,
        },
        ok,
    )
    contrib = SmartCollector().collect(probe)
    assert sorted(probe.calls) == [
        ("smartctl", "-a", "-d", "nvme", "/dev/nvme0n1"),
        ("smartctl", "-a", "/dev/sda"),
    ]
    assert any(n.startswith("vda:") for n in contrib.notes)


def test_bounded_parallelism_and_sweep_time() -> None:
    n, delay, workers = 16, 0.05, 4
    probe = FakeProbe({f"sd{chr(97 + i)}": True for i in range(n)}, ok, delay=delay)
    start = time.monotonic()
    contrib = SmartCollector(max_workers=workers).collect(probe)
    elapsed = time.monotonic() - start
    assert len(contrib.disks) == n and len(probe.calls) == n
    assert probe.peak == workers  # never more than the pool, and the pool is used
    assert elapsed < n * delay * 0.75  # well under serial (0.8 s); ideal 0.2 s


# ------------------------------------------------------------------------------- a real hung smartctl


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see the killed child")
def test_timeout_kills_the_process_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `smartctl` that hangs (its child too) is killed after the timeout, group and all, and reported."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "smartctl"
    pidfile = tmp_path / "child.pid"
    fake.write_text(f'#!/bin/sh\nsleep 30 &\necho $! > "{pidfile}"\nwait\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    host = write_host(
        "hung",
        hostname="hung",
        disks=[Disk("sda", GIB, "M", "S", None, True)],
        arrays=[],
        mounts=[],
        root=tmp_path,
    )
    probe = LiveProbe(root=str(host / "fs"))  # /sys/block from the tree, smartctl from PATH: a real run
    start = time.monotonic()
    contrib = SmartCollector(timeout=1.0).collect(probe)
    elapsed = time.monotonic() - start
    assert elapsed < 10
    (p,) = contrib.problems
    assert (
        p.subject == "/dev/sda" and "timed out after 1s" in p.message and "process group killed" in p.message
    )
    assert smart_of(contrib, "sda").assessment == "UNKNOWN"
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the hung smartctl's child survived"


# ---------------------------------------------------------------------------------- inventory merge


def test_smart_identity_upgrades_an_unstable_sysfs_identity_everywhere() -> None:
    header = HostHeader("h", "Linux", "6.1")
    devs = (BlockDevice("sda", "disk", size_bytes=GIB), BlockDevice("sda1", "partition", parent="sda"))
    smart = SmartHealth(assessment="PASS", wwn="0x5000c500b1234567")
    runs = [
        (CollectorRun("blockdev", True, 0.0), Contribution(devices=devs)),
        (CollectorRun("mounts", True, 0.0), Contribution(mounts=(Mount("/dev/sda1", "/", "ext4"),))),
        (
            CollectorRun("smart", True, 0.0),
            Contribution(
                disks=(
                    ModelDisk(
                        "sda",
                        "wwn:naa.5000c500b1234567",
                        model="ST",
                        serial="Z1",
                        wwn="naa.5000c500b1234567",
                        smart=smart,
                    ),
                )
            ),
        ),
    ]
    inv = build_inventory(header, runs, collected_at=0.0)
    d = inv.disk("sda")
    assert d is not None and d.identity == "wwn:naa.5000c500b1234567" and d.smart is smart
    assert d.size_bytes == GIB  # sysfs facts kept
    v = inv.volume("/")
    assert v is not None and v.disks == ("wwn:naa.5000c500b1234567",)
    assert v.stack is not None and v.stack.children[0].key == d.identity


def test_stable_sysfs_identity_is_kept() -> None:
    header = HostHeader("h", "Linux", "6.1")
    devs = (BlockDevice("sda", "disk", wwn="naa.5000aaaa"),)
    extra = ModelDisk("sda", "serial:X:Y", model="X", serial="Y", smart=SmartHealth(assessment="WARN"))
    runs = [
        (CollectorRun("blockdev", True, 0.0), Contribution(devices=devs)),
        (CollectorRun("smart", True, 0.0), Contribution(disks=(extra,))),
    ]
    d = build_inventory(header, runs, collected_at=0.0).disk("sda")
    assert d is not None and d.identity == "wwn:naa.5000aaaa" and d.serial == "Y"
    assert d.smart is not None and d.smart.assessment == "WARN"


# ----------------------------------------------------------------------------- the bundled hosts


def _cli_inventory(host: str) -> dict:
    import subprocess
    import sys

    from conftest import REPO

    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run(
        [sys.executable, "-m", "raidwatch", "inventory", "--replay", str(HOSTS / host), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    return json.loads(res.stdout)


LINUX_HOSTS = [
    "web01-mirror-degraded",
    "db02-single-boot-disk",
    "lab03-same-disk-mirror",
    "nas04-raid6-rebuild",
]


@pytest.mark.parametrize("host", LINUX_HOSTS)
def test_bundled_host_has_smart_for_every_disk(host: str) -> None:
    inv = _cli_inventory(host)
    assert inv["disks"] and all(d["smart"] is not None for d in inv["disks"]), host
    assert not [p for p in inv["problems"] if p["collector"] == "smart"]
    smart_run = next(c for c in inv["collectors"] if c["name"] == "smart")
    assert smart_run["success"] and smart_run["skipped"] is None


def test_web01_failed_member_is_smart_fail() -> None:
    inv = _cli_inventory("web01-mirror-degraded")
    by_name = {d["name"]: d for d in inv["disks"]}
    assert by_name["sdb"]["smart"]["assessment"] == "FAIL"
    assert by_name["sda"]["smart"]["assessment"] == "PASS"
    srv = next(v for v in inv["volumes"] if v["mountpoint"] == "/srv")
    root = next(v for v in inv["volumes"] if v["mountpoint"] == "/")
    assert by_name["sdb"]["identity"] in root["disks"] and by_name["sdb"]["identity"] not in srv["disks"]


def test_db02_pending_sectors_on_the_only_copy_and_a_sleeping_backup_disk() -> None:
    inv = _cli_inventory("db02-single-boot-disk")
    by_name = {d["name"]: d for d in inv["disks"]}
    assert by_name["sdb"]["smart"]["assessment"] == "WARN" and by_name["sdb"]["smart"]["pending_sectors"] == 8
    sdd = by_name["sdd"]["smart"]
    assert sdd["standby"] and sdd["assessment"] == "UNKNOWN" and sdd["message"] == STANDBY_MESSAGE


def test_bundled_recordings_are_our_renderings_of_the_hosts_disks() -> None:
    """Each recorded report names the host's disk, as our renderer printed it for hostgen."""
    web = HOSTS / "web01-mirror-degraded" / "commands"
    text = (web / "smartctl_-a_dev_sda" / "stdout").read_text()
    assert "Serial Number:    S42YNX0M812345A" in text and "LU WWN Device Id: 5 002538 e40a1b2c3" in text
    assert text.startswith(sc.banner())


def test_record_captures_every_smartctl_run_and_replay_gives_the_same(tmp_path: Path) -> None:
    from dataclasses import replace

    from raidwatch.probe import RecordingProbe

    texts = {"sda": (PENDING, PENDING_RC), "sdb": (STANDBY, 2)}

    def answer(argv: tuple[str, ...]) -> CommandResult:
        text, rc = texts[argv[-1].rsplit("/", 1)[-1]]
        return CommandResult(argv, rc, text)

    rec = RecordingProbe(
        FakeProbe({"sda": True, "sdb": True, "nvme0n1": False}, answer_or_nvme(answer)), tmp_path
    )
    live = SmartCollector(clock=lambda: 5.0).collect(rec)
    rec.finish()
    recorded = sorted(
        json.loads(p.read_text())["argv"][-1] for p in (tmp_path / "commands").glob("*/cmd.json")
    )
    assert recorded == ["/dev/nvme0n1", "/dev/sda", "/dev/sdb"]
    replayed = SmartCollector(clock=lambda: 5.0).collect(ReplayProbe(tmp_path))
    assert replayed == live
    # without an injected clock a replay dates its readings to the recording, not to now
    h = smart_of(SmartCollector().collect(ReplayProbe(tmp_path)), "sda")
    assert h.read_at is not None and abs(h.read_at - time.time()) < 120
    assert replace(h, read_at=5.0) == smart_of(live, "sda")


def answer_or_nvme(answer):  # type: ignore[no-untyped-def]
    def run(argv: tuple[str, ...]) -> CommandResult:
        if argv[-1] == "/dev/nvme0n1":
            drive = sc.NvmeDrive(
                "KBG30ZMV256G TOSHIBA",
                "X9LS10BBKL35",
                "ADHA0101",
                256_060_514_304,
                pci_vendor=0x1179,
                oui=0x00080D,
                temperature=41,
                power_on_hours=2051,
            )
            return CommandResult(argv, 0, sc.render_text(drive))
        return answer(argv)

    return run


# ------------------------------------------------------------------------------------------ macOS

MAC_PHYSICAL = {
    # host -> its physical disks; what is not listed is an AppleRAID set or an APFS container
    "xserve01-mirrors-rebuilding": ["disk0", "disk1", "disk2", "disk3", "disk4"],  # not sets disk5, disk6
    "powermac02-single-boot-failed-mirror": ["disk0", "disk1", "disk2"],  # not set disk3
    "macmini03-apfs": ["disk0"],  # not containers disk1, disk2, disk3
}
MAC_SSD = f"{PYSMART}/sata_ssd_macos_0/_-d_ata_--all_IOService"  # the corpus's one real macOS report


@pytest.mark.parametrize("host", sorted(MAC_PHYSICAL))
def test_darwin_discovery_picks_only_physical_disks(host: str) -> None:
    col = SmartCollector()
    probe = ReplayProbe(HOSTS / host)
    assert col.applicable(probe, probe.header()) is None
    targets, notes = col.discover(probe)
    assert [t.name for t in targets] == MAC_PHYSICAL[host]
    assert all(t.os == "Darwin" for t in targets)
    others = {n.split(":", 1)[0] for n in notes if "not a physical disk" in n}
    if host.startswith("xserve"):
        assert others == {"disk5", "disk6"}
    elif host.startswith("powermac"):
        assert others == {"disk3"}
    else:
        assert others == set()  # APFS containers are known from the list alone: not even asked about


def test_darwin_argv_per_disk() -> None:
    xserve, _ = SmartCollector().discover(ReplayProbe(HOSTS / "xserve01-mirrors-rebuilding"))
    # Snow Leopard's diskutil has no SolidState key: unknown is treated as spinning
    assert [smartctl_argv(t) for t in xserve] == [
        ["smartctl", "-a", "-n", "standby", f"/dev/disk{n}"] for n in range(5)
    ]
    assert all(t.transport == "ata" and t.rotational is None for t in xserve)
    (mini,) = SmartCollector().discover(ReplayProbe(HOSTS / "macmini03-apfs"))[0]
    assert mini.transport == "nvme" and mini.rotational is False
    assert smartctl_argv(mini) == ["smartctl", "-a", "/dev/disk0"]  # no -d: smartctl picks ATA/NVMe on Darwin
    assert smartctl_argv(DiskTarget("disk1", "ata", False, os="Darwin")) == ["smartctl", "-a", "/dev/disk1"]
    assert smartctl_argv(DiskTarget("disk2", "ata", True, os="Darwin")) == [
        "smartctl",
        "-a",
        "-n",
        "standby",
        "/dev/disk2",
    ]
    assert smartctl_argv(DiskTarget("disk3", "usb", None, os="Darwin"))[2:4] == ["-n", "standby"]


def test_smart_transport_and_physical_disk_rules() -> None:
    from raidwatch.parsers.diskutil import DiskInfo
    from raidwatch.parsers.diskutil_list import ListedDisk, is_physical_disk, smart_transport

    assert [smart_transport(p) for p in ("SATA", "PCI-Express", "Apple Fabric", "NVMe", "USB", "SAS")] == [
        "ata",
        "nvme",
        "nvme",
        "nvme",
        "usb",
        "scsi",
    ]
    assert smart_transport("Thunderbolt") == "thunderbolt" and smart_transport(None) is None
    disk = ListedDisk("disk4")
    assert is_physical_disk(disk, DiskInfo("disk4", whole_disk=True, bus_protocol="USB", internal=False))
    assert not is_physical_disk(disk, DiskInfo("disk4", whole_disk=True, bus_protocol="Disk Image"))
    assert not is_physical_disk(disk, DiskInfo("disk4", raid_master=True, bus_protocol="SATA"))
    assert not is_physical_disk(disk, DiskInfo("disk4", apfs_physical_stores=("disk0s2",)))
    assert not is_physical_disk(disk, None)  # no `info`: nothing says it is not a RAID set


@pytest.mark.parametrize("host", sorted(MAC_PHYSICAL))
def test_mac_host_has_smart_for_every_physical_disk(host: str) -> None:
    inv = _cli_inventory(host)
    by_name = {d["name"]: d for d in inv["disks"]}
    assert sorted(by_name) == MAC_PHYSICAL[host]
    for name in MAC_PHYSICAL[host]:
        smart = by_name[name]["smart"]
        assert smart is not None and smart["assessment"] in ("PASS", "FAIL"), (host, name)
        assert not by_name[name]["identity"].startswith("name:")  # SMART gave the serial/WWN diskutil lacks
    assert not [p for p in inv["problems"] if p["collector"] == "smart"]
    run = next(c for c in inv["collectors"] if c["name"] == "smart")
    assert run["success"] and run["skipped"] is None


def test_powermac_failed_mirror_member_is_smart_fail() -> None:
    inv = _cli_inventory("powermac02-single-boot-failed-mirror")
    by_name = {d["name"]: d for d in inv["disks"]}
    failing = by_name["disk2"]["smart"]
    assert failing["assessment"] == "FAIL" and failing["health_passed"] is False
    assert failing["reallocated_sectors"] == 2047 and failing["pending_sectors"] == 312
    assert by_name["disk1"]["smart"]["assessment"] == "PASS"
    assert by_name["disk0"]["smart"]["assessment"] == "PASS"
    data = next(v for v in inv["volumes"] if v["mountpoint"] == "/Volumes/Data")
    assert data["disks"] == [by_name["disk1"]["identity"]]  # the failed member holds no copy
    assert by_name["disk2"]["identity"] == "serial:WDC WD5000AAKS-00YGA0:WD-WCAS87654321"


def test_mac_spinning_disks_note_that_standby_could_not_be_checked() -> None:
    contrib = SmartCollector(clock=lambda: 1.0).collect(ReplayProbe(HOSTS / "xserve01-mirrors-rebuilding"))
    assert sum("-n standby was ignored" in n for n in contrib.notes) == 5
    mini = SmartCollector(clock=lambda: 1.0).collect(ReplayProbe(HOSTS / "macmini03-apfs"))
    assert not [n for n in mini.notes if "standby" in n]


def _mac(tmp_path: Path, wholes: list, commands: dict | None = None) -> Path:  # type: ignore[type-arg]
    from hostgen_mac import write_mac_host

    return write_mac_host(
        "mac",
        hostname="mac",
        kernel="18.7.0",
        machine="x86_64",
        wholes=wholes,
        raid_list=None,
        mounts=[],
        extra_commands=commands,
        root=tmp_path,
    )


def _ssd(**kw):  # type: ignore[no-untyped-def]
    from hostgen_mac import PhysDisk

    return PhysDisk(
        "disk0",
        251000193024,
        "APPLE SSD SM0256F",
        kw.pop("protocol", "PCI"),
        solid_state=True,
        serial="S1XXXXXXXXXXXX",
        wwn="naa.5002538655584d30",
        **kw,
    )


def _real_mac_report(host: Path, disk: str) -> None:
    """The corpus's one real macOS report, read in place, as this host's `smartctl -a /dev/DISK`."""
    write_command(host, ["smartctl", "-a", f"/dev/{disk}"], corpus_text(MAC_SSD), 0)


@needs_corpus
def test_real_macos_capture_of_an_ahci_pci_ssd(tmp_path: Path) -> None:
    """The corpus's real macOS report (APPLE SSD SM0256F, an AHCI SSD on PCI): read with no -d, no -n."""
    from hostgen_mac import PhysDisk

    image = PhysDisk("disk4", 1 << 30, "Disk Image", "Disk Image", internal=False)
    host = _mac(tmp_path, [_ssd(), image])
    _real_mac_report(host, "disk0")
    contrib = SmartCollector(clock=lambda: 1.0).collect(ReplayProbe(host))
    (disk,) = contrib.disks  # the disk image is no physical disk
    assert disk.name == "disk0" and disk.identity == "wwn:naa.5002538655584d30"
    assert disk.smart is not None and disk.smart.assessment == "PASS" and disk.smart.temperature_celsius == 52
    assert not contrib.problems


def test_mac_without_diskutil_is_one_problem(tmp_path: Path) -> None:
    host = _mac(tmp_path, [], {("diskutil", "list", "-plist"): (None, "", "diskutil: command not found")})
    contrib = SmartCollector().collect(ReplayProbe(host))
    assert not contrib.disks and len(contrib.problems) == 1
    assert contrib.problems[0].subject == "diskutil list -plist" and contrib.problems[0].collector == "smart"
    garbled = _mac(tmp_path, [], {("diskutil", "list", "-plist"): (0, "not a plist", "")})
    contrib = SmartCollector().collect(ReplayProbe(garbled))
    assert not contrib.disks and len(contrib.problems) == 1


@needs_corpus
def test_mac_info_failure_is_a_problem_for_that_disk_only(tmp_path: Path) -> None:
    from hostgen_mac import PhysDisk

    other = PhysDisk("disk1", 500107862016, "ST3500418AS", "SATA", serial="9VM1")
    host = _mac(
        tmp_path, [_ssd(protocol="SATA"), other], {("diskutil", "info", "-plist", "disk1"): (1, "", "")}
    )
    _real_mac_report(host, "disk0")
    contrib = SmartCollector(clock=lambda: 1.0).collect(ReplayProbe(host))
    assert [d.name for d in contrib.disks] == ["disk0"]
    assert [p.subject for p in contrib.problems] == ["/dev/disk1"]
    assert "SMART not read" in contrib.problems[0].message
