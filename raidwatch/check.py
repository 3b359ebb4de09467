"""`raidwatch check`: Nagios/Icinga plugin output (status line, details, perfdata) over one or more hosts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from raidwatch.findings import Evaluation
from raidwatch.model import HostInventory, Severity, to_jsonable

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATUS_NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
SYSTEM_FLEET = Path("/etc/raidwatch/fleet.yaml")

# Used when no fleet file is given and none is installed: every host's / must be on a mirror.
BUILTIN_POLICY = """\
version: 1
defaults:
  roles:
    boot:
      covers: [/]
      require: mirror
"""


@dataclass(frozen=True)
class HostResult:
    inventory: HostInventory
    evaluation: Evaluation

    @property
    def status(self) -> int:
        worst = self.evaluation.worst
        return CRITICAL if worst is Severity.CRITICAL else WARNING if worst is Severity.WARNING else OK


def expand_replays(dirs: list[str]) -> list[Path]:
    """Each --replay DIR is a recorded host, or a directory of recorded hosts (one level down)."""
    out: list[Path] = []
    for d in dirs:
        p = Path(d)
        if (p / "host.json").is_file():
            out.append(p)
        elif p.is_dir():
            subs = sorted(s for s in p.iterdir() if (s / "host.json").is_file())
            if not subs:
                raise FileNotFoundError(
                    f"--replay {d}: neither a recorded host (no host.json) nor a directory of them"
                )
            out.extend(subs)
        else:
            raise FileNotFoundError(f"--replay {d}: no such directory")
    return out


def _perfdata(results: list[HostResult]) -> str:
    vols = [v for r in results for v in r.inventory.volumes]
    arrays = [a for r in results for a in r.inventory.arrays if not a.is_container]
    fields = []
    if len(results) > 1:
        fields.append(("hosts", len(results)))
        fields.append(("hosts_compliant", sum(1 for r in results if r.evaluation.compliant)))
    fields += [
        ("critical", sum(r.evaluation.count(Severity.CRITICAL) for r in results)),
        ("warning", sum(r.evaluation.count(Severity.WARNING) for r in results)),
        ("volumes", len(vols)),
        ("volumes_redundant", sum(1 for v in vols if v.redundant)),
        ("arrays", len(arrays)),
        ("arrays_degraded", sum(1 for a in arrays if a.degraded)),
    ]
    return " ".join(f"{k}={v};;;0" for k, v in fields)


def status_line(results: list[HostResult]) -> tuple[int, str]:
    status = max((r.status for r in results), default=UNKNOWN)
    if not results:
        return UNKNOWN, "RAIDWATCH UNKNOWN - no host was checked"
    if len(results) == 1:
        r = results[0]
        ev = r.evaluation
        crit, warn = ev.count(Severity.CRITICAL), ev.count(Severity.WARNING)
        if status == OK:
            n = len(r.inventory.volumes)
            summary = f"{ev.host}: compliant, {n} volume{'s' if n != 1 else ''} checked"
        else:
            first = next(f for f in ev.findings if f.severity in (Severity.CRITICAL, Severity.WARNING))
            summary = f"{ev.host}: {crit} critical, {warn} warning: {first.message}"
    else:
        bad = [r.evaluation.host for r in results if not r.evaluation.compliant]
        if bad:
            summary = f"{len(bad)} of {len(results)} hosts not compliant ({', '.join(bad)})"
        else:
            summary = f"all {len(results)} hosts compliant"
    return status, f"RAIDWATCH {STATUS_NAMES[status]} - {summary} | {_perfdata(results)}"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def render(results: list[HostResult], policy_path: str) -> tuple[int, str]:
    status, line = status_line(results)
    out = [line, ""]
    rows = [["HOST", "STATUS", "CRITICAL", "WARNING", "VOLUMES REDUNDANT", "POLICY"]]
    for r in results:
        ev = r.evaluation
        vols = r.inventory.volumes
        rows.append(
            [
                ev.host,
                "compliant" if ev.compliant else STATUS_NAMES[r.status],
                str(ev.count(Severity.CRITICAL)),
                str(ev.count(Severity.WARNING)),
                f"{sum(1 for v in vols if v.redundant)}/{len(vols)}",
                " > ".join(reversed(ev.layers)),
            ]
        )
    out += _table(rows)
    findings = [(r.evaluation.host, f) for r in results for f in r.evaluation.findings]
    out.append("")
    if findings:
        rows = [["HOST", "SEVERITY", "CODE", "SUBJECT", "MESSAGE"]]
        rows += [[h, f.severity.value, f.code, f.subject, f.message] for h, f in findings]
        out += _table(rows)
    else:
        out.append("No findings.")
    exempted = [(r.evaluation.host, f, k) for r in results for f, k in r.evaluation.exempted]
    if exempted:
        out.append("")
        out.append("Exempted by the policy:")
        out += [f"  {h}: {f.code} {f.subject} ({k})" for h, f, k in exempted]
    out.append("")
    out.append(f"Policy: {policy_path}")
    return status, "\n".join(out) + "\n"


def render_json(results: list[HostResult], policy_path: str) -> tuple[int, str]:
    status, line = status_line(results)
    doc = {
        "status": STATUS_NAMES[status],
        "exit_code": status,
        "summary": line,
        "policy": policy_path,
        "hosts": [
            {
                "host": r.evaluation.host,
                "collected_at": r.inventory.collected_at,
                "status": STATUS_NAMES[r.status],
                "compliant": r.evaluation.compliant,
                "policy_layers": list(r.evaluation.layers),
                "findings": to_jsonable(r.evaluation.findings),
                "exempted": [dict(to_jsonable(f), exemption=k) for f, k in r.evaluation.exempted],
            }
            for r in results
        ],
    }
    return status, json.dumps(doc, indent=2) + "\n"
