"""Blindness is loud: the real collection engine (and the real daemon) with collectors that hang, raise,
lose their source or cannot get a thread. Each collector is stale on its own, keeps its last good data with
their age, raises a finding and metrics; the rest keep publishing; a hung run is never started twice; a
disk read FAILED stays FAILED; a collector that comes back is fresh again. Every test is bounded in time."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import HOSTS, REPO

from raidwatch.collectors.base import Collector, Contribution
from raidwatch.collectors.blockdev import BlockDevCollector
from raidwatch.collectors.mounts import MountsCollector
from raidwatch.collectors.smart import SmartCollector
from raidwatch.engine import Engine, _Slot, default_deadline
from raidwatch.findings import BLIND_WARNING_ONLY, CODES
from raidwatch.model import Array, Problem, Severity
from raidwatch.policy import load_policy
from raidwatch.probe import ReplayProbe
from raidwatch.rules import DEDICATED, render_rules
from raidwatch.settings import Settings

WEB01 = HOSTS / "web01-mirror-degraded"
FLEET = REPO / "fleet.yaml"
DEADLINE = 0.4  # seconds: the fast group's deadline in these tests
HANG_LIMIT = 30.0  # a "hung" collector is released after this at the latest, so no test can hang


class Faulty(Collector):
    """A collector whose next runs do what `mode` says: ok, hang (until released), raise, critical."""

    name = "md"
    platforms = frozenset({"Linux", "Darwin"})

    def __init__(self, name: str = "md") -> None:
        self.name = name  # type: ignore[misc]
        self.mode = "ok"
        self.release = threading.Event()
        self.calls = 0
        self.active = 0
        self.most_active = 0
        self._lock = threading.Lock()

    def collect(self, probe):  # type: ignore[no-untyped-def]
        with self._lock:
            self.calls += 1
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            mode = self.mode
            if mode == "hang":
                self.release.wait(HANG_LIMIT)
            if mode == "raise":
                raise OSError("/proc/mdstat: [Errno 5] Input/output error")
            if mode == "critical":
                return Contribution(
                    problems=(
                        Problem(self.name, "/proc/mdstat", "gone (it was read before)", Severity.CRITICAL),
                    )
                )
            return Contribution(arrays=(Array("md0", "raid1", "active", raid_disks=2, in_sync_disks=2),))
        finally:
            with self._lock:
                self.active -= 1


class FaultySmart(SmartCollector):
    """The real SMART collector over the recording, whose later runs raise, fail or hang."""

    def __init__(self) -> None:
        super().__init__()
        self.mode = "ok"
        self.release = threading.Event()

    def collect(self, probe):  # type: ignore[no-untyped-def]
        if self.mode == "raise":
            raise RuntimeError("smartctl crashed")
        if self.mode == "critical":
            return Contribution(problems=(self.problem("smartctl", "smartctl: not found", "critical"),))
        if self.mode == "hang":
            self.release.wait(HANG_LIMIT)
        return super().collect(probe)


def make_engine(*collectors: Collector, policy: bool = True, interval: float = 30.0) -> Engine:
    settings = Settings(collectors=("mounts",), interval=interval, smart_interval=1800.0)
    pol = load_policy(str(FLEET)) if policy else None
    engine = Engine(
        settings,
        ReplayProbe(WEB01),
        pol,
        str(FLEET) if policy else None,
        timeouts={"fast": DEADLINE, "smart": DEADLINE},
    )
    engine.collectors = list(collectors)
    engine.slots = {c.name: _Slot() for c in collectors}
    return engine


TEST_BOUND = 60  # seconds any one test may take; each waits far less on its own


@pytest.fixture(autouse=True)
def bounded():
    """Fail (never hang) a test that takes longer than TEST_BOUND."""

    def expired(*_):  # type: ignore[no-untyped-def]
        raise TimeoutError(f"test took longer than {TEST_BOUND}s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TEST_BOUND)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture
def cleanup():
    """Release every hung collector at the end, so no worker thread outlives its test."""
    hung: list[Faulty | FaultySmart] = []
    yield hung.append
    for c in hung:
        c.release.set()


def wait_for(cond, timeout: float = 5.0, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError(f"{what} not met within {timeout}s")


def status(engine: Engine, name: str):  # type: ignore[no-untyped-def]
    pub = engine.published
    assert pub is not None
    return next(c for c in pub.snapshot.collectors if c.name == name)


def findings(engine: Engine, code: str) -> list:
    ev = engine.published.snapshot.evaluation
    return [f for f in ev.findings if f.code == code]


def sample(body: bytes, name: str, **labels: str) -> float | None:
    lab = ",".join(f'{k}="{v}"' for k, v in labels.items())
    m = re.search(
        rf"^{re.escape(name)}{re.escape('{' + lab + '}' if lab else '')} (\S+)$", body.decode(), re.M
    )
    return float(m.group(1)) if m else None


def collector_threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"collector-{name}" and t.is_alive()]


# ---------------------------------------------------------------------------- a collector that hangs


def test_a_hung_collector_is_wedged_the_rest_publish_and_it_is_never_started_twice(cleanup, caplog):
    caplog.set_level("INFO", logger="raidwatch.daemon")
    md = Faulty()
    cleanup(md)
    engine = make_engine(md, BlockDevCollector(), MountsCollector())
    engine.run(engine.collectors)
    assert engine.health() == (True, "ok") and engine.watchdog_ok()
    assert status(engine, "md").stale is False
    md.mode = "hang"
    started = time.monotonic()
    engine.run(engine.collectors)  # md hangs: the group waits at most its deadline, then goes on
    assert time.monotonic() - started < DEADLINE + 1.0
    time.sleep(DEADLINE + 0.1)
    first = engine.published.snapshot.taken_at
    for _ in range(3):  # the fast loop goes on: md is not started again, the others run and publish
        engine.run(engine.collectors)
    snap = engine.published.snapshot
    assert snap.taken_at > first
    assert md.calls == 2 and md.most_active == 1
    assert len(collector_threads("md")) == 1 and engine.slots["md"].held_back == 3
    assert status(engine, "blockdev").stale is False and status(engine, "blockdev").last_run >= first
    # md: wedged, stale, its last good data served with their age
    st = status(engine, "md")
    assert st.wedged and st.stale and st.success is True and st.data_age_seconds > DEADLINE
    assert snap.inventory.array("md0") is not None
    assert snap.stale and "md (wedged)" in snap.stale_reason
    body = engine.published.body
    assert sample(body, "raidwatch_collector_wedged", collector="md") == 1
    assert sample(body, "raidwatch_collector_stale", collector="md") == 1
    assert sample(body, "raidwatch_collector_wedged", collector="blockdev") == 0
    assert sample(body, "raidwatch_collector_stale", collector="blockdev") == 0
    assert sample(body, "raidwatch_collector_data_age_seconds", collector="md") > DEADLINE
    assert sample(body, "raidwatch_snapshot_stale") == 1
    (f,) = findings(engine, "collector-wedged")
    assert f.severity is Severity.CRITICAL and f.subject == "collector:md"
    assert "has not returned" in f.message and "since 20" in f.message and "last good data" in f.message
    assert not findings(engine, "collector-failed")
    assert (
        b'raidwatch_finding{code="collector-wedged",severity="critical",subject="collector:md"} 1.0' in body
    )
    ok, why = engine.health()
    assert not ok and why.startswith("md wedged: its run has not returned")
    # loud, but no watchdog restart: a restart cannot end a read stuck in the kernel, and a restart loop
    # would blank the other collectors' data each time
    assert engine.watchdog_ok()
    assert "collector md: no result after" in caplog.text and "wedged" in caplog.text
    # it returns at last: its result is used, it is fresh again, and it is run again
    md.release.set()
    wait_for(lambda: engine.freshness("md").state == "fresh", what="md fresh again")
    wait_for(lambda: not status(engine, "md").stale, what="a snapshot with md fresh")
    assert sample(engine.published.body, "raidwatch_collector_wedged", collector="md") == 0
    assert engine.health() == (True, "ok") and engine.watchdog_ok()
    assert "collector md returned after" in caplog.text
    engine.run(engine.collectors)
    assert md.calls == 3 and not findings(engine, "collector-wedged")


def test_a_collector_hung_from_the_start_publishes_without_it(cleanup):
    md = Faulty()
    md.mode = "hang"
    cleanup(md)
    engine = make_engine(md, BlockDevCollector(), MountsCollector())
    started = time.monotonic()
    engine.run(engine.collectors)  # a hung first run: a snapshot is published anyway
    assert time.monotonic() - started < DEADLINE + 1.0
    assert engine.published is not None
    time.sleep(DEADLINE + 0.1)
    engine.run(engine.collectors)
    st = status(engine, "md")
    assert st.wedged and st.stale and st.success is None and st.last_run is None
    assert st.data_age_seconds is None
    body = engine.published.body
    assert sample(body, "raidwatch_collector_success", collector="md") is None  # no run finished: absent
    assert sample(body, "raidwatch_collector_wedged", collector="md") == 1
    (f,) = findings(engine, "collector-wedged")
    assert "no good data from it yet" in f.message
    assert not engine.health()[0]


# ---------------------------------------------------------------------------- a collector that fails


@pytest.mark.parametrize("mode", ["raise", "critical"])
def test_a_collector_that_fails_after_succeeding_keeps_its_last_data_stale(mode):
    md = Faulty()
    engine = make_engine(md, BlockDevCollector(), MountsCollector())
    engine.run(engine.collectors)
    md.mode = mode
    engine.run(engine.collectors)
    snap = engine.published.snapshot
    st = status(engine, "md")
    assert st.stale and not st.wedged and st.success is False and st.data_age_seconds is not None
    assert snap.inventory.array("md0") is not None  # the last good data
    body = engine.published.body
    assert sample(body, "raidwatch_collector_success", collector="md") == 0
    assert sample(body, "raidwatch_collector_stale", collector="md") == 1
    assert sample(body, "raidwatch_collector_wedged", collector="md") == 0
    (f,) = findings(engine, "collector-failed")  # once: not also as a plain failure without its age
    assert f.severity is Severity.CRITICAL and f.subject == "collector:md"
    why = "Input/output error" if mode == "raise" else "gone (it was read before)"
    assert why in f.message and "since 20" in f.message and "serving its last good data" in f.message
    ok, text = engine.health()
    assert not ok and text.startswith("md failed: ") and why in text
    assert engine.watchdog_ok()  # failing loudly, not hung: no reason for systemd to restart us
    md.mode = "ok"
    engine.run(engine.collectors)
    assert not status(engine, "md").stale and not findings(engine, "collector-failed")
    assert engine.health() == (True, "ok")


def test_a_collector_that_stopped_running_is_stale_by_age():
    md = Faulty()
    engine = make_engine(md, BlockDevCollector(), interval=0.2)
    engine.run(engine.collectors)
    limit = engine.limit("md")
    assert limit == pytest.approx(0.2 + DEADLINE)
    assert engine.freshness("md").state == "fresh"
    later = time.time() + limit + 1
    f = engine.freshness("md", later)
    assert f.state == "stale" and "no successful run for" in f.why
    assert engine.health(later)[0] is False and not engine.watchdog_ok(later)
    time.sleep(limit + 0.1)
    engine.run([])  # a publish with nothing run: both are overdue
    st = status(engine, "md")
    assert st.stale and not st.wedged and st.success is True
    (finding,) = [f for f in findings(engine, "collector-stale") if f.subject == "collector:md"]
    assert finding.severity is Severity.CRITICAL and "no successful run for" in finding.message


def test_no_thread_to_be_had_is_a_loud_failure(monkeypatch):
    md = Faulty()
    engine = make_engine(md, MountsCollector())
    engine.run(engine.collectors)
    real_start = threading.Thread.start

    def start(self):  # type: ignore[no-untyped-def]
        if self.name == "collector-md":
            raise RuntimeError("can't start new thread")
        return real_start(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    engine.run(engine.collectors)
    st = status(engine, "md")
    assert st.stale and st.success is False and "could not start a worker thread" in st.error
    assert engine.published.snapshot.inventory.array("md0") is not None
    assert engine.slots["md"].in_flight is None  # not a ghost run that would hold it back forever


# ---------------------------------------------------------------------------- SMART: FAILED stays FAILED


def _sdb_assessment(engine: Engine) -> str | None:
    d = engine.published.snapshot.inventory.disk("sdb")
    return d.smart.assessment if d is not None and d.smart is not None else None


@pytest.mark.parametrize("mode", ["raise", "critical", "hang"])
def test_a_failed_disk_stays_failed_when_smart_then_fails_or_hangs(mode, cleanup):
    smart = FaultySmart()
    cleanup(smart)
    engine = make_engine(BlockDevCollector(), smart)
    fast, slow = engine.groups()
    assert [c.name for c in slow] == ["smart"]
    engine.run(fast)
    engine.run(slow)
    assert _sdb_assessment(engine) == "FAIL"
    assert [f.subject for f in findings(engine, "disk-smart-failing")] == ["disk:sdb"]
    smart.mode = mode
    engine.run(slow)
    if mode == "hang":
        time.sleep(DEADLINE + 0.1)
        engine.run(fast)  # the fast group's publish sees SMART wedged
    assert _sdb_assessment(engine) == "FAIL"  # never hidden by UNKNOWN or by nothing at all
    assert [f.subject for f in findings(engine, "disk-smart-failing")] == ["disk:sdb"]
    body = engine.published.body
    assert re.search(
        rb'raidwatch_disk_smart_assessment\{assessment="fail",disk="[^"]+"\} 1.0', body
    ) or re.search(rb'raidwatch_disk_smart_assessment\{disk="[^"]+",assessment="fail"\} 1.0', body)
    assert sample(body, "raidwatch_collector_stale", collector="smart") == 1
    code = "collector-wedged" if mode == "hang" else "collector-failed"
    (f,) = findings(engine, code)
    assert f.subject == "collector:smart" and f.severity is Severity.WARNING  # SMART's blindness warns
    assert not engine.health()[0]
    assert engine.watchdog_ok()  # SMART is not the fast group


# ---------------------------------------------------------------------------- reloads


def test_reload_bookkeeping_and_its_metrics():
    engine = make_engine(MountsCollector())
    engine.run(engine.collectors)
    body = engine.published.body
    assert sample(body, "raidwatch_config_reload_success") == 1
    assert sample(body, "raidwatch_config_last_reload_timestamp_seconds") == pytest.approx(engine.started_at)
    engine.note_reload(False, 1_900_000_000.0, "fleet.yaml:3:5: require: expected one of mirror, any, none")
    body = engine.published.body
    assert sample(body, "raidwatch_config_reload_success") == 0
    assert sample(body, "raidwatch_config_last_reload_timestamp_seconds") == pytest.approx(engine.started_at)
    assert engine.reload_error.startswith("fleet.yaml:3:5")
    engine.run(engine.collectors)  # a new snapshot keeps saying so
    assert sample(engine.published.body, "raidwatch_config_reload_success") == 0
    engine.note_reload(True, 1_900_000_060.0, None)
    body = engine.published.body
    assert sample(body, "raidwatch_config_reload_success") == 1
    assert sample(body, "raidwatch_config_last_reload_timestamp_seconds") == 1_900_000_060.0


# ---------------------------------------------------------------------------- deadlines, codes, rules


def test_default_deadlines():
    assert default_deadline("fast", 30) == 60 and default_deadline("fast", 1) == 60
    assert default_deadline("fast", 120) == 240 and default_deadline("fast", 3600) == 900
    assert default_deadline("smart", 1800) == 1800 and default_deadline("smart", 60) == 120
    engine = Engine(Settings(collectors=("mounts", "smart")), ReplayProbe(WEB01), None, None)
    assert engine.deadline("mounts") == 60 and engine.limit("mounts") == 90
    assert engine.deadline("smart") == 1800 and engine.limit("smart") == 3600


def test_blindness_codes_alerts_and_the_smart_split_agree():
    for code in ("collector-failed", "collector-wedged", "collector-stale"):
        assert code in CODES and CODES[code][0] is Severity.CRITICAL and code in DEDICATED
    assert {"smart"} == BLIND_WARNING_ONLY
    rules = render_rules()
    for alert in ("RaidwatchCollectorWedged", "RaidwatchCollectorFailing", "RaidwatchCollectorStale"):
        block = rules.split(f"alert: {alert}\n", 1)[1].split("- alert:", 1)[0]
        assert 'collector!="smart"' in block and "severity: critical" in block, alert
    block = rules.split("alert: RaidwatchSmartBlind\n", 1)[1].split("- alert:", 1)[0]
    assert 'collector="smart"' in block and "severity: warning" in block


# ---------------------------------------------------------------------------- the real daemon

PLUGIN = '''
"""A test collector for raidwatch serve, steered through files in $RAIDWATCH_FAULT_DIR."""
import os, time
from pathlib import Path
from raidwatch.collectors.base import Collector, Contribution
from raidwatch.model import Array, Problem, Severity

DIR = Path(os.environ["RAIDWATCH_FAULT_DIR"])


def mode():
    return (DIR / "mode").read_text().strip()


class Fault(Collector):
    name = "fault"
    platforms = frozenset({"Linux", "Darwin"})

    def collect(self, probe):
        with open(DIR / "starts", "a") as fh:
            fh.write("start\\n")
        deadline = time.monotonic() + 30
        while mode() == "hang" and time.monotonic() < deadline:
            time.sleep(0.05)
        m = mode()
        if m == "raise":
            raise OSError("/dev/fault: Input/output error")
        if m == "critical":
            gone = Problem("fault", "/proc/fault", "gone (it was read before)", Severity.CRITICAL)
            return Contribution(problems=(gone,))
        return Contribution(arrays=(Array("md99", "raid1", "active", raid_disks=2, in_sync_disks=2),))
'''


def _plugin(tmp_path: Path) -> tuple[Path, Path]:
    """A collector plugin found through the "raidwatch.collectors" entry-point group, and its control dir."""
    plug = tmp_path / "plugin"
    dist = plug / "raidwatch_fault_plugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: raidwatch-fault-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[raidwatch.collectors]\nfault = raidwatch_fault_plugin:Fault\n")
    (plug / "raidwatch_fault_plugin.py").write_text(PLUGIN)
    control = tmp_path / "fault"
    control.mkdir()
    (control / "mode").write_text("ok\n")
    return plug, control


@contextmanager
def serve(tmp_path: Path, plugin: Path, control: Path, *args: str):  # type: ignore[no-untyped-def]
    """`raidwatch serve` on loopback with the plugin importable; stopped by its own PID."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "daemon.log"
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(plugin)]), RAIDWATCH_FAULT_DIR=str(control)
    )
    cmd = [sys.executable, "-m", "raidwatch", "serve", "--web.listen-address", f"127.0.0.1:{port}", *args]
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    try:
        yield proc, f"http://127.0.0.1:{port}", log
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_the_daemon_with_a_collector_that_fails_hangs_and_recovers(tmp_path):
    plug, control = _plugin(tmp_path)
    host = tmp_path / "web01"
    shutil.copytree(WEB01, host)
    args = ("--replay", str(host), "--fleet", str(FLEET), "--interval", "1s", "--log-level", "debug")
    with serve(tmp_path, plug, control, *args, "--collectors", "md,blockdev,mounts,fault") as (
        proc,
        url,
        log,
    ):

        def body() -> bytes:
            try:
                with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
                    return r.read()
            except (urllib.error.URLError, ConnectionError, OSError):
                assert proc.poll() is None, log.read_text()
                return b""

        def healthz() -> tuple[int, str]:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
                    return r.status, r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode()

        wait_for(
            lambda: sample(body(), "raidwatch_collector_success", collector="fault") == 1, 15, "fault ok"
        )
        assert healthz()[0] == 200
        b = body()
        assert b'raidwatch_array_info{array="md99"' in b
        assert sample(b, "raidwatch_collector_stale", collector="fault") == 0
        assert sample(b, "raidwatch_config_reload_success") == 1
        # it loses its source: stale, a finding, its last array kept
        (control / "mode").write_text("critical\n")
        wait_for(
            lambda: sample(body(), "raidwatch_collector_stale", collector="fault") == 1, 15, "fault stale"
        )
        b = body()
        assert sample(b, "raidwatch_collector_success", collector="fault") == 0
        assert (
            b'raidwatch_finding{code="collector-failed",severity="critical",subject="collector:fault"} 1.0'
            in b
        )
        assert b'raidwatch_array_info{array="md99"' in b  # the last good data
        assert sample(b, "raidwatch_collector_stale", collector="md") == 0  # the others are fresh
        assert sample(b, "raidwatch_snapshot_stale") == 1
        code, text = healthz()  # /healthz reads Engine.health: per collector
        assert code == 503 and text.startswith("fault failed: ") and "gone (it was read before)" in text
        # it hangs: the others keep publishing, and it is not started again while it hangs
        (control / "mode").write_text("hang\n")
        starts = len((control / "starts").read_text().splitlines())
        wait_for(
            lambda: len((control / "starts").read_text().splitlines()) == starts + 1, 10, "a run that hangs"
        )
        hung_at = time.time()
        wait_for(
            lambda: (sample(body(), "raidwatch_snapshot_timestamp_seconds") or 0.0) > hung_at + 2.5,
            10,
            "snapshots while it hangs",
        )
        assert len((control / "starts").read_text().splitlines()) == starts + 1
        assert "collector fault: its run started" in log.read_text()  # held back, not started twice
        # it comes back: fresh again
        (control / "mode").write_text("ok\n")
        wait_for(
            lambda: sample(body(), "raidwatch_collector_stale", collector="fault") == 0, 15, "fault fresh"
        )
        b = body()
        assert sample(b, "raidwatch_collector_success", collector="fault") == 1
        assert b'code="collector-failed",severity="critical",subject="collector:fault"' not in b
        assert healthz()[0] == 200
        assert re.search(r"collector fault took \d+\.\ds, longer than its 1s interval", log.read_text())
        # SIGTERM while a collector hangs: it still stops, promptly
        (control / "mode").write_text("hang\n")
        starts = len((control / "starts").read_text().splitlines())
        wait_for(lambda: len((control / "starts").read_text().splitlines()) > starts, 10, "a run that hangs")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        logs = log.read_text()
        assert "Traceback" not in logs and "fault" in logs


