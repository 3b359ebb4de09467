"""Alerts that page right: the rules generator (golden file, selector, textfile mode), every critical
finding paging once (promtool, generated from the finding codes), runbooks per alert and array kind,
the example Alertmanager config (amtool), `textfile --test-page`, and end to end with real components:
raidwatch -> Prometheus -> Alertmanager -> a webhook, one failed disk is one page, a test page pages."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import HOSTS, REPO
from promstack import (
    ALERTMANAGER,
    AMTOOL,
    NO_ALERTMANAGER,
    NO_PROMETHEUS,
    PROMETHEUS,
    PROMTOOL,
    Webhook,
    fast_alertmanager_config,
    fast_rules,
    get_json,
    start_alertmanager,
    start_prometheus,
    start_raidwatch,
    stop,
    wait_for,
)

from raidwatch import cli
from raidwatch.errors import ConfigError
from raidwatch.exporter import TEST_PAGE_CODE, TEST_PAGE_SUBJECT
from raidwatch.findings import CODES
from raidwatch.rules import ARRAY_KINDS, DEDICATED, DEFAULT_RUNBOOK_BASE, KIND_ANCHOR, render_rules

RULES = REPO / "prometheus" / "alerts.yml"
RUNBOOKS = REPO / "docs" / "runbooks.md"
WEB01 = HOSTS / "web01-mirror-degraded"
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (Debian package prometheus)"
)
needs_amtool = pytest.mark.skipif(
    AMTOOL is None, reason="amtool not installed (Debian package prometheus-alertmanager)"
)
# The longest a critical finding may wait for its page: RaidwatchRebuildTooSlow's 30m (the policy's
# rebuild verdict, debounced); every code without an alert of its own pages after 5m.
MAX_PAGE_DELAY_MINUTES = 32  # 30m + two evaluations
CATCH_ALL = "RaidwatchCriticalFinding"


def rules_of(text: str) -> dict[str, dict]:
    return {r["alert"]: r for g in yaml.safe_load(text)["groups"] for r in g["rules"]}


def minutes(duration: str) -> float:
    m = re.fullmatch(r"(\d+)([smh])", duration)
    assert m, duration
    return int(m.group(1)) * {"s": 1 / 60, "m": 1, "h": 60}[m.group(2)]


def promtool_test(tmp_path: Path, doc: dict, name: str = "generated_test.yml") -> None:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    res = subprocess.run([PROMTOOL, "test", "rules", str(path)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, (res.stdout + res.stderr)[-6000:]


# ---------------------------------------------------------------------------- the generator


def test_shipped_rules_are_the_generators_default_output():
    assert RULES.read_text() == render_rules(), (
        "prometheus/alerts.yml differs from `raidwatch rules`: edit raidwatch/data/alerts.yml.in and run "
        "`python3 -m raidwatch rules > prometheus/alerts.yml`"
    )


def test_the_template_ships_in_the_package():
    doc = (REPO / "pyproject.toml").read_text()
    assert re.search(r'(?m)^\[tool\.setuptools\.package-data\]\nraidwatch = \["data/\*\.in"\]', doc)
    assert (REPO / "raidwatch" / "data" / "alerts.yml.in").is_file()
    assert not (REPO / "raidwatch" / "data" / "__init__.py").exists()  # data, not a package


def test_rules_cli(capsys):
    assert cli.main(["rules"]) == 0
    assert capsys.readouterr().out == RULES.read_text()
    assert cli.main(["rules", "--textfile", "--selector", 'job="node",env="prod"', "--max-age", "1h"]) == 0
    out = capsys.readouterr().out
    rules = rules_of(out)
    assert "RaidwatchExporterAbsent" not in rules and "RaidwatchTextfileAbsent" in rules
    expr = rules["RaidwatchTextfileAbsent"]["expr"]
    assert 'raidwatch_snapshot_timestamp_seconds{job="node",env="prod"}' in expr and "> 3600" in expr
    assert '--textfile --selector \'job="node",env="prod"\' --max-age 1h' in out.splitlines()[0]
    assert cli.main(["rules", "--selector", '{job=~"raidwatch|rw"}']) == 0
    expr = rules_of(capsys.readouterr().out)["RaidwatchExporterAbsent"]["expr"]
    assert expr.strip() == 'up{job=~"raidwatch|rw"} == 0 or absent(up{job=~"raidwatch|rw"})'
    base = "https://git.example.com/ops/raidwatch/blob/main/docs/runbooks.md"
    assert cli.main(["rules", "--runbook-base", base]) == 0
    rules = rules_of(capsys.readouterr().out)
    assert all(r["annotations"]["runbook_url"].startswith(base + "#") for r in rules.values())
    for bad in (
        ["--selector", "job=node"],
        ["--selector", ""],
        ["--runbook-base", "a b"],
        ["--max-age", "x"],
    ):
        assert cli.main(["rules", *bad]) == 2
        err = capsys.readouterr().err
        assert err.startswith("raidwatch: ") and len(err.strip().splitlines()) == 1, err


def test_render_rules_rejects_an_unknown_mode():
    with pytest.raises(ConfigError):
        render_rules(mode="pushgateway")


@needs_promtool
@pytest.mark.parametrize("mode", ["daemon", "textfile"])
def test_promtool_checks_both_modes(tmp_path, mode):
    path = tmp_path / f"{mode}.yml"
    path.write_text(render_rules(mode=mode))
    res = subprocess.run([PROMTOOL, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr


# ---------------------------------------------------------------------------- every critical finding pages


_SEV_NAMES = {"C": "critical", "W": "warning", "INFO": "info"}
ALL_SEVERITIES = {"critical", "warning", "info"}


def _severity_of(node: ast.expr | None) -> set[str] | None:
    """The severities an argument can be: None (not given: the default), or a set; unknown -> all."""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return None
    if isinstance(node, ast.Name) and node.id in _SEV_NAMES:
        return {_SEV_NAMES[node.id]}
    if isinstance(node, ast.Attribute) and node.attr in ("CRITICAL", "WARNING", "INFO"):
        return {node.attr.lower()}
    return set(ALL_SEVERITIES)  # a variable: it may be anything


def severities_by_code() -> dict[str, set[str]]:
    """Every finding code raidwatch makes and every severity it can make it at: the default from CODES,
    and whatever each `_f(code, ..., severity)` / `Finding(code=..., severity=...)` call passes."""
    out: dict[str, set[str]] = {code: {sev.value} for code, (sev, _doc) in CODES.items()}
    for path in sorted((REPO / "raidwatch").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            kw = {k.arg: k.value for k in node.keywords}
            if func == "_f" and node.args and isinstance(node.args[0], ast.Constant):
                code, sev = node.args[0].value, node.args[4] if len(node.args) > 4 else kw.get("severity")
            elif func == "Finding" and isinstance(kw.get("code"), ast.Constant):
                code, sev = kw["code"].value, kw.get("severity")  # type: ignore[union-attr]
            else:
                continue
            assert code in CODES, f"{path.name}: finding code {code!r} is not in raidwatch.findings.CODES"
            extra = _severity_of(sev)
            out[code] |= extra if extra is not None else set()
    return out


def test_the_severity_walk_finds_the_known_overrides():
    sev = severities_by_code()
    assert sev["disk-smart-threshold"] >= {"warning", "critical"}  # critical past the critical threshold
    assert "warning" in sev["role-not-redundant"]  # rebuilding within rebuild_grace
    assert sev["disk-smart-unreadable"] == {"warning"}  # unreadable SMART is not a page
    assert sev["disk-missing"] == {"critical"}  # made in history.py


# Series the exporter publishes beside a finding, so the dedicated alerts that read them (not the
# finding) fire as they would for real. Every case also has `up` (no RaidwatchExporterAbsent).
_INST = 'instance="h:9632",job="raidwatch"'
_COMPANIONS: dict[str, list[tuple[str, str]]] = {
    "array-degraded": [(f'raidwatch_array_degraded{{{_INST},array="md9"}}', "1x60")],
    "array-inactive": [(f'raidwatch_array_state{{{_INST},array="md9",state="inactive"}}', "1x60")],
    "disk-smart-failing": [
        (f'raidwatch_disk_smart_assessment{{{_INST},disk="wwn:x",assessment="fail"}}', "1x60"),
        (f'raidwatch_disk_info{{{_INST},disk="wwn:x",device="sdx",model="M",serial="S"}}', "1x60"),
    ],
    TEST_PAGE_CODE: [(f"raidwatch_test_page_active{{{_INST}}}", "1x60")],
}


def _collector_companions(code: str, severity: str) -> list[tuple[str, str]]:
    """The collector codes are critical for a collector that sees arrays and warnings for SMART
    (findings.BLIND_WARNING_ONLY): the daemon's series beside them name such a collector."""
    c = f'{_INST},collector="{"md" if severity == "critical" else "smart"}"'
    success, stale, wedged = {
        "collector-failed": ("0", "1", "0"),
        "collector-wedged": ("1", "1", "1"),
        "collector-stale": ("1", "1", "0"),
    }[code]
    return [
        (f"raidwatch_collector_success{{{c}}}", f"{success}x60"),
        (f"raidwatch_collector_stale{{{c}}}", f"{stale}x60"),
        (f"raidwatch_collector_wedged{{{c}}}", f"{wedged}x60"),
    ]


