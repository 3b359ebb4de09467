"""The md collector over recorded hosts: missing mdadm, unreadable sources, per-array problems."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import HOSTS

from raidwatch.collectors.md import MdCollector
from raidwatch.inventory import collect_inventory
from raidwatch.probe import ReplayProbe


@pytest.fixture()
def web01(tmp_path):
    dst = tmp_path / "web01"
    shutil.copytree(HOSTS / "web01-mirror-degraded", dst)
    return dst


def test_all_three_sources_used(web01):
    c = MdCollector().collect(ReplayProbe(web01))
    assert c.problems == ()
    assert {a.name: a.sources for a in c.arrays} == {
        "md0": ("mdstat", "sysfs", "mdadm"),
        "md1": ("mdstat", "sysfs", "mdadm"),
    }


def test_without_mdadm_it_says_so_once(web01):
    shutil.rmtree(web01 / "commands")
    c = MdCollector().collect(ReplayProbe(web01))
    assert c.problems == ()
    assert [a.sources for a in c.arrays] == [("mdstat", "sysfs"), ("mdstat", "sysfs")]
    assert sum("mdadm not installed" in n for n in c.notes) == 1


def test_mdadm_permission_denied_is_a_problem_per_array(web01):
    for d in (web01 / "commands").iterdir():
        meta = json.loads((d / "cmd.json").read_text())
        meta["returncode"] = 1
        (d / "cmd.json").write_text(json.dumps(meta))
        (d / "stdout").write_text("")
        (d / "stderr").write_text(f"mdadm: cannot open {meta['argv'][-1]}: Permission denied\n")
    c = MdCollector().collect(ReplayProbe(web01))
    assert len(c.problems) == 2
    assert all(
        "Permission denied" in p.message and p.subject.startswith("mdadm --detail") for p in c.problems
    )
    assert [a.degraded for a in c.arrays] == [False, True]  # the kernel's sources still answer


def test_unreadable_mdstat_keeps_sysfs(web01):
    idx = json.loads((web01 / "fs.json").read_text())
    idx["errors"]["/proc/mdstat"] = "permission"
    (web01 / "fs.json").write_text(json.dumps(idx))
    c = MdCollector().collect(ReplayProbe(web01))
    assert any(p.subject == "/proc/mdstat" and "permission denied" in p.message for p in c.problems)
    md1 = next(a for a in c.arrays if a.name == "md1")
    assert md1.degraded and md1.sources == ("sysfs", "mdadm")


def test_odd_array_line_is_a_problem_for_that_array_only(web01):
    p = web01 / "fs/proc/mdstat"
    p.write_text(p.read_text().replace("md0 : active raid1", "md0 : frobnicated raid1"))
    c = MdCollector().collect(ReplayProbe(web01))
    assert len(c.problems) == 1 and "md0" in c.problems[0].message
    # md0 is still known from sysfs and mdadm; md1 untouched
    assert {a.name for a in c.arrays} == {"md0", "md1"}
    assert next(a for a in c.arrays if a.name == "md0").sources == ("sysfs", "mdadm")


def test_no_md_driver_is_quiet(tmp_path):
    (tmp_path / "host.json").write_text(json.dumps({"hostname": "plain", "os": "Linux"}))
    inv = collect_inventory(ReplayProbe(tmp_path))
    md = next(r for r in inv.collectors if r.name == "md")
    assert md.skipped and "md driver" in md.skipped and md.problems == ()


def test_a_crashing_collector_never_hides_the_others(web01):
    class Boom(MdCollector):
        name = "boom"

        def collect(self, probe):
            raise RuntimeError("kaput")

    from raidwatch.collectors.blockdev import BlockDevCollector
    from raidwatch.collectors.mounts import MountsCollector

    inv = collect_inventory(
        ReplayProbe(web01), [Boom(), MdCollector(), BlockDevCollector(), MountsCollector()]
    )
    boom = next(r for r in inv.collectors if r.name == "boom")
    assert not boom.success and "kaput" in boom.problems[0].message
    assert inv.volume("/").failures_tolerated == 1


class _Counting:
    """A probe wrapper that counts commands (a live host's view stays the same between runs)."""

    def __init__(self, inner):  # type: ignore[no-untyped-def]
        self.inner, self.runs = inner, 0

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        return getattr(self.inner, name)

    @property
    def is_replay(self) -> bool:
        return False

    def run(self, argv, timeout=20.0):  # type: ignore[no-untyped-def]
        self.runs += 1
        return self.inner.run(argv, timeout)


def test_mdadm_reruns_only_when_the_kernel_view_changes(web01):
    probe = _Counting(ReplayProbe(web01))
    col = MdCollector()
    first = col.collect(probe)
    assert probe.runs == 2  # one mdadm --detail per array
    second = col.collect(probe)
    assert probe.runs == 2 and second.arrays == first.arrays  # nothing changed: answered from the cache
    mdstat = web01 / "fs/proc/mdstat"
    mdstat.write_text(mdstat.read_text().replace("md0 : active raid1", "md0 : active (read-only) raid1"))
    col.collect(probe)
    assert probe.runs == 3  # md0's view changed: mdadm asked again for md0 only
