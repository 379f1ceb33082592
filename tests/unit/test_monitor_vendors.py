"""netkit's poller against real vendors' agents (snmpsim serving recorded walks of real devices), compared
with the recording itself and with Debian's prometheus-snmp-exporter scraping the same agent.

Agents listen on 127.0.0.x loopback ports; every agent and exporter is started and stopped here. The
recordings (tests/unit/data/snmprec, listed in docs/monitoring.md) are IF-MIB and system subtrees of walks
from snmpsim-data. The quirk tests change a recording and restart the agent, as a device would change.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from netkit.monitor.exporter.cache import DYNAMIC_COLUMNS, MonitorCache
from netkit.monitor.exporter.collectors import collectors_for
from netkit.monitor.exporter.families import render_metrics
from netkit.monitor.exporter.plan import DeviceSpec, MonitorPlan
from netkit.monitor.exporter.shard import Shard
from netkit.monitor.exporter.snmp_client import AgentAddress, EnginePool, PysnmpTransport
from netkit.monitor.exporter.snmp_poller import DevicePoller, PollSettings
from pysnmp.hlapi.v3arch.asyncio import CommunityData
from snmp_exporter_run import SnmpExporter
from snmpsim_agent import SimAgent, recording

pytestmark = pytest.mark.skipif(not (shutil.which("prometheus-snmp-exporter") and shutil.which("snmpget")),
                                reason="needs Debian's prometheus-snmp-exporter and snmp (make deps)")

VENDORS = {  # recording -> what it is
    "cisco-c3560": "Cisco IOS 12.2 (Catalyst 3560)",
    "cisco-unmarked-0": "Cisco IOS (router without 64-bit counters)",
    "juniper-mx960-13-3r9-13": "Juniper Junos 13.3 (MX960)",
    "huawei-s5720": "Huawei VRP (S5720)",
    "arista-dcs-7150s-52-cl": "Arista EOS 4.20 (DCS-7150S)",
}
IF, IF_X = "1.3.6.1.2.1.2.2.1.", "1.3.6.1.2.1.31.1.1.1."
COUNTERS = ((IF_X + "6", IF + "10"), (IF_X + "10", IF + "16"), (IF_X + "7", IF + "11"), (IF_X + "11", IF + "17"),
            (IF + "14", None), (IF + "20", None), (IF + "13", None), (IF + "19", None), (IF + "8", None), (IF + "7", None))
EXPORTER_NAMES = ("ifHCInOctets", "ifHCOutOctets", "ifHCInUcastPkts", "ifHCOutUcastPkts", "ifInErrors", "ifOutErrors",
                  "ifInDiscards", "ifOutDiscards", "ifOperStatus", "ifAdminStatus")
LEGACY_NAMES = {"ifHCInOctets": "ifInOctets", "ifHCOutOctets": "ifOutOctets", "ifHCInUcastPkts": "ifInUcastPkts",
                "ifHCOutUcastPkts": "ifOutUcastPkts"}
assert len(COUNTERS) == len(DYNAMIC_COLUMNS)


# ----------------------------------------------------------------------------- the recording's truth
def parse(text: str) -> dict[str, int | bytes]:
    out: dict[str, int | bytes] = {}
    for line in text.splitlines():
        name, tag, value = line.split("|", 2)
        tag = tag.split(":")[0]
        if tag == "4x":
            out[name] = bytes.fromhex(value)
        elif tag == "4":
            out[name] = value.encode()
        elif tag in ("2", "65", "66", "67", "70"):
            out[name] = int(value)
    return out


def expected(text: str) -> dict[int, dict[str, Any]]:
    mib = parse(text)
    rows = {}
    for key in mib:
        if not key.startswith(IF + "1."):
            continue
        index = int(key.rsplit(".", 1)[1])

        def col(base: str, i: int = index) -> int | bytes | None:
            return mib.get(f"{base}{i}")
        name = col(IF_X + "1.") or col(IF + "2.")
        high, speed = col(IF_X + "15."), col(IF + "5.")
        values = []
        for wide, narrow in COUNTERS:
            v = col(wide + ".")
            values.append(col(narrow + ".") if v is None and narrow else v)
        rows[index] = {"name": bytes(name or b"").decode(), "alias": bytes(col(IF_X + "18.") or b"").decode(),
                       "speed": float(high) * 1e6 if isinstance(high, int) else float(speed or 0),
                       "values": tuple(values)}
    return rows


# ----------------------------------------------------------------------------- agents and pollers
def free_udp_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def vendors() -> Iterator[tuple[SimAgent, SnmpExporter]]:
    host = "127.0.0.191"
    with SimAgent(host, free_udp_port(host), {n: recording(n) for n in VENDORS}) as agent, \
            SnmpExporter(free_udp_port("127.0.0.1"), (*VENDORS, "public")) as exporter:
        yield agent, exporter


class Rig:
    """DevicePollers for agents on 127.0.0.x, one engine, all inside one event loop."""

    def __init__(self) -> None:
        self.engines = EnginePool()
        self.devices: list[DeviceSpec] = []
        self.pollers: list[DevicePoller] = []
        self.cache: MonitorCache | None = None

    def add(self, name: str, host: str, port: int, community: str, timeout: float = 2.0,
            settings: PollSettings | None = None) -> DevicePoller:
        spec = DeviceSpec(name, "lab-site", "moj", "Phnom Penh", "site-router", host, port, True)
        self.devices.append(spec)
        self.cache = MonitorCache(MonitorPlan(Shard(), tuple(self.devices), (), (), ()))
        transport = PysnmpTransport(self.engines.engine("vendors"), CommunityData(community, mpModel=1),
                                    AgentAddress(host, port, timeout, 0), name)
        poller = DevicePoller(self.cache.devices[name], lambda: transport,
                              settings or PollSettings(routing_peers=False))
        for p in self.pollers:  # one cache for all, as the exporter has
            p.state = self.cache.devices[p.state.spec.name]
        self.pollers.append(poller)
        return poller

    def metrics(self) -> str:
        assert self.cache is not None
        for p in self.pollers:
            self.cache.devices[p.state.spec.name] = p.state
        return render_metrics(collectors_for(self.cache)).decode()


def rows_of(poller: DevicePoller) -> dict[int, dict[str, Any]]:
    return {r.index: {"name": r.name, "alias": r.alias, "speed": r.speed_bps, "values": r.values}
            for r in poller.state.interfaces}


def exporter_rows(scrape: dict[str, dict[int, float | str]]) -> dict[int, dict[str, Any]]:
    out = {}
    for index in scrape["ifOperStatus"]:
        values = []
        for name in EXPORTER_NAMES:
            v = scrape.get(name, {}).get(index)
            if v is None and name in LEGACY_NAMES:
                v = scrape.get(LEGACY_NAMES[name], {}).get(index)
            values.append(None if v is None else int(v))
        high = scrape.get("ifHighSpeed", {}).get(index)
        out[index] = {"name": scrape.get("ifName", {}).get(index) or scrape["ifDescr"].get(index),
                      "alias": scrape.get("ifAlias", {}).get(index, ""),
                      "speed": float(high) * 1e6 if high is not None else float(scrape["ifSpeed"][index]),
                      "values": tuple(values)}
    return out


# ----------------------------------------------------------------------------- vendors
@pytest.mark.parametrize("name", sorted(VENDORS))
def test_every_interface_equals_the_recording_and_snmp_exporter(vendors: tuple[SimAgent, SnmpExporter],
                                                                 name: str) -> None:
    agent, exporter = vendors
    rig = Rig()
    poller = rig.add(name, agent.host, agent.port, name)
    asyncio.run(poller.poll())
    assert poller.state.up, poller.state.last_error
    got = rows_of(poller)
    truth = expected(recording(name))
    assert got == truth
    seen = exporter_rows(exporter.scrape(f"{agent.host}:{agent.port}", name))
    assert got == seen
    body = rig.metrics()
    for row in poller.state.interfaces:  # and the exporter's own text says the same
        assert f"netkit_interface_receive_bytes_total{row.label_text} {row.values[0]}" in body
        assert f"netkit_interface_oper_up{row.label_text} {int(row.values[8] == 1)}" in body
    if name == "arista-dcs-7150s-52-cl":
        assert max(got) == 5000001  # ifIndex above 65535
    if name == "cisco-unmarked-0":  # 64-bit counters for one interface only: the rest read 32-bit ones
        assert poller.legacy_counters

