"""A physical disk is the thing that fails: NVMe namespaces of one drive (and its multipath paths), SAS
paths of one dual-ported disk and dm-multipath paths to one LUN are each ONE disk, in the margin, in
mirror-same-disk, in the Disks table, in the metrics; and SMART is read once per NVMe drive."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import hostgen_nvme
import pytest
from conftest import HOSTS, REPO
from hostgen import GIB, Disk, MdArray, Member, Smart, _uuid, nvme, seagate_hdd, write_host
from prometheus_client.parser import text_string_to_metric_families

from raidwatch import model as m
from raidwatch.collectors import Contribution
from raidwatch.collectors.blockdev import BlockDevCollector
from raidwatch.collectors.smart import SmartCollector
from raidwatch.exporter import build_snapshot, render_metrics
from raidwatch.findings import evaluate
from raidwatch.inventory import build_inventory, collect_inventory, disk_identity
from raidwatch.model import (
    Array,
    BlockDevice,
    CollectorRun,
    HostHeader,
    HostInventory,
    Mount,
    Severity,
    SmartHealth,
)
from raidwatch.parsers.sysblock import is_nvme_namespace, is_nvme_path, nvme_unit, parent_from_link
from raidwatch.policy import load_policy
from raidwatch.probe import ReplayProbe
from raidwatch.report import physical_disks, render_inventory

TODAY = date(2026, 11, 25)
FLEET = REPO / "fleet.yaml"
NVM07 = HOSTS / hostgen_nvme.NAME
MODEL = "SAMSUNG MZQL21T9HCJR-00A07"


class CountingProbe(ReplayProbe):
    """A replayed host that remembers every command run (smartctl once per NVMe drive)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.ran: list[tuple[str, ...]] = []

    def run(self, argv, timeout=30.0):  # type: ignore[no-untyped-def]
        self.ran.append(tuple(argv))
        return super().run(argv, timeout)


def evaluated(host: Path):  # type: ignore[no-untyped-def]
    inv = collect_inventory(ReplayProbe(host))
    ev = evaluate(inv, load_policy(str(FLEET)).for_host(inv.header.hostname), today=TODAY)
    return inv, ev


def codes(ev, severity: Severity) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.code for f in ev.findings if f.severity is severity}


def _pcie(pci: str, controller: str, block: str) -> str:
    return f"../devices/pci0000:00/0000:00:{pci}/nvme/{controller}/{block}"


def _ns(
    name: str,
    serial: str,
    eui: str | None,
    parts: dict[str, int],
    link: str,
    *,
    smart: bool = True,
    size: int = 400 * GIB,
) -> Disk:
    disk = Disk(
        name,
        size,
        MODEL,
        serial,
        eui,
        False,
        parts,
        link=link,
        sysfs={"device/subsysnqn": f"nqn.2014.08.org.nvmexpress:144d144d{serial}"},
    )
    if smart:
        disk.smart = Smart(nvme(disk, temperature=37, power_on_hours=4_000, percentage_used=2))
    return disk


def nvme_mirror_host(root: Path, *, one_drive: bool) -> Path:
    """/ on md0 raid1 over nvme0n1p2 + the second member: nvme0n2p2 (same drive) or nvme1n1p2 (another)."""
    first = _ns(
        "nvme0n1",
        "S64GNA0T900001",
        "eui.002538b711a0d001",
        {"nvme0n1p1": GIB, "nvme0n1p2": 398 * GIB},
        _pcie("1d.0", "nvme0", "nvme0n1"),
    )
    if one_drive:
        second = _ns(
            "nvme0n2",
            "S64GNA0T900001",
            "eui.002538b711a0d002",
            {"nvme0n2p1": GIB, "nvme0n2p2": 398 * GIB},
            _pcie("1d.0", "nvme0", "nvme0n2"),
            smart=False,
        )
    else:
        second = _ns(
            "nvme1n1",
            "S64GNA0T900002",
            "eui.002538b711a0d101",
            {"nvme1n1p1": GIB, "nvme1n1p2": 398 * GIB},
            _pcie("1d.1", "nvme1", "nvme1n1"),
        )
    members = [Member("nvme0n1p2", 0, 0), Member(f"{second.name}p2", 1, 1)]
    return write_host(
        "one-drive" if one_drive else "two-drives",
        hostname="nvm99",
        disks=[first, second],
        arrays=[MdArray("md0", "raid1", 2, members, 417_000_000, _uuid(0x99))],
        mounts=[("/dev/md0", "/", "ext4", "9:0")],
        root=root,
    )


