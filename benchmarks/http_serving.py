"""HTTP benchmark: back-to-back keep-alive vs fresh-connection scrapes, idle-connection floods under the
unit's open-file limit, and the threads, tasks and descriptors the daemon uses under load.

Run on demand (not part of the test suite):

    python3 benchmarks/http_serving.py [--seconds 5] [--host web01-mirror-degraded] [--idle 0,100,1000,1100]
                               [--nofile 1024] [--compare PATH]

`--compare PATH` runs the same rows against another checkout (e.g. the previous release, made with
`git archive HEAD | tar -x -C /tmp/before`). Needs `wrk` for the latency rows (Debian package wrk; without
it a closed-loop Python client measures them). Servers listen on 127.0.0.1 only and are stopped by their
own PID. Prints markdown tables.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
HOSTS = REPO / "tests" / "hosts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def daemon(repo: Path, args: list[str], nofile: int | None = None) -> Iterator[tuple[subprocess.Popen, int]]:
    port = free_port()

    def limits() -> None:
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    proc = subprocess.Popen(
        [sys.executable, "-m", "raidwatch", "serve", "--web.listen-address", f"127.0.0.1:{port}", *args],
        env=dict(os.environ, PYTHONPATH=str(repo)),
        cwd=repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=limits,  # only setrlimit
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if scrape(port, fresh=None)[0] == 200:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("the daemon never answered")
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def scrape(port: int, fresh: http.client.HTTPConnection | None) -> tuple[int, bytes]:
    conn = fresh or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        if fresh is None:
            conn.close()


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(port: int, seconds: int, close: bool) -> dict[str, float]:
    cmd = [
        "wrk",
        "-t1",
        "-c1",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        "Accept-Encoding: gzip",
    ]
    if close:
        cmd += ["-H", "Connection: close"]
    out = subprocess.run(
        [*cmd, f"http://127.0.0.1:{port}/metrics"], capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    lat = {p: _ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {
        "p50": lat.get("50", float("nan")),
        "p99": lat.get("99", float("nan")),
        "rps": float(rps.group(1)) if rps else float("nan"),
    }


def python_client(port: int, n: int, keep: bool) -> dict[str, float]:
    times = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30) if keep else None
    try:
        for _ in range(n):
            t = time.perf_counter()
            scrape(port, conn)
            times.append((time.perf_counter() - t) * 1000)
    finally:
        if conn is not None:
            conn.close()
    times.sort()
    return {"p50": statistics.median(times), "p99": times[int(0.99 * (len(times) - 1))], "rps": float("nan")}


def usage(pid: int) -> dict[str, int]:
    p = psutil.Process(pid)
    children = p.children(recursive=True)
    threads = p.num_threads()
    tasks = threads + sum(c.num_threads() for c in children if c.is_running())
    return {"threads": threads, "tasks": tasks, "fds": p.num_fds(), "rss": p.memory_info().rss}


class Sampler:
    """Peak threads, tasks (threads of the daemon and its children: what TasksMax counts) and fds."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, {"threads": 0, "tasks": 0, "fds": 0, "rss": 0}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            with contextlib.suppress(psutil.Error):
                for k, v in usage(self.pid).items():
                    self.peak[k] = max(self.peak[k], v)

    def __enter__(self) -> Sampler:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def open_idle(port: int, n: int) -> list[socket.socket]:
    """n idle connections: half never send anything, half asked once (keep-alive) and went quiet."""
    socks = []
    for i in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            break
        if i % 2:
            with contextlib.suppress(OSError):
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    return socks


def metric(body: bytes, name: str) -> str:
    import gzip

    with contextlib.suppress(OSError):
        body = gzip.decompress(body)
    m = re.search(rb"^" + re.escape(name.encode()) + rb" ([0-9.e+-]+)$", body, re.M)
    return m.group(1).decode() if m else "-"


def latency_rows(label: str, repo: Path, host: Path, seconds: int) -> list[str]:
    rows = []
    args = ["--replay", str(host), "--collectors", "md,blockdev,mounts", "--log-level", "warning"]
    with daemon(repo, args) as (_proc, port):
        size = len(scrape(port, None)[1])
        for close in (False, True):
            what = "fresh connection per request" if close else "keep-alive, back to back"
            if shutil.which("wrk"):
                r, client = wrk(port, seconds, close), "wrk -c1"
            else:
                r, client = python_client(port, 500, keep=not close), "python"
            rows.append(
                f"| {label} | {client} | {what} | {r['p50']:.2f} | {r['p99']:.2f} | {r['rps']:.0f} | {size} |"
            )
    return rows


