"""The quirks real agents have, each played by snmpsim from a changed recording of a real device
(Huawei S5720), polled by netkit and, where it can, by snmp_exporter too."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from netkit.monitor.exporter.snmp_poller import PollSettings
from snmp_exporter_run import SnmpExporter, module_name
from snmp_toobig_proxy import TooBigProxy
from snmpsim_agent import SimAgent, recording
from test_monitor_vendors import IF_X, Rig, expected, exporter_rows, free_udp_port, pytestmark, rows_of

__all__ = ["pytestmark"]
BASE = "huawei-s5720"
HOST = "127.0.0.192"


def drop(text: str, *prefixes: str) -> str:
    return "".join(line + "\n" for line in text.splitlines() if not line.startswith(prefixes))


def put(text: str, name: str, tag: str, value: str) -> str:
    lines = [line for line in text.splitlines() if not line.startswith(name + "|")]
    lines.append(f"{name}|{tag}|{value}")
    return "".join(line + "\n" for line in sorted(lines, key=lambda ln: tuple(int(p) for p in ln.split("|")[0].split("."))))


def rows_for_index(text: str, index: int) -> list[str]:
    return [line for line in text.splitlines()
            if re.match(rf"^1\.3\.6\.1\.2\.1\.(2\.2\.1|31\.1\.1\.1)\.\d+\.{index}\|", line)]


@pytest.fixture
def agent() -> Iterator[SimAgent]:
    with SimAgent(HOST, free_udp_port(HOST), {"public": recording(BASE)}) as a:
        yield a


@pytest.fixture(scope="module")
def exporter() -> Iterator[SnmpExporter]:
    with SnmpExporter(free_udp_port("127.0.0.1")) as e:
        yield e


def poll_once(agent: SimAgent, settings: PollSettings | None = None) -> Rig:
    rig = Rig()
    rig.add("r1", agent.host, agent.port, "public", settings=settings)
    asyncio.run(rig.pollers[0].poll())
    return rig


def test_no_64_bit_counters_falls_back_to_32_bits(agent: SimAgent, exporter: SnmpExporter) -> None:
    text = drop(recording(BASE), *(IF_X + c + "." for c in ("6", "7", "10", "11")))
    agent.restart({"public": text})
    rig = poll_once(agent)
    poller = rig.pollers[0]
    assert poller.state.up and poller.legacy_counters
    assert rows_of(poller) == expected(text) == exporter_rows(exporter.scrape(f"{agent.host}:{agent.port}"))
    assert any(r.values[0] for r in poller.state.interfaces)  # real traffic figures, from ifInOctets


def test_missing_ifname_names_interfaces_by_ifdescr(agent: SimAgent, exporter: SnmpExporter) -> None:
    text = drop(recording(BASE), IF_X + "1.")
    agent.restart({"public": text})
    poller = poll_once(agent).pollers[0]
    descr = {i: r["name"] for i, r in expected(text).items()}
    assert {r.index: r.name for r in poller.state.interfaces} == descr
    assert rows_of(poller) == exporter_rows(exporter.scrape(f"{agent.host}:{agent.port}"))


def test_interfaces_appearing_and_vanishing_between_polls(agent: SimAgent) -> None:
    rig = Rig()
    poller = rig.add("r1", agent.host, agent.port, "public", settings=PollSettings(routing_peers=False))

    async def run() -> None:
        await poller.poll()
        assert 6 in {r.index for r in poller.state.interfaces}
        text = drop(recording(BASE), *(line.split("|")[0] + "|" for line in rows_for_index(recording(BASE), 6)))
        new = [re.sub(r"\.6\|", ".70001|", line) for line in rows_for_index(recording(BASE), 6)]
        new = [f"{IF_X}1.70001|4|Tunnel70001" if line.startswith(IF_X + "1.") else line for line in new]
        for line in new:
            text = put(text, *line.split("|", 2))
        agent.restart({"public": text})
        await poller.poll()
        rows = {r.index: r.name for r in poller.state.interfaces}
        assert 6 not in rows and rows[70001] == "Tunnel70001"
        assert rows_of(poller) == expected(text)
    asyncio.run(run())


def test_reboot_rereads_renumbered_interfaces(agent: SimAgent) -> None:
    rig = Rig()
    poller = rig.add("r1", agent.host, agent.port, "public", settings=PollSettings(routing_peers=False))
    base = recording(BASE)

    async def run() -> None:
        await poller.poll()
        before = {r.index: r.name for r in poller.state.interfaces}
        uptime = poller.state.uptime_seconds
        text = put(base, "1.3.6.1.2.1.1.3.0", "67", "4200")  # 42 s after a restart
        text = put(text, IF_X + "1.6", "4", before[7])  # ... which swapped two ifIndexes
        text = put(text, IF_X + "1.7", "4", before[6])
        agent.restart({"public": text})
        await poller.poll()
        assert uptime and poller.state.uptime_seconds == 42.0 < uptime
        after = {r.index: r.name for r in poller.state.interfaces}
        assert (after[6], after[7]) == (before[7], before[6])  # not the names cached before the reboot
    asyncio.run(run())


def test_slow_agent_never_holds_up_a_scrape_or_another_device(agent: SimAgent) -> None:
    slow = put(recording(BASE), "1.3.6.1.2.1.1.3.0", "67:delay", "value=1747082970,wait=700,deviation=200")
    agent.restart({"public": slow})
    host = "127.0.0.193"
    with SimAgent(host, free_udp_port(host), {"public": recording(BASE)}) as fast:
        rig = Rig()
        slow_poller = rig.add("slow", agent.host, agent.port, "public", timeout=3.0)
        fast_poller = rig.add("fast", fast.host, fast.port, "public")

        async def run() -> None:
            slow_task = asyncio.create_task(slow_poller.poll())
            await fast_poller.poll()
            assert fast_poller.state.up and not slow_task.done()
            scrape_started = time.perf_counter()
            body = rig.metrics()  # what /metrics serves while the slow agent is still being asked
            assert time.perf_counter() - scrape_started < 0.5  # waiting for the slow agent would take >= 0.5 s
            assert 'netkit_device_up{device="fast"' in body
            await slow_task
            assert slow_poller.state.up and slow_poller.state.poll_duration is not None
            assert slow_poller.state.poll_duration >= 0.45  # the agent's delay is real; the fast one finished first (above)
        asyncio.run(run())


def test_agent_slower_than_the_timeout_counts_a_timeout(agent: SimAgent) -> None:
    agent.restart({"public": put(recording(BASE), "1.3.6.1.2.1.1.3.0", "67:delay", "value=1,wait=2500")})
    rig = Rig()
    poller = rig.add("r1", agent.host, agent.port, "public", timeout=1.0)
    asyncio.run(poller.poll())
    assert not poller.state.up and poller.state.errors["timeout"] == 1


def test_tooBig_answers_shrink_the_requests(agent: SimAgent, exporter: SnmpExporter) -> None:
    port = free_udp_port(HOST)
    with TooBigProxy((HOST, port), (agent.host, agent.port), limit=1472) as proxy:
        rig = Rig()
        poller = rig.add("r1", HOST, port, "public", settings=PollSettings(routing_peers=False))
        asyncio.run(poller.poll())
        assert poller.state.up, poller.state.last_error
        assert proxy.answered_too_big >= 1 and poller.walker.too_big >= 1
        assert poller.walker.max_varbinds < 100 and proxy.largest_passed <= 1472
        assert rows_of(poller) == expected(recording(BASE))
        assert rows_of(poller) == exporter_rows(exporter.scrape(f"{HOST}:{port}"))  # gosnmp shrinks too


def test_binary_and_non_utf8_aliases_become_valid_labels(agent: SimAgent, exporter: SnmpExporter) -> None:
    text = put(recording(BASE), IF_X + "18.5", "4x", "fffe00410a07")  # binary
    text = put(text, IF_X + "18.6", "4x", "636166e9")  # "café" in Latin-1
    text = put(text, IF_X + "18.7", "4x", "4b6162756c20e2809320486572617420d988d984d8a7db8cd8aa00")  # UTF-8, NUL-padded
    agent.restart({"public": text})
    rig = poll_once(agent)
    aliases = {r.index: r.alias for r in rig.pollers[0].state.interfaces}
    assert (aliases[5], aliases[6], aliases[7]) == ("0xFFFE00410A07", "0x636166E9", "Kabul – Herat ولایت")
    body = rig.metrics()
    body.encode("utf-8")  # valid UTF-8 throughout
    assert 'alias="0xFFFE00410A07"' in body and 'alias="Kabul – Herat ولایت"' in body
    r = httpx.get(f"http://127.0.0.1:{exporter.port}/snmp", params={"module": module_name("public"),
                  "target": f"{agent.host}:{agent.port}"}, timeout=30, trust_env=False)
    assert r.status_code == 500 and "not valid UTF-8" in r.text  # snmp_exporter 0.21 loses the whole device
