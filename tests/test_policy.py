"""fleet.yaml: validation messages, precedence, every finding code, exemptions with an injected clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import date

import pytest
from conftest import HOSTS, REPO, corpus_path

from raidwatch.errors import ConfigError
from raidwatch.findings import CODES, evaluate
from raidwatch.inventory import collect_inventory
from raidwatch.model import (
    Array,
    CollectorRun,
    Disk,
    HostHeader,
    HostInventory,
    Member,
    MemberState,
    Problem,
    Severity,
    SmartHealth,
    SyncAction,
    SyncStatus,
)
from raidwatch.policy import load_policy
from raidwatch.probe import ReplayProbe

TODAY = date(2026, 11, 25)


def policy(text: str, path: str = "fleet.yaml"):
    return load_policy(path, textwrap.dedent(text))


def errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        policy(text)
    return str(exc.value).splitlines()


# ---------------------------------------------------------------------------------- validation


def test_the_documented_error_format():
    errs = errors(
        """\
        hosts:
          web01:
            roles:
              boot:
                covers: [/]
                require: mirrored
        """
    )
    assert errs == [
        "fleet.yaml:6:18: hosts.web01.roles.boot.require: expected one of mirror, any, none — got 'mirrored'"
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "defaults:\n  rolez: {}\n",
            "fleet.yaml:2:3: defaults.rolez: unknown key (expected one of roles, smart, "
            "rebuild_grace, exemptions) — did you mean 'roles'?",
        ),
        (
            "defaults:\n  roles:\n    boot: {covers: /, min_copies: two}\n",
            "defaults.roles.boot.min_copies: expected a whole number, got 'two'",
        ),
        ("defaults:\n  roles:\n    boot: {covers: [/], min_copies: 0}\n", "expected at least 1, got 0"),
        (
            "defaults:\n  roles:\n    boot: {covers: [/], kinds: [md, raidz]}\n",
            "defaults.roles.boot.kinds: expected one of md, appleraid, btrfs, zfs, hardware, lvm, dm "
            "— got 'raidz'",
        ),
        (
            "defaults:\n  roles:\n    boot: {covers: [root]}\n",
            "expected a mount point (/...) or label:NAME, got 'root'",
        ),
        (
            "defaults:\n  roles:\n    boot: {covers: [/], hot_spare: maybe}\n",
            "expected true or false, got 'maybe'",
        ),
        ("defaults:\n  roles:\n    boot: {require: mirror}\n", "role 'boot' has no 'covers' in any layer"),
        ("defaults:\n  roles: [boot]\n", "fleet.yaml:2:10: defaults.roles: expected a mapping, got a list"),
        ("defaults:\n  smart:\n    temperature: 50\n", "defaults.smart.temperature: unknown key"),
        (
            "defaults:\n  smart:\n    temperature_celsius: {warning: 60, critical: 50}\n",
            "critical (50) is below warning (60)",
        ),
        ("defaults:\n  smart:\n    pending_sectors: lots\n", "expected a number, got 'lots'"),
        ("defaults:\n  rebuild_grace: soon\n", "expected a duration like 90m, 24h or 2d, got 'soon'"),
        (
            "groups:\n  web:\n    hosts: ['web[0-9']\n",
            "fleet.yaml:3:13: groups.web.hosts: bad glob 'web[0-9': unclosed '['",
        ),
        (
            "groups:\n  db:\n    match: 'db(\\d+'\n",
            "fleet.yaml:3:12: groups.db.match: bad regular expression",
        ),
        ("groups:\n  db: {priority: 1}\n", "a group needs 'hosts' (names or globs) or 'match'"),
        (
            "groups:\n  a: {hosts: [web01]}\n  b: {match: '^web'}\n",
            "host 'web01' is matched by groups.a, groups.b and no 'priority' settles it",
        ),
        ("hosts:\n  web01: {}\n  web01: {}\n", "fleet.yaml:3:3: hosts.web01: duplicate key"),
        ("hosts: [web01\n", "invalid YAML"),
        ("", "empty policy file"),
        ("version: 2\n", "this raidwatch reads fleet.yaml version 1, got 2"),
        ("defaults:\n  exemptions:\n    - {code: role-not-redundant, reason: x}\n", "missing 'expires'"),
        (
            "defaults:\n  exemptions:\n    - {code: role-not-redundnat, reason: x, expires: 2027-01-01}\n",
            "unknown finding code 'role-not-redundnat' — did you mean 'role-not-redundant'?",
        ),
        (
            "defaults:\n  exemptions:\n    - {code: array-degraded, reason: x, expires: someday}\n",
            "expected a date like 2026-12-31, got 'someday'",
        ),
        (
            "defaults:\n  exemptions:\n    - {code: array-degraded, reason: '  ', expires: 2027-01-01}\n",
            "a reason must say why",
        ),
    ],
)
def test_each_validation_error_is_one_clear_line(text, expected):
    errs = errors(text)
    assert any(expected in e for e in errs), errs
    assert all(e.startswith("fleet.yaml") for e in errs)


def test_every_error_is_reported_not_just_the_first():
    errs = errors("defaults:\n  rolez: {}\nhosts:\n  a:\n    smart: {temp: 1}\n")
    assert len(errs) == 2


def test_validate_command_exit_codes(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    ok = subprocess.run(
        [sys.executable, "-m", "raidwatch", "validate", "fleet.yaml"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "valid" in ok.stdout
    bad = tmp_path / "fleet.yaml"
    bad.write_text("hosts:\n  web01:\n    roles:\n      boot: {covers: [/], require: mirrored}\n")
    res = subprocess.run(
        [sys.executable, "-m", "raidwatch", "validate", str(bad)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip() == (
        f"{bad}:4:36: hosts.web01.roles.boot.require: expected one of mirror, any, none — got 'mirrored'"
    )
    missing = subprocess.run(
        [sys.executable, "-m", "raidwatch", "validate", str(tmp_path / "nope.yaml")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "no such file" in missing.stderr


# ---------------------------------------------------------------------------------- precedence

LAYERED = """\
defaults:
  roles:
    boot: {covers: [/], require: mirror, min_copies: 2}
  smart:
    temperature_celsius: {warning: 50, critical: 60}
  rebuild_grace: 12h
