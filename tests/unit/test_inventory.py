"""The inventory layer on good inventories: the lab's derived facts (others rely on them), Ansible's
machinery (precedence, vault, plugin configs), addressing rules and the national-scale generator."""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from netkit.errors import InventoryError
from netkit.inventory import load_inventory
from netkit.inventory.addressing import access_switch_address, loopback, p2p_ends, p2p_prefix, site_addressing
from netkit.inventory.ansible_source import read_ansible_inventory
from netkit.inventory.credentials import resolve_set
from netkit.inventory.generate import NationalShape, write_national_inventory
from netkit.inventory.models import Inventory, VlanPlan

MINIMAL = Path(__file__).parent / "data" / "inventories" / "minimal"
ANSIBLE_VAULT = Path(sys.executable).parent / "ansible-vault"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    root = tmp_path / "inventory"
    shutil.copytree(MINIMAL, root)
    return root


# ---------------------------------------------------------------- the lab inventory: pinned facts


def test_lab_loads_without_problems(lab: Inventory) -> None:
    assert set(lab.ministries) == {"mpt", "moj", "moc", "mowa"}
    assert set(lab.sites) == {"nat-dc", "moj-hq", "moj-ratanakiri", "moj-battambang", "moc-hq", "mowa-hq"}
    assert len(lab.devices) == 8
    assert lab.network.core_asn == 64512


def test_lab_site_router_interfaces_are_pinned(lab: Inventory) -> None:
    r1 = lab.devices["moj-hq-r1"]
    assert (r1.site, r1.ministry, r1.role.value, r1.platform.value, r1.asn) == (
        "moj-hq", "moj", "site-router", "frr", 65101)
    assert str(r1.mgmt_address) == "198.19.0.21"
    assert str(r1.loopback) == "198.18.16.1/32"
    eth1 = r1.interface("eth1")
    assert eth1 is not None
    assert (str(eth1.address), eth1.peer_device, eth1.peer_interface, str(eth1.peer_address), eth1.ebgp_peer_asn) == (
        "198.18.16.32/31", "dc-core1", "eth3", "198.18.16.33", 64512)
    eth2 = r1.interface("eth2")
    assert eth2 is not None and str(eth2.address) == "198.18.16.34/31" and eth2.peer_device == "dc-core2"
    lan = r1.interface("lan0")
    assert lan is not None and lan.kind == "lan" and str(lan.address) == "198.18.16.65/26"
    mgmt = r1.interface("eth0")
    assert mgmt is not None and mgmt.kind == "mgmt" and str(mgmt.address) == "198.19.0.21/24"


def test_lab_core_interfaces_are_pinned(lab: Inventory) -> None:
    core = lab.devices["dc-core1"]
    found = {i.name: (str(i.address), i.peer_device, i.ebgp_peer_asn, i.ospf) for i in core.interfaces}
    assert found["lo"] == ("198.18.0.1/32", None, None, True)
    assert found["eth1"] == ("198.18.0.32/31", "dc-core2", None, True)  # OSPF inside the DC
    assert found["eth2"] == ("198.18.0.192/31", "verify-svc", None, False)
    assert found["eth3"] == ("198.18.16.33/31", "moj-hq-r1", 65101, False)
    assert found["eth4"] == ("198.18.17.33/31", "moj-ratanakiri-r1", 65102, False)
    assert found["noc0"] == ("198.19.254.1/30", None, None, False)
    assert lab.devices["verify-svc"].loopback is None


def test_lab_sites_links_and_targets_are_pinned(lab: Inventory) -> None:
    ratanakiri = lab.sites["moj-ratanakiri"]
    assert (str(ratanakiri.block), ratanakiri.asn, ratanakiri.mou.latency_ms, ratanakiri.mou.availability_pct) == (
        "198.18.17.0/24", 65102, 120, 99.0)
    (link,) = lab.site_links("moj-ratanakiri")
    assert link.name == "moj-ratanakiri-r1:eth1--dc-core1:eth4"
    assert link.impairment is not None and link.impairment.delay_ms == 40 and link.impairment.loss_pct == 0.5
    assert str(link.prefix) == "198.18.17.32/31"
    hq = lab.sites["moj-hq"]
    assert [t.name for t in hq.targets] == ["gateway"] and hq.targets[0].address == "router"
    assert hq.maintenance[0].weekday == "fri" and hq.maintenance[0].duration_min == 120
    assert str(hq.addressing.user.gateway) == "198.18.16.65"
    assert [t.kind for t in lab.sites["nat-dc"].targets] == ["http", "tcp"]
    assert hq.vars_file is not None and hq.vars_file.name == "site_moj_hq.yml"
    assert lab.devices["moj-hq-r1"].vars_file is not None
    assert lab.devices["moj-hq-r1"].vars_file.name == "moj-hq-r1.yml"


