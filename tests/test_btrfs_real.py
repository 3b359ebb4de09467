"""A real btrfs on loop devices (root, btrfs-progs, a kernel with btrfs): mirror, single, degraded mirror."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys

import pytest
from btrfs_loop import SetupFailed, btrfs_on_loops, missing_prerequisite
from conftest import REPO

from raidwatch import collectors
from raidwatch.collectors.blockdev import BlockDevCollector
from raidwatch.collectors.btrfs import BtrfsCollector, array_name
from raidwatch.collectors.mounts import MountsCollector
from raidwatch.inventory import collect_inventory
from raidwatch.probe import LiveProbe, RecordingProbe, ReplayProbe

_REASON = missing_prerequisite()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=f"no real btrfs on loop devices: {_REASON}")


def run_collectors(probe):
    return collect_inventory(probe, [BtrfsCollector(), BlockDevCollector(), MountsCollector()])


@pytest.fixture()
def make_fs():
    """make_fs(devices, mkfs_args) -> a mounted LoopBtrfs; all undone at teardown, pass or fail."""
    with contextlib.ExitStack() as stack:

        def make(devices: int, mkfs_args: list[str]):
            try:
                return stack.enter_context(btrfs_on_loops(devices, mkfs_args))
            except SetupFailed as exc:
                pytest.skip(f"this machine refused a loop btrfs: {exc}")

        yield make


def check_volume(inv, fs, *, tolerated: int, redundancy: str, disks: int):
    vol = inv.volume(str(fs.mountpoint))
    assert vol is not None, [v.mountpoint for v in inv.volumes]
    assert (vol.fstype, vol.source) == ("btrfs", array_name(fs.uuid))
    assert (vol.redundancy, vol.failures_tolerated) == (redundancy, tolerated)
    assert vol.stack is not None
    assert sorted(c.name for c in vol.stack.children) == sorted(fs.kernel_names)
    assert {c.kind for c in vol.stack.children} == {"loop"}
    assert len(vol.disks) == disks
    return vol


def test_mirror_survives_one_loss_live_and_recorded(make_fs, tmp_path):
    fs = make_fs(2, ["-d", "raid1", "-m", "raid1"])
    inv = run_collectors(LiveProbe())
    check_volume(inv, fs, tolerated=1, redundancy="btrfs", disks=2)
    arr = inv.array(array_name(fs.uuid))
    assert (arr.kind, arr.level, arr.label, arr.uuid) == ("btrfs", "raid1", "rwtest", fs.uuid)
    assert (arr.raid_disks, arr.in_sync_disks, arr.degraded, arr.failures_tolerated) == (2, 2, False, 1)
    assert arr.metadata == "data=raid1 metadata=raid1 system=raid1"
    assert "btrfs-show" in arr.sources and arr.disagreements == ()  # root: `btrfs filesystem show` works
    btrfs_run = next(r for r in inv.collectors if r.name == "btrfs")
    assert btrfs_run.success and btrfs_run.problems == ()
    # recorded, then replayed: the same verdict
    rec = RecordingProbe(LiveProbe(), tmp_path / "rec")
    run_collectors(rec)
    rec.finish()
    replayed = run_collectors(ReplayProbe(tmp_path / "rec"))
    check_volume(replayed, fs, tolerated=1, redundancy="btrfs", disks=2)
    if "btrfs" in collectors.available():
        argv = [
            "inventory",
            "--replay",
            str(tmp_path / "rec"),
            "--json",
            "--collectors",
            "btrfs,blockdev,mounts",
        ]
        res = subprocess.run(
            [sys.executable, "-m", "raidwatch", *argv],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
        assert res.returncode == 0, res.stderr
        vol = next(v for v in json.loads(res.stdout)["volumes"] if v["mountpoint"] == str(fs.mountpoint))
        assert (vol["redundancy"], vol["failures_tolerated"]) == ("btrfs", 1)


def test_single_data_dup_metadata_survives_nothing(make_fs):
    fs = make_fs(1, ["-d", "single", "-m", "dup"])
    inv = run_collectors(LiveProbe())
    check_volume(inv, fs, tolerated=0, redundancy="none", disks=1)
    arr = inv.array(array_name(fs.uuid))
    assert (arr.level, arr.raid_disks, arr.in_sync_disks, arr.degraded) == ("single", 1, 1, False)
    assert arr.metadata == "data=single metadata=dup system=dup"


def test_degraded_mirror(make_fs):
    fs = make_fs(2, ["-d", "raid1", "-m", "raid1"])
    fs.degrade()
    inv = run_collectors(LiveProbe())
    check_volume(inv, fs, tolerated=0, redundancy="btrfs", disks=1)
    arr = inv.array(array_name(fs.uuid))
    assert (arr.level, arr.raid_disks, arr.in_sync_disks, arr.degraded) == ("raid1", 2, 1, True)
    assert [m.device for m in arr.members] == fs.kernel_names
    assert arr.disagreements == ()  # sysfs devinfo and `btrfs filesystem show` agree: one missing
