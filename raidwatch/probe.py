"""How facts are read: the live host, a recorded host directory (replay), or a recorder around live."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import platform
import re
import signal
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from raidwatch import __version__
from raidwatch.errors import ProbeError
from raidwatch.model import HostHeader, Mount

FORMAT_VERSION = 1
DEFAULT_TIMEOUT = 20.0
# Commands run with a fixed locale so their output is the one the parsers know.
COMMAND_ENV_OVERRIDES = {"LC_ALL": "C", "LANG": "C"}


@dataclass(frozen=True)
class CommandResult:
    """What running one command gave: exit status, output, and whether it ran at all."""

    argv: tuple[str, ...]
    returncode: int | None  # None when it timed out or could not be started
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    missing: bool = False  # the program does not exist on this host (or was not recorded)
    duration_seconds: float = 0.0

    @property
    def command(self) -> str:
        return " ".join(self.argv)

    def describe_failure(self) -> str:
        """One line on why this did not succeed (empty when it did)."""
        if self.missing:
            return f"`{self.command}`: command not found"
        if self.timed_out:
            return f"`{self.command}`: timed out after {self.duration_seconds:.1f}s (process group killed)"
        if self.returncode:
            err = self.stderr.strip().splitlines()
            tail = f": {err[-1]}" if err else ""
            return f"`{self.command}`: exit status {self.returncode}{tail}"
        return ""


def _os_error_reason(exc: OSError) -> str:
    if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ENODEV, errno.ENXIO):
        return "missing"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission"
    return "io"


class Probe(ABC):
    """The only way collectors touch the host. Paths are absolute host paths ("/proc/mdstat")."""

    @abstractmethod
    def read_text(self, path: str) -> str:
        """A file's text; raises ProbeError(reason=missing|permission|io)."""

    @abstractmethod
    def list_dir(self, path: str) -> list[str]:
        """Sorted entry names of a directory; raises ProbeError."""

    @abstractmethod
    def read_link(self, path: str) -> str:
        """A symlink's target, verbatim; raises ProbeError."""

    @abstractmethod
    def run(self, argv: list[str] | tuple[str, ...], timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        """Run a command (argv list, no shell). Never raises for a failing or missing command."""

    @abstractmethod
    def mounts(self) -> list[Mount]:
        """Mounted filesystems backed by devices."""

    @abstractmethod
    def header(self) -> HostHeader:
        """Hostname, OS, kernel of the host being read."""

    @property
    def is_replay(self) -> bool:
        return False

    def exists(self, path: str) -> bool:
        try:
            self.read_text(path)
            return True
        except ProbeError as exc:
            if exc.reason == "missing":
                try:
                    self.list_dir(path)
                    return True
                except ProbeError as exc2:
                    return exc2.reason != "missing"
            return True

    def read_optional(self, path: str) -> str | None:
        """A file's text stripped, or None when it does not exist (other errors still raise)."""
        try:
            return self.read_text(path).strip()
        except ProbeError as exc:
            if exc.reason == "missing":
                return None
            raise


def run_command(argv: list[str] | tuple[str, ...], timeout: float) -> CommandResult:
    """Run argv in its own process group; on timeout kill the whole group. Keeps stderr and status."""
    argv = tuple(argv)
    env = dict(os.environ, **COMMAND_ENV_OVERRIDES)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except FileNotFoundError:
        return CommandResult(argv, None, "", f"{argv[0]}: command not found", missing=True)
    except PermissionError as exc:
        return CommandResult(argv, None, "", f"{argv[0]}: {exc.strerror}", missing=False)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return CommandResult(
            argv,
            None,
            out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"),
            timed_out=True,
            duration_seconds=time.monotonic() - start,
        )
    return CommandResult(
        argv,
        proc.returncode,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        duration_seconds=time.monotonic() - start,
    )


class LiveProbe(Probe):
    """Reads the running host. `root` re-roots file paths (like node_exporter's --path.sysfs) for tests."""

    def __init__(self, root: str = "/") -> None:
        self.root = root

    def _p(self, path: str) -> str:
        return path if self.root == "/" else os.path.join(self.root, path.lstrip("/"))

    def read_text(self, path: str) -> str:
        try:
            with open(self._p(path), "rb") as fh:
                return fh.read().decode("utf-8", "replace")
        except OSError as exc:
            raise ProbeError(path, _os_error_reason(exc), exc.strerror or "") from None

    def list_dir(self, path: str) -> list[str]:
        try:
            return sorted(os.listdir(self._p(path)))
        except OSError as exc:
            raise ProbeError(path, _os_error_reason(exc), exc.strerror or "") from None

    def read_link(self, path: str) -> str:
        try:
            return os.readlink(self._p(path))
        except OSError as exc:
            raise ProbeError(path, _os_error_reason(exc), exc.strerror or "") from None

    def run(self, argv: list[str] | tuple[str, ...], timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        return run_command(argv, timeout)

    def mounts(self) -> list[Mount]:
        import psutil

        out = []
        for p in psutil.disk_partitions(all=False):
            out.append(Mount(device=p.device, mountpoint=p.mountpoint, fstype=p.fstype, options=p.opts))
        return out

    def header(self) -> HostHeader:
        return HostHeader(
            hostname=platform.node(),
            os=platform.system(),
            kernel=platform.release(),
            machine=platform.machine(),
            raidwatch_version=__version__,
        )


def command_slug(argv: tuple[str, ...] | list[str]) -> str:
    """A readable directory name for a command: `mdadm --detail /dev/md0` -> mdadm_--detail_dev_md0."""
    text = "_".join(a.strip("/").replace("/", "_") for a in argv)
    text = re.sub(r"[^A-Za-z0-9._,=+-]+", "_", text).strip("_.")
    return text[:150] or "command"


class ReplayProbe(Probe):
    """Answers every read from a recorded host directory (see README "Recorded hosts")."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.dir = Path(directory)
        if not (self.dir / "host.json").is_file():
            raise ProbeError(str(self.dir), "missing", "not a recorded host: no host.json")
        self.fs_root = (self.dir / "fs").resolve()
        try:
            self._host = json.loads((self.dir / "host.json").read_text())
            index_path = self.dir / "fs.json"
            index = json.loads(index_path.read_text()) if index_path.is_file() else {}
            mounts_path = self.dir / "mounts.json"
            self._mounts = json.loads(mounts_path.read_text()) if mounts_path.is_file() else []
        except (OSError, ValueError) as exc:
            raise ProbeError(str(self.dir), "io", f"unreadable recording: {exc}") from None
        if not isinstance(self._host, dict):
            raise ProbeError(str(self.dir / "host.json"), "io", "expected a JSON object")
        self._dirs: dict[str, list[str]] = dict(index.get("dirs", {}))
        self._links: dict[str, str] = dict(index.get("links", {}))
        self._errors: dict[str, str] = dict(index.get("errors", {}))
        self._commands: dict[tuple[str, ...], Path] = {}
        cmd_root = self.dir / "commands"
        if cmd_root.is_dir():
            for meta in sorted(cmd_root.glob("*/cmd.json")):
                try:
                    argv = tuple(json.loads(meta.read_text())["argv"])
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    raise ProbeError(str(meta), "io", f"unreadable command record: {exc}") from None
                self._commands[argv] = meta.parent

    @property
    def is_replay(self) -> bool:
        return True

    def _local(self, path: str) -> Path:
        local = (self.fs_root / path.lstrip("/")).resolve()
        if local != self.fs_root and self.fs_root not in local.parents:
            raise ProbeError(path, "permission", "path leaves the recorded host directory")
        return local

    def _recorded_error(self, path: str) -> None:
        reason = self._errors.get(path)
        if reason:
            raise ProbeError(path, reason.split(":", 1)[0], "recorded")

    def read_text(self, path: str) -> str:
        self._recorded_error(path)
        local = self._local(path)
        try:
            return local.read_bytes().decode("utf-8", "replace")
        except OSError as exc:
            raise ProbeError(path, _os_error_reason(exc), "not in recording") from None

    def list_dir(self, path: str) -> list[str]:
        self._recorded_error(path)
        key = path.rstrip("/") or "/"
        if key in self._dirs:
            return sorted(self._dirs[key])
        local = self._local(path)
        names = set()
        if local.is_dir():
            names.update(os.listdir(local))
        prefix = key.rstrip("/") + "/"
        names.update(
            p[len(prefix) :] for p in self._links if p.startswith(prefix) and "/" not in p[len(prefix) :]
        )
        if not names and not local.is_dir():
            raise ProbeError(path, "missing", "not in recording")
        return sorted(names)

    def read_link(self, path: str) -> str:
        self._recorded_error(path)
        if path in self._links:
            return self._links[path]
        raise ProbeError(path, "missing", "no link recorded")

    def run(self, argv: list[str] | tuple[str, ...], timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        argv = tuple(argv)
        d = self._commands.get(argv)
        if d is None:
            return CommandResult(argv, None, "", f"{argv[0]}: not in recording", missing=True)
        meta = json.loads((d / "cmd.json").read_text())

        def text(name: str) -> str:
            p = d / name
            return p.read_bytes().decode("utf-8", "replace") if p.is_file() else ""

        return CommandResult(
            argv,
            meta.get("returncode"),
            text("stdout"),
            text("stderr"),
            timed_out=bool(meta.get("timed_out", False)),
            missing=bool(meta.get("missing", False)),
            duration_seconds=float(meta.get("duration_seconds", 0.0)),
        )

    def mounts(self) -> list[Mount]:
        return [
            Mount(
                device=str(m.get("device", "")),
                mountpoint=str(m.get("mountpoint", "")),
                fstype=str(m.get("fstype", "")),
                options=str(m.get("options", "")),
            )
            for m in self._mounts
            if isinstance(m, dict)
        ]

    def header(self) -> HostHeader:
        h = self._host
        return HostHeader(
            hostname=str(h.get("hostname", self.dir.name)),
            os=str(h.get("os", "Linux")),
            kernel=str(h.get("kernel", "")),
            machine=str(h.get("machine", "")),
            recorded_at=h.get("recorded_at"),
            raidwatch_version=h.get("raidwatch_version"),
        )


class RecordingProbe(Probe):
    """Wraps a probe and writes every fact it returns into a recorded host directory."""

    def __init__(self, inner: Probe, directory: str | os.PathLike[str]) -> None:
        self.inner = inner
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "fs").mkdir(exist_ok=True)
        self._dirs: dict[str, list[str]] = {}
        self._links: dict[str, str] = {}
        self._errors: dict[str, str] = {}
        self._mounts: list[Mount] = []
        self._lock = threading.Lock()
        self._slugs: set[str] = set()

    def _local(self, path: str) -> Path:
        return self.dir / "fs" / path.lstrip("/")

    def _guard(self, path: str, fn):  # type: ignore[no-untyped-def]
        try:
            return fn()
        except ProbeError as exc:
            with self._lock:
                self._errors[path] = exc.reason
            raise

    def read_text(self, path: str) -> str:
        text = self._guard(path, lambda: self.inner.read_text(path))
        local = self._local(path)
        with self._lock:
            if local.is_dir():  # a path both listed as a directory and read: keep the directory
                return text
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_text(text)
        return text

    def list_dir(self, path: str) -> list[str]:
        names = self._guard(path, lambda: self.inner.list_dir(path))
        with self._lock:
            self._dirs[path.rstrip("/") or "/"] = list(names)
        return names

    def read_link(self, path: str) -> str:
        target = self._guard(path, lambda: self.inner.read_link(path))
        with self._lock:
            self._links[path] = target
        return target

    def run(self, argv: list[str] | tuple[str, ...], timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        res = self.inner.run(argv, timeout)
        with self._lock:
            slug = command_slug(res.argv)
            n = 2
            base = slug
            while slug in self._slugs:
                slug = f"{base}.{n}"
                n += 1
            self._slugs.add(slug)
            d = self.dir / "commands" / slug
            d.mkdir(parents=True, exist_ok=True)
            meta = {
                "argv": list(res.argv),
                "returncode": res.returncode,
                "timed_out": res.timed_out,
                "missing": res.missing,
                "duration_seconds": round(res.duration_seconds, 3),
            }
            (d / "cmd.json").write_text(json.dumps(meta, indent=2) + "\n")
            (d / "stdout").write_text(res.stdout)
            (d / "stderr").write_text(res.stderr)
        return res

    def mounts(self) -> list[Mount]:
        self._mounts = self.inner.mounts()
        return self._mounts

    def header(self) -> HostHeader:
        return self.inner.header()

    def finish(self) -> Path:
        """Write the index files and the header; returns the directory."""
        header = self.inner.header()
        host = {
            "format": FORMAT_VERSION,
            "hostname": header.hostname,
            "os": header.os,
            "kernel": header.kernel,
            "machine": header.machine,
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "raidwatch_version": __version__,
        }
        (self.dir / "host.json").write_text(json.dumps(host, indent=2) + "\n")
        (self.dir / "mounts.json").write_text(json.dumps([asdict(m) for m in self._mounts], indent=2) + "\n")
        index = {"dirs": self._dirs, "links": self._links, "errors": self._errors}
        (self.dir / "fs.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
        return self.dir
