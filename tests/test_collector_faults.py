"""Collectors under faults (issue #12): a smartctl that holds its pipe, hangs, floods, crashes, prints
garbage or vanishes; sysfs files that never answer; /proc/mdstat deleted; file descriptors exhausted; a
vendor RAID CLI that hangs. Each case asserts what an operator sees: a bounded collection, a critical
problem (the daemon serves the last good data, stale) rather than "not applicable", FAILED never hidden.

Real processes on a fake PATH and real files under a LiveProbe root; every process a test starts is
checked dead by its PID. No network but the loopback daemon at the end."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import HOSTS, REPO
from hostgen import GIB, Disk, write_host
from toolgen import smartctl as sc

from raidwatch.collectors.base import Contribution
from raidwatch.collectors.blockdev import BlockDevCollector
from raidwatch.collectors.hwraid import HwRaidCollector
from raidwatch.collectors.md import MdCollector
from raidwatch.collectors.smart import LOST_HINT, MISSING_HINT, SmartCollector
from raidwatch.inventory import run_collectors
from raidwatch.model import Severity, SmartHealth
from raidwatch.probe import KILL_GRACE, LINGER, REAP_WAIT, LiveProbe

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or sys.platform != "linux",
    reason="needs Linux /proc to see processes",
)

WEB01 = HOSTS / "web01-mirror-degraded"


def failing_drive() -> sc.AtaDrive:
    """An HDD whose own verdict is FAILED (smartctl exits with bit 3 set)."""
    return sc.AtaDrive(
        "ST2000NM000A-2J2100",
        "ZC1FA1LD",
        "SN02",
        2_000_398_934_016,
        "5000c500c8a1b2c4",
        health_passed=False,
        attributes=sc.seagate_hdd_attributes(21_000, 38),
    )


FAILED_TEXT = sc.render_text(failing_drive())
FAILED_RC = sc.exit_status(failing_drive())

# The fake smartctl: what it does is read from a mode file beside it, so one script plays every fault.
FAKE_SMARTCTL = """#!/bin/sh
d="$(dirname "$0")"
case "$(cat "$d/mode")" in
  failed) cat "$d/failed.txt"; exit {rc} ;;
  hold) cat "$d/failed.txt"; sleep 1000 & echo $! > "$d/child.pid"; exit {rc} ;;
  hang) sleep 1000 & echo $! > "$d/child.pid"; wait ;;
  garbage) printf '\\033[2J@@@ 0x7f3a not smartctl at all\\n'; exit 0 ;;
  crash) kill -SEGV $$ ;;
  flood) head -c 100000000 /dev/zero; exit 0 ;;
