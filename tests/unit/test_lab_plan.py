"""The lab plan: names, addresses, routes and links computed from the inventory, and what it refuses."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from netkit.errors import InputError
from netkit.inventory import load_inventory
from netkit.inventory.generate import NationalShape, write_national_inventory
from netkit.inventory.models import Interface, Inventory
from netkit.lab.generate import lab_inventory, write_lab_inventory
from netkit.lab.plan import LAB_SUPERNET, _Planner, host_ifname, lab_prefix, plan_lab, valid_ifname


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return load_inventory()


def test_names_follow_the_prefix(inv: Inventory) -> None:
    plan = plan_lab(inv, "nk-")
    assert plan.mgmt_ns == "nk-mgmt" and plan.wire_ns == "nk-wire"
    assert plan.devices["moj-hq-r1"].ns == "nk-moj-hq-r1"
    assert set(plan.namespaces) == {"nk-mgmt", "nk-wire", *(f"nk-{d}" for d in inv.devices)}
    assert plan.host_mgmt_interface == "nk-mgmt" and plan.noc is not None and plan.noc.host_interface == "nk-noc"
    assert plan.run_dir == Path("/run/netkit-lab/nk-")


def test_addresses_routes_and_service_host(inv: Inventory) -> None:
    plan = plan_lab(inv, "nk-")
    assert str(plan.host_mgmt_address) == "198.19.0.1/24"
    assert plan.noc is not None
    assert (str(plan.noc.host_address), str(plan.noc.gateway)) == ("198.19.254.2/30", "198.19.254.1")
    assert plan.noc.device == "dc-core1" and plan.noc.device_interface == "noc0"
    # every site block, collapsed (moj-hq 198.18.16.0/24 + moj-ratanakiri 198.18.17.0/24), all inside the guard
    assert "198.18.16.0/23" in {str(r) for r in plan.noc.routes}
    assert all(r.subnet_of(LAB_SUPERNET) for r in plan.noc.routes)
    svc = plan.devices["verify-svc"]
    assert svc.kind == "service" and svc.service is not None
    assert (str(svc.service.address), svc.service.port, str(svc.service.route_via)) == \
        ("198.18.0.193/31", 80, "198.18.0.192")
    assert plan.devices["moj-hq-r1"].lan_interfaces == ["lan0"]
    assert plan.devices["dc-core1"].kind == "router" and plan.devices["dc-core1"].mgmt_interface == "eth0"


def test_links_meet_in_the_wire_namespace(inv: Inventory) -> None:
    plan = plan_lab(inv, "nk-")
    assert len(plan.links) == len(inv.links) == 8
    ratanakiri = plan.link("moj-ratanakiri-r1:eth1--dc-core1:eth4")
    assert (ratanakiri.a.ns, ratanakiri.a.interface, ratanakiri.b.ns, ratanakiri.b.interface) == \
        ("nk-moj-ratanakiri-r1", "eth1", "nk-dc-core1", "eth4")
    assert ratanakiri.a.wire == f"l{ratanakiri.index}a" and ratanakiri.bridge == f"l{ratanakiri.index}"
    assert ratanakiri.impairment is not None and ratanakiri.impairment.delay_ms == 40
    wires = [w for lk in plan.links for w in (lk.a.wire, lk.b.wire, lk.bridge)]
    assert len(wires) == len(set(wires)) and all(valid_ifname(w) for w in wires)


def test_link_lookup(inv: Inventory) -> None:
    plan = plan_lab(inv, "nk-")
    assert plan.link("moj-battambang-r1").name == "moj-battambang-r1:eth1--dc-core2:eth4"
    assert plan.link("dc-core1:eth4").name == "moj-ratanakiri-r1:eth1--dc-core1:eth4"
    with pytest.raises(InputError, match="matches several links") as many:
        plan.link("dc-core1")
    assert "dc-core1:eth1--dc-core2:eth1" in str(many.value)
    with pytest.raises(InputError, match="matches no link"):
        plan.link("nowhere:eth9")
    with pytest.raises(InputError, match="no lab device named 'nope'"):
        plan.device("nope")


def test_refuses_addresses_outside_the_lab_range(tmp_path: Path) -> None:
    # The national generator uses 10.x and 172.16.x: the lab must never build (nor route to) those.
    write_national_inventory(tmp_path, NationalShape(ministries=1, provinces=6, devices_per_site=1))
    inv = load_inventory(tmp_path)
    assert any(d.lab_capable for d in inv.devices.values())
    with pytest.raises(InputError, match=r"only configures addresses inside 198\.18\.0\.0/15") as e:
        plan_lab(inv, "nk-")
    assert "management address 172.16." in str(e.value)


def test_refuses_an_inventory_without_lab_devices(tmp_path: Path) -> None:
    write_national_inventory(tmp_path, NationalShape(ministries=1, provinces=1, devices_per_site=1))
    inv = load_inventory(tmp_path)
    assert not any(d.lab_capable for d in inv.devices.values())
    with pytest.raises(InputError, match="no lab-capable devices"):
        plan_lab(inv, "nk-")


def test_long_prefixes_still_give_valid_host_interface_names() -> None:
    assert host_ifname("nk-", "mgmt") == "nk-mgmt"
    long = host_ifname("a-very-long-prefix-", "mgmt")
    assert valid_ifname(long) and long.endswith("-mgmt") and long == host_ifname("a-very-long-prefix-", "mgmt")
    assert host_ifname("a-very-long-prefix-", "mgmt") != host_ifname("another-long-prefix", "mgmt")


def test_prefix_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETKIT_LAB_PREFIX", raising=False)
    assert lab_prefix() == "nk-"
    monkeypatch.setenv("NETKIT_LAB_PREFIX", "nkt-")
    assert lab_prefix() == "nkt-"
    monkeypatch.setenv("NETKIT_LAB_PREFIX", "bad/prefix")
    with pytest.raises(InputError, match="NETKIT_LAB_PREFIX"):
        lab_prefix()


def test_interface_names_linux_cannot_take_are_mapped(inv: Inventory) -> None:
    dev = inv.devices["moj-hq-r1"]
    renamed = [i.model_copy(update={"name": "GigabitEthernet0/0/1"}) if i.name == "eth1" else i
               for i in dev.interfaces] + [Interface(name="if0", kind="p2p")]
    mapping = _Planner(inv, "nk-").interface_map(dev.model_copy(update={"interfaces": renamed}))
    assert mapping == {"GigabitEthernet0/0/1": "if1"}  # if0 is taken


def test_generated_lab_inventory_is_buildable(tmp_path: Path) -> None:
    write_lab_inventory(tmp_path, 30, service_host=True)
    inv = load_inventory(tmp_path)
    plan = plan_lab(inv, "nkl-")
    routers = [d for d in plan.devices.values() if d.kind == "router"]
    assert len(routers) == 30 and len(plan.links) == 30  # 28 uplinks, the core link, the service link
    addresses = [d.mgmt_address.ip for d in plan.devices.values()]
    assert len(set(addresses)) == len(addresses)
    assert all(a in ipaddress.IPv4Network("198.19.0.0/24") for a in addresses)
    with pytest.raises(InputError, match="--routers 1"):
        lab_inventory(1)
