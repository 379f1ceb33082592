"""The raw-varbind fast path decodes exactly what pyasn1 would, for every SNMP value type."""

from __future__ import annotations

import random

from netkit.monitor.exporter import snmp_fastpdu
from netkit.monitor.exporter.snmp_fastpdu import FastV2cMessage, RawVarBindList, decode_varbinds
from pyasn1.codec.ber import decoder, encoder
from pyasn1.type import univ
from pysnmp.entity.engine import SnmpEngine
from pysnmp.proto import rfc1902, rfc1905
from pysnmp.proto.api import v2c


def _response(varbinds: list[tuple[str, object]]) -> bytes:
    pdu = v2c.ResponsePDU()
    v2c.apiPDU.set_defaults(pdu)
    v2c.apiPDU.set_request_id(pdu, 4242)
    v2c.apiPDU.set_varbinds(pdu, varbinds)
    msg = v2c.Message()
    v2c.apiMessage.set_defaults(msg)
    v2c.apiMessage.set_community(msg, "public")
    v2c.apiMessage.set_pdu(msg, pdu)
    return encoder.encode(msg)


VARBINDS = [
    ("1.3.6.1.2.1.1.3.0", rfc1902.TimeTicks(123456)),
    ("1.3.6.1.2.1.31.1.1.1.6.1000", rfc1902.Counter64(2**64 - 1)),
    ("1.3.6.1.2.1.2.2.1.14.7", rfc1902.Counter32(4294967295)),
    ("1.3.6.1.2.1.31.1.1.1.15.7", rfc1902.Gauge32(100000)),
    ("1.3.6.1.2.1.2.2.1.8.7", rfc1902.Integer32(-2)),
    ("1.3.6.1.2.1.31.1.1.1.18.7", rfc1902.OctetString("uplink to dc-core1 — ü".encode())),
    ("1.3.6.1.2.1.4.20.1.1.198.18.16.1", rfc1902.IpAddress("198.18.16.1")),
    ("1.3.6.1.2.1.1.2.0", rfc1902.ObjectIdentifier("1.3.6.1.4.1.8072.3.2.10")),
    ("1.3.6.1.2.1.1.99.0", rfc1905.NoSuchObject("")),
    ("2.999.1", rfc1905.EndOfMibView("")),
]


def test_decode_matches_pyasn1() -> None:
    raw = _response(VARBINDS)
    fast, _ = decoder.decode(raw, asn1Spec=FastV2cMessage())
    pdu = v2c.apiMessage.get_pdu(fast)
    assert v2c.apiPDU.get_request_id(pdu) == 4242
    blob = pdu.getComponentByPosition(3)
    assert isinstance(blob, RawVarBindList)
    got = decode_varbinds(bytes(blob))
    assert got == [
        ((1, 3, 6, 1, 2, 1, 1, 3, 0), 123456),
        ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 1000), 2**64 - 1),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 14, 7), 4294967295),
        ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15, 7), 100000),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 7), -2),
        ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18, 7), "uplink to dc-core1 — ü"),
        ((1, 3, 6, 1, 2, 1, 4, 20, 1, 1, 198, 18, 16, 1), "198.18.16.1"),
        ((1, 3, 6, 1, 2, 1, 1, 2, 0), "1.3.6.1.4.1.8072.3.2.10"),
        ((1, 3, 6, 1, 2, 1, 1, 99, 0), None),
        ((2, 999, 1), None),
    ]
    slow, _ = decoder.decode(raw, asn1Spec=v2c.Message())
    names = [tuple(n) for n, _ in v2c.apiPDU.get_varbinds(v2c.apiMessage.get_pdu(slow))]
    assert names == [n for n, _ in got]


def test_long_lists_use_long_form_lengths() -> None:
    many = [(f"1.3.6.1.2.1.31.1.1.1.6.{i}", rfc1902.Counter64(i * 1000)) for i in range(1, 301)]
    fast, _ = decoder.decode(_response(many), asn1Spec=FastV2cMessage())
    got = decode_varbinds(bytes(v2c.apiMessage.get_pdu(fast).getComponentByPosition(3)))
    assert len(got) == 300 and got[-1] == ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 300), 300000)