esac
"""


class Tools:
    """A bin directory at the front of PATH holding fake tools."""

    def __init__(self, bindir: Path) -> None:
        self.bin = bindir

    def smartctl(self, mode: str) -> None:
        script = self.bin / "smartctl"
        if not script.exists():
            script.write_text(FAKE_SMARTCTL.format(rc=FAILED_RC))
            script.chmod(script.stat().st_mode | stat.S_IEXEC)
            (self.bin / "failed.txt").write_text(FAILED_TEXT)
        (self.bin / "mode").write_text(mode)

    def remove(self, name: str) -> None:
        (self.bin / name).unlink()

    def child(self) -> int:
        return int((self.bin / "child.pid").read_text())


@pytest.fixture
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tools:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    # only our fakes and the basic utilities the scripts use: no real smartctl, mdadm or RAID CLI
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}/usr/bin{os.pathsep}/bin")
    return Tools(bindir)


@pytest.fixture
def one_disk(tmp_path: Path) -> LiveProbe:
    """A LiveProbe over a tree with one spinning SATA disk in /sys/block; commands run for real."""
    host = write_host(
        "faults",
        hostname="faults",
        disks=[Disk("sda", 2000 * GIB, "ST2000NM000A-2J2100", "ZC1FA1LD", None, True)],
        arrays=[],
        mounts=[],
        root=tmp_path,
    )
    return LiveProbe(root=str(host / "fs"), file_timeout=0.5)


def _gone(pid: int, within: float = 3.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rsplit(") ", 1)[1][0] == "Z":
                    return True
        except (FileNotFoundError, IndexError):
            return True
        time.sleep(0.05)
    return False


def _zombie_children() -> list[int]:
    me, out = str(os.getpid()), []
    for entry in os.listdir("/proc"):
        if entry.isdecimal():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(") ", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] == "Z" and fields[1] == me:
                out.append(int(entry))
    return out


def smart(contrib: Contribution, name: str = "sda") -> SmartHealth:
    disk = next(d for d in contrib.disks if d.name == name)
    assert disk.smart is not None
    return disk.smart


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# ------------------------------------------------------------------------------------- smartctl


def test_a_smartctl_whose_child_holds_the_pipe_returns_its_reading_after_linger(tools, one_disk):
    tools.smartctl("hold")
    start = time.monotonic()
    contrib = SmartCollector(timeout=30).collect(one_disk)
    took = time.monotonic() - start
    assert took < LINGER + KILL_GRACE + 3, took  # not the 30 s deadline, not the child's 1000 s
    assert smart(contrib).assessment == "FAIL" and contrib.problems == ()
    assert _gone(tools.child()), "the child holding the pipe survived"
    assert _zombie_children() == []


def test_a_smartctl_that_never_exits_is_killed_on_its_deadline_and_failed_stays_failed(tools, one_disk):
    clock = Clock()
    col = SmartCollector(timeout=1.0, clock=clock)
    tools.smartctl("failed")
    first = smart(col.collect(one_disk))
    assert first.assessment == "FAIL" and first.read_at == clock.now
    tools.smartctl("hang")
    clock.now += 3600
    start = time.monotonic()
    contrib = col.collect(one_disk)
    took = time.monotonic() - start
    assert took < 1.0 + KILL_GRACE + REAP_WAIT + 2, took
    kept = smart(contrib)
    assert kept.assessment == "FAIL" and kept.read_at == first.read_at  # the old reading, its age shows
    assert "timed out" in (kept.message or "")
    (p,) = contrib.problems
    assert p.subject == "/dev/sda" and "timed out after 1s" in p.message and "(FAIL) is kept" in p.message
    assert _gone(tools.child()) and _zombie_children() == []


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("garbage", "not understood"),
        ("crash", "killed by signal SIGSEGV"),
        ("flood", "stdout larger than 16777216 bytes"),
    ],
)
def test_garbage_a_crash_or_a_flood_never_turn_failed_into_unknown(tools, one_disk, mode, words):
    clock = Clock()
    col = SmartCollector(timeout=20, clock=clock)
    tools.smartctl("failed")
    first = smart(col.collect(one_disk))
    tools.smartctl(mode)
    clock.now += 600
    contrib = col.collect(one_disk)
    kept = smart(contrib)
    assert (kept.assessment, kept.read_at) == ("FAIL", first.read_at)
    (p,) = contrib.problems
    assert words in p.message and p.severity is Severity.WARNING  # one disk: the others still read


def test_without_an_earlier_reading_garbage_is_unknown_with_a_problem(tools, one_disk):
    tools.smartctl("garbage")
    contrib = SmartCollector().collect(one_disk)
    assert smart(contrib).assessment == "UNKNOWN" and "not understood" in contrib.problems[0].message


def test_smartctl_gone_keeps_every_last_reading_stale_with_one_critical_problem(tools, one_disk):
    clock = Clock()
    col = SmartCollector(clock=clock)
    tools.smartctl("failed")
    first = smart(col.collect(one_disk))
    tools.remove("smartctl")
    clock.now += 600
    contrib = col.collect(one_disk)
    assert (smart(contrib).assessment, smart(contrib).read_at) == ("FAIL", first.read_at)
    (p,) = contrib.problems
    assert p.message == LOST_HINT and p.severity is Severity.CRITICAL  # the engine marks SMART stale
    # a host that never had smartctl: the old hint, a warning, no disk invented
    fresh = SmartCollector().collect(one_disk)
    assert [(p.message, p.severity) for p in fresh.problems] == [(MISSING_HINT, Severity.WARNING)]
    assert fresh.disks == ()


def test_100_mb_from_smartctl_keeps_memory_bounded(tools, one_disk):
    """The collector in a fresh interpreter: its peak memory grows by about the cap, not by 100 MB."""
    tools.smartctl("flood")
    prog = (
        "import json, resource\n"
        "from raidwatch.collectors.smart import SmartCollector\n"
        "from raidwatch.probe import LiveProbe\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"c = SmartCollector(timeout=20).collect(LiveProbe({one_disk.root!r}))\n"
        "grow = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024\n"
        "print(json.dumps({'growth_mib': grow, 'problems': [p.message for p in c.problems]}))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert any("larger than 16777216 bytes" in m for m in out["problems"])
    assert out["growth_mib"] < 48, out


# ---------------------------------------------------------------------------------- sysfs that never answers


@pytest.fixture
def fifos() -> Iterator[list[Path]]:
    """FIFOs planted as sysfs files; afterwards a writer opens each so the stuck reader threads return."""
    made: list[Path] = []
    yield made
    for f in made:
        with contextlib.suppress(OSError):
            os.close(os.open(f, os.O_WRONLY | os.O_NONBLOCK))


def _plant_fifo(path: Path, fifos: list[Path]) -> None:
    path.unlink()
    os.mkfifo(path)
    fifos.append(path)


def _web01(tmp_path: Path) -> Path:
    host = tmp_path / "web01"
    shutil.copytree(WEB01, host)
    return host / "fs"


def test_an_md_sysfs_file_that_never_answers_is_a_timeout_problem_and_md_goes_on(tmp_path, tools, fifos):
    fs = _web01(tmp_path)
    _plant_fifo(fs / "sys/block/md1/md/array_state", fifos)
    probe = LiveProbe(str(fs), file_timeout=0.3)
    start = time.monotonic()
    contrib = MdCollector().collect(probe)
    assert time.monotonic() - start < 3
    (p,) = [p for p in contrib.problems if p.severity is Severity.CRITICAL]
    assert p.subject == "/sys/block/md1/md" and "timed out" in p.message and "array_state" in p.message
    # the collection went on: md0 fully, md1 from /proc/mdstat (degraded, as mdstat says)
    arrays = {a.name: a for a in contrib.arrays}
    assert arrays["md0"].sources == ("mdstat", "sysfs") and arrays["md1"].degraded


def test_a_disk_attribute_that_never_answers_makes_smart_and_blockdev_critical_not_blind(
    tools, one_disk, fifos
):
    tools.smartctl("failed")
    _plant_fifo(Path(one_disk.root) / "sys/block/sda/queue/rotational", fifos)
    start = time.monotonic()
    runs = dict((r.name, r) for r, _c in run_collectors(one_disk, [BlockDevCollector(), SmartCollector()])[1])
    assert time.monotonic() - start < 5
    for name in ("blockdev", "smart"):
        run = runs[name]
        assert not run.success and not run.skipped  # the engine keeps the last good data, marked stale
        assert any("queue/rotational" in p.message and "timed out" in p.message for p in run.problems)


# ------------------------------------------------------------------------------------- a source lost


@pytest.mark.parametrize("how", ["deleted", "moved"])
def test_mdstat_gone_after_it_was_read_is_critical_never_not_applicable(tmp_path, tools, how):
    fs = _web01(tmp_path)
    probe = LiveProbe(str(fs))
    col = MdCollector()
    (run, contrib), *_ = run_collectors(probe, [col])[1]
    assert run.success and {a.name for a in contrib.arrays} == {"md0", "md1"}
    if how == "deleted":
        (fs / "proc/mdstat").unlink()
    else:
        (fs / "proc/mdstat").rename(fs / "proc/mdstat.moved")
    (run, contrib), *_ = run_collectors(probe, [col])[1]
    assert run.skipped is None and not run.success
    (p,) = [p for p in run.problems if p.subject == "/proc/mdstat"]
    assert p.severity is Severity.CRITICAL and "read before and is gone" in p.message
    # a host that never had md stays quiet
    fresh = run_collectors(probe, [MdCollector()])[1][0][0]
    assert fresh.skipped and "md driver" in fresh.skipped


def test_sys_block_unreadable_after_it_was_read_is_critical(tmp_path, tools):
    fs = _web01(tmp_path)
    probe = LiveProbe(str(fs))
    col = MdCollector()
    assert run_collectors(probe, [col])[1][0][0].success
    shutil.rmtree(fs / "sys/block")
    (run, _c), *_ = run_collectors(probe, [col])[1]
    assert not run.success and any(p.subject == "/sys/block" for p in run.problems)


def test_running_out_of_file_descriptors_is_critical_for_md_and_blockdev(tmp_path):
    """1,100 idle connections eat the descriptors: the collection must say so, not publish "no arrays"."""
    fs = _web01(tmp_path)
    prog = (
        "import json, os, resource\n"
        "from raidwatch.collectors.blockdev import BlockDevCollector\n"
        "from raidwatch.collectors.md import MdCollector\n"
        "from raidwatch.inventory import run_collectors\n"
        "from raidwatch.probe import LiveProbe\n"
        f"probe = LiveProbe({str(fs)!r})\n"
        "cols = [MdCollector(), BlockDevCollector()]\n"
        "run_collectors(probe, cols)  # a good collection first\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))\n"
        "held = []\n"
        "try:\n"
        "    while True:\n"
        "        held.append(os.open('/dev/null', os.O_RDONLY))\n"
        "except OSError:\n"
        "    pass\n"
        "_h, results = run_collectors(probe, cols)\n"
        "for fd in held:\n"
        "    os.close(fd)\n"
        "print(json.dumps([{'name': r.name, 'success': r.success, 'skipped': r.skipped,\n"
        "    'problems': [(p.subject, p.severity.value, p.message) for p in r.problems],\n"
        "    'arrays': len(c.arrays)} for r, c in results]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 0, res.stderr
    runs = {r["name"]: r for r in json.loads(res.stdout)}
    for name in ("md", "blockdev"):
        r = runs[name]
        assert not r["success"] and r["skipped"] is None, r
        assert any(sev == "critical" and "EMFILE" in msg for _s, sev, msg in r["problems"]), r


# ------------------------------------------------------------------------------------- a hung RAID CLI


def test_a_hung_vendor_cli_costs_one_short_deadline_and_is_one_critical_problem(tools, one_disk):
    for binary in ("storcli64", "ssacli"):
        script = tools.bin / binary
        script.write_text(f'#!/bin/sh\nsleep 1000 &\necho $! > "{tools.bin}/{binary}.pid"\nwait\n')
        script.chmod(0o755)
    col = HwRaidCollector()
    col.timeout = 1.0
    start = time.monotonic()
    contrib = col.collect(one_disk)
    took = time.monotonic() - start
    # two hung CLIs in parallel, each asked one command: one deadline, not 2 tools x 3 commands x 60 s
    assert took < 1.0 + KILL_GRACE + REAP_WAIT + 2, took
    hung = sorted(p.subject for p in contrib.problems)
    assert hung == ["ssacli ctrl all show config detail", "storcli64 /call show all J"]
    assert all(p.severity is Severity.CRITICAL and "timed out" in p.message for p in contrib.problems)
    assert contrib.arrays == () and not any("no hardware RAID tool" in n for n in contrib.notes)
    for binary in ("storcli64", "ssacli"):
        assert _gone(int((tools.bin / f"{binary}.pid").read_text()))
    assert _zombie_children() == []


def _fake_tool(tools: Tools, name: str, recorded: Path) -> None:
    """A fake `name` that prints a recorded command's stdout and exits 0."""
    (tools.bin / f"{name}.out").write_text((recorded / "stdout").read_text())
    script = tools.bin / name
    script.write_text(f'#!/bin/sh\ncat "{tools.bin}/{name}.out"\n')
    script.chmod(0o755)


