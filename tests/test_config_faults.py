"""Config never kills the daemon: every bad value in the settings file, fleet.yaml, web-config.yml and the
state file is refused at load with one line naming file:line:col and key (load_settings / load_policy
raise ConfigError and nothing else), `raidwatch validate` exits 2 with that line, a running daemon keeps
serving through a bad SIGHUP, YAML alias bombs and oversized files are refused quickly, a 100k-host
fleet file stays within the unit's MemoryMax, a corrupt state file is set aside with a finding, and two
daemons cannot share one state file."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from conftest import HOSTS, REPO

from raidwatch import cli
from raidwatch.errors import ConfigError
from raidwatch.history import History, check_state_file
from raidwatch.policy import load_policy, safe_regex
from raidwatch.safeyaml import MAX_BYTES
from raidwatch.settings import load_settings

APP05 = HOSTS / "app05-healthy"
WEB01 = HOSTS / "web01-mirror-degraded"
ENV = dict(os.environ, PYTHONPATH=str(REPO))


def alias_bomb(levels: int = 9) -> str:
    """The billion laughs: 10**levels strings once every alias is expanded, from ~30 lines."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def validate(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """`raidwatch validate ARGS` in-process (the same code path as the command): status, stdout, stderr."""
    status = cli.main(["validate", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


# ------------------------------------------------------------------------------ settings (--config)

SETTINGS_FAULTS = [
    ("web_config_file: {a: 1}\n", "1:18: web_config_file: expected a path (text), got a mapping"),
    ("interval: .inf\n", "1:11: interval: expected a positive duration like 30s, 5m or 1h, got inf"),
    ("interval: .nan\n", "1:11: interval: expected a positive duration"),
    ("interval: -5\n", "1:11: interval: expected a positive duration"),
    ("interval: 0\n", "1:11: interval: expected a positive duration"),
    ("interval: 0s\n", "1:11: interval: expected a positive duration"),
    ("interval: 2w\n", "1:11: interval: expected a duration from 100ms to 1w, got '2w'"),
    ("interval: 1.0e+300\n", "1:11: interval: expected a duration from 100ms to 1w"),
    ("interval: 10ms\n", "1:11: interval: expected a positive duration"),
    ("smart_interval: true\n", "1:17: smart_interval: expected a positive duration"),
    ("smart_interval: [1, 2]\n", "1:17: smart_interval: expected a positive duration"),
    ("test_page_duration: 0.5\n", "1:21: test_page_duration: expected a duration from 1s to 1w"),
    ("interval: 1" + "0" * 5000 + "\n", "1:11: interval: invalid integer"),
    ("listen_address: 9632\n", "1:17: listen_address: expected [HOST]:PORT as text"),
    ("listen_address: ':99999'\n", "1:17: listen_address: expected [HOST]:PORT"),
    ("listen_address: 'a b:9632'\n", "1:17: listen_address: 'a b' is not a host name"),
    (
        "collectors: [md, nope]\n",
        "1:13: collectors: unknown collector(s): 'nope' (known: appleraid, blockdev",
    ),
    ("collectors: []\n", "1:13: collectors: expected at least one collector name"),
    ("collectors: {md: 1}\n", "1:13: collectors: expected a list of collector names, got a mapping"),
    ("collectors: [md, 3]\n", "1:13: collectors: expected a list of collector names"),
    ("log_level: 3\n", "1:12: log_level: expected debug, info, warning or error, got 3"),
    ("log_level: verbose\n", "1:12: log_level: expected debug, info, warning or error"),
    ("fleet: 12\n", "1:8: fleet: expected a path (text), got 12"),
    ("fleet: [a.yaml]\n", "1:8: fleet: expected a path (text), got a list"),
    ("state_file: {x: 1}\n", "1:13: state_file: expected a path (text), got a mapping"),
    ('fleet: "a\\0b"\n', "1:8: fleet: not a usable path"),
    ("interval: 30s\ninterval: 40s\n", "2:1: interval: duplicate key"),
    ("intervall: 30s\n", "1:12: unknown setting(s): intervall"),
    ("- interval\n", "1:1: expected a mapping of settings, got a list"),
    ("interval: [\n", "invalid YAML"),
    ("interval: !!python/object:os.system x\n", "1:11: interval: unsupported YAML tag"),
    ("interval: &x [*x]\n", "alias *x names no anchor defined before it"),
    (alias_bomb(), "YAML nodes once aliases are expanded (an alias bomb?); refused"),
    ("x: " + "[" * 200 + "]" * 200 + "\n", "nested more than 64 levels deep"),
]


@pytest.mark.parametrize("text, expected", SETTINGS_FAULTS, ids=[e for _t, e in SETTINGS_FAULTS])
def test_bad_settings_are_one_config_error_line_and_validate_exits_2(tmp_path, capsys, text, expected):
    cfg = tmp_path / "raidwatch.yml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as exc:  # ConfigError, never anything else
        load_settings(str(cfg), {})
    lines = str(exc.value).splitlines()
    assert len(lines) == 1 and lines[0].startswith(str(cfg)), lines
    assert expected in lines[0], lines
    status, out, err = validate(capsys, "--settings", str(cfg))
    assert status == 2 and not out and expected in err and "Traceback" not in err, (out, err)


FILE_FAULTS = [
    ("fleet: /nonexistent/fleet.yaml\n", "1:8: fleet: /nonexistent/fleet.yaml: no such file"),
    ("fleet: /etc\n", "1:8: fleet: /etc: is a directory, expected a file"),
    ("web_config_file: /nonexistent/web.yml\n", "1:18: web_config_file: /nonexistent/web.yml: no such file"),
    ("replay: /etc/hostname\n", "1:9: replay: /etc/hostname: no such directory"),
    (
        "state_file: /tmp\n",
        "1:13: state_file: /tmp: is a directory, expected a file (it is created if missing)",
    ),
]


@pytest.mark.parametrize("text, expected", FILE_FAULTS, ids=[e for _t, e in FILE_FAULTS])
def test_missing_files_are_found_by_validate(tmp_path, capsys, text, expected):
    """serve finds these when it loads them (the same one line, exit 2 or reload rejected); validate
    --settings looks for them up front."""
    cfg = tmp_path / "raidwatch.yml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_settings(str(cfg), {}, check_files=True)
    assert str(exc.value) == f"{cfg}:{expected}"
    status, out, err = validate(capsys, "--settings", str(cfg))
    assert status == 2 and not out and err.strip() == f"{cfg}:{expected}", (out, err)


def test_bad_flags_name_the_flag(tmp_path):
    for overrides, expected in [
        ({"interval": ".inf"}, "--interval: expected a positive duration"),
        ({"interval": "nan"}, "--interval: expected a positive duration"),
        ({"smart_interval": "0"}, "--smart-interval: expected a positive duration"),
        ({"listen_address": "localhost"}, "--web.listen-address: expected [HOST]:PORT"),
        ({"collectors": "md,nope"}, "--collectors: unknown collector(s): 'nope'"),
        ({"web_config_file": str(tmp_path / "none.yml")}, "--web.config.file: "),
    ]:
        with pytest.raises(ConfigError, match="^" + re.escape(expected)):
            load_settings(None, overrides, check_files=True)


def test_every_bad_setting_is_reported_at_once(tmp_path):
    cfg = tmp_path / "raidwatch.yml"
    cfg.write_text("interval: .inf\nweb_config_file: {a: 1}\nlog_level: loud\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(str(cfg), {})
    assert len(str(exc.value).splitlines()) == 3


def test_good_settings_still_load(tmp_path):
    cfg = tmp_path / "raidwatch.yml"
    cfg.write_text(
        f"listen_address: '127.0.0.1:9999'\nfleet: {REPO / 'fleet.yaml'}\nreplay: {APP05}\ninterval: 1w\n"
        "smart_interval: 0.1\ncollectors: md,mounts\nlog_level: DEBUG\nstate_file: ''\n"
    )
    s = load_settings(str(cfg), {})
    assert (s.interval, s.smart_interval, s.collectors, s.log_level, s.state_file) == (
        604800,
        0.1,
        ("md", "mounts"),
        "debug",
        None,
    )


# --------------------------------------------------------------------------------------- fleet.yaml

EXEMPTION = "defaults:\n  exemptions:\n    - {code: array-degraded, reason: x, expires: %s}\n"
POLICY_FAULTS = [
    (
        EXEMPTION % "2026-02-30",
        "3:50: defaults.exemptions[0].expires: invalid date '2026-02-30': day is out of",
    ),
    (EXEMPTION % "2026-13-01", "3:50: defaults.exemptions[0].expires: invalid date '2026-13-01'"),
    (
        EXEMPTION % "20261231",
        "3:50: defaults.exemptions[0].expires: expected a date like 2026-12-31, got 2026",
    ),
    (EXEMPTION % "soon", "3:50: defaults.exemptions[0].expires: expected a date like 2026-12-31, got 'soon'"),
    (EXEMPTION % "[2026-01-01]", "3:50: defaults.exemptions[0].expires: expected a single value, got a list"),
    ("defaults:\n  smart:\n    temperature_celsius: .inf\n", "3:26: defaults.smart.temperature_celsius: "),
    (
        "defaults:\n  smart:\n    pending_sectors: {warning: .nan}\n",
        "3:32: defaults.smart.pending_sectors.warning",
    ),
    ("defaults:\n  smart:\n    pending_sectors: -1\n", "expected a number from 0 to 1e+15, got -1"),
    ("defaults:\n  smart:\n    pending_sectors: 1.0e+300\n", "expected a number from 0 to 1e+15"),
    ("defaults:\n  smart:\n    pending_sectors: true\n", "expected a number, got true"),
    (
        "defaults:\n  rebuild_grace: .inf\n",
        "2:18: defaults.rebuild_grace: expected a duration from 0 to 365d",
    ),
    ("defaults:\n  rebuild_grace: -1\n", "2:18: defaults.rebuild_grace: expected a duration from 0 to 365d"),
    (
        "defaults:\n  rebuild_grace: 9999w\n",
        "2:18: defaults.rebuild_grace: expected a duration from 0 to 365d",
    ),
    ("defaults:\n  rebuild_grace: 1" + "0" * 5000 + "\n", "2:18: defaults.rebuild_grace: invalid integer"),
    ("defaults:\n  roles:\n    boot: {covers: [/], min_copies: 65}\n", "min_copies: expected at most 64"),
    ("defaults:\n  roles:\n    boot: {covers: [/], min_copies: 2.5}\n", "expected a whole number, got 2.5"),
    ("defaults:\n  roles:\n    boot: {covers: [/], optional: 1}\n", "expected true or false, got 1"),
    ("groups:\n  a: {hosts: [x], priority: 1.5}\n", "2:29: groups.a.priority: expected a whole number"),
    ("groups:\n  a: {hosts: [x], priority: 10000000}\n", "2:29: groups.a.priority: expected at most 1000000"),
    ("groups:\n  a: {match: '(a+)+$'}\n", "2:14: groups.a.match: '(a+)+$': a quantified group contains"),
    ("groups:\n  a: {match: '(web|db)+'}\n", "2:14: groups.a.match: '(web|db)+': alternation inside"),
    ("groups:\n  a: {match: '\\d*\\d*\\d*x'}\n", "three or more variable-length quantifiers in a row"),
    ("groups:\n  a: {match: '.*-.*-.*-.*'}\n", "three or more variable-length quantifiers in a row"),
    ("groups:\n  a: {match: '(\\w)\\1'}\n", "back-references are not supported"),
    ("groups:\n  a: {match: 'a{99999999999}'}\n", "groups.a.match: bad regular expression"),
    ("groups:\n  a: {match: '" + "(" * 400 + "a" + ")" * 400 + "'}\n", "groups.a.match: "),
    ("groups:\n  a: {match: '" + "a" * 1001 + "'}\n", "a match: expression is at most 1000 characters"),
    ("expect: ['h[0:999999999]']\n", "1:10: expect: 'h[0:999999999]': expands to more than 200000 names"),
    ("expect: ['h[0:9:0]']\n", "1:10: expect: 'h[0:9:0]': a range's step must be at least 1"),
    ("expect: ['h[0:" + "9" * 5000 + "]']\n", "1:10: expect: 'h[0:9999"),
    (
        "expect: [" + ", ".join(f"'g{i}[0:99999]'" for i in range(3)) + "]\n",
        "1:40: expect: more than 200000 host names in all; refused",
    ),
    ("version: '1'\n", "1:10: version: expected a whole number, got '1'"),
    ("defaults: !!python/object:os.system {}\n", "unsupported YAML tag"),
    ("hosts:\n  " + alias_bomb().replace("\n", "\n  ").rstrip() + "\n", "an alias bomb?"),
    ("defaults: " + "[" * 100 + "]" * 100 + "\n", "nested more than 64 levels deep"),
    (
        "defaults:\n  roles:\n    data: {require: mirror}\ngroups:\n  web:\n    hosts: ['web*']\n",
        "role 'data' has no 'covers' in any layer",
    ),
    (
        "defaults: {}\ngroups:\n  web:\n    match: '^web'\n    roles:\n      data: {require: any}\n",
        "groups.web: groups.web.roles.data: role 'data' has no 'covers' in any layer",
    ),
]


@pytest.mark.parametrize("text, expected", POLICY_FAULTS, ids=[e[:60] for _t, e in POLICY_FAULTS])
def test_bad_fleet_values_are_one_config_error_line_and_validate_exits_2(tmp_path, capsys, text, expected):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(text)
    with pytest.raises(ConfigError) as exc:  # ConfigError, never ValueError/TypeError/RecursionError
        load_policy(str(fleet))
    lines = str(exc.value).splitlines()
    assert lines and all(ln.startswith(str(fleet)) for ln in lines), lines
    assert any(expected in ln for ln in lines), lines
    status, out, err = validate(capsys, str(fleet))
    assert status == 2 and not out and expected in err and "Traceback" not in err, (out, err)


def test_an_iso_datetime_expiry_is_its_date_and_evaluation_works(tmp_path):
    from raidwatch.findings import evaluate
    from raidwatch.inventory import collect_inventory
    from raidwatch.probe import ReplayProbe

    p = load_policy(
        "fleet.yaml",
        "defaults:\n  roles: {boot: {covers: [/]}}\n  exemptions:\n"
        "    - {code: array-degraded, reason: x, expires: 2026-06-30T23:30:00-05:00}\n",
    )
    hp = p.for_host("web01")
    assert hp.exemptions[0].expires == date(2026, 6, 30) and type(hp.exemptions[0].expires) is date
    ev = evaluate(collect_inventory(ReplayProbe(WEB01)), hp, today=date(2026, 7, 1))  # no TypeError
    assert any(f.code == "exemption-expired" for f in ev.findings)
    with pytest.raises(ConfigError, match="expected a date like 2026-12-31, got '2026-06-30'"):
        load_policy("fleet.yaml", EXEMPTION % "'2026-06-30'")


def test_accepted_match_expressions_are_fast_on_the_longest_host_names():
    """The worst expressions the rules let through, over adversarial 253-character names: a ratio bound
    against a trivial expression (not a wall-clock number)."""
    names = ["1" * 253, "a" * 253, "a-" * 126, "1." * 126, "web-" * 63]

    def cost(pattern: str) -> float:
        rx = safe_regex(pattern)
        t = time.perf_counter()
        for _ in range(3):
            for n in names:
                rx.search(n)
        return time.perf_counter() - t

    base = max(cost(r"^web\d+$"), 1e-4)
    for pattern in (r"\D+\d+\D+\d+\D+", r"\S+\s\S+\s\S+", r".*-prod-.*", r"\w*\w*x", r"[a-z]+\d+[a-z]+\d+"):
        assert cost(pattern) < base * 2000, pattern  # a refused one (\d*\d*\d*x) is ~10**5 times slower


def test_exemption_subjects_and_group_globs_that_cannot_compile_are_refused():
    # fnmatch turns these into expressions that compile; the validator checks them all the same
    p = load_policy("f.yaml", "groups:\n  a: {hosts: ['[z-a]', 'web[0-9]*']}\n")
    assert not p.groups[0].matches("x") and p.groups[0].matches("web1")


def test_a_large_group_and_many_hosts_load_in_linear_time(tmp_path):
    """The validator once checked every host named in a group against every other (32k names: 155 s)."""

    def seconds(n: int) -> float:
        names = "".join(f"      - host{i:06d}\n" for i in range(n))
        hosts = "".join(f"  h{i:06d}: {{roles: {{data: {{covers: [/d]}}}}}}\n" for i in range(n))
        text = f"groups:\n  big:\n    hosts:\n{names}hosts:\n{hosts}"
        t = time.process_time()
        p = load_policy("f.yaml", text)
        took = time.process_time() - t
        assert len(p.hosts) == n and p.for_host("host000001").layers == ("defaults", "groups.big")
        return took

    small, big = seconds(2_000), seconds(8_000)
    assert big < small * 4 * 2.5, (small, big)  # 4x the hosts: ~4x the time, never ~16x


# --------------------------------------------------------------------------- YAML bounds everywhere


def test_alias_bombs_are_refused_quickly_everywhere(tmp_path):
    from raidwatch.expect import read_expect_file
    from raidwatch.webconfig import load_web_config

    bomb = tmp_path / "bomb.yml"
    bomb.write_text(alias_bomb())
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("all:\n  hosts:\n    x: 1\n" + alias_bomb())
    for load in (
        lambda: load_settings(str(bomb), {}),
        lambda: load_policy(str(bomb)),
        lambda: load_web_config(str(bomb)),
        lambda: read_expect_file(str(inventory)),
    ):
        t = time.monotonic()
        with pytest.raises(ConfigError, match="alias bomb"):
            load()
        assert time.monotonic() - t < 2.0


def test_oversized_files_fifos_and_directories_are_refused_without_reading_them(tmp_path):
    from raidwatch.webconfig import load_web_config

    big = tmp_path / "big.yml"
    with open(big, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: nothing is written, the size alone is refused
    fifo = tmp_path / "fifo.yml"
    os.mkfifo(fifo)  # opening it for reading would block forever if it were opened blocking
    for path, fragment in [(big, "too large"), (fifo, "not a regular file"), (tmp_path, "is a directory")]:
        for load in (
            lambda p=path: load_settings(str(p), {}),
            lambda p=path: load_policy(str(p)),
            lambda p=path: load_web_config(str(p)),
        ):
            with pytest.raises(ConfigError, match=fragment):
                load()


def test_the_100k_host_fleet_file_fits_the_units_memory_limit(tmp_path):
    """Peak RSS of a fresh process loading N distinct `hosts:` entries (nothing shared), at 4k and 16k
    hosts: it grows linearly and the 100k figure it extrapolates to stays far under MemoryMax=256M
    (benchmarks/fleet_file.py measures 100k itself: ~85 MiB)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from fleet_file import fleet_text, measure
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    peaks = {}
    for n in (4_000, 16_000):
        path = tmp_path / f"fleet-{n}.yaml"
        path.write_text(fleet_text(n, "hosts-distinct"))
        m = measure(path)
        assert m["hosts"] == n
        peaks[n] = (m["peak_kib"] - m["base_kib"]) / 1024, m["peak_kib"] / 1024
    (d4, _), (d16, p16) = peaks[4_000], peaks[16_000]
    per_host_kib = (d16 - d4) * 1024 / 12_000
    at_100k = p16 + (d16 - d4) / 12_000 * 84_000
    assert per_host_kib < 1.5, peaks  # the node tree of the old loader: ~8 KiB per host
    assert at_100k < 128, (peaks, at_100k)  # half of MemoryMax=256M