# ------------------------------------------------------------------------------------ the identity rule


def test_an_nvme_namespace_is_keyed_by_its_drive_not_its_eui() -> None:
    assert nvme_unit(f" {MODEL}  ", "S64GNA0T500701  ", "nqn.x", "nvme0") == f"serial:{MODEL}:S64GNA0T500701"
    assert nvme_unit(None, "S64GNA0T500701", None, "nvme0") == "serial:S64GNA0T500701"
    assert (
        nvme_unit(MODEL, "  ", "nqn.2014-08.org.example:array1", "nvme0")
        == "nqn:nqn.2014-08.org.example:array1"
    )
    assert nvme_unit(MODEL, None, None, "nvme-subsys3") == "name:nvme-subsys3"
    assert nvme_unit(MODEL, None, None, None) is None


def test_nvme_names_and_their_controllers() -> None:
    assert is_nvme_namespace("nvme0n1") and is_nvme_namespace("nvme0n12") and is_nvme_namespace("nvme2c3n1")
    assert (
        not is_nvme_namespace("nvme0n1p2") and not is_nvme_namespace("nvme0") and not is_nvme_namespace("sda")
    )
    assert is_nvme_path("nvme0c1n1") and not is_nvme_path("nvme0n1")
    assert parent_from_link(_pcie("1d.0", "nvme0", "nvme0n2")) == "nvme0"
    assert parent_from_link("../devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1") == "nvme-subsys0"
    assert parent_from_link("nvme0n1") is None


def test_blockdev_gives_both_namespaces_of_a_drive_one_identity_and_keeps_each_eui(tmp_path: Path) -> None:
    host = nvme_mirror_host(tmp_path, one_drive=True)
    devs = {d.name: d for d in BlockDevCollector().collect(ReplayProbe(host)).devices}
    n1, n2 = devs["nvme0n1"], devs["nvme0n2"]
    assert n1.controller == n2.controller == "nvme0"
    assert disk_identity(n1) == disk_identity(n2) == f"serial:{MODEL}:S64GNA0T900001"
    assert (n1.wwn, n2.wwn) == ("eui.002538b711a0d001", "eui.002538b711a0d002")


# ------------------------------------------------------------------------------------ the margin: NVMe


def test_a_mirror_over_two_namespaces_of_one_drive_survives_nothing(tmp_path: Path) -> None:
    inv, ev = evaluated(nvme_mirror_host(tmp_path, one_drive=True))
    root = inv.volume("/")
    assert root.failures_tolerated == 0 and not root.redundant and len(root.disks) == 1
    assert inv.array("md0").failures_tolerated == 0
    assert {"mirror-same-disk", "role-not-redundant"} <= codes(ev, Severity.CRITICAL)
    (same,) = [f for f in ev.findings if f.code == "mirror-same-disk"]
    assert same.subject == "md0"
    assert "nvme0n1p2 and nvme0n2p2 are on one disk" in same.message and "S64GNA0T900001" in same.message
    assert not ev.compliant


def test_a_mirror_over_two_drives_survives_one(tmp_path: Path) -> None:
    inv, ev = evaluated(nvme_mirror_host(tmp_path, one_drive=False))
    root = inv.volume("/")
    assert root.failures_tolerated == 1 and len(root.disks) == 2
    assert "mirror-same-disk" not in codes(ev, Severity.CRITICAL)
    assert ev.compliant


