"""Khmer names reach people, never devices: a non-ASCII value that would reach a configuration is refused
(exit 2) naming the key; `name_km` renders nowhere."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from netkit.cli.app import app
from netkit.config.render import render_site
from netkit.errors import InputError
from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from typer.testing import CliRunner


def _lab_copy(tmp_path: Path) -> Path:
    root = tmp_path / "inv"
    shutil.copytree(DEFAULT_INVENTORY, root)
    return root


def test_khmer_names_load_and_never_reach_a_configuration() -> None:
    inv = load_inventory(DEFAULT_INVENTORY)
    assert inv.sites["moj-ratanakiri"].name_km == "សាលាដំបូងខេត្តរតនគិរី"
    assert inv.ministries["moj"].name_km == "ក្រសួងយុត្តិធម៌"
    for code in inv.sites:
        for cfg in render_site(inv, code):
            for name, text in cfg.files.items():
                assert text.isascii(), (cfg.device, name)


def test_a_khmer_site_name_is_refused_naming_the_key(tmp_path: Path) -> None:
    root = _lab_copy(tmp_path)
    f = root / "group_vars" / "site_moj_ratanakiri.yml"
    f.write_text(f.read_text(encoding="utf-8").replace("  name: Ratanakiri Provincial Court\n",
                                                       "  name: សាលាដំបូងខេត្តរតនគិរី\n"), encoding="utf-8")
    inv = load_inventory(root)
    with pytest.raises(InputError, match=r"site_moj_ratanakiri.yml: netkit_site.name \(site moj-ratanakiri\)"):
        render_site(inv, "moj-ratanakiri")
    render_site(inv, "moj-hq")  # other sites are not concerned
    result = CliRunner().invoke(app, ["render", "device", "moj-ratanakiri-r1", "-i", str(root)], terminal_width=200)
    assert result.exit_code == 2, result.output
    assert "netkit_site.name" in result.output and "not ASCII" in result.output and "U+179F" in result.output


def test_a_non_ascii_banner_and_circuit_id_are_named(tmp_path: Path) -> None:
    root = _lab_copy(tmp_path)
    a = root / "group_vars" / "all.yml"
    a.write_text(a.read_text(encoding="utf-8").replace("  core_asn: 64512\n",
                                                       "  core_asn: 64512\n  banner: Authorised – only\n"),
                 encoding="utf-8")
    s = root / "group_vars" / "site_moj_hq.yml"
    s.write_text(s.read_text(encoding="utf-8").replace("GOV-MOJ-HQ-001", "GOV-MOJ-HQ-００1"), encoding="utf-8")
    with pytest.raises(InputError) as e:
        render_site(load_inventory(root), "moj-hq")
    assert "all.yml: netkit_network.banner" in str(e.value)
    assert "netkit_site.links[].circuit_id (link moj-hq-r1:eth1--dc-core1:eth3)" in str(e.value)
