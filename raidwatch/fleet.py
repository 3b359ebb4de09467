"""`raidwatch fleet`: one status per host of the fleet, from the Prometheus query API or a directory of JSON.

Statuses: compliant, non-compliant (with its findings), silent (expected and not reporting: never seen,
its scrape target down, or its snapshot older than --max-age), unknown (reporting, not expected). The
sources only observe (HostReport, DownTarget); `judge` decides, so both sources are judged alike.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from raidwatch.errors import ConfigError, RaidwatchError
from raidwatch.promapi import Answer, PromClient, QueryError

COMPLIANT, NON_COMPLIANT, SILENT, UNKNOWN_HOST = "compliant", "non-compliant", "silent", "unknown"
STATUSES = (SILENT, NON_COMPLIANT, UNKNOWN_HOST, COMPLIANT)  # worst first: the table's order
OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
NAGIOS = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
DEFAULT_MAX_AGE = 3600.0
TEST_PAGE = "test-page"
# labels that tell HA replicas of one Prometheus apart: the same host seen twice is one host
REPLICA_LABELS = frozenset({"replica", "prometheus_replica", "__replica__", "receive_replica"})


class SourceError(RaidwatchError):
    """A fleet source could not be read at all (the query API, the directory): one line, exit UNKNOWN."""


@dataclass(frozen=True)
class FleetFinding:
    code: str
    severity: str
    subject: str
    message: str | None = None


@dataclass(frozen=True)
class HostReport:
    """What a source says of one reporting host."""

    host: str  # the host's own name (raidwatch_host_info{hostname}, or the JSON header)
    collected_at: float | None
    compliant: bool | None
    findings: tuple[FleetFinding, ...] = ()
    stale: bool = False  # the daemon's latest collection failed: it serves its last good data
    instance: str | None = None
    job: str | None = None
    origin: str = ""  # where it was read: "instance web01:9632 (job raidwatch)", a file path


@dataclass(frozen=True)
class DownTarget:
    instance: str
    job: str | None


@dataclass(frozen=True)
class Observation:
    reports: tuple[HostReport, ...]
    down: tuple[DownTarget, ...] = ()
    at: float = 0.0  # when: the query time, or when the directory was read
    warnings: tuple[str, ...] = ()  # partial answers, unreadable files: said, not fatal
    source: str = ""
    last_seen: dict[str, float] = field(default_factory=dict)  # host key -> time (with --lookback)


@dataclass(frozen=True)
class HostStatus:
    host: str
    status: str
    reason: str
    age_seconds: float | None = None
    findings: tuple[FleetFinding, ...] = ()
    instance: str | None = None
    job: str | None = None
    stale: bool = False
    last_seen: float | None = None  # unix time of its latest snapshot (a silent host's with --lookback)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


# ---------------------------------------------------------------------------------------------- names


def key(name: str) -> str:
    """How two names of one host compare: case-insensitive, no trailing dot."""
    return name.strip().rstrip(".").lower()


def short(name: str) -> str:
    return key(name).split(".", 1)[0]


def host_of_instance(instance: str) -> str:
    """web01.example.com:9632 -> web01.example.com; [2001:db8::1]:9632 -> 2001:db8::1."""
    if instance.startswith("[") and "]" in instance:
        return instance[1 : instance.index("]")]
    if instance.count(":") == 1:
        return instance.split(":", 1)[0]
    return instance


class _Index:
    """Look up things by a host's name, its FQDN or its short name (web01 matches web01.example.com)."""

    def __init__(self) -> None:
        self.full: dict[str, list[Any]] = {}
        self.short: dict[str, list[Any]] = {}

    def add(self, name: str, item: Any) -> None:
        self.full.setdefault(key(name), []).append(item)
        self.short.setdefault(short(name), []).append(item)

    def get(self, name: str) -> list[Any]:
        if key(name) in self.full:
            return self.full[key(name)]
        return self.short.get(short(name), [])


# ---------------------------------------------------------------------------------------------- judging


