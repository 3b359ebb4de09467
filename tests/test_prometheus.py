"""A real Prometheus scrapes `raidwatch serve --replay` of a degraded host; series arrive, the alert fires."""

from __future__ import annotations

import pytest
from conftest import HOSTS
from promstack import (
    NO_PROMETHEUS,
    PROMETHEUS,
    fast_rules,
    get_json,
    prom_query,
    start_prometheus,
    start_raidwatch,
    stop,
    wait_for,
)

pytestmark = pytest.mark.skipif(PROMETHEUS is None, reason=NO_PROMETHEUS)


def test_prometheus_scrapes_raidwatch_and_the_degraded_array_alert_fires(tmp_path):
    rw, rw_port, _log = start_raidwatch(tmp_path, HOSTS / "web01-mirror-degraded")
    prom = None
    try:
        prom, api = start_prometheus(tmp_path, fast_rules(tmp_path), [f"127.0.0.1:{rw_port}"])

        def query(q: str) -> list:
            return prom_query(api, q)

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
        assert query("raidwatch_test_page_active")[0]["value"][1] == "0"

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
        assert alert["labels"]["kind"] == "md"  # joined from raidwatch_array_info: the runbook follows it
        assert "runbook" in alert["annotations"] and "md1" in alert["annotations"]["summary"]
        assert "mdadm --detail /dev/md1" in alert["annotations"]["runbook"]
        assert alert["annotations"]["runbook_url"] == "docs/runbooks.md#raidwatcharraydegraded-md"
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