def _finding_case(code: str, severity: str, rules: dict[str, dict]) -> tuple[dict, str | None, float]:
    subject = "md9"
    series = [
        {"series": f"up{{{_INST}}}", "values": "1x60"},
        {
            "series": f'raidwatch_array_info{{{_INST},array="md9",kind="md",label="",level="raid1"}}',
            "values": "1x60",
        },
        {
            "series": f'raidwatch_finding{{{_INST},code="{code}",severity="{severity}",subject="{subject}"}}',
            "values": "1x60",
        },
    ]
    companions = _COMPANIONS.get(code, [])
    if code in ("collector-failed", "collector-wedged", "collector-stale"):
        companions = _collector_companions(code, severity)
    series += [{"series": s, "values": v} for s, v in companions]
    query = 'count by (alertname) (ALERTS{alertstate="firing",severity="critical"})'
    expected = DEDICATED.get(code, CATCH_ALL) if severity == "critical" else None
    if expected is None:
        at = [6.0, 45.0]
        exp: list[dict] = []
        delay = 0.0
    else:
        delay = minutes(rules[expected]["for"]) + 2  # two evaluations of slack
        at = [delay, 45.0]
        exp = [{"labels": f'{{alertname="{expected}"}}', "value": 1}]
    case = {
        "name": f"{code} at {severity}: " + (f"{expected} pages, alone" if expected else "no page"),
        "interval": "1m",
        "input_series": series,
        "promql_expr_test": [{"expr": query, "eval_time": f"{t:g}m", "exp_samples": exp} for t in at],
    }
    return case, expected, delay


