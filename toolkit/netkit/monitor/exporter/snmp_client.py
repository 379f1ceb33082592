"""A thin asyncio SNMP client over pysnmp 7: GET and multi-column GETBULK, numeric OIDs only.

It calls pysnmp's command generators directly with pre-built OIDs (the hlapi helpers resolve every
varbind through the MIB view on the way in and out: `lookupMib=False` without the cost of the lookup
machinery), and responses' varbinds are decoded by `snmp_fastpdu` instead of pyasn1. One `SnmpEngine` is
shared per event loop and credential set (pysnmp keys its USM users by name, so two sets with the same
user name but different keys need two engines). pysnmp's errors become `SnmpError` with a reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity.engine import SnmpEngine
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    UdpTransportTarget,
    UsmUserData,
    usmAesCfb128Protocol,
    usmHMACSHAAuthProtocol,
)
from pysnmp.hlapi.v3arch.asyncio.cmdgen import LCD
from pysnmp.proto import errind

from netkit.errors import NetkitError
from netkit.inventory.credentials import Credentials
from netkit.monitor.exporter import snmp_fastpdu

Oid = snmp_fastpdu.Oid
Value = snmp_fastpdu.Value
VarBind = tuple[Oid, Value]

_AUTH_ERRORS = (errind.UnknownUserName, errind.WrongDigest, errind.DecryptionError, errind.AuthenticationError,
                errind.AuthenticationFailure, errind.UnknownSecurityName, errind.UnsupportedSecurityLevel,
                errind.NotInTimeWindow, errind.UnknownCommunityName, errind.NoAuthentication)


class SnmpError(NetkitError):
    """An SNMP request failed; `reason` is timeout, auth or other (the label of netkit_snmp_poll_errors_total)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SnmpTooBig(SnmpError):
    """The agent answered tooBig (error-status 1): the response would not fit its message size; ask for less."""

    def __init__(self, message: str) -> None:
        super().__init__("other", message)


TOO_BIG = 1  # error-status tooBig


def oid(text: str) -> Oid:
    return tuple(int(p) for p in text.strip(".").split("."))


class SnmpTransport(Protocol):
    """What the poller needs from an agent (a fake in unit tests, pysnmp in production)."""

    async def get(self, oids: Sequence[Oid]) -> list[VarBind]: ...

    async def bulk(self, oids: Sequence[Oid], max_repetitions: int) -> list[VarBind]: ...


@dataclass(frozen=True)
class AgentAddress:
    host: str
    port: int = 161
    timeout: float = 2.0
    retries: int = 1


def auth_data(creds: Credentials, v2c: bool) -> CommunityData | UsmUserData:
    if v2c:
        if creds.snmp_community is None:
            raise SnmpError("auth", "SNMP v2c asked for, but the credential set has no snmp_community")
        return CommunityData(creds.snmp_community.get_secret_value(), mpModel=1)
    if creds.snmp_auth_key is None or creds.snmp_priv_key is None:
        raise SnmpError("auth", "SNMPv3 authPriv needs snmp_auth_key and snmp_priv_key in the credential set")
    return UsmUserData(creds.snmp_user, creds.snmp_auth_key.get_secret_value(), creds.snmp_priv_key.get_secret_value(),
                       authProtocol=usmHMACSHAAuthProtocol, privProtocol=usmAesCfb128Protocol)


def credentials_fingerprint(creds: Credentials, v2c: bool) -> str:
    """Tells credential sets apart without keeping or showing a secret."""
    parts = [creds.snmp_user, str(v2c)] + [s.get_secret_value() if s else "" for s in
                                          (creds.snmp_auth_key, creds.snmp_priv_key, creds.snmp_community)]
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=12).hexdigest()


