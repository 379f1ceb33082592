"""Which NAPALM driver speaks to a platform, and opening it for an inventory device.

NAPALM errors stop here: what callers see is netkit's DeviceError (exit 1) naming the device and
address, or EnvironmentProblem (exit 3) when the driver package is not installed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from netkit.drivers.host_keys import SSH_DRIVERS, host_key_args
from netkit.drivers.session import connection_errors, network_driver, open_session
from netkit.errors import DeviceError, InputError
from netkit.inventory.credentials import Credentials
from netkit.inventory.models import Device, Inventory
from netkit.platforms import Napalm, Platform, get

if TYPE_CHECKING:
    from napalm.base import NetworkDriver

# napalm and paramiko are imported where a device is opened, not here: importing napalm costs ~0.4 s,
# which every netkit command (through provision -> plan -> drivers) would otherwise pay at start-up.

DEFAULT_TIMEOUT = 30


def napalm_spec(platform: Platform | str) -> Napalm:
    """The platform spec's NAPALM part; InputError for an unknown platform or one netkit does not configure."""
    spec = get(platform)
    if spec.napalm is None:
        raise InputError(f"platform {spec.name!r} is not configured by netkit (no NAPALM driver)")
    return spec.napalm


def driver_for(platform: Platform | str) -> str:
    """The NAPALM driver name for a netkit platform (`routeros` is napalm-ros's `ros`)."""
    return napalm_spec(platform).driver


def driver_class(platform: Platform | str) -> type[Any]:
    spec = napalm_spec(platform)
    return network_driver(spec.driver, spec.package)


def driver_args(platform: Platform | str, timeout: float) -> dict[str, Any]:
    """What the platform's driver is always given, and the connection timeout its family understands
    besides NAPALM's `timeout` (netmiko's `conn_timeout`)."""
    spec = napalm_spec(platform)
    return {**spec.optional_args, **({"conn_timeout": timeout} if spec.netmiko else {})}


def open_device(
    inventory: Inventory,
    device: Device,
    credentials: Credentials,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    optional_args: dict[str, Any] | None = None,
    driver: type[Any] | None = None,
) -> NetworkDriver:
    """An opened NAPALM driver for `device` at its management address (close it when done).

    `driver` overrides the class looked up for the platform (tests pass a fake)."""
    inventory.device(device.name)
    args = {**driver_args(device.platform, timeout), **(optional_args or {})}
    if driver is None and driver_for(device.platform) in SSH_DRIVERS:  # a fake driver (tests) opens no SSH
        from netkit.trust.verify import require_trusted

        store = require_trusted(inventory, [device.name], port=int(args.get("port", 22)))
        args = {**host_key_args(driver_for(device.platform), str(store.known_hosts)), **args}
    return open_session(driver or driver_class(device.platform), device=device.name,
                        hostname=str(device.mgmt_address), username=credentials.username,
                        password=credentials.password.get_secret_value(), timeout=timeout,
                        optional_args=args, credential_set=device.credentials, driver_name=driver_for(device.platform))


@contextlib.contextmanager
def device_errors(device: str) -> Iterator[None]:
    """Translate what a NAPALM call raises into DeviceError for `device`."""
    from napalm.base.exceptions import NapalmException

    try:
        yield
    except NapalmException as e:
        raise DeviceError(device, f"{type(e).__name__}: {e}") from e
    except connection_errors() as e:
        raise DeviceError(device, f"connection lost: {type(e).__name__}: {e}") from e


@contextlib.contextmanager
def connected(
    inventory: Inventory, device: Device, credentials: Credentials, **kwargs: Any
) -> Iterator[NetworkDriver]:
    """`with connected(inv, dev, creds) as drv:` opens, translates errors, and always closes."""
    drv = open_device(inventory, device, credentials, **kwargs)
    try:
        with device_errors(device.name):
            yield drv
    finally:
        with contextlib.suppress(Exception):
            drv.close()
