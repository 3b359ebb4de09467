"""Scrape benchmark: raidwatch serve vs node_exporter's mdadm collector on a synthetic 1,000-array host.

Run on demand (not part of the test suite):

    python3 benchmarks/scrape.py [--arrays 1000] [--seconds 10] [--clients 1,10,50]

Needs `wrk` and `prometheus-node-exporter` (Debian packages; missing ones are skipped with a reason).
Both exporters read the same synthetic tree: raidwatch through `serve --replay`, node_exporter through
`--path.procfs`/`--path.sysfs` pointed into the recording. Servers listen on 127.0.0.1 only and are
stopped by their own PID. Prints a markdown table: p50/p99 latency, requests/s, peak RSS.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))


def disk_name(i: int) -> str:
    """sda, sdb, ..., sdz, sdaa, ... like the kernel."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(ord("a") + r) + s
    return "sd" + s


def synthetic_host(root: Path, arrays: int) -> Path:
    """A host with `arrays` raid1 arrays over 2*arrays disks; every 50th degraded, every 97th rebuilding."""
    import hostgen as g

    disks, mds, mounts = [], [], []
    for n in range(arrays):
        a, b = disk_name(2 * n), disk_name(2 * n + 1)
        disks.append(
            g.Disk(
                a,
                100 * 2**30,
                "SYNTH DISK",
                f"SA{n:06d}",
                f"naa.5000{2 * n:012x}",
                True,
                {a + "1": 99 * 2**30},
            )
        )
        disks.append(
            g.Disk(
                b,
                100 * 2**30,
                "SYNTH DISK",
                f"SB{n:06d}",
                f"naa.5000{2 * n + 1:012x}",
                True,
                {b + "1": 99 * 2**30},
            )
        )
        members = [g.Member(a + "1", 0, 0), g.Member(b + "1", 1, 1)]
        kw: dict = {}
        if n % 50 == 49:
            members = [g.Member(a + "1", 0, 0), g.Member(b + "1", 1, None, "faulty", "(F)")]
            kw["mdadm_state"] = "clean, degraded"
        elif n % 97 == 96:
            members = [g.Member(a + "1", 0, 0), g.Member(b + "1", 2, 1, "spare")]
            kw.update(
                sync_action="recover",
                sync_completed="100 / 200",
                sync_speed="50000",
                mdadm_state="clean, degraded, recovering",
                rebuild_status="50% complete",
                sync_line="[==========>..........]  recovery = 50.0% (50/100) "
                "finish=10.0min speed=50000K/sec",
            )
        mds.append(
            g.MdArray(f"md{n}", "raid1", 2, members, 103809024, f"{n:08x}-0000-0000-0000-000000000000", **kw)
        )
        mounts.append((f"/dev/md{n}", f"/srv/vol{n}", "xfs", f"9:{n}"))
    return g.write_host("synthetic-1000", hostname="synth", disks=disks, arrays=mds, mounts=mounts, root=root)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} never answered")


def rss_kib(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) in KiB."""
    text = Path(f"/proc/{pid}/status").read_text()
    cur = int(re.search(r"VmRSS:\s+(\d+)", text).group(1))
    peak = int(re.search(r"VmHWM:\s+(\d+)", text).group(1))
    return cur, peak


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, clients: int, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(clients, 2)),
            "-c",
            str(clients),
            "-d",
            f"{seconds}s",
            "--latency",
            "--timeout",
            "30s",
            "-H",
            "Accept-Encoding: gzip",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    lat = dict((p, _ms(v, u)) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "p50": lat.get("50", float("nan")),
        "p99": lat.get("99", float("nan")),
        "rps": float(rps.group(1)) if rps else float("nan"),
        "non2xx": float(errors.group(1)) if errors else 0.0,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arrays", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--clients", default="1,10,50")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        print("skipped: wrk is not installed (apt-get install wrk)")
        return 0
    clients = [int(c) for c in args.clients.split(",")]
    work = Path(tempfile.mkdtemp(prefix="raidwatch-bench-"))
    procs: list[subprocess.Popen] = []
    try:
        t0 = time.monotonic()
        host = synthetic_host(work, args.arrays)
        print(
            f"synthetic host: {args.arrays} md arrays, {2 * args.arrays} disks, made in "
            f"{time.monotonic() - t0:.1f}s at {host}"
        )
        targets = []
        port = free_port()
        env = dict(os.environ, PYTHONPATH=str(REPO))
        rw = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "raidwatch",
                "serve",
                "--replay",
                str(host),
                "--collectors",
                "md,blockdev,mounts",
                "--fleet",
                str(REPO / "fleet.yaml"),
                "--web.listen-address",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(rw)
        t0 = time.monotonic()
        wait_http(f"http://127.0.0.1:{port}/metrics")
        print(f"raidwatch: first snapshot served after {time.monotonic() - t0:.1f}s")
        targets.append(("raidwatch serve", rw, f"http://127.0.0.1:{port}/metrics"))
        ne = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
        if ne:
            nport = free_port()
            node = subprocess.Popen(
                [
                    ne,
                    "--collector.disable-defaults",
                    "--collector.mdadm",
                    f"--path.procfs={host}/fs/proc",
                    f"--path.sysfs={host}/fs/sys",
                    f"--web.listen-address=127.0.0.1:{nport}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(node)
            wait_http(f"http://127.0.0.1:{nport}/metrics")
            targets.append(("node_exporter mdadm", node, f"http://127.0.0.1:{nport}/metrics"))
        else:
            print("node_exporter skipped: prometheus-node-exporter is not installed")
        for name, _p, url in targets:
            with urllib.request.urlopen(url) as r:
                body = r.read()
            series = sum(1 for ln in body.splitlines() if ln and not ln.startswith(b"#"))
            print(f"{name}: {len(body)} bytes, {series} samples per scrape")
        rows = []
        for n in clients:
            for name, p, url in targets:
                res = run_wrk(url, n, args.seconds)
                _cur, peak = rss_kib(p.pid)
                rows.append((n, name, res, peak))
        print()
        print("| clients | exporter | p50 ms | p99 ms | requests/s | peak RSS MiB | non-2xx |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        for n, name, res, peak in rows:
            print(
                f"| {n} | {name} | {res['p50']:.2f} | {res['p99']:.2f} | {res['rps']:.0f} "
                f"| {peak / 1024:.1f} | {res['non2xx']:.0f} |"
            )
        ten = {name: res for n, name, res, _ in rows if n == 10}
        if len(ten) == 2:
            a, b = ten["raidwatch serve"]["p99"], ten["node_exporter mdadm"]["p99"]
            print(
                f"\np99 at 10 clients: raidwatch {a:.2f} ms vs node_exporter {b:.2f} ms = {a / b:.2f}x "
                f"(target: at most 0.20x)"
            )
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
