"""The real Ansible path (ansible-runner, playbooks, netkit's modules, secrets file, artifact scrubbing)
against a file-backed fake NAPALM driver: no network, no root."""

from __future__ import annotations

from pathlib import Path

import pytest
from netkit.inventory import load_inventory
from netkit.inventory.models import Device, Inventory
from netkit.platforms import Napalm
from netkit.provision import plan as plan_mod
from netkit.provision.defaults import ansible_factory
from netkit.provision.plan import expectations
from netkit.provision.transaction import ProvisionOptions, SiteTransaction
from provision_fixtures import (
    FAKES,
    PASSWORD,
    SECRETS,
    fake_router,
    make_env,
    make_inventory,
    router_state,
    write_lab_credentials,
)


def intended(inv: Inventory, dev: Device) -> str:
    # A secret inside the config proves diffs, audit and artifacts are masked.
    return f"hostname {dev.name}\npassword {PASSWORD}\ninterface lo\n ip address {dev.loopback}\n"


def healthy(inv: Inventory, dev: Device) -> dict[str, object]:
    exp = expectations(inv, dev)
    return {"interfaces": {i: True for i in exp.interfaces_up}, "bgp": {b.peer: True for b in exp.bgp_established},
            "ospf": {o.neighbor: "Full/-" for o in exp.ospf_full}}


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Inventory, Path, Path]:
    state = tmp_path / "state"
    monkeypatch.setenv("NETKIT_STATE_DIR", str(state))
    write_lab_credentials(state)
    routers = tmp_path / "routers"
    monkeypatch.setenv("NETKIT_FAKE_ROUTERS", str(routers))
    monkeypatch.setenv("PYTHONPATH", str(FAKES))
    fake = Napalm(driver="netkitfake", package="netkitfake", module="napalm_netkitfake")
    monkeypatch.setattr(plan_mod, "napalm_of", lambda platform: fake if platform == "frr" else platform.spec.napalm)
    monkeypatch.syspath_prepend(str(FAKES))
    inv = load_inventory(make_inventory(tmp_path))
    for dev in inv.devices.values():
        fake_router(routers, str(dev.mgmt_address), **healthy(inv, dev))
    return inv, routers, state


def tx(inv: Inventory, site: str, state: Path) -> SiteTransaction:
    return SiteTransaction(inv, site, make_env(state), ansible_factory(inv, work_root=state / "runs"),
                           render=intended)


def all_text(root: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


def test_provision_confirm_then_rerun_unchanged_and_no_secret_anywhere(world: tuple[Inventory, Path, Path]) -> None:
    inv, routers, state = world
    report = tx(inv, "nat-dc", state).provision(ProvisionOptions(confirm_timeout=60, check_wait=2))
    assert report.result == "confirmed", report.model_dump_json(indent=1)
    assert [d.status for d in report.devices if d.name.startswith("dc-")] == ["confirmed", "confirmed"]
    assert report.device("verify-svc").status == "skipped"
    for name in ("dc-core1", "dc-core2"):
        st = router_state(routers, str(inv.devices[name].mgmt_address))
        assert st["running"] == intended(inv, inv.devices[name]) and st["pending"] is None
        assert st["log"] == ["commit", "confirm"]
        assert "********" in report.device(name).diff and PASSWORD not in report.device(name).diff
    again = tx(inv, "nat-dc", state).provision(ProvisionOptions(confirm_timeout=60, check_wait=2))
    assert again.result == "unchanged" and not again.changed
    # The secrets never reach artifacts, audit, reports or the run dirs (plan/secrets files are deleted).
    text = all_text(state / "runs") + all_text(state / "audit") + report.model_dump_json() + again.model_dump_json()
    for secret in SECRETS.values():
        if secret != SECRETS["username"]:
            assert secret not in text, secret
    assert not list((state / "runs").rglob("secrets*")) and not list((state / "runs").rglob("*.cfg"))
    assert list((state / "runs").rglob("job_events/*.json")), "artifacts are kept (scrubbed) for debugging"


def test_post_check_failure_on_one_device_rolls_back_the_whole_site(world: tuple[Inventory, Path, Path]) -> None:
    inv, routers, state = world
    core2 = str(inv.devices["dc-core2"].mgmt_address)
    st = router_state(routers, core2)
    fake_router(routers, core2, **{**{k: v for k, v in st.items() if k not in ("running", "candidate", "pending")},
                                   "ping_fail": ["198.18.0.193"]})
    report = tx(inv, "nat-dc", state).provision(ProvisionOptions(confirm_timeout=60, check_wait=1))
    assert report.result == "rolled-back", report.model_dump_json(indent=1)
    assert report.device("dc-core1").status == "rolled-back"
    assert report.device("dc-core2").status == "rolled-back"
    assert any(not c.passed and "198.18.0.193" in c.name for c in report.device("dc-core2").checks)
    for name in ("dc-core1", "dc-core2"):
        st = router_state(routers, str(inv.devices[name].mgmt_address))
        assert st["running"] == "hostname factory\n" and st["pending"] is None
    assert report.exit_code == 1