@needs_promtool
def test_every_critical_finding_pages_critical_within_minutes_and_only_once(tmp_path):
    """Generated from raidwatch.findings.CODES and every severity each code can take (a new code
    cannot slip through): at critical, exactly one critical alert fires (the code's dedicated alert, or
    RaidwatchCriticalFinding) within MAX_PAGE_DELAY_MINUTES, and still only that one at 45 minutes (no
    slower alert adds a second page); at warning or info, none."""
    rules = rules_of(RULES.read_text())
    assert minutes(rules[CATCH_ALL]["for"]) <= 5
    assert set(DEDICATED.values()) <= set(rules), "DEDICATED names an alert the rules do not have"
    cases = []
    delays = {}
    codes = severities_by_code()
    codes[TEST_PAGE_CODE] = {"critical"}  # the synthetic test page: its own alert, not the catch-all
    for code, sevs in sorted(codes.items()):
        for sev in sorted(sevs):
            case, expected, delay = _finding_case(code, sev, rules)
            cases.append(case)
            if expected:
                delays[code] = (expected, delay)
    assert {"array-data-errors", "role-too-few-copies", "disk-smart-threshold", "mirror-same-disk"} <= {
        c for c, (alert, _d) in delays.items() if alert == CATCH_ALL
    }
    assert "disk-smart-unreadable" not in delays  # a warning: RaidwatchHostNotCompliant's business
    slow = {c: d for c, (_a, d) in delays.items() if d > MAX_PAGE_DELAY_MINUTES}
    assert not slow, f"critical findings that page later than {MAX_PAGE_DELAY_MINUTES}m: {slow}"
    promtool_test(tmp_path, {"rule_files": [str(RULES)], "evaluation_interval": "1m", "tests": cases})


def test_the_catch_all_leaves_out_exactly_the_dedicated_codes():
    expr = rules_of(RULES.read_text())[CATCH_ALL]["expr"]
    m = re.search(r'code!~"([^"]+)"', expr)
    assert m and set(m.group(1).split("|")) == set(DEDICATED)
    assert 'severity="critical"' in expr


