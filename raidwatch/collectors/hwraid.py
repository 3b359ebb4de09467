"""Hardware RAID controllers through their vendor CLIs (storcli/perccli, ssacli, arcconf, MegaCli).

The tools run in parallel (at most TOOL_WORKERS commands at a time, TIMEOUT s each); a CLI whose first
command hangs is asked nothing more, so a hung CLI costs one TIMEOUT and is one critical problem (the
daemon keeps the last volumes read, stale). A tool that answered before and is now gone is critical too.

SMART passthrough (`HwRaidCollector.smart_passthrough`): on a MegaRAID controller (storcli/perccli,
MegaCli) whose volume is tied to a kernel disk, each drive of a logical drive is read with
`smartctl -a -n standby -d megaraid,N /dev/sdX` (N = the drive's device id, storcli "DID", MegaCli
"Device Id"; /dev/sdX = any of that controller's volumes: the controller routes the passthrough by N).
At most `smart_workers` at a time, `smart_timeout` s each. The readings become model.Disk objects named
like the drives' BlockDevices ("sdb:252:3"), so inventory puts the SMART on the drives behind the volume.
A reading whose serial/WWN is not the drive's (a device id that moved after a re-scan) is not
attributed. smartctl missing: one note (the smart collector reports it); permission denied (root or
CAP_SYS_RAWIO, and the megaraid_sas ioctl node): one problem per controller; a sleeping drive: standby,
the last reading kept, as the smart collector does.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace

from raidwatch.collectors.base import (
    KEPT_ASSESSMENTS,
    Collector,
    Contribution,
    blinding,
    kept_reading,
    reading_time,
    standby_reading,
)
from raidwatch.errors import ParseError, ProbeError
from raidwatch.model import (
    Array,
    BlockDevice,
    Disk,
    HostHeader,
    Member,
    MemberState,
    Problem,
    SmartHealth,
    SyncAction,
    SyncStatus,
    identity_key,
)
from raidwatch.parsers.hwraid import parse_hwraid
from raidwatch.parsers.hwraid.model import HwController, HwLogicalDrive, HwPhysicalDrive, HwRaidReport
from raidwatch.parsers.smartctl import parse_smartctl_text
from raidwatch.parsers.sysblock import classify
from raidwatch.probe import CommandResult, Probe

log = logging.getLogger(__name__)

# Each tool: the commands that give its full picture, tried binary name by binary name; the first
# binary that exists is the one used. Every command's output goes through the hwraid parsers.
TOOLS: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...] = (
    (
        "storcli",
        ("storcli64", "storcli", "perccli64", "perccli"),
        # /call show all: controller, BBU, VDs and their drives; /call/eall/sall: each drive's serial and WWN;
        # /call/vall: each VD's OS drive name and SCSI NAA id (how it is tied to a kernel disk)
        (
            ("/call", "show", "all", "J"),
            ("/call/eall/sall", "show", "all", "J"),
            ("/call/vall", "show", "all", "J"),
        ),
    ),
    ("ssacli", ("ssacli", "hpssacli", "hpacucli"), (("ctrl", "all", "show", "config", "detail"),)),
    ("arcconf", ("arcconf",), (("GETCONFIG", "1", "AL"),)),
    (
        "megacli",
        ("MegaCli64", "MegaCli", "megacli"),
        # -LdPdInfo names each LD's drives; -PDList adds spares and unconfigured ones; then the battery
        (("-LdPdInfo", "-aALL", "-NoLog"), ("-PDList", "-aALL", "-NoLog"), ("-AdpBbuCmd", "-aALL", "-NoLog")),
    ),
)
# Seconds per vendor CLI command. The collector runs on the fast schedule: the tools run in parallel and a
# CLI whose first command hangs is asked nothing more, so a hung CLI costs one TIMEOUT per collection.
TIMEOUT = 20.0
TOOL_WORKERS = 4
# the tools' words for volumes with no redundancy -> the model's non-redundant level names
_PLAIN_LEVELS = {
    "jbod": "single",
    "simple": "single",
    "volume": "single",
    "spanned": "concat",
    "span": "concat",
}
SMARTCTL = "smartctl"
# the tools whose drives smartctl reads through the megaraid_sas driver (`-d megaraid,N`)
MEGARAID_TOOLS = frozenset({"storcli", "megacli"})
SMART_PERMISSION_HINT = (
    "permission denied: smartctl -d megaraid,N needs root (CAP_SYS_RAWIO to open the volume's disk, and "
    "the megaraid_sas ioctl node /dev/megaraid_sas_ioctl_node); the drives' SMART is not read"
)
_IOCTL_NODE = "megaraid_sas_ioctl_node"
_SmartOut = tuple[list[Disk], list[Problem], list[str]]  # disks with SMART, problems, notes
_NO_CONTROLLER_RE = re.compile(r"\bno (?:controllers?|adapters?)\b.*\b(?:detected|found|present)\b", re.I)


def normalise_level(level: str | None) -> str | None:
    """The tools' level words -> raidN[suffix]: "RAID 1", "RAID1", "RAID 1+0", "1+0", "Primary-1, Secondary-3,
    RAID Level Qualifier-0", "raid1e", "raid10adm", "raid50"; JBOD/simple/spanned -> single/concat."""
    if not level:
        return None
    text = level.strip().lower()
    m = re.search(r"primary-(\d)", text)
    if m:
        sec = re.search(r"secondary-(\d)", text)
        primary = m.group(1)
        return "raid10" if primary == "1" and sec and sec.group(1) == "3" else f"raid{primary}"
    compact = re.sub(r"[\s_()-]", "", text)
    m = re.fullmatch(r"(?:raid)?(\d+)(?:\+(\d+))?([a-z]*)", compact)
    if m:
        digits = m.group(1) + (m.group(2) or "")
        return f"raid{digits}{m.group(3)}"
    for word, plain in _PLAIN_LEVELS.items():
        if compact.startswith(word):
            return plain
    return text