def test_every_lab_address_is_in_the_benchmarking_range(lab: Inventory) -> None:
    lab_range = ipaddress.ip_network("198.18.0.0/15")
    for dev in lab.devices.values():
        assert dev.mgmt_address in lab_range
        for itf in dev.interfaces:
            if itf.address is not None:
                assert itf.address.ip in lab_range, (dev.name, itf.name)


# ---------------------------------------------------------------- Ansible's machinery


def test_host_vars_win_over_group_vars_and_inventory_file_vars(copy: Path) -> None:
    # netkit_ministry given in the inventory file and in group_vars: group_vars (vars plugin) wins, as in Ansible
    hosts = yaml.safe_load((copy / "hosts.yml").read_text())
    hosts["all"]["children"]["moj"]["vars"] = {"netkit_ministry": {"code": "moj", "name": "From hosts.yml"}}
    (copy / "hosts.yml").write_text(yaml.safe_dump(hosts))
    raw = read_ansible_inventory(copy)
    host = raw.hosts["moj-hq-r1"]
    assert host.vars["netkit_ministry"]["name"] == "Ministry of Justice"
    assert host.origins["netkit_ministry"].endswith("group_vars/moj.yml:1")
    assert host.origins["netkit_device"].endswith("host_vars/moj-hq-r1.yml:3")  # the mapping starts there
    assert host.groups == ["all", "moj", "site_moj_hq"]
    # a group's value is one shared object, converted once
    assert raw.hosts["dc-core1"].vars["netkit_network"] is host.vars["netkit_network"]


def test_vault_encrypted_credentials_are_decrypted(copy: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    password_file = tmp_path / "vault-pass"
    password_file.write_text("unit-test-vault-password\n")
    encrypted = subprocess.run(
        [str(ANSIBLE_VAULT), "encrypt_string", "--vault-password-file", str(password_file), "S3cret!", "--name",
         "password"], capture_output=True, text=True, check=True,
    ).stdout
    block = "    ops:\n      source: vars\n      username: ops\n" + "".join(
        f"      {line}\n" for line in encrypted.strip().splitlines())
    all_yml = copy / "group_vars" / "all.yml"
    all_yml.write_text(all_yml.read_text().replace("    lab: {source: lab}\n", "    lab: {source: lab}\n" + block))
    assert "S3cret!" not in all_yml.read_text()
    # a whole host_vars file encrypted too
    subprocess.run([str(ANSIBLE_VAULT), "encrypt", "--vault-password-file", str(password_file),
                    str(copy / "host_vars" / "moj-hq-r1.yml")], capture_output=True, check=True)
    assert (copy / "host_vars" / "moj-hq-r1.yml").read_text().startswith("$ANSIBLE_VAULT")

    monkeypatch.delenv("ANSIBLE_VAULT_PASSWORD_FILE", raising=False)
    with pytest.raises(InventoryError) as without:
        load_inventory(copy)
    assert "ANSIBLE_VAULT_PASSWORD_FILE" in " ".join(without.value.problems)
    assert "all.yml" in " ".join(without.value.problems)

    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(password_file))
    inv = load_inventory(copy)
    creds = resolve_set(inv, "ops")
    assert creds.username == "ops" and creds.password.get_secret_value() == "S3cret!"
    assert str(inv.devices["moj-hq-r1"].mgmt_address) == "198.19.0.21"

    wrong = tmp_path / "wrong-pass"
    wrong.write_text("not the password\n")
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(wrong))
    with pytest.raises(InventoryError) as bad:
        load_inventory(copy)
    assert "Decryption failed" in " ".join(bad.value.problems)


