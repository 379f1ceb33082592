"""The `netkit` CLI around the inventory: --version, completion, -i/NETKIT_INVENTORY, and
`inventory check|show|graph|generate` with and without --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from netkit import __version__
from netkit.cli.app import app
from netkit.inventory import DEFAULT_INVENTORY
from typer.testing import CliRunner

MINIMAL = Path(__file__).parent / "data" / "inventories" / "minimal"
NETKIT = Path(sys.executable).parent / "netkit"


@pytest.fixture(autouse=True)
def _no_inventory_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETKIT_INVENTORY", raising=False)


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env, terminal_width=200)
    return result.exit_code, result.output


# ---------------------------------------------------------------- the program


def test_version() -> None:
    assert run("--version") == (0, f"netkit {__version__}\n")


@pytest.mark.parametrize("command", [[str(NETKIT)], [sys.executable, "-m", "netkit"]])
def test_version_from_the_console_script_and_python_m(command: list[str]) -> None:
    done = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, f"netkit {__version__}")


def test_completion_options_exist_and_complete_commands_and_names() -> None:
    code, output = run("--help")
    assert code == 0 and "--install-completion" in output and "--show-completion" in output
    code, script = run("--show-completion", "bash")
    assert code == 0 and "_NETKIT_COMPLETE=complete_bash" in script
    env = {**os.environ, "_NETKIT_COMPLETE": "complete_bash", "NETKIT_INVENTORY": str(MINIMAL)}
    groups = subprocess.run([str(NETKIT)], env={**env, "COMP_WORDS": "netkit inv", "COMP_CWORD": "1"},
                            capture_output=True, text=True, timeout=60)
    assert groups.stdout.split() == ["inventory"]
    names = subprocess.run([str(NETKIT)], env={**env, "COMP_WORDS": "netkit inventory show moj-", "COMP_CWORD": "3"},
                           capture_output=True, text=True, timeout=60)
    assert sorted(names.stdout.split()) == ["moj-hq", "moj-hq-r1", "moj-ratanakiri", "moj-ratanakiri-r1"]


def test_errors_exit_2_without_traceback_in_a_real_process(tmp_path: Path) -> None:
    done = subprocess.run([str(NETKIT), "inventory", "check", "-i", str(tmp_path / "nowhere")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "no such inventory" in done.stderr and "Traceback" not in done.stderr + done.stdout


# ---------------------------------------------------------------- which inventory


def test_default_inventory_is_the_lab() -> None:
    code, output = run("inventory", "check")
    assert code == 0 and str(DEFAULT_INVENTORY) in output and "6 sites" in output


def test_netkit_inventory_env_is_the_fallback() -> None:
    code, output = run("inventory", "check", env={"NETKIT_INVENTORY": str(MINIMAL)})
    assert code == 0 and str(MINIMAL) in output and "3 sites, 5 devices" in output


def test_inventory_option_wins_over_the_env(tmp_path: Path) -> None:
    code, output = run("inventory", "check", "--inventory", str(MINIMAL),
                       env={"NETKIT_INVENTORY": str(tmp_path / "nowhere")})
    assert code == 0 and "3 sites" in output
    code, output = run("inventory", "check", "-i", str(tmp_path / "nowhere"), env={"NETKIT_INVENTORY": str(MINIMAL)})
    assert code == 2 and "nowhere: no such inventory" in output


# ---------------------------------------------------------------- check


def test_check_json() -> None:
    code, output = run("inventory", "check", "-i", str(MINIMAL), "--json")
    assert code == 0
    assert json.loads(output) == {"inventory": str(MINIMAL), "ok": True, "problems": [], "ministries": 2,
                                  "sites": 3, "devices": 5, "links": 4}


def test_check_json_lists_the_problems_and_exits_2(tmp_path: Path) -> None:
    code, output = run("inventory", "check", "-i", str(tmp_path / "nowhere"), "--json")
    assert code == 2
    data = json.loads(output)
    assert data["ok"] is False and "no such inventory" in data["problems"][0]


# ---------------------------------------------------------------- show


def test_show_lists_the_sites() -> None:
    code, output = run("inventory", "show", "-i", str(MINIMAL))
    assert code == 0
    for fragment in ("moj-ratanakiri", "198.18.17.0/24", "99.9% 20ms 0.5% 200M", "3 sites, 5 devices"):
        assert fragment in output


def test_show_sites_json() -> None:
    code, output = run("inventory", "show", "-i", str(MINIMAL), "--json")
    rows = json.loads(output)
    assert code == 0 and [r["site"] for r in rows] == ["moj-hq", "moj-ratanakiri", "nat-dc"]
    hq = next(r for r in rows if r["site"] == "moj-hq")
    assert hq["devices"] == ["moj-hq-r1"] and hq["mou"]["latency_ms"] == 20 and hq["block"] == "198.18.16.0/24"


def test_show_one_site() -> None:
    code, output = run("inventory", "show", "moj-hq")
    assert code == 0
    for fragment in ("Ministry of Justice Headquarters", "ASN 65101", "latency 20 ms", "every fri at 02:00",
                     "moj-hq-r1:eth1--dc-core1:eth3 198.18.16.32/31 eBGP GOV-MOJ-HQ-001", "198.18.16.65/26"):
        assert fragment in output, fragment


def test_show_one_site_json() -> None:
    code, output = run("inventory", "show", "moj-ratanakiri", "--json")
    data = json.loads(output)
    assert code == 0 and data["site"]["code"] == "moj-ratanakiri"
    assert [d["name"] for d in data["devices"]] == ["moj-ratanakiri-r1"]
    assert data["links"][0]["impairment"]["delay_ms"] == 40


def test_show_one_device() -> None:
    code, output = run("inventory", "show", "moj-hq-r1")
    assert code == 0
    assert "dc-core1 eth3 (eBGP AS64512)" in output and "198.18.16.32/31" in output


def test_show_one_device_json() -> None:
    code, output = run("inventory", "show", "moj-hq-r1", "--json")
    dev = json.loads(output)
    assert code == 0 and dev["name"] == "moj-hq-r1" and dev["loopback"] == "198.18.16.1/32"
    eth1 = next(i for i in dev["interfaces"] if i["name"] == "eth1")
    assert eth1 == {**eth1, "address": "198.18.16.32/31", "peer_device": "dc-core1", "ebgp_peer_asn": 64512}


def test_show_unknown_name_exits_2() -> None:
    code, output = run("inventory", "show", "moj-nowhere")
    assert code == 2 and "no site or device named 'moj-nowhere'" in output and "Traceback" not in output


# ---------------------------------------------------------------- graph and generate


def test_graph_tree() -> None:
    code, output = run("inventory", "graph", "-i", str(MINIMAL))
    assert code == 0
    for fragment in ("Government Network (unit tests)", "Ministry of Justice (moj)", "moj-hq Ministry of Justice",
                     "moj-hq-r1 site-router/frr", "eth1 198.18.16.32/31 -> dc-core1 eth3"):
        assert fragment in output, fragment


def test_graph_json() -> None:
    code, output = run("inventory", "graph", "-i", str(MINIMAL), "--json")
    data = json.loads(output)
    assert code == 0 and set(data) == {"mpt", "moj"}
    assert set(data["moj"]) == {"moj-hq", "moj-ratanakiri"}
    assert data["moj"]["moj-hq"]["moj-hq-r1"] == ["eth1 198.18.16.32/31 -> dc-core1 eth3"]
    assert data["mpt"]["nat-dc"]["verify-svc"] == ["eth1 198.18.0.193/31 -> dc-core1 eth2"]


def test_generate_then_check(tmp_path: Path) -> None:
    code, output = run("inventory", "generate", str(tmp_path / "nat"), "--ministries", "2", "--provinces", "2")
    assert code == 0 and "devices in 5 sites" in output
    code, output = run("inventory", "check", "-i", str(tmp_path / "nat"), "--json")
    assert code == 0 and json.loads(output)["sites"] == 5


def test_generate_json(tmp_path: Path) -> None:
    code, output = run("inventory", "generate", str(tmp_path / "nat"), "--ministries", "1", "--provinces", "2",
                       "--format", "json")
    assert code == 0 and (tmp_path / "nat" / "hosts.json").is_file() and not (tmp_path / "nat" / "hosts.yml").exists()
    assert json.loads((tmp_path / "nat" / "hosts.json").read_text())["all"]["children"]["moj"]
    code, output = run("inventory", "check", "-i", str(tmp_path / "nat"), "--json")
    assert code == 0 and json.loads(output)["sites"] == 3


def test_generate_refuses_bad_options(tmp_path: Path) -> None:
    code, _ = run("inventory", "generate", str(tmp_path / "nat"), "--ministries", "0")
    assert code == 2 and not (tmp_path / "nat").exists()