def _member_state(pd: HwPhysicalDrive) -> tuple[MemberState, bool | None, bool]:
    if pd.status in ("failed", "missing"):
        return MemberState.FAILED, False, False
    if pd.status == "spare":
        return MemberState.SPARE, None, False
    if pd.status == "rebuilding":
        return MemberState.ACTIVE, False, True
    if pd.status in ("ok", "predictive-failure"):
        return MemberState.ACTIVE, True, False
    return MemberState.ACTIVE, None, False


def _shared_ids(report: HwRaidReport) -> set[str]:
    """Serials/WWNs that more than one physical drive claims ("REDACTED", "0000000000000000", blank
    fillers from a firmware): not an identity, or every drive behind it would count as one disk."""
    owners: dict[str, set[tuple[str, str]]] = {}
    for pd in report.physical_drives:
        for value in (pd.serial, pd.wwn):
            if value and value.strip():
                owners.setdefault(value.strip().lower(), set()).add((pd.controller, pd.id))
    return {v for v, who in owners.items() if len(who) > 1}


def _identity(value: str | None, shared: set[str]) -> str | None:
    v = (value or "").strip()
    return v if v and v.lower() not in shared else None


def _naa(wwid: str | None) -> str | None:
    """ "naa.600605B0..." (kernel) and "600605b0..." (storcli) -> one comparable form (hex only)."""
    w = _norm_wwn(wwid)
    return w if w and re.fullmatch(r"[0-9a-f]{16,32}", w) else None


