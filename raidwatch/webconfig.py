"""The exporter-toolkit web config (web-config.yml): TLS and basic auth for the metrics endpoint."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

from raidwatch.errors import ConfigError, read_yaml_mapping

TLS_KEYS = {"cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version"}
CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "RequestClientCert": ssl.CERT_OPTIONAL,
    "RequireAnyClientCert": ssl.CERT_REQUIRED,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
TLS_VERSIONS = {"TLS12": ssl.TLSVersion.TLSv1_2, "TLS13": ssl.TLSVersion.TLSv1_3}


# A bcrypt hash as htpasswd -B and Go write it: $2a$/$2b$/$2y$, a two-digit cost, 22 salt + 31 hash chars.
BCRYPT_RE = re.compile(r"\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}")
MAX_BCRYPT_COST = 17  # htpasswd's highest; each step doubles the ~60 ms of cost 10 spent per check


@dataclass
class WebConfig:
    """What web-config.yml asks for. Immutable once loaded, except the verified-credentials cache."""

    path: str | None = None
    tls: ssl.SSLContext | None = None
    users: dict[str, bytes] = field(default_factory=dict)  # user -> bcrypt hash
    _verified: set[bytes] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _key: bytes = field(default_factory=lambda: os.urandom(32))
    _dummy: bytes | None = None

    def _credentials(self, header: str | None) -> tuple[str, str] | None:
        if not header or not header.startswith("Basic "):
            return None
        try:
            user, sep, password = (
                base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
            )
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        return (user, password) if sep else None

    def _token(self, user: str, password: str) -> bytes:
        # the same work for every user name, known or not: keyed by a per-process secret
        return hmac.new(self._key, f"{user}\0{password}".encode(), hashlib.sha256).digest()

    def quick_check(self, header: str | None) -> bool | None:
        """True (no users, or credentials verified before), False (no or malformed credentials),
        None (a bcrypt check is needed: call check_basic_auth, ~cost of one hash)."""
        if not self.users:
            return True
        creds = self._credentials(header)
        if creds is None:
            return False
        token = self._token(*creds)
        with self._lock:
            if token in self._verified:
                return True
        return None

    def check_basic_auth(self, header: str | None) -> bool:
        """True when no users are configured, or the Authorization header carries a valid user.

        Constant time in the user name: an unknown user costs one bcrypt check against a dummy hash of
        the configured cost, as a wrong password does, and names are compared with hmac.compare_digest."""
        quick = self.quick_check(header)
        if quick is not None:
            return quick
        creds = self._credentials(header)
        assert creds is not None
        user, password = creds
        given = user.encode("utf-8")
        hashed = None
        for name, h in self.users.items():  # no early exit: every name is compared
            if hmac.compare_digest(name.encode("utf-8"), given):
                hashed = h
        import bcrypt

        try:
            ok = bcrypt.checkpw(password.encode("utf-8")[:72], hashed or self._dummy_hash())
        except ValueError:
            ok = False
        if ok and hashed is not None:
            with self._lock:
                self._verified.add(self._token(user, password))
            return True
        return False

    def _dummy_hash(self) -> bytes:
        """A hash no password matches, with the highest cost of the configured ones (made once, cheaply)."""
        if self._dummy is None:
            import bcrypt

            cost = max((int(h[4:6]) for h in self.users.values()), default=10)
            self._dummy = bcrypt.gensalt(cost) + b"." * 31
        return self._dummy


def load_web_config(path: str | None) -> WebConfig:
    """Read and validate a web-config.yml (None: plain HTTP, no auth). Raises ConfigError."""
    if not path:
        return WebConfig()
    doc = read_yaml_mapping(path, "tls_server_config and/or basic_auth_users")
    unknown = set(doc) - {"tls_server_config", "basic_auth_users", "http_server_config"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s): {', '.join(sorted(unknown))}")
    base = Path(path).parent
    cfg = WebConfig(path=path)
    tls = doc.get("tls_server_config")
    if tls:
        if not isinstance(tls, dict):
            raise ConfigError(f"{path}: tls_server_config: expected a mapping")
        bad = set(tls) - TLS_KEYS
        if bad:
            raise ConfigError(f"{path}: tls_server_config: unsupported key(s): {', '.join(sorted(bad))}")
        cfg.tls = _tls_context(path, base, tls)
    users = doc.get("basic_auth_users") or {}
    if not isinstance(users, dict):
        raise ConfigError(f"{path}: basic_auth_users: expected a mapping of user: bcrypt-hash")
    for user, hashed in users.items():
        cfg.users[str(user)] = _bcrypt_hash(path, str(user), hashed)
    cfg._dummy_hash()
    http = doc.get("http_server_config")
    if http and not isinstance(http, dict):
        raise ConfigError(f"{path}: http_server_config: expected a mapping")
    return cfg


def _bcrypt_hash(path: str, user: str, hashed: object) -> bytes:
    """A checked bcrypt hash: a truncated or mangled one would lock every scraper out, silently."""
    where = f"{path}: basic_auth_users.{user}"
    if not isinstance(hashed, str):
        raise ConfigError(f"{where}: expected a bcrypt hash ($2y$...), got {type(hashed).__name__}")
    m = BCRYPT_RE.fullmatch(hashed.strip())
    if not m:
        if hashed.startswith(("$2a$", "$2b$", "$2y$")):
            raise ConfigError(
                f"{where}: not a valid bcrypt hash ({len(hashed)} characters, expected 60 like "
                '$2y$10$ + 53): truncated or mangled? Make a new one with htpasswd -nBC 10 ""'
            )
        raise ConfigError(f"{where}: expected a bcrypt hash ($2y$...)")
    cost = int(m.group(1))
    if not 4 <= cost <= MAX_BCRYPT_COST:
        raise ConfigError(f"{where}: bcrypt cost {cost} out of range 4..{MAX_BCRYPT_COST}")
    return hashed.strip().encode()


def _tls_context(path: str, base: Path, tls: dict) -> ssl.SSLContext:
    def file(key: str) -> str:
        p = Path(str(tls[key]))
        return str(p if p.is_absolute() else base / p)

    for key in ("cert_file", "key_file"):
        if not tls.get(key):
            raise ConfigError(f"{path}: tls_server_config.{key} is required")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = TLS_VERSIONS.get(str(tls.get("min_version", "TLS12")), ssl.TLSVersion.TLSv1_2)
    if tls.get("min_version") and tls["min_version"] not in TLS_VERSIONS:
        raise ConfigError(f"{path}: tls_server_config.min_version: expected TLS12 or TLS13")
    if tls.get("max_version"):
        if tls["max_version"] not in TLS_VERSIONS:
            raise ConfigError(f"{path}: tls_server_config.max_version: expected TLS12 or TLS13")
        ctx.maximum_version = TLS_VERSIONS[tls["max_version"]]
    try:
        ctx.load_cert_chain(file("cert_file"), file("key_file"))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"{path}: tls_server_config: cannot load cert/key: {exc}") from None
    auth = str(tls.get("client_auth_type", "NoClientCert"))
    if auth not in CLIENT_AUTH:
        raise ConfigError(
            f"{path}: tls_server_config.client_auth_type: expected one of {', '.join(CLIENT_AUTH)}"
        )
    ctx.verify_mode = CLIENT_AUTH[auth]
    if tls.get("client_ca_file"):
        try:
            ctx.load_verify_locations(file("client_ca_file"))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"{path}: tls_server_config.client_ca_file: {exc}") from None
    elif auth in ("RequireAndVerifyClientCert", "VerifyClientCertIfGiven"):
        raise ConfigError(f"{path}: tls_server_config: {auth} needs client_ca_file")
    return ctx
