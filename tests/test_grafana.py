"""The Grafana dashboards in grafana/ stay honest: their structure and variables, every PromQL query valid
(`promtool check rules`), every metric, label and enum value one raidwatch exports, and every query
evaluated by promtool against the bundled hosts' real metrics (no error, and data where data is due)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import HOSTS, REPO
from prometheus_client.parser import text_string_to_metric_families

from raidwatch.exporter import (
    ARRAY_STATES,
    MEMBER_STATES,
    SMART_ASSESSMENTS,
    SMART_ATTRIBUTES,
    SMART_EXIT_BITS,
    SPECS,
    SYNC_ACTIONS,
    build_snapshot,
    render_metrics,
)
from raidwatch.findings import CODES, evaluate
from raidwatch.inventory import collect_inventory
from raidwatch.model import Severity
from raidwatch.policy import load_policy
from raidwatch.probe import ReplayProbe

GRAFANA = REPO / "grafana"
FLEET_UID, HOST_UID = "raidwatch-fleet", "raidwatch-host"
DASHBOARDS = {FLEET_UID: GRAFANA / "raidwatch-fleet.json", HOST_UID: GRAFANA / "raidwatch-host.json"}
VARIABLES = {FLEET_UID: ("datasource", "job"), HOST_UID: ("datasource", "job", "instance")}
FLEET_YAML = REPO / "fleet.yaml"
# fleet.yaml's exemptions are judged on a fixed day: one before db02's exemption expires, so that
# raidwatch_findings_exempted is exported too
TODAY = date(2026, 6, 1)
# no bundled host counts member I/O errors (exported only when non-zero): zfs05 gets some here
MEMBER_ERRORS_HOST = "zfs05-degraded-mirror"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (Debian package `prometheus` provides /usr/bin/promtool)"
)
HOST_DIRS = sorted(p for p in HOSTS.iterdir() if (p / "host.json").is_file())

# `raidwatch fleet --textfile PATH` exports these (one run for the whole fleet, not a per-host render),
# with these labels; the dashboards use them for silent and unknown hosts.
FLEET_METRICS: dict[str, tuple[str, ...]] = {
    "raidwatch_fleet_host_status": ("host", "status"),  # 1 for the status each host has now
    "raidwatch_fleet_hosts": ("status",),  # hosts per status
    "raidwatch_fleet_run_timestamp_seconds": (),
    "raidwatch_fleet_run_success": (),  # 0 when the fleet view's source could not be read
}
FLEET_STATUSES = ("compliant", "non-compliant", "silent", "unknown")
TARGET_LABELS = ("instance", "job")  # what Prometheus adds to every scraped series

# Label values a dashboard may select on: the enumerations raidwatch exports, one sample per value.
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("raidwatch_array_state", "state"): ARRAY_STATES,
    ("raidwatch_array_sync_action", "action"): SYNC_ACTIONS,
    ("raidwatch_array_members", "state"): MEMBER_STATES,
    ("raidwatch_array_member_state", "state"): MEMBER_STATES,
    ("raidwatch_disk_smart_assessment", "assessment"): SMART_ASSESSMENTS,
    ("raidwatch_disk_smart_attribute_raw", "attribute"): SMART_ATTRIBUTES,
    ("raidwatch_disk_smart_exit_status_bit", "bit"): SMART_EXIT_BITS,
    ("raidwatch_disk_smart_failing_attributes", "when"): ("now", "past"),
    ("raidwatch_findings", "severity"): tuple(s.value for s in Severity),
    ("raidwatch_finding", "severity"): tuple(s.value for s in Severity),
    ("raidwatch_findings", "code"): tuple(CODES),
    ("raidwatch_finding", "code"): tuple(CODES),
    ("raidwatch_findings_exempted", "code"): tuple(CODES),
    ("raidwatch_fleet_host_status", "status"): FLEET_STATUSES,
    ("raidwatch_fleet_hosts", "status"): FLEET_STATUSES,
}

# Grafana variables -> values that make a query valid PromQL. $job is a regex of the fixture's jobs, as
# Grafana writes a multi-value variable; $instance a regex of several hosts, so that every host panel
# has something to show.
JOBS = ("raidwatch", "node", "fleet")
HOST_INSTANCES = (
    "web01:9632",
    "nas04:9632",
    "api06:9100",
    "db02:9632",
    "zfs05:9632",
    "xserve01:9632",
    "lab03:9632",
    "vm:9632",
)
VARIABLE_VALUES = {
    "job": "|".join(JOBS),
    "instance": "|".join(HOST_INSTANCES),
    "__interval": "1m",
    "__interval_ms": "60000",
    "__rate_interval": "4m",
    "__range": "1d",
    "__range_s": "86400",
    "__range_ms": "86400000",
}
# ${name}, ${name:format}, $name, [[name]]; not $1 (a label_replace back-reference)
VARIABLE_RE = re.compile(
    r"\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)(?::[^\]]*)?\]\]"
)


# ---------------------------------------------------------------------------------- dashboards, queries


def load(uid: str) -> dict:
    return json.loads(DASHBOARDS[uid].read_text())


def walk_panels(panels: list[dict]) -> Iterator[dict]:
    """Every panel, rows included, and the panels inside collapsed rows (nested `panels`)."""
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


@dataclass(frozen=True)
class Query:
    dashboard: str
    where: str  # "panel title / refId" or "variable name"
    expr: str  # PromQL with Grafana variables, as the dashboard has it
    variable: str | None = None  # the template variable this query defines, if any


LABEL_VALUES_RE = re.compile(
    r"^\s*label_values\(\s*(?:(?P<sel>.+),\s*)?(?P<label>[A-Za-z_]\w*)\s*\)\s*$", re.S
)
QUERY_RESULT_RE = re.compile(r"^\s*query_result\((?P<expr>.+)\)\s*$", re.S)


def variable_expr(var: dict) -> str | None:
    """The PromQL inside a query variable: label_values(selector, label) and query_result(expr) are
    Grafana functions, not PromQL; their selector / expression is."""
    q = var.get("query")
    q = q.get("query", "") if isinstance(q, dict) else (q or "")
    m = LABEL_VALUES_RE.match(q)
    if m:
        return m.group("sel")  # None for label_values(label): no metric involved
    m = QUERY_RESULT_RE.match(q)
    if m:
        return m.group("expr")
    raise AssertionError(f"variable {var['name']}: unsupported query {q!r}")


def queries(dash: dict) -> list[Query]:
    uid = dash["uid"]
    out = []
    for var in dash["templating"]["list"]:
        if var.get("type") == "query":
            expr = variable_expr(var)
            if expr is not None:
                out.append(Query(uid, f"variable {var['name']}", expr, var["name"]))
    for p in walk_panels(dash["panels"]):
        for t in p.get("targets", []):
            out.append(Query(uid, f"{p.get('title', '?')} / {t.get('refId', '?')}", t.get("expr", "")))
    return out


def substitute(expr: str) -> str:
    def value(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or m.group(3)
        if name not in VARIABLE_VALUES:
            raise AssertionError(f"unknown Grafana variable ${name} in {expr!r}")
        return VARIABLE_VALUES[name]

    return VARIABLE_RE.sub(value, expr)


# ----------------------------------------------------------------------------- a small PromQL reader

TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<str>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
  | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)?|\.\d+)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<range>\[[^\]]*\])
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=,(){}@])
    """,
    re.X,
)
AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio",
}  # fmt: skip
KEYWORDS = AGGREGATIONS | {"and", "or", "unless", "atan2", "bool", "offset", "inf", "nan"}
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}


