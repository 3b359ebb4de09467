"""End to end: the real CLI over recorded hosts, the live machine, record -> replay, and bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HOSTS, REPO, corpus_path

from raidwatch import __version__


def rw(*args: str, check: bool = True, user: str | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "raidwatch", *args]
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert "Traceback" not in res.stderr, res.stderr
    if check:
        assert res.returncode == 0, res.stderr
    return res


def inventory(host: str) -> dict:
    return json.loads(rw("inventory", "--replay", str(HOSTS / host), "--json").stdout)


def vol(inv: dict, mount: str) -> dict:
    return next(v for v in inv["volumes"] if v["mountpoint"] == mount)


def arr(inv: dict, name: str) -> dict:
    return next(a for a in inv["arrays"] if a["name"] == name)


def test_version_and_help():
    assert rw("--version").stdout.strip() == f"raidwatch {__version__}"
    for sub in ("inventory", "parse", "record"):
        out = rw(sub, "--help").stdout
        assert "usage: raidwatch " + sub in out


def test_web01_root_mirror_redundant_srv_degraded():
    inv = inventory("web01-mirror-degraded")
    assert inv["header"]["hostname"] == "web01"
    root, srv = vol(inv, "/"), vol(inv, "/srv")
    assert root["failures_tolerated"] == 1 and root["redundancy"] == "md" and len(root["disks"]) == 2
    assert srv["failures_tolerated"] == 0 and srv["redundancy"] == "md"
    md1 = arr(inv, "md1")
    assert md1["degraded"] and md1["in_sync_disks"] == 1 and md1["raid_disks"] == 2
    assert [m["device"] for m in md1["members"] if m["state"] == "failed"] == ["sdb2"]
    assert md1["sources"] == ["mdstat", "sysfs", "mdadm"] and md1["disagreements"] == []
    assert arr(inv, "md0")["failures_tolerated"] == 1


def test_db02_single_boot_disk_and_rebuilding_data():
    inv = inventory("db02-single-boot-disk")
    assert vol(inv, "/")["failures_tolerated"] == 0 and vol(inv, "/")["redundancy"] == "none"
    assert vol(inv, "/boot")["failures_tolerated"] == 0
    data = vol(inv, "/data")
    assert data["failures_tolerated"] == 0  # the only in-sync copy is sdb1 until the rebuild ends
    md0 = arr(inv, "md0")
    assert md0["sync"]["action"] == "recovery" and md0["sync"]["finish_seconds"] == pytest.approx(259.9 * 60)
    assert md0["sync"]["progress"] == pytest.approx(3354519960 / 8386299904)
    assert [m["device"] for m in md0["members"] if m["rebuilding"]] == ["sdc1"]


def test_lab03_mirror_on_one_disk_is_not_redundant_but_lvm_on_md_is():
    inv = inventory("lab03-same-disk-mirror")
    root = vol(inv, "/")
    assert root["redundancy"] == "md" and root["failures_tolerated"] == 0 and len(root["disks"]) == 1
    var = vol(inv, "/var")
    assert var["source"] == "dm-0" and var["failures_tolerated"] == 1 and var["redundancy"] == "md"
    assert var["stack"]["children"][0]["name"] == "md1"
    md1 = arr(inv, "md1")
    assert md1["sync"]["action"] == "check" and md1["mismatch_cnt"] == 0 and not md1["degraded"]


def test_nas04_raid6_with_two_missing_is_never_ok():
    inv = inventory("nas04-raid6-rebuild")
    md0 = arr(inv, "md0")
    assert md0["level"] == "raid6" and md0["in_sync_disks"] == 4 and md0["degraded"]
    assert md0["failures_tolerated"] == 0
    assert vol(inv, "/tank")["failures_tolerated"] == 0


def test_table_output_is_readable():
    out = rw("inventory", "--replay", str(HOSTS / "web01-mirror-degraded")).stdout
    assert "Host web01" in out
    assert any(line.split()[:1] == ["/srv"] and "NO" in line for line in out.splitlines())
    assert "DEGRADED" in out and "sdb2(F)" in out
    assert "└─" in out


def test_parse_mdstat_json_shape():
    real = corpus_path("mdstat/glensc-check-raid/pr28_2")  # a real /proc/mdstat, read in place
    out = rw("parse", "mdstat", str(real), "--json").stdout
    doc = json.loads(out)
    a = doc["arrays"][1]
    for key in (
        "name",
        "level",
        "state",
        "read_only",
        "raid_disks",
        "in_sync_disks",
        "degraded",
        "members",
        "sync",
    ):
        assert key in a
    assert a["members"][0].keys() >= {"device", "slot", "state", "flags"}
    assert a["sync"].keys() >= {"action", "progress", "finish_seconds", "speed_kib_s", "delayed", "pending"}
    assert doc["arrays"][0]["sync"]["delayed"] is True


def test_parse_other_kinds():
    # real outputs, read in place from ../shared/corpus (the test skips without it)
    detail = corpus_path("mdadm-detail/kellyjonbrazil-jc/mdadm-examine-container2-dev1.out")
    doc = json.loads(rw("parse", "mdadm-detail", str(detail), "--json").stdout)
    assert doc["format"] in ("detail", "examine")
    plain = rw("parse", "mdstat", str(corpus_path("mdstat/glensc-check-raid/mdstat-failed"))).stdout
    assert "raid5" in plain and "sdc1" in plain


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("parse", "mdstat", "no/such/file"), "no such file"),
        (("parse", "mdstat", "tests"), "is a directory"),
        (("parse", "mdstat", "pyproject.toml"), "not /proc/mdstat"),
        # a hand-made /proc/mdstat (tests/fixtures/mdstat/SOURCES.md): the wrong kind for mdadm-detail
        (("parse", "mdadm-detail", "tests/fixtures/mdstat/flags-journal-replacement-writemostly"), "mdadm"),
        (("parse", "sysfs-md", "pyproject.toml"), "expects a directory"),
        (("parse", "sysfs-md", "tests/fixtures"), "no md array directory"),
        (("inventory", "--replay", "no/such/dir"), "no such directory"),
        (("inventory", "--replay", "tests"), "host.json"),
        (("inventory", "--collectors", "md,nope"), "unknown collector"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, fragment):
    res = rw(*args, check=False)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("raidwatch: ") and fragment in lines[0], res.stderr


def test_binary_input_is_refused_cleanly(tmp_path):
    f = tmp_path / "blob"
    f.write_bytes(bytes(range(256)) * 4)
    for kind in ("mdstat", "mdadm-detail", "smartctl", "diskutil"):
        res = rw("parse", kind, str(f), check=False)
        assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1


def _comparable(inv: dict) -> dict:
    inv = dict(inv)
    inv.pop("collected_at")
    inv["header"] = {k: v for k, v in inv["header"].items() if k not in ("recorded_at", "raidwatch_version")}
    inv["collectors"] = [{k: v for k, v in c.items() if k != "duration_seconds"} for c in inv["collectors"]]
    # two SMART readings taken seconds apart differ in time and temperature; the rest must not
    inv["disks"] = [dict(d, smart=d["smart"] is not None) for d in inv["disks"]]
    return inv


def test_live_inventory_and_record_replay_agree(tmp_path):
    """On this machine: a live run, then `record`, then replaying the recording gives the same answer."""
    live = json.loads(rw("inventory", "--json").stdout)
    assert live["volumes"], "no mounted volume found on this machine"
    root = vol(live, "/")
    if not Path("/proc/mdstat").exists():  # the CI/dev machine: / on one virtual disk, no md driver
        assert root["failures_tolerated"] == 0 and root["redundancy"] != "md"
    out = tmp_path / "rec"
    msg = rw("record", str(out)).stdout
    assert msg.startswith("recorded ")
    assert (out / "host.json").is_file() and (out / "fs.json").is_file() and (out / "mounts.json").is_file()
    replayed = json.loads(rw("inventory", "--replay", str(out), "--json").stdout)
    assert _comparable(replayed) == _comparable(live)
    # refuses to overwrite a recording
    res = rw("record", str(out), check=False)
    assert res.returncode == 2 and "not empty" in res.stderr


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("runuser"), reason="needs root and runuser to drop to nobody"
)
def test_live_inventory_without_root():
    """As `nobody`: still a full answer for what it can read, problems reported, exit 0."""
    import tempfile

    import psutil

    system_python = shutil.which("python3", path="/usr/bin:/bin")
    if system_python is None:
        pytest.skip("no /usr/bin/python3 that an unprivileged user can run")
    world = Path(tempfile.mkdtemp(prefix="raidwatch-nobody-", dir="/tmp"))
    try:
        world.chmod(0o755)
        shutil.copytree(Path(psutil.__file__).parent, world / "psutil")
        shutil.copytree(REPO / "raidwatch", world / "raidwatch")
        for p in [world, *world.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        env = dict(os.environ, PYTHONPATH=str(world))
        res = subprocess.run(
            ["runuser", "-u", "nobody", "--", system_python, "-m", "raidwatch", "inventory", "--json"],
            capture_output=True,
            text=True,
            env=env,
            cwd="/tmp",
            timeout=120,
        )
        if res.returncode != 0 and "No module named" in res.stderr:
            pytest.skip(f"the system Python cannot load this psutil build: {res.stderr.strip()[-160:]}")
        assert res.returncode == 0, res.stderr
        assert "Traceback" not in res.stderr
        inv = json.loads(res.stdout)
        assert vol(inv, "/")["failures_tolerated"] is not None
        assert inv["disks"], "an unprivileged user can still read /sys/block"
    finally:
        shutil.rmtree(world, ignore_errors=True)


def test_every_cli_flag_is_documented_in_the_readme():
    import argparse

    from raidwatch.cli import build_parser

    readme = (REPO / "README.md").read_text()
    parser = build_parser()
    missing = []
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        if f"raidwatch {name}" not in readme:
            missing.append(f"raidwatch {name}")
        for action in p._actions:
            for opt in action.option_strings:
                if opt.startswith("--") and opt != "--help" and f"`{opt}" not in readme:
                    missing.append(f"{name} {opt}")
    for action in parser._actions:
        for opt in action.option_strings:
            if opt.startswith("--") and opt != "--help" and f"`{opt}" not in readme:
                missing.append(opt)
    assert not missing, f"not documented in README.md: {missing}"