def test_a_vendor_cli_that_answered_and_is_now_gone_is_critical(tools, one_disk):
    _fake_tool(tools, "ssacli", HOSTS / "hw07-smartarray/commands/ssacli_ctrl_all_show_config_detail")
    col = HwRaidCollector()
    first = col.collect(one_disk)
    assert first.arrays and first.problems == ()
    tools.remove("ssacli")
    (p,) = col.collect(one_disk).problems
    assert p.subject == "ssacli" and p.severity is Severity.CRITICAL and "now not installed" in p.message
    # never installed: a note, as before
    assert HwRaidCollector().collect(one_disk).problems == ()


def test_zpool_that_answered_and_is_now_gone_is_critical_not_skipped(tools, one_disk):
    from raidwatch.collectors.zfs import ZfsCollector

    _fake_tool(tools, "zpool", HOSTS / "zfs05-degraded-mirror/commands/zpool_status_-P")
    col = ZfsCollector()
    (run, contrib), *_ = run_collectors(one_disk, [col])[1]
    assert run.success and contrib.arrays
    tools.remove("zpool")
    (run, _c), *_ = run_collectors(one_disk, [col])[1]
    assert run.skipped is None and not run.success
    assert "answered before" in run.problems[0].message
    assert run_collectors(one_disk, [ZfsCollector()])[1][0][0].skipped == "zpool not installed"


