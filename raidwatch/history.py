"""What was seen before: disks (by stable identity) and array members that are now gone are findings."""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import math
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from raidwatch.model import Finding, HostInventory, MemberState, Severity

log = logging.getLogger(__name__)

STATE_VERSION = 1
DEFAULT_FORGET_AFTER = 7 * 86400.0  # a disk gone this long is taken as removed on purpose
MAX_STATE_BYTES = 16 * 1024 * 1024  # a state file larger than this is corrupt (a host's is a few KiB)
LOCK_WAIT = 2.0  # seconds to wait for the lock a one-shot `check --state` may hold for a moment
_DISK_FIELDS = ("name", "model", "serial")
_MEMBER_FIELDS = ("array", "array_key", "device")


@dataclass
class History:
    """Disks and array members last seen, kept in memory and, with a path, in a small JSON file.

    The file is locked (flock on FILE.lock) for as long as this History lives: a second raidwatch on the
    same file keeps its memory in RAM only, never reads or writes the file, and says so. A file that is
    not a valid state file is renamed FILE.corrupt-<time> and memory starts afresh (the entries that were
    still valid are kept). Both become findings (`notices()`, also returned by every `observe()`):
    state-file-corrupt while a set-aside FILE.corrupt-* exists beside the file (delete it once read),
    state-file-unusable while the file is locked by another process or cannot be written."""

    path: str | None = None
    forget_after: float = DEFAULT_FORGET_AFTER
    disks: dict[str, dict] = field(default_factory=dict)  # identity -> {name, model, serial, last_seen}
    members: dict[str, dict] = field(
        default_factory=dict
    )  # "array/member-identity" -> {array, device, last_seen}
    persistent: bool = True  # False: the file is used by another process; memory only
    unusable: str | None = None  # why the file cannot be used now (locked elsewhere, unwritable)
    set_aside: list[tuple[str, str]] = field(default_factory=list)  # (FILE.corrupt-*, why) found or made
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _lock_fd: int | None = None
    _saved: bool = False  # a save succeeded since load

    @classmethod
    def load(
        cls,
        path: str | None,
        forget_after: float = DEFAULT_FORGET_AFTER,
        now: float | None = None,
        lock_wait: float = LOCK_WAIT,
    ) -> History:
        """The history kept in `path` (None: memory only). Never raises for a bad, locked or unreadable
        file: see the class docstring for what happens instead."""
        h = cls(path=path, forget_after=forget_after)
        if not path:
            h.persistent = False
            return h
        now = time.time() if now is None else now
        holder = h._take_lock(lock_wait)
        if holder is not None:
            h.persistent = False
            h.unusable = f"in use by another raidwatch ({holder}); this one remembers in memory only"
            log.warning("%s: %s", path, h.unusable)
            return h
        h.set_aside = [(p, "set aside earlier") for p in _set_aside_files(path)]
        try:
            data = _read_bounded(path)
        except FileNotFoundError:
            return h
        except OSError as exc:
            h.unusable = (
                f"cannot read it: {exc.strerror or exc}; remembering in memory only until it can be written"
            )
            log.warning("%s: %s", path, h.unusable)
            return h
        problem = h._parse(data, now)
        if problem is not None:
            h._set_aside(problem, now)
        return h

    def _take_lock(self, wait: float) -> str | None:
        """Lock FILE.lock; None when held (or locking is impossible here), else who holds it."""
        import fcntl

        assert self.path is not None
        lock_path = f"{self.path}.lock"
        try:
            Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(
                lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0), 0o644
            )
        except OSError as exc:  # a read-only directory: nothing can be written there by anyone either
            log.warning("%s: cannot create the lock file: %s", lock_path, exc.strerror or exc)
            return None
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    try:
                        pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                    except OSError:
                        pid = ""
                    os.close(fd)
                    return f"pid {pid}" if pid.isdecimal() else "another process"
                time.sleep(0.05)
            except OSError as exc:  # a filesystem without flock: go on unlocked, say so once
                log.warning("%s: cannot lock: %s", lock_path, exc.strerror or exc)
                os.close(fd)
                return None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd
        return None

    def close(self) -> None:
        """Release the lock (dropping the History or ending the process releases it too)."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def __del__(self) -> None:
        self.close()

    def _parse(self, data: bytes, now: float) -> str | None:
        """Fill disks and members from the file's bytes; why the file is corrupt, or None."""
        if len(data) > MAX_STATE_BYTES:
            return f"larger than {MAX_STATE_BYTES} bytes"
        try:
            doc = json.loads(data.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            return f"not JSON ({' '.join(str(exc).split(';')[0].split())[:120]})"
        if not isinstance(doc, dict):
            return "not a JSON object"
        if doc.get("version") != STATE_VERSION:
            found = _short(doc.get("version"))
            return f"not a raidwatch state file of version {STATE_VERSION} (version {found})"
        bad = 0
        for section, fields, target in (
            ("disks", _DISK_FIELDS, self.disks),
            ("members", _MEMBER_FIELDS, self.members),
        ):
            entries = doc.get(section)
            if entries is None:
                continue
            if not isinstance(entries, dict):
                return f"'{section}' is not an object"
            for key, entry in entries.items():
                clean = _entry(entry, fields, now, required=section == "members")
                if clean is None:
                    bad += 1
                else:
                    target[key] = clean
        if bad:
            return (
                f"{bad} entr{'y' if bad == 1 else 'ies'} of the wrong type or with a bad last_seen (dropped)"
            )
        return None

    def _set_aside(self, why: str, now: float) -> None:
        assert self.path is not None
        stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now))
        target = f"{self.path}.corrupt-{stamp}"
        n = 1
        while os.path.lexists(target):
            n += 1
            target = f"{self.path}.corrupt-{stamp}-{n}"
        try:
            os.rename(self.path, target)
        except OSError as exc:
            why = f"{why}; it could not be set aside ({exc.strerror or exc}) and will be overwritten"
            self.set_aside.append((self.path, why))
            log.warning("%s: corrupt state file: %s", self.path, why)
            return
        self.set_aside.append((target, why))
        kept = len(self.disks) + len(self.members)
        log.warning(
            "%s: corrupt state file (%s): set aside as %s; %s",
            self.path,
            why,
            target,
            f"kept its {kept} valid entries" if kept else "starting afresh",
        )

    def notices(self) -> list[Finding]:
        """Findings about the state file itself (see the class docstring); cheap, for every snapshot."""
        out = []
        # a set-aside file the operator has removed ends the finding; the state file itself (could not
        # be renamed) until a save replaced it
        self.set_aside = [(p, why) for p, why in self.set_aside if p != self.path and os.path.lexists(p)] + [
            (p, why)
            for p, why in self.set_aside
            if p == self.path and self.unusable is None and not self._saved
        ]
        if self.set_aside:
            p, why = self.set_aside[-1]
            more = f" ({len(self.set_aside)} set-aside files in all)" if len(self.set_aside) > 1 else ""
            message = (
                f"state file {self.path} was corrupt ({why}): set aside as {p}{more}; disks and members seen "
                "before may be forgotten (delete the file once inspected)"
                if p != self.path
                else f"state file {self.path} is corrupt ({why})"
            )
            out.append(
                Finding(
                    code="state-file-corrupt",
                    severity=Severity.WARNING,
                    subject=f"state-file:{self.path}",
                    message=message,
                )
            )
        if self.unusable:
            out.append(
                Finding(
                    code="state-file-unusable",
                    severity=Severity.WARNING,
                    subject=f"state-file:{self.path}",
                    message=f"state file {self.path}: {self.unusable}",
                )
            )
        return out

    def observe(self, inv: HostInventory, now: float) -> list[Finding]:
        """Findings for what was seen before and is gone now; then remember what is here now.
        Disks count only when the collector that lists them succeeded (a failed read is not a loss)."""
        runs = {r.name: r for r in inv.collectors}
        disks_known = any(
            r.success and not r.skipped for n, r in runs.items() if n in ("blockdev", "macdisks")
        )
        arrays_known = any(
            r.success and not r.skipped for n, r in runs.items() if n not in ("blockdev", "mounts")
        )
        findings: list[Finding] = []
        with self._lock:
            present = {d.identity for d in inv.disks if d.identity_stable}
            # the same drive under a new identity (an NVMe namespace was keyed by its own EUI-64, now by its
            # drive's model+serial): a remembered disk whose model and serial are present now is no loss
            now_by_serial = {
                (d.model, d.serial): d.identity for d in inv.disks if d.identity_stable and d.serial
            }
            renamed = {
                old: now_by_serial[(seen.get("model"), seen.get("serial"))]
                for old, seen in self.disks.items()
                if old not in present and (seen.get("model"), seen.get("serial")) in now_by_serial
            }
            for old in renamed:
                del self.disks[old]
            if disks_known:
                for ident, seen in sorted(self.disks.items()):
                    if ident in present:
                        continue
                    age = now - float(seen.get("last_seen", now))
                    if age > self.forget_after:
                        del self.disks[ident]
                        continue
                    findings.append(
                        Finding(
                            code="disk-missing",
                            severity=Severity.CRITICAL,
                            subject=f"disk:{ident}",
                            message=f"disk {ident} ({seen.get('model') or 'unknown model'}, last seen as "
                            f"{seen.get('name')}) is gone since {_ago(age)}",
                        )
                    )
                for d in inv.disks:
                    if d.identity_stable:
                        self.disks[d.identity] = {
                            "name": d.name,
                            "model": d.model,
                            "serial": d.serial,
                            "last_seen": now,
                        }
            now_members = {}
            disk_of = _disk_identities(inv)
            for a in inv.arrays:
                akey = a.uuid or a.name  # md names move across reboots (md0 -> md127); UUIDs do not
                for m in a.members:
                    if m.state is not MemberState.FAILED:
                        mkey = disk_of.get(m.device, m.device)
                        now_members[f"{akey}/{mkey}"] = {
                            "array": a.name,
                            "array_key": akey,
                            "device": m.device,
                            "last_seen": now,
                        }
            if arrays_known:
                names = {a.uuid or a.name for a in inv.arrays}
                for key, seen in sorted(self.members.items()):
                    if key in now_members:
                        continue
                    akey = str(seen.get("array_key"))
                    old = key[len(akey) + 1 :] if key.startswith(akey + "/") else None
                    if old in renamed and f"{akey}/{renamed[old]}" in now_members:
                        del self.members[key]  # the same member: its disk under its new identity
                        continue
                    age = now - float(seen.get("last_seen", now))
                    if age > self.forget_after or seen.get("array_key") not in names:
                        del self.members[key]  # the whole array went away: not a member loss
                        continue
                    findings.append(
                        Finding(
                            code="array-member-missing",
                            severity=Severity.WARNING,
                            subject=f"{seen['array']}/{seen['device']}",
                            message=f"{seen['array']}: member {seen['device']} (last seen {_ago(age)} ago) "
                            "is gone: removed, or failed and taken out",
                        )
                    )
                self.members.update(now_members)
            if self.persistent:
                try:
                    self._save()
                    self.unusable = None
                    self._saved = True
                except OSError as exc:  # losing the memory of one run must not lose the run
                    why = (
                        f"cannot write it: {exc.strerror or exc}; remembering in memory only until it can be"
                    )
                    if why != self.unusable:
                        log.warning("%s: %s", self.path, why)
                    self.unusable = why
            findings.extend(self.notices())
        return findings

    def _save(self) -> None:
        if not self.path or not self.persistent:
            return
        doc = {"version": STATE_VERSION, "disks": self.disks, "members": self.members}
        target = Path(self.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".raidwatch-state-", dir=target.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(doc, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)  # atomic: a reader sees the old file or the new one, never half
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise
        with contextlib.suppress(OSError):  # and durable: the rename itself reaches the disk
            dfd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)


