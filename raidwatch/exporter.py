"""Prometheus metrics: a Snapshot rendered as the text exposition (a custom collector; no I/O, no clock)."""

from __future__ import annotations

import contextlib
import os
import platform
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric

from raidwatch import __version__
from raidwatch.findings import CODES, Evaluation
from raidwatch.model import Array, HostInventory, MemberState, SmartHealth, SyncAction
from raidwatch.report import physical_disks
from raidwatch.snapshot import CollectorStatus, Snapshot

PREFIX = "raidwatch_"
# The synthetic finding a test page adds (RaidwatchTestPage pages for it; RaidwatchCriticalFinding skips it).
TEST_PAGE_CODE = "test-page"
TEST_PAGE_SUBJECT = "raidwatch test page: not a real failure"


@dataclass(frozen=True)
class TestPage:
    """An operator's test page, running until `until` (unix time): a synthetic critical finding."""

    __test__ = False  # not a pytest class

    until: float
    started: float | None = None


@dataclass(frozen=True)
class MetricSpec:
    """One metric family, declared once: its full name, type, labels and meaning (the README's table)."""

    name: str  # full exposed name (info metrics end in _info)
    type: str  # gauge | info
    labels: tuple[str, ...]
    help: str


def _g(name: str, labels: str, help: str) -> MetricSpec:
    return MetricSpec(PREFIX + name, "gauge", tuple(labels.split()), help)


def _i(name: str, labels: str, help: str) -> MetricSpec:
    return MetricSpec(PREFIX + name + "_info", "info", tuple(labels.split()), help)


# Enumerations exposed as one sample per value (1 for the current value, 0 for the others).
ARRAY_STATES = ("active", "read-only", "read-auto", "inactive")
SYNC_ACTIONS = ("idle", *(a.value for a in SyncAction))
MEMBER_STATES = tuple(s.value for s in MemberState)
SMART_ASSESSMENTS = ("pass", "warn", "fail", "unknown")
# smartctl's exit status bits, low bit first (the names of raidwatch.parsers.smartctl.EXIT_BITS).
SMART_EXIT_BITS = (
    "command-line-error",
    "device-open-failed",
    "command-failed",
    "disk-failing",
    "prefail-below-threshold",
    "attribute-past-threshold",
    "error-log-has-errors",
    "self-test-log-has-errors",
)
# SmartHealth fields exposed as raidwatch_disk_smart_attribute_raw{attribute=...}: failure predictors.
SMART_ATTRIBUTES = (
    "reallocated_sectors",
    "pending_sectors",
    "offline_uncorrectable",
    "reported_uncorrectable",
    "command_timeout",
    "udma_crc_errors",
    "nvme_media_errors",
    "nvme_critical_warning",
    "nvme_unsafe_shutdowns",
    "scsi_grown_defects",
    "scsi_uncorrected_errors",
)

