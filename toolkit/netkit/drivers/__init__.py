"""Opening a device through its platform's NAPALM driver (the one way netkit opens a device)."""

from netkit.drivers.lookup import (
    connected,
    device_errors,
    driver_args,
    driver_class,
    driver_for,
    napalm_spec,
    open_device,
)

__all__ = ["connected", "device_errors", "driver_args", "driver_class", "driver_for", "napalm_spec", "open_device"]