def arrays_from(
    report: HwRaidReport, os_names: set[str], wwids: dict[str, str] | None = None
) -> tuple[list[Array], list[BlockDevice]]:
    """Pure: a tool report -> one Array per logical drive (kind "hardware") and a BlockDevice per
    physical drive. An LD the tool maps to a kernel disk (ssacli "Disk Name: /dev/sda") takes that
    name, so the volumes on /dev/sda sit on it; others are named hw-TOOL-cC-vID. A serial or WWN that
    several drives share is dropped (the drive is then known by its name, never merged with others)."""
    arrays: list[Array] = []
    pd_by_key = {(pd.controller, pd.id): pd for pd in report.physical_drives}
    shared = _shared_ids(report)
    devices: list[BlockDevice] = []
    for ld in report.logical_drives:
        os_dev = (ld.os_device or "").rsplit("/", 1)[-1]
        by_naa = (wwids or {}).get(_naa(ld.wwn) or "")
        if os_dev and os_dev in os_names:
            name = os_dev
        elif by_naa:
            name = by_naa  # the volume's SCSI NAA id is the kernel disk's wwid
        else:
            name = f"hw-{report.tool}-c{ld.controller}-v{ld.id}"
        name = re.sub(r"[^\w.:-]", "_", name)
        pds = [pd_by_key[(ld.controller, m)] for m in ld.members if (ld.controller, m) in pd_by_key]
        if not pds:
            pds = [
                pd
                for pd in report.physical_drives
                if pd.controller == ld.controller and pd.logical_drive == ld.id
            ]
        members = []
        for pd in pds:
            state, in_sync, rebuilding = _member_state(pd)
            dev = f"{name}:{pd.id}"
            members.append(
                Member(device=dev, state=state, in_sync=in_sync, rebuilding=rebuilding, raw_state=pd.state)
            )
            devices.append(
                BlockDevice(
                    name=dev,
                    kind="disk",
                    size_bytes=pd.size_bytes,
                    model=pd.model,
                    serial=_identity(pd.serial, shared),
                    wwn=_identity(pd.wwn, shared),
                    transport=f"{report.tool} controller {pd.controller}",
                )
            )
        arrays.append(_array(report.tool, ld, name, members))
    return arrays, devices


def _array(tool: str, ld: HwLogicalDrive, name: str, members: list[Member]) -> Array:
    holders = [m for m in members if m.state is not MemberState.SPARE]
    says_degraded = ld.status in ("degraded", "rebuilding")
    # a drive whose state the tool gives in words we do not know: in sync unless the LD says otherwise
    in_sync = sum(1 for m in holders if m.in_sync or (m.in_sync is None and not says_degraded))
    raid_disks = len(holders)
    if says_degraded and holders and in_sync == raid_disks:
        # the LD is degraded and no listed drive is out: the drive it lost is not listed at all (MegaCli
        # drops a missing drive from -LdPdInfo); count it, so the margin left is not overstated
        raid_disks += 1
    level = normalise_level(ld.level)
    sync = None
    if ld.status in ("rebuilding", "initializing") or any(m.rebuilding for m in members):
        action = SyncAction.RECOVERY if ld.status != "initializing" else SyncAction.RESYNC
        sync = SyncStatus(action=action, progress=ld.progress)
    degraded = says_degraded or (bool(holders) and in_sync < raid_disks)
    return Array(
        name=name,
        level=level,
        state="inactive" if ld.status in ("failed", "offline") else "active",
        raid_disks=raid_disks or None,
        in_sync_disks=in_sync if holders else None,
        degraded=degraded,
        members=tuple(members),
        sync=sync,
        size_bytes=ld.size_bytes,
        copies=3 if level and level.startswith("raid10") and level.endswith(("adm", "triple")) else None,
        kind="hardware",
        label=ld.name or f"{tool} controller {ld.controller} LD {ld.id}",
        array_state=ld.state,
        sources=(tool,),
    )


