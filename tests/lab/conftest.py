"""The shared lab for every lab test: built once per pytest session (per mode), always torn down.

How a test module asks for it:

    pytestmark = pytest.mark.lab
    LAB_MODE = "provisioned"          # or "factory" (the default); the `lab` fixture then gives that lab

    def test_something(lab):          # or the explicit `lab_factory` / `lab_provisioned` fixtures
        assert lab.exec("dc-core1", "hostname").stdout.strip() == "dc-core1"
        data = lab.vtysh_json("dc-core1", "show bgp summary json")

A module that must own the machine (it tears the lab down and builds its own) sets
`LAB_MODE = "exclusive"` and calls `lab_manager.release()` first.

The session holds a machine-wide flock on /run/netkit-lab-tests.lock, so concurrent pytest runs
serialize instead of colliding. It uses its own namespace prefix (NETKIT_LAB_TEST_PREFIX, default
`nkt-`) and state directory (/run/netkit-lab-tests/state), exported as NETKIT_LAB_PREFIX and
NETKIT_STATE_DIR for the whole session, so `netkit.inventory.credentials` finds the test lab's
credentials and `netkit` subprocesses build the same lab. Tests skip (with the reason) when not root
or a Debian package is missing. Teardown runs in the fixture's finalizer, at interpreter exit, and on
SIGTERM/SIGHUP, whatever happened in between.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import yaml
from netkit.errors import NetkitError
from netkit.inventory import DEFAULT_INVENTORY, Inventory, load_inventory
from netkit.inventory.credentials import Credentials, credentials_for
from netkit.lab import converge, lifecycle, shell
from netkit.lab.access import LabCredentials
from netkit.lab.plan import LabPlan, plan_lab
from netkit.lab.system import REQUIRED_TOOLS, missing_tools
from netkit.paths import lab_credentials_file

LOCK_FILE = Path("/run/netkit-lab-tests.lock")
TEST_PREFIX = os.environ.get("NETKIT_LAB_TEST_PREFIX", "nkt-")
STATE_DIR = Path("/run/netkit-lab-tests/state")
LOCK_TIMEOUT_S = 30 * 60
MODE_ORDER = {"factory": 0, "provisioned": 1, "exclusive": 2}
NETKIT = [sys.executable, "-m", "netkit"]


class Lab:
    """The running test lab: its inventory, plan, credentials, and helpers to reach into devices."""

    def __init__(self, inventory: Inventory, plan: LabPlan, mode: str) -> None:
        self.inventory = inventory
        self.plan = plan
        self.mode = mode
        self.prefix = plan.prefix
        assert lab_credentials_file().is_file(), "lab up wrote no credentials file"
        self.credentials = LabCredentials.model_validate(yaml.safe_load(lab_credentials_file().read_text()))
        self.snmp_user = inventory.network.snmp.v3_user

    # ------------------------------------------------------------ names
    @property
    def routers(self) -> list[str]:
        return [n for n, d in self.plan.devices.items() if d.kind == "router"]

    @property
    def service_hosts(self) -> list[str]:
        return [n for n, d in self.plan.devices.items() if d.kind == "service"]

    def ns(self, device: str) -> str:
        return self.plan.device(device).ns

    def mgmt(self, device: str) -> str:
        return str(self.plan.device(device).mgmt_address.ip)

    def netkit_credentials(self, device: str) -> Credentials:
        """What netkit itself resolves for the device (through the inventory's credential set)."""
        return credentials_for(self.inventory, self.inventory.devices[device])

    # ------------------------------------------------------------ reaching into devices
    def exec(self, device: str, command: str | Sequence[str], check: bool = True,
             timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """Run inside the device as root (its namespace and hostname; `vtysh` aims at its FRR).
        A string runs through `sh -c`."""
        argv = ["sh", "-c", command] if isinstance(command, str) else list(command)
        proc = subprocess.run(shell.device_argv(self.plan, device, argv), capture_output=True, text=True,
                              timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"{device}: {argv} exited {proc.returncode}: {proc.stderr or proc.stdout}")
        return proc

    def vtysh(self, device: str, command: str) -> str:
        proc = subprocess.run(["vtysh", "-N", self.ns(device), "-c", command], capture_output=True, text=True,
                              timeout=30)
        if proc.returncode != 0:
            raise AssertionError(f"{device}: vtysh -c {command!r} exited {proc.returncode}: {proc.stdout}{proc.stderr}")
        return proc.stdout

    def vtysh_json(self, device: str, command: str) -> Any:
        return json.loads(self.vtysh(device, command) or "{}")

    def netmiko_params(self, device: str) -> dict[str, Any]:
        """For `netmiko.ConnectHandler(**lab.netmiko_params(dev))` (FRR answers like cisco_ios)."""
        return {"device_type": "cisco_ios", "host": self.mgmt(device), "username": self.credentials.username,
                "password": self.credentials.password, "timeout": 20, "conn_timeout": 10,
                "allow_agent": False, "use_keys": False}

    def wait_converged(self, timeout: float = 60) -> list[converge.Adjacency]:
        return converge.wait_converged(self.inventory, self.plan, timeout)

    def netkit(self, *args: str, timeout: float = 120, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run the `netkit` CLI against this lab (same prefix, state directory and inventory)."""
        return subprocess.run([*NETKIT, *args], capture_output=True, text=True, timeout=timeout, input=input,
                              env={**os.environ, "NETKIT_INVENTORY": str(self.inventory.path)})


class LabManager:
    """Owns the session's lab: brings it up in the mode asked for, tears it down in the end."""

    def __init__(self, inventory_path: Path) -> None:
        self.inventory_path = inventory_path
        self.inventory = load_inventory(inventory_path)
        self.plan = plan_lab(self.inventory, TEST_PREFIX)
        self.mode: str | None = None
        self.lab: Lab | None = None
        self.failed: dict[str, str] = {}

    def ensure(self, mode: str) -> Lab:
        if mode in self.failed:
            pytest.skip(self.failed[mode])
        if self.lab is not None and self.mode == mode:
            return self.lab
        if self.lab is not None:  # the other mode's lab; with none held, lab up builds one or adopts the
            self.release()        # same lab already up and healthy (a test built it directly)
        try:
            lifecycle.lab_up(self.inventory, provisioned=mode == "provisioned")
        except NetkitError as e:
            self.release()
            reason = f"the {mode} lab could not be built: {e}"
            if "already has the lab's" in str(e):
                self.failed[mode] = reason
                pytest.skip(reason)
            raise
        self.mode, self.lab = mode, Lab(self.inventory, self.plan, mode)
        return self.lab

    def release(self) -> None:
        """Tear the lab down (idempotent)."""
        self.mode, self.lab = None, None
        lifecycle.lab_down(self.inventory)


def _environment_problem() -> str | None:
    if os.geteuid() != 0:
        return "lab tests need root (network namespaces)"
    missing = missing_tools({**REQUIRED_TOOLS, "ping": "iputils-ping"})
    if missing:
        return f"lab tests need: {', '.join(missing)}"
    return None


@contextlib.contextmanager
def _machine_lock() -> Iterator[None]:
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK_FILE, "a") as f:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.skip(f"{LOCK_FILE} held by another lab test session for {LOCK_TIMEOUT_S} s")
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def lab_manager() -> Iterator[LabManager]:
    problem = _environment_problem()
    if problem:
        pytest.skip(problem)
    saved = {k: os.environ.get(k) for k in ("NETKIT_LAB_PREFIX", "NETKIT_STATE_DIR")}
    with _machine_lock():
        os.environ["NETKIT_LAB_PREFIX"] = TEST_PREFIX
        os.environ["NETKIT_STATE_DIR"] = str(STATE_DIR)
        manager = LabManager(Path(os.environ.get("NETKIT_LAB_TEST_INVENTORY") or DEFAULT_INVENTORY))
        done = False

        def teardown() -> None:
            nonlocal done
            if not done:
                done = True
                manager.release()
                shutil.rmtree(STATE_DIR.parent, ignore_errors=True)

        def on_signal(signum: int, frame: FrameType | None) -> None:
            teardown()
            raise SystemExit(128 + signum)

        atexit.register(teardown)
        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGHUP)}
        try:
            manager.release()  # the remains of a killed earlier session, if any
            yield manager
        finally:
            try:
                teardown()
            finally:
                for s, handler in previous.items():
                    signal.signal(s, handler)
                atexit.unregister(teardown)
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v