def judge(expected: set[str], obs: Observation, max_age: float = DEFAULT_MAX_AGE) -> list[HostStatus]:
    """Every expected and every reporting host, with one status each, worst first."""
    reports = _Index()
    for r in obs.reports:
        reports.add(r.host, r)
    downs = _Index()
    for d in obs.down:
        downs.add(host_of_instance(d.instance), d)
    out: list[HostStatus] = []
    claimed: set[int] = set()
    for name in sorted(expected, key=key):
        found = reports.get(name)
        claimed.update(id(r) for r in found)
        if not found:
            down = downs.get(name)
            seen = obs.last_seen.get(key(name))
            if down:
                d = down[0]
                reason = f"target down: instance {d.instance}" + (f", job {d.job}" if d.job else "")
                if seen is not None:
                    reason += f"; last seen {_age(obs.at - seen)} ago"
            elif seen is not None:
                reason = f"last seen {_age(obs.at - seen)} ago"
            else:
                reason = "never seen" if not obs.source.startswith("dir") else "no report in the directory"
            out.append(HostStatus(name, SILENT, reason, last_seen=obs.last_seen.get(key(name))))
            continue
        out.append(_status(name, _freshest(found), obs.at, max_age, expected=True, twins=found))
    for r in obs.reports:
        if id(r) not in claimed:
            out.append(_status(r.host, r, obs.at, max_age, expected=False, twins=[r]))
    # one host reported by several series of the same name (unexpected twins): keep the freshest
    seen: dict[str, HostStatus] = {}
    for s in out:
        k = key(s.host)
        if k not in seen or (s.age_seconds or 1e18) < (seen[k].age_seconds or 1e18):
            seen[k] = s
    ranked = sorted(
        seen.values(), key=lambda s: (STATUSES.index(s.status), -s.count("critical"), key(s.host))
    )
    return ranked


def _freshest(reports: list[HostReport]) -> HostReport:
    return max(reports, key=lambda r: r.collected_at or 0.0)


def _status(
    name: str, r: HostReport, at: float, max_age: float, *, expected: bool, twins: list[HostReport]
) -> HostStatus:
    age = None if r.collected_at is None else max(at - r.collected_at, 0.0)
    common = {
        "age_seconds": age,
        "findings": r.findings,
        "instance": r.instance,
        "job": r.job,
        "stale": r.stale,
        "last_seen": r.collected_at,
    }
    notes = []
    instances = sorted({t.instance for t in twins if t.instance})
    if len(instances) > 1:
        notes.append(f"reported by {len(instances)} targets ({', '.join(instances)})")
    if r.stale:
        notes.append("its latest collection failed: the data is its last good one")
    if age is not None and age > max_age:
        reason = f"snapshot {_age(age)} old (--max-age {_age(max_age)})"
        return HostStatus(name, SILENT, "; ".join([reason, *notes]), **common)
    if not expected:
        return HostStatus(
            name, UNKNOWN_HOST, "; ".join(["not expected (fleet file, --expect)", *notes]), **common
        )
    # an operator's test page (SIGUSR1) is a synthetic finding: it proves paging, not a broken host
    bad = [f for f in r.findings if f.severity in ("critical", "warning") and f.code != TEST_PAGE]
    if r.compliant is False or bad:
        first = ", ".join(f"{f.code} {f.subject}" for f in sorted(bad, key=_finding_order)[:3])
        more = f" (+{len(bad) - 3} more)" if len(bad) > 3 else ""
        return HostStatus(name, NON_COMPLIANT, "; ".join([first + more or "not compliant", *notes]), **common)
    return HostStatus(name, COMPLIANT, "; ".join(notes), **common)


def _finding_order(f: FleetFinding) -> tuple[int, str, str]:
    return (0 if f.severity == "critical" else 1, f.code, f.subject)


def _age(seconds: float) -> str:
    s = int(max(seconds, 0))
    if s < 120:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 172800:
        return f"{s // 3600}h" + (f"{(s % 3600) // 60:02d}m" if s % 3600 >= 60 else "")
    return f"{s // 86400}d{(s % 86400) // 3600}h"


def exit_status(statuses: list[HostStatus], warnings: tuple[str, ...] = ()) -> int:
    """CRITICAL: a silent host or a critical finding; WARNING: other findings, unknown hosts, a partial
    answer; OK otherwise."""
    if any(s.status == SILENT for s in statuses) or any(
        s.status == NON_COMPLIANT and s.count("critical") for s in statuses
    ):
        return CRITICAL
    if any(s.status in (NON_COMPLIANT, UNKNOWN_HOST) for s in statuses) or warnings:
        return WARNING
    return OK


# ---------------------------------------------------------------------------------------------- Prometheus


