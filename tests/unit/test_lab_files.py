"""What the lab writes for each device (FRR, snmpd, sshd, start script), its credentials, its wrappers."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml
from netkit.inventory import load_inventory
from netkit.inventory.credentials import resolve_set
from netkit.lab import daemons
from netkit.lab.access import (
    LabCredentials,
    generate_credentials,
    lab_username,
    write_credentials,
    write_scripts,
)
from netkit.lab.plan import LabPlan, plan_lab


@pytest.fixture(scope="module")
def plan() -> LabPlan:
    return plan_lab(load_inventory(), "nk-")


def test_snmpd_config_is_v3_authpriv_with_agentx_and_v2c_only_when_allowed(plan: LabPlan) -> None:
    creds = generate_credentials("netkit-lab")
    dev = plan.devices["moj-hq-r1"]
    text = daemons.snmpd_config(plan, dev, creds, "HQ, Phnom Penh")
    assert "agentAddress udp:198.19.0.21:161" in text
    assert "master agentx" in text and "agentXSocket tcp:127.0.0.1:705" in text
    assert f'createUser netkit SHA "{creds.snmp_auth_key}" AES "{creds.snmp_priv_key}"' in text
    assert "rouser netkit priv" in text
    assert "community" not in text
    v2c = daemons.snmpd_config(plan, dev.model_copy(update={"allow_v2c": True}), creds, "HQ")
    assert f"rocommunity {creds.snmp_community} 198.19.0.0/24" in v2c


def test_sshd_config_is_password_only_on_the_management_address(plan: LabPlan) -> None:
    dev = plan.devices["dc-core1"]
    text = daemons.sshd_config(dev, daemons.DeviceFiles.of(plan, "dc-core1"), "netkit-lab")
    for line in ("ListenAddress 198.19.0.11:22", "UsePAM no", "PasswordAuthentication yes", "PermitRootLogin no",
                 "AllowUsers netkit-lab", "SetEnv NETKIT_FRR_PATHSPACE=nk-dc-core1"):
        assert line in text.splitlines()


def test_factory_config_has_only_hostname_agentx_and_management(plan: LabPlan) -> None:
    text = daemons.factory_config(plan.devices["moj-ratanakiri-r1"])
    assert "hostname moj-ratanakiri-r1" in text and "agentx" in text
    assert "interface eth0" in text and "ip address 198.19.0.22/24" in text
    assert "router " not in text and "eth1" not in text
    assert "hostname moj-ratanakiri-r1" in daemons.vtysh_config(plan.devices["moj-ratanakiri-r1"])


def test_frr_daemons_load_the_snmp_module(plan: LabPlan) -> None:
    text = daemons.daemons_file()
    for d in ("zebra", "bgpd", "ospfd"):
        assert f"{d}=yes" in text and any(ln.startswith(f"{d}_options=") and "-M snmp" in ln for ln in text.splitlines())
    assert "staticd=yes" in text


def test_start_scripts(plan: LabPlan) -> None:
    router = daemons.start_script(plan, plan.devices["dc-core1"], daemons.DeviceFiles.of(plan, "dc-core1"))
    lines = router.splitlines()
    snmpd = next(i for i, ln in enumerate(lines) if "/usr/sbin/snmpd" in ln)
    frr = next(i for i, ln in enumerate(lines) if "frrinit.sh start nk-dc-core1" in ln)
    sshd = next(i for i, ln in enumerate(lines) if "/usr/sbin/sshd" in ln)
    assert "hostname dc-core1" in lines and snmpd < frr < sshd  # AgentX master before its subagents
    assert "net.ipv4.conf.eth0.forwarding=0" in router  # never route from the management port
    service = daemons.start_script(plan, plan.devices["verify-svc"], daemons.DeviceFiles.of(plan, "verify-svc"))
    assert "netkit.lab.service_http --name verify-svc --address 198.18.0.193 --port 80" in service
    assert "frrinit" not in service
    assert "syslog_forward" not in service


def test_routers_log_every_command_and_forward_it_to_the_noc(plan: LabPlan) -> None:
    dev = plan.devices["moj-ratanakiri-r1"]
    options = [ln for ln in daemons.daemons_file(daemons.frr_log(dev)).splitlines() if "_options=" in ln]
    assert options and all(f"--log file:{daemons.frr_log(dev)}" in ln and "--command-log-always" in ln
                           for ln in options)
    files = daemons.DeviceFiles.of(plan, "moj-ratanakiri-r1")
    script = daemons.start_script(plan, dev, files)
    forward = next(ln for ln in script.splitlines() if "netkit.lab.syslog_forward" in ln)
    assert "--source 198.19.0.22 --to 198.19.0.1:514" in forward  # from the management address to the NOC
    assert f"--file sshd={files.sshd_log}" in forward and f"echo $! > {files.syslog_pid}" in forward
    assert daemons.daemon_pidfiles(dev, files)["syslog-forward"] == files.syslog_pid  # stopped by lab down


def test_credentials_file_is_owner_only_and_netkit_reads_it(tmp_path: Path) -> None:
    creds = generate_credentials(lab_username("nk-"))
    other = generate_credentials(lab_username("nk-"))
    assert creds.username == "netkit-lab" and creds.password != other.password
    assert len(creds.snmp_auth_key) >= 16 and len(creds.snmp_priv_key) >= 16  # net-snmp wants 8 or more
    path = tmp_path / "lab" / "credentials.yml"
    write_credentials(path, creds)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(yaml.safe_load(path.read_text())) == {"username", "password", "snmp_auth_key", "snmp_priv_key",
                                                     "snmp_community"}
    assert LabCredentials.model_validate(yaml.safe_load(path.read_text())) == creds
    resolved = resolve_set(load_inventory(), "lab", lab_file=path)
    assert resolved.username == creds.username and resolved.password.get_secret_value() == creds.password
    assert resolved.snmp_auth_key is not None and resolved.snmp_auth_key.get_secret_value() == creds.snmp_auth_key
    assert lab_username("nkt-") != "netkit-lab"


def _run(script: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run([str(script), *args], capture_output=True, text=True, check=True,
                          env={"PATH": os.environ["PATH"], **(env or {})}).stdout.strip()


def test_vtysh_and_frr_reload_wrappers_aim_at_the_device(tmp_path: Path) -> None:
    shell = write_scripts(tmp_path, "nk-", vtysh="/bin/echo", frr_reload="/bin/echo")
    vtysh, reload = tmp_path / "path" / "vtysh", tmp_path / "path" / "frr-reload.py"
    env = {"NETKIT_FRR_PATHSPACE": "nk-r1"}
    assert _run(vtysh, "-c", "show version", env=env) == "-N nk-r1 -c show version"
    assert _run(vtysh, "-c", "-N", env=env) == "-N nk-r1 -c -N"  # a command's text is never an option
    host = subprocess.run(["hostname"], capture_output=True, text=True).stdout.strip()
    assert _run(vtysh, "-N", host, "-c", "x", env=env) == "-N nk-r1 -c x"  # -N $(hostname) mapped
    assert _run(vtysh, "-N", "other", env=env) == "-N other"
    assert _run(vtysh, "-c", "x") == f"-N nk-{host} -c x"  # no environment: prefix + hostname
    assert _run(reload, "--test", "f.conf", env=env) == "--rundir /var/run/frr/nk-r1 --pathspace nk-r1 --test f.conf"
    assert _run(reload, "--pathspace", host, "--test", "f", env=env) == \
        "--rundir /var/run/frr/nk-r1 --pathspace nk-r1 --test f"
    # An exec request runs in a Linux shell with the wrappers first on PATH.
    assert _run(shell, "-c", "command -v vtysh", env=env) == str(vtysh)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving files to another user needs root")
def test_lab_user_files_are_removed_and_nothing_else(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from netkit.lab import access

    uid = 4242  # no such user needed: ownership is all that counts
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "theirs").write_text("x")
    (tmp_path / "keep" / "ours").write_text("x")
    (tmp_path / "ours").mkdir()
    (tmp_path / "ours" / "deep").mkdir()
    (tmp_path / "ours" / "deep" / "theirs").write_text("x")  # inside a directory of ours: goes with it
    (tmp_path / "link").symlink_to(tmp_path / "keep")  # a link of ours: removed, never followed
    for path in ("keep/ours", "ours", "ours/deep", "link"):
        os.lchown(tmp_path / path, uid, -1)
    monkeypatch.setattr(access, "ROUTER_SCRATCH_DIRS", (tmp_path, tmp_path / "missing"))
    access._remove_files_of(uid)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == ["keep", "keep/theirs"]
