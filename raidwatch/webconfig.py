"""The exporter-toolkit web config (web-config.yml): TLS and basic auth for the metrics endpoint."""

from __future__ import annotations

import hashlib
import hmac
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


@dataclass
class WebConfig:
    """What web-config.yml asks for. Immutable once loaded, except the verified-credentials cache."""

    path: str | None = None
    tls: ssl.SSLContext | None = None
    users: dict[str, bytes] = field(default_factory=dict)  # user -> bcrypt hash
    _verified: set[bytes] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check_basic_auth(self, header: str | None) -> bool:
        """True when no users are configured, or the Authorization header carries a valid user."""
        if not self.users:
            return True
        if not header or not header.startswith("Basic "):
            return False
        import base64
        import binascii

        try:
            user, _, password = (
                base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
            )
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return False
        hashed = self.users.get(user)
        if hashed is None:
            return False
        # bcrypt costs ~100 ms by design: remember credentials already verified (as a keyed digest)
        token = hmac.new(hashed, f"{user}:{password}".encode(), hashlib.sha256).digest()
        with self._lock:
            if token in self._verified:
                return True
        import bcrypt

        try:
            ok = bcrypt.checkpw(password.encode("utf-8"), hashed)
        except ValueError:
            return False
        if ok:
            with self._lock:
                self._verified.add(token)
        return ok


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
        if not isinstance(hashed, str) or not hashed.startswith(("$2a$", "$2b$", "$2y$")):
            raise ConfigError(f"{path}: basic_auth_users.{user}: expected a bcrypt hash ($2y$...)")
        cfg.users[str(user)] = hashed.encode()
    http = doc.get("http_server_config")
    if http and not isinstance(http, dict):
        raise ConfigError(f"{path}: http_server_config: expected a mapping")
    return cfg


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
