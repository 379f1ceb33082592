"""`lab down` leaves nothing behind, even after a `lab up` killed half-way; the next `lab up` works.

This module owns the machine: it tears the shared lab down and builds its own (it runs last).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import paramiko
import pytest
from netkit.lab.access import lab_username, user_exists
from netkit.lab.plan import LabPlan
from netkit.lab.state import StateStore
from netkit.lab.status import lab_status
from netkit.paths import lab_credentials_file, lab_dir

if TYPE_CHECKING:
    from tests.lab.conftest import LabManager

pytestmark = pytest.mark.lab
LAB_MODE = "exclusive"
NETKIT_CMD = [sys.executable, "-m", "netkit"]


def leftovers(plan: LabPlan) -> list[str]:
    """Everything of this lab still on the machine: namespaces, processes, mounts, files, links, routes, user."""
    found = []
    prefix = plan.prefix
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split("\n")
    found += [f"namespace {n.split()[0]}" for n in netns if n.startswith(prefix)]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"-N {prefix}" in cmdline or str(plan.run_dir) in cmdline or "sleep 7771" in cmdline:
            found.append(f"process {pid}: {cmdline}")
    found += [f"mount {line}" for line in Path("/proc/mounts").read_text().splitlines()
              if f"/run/netns/{prefix}" in line]
    for parent in (Path("/etc/frr"), Path("/var/run/frr")):
        found += [f"file {p}" for p in parent.glob(f"{prefix}*")]
    for path in (plan.run_dir, lab_credentials_file(), lab_dir() / "state.json"):
        if path.exists():
            found.append(f"file {path}")
    links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
    for name in (plan.host_mgmt_interface, plan.noc.host_interface if plan.noc else None):
        if name and any(line.split()[0].split("@")[0] == name for line in links.splitlines()):
            found.append(f"host interface {name}")
    routes = subprocess.run(["ip", "-4", "route", "show"], capture_output=True, text=True).stdout
    found += [f"host route {r}" for r in routes.splitlines() if str(plan.guard) in r or
              (plan.noc and plan.noc.host_interface in r)]
    if user_exists(lab_username(prefix)):
        found.append(f"user {lab_username(prefix)}")
    return found


def _kill_lab_up_half_way(manager: LabManager) -> dict[str, object]:
    """Start `netkit lab up`, SIGKILL it once some devices run; the state it left."""
    env = {**os.environ, "NETKIT_INVENTORY": str(manager.inventory_path)}
    proc = subprocess.Popen([*NETKIT_CMD, "lab", "up"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state_file = lab_dir() / "state.json"
    deadline = time.monotonic() + 60
    state: dict[str, object] = {}
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            state = json.loads(state_file.read_text())
        except (OSError, ValueError):
            state = {}
        if state.get("processes"):
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return json.loads(state_file.read_text())


def test_killed_lab_up_then_down_leaves_nothing_then_up_works(lab_manager: LabManager) -> None:
    lab_manager.release()
    plan = lab_manager.plan
    assert leftovers(plan) == []

    state = _kill_lab_up_half_way(lab_manager)
    assert state["phase"] == "building", "lab up finished before it could be killed"
    assert any(f.startswith("namespace") for f in leftovers(plan)), "nothing was built before the kill"

    env = {**os.environ, "NETKIT_INVENTORY": str(lab_manager.inventory_path)}
    down = subprocess.run([*NETKIT_CMD, "lab", "down"], env=env, capture_output=True, text=True, timeout=60)
    assert down.returncode == 0, down.stderr
    assert leftovers(plan) == []
    again = subprocess.run([*NETKIT_CMD, "lab", "down"], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "nothing to remove" in again.stdout

    lab = lab_manager.ensure("factory")
    status = lab_status(plan, StateStore(lab_dir()))
    assert status.healthy, status.problems
    assert all(d.mgmt_reachable for d in status.devices)
    assert lab.exec("dc-core1", "hostname").stdout.strip() == "dc-core1"


def test_lab_up_recovers_by_itself_and_down_kills_detached_session_processes(lab_manager: LabManager) -> None:
    lab_manager.release()
    plan = lab_manager.plan
    _kill_lab_up_half_way(lab_manager)

    from netkit.lab import lifecycle

    result = lifecycle.lab_up(lab_manager.inventory)
    assert result.recovered and not result.already_up
    built = StateStore(lab_dir()).load()
    lab = lab_manager.ensure("factory")  # adopts the lab just built
    again = StateStore(lab_dir()).load()
    assert built is not None and again is not None and again.started_at == built.started_at, "rebuilt, not adopted"
    assert lab_status(plan, StateStore(lab_dir())).healthy

    # What napalm_frr's revert timer does: a detached process started over an SSH exec channel.
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(lab.mgmt("moj-hq-r1"), username=lab.credentials.username, password=lab.credentials.password,
                   look_for_keys=False, allow_agent=False, timeout=10)
    _, out, _ = client.exec_command("setsid nohup sleep 7771 </dev/null >/dev/null 2>&1 & echo started")
    assert out.read().decode().strip() == "started"
    client.close()
    assert any("sleep 7771" in f for f in leftovers(plan))

    lab_manager.release()
    assert leftovers(plan) == []


def test_a_daemon_that_fails_to_start_is_named_with_its_log_and_nothing_is_left(
        lab_manager: LabManager, monkeypatch: pytest.MonkeyPatch) -> None:
    """An invalid sshd option on one router: the error names the device and sshd, quotes sshd's own log
    line (sshd writes it to its -E file, not to stderr), keeps the logs past the teardown, leaves nothing."""
    lab_manager.release()
    plan = lab_manager.plan
    from netkit.errors import DeviceError
    from netkit.lab import daemons, lifecycle
    from netkit.paths import lab_failure_logs

    victim = "moj-hq-r1"
    real = daemons.sshd_config

    def broken(device: object, files: object, username: str) -> str:
        text = real(device, files, username)  # type: ignore[arg-type]
        return text + ("NoSuchSshdOption yes\n" if getattr(device, "name", "") == victim else "")

    monkeypatch.setattr(daemons, "sshd_config", broken)
    with pytest.raises(DeviceError) as failed:
        lifecycle.lab_up(lab_manager.inventory)
    message = str(failed.value)
    assert message.startswith(f"{victim}: sshd failed to start"), message
    assert "Bad configuration option: NoSuchSshdOption" in message, message
    kept = lab_failure_logs() / victim
    assert str(kept) in message
    assert "Bad configuration option: NoSuchSshdOption" in (kept / "sshd.log").read_text()
    assert not list(kept.glob("*key*")) and not (kept / "snmpd.conf").exists()  # no secrets kept
    assert leftovers(plan) == []
