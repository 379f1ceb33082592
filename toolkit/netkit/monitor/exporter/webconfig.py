"""The exporter's TLS and basic auth, read from Prometheus' web-config file (the format exporter-toolkit
reads, so one file serves node_exporter, snmp_exporter and netkit alike):

    tls_server_config:
      cert_file: server.crt          # relative paths are relative to this file
      key_file: server.key
    basic_auth_users:
      prometheus: $2b$12$...          # bcrypt hashes only, never a password

Only loopback may be served without TLS, unless the operator says `--insecure`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

import bcrypt
import yaml

from netkit.errors import InputError

_TLS_KEYS = {"cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version"}
_TOP_KEYS = {"tls_server_config", "basic_auth_users", "http_server_config"}
_TLS_VERSIONS = {"TLS12": ssl.TLSVersion.TLSv1_2, "TLS13": ssl.TLSVersion.TLSv1_3}


@dataclass(frozen=True)
class TlsServer:
    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None
    min_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2


@dataclass
class WebConfig:
    path: Path
    tls: TlsServer | None = None
    users: dict[str, bytes] = field(default_factory=dict)  # user -> bcrypt hash
    _ok: set[tuple[str, bytes]] = field(default_factory=set, repr=False)  # (user, sha256(password)) checked
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def ssl_context(self) -> ssl.SSLContext | None:
        if self.tls is None:
            return None
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = self.tls.min_version
        try:
            ctx.load_cert_chain(self.tls.cert_file, self.tls.key_file)
            if self.tls.client_ca_file:
                ctx.load_verify_locations(self.tls.client_ca_file)
                ctx.verify_mode = ssl.CERT_REQUIRED
        except (OSError, ssl.SSLError) as e:
            raise InputError(f"{self.path}: cannot load the TLS certificate {self.tls.cert_file} / key "
                             f"{self.tls.key_file}: {e}") from e
        return ctx

    def authorized(self, header: str | None) -> bool:
        """Whether an Authorization header carries a user of the file and its password (always true when
        the file names no users). A password once checked is remembered by its sha256, as exporter-toolkit
        does, so bcrypt's deliberate slowness is paid once per credential, not per scrape."""
        if not self.users:
            return True
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, sep, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        hashed = self.users.get(user)
        if not sep or hashed is None:
            return False
        key = (user, hashlib.sha256(password.encode()).digest())
        with self._lock:
            if key in self._ok:
                return True
        if not bcrypt.checkpw(password.encode(), hashed):
            return False
        with self._lock:
            self._ok.add(key)
        return True


def _path(base: Path, value: object, where: str) -> Path:
    if not isinstance(value, str) or not value:
        raise InputError(f"{base}: {where} must be a file path")
    p = Path(value)
    return p if p.is_absolute() else base.parent / p


def load_web_config(path: Path) -> WebConfig:
    """The file at `path`, checked: known keys, readable certificate and key, bcrypt hashes."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise InputError(f"--web-config {path}: cannot read it: {e}") from e
    if not isinstance(data, dict) or set(data) - _TOP_KEYS:
        extra = sorted(set(data) - _TOP_KEYS) if isinstance(data, dict) else "not a mapping"
        raise InputError(f"{path}: unknown keys {extra}; known: {sorted(_TOP_KEYS)}")
    cfg = WebConfig(path=path)
    tls = data.get("tls_server_config")
    if tls is not None:
        if not isinstance(tls, dict) or set(tls) - _TLS_KEYS:
            raise InputError(f"{path}: tls_server_config takes {sorted(_TLS_KEYS)}")
        version = tls.get("min_version", "TLS12")
        if version not in _TLS_VERSIONS:
            raise InputError(f"{path}: tls_server_config.min_version {version!r}: TLS12 or TLS13")
        cfg.tls = TlsServer(_path(path, tls.get("cert_file"), "tls_server_config.cert_file"),
                            _path(path, tls.get("key_file"), "tls_server_config.key_file"),
                            _path(path, tls["client_ca_file"], "client_ca_file") if tls.get("client_ca_file") else None,
                            _TLS_VERSIONS[version])
    users = data.get("basic_auth_users") or {}
    if not isinstance(users, dict):
        raise InputError(f"{path}: basic_auth_users must map user names to bcrypt hashes")
    for user, hashed in users.items():
        if not isinstance(hashed, str) or not hashed.startswith(("$2a$", "$2b$", "$2y$")) or len(hashed) != 60:
            raise InputError(f"{path}: basic_auth_users.{user} is not a bcrypt hash (make one with "
                             "`netkit monitor web-config hash`, or htpasswd -nBC 12 USER)")
        cfg.users[str(user)] = hashed.encode()
    cfg.ssl_context()  # fail at start, not at the first scrape
    return cfg


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, web: WebConfig | None, insecure: bool) -> None:
    """Refuse to serve metrics in clear text beyond this machine unless the operator insists."""
    if is_loopback(host) or (web is not None and web.tls is not None) or insecure:
        return
    raise InputError(f"--listen {host}: serving /metrics beyond loopback needs TLS: give --web-config FILE with "
                     "tls_server_config (and basic_auth_users), or --insecure to accept clear text")


def hash_password(password: str, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


@dataclass(frozen=True)
class ExporterScrape:
    """How Prometheus reaches exporters behind a web-config: https, the CA that signed their certificate,
    and basic auth with the password in a file (so prometheus.yml holds no secret)."""

    ca_file: Path
    username: str | None = None
    password_file: Path | None = None
    server_name: str | None = None

    def scrape_config(self) -> dict[str, object]:
        tls: dict[str, object] = {"ca_file": str(self.ca_file)}
        if self.server_name:
            tls["server_name"] = self.server_name
        out: dict[str, object] = {"scheme": "https", "tls_config": tls}
        if self.username:
            out["basic_auth"] = {"username": self.username, "password_file": str(self.password_file or "")}
        return out


def scrape_settings(ca_file: Path | None, username: str | None, password_file: Path | None) -> ExporterScrape | None:
    """The scrape side of `monitor stack up`, checked: a user needs a password file and TLS."""
    if ca_file is None:
        if username or password_file:
            raise InputError("--exporter-user/--exporter-password-file need --exporter-ca: a password is never "
                             "sent in clear text")
        return None
    if not ca_file.is_file():
        raise InputError(f"--exporter-ca {ca_file}: no such file")
    if bool(username) != bool(password_file):
        raise InputError("--exporter-user and --exporter-password-file go together")
    if password_file and not password_file.is_file():
        raise InputError(f"--exporter-password-file {password_file}: no such file")
    return ExporterScrape(ca_file.resolve(), username, password_file.resolve() if password_file else None)
