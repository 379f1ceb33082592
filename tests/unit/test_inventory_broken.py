"""Broken inventories, one class of mistake each: `netkit inventory check` exits 2, names the culprit
(file, host or group, key) and prints no traceback.

Each case is tests/unit/data/inventories/minimal (which checks clean) with one mistake made in a copy.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from netkit.cli.app import app
from typer.testing import CliRunner

BASE = Path(__file__).parent / "data" / "inventories" / "minimal"
Mutation = Callable[[Path], None]


def edit(rel: str, change: Callable[[Any], None]) -> Mutation:
    """Change a YAML file of the copy through its parsed data."""

    def apply(root: Path) -> None:
        path = root / rel
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    return apply


def text(rel: str, old: str, new: str) -> Mutation:
    """Change a file of the copy as text (for mistakes YAML parsing would hide)."""

    def apply(root: Path) -> None:
        path = root / rel
        content = path.read_text()
        assert old in content, f"{old!r} not in {path}"
        path.write_text(content.replace(old, new, 1))

    return apply


def write(rel: str, content: str) -> Mutation:
    def apply(root: Path) -> None:
        (root / rel).write_text(content)

    return apply


def both(*mutations: Mutation) -> Mutation:
    def apply(root: Path) -> None:
        for m in mutations:
            m(root)

    return apply


def device(host: str, **changes: Any) -> Mutation:
    def change(data: Any) -> None:
        for key, value in changes.items():
            if value is None:
                data["netkit_device"].pop(key, None)
            else:
                data["netkit_device"][key] = value

    return edit(f"host_vars/{host}.yml", change)


def site(group: str, change: Callable[[dict[str, Any]], None]) -> Mutation:
    return edit(f"group_vars/{group}.yml", lambda data: change(data["netkit_site"]))


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        d[key] = value

    return change


def _link(index: int, **changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        for path, value in changes.items():
            node = d["links"][index]
            *parents, last = path.split("__")
            for p in parents:
                node = node[p]
            node[last] = value

    return change


HQ = "group_vars/site_moj_hq.yml"

# id -> (the mistake, fragments the output must contain: the culprit file/host/group and key)
CASES: dict[str, tuple[Mutation, list[str]]] = {
    "duplicate-host-in-yaml": (
        text("hosts.yml", "            moj-ratanakiri-r1:\n", "            moj-ratanakiri-r1:\n            moj-ratanakiri-r1:\n"),
        ["hosts.yml:20", "duplicate mapping key 'moj-ratanakiri-r1'"],
    ),
    "duplicate-site-code": (
        site("site_moj_ratanakiri", _set("code", "moj-hq")),
        ["site_moj_ratanakiri.yml", "group site_moj_ratanakiri", "netkit_site.code 'moj-hq'", "group site_moj_hq"],
    ),
    "duplicate-management-address": (
        edit("host_vars/moj-ratanakiri-r1.yml", lambda d: d.update(ansible_host="198.19.0.21")),
        ["duplicate management address 198.19.0.21", "moj-hq-r1", "moj-ratanakiri-r1"],
    ),
    "duplicate-interface-address": (
        site("site_moj_ratanakiri", _link(0, prefix="198.18.16.32/31")),
        ["duplicate address 198.18.16.32", "moj-hq-r1 eth1", "moj-ratanakiri-r1 eth1"],
    ),
    "overlapping-site-blocks": (
        site("site_moj_ratanakiri", _set("block", "198.18.16.128/25")),
        ["site moj-hq block 198.18.16.0/24", "site moj-ratanakiri block 198.18.16.128/25", "overlaps"],
    ),
    "link-to-unknown-device": (
        site("site_moj_hq", _link(0, b__device="dc-core9")),
        ["site_moj_hq.yml: site moj-hq", "unknown device 'dc-core9'"],
    ),
    "link-to-unknown-interface": (
        site("site_moj_hq", _link(0, a__interface="GigabitEthernet0/0/1")),
        ["site_moj_hq.yml: site moj-hq", "moj-hq-r1 has no interface 'GigabitEthernet0/0/1'"],
    ),
    "interface-used-twice": (
        site("site_moj_ratanakiri", _link(0, b__device="dc-core1", b__interface="eth3")),
        ["site_moj_ratanakiri.yml: site moj-ratanakiri: link moj-ratanakiri-r1:eth1--dc-core1:eth3",
         "dc-core1 eth3 is already used by link moj-hq-r1:eth1--dc-core1:eth3"],
    ),
    "unknown-platform": (
        device("moj-hq-r1", platform="cisco"),
        ["moj-hq-r1.yml:3: host moj-hq-r1", "netkit_device.platform", "'cisco'"],
    ),
    "unknown-role": (
        device("moj-hq-r1", role="router"),
        ["host moj-hq-r1", "netkit_device.role", "'router'"],
    ),
    "role-platform-mismatch": (
        device("verify-svc", platform="frr"),
        ["verify-svc.yml: host verify-svc", "netkit_device.platform 'frr' cannot be a service-host"],
    ),
    "device-outside-site-block": (
        device("moj-hq-r1", index=40),
        ["host moj-hq-r1", "outside its site's block 198.18.16.0/24", "index 40"],
    ),
    "link-prefix-outside-site-block": (
        site("site_moj_hq", _link(0, prefix="198.18.99.0/31")),
        ["site moj-hq", "prefix 198.18.99.0/31 is outside the site's block 198.18.16.0/24"],
    ),
    "threshold-out-of-range": (
        site("site_moj_hq", lambda d: d["mou"].update(availability_pct=120)),
        ["site_moj_hq.yml:2: group site_moj_hq", "netkit_site.mou.availability_pct", "120"],
    ),
    "missing-credentials": (
        device("moj-hq-r1", credentials=None),
        ["host moj-hq-r1", "netkit_device.credentials is missing"],
    ),
    "unknown-credential-set": (
        device("moj-hq-r1", credentials="prod"),
        ["host moj-hq-r1", "netkit_device.credentials 'prod' is not a credential set", "(lab)"],
    ),
    "vars-credential-set-without-password": (
        edit("group_vars/all.yml", lambda d: d["netkit_network"]["credential_sets"].update(
            ops={"source": "vars", "username": "ops"})),
        ["all.yml: netkit_network.credential_sets.ops", "needs username and password"],
    ),
    "malformed-yaml-hosts": (
        text("hosts.yml", "          hosts:\n            moj-hq-r1:", "          hosts: [\n            moj-hq-r1:"),
        ["hosts.yml:", "not valid YAML"],
    ),
    "malformed-yaml-group-vars": (
        text(HQ, "  asn: 65101", "  asn: [65101"),
        ["site_moj_hq.yml:7:8: not valid YAML"],
    ),
    "missing-ansible-host": (
        edit("host_vars/moj-hq-r1.yml", lambda d: d.pop("ansible_host")),
        ["host moj-hq-r1", "ansible_host is missing"],
    ),
    "ansible-host-not-an-address": (
        edit("host_vars/moj-hq-r1.yml", lambda d: d.update(ansible_host="moj-hq-r1.example")),
        ["host moj-hq-r1", "ansible_host 'moj-hq-r1.example' is not an IPv4 address"],
    ),
    "unknown-key-typo": (
        device("moj-hq-r1", platfrom="frr"),
        ["host moj-hq-r1", "netkit_device.platfrom: unknown key", "did you mean 'platform'?"],
    ),
    "unknown-site-key-typo": (
        site("site_moj_hq", _set("maintenence", [])),
        ["group site_moj_hq", "netkit_site.maintenence: unknown key", "did you mean 'maintenance'?"],
    ),
    "unknown-variable-typo": (
        text("host_vars/moj-hq-r1.yml", "netkit_device:", "netkit_devices:"),
        ["host moj-hq-r1", "unknown variable netkit_devices", "did you mean netkit_device?"],
    ),
    "unexpected-group-key": (
        text("hosts.yml", "          hosts:\n            moj-ratanakiri-r1:", "          host:\n            moj-ratanakiri-r1:"),
        ["unexpected key (host) in group (site_moj_ratanakiri)"],
    ),
    "maintenance-end-before-start": (
        site("site_moj_hq", _set("maintenance", [{"start": "2026-03-02T02:00:00", "end": "2026-03-01T02:00:00"}])),
        ["group site_moj_hq", "netkit_site.maintenance.0", "end must be after start"],
    ),
    "target-without-address": (
        site("site_moj_hq", _set("targets", [{"name": "gateway", "kind": "icmp"}])),
        ["group site_moj_hq", "netkit_site.targets.0", "an icmp target needs address"],
    ),
    "target-address-not-ip": (
        site("site_moj_hq", _set("targets", [{"name": "gateway", "kind": "icmp", "address": "gw.example"}])),
        ["group site_moj_hq", "netkit_site.targets.0.address: not an IPv4 address", "'gw.example'"],
    ),
    "host-in-no-site": (
        text("hosts.yml", "    moj:\n      children:", "    moj:\n      hosts:\n        moj-stray1:\n      children:"),
        ["hosts.yml: host moj-stray1", "belongs to no site group"],
    ),
    "host-in-two-sites": (
        text("hosts.yml", "            moj-ratanakiri-r1:\n", "            moj-ratanakiri-r1:\n            moj-hq-r1:\n"),
        ["host moj-hq-r1", "is in 2 site groups (site_moj_hq, site_moj_ratanakiri)"],
    ),
    "site-group-without-hosts": (
        text("hosts.yml", "          hosts:\n            moj-ratanakiri-r1:\n", "          hosts:\n            moj-ratanakiri-r1:\n"
             "        site_moj_phnompenh:\n          vars: {netkit_site: {code: moj-phnompenh}}\n"),
        ["hosts.yml: group site_moj_phnompenh", "a site group without hosts"],
    ),
    "site-outside-any-ministry": (
        text("hosts.yml", "all:\n  children:\n", "all:\n  children:\n    site_moj_phnompenh:\n      hosts: {moj-phnompenh-r1: }\n"),
        ["hosts.yml: group site_moj_phnompenh", "is not inside a ministry group"],
    ),
    "device-site-key-disagrees-with-group": (
        device("moj-hq-r1", site="moj-ratanakiri"),
        ["host moj-hq-r1", "netkit_device.site 'moj-ratanakiri' is not the site of its group ('moj-hq')"],
    ),
    "management-address-outside-prefix": (
        edit("host_vars/moj-hq-r1.yml", lambda d: d.update(ansible_host="198.19.9.21")),
        ["host moj-hq-r1", "ansible_host 198.19.9.21 is outside the management prefix 198.19.0.0/24"],
    ),
    "noc-device-unknown": (
        edit("group_vars/all.yml", lambda d: d["netkit_network"]["noc"].update(device="dc-core7")),
        ["all.yml: netkit_network.noc.device 'dc-core7' is not a device"],
    ),
    "customer-site-reuses-asn": (
        site("site_moj_ratanakiri", _set("asn", 65101)),
        ["netkit_site.asn 65101 is also used by site", "site moj-ratanakiri", "site moj-hq"],
    ),
    "customer-site-without-router": (
        device("moj-ratanakiri-r1", role="core-router"),
        ["site_moj_ratanakiri.yml: site moj-ratanakiri", "a customer site needs a site-router"],
    ),
    "missing-network": (
        edit("group_vars/all.yml", lambda d: d.pop("netkit_network")),
        ["group all", "netkit_network is missing"],
    ),
    "missing-ministry": (
        write("group_vars/moj.yml", "# nothing\n"),
        ["group moj", "netkit_ministry is missing"],
    ),
    "block-too-small": (
        site("site_moj_hq", _set("block", "198.18.16.0/28")),
        ["group site_moj_hq", "netkit_site.block", "must be between /8 and /26"],
    ),
}


def _run(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["inventory", "check", "-i", str(root)])
    output = result.output  # stdout and stderr, interleaved
    return result.exit_code, re.sub(r"\s+", " ", output)


@pytest.fixture
def broken(tmp_path: Path) -> Callable[[Mutation], Path]:
    def make(mutation: Mutation) -> Path:
        root = tmp_path / "inventory"
        shutil.copytree(BASE, root)
        mutation(root)
        return root

    return make


def test_the_base_inventory_is_clean() -> None:
    code, output = _run(BASE)
    assert code == 0, output
    assert "2 ministries, 3 sites, 5 devices, 4 links" in output


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_inventory_exits_2_naming_the_culprit(case: str, broken: Callable[[Mutation], Path]) -> None:
    mutation, fragments = CASES[case]
    root = broken(mutation)
    code, output = _run(root)
    assert code == 2, output
    assert "Traceback" not in output
    for fragment in fragments:
        assert re.sub(r"\s+", " ", fragment) in output, f"{fragment!r} not in: {output}"


def test_every_problem_is_reported_at_once(broken: Callable[[Mutation], Path]) -> None:
    root = broken(both(
        CASES["unknown-platform"][0], CASES["threshold-out-of-range"][0], CASES["missing-credentials"][0],
        CASES["duplicate-management-address"][0],
    ))
    code, output = _run(root)
    assert code == 2
    # both problems found while validating the specs; the semantic checks run only once the specs are valid
    assert "netkit_device.platform" in output
    assert "netkit_site.mou.availability_pct" in output
    assert output.count(" - ") >= 2
    assert "2 problem(s)" in output
    assert "credentials is missing" not in output and "duplicate management address" not in output


def test_every_semantic_problem_is_reported_at_once(broken: Callable[[Mutation], Path]) -> None:
    root = broken(both(
        CASES["missing-credentials"][0], CASES["duplicate-management-address"][0], CASES["noc-device-unknown"][0],
        CASES["overlapping-site-blocks"][0], CASES["link-to-unknown-device"][0],
    ))
    code, output = _run(root)
    assert code == 2
    for fragment in ("credentials is missing", "duplicate management address", "noc.device 'dc-core7'",
                     "overlaps", "unknown device 'dc-core9'"):
        assert fragment in output, output
    assert re.search(r"error: .*: (\d+) problem", output)


def test_there_are_at_least_fifteen_classes_of_mistake() -> None:
    assert len(CASES) >= 15


def test_a_secret_in_a_bad_value_is_never_echoed(broken: Callable[[Mutation], Path]) -> None:
    root = broken(edit("group_vars/all.yml", lambda d: d["netkit_network"]["credential_sets"].update(
        ops={"source": "vars", "username": "ops", "password": 987654321, "snmp_auth_key": ["k3y-s3cret"]})))
    code, output = _run(root)
    assert code == 2
    assert "netkit_network.credential_sets.ops.password" in output
    assert "netkit_network.credential_sets.ops.snmp_auth_key" in output
    assert "987654321" not in output and "k3y-s3cret" not in output