class HwRaidCollector(Collector):
    """Runs whichever vendor RAID CLIs are installed; quiet (skipped) when none is."""

    name = "hwraid"
    platforms = frozenset({"Linux"})
    timeout: float = TIMEOUT  # seconds per vendor CLI command
    tool_workers: int = TOOL_WORKERS  # vendor CLI commands run at once
    smart_passthrough: bool = True  # read the SMART of the drives behind a MegaRAID (smartctl -d megaraid,N)
    smart_timeout: float = 30.0  # seconds per drive
    smart_workers: int = 4
    # the collector runs on the daemon's fast schedule (every 30 s); SMART changes slowly, so a
    # long-running collector re-reads the drives only every smart_max_age seconds (the smart collector's
    # default interval), or at once when the drives to read change (a drive replaced, a device id moved)
    smart_max_age: float = 1800.0

    def __init__(self) -> None:
        # drive identity -> its last full SMART reading, shown (with its age) while the drive sleeps
        self._previous: dict[str, SmartHealth] = {}
        self._lock = threading.Lock()
        self._smart_cache: tuple[tuple, float, _SmartOut] | None = None

    def applicable(self, probe: Probe, header: HostHeader) -> str | None:
        return super().applicable(probe, header)

    def _run_tools(self, probe: Probe) -> list[list[CommandResult]]:
        """Each tool's runs (empty when none of its binaries is installed), the tools in parallel (at most
        `tool_workers` commands at a time, `timeout` s each): the first command alone finds the binary; a
        first command that hangs is the tool's only run (nothing more is asked of a hung CLI), otherwise its
        other commands run in parallel. A hung CLI costs one `timeout`, not one per command."""

        def first(spec: tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]]) -> CommandResult | None:
            _tool, binaries, commands = spec
            for binary in binaries:
                res = probe.run([binary, *commands[0]], timeout=self.timeout)
                if not res.missing:
                    return res
            return None

        workers = max(1, self.tool_workers)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hwraid") as pool:
            firsts = list(pool.map(first, TOOLS))
            rest: list[tuple[int, list[str]]] = []
            for i, ((_tool, _binaries, commands), res) in enumerate(zip(TOOLS, firsts, strict=True)):
                if res is None or res.timed_out or res.exhausted:
                    continue
                rest.extend((i, [res.argv[0], *c]) for c in commands[1:])
            later = list(pool.map(lambda job: probe.run(job[1], timeout=self.timeout), rest))
        runs: list[list[CommandResult]] = [[res] if res is not None else [] for res in firsts]
        for (i, _argv), res in zip(rest, later, strict=True):
            runs[i].append(res)
        return runs

    def collect(self, probe: Probe) -> Contribution:
        problems: list[Problem] = []
        notes: list[str] = []
        arrays: list[Array] = []
        devices: list[BlockDevice] = []
        try:
            os_names = set(probe.list_dir("/sys/block"))
        except ProbeError as exc:
            if blinding(exc):
                problems.append(self.item_problem("/sys/block", exc))
            os_names = set()
        found_any = False
        passthrough: list[_Passthrough] = []
        for tool, runs in zip((t[0] for t in TOOLS), self._run_tools(probe), strict=True):
            if not runs:
                if self.seen(probe, f"tool:{tool}"):
                    why = f"{tool} answered before and is now not installed: the last volumes read are kept"
                    problems.append(self.problem(tool, why, "critical"))
                continue
            if runs[0].returncode is not None:
                self.saw(probe, f"tool:{tool}")
            found_any = True
            primary = runs[0]
            hung = [r for r in runs if r.timed_out or r.exhausted]
            if hung:  # one problem per tool, whichever of its commands hung; blind for it: critical
                first = hung[0]
                why = first.describe_failure()
                if len(hung) > 1:
                    why += f" (and {len(hung) - 1} more of its commands)"
                problems.append(self.problem(first.command, why, "critical"))
                runs = [r for r in runs if r not in hung]
                if not runs:
                    continue
            reports = []
            for res in runs:
                # vendor CLIs exit nonzero on mere warnings: the output decides, not the exit status
                if res.missing and res is not primary:
                    notes.append(f"`{res.command}`: not available (an older recording?); read without it")
                    continue
                if res.missing or res.timed_out or res.returncode is None or not res.stdout.strip():
                    why = res.describe_failure() or f"no output (exit status {res.returncode})"
                    problems.append(self.problem(res.command, why))
                    continue
                try:
                    reports.append(parse_hwraid(res.stdout, res.command))
                except ParseError as exc:
                    problems.append(self.problem(res.command, str(exc)))
            report = _merge(tool, reports)
            if report is None:
                continue
            notes.extend(f"{tool}: {w}" for w in report.warnings)
            if report.error:
                if _NO_CONTROLLER_RE.search(report.error) and not report.logical_drives:
                    notes.append(f"{tool} is installed but sees no controller: {report.error}")
                else:
                    problems.append(self.problem(tool, report.error))
            a, d = arrays_from(report, os_names, _kernel_wwids(probe, os_names))
            arrays.extend(a)
            devices.extend(d)
            if self.smart_passthrough and tool in MEGARAID_TOOLS:
                passthrough.extend(passthrough_targets(report, a, d))
            for arr in a:
                if not arr.name.startswith("hw-"):
                    continue
                notes.append(
                    f"{arr.name} ({arr.label}): {tool} does not name its kernel disk, so no volume is "
                    "known to sit on it"
                )
            for c in report.controllers:
                if c.status in ("failed", "warning") or c.battery_status in ("failed", "warning"):
                    problems.append(self.problem(f"{tool} controller {c.id}", _ctrl_text(c), "warning"))
        if not found_any:
            notes.append("no hardware RAID tool installed (storcli/perccli, ssacli, arcconf, MegaCli)")
        disks: list[Disk] = []
        if passthrough:
            d_out, p_out, n_out = self._smart(probe, passthrough)
            disks.extend(d_out)
            problems.extend(p_out)
            notes.extend(n_out)
        return Contribution(
            arrays=tuple(arrays),
            devices=tuple(devices),
            disks=tuple(disks),
            problems=tuple(problems),
            notes=tuple(notes),
        )

    # ------------------------------------------------------------------------------ SMART passthrough

    def _smart(self, probe: Probe, targets: list[_Passthrough]) -> _SmartOut:
        key = tuple((tuple(t.argv), t.names) for t in targets)
        now = time.monotonic()
        cached = self._smart_cache
        if cached and cached[0] == key and now - cached[1] < self.smart_max_age and not probe.is_replay:
            return cached[2]
        out = self.read_smart(probe, targets)
        self._smart_cache = (key, now, out)
        return out

    def read_smart(self, probe: Probe, targets: list[_Passthrough]) -> _SmartOut:
        """smartctl -d megaraid,N for each drive: the first drive of each controller alone (smartctl
        missing or no privilege: said once, the other drives not tried), the rest in a bounded pool."""
        now = reading_time(probe)
        disks: list[Disk] = []
        problems: list[Problem] = []
        notes: list[str] = []
        by_ctrl: dict[str, list[_Passthrough]] = {}
        for t in targets:
            by_ctrl.setdefault(t.controller_label, []).append(t)
        rest: list[_Passthrough] = []
        outcomes: list[tuple[_Passthrough, CommandResult]] = []
        for label, group in by_ctrl.items():
            first = group[0]
            res = probe.run(first.argv, timeout=self.smart_timeout)
            if res.missing:
                notes.append(
                    f"{SMARTCTL} not found: the SMART of the drives behind {', '.join(by_ctrl)} is not read "
                    "(install smartmontools)"
                )
                return [], [], notes
            if self._denied(res):
                problems.append(self.problem(f"smartctl -d megaraid ({label})", SMART_PERMISSION_HINT))
                continue
            outcomes.append((first, res))
            rest.extend(group[1:])
        if rest:
            workers = max(1, min(self.smart_workers, len(rest)))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smartctl-megaraid") as pool:
                results = list(pool.map(lambda t: probe.run(t.argv, timeout=self.smart_timeout), rest))
            outcomes.extend(zip(rest, results, strict=True))
        denied: set[str] = set()
        for target, res in sorted(outcomes, key=lambda o: (o[0].controller_label, o[0].device_id)):
            if self._denied(res):  # the first drive read, a later one not: still one problem per controller
                if target.controller_label not in denied:
                    denied.add(target.controller_label)
                    subject = f"smartctl -d megaraid ({target.controller_label})"
                    problems.append(self.problem(subject, SMART_PERMISSION_HINT))
                continue
            health, problem, note = self._health(target, res, now)
            if problem:
                problems.append(self.problem(target.subject, problem))
            if note:
                notes.append(note)
            if health is not None:
                disks.extend(target.disk(name, health) for name in target.names)
        return disks, problems, notes

    @staticmethod
    def _denied(res: CommandResult) -> bool:
        """smartctl could not open the drive for want of privilege (the volume's disk or the ioctl node)."""
        if res.missing or res.timed_out or res.returncode is None:
            return False
        try:
            health = parse_smartctl_text(res.stdout if res.stdout.strip() else res.stderr, res.command)
        except ParseError:
            return False
        return health.permission_denied or _IOCTL_NODE in (health.open_failed or "")

    def _health(
        self, target: _Passthrough, res: CommandResult, now: float
    ) -> tuple[SmartHealth | None, str | None, str | None]:
        """One drive's smartctl run -> (its SmartHealth or None to attribute nothing, a problem, a note).
        A run that gives no reading never turns a drive last read WARN/FAIL into UNKNOWN: that one is kept."""
        if res.timed_out:
            why = f"smartctl timed out after {self.smart_timeout:g}s (process group killed); drive hung?"
            return self._unread(target, why, None)
        if res.returncode is None or res.returncode < 0:
            why = res.describe_failure() or f"`{res.command}`: could not run"
            return self._unread(target, why, res.returncode)
        text = res.stdout if res.stdout.strip() else res.stderr
        try:
            health = parse_smartctl_text(text, res.command, res.returncode)
        except ParseError as exc:
            return self._unread(target, f"smartctl output not understood: {exc}", res.returncode, now)
        if health.standby:
            with self._lock:
                prev = self._previous.get(target.key)
            kept, note = standby_reading(health, prev, target.subject)
            return kept, None, note
        health = replace(health, read_at=now)
        if health.open_failed:
            return health, f"smartctl could not open the drive: {health.open_failed}", None
        other = target.not_this_drive(health)
        if other:
            return None, f"`{res.command}` answered for another drive ({other}); reading not attributed", None
        if health.health_passed is not None or health.assessment != "UNKNOWN":
            with self._lock:
                self._previous[target.key] = health
        return health, None, None

    def _unread(
        self, target: _Passthrough, why: str, exit_status: int | None, read_at: float | None = None
    ) -> tuple[SmartHealth, str, str | None]:
        with self._lock:
            prev = self._previous.get(target.key)
        if prev is not None and prev.assessment in KEPT_ASSESSMENTS:
            note = f"{target.subject}: not read ({why}); last reading kept (read at {prev.read_at})"
            return kept_reading(prev, why), f"{why}; the last reading ({prev.assessment}) is kept", note
        unknown = SmartHealth(
            assessment="UNKNOWN", exit_status=exit_status, message=why, reasons=(why,), read_at=read_at
        )
        return unknown, why, None


