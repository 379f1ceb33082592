"""Known SSH host keys: fingerprints as OpenSSH prints them, the trust store, and the check that refuses
unknown or changed keys (exit 2) naming the device and both fingerprints."""

from __future__ import annotations

import subprocess
from pathlib import Path

import paramiko
import pytest
from napalm_frr.transport import fingerprint
from netkit.inventory import DEFAULT_INVENTORY, Inventory, load_inventory
from netkit.trust.store import HostKey, TrustStore, store_dir
from netkit.trust.verify import HostKeyError, require_trusted


def _key(tmp_path: Path, name: str) -> tuple[HostKey, str]:
    path = tmp_path / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    printed = subprocess.run(["ssh-keygen", "-lf", str(path) + ".pub"], capture_output=True, text=True,
                             check=True).stdout.split()[1]
    return HostKey.parse((tmp_path / f"{name}.pub").read_text()), printed


def test_fingerprints_are_the_ones_ssh_keygen_prints(tmp_path: Path) -> None:
    key, printed = _key(tmp_path, "k")
    assert key.fingerprint == printed
    assert fingerprint(paramiko.Ed25519Key(filename=str(tmp_path / "k"))) == printed  # napalm_frr's, too


def test_the_store_keeps_one_key_per_host_and_who_vouched(tmp_path: Path) -> None:
    store = TrustStore(tmp_path / "trust")
    old, _ = _key(tmp_path, "old")
    new, _ = _key(tmp_path, "new")
    store.record("r1", "198.19.0.21", old, "alice@ops", "confirmed")
    store.record("r2", "[198.19.0.22]:2222", old, "alice@ops", "--yes")
    store.record("r1", "198.19.0.21", new, "bob@ops", "confirmed")
    assert store.keys("198.19.0.21") == [new] and store.keys("[198.19.0.22]:2222") == [old]
    assert [(c.who, c.fingerprint) for c in store.confirmations("r1")] == [("alice@ops", old.fingerprint),
                                                                          ("bob@ops", new.fingerprint)]
    for f in (store.known_hosts, store.log):
        assert f.stat().st_mode & 0o077 == 0, f
    loaded = paramiko.HostKeys(str(store.known_hosts))  # the file is what paramiko and netmiko read
    assert loaded.lookup("198.19.0.21")["ssh-ed25519"].get_base64() == new.base64


def test_unknown_and_changed_keys_are_refused_naming_device_and_fingerprints(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETKIT_STATE_DIR", str(tmp_path / "state"))
    inv = load_inventory(DEFAULT_INVENTORY)
    offered, _ = _key(tmp_path, "offered")
    recorded, _ = _key(tmp_path, "recorded")
    store = TrustStore.for_inventory(inv.path)
    assert store.dir == store_dir(inv.path / "hosts.yml")  # the file and its directory are one inventory
    asked: list[str] = []

    def fetch(address: str, port: int, prefer: list[str]) -> HostKey:
        asked.append(address)
        return offered

    with pytest.raises(HostKeyError) as unknown:
        require_trusted(inv, ["moj-hq-r1", "verify-svc"], fetch=fetch)
    assert unknown.value.exit_code == 2
    assert "moj-hq-r1" in str(unknown.value) and offered.fingerprint in str(unknown.value)
    assert asked == [str(inv.devices["moj-hq-r1"].mgmt_address)]  # the service host opens no SSH session
    store.record("moj-hq-r1", str(inv.devices["moj-hq-r1"].mgmt_address), recorded, "t", "test")
    with pytest.raises(HostKeyError, match="CHANGED") as changed:
        require_trusted(inv, ["moj-hq-r1"], fetch=fetch)
    assert offered.fingerprint in str(changed.value) and recorded.fingerprint in str(changed.value)
    store.record("moj-hq-r1", str(inv.devices["moj-hq-r1"].mgmt_address), offered, "t", "test")
    assert require_trusted(inv, ["moj-hq-r1"], fetch=fetch).known_hosts == store.known_hosts


def test_a_fingerprint_pinned_in_the_inventory_decides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETKIT_STATE_DIR", str(tmp_path / "state"))
    inv = load_inventory(DEFAULT_INVENTORY)
    offered, _ = _key(tmp_path, "offered")
    other, _ = _key(tmp_path, "other")
    dev = inv.devices["moj-hq-r1"]

    def pinned(fp: str) -> Inventory:
        return inv.model_copy(update={"devices": {**inv.devices, dev.name: dev.model_copy(update={"ssh_host_key": fp})}})

    with pytest.raises(HostKeyError, match=r"inventory: netkit_device\.ssh_host_key") as e:
        require_trusted(pinned(other.fingerprint), [dev.name], fetch=lambda a, p, k: offered)
    assert offered.fingerprint in str(e.value) and other.fingerprint in str(e.value)
    store = require_trusted(pinned(offered.fingerprint), [dev.name], fetch=lambda a, p, k: offered)
    assert store.keys(str(dev.mgmt_address)) == [offered]  # recorded for the drivers, as vouched by the inventory
    assert store.confirmations(dev.name)[-1].how == "inventory"