@pytest.fixture(scope="module")
def lab(request: pytest.FixtureRequest, lab_manager: LabManager) -> Iterator[Lab]:
    """The lab in the mode the module asks for (`LAB_MODE`, default "factory"). A module that leaves its
    routers in another state than its mode promises (it provisions a factory lab) sets
    `LAB_CHANGES_DEVICES = True`: the lab is torn down after it, so the next module gets what it asks for."""
    mode = getattr(request.module, "LAB_MODE", "factory")
    if mode == "exclusive":
        raise pytest.UsageError("an exclusive module uses lab_manager directly")
    yield lab_manager.ensure(mode)
    if getattr(request.module, "LAB_CHANGES_DEVICES", False):
        lab_manager.release()



@pytest.fixture(scope="module")
def lab_factory(lab_manager: LabManager) -> Lab:
    return lab_manager.ensure("factory")


@pytest.fixture(scope="module")
def lab_provisioned(lab_manager: LabManager) -> Lab:
    return lab_manager.ensure("provisioned")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group lab modules by mode (factory, then provisioned, then exclusive): the fewest rebuilds."""
    here = Path(__file__).parent

    def mode_of(item: pytest.Item) -> int:
        module = getattr(item, "module", None)
        if module is None or not Path(str(item.fspath)).is_relative_to(here):
            return -1
        if "lab_provisioned" in getattr(item, "fixturenames", ()):
            return MODE_ORDER["provisioned"]
        return MODE_ORDER.get(getattr(module, "LAB_MODE", "factory"), 0)

    items.sort(key=mode_of)
