"""The common shape of every hardware RAID tool's output: controllers, logical drives, physical drives."""

from __future__ import annotations

from dataclasses import dataclass

from raidwatch.model import to_jsonable

# Normalised statuses (the tool's own words stay in `state`):
LD_STATUS = ("ok", "degraded", "rebuilding", "initializing", "failed", "offline", "unknown")
PD_STATUS = (
    "ok",
    "spare",
    "unconfigured",
    "rebuilding",
    "predictive-failure",
    "failed",
    "missing",
    "unknown",
)
CTRL_STATUS = ("ok", "warning", "failed", "unknown")


@dataclass(frozen=True)
class HwController:
    """An adapter/controller and the health of its cache and battery."""

    id: str  # "0", "c0", "slot 0"
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    state: str | None = None  # the tool's words
    status: str = "unknown"  # CTRL_STATUS
    battery: str | None = None  # the tool's words for the BBU/flash-backed cache, if any
    battery_status: str | None = None  # ok | warning | failed | None when there is none
    cache: str | None = None


@dataclass(frozen=True)
class HwLogicalDrive:
    """A volume the controller presents to the OS (logical drive, virtual disk, unit, container)."""

    controller: str
    id: str  # "0", "c0/v1", "u0"
    name: str | None = None
    level: str | None = None  # "raid1", "raid5", "raid10", "raid0", "jbod", ...
    state: str | None = None  # the tool's words: Optimal, Degraded, Interim Recovery Mode, ...
    status: str = "unknown"  # LD_STATUS
    size_bytes: int | None = None
    members: tuple[str, ...] = ()  # physical drive ids
    progress: float | None = None  # 0..1 of a rebuild/initialisation in progress
    os_device: str | None = (
        None  # /dev/sda when the tool names it (ssacli "Disk Name", storcli "OS Drive Name")
    )
    wwn: str | None = None  # the volume's SCSI NAA id (storcli), which the kernel shows as its wwid


@dataclass(frozen=True)
class HwPhysicalDrive:
    """A disk behind the controller."""

    controller: str
    id: str  # "252:4", "1I:1:3", "p2", "0,1"
    state: str | None = None  # the tool's words: Online, Failed, Hotspare, Rebuild, ...
    status: str = "unknown"  # PD_STATUS
    model: str | None = None
    serial: str | None = None
    wwn: str | None = None
    size_bytes: int | None = None
    media_errors: int | None = None
    other_errors: int | None = None
    predictive_failures: int | None = None
    temperature_celsius: float | None = None
    logical_drive: str | None = None  # the LD it belongs to, when the tool says
    progress: float | None = None  # rebuild progress 0..1
    # the controller's device id for the drive (storcli "DID", MegaCli "Device Id"): smartctl's
    # `-d megaraid,N`; it can change when the controller re-scans, the enclosure:slot id does not
    device_id: int | None = None


@dataclass(frozen=True)
class HwRaidReport:
    """One tool run: what it says about controllers, logical and physical drives."""

    tool: str  # megacli, storcli, arcconf, ssacli, tw_cli, ...
    controllers: tuple[HwController, ...] = ()
    logical_drives: tuple[HwLogicalDrive, ...] = ()
    physical_drives: tuple[HwPhysicalDrive, ...] = ()
    warnings: tuple[str, ...] = ()  # lines not understood (tolerated)
    error: str | None = None  # the tool ran but reported an error (no adapter, permission, ...)

    @property
    def worst(self) -> str:
        """ok | warning | critical, the way a Nagios check would judge this report alone."""
        lds = {ld.status for ld in self.logical_drives}
        pds = {pd.status for pd in self.physical_drives}
        ctrls = {c.status for c in self.controllers} | {c.battery_status for c in self.controllers}
        if lds & {"degraded", "failed", "offline"} or pds & {"failed", "missing"} or "failed" in ctrls:
            return "critical"
        if (
            lds & {"rebuilding", "initializing"}
            or pds & {"rebuilding", "predictive-failure"}
            or "warning" in ctrls
        ):
            return "warning"
        return "ok"


def to_json(report: HwRaidReport) -> dict:
    doc = to_jsonable(report)
    doc["worst"] = report.worst
    return doc