groups:
  db:
    match: '^db\\d+$'
    priority: 5
    roles:
      boot: {min_copies: 3}
      data: {covers: [/data], require: any}
    smart:
      temperature_celsius: {warning: 45}
  special:
    hosts: [db9]
    priority: 10
    roles:
      data: {covers: [/srv]}
  legacy:
    hosts: ['db0*']
    priority: 1
    roles:
      boot: {min_copies: 9}
hosts:
  db02:
    roles:
      data: {require: none}
    rebuild_grace: 2d
"""


def test_precedence_host_over_group_over_defaults():
    p = policy(LAYERED)
    hp = p.for_host("db02")
    assert hp.layers == ("defaults", "groups.db", "hosts.db02")
    roles = {r.name: r for r in hp.roles}
    assert (
        roles["boot"].min_copies == 3 and roles["boot"].require == "mirror" and roles["boot"].covers == ("/",)
    )
    assert roles["data"].require == "none" and roles["data"].covers == ("/data",)
    assert roles["data"].key == "hosts.db02.roles.data"
    assert hp.smart["temperature_celsius"].warning == 45 and hp.smart["temperature_celsius"].critical == 60
    assert hp.rebuild_grace_seconds == 2 * 86400


def test_priority_settles_two_groups():
    p = policy(LAYERED)
    assert [g.name for g in p.groups_for("db9")] == ["special"]  # special (10) beats db (5)
    assert [g.name for g in p.groups_for("db03")] == ["db"]  # db (5) beats legacy (1)
    assert [g.name for g in p.groups_for("db0x")] == ["legacy"]  # only legacy's glob matches


def test_two_groups_without_priority_is_an_error_at_check_time():
    p = policy("groups:\n  a: {hosts: ['web*']}\n  b: {match: '0[0-9]$'}\n")  # no host named: loads
    assert [g.name for g in p.groups_for("web10")] == ["a"]
    with pytest.raises(ConfigError, match=r"matched by groups\.a, groups\.b and no 'priority' settles it"):
        p.for_host("web01")


def test_host_matched_by_nothing_uses_defaults():
    hp = policy(LAYERED).for_host("web07")
    assert hp.layers == ("defaults",) and not hp.matched
    assert hp.rebuild_grace_seconds == 12 * 3600


# ---------------------------------------------------------------------------------- evaluation

FLEET = load_policy(REPO / "fleet.yaml")


def inv_of(host: str) -> HostInventory:
    return collect_inventory(ReplayProbe(HOSTS / host))


def codes(ev, severity=None) -> set[str]:
    return {f.code for f in ev.findings if severity is None or f.severity is severity}


def test_web01_degraded_data_mirror():
    ev = evaluate(inv_of("web01-mirror-degraded"), FLEET.for_host("web01"), TODAY)
    crit = {(f.code, f.subject) for f in ev.findings if f.severity is Severity.CRITICAL}
    assert ("array-degraded", "md1") in crit and ("role-not-redundant", "/srv") in crit
    assert ("role-not-redundant", "/") not in crit
    failed = next(f for f in ev.findings if f.code == "array-failed-member")
    assert failed.subject == "md1/sdb2" and failed.severity is Severity.WARNING
    rnr = next(f for f in ev.findings if f.code == "role-not-redundant")
    assert rnr.policy_key == "groups.web.roles.data.require"


def test_lab03_same_disk_mirror_and_scrub():
    ev = evaluate(inv_of("lab03-same-disk-mirror"), FLEET.for_host("lab03"), TODAY)
    assert {"mirror-same-disk", "role-not-redundant"} <= codes(ev, Severity.CRITICAL)
    assert "array-scrub" in codes(ev, Severity.INFO)
    assert not any(f.subject == "/var" for f in ev.findings)  # LVM on a healthy md1: fine


def test_db02_rebuild_within_grace_is_a_warning_and_expired_exemption():
    inv = inv_of("db02-single-boot-disk")
    hp = FLEET.for_host("db02")
    ev = evaluate(inv, hp, TODAY)
    data = next(f for f in ev.findings if f.code == "role-not-redundant" and f.subject == "/data")
    assert data.severity is Severity.WARNING and "rebuilding within rebuild_grace" in data.message
    assert "array-rebuilding" in codes(ev, Severity.WARNING)
    # the exemption for "/" ran out on 2026-06-30: finding back, plus a finding about the exemption
    root = next(f for f in ev.findings if f.code == "role-not-redundant" and f.subject == "/")
    assert root.severity is Severity.CRITICAL and "expired 2026-06-30" in root.message
    assert "exemption-expired" in codes(ev)
    # the same policy on 2026-06-01: exempted, silent
    before = evaluate(inv, hp, date(2026, 6, 1))
    assert not any(f.subject == "/" for f in before.findings)
    assert [(f.code, f.subject) for f, _ in before.exempted] == [("role-not-redundant", "/")]
    assert "exemption-expired" not in codes(before)


def test_nas04_rebuild_beyond_grace_and_spare_missing():
    ev = evaluate(inv_of("nas04-raid6-rebuild"), FLEET.for_host("nas04"), TODAY)
    assert "array-rebuild-stalled" in codes(ev, Severity.CRITICAL)  # ETA 126 h > 24 h grace
    assert "role-spare-missing" not in codes(ev)  # / tank is not redundant: that is the finding
    relaxed = policy(LAYERED.replace("rebuild_grace: 12h", "rebuild_grace: 7d")).for_host("nas04")
    relaxed = replace(relaxed, roles=())
    ev2 = evaluate(inv_of("nas04-raid6-rebuild"), relaxed, TODAY)
    assert "array-rebuilding" in codes(ev2, Severity.WARNING) and "array-rebuild-stalled" not in codes(ev2)


def test_role_rules_on_a_healthy_mirror():
    inv = inv_of("web01-mirror-degraded")
    p = policy(
        """\
        defaults:
          roles:
            boot: {covers: [/], require: mirror, min_copies: 3, kinds: [btrfs], hot_spare: true}
            logs: {covers: [/var/log]}
            scratch: {covers: [/scratch], optional: true}
        """
    )
    ev = evaluate(inv, p.for_host("web01"), TODAY)
    got = {(f.code, f.subject) for f in ev.findings}
    assert ("role-too-few-copies", "/") in got
    assert ("role-kind-not-allowed", "/") in got
    assert ("role-spare-missing", "/") in got
    assert ("role-volume-missing", "role:logs") in got
    assert not any(s == "role:scratch" for _, s in got)
    assert ("host-default-policy", "host:web01") in got


def test_hardware_declared_but_unverifiable():
    p = policy("defaults:\n  roles:\n    boot: {covers: [/], kinds: [hardware]}\n")
    ev = evaluate(inv_of("db02-single-boot-disk"), p.for_host("db02"), TODAY)
    f = next(f for f in ev.findings if f.subject == "/")
    assert f.code == "role-hardware-unverifiable" and f.severity is Severity.WARNING


def _synthetic(**kw) -> HostInventory:
    return HostInventory(header=HostHeader("syn", "Linux", "6.1"), collected_at=0.0, **kw)


def test_array_state_codes():
    arrays = (
        Array("md5", "raid1", "inactive", members=(Member("sda1"),)),
        Array(
            "md6",
            "raid1",
            "active",
            raid_disks=2,
            in_sync_disks=2,
            mismatch_cnt=128,
            failures_tolerated=1,
            disagreements=("degraded: sysfs says 0 missing, mdstat shows [2/1]",),
        ),
        Array(
            "md7",
            "raid1",
            "active",
            raid_disks=2,
            in_sync_disks=2,
            failures_tolerated=1,
            sync=SyncStatus(SyncAction.RESYNC, delayed=True),
        ),
        Array(
            "md8",
            "raid5",
            "active",
            raid_disks=3,
            in_sync_disks=2,
            degraded=True,
            failures_tolerated=0,
            members=(Member("sdc1", 0), Member("sdd1", 1), Member("sde1", 2, MemberState.FAILED)),
            sync=SyncStatus(SyncAction.RECOVERY, progress=0.5, finish_seconds=600, speed_kib_s=0),
        ),
    )
    ev = evaluate(_synthetic(arrays=arrays), policy("defaults: {}\n").for_host("syn"), TODAY)
    got = {(f.code, f.subject, f.severity) for f in ev.findings}
    assert ("array-inactive", "md5", Severity.CRITICAL) in got
    assert ("array-mismatch", "md6", Severity.WARNING) in got
    assert ("array-sources-disagree", "md6", Severity.WARNING) in got
    assert ("array-sync-queued", "md7", Severity.INFO) in got
    assert ("array-rebuild-stalled", "md8", Severity.CRITICAL) in got  # speed 0: no progress
    assert ("array-failed-member", "md8/sde1", Severity.WARNING) in got


def test_smart_and_collector_codes():
    disks = (
        Disk("sda", "wwn:a", smart=SmartHealth("FAIL", reasons=("overall-health FAILED",))),
        Disk("sdb", "wwn:b", smart=SmartHealth("WARN", pending_sectors=12, temperature_celsius=47)),
        Disk("sdc", "wwn:c", smart=SmartHealth("UNKNOWN", message="permission denied")),
        Disk("sdd", "wwn:d", smart=SmartHealth("UNKNOWN", standby=True)),
        Disk("sde", "wwn:e", smart=SmartHealth("PASS", temperature_celsius=61.0, power_on_hours=70000)),
    )
    runs = (
        CollectorRun("smart", True, 0.1, problems=(Problem("smart", "/dev/sdc", "permission denied"),)),
        CollectorRun(
            "md", False, 0.1, problems=(Problem("md", "md", "collector failed: boom", Severity.CRITICAL),)
        ),
    )
    hp = FLEET.for_host("syn")
    ev = evaluate(_synthetic(disks=disks, collectors=runs), hp, TODAY)
    got = {(f.code, f.subject, f.severity) for f in ev.findings}
    assert ("disk-smart-failing", "disk:sda", Severity.CRITICAL) in got
    assert ("disk-smart-warning", "disk:sdb", Severity.WARNING) in got
    assert ("disk-smart-threshold", "disk:sdb", Severity.CRITICAL) in got  # 12 pending >= critical 10
    assert ("disk-smart-unreadable", "disk:sdc", Severity.WARNING) in got
    assert not any(s == "disk:sdd" for _, s, _ in got)  # asleep: not unreadable
    assert ("disk-smart-threshold", "disk:sde", Severity.WARNING) in got  # 61 C >= 55, < 65
    assert ("collector-failed", "collector:md", Severity.CRITICAL) in got
    assert ("collector-problem", "collector:smart", Severity.WARNING) in got
    temp = next(f for f in ev.findings if f.subject == "disk:sde" and "temperature" in f.message)
    assert temp.policy_key == "smart.temperature_celsius"


def test_every_code_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text()
    missing = [c for c in CODES if f"`{c}`" not in readme]
    assert not missing, f"finding codes not in README: {missing}"


# ---------------------------------------------------------------------------------- check CLI


def rw(*args):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run(
        [sys.executable, "-m", "raidwatch", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in res.stderr + res.stdout
    return res


def test_check_exit_codes_and_status_line(tmp_path):
    res = rw("check", "--fleet", "fleet.yaml", "--replay", str(HOSTS / "web01-mirror-degraded"))
    assert res.returncode == 2
    first = res.stdout.splitlines()[0]
    assert first.startswith("RAIDWATCH CRITICAL - web01: ") and " | " in first and "critical=" in first
    # a policy that web01's problems do not concern but for a warning: exit 1
    warn = tmp_path / "warn.yaml"
    warn.write_text(
        "hosts:\n  web01:\n    exemptions:\n"
        "      - {code: array-degraded, subject: md1, reason: disk swap booked, expires: 2099-01-01}\n"
        "      - {code: role-not-redundant, subject: '*', reason: disk swap booked, expires: 2099-01-01}\n"
    )
    res = rw(
        "check",
        "--fleet",
        str(warn),
        "--replay",
        str(HOSTS / "web01-mirror-degraded"),
        "--collectors",
        "md,blockdev,mounts",
    )
    assert res.returncode == 1, res.stdout
    assert res.stdout.startswith("RAIDWATCH WARNING - web01:")
    bad = tmp_path / "bad.yaml"
    bad.write_text("defaults:\n  roles: 3\n")
    res = rw("check", "--fleet", str(bad), "--replay", str(HOSTS / "web01-mirror-degraded"))
    assert res.returncode == 3 and res.stdout.startswith("RAIDWATCH UNKNOWN - invalid fleet policy")
    res = rw("check", "--replay", str(tmp_path / "nope"))
    assert res.returncode == 3 and res.stdout.startswith("RAIDWATCH UNKNOWN")


def test_check_ok_on_a_compliant_host(tmp_path):
    import hostgen as g

    sda = g.Disk(
        "sda", 100 * 2**30, "Samsung SSD 870", "S1", "naa.5002538e00000001", False, {"sda1": 99 * 2**30}
    )
    sdb = g.Disk(
        "sdb", 100 * 2**30, "Samsung SSD 870", "S2", "naa.5002538e00000002", False, {"sdb1": 99 * 2**30}
    )
    md0 = g.MdArray(
        "md0", "raid1", 2, [g.Member("sda1", 0, 0), g.Member("sdb1", 1, 1)], 103809024, "1" * 8 + "-0000"
    )
    g.write_host(
        "ok01",
        hostname="ok01",
        disks=[sda, sdb],
        arrays=[md0],
        mounts=[("/dev/md0", "/", "ext4", "9:0")],
        root=tmp_path,
    )
    res = rw(
        "check",
        "--fleet",
        "fleet.yaml",
        "--replay",
        str(tmp_path / "ok01"),
        "--collectors",
        "md,blockdev,mounts",
    )
    assert res.returncode == 0, res.stdout
    assert res.stdout.startswith("RAIDWATCH OK - ok01: compliant, 1 volume checked | ")
    assert "host-default-policy" in res.stdout  # ok01 is in no group: said, as info


def test_check_many_hosts_json():
    res = rw("check", "--fleet", "fleet.yaml", "--replay", str(HOSTS), "--json")
    doc = json.loads(res.stdout)
    assert res.returncode == doc["exit_code"] == 2
    hosts = {h["host"]: h for h in doc["hosts"]}
    assert {"web01", "db02", "lab03", "nas04"} <= set(hosts)
    assert not hosts["web01"]["compliant"]
    assert hosts["web01"]["policy_layers"] == ["defaults", "groups.web"]


def test_roles_cover_filesystem_labels():
    # web01's /srv is labelled "srv data" (udev: /dev/disk/by-label/srv\x20data -> ../../md1)
    p = policy(
        "defaults:\n  roles:\n    data: {covers: ['label:srv data']}\n    logs: {covers: ['label:logs']}\n"
    )
    ev = evaluate(inv_of("web01-mirror-degraded"), p.for_host("web01"), TODAY)
    got = {(f.code, f.subject) for f in ev.findings}
    assert ("role-not-redundant", "/srv") in got
    assert ("role-volume-missing", "role:logs") in got
    assert (ev.roles[0].role, ev.roles[0].mountpoints) == ("data", ("/srv",))


def test_a_degraded_array_queued_behind_a_running_rebuild_is_a_warning():
    # after a disk swap md rebuilds arrays on the same disks one at a time: md1 says resync=DELAYED
    from raidwatch.parsers.mdstat import parse_mdstat

    arrays = tuple(
        replace(a, failures_tolerated=0)
        # a real /proc/mdstat, read in place from ../shared/corpus (the test skips without it)
        for a in parse_mdstat(corpus_path("mdstat/glensc-check-raid/pr28_2").read_text()).arrays
    )
    ev = evaluate(_synthetic(arrays=arrays), policy("defaults: {}\n").for_host("syn"), TODAY)
    got = {(f.code, f.subject, f.severity) for f in ev.findings}
    assert ("array-rebuilding", "md0", Severity.WARNING) in got  # recovery 3.9% running
    assert ("array-rebuilding", "md1", Severity.WARNING) in got  # queued behind md0
    assert not any(c == "array-degraded" for c, _, _ in got)
    # the same md1 with nothing rebuilding anywhere: nothing will happen on its own
    alone = tuple(a for a in arrays if a.name == "md1")
    ev = evaluate(_synthetic(arrays=alone), policy("defaults: {}\n").for_host("syn"), TODAY)
    assert any(f.code == "array-degraded" and f.severity is Severity.CRITICAL for f in ev.findings)
