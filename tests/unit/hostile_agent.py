"""A small SNMPv2c agent of our own on 127.0.0.x for the hostile-input tests: well-behaved, or answering
garbage, truncated, oversized, endless or looping responses. Its answers are hand-encoded BER, so it can
send what no real agent would."""

from __future__ import annotations

import asyncio
import os
from bisect import bisect_right
from collections.abc import Callable

from netkit.monitor.exporter.snmp_fastpdu import encode_oid
from pyasn1.codec.ber import decoder  # type: ignore[import-untyped]
from pysnmp.proto import api

Oid = tuple[int, ...]
P = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
MODES = ("good", "garbage", "truncated", "oversized", "endless", "loop")


def tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    head = bytes((n,)) if n < 0x80 else bytes((0x80 | ((n.bit_length() + 7) // 8),)) + n.to_bytes(
        (n.bit_length() + 7) // 8, "big")
    return bytes((tag,)) + head + body


def ber_oid(name: Oid) -> bytes:
    return tlv(0x06, encode_oid(name))


def ber_int(tag: int, value: int) -> bytes:
    return tlv(tag, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


Value = bytes  # an encoded value TLV
END_OF_MIB = tlv(0x82, b"")

IFX, IF = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1), (1, 3, 6, 1, 2, 1, 2, 2, 1)
GOOD_MIB: dict[Oid, Value] = {
    (1, 3, 6, 1, 2, 1, 1, 3, 0): ber_int(0x43, 12345),
    (1, 3, 6, 1, 4, 1, 2021, 11, 11, 0): ber_int(0x02, 90),
    (1, 3, 6, 1, 4, 1, 2021, 4, 5, 0): ber_int(0x02, 1 << 20),
    (1, 3, 6, 1, 4, 1, 2021, 4, 6, 0): ber_int(0x02, 1 << 19),
    (*IFX, 1, 1): tlv(0x04, b"eth0"), (*IFX, 18, 1): tlv(0x04, b"uplink"), (*IFX, 15, 1): ber_int(0x42, 1000),
    **{(*IFX, c, 1): ber_int(0x46, 1000) for c in (6, 7, 10, 11)},
    **{(*IF, c, 1): ber_int(0x41, 0) for c in (13, 14, 19, 20)},
    (*IF, 7, 1): ber_int(0x02, 1), (*IF, 8, 1): ber_int(0x02, 1),
}


class Agent(asyncio.DatagramProtocol):
    def __init__(self, mode: str) -> None:
        assert mode in MODES
        self.mode = mode
        self.mib = sorted(GOOD_MIB)
        self.requests = 0
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def _next(self, name: Oid) -> tuple[Oid, Value]:
        if self.mode == "endless":  # every column goes on forever, always increasing
            return (*name, 1) if len(name) < 12 else (*name[:-1], name[-1] + 1), ber_int(0x02, 1)
        if self.mode == "loop":  # the first row again and again
            return (*name[:11], 1), ber_int(0x02, 1)
        i = bisect_right(self.mib, name)
        return (self.mib[i], GOOD_MIB[self.mib[i]]) if i < len(self.mib) else (name, END_OF_MIB)

    def answer(self, names: list[Oid], bulk: bool, reps: int) -> list[bytes]:
        if not bulk:
            return [ber_oid(n) + GOOD_MIB.get(n, tlv(0x81, b"")) for n in names]
        out, cursors = [], list(names)
        for _ in range(reps):
            for i, c in enumerate(cursors):
                name, value = self._next(c)
                cursors[i] = name
                out.append(ber_oid(name) + value)
        return out

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        self.requests += 1
        msg, _ = decoder.decode(data, asn1Spec=P.Message())
        pdu = P.apiMessage.get_pdu(msg)
        bulk = pdu.isSameTypeWith(P.GetBulkRequestPDU())
        names = [tuple(o) for o, _ in P.apiPDU.get_varbinds(pdu)]
        reps = int(P.apiBulkPDU.get_max_repetitions(pdu)) if bulk else 1
        varbinds = [tlv(0x30, vb) for vb in self.answer(names, bulk, reps)]
        if self.mode == "oversized":  # far more than asked for, up to the largest datagram
            filler = tlv(0x30, ber_oid((1, 3, 6, 1, 2, 1, 1, 5, 0)) + tlv(0x04, b"x" * 40))
            varbinds += [filler] * ((60000 - sum(map(len, varbinds))) // len(filler))
        community = bytes(P.apiMessage.get_community(msg))
        reqid = int(P.apiPDU.get_request_id(pdu))
        body = ber_int(0x02, reqid) + ber_int(0x02, 0) + ber_int(0x02, 0) + tlv(0x30, b"".join(varbinds))
        out = tlv(0x30, ber_int(0x02, 1) + tlv(0x04, community) + tlv(0xA2, body))
        if self.mode == "garbage":
            out = os.urandom(len(out) or 64)
        elif self.mode == "truncated":
            out = out[:len(out) // 2]
        assert self.transport is not None
        self.transport.sendto(out, addr)


async def start(host: str, port: int, mode: str) -> tuple[asyncio.DatagramTransport, Agent]:
    loop = asyncio.get_running_loop()
    factory: Callable[[], Agent] = lambda: Agent(mode)  # noqa: E731
    transport, agent = await loop.create_datagram_endpoint(factory, local_addr=(host, port))
    return transport, agent
