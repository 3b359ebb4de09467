"""`raidwatch fleet`: expected hosts, statuses, the query API client and its failures, sources and output."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import HOSTS, REPO
from fakeprom import FakeQueryAPI, synthetic_fleet, vector

from raidwatch import fleet as fl
from raidwatch.errors import ConfigError
from raidwatch.expect import expand, names_in_policy, read_expect_file
from raidwatch.policy import load_policy
from raidwatch.promapi import PromClient, QueryError, parse_answer

NOW = 1_800_000_000.0


def rw(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "raidwatch", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )


# ----------------------------------------------------------------------------------------- expected


def test_ranges_expand_like_ansible() -> None:
    assert expand("web[01:03].example.com") == ["web01.example.com", "web02.example.com", "web03.example.com"]
    assert expand("db-[a:c]") == ["db-a", "db-b", "db-c"]
    assert expand("n[1:10:4]") == ["n1", "n5", "n9"]
    assert expand("r[1:2]c[1:2]") == ["r1c1", "r1c2", "r2c1", "r2c2"]
    with pytest.raises(ConfigError, match="a range is"):
        expand("x[a1:b2]")


def test_plain_list_ini_and_yaml_inventories(tmp_path: Path) -> None:
    plain = tmp_path / "hosts.txt"
    plain.write_text("# our servers\nweb01\nweb02.example.com\n\ndb[01:02]\n")
    assert read_expect_file(str(plain)) == ["web01", "web02.example.com", "db01", "db02"]
    ini = tmp_path / "inventory.ini"
    ini.write_text(
        "mail.example.com\n\n[webservers]\nweb[01:02] ansible_user=ops\nweb03:2222\n\n"
        "[dbservers]\ndb01 ansible_host=10.0.0.5  # primary\n; a comment\n\n"
        "[dbservers:vars]\nntp_server=ntp.example.com\n\n[prod:children]\nwebservers\ndbservers\n"
    )
    assert read_expect_file(str(ini)) == ["mail.example.com", "web01", "web02", "web03", "db01"]
    yml = tmp_path / "inventory.yml"
    yml.write_text(
        "all:\n  hosts:\n    mail.example.com:\n  children:\n    webservers:\n      hosts:\n"
        "        web[01:02]:\n          http_port: 80\n    dbservers:\n      vars: {hosts: nothost}\n"
        "      hosts:\n        db01:\n"
    )
    assert sorted(read_expect_file(str(yml))) == ["db01", "mail.example.com", "web01", "web02"]


def test_expect_file_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--expect .*nope: no such file"):
        read_expect_file(str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="is a directory"):
        read_expect_file(str(tmp_path))
    bad = tmp_path / "globs"
    bad.write_text("web*\n")
    with pytest.raises(ConfigError, match="is a pattern"):
        read_expect_file(str(bad))
    two = tmp_path / "two"
    two.write_text("web01 web02\n")
    with pytest.raises(ConfigError, match="one host name a line"):
        read_expect_file(str(two))


def test_policy_names_exact_hosts_only() -> None:
    policy = load_policy(
        "f.yaml",
        "version: 1\nexpect: [mail01, 'web[01:02]']\ngroups:\n  g:\n    hosts: [nas04, 'zfs*', 'r[ab]x']\n"
        "hosts:\n  db02: {}\n",
    )
    assert names_in_policy(policy) == {"mail01", "web01", "web02", "nas04", "db02"}
    bundled = load_policy(REPO / "fleet.yaml")
    on_disk = {json.loads((h / "host.json").read_text())["hostname"] for h in HOSTS.iterdir() if h.is_dir()}
    assert on_disk <= names_in_policy(bundled)  # every bundled host is expected by the bundled fleet file


def test_expect_patterns_are_refused_with_the_line() -> None:
    with pytest.raises(ConfigError, match=r"f.yaml:1:10: expect: 'web\*' is a pattern"):
        load_policy("f.yaml", "expect: ['web*']\n")


# ----------------------------------------------------------------------------------------- judging


def report(host: str, *, age: float = 30.0, compliant: bool = True, findings=(), **kw) -> fl.HostReport:  # type: ignore[no-untyped-def]
    return fl.HostReport(host, NOW - age, compliant, tuple(fl.FleetFinding(*f) for f in findings), **kw)


def test_one_status_per_host() -> None:
    obs = fl.Observation(
        (
            report("web01", compliant=False, findings=[("array-degraded", "critical", "md1")]),
            report("app05"),
            report("old01", age=7200),
            report("stray9"),
            report(
                "db02.example.com", compliant=False, findings=[("disk-smart-warning", "warning", "disk:sdb")]
            ),
        ),
        (fl.DownTarget("down01.example.com:9632", "raidwatch"),),
        NOW,
        source="prometheus http://x",
    )
    expected = {"web01", "app05", "old01", "db02", "down01", "gone01"}
    got = {s.host: s for s in fl.judge(expected, obs, max_age=3600)}
    assert {h: s.status for h, s in got.items()} == {
        "web01": "non-compliant",
        "app05": "compliant",
        "old01": "silent",
        "stray9": "unknown",
        "db02": "non-compliant",  # its FQDN report matches the short expected name
        "down01": "silent",
        "gone01": "silent",
    }
    assert got["down01"].reason == "target down: instance down01.example.com:9632, job raidwatch"
    assert got["gone01"].reason == "never seen"
    assert got["old01"].reason == "snapshot 2h old (--max-age 1h)"
    assert got["web01"].reason == "array-degraded md1" and got["web01"].count("critical") == 1
    order = [s.status for s in fl.judge(expected, obs, max_age=3600)]
    assert order == sorted(order, key=fl.STATUSES.index)  # worst first
    assert fl.exit_status(list(got.values())) == fl.CRITICAL


def test_exit_status_by_worst_status() -> None:
    ok = [fl.HostStatus("a", fl.COMPLIANT, "")]
    warn = [*ok, fl.HostStatus("b", fl.NON_COMPLIANT, "", findings=(fl.FleetFinding("x", "warning", "s"),))]
    crit = [*ok, fl.HostStatus("c", fl.NON_COMPLIANT, "", findings=(fl.FleetFinding("x", "critical", "s"),))]
    assert fl.exit_status(ok) == fl.OK
    assert fl.exit_status(ok, ("a store did not answer",)) == fl.WARNING  # a partial answer is not OK
    assert fl.exit_status([*ok, fl.HostStatus("u", fl.UNKNOWN_HOST, "")]) == fl.WARNING
    assert fl.exit_status(warn) == fl.WARNING
    assert fl.exit_status(crit) == fl.CRITICAL
    assert fl.exit_status([*ok, fl.HostStatus("s", fl.SILENT, "never seen")]) == fl.CRITICAL


def test_the_same_host_from_two_targets_is_one_host_and_said_so() -> None:
    obs = fl.Observation(
        (report("web01", age=50, instance="a:9632"), report("web01", age=10, instance="b:9632")), (), NOW
    )
    (s,) = fl.judge({"web01"}, obs)
    assert s.status == "compliant" and s.age_seconds == 10 and "reported by 2 targets" in s.reason


def test_a_test_page_does_not_make_a_host_non_compliant() -> None:
    page = [("test-page", "critical", "raidwatch test page: not a real failure")]
    (s,) = fl.judge({"web01"}, fl.Observation((report("web01", findings=page),), (), NOW))
    assert s.status == "compliant" and fl.exit_status([s]) == fl.OK


def test_stale_daemon_data_is_flagged() -> None:
    (s,) = fl.judge({"web01"}, fl.Observation((report("web01", stale=True),), (), NOW))
    assert s.status == "compliant" and s.stale and "latest collection failed" in s.reason


# ----------------------------------------------------------------------------------------- the query API


def test_answer_parsing() -> None:
    a = parse_answer(
        vector([({"__name__": "up", "instance": "a"}, 0.0), ({"instance": "b"}, float("nan"))], NOW)
    )
    assert [s.labels["instance"] for s in a.samples] == ["a"] and a.samples[0].value == 0.0  # NaN dropped
    w = parse_answer(vector([], NOW, warnings=["store eu2 timed out"]))
    assert w.warnings == ("store eu2 timed out",)
    for body, why in [
        (b"<html>", "not JSON"),
        (b"[]", "no 'status'"),
        (b'{"status":"error","errorType":"bad_data","error":"boom"}', "refused: bad_data: boom"),
        (b'{"status":"success","data":{}}', "no data.result"),
        (b'{"status":"success","data":{"resultType":"matrix","result":[]}}', "expected an instant vector"),
        (b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}}', "malformed sample"),
        (b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"1"]}]}}',
         "malformed sample"),
    ]:  # fmt: skip
        with pytest.raises(QueryError, match=why):
            parse_answer(body, "q")


def test_client_sends_auth_and_headers_and_reads_the_fleet() -> None:
    fleet, names = synthetic_fleet(30, time.time(), silent={3}, down={4})
    with FakeQueryAPI(fleet) as api:
        c = PromClient(api.url + "/", bearer_token="t0ken", headers={"X-Scope-OrgID": "tenant1"})
        obs = fl.observe_prometheus(fl.PromSource(c, 'job="raidwatch"'))
        assert {q.split("{")[0].split()[0] for q, _ in api.requests} >= {"raidwatch_host_info", "up"}
        assert all('{job="raidwatch"}' in q for q, _ in api.requests)
        assert all(h.get("Authorization") == "Bearer t0ken" for _, h in api.requests)
        assert all(h.get("X-Scope-Orgid") or h.get("X-Scope-OrgID") == "tenant1" for _, h in api.requests)
        basic = PromClient(api.url, basic_auth=("ops", "pw"))
        basic.query("up")
        assert api.requests[-1][1]["Authorization"] == "Basic b3BzOnB3"
    statuses = {s.host: s for s in fl.judge(set(names), obs)}
    assert statuses["host00003"].status == "silent" and statuses["host00003"].reason == "never seen"
    assert statuses["host00004"].reason.startswith("target down: instance host00004:9632")
    assert statuses["host00009"].status == "non-compliant" and statuses["host00009"].count("critical") == 2
    assert sum(s.status == "compliant" for s in statuses.values()) == 25


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("http-400", "refused: HTTP 400 bad_data: parse error at char 5"),
        ("http-503", "refused: HTTP 503 Service Unavailable"),
        ("not-json", "not a Prometheus query API answer \\(not JSON"),
        ("wrong-shape", "expected an instant vector, got 'matrix'"),
        ("slow", "no answer within 0.5s"),
    ],
)
def test_client_failures_are_one_line(mode: str, why: str) -> None:
    fleet, _ = synthetic_fleet(3, time.time())
    with FakeQueryAPI(fleet) as api:
        api.mode, api.delay = mode, 3.0
        with pytest.raises(QueryError, match=why) as exc:
            PromClient(api.url, timeout=0.5).query("up")
        assert api.url in str(exc.value) and "\n" not in str(exc.value)


def test_unreachable_and_bad_urls() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(QueryError, match="unreachable"):
        PromClient(f"http://127.0.0.1:{port}", timeout=2).query("up")
    with pytest.raises(QueryError, match="not an http"):
        PromClient("prom:9090")


def test_oversized_answers_are_refused() -> None:
    fleet, _ = synthetic_fleet(200, time.time())
    with FakeQueryAPI(fleet) as api, pytest.raises(QueryError, match="larger than 1000 bytes"):
        PromClient(api.url, max_bytes=1000).query("raidwatch_host_info")


def test_https_with_a_ca_file(tmp_path: Path) -> None:
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed: cannot make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip

    class H(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = vector([({"instance": "a"}, 1.0)], NOW)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"https://127.0.0.1:{srv.server_address[1]}"
        assert PromClient(url, ca_file=str(cert), timeout=5).query("up").samples[0].labels == {
            "instance": "a"
        }
        with pytest.raises(QueryError, match="TLS failed"):
            PromClient(url, timeout=5).query("up")  # the system CAs do not know our certificate
        with pytest.raises(QueryError, match="--ca-file"):
            PromClient(url, ca_file=str(tmp_path / "none.pem"))
    finally:
        srv.shutdown()
        srv.server_close()


# ----------------------------------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`raidwatch check --json` of every bundled host but web01, and web01's `inventory --json`."""
    d = tmp_path_factory.mktemp("fleet")
    hosts = [str(h) for h in sorted(HOSTS.iterdir()) if h.is_dir() and not h.name.startswith("web01")]
    res = rw("check", "--fleet", "fleet.yaml", "--json", *[x for h in hosts for x in ("--replay", h)])
    (d / "all.json").write_text(res.stdout)
    inv = rw("inventory", "--replay", str(HOSTS / "web01-mirror-degraded"), "--json")
    (d / "web01-inventory.json").write_text(inv.stdout)
    return d


