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
