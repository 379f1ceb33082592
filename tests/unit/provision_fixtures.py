"""Shared set-up for the provisioning unit tests: a copy of the lab inventory whose management addresses
are on 127.0.19.0/24 (nothing is ever sent there: the fake driver keeps each router in a JSON file)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml
from netkit.provision.transaction import Environment

REPO = Path(__file__).resolve().parents[2]
FAKES = Path(__file__).parent / "fakes"
PASSWORD = "Pw-unit-7f3a9c"
SECRETS = {"username": "netops", "password": PASSWORD, "snmp_auth_key": "AuthKey-unit-51d2",
           "snmp_priv_key": "PrivKey-unit-a8e0", "snmp_community": "Comm-unit-33b1"}


def make_inventory(dest: Path) -> Path:
    inv = dest / "inventory"
    shutil.copytree(REPO / "inventory" / "lab", inv)
    for path in inv.rglob("*.yml"):  # host addresses and the management_prefix alike
        path.write_text(path.read_text().replace("198.19.0.", "127.0.19."))
    return inv


def write_lab_credentials(state: Path) -> None:
    (state / "lab").mkdir(parents=True, exist_ok=True)
    (state / "lab" / "credentials.yml").write_text(yaml.safe_dump(SECRETS))


def fake_router(routers: Path, hostname: str, running: str = "hostname factory\n", **extra: Any) -> Path:
    routers.mkdir(parents=True, exist_ok=True)
    path = routers / f"{hostname}.json"
    path.write_text(json.dumps({"running": running, "candidate": None, "pending": None, **extra}))
    return path


def router_state(routers: Path, hostname: str) -> dict[str, Any]:
    return json.loads((routers / f"{hostname}.json").read_text())  # type: ignore[no-any-return]


def make_env(state: Path, who: str = "tester") -> Environment:
    from netkit.provision.audit import AuditLog
    from netkit.provision.backups import BackupStore

    return Environment(store=BackupStore(state / "backups"), audit=AuditLog(state / "audit" / "provision.jsonl"),
                       locks_dir=state / "locks", who=who, host="testhost")
