"""`netkit monitor web-config init DIR`: a private CA, a server certificate for the exporter's names, a
random scrape password, its bcrypt hash in web.yml, all owner-only. For labs and first deployments; a
ministry PKI's certificate goes in the same web.yml keys."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from netkit.monitor.exporter.webconfig import hash_password


@dataclass(frozen=True)
class WebConfigFiles:
    web_config: Path
    ca_file: Path
    username: str
    password_file: Path


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def init_web_config(directory: Path, names: list[str], username: str = "prometheus", days: int = 825,
                    bcrypt_rounds: int = 12) -> WebConfigFiles:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("netkit exporter CA")).issuer_name(_name("netkit exporter CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    alt: list[x509.GeneralName] = []
    for n in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            alt.append(x509.DNSName(n))
    cert = (x509.CertificateBuilder().subject_name(_name(names[0])).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    _write(directory / "ca.crt", ca.public_bytes(serialization.Encoding.PEM))
    _write(directory / "server.crt", cert.public_bytes(serialization.Encoding.PEM))
    _write(directory / "server.key", _pem(key))
    password = secrets.token_urlsafe(24)
    _write(directory / "scrape-password", password.encode())
    web = {"tls_server_config": {"cert_file": "server.crt", "key_file": "server.key"},
           "basic_auth_users": {username: hash_password(password, bcrypt_rounds)}}
    _write(directory / "web.yml", yaml.safe_dump(web, sort_keys=False).encode())
    (directory / "ca.crt").chmod(0o644)  # public: Prometheus may run as another user
    return WebConfigFiles(directory / "web.yml", directory / "ca.crt", username, directory / "scrape-password")
