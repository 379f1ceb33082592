"""The raw-varbind fast path decodes exactly what pyasn1 would, for every SNMP value type."""

from __future__ import annotations

from netkit.monitor import snmp_fastpdu
from netkit.monitor.snmp_fastpdu import FastV2cMessage, RawVarBindList, decode_varbinds
from pyasn1.codec.ber import decoder, encoder
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