METRICS: tuple[MetricSpec, ...] = (
    # host, build, snapshot
    _i("build", "version python", "raidwatch build: version and Python version; always 1"),
    _i("host", "hostname os kernel machine", "the host as it reports itself; always 1"),
    _i("policy", "path layers", "the fleet policy evaluated and its layers (host > group > defaults)"),
    _g(
        "host_compliant",
        "",
        "1 when the host has no critical and no warning finding; absent without a policy",
    ),
    _g("snapshot_timestamp_seconds", "", "unix time the snapshot these metrics describe was taken"),
    _g(
        "snapshot_stale",
        "",
        "1 when any collector is stale (raidwatch_collector_stale) or the assembly failed: part of these "
        "data are the last good data",
    ),
    _g(
        "config_reload_success",
        "",
        "1 when the latest configuration reload (SIGHUP) was accepted, 0 when it was rejected and the "
        "running configuration kept (daemon only)",
    ),
    _g(
        "config_last_reload_timestamp_seconds",
        "",
        "unix time the configuration in use was loaded: start-up or the last accepted reload (daemon only)",
    ),
    _g(
        "test_page_active",
        "",
        "1 while an operator's test page runs (SIGUSR1, `raidwatch test-page`, `textfile --test-page`)",
    ),
    # findings
    _g(
        "findings",
        "code severity",
        "findings by code and severity; every code has a sample (0) at its default severity",
    ),
    _g("finding", "code severity subject", "one series per finding subject: the number of such findings"),
    _g("findings_exempted", "code", "findings silenced by an exemption in fleet.yaml, by code"),
    # roles
    _g(
        "role_volumes", "role require", "mounted volumes a policy role covers (0: none of its covers mounted)"
    ),
    _g(
        "role_volume_redundant",
        "role mountpoint",
        "1 when the role's volume survives the loss of one physical disk",
    ),
    _g(
        "role_volume_failures_tolerated",
        "role mountpoint",
        "further physical-disk losses the role's volume survives (-1: unavailable now)",
    ),
    # arrays
    _i("array", "array kind level metadata uuid label", "an array's static facts; always 1"),
    _g(
        "array_state",
        "array state",
        "the array's state, one sample per state: active read-only read-auto inactive",
    ),
    _g("array_degraded", "array", "1 when the array is missing members"),
    _g("array_required_disks", "array", "members the array should have (raid_disks)"),
    _g("array_in_sync_disks", "array", "members holding current data"),
    _g("array_members", "array state", "members by state: active failed spare (active includes rebuilding)"),
    _g("array_rebuilding_members", "array", "members being rebuilt into a role right now"),
    _g(
        "array_failures_tolerated",
        "array",
        "further physical-disk losses the array survives (0: one more loses it; -1: unavailable now)",
    ),
    _g("array_size_bytes", "array", "the array's usable size"),
    _g(
        "array_sync_action",
        "array action",
        "the running or queued background operation, one sample per action: idle resync recovery check "
        "repair reshape",
    ),
    _g("array_sync_queued", "array", "1 when the sync action is queued (DELAYED/PENDING), not running"),
    _g(
        "array_sync_progress_ratio", "array", "progress of the sync action, 0..1; absent when idle or unknown"
    ),
    _g("array_sync_remaining_seconds", "array", "the kernel's estimate of time left for the sync action"),
    _g("array_sync_speed_bytes_per_second", "array", "the sync action's current speed"),
    _g(
        "array_mismatch_sectors", "array", "md mismatch_cnt: sectors found to differ by the last check/repair"
    ),
    _g("array_sources_disagree", "array", "points on which sysfs, /proc/mdstat and mdadm disagree"),
    _g(
        "array_data_errors", "array", "permanent data errors the filesystem knows of (ZFS); absent if unknown"
    ),
    _g(
        "array_member_errors", "array member", "I/O and checksum errors a member counted since the last reset"
    ),
    _i(
        "array_member",
        "array member disk",
        "an array member and the physical disk (identity) it sits on, when known; always 1",
    ),
    _g(
        "array_member_state",
        "array member state",
        "a member's state, one sample per state: active failed spare",
    ),
    _g("array_member_in_sync", "array member", "1 when the member holds current data for its role"),
    _g("array_member_rebuilding", "array member", "1 while the member is being rebuilt into its role"),
    # caches (bcache, dm-cache/lvmcache, dm-writecache)
    _i(
        "cache",
        "cache kind label origin cache_devices",
        "a cache in front of a slower device: its kind, the device it caches, its cache device(s); always 1",
    ),
    _g(
        "cache_mode",
        "cache mode",
        "the cache's mode, one sample per mode: writeback writethrough writearound passthrough none",
    ),
    _g("cache_dirty_bytes", "cache", "data written to the cache, not yet to its origin; absent when unknown"),
    _g(
        "cache_holds_only_copy",
        "cache",
        "1 while the cache devices hold data found nowhere else (writeback with dirty data, or dirty data "
        "unknown): they are in the volume's failure set",
    ),
    _g("cache_device_failures_tolerated", "cache", "further disk losses the cache device(s) survive"),
    _g("cache_size_bytes", "cache", "the cache's capacity (dm-cache, dm-writecache)"),
    _g("cache_used_bytes", "cache", "of the cache's capacity, the part in use"),
    _g("cache_error", "cache", "1 when the cache reports trouble (dm-cache Fail/ro/needs_check, I/O error)"),
    # volumes
    _i(
        "volume",
        "mountpoint device fstype redundancy",
        "a mounted filesystem: device, filesystem, redundancy mechanism (md, appleraid, none, ...); always 1",
    ),
    _g("volume_redundant", "mountpoint", "1 when the volume survives the loss of any one physical disk"),
    _g(
        "volume_failures_tolerated",
        "mountpoint",
        "further physical-disk losses the volume survives (0: one loses it; -1: unavailable now)",
    ),
    _g("volume_disks", "mountpoint", "physical disks the volume depends on"),
    # disks
    _i(
        "disk",
        "disk device model serial wwn firmware transport type",
        "a physical disk: stable identity (disk), kernel name(s) now (device), model, serial ...; always 1",
    ),
    _g("disk_size_bytes", "disk", "the disk's capacity"),
    _g("disk_rotational", "disk", "1 for a spinning disk, 0 for solid state"),
    _g(
        "disk_smart_assessment",
        "disk assessment",
        "raidwatch's SMART verdict, one sample per value: pass warn fail unknown",
    ),
    _g("disk_smart_health_passed", "disk", "the drive's own overall-health self-assessment (1 passed)"),
    _g(
        "disk_smart_standby",
        "disk",
        "1 when the disk was in standby and not woken: SMART values are not fresh",
    ),
    _g(
        "disk_smart_permission_denied", "disk", "1 when reading SMART was refused (needs CAP_SYS_RAWIO/ADMIN)"
    ),
    _g("disk_smart_exit_status", "disk", "smartctl's exit status (a bit mask)"),
    _g("disk_smart_exit_status_bit", "disk bit", "smartctl's exit status bits by name, 1 when set"),
    _g(
        "disk_smart_attribute_raw",
        "disk attribute",
        "raw values of SMART failure predictors (reallocated_sectors, pending_sectors, ...)",
    ),
    _g(
        "disk_smart_failing_attributes",
        "disk when",
        "attributes at or below their threshold: when=now (FAILING_NOW) or when=past",
    ),
    _g("disk_temperature_celsius", "disk", "the disk's temperature"),
    _g("disk_power_on_seconds", "disk", "the disk's power-on time (power-on hours x 3600)"),
    _g("disk_nvme_percentage_used_ratio", "disk", "NVMe endurance used, 0..1 (can exceed 1)"),
    _g("disk_nvme_available_spare_ratio", "disk", "NVMe available spare, 0..1"),
    _g("disk_nvme_available_spare_threshold_ratio", "disk", "NVMe available spare threshold, 0..1"),
    _g("disk_smart_self_test_passed", "disk", "1 when the last finished self-test passed, 0 when it failed"),
    _g(
        "disk_smart_self_test_age_seconds",
        "disk",
        "power-on time since the last finished self-test ran",
    ),
    _g("disk_smart_read_timestamp_seconds", "disk", "unix time of the SMART reading"),
    # collectors
    _g(
        "collector_success",
        "collector",
        "1 when the collector's latest finished run succeeded (or it does not apply); absent while its first "
        "run has not finished",
    ),
    _g("collector_skipped", "collector", "1 when the collector does not apply to this host"),
    _g("collector_duration_seconds", "collector", "how long the collector's latest run took"),
    _g("collector_problems", "collector", "sources (file, command, device) the collector could not read"),
    _g("collector_last_run_timestamp_seconds", "collector", "unix time the collector last finished"),
    _g(
        "collector_last_success_timestamp_seconds",
        "collector",
        "unix time of the collector's last successful run; absent if it never succeeded",
    ),
    _g(
        "collector_stale",
        "collector",
        "1 when the collector's data are not fresh (wedged, its latest run failed, or its last success is "
        "older than its interval plus its deadline): its last good data are served",
    ),
    _g(
        "collector_wedged",
        "collector",
        "1 while a run of the collector has not returned within its deadline (it is not started again until "
        "it returns)",
    ),
    _g(
        "collector_data_age_seconds",
        "collector",
        "age of the collector's data when the snapshot was taken (since its last successful run); absent if "
        "it never succeeded",
    ),
)

