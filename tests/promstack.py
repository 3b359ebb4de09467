"""Real components on loopback for the end-to-end alerting tests: `raidwatch serve --replay`, Prometheus,
Alertmanager and a webhook receiver. Free ports on 127.0.0.1; every process is stopped by its own PID."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from conftest import REPO

PROMETHEUS = shutil.which("prometheus")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
AMTOOL = shutil.which("amtool")
PROMTOOL = shutil.which("promtool")
NO_PROMETHEUS = "no prometheus binary (Debian package prometheus; .ci/run installs it)"
NO_ALERTMANAGER = "no alertmanager binary (Debian package prometheus-alertmanager; .ci/run installs it)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def wait_for(what: str, fn: Callable[[], Any], timeout: float = 90.0, every: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except OSError as exc:
            last = exc
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM to this process (its own PID), then SIGKILL if it does not go."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------------- configs made fast


def fast_rules(tmp: Path, text: str | None = None, keep: dict[str, str] | None = None) -> Path:
    """The shipped rules with every `for:` cut to 2s (a `for: 0s` stays), so a test need not wait minutes.

    `keep` gives some alerts another `for:` (alert name -> duration): e.g. the presence alerts, which a
    slow first scrape on a busy machine would otherwise fire in a test that is not about them."""
    text = (REPO / "prometheus" / "alerts.yml").read_text() if text is None else text
    keep = keep or {}
    lines = []
    alert = None
    for line in text.splitlines(keepends=True):
        m = re.match(r"^\s+- alert: (\S+)", line)
        if m:
            alert = m.group(1)
        m = re.match(r"^(\s+)for: (\S+)$", line)
        if m and m.group(2) != "0s":
            line = f"{m.group(1)}for: {keep.get(alert or '', '2s')}\n"
        lines.append(line)
    out = tmp / "alerts-fast.yml"
    out.write_text("".join(lines))
    return out


_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d)$")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _scaled(value: str, factor: float) -> str:
    m = _DURATION.match(str(value))
    assert m, f"unexpected duration {value!r}"
    ms = round(int(m.group(1)) * _SECONDS[m.group(2)] * 1000 / factor)
    return f"{ms}ms"


def fast_alertmanager_config(tmp: Path, webhook_base: str, factor: float = 60.0) -> Path:
    """A copy of prometheus/alertmanager.yml with every group_wait/group_interval/repeat_interval divided by
    `factor` (5m -> 5s) and each webhook pointed at `webhook_base` + the last part of its path."""
    doc = yaml.safe_load((REPO / "prometheus" / "alertmanager.yml").read_text())

    def walk(route: dict) -> None:
        for key in ("group_wait", "group_interval", "repeat_interval"):
            if key in route:
                route[key] = _scaled(route[key], factor)
        for child in route.get("routes", []):
            walk(child)

    walk(doc["route"])
    for rcv in doc["receivers"]:
        for hook in rcv.get("webhook_configs", []):
            hook["url"] = webhook_base + "/" + urllib.parse.urlparse(hook["url"]).path.rsplit("/", 1)[-1]
    out = tmp / "alertmanager-fast.yml"
    out.write_text(yaml.safe_dump(doc, sort_keys=False))
    return out


# ---------------------------------------------------------------------------- processes


class Webhook:
    """An Alertmanager webhook receiver on loopback: records every notification as (path, payload)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with hook._lock:
                    hook.received.append((self.path, json.loads(body or b"{}")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="webhook")
        self.thread.start()

    def notifications(self, path: str | None = None) -> list[dict]:
        with self._lock:
            return [p for (pth, p) in self.received if path is None or pth == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_raidwatch(tmp: Path, replay: Path, *extra: str) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    log = tmp / "raidwatch.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "raidwatch",
                "serve",
                "--replay",
                str(replay),
                "--fleet",
                str(REPO / "fleet.yaml"),
                "--web.listen-address",
                f"127.0.0.1:{port}",
                *extra,
            ],
            env=dict(os.environ, PYTHONPATH=str(REPO)),
            cwd=REPO,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    return proc, port, log


def start_prometheus(
    tmp: Path, rules: Path, targets: list[str], alertmanager_port: int | None = None
) -> tuple[subprocess.Popen, str]:
    """Prometheus scraping `targets` as job "raidwatch" every second, evaluating `rules` every second."""
    assert PROMETHEUS is not None
    port = free_port()
    cfg = tmp / "prometheus.yml"
    text = (
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"rule_files: [{rules}]\n"
        "scrape_configs:\n  - job_name: raidwatch\n    static_configs:\n"
        f"      - targets: {json.dumps(targets)}\n"
    )
    if alertmanager_port is not None:
        text += (
            "alerting:\n  alertmanagers:\n    - static_configs:\n"
            f"        - targets: ['127.0.0.1:{alertmanager_port}']\n"
        )
    cfg.write_text(text)
    with (tmp / "prometheus.log").open("w") as fh:
        proc = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={cfg}",
                f"--storage.tsdb.path={tmp / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--rules.alert.resend-delay=1s",
            ],
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    return proc, f"http://127.0.0.1:{port}/api/v1"


def start_alertmanager(tmp: Path, config: Path) -> tuple[subprocess.Popen, int]:
    assert ALERTMANAGER is not None
    port = free_port()
    with (tmp / "alertmanager.log").open("w") as fh:
        proc = subprocess.Popen(
            [
                ALERTMANAGER,
                f"--config.file={config}",
                f"--storage.path={tmp / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",  # no gossip port: a single instance
            ],
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    return proc, port


def prom_query(api: str, q: str) -> list:
    doc = get_json(f"{api}/query?query={urllib.parse.quote(q)}")
    return doc["data"]["result"] if doc.get("status") == "success" else []
