"""Real btrfs filesystems on loop devices (root only), for tests/test_btrfs_real.py and for recording
tests/hosts/btrfs-loop-mirror: `sudo python tests/btrfs_loop.py tests/hosts/btrfs-loop-mirror`
(`--degraded`: one device detached and the other mounted -o degraded, as in tests/fixtures/btrfs/)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SIZE = 300 * 1024 * 1024  # mkfs.btrfs wants ~110 MiB per device; sparse, so nothing is written
TIMEOUT = 60


def _run(argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)
    if check and res.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {res.returncode}: {res.stderr.strip()[-300:]}")
    return res


def missing_prerequisite() -> str | None:
    """Why this machine cannot host a real btrfs on loop devices, or None when it can."""
    if sys.platform != "linux":
        return "not Linux"
    if os.geteuid() != 0:
        return "needs root (losetup, mkfs.btrfs, mount)"
    for tool in ("losetup", "mkfs.btrfs", "btrfs", "mount", "umount"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (apt-get install btrfs-progs util-linux)"
    if "btrfs" not in Path("/proc/filesystems").read_text():
        if shutil.which("modprobe") is None or _run(["modprobe", "btrfs"], check=False).returncode != 0:
            return "the kernel has no btrfs (modprobe btrfs failed)"
        if "btrfs" not in Path("/proc/filesystems").read_text():
            return "the kernel has no btrfs after modprobe"
    if not Path("/dev/loop-control").exists() and not Path("/dev/loop0").exists():
        return "no loop devices (/dev/loop-control missing)"
    return None


@dataclass
class LoopBtrfs:
    """A btrfs made on loop devices and mounted; `degrade()` turns a mirror into a degraded one."""

    workdir: Path
    files: list[Path] = field(default_factory=list)
    loops: list[str] = field(default_factory=list)  # /dev/loopN, attached now
    mountpoint: Path | None = None
    mounted: bool = False
    uuid: str = ""

    @property
    def kernel_names(self) -> list[str]:
        return [p.rsplit("/", 1)[-1] for p in self.loops]

    def degrade(self) -> None:
        """Unmount, detach the last device, mount the rest with -o degraded."""
        assert self.mountpoint is not None
        _run(["umount", str(self.mountpoint)])
        self.mounted = False
        gone = self.loops.pop()
        _run(["btrfs", "device", "scan", "--forget", gone], check=False)
        _run(["losetup", "-d", gone])
        _run(["mount", "-o", "degraded", self.loops[0], str(self.mountpoint)])
        self.mounted = True

    def cleanup(self) -> list[str]:
        errors = []
        if self.mounted and self.mountpoint is not None:
            res = _run(["umount", str(self.mountpoint)], check=False)
            if res.returncode != 0:
                res = _run(["umount", "-l", str(self.mountpoint)], check=False)
            if res.returncode != 0:
                errors.append(f"umount {self.mountpoint}: {res.stderr.strip()}")
            self.mounted = False
        for loop in self.loops:
            _run(["btrfs", "device", "scan", "--forget", loop], check=False)
            res = _run(["losetup", "-d", loop], check=False)
            if res.returncode != 0:
                errors.append(f"losetup -d {loop}: {res.stderr.strip()}")
        self.loops = []
        shutil.rmtree(self.workdir, ignore_errors=True)
        return errors


class SetupFailed(RuntimeError):
    """The machine refused a step (no free loop device, mount refused): a reason to skip, not a failure."""


@contextlib.contextmanager
def btrfs_on_loops(devices: int, mkfs_args: list[str], label: str = "rwtest") -> Iterator[LoopBtrfs]:
    """Make sparse files, attach them, mkfs.btrfs over them, mount; always undone on exit."""
    fs = LoopBtrfs(Path(tempfile.mkdtemp(prefix="raidwatch-btrfs-")))
    try:
        for i in range(devices):
            f = fs.workdir / f"dev{i}.img"
            with open(f, "wb") as fh:
                fh.truncate(SIZE)
            fs.files.append(f)
            res = _run(["losetup", "--find", "--show", str(f)], check=False)
            if res.returncode != 0 or not res.stdout.strip():
                raise SetupFailed(f"losetup --find --show: {res.stderr.strip() or 'no loop device'}")
            fs.loops.append(res.stdout.strip())
        _run(["mkfs.btrfs", "-f", "-L", label, *mkfs_args, *fs.loops])
        fs.mountpoint = fs.workdir / "mnt"
        fs.mountpoint.mkdir()
        res = _run(["mount", "-t", "btrfs", fs.loops[0], str(fs.mountpoint)], check=False)
        if res.returncode != 0:
            raise SetupFailed(f"mount -t btrfs: {res.stderr.strip()}")
        fs.mounted = True
        out = _run(["btrfs", "filesystem", "show", str(fs.mountpoint)]).stdout
        fs.uuid = out.split("uuid:", 1)[1].split()[0]
        yield fs
    finally:
        errors = fs.cleanup()
        if errors:
            print("btrfs_on_loops cleanup: " + "; ".join(errors), file=sys.stderr)


def trim_mountinfo(recording: Path) -> None:
    """Keep only the mountinfo lines of the mounts psutil listed (the rest is the VM's plumbing)."""
    mi = recording / "fs/proc/self/mountinfo"
    if not mi.is_file():
        return
    keep = {m["mountpoint"] for m in json.loads((recording / "mounts.json").read_text())}
    lines = [ln for ln in mi.read_text().splitlines() if len(ln.split()) > 4 and ln.split()[4] in keep]
    mi.write_text("".join(ln + "\n" for ln in lines))


def record(out: Path, fs: LoopBtrfs) -> None:
    """Record the btrfs, blockdev and mounts collectors into `out` (replacing its recording files)."""
    from raidwatch.collectors.blockdev import BlockDevCollector
    from raidwatch.collectors.btrfs import BtrfsCollector
    from raidwatch.collectors.mounts import MountsCollector
    from raidwatch.inventory import collect_inventory
    from raidwatch.probe import LiveProbe, RecordingProbe

    for name in ("fs", "commands", "host.json", "mounts.json", "fs.json"):
        p = out / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    rec = RecordingProbe(LiveProbe(), out)
    inv = collect_inventory(rec, [BtrfsCollector(), BlockDevCollector(), MountsCollector()])
    rec.finish()
    trim_mountinfo(out)
    vol = inv.volume(str(fs.mountpoint))
    print(f"recorded {out}: {fs.uuid} on {fs.loops} at {fs.mountpoint}: {vol}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    reason = missing_prerequisite()
    if reason:
        sys.exit(f"cannot record: {reason}")
    args = sys.argv[1:]
    degraded = "--degraded" in args
    args = [a for a in args if a != "--degraded"]
    with btrfs_on_loops(2, ["-d", "raid1", "-m", "raid1"]) as fs:
        if degraded:
            fs.degrade()
        record(Path(args[0] if args else "tests/hosts/btrfs-loop-mirror"), fs)
