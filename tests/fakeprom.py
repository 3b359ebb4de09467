"""A fake Prometheus query API on loopback: answers instant queries from prepared bodies (tests, benchmarks).

`synthetic_fleet(n)` prepares the answers a Prometheus scraping n raidwatch daemons would give to the
queries `raidwatch fleet` sends (host_info, compliance, snapshot age, findings, down targets), in the
query API's JSON format; `FakeQueryAPI` serves them, records what it was asked and with which headers,
and can be told to misbehave (an HTTP error, a slow answer, a body that is not JSON).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def vector(
    samples: list[tuple[dict[str, str], float]], at: float, warnings: list[str] | None = None
) -> bytes:
    doc: dict = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [{"metric": m, "value": [at, repr(float(v)) if v == v else "NaN"]} for m, v in samples],
        },
    }
    if warnings:
        doc["warnings"] = warnings
    return json.dumps(doc, separators=(",", ":")).encode()


@dataclass
class Fleet:
    """Answers by metric name (the first word of the query)."""

    answers: dict[str, bytes] = field(default_factory=dict)

    def body(self, query: str) -> bytes | None:
        for name, body in self.answers.items():
            if query.startswith(name):
                return body
        return None


def synthetic_fleet(
    n: int,
    at: float,
    *,
    silent: set[int] = frozenset(),  # type: ignore[assignment]
    down: set[int] = frozenset(),  # type: ignore[assignment]
    old: set[int] = frozenset(),  # type: ignore[assignment]
    job: str = "raidwatch",
    warnings: list[str] | None = None,
) -> tuple[Fleet, list[str]]:
    """n hosts host00000.. : every 10th non-compliant (a degraded array, a failing disk), `silent` ones
    send nothing, `down` ones are scrape targets with up == 0, `old` ones have a 2-day-old snapshot."""
    names = [f"host{i:05d}" for i in range(n)]
    info, compliant, snap, stale, findings, ups = [], [], [], [], [], []
    for i, name in enumerate(names):
        if i in down:
            ups.append(({"__name__": "up", "instance": f"{name}:9632", "job": job}, 0.0))
        if i in silent or i in down:
            continue
        inst = {"instance": f"{name}:9632", "job": job}
        info.append(({"__name__": "raidwatch_host_info", **inst, "hostname": name, "os": "Linux",
                      "kernel": "6.1.0-27-amd64", "machine": "x86_64"}, 1.0))  # fmt: skip
        bad = i % 10 == 9
        compliant.append(({"__name__": "raidwatch_host_compliant", **inst}, 0.0 if bad else 1.0))
        snap.append(
            ({"__name__": "raidwatch_snapshot_timestamp_seconds", **inst}, at - (172800 if i in old else 20))
        )
        if bad:
            findings.append(({"__name__": "raidwatch_finding", **inst, "code": "array-degraded",
                              "severity": "critical", "subject": "md1"}, 1.0))  # fmt: skip
            findings.append(({"__name__": "raidwatch_finding", **inst, "code": "disk-smart-failing",
                              "severity": "critical", "subject": "disk:sdb"}, 1.0))  # fmt: skip
            findings.append(({"__name__": "raidwatch_finding", **inst, "code": "array-failed-member",
                              "severity": "warning", "subject": "md1/sdb2"}, 1.0))  # fmt: skip
    fleet = Fleet(
        {
            "raidwatch_host_info": vector(info, at, warnings),
            "raidwatch_host_compliant": vector(compliant, at),
            "raidwatch_snapshot_timestamp_seconds": vector(snap, at),
            "raidwatch_snapshot_stale": vector(stale, at),
            "raidwatch_finding": vector(findings, at),
            "up": vector(ups, at),
        }
    )
    return fleet, names


class FakeQueryAPI:
    """POST/GET /api/v1/query on 127.0.0.1:<free port>; `mode` makes it misbehave."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self.mode = "ok"  # ok | http-400 | http-503 | slow | not-json | wrong-shape
        self.delay = 0.0
        self.requests: list[tuple[str, dict[str, str]]] = []  # (query, headers)
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, query: str) -> None:
                api.requests.append((query, dict(self.headers.items())))
                if api.mode == "slow":
                    time.sleep(api.delay)
                if api.mode == "http-400":
                    self._send(
                        400, b'{"status":"error","errorType":"bad_data","error":"parse error at char 5"}'
                    )
                    return
                if api.mode == "http-503":
                    self._send(503, b"Service Unavailable", "text/plain")
                    return
                if api.mode == "not-json":
                    self._send(200, b"<html><body>Login required</body></html>", "text/html")
                    return
                if api.mode == "wrong-shape":
                    self._send(200, b'{"status":"success","data":{"resultType":"matrix","result":[]}}')
                    return
                body = api.fleet.body(query)
                if body is None:
                    body = vector([], time.time())
                self._send(200, body)

            def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

            def do_GET(self) -> None:
                q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                self._answer(q.get("query", [""])[0])

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                self._answer(form.get("query", [""])[0])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeQueryAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
