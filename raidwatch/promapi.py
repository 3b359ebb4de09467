"""A small client of the Prometheus HTTP query API (Prometheus, Thanos, Mimir, VictoriaMetrics).

Bounded in time (one timeout per request) and memory (the answer is read up to a limit), authenticated by
bearer token, basic auth or client headers (Mimir's X-Scope-OrgID), TLS verified against a CA file. Every
failure becomes one QueryError line that names the URL and what went wrong: unreachable, refused (with the
API's own error text), timed out, too large, or not a query API answer.
"""

from __future__ import annotations

import base64
import json
import math
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from raidwatch.errors import RaidwatchError

MAX_ANSWER_BYTES = 512 * 1024 * 1024  # a 10,000-host fleet answers in a few MB


class QueryError(RaidwatchError):
    """The query API could not answer: one line, naming the URL."""


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Answer:
    samples: tuple[Sample, ...]
    warnings: tuple[str, ...] = ()  # partial answers (Thanos, Mimir): some stores did not answer


@dataclass
class PromClient:
    """The query API at `url` (the base: http://prom:9090, https://mimir/prometheus, http://vm:8428)."""

    url: str
    timeout: float = 10.0
    bearer_token: str | None = None
    basic_auth: tuple[str, str] | None = None
    ca_file: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    max_bytes: int = MAX_ANSWER_BYTES

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise QueryError(f"{self.url}: not an http(s) URL of a Prometheus query API")
        self.url = self.url.rstrip("/")
        self._context: ssl.SSLContext | None = None
        if parts.scheme == "https":
            try:
                self._context = ssl.create_default_context(cafile=self.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise QueryError(
                    f"--ca-file {self.ca_file}: {getattr(exc, 'strerror', None) or exc}"
                ) from None

    def _request(self, promql: str, at: float | None) -> urllib.request.Request:
        form = {"query": promql}
        if at is not None:
            form["time"] = f"{at:.3f}"
        body = urllib.parse.urlencode(form).encode()
        req = urllib.request.Request(f"{self.url}/api/v1/query", data=body, method="POST")
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        req.add_header("Accept", "application/json")
        req.add_header("User-Agent", "raidwatch-fleet")
        if self.bearer_token:
            req.add_header("Authorization", f"Bearer {self.bearer_token}")
        elif self.basic_auth:
            token = base64.b64encode(f"{self.basic_auth[0]}:{self.basic_auth[1]}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        for k, v in self.headers.items():
            req.add_header(k, v)
        return req

    def query(self, promql: str, at: float | None = None) -> Answer:
        """One instant query; a vector answer as samples. Raises QueryError."""
        where = f"{self.url}/api/v1/query ({promql})"
        try:
            with urllib.request.urlopen(
                self._request(promql, at), timeout=self.timeout, context=self._context
            ) as r:
                raw = r.read(self.max_bytes + 1)
        except urllib.error.HTTPError as exc:
            raise QueryError(f"{where}: refused: HTTP {exc.code} {_api_error(exc)}") from None
        except TimeoutError:
            raise QueryError(f"{where}: no answer within {self.timeout:g}s (--timeout)") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise QueryError(f"{where}: no answer within {self.timeout:g}s (--timeout)") from None
            if isinstance(reason, ssl.SSLError):
                raise QueryError(f"{where}: TLS failed: {reason.reason or reason}") from None
            text = getattr(reason, "strerror", None) or str(reason)
            raise QueryError(f"{where}: unreachable: {text}") from None
        except (OSError, ValueError) as exc:
            raise QueryError(f"{where}: {getattr(exc, 'strerror', None) or exc}") from None
        if len(raw) > self.max_bytes:
            raise QueryError(f"{where}: the answer is larger than {self.max_bytes} bytes")
        return parse_answer(raw, where)


def _api_error(exc: urllib.error.HTTPError) -> str:
    """The API's own error text from an error response, if it sent one."""
    try:
        body = exc.read(65536)
        doc = json.loads(body)
        if isinstance(doc, dict) and doc.get("error"):
            return f"{doc.get('errorType') or 'error'}: {str(doc['error'])[:300]}"
    except (ValueError, OSError):
        pass
    return str(exc.reason or "").strip()


def _number(text: object) -> float:
    if not isinstance(text, str):
        raise ValueError("a sample value is not a string")
    return float(text)  # accepts "NaN", "+Inf", "-Inf" as Prometheus writes them


def parse_answer(raw: bytes, where: str = "query") -> Answer:
    """A query API response body -> Answer; anything else is a QueryError that says what it was."""
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        head = raw[:60].decode("utf-8", "replace").strip().replace("\n", " ")
        raise QueryError(f"{where}: not a Prometheus query API answer (not JSON: {head!r})") from None
    if not isinstance(doc, dict) or "status" not in doc:
        raise QueryError(f"{where}: not a Prometheus query API answer (no 'status')")
    if doc["status"] != "success":
        raise QueryError(
            f"{where}: refused: {doc.get('errorType') or 'error'}: {str(doc.get('error'))[:300]}"
        )
    data = doc.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("result"), list):
        raise QueryError(f"{where}: not a Prometheus query API answer (no data.result list)")
    kind = data.get("resultType")
    if kind == "scalar":
        return Answer(())
    if kind != "vector":
        raise QueryError(f"{where}: expected an instant vector, got {kind!r}")
    samples = []
    try:
        for item in data["result"]:
            labels = item["metric"]
            if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
                raise ValueError("labels are not strings")
            value = _number(item["value"][1])
            if math.isnan(value):
                continue
            samples.append(Sample(labels, value))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise QueryError(f"{where}: not a Prometheus query API answer (a malformed sample: {exc})") from None
    warnings = doc.get("warnings") or []
    return Answer(tuple(samples), tuple(str(w) for w in warnings if w) if isinstance(warnings, list) else ())