# ---------------------------------------------------------------------------- textfile mode


def _stairs(points: int, every: int, stop_at: int | None = None) -> str:
    """A textfile's timestamp sampled each minute: rewritten every `every` minutes (until `stop_at`)."""
    vals = []
    for t in range(points):
        last = min(t, stop_at) if stop_at is not None else t
        vals.append(str(60 * (last - last % every)))
    return " ".join(vals)


def _absent_firing(at: float, labels: list[str]) -> dict:
    return {
        "expr": 'ALERTS{alertname="RaidwatchTextfileAbsent",alertstate="firing"}',
        "eval_time": f"{at:g}m",
        "exp_samples": [
            {
                "labels": "ALERTS{"
                + f'alertname="RaidwatchTextfileAbsent",alertstate="firing",{lab},severity="critical"}}',
                "value": 1,
            }
            for lab in labels
        ],
    }


@needs_promtool
def test_textfile_mode_presence_alert(tmp_path):
    """A textfile-only deployment (metrics through node_exporter, job="node"): never a false "absent"
    while the timer rewrites the file every 5 minutes (also for node_exporter hosts without raidwatch);
    the alert fires when the file stops being rewritten, disappears, or no host of the job has any."""
    rules = tmp_path / "textfile.yml"
    rules.write_text(render_rules(mode="textfile"))
    assert "RaidwatchExporterAbsent" not in rules.read_text()
    ts = "raidwatch_snapshot_timestamp_seconds"
    healthy = {
        "name": "healthy textfile deployment: never absent, for 12 hours",
        "interval": "1m",
        "input_series": [
            {"series": 'up{instance="n1:9100",job="node"}', "values": "1x720"},
            {"series": f'{ts}{{instance="n1:9100",job="node"}}', "values": _stairs(721, 5)},
            {"series": 'up{instance="vm9:9100",job="node"}', "values": "1x720"},  # no raidwatch there
            {"series": 'up{instance="db1:9632",job="raidwatch"}', "values": "0x720"},  # another job
        ],
        "promql_expr_test": [_absent_firing(t, []) for t in (5, 15, 60, 180, 360, 719)],
        "alert_rule_test": [
            {"eval_time": f"{t}m", "alertname": a, "exp_alerts": []}
            for t in (60, 719)
            for a in ("RaidwatchTextfileAbsent", "RaidwatchSnapshotStale")
        ],
    }
    timer_stopped = {
        "name": "the timer stops at 60m: absent once the data is older than 30m, for 10m",
        "interval": "1m",
        "input_series": [
            {"series": 'up{instance="n2:9100",job="node"}', "values": "1x180"},
            {"series": f'{ts}{{instance="n2:9100",job="node"}}', "values": _stairs(181, 5, stop_at=60)},
        ],
        "promql_expr_test": [
            _absent_firing(95, []),
            _absent_firing(105, ['instance="n2:9100",job="node"']),
        ],
    }
    removed = {
        "name": "the file is removed at 60m (or node_exporter stops reading it): absent after 10m",
        "interval": "1m",
        "input_series": [
            {"series": 'up{instance="n3:9100",job="node"}', "values": "1x180"},
            {"series": 'up{instance="n4:9100",job="node"}', "values": "1x180"},
            {
                "series": f'{ts}{{instance="n3:9100",job="node"}}',
                "values": _stairs(61, 5) + " stale",
            },
            {"series": f'{ts}{{instance="n4:9100",job="node"}}', "values": _stairs(181, 5)},
        ],
        "promql_expr_test": [
            _absent_firing(65, []),
            _absent_firing(75, ['instance="n3:9100",job="node"']),
        ],
    }
    nothing = {
        "name": "no host of the job publishes raidwatch data at all: absent",
        "interval": "1m",
        "input_series": [{"series": 'up{instance="n5:9100",job="node"}', "values": "1x30"}],
        "promql_expr_test": [_absent_firing(5, []), _absent_firing(15, ['job="node"'])],
    }
    promtool_test(
        tmp_path,
        {
            "rule_files": [str(rules)],
            "evaluation_interval": "1m",
            "tests": [healthy, timer_stopped, removed, nothing],
        },
    )