# ------------------------------------------------------------------------------------ state file


@pytest.mark.parametrize(
    "content, why",
    [
        (b"{not json", "not JSON"),
        (b'{"version": 1, "disks": {"a": {"name": "sda", "last_seen": "yesterday"}}}', "1 entry"),
        (b'{"version": 1, "disks": {"a": {"name": "sda", "last_seen": NaN}}}', "1 entry"),
        (b'{"version": 1, "disks": {"a": {"name": ["sda"], "last_seen": 5}}}', "1 entry"),
        (b'{"version": 1, "members": {"md0/x": {"array": "md0", "last_seen": 5}}}', "1 entry"),
        (b'{"version": 1, "disks": ["sda"]}', "'disks' is not an object"),
        (b'{"version": 2}', "not a raidwatch state file of version 1"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"version": 1, "disks": {', "not JSON"),  # truncated
        (b"\xff\xfe\x00", "not JSON"),
        (b"[" * 100_000, "not JSON"),
        (b'{"version": 1, "disks": {"a": {"name": "sda", "last_seen": 1' + b"0" * 5000 + b"}}}", "not JSON"),
    ],
)
def test_a_corrupt_state_file_is_set_aside_with_a_finding(tmp_path, content, why):
    from raidwatch.inventory import collect_inventory
    from raidwatch.probe import ReplayProbe

    state = tmp_path / "state.json"
    state.write_bytes(content)
    assert why in (check_state_file(str(state)) or "")  # what validate --settings notes
    h = History.load(str(state), lock_wait=0)  # never raises
    aside = list(tmp_path.glob("state.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content and not state.exists()
    found = h.observe(collect_inventory(ReplayProbe(WEB01)), time.time())
    corrupt = [f for f in found if f.code == "state-file-corrupt"]
    assert len(corrupt) == 1 and why in corrupt[0].message and str(aside[0]) in corrupt[0].message
    assert not any(f.code == "disk-missing" for f in found)
    assert json.loads(state.read_text())["version"] == 1  # written afresh, atomically
    aside[0].unlink()  # the operator read it: the finding ends
    assert not any(
        f.code == "state-file-corrupt" for f in h.observe(collect_inventory(ReplayProbe(WEB01)), 1)
    )
    h.close()


def test_a_huge_state_file_is_set_aside_without_reading_it_whole(tmp_path):
    state = tmp_path / "state.json"
    with open(state, "wb") as fh:
        fh.truncate(64 * 1024 * 1024)
    h = History.load(str(state), lock_wait=0)
    assert [n.code for n in h.notices()] == ["state-file-corrupt"] and "larger than" in h.notices()[0].message
    h.close()


def test_valid_entries_of_a_partly_corrupt_state_file_are_kept(tmp_path):
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {
                "version": 1,
                "disks": {
                    "wwn:good": {"name": "sda", "model": "M", "serial": "S", "last_seen": 100.0},
                    "wwn:bad": {"name": "sdb", "model": "M", "serial": "T", "last_seen": "x"},
                },
            }
        )
    )
    h = History.load(str(state), now=200.0, lock_wait=0)
    assert list(h.disks) == ["wwn:good"] and h.notices()[0].code == "state-file-corrupt"
    h.close()


def test_the_state_file_is_locked_against_a_second_user(tmp_path):
    state = tmp_path / "state.json"
    first = History.load(str(state), lock_wait=0)
    second = History.load(str(state), lock_wait=0.2)
    assert first.persistent and not second.persistent
    (notice,) = second.notices()
    assert notice.code == "state-file-unusable" and f"pid {os.getpid()}" in notice.message
    first.close()
    third = History.load(str(state), lock_wait=0)
    assert third.persistent and not third.notices()
    third.close()


def test_an_unwritable_state_file_is_a_finding_not_a_failure(tmp_path):
    from raidwatch.inventory import collect_inventory
    from raidwatch.probe import ReplayProbe

    state = tmp_path / "sub" / "state.json"
    h = History.load(str(state), lock_wait=0)
    (tmp_path / "sub" / "state.json").mkdir()  # os.replace onto a directory fails
    found = h.observe(collect_inventory(ReplayProbe(WEB01)), time.time())
    assert [f.code for f in found if f.code.startswith("state-file")] == ["state-file-unusable"]
    h.close()


# ------------------------------------------------------------------------- the real daemon, faulted


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str = "/metrics") -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_for(cond, timeout: float = 15) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@contextmanager
def serving(tmp_path: Path, *args: str, name: str = "daemon"):  # type: ignore[no-untyped-def]
    """`raidwatch serve ARGS` on 127.0.0.1:PORT until /metrics answers 200; stopped by its own PID."""
    port = free_port()
    log = tmp_path / f"{name}.log"
    cmd = [sys.executable, "-m", "raidwatch", "serve", "--web.listen-address", f"127.0.0.1:{port}", *args]
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=ENV, cwd=REPO)
    try:

        def up() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"daemon exited {proc.returncode}: {log.read_text()}")
            try:
                return get(port)[0] == 200
            except OSError:
                return False

        wait_for(up, 30)
        yield proc, port, log
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_a_bad_reload_never_kills_the_daemon(tmp_path):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text((REPO / "fleet.yaml").read_text())
    cfg = tmp_path / "raidwatch.yml"
    good = f"replay: {APP05}\nfleet: {fleet}\ninterval: 1s\ncollectors: [md, blockdev, mounts]\n"
    cfg.write_text(good)
    with serving(tmp_path, "--config", str(cfg)) as (proc, port, log):
        bad_settings = [
            "web_config_file: {a: 1}\n",
            "interval: .inf\n",
            "smart_interval: .nan\n",
            "collectors: [md, nope]\n",
            alias_bomb(),
            "x: " + "[" * 200 + "]" * 200 + "\n",
        ]
        bad_fleets = [
            EXEMPTION % "2026-02-30",
            EXEMPTION % "soon",
            "groups:\n  a: {match: '(a+)+$'}\n",
            "defaults:\n  smart:\n    temperature_celsius: .inf\n",
            "hosts:\n  " + alias_bomb().replace("\n", "\n  ").rstrip() + "\n",
        ]
        faults = [(cfg, good + text.replace(good, "")) for text in bad_settings[:1]]
        faults += [(cfg, text + f"replay: {APP05}\n") for text in bad_settings[1:4]]
        faults += [(cfg, text) for text in bad_settings[4:]]
        faults += [(fleet, text) for text in bad_fleets]
        for path, text in faults:
            rejected = log.read_text().count("reload rejected")
            path.write_text(text)
            proc.send_signal(signal.SIGHUP)
            wait_for(lambda r=rejected: log.read_text().count("reload rejected") > r)
            time.sleep(0.2)
            assert log.read_text().count("reload rejected") == rejected + 1, (text[:60], log.read_text())
            assert proc.poll() is None and get(port)[0] == 200 and get(port, "/healthz")[0] == 200
            cfg.write_text(good)
            fleet.write_text((REPO / "fleet.yaml").read_text())
        # still alive and still reloading: a good file is taken
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reloaded: fleet" in log.read_text())
        assert get(port)[0] == 200
        text = log.read_text()
        assert "Traceback" not in text and "alias bomb" in text and "day is out of range" in text


