"""What was seen before: disks (by stable identity) and array members that are now gone are findings."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from raidwatch.errors import ConfigError
from raidwatch.model import Finding, HostInventory, MemberState, Severity

log = logging.getLogger(__name__)

STATE_VERSION = 1
DEFAULT_FORGET_AFTER = 7 * 86400.0  # a disk gone this long is taken as removed on purpose


@dataclass
class History:
    """Disks and array members last seen, kept in memory and, with a path, in a small JSON file."""

    path: str | None = None
    forget_after: float = DEFAULT_FORGET_AFTER
    disks: dict[str, dict] = field(default_factory=dict)  # identity -> {name, model, serial, last_seen}
    members: dict[str, dict] = field(
        default_factory=dict
    )  # "array/member-identity" -> {array, device, last_seen}
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, path: str | None, forget_after: float = DEFAULT_FORGET_AFTER) -> History:
        h = cls(path=path, forget_after=forget_after)
        if not path or not Path(path).exists():
            return h
        try:
            doc = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"{path}: unreadable state file ({exc}); move it away to start afresh"
            ) from None
        if not isinstance(doc, dict) or doc.get("version") != STATE_VERSION:
            raise ConfigError(f"{path}: not a raidwatch state file (version {STATE_VERSION})")
        h.disks = {k: v for k, v in (doc.get("disks") or {}).items() if isinstance(v, dict)}
        h.members = {k: v for k, v in (doc.get("members") or {}).items() if isinstance(v, dict)}
        return h

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
            try:
                self._save()
            except OSError as exc:  # losing the memory of one run must not lose the run
                log.warning("%s: cannot save the state file: %s", self.path, exc.strerror or exc)
        return findings

    def _save(self) -> None:
        if not self.path:
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
            os.replace(tmp, target)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise


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