@dataclass(frozen=True)
class _Passthrough:
    """One drive behind a MegaRAID controller to read with smartctl -d megaraid,N."""

    tool: str
    controller: str
    device_id: int
    via: str  # the kernel disk of one of the controller's volumes (sdb)
    names: tuple[str, ...]  # the drive's BlockDevice names ("sdb:252:3"; two when two VDs share it)
    device: BlockDevice

    @property
    def argv(self) -> list[str]:
        return megaraid_smartctl_argv(self.device_id, self.via)

    @property
    def controller_label(self) -> str:
        return f"{self.tool} controller {self.controller}"

    @property
    def subject(self) -> str:
        return f"{self.names[0]} (megaraid,{self.device_id})"

    @property
    def key(self) -> str:
        d = self.device
        return identity_key(d.wwn, d.model, d.serial, f"{self.tool}:c{self.controller}:{d.name}")

    def not_this_drive(self, health: SmartHealth) -> str | None:
        """What smartctl names when it is not the drive the controller lists (serial or WWN differ)."""
        d = self.device
        ours, theirs = _norm_wwn(d.wwn), _norm_wwn(health.wwn)
        if ours and theirs and ours != theirs:
            return f"WWN {health.wwn}, the controller lists {d.wwn}"
        s1, s2 = (d.serial or "").strip().lower(), (health.serial or "").strip().lower()
        if s1 and s2 and s1 != s2:
            return f"serial {health.serial}, the controller lists {d.serial}"
        return None

    def disk(self, name: str, health: SmartHealth) -> Disk:
        d = self.device
        wwn = d.wwn or classify(health.wwn)
        serial = d.serial or health.serial
        model = d.model or health.model
        rpm = health.rotation_rpm
        return Disk(
            name=name,
            identity=identity_key(wwn, model, serial, name),
            model=model,
            serial=serial,
            wwn=wwn,
            size_bytes=d.size_bytes if d.size_bytes is not None else health.capacity_bytes,
            rotational=(rpm != 0) if rpm is not None else None,
            transport=d.transport,
            smart=health,
        )


