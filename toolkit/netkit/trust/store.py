"""The trust store of one inventory: a known_hosts file (OpenSSH format, what paramiko, netmiko and
napalm_frr read) and a log of who confirmed which key, when and how, both owner-only under
<state dir>/trust/<inventory>-<hash of its path>/."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from netkit.errors import InputError
from netkit.paths import state_dir


@dataclass(frozen=True)
class HostKey:
    key_type: str  # ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa ...
    base64: str

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(base64.b64decode(self.base64)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    @classmethod
    def parse(cls, line: str) -> HostKey:
        """From `TYPE BASE64 [comment]` (a .pub file or the tail of a known_hosts line)."""
        parts = line.split()
        if len(parts) < 2:
            raise InputError(f"not an SSH public key: {line[:60]!r}")
        return cls(parts[0], parts[1])


@dataclass(frozen=True)
class Confirmation:
    device: str
    host: str  # as known_hosts names it: ADDRESS or [ADDRESS]:PORT
    key_type: str
    fingerprint: str
    who: str
    when: str
    how: str  # confirmed | --yes | lab up | inventory


def host_entry(address: str, port: int = 22) -> str:
    return address if port == 22 else f"[{address}]:{port}"


def store_dir(inventory_path: Path, root: Path | None = None) -> Path:
    resolved = inventory_path.resolve()
    if resolved.is_file():  # `-i inventory/lab/hosts.yml` and `-i inventory/lab` are the same inventory
        resolved = resolved.parent
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", resolved.name) or "inventory"
    return (root or state_dir() / "trust") / f"{name}-{hashlib.sha256(str(resolved).encode()).hexdigest()[:10]}"


class TrustStore:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.known_hosts = directory / "known_hosts"
        self.log = directory / "confirmations.jsonl"

    @classmethod
    def for_inventory(cls, inventory_path: Path) -> TrustStore:
        return cls(store_dir(inventory_path))

    def keys(self, host: str) -> list[HostKey]:
        if not self.known_hosts.is_file():
            return []
        out = []
        for line in self.known_hosts.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 3 and not line.startswith("#") and host in parts[0].split(","):
                out.append(HostKey(parts[1], parts[2]))
        return out

    def record(self, device: str, host: str, key: HostKey, who: str, how: str) -> Confirmation:
        """Make `key` the one known key of `host` (replacing any other) and log who vouched for it."""
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        conf = Confirmation(device, host, key.key_type, key.fingerprint, who,
                            datetime.now(UTC).isoformat(timespec="seconds"), how)
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            lines = self.known_hosts.read_text(encoding="utf-8").splitlines() if self.known_hosts.is_file() else []
            kept = [ln for ln in lines if ln.split() and host not in ln.split()[0].split(",")]
            kept.append(f"{host} {key.key_type} {key.base64}")
            tmp = self.known_hosts.with_suffix(".tmp")
            tfd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(tfd, "w", encoding="utf-8") as f:
                f.write("\n".join(sorted(kept)) + "\n")
            os.replace(tmp, self.known_hosts)
            os.write(fd, (json.dumps(asdict(conf)) + "\n").encode())
        finally:
            os.close(fd)
        return conf

    def confirmations(self, device: str | None = None) -> list[Confirmation]:
        if not self.log.is_file():
            return []
        found = [Confirmation(**json.loads(ln)) for ln in self.log.read_text(encoding="utf-8").splitlines() if ln]
        return [c for c in found if device is None or c.device == device]