AGE = _g("snapshot_age_seconds", "", "seconds since the snapshot was taken, at scrape time (daemon only)")
SPECS: dict[str, MetricSpec] = {m.name: m for m in (*METRICS, AGE)}


# ---------------------------------------------------------------------------- building families


class _Families:
    """Metric families by name, filled sample by sample; a repeated label set keeps the first value."""

    def __init__(self) -> None:
        self._fams: dict[str, Metric] = {}
        self._seen: dict[str, set[tuple[str, ...]]] = {}

    def _fam(self, name: str) -> tuple[MetricSpec, Metric]:
        spec = SPECS[PREFIX + name]
        fam = self._fams.get(spec.name)
        if fam is None:
            if spec.type == "info":
                fam = InfoMetricFamily(spec.name[: -len("_info")], spec.help, labels=[])
            else:
                fam = GaugeMetricFamily(spec.name, spec.help, labels=list(spec.labels))
            self._fams[spec.name] = fam
            self._seen[spec.name] = set()
        return spec, fam

    def add(self, name: str, value: float | bool | None, *labels: object) -> None:
        """One sample; None means unknown and is skipped (absent, never a fake 0)."""
        if value is None:
            return
        spec, fam = self._fam(name)
        key = tuple(_s(v) for v in labels)
        if len(key) != len(spec.labels):  # a bug here, not odd data
            raise ValueError(f"{spec.name}: {len(key)} label values for {spec.labels}")
        if key in self._seen[spec.name]:
            return
        self._seen[spec.name].add(key)
        fam.add_metric(list(key), float(value))

    def info(self, name: str, **labels: object) -> None:
        spec, fam = self._fam(name)
        key = tuple(_s(labels.get(k)) for k in spec.labels)
        if key in self._seen[spec.name]:
            return
        self._seen[spec.name].add(key)
        fam.add_metric([], dict(zip(spec.labels, key, strict=True)))

    def enum(self, name: str, values: Iterable[str], current: str | None, *labels: object) -> None:
        """One sample per value: 1 for the current one, 0 for the others (an unknown current is added)."""
        values = list(values)
        if current is not None and current not in values:
            values.append(current)
        for v in values:
            self.add(name, v == current, *labels, v)

    def families(self) -> list[Metric]:
        return [f for f in self._fams.values() if f.samples]


