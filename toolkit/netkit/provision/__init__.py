"""Changing devices safely: a site transaction (lock, backup, commit with revert timer, post-checks,
confirm or roll the whole site back, audit) driven through Ansible playbooks and NAPALM."""

from netkit.provision.backend import Backend, CheckResult, DeviceOp, Progress
from netkit.provision.report import DeviceReport, SiteReport
from netkit.provision.transaction import Environment, ProvisionOptions, SiteTransaction

__all__ = [
    "Backend", "CheckResult", "DeviceOp", "DeviceReport", "Environment", "Progress", "ProvisionOptions",
    "SiteReport", "SiteTransaction",
]