def test_native_nvme_multipath_paths_are_one_drive_and_smart_is_read_through_the_namespace(
    tmp_path: Path,
) -> None:
    """nvme0n1 (the multipath head, under nvme-subsys0) with hidden paths nvme0c0n1, nvme0c1n1 through two
    controllers; a second dual-controller drive nvme1n1 likewise. md0 mirrors the two drives."""
    disks = []
    for sub, serial, ctrls in ((0, "S64GNA0T900101", (0, 1)), (1, "S64GNA0T900102", (2, 3))):
        eui = f"eui.002538b711a0e{sub:03x}"
        disks.append(
            _ns(
                f"nvme{sub}n1",
                serial,
                eui,
                {f"nvme{sub}n1p1": 399 * GIB},
                f"../devices/virtual/nvme-subsystem/nvme-subsys{sub}/nvme{sub}n1",
            )
        )
        for c in ctrls:
            disks.append(
                _ns(
                    f"nvme{sub}c{c}n1",
                    serial,
                    eui,
                    {},
                    _pcie(f"1c.{c}", f"nvme{c}", f"nvme{sub}c{c}n1"),
                    smart=False,
                )
            )
    host = write_host(
        "mpath-nvme",
        hostname="nvm98",
        disks=disks,
        arrays=[
            MdArray(
                "md0",
                "raid1",
                2,
                [Member("nvme0n1p1", 0, 0), Member("nvme1n1p1", 1, 1)],
                418_000_000,
                _uuid(0x98),
            )
        ],
        mounts=[("/dev/md0", "/", "ext4", "9:0")],
        root=tmp_path,
    )
    probe = CountingProbe(host)
    inv = collect_inventory(probe)
    root = inv.volume("/")
    assert root.failures_tolerated == 1 and len(root.disks) == 2
    assert len({d.identity for d in inv.disks}) == 2 and len(inv.disks) == 6
    smartctl = sorted(argv[-1] for argv in probe.ran if argv[0] == "smartctl")
    assert smartctl == ["/dev/nvme0n1", "/dev/nvme1n1"]  # never the hidden path devices, never twice
    by = {d.name: d for d in inv.disks}
    assert by["nvme0c1n1"].smart is not None and by["nvme0c1n1"].smart.power_on_hours == 4_000
    assert not [p for p in inv.problems if p.collector == "smart"]
    pd0, _ = physical_disks(inv)
    assert (pd0.name, pd0.namespaces) == ("nvme-subsys0", (("nvme0n1", ("nvme0c0n1", "nvme0c1n1")),))
    assert pd0.size_bytes == 400 * GIB  # one namespace, seen three ways
    assert "namespace: nvme0n1 (paths nvme0c0n1, nvme0c1n1)" in render_inventory(inv)


# ------------------------------------------------------------------------------------ SAS and multipath


def _sas(name: str, wwn: str, serial: str, parts: dict[str, int], port: int) -> Disk:
    link = (
        f"../devices/pci0000:00/0000:00:03.0/0000:02:00.0/host0/port-0:{port}/end_device-0:{port}/"
        f"target0:0:{port}/0:0:{port}:0/block/{name}"
    )
    disk = Disk(name, 4000 * GIB, "ST4000NM0025", serial, wwn, True, parts, link=link, vendor="SEAGATE")
    disk.smart = Smart(seagate_hdd(disk, 12_000 + port, 33))
    return disk


def test_the_two_sas_paths_of_a_dual_ported_disk_are_one_disk(tmp_path: Path) -> None:
    """sdb and sdc are the two ports of one SAS disk (one LU WWN): md0 over sda1 + sdb1 has two disks, not
    three; md1 over sdb2 + sdc2 is one disk seen twice."""
    parts = {"1": 100 * GIB, "2": 3000 * GIB}
    sda = _sas("sda", "naa.5000c500a0000001", "Z1Z0A001", {f"sda{k}": v for k, v in parts.items()}, 0)
    sdb = _sas("sdb", "naa.5000c500a0000002", "Z1Z0A002", {f"sdb{k}": v for k, v in parts.items()}, 1)
    sdc = _sas("sdc", "naa.5000c500a0000002", "Z1Z0A002", {f"sdc{k}": v for k, v in parts.items()}, 2)
    host = write_host(
        "dual-port",
        hostname="sas01",
        disks=[sda, sdb, sdc],
        arrays=[
            MdArray(
                "md0", "raid1", 2, [Member("sda1", 0, 0), Member("sdb1", 1, 1)], 104_000_000, _uuid(0x51)
            ),
            MdArray(
                "md1", "raid1", 2, [Member("sdb2", 0, 0), Member("sdc2", 1, 1)], 3_140_000_000, _uuid(0x52)
            ),
        ],
        mounts=[("/dev/md0", "/", "ext4", "9:0"), ("/dev/md1", "/srv", "xfs", "9:1")],
        root=tmp_path,
    )
    inv, ev = evaluated(host)
    assert inv.volume("/").failures_tolerated == 1 and len(inv.volume("/").disks) == 2
    assert inv.volume("/srv").failures_tolerated == 0 and len(inv.volume("/srv").disks) == 1
    (same,) = [f for f in ev.findings if f.code == "mirror-same-disk"]
    assert same.subject == "md1" and "sdb2 and sdc2 are on one disk, wwn:naa.5000c500a0000002" in same.message
    pds = physical_disks(inv)
    assert [(p.name, [d.name for d in p.disks]) for p in pds] == [("sda", ["sda"]), ("sdb", ["sdb", "sdc"])]
    assert pds[1].size_bytes == 4000 * GIB  # one LU, two paths: not twice its size
    assert "2 paths to one disk: sdb, sdc" in render_inventory(inv)


