"""Poll one device: scalars, the dynamic IF-MIB columns every cycle, static columns on a slower cycle.

A poll writes its outcome into the device's `DeviceState` (interface table replaced in one assignment).
Failures become error counts by reason, never exceptions to the caller: one device never stops the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from netkit.monitor.exporter.cache import DYNAMIC_COLUMNS, DeviceState, InterfaceRow, label_text
from netkit.monitor.exporter.plan import INTERFACE_LABELS
from netkit.monitor.exporter.snmp_client import Oid, SnmpError, SnmpTransport, Value, oid
from netkit.monitor.exporter.snmp_quirks import (
    IF_DESCR,
    IF_SPEED,
    LEGACY_COUNTER_OIDS,
    ShrinkingWalk,
    display_text,
    interface_name,
    merge_legacy,
    needs_legacy,
    rebooted,
    speed_bps,
)

SYS_UPTIME = oid("1.3.6.1.2.1.1.3.0")
SS_CPU_IDLE = oid("1.3.6.1.4.1.2021.11.11.0")
MEM_TOTAL_REAL = oid("1.3.6.1.4.1.2021.4.5.0")
MEM_AVAIL_REAL = oid("1.3.6.1.4.1.2021.4.6.0")
SCALARS = (SYS_UPTIME, SS_CPU_IDLE, MEM_TOTAL_REAL, MEM_AVAIL_REAL)

IF_X = "1.3.6.1.2.1.31.1.1.1."
IF = "1.3.6.1.2.1.2.2.1."
# Same order as cache.DYNAMIC_COLUMNS.
DYNAMIC_OIDS: tuple[Oid, ...] = tuple(oid(o) for o in (
    IF_X + "6", IF_X + "10", IF_X + "7", IF_X + "11",  # ifHC{In,Out}Octets, ifHC{In,Out}UcastPkts
    IF + "14", IF + "20", IF + "13", IF + "19",  # if{In,Out}Errors, if{In,Out}Discards
    IF + "8", IF + "7",  # ifOperStatus, ifAdminStatus
))
# ifName, ifAlias, ifHighSpeed; ifDescr and ifSpeed for agents without ifName or ifHighSpeed (snmp_quirks)
STATIC_OIDS: tuple[Oid, ...] = (oid(IF_X + "1"), oid(IF_X + "18"), oid(IF_X + "15"), IF_DESCR, IF_SPEED)
BGP_PEER_STATE = oid("1.3.6.1.2.1.15.3.1.2")  # index: peer address; 6 = established
OSPF_NBR_STATE = oid("1.3.6.1.2.1.14.10.1.6")  # index: neighbour address + addressless index; 8 = full
assert len(DYNAMIC_OIDS) == len(DYNAMIC_COLUMNS)


@dataclass
class StaticTable:
    """ifName/ifAlias/ifHighSpeed by ifIndex, with each interface's label text rendered once."""

    rows: dict[int, tuple[str, str, float | None, tuple[str, ...], str]] = field(default_factory=dict)
    fetched_at: float = 0.0


@dataclass(frozen=True)
class PollSettings:
    max_varbinds: int = 100  # per GETBULK response
    static_every: float = 600.0  # seconds between refreshes of ifName/ifAlias/ifHighSpeed
    routing_peers: bool = True  # also walk BGP4-MIB / OSPF-MIB peer states


def _index(suffix: Oid) -> int | None:
    return suffix[0] if len(suffix) == 1 else None


def _int(value: Value) -> int | None:
    return value if isinstance(value, int) else None


