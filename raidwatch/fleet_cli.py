"""`raidwatch fleet`: its flags, and the run from the flags to the table, JSON, exit code and textfile."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time

from raidwatch.errors import ConfigError

EPILOG = """\
statuses: compliant; non-compliant (its findings); silent (expected, not reporting: never seen, its target
down, or its snapshot older than --max-age); unknown (reporting, not expected). Expected hosts: every
exact host name in the fleet file (hosts:, non-glob group members, expect:) and every --expect list.
exit: 0 all compliant, 1 warnings or unknown hosts or a partial answer, 2 a silent host or a critical
finding, 3 the source could not be read."""


def add_fleet_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fleet",
        help="one status per host of the fleet: compliant, non-compliant, silent or unknown",
        description="The whole fleet from the Prometheus query API (Prometheus, Thanos, Mimir, "
        "VictoriaMetrics) or from a directory of `raidwatch check --json` / `inventory --json` files.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--fleet",
        metavar="FILE",
        help="fleet policy: its exact host names are expected (default: /etc/raidwatch/fleet.yaml)",
    )
    p.add_argument(
        "--expect",
        metavar="FILE",
        action="append",
        default=[],
        help="more expected hosts: one name a line, or an Ansible INI/YAML inventory (repeatable)",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--prometheus", metavar="URL", help="base URL of a Prometheus query API")
    src.add_argument("--from", dest="from_dir", metavar="DIR", help="a directory of --json outputs")
    p.add_argument(
        "--selector",
        metavar="MATCHERS",
        default="",
        help='label matchers added to every query, e.g. job="raidwatch" or cluster="eu1" (default: none)',
    )
    p.add_argument(
        "--max-age",
        metavar="DURATION",
        default="1h",
        help="a host whose latest snapshot is older is silent (default: 1h; units s m h d)",
    )
    p.add_argument(
        "--lookback",
        metavar="DURATION",
        default="0",
        help="also ask when silent hosts were last seen, this far back (a range query; default: off)",
    )
    p.add_argument("--timeout", metavar="SECONDS", type=float, default=10.0, help="per query (default: 10)")
    p.add_argument("--bearer-token-file", metavar="FILE", help="send the token in FILE as Bearer auth")
    p.add_argument(
        "--basic-auth",
        metavar="USER",
        help="basic auth user; the password comes from --password-file or $RAIDWATCH_FLEET_PASSWORD",
    )
    p.add_argument("--password-file", metavar="FILE", help="the basic auth password")
    p.add_argument("--ca-file", metavar="FILE", help="CA certificates to verify an https query API")
    p.add_argument(
        "--header",
        metavar="'NAME: VALUE'",
        action="append",
        default=[],
        help="an extra request header, e.g. 'X-Scope-OrgID: tenant1' for Mimir (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="print the fleet view as JSON (same exit status)")
    p.add_argument("--problems", action="store_true", help="list only hosts that are not compliant")
    p.add_argument("--wide", action="store_true", help="never cut lines to the terminal's width")
    p.add_argument(
        "--textfile",
        metavar="PATH",
        help="also write the statuses as raidwatch_fleet_* metrics to PATH (node_exporter textfile)",
    )
    p.set_defaults(func=cmd_fleet)


def _duration(value: str, flag: str) -> float:
    from raidwatch.settings import parse_duration

    try:
        return parse_duration(value, flag)
    except ConfigError as exc:
        raise ConfigError(str(exc)) from None


def _secret(path: str, flag: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(65536).strip()
    except OSError as exc:
        raise ConfigError(f"{flag} {path}: {exc.strerror}") from None
    if not text:
        raise ConfigError(f"{flag} {path}: empty")
    return text


def _client(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from raidwatch.promapi import PromClient

    headers = {}
    for h in args.header:
        name, sep, value = h.partition(":")
        if not sep or not name.strip():
            raise ConfigError(f"--header {h!r}: expected 'Name: value'")
        headers[name.strip()] = value.strip()
    basic = None
    if args.basic_auth:
        password = (
            _secret(args.password_file, "--password-file")
            if args.password_file
            else os.environ.get("RAIDWATCH_FLEET_PASSWORD")
        )
        if password is None:
            raise ConfigError("--basic-auth needs --password-file or $RAIDWATCH_FLEET_PASSWORD")
        basic = (args.basic_auth, password)
    token = _secret(args.bearer_token_file, "--bearer-token-file") if args.bearer_token_file else None
    if args.timeout <= 0:
        raise ConfigError("--timeout must be more than 0 seconds")
    return PromClient(
        args.prometheus, timeout=args.timeout, bearer_token=token, basic_auth=basic, ca_file=args.ca_file,
        headers=headers,
    )  # fmt: skip


def cmd_fleet(args: argparse.Namespace) -> int:
    from raidwatch import fleet as fl
    from raidwatch.cli import _load_policy
    from raidwatch.expect import names_in_policy, read_expect_file
    from raidwatch.promapi import QueryError

    def unknown(message: str) -> int:
        print(f"RAIDWATCH UNKNOWN - {message}")
        if args.textfile:
            _write_failure(args.textfile)
        return fl.UNKNOWN

    try:
        policy, _path = _load_policy(args.fleet)
        expected = names_in_policy(policy)
        for f in args.expect:
            expected |= set(read_expect_file(f))
        max_age = _duration(args.max_age, "--max-age")
        off = args.lookback.strip() in ("0", "off", "")
        lookback = 0.0 if off else _duration(args.lookback, "--lookback")
        if args.prometheus:
            src = fl.PromSource(_client(args), args.selector, lookback)
            obs = fl.observe_prometheus(src)
        else:
            obs = fl.observe_directory(args.from_dir, policy)
    except (ConfigError, QueryError, fl.SourceError) as exc:
        return unknown(str(exc).replace("\n", "; "))
    statuses = fl.judge(expected, obs, max_age)
    code, line = fl.summary_line(statuses, len(expected), obs.warnings)
    if args.textfile:
        try:
            fl.write_textfile(args.textfile, statuses, True, obs.at)
        except OSError as exc:
            print(f"raidwatch: --textfile {args.textfile}: {exc.strerror or exc}", file=sys.stderr)
    shown = [s for s in statuses if s.status != fl.COMPLIANT] if args.problems else statuses
    if args.json:
        sys.stdout.write(fl.render_json(shown, line, code, len(expected), obs, max_age))
    else:
        width = None
        if not args.wide and (sys.stdout.isatty() or "COLUMNS" in os.environ):
            width = shutil.get_terminal_size((100, 24)).columns
        sys.stdout.write(fl.render_table(shown, line, obs.warnings, width, obs.source))
    return code


def _write_failure(path: str) -> None:
    """The source failed: say so in the textfile, and keep the last known host statuses (an unreachable
    Prometheus must not turn every silent host green)."""
    from raidwatch import fleet as fl

    kept: list[fl.HostStatus] = []
    try:
        from prometheus_client.parser import text_string_to_metric_families

        with open(path, encoding="utf-8") as fh:
            text = fh.read(64 * 1024 * 1024)
        for fam in text_string_to_metric_families(text):
            if fam.name == "raidwatch_fleet_host_status":
                kept += [
                    fl.HostStatus(s.labels["host"], s.labels["status"], "") for s in fam.samples if s.value
                ]
    except (OSError, ValueError, KeyError):
        pass
    try:
        fl.write_textfile(path, kept, False, time.time())
    except OSError as exc:
        print(f"raidwatch: --textfile {path}: {exc.strerror or exc}", file=sys.stderr)