def _s(v: object) -> str:
    return "" if v is None else str(v)


def _array_state(a: Array) -> str:
    if a.state != "active":
        return a.state or "inactive"
    if a.auto_read_only:
        return "read-auto"
    if a.read_only:
        return "read-only"
    return "active"


def _member_disks(inv: HostInventory) -> dict[str, str]:
    """Kernel device name (partition, disk) -> identity of the physical disk it sits on."""
    by_name = {d.name: d.identity for d in inv.disks}
    parents = {b.name: b.parent for b in inv.devices}
    out: dict[str, str] = {}
    for name in list(parents) + list(by_name):
        cur: str | None = name
        for _ in range(8):  # partition -> disk; a loop guard, not a depth anyone has
            if cur is None or cur in by_name:
                break
            cur = parents.get(cur)
        if cur is not None and cur in by_name:
            out[name] = by_name[cur]
    return out


def _arrays(f: _Families, inv: HostInventory) -> None:
    disk_of = _member_disks(inv)
    for a in inv.arrays:
        n = a.name
        f.info(
            "array_info",
            array=n,
            kind=a.kind,
            level=a.level or "",
            metadata=a.metadata or "",
            uuid=a.uuid or "",
            label=a.label or "",
        )
        f.enum("array_state", ARRAY_STATES, _array_state(a), n)
        f.add("array_degraded", a.degraded, n)
        f.add("array_required_disks", a.raid_disks, n)
        f.add("array_in_sync_disks", a.in_sync_disks, n)
        for state in MEMBER_STATES:
            f.add("array_members", sum(1 for m in a.members if m.state.value == state), n, state)
        f.add("array_rebuilding_members", sum(1 for m in a.members if m.rebuilding), n)
        f.add("array_failures_tolerated", a.failures_tolerated, n)
        f.add("array_size_bytes", a.size_bytes, n)
        s = a.sync
        f.enum("array_sync_action", SYNC_ACTIONS, s.action.value if s is not None else "idle", n)
        f.add("array_sync_queued", s is not None and not s.running, n)
        if s is not None:
            f.add("array_sync_progress_ratio", s.progress, n)
            f.add("array_sync_remaining_seconds", s.finish_seconds, n)
            f.add(
                "array_sync_speed_bytes_per_second",
                None if s.speed_kib_s is None else s.speed_kib_s * 1024,
                n,
            )
        f.add("array_mismatch_sectors", a.mismatch_cnt, n)
        f.add("array_sources_disagree", len(a.disagreements), n)
        f.add("array_data_errors", a.data_errors, n)
        for member, count in a.member_errors:
            f.add("array_member_errors", count, n, member)
        for m in a.members:
            f.info("array_member_info", array=n, member=m.device, disk=disk_of.get(m.device, ""))
            f.enum("array_member_state", MEMBER_STATES, m.state.value, n, m.device)
            f.add("array_member_in_sync", m.in_sync, n, m.device)
            f.add("array_member_rebuilding", m.rebuilding, n, m.device)


