"""The SNMP poller against a fake agent that answers GETBULK like net-snmp (at most 100 varbinds)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.monitor.exporter.cache import MonitorCache
from netkit.monitor.exporter.plan import build_plan
from netkit.monitor.exporter.snmp_client import Oid, SnmpError, Value, VarBind, oid, walk_columns
from netkit.monitor.exporter.snmp_poller import DYNAMIC_OIDS, STATIC_OIDS, SYS_UPTIME, DevicePoller, PollSettings


class FakeAgent:
    """An agent's MIB as a sorted list of (oid, value); GETBULK semantics with a response cap."""

    def __init__(self, mib: dict[Oid, Value], cap: int = 100) -> None:
        self.mib = sorted(mib.items())
        self.cap = cap
        self.requests: list[tuple[tuple[Oid, ...], int]] = []
        self.fail: SnmpError | None = None

    def _next(self, start: Oid) -> VarBind:
        for name, value in self.mib:
            if name > start:
                return name, value
        return start, None  # endOfMibView

    async def get(self, oids: Sequence[Oid]) -> list[VarBind]:
        if self.fail:
            raise self.fail
        table = dict(self.mib)
        return [(o, table.get(o)) for o in oids]

    async def bulk(self, oids: Sequence[Oid], max_repetitions: int) -> list[VarBind]:
        if self.fail:
            raise self.fail
        self.requests.append((tuple(oids), max_repetitions))
        out: list[VarBind] = []
        cursor = list(oids)
        for _ in range(max_repetitions):
            for i, start in enumerate(cursor):
                name, value = self._next(start)
                out.append((name, value))
                cursor[i] = name
                if len(out) >= self.cap:
                    return out
        return out


def agent_with(interfaces: int, octets: int = 1000) -> dict[Oid, Value]:
    mib: dict[Oid, Value] = {SYS_UPTIME: 4242, oid("1.3.6.1.2.1.1.5.0"): "r1"}
    for i in range(1, interfaces + 1):
        for col, base in zip(DYNAMIC_OIDS, range(10), strict=True):
            mib[(*col, i)] = 1 if base >= 8 else octets * i + base
        mib[(*STATIC_OIDS[0], i)] = f"eth{i}"
        mib[(*STATIC_OIDS[1], i)] = f"alias {i}"
        mib[(*STATIC_OIDS[2], i)] = 1000
    mib[(*oid("1.3.6.1.2.1.15.3.1.2"), 198, 18, 16, 33)] = 6
    return mib


def test_walk_columns_follows_each_column_to_its_end() -> None:
    agent = FakeAgent(agent_with(230))
    tables = asyncio.run(walk_columns(agent, list(DYNAMIC_OIDS)))
    assert [len(t) for t in tables] == [230] * 10
    assert tables[0][(7,)] == 7000
    assert all(len(oids) * reps <= 100 for oids, reps in agent.requests)  # sized to the agent's cap
    assert len(agent.requests) <= 25  # ~2300 values / 100 per response, plus the tail


def test_walk_of_a_missing_column_ends_at_once() -> None:
    agent = FakeAgent({SYS_UPTIME: 1})
    assert asyncio.run(walk_columns(agent, [oid("1.3.6.1.2.1.14.10.1.6")])) == [{}]


def _poller(clock: list[float]) -> tuple[DevicePoller, FakeAgent]:
    inv = load_inventory(DEFAULT_INVENTORY)
    cache = MonitorCache(build_plan(inv))
    agent = FakeAgent(agent_with(3))
    return DevicePoller(cache.devices["moj-hq-r1"], lambda: agent, PollSettings(static_every=600),
                        clock=lambda: clock[0]), agent


def test_poll_fills_the_state_and_caches_static_columns() -> None:
    clock = [1000.0]
    poller, agent = _poller(clock)
    asyncio.run(poller.poll())
    st = poller.state
    assert st.up and st.uptime_seconds == 42.42 and st.last_success == 1000.0
    assert [(r.name, r.alias, r.value("in_octets"), r.value("oper_status")) for r in st.interfaces] == [
        ("eth1", "alias 1", 1000, 1), ("eth2", "alias 2", 2000, 1), ("eth3", "alias 3", 3000, 1)]
    assert st.interfaces[0].speed_bps == 1e9
    assert st.bgp_peers == (("198.18.16.33", True),)
    static_requests = [r for r in agent.requests if r[0][0][:len(STATIC_OIDS[0])] == STATIC_OIDS[0]]
    assert len(static_requests) == 1
    agent.requests.clear()
    clock[0] += 30
    asyncio.run(poller.poll())  # second cycle: no static columns asked for
    assert not [r for r in agent.requests if r[0][0][:len(STATIC_OIDS[0])] == STATIC_OIDS[0]]
    clock[0] += 600
    asyncio.run(poller.poll())  # static refresh due again
    assert [r for r in agent.requests if r[0][0][:len(STATIC_OIDS[0])] == STATIC_OIDS[0]]


