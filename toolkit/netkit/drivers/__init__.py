"""NAPALM driver lookup per platform, and opening a driver for an inventory device."""

from netkit.drivers.lookup import DRIVERS, connected, device_errors, driver_class, driver_for, open_device

__all__ = ["DRIVERS", "connected", "device_errors", "driver_class", "driver_for", "open_device"]