CACHE_MODES = ("writeback", "writethrough", "writearound", "passthrough", "none")


def _caches(f: _Families, inv: HostInventory) -> None:
    for c in inv.caches:
        n = c.name
        f.info(
            "cache_info",
            cache=n,
            kind=c.kind,
            label=c.label or "",
            origin=c.origin or "",
            cache_devices=",".join(c.cache_devices),
        )
        if c.mode is not None:
            f.enum("cache_mode", CACHE_MODES, c.mode, n)
        f.add("cache_dirty_bytes", c.dirty_bytes, n)
        f.add("cache_holds_only_copy", c.holds_only_copy, n)
        f.add("cache_device_failures_tolerated", c.failures_tolerated, n)
        f.add("cache_size_bytes", c.size_bytes, n)
        f.add("cache_used_bytes", c.used_bytes, n)
        f.add("cache_error", c.error is not None, n)


def _volumes(f: _Families, inv: HostInventory) -> None:
    for v in inv.volumes:
        mp = v.mountpoint
        f.info("volume_info", mountpoint=mp, device=v.device, fstype=v.fstype, redundancy=v.redundancy)
        f.add("volume_redundant", v.redundant, mp)
        f.add("volume_failures_tolerated", v.failures_tolerated, mp)
        f.add("volume_disks", len(v.disks), mp)


def _ratio(percent: int | float | None) -> float | None:
    return None if percent is None else percent / 100.0


def _smart(f: _Families, d: str, s: SmartHealth) -> None:
    f.enum("disk_smart_assessment", SMART_ASSESSMENTS, (s.assessment or "unknown").lower(), d)
    f.add("disk_smart_health_passed", s.health_passed, d)
    f.add("disk_smart_standby", s.standby, d)
    f.add("disk_smart_permission_denied", s.permission_denied, d)
    if s.exit_status is not None and s.exit_status >= 0:
        f.add("disk_smart_exit_status", s.exit_status, d)
        for bit, name in enumerate(SMART_EXIT_BITS):
            f.add("disk_smart_exit_status_bit", bool(s.exit_status & (1 << bit)), d, name)
    for attr in SMART_ATTRIBUTES:
        f.add("disk_smart_attribute_raw", getattr(s, attr, None), d, attr)
    if s.smart_supported is not False and not s.standby and s.assessment != "UNKNOWN":
        f.add("disk_smart_failing_attributes", len(s.failing_now), d, "now")
        f.add("disk_smart_failing_attributes", len(s.failed_in_past), d, "past")
    f.add("disk_temperature_celsius", s.temperature_celsius, d)
    f.add("disk_power_on_seconds", None if s.power_on_hours is None else s.power_on_hours * 3600, d)
    f.add("disk_nvme_percentage_used_ratio", _ratio(s.nvme_percentage_used), d)
    f.add("disk_nvme_available_spare_ratio", _ratio(s.nvme_available_spare), d)
    f.add("disk_nvme_available_spare_threshold_ratio", _ratio(s.nvme_available_spare_threshold), d)
    f.add("disk_smart_self_test_passed", s.last_self_test_passed, d)
    age = s.last_self_test_age_hours
    f.add("disk_smart_self_test_age_seconds", None if age is None else age * 3600, d)
    f.add("disk_smart_read_timestamp_seconds", s.read_at, d)