class EnginePool:
    """One SnmpEngine per credential set for the running loop (usually exactly one)."""

    def __init__(self) -> None:
        self._engines: dict[str, SnmpEngine] = {}

    def engine(self, fingerprint: str) -> SnmpEngine:
        if fingerprint not in self._engines:
            engine = SnmpEngine()
            if not snmp_fastpdu.install(engine):
                raise SnmpError("other", "this pysnmp lays out its message processing differently: "
                                "netkit cannot install its varbind decoder (see monitor/snmp_fastpdu.py)")
            self._engines[fingerprint] = engine
        return self._engines[fingerprint]

    def close(self) -> None:
        for engine in self._engines.values():
            engine.close_dispatcher()
        self._engines.clear()


def _engine_caches(engine: SnmpEngine) -> list[tuple[dict[Any, Any], dict[Any, Any]]]:
    out = []
    for model in engine.message_processing_subsystems.values():
        cache = getattr(model, "_SnmpV3MessageProcessingModel__engineIdCache", None)
        queue = getattr(model, "_SnmpV3MessageProcessingModel__engineIdCacheExpQueue", None)
        if isinstance(cache, dict) and isinstance(queue, dict):
            out.append((cache, queue))
    return out


def knows_engine(engine: SnmpEngine, host: str, port: int) -> bool:
    """The engine has discovered the SNMPv3 engine ID of the agent at host:port."""
    return any(tuple(k[1])[:2] == (host, port) for cache, _ in _engine_caches(engine) for k in cache)


def forget_engine_id(engine: SnmpEngine, host: str, port: int) -> None:
    """Drop what the engine learnt about the agent at host:port (its SNMPv3 engine ID).

    An agent that restarts without its persistent state (killed, reinstalled, replaced) comes back with a
    new engine ID; pysnmp would keep using the old one, which the agent ignores, for up to 5 minutes.
    Forgetting it after a timeout makes the next request rediscover the engine."""
    for cache, queue in _engine_caches(engine):
        stale = [k for k in cache if tuple(k[1])[:2] == (host, port)]
        for key in stale:
            del cache[key]
            for keys in queue.values():
                while key in keys:
                    keys.remove(key)


_GET = snmp_fastpdu.GetGenerator()
_BULK = snmp_fastpdu.BulkGenerator()
RECEIVE_BUFFER = 4 << 20  # bytes asked for; the kernel caps it at net.core.rmem_max