@dataclass(frozen=True)
class Selector:
    metric: str | None
    matchers: tuple[tuple[str, str, str], ...]  # (label, op, value)

    def has(self, label: str, op: str, value: str) -> bool:
        return (label, op, value) in self.matchers


@dataclass(frozen=True)
class Parsed:
    selectors: tuple[Selector, ...]
    grouping_labels: frozenset[str]  # in by/without/on/ignoring/group_left/group_right


def tokens(expr: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(expr):
        m = TOKEN_RE.match(expr, pos)
        if m is None:
            raise AssertionError(f"cannot read {expr[pos : pos + 20]!r} in {expr!r}")
        pos = m.end()
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
    return out


def unquote(s: str) -> str:
    """A PromQL string literal's value (the dashboards use double quotes, JSON's escapes)."""
    if s[0] == '"':
        return json.loads(s)
    return s[1:-1]  # 'single' or `raw`: no escapes in these dashboards


def parse(expr: str) -> Parsed:
    """The vector selectors of a PromQL expression (metric name and matchers) and the labels its
    grouping clauses name. Functions, aggregations and keywords are told apart from metric names by
    what follows them; [ranges] and offsets are skipped."""
    toks = tokens(expr)
    selectors: list[Selector] = []
    grouping: set[str] = set()
    i = 0

    def block(i: int, close: str) -> int:  # index after the matching close bracket
        depth, opener = 0, toks[i][1]
        while i < len(toks):
            if toks[i][1] == opener:
                depth += 1
            elif toks[i][1] == close:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise AssertionError(f"unbalanced {opener} in {expr!r}")

    def matchers(i: int) -> tuple[tuple[tuple[str, str, str], ...], int]:
        end = block(i, "}")
        inner = toks[i + 1 : end - 1]
        out = []
        for j in range(0, len(inner), 4):
            lab, op, val = inner[j : j + 3]
            assert lab[0] == "ident" and op[1] in ("=", "!=", "=~", "!~") and val[0] == "str", (inner, expr)
            assert j + 3 == len(inner) or inner[j + 3][1] == ",", (inner, expr)
            out.append((lab[1], op[1], unquote(val[1])))
        return tuple(out), end

    while i < len(toks):
        kind, val = toks[i]
        nxt = toks[i + 1][1] if i + 1 < len(toks) else None
        if kind == "ident" and val.lower() in LABEL_LIST_KEYWORDS:
            if nxt == "(":
                end = block(i + 1, ")")
                grouping.update(v for k, v in toks[i + 2 : end - 1] if k == "ident")
                i = end
            else:
                i += 1
        elif kind == "ident" and (nxt == "(" or val.lower() in KEYWORDS):
            i += 1  # a function, an aggregation or a keyword
        elif kind == "ident":
            ms: tuple[tuple[str, str, str], ...] = ()
            i += 1
            if nxt == "{":
                ms, i = matchers(i)
            selectors.append(Selector(val, ms))
        elif val == "{":
            ms, i = matchers(i)
            names = [v for lab, op, v in ms if lab == "__name__" and op == "="]
            selectors.append(Selector(names[0] if names else None, ms))
        else:  # operators, numbers, strings, [ranges]
            i += 1
    return Parsed(tuple(selectors), frozenset(grouping))


def metric_names(sel: Selector) -> list[str]:
    """The metric name(s) a selector selects: its name, or a {__name__=~"a|b"} alternation."""
    if sel.metric is not None and not any(lab == "__name__" for lab, _op, _v in sel.matchers):
        return [sel.metric]
    names = []
    for lab, op, v in sel.matchers:
        if lab == "__name__":
            assert op in ("=", "=~") and re.fullmatch(r"[A-Za-z_:][\w:]*(\|[A-Za-z_:][\w:]*)*", v), (
                f"__name__{op}{v!r}: only a name or an alternation of names can be checked"
            )
            names += v.split("|")
    assert names, f"selector without a metric name: {sel}"
    return names


# ------------------------------------------------------------------------------- what raidwatch exports


def render(host_dir: Path) -> bytes:
    inv = collect_inventory(ReplayProbe(host_dir))
    if host_dir.name == MEMBER_ERRORS_HOST:
        a = inv.arrays[0]
        inv = replace(inv, arrays=(replace(a, member_errors=((a.members[0].device, 3),)), *inv.arrays[1:]))
    ev = evaluate(inv, load_policy(str(FLEET_YAML)).for_host(inv.header.hostname), today=TODAY)
    return render_metrics(build_snapshot(inv, ev, str(FLEET_YAML)))


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Sample]]:
    """The real exposition of every bundled host, parsed: host directory -> samples."""
    out = {}
    for d in HOST_DIRS:
        fams = text_string_to_metric_families(render(d).decode())
        out[d.name] = [Sample(s.name, dict(s.labels), s.value) for f in fams for s in f.samples]
    return out


