"""Opening a NAPALM driver session: the one place netkit does it. netkit's commands come here through
`open_device` (an inventory device and its credentials); the playbook modules come here directly (a
driver name, an address and credentials they resolved). NAPALM errors stop here: callers see DeviceError
(exit 1) naming the device and address, or EnvironmentProblem (exit 3) when the driver is not installed.

Light to import on purpose (netkit.errors only; napalm and paramiko when a device is opened): the
playbook modules import it in every task.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import TYPE_CHECKING, Any

from netkit.errors import DeviceError, EnvironmentProblem

if TYPE_CHECKING:
    from napalm.base import NetworkDriver


def connection_errors() -> tuple[type[BaseException], ...]:
    """What SSH/TCP failures look like below NAPALM (netmiko's exceptions are paramiko's SSHException)."""
    import paramiko

    return (OSError, EOFError, paramiko.SSHException)


def napalm_without_core_drivers() -> None:
    """`import napalm` imports every core driver (junos, eos, ios, nxos, iosxr: ~60% of its import time);
    a module process lives for one task and needs one driver. Register the `napalm` package without
    running its __init__, so `napalm.base` and the one driver asked for are all that load (a core driver
    still imports on demand through get_network_driver). For one-driver processes only: `napalm.<attr>`
    of the package's __init__ is then missing."""
    if "napalm" in sys.modules:
        return
    spec = importlib.util.find_spec("napalm")
    if spec is None or not spec.submodule_search_locations:
        return
    package = types.ModuleType("napalm")
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    package.__file__ = spec.origin
    sys.modules["napalm"] = package


def network_driver(name: str, package: str = "") -> type[Any]:
    """The NAPALM driver class `name` (`get_network_driver`); EnvironmentProblem when it is not installed."""
    from napalm.base import get_network_driver
    from napalm.base.exceptions import ModuleImportError

    try:
        return get_network_driver(name)  # type: ignore[no-any-return]
    except ModuleImportError as e:
        hint = f" (pip install {package})" if package else ""
        raise EnvironmentProblem(f"NAPALM driver {name!r} is not installed{hint}: {e}") from e


def open_session(cls: type[Any], *, device: str, hostname: str, username: str, password: str, timeout: float,
                 optional_args: dict[str, Any] | None = None, credential_set: str | None = "",
                 driver_name: str = "") -> NetworkDriver:
    """An opened driver of class `cls` for `device` at `hostname` (close it when done)."""
    import paramiko
    from napalm.base.exceptions import ConnectAuthError, NapalmException

    dev = cls(hostname=hostname, username=username, password=password, timeout=int(timeout),
              optional_args=optional_args or {})
    try:
        dev.open()
    except (ConnectAuthError, paramiko.AuthenticationException) as e:
        where = f" (credential set {credential_set!r})" if credential_set != "" else ""
        raise DeviceError(device, f"{username}@{hostname} refused the credentials{where}: {e}") from e
    except NapalmException as e:
        raise DeviceError(device, f"cannot open a {driver_name or getattr(cls, '__name__', 'NAPALM')} session to {hostname}: "
                                  f"{e}") from e
    except connection_errors() as e:
        raise DeviceError(device, f"cannot reach {hostname}: {type(e).__name__}: {e}") from e
    except Exception as e:  # a driver's own error type (napalm-ros, napalm-huawei-vrp ...): still this device's
        raise DeviceError(device, f"cannot open a session to {hostname}: {type(e).__name__}: {e}") from e
    return dev
