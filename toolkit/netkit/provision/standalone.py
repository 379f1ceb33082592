"""What netkit's Ansible modules ask netkit when a playbook runs without the netkit CLI (ansible-playbook,
AWX): a device's plan (intended config written to a 0600 file, post-check expectations) and its
credentials. Run as a child process (`python -m netkit.provision.standalone ...`) because inside a
module process the `ansible` package is AnsiballZ's trimmed copy, where Ansible's inventory machinery
(which netkit's inventory loader uses) does not exist. Prints one JSON document."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from netkit.config.secrets import mark_values
from netkit.errors import NetkitError
from netkit.inventory import load_inventory
from netkit.inventory.credentials import credentials_for
from netkit.provision.plan import standalone_plan
from netkit.trust.store import TrustStore


def credentials(inventory: str, device: str) -> dict[str, object]:
    inv = load_inventory(Path(inventory))
    dev = inv.device(device)
    creds = credentials_for(inv, dev)
    return {"username": creds.username, "password": creds.password.get_secret_value(), "secrets": creds.secrets(),
            "marks": mark_values(creds), "hostname": str(dev.mgmt_address), "platform": dev.platform.value}


def main(argv: list[str]) -> int:
    try:
        if len(argv) == 4 and argv[0] == "plan":
            doc = standalone_plan(argv[1], argv[2], argv[3])
        elif len(argv) == 3 and argv[0] == "credentials":
            doc = credentials(argv[1], argv[2])
        elif len(argv) == 2 and argv[0] == "known-hosts":
            doc = {"known_hosts": str(TrustStore.for_inventory(Path(argv[1])).known_hosts)}
        else:
            print(json.dumps({"error": "usage: plan INVENTORY DEVICE OUT_DIR | credentials INVENTORY DEVICE | "
                                       "known-hosts INVENTORY"}))
            return 2
    except NetkitError as e:
        print(json.dumps({"error": str(e)}))
        return e.exit_code
    print(json.dumps(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