@pytest.fixture(scope="module")
def exported(rendered) -> dict[str, tuple[str, ...]]:
    """Metric name -> its labels: what the bundled hosts really export, the fleet run's metrics, `up`."""
    names = {s.name for samples in rendered.values() for s in samples}
    out = {n: SPECS[n].labels for n in names}
    out.update(FLEET_METRICS)
    out["up"] = ()
    return out


def problems(dash: dict, exported: dict[str, tuple[str, ...]]) -> list[str]:
    """Everything wrong with a dashboard's queries: unknown metrics, labels or enum values, selectors
    without the $job (and, per host, $instance) matcher, a literal job, legends naming unknown labels."""
    out = []
    all_labels = {lab for labels in exported.values() for lab in labels} | set(TARGET_LABELS)
    host_view = dash["uid"] == HOST_UID
    for q in queries(dash):
        where = f"{q.dashboard} / {q.where}"
        if not q.expr.strip():
            out.append(f"{where}: no expression")
            continue
        parsed = parse(q.expr)
        if not parsed.selectors:
            out.append(f"{where}: no metric selected: {q.expr!r}")
        for label in sorted(parsed.grouping_labels - all_labels - {"host"}):
            out.append(f"{where}: grouping by {label!r}, which no raidwatch metric has")
        for sel in parsed.selectors:
            names = metric_names(sel)
            for name in names:
                if name not in exported:
                    out.append(f"{where}: {name} is not a metric raidwatch exports")
                    continue
                for lab, op, v in sel.matchers:
                    if lab in ("__name__", *TARGET_LABELS):
                        continue
                    if lab not in exported[name]:
                        out.append(f"{where}: {name} has no label {lab!r}")
                    elif (name, lab) in ENUMS and op in ("=", "=~"):
                        for alt in v.split("|") if op == "=~" else [v]:
                            if alt not in ENUMS[(name, lab)]:
                                out.append(f"{where}: {name}{{{lab}{op}{v!r}}}: {alt!r} is never exported")
            jobs = [(op, v) for lab, op, v in sel.matchers if lab == "job"]
            if q.variable != "job" and jobs != [("=~", "$job")]:
                out.append(f'{where}: {names} must select job=~"$job" (and no other job), has {jobs}')
            per_host = not all(n in FLEET_METRICS for n in names)
            needs_instance = host_view and q.variable not in ("job", "instance") and per_host
            if needs_instance and not sel.has("instance", "=~", "$instance"):
                out.append(f'{where}: {names} must select instance=~"$instance"')
    for p in walk_panels(dash["panels"]):
        for t in p.get("targets", []):
            for label in re.findall(r"\{\{\s*(\w+)\s*\}\}", t.get("legendFormat", "")):
                if label not in all_labels:
                    out.append(f"{dash['uid']} / {p['title']}: legend names unknown label {label!r}")
    return sorted(set(out))


