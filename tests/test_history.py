"""Disks and array members seen before and gone now: findings from the history, in memory and on disk."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import HOSTS, REPO

from raidwatch.history import History
from raidwatch.inventory import collect_inventory
from raidwatch.probe import ReplayProbe


def inv(path):  # type: ignore[no-untyped-def]
    return collect_inventory(ReplayProbe(path))


@pytest.fixture()
def web01(tmp_path):
    dst = tmp_path / "web01"
    shutil.copytree(HOSTS / "web01-mirror-degraded", dst)
    return dst


def _remove_disk(host, name: str) -> None:
    """The host after disk `name` (and its partitions) vanished from /sys/block and the arrays."""
    idx = json.loads((host / "fs.json").read_text())
    idx["dirs"]["/sys/block"].remove(name)
    for md in ("md0", "md1"):
        d = f"/sys/block/{md}/md"
        idx["dirs"][d] = [e for e in idx["dirs"][d] if not e.startswith(f"dev-{name}")]
        idx["dirs"][f"/sys/block/{md}/slaves"] = [
            e for e in idx["dirs"][f"/sys/block/{md}/slaves"] if not e.startswith(name)
        ]
    (host / "fs.json").write_text(json.dumps(idx))
    shutil.rmtree(host / "fs/sys/block" / name)
    mdstat = host / "fs/proc/mdstat"
    text = mdstat.read_text()
    text = text.replace(" sdb1[1]", "").replace("[2/2] [UU]", "[2/1] [U_]", 1).replace(" sdb2[1](F)", "")
    mdstat.write_text(text)
    shutil.rmtree(host / "commands")  # mdadm and smartctl would still name it


def test_a_disk_that_disappears_is_a_finding(web01):
    h = History()
    assert h.observe(inv(web01), now=1000.0) == []
    _remove_disk(web01, "sdb")
    found = h.observe(inv(web01), now=1600.0)
    disk = [f for f in found if f.code == "disk-missing"]
    assert len(disk) == 1 and disk[0].subject == "disk:wwn:naa.5002538e40a1b2d4"
    assert "last seen as sdb" in disk[0].message and "10m" in disk[0].message
    member = [f for f in found if f.code == "array-member-missing"]
    assert [f.subject for f in member] == ["md0/sdb1"]  # sdb2 was already marked failed: not "seen healthy"
    # still gone an hour later: still a finding; gone longer than forget_after: forgotten
    assert any(f.code == "disk-missing" for f in h.observe(inv(web01), now=5000.0))
    assert not any(f.code == "disk-missing" for f in h.observe(inv(web01), now=1000.0 + 8 * 86400))


def test_a_failed_read_is_not_a_loss(web01):
    h = History()
    h.observe(inv(web01), now=1.0)
    shutil.rmtree(web01 / "fs/sys")  # /sys/block unreadable: blockdev fails, nothing is "gone"
    idx = json.loads((web01 / "fs.json").read_text())
    idx["errors"]["/sys/block"] = "permission"
    (web01 / "fs.json").write_text(json.dumps(idx))
    assert not any(f.code == "disk-missing" for f in h.observe(inv(web01), now=2.0))


def test_state_file_round_trip_and_corruption(tmp_path, web01):
    state = tmp_path / "state.json"
    History.load(str(state)).observe(inv(web01), now=10.0)
    doc = json.loads(state.read_text())
    assert doc["version"] == 1 and "wwn:naa.5002538e40a1b2d4" in doc["disks"]
    _remove_disk(web01, "sdb")
    found = History.load(str(state)).observe(inv(web01), now=20.0)
    assert any(f.code == "disk-missing" for f in found)
    # a corrupt file is set aside with a finding, never fatal (more cases in test_config_faults.py)
    state.write_text("{not json")
    h = History.load(str(state))
    assert not h.disks and [n.code for n in h.notices()] == ["state-file-corrupt"]
    assert not state.exists() and list(tmp_path.glob("state.json.corrupt-*"))


def test_check_with_state(tmp_path, web01):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    state = tmp_path / "state.json"

    def check():  # type: ignore[no-untyped-def]
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "raidwatch",
                "check",
                "--fleet",
                "fleet.yaml",
                "--replay",
                str(web01),
                "--host",
                "web01",
                "--state",
                str(state),
                "--json",
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    first = json.loads(check().stdout)
    assert not any(f["code"] == "disk-missing" for f in first["hosts"][0]["findings"])
    _remove_disk(web01, "sdb")
    second = json.loads(check().stdout)
    codes = [f["code"] for f in second["hosts"][0]["findings"]]
    assert "disk-missing" in codes and "array-member-missing" in codes
