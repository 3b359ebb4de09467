"""Service glue: systemd notification, journald-friendly logging, and `raidwatch test-page` (SIGUSR1)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from raidwatch.errors import ConfigError

log = logging.getLogger("raidwatch.daemon")


def sd_notify(message: str) -> bool:
    """Tell systemd (Type=notify) something; a no-op outside systemd."""
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return False
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.connect(addr)
            s.sendall(message.encode())
        return True
    except OSError as exc:
        log.debug("sd_notify(%s) failed: %s", message, exc)
        return False


class JournalFormatter(logging.Formatter):
    """Under systemd, prefix each line with its syslog priority (<3> error ...) for journald."""

    PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record).replace("\n", " | ")
        return f"<{self.PRIORITY.get(record.levelno, 6)}>{text}"


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("JOURNAL_STREAM") or os.environ.get("INVOCATION_ID"):
        handler.setFormatter(JournalFormatter("%(message)s"))
    else:
        handler.setFormatter(logging.Formatter("raidwatch: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))


def add_test_page_parser(sub: Any) -> None:
    """The `test-page` subcommand: SIGUSR1 to the running daemon."""
    p = sub.add_parser(
        "test-page",
        help="make the running daemon raise a test page (SIGUSR1): proves that an alert reaches a human",
        description="Send SIGUSR1 to the running `raidwatch serve`: for its --test-page-duration "
        "(default 10m) it exposes raidwatch_test_page_active 1 and a critical finding code=test-page, "
        "which the shipped rules turn into the RaidwatchTestPage alert (critical: it takes the real "
        "paging route). The daemon is found by --pid, --pidfile, or else as the MainPID of the systemd "
        "unit --unit. Equivalent: `systemctl kill --kill-whom=main -s USR1 raidwatch`; launchd: "
        "`launchctl kill SIGUSR1 system/org.raidwatch.exporter`.",
    )
    p.add_argument("--pid", type=int, metavar="PID", help="the daemon's process id")
    p.add_argument("--pidfile", metavar="FILE", help="a file holding the daemon's process id")
    p.add_argument(
        "--unit",
        default="raidwatch.service",
        metavar="UNIT",
        help="systemd unit whose MainPID is the daemon (default raidwatch.service)",
    )
    p.set_defaults(func=_cmd_test_page)


def _daemon_pid(args: Any) -> int:
    if args.pid is not None:
        return int(args.pid)
    if args.pidfile:
        try:
            text = Path(args.pidfile).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"--pidfile {args.pidfile}: {exc.strerror or exc}") from None
        if not text.isdecimal():
            raise ConfigError(f"--pidfile {args.pidfile}: expected a process id, got {text[:40]!r}")
        return int(text)
    import shutil
    import subprocess

    systemctl = shutil.which("systemctl")
    if systemctl is None:
        raise ConfigError("no --pid or --pidfile, and no systemctl to ask for the daemon's MainPID")
    try:
        res = subprocess.run(
            [systemctl, "show", "--property=MainPID", "--value", args.unit],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"systemctl show {args.unit}: {exc}") from None
    pid = res.stdout.strip()
    if res.returncode != 0 or not pid.isdecimal() or int(pid) == 0:
        raise ConfigError(
            f"{args.unit} is not running (systemctl reports no MainPID); give --pid or --pidfile"
        )
    return int(pid)


def _cmd_test_page(args: Any) -> int:
    try:
        pid = _daemon_pid(args)
        if pid <= 1:
            raise ConfigError(f"pid {pid}: not a daemon's process id")
        cmdline = f"/proc/{pid}/cmdline"
        if os.path.isdir("/proc/self"):  # Linux: refuse to signal anything but raidwatch (a stale pidfile)
            try:
                with open(cmdline, "rb") as fh:
                    argv = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except FileNotFoundError:
                raise ConfigError(f"no process {pid}") from None
            except OSError as exc:
                raise ConfigError(f"{cmdline}: {exc.strerror or exc}") from None
            if "raidwatch" not in argv or "serve" not in argv:
                raise ConfigError(
                    f"process {pid} is not `raidwatch serve` ({argv[:80]!r}): not signalling it"
                )
        try:
            os.kill(pid, signal.SIGUSR1)
        except ProcessLookupError:
            raise ConfigError(f"no process {pid}") from None
        except PermissionError:
            raise ConfigError(
                f"not allowed to signal process {pid}: run as root or as the daemon's user "
                "(or `systemctl kill --kill-whom=main -s USR1 raidwatch`)"
            ) from None
    except ConfigError as exc:
        print(f"raidwatch: test-page: {exc}", file=sys.stderr)
        return 2
    print(
        f"sent SIGUSR1 to raidwatch serve (pid {pid}): it exposes a test page (raidwatch_test_page_active 1) "
        "for its --test-page-duration; expect the RaidwatchTestPage alert to page, and see the daemon's log"
    )
    return 0