@dataclass(frozen=True)
class PromSource:
    client: PromClient
    selector: str = ""  # label matchers added to every query: job="raidwatch", cluster="eu1"
    lookback: float = 0.0  # seconds: also ask when silent hosts were last seen (costs a range query)

    def sel(self, extra: str = "") -> str:
        parts = [p for p in (self.selector.strip().strip(","), extra) if p]
        return "{" + ", ".join(parts) + "}" if parts else ""


_OWN = {
    "raidwatch_host_info": {"hostname", "os", "kernel", "machine"},
    "raidwatch_finding": {"code", "severity", "subject"},
}


def _identity(labels: dict[str, str], metric: str) -> tuple[tuple[str, str], ...]:
    drop = {"__name__"} | _OWN.get(metric, set()) | REPLICA_LABELS
    return tuple(sorted((k, v) for k, v in labels.items() if k not in drop))


def _selector_ok(selector: str) -> None:
    if selector and not re.fullmatch(r'\s*[A-Za-z_]\w*\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*'
                                     r'(,\s*[A-Za-z_]\w*\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*)*,?\s*',
                                     selector):  # fmt: skip
        raise ConfigError(f'--selector {selector!r}: expected label matchers such as job="raidwatch"')


def observe_prometheus(src: PromSource, at: float | None = None) -> Observation:
    """Six instant queries, in parallel, over every instance; raises SourceError when any fails."""
    _selector_ok(src.selector)
    at = time.time() if at is None else at
    s = src.sel()
    queries = {
        "info": f"raidwatch_host_info{s}",
        "compliant": f"raidwatch_host_compliant{s}",
        "snapshot": f"raidwatch_snapshot_timestamp_seconds{s}",
        "stale": f"raidwatch_snapshot_stale{s} == 1",
        "findings": f"raidwatch_finding{s} > 0",
        "down": f"up{s} == 0",
    }
    if src.lookback > 0:
        window = f"{int(src.lookback)}s"
        queries["seen"] = (
            f"max by (hostname) (last_over_time(raidwatch_snapshot_timestamp_seconds{s}[{window}])"
            " * ignoring (hostname, os, kernel, machine) group_left (hostname)"
            f" last_over_time(raidwatch_host_info{s}[{window}]))"
        )
    answers: dict[str, Answer] = {}
    with ThreadPoolExecutor(max_workers=len(queries)) as pool:
        futures = {name: pool.submit(src.client.query, q, at) for name, q in queries.items()}
        for name, fut in futures.items():
            try:
                answers[name] = fut.result()
            except QueryError as exc:
                raise SourceError(str(exc)) from None
    return _assemble(answers, at, src.client.url)


def _assemble(answers: dict[str, Answer], at: float, url: str) -> Observation:
    hosts: dict[tuple, dict[str, Any]] = {}

    def entry(labels: dict[str, str], metric: str) -> dict[str, Any]:
        ident = _identity(labels, metric)
        return hosts.setdefault(ident, {"labels": dict(ident), "findings": []})

    for smp in answers["info"].samples:
        entry(smp.labels, "raidwatch_host_info")["hostname"] = smp.labels.get("hostname")
    for smp in answers["compliant"].samples:
        entry(smp.labels, "raidwatch_host_compliant")["compliant"] = smp.value == 1
    for smp in answers["snapshot"].samples:
        entry(smp.labels, "raidwatch_snapshot_timestamp_seconds")["ts"] = smp.value
    for smp in answers["stale"].samples:
        entry(smp.labels, "raidwatch_snapshot_stale")["stale"] = True
    for smp in answers["findings"].samples:
        lab = smp.labels
        entry(lab, "raidwatch_finding")["findings"].append(
            FleetFinding(lab.get("code", "?"), lab.get("severity", "?"), lab.get("subject", "?"))
        )
    reports = []
    for h in hosts.values():
        labels = h["labels"]
        instance, job = labels.get("instance"), labels.get("job")
        if "hostname" not in h and "ts" not in h and "compliant" not in h:
            continue  # only a finding series of a host whose other series are gone: not a report
        name = h.get("hostname") or host_of_instance(instance or "?")
        findings = tuple(sorted(set(h["findings"]), key=_finding_order))
        reports.append(
            HostReport(
                host=name,
                collected_at=h.get("ts"),
                compliant=h.get("compliant"),
                findings=findings,
                stale=h.get("stale", False),
                instance=instance,
                job=job,
                origin=f"instance {instance}" + (f" (job {job})" if job else ""),
            )
        )
    down = tuple(
        DownTarget(smp.labels.get("instance", "?"), smp.labels.get("job"))
        for smp in answers["down"].samples
        if "instance" in smp.labels
    )
    last_seen = {
        key(s.labels["hostname"]): s.value
        for s in answers.get("seen", Answer(())).samples
        if "hostname" in s.labels
    }
    warnings = tuple(dict.fromkeys(w for a in answers.values() for w in a.warnings))
    return Observation(tuple(reports), down, at, warnings, f"prometheus {url}", last_seen)


