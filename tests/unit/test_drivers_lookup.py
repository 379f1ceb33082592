"""netkit.drivers: NAPALM driver names per platform, opening a device, NAPALM errors -> DeviceError.
No network: fake driver classes, and the real FRR driver against a closed port on 127.0.0.1."""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any, ClassVar

import pytest
from napalm.base.exceptions import CommitError, ConnectAuthError, ConnectionException
from napalm_frr import FrrDriver
from netkit.drivers import connected, driver_class, driver_for, open_device
from netkit.errors import DeviceError, InputError
from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.inventory.credentials import Credentials
from netkit.inventory.models import Device, Inventory, Platform
from ports import free_port
from pydantic import SecretStr

CREDS = Credentials(username="netops", password=SecretStr("s3cret-pw"), snmp_user="netkit")


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return load_inventory(DEFAULT_INVENTORY)


def loopback_device(inventory: Inventory, platform: Platform = Platform("frr")) -> Device:
    """A lab router moved to 127.0.0.1: nothing can leave the machine."""
    dev = inventory.devices["moj-hq-r1"]
    return dev.model_copy(update={"mgmt_address": IPv4Address("127.0.0.1"), "platform": platform})


@pytest.mark.parametrize(("platform", "name"), [
    ("frr", "frr"), ("ios", "ios"), ("eos", "eos"), ("junos", "junos"), ("huawei_vrp", "huawei_vrp"),
    ("routeros", "ros"),
])
def test_driver_names(platform: str, name: str) -> None:
    assert driver_for(platform) == name
    assert driver_class(platform).__name__  # importable: the package is installed


def test_frr_is_napalm_frr() -> None:
    assert driver_class(Platform("frr")) is FrrDriver


@pytest.mark.parametrize(("platform", "message"), [("linux", "not configured by netkit"), ("vyos", "unknown platform")])
def test_no_driver(platform: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        driver_for(platform)


class Recorder:
    """A NAPALM-shaped driver class that records how it was built and fails open() as told."""

    instances: ClassVar[list[Recorder]] = []
    fail: ClassVar[Exception | None] = None

    def __init__(self, hostname: str, username: str, password: str, timeout: int = 60,
                 optional_args: dict[str, Any] | None = None) -> None:
        self.args = dict(hostname=hostname, username=username, password=password, timeout=timeout,
                         optional_args=optional_args)
        self.closed = False
        Recorder.instances.append(self)

    def open(self) -> None:
        if Recorder.fail is not None:
            raise Recorder.fail

    def close(self) -> None:
        self.closed = True


def test_open_device_uses_the_management_address_and_timeouts(inventory: Inventory) -> None:
    Recorder.fail = None
    dev = loopback_device(inventory, Platform("ios"))
    drv = open_device(inventory, dev, CREDS, timeout=7, driver=Recorder)
    assert drv.args == dict(hostname="127.0.0.1", username="netops", password="s3cret-pw", timeout=7,
                            optional_args={"conn_timeout": 7})


@pytest.mark.parametrize(("error", "message"), [
    (ConnectAuthError("bad password"), r"moj-hq-r1: netops@127\.0\.0\.1 refused the credentials \(credential set 'lab'\)"),
    (ConnectionException("no route"), r"moj-hq-r1: cannot open a frr session to 127\.0\.0\.1: no route"),
    (ConnectionRefusedError(111, "refused"), r"moj-hq-r1: cannot reach 127\.0\.0\.1: ConnectionRefusedError"),
])
def test_open_errors_become_device_errors(inventory: Inventory, error: Exception, message: str) -> None:
    Recorder.fail = error
    try:
        with pytest.raises(DeviceError, match=message) as err:
            open_device(inventory, loopback_device(inventory), CREDS, driver=Recorder)
    finally:
        Recorder.fail = None
    assert err.value.device == "moj-hq-r1" and err.value.exit_code == 1
    assert "s3cret-pw" not in str(err.value)


def test_connected_translates_and_always_closes(inventory: Inventory) -> None:
    Recorder.instances.clear()
    with pytest.raises(DeviceError, match="moj-hq-r1: CommitError: refused"), \
            connected(inventory, loopback_device(inventory), CREDS, driver=Recorder):
        raise CommitError("refused")
    assert Recorder.instances[-1].closed


def test_real_frr_driver_on_a_closed_port(inventory: Inventory) -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(DeviceError, match=r"moj-hq-r1: cannot open a frr session to 127\.0\.0\.1: 127\.0\.0\.1:\d+: cannot open SSH"):
        open_device(inventory, loopback_device(inventory), CREDS, timeout=3, optional_args={"port": port})


def test_unknown_device(inventory: Inventory) -> None:
    stranger = loopback_device(inventory).model_copy(update={"name": "nowhere-r9"})
    with pytest.raises(InputError, match="no device 'nowhere-r9'"):
        open_device(inventory, stranger, CREDS, driver=Recorder)
