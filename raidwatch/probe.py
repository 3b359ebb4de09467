"""How facts are read: the live host, a recorded host directory (replay), or a recorder around live.

Every read is bounded in time and size. A command runs in its own process group with a deadline; its
pipes are read with poll() against that deadline (a child that keeps a pipe open after the command exits,
or a command stuck in the kernel, cannot hold the reader); on the deadline the whole group gets SIGTERM,
then SIGKILL, and is reaped with a bounded wait. stdout is capped at OUTPUT_LIMIT bytes and stderr at
STDERR_LIMIT: beyond the cap the run is stopped and reported as "output larger than N bytes". A file read
runs in a reusable daemon thread with a deadline (FILE_TIMEOUT); a read that never returns is left behind,
at most MAX_STUCK_READS of them at a time (further reads fail at once, as timeouts, until one returns),
and is reported as a `timeout` ProbeError naming the path. Running out of file descriptors or threads is
a ProbeError of reason `exhausted`, never "missing". Files are capped at FILE_LIMIT bytes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import math
import os
import platform
import queue
import re
import select
import signal
import stat
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from raidwatch import __version__
from raidwatch.errors import ProbeError, RaidwatchError
from raidwatch.model import HostHeader, Mount

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
DEFAULT_TIMEOUT = 20.0
# Commands run with a fixed locale so their output is the one the parsers know.
COMMAND_ENV_OVERRIDES = {"LC_ALL": "C", "LANG": "C"}

MIB = 1024 * 1024
OUTPUT_LIMIT = 16 * MIB  # stdout bytes read from one command; more stops it (a real smartctl -a is ~10 KiB)
STDERR_LIMIT = 1 * MIB  # stderr bytes read from one command
FILE_LIMIT = 16 * MIB  # bytes read from one file (sysfs attributes are one line; mountinfo a few MiB at most)
FILE_TIMEOUT = 5.0  # seconds one file read (open + read, a listing, a readlink) may take
MAX_STUCK_READS = 8  # file reads left behind at once (each holds one thread); more fail at once
KILL_GRACE = 0.5  # seconds between SIGTERM and SIGKILL of a command's process group
REAP_WAIT = 1.0  # seconds to wait for a killed command to be reaped before leaving it to a later run
LINGER = 1.0  # seconds a command's children may hold its pipes open after it exited
_CHUNK = 64 * 1024

# errno values that mean "this process ran out of something", not "the file is not there"
_EXHAUSTED = {
    errno.EMFILE: "out of file descriptors (EMFILE, the process limit)",
    errno.ENFILE: "out of file descriptors (ENFILE, the system limit)",
    errno.ENOMEM: "out of memory (ENOMEM)",
    errno.ENOBUFS: "out of buffer space (ENOBUFS)",
    errno.EAGAIN: "out of processes or threads (EAGAIN)",
}

T = TypeVar("T")


@dataclass(frozen=True)
class CommandResult:
    """What running one command gave: exit status, output, and whether it ran at all."""

    argv: tuple[str, ...]
    returncode: int | None  # None when it timed out, was stopped, or could not be started
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    missing: bool = False  # the program does not exist on this host (or was not recorded)
    duration_seconds: float = 0.0
    error: str = ""  # why it did not run to its end: output too large, could not start, ...
    exhausted: bool = False  # it could not start for want of file descriptors, processes or memory

    @property
    def command(self) -> str:
        return " ".join(self.argv)

    def describe_failure(self) -> str:
        """One line on why this did not succeed (empty when it did)."""
        if self.missing:
            return f"`{self.command}`: command not found"
        if self.timed_out:
            text = f"`{self.command}`: timed out after {self.duration_seconds:.1f}s (process group killed)"
            return f"{text}; {self.error}" if self.error else text
        if self.error:
            return f"`{self.command}`: {self.error}"
        if self.returncode is not None and self.returncode < 0:
            return f"`{self.command}`: killed by signal {_signal_name(-self.returncode)} (crashed?)"
        if self.returncode:
            err = self.stderr.strip().splitlines()
            tail = f": {err[-1]}" if err else ""
            return f"`{self.command}`: exit status {self.returncode}{tail}"
        return ""


def _signal_name(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return str(num)


def _os_error_reason(exc: OSError) -> str:
    if exc.errno in _EXHAUSTED:
        return "exhausted"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ENODEV, errno.ENXIO):
        return "missing"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission"
    return "io"


def _probe_error(path: str, exc: OSError) -> ProbeError:
    reason = _os_error_reason(exc)
    if reason == "exhausted":
        return ProbeError(path, reason, _EXHAUSTED[exc.errno or 0])
    return ProbeError(path, reason, exc.strerror or "")


class Probe(ABC):
    """The only way collectors touch the host. Paths are absolute host paths ("/proc/mdstat")."""

    @abstractmethod
    def read_text(self, path: str) -> str:
        """A file's text; raises ProbeError(reason=missing|permission|io|timeout|exhausted)."""

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