def test_fleet_from_a_directory_judges_inventories_and_check_results(demo_dir: Path, tmp_path: Path) -> None:
    expect = tmp_path / "expect.txt"
    expect.write_text("web99\n")
    res = rw("fleet", "--fleet", "fleet.yaml", "--from", str(demo_dir), "--expect", str(expect), "--json")
    assert res.returncode == 2, res.stderr
    doc = json.loads(res.stdout)
    by = {h["host"]: h for h in doc["hosts"]}
    assert by["web99"]["status"] == "silent" and by["web99"]["reason"] == "no report in the directory"
    assert by["web01"]["status"] == "non-compliant"  # judged here, from its inventory
    assert {f["code"] for f in by["web01"]["findings"]} >= {"array-degraded", "disk-smart-failing"}
    assert by["app05"]["status"] == "compliant" and by["api06"]["status"] == "compliant"
    hosts = sum(1 for h in HOSTS.iterdir() if h.is_dir())
    assert doc["counts"] == {"compliant": 2, "non-compliant": hosts - 2, "silent": 1, "unknown": 0}
    assert doc["summary"].startswith(
        f"RAIDWATCH CRITICAL - 1 silent, {hosts - 2} non-compliant of {hosts + 1} hosts |"
    )
    assert "silent=1;;;0" in doc["summary"]


