"""How large a fleet.yaml can the daemon load within its unit's MemoryMax=256M? Load time and peak RSS.

Each row writes a synthetic fleet.yaml and loads it with `raidwatch.policy.load_policy` in a fresh Python
process (so the figure is the whole process: interpreter, raidwatch's imports and the policy), which
reports its own peak RSS (getrusage ru_maxrss). The shapes:

- hosts-shared:   N `hosts:` entries, each with the same role (what a generated file usually looks like)
- hosts-distinct: N `hosts:` entries, each with its own mount point and SMART threshold (nothing shared)
- hosts-exempt:   N `hosts:` entries, each with its own exemption (code, subject, reason, expiry)
- group-names:    one group listing N exact host names
- expect-list:    an `expect:` list of N names
- expect-range:   one `expect:` range that expands to N names

    python3 benchmarks/fleet_file.py                  # 10,000 / 32,000 / 100,000 hosts, every shape
    python3 benchmarks/fleet_file.py 100000 --shape hosts-distinct
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

HEAD = """\
version: 1
defaults:
  roles:
    boot: {covers: [/], require: mirror}
  smart:
    temperature_celsius: {warning: 55, critical: 65}
groups:
  web:
    hosts: ['web*']
    roles:
      data: {covers: [/srv]}
"""


def fleet_text(n: int, shape: str) -> str:
    lines = [HEAD]
    if shape == "hosts-shared":
        lines.append("hosts:\n")
        lines += [
            f"  host{i:06d}:\n    roles: {{data: {{covers: [/data], require: mirror}}}}\n" for i in range(n)
        ]
    elif shape == "hosts-distinct":
        lines.append("hosts:\n")
        lines += [
            f"  host{i:06d}:\n    roles: {{data: {{covers: [/data{i}], min_copies: {2 + i % 3}}}}}\n"
            f"    smart: {{pending_sectors: {{warning: {1 + i % 7}, critical: {10 + i}}}}}\n"
            for i in range(n)
        ]
    elif shape == "hosts-exempt":
        lines.append("hosts:\n")
        lines += [
            f"  host{i:06d}:\n    exemptions:\n      - {{code: role-not-redundant, subject: /, "
            f"reason: 'TICKET-{i}: second disk ordered', expires: 2027-01-{1 + i % 28:02d}}}\n"
            for i in range(n)
        ]
    elif shape == "group-names":
        lines.append("  big:\n    hosts:\n")
        lines += [f"      - host{i:06d}\n" for i in range(n)]
    elif shape == "expect-list":
        lines.append("expect:\n")
        lines += [f"  - host{i:06d}\n" for i in range(n)]
    elif shape == "expect-range":
        lines.append(f"expect: ['host[000000:{n - 1:06d}]']\n")
    else:
        raise SystemExit(f"unknown shape {shape}")
    return "".join(lines)


CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from raidwatch.policy import load_policy
import raidwatch.findings  # what the daemon has imported anyway

def peak_kib():
    # VmHWM: this process's own high-water mark. (getrusage's ru_maxrss is carried over from the parent
    # across fork+exec on Linux, so a child of a big parent would report the parent's size.)
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

base = peak_kib()
t = time.perf_counter()
p = load_policy(sys.argv[2]) if len(sys.argv) > 2 else None
took = time.perf_counter() - t
if p is not None:
    p.for_host("host000001")
print(json.dumps({"seconds": took, "peak_kib": peak_kib(), "base_kib": base,
                  "hosts": len(p.hosts) if p else 0, "expect": len(p.expect) if p else 0}))
"""


def measure(path: Path | None) -> dict:
    args = [sys.executable, "-c", CHILD, str(REPO)] + ([str(path)] if path else [])
    res = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        raise SystemExit(f"load failed: {res.stderr.strip().splitlines()[-1:]}")
    return json.loads(res.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10_000, 32_000, 100_000])
    ap.add_argument(
        "--shape",
        action="append",
        choices=[
            "hosts-shared",
            "hosts-distinct",
            "hosts-exempt",
            "group-names",
            "expect-list",
            "expect-range",
        ],
    )
    args = ap.parse_args()
    shapes = args.shape or [
        "hosts-shared",
        "hosts-distinct",
        "hosts-exempt",
        "group-names",
        "expect-list",
        "expect-range",
    ]
    base = measure(None)
    print(f"Python + raidwatch.policy imported, no file: peak RSS {base['peak_kib'] / 1024:.1f} MiB\n")
    print("| shape | hosts | file MiB | load s | peak RSS MiB | of which the policy MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for shape in shapes:
            for n in args.sizes:
                path = Path(tmp) / f"{shape}-{n}.yaml"
                path.write_text(fleet_text(n, shape))
                m = measure(path)
                size = path.stat().st_size / 2**20
                peak = m["peak_kib"] / 1024
                print(
                    f"| {shape} | {n:,} | {size:.1f} | {m['seconds']:.2f} | {peak:.1f} | "
                    f"{(m['peak_kib'] - m['base_kib']) / 1024:.1f} |",
                    flush=True,
                )
                path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
