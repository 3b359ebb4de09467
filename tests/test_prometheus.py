"""A real Prometheus scrapes `raidwatch serve --replay` of a degraded host; series arrive, the alert fires."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import HOSTS, REPO

PROMETHEUS = shutil.which("prometheus")
pytestmark = pytest.mark.skipif(
    PROMETHEUS is None, reason="no prometheus binary (Debian package prometheus; .ci/run installs it)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def wait_for(what: str, fn, timeout: float = 90.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except OSError as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def fast_rules(tmp: Path) -> Path:
    """The shipped rules with every `for:` cut to 2s, so the test need not wait minutes."""
    text = (REPO / "prometheus" / "alerts.yml").read_text()
    out = tmp / "alerts-fast.yml"
    out.write_text(re.sub(r"(?m)^(\s+)for: \S+$", r"\1for: 2s", text))
    return out


def test_prometheus_scrapes_raidwatch_and_the_degraded_array_alert_fires(tmp_path):
    rw_port, prom_port = free_port(), free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    rw_log = (tmp_path / "raidwatch.log").open("w")
    rw = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "raidwatch",
            "serve",
            "--replay",
            str(HOSTS / "web01-mirror-degraded"),
            "--fleet",
            str(REPO / "fleet.yaml"),
            "--web.listen-address",
            f"127.0.0.1:{rw_port}",
        ],
        env=env,
        cwd=REPO,
        stdout=rw_log,
        stderr=subprocess.STDOUT,
    )
    prom = None
    try:
        rules = fast_rules(tmp_path)
        cfg = tmp_path / "prometheus.yml"
        cfg.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"rule_files: [{rules}]\n"
            "scrape_configs:\n  - job_name: raidwatch\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{rw_port}']\n"
        )
        prom_log = (tmp_path / "prometheus.log").open("w")
        prom = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={cfg}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prom_port}",
            ],
            stdout=prom_log,
            stderr=subprocess.STDOUT,
        )
        api = f"http://127.0.0.1:{prom_port}/api/v1"

        def query(q: str) -> list:
            doc = get_json(f"{api}/query?query={urllib.parse.quote(q)}")
            return doc["data"]["result"] if doc.get("status") == "success" else []

        up = wait_for(
            "the raidwatch target to be up",
            lambda: [r for r in query('up{job="raidwatch"}') if r["value"][1] == "1"],
        )
        assert up[0]["metric"]["instance"] == f"127.0.0.1:{rw_port}"
        degraded = wait_for(
            "raidwatch_array_degraded", lambda: query('raidwatch_array_degraded{array="md1"}')
        )
        assert degraded[0]["value"][1] == "1"
        assert query('raidwatch_array_degraded{array="md0"}')[0]["value"][1] == "0"
        assert query("raidwatch_host_compliant")[0]["value"][1] == "0"

        def firing() -> list:
            alerts = get_json(f"{api}/alerts")["data"]["alerts"]
            return [
                a
                for a in alerts
                if a["labels"].get("alertname") == "RaidwatchArrayDegraded"
                and a["labels"].get("array") == "md1"
                and a["state"] == "firing"
            ]

        alert = wait_for("RaidwatchArrayDegraded to fire for md1", firing)[0]
        assert alert["labels"]["severity"] == "critical"
        assert "runbook" in alert["annotations"] and "md1" in alert["annotations"]["summary"]
        names = {a["labels"]["alertname"] for a in get_json(f"{api}/alerts")["data"]["alerts"]}
        assert "RaidwatchArrayDegraded" in names
        assert not any(
            a["labels"].get("array") == "md0" and a["labels"]["alertname"] == "RaidwatchArrayDegraded"
            for a in get_json(f"{api}/alerts")["data"]["alerts"]
        )
    finally:
        if prom is not None:
            stop(prom)
        stop(rw)
