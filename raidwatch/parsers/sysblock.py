"""Small pure readers for /sys/block attribute values and /proc/self/mountinfo."""

from __future__ import annotations

import re

from raidwatch.errors import ParseError
from raidwatch.model import identity_key
from raidwatch.parsers.bounds import line_error, to_int


def device_kind(name: str, has_dm: bool, has_md: bool, has_loop: bool) -> str:
    """disk | md | dm | loop | bcache, from the name and which sub-directories exist."""
    if has_md or re.fullmatch(r"md[0-9]+|md_d[0-9]+", name):
        return "md"
    if has_dm or name.startswith("dm-"):
        return "dm"
    if has_loop or name.startswith("loop"):
        return "loop"
    if re.fullmatch(r"bcache[0-9]+", name):  # a cached (virtual) device over its backing device: never a disk
        return "bcache"
    return "disk"


def parse_size(text: str | None) -> int | None:
    """/sys/block/X/size is in 512-byte sectors, whatever the device's sector size."""
    n = to_int(text)  # ASCII digits only: no sign, no '_', at most bounds.MAX_DIGITS
    return n * 512 if n is not None else None


def parse_flag(text: str | None) -> bool | None:
    if text is None:
        return None
    t = text.strip()
    return True if t == "1" else False if t == "0" else None


def parse_devno(text: str | None) -> str | None:
    """ "8:1" as the kernel writes it in /sys/block/X/dev."""
    if text is None:
        return None
    t = text.strip()
    return t if re.fullmatch(r"[0-9]+:[0-9]+", t) else None


def classify(wwn: str | None) -> str | None:
    """Normalise a WWID/WWN ("naa.5000c500a1b2c3d4", "eui.…", "0x5000…") for use as an identity."""
    if not wwn:
        return None
    w = wwn.strip().lower()
    if not w or set(w) <= {"0", "x", ".", " "}:
        return None
    w = re.sub(r"\s+", " ", w)
    if w.startswith("0x"):
        w = "naa." + w[2:]
    return w


def transport_from_link(name: str, link: str) -> str | None:
    """Guess the transport from the /sys/block/X symlink target (…/usb1/…, …/nvme/…, …/virtio1/…)."""
    if name.startswith("nvme") or "/nvme" in link:
        return "nvme"
    if "/usb" in link:
        return "usb"
    if "/virtio" in link or name.startswith("vd"):
        return "virtio"
    if name.startswith("xvd"):
        return "xen"
    if "/ata" in link:
        return "ata"
    if "/host" in link or "/end_device" in link or "/expander" in link:
        return "scsi"
    if name.startswith("mmcblk"):
        return "mmc"
    return None


NVME_BLOCK = re.compile(r"nvme([0-9]+)(?:c([0-9]+))?n([0-9]+)")


def is_nvme_namespace(name: str) -> bool:
    """nvmeXnY (a namespace) or nvmeXcYnZ (one controller's path to a namespace under native multipath)."""
    return NVME_BLOCK.fullmatch(name) is not None


def is_nvme_path(name: str) -> bool:
    """nvmeXcYnZ: a native-multipath path device. Hidden: no /dev node (smartctl cannot open it), and the
    namespace nvmeXnZ beside it is what is partitioned, mounted and put in arrays."""
    m = NVME_BLOCK.fullmatch(name)
    return m is not None and m.group(2) is not None


def parent_from_link(link: str) -> str | None:
    """The device a whole block device hangs off, from its /sys/block symlink target: the directory above
    it (".../nvme/nvme0/nvme0n1" -> "nvme0"; ".../nvme-subsystem/nvme-subsys0/nvme0n1" -> "nvme-subsys0")."""
    parts = [p for p in link.strip().split("/") if p and p not in (".", "..")]
    return parts[-2] if len(parts) >= 2 else None


def nvme_unit(
    model: str | None, serial: str | None, subsysnqn: str | None, controller: str | None
) -> str | None:
    """The NVMe drive a namespace belongs to, as a disk identity (model.identity_key's forms).

    A namespace's `wwid` (EUI-64, NGUID, UUID) names the namespace, not the drive: two namespaces of one
    drive differ, so it is no failure-unit key. The drive (the NVM subsystem: one controller, or several
    reached as multipath paths) is named by the Serial Number and Model Number of Identify Controller, which
    the NVMe specification makes subsystem-wide and the kernel shows in the controller's (or the
    subsystem's) `serial` and `model`: `serial:MODEL:SERIAL`, the key of any disk without a WWN. Without a
    serial: the subsystem NQN (`nqn:...`, unique among the subsystems the kernel attached); without that,
    the controller's kernel name (`name:nvme0`: right within one boot, not across reboots)."""
    sn = (serial or "").strip()
    if sn:
        return identity_key(None, (model or "").strip() or None, sn, "")
    nqn = (subsysnqn or "").strip()
    if nqn:
        return f"nqn:{nqn}"
    return f"name:{controller}" if controller else None


def parse_mountinfo(text: str, source: str = "/proc/self/mountinfo") -> dict[str, str]:
    """mountpoint -> "major:minor" of the device behind it (later mounts over a path win)."""
    out: dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        too_long = line_error(source, lineno, line, "mountinfo")
        if too_long is not None:
            raise too_long
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) < 5 or not re.fullmatch(r"[0-9]+:[0-9]+", fields[2]):
            raise ParseError(
                source, lineno, "not a mountinfo line (expected 'ID PARENT MAJ:MIN ROOT MOUNTPOINT ...')"
            )
        mountpoint = _unescape(fields[4])
        out[mountpoint] = fields[2]
    return out


def _unescape(path: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as octal (\\040)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


def unescape_udev(name: str) -> str:
    """udev escapes unsafe bytes in /dev/disk/by-label names as \\xNN ("my\\x20data" -> "my data")."""
    raw = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), name)
    return raw.encode("latin-1", "replace").decode("utf-8", "replace")
