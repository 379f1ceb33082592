"""The factory lab answers like real devices: SSH (netmiko, exec channels, frr-reload), SNMPv3, HTTP."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import paramiko
import pytest
from netmiko import ConnectHandler
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    get_cmd,
    usmAesCfb128Protocol,
    usmHMACSHAAuthProtocol,
)

if TYPE_CHECKING:
    from tests.lab.conftest import Lab

pytestmark = pytest.mark.lab
LAB_MODE = "factory"

SYS_NAME = "1.3.6.1.2.1.1.5.0"
BGP_VERSION = "1.3.6.1.2.1.15.1.0"  # BGP4-MIB, answered by bgpd through AgentX
OSPF_ROUTER_ID = "1.3.6.1.2.1.14.1.1.0"  # OSPF-MIB, answered by ospfd through AgentX


def _netmiko_session(lab: Lab, device: str) -> dict[str, str]:
    with ConnectHandler(**lab.netmiko_params(device)) as conn:
        return {"prompt": conn.find_prompt(), "version": conn.send_command("show version")}


def test_every_router_answers_ssh_like_a_router(lab: Lab) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        sessions = dict(zip(lab.routers, pool.map(lambda d: _netmiko_session(lab, d), lab.routers), strict=True))
    for device, got in sessions.items():
        assert got["prompt"] == f"{device}#", device
        assert "FRRouting 8" in got["version"] and f"({device})" in got["version"], device


def _ssh(lab: Lab, device: str) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(lab.mgmt(device), username=lab.credentials.username, password=lab.credentials.password,
                   look_for_keys=False, allow_agent=False, timeout=10)
    return client


def _run(client: paramiko.SSHClient, command: str) -> tuple[int, str, str]:
    _, out, err = client.exec_command(command, timeout=30)
    code = out.channel.recv_exit_status()
    return code, out.read().decode(), err.read().decode()


def test_exec_channel_is_a_linux_shell_with_vtysh_and_frr_reload(lab: Lab) -> None:
    device = "moj-hq-r1"
    ns = lab.ns(device)
    client = _ssh(lab, device)
    try:
        code, out, _ = _run(client, "hostname; id -nG")
        assert code == 0 and out.split()[0] == device and {"frr", "frrvty"} <= set(out.split()[1:])
        code, out, _ = _run(client, 'vtysh -c "show version"')
        assert code == 0 and f"({device})" in out
        code, out, _ = _run(client, 'vtysh -N "$(hostname)" -c "show running-config"')
        assert code == 0 and f"hostname {device}" in out
        candidate = "/tmp/netkit-labtest-cand.conf"
        _run(client, f"printf 'hostname {device}\\nagentx\\nip route 198.18.99.0/24 Null0\\n' > {candidate}")
        for flags in (f"--pathspace {ns}", "", '--pathspace "$(hostname)"'):
            code, out, err = _run(client, f"frr-reload.py --test --stdout {flags} {candidate}")
            assert code == 0, (flags, out, err)
            assert "ip route 198.18.99.0/24 Null0" in out.split("Lines To Add")[1], flags
        _run(client, f"rm -f {candidate}")
    finally:
        client.close()


def test_write_memory_as_the_lab_user(lab: Lab) -> None:
    device = "moc-hq-r1"
    with ConnectHandler(**lab.netmiko_params(device)) as conn:
        conn.send_config_set(["ip route 198.18.98.0/24 Null0"])
        out = conn.send_command("write memory")
    assert "[OK]" in out or "Configuration saved" in out, out
    with open(f"/etc/frr/{lab.ns(device)}/frr.conf") as saved:
        assert "ip route 198.18.98.0/24 Null0" in saved.read()
    lab.vtysh(device, "configure terminal\nno ip route 198.18.98.0/24 Null0")


def test_service_host_is_a_linux_host_with_http(lab: Lab) -> None:
    client = _ssh(lab, "verify-svc")
    try:
        code, out, _ = _run(client, "hostname")
        assert code == 0 and out.strip() == "verify-svc"
    finally:
        client.close()
    svc = lab.plan.device("verify-svc").service
    assert svc is not None
    probe = ("import urllib.request as u; o = u.build_opener(u.ProxyHandler({})); "
             f"r = o.open('http://{svc.address.ip}:{svc.port}/health', timeout=5); "
             "print(r.status, r.read().decode())")
    out = lab.exec("verify-svc", [sys.executable, "-c", probe]).stdout
    assert out.startswith("200 ") and '"status": "ok"' in out
    routes = lab.exec("verify-svc", "ip -4 route show").stdout
    assert f"{lab.plan.guard} via {svc.route_via}" in routes and "default" not in routes


async def _snmp_get(lab: Lab, devices: list[str], oid: str, v2c: str | None = None) -> dict[str, Any]:
    engine = SnmpEngine()
    auth = CommunityData(v2c, mpModel=1) if v2c else UsmUserData(
        lab.snmp_user, authKey=lab.credentials.snmp_auth_key, privKey=lab.credentials.snmp_priv_key,
        authProtocol=usmHMACSHAAuthProtocol, privProtocol=usmAesCfb128Protocol)

    async def one(device: str) -> Any:
        target = await UdpTransportTarget.create((lab.mgmt(device), 161), timeout=1 if v2c else 2,
                                                 retries=0 if v2c else 1)
        err_ind, err_status, _, var_binds = await get_cmd(
            engine, auth, target, ContextData(), ObjectType(ObjectIdentity(oid)), lookupMib=False)
        if err_ind or err_status:
            return f"error: {err_ind or err_status.prettyPrint()}"
        return var_binds[0][1]

    try:
        return dict(zip(devices, await asyncio.gather(*(one(d) for d in devices)), strict=True))
    finally:
        engine.close_dispatcher()


def test_every_device_answers_snmpv3_authpriv(lab: Lab) -> None:
    devices = list(lab.plan.devices)
    names = asyncio.run(_snmp_get(lab, devices, SYS_NAME))
    assert {d: str(v) for d, v in names.items()} == {d: d for d in devices}


def test_frr_answers_its_mibs_through_agentx(lab: Lab) -> None:
    router = lab.routers[0]
    for oid in (BGP_VERSION, OSPF_ROUTER_ID):
        value = asyncio.run(_snmp_get(lab, [router], oid))[router]
        assert not str(value).startswith("error") and "No Such" not in str(type(value).__name__), (oid, value)


def test_v2c_is_refused_unless_the_inventory_allows_it(lab: Lab) -> None:
    router = lab.routers[0]
    assert not lab.plan.device(router).allow_v2c
    value = asyncio.run(_snmp_get(lab, [router], SYS_NAME, v2c=lab.credentials.snmp_community))[router]
    assert str(value).startswith("error"), value


def test_credentials_file_is_owner_only_and_read_by_netkit(lab: Lab) -> None:
    from netkit.paths import lab_credentials_file

    assert oct(lab_credentials_file().stat().st_mode & 0o777) == "0o600"
    creds = lab.netkit_credentials("dc-core1")
    assert creds.username == lab.credentials.username
    assert creds.password.get_secret_value() == lab.credentials.password


def test_no_namespace_has_a_default_route_and_the_host_has_the_guard(lab: Lab) -> None:
    for device in lab.plan.devices:
        assert "default" not in lab.exec(device, "ip -4 route show; ip -6 route show").stdout, device
    host = subprocess.run(["ip", "-4", "route", "show"], capture_output=True, text=True).stdout
    assert f"unreachable {lab.plan.guard}" in host


def test_lab_shell_and_exec(lab: Lab) -> None:
    out = lab.netkit("lab", "exec", "moj-hq-r1", "--", "vtysh", "-c", "show version")
    assert out.returncode == 0 and "(moj-hq-r1)" in out.stdout, out.stderr
    out = lab.netkit("lab", "exec", "moj-hq-r1", "--", "sh", "-c", "hostname; exit 7")
    assert out.returncode == 7 and out.stdout.strip() == "moj-hq-r1"
    out = lab.netkit("lab", "exec", "no-such-device", "--", "true")
    assert out.returncode == 2 and "no lab device named 'no-such-device'" in out.stderr
    shell = lab.netkit("lab", "shell", "dc-core1", input="show version\n")
    assert shell.returncode == 0 and "(dc-core1)" in shell.stdout, shell.stderr
    shell = lab.netkit("lab", "shell", "dc-core1", "--bash", input="hostname\n")
    assert shell.returncode == 0 and "dc-core1" in shell.stdout.split(), shell.stderr


def test_second_lab_up_is_a_noop(lab: Lab) -> None:
    from netkit.lab.state import StateStore
    from netkit.paths import lab_dir

    before = StateStore(lab_dir()).load()
    assert before is not None and before.phase == "up"
    out = lab.netkit("lab", "up")
    assert out.returncode == 0 and "already up" in out.stdout, out.stderr
    after = StateStore(lab_dir()).load()
    assert after is not None and after.processes == before.processes and after.started_at == before.started_at


def test_status_shows_every_device_healthy_and_reachable(lab: Lab) -> None:
    out = lab.netkit("lab", "status", "--json")
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    assert status["healthy"] and status["up"] and not status["problems"]
    assert {d["name"] for d in status["devices"]} == set(lab.plan.devices)
    for d in status["devices"]:
        assert d["mgmt_reachable"] and all(d["daemons"].values()), d
        assert set(d["daemons"]) >= ({"zebra", "bgpd", "ospfd", "staticd", "snmpd", "sshd"} if d["kind"] == "router"
                                     else {"http", "snmpd", "sshd"})
    assert all(lk["a_state"] == "UP" and lk["b_state"] == "UP" for lk in status["links"])
