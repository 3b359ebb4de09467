"""systemd units under systemd-analyze (verify, security exposure), the launchd plist, example configs."""

from __future__ import annotations

import plistlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from raidwatch.daemon import load_settings
from raidwatch.webconfig import load_web_config

SYSTEMD = REPO / "systemd"
needs_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed"
)


def _with_real_binary(unit: Path, tmp_path: Path) -> Path:
    """verify checks that ExecStart exists: point it at this machine's raidwatch (or python)."""
    exe = shutil.which("raidwatch") or shutil.which("python3")
    out = tmp_path / unit.name
    out.write_text(unit.read_text().replace("/usr/local/bin/raidwatch", exe))
    return out


@needs_analyze
@pytest.mark.parametrize(
    "name", ["raidwatch.service", "raidwatch-textfile.service", "raidwatch-textfile.timer"]
)
def test_systemd_analyze_verify(name, tmp_path):
    unit = _with_real_binary(SYSTEMD / name, tmp_path)
    if name.endswith(".timer"):
        _with_real_binary(SYSTEMD / "raidwatch-textfile.service", tmp_path)
    res = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    problems = [ln for ln in (res.stdout + res.stderr).splitlines() if ln.strip()]
    assert res.returncode == 0 and not problems, problems


def _exposure(unit: Path) -> float:
    res = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", res.stdout + res.stderr)
    if not m:
        pytest.skip(f"this systemd-analyze cannot score units offline: {(res.stderr or res.stdout)[-200:]}")
    return float(m.group(1))


@needs_analyze
def test_exporter_unit_exposure_is_ok(tmp_path):
    assert _exposure(_with_real_binary(SYSTEMD / "raidwatch.service", tmp_path)) <= 2.0


@needs_analyze
def test_textfile_unit_exposure_is_ok(tmp_path):
    assert _exposure(_with_real_binary(SYSTEMD / "raidwatch-textfile.service", tmp_path)) <= 2.0


@pytest.mark.parametrize("name", ["raidwatch.service", "raidwatch-textfile.service"])
def test_least_privilege_rules(name):
    text = (SYSTEMD / name).read_text()
    caps = re.search(r"^CapabilityBoundingSet=(.*)$", text, re.M).group(1).split()
    assert sorted(caps) == ["CAP_SYS_ADMIN", "CAP_SYS_RAWIO"]
    assert "CAP_DAC_READ_SEARCH" not in text.split("#")[0] and "CAP_DAC_OVERRIDE" not in re.sub(
        r"#.*", "", text
    )
    assert "DevicePolicy=closed" in text and all(
        line.endswith(" r") for line in re.findall(r"^DeviceAllow=.*$", text, re.M)
    )
    for must in (
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
    ):
        assert must in text


def test_exporter_unit_is_type_notify_with_watchdog_and_reload():
    text = (SYSTEMD / "raidwatch.service").read_text()
    assert "Type=notify" in text and "WatchdogSec=" in text and "ExecReload=/bin/kill -HUP $MAINPID" in text


def test_launchd_plist():
    with open(REPO / "launchd" / "org.raidwatch.exporter.plist", "rb") as fh:
        doc = plistlib.load(fh)
    assert doc["Label"] == "org.raidwatch.exporter"
    assert doc["ProgramArguments"][1:3] == ["serve", "--config"]
    assert doc["RunAtLoad"] is True


def test_example_configs_load():
    s = load_settings(str(REPO / "examples" / "raidwatch.yml"), {})
    assert s.listen_address == ":9632" and s.interval == 30 and s.smart_interval == 1800
    doc = yaml.safe_load((REPO / "examples" / "web-config.yml").read_text())
    assert doc["basic_auth_users"]["prometheus"].startswith("$2y$")