@needs_promtool
def test_daemon_rules_with_the_textfile_selector_never_fire_absent_for_a_healthy_deployment(tmp_path):
    """The old trap: RaidwatchExporterAbsent on up{job="raidwatch"} fires forever where only node_exporter
    is scraped. Generated for job="node" it watches node_exporter's `up` instead."""
    rules = tmp_path / "daemon-node.yml"
    rules.write_text(render_rules(selector='job="node"'))
    query = 'ALERTS{alertname="RaidwatchExporterAbsent",alertstate="firing"}'
    case = {
        "interval": "1m",
        "input_series": [{"series": 'up{instance="n1:9100",job="node"}', "values": "1x120"}],
        "promql_expr_test": [{"expr": query, "eval_time": f"{t}m", "exp_samples": []} for t in (15, 119)],
    }
    promtool_test(tmp_path, {"rule_files": [str(rules)], "evaluation_interval": "1m", "tests": [case]})


# ---------------------------------------------------------------------------- runbooks


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a document's headings (lowercase; punctuation but - and _ dropped)."""
    out: set[str] = set()
    for line in markdown.splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            text = re.sub(r"`", "", m.group(1)).strip().lower()
            slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
            out.add(slug)
    return out


def _anchors_of(url: str, catch_all_codes: set[str]) -> set[str]:
    base, _, anchor = url.partition("#")
    assert base == DEFAULT_RUNBOOK_BASE, url
    if "$labels.kind" in anchor:
        stem = anchor.split("{{", 1)[0]
        return {stem} | {f"{stem}-{kind}" for kind in ARRAY_KINDS}
    if "$labels.code" in anchor:
        stem = anchor.split("{{", 1)[0]
        return {stem + code for code in catch_all_codes}
    assert "{{" not in anchor, url
    return {anchor}


def test_every_alert_has_a_runbook_url_with_a_section_per_alert_kind_and_code():
    anchors = github_anchors(RUNBOOKS.read_text())
    catch_all_codes = {c for c, sevs in severities_by_code().items() if "critical" in sevs} - set(DEDICATED)
    for mode in ("daemon", "textfile"):
        for name, rule in rules_of(render_rules(mode=mode)).items():
            url = rule["annotations"].get("runbook_url")
            assert url, f"{name} has no runbook_url"
            wanted = _anchors_of(url, catch_all_codes)
            assert name.lower() in anchors or "$labels.code" in url, f"docs/runbooks.md: no section {name}"
            missing = sorted(wanted - anchors)
            assert not missing, f"{name}: docs/runbooks.md has no section for {missing}"


def test_runbooks_give_each_stack_its_own_commands():
    text = RUNBOOKS.read_text()
    sections = re.split(r"(?m)^### ", text)
    by_title = {s.splitlines()[0].strip(): s for s in sections[1:]}
    tools = {
        "md": "mdadm",
        "appleraid": "diskutil appleRAID",
        "zfs": "zpool",
        "btrfs": "btrfs ",
        "hardware": "storcli",
        "lvm": "lvconvert",
    }
    for alert in ("RaidwatchArrayDegraded", "RaidwatchArrayFailedMember"):
        for kind, tool in tools.items():
            body = by_title[f"{alert} ({kind})"]
            assert tool in body, (alert, kind)
            if kind != "md":
                assert "mdadm" not in body, f"{alert} ({kind}) gives mdadm commands"
        hw = by_title[f"{alert} (hardware)"]
        assert "ssacli" in hw and "arcconf" in hw
    for kind in ("zfs", "btrfs", "appleraid"):
        assert (
            "replace" in by_title[f"RaidwatchArrayDegraded ({kind})"]
            or "repairMirror" in by_title[f"RaidwatchArrayDegraded ({kind})"]
        )


ARRAY_ALERTS = (
    "RaidwatchArrayDegraded",
    "RaidwatchArrayFailedMember",
    "RaidwatchRebuildStalled",
    "RaidwatchRebuildTooSlow",
    "RaidwatchArrayInactive",
)