def test_the_daemon_with_a_corrupt_state_file_serves_and_says_so(tmp_path):
    state = tmp_path / "state.json"
    state.write_text('{"version": 1, "disks": {"wwn:x": {"name": "sda", "last_seen": "not a number"}}}')
    args = ["--replay", str(APP05), "--fleet", "fleet.yaml", "--state-file", str(state), "--interval", "1s"]
    with serving(tmp_path, *args, "--collectors", "md,blockdev,mounts") as (_proc, port, log):
        wait_for(lambda: 'code="state-file-corrupt"' in get(port)[1])
        status, body = get(port)
        assert status == 200 and 'raidwatch_finding{code="state-file-corrupt",severity="warning"' in body
        assert list(tmp_path.glob("state.json.corrupt-*")) and json.loads(state.read_text())["version"] == 1
        assert "Traceback" not in log.read_text()


def test_two_daemons_on_one_state_file(tmp_path):
    """The second keeps its memory in RAM (it never reads or writes the file: no false disk-missing from
    the other host's disks), says so once in its log and as a finding, and keeps monitoring."""
    state = tmp_path / "state.json"
    common = ["--fleet", "fleet.yaml", "--state-file", str(state), "--interval", "1s"]
    cols = ["--collectors", "md,blockdev,mounts"]
    with serving(tmp_path, "--replay", str(WEB01), *common, *cols, name="first") as (p1, port1, _log1):
        wait_for(lambda: state.exists())
        with serving(tmp_path, "--replay", str(APP05), *common, *cols, name="second") as (_p2, port2, log2):
            wait_for(lambda: 'raidwatch_finding{code="state-file-unusable"' in get(port2)[1])
            time.sleep(2.5)  # a few collections of both
            for port in (port1, port2):
                status, body = get(port)
                assert status == 200 and 'raidwatch_finding{code="disk-missing"' not in body
            assert f"in use by another raidwatch (pid {p1.pid})" in log2.read_text()
            assert log2.read_text().count("in use by another raidwatch") == 1
            assert 'raidwatch_finding{code="state-file-unusable"' not in get(port1)[1]
        remembered = json.loads(state.read_text())["disks"]
        assert remembered and all(d["name"] in ("sda", "sdb") for d in remembered.values())


