"""Prometheus metrics: rendered from every recorded host and checked value by value; promtool on the
output and on the alert rules; `raidwatch textfile` writes atomically; odd inventories never break it."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from conftest import HOSTS, REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from raidwatch import cli
from raidwatch.exporter import (
    METRICS,
    SMART_EXIT_BITS,
    SPECS,
    age_family_text,
    build_snapshot,
    render_metrics,
    write_textfile,
)
from raidwatch.findings import CODES, Evaluation, evaluate
from raidwatch.inventory import collect_inventory
from raidwatch.model import (
    Array,
    CollectorRun,
    Disk,
    Finding,
    HostHeader,
    HostInventory,
    Member,
    MemberState,
    Problem,
    Severity,
    SmartHealth,
    SyncAction,
    SyncStatus,
    Volume,
)
from raidwatch.parsers.smartctl import EXIT_BITS
from raidwatch.policy import load_policy
from raidwatch.probe import ReplayProbe

TODAY = date(2026, 11, 25)
FLEET = REPO / "fleet.yaml"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (Debian package `prometheus` provides /usr/bin/promtool)"
)
HOST_DIRS = sorted(p for p in HOSTS.iterdir() if (p / "host.json").is_file())

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def snapshot_of(host: str | Path, fleet: Path | None = FLEET):
    inv = collect_inventory(ReplayProbe(HOSTS / host))
    ev = None
    if fleet is not None:
        ev = evaluate(inv, load_policy(str(fleet)).for_host(inv.header.hostname), today=TODAY)
    return build_snapshot(inv, ev, str(fleet) if fleet else None)


def parse(text: bytes) -> tuple[dict[str, str], Samples]:
    """Family name -> type, and every sample as (name, labels) -> value; duplicates fail the test."""
    types: dict[str, str] = {}
    samples: Samples = {}
    for fam in text_string_to_metric_families(text.decode()):
        types[fam.name] = fam.type
        for s in fam.samples:
            key = (s.name, frozenset(s.labels.items()))
            assert key not in samples, f"duplicate sample {s.name}{s.labels}"
            samples[key] = s.value
    return types, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def select(samples: Samples, name: str, **labels: str) -> dict[frozenset[tuple[str, str]], float]:
    want = set(labels.items())
    return {lab: v for (n, lab), v in samples.items() if n == name and want <= set(lab)}


@pytest.fixture(scope="module")
def rendered() -> dict[str, Samples]:
    out = {}
    for d in HOST_DIRS:
        _types, samples = parse(render_metrics(snapshot_of(d.name)))
        out[d.name] = samples
    return out


def disk_id(samples: Samples, device: str) -> str:
    for lab in select(samples, "raidwatch_disk_info", device=device):
        return dict(lab)["disk"]
    raise KeyError(device)


# ---------------------------------------------------------------------------- every host


@pytest.mark.parametrize("host", [d.name for d in HOST_DIRS])
def test_every_host_renders_documented_gauges_only(host):
    text = render_metrics(snapshot_of(host))
    types, samples = parse(text)
    assert set(types) <= set(SPECS)
    for name, typ in types.items():
        assert name.startswith("raidwatch_")
        assert typ in ("gauge", "info"), (name, typ)  # nothing here is a counter: no _total
    for (name, labels), _v in samples.items():
        spec = SPECS[name]
        assert {k for k, _ in labels} == set(spec.labels), name
    assert value(samples, "raidwatch_snapshot_stale") == 0
    (build,) = select(samples, "raidwatch_build_info")
    assert dict(build)["version"] == cli.__version__


def test_render_is_pure_and_deterministic(monkeypatch):
    snap = snapshot_of("web01-mirror-degraded")
    first = render_metrics(snap)

    def no_clock() -> float:
        raise AssertionError("render_metrics read the clock")

    monkeypatch.setattr(time, "time", no_clock)
    assert render_metrics(snap) == first
    assert b"raidwatch_snapshot_age_seconds" not in first  # the daemon appends it per scrape


# ---------------------------------------------------------------------------- values per host


def test_web01_degraded_mirror_with_a_failed_member(rendered):
    s = rendered["web01-mirror-degraded"]
    assert value(s, "raidwatch_array_degraded", array="md1") == 1
    assert value(s, "raidwatch_array_degraded", array="md0") == 0
    assert value(s, "raidwatch_array_in_sync_disks", array="md1") == 1
    assert value(s, "raidwatch_array_required_disks", array="md1") == 2
    assert value(s, "raidwatch_array_failures_tolerated", array="md1") == 0
    assert value(s, "raidwatch_array_failures_tolerated", array="md0") == 1
    assert value(s, "raidwatch_array_member_state", array="md1", member="sdb2", state="failed") == 1
    assert value(s, "raidwatch_array_member_state", array="md1", member="sdb2", state="active") == 0
    assert value(s, "raidwatch_array_member_state", array="md1", member="sda2", state="active") == 1
    assert value(s, "raidwatch_array_members", array="md1", state="failed") == 1
    assert value(s, "raidwatch_array_members", array="md1", state="active") == 1
    assert value(s, "raidwatch_array_sync_action", array="md1", action="idle") == 1
    assert sum(select(s, "raidwatch_array_sync_action", array="md1").values()) == 1
    assert value(s, "raidwatch_array_state", array="md1", state="active") == 1
    assert (
        value(
            s,
            "raidwatch_array_info",
            array="md1",
            kind="md",
            level="raid1",
            metadata="1.2",
            uuid="000005a2-0000-05a2-0000-05a2000005a2",
            label="",
        )
        == 1
    )
    # the failed member's physical disk, by identity
    sdb = disk_id(s, "sdb")
    assert sdb == "wwn:naa.5002538e40a1b2d4"
    assert value(s, "raidwatch_array_member_info", array="md1", member="sdb2", disk=sdb) == 1
    # volumes, and redundancy by role
    assert value(s, "raidwatch_volume_redundant", mountpoint="/") == 1
    assert value(s, "raidwatch_volume_redundant", mountpoint="/srv") == 0
    assert value(s, "raidwatch_volume_failures_tolerated", mountpoint="/srv") == 0
    assert value(s, "raidwatch_volume_disks", mountpoint="/") == 2
    assert (
        value(s, "raidwatch_volume_info", mountpoint="/srv", device="/dev/md1", fstype="xfs", redundancy="md")
        == 1
    )
    assert value(s, "raidwatch_role_volume_redundant", role="data", mountpoint="/srv") == 0
    assert value(s, "raidwatch_role_volume_redundant", role="boot", mountpoint="/") == 1
    assert value(s, "raidwatch_role_volumes", role="boot", require="mirror") == 1
    # findings and compliance
    assert value(s, "raidwatch_host_compliant") == 0
    assert value(s, "raidwatch_findings", code="array-degraded", severity="critical") == 1
    assert value(s, "raidwatch_findings", code="array-failed-member", severity="warning") == 1
    assert value(s, "raidwatch_findings", code="role-not-redundant", severity="critical") == 1
    assert value(s, "raidwatch_findings", code="mirror-same-disk", severity="critical") == 0
    assert (
        value(s, "raidwatch_finding", code="array-failed-member", severity="warning", subject="md1/sdb2") == 1
    )
    assert value(s, "raidwatch_finding", code="role-not-redundant", severity="critical", subject="/srv") == 1
    assert value(s, "raidwatch_policy_info", path=str(FLEET), layers="groups.web > defaults") == 1
    assert (
        value(
            s, "raidwatch_host_info", hostname="web01", os="Linux", kernel="6.1.0-27-amd64", machine="x86_64"
        )
        == 1
    )


def test_web01_smart_when_recorded(rendered):
    s = rendered["web01-mirror-degraded"]
    if not select(s, "raidwatch_disk_smart_assessment"):
        pytest.skip("web01's recording has no SMART readings")
    sdb, sda = disk_id(s, "sdb"), disk_id(s, "sda")
    assert value(s, "raidwatch_disk_smart_assessment", disk=sdb, assessment="fail") == 1
    assert value(s, "raidwatch_disk_smart_assessment", disk=sdb, assessment="pass") == 0
    assert value(s, "raidwatch_disk_smart_assessment", disk=sda, assessment="pass") == 1
    assert value(s, "raidwatch_disk_smart_exit_status", disk=sdb) == 24
    assert value(s, "raidwatch_disk_smart_exit_status_bit", disk=sdb, bit="disk-failing") == 1
    assert value(s, "raidwatch_disk_smart_exit_status_bit", disk=sdb, bit="prefail-below-threshold") == 1
    assert value(s, "raidwatch_disk_smart_exit_status_bit", disk=sdb, bit="command-failed") == 0
    assert value(s, "raidwatch_disk_smart_health_passed", disk=sdb) == 0
    assert value(s, "raidwatch_disk_smart_attribute_raw", disk=sdb, attribute="reallocated_sectors") == 1460
    assert value(s, "raidwatch_disk_smart_failing_attributes", disk=sdb, when="now") == 1
    assert value(s, "raidwatch_disk_power_on_seconds", disk=sdb) == 14119 * 3600
    assert value(s, "raidwatch_findings", code="disk-smart-failing", severity="critical") == 1
    assert (
        value(
            s,
            "raidwatch_disk_info",
            disk=sdb,
            device="sdb",
            model="Samsung SSD 860 PRO 512GB",
            serial="S42YNX0M812399K",
            wwn="naa.5002538e40a1b2d4",
            firmware="RVM02B6Q",
            transport="ata",
            type="ata",
        )
        == 1
    )


def test_db02_recovery_progress_and_eta(rendered):
    s = rendered["db02-single-boot-disk"]
    assert value(s, "raidwatch_array_sync_action", array="md0", action="recovery") == 1
    assert value(s, "raidwatch_array_sync_action", array="md0", action="idle") == 0
    assert value(s, "raidwatch_array_sync_queued", array="md0") == 0
    assert value(s, "raidwatch_array_sync_progress_ratio", array="md0") == pytest.approx(0.4, abs=1e-6)
    assert value(s, "raidwatch_array_sync_remaining_seconds", array="md0") == pytest.approx(15594, abs=1)
    assert value(s, "raidwatch_array_sync_speed_bytes_per_second", array="md0") == 161322 * 1024
    assert value(s, "raidwatch_array_rebuilding_members", array="md0") == 1
    assert value(s, "raidwatch_array_member_rebuilding", array="md0", member="sdc1") == 1
    assert value(s, "raidwatch_array_degraded", array="md0") == 1
    # single boot disk: / and /boot on sda alone
    assert (
        value(
            s, "raidwatch_volume_info", mountpoint="/", device="/dev/sda2", fstype="ext4", redundancy="none"
        )
        == 1
    )
    assert value(s, "raidwatch_role_volume_redundant", role="boot", mountpoint="/") == 0
    # the expired exemption brings the finding back, plus exemption-expired
    assert value(s, "raidwatch_findings", code="exemption-expired", severity="warning") == 1
    assert value(s, "raidwatch_findings", code="array-rebuilding", severity="warning") == 1
    # a severity other than the code's default gets its own sample next to the default's zero
    assert value(s, "raidwatch_findings", code="role-not-redundant", severity="warning") == 1
    assert value(s, "raidwatch_host_compliant") == 0


def test_db02_smart_when_recorded(rendered):
    s = rendered["db02-single-boot-disk"]
    if not select(s, "raidwatch_disk_smart_assessment"):
        pytest.skip("db02's recording has no SMART readings")
    sdb, sdd = disk_id(s, "sdb"), disk_id(s, "sdd")
    assert value(s, "raidwatch_disk_smart_assessment", disk=sdb, assessment="warn") == 1
    assert value(s, "raidwatch_disk_smart_attribute_raw", disk=sdb, attribute="pending_sectors") == 8
    assert value(s, "raidwatch_disk_smart_attribute_raw", disk=sdb, attribute="offline_uncorrectable") == 8
    assert value(s, "raidwatch_disk_temperature_celsius", disk=sdb) == 31
    assert value(s, "raidwatch_disk_smart_self_test_passed", disk=sdb) == 0
    # a sleeping disk: in standby, not woken, no fake values
    assert value(s, "raidwatch_disk_smart_standby", disk=sdd) == 1
    assert (("raidwatch_disk_temperature_celsius", frozenset({("disk", sdd)}))) not in s


def test_lab03_same_disk_mirror(rendered):
    s = rendered["lab03-same-disk-mirror"]
    assert value(s, "raidwatch_array_failures_tolerated", array="md0") == 0
    assert value(s, "raidwatch_array_degraded", array="md0") == 0
    assert value(s, "raidwatch_array_in_sync_disks", array="md0") == 2
    members = select(s, "raidwatch_array_member_info", array="md0")
    assert {dict(lab)["disk"] for lab in members} == {disk_id(s, "sda")}  # two partitions, one disk
    assert value(s, "raidwatch_findings", code="mirror-same-disk", severity="critical") == 1
    assert value(s, "raidwatch_finding", code="mirror-same-disk", severity="critical", subject="md0") == 1
    # md1 is scrubbing: a check, not a rebuild
    assert value(s, "raidwatch_array_sync_action", array="md1", action="check") == 1
    assert value(s, "raidwatch_array_failures_tolerated", array="md1") == 1
    assert value(s, "raidwatch_findings", code="array-scrub", severity="info") == 1
    assert value(s, "raidwatch_volume_failures_tolerated", mountpoint="/var") == 1


def test_nas04_raid6_rebuild(rendered):
    s = rendered["nas04-raid6-rebuild"]
    info = select(s, "raidwatch_array_info", array="md0")
    assert [dict(lab)["level"] for lab in info] == ["raid6"]
    assert value(s, "raidwatch_array_required_disks", array="md0") == 6
    assert value(s, "raidwatch_array_in_sync_disks", array="md0") == 4
    assert value(s, "raidwatch_array_rebuilding_members", array="md0") == 2
    assert value(s, "raidwatch_array_failures_tolerated", array="md0") == 0
    assert value(s, "raidwatch_array_sync_action", array="md0", action="recovery") == 1
    assert value(s, "raidwatch_array_sync_progress_ratio", array="md0") == pytest.approx(0.196, abs=1e-6)
    assert value(s, "raidwatch_findings", code="array-rebuild-stalled", severity="critical") == 1
    assert value(s, "raidwatch_volume_disks", mountpoint="/tank") == 4
    assert len(select(s, "raidwatch_array_member_state", array="md0")) == 6 * 3


def test_a_mac_host_without_md(rendered):
    s = rendered["macmini03-apfs"]
    assert not select(s, "raidwatch_array_degraded")
    (host,) = select(s, "raidwatch_host_info")
    assert dict(host)["hostname"] == "macmini03" and dict(host)["os"] == "Darwin"
    assert len(select(s, "raidwatch_volume_info")) == len(select(s, "raidwatch_volume_redundant")) >= 2
    assert value(s, "raidwatch_role_volume_redundant", role="boot", mountpoint="/") == 0


def test_api06_compliant_nvme_mirror(rendered):
    if "api06-nvme-mirror" not in rendered:
        pytest.skip("no api06-nvme-mirror recording")
    s = rendered["api06-nvme-mirror"]
    assert value(s, "raidwatch_host_compliant") == 1
    assert value(s, "raidwatch_volume_redundant", mountpoint="/") == 1
    nvme0 = disk_id(s, "nvme0n1")
    # the drive (its controller's serial and model), not the namespace's EUI-64, which stays the wwn label
    assert nvme0 == "serial:Samsung SSD 970 EVO Plus 500GB:S4EWNX0R600101"
    (info,) = select(s, "raidwatch_disk_info", disk=nvme0)
    assert dict(info)["type"] == "nvme" and dict(info)["wwn"] == "eui.0025385b01a0c000"
    if not select(s, "raidwatch_disk_smart_assessment", disk=nvme0):
        pytest.skip("api06's recording has no SMART readings")
    assert value(s, "raidwatch_disk_smart_assessment", disk=nvme0, assessment="pass") == 1
    assert value(s, "raidwatch_disk_nvme_percentage_used_ratio", disk=nvme0) == pytest.approx(0.03)
    assert value(s, "raidwatch_disk_nvme_available_spare_threshold_ratio", disk=nvme0) == pytest.approx(0.1)
    assert value(s, "raidwatch_disk_smart_attribute_raw", disk=nvme0, attribute="nvme_media_errors") == 0
    assert value(s, "raidwatch_disk_temperature_celsius", disk=nvme0) == 42


def test_every_code_has_a_findings_sample_at_its_default_severity(rendered):
    for host, s in rendered.items():
        for code, (sev, _doc) in CODES.items():
            assert ("raidwatch_findings", frozenset({("code", code), ("severity", sev.value)})) in s, (
                host,
                code,
            )
        # the per-code counts and the per-subject series agree
        total = sum(select(s, "raidwatch_findings").values())
        assert total == sum(select(s, "raidwatch_finding").values()), host


def test_collector_health(rendered):
    s = rendered["web01-mirror-degraded"]
    assert value(s, "raidwatch_collector_success", collector="md") == 1
    assert value(s, "raidwatch_collector_skipped", collector="md") == 0
    assert value(s, "raidwatch_collector_problems", collector="md") == 0
    assert value(s, "raidwatch_collector_duration_seconds", collector="md") >= 0
    taken = value(s, "raidwatch_snapshot_timestamp_seconds")
    assert value(s, "raidwatch_collector_last_success_timestamp_seconds", collector="md") == taken
    mac = rendered["macmini03-apfs"]
    assert value(mac, "raidwatch_collector_skipped", collector="md") == 1
    assert value(mac, "raidwatch_collector_success", collector="md") == 1  # not applicable is not failing


# ---------------------------------------------------------------------------- synthetic snapshots


def _inv(**kw) -> HostInventory:
    return HostInventory(header=HostHeader("h1", "Linux", "6.1"), collected_at=1_800_000_000.0, **kw)


def test_a_failed_collector_and_a_compliant_host():
    inv = _inv(
        collectors=(
            CollectorRun("md", True, 0.01),
            CollectorRun("smart", False, 2.5, problems=(Problem("smart", "/dev/sda", "timed out"),)),
        )
    )
    ok = Evaluation(host="h1", findings=())
    _t, s = parse(render_metrics(build_snapshot(inv, ok, "fleet.yaml")))
    assert value(s, "raidwatch_host_compliant") == 1
    assert value(s, "raidwatch_collector_success", collector="smart") == 0
    assert value(s, "raidwatch_collector_problems", collector="smart") == 1
    assert value(s, "raidwatch_collector_duration_seconds", collector="smart") == 2.5
    assert (
        "raidwatch_collector_last_success_timestamp_seconds",
        frozenset({("collector", "smart")}),
    ) not in s
    assert value(s, "raidwatch_collector_last_run_timestamp_seconds", collector="smart") == 1_800_000_000
    assert value(s, "raidwatch_snapshot_timestamp_seconds") == 1_800_000_000
    # info findings keep a host compliant
    info = Evaluation("h1", (Finding("array-scrub", Severity.INFO, "md0", "check running"),))
    _t, s = parse(render_metrics(build_snapshot(inv, info, None)))
    assert value(s, "raidwatch_host_compliant") == 1
    assert value(s, "raidwatch_findings", code="array-scrub", severity="info") == 1


def test_without_a_policy_there_are_no_policy_metrics():
    snap = snapshot_of("web01-mirror-degraded", fleet=None)
    _t, s = parse(render_metrics(snap))
    for name in (
        "raidwatch_host_compliant",
        "raidwatch_findings",
        "raidwatch_finding",
        "raidwatch_policy_info",
        "raidwatch_role_volumes",
    ):
        assert not select(s, name), name  # absent, not a fake 0
    assert value(s, "raidwatch_array_degraded", array="md1") == 1


def test_stale_snapshot_and_build_info():
    snap = replace(
        snapshot_of("lab03-same-disk-mirror"), stale=True, build={"version": "9.9", "python": "3.99"}
    )
    _t, s = parse(render_metrics(snap))
    assert value(s, "raidwatch_snapshot_stale") == 1
    assert value(s, "raidwatch_build_info", version="9.9", python="3.99") == 1


def test_age_family_text():
    text = age_family_text(12.5)
    types, s = parse(text)
    assert types == {"raidwatch_snapshot_age_seconds": "gauge"}
    assert value(s, "raidwatch_snapshot_age_seconds") == 12.5
    assert text.startswith(b"# HELP raidwatch_snapshot_age_seconds ")
    # appended to a render, it is still one valid exposition
    parse(render_metrics(snapshot_of("web01-mirror-degraded")) + text)


def test_exit_bits_match_the_parser():
    assert SMART_EXIT_BITS == EXIT_BITS


def test_odd_label_values_are_escaped():
    vol = Volume('/mnt/we"ird\\path\nx', "/dev/sdz1", "ext4", None, None, (), None, "unknown")
    arr = Array(name="md9", level=None, state="inactive", members=(Member("dm-1", state=MemberState.SPARE),))
    inv = _inv(volumes=(vol, vol), arrays=(arr, arr))  # duplicates: the first wins, no duplicate series
    _t, s = parse(render_metrics(build_snapshot(inv, None, None)))
    assert value(s, "raidwatch_volume_redundant", mountpoint='/mnt/we"ird\\path\nx') == 0
    assert ("raidwatch_volume_failures_tolerated", frozenset({("mountpoint", vol.mountpoint)})) not in s
    assert value(s, "raidwatch_array_state", array="md9", state="inactive") == 1
    assert value(s, "raidwatch_array_members", array="md9", state="spare") == 1


def test_two_paths_to_one_disk_are_one_disk():
    a = Disk("sdc", "wwn:0x5000", model="LUN", size_bytes=10)
    b = Disk("sdd", "wwn:0x5000", model="LUN", size_bytes=10)
    _t, s = parse(render_metrics(build_snapshot(_inv(disks=(a, b)), None, None)))
    (labels,) = select(s, "raidwatch_disk_info")
    assert dict(labels)["device"] == "sdc,sdd"
    assert value(s, "raidwatch_disk_size_bytes", disk="wwn:0x5000") == 10


# ---------------------------------------------------------------------------- property: never raises

_names = st.text(min_size=0, max_size=12)
_opt_int = st.none() | st.integers(min_value=-(2**40), max_value=2**40)
_floats = st.none() | st.floats(allow_nan=True, allow_infinity=True)

_sync = st.builds(
    SyncStatus,
    action=st.sampled_from(list(SyncAction)),
    progress=_floats,
    finish_seconds=_floats,
    speed_kib_s=_opt_int,
    delayed=st.booleans(),
    pending=st.booleans(),
)
_member = st.builds(
    Member,
    device=_names,
    state=st.sampled_from(list(MemberState)),
    in_sync=st.none() | st.booleans(),
    rebuilding=st.booleans(),
)
_array = st.builds(
    Array,
    name=_names,
    level=st.none() | st.sampled_from(["raid1", "raid6", "raid0", "container"]) | _names,
    state=st.sampled_from(["active", "inactive"]) | _names,
    read_only=st.booleans(),
    auto_read_only=st.booleans(),
    raid_disks=_opt_int,
    in_sync_disks=_opt_int,
    degraded=st.booleans(),
    members=st.lists(_member, max_size=4).map(tuple),
    sync=st.none() | _sync,
    mismatch_cnt=_opt_int,
    failures_tolerated=_opt_int,
    kind=st.sampled_from(["md", "appleraid"]) | _names,
    label=st.none() | _names,
)
_smart = st.builds(
    SmartHealth,
    assessment=st.sampled_from(["PASS", "WARN", "FAIL", "UNKNOWN"]) | _names,
    temperature_celsius=_floats,
    power_on_hours=_opt_int,
    exit_status=_opt_int,
    standby=st.booleans(),
    read_at=_floats,
    reallocated_sectors=_opt_int,
    nvme_percentage_used=_opt_int,
    failing_now=st.lists(_names, max_size=2).map(tuple),
    last_self_test_hours=_opt_int,
)
_disk = st.builds(Disk, name=_names, identity=_names, model=st.none() | _names, smart=st.none() | _smart)
_volume = st.builds(
    Volume,
    mountpoint=_names,
    device=_names,
    fstype=_names,
    source=st.none() | _names,
    stack=st.none(),
    disks=st.lists(_names, max_size=3).map(tuple),
    failures_tolerated=_opt_int,
    redundancy=_names,
)
_finding = st.builds(
    Finding,
    code=st.sampled_from(sorted(CODES)) | _names,
    severity=st.sampled_from(list(Severity)),
    subject=_names,
    message=_names,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    arrays=st.lists(_array, max_size=3),
    disks=st.lists(_disk, max_size=3),
    volumes=st.lists(_volume, max_size=3),
    findings=st.none() | st.lists(_finding, max_size=4),
    runs=st.lists(
        st.builds(
            CollectorRun,
            name=_names,
            success=st.booleans(),
            duration_seconds=_floats.filter(lambda x: x is not None),
        ),
        max_size=3,
    ),
)
def test_render_never_raises_for_odd_inventories(arrays, disks, volumes, findings, runs):
    inv = _inv(arrays=tuple(arrays), disks=tuple(disks), volumes=tuple(volumes), collectors=tuple(runs))
    ev = None if findings is None else Evaluation("h1", tuple(findings))
    _types, samples = parse(render_metrics(build_snapshot(inv, ev, None)))
    assert all(isinstance(v, float) for v in samples.values())
    for name, _labels in samples:
        assert name in SPECS


# ---------------------------------------------------------------------------- promtool


def promtool(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], input=stdin, capture_output=True, timeout=60, cwd=REPO)


@needs_promtool
def test_promtool_check_metrics_is_clean_for_every_host():
    for d in HOST_DIRS:
        text = render_metrics(snapshot_of(d.name)) + age_family_text(3.0)
        res = promtool("check", "metrics", stdin=text)
        out = (res.stdout + res.stderr).decode()
        assert res.returncode == 0 and not out.strip(), f"{d.name}: {out}"


@needs_promtool
def test_promtool_check_rules():
    res = promtool("check", "rules", "prometheus/alerts.yml")
    assert res.returncode == 0, (res.stdout + res.stderr).decode()


@needs_promtool
def test_promtool_test_rules():
    res = promtool("test", "rules", "prometheus/alerts_test.yml")
    assert res.returncode == 0, (res.stdout + res.stderr).decode()


def test_every_alert_has_a_test_severity_and_runbook():
    import yaml

    rules = [
        r for g in yaml.safe_load((REPO / "prometheus/alerts.yml").read_text())["groups"] for r in g["rules"]
    ]
    tests = yaml.safe_load((REPO / "prometheus/alerts_test.yml").read_text())["tests"]
    tested = {t["alertname"] for case in tests for t in case["alert_rule_test"] if t["exp_alerts"]}
    for r in rules:
        assert r["alert"].startswith("Raidwatch")
        assert "severity" in r["labels"] and "for" in r, r["alert"]
        assert {"summary", "description", "runbook"} <= set(r["annotations"]), r["alert"]
        assert r["alert"] in tested, f"{r['alert']} never fires in alerts_test.yml"
    names = {r["alert"] for r in rules}
    for required in (
        "RaidwatchArrayDegraded",
        "RaidwatchArrayFailedMember",
        "RaidwatchRoleNotRedundant",
        "RaidwatchRebuildStalled",
        "RaidwatchSmartFailing",
        "RaidwatchCollectorFailing",
        "RaidwatchExporterAbsent",
        "RaidwatchSnapshotStale",
    ):
        assert required in names


# ---------------------------------------------------------------------------- README


def test_every_metric_is_documented_in_the_readme(rendered):
    readme = (REPO / "README.md").read_text()
    names = {m.name for m in METRICS} | {SPECS["raidwatch_snapshot_age_seconds"].name}
    names |= {n for s in rendered.values() for n, _l in s}
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert not missing, f"metrics not in README: {missing}"
    for alert in ("RaidwatchArrayDegraded", "RaidwatchSnapshotStale"):
        assert alert in readme
    assert "raidwatch textfile" in readme


# ---------------------------------------------------------------------------- textfile


def run_cli(*argv: str) -> int:
    return cli.main(list(argv))


def test_textfile_writes_the_metrics_atomically(tmp_path):
    out = tmp_path / "raidwatch.prom"
    old_umask = os.umask(0o077)
    try:
        rc = run_cli(
            "textfile", str(out), "--replay", str(HOSTS / "web01-mirror-degraded"), "--fleet", str(FLEET)
        )
    finally:
        os.umask(old_umask)
    assert rc == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["raidwatch.prom"]  # no temp file left
    _t, s = parse(out.read_bytes())
    assert value(s, "raidwatch_array_degraded", array="md1") == 1
    assert value(s, "raidwatch_host_compliant") == 0


def test_textfile_failing_write_keeps_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / "raidwatch.prom"
    out.write_bytes(b"# the previous, complete file\n")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    rc = run_cli(
        "textfile", str(out), "--replay", str(HOSTS / "lab03-same-disk-mirror"), "--fleet", str(FLEET)
    )
    assert rc == 2
    assert out.read_bytes() == b"# the previous, complete file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["raidwatch.prom"]


def test_write_textfile_replaces_in_one_step(tmp_path, monkeypatch):
    out = tmp_path / "m.prom"
    out.write_bytes(b"old\n")
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((Path(src).read_bytes(), Path(dst).read_bytes()))  # complete before the rename
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_textfile(out, b"new complete text\n")
    assert seen == [(b"new complete text\n", b"old\n")]
    assert out.read_bytes() == b"new complete text\n"


@pytest.mark.parametrize("where", ["missing-dir/raidwatch.prom", "."])
def test_textfile_unwritable_path_is_exit_2(tmp_path, capsys, where):
    rc = run_cli("textfile", str(tmp_path / where), "--replay", str(HOSTS / "web01-mirror-degraded"))
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("raidwatch: "), err


def test_textfile_bad_policy_is_exit_2(tmp_path, capsys):
    bad = tmp_path / "fleet.yaml"
    bad.write_text("defaults:\n  rolez: {}\n")
    rc = run_cli(
        "textfile",
        str(tmp_path / "x.prom"),
        "--replay",
        str(HOSTS / "web01-mirror-degraded"),
        "--fleet",
        str(bad),
    )
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "fleet.yaml:2:3" in err[0]
    assert not (tmp_path / "x.prom").exists()


def test_render_time_is_small():
    snap = snapshot_of("nas04-raid6-rebuild")
    t0 = time.perf_counter()
    for _ in range(20):
        render_metrics(snap)
    assert (time.perf_counter() - t0) / 20 < 0.05