# ---------------------------------------------------------------------------------------------- a directory


def observe_directory(path: str, policy) -> Observation:  # type: ignore[no-untyped-def]
    """Every *.json in PATH (and one level below): `raidwatch check --json` or `inventory --json` output.
    An inventory is judged against `policy` here; a check result carries its own findings."""
    from raidwatch.findings import evaluate
    from raidwatch.model import HostInventory, ModelDataError, from_jsonable

    root = Path(path)
    if not root.is_dir():
        raise SourceError(f"--from {path}: {'no such directory' if not root.exists() else 'not a directory'}")
    files = sorted([*root.glob("*.json"), *root.glob("*/*.json")])
    reports: list[HostReport] = []
    warnings: list[str] = []
    for f in files:
        try:
            if f.stat().st_size > 64 * 1024 * 1024:
                warnings.append(f"{f}: larger than 64 MiB, skipped")
                continue
            doc = json.loads(f.read_bytes())
        except (OSError, ValueError, RecursionError) as exc:
            warnings.append(f"{f}: not readable JSON ({getattr(exc, 'strerror', None) or exc}), skipped")
            continue
        mtime = f.stat().st_mtime
        try:
            if isinstance(doc, dict) and isinstance(doc.get("hosts"), list):
                reports.extend(_from_check(doc, f, mtime))
            elif isinstance(doc, dict) and "header" in doc and "collected_at" in doc:
                inv = from_jsonable(HostInventory, doc)
                ev = evaluate(inv, policy.for_host(inv.header.hostname))
                findings = tuple(
                    FleetFinding(x.code, x.severity.value, x.subject, x.message) for x in ev.findings
                )
                reports.append(
                    HostReport(inv.header.hostname, inv.collected_at, ev.compliant, findings, origin=str(f))
                )
            else:
                warnings.append(
                    f"{f}: neither `raidwatch check --json` nor `inventory --json` output, skipped"
                )
        except (ModelDataError, ConfigError, KeyError, TypeError, ValueError) as exc:
            warnings.append(f"{f}: {exc}, skipped")
    if not files:
        warnings.append(f"--from {path}: no *.json files")
    return Observation(tuple(reports), (), time.time(), tuple(warnings), f"dir {path}")


def _from_check(doc: dict, f: Path, mtime: float) -> list[HostReport]:
    out = []
    for h in doc["hosts"]:
        if not isinstance(h, dict) or not isinstance(h.get("host"), str):
            raise ValueError("a host entry without a 'host' name")
        findings = tuple(
            FleetFinding(str(x["code"]), str(x["severity"]), str(x["subject"]), x.get("message"))
            for x in h.get("findings") or []
        )
        ts = h.get("collected_at")
        out.append(
            HostReport(
                h["host"],
                float(ts) if isinstance(ts, (int, float)) else mtime,
                bool(h.get("compliant")),
                findings,
                origin=str(f),
            )
        )
    return out


# ---------------------------------------------------------------------------------------------- output


def counts(statuses: list[HostStatus]) -> dict[str, int]:
    return {
        s: sum(1 for x in statuses if x.status == s) for s in (COMPLIANT, NON_COMPLIANT, SILENT, UNKNOWN_HOST)
    }