def idle_rows(label: str, repo: Path, host: Path, counts: list[int], nofile: int) -> list[str]:
    rows = []
    args = ["--replay", str(host), "--collectors", "md,blockdev,mounts", "--interval", "2s"]
    for n in counts:
        with daemon(repo, [*args, "--log-level", "error"], nofile=nofile) as (proc, port):
            socks = open_idle(port, n)
            try:
                time.sleep(0.5)
                times, codes = [], []
                for _ in range(20):
                    t = time.perf_counter()
                    try:
                        code, body = scrape(port, None)
                    except (OSError, http.client.HTTPException):
                        code, body = 0, b""
                    times.append((time.perf_counter() - t) * 1000)
                    codes.append(code)
                u = usage(proc.pid)
                ok = sum(c == 200 for c in codes)
                last = body if codes[-1] == 200 else b""
                limit = metric(last, "raidwatch_http_connections_limit")
                evicted = metric(last, 'raidwatch_http_connections_closed_total{reason="evicted"}')
                md = metric(last, 'raidwatch_collector_success{collector="md"}')
                p50 = statistics.median(times)
                rows.append(
                    f"| {label} | {n} | {len(socks)} | {ok}/20 | {p50:.2f} | {u['threads']} | {u['fds']} "
                    f"| {u['rss'] / 2**20:.1f} | {limit} | {evicted} | {md} |"
                )
            finally:
                for s in socks:
                    s.close()
    return rows


def peak_rows(repo: Path, seconds: int, nofile: int) -> list[str]:
    """Peak use while collecting every interval, 50 clients scraping and 1,100 idle connections."""
    rows = []
    setups = [
        ("live, all collectors that apply, --interval 1s", ["--interval", "1s", "--smart-interval", "5s"]),
        (
            "replay hw08-megaraid, all collectors, --interval 1s",
            ["--replay", str(HOSTS / "hw08-megaraid"), "--interval", "1s", "--smart-interval", "5s"],
        ),
    ]
    for label, args in setups:
        with daemon(repo, [*args, "--log-level", "error"], nofile=nofile) as (proc, port):
            rest = usage(proc.pid)
            with Sampler(proc.pid) as s:
                socks = open_idle(port, 1100)
                try:
                    if shutil.which("wrk"):
                        subprocess.run(
                            ["wrk", "-t2", "-c50", f"-d{seconds}s", f"http://127.0.0.1:{port}/metrics"],
                            capture_output=True,
                            timeout=seconds + 60,
                        )
                    else:
                        time.sleep(seconds)
                finally:
                    for sock in socks:
                        sock.close()
            p = s.peak
            rows.append(
                f"| {label} | {rest['threads']} | {rest['fds']} | {p['threads']} | {p['tasks']} | {p['fds']} "
                f"| {p['rss'] / 2**20:.1f} |"
            )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--host", default="web01-mirror-degraded", help="bundled host (tests/hosts) to serve")
    ap.add_argument(
        "--arrays",
        type=int,
        default=0,
        help="serve scrape.py's synthetic host of N md arrays instead of --host",
    )
    ap.add_argument("--idle", default="0,100,1000,1100", help="idle connection counts")
    ap.add_argument("--nofile", type=int, default=1024, help="the daemon's open-file limit (LimitNOFILE=)")
    ap.add_argument("--compare", metavar="PATH", help="another checkout to run the same rows against")
    ap.add_argument("--skip", default="", help="comma-separated sections to skip: latency,idle,peak")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096 and (hard == resource.RLIM_INFINITY or hard >= 4096):
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096, hard))  # this process opens the idle sockets
    host = HOSTS / args.host
    work = None
    if args.arrays:
        import importlib.util
        import tempfile

        here = Path(__file__).resolve().parent
        spec = importlib.util.spec_from_file_location("scrape_bench", here / "scrape.py")
        scrape_bench = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(scrape_bench)  # type: ignore[union-attr]
        work = Path(tempfile.mkdtemp(prefix="raidwatch-http-bench-"))
        host = scrape_bench.synthetic_host(work, args.arrays)
        args.host = f"a synthetic host of {args.arrays} md arrays"
    try:
        return _run(args, host)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, host: Path) -> int:
    targets = [("this tree", REPO)] + ([("compare", Path(args.compare).resolve())] if args.compare else [])
    skip = set(args.skip.split(","))
    if "latency" not in skip:
        print(f"\nBack-to-back scrapes of {args.host} (/metrics, gzip), {args.seconds}s per row\n")
        print("| server | client | connection | p50 ms | p99 ms | requests/s | bytes |")
        print("|---|---|---|---:|---:|---:|---:|")
        for label, repo in targets:
            for row in latency_rows(label, repo, host, args.seconds):
                print(row, flush=True)
    if "idle" not in skip:
        print(f"\nIdle connections under an open-file limit of {args.nofile} (20 fresh scrapes each)\n")
        print(
            "| server | idle asked | idle open | scrapes ok | scrape p50 ms | threads | fds | RSS MiB "
            "| conn limit | evicted | md success |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        counts = [int(c) for c in args.idle.split(",")]
        for label, repo in targets:
            for row in idle_rows(label, repo, host, counts, args.nofile):
                print(row, flush=True)
    if "peak" not in skip:
        print(
            "\nPeak use: collecting every second, 50 clients scraping, 1,100 idle connections, "
            f"{args.seconds}s\n"
        )
        print(
            "| setup | threads at rest | fds at rest | peak threads | peak tasks | peak fds | peak RSS MiB |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for row in peak_rows(REPO, args.seconds, args.nofile):
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