def test_vars_secrets_in_a_whole_encrypted_file_count_as_encrypted(copy: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    password_file = tmp_path / "vault-pass"
    password_file.write_text("unit-test-vault-password\n")
    all_yml = copy / "group_vars" / "all.yml"
    text = all_yml.read_text()
    assert "    lab: {source: lab}\n" in text
    all_yml.write_text(text.replace("    lab: {source: lab}\n", "    lab: {source: lab}\n    ops:\n      source: vars\n"
                                    "      username: ops\n      password: In-A-Vaulted-File\n"))
    monkeypatch.delenv("ANSIBLE_VAULT_PASSWORD_FILE", raising=False)
    with pytest.raises(InventoryError, match="problem") as refused:  # the same file, not encrypted
        load_inventory(copy)
    assert any("credential_sets.ops: password in plain text" in p for p in refused.value.problems)
    assert not any("In-A-Vaulted-File" in p for p in refused.value.problems)
    subprocess.run([str(ANSIBLE_VAULT), "encrypt", "--vault-password-file", str(password_file), str(all_yml)],
                   capture_output=True, check=True)
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(password_file))
    assert resolve_set(load_inventory(copy), "ops").password.get_secret_value() == "In-A-Vaulted-File"


def test_inventory_plugin_config_files_still_reach_their_plugin(copy: Path) -> None:
    # A plugin config (as for NetBox's netbox.netbox.nb_inventory) is refused by `yaml` and parsed by `auto`.
    (copy / "zz-constructed.yml").write_text(
        "plugin: ansible.builtin.constructed\nstrict: true\n"
        "groups:\n  cores: inventory_hostname.startswith('dc-core')\n")
    raw = read_ansible_inventory(copy)
    assert "cores" in raw.hosts["dc-core1"].groups
    assert "cores" not in raw.hosts["moj-hq-r1"].groups
    assert raw.problems == []


def test_a_single_yaml_file_inventory_with_inline_vars(tmp_path: Path) -> None:
    count = write_national_inventory(tmp_path / "nat", NationalShape(ministries=2, provinces=3, devices_per_site=3))
    inv = load_inventory(tmp_path / "nat" / "hosts.yml")
    assert len(inv.devices) == count == 2 + 6 * 3  # two cores, then per site a router and two switches
    assert len(inv.sites) == 7 and set(inv.ministries) == {"mpt", "moj", "moc"}


# ---------------------------------------------------------------- addressing rules


def test_site_addressing_cuts_a_block_in_eight() -> None:
    addr = site_addressing(ipaddress.IPv4Network("10.1.0.0/24"), VlanPlan())
    assert [str(p) for p in (addr.loopbacks, addr.p2p, addr.user.prefix, addr.voice.prefix, addr.mgmt.prefix,
                             addr.services)] == [
        "10.1.0.0/27", "10.1.0.32/27", "10.1.0.64/26", "10.1.0.128/27", "10.1.0.160/27", "10.1.0.192/26"]
    assert str(loopback(addr, 0)) == "10.1.0.1/32"
    assert str(p2p_prefix(addr, 1)) == "10.1.0.34/31"
    assert [str(e) for e in p2p_ends(ipaddress.IPv4Network("10.1.0.34/31"))] == ["10.1.0.34/31", "10.1.0.35/31"]
    assert [str(e) for e in p2p_ends(ipaddress.IPv4Network("10.9.0.0/30"))] == ["10.9.0.1/30", "10.9.0.2/30"]
    assert str(access_switch_address(addr, 0)) == "10.1.0.162/27"
    with pytest.raises(ValueError, match="index 31"):
        loopback(addr, 31)
    with pytest.raises(ValueError, match="link 17"):
        p2p_prefix(addr, 16)
    with pytest.raises(ValueError, match="fewer than two"):
        p2p_ends(ipaddress.IPv4Network("10.9.0.0/32"))
    with pytest.raises(ValueError, match="access switch 30"):
        access_switch_address(addr, 29)
    with pytest.raises(ValueError, match="between /8 and /26"):
        site_addressing(ipaddress.IPv4Network("10.1.0.0/27"), VlanPlan())


# ---------------------------------------------------------------- the national-scale generator


def test_generator_writes_a_national_inventory_that_checks_clean(tmp_path: Path) -> None:
    count = write_national_inventory(tmp_path / "nat", NationalShape(ministries=3, provinces=4))
    inv = load_inventory(tmp_path / "nat")
    assert len(inv.devices) == count
    assert len(inv.sites) == 3 * 4 + 1
    assert all(not ipaddress.ip_network("198.18.0.0/15").overlaps(s.block) for s in inv.sites.values())
    switches = [d for d in inv.devices.values() if d.role.value == "access-switch"]
    assert switches and all(d.interface(f"vlan{inv.sites[d.site].vlans.mgmt}") is not None for d in switches)
    first = (tmp_path / "nat" / "hosts.yml").read_text().splitlines()[0]
    assert first.startswith("# Generated by `netkit inventory generate`")