def megaraid_smartctl_argv(device_id: int, kernel_disk: str) -> list[str]:
    """The exact command run for one drive behind a MegaRAID controller (what `record` captures)."""
    return [SMARTCTL, "-a", "-n", "standby", "-d", f"megaraid,{device_id}", f"/dev/{kernel_disk}"]


def _norm_wwn(w: str | None) -> str | None:
    if not w:
        return None
    t = re.sub(r"[\s:]", "", w.strip().lower())
    for prefix in ("naa.", "0x", "wwn-0x"):
        t = t.removeprefix(prefix)
    return t or None


def passthrough_targets(
    report: HwRaidReport, arrays: list[Array], devices: list[BlockDevice]
) -> list[_Passthrough]:
    """Pure: the drives of a MegaRAID report's logical drives that smartctl can reach, i.e. those with a
    device id on a controller with at least one volume tied to a kernel disk. `arrays` are arrays_from's
    (one per logical drive, in order), `devices` its BlockDevices."""
    by_name = {d.name: d for d in devices}
    pd_by_key = {(pd.controller, pd.id): pd for pd in report.physical_drives}
    tied: dict[str, list[str]] = {}  # controller -> kernel disks of its volumes
    for ld, arr in zip(report.logical_drives, arrays, strict=True):
        if not arr.name.startswith("hw-"):
            tied.setdefault(ld.controller, []).append(arr.name)
    found: dict[tuple[str, int], _Passthrough] = {}
    for ld, arr in zip(report.logical_drives, arrays, strict=True):
        kernel = tied.get(ld.controller)
        if not kernel:
            continue
        via = arr.name if arr.name in kernel else sorted(kernel)[0]
        for m in arr.members:
            pd = pd_by_key.get((ld.controller, m.device[len(arr.name) + 1 :]))
            dev = by_name.get(m.device)
            if pd is None or pd.device_id is None or dev is None:
                continue
            key = (ld.controller, pd.device_id)
            old = found.get(key)
            if old is None:
                found[key] = _Passthrough(report.tool, ld.controller, pd.device_id, via, (m.device,), dev)
            elif m.device not in old.names:
                found[key] = replace(old, names=(*old.names, m.device))
    return [found[k] for k in sorted(found)]


