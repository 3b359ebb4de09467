"""Small pure readers for /sys/block attribute values and /proc/self/mountinfo."""

from __future__ import annotations

import re

from raidwatch.errors import ParseError


def device_kind(name: str, has_dm: bool, has_md: bool, has_loop: bool) -> str:
    """disk | md | dm | loop | other, from the name and which sub-directories exist."""
    if has_md or re.fullmatch(r"md\d+|md_d\d+", name):
        return "md"
    if has_dm or name.startswith("dm-"):
        return "dm"
    if has_loop or name.startswith("loop"):
        return "loop"
    return "disk"


def parse_size(text: str | None) -> int | None:
    """/sys/block/X/size is in 512-byte sectors, whatever the device's sector size."""
    if text is None:
        return None
    try:
        return int(text.strip()) * 512
    except ValueError:
        return None


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
    return t if re.fullmatch(r"\d+:\d+", t) else None


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


def parse_mountinfo(text: str, source: str = "/proc/self/mountinfo") -> dict[str, str]:
    """mountpoint -> "major:minor" of the device behind it (later mounts over a path win)."""
    out: dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) < 5 or not re.fullmatch(r"\d+:\d+", fields[2]):
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