# ---------------------------------------------------------------------------------- validate --settings


def test_validate_settings_checks_everything_serve_loads(tmp_path, capsys):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(EXEMPTION % "2026-02-30")
    web = tmp_path / "web.yml"
    web.write_text(alias_bomb())
    cfg = tmp_path / "raidwatch.yml"
    cfg.write_text(f"fleet: {fleet}\nweb_config_file: {web}\nreplay: {tmp_path}\n")
    status, out, err = validate(capsys, "--settings", str(cfg))
    lines = err.splitlines()
    assert status == 2 and not out and len(lines) == 3, lines
    assert "day is out of range for month" in lines[0] and "alias bomb" in lines[1] and "replay" in lines[2]
    # two groups claiming this host's name with nothing to settle it: serve would fail for it alone
    fleet.write_text("groups:\n  a: {hosts: ['web*']}\n  b: {match: '^web'}\n")
    cfg.write_text(f"fleet: {fleet}\nreplay: {WEB01}\n")
    status, out, err = validate(capsys, "--settings", str(cfg))
    assert status == 2 and "for this host (web01)" in err and "no 'priority' settles it" in err
    fleet.write_text((REPO / "fleet.yaml").read_text())
    state = tmp_path / "state.json"
    state.write_text("{oops")
    cfg.write_text(f"fleet: {fleet}\nreplay: {WEB01}\nstate_file: {state}\n")
    status, out, err = validate(capsys, "--settings", str(cfg), str(fleet))
    assert status == 0 and "valid settings" in out and "host web01" in out and f"{fleet}: valid (" in out
    assert "note: not JSON" in err and state.read_text() == "{oops"  # validate never touches it
    assert validate(capsys)[0] == 2