def _kernel_wwids(probe: Probe, names: set[str]) -> dict[str, str]:
    """NAA wwid of each SCSI disk -> its kernel name (read from /sys/block, no device opened)."""
    out = {}
    for name in sorted(names):
        if not name.startswith("sd"):
            continue
        for path in (f"/sys/block/{name}/device/wwid", f"/sys/block/{name}/wwid"):
            try:
                naa = _naa(probe.read_optional(path))
            except ProbeError as exc:
                if blinding(exc):
                    raise
                naa = None
            if naa:
                out[naa] = name
                break
    return out


def _ctrl_text(c) -> str:  # type: ignore[no-untyped-def]
    parts = [f"state {c.state or c.status}"]
    if c.battery:
        parts.append(f"battery {c.battery}")
    if c.cache:
        parts.append(f"cache {c.cache}")
    return ", ".join(parts)


# how bad each normalised status is: when two commands describe the same object, the worse word wins
# (storcli's /call says a drive is Onln "ok", /call/eall/sall that it has predictive failures)
_RANK = {
    "status": {
        "unknown": 0, "ok": 1, "spare": 1, "unconfigured": 1, "initializing": 2, "rebuilding": 3,
        "warning": 3, "predictive-failure": 4, "degraded": 4, "missing": 5, "offline": 5, "failed": 6,
    },
    "battery_status": {None: 0, "ok": 1, "warning": 2, "failed": 3},
}  # fmt: skip
_COMPANION = {"status": "state", "battery_status": "battery"}  # the tool's own words for that status
_COUNTERS = ("media_errors", "other_errors", "predictive_failures")  # error counters: the higher is newer