def test_dm_multipath_paths_to_one_lun_count_once(tmp_path: Path) -> None:
    """md0 mirrors two multipathed LUNs (mpatha over sdd + sde, mpathb over sdf + sdg): two disks, not four.
    /scratch on a third LUN (mpathc over sdh + sdi) survives nothing: both paths lead to one LUN."""
    disks = []
    dm = {}
    for n, (lun, pair) in enumerate((("a", "de"), ("b", "fg"), ("c", "hi"))):
        wwn = f"naa.600a098038303053453f463045{n:06x}"
        for port, letter in enumerate(pair):
            disks.append(_sas(f"sd{letter}", wwn, f"LUN{lun.upper()}", {}, 2 * n + port))
        dm[f"dm-{n}"] = (f"mpath{lun}", f"mpath-3{wwn[4:]}", [f"sd{pair[0]}", f"sd{pair[1]}"])
    host = write_host(
        "multipath",
        hostname="san01",
        disks=disks,
        arrays=[
            MdArray(
                "md0", "raid1", 2, [Member("dm-0", 0, 0), Member("dm-1", 1, 1)], 4_000_000_000, _uuid(0x53)
            )
        ],
        dm=dm,
        mounts=[("/dev/md0", "/data", "xfs", "9:0"), ("/dev/mapper/mpathc", "/scratch", "xfs", "253:2")],
        root=tmp_path,
    )
    inv = collect_inventory(ReplayProbe(host))
    data, scratch = inv.volume("/data"), inv.volume("/scratch")
    assert data.failures_tolerated == 1 and len(data.disks) == 2
    assert scratch.failures_tolerated == 0 and len(scratch.disks) == 1
    pds = physical_disks(inv)
    assert [[d.name for d in p.disks] for p in pds] == [["sdd", "sde"], ["sdf", "sdg"], ["sdh", "sdi"]]
    assert "2 paths to one disk: sdd, sde (multipath dm-0 mpatha)" in render_inventory(inv)


# -------------------------------------------------------------------------------- SMART and identity merge


def test_smart_is_read_once_per_nvme_drive_and_shared_with_a_note() -> None:
    probe = CountingProbe(NVM07)
    c = SmartCollector().collect(probe)
    assert sorted(a[-1] for a in probe.ran if a[0] == "smartctl") == [
        "/dev/nvme0n1",
        "/dev/nvme1n1",
        "/dev/nvme2n1",
    ]
    by = {d.name: d for d in c.disks}
    n1, n2 = by["nvme0n1"].smart, by["nvme0n2"].smart
    assert n1 is not None and n2 is not None
    assert replace(n2, wwn=n1.wwn, notes=n1.notes) == n1  # the very same reading
    assert n2.wwn == "eui.002538b711a0c702" and n1.wwn == "eui.002538b711a0c701"
    assert any("read through nvme0n1" in n for n in n2.notes)
    assert any(n.startswith("nvme0n2: SMART read through nvme0n1") for n in c.notes)
    assert c.problems == ()