def test_the_daemon_keeps_the_arrays_of_a_deleted_mdstat_loudly_stale(tmp_path):
    """The issue's case: /proc/mdstat vanishes under a running daemon. The arrays must not disappear as if
    there were no RAID: md is stale, with a finding, and the degraded array still pages."""
    plug, control = _plugin(tmp_path)
    host = tmp_path / "web01"
    shutil.copytree(WEB01, host)
    args = (
        "--replay",
        str(host),
        "--fleet",
        str(FLEET),
        "--interval",
        "1s",
        "--collectors",
        "md,blockdev,mounts",
    )
    with serve(tmp_path, plug, control, *args) as (proc, url, log):

        def body() -> bytes:
            try:
                with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
                    return r.read()
            except (urllib.error.URLError, ConnectionError, OSError):
                assert proc.poll() is None, log.read_text()
                return b""

        wait_for(lambda: sample(body(), "raidwatch_collector_success", collector="md") == 1, 15, "md ok")
        (host / "fs" / "proc" / "mdstat").unlink()
        wait_for(lambda: sample(body(), "raidwatch_collector_stale", collector="md") == 1, 15, "md stale")
        b = body()
        assert sample(b, "raidwatch_collector_skipped", collector="md") == 0  # not "no RAID here"
        assert sample(b, "raidwatch_array_degraded", array="md1") == 1  # the last arrays read, kept
        assert b'raidwatch_finding{code="array-degraded",severity="critical",subject="md1"} 1.0' in b
        assert (
            b'raidwatch_finding{code="collector-failed",severity="critical",subject="collector:md"} 1.0' in b
        )
        assert sample(b, "raidwatch_collector_data_age_seconds", collector="md") > 0
        (host / "fs" / "proc" / "mdstat").write_text((WEB01 / "fs" / "proc" / "mdstat").read_text())
        wait_for(lambda: sample(body(), "raidwatch_collector_stale", collector="md") == 0, 15, "md fresh")
        assert "Traceback" not in log.read_text()