# ------------------------------------------------------------------------------------- the real daemon


def _metrics(port: int) -> str:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        return r.read().decode()


def _sample(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_the_daemon_keeps_the_arrays_and_failed_smart_when_sources_go_bad(tmp_path):
    """`raidwatch serve` over a copy of web01: /proc/mdstat deleted and sdb's smartctl output turned to
    garbage while it runs. /metrics keeps md1 degraded and sdb FAIL, says md is failing and stale."""
    import socket

    host = tmp_path / "web01"
    shutil.copytree(WEB01, host)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "daemon.log"
    cmd = [
        sys.executable, "-m", "raidwatch", "serve", "--web.listen-address", f"127.0.0.1:{port}",
        "--replay", str(host), "--interval", "1s", "--smart-interval", "1s",
        "--collectors", "md,blockdev,smart",
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    try:

        def wait_for(cond, within: float = 20.0) -> str:  # type: ignore[no-untyped-def]
            end = time.monotonic() + within
            text = ""
            while time.monotonic() < end:
                assert proc.poll() is None, log.read_text()
                try:
                    text = _metrics(port)
                except OSError:
                    text = ""
                if text and cond(text):
                    return text
                time.sleep(0.2)
            raise AssertionError(
                f"condition not met; last /metrics:\n{text[-3000:]}\nlog:\n{log.read_text()}"
            )

        def sdb_fail(text: str) -> bool:
            return any(
                line.startswith("raidwatch_disk_smart_assessment{")
                and 'disk="wwn:naa.5002538e40a1b2d4"' in line  # sdb, keyed by its WWN
                and 'assessment="fail"' in line
                and line.endswith(" 1.0")
                for line in text.splitlines()
            )

        text = wait_for(
            lambda t: _sample(t, "raidwatch_collector_success", collector="md") == 1.0 and sdb_fail(t)
        )
        (host / "fs/proc/mdstat").unlink()
        (host / "commands/smartctl_-a_dev_sdb/stdout").write_text("\x1b[2J@@@ not smartctl\n")
        text = wait_for(lambda t: _sample(t, "raidwatch_collector_success", collector="md") == 0.0)
        assert _sample(text, "raidwatch_snapshot_stale") == 1.0
        assert 'array="md1"' in text  # the last arrays read, still served
        text = wait_for(lambda t: "not understood" in log.read_text() or "not understood" in t, within=10)
        assert sdb_fail(_metrics(port))  # garbage never turned FAILED into UNKNOWN
    finally:
        proc.send_signal(signal.SIGTERM)  # stopped by its own PID
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