def _fill(base, other):  # type: ignore[no-untyped-def]
    """One object described by two commands: `base` with what it lacks (None, "unknown", ()) taken from
    `other`, the worse of the two statuses (with the words that said it), the higher error counters."""
    names = {f.name for f in fields(base)}
    fill = {n: getattr(other, n) for n in names if getattr(base, n) in (None, "unknown", ())}
    for status, rank in _RANK.items():
        if status not in names:
            continue
        mine, theirs = getattr(base, status), getattr(other, status)
        if rank.get(theirs, 0) > rank.get(mine, 0):
            fill[status] = theirs
            words = _COMPANION[status]
            if getattr(other, words) is not None:
                fill[words] = getattr(other, words)
    for n in _COUNTERS:
        if n in names and isinstance(getattr(base, n), int) and isinstance(getattr(other, n), int):
            fill[n] = max(getattr(base, n), getattr(other, n))
    return replace(base, **fill)


def _merge_lds(lds) -> list[HwLogicalDrive]:  # type: ignore[no-untyped-def]
    """The same volume from several commands (storcli /call and /call/vall): one, with what each knows."""
    out: dict[tuple[str, str], HwLogicalDrive] = {}
    for ld in lds:
        old = out.get((ld.controller, ld.id))
        out[(ld.controller, ld.id)] = ld if old is None else _fill(old, ld)
    return list(out.values())


def _merge(tool: str, reports: list[HwRaidReport]) -> HwRaidReport | None:
    """Several commands of one tool (MegaCli: LDs, PDs, BBU; storcli: VDs, drive details): one report."""
    if not reports:
        return None
    if len(reports) == 1:
        return reports[0]
    pds: dict[tuple[str, str], HwPhysicalDrive] = {}
    for pd in (pd for r in reports for pd in r.physical_drives):
        key = (pd.controller, pd.id)
        old = pds.get(key)
        if old is None:
            pds[key] = pd
        elif old.logical_drive is None and pd.logical_drive is not None:
            pds[key] = _fill(pd, old)  # the same drive from two commands: the one that knows its LD first
        else:
            pds[key] = _fill(old, pd)
    ctrls: dict[str, HwController] = {}
    for c in (c for r in reports for c in r.controllers):
        old = ctrls.get(c.id)
        # one command knows the model, another the battery: keep what each says
        ctrls[c.id] = c if old is None else _fill(old, c)
    return HwRaidReport(
        tool=tool,
        controllers=tuple(ctrls.values()),
        logical_drives=tuple(_merge_lds(ld for r in reports for ld in r.logical_drives)),
        physical_drives=tuple(pds.values()),
        warnings=tuple(w for r in reports for w in r.warnings),
        error="; ".join(r.error for r in reports if r.error) or None,
    )
