"""Host key verification against the real lab: `lab up` recorded every router's key, so provisioning runs
verified; a router whose host key is regenerated is refused before login (exit 2, naming the device and
both fingerprints, nothing changed, no password sent); after `netkit trust` it proceeds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from typing import Any

import pytest
from napalm.base.exceptions import ConnectionException
from napalm_frr import FrrDriver
from netkit.lab.daemons import DeviceFiles
from netkit.provision.defaults import backups_dir
from netkit.trust.store import HostKey, TrustStore
from netkit.trust.verify import fetch_host_key

pytestmark = pytest.mark.lab
LAB_MODE = "factory"
LAB_CHANGES_DEVICES = True  # it provisions the factory lab: the next module gets a new one
DEVICE = "dc-core2"


def _auth_lines(files: DeviceFiles) -> list[str]:
    text = files.sshd_log.read_text(errors="replace") if files.sshd_log.exists() else ""
    return [ln for ln in text.splitlines() if "password for" in ln or "Accepted" in ln]


def _regenerate(lab: Any, files: DeviceFiles, address: str, old: HostKey) -> HostKey:
    for f in (files.host_key, files.host_key.with_name(files.host_key.name + ".pub")):
        f.unlink()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", DEVICE, "-f", str(files.host_key)],
                   check=True)
    os.kill(int(files.sshd_pid.read_text().split()[0]), signal.SIGHUP)  # sshd re-executes, reading its keys again
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            offered = fetch_host_key(address, 22, timeout=3)
            if offered != old:
                return offered
        except Exception:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{DEVICE}: sshd still offers its old key")


def test_a_regenerated_host_key_is_refused_before_login_until_trusted(lab: Any) -> None:
    inv = lab.inventory
    address = str(inv.devices[DEVICE].mgmt_address)
    store = TrustStore.for_inventory(inv.path)
    recorded = store.keys(address)
    assert recorded and store.confirmations(DEVICE)[-1].how == "lab up", "lab up did not record the host key"
    files = DeviceFiles.of(lab.plan, DEVICE)
    assert fetch_host_key(address) == recorded[0]  # verification is on from the start
    try:
        new = _regenerate(lab, files, address, recorded[0])
        before = lab.vtysh(DEVICE, "show running-config")
        backups = sorted(p.name for p in backups_dir().rglob("*")) if backups_dir().exists() else []
        auth_before = _auth_lines(files)

        proc = lab.netkit("provision", "site", "nat-dc", "--yes", timeout=300)
        assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
        message = " ".join(proc.stderr.split())
        assert DEVICE in message and new.fingerprint in message and recorded[0].fingerprint in message, message
        assert "CHANGED" in message and "refused before login" in message, message
        assert lab.vtysh(DEVICE, "show running-config") == before
        assert (sorted(p.name for p in backups_dir().rglob("*")) if backups_dir().exists() else []) == backups

        # The driver itself refuses too (a key swapped after netkit's own check): no password goes out.
        creds = lab.netkit_credentials(DEVICE)
        driver = FrrDriver(address, creds.username, creds.password.get_secret_value(), timeout=10,
                           optional_args={"known_hosts": str(store.known_hosts)})
        with pytest.raises(ConnectionException, match="CHANGED") as refused:
            driver.open()
        assert new.fingerprint in str(refused.value) and recorded[0].fingerprint in str(refused.value)
        time.sleep(0.5)
        assert _auth_lines(files) == auth_before, "a password was tried with an untrusted host key"

        listed = lab.netkit("trust", DEVICE, "--json")  # without --yes and without a terminal: nothing recorded
        assert listed.returncode == 1
        assert json.loads(listed.stdout)["devices"][0]["status"] == "changed"
        trusted = lab.netkit("trust", DEVICE, "--yes", "--json")
        assert trusted.returncode == 0, trusted.stdout + trusted.stderr
        row = json.loads(trusted.stdout)["devices"][0]
        assert row["status"] == "trusted now" and row["fingerprint"] == new.fingerprint
        last = store.confirmations(DEVICE)[-1]
        assert last.fingerprint == new.fingerprint and last.how == "--yes" and "@" in last.who and last.when

        proc = lab.netkit("provision", "site", "nat-dc", "--yes", timeout=600)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert _auth_lines(files) != auth_before  # now it logged in
    finally:
        lab.netkit("trust", DEVICE, "--yes")  # whatever happened, leave the lab trusted for the next tests