def test_validate_as_a_real_command(tmp_path):
    cfg = tmp_path / "raidwatch.yml"
    cfg.write_text("interval: .inf\n")
    res = subprocess.run(
        [sys.executable, "-m", "raidwatch", "validate", "--settings", str(cfg)],
        env=ENV,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    expected = "interval: expected a positive duration like 30s, 5m or 1h, got inf (not a finite number)"
    assert res.returncode == 2 and res.stderr.strip() == f"{cfg}:1:11: {expected}"


# ------------------------------------------------------------------------------------------- fuzzing


def test_mutated_fleet_files_raise_config_error_or_load():
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    seed = (REPO / "fleet.yaml").read_text()
    junk = st.sampled_from(
        ["2026-02-30", ".inf", ".nan", "-1", "1e999", "*x", "&x", "{a: 1}", "[1, [2]]", "'", ":", "!!set",
         "~", "9" * 5000, "(a+)+", "[z-a]", "\t", "\x00", "2026-01-01T25:00:00", "? [a]", "<<: {}",
         "web[0:9:0]"]
    )  # fmt: skip

    @hypothesis.settings(max_examples=150, deadline=None, derandomize=True)
    @hypothesis.given(st.integers(0, len(seed)), st.integers(0, 40), junk)
    def run(at: int, cut: int, piece: str) -> None:
        text = seed[:at] + piece + seed[at + cut :]
        try:
            load_policy("fleet.yaml", text)
        except ConfigError as exc:
            assert all(line.startswith("fleet.yaml") for line in str(exc).splitlines())

    run()


def test_settings_loader_raises_only_config_error_on_mutations(tmp_path):
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    cfg = tmp_path / "raidwatch.yml"
    seed = textwrap.dedent(
        f"""\
        listen_address: '127.0.0.1:9632'
        fleet: {REPO / "fleet.yaml"}
        interval: 30s
        smart_interval: 30m
        collectors: [md, mounts]
        log_level: info
        test_page_duration: 10m
        """
    )
    values = st.sampled_from(
        ["{a: 1}", "[1]", ".inf", ".nan", "-1", "0", "1e999", "true", "~", "2026-02-30", "'\\0'", "9" * 5000,
         "&a [*a]", "!!binary aGk=", "''", "x:y:z", "[::1]:1", "/etc", "1w", "8d"]
    )  # fmt: skip

    @hypothesis.settings(max_examples=120, deadline=None, derandomize=True)
    @hypothesis.given(st.integers(0, 6), values)
    def run(line: int, value: str) -> None:
        lines = seed.splitlines()
        key = lines[line].split(":")[0]
        lines[line] = f"{key}: {value}"
        cfg.write_text("\n".join(lines) + "\n")
        try:
            load_settings(str(cfg), {})
        except ConfigError as exc:
            assert len(str(exc).splitlines()) == 1 and str(exc).startswith(str(cfg))

    run()