# ------------------------------------------------------------------------------------------ commands

_stuck_lock = threading.Lock()
_STUCK_COMMANDS: dict[tuple[str, ...], subprocess.Popen[bytes]] = {}  # argv -> a run SIGKILL did not end


def stuck_commands() -> int:
    """Commands killed on a deadline that have not died yet (stuck in the kernel); each argv at most once."""
    _reap_stuck()
    with _stuck_lock:
        return len(_STUCK_COMMANDS)


def _reap_stuck() -> None:
    with _stuck_lock:
        for argv, proc in list(_STUCK_COMMANDS.items()):
            if proc.poll() is not None:
                del _STUCK_COMMANDS[argv]


def _exited(proc: subprocess.Popen[bytes]) -> bool:
    """Whether the command has exited, without reaping it (its pid, and so its process group id, stays
    reserved until we kill the group)."""
    if proc.returncode is not None:
        return True
    if hasattr(os, "waitid"):
        try:
            return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:
            return True
    return proc.poll() is not None


def _kill_group(proc: subprocess.Popen[bytes], argv: tuple[str, ...]) -> int | None:
    """SIGTERM the command's process group, SIGKILL it after KILL_GRACE, reap the command with a bounded
    wait. Returns its exit status, or None when it would not die (left for a later run to reap)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    end = time.monotonic() + KILL_GRACE
    while not _exited(proc) and time.monotonic() < end:
        time.sleep(0.02)
    # the rest of the group too, even when the command itself went on SIGTERM
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        return proc.wait(REAP_WAIT)
    except subprocess.TimeoutExpired:
        log.warning(
            "`%s` (pid %d) did not die on SIGKILL (stuck in the kernel?); not run again until it does",
            " ".join(argv),
            proc.pid,
        )
        with _stuck_lock:
            _STUCK_COMMANDS[argv] = proc
        return None


def run_command(
    argv: list[str] | tuple[str, ...],
    timeout: float,
    *,
    stdout_limit: int = OUTPUT_LIMIT,
    stderr_limit: int = STDERR_LIMIT,
) -> CommandResult:
    """Run argv in its own process group with a deadline that a held pipe cannot defeat; on the deadline
    (or output beyond the caps) kill the whole group. Keeps stderr and the exit status. Never raises."""
    argv = tuple(argv)
    _reap_stuck()
    with _stuck_lock:
        stuck = _STUCK_COMMANDS.get(argv)
    if stuck is not None:
        why = f"an earlier run (pid {stuck.pid}) was killed and has not died yet; not started again"
        return CommandResult(argv, None, timed_out=True, error=why)
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
        return CommandResult(
            argv, None, "", f"{argv[0]}: {exc.strerror}", error=f"cannot run: {exc.strerror}"
        )
    except OSError as exc:  # EMFILE, EAGAIN (no process left), ENOMEM, ...
        exhausted = exc.errno in _EXHAUSTED
        why = _EXHAUSTED[exc.errno or 0] if exhausted else (exc.strerror or str(exc))
        return CommandResult(argv, None, error=f"could not start: {why}", exhausted=exhausted)
    try:
        return _supervise(proc, argv, start, timeout, stdout_limit, stderr_limit)
    finally:
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def _supervise(
    proc: subprocess.Popen[bytes],
    argv: tuple[str, ...],
    start: float,
    timeout: float,
    stdout_limit: int,
    stderr_limit: int,
) -> CommandResult:
    assert proc.stdout is not None and proc.stderr is not None
    deadline = start + max(timeout, 0.0)
    out, err = bytearray(), bytearray()
    streams = {
        proc.stdout.fileno(): ("stdout", out, stdout_limit),
        proc.stderr.fileno(): ("stderr", err, stderr_limit),
    }
    poller = select.poll()
    for fd in streams:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    stop: str | None = None  # "timeout", "held" (children keep the pipes after it exited), or "too large"
    too_large = ""
    exited_at: float | None = None
    while streams:
        now = time.monotonic()
        if now >= deadline:
            stop = "timeout"
            break
        if exited_at is None and _exited(proc):
            exited_at = now
        if exited_at is not None and now - exited_at >= LINGER:
            stop = "held"
            break
        wait = min(deadline - now, 0.25 if exited_at is None else LINGER - (now - exited_at))
        for fd, _event in poller.poll(max(wait, 0.0) * 1000):
            try:
                data = os.read(fd, _CHUNK)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            name, buf, limit = streams.get(fd, ("", bytearray(), 0))
            if not name:
                continue
            if not data:
                poller.unregister(fd)
                del streams[fd]
                continue
            buf.extend(data)
            if len(buf) > limit:
                too_large = (
                    f"{name} larger than {limit} bytes ({limit // MIB} MiB): stopped, process group killed"
                )
                stop = "too large"
                break
        if stop:
            break
    returncode: int | None
    if stop is None:  # both pipes closed: the command is ending; wait for it, up to the deadline
        try:
            returncode = proc.wait(max(deadline - time.monotonic(), 0.0))
        except subprocess.TimeoutExpired:
            stop = "timeout"
    if stop is not None:
        returncode = _kill_group(proc, argv)
    duration = time.monotonic() - start
    if stop == "timeout":
        return CommandResult(
            argv,
            None,
            out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"),
            timed_out=True,
            duration_seconds=duration,
        )
    if stop == "too large":
        out.clear()  # never parse a partial output; memory back at once
        return CommandResult(
            argv,
            None,
            "",
            err[:_CHUNK].decode("utf-8", "replace"),
            duration_seconds=duration,
            error=too_large,
        )
    if stop == "held":  # it exited; what it wrote is complete. The children holding the pipes are killed.
        log.debug("`%s`: exited, its children held the pipes; process group killed", " ".join(argv))
    return CommandResult(
        argv,
        returncode,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        duration_seconds=duration,
    )


# ------------------------------------------------------------------------------------------ file reads


class _Job:
    __slots__ = ("abandoned", "done", "error", "finished", "fn", "result")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.finished = False
        self.abandoned = False


class _BoundedCalls:
    """Runs blocking file-system calls in reusable daemon threads, each with a deadline. A call that does
    not return in time is left behind (its thread is counted as stuck until it returns); with
    `max_stuck` threads stuck, further calls fail at once instead of piling up threads."""

    def __init__(self, max_stuck: int = MAX_STUCK_READS, max_idle: int = 4) -> None:
        self.max_stuck = max_stuck
        self.max_idle = max_idle
        self._lock = threading.Lock()
        self._idle: list[queue.SimpleQueue[_Job]] = []
        self._stuck: dict[int, str] = {}  # id(job) -> what it was reading

    @property
    def stuck(self) -> int:
        with self._lock:
            return len(self._stuck)

    def call(self, fn: Callable[[], T], timeout: float, subject: str) -> T:
        with self._lock:
            if len(self._stuck) >= self.max_stuck:
                raise ProbeError(
                    subject,
                    "timeout",
                    f"not read: {len(self._stuck)} earlier file reads never returned "
                    f"(at most {self.max_stuck} are left behind), e.g. {next(iter(self._stuck.values()))}",
                )
            inbox = self._idle.pop() if self._idle else None
        job = _Job(fn)
        if inbox is None:
            inbox = queue.SimpleQueue()
            try:
                threading.Thread(target=self._work, args=(inbox,), name="raidwatch-read", daemon=True).start()
            except RuntimeError as exc:  # can't start new thread (TasksMax, RLIMIT_NPROC)
                raise ProbeError(subject, "exhausted", f"cannot start a reader thread: {exc}") from None
        inbox.put(job)
        if not job.done.wait(timeout):
            with self._lock:
                if not job.finished:
                    job.abandoned = True
                    self._stuck[id(job)] = subject
                    n = len(self._stuck)
            if job.abandoned:
                log.warning("%s: no answer in %gs; the read is left behind (%d stuck)", subject, timeout, n)
                raise ProbeError(
                    subject,
                    "timeout",
                    f"no answer in {timeout:g}s; left behind ({n} stuck, at most {self.max_stuck})",
                )
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[no-any-return]

    def _work(self, inbox: queue.SimpleQueue[_Job]) -> None:
        while True:
            job = inbox.get()
            try:
                job.result = job.fn()
            except BaseException as exc:  # handed to the caller
                job.error = exc
            with self._lock:
                job.finished = True
                if job.abandoned:
                    self._stuck.pop(id(job), None)
                    job.error = job.result = None  # nobody will read it
                keep = len(self._idle) < self.max_idle
                if keep:
                    self._idle.append(inbox)
            job.done.set()
            if not keep:
                return


_CALLS = _BoundedCalls()


def stuck_file_reads() -> int:
    """File reads that never returned and are left behind now (at most MAX_STUCK_READS)."""
    return _CALLS.stuck


def _read_capped(path: str, limit: int = FILE_LIMIT) -> bytes:
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes ({limit // MIB} MiB); not read")
    return data


class LiveProbe(Probe):
    """Reads the running host. `root` re-roots file paths (like node_exporter's --path.sysfs) for tests.
    `file_timeout`: seconds one file read may take (FILE_TIMEOUT)."""

    def __init__(self, root: str = "/", file_timeout: float = FILE_TIMEOUT) -> None:
        self.root = root
        self.file_timeout = file_timeout

    def _p(self, path: str) -> str:
        return path if self.root == "/" else os.path.join(self.root, path.lstrip("/"))

    def _bounded(self, path: str, fn: Callable[[], T]) -> T:
        try:
            return _CALLS.call(fn, self.file_timeout, path)
        except OSError as exc:
            raise _probe_error(path, exc) from None

    def read_text(self, path: str) -> str:
        local = self._p(path)
        return self._bounded(path, lambda: _read_capped(local)).decode("utf-8", "replace")

    def list_dir(self, path: str) -> list[str]:
        local = self._p(path)
        return sorted(self._bounded(path, lambda: os.listdir(local)))

    def read_link(self, path: str) -> str:
        local = self._p(path)
        return self._bounded(path, lambda: os.readlink(local))

    def run(self, argv: list[str] | tuple[str, ...], timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        return run_command(argv, timeout)

    def mounts(self) -> list[Mount]:
        import psutil

        parts = self._bounded("mount table", lambda: psutil.disk_partitions(all=False))
        return [
            Mount(device=p.device, mountpoint=p.mountpoint, fstype=p.fstype, options=p.opts) for p in parts
        ]

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


# ------------------------------------------------------------------------------------------ replay

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class ReplayProbe(Probe):
    """Answers every read from a recorded host directory (see README "Recorded hosts").

    Nothing outside the directory is ever read: every path is resolved and must stay inside it (a `..`,
    an absolute path or a symlink pointing out is refused), each component is then opened without
    following symlinks, only regular files are read (a FIFO or a device in a hostile recording is refused,
    never waited on), each at most FILE_LIMIT bytes (recorded command output: OUTPUT_LIMIT). Refusals name
    the path, never what is there."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.dir = Path(directory)
        try:
            self.root = os.path.realpath(self.dir, strict=True)
        except OSError:
            raise ProbeError(str(self.dir), "missing", "not a recorded host: no such directory") from None
        try:
            host_text = self._read_rel("host.json")
        except ProbeError as exc:
            if exc.reason == "missing":
                raise ProbeError(str(self.dir), "missing", "not a recorded host: no host.json") from None
            raise
        self.fs_root = self._inside("fs", "fs")
        self._host = self._json(host_text, "host.json", dict)
        index = self._json_optional("fs.json", dict, {})
        self._mounts = self._json_optional("mounts.json", list, [])
        self._dirs: dict[str, list[str]] = {
            str(k): [str(e) for e in v]
            for k, v in self._mapping(index, "dirs").items()
            if isinstance(v, list)
        }
        self._links: dict[str, str] = {str(k): str(v) for k, v in self._mapping(index, "links").items()}
        self._errors: dict[str, str] = {str(k): str(v) for k, v in self._mapping(index, "errors").items()}
        self._commands: dict[tuple[str, ...], tuple[str, dict[str, Any]]] = {}
        for slug in self._command_dirs():
            rel = f"commands/{slug}/cmd.json"
            try:
                meta = self._json(self._read_rel(rel), rel, dict)
            except ProbeError as exc:
                if exc.reason == "missing":
                    continue  # not a command directory
                raise
            argv = meta.get("argv")
            if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
                raise ProbeError(
                    str(self.dir / rel), "io", "unreadable command record: argv is not a list of strings"
                )
            self._commands[tuple(argv)] = (f"commands/{slug}", meta)

    # ---- reading inside the directory, and only there

    def _inside(self, rel: str, subject: str) -> str:
        """The real path of rel (relative to the recording); ProbeError when it leaves the recording."""
        real = os.path.realpath(os.path.join(self.root, rel))
        if real != self.root and not real.startswith(self.root.rstrip(os.sep) + os.sep):
            raise ProbeError(subject, "permission", "path leaves the recorded host directory")
        return real

    def _open(self, real: str, subject: str, directory: bool = False) -> int:
        """Open a real path inside the recording one component at a time, following no symlink."""
        rel = os.path.relpath(real, self.root)
        parts = [] if rel == "." else rel.split(os.sep)
        try:
            fd = os.open(self.root, _DIR_FLAGS)
        except OSError as exc:
            raise _probe_error(subject, exc) from None
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            try:
                nfd = os.open(part, _DIR_FLAGS if (directory or not last) else _READ_FLAGS, dir_fd=fd)
            except OSError as exc:
                os.close(fd)
                if exc.errno == errno.ELOOP:  # swapped for a symlink since it was resolved
                    raise ProbeError(
                        subject, "permission", "path leaves the recorded host directory"
                    ) from None
                raise _probe_error(subject, exc) from None
            os.close(fd)
            fd = nfd
        return fd

    def _read_real(self, real: str, subject: str, limit: int = FILE_LIMIT) -> bytes:
        fd = self._open(real, subject)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                what = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
                raise ProbeError(subject, "io", f"{what} in the recording")
            if st.st_size > limit:
                raise ProbeError(
                    subject, "io", f"larger than {limit} bytes ({limit // MIB} MiB) in the recording"
                )
            chunks = []
            size = 0
            while True:
                data = os.read(fd, _CHUNK)
                if not data:
                    break
                size += len(data)
                if size > limit:
                    raise ProbeError(
                        subject, "io", f"larger than {limit} bytes ({limit // MIB} MiB) in the recording"
                    )
                chunks.append(data)
            return b"".join(chunks)
        except OSError as exc:
            raise _probe_error(subject, exc) from None
        finally:
            os.close(fd)

    def _read_rel(self, rel: str, limit: int = FILE_LIMIT) -> str:
        subject = str(self.dir / rel)
        return self._read_real(self._inside(rel, subject), subject, limit).decode("utf-8", "replace")

    def _json(self, text: str, rel: str, kind: type) -> Any:
        try:
            doc = json.loads(text)
        except ValueError as exc:  # the message says where, never what
            raise ProbeError(
                str(self.dir / rel), "io", f"unreadable recording: invalid JSON: {exc}"
            ) from None
        if not isinstance(doc, kind):
            what = "an object" if kind is dict else "a list"
            raise ProbeError(str(self.dir / rel), "io", f"unreadable recording: expected {what}")
        return doc

    def _json_optional(self, rel: str, kind: type, default: Any) -> Any:
        try:
            text = self._read_rel(rel)
        except ProbeError as exc:
            if exc.reason == "missing":
                return default
            raise
        return self._json(text, rel, kind)

    def _mapping(self, index: dict[str, Any], key: str) -> dict[str, Any]:
        value = index.get(key, {})
        if not isinstance(value, dict):
            raise ProbeError(str(self.dir / "fs.json"), "io", f"unreadable recording: {key} is not an object")
        return value

    def _command_dirs(self) -> list[str]:
        subject = str(self.dir / "commands")
        try:
            real = self._inside("commands", subject)
            fd = self._open(real, subject, directory=True)
        except ProbeError as exc:
            if exc.reason == "missing":
                return []
            raise
        try:
            return sorted(os.listdir(fd))
        finally:
            os.close(fd)

    @property
    def is_replay(self) -> bool:
        return True

    def _local(self, path: str) -> str:
        """The real path of a host path in fs/; ProbeError when it leaves fs/."""
        real = self._inside(os.path.join("fs", path.lstrip("/")), path)
        fs_root = self.fs_root.rstrip(os.sep) + os.sep
        if real != self.fs_root and not real.startswith(fs_root):
            raise ProbeError(path, "permission", "path leaves the recorded host directory")
        return real

    def _recorded_error(self, path: str) -> None:
        reason = self._errors.get(path)
        if reason:
            raise ProbeError(path, reason.split(":", 1)[0], "recorded")

    def read_text(self, path: str) -> str:
        self._recorded_error(path)
        try:
            data = self._read_real(self._local(path), path)
        except ProbeError as exc:
            if exc.reason == "missing":
                raise ProbeError(path, "missing", "not in recording") from None
            raise
        return data.decode("utf-8", "replace")

    def list_dir(self, path: str) -> list[str]:
        self._recorded_error(path)
        key = path.rstrip("/") or "/"
        if key in self._dirs:
            return sorted(self._dirs[key])
        names: set[str] = set()
        is_dir = False
        try:
            fd = self._open(self._local(path), path, directory=True)
        except ProbeError as exc:
            if exc.reason != "missing":  # a plain file is "missing" as a directory (ENOTDIR)
                raise
        else:
            is_dir = True
            try:
                names.update(os.listdir(fd))
            finally:
                os.close(fd)
        prefix = key.rstrip("/") + "/"
        names.update(
            p[len(prefix) :] for p in self._links if p.startswith(prefix) and "/" not in p[len(prefix) :]
        )
        if not names and not is_dir:
            raise ProbeError(path, "missing", "not in recording")
        return sorted(names)

    def read_link(self, path: str) -> str:
        self._recorded_error(path)
        if path in self._links:
            return self._links[path]
        raise ProbeError(path, "missing", "no link recorded")

    def run(self, argv: list[str] | tuple[str, ...], timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        argv = tuple(argv)
        found = self._commands.get(argv)
        if found is None:
            return CommandResult(argv, None, "", f"{argv[0]}: not in recording", missing=True)
        rel, meta = found
        try:
            stdout = self._output(f"{rel}/stdout", OUTPUT_LIMIT)
            stderr = self._output(f"{rel}/stderr", STDERR_LIMIT)
        except ProbeError as exc:  # too large, or a path out of the recording: the command did not answer
            return CommandResult(argv, None, error=f"recorded output unusable: {exc}")
        rc = meta.get("returncode")
        duration = meta.get("duration_seconds", 0.0)
        if not isinstance(duration, int | float) or isinstance(duration, bool) or not math.isfinite(duration):
            duration = 0.0
        return CommandResult(
            argv,
            rc if isinstance(rc, int) and not isinstance(rc, bool) else None,
            stdout,
            stderr,
            timed_out=bool(meta.get("timed_out", False)),
            missing=bool(meta.get("missing", False)),
            duration_seconds=max(float(duration), 0.0),
            error=str(meta.get("error") or ""),
            exhausted=bool(meta.get("exhausted", False)),
        )

    def _output(self, rel: str, limit: int) -> str:
        try:
            return self._read_rel(rel, limit)
        except ProbeError as exc:
            if exc.reason == "missing":
                return ""
            raise

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

        def text(key: str, default: str | None = None) -> str | None:
            value = h.get(key, default)
            return value if isinstance(value, str) else default

        return HostHeader(
            hostname=text("hostname", self.dir.name) or self.dir.name,
            os=text("os", "Linux") or "Linux",
            kernel=text("kernel", "") or "",
            machine=text("machine", "") or "",
            recorded_at=text("recorded_at"),
            raidwatch_version=text("raidwatch_version"),
        )


# ------------------------------------------------------------------------------------------ record


class RecordError(RaidwatchError):
    """The recording directory cannot be used safely (exists and is not empty, not ours, a symlink)."""


_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _open_record_dir(path: Path, force: bool) -> int:
    """A directory fd to record into: created by us with mode 0700, or (with force) an existing real
    directory. Never a symlink; without force never a non-empty or foreign-owned directory."""
    created = False
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.mkdir(path, 0o700)
        created = True
    except FileExistsError:
        pass
    try:
        fd = os.open(path, _DIR_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise RecordError(
                f"{path}: a symbolic link or not a directory; refusing to record into it"
            ) from None
        raise
    try:
        if created:
            os.fchmod(fd, 0o700)
            return fd
        st = os.fstat(fd)
        foreign = st.st_uid != os.geteuid()
        if not force:
            if foreign:
                raise RecordError(
                    f"{path}: exists and belongs to uid {st.st_uid}, not to this user (use --force to record "
                    "into it anyway)"
                )
            if os.listdir(fd):
                raise RecordError(f"{path}: exists and is not empty (use --force to record into it anyway)")
        return fd
    except BaseException:
        os.close(fd)
        raise


def _safe_parts(rel: str) -> list[str] | None:
    parts = [p for p in rel.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        return None
    return parts


class RecordingProbe(Probe):
    """Wraps a probe and writes every fact it returns into a recorded host directory.

    It writes only inside the directory: created here with mode 0700 (or, with `force`, an existing real
    directory), every file created with O_CREAT|O_EXCL|O_NOFOLLOW relative to a directory fd, every
    subdirectory created 0700 and opened without following symlinks. A planted symlink is removed, never
    followed."""

    def __init__(self, inner: Probe, directory: str | os.PathLike[str], *, force: bool = False) -> None:
        self.inner = inner
        self.dir = Path(directory)
        self._fd = _open_record_dir(self.dir, force)
        self._dirs: dict[str, list[str]] = {}
        self._links: dict[str, str] = {}
        self._errors: dict[str, str] = {}
        self._mounts: list[Mount] = []
        self._lock = threading.Lock()
        self._slugs: set[str] = set()
        self._files: set[str] = set()
        self.commands_written = 0
        with self._lock:
            self._close(self._subdir(self._fd, "fs"))

    @property
    def files_written(self) -> int:
        return len(self._files)

    # ---- writing, relative to the directory fd, following nothing

    @staticmethod
    def _close(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.close(fd)

    def _subdir(self, parent: int, name: str) -> int:
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o700, dir_fd=parent)
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=parent)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise RecordError(
                    f"{self.dir}: {name} is a symbolic link or not a directory; not followed"
                ) from None
            raise

    def _write(self, parts: list[str], data: bytes) -> bool:
        """Write data at parts under the recording; False when a directory already sits there."""
        fd = os.dup(self._fd)
        try:
            for part in parts[:-1]:
                nfd = self._subdir(fd, part)
                self._close(fd)
                fd = nfd
            name = parts[-1]
            try:
                out = os.open(name, _WRITE_FLAGS, 0o644, dir_fd=fd)
            except FileExistsError:
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    return False  # a path both listed as a directory and read: keep the directory
                os.unlink(name, dir_fd=fd)  # ours from an earlier read, or planted: the link, not its target
                out = os.open(name, _WRITE_FLAGS, 0o644, dir_fd=fd)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(out, view) :]
            finally:
                os.close(out)
            return True
        finally:
            self._close(fd)

    def _write_text(self, rel: str, text: str) -> bool:
        parts = _safe_parts(rel)
        if parts is None:
            log.warning("record: %s: not a plain path; not recorded", rel)
            return False
        return self._write(parts, text.encode("utf-8", "surrogateescape"))

    def _guard(self, path: str, fn):  # type: ignore[no-untyped-def]
        try:
            return fn()
        except ProbeError as exc:
            with self._lock:
                self._errors[path] = exc.reason
            raise

    def read_text(self, path: str) -> str:
        text = self._guard(path, lambda: self.inner.read_text(path))
        with self._lock:
            if self._write_text(f"fs/{path}", text):
                self._files.add(path)
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
            meta: dict[str, Any] = {
                "argv": list(res.argv),
                "returncode": res.returncode,
                "timed_out": res.timed_out,
                "missing": res.missing,
                "duration_seconds": round(res.duration_seconds, 3),
            }
            if res.error:
                meta["error"] = res.error
            if res.exhausted:
                meta["exhausted"] = True
            self._write_text(f"commands/{slug}/cmd.json", json.dumps(meta, indent=2) + "\n")
            self._write_text(f"commands/{slug}/stdout", res.stdout)
            self._write_text(f"commands/{slug}/stderr", res.stderr)
            self.commands_written += 1
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
        index = {"dirs": self._dirs, "links": self._links, "errors": self._errors}
        with self._lock:
            self._write_text("host.json", json.dumps(host, indent=2) + "\n")
            self._write_text("mounts.json", json.dumps([asdict(m) for m in self._mounts], indent=2) + "\n")
            self._write_text("fs.json", json.dumps(index, indent=2, sort_keys=True) + "\n")
        self.close()
        return self.dir

    def close(self) -> None:
        """Release the directory (finish() does it)."""
        fd, self._fd = self._fd, -1
        if fd >= 0:
            self._close(fd)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()