class _BufferedUdp(udp.UdpAsyncioTransport):  # type: ignore[misc]
    """pysnmp's UDP transport with a large receive buffer.

    One engine (one socket) serves every device of a process. When dozens of GETBULK answers of ~3 kB
    arrive together, the default buffer (net.core.rmem_default, 208 kB, counted in kernel memory per
    packet) overflows and the kernel drops answers, each then costing a full timeout and a retry."""

    def connection_made(self, transport: asyncio.DatagramTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        super().connection_made(transport)


class _Target(UdpTransportTarget):  # type: ignore[misc]
    PROTO_TRANSPORT = _BufferedUdp


class PysnmpTransport:
    """Requests to one agent through a shared engine."""

    def __init__(self, engine: SnmpEngine, auth: CommunityData | UsmUserData, agent: AgentAddress,
                 name: str) -> None:
        self.engine = engine
        self.auth = auth
        self.agent = agent
        self.name = name
        self._addr: str | None = None

    async def _target(self) -> str:
        if self._addr is None:
            target = await _Target.create((self.agent.host, self.agent.port), timeout=self.agent.timeout,
                                                     retries=self.agent.retries)
            self._addr, _ = LCD.configure(self.engine, self.auth, target, b"")
        return self._addr

    async def _request(self, generator: Any, *args: Any) -> list[VarBind]:
        addr = await self._target()
        future: asyncio.Future[tuple[Any, Any, Any, Any]] = asyncio.get_running_loop().create_future()

        def done(engine: Any, handle: Any, indication: Any, status: Any, index: Any, varbinds: Any, ctx: Any) -> None:
            if not future.done():
                future.set_result((indication, status, index, varbinds))

        v3 = isinstance(self.auth, UsmUserData)
        known_before = v3 and knows_engine(self.engine, self.agent.host, self.agent.port)
        try:
            generator.send_varbinds(self.engine, addr, None, b"", *args, done, None)
        except Exception as e:  # pysnmp raises its own errors for bad local config
            raise SnmpError("other", f"{self.name}: {e}") from e
        indication, status, index, varbinds = await future
        if indication:
            reason = "timeout" if isinstance(indication, errind.RequestTimedOut) else (
                "auth" if isinstance(indication, _AUTH_ERRORS) else "other")
            if reason == "timeout" and v3:
                if not known_before and knows_engine(self.engine, self.agent.host, self.agent.port):
                    # It answered discovery during this request, then ignored the authenticated request:
                    # net-snmp drops what it cannot decrypt without a report.
                    reason, indication = "auth", (
                        "the agent answers SNMPv3 discovery but not our authPriv requests "
                        "(wrong privacy key, or no access for the user?)")
                forget_engine_id(self.engine, self.agent.host, self.agent.port)
            raise SnmpError(reason, f"{self.name} ({self.agent.host}): {indication}")
        if status and int(status) == TOO_BIG:
            raise SnmpTooBig(f"{self.name} ({self.agent.host}): tooBig (the agent's answer would exceed its message size)")
        if status and int(status):
            raise SnmpError("other", f"{self.name} ({self.agent.host}): {status.prettyPrint()} at index {index}")
        return list(varbinds)  # already (oid tuple, value) pairs: see snmp_fastpdu

    async def get(self, oids: Sequence[Oid]) -> list[VarBind]:
        return self._at_most(await self._request(_GET, list(oids)), len(oids))

    async def bulk(self, oids: Sequence[Oid], max_repetitions: int) -> list[VarBind]:
        return self._at_most(await self._request(_BULK, 0, max_repetitions, list(oids)), len(oids) * max_repetitions)

    def _at_most(self, varbinds: list[VarBind], asked: int) -> list[VarBind]:
        """An agent answering more than it was asked is broken or hostile: fail it, do not keep its answer."""
        if len(varbinds) > asked:
            raise SnmpError("other", f"{self.name} ({self.agent.host}): answered {len(varbinds)} varbinds to a "
                            f"request for at most {asked}")
        return varbinds


async def walk_columns(transport: SnmpTransport, columns: Sequence[Oid], max_varbinds: int = 100,
                       max_rows: int = 20_000) -> list[dict[Oid, Value]]:
    """Walk several table columns at once with GETBULK; for each column, {row index: value}.

    Each request asks only for the columns not finished yet, with max-repetitions sized so a response
    carries about `max_varbinds` values (net-snmp answers at most 100 per response by default; asking for
    more only makes the agent truncate). A truncated response resumes from each column's last row.
    """
    result: list[dict[Oid, Value]] = [{} for _ in columns]
    cursor = list(columns)
    active = list(range(len(columns)))
    while active:
        reps = max(1, max_varbinds // len(active))
        varbinds = await transport.bulk([cursor[i] for i in active], reps)
        if not varbinds:
            break
        finished: set[int] = set()
        progressed = False
        for pos, (name, value) in enumerate(varbinds):
            col = active[pos % len(active)]
            if col in finished:
                continue
            root = columns[col]
            if value is None or name[:len(root)] != root:
                finished.add(col)
                continue
            if name <= cursor[col]:  # a looping agent would be walked forever
                raise SnmpError("other", f"{getattr(transport, 'name', 'agent')}: OID not increasing in column "
                                f"{'.'.join(map(str, root))}: {'.'.join(map(str, name))} after "
                                f"{'.'.join(map(str, cursor[col]))}")
            result[col][name[len(root):]] = value
            cursor[col] = name
            progressed = True
            if len(result[col]) > max_rows:  # an endless table: refuse it rather than hold it
                raise SnmpError("other", f"{getattr(transport, 'name', 'agent')}: column {'.'.join(map(str, root))} "
                                f"has more than {max_rows} rows (an agent that never ends its table?)")
        active = [c for c in active if c not in finished]
        if not progressed:
            break
    return result