def test_fleet_table_fits_the_terminal(demo_dir: Path) -> None:
    res = rw("fleet", "--fleet", "fleet.yaml", "--from", str(demo_dir), env={"COLUMNS": "60"})
    lines = res.stdout.splitlines()
    assert lines[0].startswith("RAIDWATCH CRITICAL") and lines[2].split()[:3] == ["HOST", "STATUS", "CRIT"]
    assert all(len(line) <= 60 for line in lines[2:-2]), lines
    assert any(line.endswith("…") for line in lines)
    wide = rw("fleet", "--fleet", "fleet.yaml", "--from", str(demo_dir), "--wide", env={"COLUMNS": "60"})
    assert max(len(line) for line in wide.stdout.splitlines()[2:]) > 60
    problems = rw("fleet", "--fleet", "fleet.yaml", "--from", str(demo_dir), "--problems")
    assert " compliant " not in problems.stdout and "app05" not in problems.stdout


def test_fleet_against_a_query_api_and_its_textfile(tmp_path: Path) -> None:
    fleet, names = synthetic_fleet(20, time.time(), silent={2}, down={5})
    expect = tmp_path / "expect.txt"
    expect.write_text("\n".join(names) + "\n")
    out = tmp_path / "fleet.prom"
    policy = tmp_path / "fleet.yaml"
    policy.write_text("version: 1\n")  # no host named: --expect says who is expected
    with FakeQueryAPI(fleet) as api:
        res = rw("fleet", "--fleet", str(tmp_path / "none.yaml"), "--expect", str(expect),
                 "--prometheus", api.url, "--textfile", str(out))  # fmt: skip
        assert "no such file" in res.stdout and res.returncode == 3  # a missing fleet file is UNKNOWN
        res = rw("fleet", "--fleet", str(policy), "--expect", str(expect), "--prometheus", api.url,
                 "--textfile", str(out), "--selector", 'job="raidwatch"')  # fmt: skip
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stdout.startswith("RAIDWATCH CRITICAL - 2 silent, 2 non-compliant")
    text = out.read_text()
    assert 'raidwatch_fleet_host_status{host="host00002",status="silent"} 1.0' in text
    assert 'raidwatch_fleet_hosts{status="compliant"} 16.0' in text
    assert "raidwatch_fleet_run_success 1.0" in text
    assert 'raidwatch_fleet_host_last_seen_timestamp_seconds{host="host00001"}' in text
    assert 'raidwatch_fleet_host_last_seen_timestamp_seconds{host="host00002"}' not in text  # never seen
    if shutil.which("promtool"):
        chk = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
        assert chk.returncode == 0, chk.stdout + chk.stderr
    # the source fails: UNKNOWN, one line, and the textfile keeps the last statuses with success 0
    res = rw("fleet", "--fleet", str(policy), "--expect", str(expect), "--prometheus", "http://127.0.0.1:9",
             "--timeout", "2", "--textfile", str(out))  # fmt: skip
    assert res.returncode == 3 and res.stdout.count("\n") == 1 and "unreachable" in res.stdout
    assert res.stdout.startswith("RAIDWATCH UNKNOWN - http://127.0.0.1:9/api/v1/query")
    text = out.read_text()
    assert "raidwatch_fleet_run_success 0.0" in text
    assert 'raidwatch_fleet_host_status{host="host00002",status="silent"} 1.0' in text


def test_fleet_usage_errors(tmp_path: Path) -> None:
    res = rw("fleet", "--fleet", "fleet.yaml")
    assert res.returncode == 2 and "one of the arguments --prometheus --from is required" in res.stderr
    res = rw("fleet", "--fleet", "fleet.yaml", "--from", str(tmp_path / "nope"))
    assert res.returncode == 3 and "--from" in res.stdout and "no such directory" in res.stdout
    for flags, why in [
        (["--selector", "job=raidwatch"], "expected label matchers"),
        (["--max-age", "soon"], "--max-age: expected a positive duration"),
        (["--header", "nocolon"], "expected 'Name: value'"),
        (["--basic-auth", "ops"], "needs --password-file"),
    ]:
        res = rw("fleet", "--fleet", "fleet.yaml", "--prometheus", "http://127.0.0.1:9", *flags)
        assert res.returncode == 3 and why in res.stdout and "Traceback" not in res.stderr, (flags, res)