def check_state_file(path: str) -> str | None:
    """Why `History.load` would set this state file aside (None: it would use it), without touching it."""
    try:
        data = _read_bounded(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    return History(path=None)._parse(data, time.time())


def _read_bounded(path: str) -> bytes:
    """At most MAX_STATE_BYTES + 1 bytes of a regular file (a FIFO or device is an OSError)."""
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        chunks, total = [], 0
        while total <= MAX_STATE_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _set_aside_files(path: str) -> list[str]:
    """FILE.corrupt-* beside the state file, set aside by an earlier run and not yet removed."""
    p = Path(path)
    try:
        return sorted(str(x) for x in p.parent.glob(glob.escape(p.name) + ".corrupt-*"))
    except OSError:
        return []


def _entry(entry: object, fields: tuple[str, ...], now: float, required: bool) -> dict | None:
    """A remembered disk or member with the right types, or None."""
    if not isinstance(entry, dict):
        return None
    seen = entry.get("last_seen")
    if isinstance(seen, bool) or not isinstance(seen, (int, float)) or not math.isfinite(seen) or seen < 0:
        return None
    out: dict = {"last_seen": min(float(seen), now)}  # a clock set back must not make it "seen in the future"
    for f in fields:
        v = entry.get(f)
        if v is None and not required:
            out[f] = None
        elif isinstance(v, str) and len(v) <= 4096:
            out[f] = v
        else:
            return None
    return out


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _disk_identities(inv: HostInventory) -> dict[str, str]:
    """Kernel name of a disk or partition -> the stable identity of the disk it lives on."""
    by_name = {d.name: d.identity for d in inv.disks if d.identity_stable}
    out = dict(by_name)
    for dev in inv.devices:
        if dev.kind == "partition" and dev.parent in by_name:
            out[dev.name] = by_name[dev.parent]
    return out


def _ago(seconds: float) -> str:
    seconds = max(seconds, 0)
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds / 86400:.0f}d"
