"""`lab up` generates each lab router's SSH host key: record it in the inventory's trust store, so the demo
and the lab tests run with host key verification on (a key netkit made itself needs no one to vouch)."""

from __future__ import annotations

from netkit.inventory.models import Inventory
from netkit.lab.daemons import DeviceFiles
from netkit.lab.plan import LabPlan
from netkit.trust.store import HostKey, TrustStore, host_entry
from netkit.trust.verify import who


def record_lab_host_keys(inventory: Inventory, plan: LabPlan) -> int:
    store = TrustStore.for_inventory(inventory.path)
    recorded = 0
    for name in plan.devices:
        pub = DeviceFiles.of(plan, name).host_key.with_name("ssh_host_ed25519_key.pub")
        if name in inventory.devices and pub.is_file():
            key = HostKey.parse(pub.read_text(encoding="utf-8"))
            store.record(name, host_entry(str(inventory.devices[name].mgmt_address)), key, who(), "lab up")
            recorded += 1
    return recorded