def test_lvm_and_dm_arrays_get_lvm_runbooks_and_never_mdadm():
    assert KIND_ANCHOR["lvm"] == "lvm" and KIND_ANCHOR["dm"] == "lvm"
    rules = rules_of(render_rules())
    for name in ARRAY_ALERTS:
        rule = rules[name]
        assert '{{ else if eq $labels.kind "dm" }}-lvm' in rule["annotations"]["runbook_url"], name
        runbook = rule["annotations"]["runbook"]
        m = re.search(r'\{\{- else if eq \$labels\.kind "lvm" "dm" -\}\}(.*?)\{\{-', runbook, re.S)
        assert m, f"{name}: no lvm branch in its runbook"
        assert "mdadm" not in m.group(1), name
        assert "lvchange" in m.group(1) or "lvconvert" in m.group(1), name
    # promtool's cases (exact annotations) for the lvm and dm kinds
    tests = yaml.safe_load((REPO / "prometheus" / "alerts_test.yml").read_text())["tests"]
    seen: dict[str, set[str]] = {}
    for case in tests:
        for art in case.get("alert_rule_test", []):
            for alert in art.get("exp_alerts", []):
                kind = alert["exp_labels"].get("kind")
                if kind not in ("lvm", "dm"):
                    continue
                ann = alert["exp_annotations"]
                seen.setdefault(art["alertname"], set()).add(kind)
                assert ann["runbook_url"].endswith("-lvm"), ann["runbook_url"]
                assert "mdadm" not in ann["runbook"], art["alertname"]
                if art["alertname"] == "RaidwatchArrayDegraded":
                    assert "lvconvert --repair" in ann["runbook"]
    assert seen.get("RaidwatchArrayDegraded") == {"lvm", "dm"}
    assert set(seen) == set(ARRAY_ALERTS)


# ---------------------------------------------------------------------------- Alertmanager config


