"""The platform registry and what reads it: every configured platform has its templates, the one
platform->driver table serves the playbooks, and what the playbook modules import stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from netkit.inventory import load_inventory
from netkit.platforms import all_specs, get, names
from netkit.provision.rollout import rollout_order

ROOT = Path(__file__).resolve().parents[2]


def test_every_configured_platform_has_its_templates_and_a_driver() -> None:
    assert {"frr", "ios", "eos", "junos", "huawei_vrp", "routeros", "nxos", "linux"} <= set(names())
    for spec in all_specs():
        if spec.configured:
            assert (ROOT / "templates" / spec.name / f"{spec.naming.main_file}.j2").is_file(), spec.name
            assert spec.napalm is not None and spec.roles
        else:
            assert spec.napalm is None and not (ROOT / "templates" / spec.name).exists()


def test_the_playbooks_filter_reads_the_one_driver_table() -> None:
    sys.path.insert(0, str(ROOT / "playbooks" / "filter_plugins"))
    try:
        from netkit_platforms import FilterModule
    finally:
        sys.path.pop(0)
    driver = FilterModule().filters()["netkit_napalm_driver"]
    assert [driver(p) for p in ("routeros", "huawei_vrp", "nxos", "linux", "cisco")] == [
        "ros", "huawei_vrp", "nxos_ssh", None, None]
    assert driver("frr") == get("frr").napalm.driver  # type: ignore[union-attr]


def test_what_the_playbook_modules_import_stays_light() -> None:
    code = ("import sys; sys.path.insert(0, 'playbooks/module_utils'); import netkit_napalm; "
            "netkit_napalm.napalm_driver('huawei_vrp'); "
            "print(sorted(m for m in ('pydantic', 'napalm', 'paramiko', 'netkit.inventory', 'importlib.metadata') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_batch_of_every_site_runs_data_centers_first() -> None:
    inv = load_inventory()
    order = rollout_order(inv, [], all_sites=True)
    kinds = [inv.site(c).kind == "datacenter" for c in order]
    assert sorted(order) == sorted(inv.sites) and kinds == sorted(kinds, reverse=True)
    assert rollout_order(inv, ["moj-hq", "nat-dc", "moj-hq"], all_sites=False) == ["moj-hq", "nat-dc"]