def test_example_web_config_passes_promtool(tmp_path):
    if not shutil.which("promtool"):
        pytest.skip("promtool not installed (Debian package prometheus)")
    res = subprocess.run(
        ["promtool", "check", "web-config", str(REPO / "examples" / "web-config.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # the example names certificate files that do not exist here; promtool must only object to those
    out = res.stdout + res.stderr
    assert res.returncode == 0 or "no such file" in out.lower() or "could not" in out.lower(), out


def test_basic_auth_accepts_the_example_hash(tmp_path):
    web = tmp_path / "web.yml"
    doc = yaml.safe_load((REPO / "examples" / "web-config.yml").read_text())
    web.write_text(yaml.safe_dump({"basic_auth_users": doc["basic_auth_users"]}))
    cfg = load_web_config(str(web))
    import base64

    good = "Basic " + base64.b64encode(b"prometheus:prometheus").decode()
    assert cfg.check_basic_auth(good) and cfg.check_basic_auth(good)  # second time from the cache
    assert not cfg.check_basic_auth("Basic " + base64.b64encode(b"prometheus:nope").decode())
    assert not cfg.check_basic_auth(None) and not cfg.check_basic_auth("Bearer x")


def _publish_step(unit_text: str) -> str:
    m = re.search(r"^ExecStartPost=!/bin/sh -c '(.*)'$", unit_text, re.M)
    assert m, "the textfile unit publishes with ExecStartPost=!/bin/sh -c '...'"
    return m.group(1)


def test_textfile_unit_writes_debians_root_owned_directory_without_root_python(tmp_path):
    """Debian/Ubuntu ship /var/lib/prometheus/node-exporter root:root 0755: raidwatch runs as a dynamic
    user into its StateDirectory, and a root-credentials step (same sandbox) publishes the file."""
    text = (SYSTEMD / "raidwatch-textfile.service").read_text()
    target = "/var/lib/prometheus/node-exporter"
    assert f"ReadWritePaths={target}" in text and "StateDirectory=raidwatch-textfile" in text
    exec_start = re.search(r"^ExecStart=(\S+) textfile (\S+)", text, re.M)
    assert exec_start and exec_start.group(2) == "/var/lib/raidwatch-textfile/raidwatch.prom"
    step = _publish_step(text)
    assert "iflag=nofollow" in step and step.count(target) >= 3
    # run the step itself (as this user, in temporary directories) and check what it does
    state, out = tmp_path / "state", tmp_path / "node-exporter"
    state.mkdir()
    out.mkdir()
    local = step.replace("/var/lib/raidwatch-textfile", str(state)).replace(target, str(out))

    def publish() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["/bin/sh", "-c", local], capture_output=True, text=True, timeout=60)

    (state / "raidwatch.prom").write_text("raidwatch_up 1\n")
    assert publish().returncode == 0
    assert (out / "raidwatch.prom").read_text() == "raidwatch_up 1\n"
    assert oct((out / "raidwatch.prom").stat().st_mode & 0o777) == "0o644"
    assert sorted(p.name for p in out.iterdir()) == ["raidwatch.prom"]  # no temporary file left
    # a link in place of the file (a compromised run pointing at a root-only file) is not followed
    secret = tmp_path / "secret"
    secret.write_text("root-only\n")
    (state / "raidwatch.prom").unlink()
    (state / "raidwatch.prom").symlink_to(secret)
    assert publish().returncode != 0
    assert (out / "raidwatch.prom").read_text() == "raidwatch_up 1\n"  # the last good file stays
    # no file (the collection failed): the previous one stays too
    (state / "raidwatch.prom").unlink()
    assert publish().returncode != 0
    assert (out / "raidwatch.prom").read_text() == "raidwatch_up 1\n"


def test_exporter_unit_limits_are_explicit():
    text = (SYSTEMD / "raidwatch.service").read_text()
    limits = dict(re.findall(r"^(LimitNOFILE|TasksMax|MemoryMax)=(\S+)$", text, re.M))
    assert limits == {"LimitNOFILE": "1024", "TasksMax": "128", "MemoryMax": "256M"}
    from raidwatch.httpserver import FD_RESERVE

    assert int(limits["LimitNOFILE"]) - FD_RESERVE >= 512  # room for hundreds of connections
