"""How fast is `raidwatch fleet` for a large fleet? A fake query API on loopback, end to end.

The fake API (tests/fakeprom.py) answers raidwatch's six instant queries with the bodies a Prometheus
scraping N raidwatch daemons returns: host_info, compliance and snapshot time per host, three findings on
every tenth host, down targets. Each run is the real CLI in a fresh process (`raidwatch fleet
--prometheus URL --expect LIST --json`), so Python's start-up and imports are counted; the in-process
phases (the queries with JSON decoding, judging, rendering) are timed separately. Prints a table.

    python3 benchmarks/fleet.py            # 1,000 / 10,000 / 30,000 hosts, 5 runs each
    python3 benchmarks/fleet.py 10000 -r 10
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from fakeprom import FakeQueryAPI, synthetic_fleet  # noqa: E402

from raidwatch import fleet as fl  # noqa: E402
from raidwatch.promapi import PromClient  # noqa: E402


def run_cli(url: str, expect: Path, policy: Path) -> tuple[float, int, str]:
    start = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-m", "raidwatch", "fleet", "--fleet", str(policy), "--expect", str(expect),
         "--prometheus", url, "--json"],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120,
    )  # fmt: skip
    wall = time.perf_counter() - start
    return wall, res.returncode, res.stdout


def bench(n: int, runs: int) -> dict[str, float]:
    at = time.time()
    silent, down, old = set(range(3, n, 997)), set(range(5, n, 1009)), set(range(7, n, 1013))
    fleet, names = synthetic_fleet(n, at, silent=silent, down=down, old=old)
    body_bytes = sum(len(b) for b in fleet.answers.values())
    with tempfile.TemporaryDirectory() as tmp, FakeQueryAPI(fleet) as api:
        expect = Path(tmp) / "expect.txt"
        expect.write_text("\n".join(names) + "\n")
        policy = Path(tmp) / "fleet.yaml"
        policy.write_text("version: 1\n")
        walls = []
        for _ in range(runs):
            wall, rc, out = run_cli(api.url, expect, policy)
            assert rc == 2 and '"silent"' in out, (rc, out[:300])
            walls.append(wall)
        # in-process phases
        t0 = time.perf_counter()
        obs = fl.observe_prometheus(fl.PromSource(PromClient(api.url)), at)
        t1 = time.perf_counter()
        statuses = fl.judge(set(names), obs)
        t2 = time.perf_counter()
        code, line = fl.summary_line(statuses, len(names), obs.warnings)
        fl.render_json(statuses, line, code, len(names), obs, fl.DEFAULT_MAX_AGE)
        fl.render_table(statuses, line, obs.warnings, None, obs.source)
        t3 = time.perf_counter()
    counts = fl.counts(statuses)
    assert counts["silent"] == len(silent | down | old), counts
    return {
        "hosts": n,
        "answer_mb": body_bytes / 1e6,
        "p50": statistics.median(walls),
        "max": max(walls),
        "queries": t1 - t0,
        "judge": t2 - t1,
        "render": t3 - t2,
        "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 30000])
    ap.add_argument("-r", "--runs", type=int, default=5)
    args = ap.parse_args()
    print(
        f"raidwatch fleet, fake query API on loopback, {args.runs} CLI runs per size, {os.cpu_count()} CPUs"
    )
    print()
    head = (
        "hosts",
        "answers MB",
        "CLI p50 s",
        "CLI max s",
        "queries s",
        "judge s",
        "render s",
        "peak RSS MB",
    )
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for n in args.sizes:
        r = bench(n, args.runs)
        print(
            f"{r['hosts']:,} | {r['answer_mb']:.1f} | {r['p50']:.2f} | {r['max']:.2f} | {r['queries']:.3f} | "
            f"{r['judge']:.3f} | {r['render']:.3f} | {r['rss_mb']:.0f}"
        )


if __name__ == "__main__":
    main()