def test_new_interface_refreshes_names_at_once() -> None:
    clock = [1000.0]
    poller, agent = _poller(clock)
    asyncio.run(poller.poll())
    agent.mib = sorted(agent_with(4).items())
    clock[0] += 30
    asyncio.run(poller.poll())
    assert [r.name for r in poller.state.interfaces] == ["eth1", "eth2", "eth3", "eth4"]


def test_failure_is_counted_by_reason_and_keeps_last_success() -> None:
    clock = [1000.0]
    poller, agent = _poller(clock)
    asyncio.run(poller.poll())
    agent.fail = SnmpError("auth", "moj-hq-r1 (198.19.0.21): Wrong SNMP PDU digest")
    clock[0] += 30
    asyncio.run(poller.poll())
    st = poller.state
    assert not st.up and st.errors == {"timeout": 0, "auth": 1, "other": 0}
    assert st.last_success == 1000.0 and "digest" in st.last_error


def test_forget_engine_id_drops_only_that_agent() -> None:
    from netkit.monitor.exporter.snmp_client import forget_engine_id
    from pysnmp.entity.engine import SnmpEngine

    engine = SnmpEngine()
    v3 = next(m for m in engine.message_processing_subsystems.values()
              if hasattr(m, "_SnmpV3MessageProcessingModel__engineIdCache"))
    cache = v3._SnmpV3MessageProcessingModel__engineIdCache
    queue = v3._SnmpV3MessageProcessingModel__engineIdCacheExpQueue
    a, b = ((1, 3, 6, 1, 6, 1, 1), ("198.18.1.1", 161)), ((1, 3, 6, 1, 6, 1, 1), ("198.18.1.2", 161))
    cache.update({a: {"securityEngineId": b"x"}, b: {"securityEngineId": b"y"}})
    queue[300] = [a, b]
    forget_engine_id(engine, "198.18.1.1", 161)
    assert list(cache) == [b] and queue[300] == [b]


def test_the_shared_socket_gets_a_large_receive_buffer() -> None:
    """Dozens of 100-value answers arriving together must not overflow the one socket of an engine."""
    import socket
    from pathlib import Path

    from netkit.inventory.credentials import Credentials
    from netkit.monitor.exporter.snmp_client import RECEIVE_BUFFER, AgentAddress, EnginePool, PysnmpTransport, auth_data
    from pydantic import SecretStr
    from pysnmp.carrier.asyncio.dgram import udp

    async def buffer_size() -> int:
        pool = EnginePool()
        engine = pool.engine("test")
        creds = Credentials(username="x", password=SecretStr("x"), snmp_user="netkit",
                            snmp_community=SecretStr("public"))
        transport = PysnmpTransport(engine, auth_data(creds, True), AgentAddress("127.0.0.1", 9), "r1")
        await transport._target()  # opens the engine's UDP socket; nothing is sent
        try:
            for _ in range(100):
                protocol = engine.transport_dispatcher.get_transport(udp.DOMAIN_NAME)
                if protocol.transport is not None:
                    sock = protocol.transport.get_extra_info("socket")
                    return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
                await asyncio.sleep(0.01)
            raise AssertionError("the engine's UDP socket was never opened")
        finally:
            pool.close()

    rmem_max = int(Path("/proc/sys/net/core/rmem_max").read_text())
    # Linux reports twice the size asked for (its bookkeeping overhead); the default is rmem_default.
    assert asyncio.run(buffer_size()) // 2 >= min(RECEIVE_BUFFER, rmem_max)


def test_an_engine_without_the_raw_varbind_spec_is_refused(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Responses are decoded only by snmp_fastpdu: a pysnmp it cannot hook into is an error, not a slow path."""
    import pytest
    from netkit.monitor.exporter import snmp_fastpdu
    from netkit.monitor.exporter.snmp_client import EnginePool

    monkeypatch.setattr(snmp_fastpdu, "install", lambda engine: False)
    with pytest.raises(SnmpError) as e:
        EnginePool().engine("test")
    assert e.value.reason == "other"


def test_display_text_keeps_text_and_hexes_bytes() -> None:
    from netkit.monitor.exporter.snmp_quirks import display_text

    def raw(b: bytes) -> str:
        return b.decode("utf-8", "surrogateescape")  # as snmp_fastpdu decodes an OCTET STRING
    assert display_text(raw("uplink to Herat – ولایت".encode())) == "uplink to Herat – ولایت"
    assert display_text(raw(b"Gi0/1\x00\x00")) == "Gi0/1"
    assert display_text(raw(b"caf\xe9")) == "0x636166E9"
    assert display_text(raw(b"\x00\x1b\x21\x3a\x4f\x01")) == "0x001B213A4F01"
    assert display_text(None) == ""