def test_smart_and_blockdev_agree_on_every_nvme_identity() -> None:
    devs = {d.name: d for d in BlockDevCollector().collect(ReplayProbe(NVM07)).devices}
    for d in SmartCollector().collect(ReplayProbe(NVM07)).disks:
        assert d.identity == disk_identity(devs[d.name]), d.name
    # without blockdev, SMART's disks alone give the same drives
    only = SmartCollector().collect(ReplayProbe(NVM07))
    assert len({d.identity for d in only.disks}) == 3


def test_a_controller_without_a_serial_takes_smarts_serial_for_all_its_namespaces() -> None:
    devices = [
        BlockDevice(
            "nvme0n1", "disk", 400 * GIB, wwn="eui.1", transport="nvme", unit="name:nvme0", controller="nvme0"
        ),
        BlockDevice(
            "nvme0n2", "disk", 400 * GIB, wwn="eui.2", transport="nvme", unit="name:nvme0", controller="nvme0"
        ),
        BlockDevice("nvme0n1p1", "partition", parent="nvme0n1"),
        BlockDevice("nvme0n2p1", "partition", parent="nvme0n2"),
        BlockDevice("md0", "md", slaves=("nvme0n1p1", "nvme0n2p1")),
    ]
    health = SmartHealth("PASS", model=MODEL, serial="S64X", wwn="eui.1")
    smart = [
        m.Disk(n, "name:nvme0", model=MODEL, serial="S64X", wwn=f"eui.{i}", smart=health)
        for i, n in ((1, "nvme0n1"), (2, "nvme0n2"))
    ]
    md0 = Array(
        "md0",
        "raid1",
        "active",
        raid_disks=2,
        in_sync_disks=2,
        members=(m.Member("nvme0n1p1", 0), m.Member("nvme0n2p1", 1)),
    )
    runs = [
        (CollectorRun("blockdev", True, 0.0), Contribution(devices=tuple(devices))),
        (CollectorRun("md", True, 0.0), Contribution(arrays=(md0,))),
        (CollectorRun("mounts", True, 0.0), Contribution(mounts=(Mount("/dev/md0", "/", "ext4"),))),
        (CollectorRun("smart", True, 0.0), Contribution(disks=tuple(smart))),
    ]
    inv = build_inventory(HostHeader("h", "Linux", "6.1"), runs, collected_at=0.0)
    assert {d.identity for d in inv.disks} == {f"serial:{MODEL}:S64X"}
    assert inv.volume("/").failures_tolerated == 0 and inv.volume("/").disks == (f"serial:{MODEL}:S64X",)


def test_a_controller_without_a_serial_is_keyed_by_its_subsystem_nqn(tmp_path: Path) -> None:
    host = nvme_mirror_host(tmp_path, one_drive=True)
    for name in ("nvme0n1", "nvme0n2"):
        (host / "fs" / "sys" / "block" / name / "device" / "serial").write_text("\n")
    devs = {d.name: d for d in BlockDevCollector().collect(ReplayProbe(host)).devices}
    want = "nqn:nqn.2014.08.org.nvmexpress:144d144dS64GNA0T900001"
    assert disk_identity(devs["nvme0n1"]) == disk_identity(devs["nvme0n2"]) == want


# ------------------------------------------------------------------------------------ the bundled host


def test_bundled_host_is_what_hostgen_writes(tmp_path: Path) -> None:
    made = hostgen_nvme.write_nvme_host(tmp_path)
    new = sorted(p.relative_to(made) for p in made.rglob("*") if p.is_file())
    old = sorted(p.relative_to(NVM07) for p in NVM07.rglob("*") if p.is_file())
    assert new == old
    for rel in new:
        assert (made / rel).read_bytes() == (NVM07 / rel).read_bytes(), rel


def test_nvm07_root_on_one_ssd_survives_nothing_and_srv_survives_one() -> None:
    inv, ev = evaluated(NVM07)
    assert inv.header.hostname == "nvm07" and inv.problems == ()
    assert inv.volume("/").failures_tolerated == 0 and len(inv.volume("/").disks) == 1
    assert inv.volume("/srv").failures_tolerated == 1 and len(inv.volume("/srv").disks) == 2
    assert (inv.array("md0").failures_tolerated, inv.array("md1").failures_tolerated) == (0, 1)
    assert codes(ev, Severity.CRITICAL) == {"mirror-same-disk", "role-not-redundant"}
    assert not ev.compliant
    assert all(d.smart is not None and d.smart.assessment == "PASS" for d in inv.disks)