def summary_line(statuses: list[HostStatus], expected: int, warnings: tuple[str, ...]) -> tuple[int, str]:
    code = exit_status(statuses, warnings)
    c = counts(statuses)
    bits = []
    if c[SILENT]:
        bits.append(f"{c[SILENT]} silent")
    if c[NON_COMPLIANT]:
        bits.append(f"{c[NON_COMPLIANT]} non-compliant")
    if c[UNKNOWN_HOST]:
        bits.append(f"{c[UNKNOWN_HOST]} unknown")
    text = (
        (", ".join(bits) + f" of {len(statuses)} hosts") if bits else f"all {len(statuses)} hosts compliant"
    )
    if warnings:
        text += f" ({len(warnings)} source warning{'s' if len(warnings) > 1 else ''})"
    perf = (
        f"hosts={len(statuses)};;;0 expected={expected};;;0 compliant={c[COMPLIANT]};;;0 "
        f"non_compliant={c[NON_COMPLIANT]};;;0 silent={c[SILENT]};;;0 unknown={c[UNKNOWN_HOST]};;;0 "
        f"critical={sum(s.count('critical') for s in statuses)};;;0 "
        f"warning={sum(s.count('warning') for s in statuses)};;;0"
    )
    return code, f"RAIDWATCH {NAGIOS[code]} - {text} | {perf}"


def render_table(
    statuses: list[HostStatus], line: str, warnings: tuple[str, ...], width: int | None, source: str
) -> str:
    rows = [["HOST", "STATUS", "CRIT", "WARN", "AGE", "DETAIL"]]
    for s in statuses:
        rows.append(
            [
                s.host,
                s.status,
                "-" if s.status == SILENT and not s.findings else str(s.count("critical")),
                "-" if s.status == SILENT and not s.findings else str(s.count("warning")),
                "-" if s.age_seconds is None else _age(s.age_seconds),
                s.reason,
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    out = [line, ""]
    for r in rows:
        text = "  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=True)) + "  " + r[5]
        text = text.rstrip()
        if width and len(text) > width:
            text = text[: max(width - 1, 10)] + "…"
        out.append(text)
    if warnings:
        out.append("")
        out.append("Source warnings (hosts may look silent because of them):")
        out += [f"  {w}" for w in warnings]
    out.append("")
    out.append(f"Source: {source}")
    return "\n".join(out) + "\n"


def render_json(
    statuses: list[HostStatus], line: str, code: int, expected: int, obs: Observation, max_age: float
) -> str:
    doc = {
        "status": NAGIOS[code],
        "exit_code": code,
        "summary": line,
        "source": obs.source,
        "at": obs.at,
        "max_age_seconds": max_age,
        "expected": expected,
        "counts": counts(statuses),
        "warnings": list(obs.warnings),
        "hosts": [
            {
                "host": s.host,
                "status": s.status,
                "reason": s.reason,
                "age_seconds": None if s.age_seconds is None else round(s.age_seconds, 3),
                "instance": s.instance,
                "job": s.job,
                "stale": s.stale,
                "critical": s.count("critical"),
                "warning": s.count("warning"),
                "findings": [
                    {k: v for k, v in f.__dict__.items() if v is not None or k != "message"}
                    for f in s.findings
                ],
            }
            for s in statuses
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def write_textfile(path: str, statuses: list[HostStatus], ok: bool, at: float) -> None:
    """The fleet view as metrics (node_exporter textfile format, written atomically): a dashboard and an
    alert can then name silent hosts, which no per-host metric can."""
    from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

    reg = CollectorRegistry()
    host = Gauge(
        "raidwatch_fleet_host_status",
        "1 for the status each host has in the fleet view (compliant, non-compliant, silent, unknown)",
        ["host", "status"],
        registry=reg,
    )
    hosts = Gauge("raidwatch_fleet_hosts", "Hosts of the fleet view by status", ["status"], registry=reg)
    stamp = Gauge(
        "raidwatch_fleet_run_timestamp_seconds", "When the fleet view was last computed", registry=reg
    )
    success = Gauge("raidwatch_fleet_run_success", "1 if the fleet view's source answered", registry=reg)
    seen = Gauge(
        "raidwatch_fleet_host_last_seen_timestamp_seconds",
        "Unix time of each host's latest snapshot the fleet view saw (silent hosts: with --lookback)",
        ["host"],
        registry=reg,
    )
    for s in statuses:
        host.labels(s.host, s.status).set(1)
        if s.last_seen is not None:
            seen.labels(s.host).set(s.last_seen)
    for status, n in counts(statuses).items():
        hosts.labels(status).set(n)
    stamp.set(at)
    success.set(1 if ok else 0)
    write_to_textfile(path, reg)