def _disks(f: _Families, inv: HostInventory) -> None:
    # One series per physical disk (identity): the NVMe namespaces of one drive, the SAS paths of one
    # dual-ported disk and the multipath paths to one LUN share it; their kernel names join in `device`,
    # their WWNs (an NVMe namespace's EUI-64/NGUID is its own) in `wwn`, in the same order.
    for pd in physical_disks(inv):
        ident, disk, s = pd.identity, pd.disks[0], pd.smart
        f.info(
            "disk_info",
            disk=ident,
            device=",".join(x.name for x in pd.disks),
            model=pd.model or (s.model if s else None) or "",
            serial=pd.serial or (s.serial if s else None) or "",
            wwn=",".join(pd.wwns) or (s.wwn if s else None) or "",
            firmware=(s.firmware if s else None) or "",
            transport=disk.transport or "",
            type=(s.device_type if s else None) or "",
        )
        f.add("disk_size_bytes", pd.size_bytes, ident)
        f.add("disk_rotational", disk.rotational, ident)
        if s is not None:
            _smart(f, ident, s)


def _findings(f: _Families, ev: Evaluation) -> None:
    f.add("host_compliant", ev.compliant)
    counts: dict[tuple[str, str], int] = {(code, sev.value): 0 for code, (sev, _doc) in CODES.items()}
    per_subject: dict[tuple[str, str, str], int] = {}
    for x in ev.findings:
        k = (x.code, x.severity.value)
        counts[k] = counts.get(k, 0) + 1
        ks = (*k, x.subject)
        per_subject[ks] = per_subject.get(ks, 0) + 1
    for (code, sev), n in sorted(counts.items()):
        f.add("findings", n, code, sev)
    for (code, sev, subject), n in sorted(per_subject.items()):
        f.add("finding", n, code, sev, subject)
    exempted: dict[str, int] = {}
    for x, _key in ev.exempted:
        exempted[x.code] = exempted.get(x.code, 0) + 1
    for code, n in sorted(exempted.items()):
        f.add("findings_exempted", n, code)


def _roles(f: _Families, ev: Evaluation, inv: HostInventory) -> None:
    for r in ev.roles:
        f.add("role_volumes", len(r.mountpoints), r.role, r.require)
        for mp in r.mountpoints:
            v = inv.volume(mp)
            if v is None:
                continue
            f.add("role_volume_redundant", v.redundant, r.role, mp)
            f.add("role_volume_failures_tolerated", v.failures_tolerated, r.role, mp)


def _collectors(f: _Families, statuses: Iterable[CollectorStatus], inv: HostInventory) -> None:
    problems = {run.name: len(run.problems) for run in inv.collectors}
    for c in statuses:
        n = c.name
        f.add("collector_success", c.success, n)
        f.add("collector_skipped", c.skipped is not None, n)
        f.add("collector_duration_seconds", c.duration_seconds, n)
        f.add("collector_problems", problems.get(n, 0), n)
        f.add("collector_last_run_timestamp_seconds", c.last_run, n)
        f.add("collector_last_success_timestamp_seconds", c.last_success, n)
        f.add("collector_stale", c.stale, n)
        f.add("collector_wedged", c.wedged, n)
        f.add("collector_data_age_seconds", c.data_age_seconds, n)


def _default_build() -> dict[str, str]:
    return {"version": __version__, "python": platform.python_version()}


class SnapshotCollector:
    """A prometheus_client custom collector: yields the metric families of one Snapshot."""

    def __init__(self, snapshot: Snapshot, test_page: TestPage | None = None) -> None:
        self.snapshot = snapshot
        self.test_page = test_page

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot
        inv = snap.inventory
        f = _Families()
        build = {**_default_build(), **snap.build}
        f.info("build_info", version=build["version"], python=build["python"])
        h = inv.header
        f.info("host_info", hostname=h.hostname, os=h.os, kernel=h.kernel, machine=h.machine)
        f.add("snapshot_timestamp_seconds", snap.taken_at)
        f.add("snapshot_stale", snap.stale)
        f.add("config_reload_success", snap.config_reload_success)
        f.add("config_last_reload_timestamp_seconds", snap.config_loaded_at)
        f.add("test_page_active", self.test_page is not None)
        ev = snap.evaluation
        if ev is not None:
            f.info("policy_info", path=snap.policy_path or "", layers=" > ".join(reversed(ev.layers)))
            _findings(f, ev)
            _roles(f, ev, inv)
        if self.test_page is not None:  # with or without a policy: the test must page either way
            f.add("finding", 1, TEST_PAGE_CODE, "critical", TEST_PAGE_SUBJECT)
        _arrays(f, inv)
        _caches(f, inv)
        _volumes(f, inv)
        _disks(f, inv)
        _collectors(f, snap.collectors, inv)
        yield from f.families()


