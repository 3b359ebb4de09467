"""`raidwatch fleet` against a real Prometheus scraping two `raidwatch serve --replay` daemons and a third
expected host that never answers: that host is silent, and so is a daemon after it stops."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from conftest import HOSTS, REPO
from promstack import NO_PROMETHEUS, PROMETHEUS, free_port, get_json, start_raidwatch, stop, wait_for

pytestmark = pytest.mark.skipif(PROMETHEUS is None, reason=NO_PROMETHEUS)


def fleet(*args: str) -> tuple[int, dict]:
    res = subprocess.run(
        [sys.executable, "-m", "raidwatch", "fleet", "--json", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert "Traceback" not in res.stderr, res.stderr
    return res.returncode, json.loads(res.stdout)


def test_fleet_over_a_real_prometheus(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "app").mkdir()
    web, web_port, _ = start_raidwatch(tmp_path / "web", HOSTS / "web01-mirror-degraded")
    app, app_port, _ = start_raidwatch(tmp_path / "app", HOSTS / "app05-healthy")
    nobody = free_port()  # db99's target: nothing listens there
    prom_port = free_port()
    cfg = tmp_path / "prometheus.yml"
    targets = [(web_port, "web01"), (app_port, "app05"), (nobody, "db99")]
    cfg.write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
        "scrape_configs:\n  - job_name: raidwatch\n    static_configs:\n"
        + "".join(
            f"      - targets: ['127.0.0.1:{port}']\n        labels: {{instance: '{name}:9632'}}\n"
            for port, name in targets
        )
    )
    log = (tmp_path / "prometheus.log").open("w")
    prom = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={cfg}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{prom_port}"
    policy = tmp_path / "fleet.yaml"
    policy.write_text("version: 1\nexpect: [web01, app05, db99, nx01]\n")

    def query(q: str) -> list:
        doc = get_json(f"{url}/api/v1/query?query={urllib.parse.quote(q)}")
        return doc["data"]["result"] if doc.get("status") == "success" else []

    try:
        wait_for("both daemons' host_info and db99 down", lambda: len(query("raidwatch_host_info")) == 2
                 and query('up{instance="db99:9632"} == 0'), timeout=120)  # fmt: skip
        code, doc = fleet("--fleet", str(policy), "--prometheus", url, "--selector", 'job="raidwatch"',
                          "--lookback", "10m")  # fmt: skip
        by = {h["host"]: h for h in doc["hosts"]}
        assert code == 2 and doc["counts"] == {"compliant": 1, "non-compliant": 1, "silent": 2, "unknown": 0}
        assert by["db99"]["status"] == "silent"
        assert by["db99"]["reason"] == "target down: instance db99:9632, job raidwatch"
        assert by["nx01"]["reason"] == "never seen"
        assert by["app05"]["status"] == "compliant" and by["app05"]["instance"] == "app05:9632"
        assert by["web01"]["status"] == "non-compliant" and by["web01"]["critical"] >= 3
        assert {"array-degraded", "disk-smart-failing"} <= {f["code"] for f in by["web01"]["findings"]}
        assert 0 <= by["web01"]["age_seconds"] < 60
        # app05's daemon stops: its target goes down and its series go stale at once
        stop(app)
        wait_for("app05's target down", lambda: query('up{instance="app05:9632"} == 0'), timeout=60)
        code, doc = fleet("--fleet", str(policy), "--prometheus", url, "--lookback", "10m")
        by = {h["host"]: h for h in doc["hosts"]}
        assert by["app05"]["status"] == "silent"
        assert by["app05"]["reason"].startswith("target down: instance app05:9632, job raidwatch; last seen ")
        # an unexpected host: the fleet file no longer names web01
        policy.write_text("version: 1\nexpect: [app05, db99]\n")
        code, doc = fleet("--fleet", str(policy), "--prometheus", url)
        assert {h["host"]: h["status"] for h in doc["hosts"]}["web01"] == "unknown"
    finally:
        stop(prom)
        stop(web)
        stop(app)