@needs_amtool
def test_alertmanager_example_passes_amtool():
    res = subprocess.run(
        [AMTOOL, "check-config", str(REPO / "prometheus" / "alertmanager.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0 and "SUCCESS" in res.stdout, res.stdout + res.stderr


@needs_amtool
@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["alertname=RaidwatchArrayDegraded", "severity=critical"], "raidwatch-pager"),
        (["alertname=RaidwatchCriticalFinding", "severity=critical"], "raidwatch-pager"),
        (["alertname=RaidwatchHostSilent", "severity=critical"], "raidwatch-pager"),
        (["alertname=RaidwatchTestPage", "severity=critical"], "raidwatch-pager"),
        (["alertname=RaidwatchArrayFailedMember", "severity=warning"], "raidwatch-tickets"),
        (["alertname=RaidwatchHostNotCompliant", "severity=warning"], "raidwatch-tickets"),
        (["alertname=SomethingElse", "severity=critical"], "default"),
    ],
)
def test_alertmanager_routes(labels, receiver):
    res = subprocess.run(
        [
            AMTOOL,
            "config",
            "routes",
            "test",
            f"--config.file={REPO / 'prometheus' / 'alertmanager.yml'}",
            *labels,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.stdout.strip() == receiver, res.stdout + res.stderr


def test_alertmanager_inhibitions_never_use_the_test_page_as_a_source():
    doc = yaml.safe_load((REPO / "prometheus" / "alertmanager.yml").read_text())
    for rule in doc["inhibit_rules"]:
        src = " ".join(rule["source_matchers"])
        assert "RaidwatchTestPage" not in src or 'alertname!~"' in src
        assert "RaidwatchTestPage" not in " ".join(rule["target_matchers"])
        assert rule["equal"][:2] == ["instance", "job"]


# ---------------------------------------------------------------------------- textfile --test-page


def test_textfile_test_page_lasts_its_duration_across_runs(tmp_path, caplog):
    out = tmp_path / "raidwatch.prom"
    base = ["textfile", str(out), "--replay", str(WEB01), "--fleet", str(REPO / "fleet.yaml")]
    assert cli.main([*base, "--test-page", "10m"]) == 0
    text = out.read_text()
    assert "raidwatch_test_page_active 1.0" in text
    assert (
        f'raidwatch_finding{{code="{TEST_PAGE_CODE}",severity="critical",subject="{TEST_PAGE_SUBJECT}"}} 1.0'
        in text
    )
    assert "raidwatch_host_compliant 0.0" in text  # the test page does not change compliance
    marker = Path(f"{out}.test-page")
    until = json.loads(marker.read_text())["until"]
    assert 590 < until - time.time() <= 600
    assert "test page started" in caplog.text
    assert cli.main(base) == 0  # the timer's next run, without the flag: still on
    assert "raidwatch_test_page_active 1.0" in out.read_text()
    marker.write_text(json.dumps({"started": time.time() - 700, "until": time.time() - 100}))
    assert cli.main(base) == 0  # expired: off, the marker gone, the end logged
    text = out.read_text()
    assert "raidwatch_test_page_active 0.0" in text and f'code="{TEST_PAGE_CODE}"' not in text
    assert not marker.exists() and "test page ended" in caplog.text


def test_textfile_test_page_bad_duration_is_one_line(tmp_path, capsys):
    out = tmp_path / "raidwatch.prom"
    rc = cli.main(["textfile", str(out), "--replay", str(WEB01), "--test-page", "soon"])
    err = capsys.readouterr().err
    assert rc == 2 and "--test-page" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and not Path(f"{out}.test-page").exists()


def test_textfile_unreadable_marker_is_ignored(tmp_path, caplog):
    out = tmp_path / "raidwatch.prom"
    Path(f"{out}.test-page").write_text("not json")
    assert cli.main(["textfile", str(out), "--replay", str(WEB01)]) == 0
    assert "raidwatch_test_page_active 0.0" in out.read_text()
    assert "unreadable test page marker" in caplog.text


# ---------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """raidwatch serve --replay web01 -> Prometheus (the shipped rules, `for:` cut to 2s) -> Alertmanager
    (the shipped config, its waits divided by 60) -> a webhook on loopback."""
    if PROMETHEUS is None:
        pytest.skip(NO_PROMETHEUS)
    if ALERTMANAGER is None:
        pytest.skip(NO_ALERTMANAGER)
    tmp = tmp_path_factory.mktemp("stack")
    hook = Webhook()
    procs: list[subprocess.Popen] = []
    try:
        rw, rw_port, rw_log = start_raidwatch(tmp, WEB01, "--test-page-duration", "10s")
        procs.append(rw)
        am, am_port = start_alertmanager(tmp, fast_alertmanager_config(tmp, hook.url))
        procs.append(am)
        am_api = f"http://127.0.0.1:{am_port}/api/v2"
        wait_for("Alertmanager to be ready", lambda: get_json(f"{am_api}/status")["cluster"], timeout=30)
        # the alerts about raidwatch itself keep a long `for:`: a first scrape that is slow on a busy
        # machine must not page in a test about disks
        about_raidwatch = ("RaidwatchExporterAbsent", "RaidwatchCollectorFailing", "RaidwatchSnapshotStale")
        keep = dict.fromkeys(about_raidwatch, "5m")
        rules = fast_rules(tmp, keep=keep)
        prom, api = start_prometheus(tmp, rules, [f"127.0.0.1:{rw_port}"], am_port)
        procs.append(prom)
        yield {
            "hook": hook,
            "rw": rw,
            "instance": f"127.0.0.1:{rw_port}",
            "rw_log": rw_log,
            "api": api,
            "am_api": am_api,
            "tmp": tmp,
        }
    finally:
        for p in reversed(procs):
            stop(p)
        hook.close()


def _alerts(notifications: list[dict]) -> dict[str, dict]:
    """alertname/labels -> the alert, over a list of notifications (the latest state wins)."""
    out = {}
    for n in notifications:
        for a in n["alerts"]:
            key = json.dumps(a["labels"], sort_keys=True)
            out[key] = a
    return out


def _critical_groups(hook: Webhook) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for n in hook.notifications("/pager"):
        if n["commonLabels"].get("alertname") != "RaidwatchTestPage":
            groups.setdefault(n["groupKey"], []).append(n)
    return groups


EXPECTED_PAGE = {
    ("RaidwatchArrayDegraded", "md1"),
    ("RaidwatchSmartFailing", "sdb"),
    ("RaidwatchRoleNotRedundant", "/srv"),
    ("RaidwatchCriticalFinding", "disk:sdb"),
}


def _what(alert: dict) -> tuple[str, str]:
    lab = alert["labels"]
    return lab["alertname"], lab.get("array") or lab.get("device") or lab.get("subject", "")


def test_one_failed_disk_is_one_page(stack):
    """web01's disk sdb failed: md1 degraded, its member sdb2 faulty, SMART failing and past a threshold,
    /srv not redundant, the host not compliant. Exactly one critical notification group reaches the
    pager (the host's), holding the four critical alerts; the warnings are inhibited, no ticket is sent."""
    hook, am_api = stack["hook"], stack["am_api"]

    def complete_page():  # type: ignore[no-untyped-def]
        for notes in _critical_groups(hook).values():
            firing = {_what(a) for a in _alerts(notes).values() if a["status"] == "firing"}
            if firing >= EXPECTED_PAGE:
                return notes
        return None

    notes = wait_for("a page for web01 with the four critical alerts", complete_page, timeout=40)
    groups = _critical_groups(hook)
    assert len(groups) == 1, {k: sorted(map(_what, _alerts(v).values())) for k, v in groups.items()}
    first = notes[0]
    assert first["receiver"] == "raidwatch-pager"
    assert first["groupLabels"] == {"instance": stack["instance"]}
    assert first["commonLabels"]["severity"] == "critical"
    alerts = _alerts(notes)
    assert {_what(a) for a in alerts.values()} == EXPECTED_PAGE
    by_name = {a["labels"]["alertname"]: a for a in alerts.values()}
    assert by_name["RaidwatchArrayDegraded"]["labels"]["kind"] == "md"
    assert by_name["RaidwatchArrayDegraded"]["annotations"]["runbook_url"].endswith(
        "#raidwatcharraydegraded-md"
    )
    assert by_name["RaidwatchCriticalFinding"]["labels"]["code"] == "disk-smart-threshold"

    def inhibited():  # type: ignore[no-untyped-def]
        am = get_json(f"{am_api}/alerts")
        warn = {a["labels"]["alertname"]: a for a in am if a["labels"].get("severity") == "warning"}
        if {"RaidwatchArrayFailedMember", "RaidwatchHostNotCompliant"} <= set(warn) and all(
            a["status"]["state"] == "suppressed" and a["status"]["inhibitedBy"] for a in warn.values()
        ):
            return warn
        return None

    warn = wait_for("the warnings to be in Alertmanager, inhibited", inhibited, timeout=20)
    assert warn["RaidwatchArrayFailedMember"]["labels"]["array"] == "md1"
    time.sleep(6)  # past the tickets route's group_wait (5m / 60): nothing may be sent
    assert hook.notifications("/tickets") == []
    assert len(_critical_groups(hook)) == 1


def test_a_test_page_reaches_the_pager_on_its_own_and_ends(stack):
    """`raidwatch test-page --pid` (SIGUSR1) -> raidwatch_test_page_active 1 -> RaidwatchTestPage ->
    the pager receiver, in a group of its own; it inhibits nothing; after --test-page-duration (10s) it
    ends: logged, and the resolved notification follows."""
    hook, rw = stack["hook"], stack["rw"]
    before = set(_critical_groups(hook))
    res = subprocess.run(
        [sys.executable, "-m", "raidwatch", "test-page", "--pid", str(rw.pid)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=30,
    )
    assert res.returncode == 0, res.stderr
    assert f"pid {rw.pid}" in res.stdout

    def test_pages(status: str):  # type: ignore[no-untyped-def]
        return [
            n
            for n in hook.notifications("/pager")
            if n["groupLabels"].get("alertname") == "RaidwatchTestPage" and n["status"] == status
        ]

    page = wait_for("the test page notification", lambda: test_pages("firing"), timeout=30)[0]
    assert page["receiver"] == "raidwatch-pager"
    assert page["groupLabels"] == {"alertname": "RaidwatchTestPage", "instance": stack["instance"]}
    assert [a["labels"]["alertname"] for a in page["alerts"]] == ["RaidwatchTestPage"]
    assert page["alerts"][0]["labels"]["severity"] == "critical"
    assert "TEST PAGE" in page["alerts"][0]["annotations"]["summary"]
    assert page["groupKey"] not in before
    assert "test page started" in stack["rw_log"].read_text()
    am = get_json(f"{stack['am_api']}/alerts")
    fp = next(a["fingerprint"] for a in am if a["labels"]["alertname"] == "RaidwatchTestPage")
    assert not any(fp in a["status"]["inhibitedBy"] for a in am)
    wait_for("the test page to end", lambda: "test page ended" in stack["rw_log"].read_text(), timeout=20)
    wait_for("the resolved test page notification", lambda: test_pages("resolved"), timeout=30)
    for n in hook.notifications("/pager"):  # the real incident's group never carries the test page
        names = {a["labels"]["alertname"] for a in n["alerts"]}
        assert (n["groupKey"] == page["groupKey"]) == ("RaidwatchTestPage" in names), n["groupKey"]
    log = stack["rw_log"].read_text()
    assert "Traceback" not in log