def render_metrics(snapshot: Snapshot, test_page: TestPage | None = None) -> bytes:
    """The snapshot as the Prometheus text exposition (format 0.0.4). Pure: no I/O, no clock.

    With `test_page`, raidwatch_test_page_active is 1 and a critical finding code="test-page" is added."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snapshot, test_page))  # type: ignore[arg-type]
    return generate_latest(registry)


class _AgeCollector:
    def __init__(self, age: float) -> None:
        self.age = age

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(AGE.name, AGE.help, value=self.age)


def age_family_text(age_seconds: float) -> bytes:
    """HELP, TYPE and the sample of raidwatch_snapshot_age_seconds, for the daemon to append per scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_AgeCollector(age_seconds))  # type: ignore[arg-type]
    return generate_latest(registry)


def build_snapshot(
    inventory: HostInventory, evaluation: Evaluation | None, policy_path: str | None
) -> Snapshot:
    """A Snapshot of one collection: taken at inventory.collected_at; each collector's run as its status."""
    at = inventory.collected_at
    statuses = tuple(
        CollectorStatus(
            name=run.name,
            success=run.success,
            duration_seconds=run.duration_seconds,
            last_run=at,
            last_success=at if run.success else None,
            skipped=run.skipped,
            error=None if run.success else ("; ".join(p.message for p in run.problems) or "failed"),
            data_age_seconds=0.0 if run.success else None,  # what it just read; a failed one: nothing
        )
        for run in inventory.collectors
    )
    return Snapshot(
        inventory=inventory,
        evaluation=evaluation,
        taken_at=at,
        collectors=statuses,
        policy_path=policy_path,
        build=_default_build(),
    )


def write_textfile(path: str | os.PathLike[str], data: bytes) -> None:
    """Write atomically for node_exporter's textfile collector: a temp file beside it, fsync, rename.

    The temp file is a dotfile not ending in .prom, so the collector never reads a half-written one.
    On any error the temp file is removed and an existing file at `path` is left as it was.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable; not every filesystem lets a directory be opened
        dfd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(dfd)
    finally:
        os.close(dfd)


def textfile_test_page(path: str | os.PathLike[str], duration: str | None, now: float) -> TestPage | None:
    """`raidwatch textfile --test-page DURATION`: the test page runs until now + DURATION.

    The end is kept in PATH.test-page (node_exporter reads only *.prom files), so the timer's next runs
    keep the page up until it expires; the first run after that removes the marker. Without the flag,
    an unexpired marker still counts."""
    import json
    import logging

    from raidwatch.errors import ConfigError

    log = logging.getLogger("raidwatch")
    marker = Path(f"{os.fspath(path)}.test-page")
    if duration is not None:
        from raidwatch.settings import parse_duration

        until = now + parse_duration(duration, "--test-page")
        try:
            write_textfile(marker, json.dumps({"started": now, "until": until}).encode() + b"\n")
        except OSError as exc:
            raise ConfigError(f"{marker}: cannot write the test page marker: {exc.strerror or exc}") from None
        log.warning(
            "test page started: raidwatch_test_page_active 1 and a critical test-page finding in %s until "
            "%s (%s); RaidwatchTestPage should page",
            path,
            time.strftime("%H:%M:%S", time.localtime(until)),
            duration,
        )
        return TestPage(until=until, started=now)
    try:
        doc = json.loads(marker.read_text())
        until, started = float(doc["until"]), doc.get("started")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: ignoring an unreadable test page marker: %s", marker, exc)
        return None
    if now < until:
        return TestPage(until=until, started=float(started) if started is not None else None)
    with contextlib.suppress(OSError):
        marker.unlink()
    log.warning("test page ended: %s expired at %s", marker, time.strftime("%H:%M:%S", time.localtime(until)))
    return None


__all__ = [
    "METRICS",
    "SPECS",
    "TEST_PAGE_CODE",
    "TEST_PAGE_SUBJECT",
    "MetricSpec",
    "SnapshotCollector",
    "TestPage",
    "age_family_text",
    "build_snapshot",
    "render_metrics",
    "textfile_test_page",
    "write_textfile",
]
