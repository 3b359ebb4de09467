"""Front door: subcommands, exit codes, --json. Bad input is one line on stderr and exit 2."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from raidwatch import __version__
from raidwatch.errors import ParseError, ProbeError, RaidwatchError

log = logging.getLogger("raidwatch")

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class UsageError(RaidwatchError):
    """Bad input from the user: exit 2 with one line."""


# ---------------------------------------------------------------------------- parse KIND FILE


def _read(path: str) -> str:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{path}: no such file")
    if p.is_dir():
        raise UsageError(f"{path}: is a directory, expected a file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror}") from None
    return data.decode("utf-8", "replace")


def _parse_mdstat(path: str) -> dict[str, Any]:
    from raidwatch.model import to_jsonable
    from raidwatch.parsers.mdstat import parse_mdstat

    res = parse_mdstat(_read(path), path)
    return {
        "arrays": to_jsonable(res.arrays),
        "personalities": list(res.personalities),
        "warnings": list(res.warnings),
        "errors": [str(e) for e in res.errors],
    }


def _parse_mdadm(path: str) -> dict[str, Any]:
    from raidwatch.parsers.mdadm import parse_mdadm, to_json

    return to_json(parse_mdadm(_read(path), path))


def _find_md_dirs(root: Path) -> list[Path]:
    """md array directories under a path: .../mdX/md itself, mdX, or a tree holding sys/block/mdX/md."""
    if root.name == "md" and ((root / "level").exists() or (root / "array_state").exists()):
        return [root]
    if (root / "md").is_dir():
        return [root / "md"]
    found = sorted(p.parent for p in root.glob("**/md*/md/level")) + sorted(
        p.parent for p in root.glob("**/md*/md/array_state")
    )
    return sorted(set(found))


def _parse_sysfs_md(path: str) -> dict[str, Any]:
    from raidwatch.collectors.md import merge
    from raidwatch.model import to_jsonable

    root = Path(path)
    if not root.is_dir():
        raise UsageError(f"{path}: sysfs-md expects a directory (an md sysfs tree), not a file")
    dirs = _find_md_dirs(root)
    if not dirs:
        raise UsageError(f"{path}: no md array directory found (expected mdX/md/ with level or array_state)")
    arrays = []
    warnings: list[str] = []
    for d in dirs:
        name = d.parent.name
        try:
            sysfs = _read_sysfs_dir(d, name)
        except OSError as exc:
            raise UsageError(f"{d}: {exc.strerror or exc}") from None
        warnings.extend(sysfs.warnings)
        arrays.append(merge(name, None, sysfs))
    return {"arrays": to_jsonable(arrays), "warnings": warnings}


def _read_sysfs_dir(d: Path, name: str):  # type: ignore[no-untyped-def]
    from raidwatch.collectors.md import SYSFS_ATTRS
    from raidwatch.parsers.md_sysfs import parse_md_sysfs

    files = {a: (d / a).read_text(errors="replace") for a in SYSFS_ATTRS if (d / a).is_file()}
    devices = {}
    for dev in sorted(d.glob("dev-*")):
        attrs = {
            a: (dev / a).read_text(errors="replace")
            for a in ("state", "slot", "errors")
            if (dev / a).is_file()
        }
        devices[dev.name[4:]] = attrs
    return parse_md_sysfs(name, files, devices, source=str(d))


def _parse_smartctl(path: str) -> dict[str, Any]:
    from raidwatch.parsers.smartctl import parse_smartctl, to_json

    return to_json(parse_smartctl(_read(path), path))


def _parse_hwraid(path: str) -> dict[str, Any]:
    from raidwatch.parsers.hwraid import parse_hwraid, to_json

    return to_json(parse_hwraid(_read(path), path))


def _parse_btrfs(path: str) -> dict[str, Any]:
    from raidwatch.parsers.btrfs import parse_btrfs, to_json

    # keep_going: a filesystem that cannot be read is listed in "errors", the others still printed
    return to_json(parse_btrfs(_read(path), path, keep_going=True))


def _parse_zpool(path: str) -> dict[str, Any]:
    from raidwatch.parsers.zpool import parse_zpool, to_json

    # keep_going: a pool that cannot be read is listed in "errors", the others still printed
    return to_json(parse_zpool(_read(path), path, keep_going=True))


def _parse_diskutil(path: str) -> dict[str, Any]:
    from raidwatch.parsers.diskutil import parse_diskutil, to_json

    return to_json(parse_diskutil(_read(path), path))


PARSE_KINDS: dict[str, tuple[Callable[[str], dict[str, Any]], str]] = {
    "mdstat": (_parse_mdstat, "/proc/mdstat text"),
    "mdadm-detail": (_parse_mdadm, "`mdadm --detail` output (also accepts `mdadm --examine`)"),
    "mdadm-examine": (_parse_mdadm, "`mdadm --examine` output (same reader as mdadm-detail)"),
    "hwraid": (
        _parse_hwraid,
        "a hardware RAID tool's output (MegaCli, storcli, arcconf, ssacli, tw_cli, ...)",
    ),
    "sysfs-md": (_parse_sysfs_md, "a directory: an md sysfs tree (mdX/md/ or a tree with sys/block/mdX/md)"),
}


def _optional_kinds() -> None:
    """Kinds whose parsers are separate modules: offered when the module is present."""
    import importlib.util

    extra = {
        "smartctl": (
            "raidwatch.parsers.smartctl",
            _parse_smartctl,
            "`smartctl -a/-x` text or `smartctl -j` JSON",
        ),
        "diskutil": (
            "raidwatch.parsers.diskutil",
            _parse_diskutil,
            "`diskutil appleRAID list`/checkRAID/info -plist",
        ),
        "btrfs": (
            "raidwatch.parsers.btrfs",
            _parse_btrfs,
            "`btrfs filesystem show` or `btrfs device stats` output",
        ),
        "zpool": (
            "raidwatch.parsers.zpool",
            _parse_zpool,
            "`zpool status [-P] [-p] [-v]` or `zpool list [-v] [-H] -p` output",
        ),
    }
    for kind, (module, fn, doc) in extra.items():
        if importlib.util.find_spec(module) is not None:
            PARSE_KINDS[kind] = (fn, doc)


def cmd_parse(args: argparse.Namespace) -> int:
    fn, _doc = PARSE_KINDS[args.kind]
    try:
        result = fn(args.file)
    except ParseError as exc:
        raise UsageError(f"parse {args.kind}: {exc}") from None
    for err in result.get("errors") or ():  # a block left out, the rest printed: one line each
        print(f"raidwatch: parse {args.kind}: {err}", file=sys.stderr)
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=False))
    else:
        _print_plain(result)
    return EXIT_OK


def _print_plain(obj: Any, indent: int = 0) -> None:
    pad = "  " * indent
    if isinstance(obj, dict):
        for k, v in obj.items():
            if v in (None, [], {}, (), False) and k not in ("degraded", "read_only"):
                continue
            if isinstance(v, (dict, list)):
                print(f"{pad}{k}:")
                _print_plain(v, indent + 1)
            else:
                print(f"{pad}{k}: {v}")
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, (dict, list)):
                print(f"{pad}-")
                _print_plain(item, indent + 1)
            else:
                print(f"{pad}- {item}")
    else:
        print(f"{pad}{obj}")


# ---------------------------------------------------------------------------- inventory / record


def _probe(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from raidwatch.probe import LiveProbe, ReplayProbe

    if getattr(args, "replay", None):
        if not Path(args.replay).is_dir():
            raise UsageError(f"--replay {args.replay}: no such directory")
        try:
            return ReplayProbe(args.replay)
        except ProbeError as exc:
            raise UsageError(f"--replay: {exc}") from None
    return LiveProbe()


def _collectors(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from raidwatch import collectors

    names = None
    if getattr(args, "collectors", None):
        names = [n.strip() for n in args.collectors.split(",") if n.strip()]
    try:
        return collectors.create(names)
    except KeyError as exc:
        raise UsageError(f"--collectors: {exc.args[0]}") from None


def cmd_inventory(args: argparse.Namespace) -> int:
    from raidwatch.inventory import collect_inventory
    from raidwatch.model import to_jsonable
    from raidwatch.report import render_inventory

    inv = collect_inventory(_probe(args), _collectors(args))
    if args.json:
        print(json.dumps(to_jsonable(inv), indent=2))
    else:
        sys.stdout.write(render_inventory(inv))
    return EXIT_OK


def cmd_record(args: argparse.Namespace) -> int:
    from raidwatch.inventory import collect_inventory
    from raidwatch.probe import LiveProbe, RecordError, RecordingProbe

    out = Path(args.dir)
    collectors = _collectors(args)
    # RecordingProbe writes only inside a directory it created (0700), or with --force an existing real
    # directory; it never follows a symlink (O_NOFOLLOW|O_EXCL relative to a directory fd)
    rec = None
    try:
        rec = RecordingProbe(LiveProbe(), out, force=args.force)
        inv = collect_inventory(rec, collectors)
        rec.finish()
    except RecordError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{out}: cannot write the recording: {exc.strerror or exc}") from None
    finally:
        if rec is not None:
            rec.close()
    files, cmds = rec.files_written, rec.commands_written
    print(
        f"recorded {inv.header.hostname}: {files} files, {cmds} commands, {len(inv.volumes)} volumes, "
        f"{len(inv.arrays)} arrays into {out}"
    )
    return EXIT_OK


# ---------------------------------------------------------------------------- check / validate


def _load_policy(path: str | None):  # type: ignore[no-untyped-def]
    from raidwatch.check import BUILTIN_POLICY, SYSTEM_FLEET
    from raidwatch.policy import load_policy

    if path:
        return load_policy(path), path
    if SYSTEM_FLEET.is_file():
        return load_policy(SYSTEM_FLEET), str(SYSTEM_FLEET)
    return load_policy("(built-in defaults)", BUILTIN_POLICY), "(built-in defaults: / must be on a mirror)"


def cmd_check(args: argparse.Namespace) -> int:
    from raidwatch.check import UNKNOWN, HostResult, expand_replays, render, render_json
    from raidwatch.errors import ConfigError
    from raidwatch.findings import evaluate
    from raidwatch.inventory import collect_inventory
    from raidwatch.probe import LiveProbe, ReplayProbe

    try:
        policy, policy_path = _load_policy(args.fleet)
    except ConfigError as exc:
        print(f"RAIDWATCH UNKNOWN - invalid fleet policy\n{exc}")
        return UNKNOWN
    try:
        probes = [ReplayProbe(p) for p in expand_replays(args.replay)] if args.replay else [LiveProbe()]
    except (FileNotFoundError, ProbeError) as exc:
        print(f"RAIDWATCH UNKNOWN - {exc}")
        return UNKNOWN
    if args.host and len(probes) > 1:
        print("RAIDWATCH UNKNOWN - --host names one host; it cannot go with several recordings")
        return UNKNOWN
    results = []
    for probe in probes:
        inv = collect_inventory(probe, _collectors(args))
        host = args.host or inv.header.hostname
        try:
            hp = policy.for_host(host)
        except ConfigError as exc:
            print(f"RAIDWATCH UNKNOWN - {exc}")
            return UNKNOWN
        results.append(HostResult(inv, evaluate(inv, hp, extra=_history_findings(args, inv))))
    status, text = (render_json if args.json else render)(results, policy_path)
    sys.stdout.write(text)
    return status


def _history_findings(args: argparse.Namespace, inv):  # type: ignore[no-untyped-def]
    """With --state FILE: findings for disks and members seen on an earlier run and gone now."""
    if not getattr(args, "state", None):
        return []
    import time

    from raidwatch.errors import ConfigError
    from raidwatch.history import History

    try:
        return History.load(args.state).observe(inv, time.time())
    except (ConfigError, OSError) as exc:
        raise UsageError(f"--state: {exc}") from None


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a fleet.yaml, and/or a `serve --config` settings file with everything it names (the fleet file,
    the web config, the replay directory, the state file): what `serve` and SIGHUP would refuse is refused
    here, one line each on stderr, exit 2."""
    from raidwatch.errors import ConfigError
    from raidwatch.policy import load_policy

    if not args.file and not args.settings and not args.web_config:
        raise UsageError("validate: give a fleet.yaml, --settings FILE and/or --web-config FILE")
    problems: list[str] = []
    done: list[str] = []

    def step(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except (ConfigError, ProbeError) as exc:
            problems.extend(str(exc).splitlines())
        except Exception as exc:  # a bug, never a traceback: still one line
            problems.append(f"internal error: {type(exc).__name__}: {exc}")
        return None

    if args.file:
        policy = step(lambda: load_policy(args.file))
        if policy is not None:
            done.append(
                f"{args.file}: valid ({len(policy.groups)} groups, {len(policy.hosts)} hosts, "
                f"roles in defaults: {', '.join(policy.defaults.get('roles', {})) or 'none'})"
            )
    if args.settings:
        line = step(lambda: _validate_settings(args.settings))
        if line:
            done.append(line)
    if args.web_config:
        from raidwatch.webconfig import load_web_config

        if step(lambda: load_web_config(args.web_config)) is not None:
            done.append(f"{args.web_config}: valid web config")
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        return EXIT_USAGE
    for line in done:
        print(line)
    return EXIT_OK


def _validate_settings(path: str) -> str:
    """`serve --config FILE` without serving: load what it names and resolve the policy for this host."""
    from raidwatch.errors import ConfigError
    from raidwatch.settings import load_settings, parse_listen
    from raidwatch.webconfig import load_web_config

    settings = load_settings(path, {}, check_files=True)
    parse_listen(settings.listen_address)
    problems: list[str] = []
    policy = None
    host = None
    if settings.fleet:
        from raidwatch.policy import load_policy

        try:
            policy = load_policy(settings.fleet)
        except ConfigError as exc:
            problems.extend(str(exc).splitlines())
    try:
        load_web_config(settings.web_config_file)
    except ConfigError as exc:
        problems.extend(str(exc).splitlines())
    try:
        if settings.replay:
            from raidwatch.probe import ReplayProbe

            host = ReplayProbe(settings.replay).header().hostname
        else:
            import platform

            host = platform.node()
    except (ProbeError, OSError, ValueError) as exc:
        problems.append(f"{path}: replay: {settings.replay}: {exc}")
    if policy is not None and host:
        try:
            policy.for_host(host)  # two groups claiming this host with no priority to settle it, ...
        except ConfigError as exc:
            problems.append(f"{settings.fleet}: for this host ({host}): {str(exc).split(': ', 1)[-1]}")
    if problems:
        raise ConfigError("\n".join(problems))
    note = ""
    if settings.state_file:
        from raidwatch.history import check_state_file

        why = check_state_file(settings.state_file)
        if why:
            print(f"{settings.state_file}: note: {why}", file=sys.stderr)
            note = "; the state file would be set aside (see the note)"
    return (
        f"{path}: valid settings (fleet {settings.fleet or 'none'}, web config "
        f"{settings.web_config_file or 'none'}, collectors {', '.join(settings.collectors or ('all',))}, "
        f"interval {settings.interval:g}s{', host ' + host if host and policy is not None else ''}){note}"
    )


# ---------------------------------------------------------------------------- textfile


def cmd_textfile(args: argparse.Namespace) -> int:
    """Collect once, evaluate, write the metrics atomically for node_exporter's textfile collector."""
    import time

    from raidwatch.errors import ConfigError
    from raidwatch.exporter import build_snapshot, render_metrics, textfile_test_page, write_textfile
    from raidwatch.findings import evaluate
    from raidwatch.inventory import collect_inventory

    target = Path(args.path)
    if target.is_dir():
        raise UsageError(f"{args.path}: is a directory, expected a file path (e.g. raidwatch.prom)")
    if not target.parent.is_dir():
        raise UsageError(f"{args.path}: no such directory: {target.parent}")
    try:
        policy, policy_path = _load_policy(args.fleet)
    except ConfigError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid fleet policy"
        raise UsageError(f"invalid fleet policy: {first}") from None
    inv = collect_inventory(_probe(args), _collectors(args))
    try:
        hp = policy.for_host(inv.header.hostname)
    except ConfigError as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    gone = _history_findings(args, inv)
    test_page = textfile_test_page(target, getattr(args, "test_page", None), time.time())
    data = render_metrics(build_snapshot(inv, evaluate(inv, hp, extra=gone), policy_path), test_page)
    try:
        write_textfile(target, data)
    except OSError as exc:
        raise UsageError(f"{args.path}: cannot write: {exc.strerror or exc}") from None
    log.info("wrote %d bytes of metrics to %s", len(data), target)
    return EXIT_OK


# ---------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    _optional_kinds()
    p = argparse.ArgumentParser(
        prog="raidwatch",
        description="Storage inventory and RAID health: which volumes survive the loss of a disk.",
    )
    p.add_argument("--version", action="version", version=f"raidwatch {__version__}")
    p.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output on stderr (-vv: debug)"
    )
    p.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    inv = sub.add_parser("inventory", help="show the host's volumes, device stacks, arrays and disks")
    inv.add_argument("--replay", metavar="DIR", help="read a recorded host directory instead of this machine")
    inv.add_argument("--json", action="store_true", help="print the inventory as JSON")
    inv.add_argument("--collectors", metavar="LIST", help="comma-separated collectors to run (default: all)")
    inv.set_defaults(func=cmd_inventory)

    kinds = "\n".join(f"  {k:14} {doc}" for k, (_f, doc) in PARSE_KINDS.items())
    par = sub.add_parser(
        "parse",
        help="parse one recorded tool output and print the normalized model",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Parse one recorded tool output. KINDs:\n" + kinds,
    )
    par.add_argument(
        "kind", metavar="KIND", choices=sorted(PARSE_KINDS), help="one of: " + ", ".join(PARSE_KINDS)
    )
    par.add_argument("file", metavar="FILE", help="the recorded output (a directory for sysfs-md)")
    par.add_argument("--json", action="store_true", help="print JSON (the stable interface)")
    par.set_defaults(func=cmd_parse)

    chk = sub.add_parser(
        "check",
        help="check hosts against the fleet policy (Nagios plugin: exit 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN)",
    )
    chk.add_argument(
        "--fleet",
        metavar="FILE",
        help="fleet policy (default: /etc/raidwatch/fleet.yaml, else built-in defaults: / on a mirror)",
    )
    chk.add_argument(
        "--replay",
        metavar="DIR",
        action="append",
        help="a recorded host, or a directory of them (repeatable); default: this machine",
    )
    chk.add_argument("--host", metavar="NAME", help="check as this host name (default: the host's own name)")
    chk.add_argument("--json", action="store_true", help="print the result as JSON (same exit status)")
    chk.add_argument("--collectors", metavar="LIST", help="comma-separated collectors to run (default: all)")
    chk.add_argument(
        "--state",
        metavar="FILE",
        help="remember disks and array members here between runs; one seen before and gone now is a finding",
    )
    chk.set_defaults(func=cmd_check)

    from raidwatch.daemon import add_serve_parser
    from raidwatch.fleet_cli import add_fleet_parser

    add_serve_parser(sub)
    add_fleet_parser(sub)

    from raidwatch.rules import add_rules_parser
    from raidwatch.service import add_test_page_parser

    add_rules_parser(sub)
    add_test_page_parser(sub)

    val = sub.add_parser(
        "validate",
        help="validate a fleet policy file and/or the daemon's settings (exit 0 valid, 2 invalid)",
        description="Check what `serve` would load, without serving: each problem is one line on stderr "
        "(file:line:col: key: why) and the exit status is 2.",
    )
    val.add_argument("file", metavar="FILE", nargs="?", help="the fleet.yaml to check")
    val.add_argument(
        "--settings",
        metavar="FILE",
        help="a `serve --config` settings file: checked with the fleet file, web config, replay directory "
        "and state file it names, and the policy resolved for this host's name",
    )
    val.add_argument("--web-config", dest="web_config", metavar="FILE", help="a web-config.yml to check")
    val.set_defaults(func=cmd_validate)

    txt = sub.add_parser(
        "textfile",
        help="collect once and write the Prometheus metrics to PATH atomically (node_exporter textfile)",
    )
    txt.add_argument(
        "path", metavar="PATH", help="the file to write, e.g. /var/lib/node_exporter/raidwatch.prom"
    )
    txt.add_argument(
        "--fleet",
        metavar="FILE",
        help="fleet policy (default: /etc/raidwatch/fleet.yaml, else built-in defaults: / on a mirror)",
    )
    txt.add_argument("--replay", metavar="DIR", help="read a recorded host directory instead of this machine")
    txt.add_argument("--collectors", metavar="LIST", help="comma-separated collectors to run (default: all)")
    txt.add_argument(
        "--state", metavar="FILE", help="remember disks and array members between runs (as check)"
    )
    txt.add_argument(
        "--test-page",
        dest="test_page",
        metavar="DURATION",
        help="also expose a test page (RaidwatchTestPage) for DURATION; later runs keep it until then",
    )
    txt.set_defaults(func=cmd_textfile)

    rec = sub.add_parser("record", help="record every file and command the collectors read into DIR")
    rec.add_argument("dir", metavar="DIR", help="directory to create (a recorded host, see README)")
    rec.add_argument("--force", action="store_true", help="record into an existing non-empty directory")
    rec.add_argument("--collectors", metavar="LIST", help="comma-separated collectors to run (default: all)")
    rec.set_defaults(func=cmd_record)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="raidwatch: %(levelname)s: %(message)s", stream=sys.stderr)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"raidwatch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RaidwatchError as exc:
        print(f"raidwatch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one line for the user, the traceback on request
        if args.debug:
            raise
        print(
            f"raidwatch: internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