def test_nvm07_disks_table_has_one_row_per_drive() -> None:
    inv = collect_inventory(ReplayProbe(NVM07))
    text = render_inventory(inv)
    disks = text.split("\nDisks\n", 1)[1].split("\n\n", 1)[0].splitlines()
    rows = [line.split()[0] for line in disks[1:] if not line.strip().startswith("└─")]
    assert rows == ["nvme0", "nvme1", "nvme2"]
    assert "    └─ 2 namespaces: nvme0n1 (894.0 GiB), nvme0n2 (894.0 GiB)" in disks
    assert disks[1].split()[1:3] == ["1.7", "TiB"]  # the drive: both namespaces


def test_nvm07_metrics_have_one_disk_series_per_drive() -> None:
    inv, ev = evaluated(NVM07)
    text = render_metrics(build_snapshot(inv, ev, str(FLEET))).decode()
    info = {}
    sizes = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == "raidwatch_disk_info":
                info[s.labels["disk"]] = s.labels
            elif s.name == "raidwatch_disk_size_bytes":
                sizes[s.labels["disk"]] = s.value
    drive0 = f"serial:{MODEL}:S64GNA0T500701"
    assert len(info) == 3
    assert info[drive0]["device"] == "nvme0n1,nvme0n2"
    assert info[drive0]["wwn"] == "eui.002538b711a0c701,eui.002538b711a0c702"
    assert sizes[drive0] == 2 * 894 * GIB


def test_api06_keeps_its_verdict_with_drive_identities() -> None:
    inv, ev = evaluated(HOSTS / "api06-nvme-mirror")
    assert ev.compliant and inv.volume("/").failures_tolerated == 1
    assert sorted(d.identity for d in inv.disks) == [
        "serial:Samsung SSD 970 EVO Plus 500GB:S4EWNX0R600101",
        "serial:Samsung SSD 970 EVO Plus 500GB:S4EWNX0R600102",
    ]


@pytest.mark.parametrize("name", ["nvme0n1", "nvme0n2"])
def test_the_tree_says_which_controller_a_namespace_is_on(name: str) -> None:
    text = render_inventory(collect_inventory(ReplayProbe(NVM07)))
    assert f"{name} (disk, {MODEL}) on nvme0 894.0 GiB id=serial:{MODEL}:S64GNA0T500701" in text


def test_history_sees_one_disk_per_drive() -> None:
    from raidwatch.history import History

    inv = collect_inventory(ReplayProbe(NVM07))
    h = History()
    assert h.observe(inv, 1000.0) == []
    assert sorted(h.disks) == [f"serial:{MODEL}:S64GNA0T50070{i}" for i in (1, 2, 3)]


def test_empty_inventory_has_no_physical_disks() -> None:
    assert physical_disks(HostInventory(HostHeader("h", "Linux", "6.1"), 0.0)) == []


def test_smart_findings_once_per_physical_disk() -> None:
    """Two namespaces of one failing NVMe drive: one disk-smart-failing finding naming both."""
    from raidwatch.findings import _disk_findings
    from raidwatch.model import Disk, HostHeader, HostInventory, SmartHealth
    from raidwatch.policy import load_policy

    bad = SmartHealth("FAIL", reasons=("NVMe critical warning 0x04",))
    ident = "serial:SAMSUNG MZQL2960HCJR-00A07:S64FNE0R700001"
    inv = HostInventory(
        HostHeader("h", "Linux", "6.1"),
        0.0,
        disks=(Disk("nvme0n1", ident, model="SAMSUNG MZQL2960HCJR-00A07", smart=bad),
               Disk("nvme0n2", ident, model="SAMSUNG MZQL2960HCJR-00A07", smart=bad)),
    )  # fmt: skip
    (f,) = _disk_findings(inv, load_policy("f", "version: 1\n").for_host("h"))
    assert f.code == "disk-smart-failing" and "nvme0n1, nvme0n2" in f.message
