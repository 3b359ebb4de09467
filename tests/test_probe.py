"""Probes: commands with timeouts that kill the whole process group, replay, and record -> replay."""

from __future__ import annotations

import json
import os
import sys
import time

import pytest

from raidwatch.errors import ProbeError
from raidwatch.probe import LiveProbe, RecordingProbe, ReplayProbe, command_slug, run_command


def test_run_keeps_stdout_stderr_and_status():
    res = run_command(
        [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"], 10
    )
    assert (res.returncode, res.stdout, res.stderr, res.timed_out, res.missing) == (
        3,
        "out\n",
        "err\n",
        False,
        False,
    )
    assert "exit status 3: err" in res.describe_failure()


def test_run_missing_binary():
    res = run_command(["raidwatch-no-such-tool-xyz", "--x"], 5)
    assert res.missing and res.returncode is None
    assert "command not found" in res.describe_failure()


def test_run_uses_c_locale():
    res = run_command([sys.executable, "-c", "import os; print(os.environ['LC_ALL'])"], 10)
    assert res.stdout.strip() == "C"


def test_timeout_kills_the_whole_process_group(tmp_path):
    pidfile = tmp_path / "child.pid"
    script = (
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen(['sleep', '60'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n"
    )
    start = time.monotonic()
    res = run_command([sys.executable, "-c", script], timeout=1.5)
    assert res.timed_out and res.returncode is None
    assert time.monotonic() - start < 10
    child = int(pidfile.read_text())
    for _ in range(50):  # the grandchild must be gone too (killed with its group), not orphaned
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        # a zombie still answers kill(0) until reaped by init: check its state
        try:
            with open(f"/proc/{child}/stat") as fh:
                if fh.read().split()[2] == "Z":
                    break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"grandchild {child} survived the timeout")
    assert "timed out" in res.describe_failure()


def test_live_probe_errors_are_typed(tmp_path):
    probe = LiveProbe(str(tmp_path))
    (tmp_path / "f").write_text("x\n")
    assert probe.read_text("/f") == "x\n"
    with pytest.raises(ProbeError) as exc:
        probe.read_text("/nope")
    assert exc.value.reason == "missing"
    secret = tmp_path / "secret"
    secret.write_text("s")
    secret.chmod(0)
    if os.geteuid() != 0:
        with pytest.raises(ProbeError) as exc:
            probe.read_text("/secret")
        assert exc.value.reason == "permission"


def test_replay_refuses_paths_leaving_the_recording(tmp_path):
    (tmp_path / "host.json").write_text(json.dumps({"hostname": "h", "os": "Linux"}))
    (tmp_path / "fs").mkdir()
    (tmp_path / "fs" / "escape").symlink_to("/etc")
    probe = ReplayProbe(tmp_path)
    with pytest.raises(ProbeError) as exc:
        probe.read_text("/escape/hostname")
    assert exc.value.reason == "permission"
    with pytest.raises(ProbeError):
        probe.read_text("/../../etc/passwd")


def test_replay_unrecorded_command_is_missing(tmp_path):
    (tmp_path / "host.json").write_text(json.dumps({"hostname": "h", "os": "Linux"}))
    res = ReplayProbe(tmp_path).run(["mdadm", "--detail", "/dev/md0"])
    assert res.missing


def test_replay_needs_host_json(tmp_path):
    with pytest.raises(ProbeError, match=r"host\.json"):
        ReplayProbe(tmp_path)


def test_record_then_replay_gives_the_same_answers(tmp_path):
    root = tmp_path / "root"
    (root / "sys/block/sda").mkdir(parents=True)
    (root / "sys/block/sda/size").write_text("2048\n")
    (root / "sys/block/sda/link").symlink_to("../devices/x")
    out = tmp_path / "rec"
    rec = RecordingProbe(LiveProbe(str(root)), out)
    assert rec.read_text("/sys/block/sda/size") == "2048\n"
    assert rec.list_dir("/sys/block") == ["sda"]
    assert rec.read_link("/sys/block/sda/link") == "../devices/x"
    with pytest.raises(ProbeError):
        rec.read_text("/proc/mdstat")
    r1 = rec.run([sys.executable, "-c", "print('hello')"])
    r2 = rec.run(["raidwatch-no-such-tool-xyz"])
    rec.finish()
    host = json.loads((out / "host.json").read_text())
    assert host["format"] == 1 and host["hostname"] and host["raidwatch_version"]
    rep = ReplayProbe(out)
    assert rep.read_text("/sys/block/sda/size") == "2048\n"
    assert rep.list_dir("/sys/block") == ["sda"]
    assert rep.read_link("/sys/block/sda/link") == "../devices/x"
    with pytest.raises(ProbeError) as exc:
        rep.read_text("/proc/mdstat")
    assert exc.value.reason == "missing"
    again = rep.run(r1.argv)
    assert (again.returncode, again.stdout) == (0, "hello\n")
    assert rep.run(r2.argv).missing
    assert rep.header().hostname == host["hostname"]


def test_command_slug_is_readable():
    assert command_slug(["mdadm", "--detail", "/dev/md0"]) == "mdadm_--detail_dev_md0"
    assert command_slug(["smartctl", "-x", "-n", "standby", "/dev/sda"]) == "smartctl_-x_-n_standby_dev_sda"


# ------------------------------------------------------------------------- bounded commands (issue #12)


def _zombie_children() -> list[int]:
    """Our children that have exited and were never reaped."""
    me = str(os.getpid())
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdecimal():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] == "Z" and fields[1] == me:
            out.append(int(entry))
    return out


def _gone(pid: int, within: float = 3.0) -> bool:
    """The process is dead (gone, or a zombie of someone else's) within `within` seconds."""
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


needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs /proc to see processes")


@needs_proc
def test_a_child_holding_the_pipe_after_the_command_exits_cannot_hold_the_reader(tmp_path):
    """`sleep 1000 &` then exit: the command's output and status come back after LINGER, not 1000 s; the
    child holding the pipe is killed with the group; nothing is left unreaped."""
    from raidwatch.probe import LINGER

    pidfile = tmp_path / "child.pid"
    start = time.monotonic()
    res = run_command(["sh", "-c", f'sleep 1000 & echo $! > "{pidfile}"; echo done; exit 3'], timeout=30)
    took = time.monotonic() - start
    assert (res.returncode, res.stdout, res.timed_out) == (3, "done\n", False)
    assert took < LINGER + 3, took
    assert _gone(int(pidfile.read_text())), "the child holding the pipe survived"
    assert _zombie_children() == []


@needs_proc
def test_a_command_that_never_exits_and_ignores_sigterm_is_killed_on_its_deadline(tmp_path):
    from raidwatch.probe import KILL_GRACE, REAP_WAIT

    pidfile = tmp_path / "child.pid"
    script = f"trap '' TERM; sleep 1000 & echo $! > \"{pidfile}\"; while :; do sleep 1; done"
    start = time.monotonic()
    res = run_command(["sh", "-c", script], timeout=1.0)
    took = time.monotonic() - start
    assert res.timed_out and res.returncode is None
    assert took < 1.0 + KILL_GRACE + REAP_WAIT + 1.5, took
    assert _gone(int(pidfile.read_text()))
    assert _zombie_children() == []
    assert "timed out after" in res.describe_failure()


def _peak_rss_growth(code: str) -> dict:
    """Run `code` in a fresh interpreter that prints a JSON dict; add its peak RSS growth in MiB."""
    import subprocess

    prog = (
        "import json, resource, sys\n"
        "from raidwatch.probe import run_command, LiveProbe\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"{code}\n"
        "out['growth_mib'] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024\n"
        "print(json.dumps(out))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(__import__("conftest").REPO))
    res = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_100_mb_of_output_is_capped_and_memory_stays_bounded():
    """stdout beyond OUTPUT_LIMIT stops the run: "stdout larger than 16777216 bytes", nothing parsed, the
    process group killed, and the reader's peak memory is the cap, not the 100 MB."""
    from raidwatch.probe import OUTPUT_LIMIT

    out = _peak_rss_growth(
        "res = run_command(['sh', '-c', 'head -c 100000000 /dev/zero; sleep 5'], 30)\n"
        "out = {'rc': res.returncode, 'error': res.error, 'stdout': len(res.stdout)}\n"
        "out['why'] = res.describe_failure()"
    )
    assert out["rc"] is None and out["stdout"] == 0
    assert f"stdout larger than {OUTPUT_LIMIT} bytes" in out["error"] and "process group killed" in out["why"]
    assert out["growth_mib"] < 3 * OUTPUT_LIMIT / 2**20, out  # the cap plus slack; 100 MB would be 100+


def test_stderr_is_capped_too():
    from raidwatch.probe import STDERR_LIMIT

    res = run_command(["sh", "-c", "head -c 5000000 /dev/zero >&2"], 30)
    assert res.returncode is None and f"stderr larger than {STDERR_LIMIT} bytes" in res.error


def test_a_crash_is_named_by_its_signal():
    res = run_command(["sh", "-c", "kill -SEGV $$"], 10)
    assert res.returncode == -11 and "killed by signal SIGSEGV" in res.describe_failure()


# ------------------------------------------------------------------------- bounded file reads


@needs_proc
def test_a_file_read_that_never_returns_is_a_timeout_and_is_left_behind(tmp_path):
    from raidwatch.probe import stuck_file_reads

    fifo = tmp_path / "sys/block/sda/size"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    probe = LiveProbe(str(tmp_path), file_timeout=0.3)
    before = stuck_file_reads()
    start = time.monotonic()
    with pytest.raises(ProbeError) as exc:
        probe.read_text("/sys/block/sda/size")
    assert time.monotonic() - start < 2
    assert exc.value.reason == "timeout" and "/sys/block/sda/size" in str(exc.value)
    assert stuck_file_reads() == before + 1
    assert probe.list_dir("/sys/block") == ["sda"]  # the next read works
    # a writer lets the stuck open() return: the thread comes back and is no longer counted
    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    os.close(fd)
    end = time.monotonic() + 3
    while stuck_file_reads() > before and time.monotonic() < end:
        time.sleep(0.02)
    assert stuck_file_reads() == before


def test_stuck_reads_are_bounded():
    import threading

    from raidwatch.probe import _BoundedCalls

    calls = _BoundedCalls(max_stuck=2)
    release = threading.Event()
    for _ in range(2):
        with pytest.raises(ProbeError, match="left behind"):
            calls.call(release.wait, 0.05, "/sys/x")
    start = time.monotonic()
    with pytest.raises(ProbeError, match="never returned") as exc:  # no third thread: fails at once
        calls.call(release.wait, 5, "/sys/y")
    assert exc.value.reason == "timeout" and time.monotonic() - start < 0.5
    release.set()
    end = time.monotonic() + 3
    while calls.stuck and time.monotonic() < end:
        time.sleep(0.02)
    assert calls.stuck == 0 and calls.call(lambda: 42, 1, "/sys/z") == 42


def test_file_size_is_capped(tmp_path):
    from raidwatch.probe import FILE_LIMIT

    big = tmp_path / "proc/self/mountinfo"
    big.parent.mkdir(parents=True)
    with open(big, "wb") as fh:
        fh.truncate(FILE_LIMIT + 10)  # sparse: no disk used
    with pytest.raises(ProbeError) as exc:
        LiveProbe(str(tmp_path)).read_text("/proc/self/mountinfo")
    assert exc.value.reason == "io" and f"larger than {FILE_LIMIT} bytes" in str(exc.value)


def test_running_out_of_file_descriptors_is_exhausted_never_missing(tmp_path):
    """In a child with RLIMIT_NOFILE lowered and every descriptor taken: a file read is ProbeError
    `exhausted` (never "missing"), and a command cannot start, saying why."""
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/mdstat").write_text("Personalities : [raid1]\nunused devices: <none>\n")
    code = (
        "import os, resource\n"
        "from raidwatch.errors import ProbeError\n"
        f"probe = LiveProbe({str(tmp_path)!r})\n"
        "probe.read_text('/proc/mdstat')  # a reader thread exists before the descriptors run out\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))\n"
        "held = []\n"
        "try:\n"
        "    while True:\n"
        "        held.append(os.open('/dev/null', os.O_RDONLY))\n"
        "except OSError:\n"
        "    pass\n"
        "out = {}\n"
        "try:\n"
        "    probe.read_text('/proc/mdstat')\n"
        "except ProbeError as exc:\n"
        "    out['reason'], out['read'] = exc.reason, str(exc)\n"
        "res = run_command(['true'], 5)\n"
        "out['exhausted'], out['run'] = res.exhausted, res.describe_failure()\n"
    )
    out = _peak_rss_growth(code)
    assert out["reason"] == "exhausted" and "EMFILE" in out["read"] and "/proc/mdstat" in out["read"]
    assert out["exhausted"] and "could not start" in out["run"] and "EMFILE" in out["run"]


# ------------------------------------------------------------------------- replay never reads outside

SECRET = "root:TOPSECRET-LINE-0123:19000:0:99999:7:::\n"


def _recording(tmp_path):
    """A minimal recording next to a "secret" file outside it."""
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    rec = tmp_path / "rec"
    (rec / "fs/proc").mkdir(parents=True)
    (rec / "host.json").write_text(json.dumps({"hostname": "h", "os": "Linux"}))
    return rec, secret


def _no_secret(*texts: object) -> None:
    for t in texts:
        assert "TOPSECRET" not in str(t)


def test_replay_refuses_a_symlink_out_as_a_file_and_echoes_nothing(tmp_path):
    from raidwatch.collectors.md import MdCollector

    rec, secret = _recording(tmp_path)
    (rec / "fs/proc/mdstat").symlink_to(secret)
    probe = ReplayProbe(rec)
    with pytest.raises(ProbeError) as exc:
        probe.read_text("/proc/mdstat")
    assert exc.value.reason == "permission" and "leaves the recorded host directory" in str(exc.value)
    contrib = MdCollector().collect(probe)
    _no_secret(exc.value, contrib.problems, contrib.notes)


def test_replay_refuses_dot_dot_absolute_and_a_symlinked_fs(tmp_path):
    rec, _secret = _recording(tmp_path)
    probe = ReplayProbe(rec)
    for path in ("/../../secret", "/../secret", "/proc/../../../secret"):
        with pytest.raises(ProbeError) as exc:
            probe.read_text(path)
        _no_secret(exc.value)
    (rec / "fs/proc").rmdir()
    (rec / "fs").rmdir()
    (rec / "fs").symlink_to(tmp_path)  # fs/ itself points out: every read leaves the recording
    with pytest.raises(ProbeError, match="leaves the recorded host directory"):
        ReplayProbe(rec)


def test_replay_refuses_symlinked_json_and_command_output(tmp_path):
    rec, secret = _recording(tmp_path)
    (rec / "fs.json").symlink_to(secret)
    with pytest.raises(ProbeError) as exc:
        ReplayProbe(rec)
    _no_secret(exc.value)
    (rec / "fs.json").unlink()
    cmd = rec / "commands/smartctl_-a_dev_sda"
    cmd.mkdir(parents=True)
    (cmd / "cmd.json").write_text(json.dumps({"argv": ["smartctl", "-a", "/dev/sda"], "returncode": 0}))
    (cmd / "stdout").symlink_to(secret)
    res = ReplayProbe(rec).run(["smartctl", "-a", "/dev/sda"])
    assert res.returncode is None and "leaves the recorded host directory" in res.describe_failure()
    _no_secret(res.stdout, res.stderr, res.describe_failure())
    # a host.json pointing out is no recording at all, and says nothing of the file
    (rec / "host.json").unlink()
    (rec / "host.json").symlink_to(tmp_path / "secret.json")
    (tmp_path / "secret.json").write_text(json.dumps({"hostname": "TOPSECRET-host"}))
    with pytest.raises(ProbeError) as exc:
        ReplayProbe(rec)
    _no_secret(exc.value)


def test_replay_never_waits_on_a_fifo_or_reads_a_huge_file(tmp_path):
    rec, _secret = _recording(tmp_path)
    os.mkfifo(rec / "fs/proc/mdstat")
    start = time.monotonic()
    with pytest.raises(ProbeError, match="not a regular file"):
        ReplayProbe(rec).read_text("/proc/mdstat")
    assert time.monotonic() - start < 1


def test_replay_keeps_internal_symlinks_and_rejects_odd_metadata(tmp_path):
    rec, _secret = _recording(tmp_path)
    (rec / "fs/proc/real").write_text("x\n")
    (rec / "fs/proc/mdstat").symlink_to("real")  # inside: fine
    assert ReplayProbe(rec).read_text("/proc/mdstat") == "x\n"
    (rec / "fs.json").write_text(json.dumps({"dirs": ["not", "a", "map"]}))
    with pytest.raises(ProbeError, match="dirs is not an object"):
        ReplayProbe(rec)
    (rec / "fs.json").write_text("{")
    with pytest.raises(ProbeError, match="invalid JSON"):
        ReplayProbe(rec)


# ------------------------------------------------------------------------- record writes only inside


def test_record_creates_its_directory_0700_and_refuses_a_non_empty_one(tmp_path):
    from raidwatch.probe import RecordError

    out = tmp_path / "rec"
    rec = RecordingProbe(LiveProbe(str(tmp_path)), out)
    rec.finish()
    assert (out.stat().st_mode & 0o777) == 0o700 and (out / "fs").stat().st_mode & 0o777 == 0o700
    with pytest.raises(RecordError, match="not empty"):
        RecordingProbe(LiveProbe(str(tmp_path)), out)


def test_record_never_follows_a_planted_symlink_even_with_force(tmp_path):
    from raidwatch.probe import RecordError

    victim = tmp_path / "victim"
    victim.write_text("root-owned content\n")
    root = tmp_path / "root"
    (root / "proc").mkdir(parents=True)
    (root / "proc/mdstat").write_text("Personalities :\nunused devices: <none>\n")
    out = tmp_path / "rec"
    out.mkdir()
    (out / "host.json").symlink_to(victim)  # an attacker's plants
    (out / "fs").mkdir()
    (out / "fs/proc").symlink_to(tmp_path)
    with pytest.raises(RecordError, match="not empty"):
        RecordingProbe(LiveProbe(str(root)), out)
    rec = RecordingProbe(LiveProbe(str(root)), out, force=True)
    with pytest.raises(RecordError, match="not followed"):
        rec.read_text("/proc/mdstat")  # fs/proc is a symlink: refused, nothing written through it
    (out / "fs/proc").unlink()
    assert rec.read_text("/proc/mdstat").startswith("Personalities")
    rec.finish()
    assert victim.read_text() == "root-owned content\n"  # the link was replaced, its target untouched
    assert not (out / "host.json").is_symlink() and json.loads((out / "host.json").read_text())["format"] == 1
    assert not (tmp_path / "mdstat").exists()


def test_record_refuses_a_symlink_as_its_directory_even_with_force(tmp_path):
    from raidwatch.probe import RecordError

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "rec"
    link.symlink_to(elsewhere)
    with pytest.raises(RecordError, match="symbolic link"):
        RecordingProbe(LiveProbe(str(tmp_path)), link, force=True)
    assert list(elsewhere.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a directory to another user")
def test_record_refuses_a_directory_another_user_owns(tmp_path):
    from raidwatch.probe import RecordError

    out = tmp_path / "theirs"
    out.mkdir()
    os.chown(out, 65534, 65534)
    with pytest.raises(RecordError, match="belongs to uid 65534"):
        RecordingProbe(LiveProbe(str(tmp_path)), out)


def test_record_cli_refuses_a_planted_symlink_in_one_line(tmp_path):
    import subprocess

    from conftest import REPO

    out = tmp_path / "rec"
    out.mkdir()
    (out / "host.json").symlink_to(tmp_path / "victim")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run(
        [sys.executable, "-m", "raidwatch", "record", str(out), "--collectors", "mounts"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "not empty" in res.stderr
    assert not (tmp_path / "victim").exists()


def test_a_command_that_will_not_die_is_not_started_again_until_it_does(monkeypatch):
    """A D-state process survives SIGKILL until its I/O returns. Emulated: the bounded reap after SIGKILL
    times out once. The run is left to be reaped later, and the same argv is not started again meanwhile
    (no pile of stuck smartctls), then runs normally once the old one is gone."""
    import subprocess

    from raidwatch import probe as probe_mod

    real = subprocess.Popen

    class Stubborn(real):  # type: ignore[misc, valid-type]
        stuck = True  # while set, the killed process "does not die"

        def wait(self, timeout=None):  # type: ignore[no-untyped-def]
            if timeout == probe_mod.REAP_WAIT and Stubborn.stuck:
                raise subprocess.TimeoutExpired(self.args, timeout)
            return super().wait(timeout)

        def poll(self):  # type: ignore[no-untyped-def]
            return None if Stubborn.stuck else super().poll()

    monkeypatch.setattr(subprocess, "Popen", Stubborn)
    argv = ["sleep", "1000"]
    assert run_command(argv, timeout=0.2).timed_out
    assert probe_mod.stuck_commands() == 1
    start = time.monotonic()
    again = run_command(argv, timeout=5)
    assert again.timed_out and "has not died yet; not started again" in again.describe_failure()
    assert time.monotonic() - start < 0.5
    Stubborn.stuck = False  # its I/O returned: SIGKILL takes effect, a later run reaps it
    end = time.monotonic() + 3
    while probe_mod.stuck_commands() and time.monotonic() < end:
        time.sleep(0.05)
    assert probe_mod.stuck_commands() == 0
    assert run_command(["sh", "-c", "exit 0"], timeout=5).returncode == 0