def test_install_swaps_only_our_engines_specs() -> None:
    engine = SnmpEngine()
    assert snmp_fastpdu.install(engine)
    specs = {type(m._snmpMsgSpec).__name__ for m in engine.message_processing_subsystems.values()}
    assert {"FastV2cMessage", "FastSNMPv3Message"} <= specs
    other = SnmpEngine()  # a second engine keeps pysnmp's own specs
    assert not any(type(m._snmpMsgSpec).__name__.startswith("Fast")
                   for m in other.message_processing_subsystems.values())


def _oids(count: int) -> list[tuple[int, ...]]:
    rnd = random.Random(7)
    arcs = [0, 1, 5, 39, 127, 128, 255, 16383, 16384, 2**31 - 1, 2**32 + 5]
    out: list[tuple[int, ...]] = [(1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, i) for i in (1, 127, 128, 201, 100_000)]
    out += [(2, 999, 3), (2, 47), (2, 48, 1), (0, 39), (1, 0, 8802, 1, 1, 2)]
    for _ in range(count):
        first = rnd.choice((0, 1, 2))
        second = rnd.choice(arcs) if first == 2 else rnd.randrange(40)
        out.append((first, second, *(rnd.choice(arcs) for _ in range(rnd.randrange(0, 12)))))
    return out


def test_oids_round_trip_like_pyasn1() -> None:
    for name in _oids(500):
        ours = snmp_fastpdu.encode_oid(name)
        theirs = encoder.encode(univ.ObjectIdentifier(name))
        assert theirs[2:] == ours, name  # pyasn1 adds the tag and a one-byte length
        assert snmp_fastpdu._oid(ours, 0, len(ours)) == name


def _message(pdu: object) -> bytes:
    msg = v2c.Message()
    v2c.apiMessage.set_defaults(msg)
    v2c.apiMessage.set_community(msg, "public")
    msg.setComponentByPosition(2)
    msg.getComponentByPosition(2).setComponentByType(pdu.tagSet, pdu, verifyConstraints=False,  # type: ignore[attr-defined]
                                                     matchTags=False, matchConstraints=False)
    return encoder.encode(msg)


def test_requests_encode_byte_for_byte_like_pysnmp() -> None:
    names = [n for n in _oids(20) if n[0] == 1][:12]
    for fast_type, plain_type, api, second, third in (
            (snmp_fastpdu.FastGetBulkRequestPDU, v2c.GetBulkRequestPDU, v2c.apiBulkPDU, 0, 25),
            (snmp_fastpdu.FastGetRequestPDU, v2c.GetRequestPDU, v2c.apiPDU, 0, 0)):
        plain = plain_type()
        api.set_defaults(plain)
        if plain_type is v2c.GetBulkRequestPDU:
            api.set_max_repetitions(plain, third)
        api.set_varbinds(plain, [(n, univ.Null("")) for n in names])
        api.set_request_id(plain, 77)
        fast = snmp_fastpdu._raw_pdu(fast_type(), second, third, names)
        fast.setComponentByPosition(0, 77)
        assert _message(fast) == _message(plain)


def test_engine_discovery_can_reset_a_fast_request() -> None:
    """pysnmp's USM clones the first request and empties its varbinds to discover an SNMPv3 engine."""
    pdu = snmp_fastpdu._raw_pdu(snmp_fastpdu.FastGetRequestPDU(), 0, 0, [(1, 3, 6, 1, 2, 1, 1, 3, 0)])
    empty = pdu.clone()
    v2c.apiPDU.set_defaults(empty)
    v2c.apiPDU.set_request_id(empty, 5)
    plain = v2c.GetRequestPDU()
    v2c.apiPDU.set_defaults(plain)
    v2c.apiPDU.set_request_id(plain, 5)
    assert _message(empty) == _message(plain)