class DevicePoller:
    def __init__(self, state: DeviceState, transport: Callable[[], SnmpTransport],
                 settings: PollSettings | None = None, clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.transport = transport  # built per poll so credentials are re-read (a lab may come up later)
        self.settings = settings or PollSettings()
        self.clock = clock
        self.static = StaticTable()
        self.walker = ShrinkingWalk(self.settings.max_varbinds)
        self.legacy_counters = False  # the agent lacks 64-bit counters for some interface: walk the 32-bit ones

    async def _refresh_static(self, agent: SnmpTransport) -> None:
        names, aliases, high_speeds, descrs, speeds = await self.walker.walk(agent, STATIC_OIDS)
        rows: dict[int, tuple[str, str, float | None, tuple[str, ...], str]] = {}
        for suffix in names.keys() | descrs.keys():
            index = _index(suffix)
            if index is None:
                continue
            name = interface_name(names.get(suffix), descrs.get(suffix), index)
            alias = display_text(aliases.get(suffix))
            labels = (*self.state.spec.labels, name, alias)
            rows[index] = (name, alias, speed_bps(high_speeds.get(suffix), speeds.get(suffix)),
                           labels, label_text(INTERFACE_LABELS, labels))
        self.static = StaticTable(rows, self.clock())

    def _static_due(self) -> bool:
        return not self.static.rows or self.clock() - self.static.fetched_at >= self.settings.static_every

    async def poll(self) -> None:
        started = time.perf_counter()
        state = self.state
        state.polls += 1
        try:
            agent = self.transport()
            scalars = dict(await agent.get(SCALARS))
            uptime = _int(scalars.get(SYS_UPTIME))
            restarted = rebooted(state.uptime_seconds, uptime / 100 if uptime is not None else None)
            if self._static_due() or restarted:  # after a restart, ifIndexes may have been renumbered
                await self._refresh_static(agent)
            columns = list(DYNAMIC_OIDS)
            if self.settings.routing_peers:
                columns += [BGP_PEER_STATE, OSPF_NBR_STATE]
            if self.legacy_counters:
                columns += LEGACY_COUNTER_OIDS
            tables = await self.walker.walk(agent, columns)
            tables = self._fall_back_to_32_bits(tables)
            if needs_legacy(tables[0], tables[8]) and not self.legacy_counters:
                self.legacy_counters = True  # found out this cycle: ask for the 32-bit columns now and from now on
                legacy = await self.walker.walk(agent, LEGACY_COUNTER_OIDS)
                counters, _ = merge_legacy(tables[:len(LEGACY_COUNTER_OIDS)], legacy)
                tables = counters + tables[len(LEGACY_COUNTER_OIDS):]
            indexes = {i for suffix in tables[0].keys() | tables[8].keys() for i in [_index(suffix)] if i is not None}
            if indexes - self.static.rows.keys():  # an interface appeared: its name is needed now
                await self._refresh_static(agent)
        except SnmpError as e:
            state.poll_duration = time.perf_counter() - started
            state.record_error(e.reason, str(e))
            return
        except (TimeoutError, OSError) as e:
            state.poll_duration = time.perf_counter() - started
            state.record_error("other", f"{state.spec.name}: {e}")
            return
        self._store(scalars, tables)
        state.poll_duration = time.perf_counter() - started
        state.last_success = self.clock()
        state.last_error = ""
        state.up = True

    def _fall_back_to_32_bits(self, tables: list[dict[Oid, Value]]) -> list[dict[Oid, Value]]:
        """Split off the 32-bit columns asked for at the end; fill the 64-bit columns' gaps with them."""
        if not self.legacy_counters:
            return tables
        legacy = tables[-len(LEGACY_COUNTER_OIDS):]
        tables = tables[:-len(LEGACY_COUNTER_OIDS)]
        counters, used = merge_legacy(tables[:len(LEGACY_COUNTER_OIDS)], legacy)
        self.legacy_counters = used  # an upgraded agent stops costing the extra columns
        return counters + tables[len(LEGACY_COUNTER_OIDS):]

    def _store(self, scalars: dict[Oid, Value], tables: list[dict[Oid, Value]]) -> None:
        state = self.state
        uptime = _int(scalars.get(SYS_UPTIME))
        state.uptime_seconds = uptime / 100 if uptime is not None else None
        idle = _int(scalars.get(SS_CPU_IDLE))
        state.cpu_ratio = max(0.0, 1 - idle / 100) if idle is not None else None
        total, avail = _int(scalars.get(MEM_TOTAL_REAL)), _int(scalars.get(MEM_AVAIL_REAL))
        state.memory_total_bytes = total * 1024.0 if total is not None else None
        state.memory_available_bytes = avail * 1024.0 if avail is not None else None
        dynamic = tables[:len(DYNAMIC_OIDS)]
        rows = []
        for index, (name, alias, speed, labels, text) in sorted(self.static.rows.items()):
            key = (index,)
            if key not in dynamic[0] and key not in dynamic[8]:
                continue  # gone since the static refresh
            rows.append(InterfaceRow(index=index, name=name, alias=alias, speed_bps=speed,
                                     values=tuple(_int(col.get(key)) for col in dynamic), labels=labels,
                                     label_text=text))
        state.interfaces = tuple(rows)
        if len(tables) > len(DYNAMIC_OIDS):
            bgp, ospf = tables[len(DYNAMIC_OIDS):]
            state.bgp_peers = tuple(sorted((".".join(map(str, s[:4])), v == 6) for s, v in bgp.items() if len(s) >= 4))
            state.ospf_neighbors = tuple(sorted((".".join(map(str, s[:4])), v == 8)
                                                for s, v in ospf.items() if len(s) >= 4))
