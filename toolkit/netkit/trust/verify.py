"""Fetching a device's SSH host key (key exchange only: no authentication, so no credential is sent) and
checking it against the trust store. A transaction checks every device before it starts: an unknown or
changed key stops it with nothing changed (InputError, exit 2), naming the device and both fingerprints."""

from __future__ import annotations

import getpass
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from netkit.drivers.host_keys import SSH_DRIVERS
from netkit.drivers.lookup import driver_for
from netkit.errors import InputError
from netkit.inventory.models import Device, Inventory
from netkit.trust.store import HostKey, TrustStore, host_entry

Fetch = Callable[[str, int, list[str]], HostKey]


class HostKeyError(InputError):
    """An SSH host key is unknown or changed: nothing was sent to the device, nothing changed."""


def fetch_host_key(address: str, port: int = 22, prefer: list[str] | None = None, timeout: float = 10.0) -> HostKey:
    """The host key the device offers (the key types in `prefer` first, as OpenSSH asks for known ones)."""
    import paramiko  # only where a device is asked: every command start imports this module (via the lab)

    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except OSError as e:
        raise HostKeyError(f"{address}:{port}: cannot reach SSH to read its host key: {e}") from e
    transport = paramiko.Transport(sock)
    try:
        if prefer:
            opts = transport.get_security_options()
            opts.key_types = [*[k for k in prefer if k in opts.key_types],
                              *[k for k in opts.key_types if k not in prefer]]
        transport.banner_timeout = timeout
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
        return HostKey(key.get_name(), key.get_base64())
    except (paramiko.SSHException, OSError, EOFError) as e:
        raise HostKeyError(f"{address}:{port}: SSH key exchange failed: {e}") from e
    finally:
        transport.close()


@dataclass
class KeyCheck:
    device: str
    host: str
    offered: HostKey | None
    known: list[HostKey] = field(default_factory=list)
    error: str = ""
    pinned: str | None = None  # the inventory's fingerprint: it overrides the store

    @property
    def status(self) -> str:
        if self.offered is None:
            return "unreachable"
        if self.pinned:
            return "trusted" if self.offered.fingerprint == self.pinned else "changed"
        if not self.known:
            return "unknown"
        return "trusted" if self.offered in self.known else "changed"

    def problem(self) -> str:
        if self.status == "unknown":
            assert self.offered is not None
            return (f"{self.device} ({self.host}): unknown SSH host key {self.offered.key_type} "
                    f"{self.offered.fingerprint}; check it and run `netkit trust {self.device}`")
        if self.status == "changed":
            assert self.offered is not None
            known = (f"{self.pinned} (inventory: netkit_device.ssh_host_key)" if self.pinned else
                     ", ".join(f"{k.key_type} {k.fingerprint}" for k in self.known))
            return (f"{self.device} ({self.host}): SSH host key CHANGED: offered {self.offered.key_type} "
                    f"{self.offered.fingerprint}, recorded {known}. Someone may be in the middle; if the device "
                    f"was really re-keyed, check the new fingerprint and run `netkit trust {self.device}`")
        return f"{self.device} ({self.host}): {self.error}"


def ssh_devices(devices: Iterable[Device]) -> list[Device]:
    out = []
    for d in devices:
        try:
            if driver_for(d.platform) in SSH_DRIVERS:
                out.append(d)
        except InputError:
            continue  # not configured by netkit (service hosts): netkit opens no session to it
    return out


def check_keys(devices: Iterable[Device], store: TrustStore, fetch: Fetch | None = None,
               port: int = 22) -> list[KeyCheck]:
    get = fetch or (lambda address, port, prefer: fetch_host_key(address, port, prefer))
    checks = []
    for d in ssh_devices(devices):
        host = host_entry(str(d.mgmt_address), port)
        known = store.keys(host)
        try:
            offered: HostKey | None = get(str(d.mgmt_address), port, [k.key_type for k in known])
            checks.append(KeyCheck(d.name, host, offered, known, pinned=d.ssh_host_key))
        except HostKeyError as e:
            checks.append(KeyCheck(d.name, host, None, known, str(e), d.ssh_host_key))
    return checks


def require_trusted(inv: Inventory, names: Iterable[str], store: TrustStore | None = None,
                    fetch: Fetch | None = None, port: int = 22) -> TrustStore:
    """Raise HostKeyError unless every SSH device named offers a recorded key; the store otherwise.
    An unreachable device is left to the transaction (it reports unreachable devices itself)."""
    store = store or TrustStore.for_inventory(inv.path)
    checks = check_keys([inv.devices[n] for n in names], store, fetch, port)
    bad = [c for c in checks if c.status in ("unknown", "changed")]
    if bad:
        raise HostKeyError("refused before login: " + "; ".join(c.problem() for c in bad))
    for c in checks:  # a key the inventory pins goes into the file the drivers check against
        if c.pinned and c.offered is not None and c.offered not in c.known:
            store.record(c.device, c.host, c.offered, f"inventory {inv.path}", "inventory")
    return store


def who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def trust_offered(store: TrustStore, check: KeyCheck, how: str) -> str:
    """Record the key the device offered as its one known key; the fingerprint recorded."""
    if check.offered is None:
        raise HostKeyError(check.problem())
    return store.record(check.device, check.host, check.offered, who(), how).fingerprint