# ----------------------------------------------------------------------------------------- structure


@pytest.mark.parametrize("uid", DASHBOARDS)
def test_dashboard_structure(uid):
    dash = load(uid)
    assert dash["uid"] == uid
    assert dash["title"].startswith("raidwatch / ")
    assert dash["schemaVersion"] >= 36
    assert dash.get("id") is None  # importable anywhere
    assert "__inputs" not in dash  # no datasource to map on import: the variable picks it
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert tuple(variables) == VARIABLES[uid]
    ds = variables["datasource"]
    assert (ds["type"], ds["query"]) == ("datasource", "prometheus")
    job = variables["job"]
    assert job["type"] == "query" and job["multi"] and job["includeAll"]
    assert not job.get("allValue")  # All = the listed jobs as a regex, like any multi-value selection
    assert job["query"].startswith("label_values(") and job["query"].endswith(", job)")
    assert job["datasource"]["uid"] == "${datasource}"
    if uid == HOST_UID:
        inst = variables["instance"]
        assert inst["type"] == "query" and inst["datasource"]["uid"] == "${datasource}"
        assert inst["query"].startswith("label_values(") and inst["query"].endswith(", instance)")
        assert 'job=~"$job"' in inst["query"]

    panels = list(walk_panels(dash["panels"]))
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    with_targets = [p for p in panels if p["type"] != "row"]
    assert len(with_targets) >= 10
    titles = [p["title"] for p in with_targets]
    assert len(titles) == len(set(titles)), "panel titles name the queries in the checks below"
    for p in with_targets:
        assert p.get("title") and p.get("description"), p.get("title")
        g = p["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24 and g["h"] > 0, (p["title"], g)
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
        assert p["targets"], p["title"]
        refs = [t["refId"] for t in p["targets"]]
        assert len(refs) == len(set(refs)), p["title"]
        for t in p["targets"]:
            assert t["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, (p["title"], t["refId"])
            assert t["expr"].strip(), (p["title"], t["refId"])
    # nothing names a datasource or a job by itself
    text = DASHBOARDS[uid].read_text()
    uids = re.findall(r'"uid":\s*"([^"]*)"', text)
    assert uids.count(uid) == 1 and set(uids) == {uid, "${datasource}"}, set(uids)
    assert not re.search(r'job\s*(=|!=|=~|!~)\s*\\?"(?!\$job)', text)


def test_the_collapsed_row_is_read_too():
    dash = load(FLEET_UID)
    nested = [p for r in dash["panels"] if r["type"] == "row" for p in r.get("panels", [])]
    assert nested, "the fleet dashboard keeps its per-host table in a collapsed row"
    where = {q.where.split(" / ")[0] for q in queries(dash)}
    assert {p["title"] for p in nested} <= where


def test_dashboards_link_to_each_other():
    for uid in DASHBOARDS:
        links = load(uid)["links"]
        assert any(
            lk["type"] == "dashboards" and "raidwatch" in lk["tags"] and lk["includeVars"] for lk in links
        )
    text = DASHBOARDS[FLEET_UID].read_text()
    assert f"/d/{HOST_UID}/" in text  # tables link a row to the host dashboard


# ------------------------------------------------------------------------------------ metrics, labels


@pytest.mark.parametrize("uid", DASHBOARDS)
def test_every_query_uses_exported_metrics_labels_and_values(uid, exported):
    assert problems(load(uid), exported) == []


def test_the_dashboards_use_what_they_promise(exported):
    used = {
        n
        for uid in DASHBOARDS
        for q in queries(load(uid))
        for s in parse(q.expr).selectors
        for n in metric_names(s)
    }
    assert set(FLEET_METRICS) <= used
    for name in (
        "up",
        "raidwatch_host_compliant",
        "raidwatch_role_volume_failures_tolerated",
        "raidwatch_volume_failures_tolerated",
        "raidwatch_array_sync_progress_ratio",
        "raidwatch_array_sync_remaining_seconds",
        "raidwatch_array_member_in_sync",
        "raidwatch_array_member_rebuilding",
        "raidwatch_disk_smart_assessment",
        "raidwatch_disk_temperature_celsius",
        "raidwatch_disk_smart_attribute_raw",
        "raidwatch_disk_nvme_percentage_used_ratio",
        "raidwatch_finding",
        "raidwatch_collector_success",
        "raidwatch_snapshot_stale",
    ):
        assert name in used, name
    assert "raidwatch_snapshot_age_seconds" not in used  # the daemon's only: textfile hosts lack it


def test_the_reader_finds_metrics_and_only_metrics():
    p = parse(
        'sum by (instance, job) (raidwatch_findings{job=~"$job",severity="critical"}) > 0\n'
        "# a comment naming not_a_metric\n"
        '* on(instance, job) group_left(hostname) raidwatch_host_info{job=~"$job"}\n'
        "and on(host) label_replace(last_over_time(raidwatch_host_info[7d]),"
        ' "host", "$1", "hostname", "(.+)")\n'
        "or topk(10, time() - raidwatch_snapshot_timestamp_seconds offset 5m) or vector(0)\n"
        'or max_over_time(up[$__range:1m]) or {__name__=~"raidwatch_build_info|raidwatch_fleet_hosts"}'
    )
    assert [s.metric for s in p.selectors] == [
        "raidwatch_findings",
        "raidwatch_host_info",
        "raidwatch_host_info",
        "raidwatch_snapshot_timestamp_seconds",
        "up",
        None,  # {__name__=~...}: metric_names() reads the alternation
    ]
    assert p.selectors[0].matchers == (("job", "=~", "$job"), ("severity", "=", "critical"))
    assert metric_names(p.selectors[-1]) == ["raidwatch_build_info", "raidwatch_fleet_hosts"]
    assert p.grouping_labels == {"instance", "job", "hostname", "host"}


# (dashboard, text in its queries, replaced by, the problem reported, only in the collapsed row)
BREAKAGES = [
    (FLEET_UID, "raidwatch_array_degraded{", "raidwatch_array_degarded{", "array_degarded is not a metric"),
    (FLEET_UID, "raidwatch_build_info{", "raidwatch_build_inf{", "build_inf is not a metric", True),
    (FLEET_UID, "raidwatch_fleet_host_status{", "raidwatch_fleet_host_state{", "host_state is not a metric"),
    (HOST_UID, "raidwatch_disk_temperature_celsius{", "raidwatch_disk_temp{", "disk_temp is not a metric"),
    (FLEET_UID, "assessment=~", "assesment=~", "has no label 'assesment'"),
    (FLEET_UID, 'assessment=~"fail|', 'assessment=~"failed|', "'failed' is never exported"),
    (FLEET_UID, 'status="silent"', 'status="offline"', "'offline' is never exported"),
    (HOST_UID, 'attribute=~"nvme_media_errors|', 'attribute=~"media_errors|', "'media_errors' is never"),
    (FLEET_UID, "group_left(hostname)", "group_left(hostnme)", "grouping by 'hostnme'"),
    (FLEET_UID, 'job=~"$job"', 'job="raidwatch"', 'must select job=~"$job"'),
    (HOST_UID, ',instance=~"$instance"', "", 'must select instance=~"$instance"'),
]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda b: b[2].strip("{"))
def test_a_misspelt_metric_label_or_value_is_caught(breakage, exported):
    """The checks above would catch a bogus dashboard: prove it on broken copies of the real ones."""
    uid, old, new, problem, *nested = breakage
    bad = load(uid)
    collapsed = [p for r in bad["panels"] if r.get("collapsed") for p in r["panels"]]
    hits = 0
    for p in collapsed if nested else walk_panels(bad["panels"]):
        for t in p.get("targets", []):
            hits += old in t["expr"]
            t["expr"] = t["expr"].replace(old, new)
    assert hits, f"{old!r} is in no query"
    found = problems(bad, exported)
    assert any(problem in p for p in found), found


def test_a_misspelt_variable_query_or_legend_is_caught(exported):
    bad = load(HOST_UID)
    bad["templating"]["list"][2]["query"] = 'label_values(raidwatch_buildinfo{job=~"$job"}, instance)'
    for p in walk_panels(bad["panels"]):
        for t in p.get("targets", []):
            if t.get("legendFormat") == "{{collector}}":
                t["legendFormat"] = "{{colector}}"
    found = problems(bad, exported)
    assert any("variable instance: raidwatch_buildinfo is not a metric" in p for p in found), found
    assert any("legend names unknown label 'colector'" in p for p in found), found


# ---------------------------------------------------------------------------------------- promtool


def all_queries() -> list[Query]:
    return [q for uid in DASHBOARDS for q in queries(load(uid))]


def test_substitution_leaves_no_grafana_variable():
    for q in all_queries():
        expr = substitute(q.expr)
        assert not VARIABLE_RE.search(expr), (q.where, expr)
        assert "$" not in expr.replace("$1", ""), (q.where, expr)
    with pytest.raises(AssertionError, match="unknown Grafana variable"):
        substitute('up{job=~"$jobs"}')


@needs_promtool
def test_promtool_checks_every_query(tmp_path):
    qs = all_queries()
    rules = tmp_path / "grafana-rules.yml"
    groups = []
    for uid in DASHBOARDS:
        mine = [q for q in qs if q.dashboard == uid]
        groups.append(
            {
                "name": f"grafana-{uid}",
                "rules": [
                    {"record": f"grafana:{uid.replace('-', '_')}:query_{i:03d}", "expr": substitute(q.expr)}
                    for i, q in enumerate(mine)
                ],
            }
        )
    rules.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, width=200))
    res = subprocess.run([PROMTOOL, "check", "rules", str(rules)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"SUCCESS: {len(qs)} rules found" in res.stdout, res.stdout


# --------------------------------------------------------------------- evaluated on the bundled hosts

TEXTFILE_HOSTS = {"api06", "app05"}  # scraped through node_exporter (job node, port 9100)
GONE_HOST = "gone01"  # expected by the fleet, never seen
SILENT_HOST = "lab03"  # reported until 10 minutes ago; its target is down now
UNKNOWN_HOST = "vm"  # btrfs-loop-mirror: reports, but the fleet does not expect it
OLD_SNAPSHOT_HOST = "zfs05"  # its textfile timer stopped two hours ago
STALE_HOST = "db02"  # the daemon's latest collection failed
FAILED_COLLECTOR = ("hw08", "smart")  # no bundled host has a failing collector: one has here
STEPS = 10  # samples every minute from t=0 to t=10m; queries are evaluated at t=10m
# What shows nothing without a `raidwatch fleet --textfile` job: everything else must still show data.
FLEET_ONLY = {
    f"{FLEET_UID} / Hosts by status / D",  # unknown: only the fleet knows who is expected
    f"{FLEET_UID} / Fleet run / A",
    f"{FLEET_UID} / Fleet run / B",
    f"{FLEET_UID} / Silent hosts (fleet view) / A",
    f"{FLEET_UID} / Hosts not compliant, or not expected (fleet view) / A",
    *(f"{HOST_UID} / Fleet view / {ref}" for ref in "ABCD"),
}


def series_line(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}"


def fixture_series(rendered: dict[str, list[Sample]], with_fleet: bool = True) -> list[dict[str, str]]:
    """The bundled hosts as Prometheus would hold them: each render with instance and job, unix times
    shifted so that each snapshot was taken at t=0, `up`, and the fleet view of the whole lot."""
    series: list[dict[str, str]] = []

    def add(name: str, labels: dict[str, str], value: float, gone: bool = False) -> None:
        v = repr(float(value))
        values = f"{v} _x{STEPS}" if gone else f"{v}+0x{STEPS}"
        series.append({"series": series_line(name, labels), "values": values})

    statuses: dict[str, str] = {GONE_HOST: "silent", SILENT_HOST: "silent"}
    for samples in rendered.values():
        hostname = next(s.labels["hostname"] for s in samples if s.name == "raidwatch_host_info")
        job, port = ("node", 9100) if hostname in TEXTFILE_HOSTS else ("raidwatch", 9632)
        target = {"instance": f"{hostname}:{port}", "job": job}
        taken = next(s.value for s in samples if s.name == "raidwatch_snapshot_timestamp_seconds")
        shift = taken + (7200 if hostname == OLD_SNAPSHOT_HOST else 0)
        gone = hostname == SILENT_HOST
        compliant = None
        for s in samples:
            value = s.value
            if s.name.endswith("_timestamp_seconds"):
                value -= shift
            if s.name == "raidwatch_snapshot_stale" and hostname == STALE_HOST:
                value = 1
            if (hostname, s.labels.get("collector")) == FAILED_COLLECTOR:
                if s.name == "raidwatch_collector_success":
                    value = 0
                if s.name == "raidwatch_collector_last_success_timestamp_seconds":
                    value -= 3600
            if s.name == "raidwatch_host_compliant":
                compliant = value
            add(s.name, {**s.labels, **target}, value, gone)
        add("up", target, 0 if gone else 1)
        if not gone:
            statuses[hostname] = (
                "unknown" if hostname == UNKNOWN_HOST else "compliant" if compliant == 1 else "non-compliant"
            )
    add("up", {"instance": f"{GONE_HOST}:9632", "job": "raidwatch"}, 0)
    if with_fleet:
        fleet_target = {"instance": "prometheus01:9100", "job": "fleet"}
        add("up", fleet_target, 1)
        for hostname, status in statuses.items():
            add("raidwatch_fleet_host_status", {"host": hostname, "status": status, **fleet_target}, 1)
        for status in FLEET_STATUSES:
            n = sum(1 for s in statuses.values() if s == status)
            add("raidwatch_fleet_hosts", {"status": status, **fleet_target}, n)
        add("raidwatch_fleet_run_timestamp_seconds", fleet_target, 0)
        add("raidwatch_fleet_run_success", fleet_target, 1)
    return series


def test_the_fixture_holds_what_the_views_ask_for(rendered):
    text = "\n".join(s["series"] for s in fixture_series(rendered))
    for inst in HOST_INSTANCES:
        assert f'instance="{inst}"' in text
    for status in FLEET_STATUSES:
        assert f'status="{status}"' in text
    assert "raidwatch_fleet" not in "\n".join(s["series"] for s in fixture_series(rendered, with_fleet=False))
    for name in FLEET_ONLY:  # the list names real queries, each reading a fleet metric
        dash, where = name.split(" / ", 1)
        (q,) = [q for q in all_queries() if q.dashboard == dash and q.where == where]
        assert {n for s in parse(q.expr).selectors for n in metric_names(s)} & set(FLEET_METRICS), name


@needs_promtool
@pytest.mark.parametrize("with_fleet", [True, False], ids=["with-fleet-job", "without-fleet-job"])
def test_every_query_evaluates_and_shows_data(tmp_path, rendered, with_fleet):
    """promtool evaluates every query on the fixture. One that fails (a join that is not one-to-one, a
    bad argument) fails its check; so does one that returns nothing, except that without the fleet job
    the fleet-only queries must return nothing (the per-host fallbacks must still answer)."""
    checks = []
    for q in all_queries():
        name = f"{q.dashboard} / {q.where}"
        want = 0 if not with_fleet and name in FLEET_ONLY else 1
        checks.append(
            {
                "expr": f"# {name}\nclamp_max(count({substitute(q.expr)}), 1) or vector(0)",
                "eval_time": f"{STEPS}m",
                "exp_samples": [{"labels": "{}", "value": want}],
            }
        )
    test = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": fixture_series(rendered, with_fleet),
                "promql_expr_test": checks,
            }
        ],
    }
    path = tmp_path / "grafana-test.yml"
    path.write_text(yaml.safe_dump(test, sort_keys=False, width=200))
    res = subprocess.run([PROMTOOL, "test", "rules", str(path)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-20000:] + res.stderr[-5000:]
