"""Encode the varbinds of SNMP requests and decode those of responses without pyasn1's generic codec.

pysnmp decodes every response with pyasn1, which builds a tree of Python objects per varbind (OID,
a CHOICE of CHOICEs for the value): about 85% of the CPU of an interface poll, ~100 µs a varbind. On the
way out it builds the same tree for each requested OID and encodes it again (~0.5 ms a GETBULK of ten
columns). Here pysnmp still does everything else (transport, request IDs, timeouts and retries, community
and USM authentication and privacy, reports): only the PDUs' variable-bindings are raw BER. Our command
generators send Get/GetBulk PDUs whose variable-bindings `encode_request_varbinds` wrote; a tailored
message spec on our engines keeps the Response-PDU's variable-bindings undecoded, and `decode_varbinds`
(a few µs a varbind) turns them into the plain (oid tuple, value) pairs the poller wants anyway. Reports
and every other PDU keep pysnmp's own spec.
"""

from __future__ import annotations

from typing import Any

from pyasn1.type import namedtype, univ  # type: ignore[import-untyped]
from pysnmp.entity.engine import SnmpEngine
from pysnmp.entity.rfc3413 import cmdgen
from pysnmp.proto import rfc1905
from pysnmp.proto.api import v1, v2c
from pysnmp.proto.mpmod import rfc3412

Oid = tuple[int, ...]
Value = int | str | None


class RawVarBindList(univ.Any):  # type: ignore[misc]
    """A VarBindList left undecoded (pyasn1 keeps the contents of a tagged Any as bytes)."""

    tagSet = rfc1905.VarBindList.tagSet

    def clear(self) -> RawVarBindList:
        """pysnmp's `set_defaults` empties the list of a PDU it reuses (the USM does for SNMPv3 engine
        discovery): a request PDU's default list is already the empty one (see `_EMPTY`)."""
        return self


_EMPTY = RawVarBindList(b"")


def _with(named: Any, name: str, component: Any) -> Any:
    return namedtype.NamedTypes(*[namedtype.NamedType(name, component) if nt.name == name else nt
                                  for nt in named.namedTypes])


class FastResponsePDU(rfc1905.ResponsePDU):  # type: ignore[misc]
    componentType = _with(rfc1905.ResponsePDU.componentType, "variable-bindings", RawVarBindList())


class FastGetRequestPDU(rfc1905.GetRequestPDU):  # type: ignore[misc]
    componentType = _with(rfc1905.GetRequestPDU.componentType, "variable-bindings", _EMPTY)


class FastGetBulkRequestPDU(rfc1905.GetBulkRequestPDU):  # type: ignore[misc]
    componentType = _with(rfc1905.GetBulkRequestPDU.componentType, "variable-bindings", _EMPTY)


class FastPDUs(rfc1905.PDUs):  # type: ignore[misc]
    componentType = _with(rfc1905.PDUs.componentType, "response", FastResponsePDU())


class FastV2cMessage(v2c.Message):  # type: ignore[misc]
    componentType = _with(v2c.Message.componentType, "data", FastPDUs())


class FastScopedPDU(rfc3412.ScopedPDU):  # type: ignore[misc]
    componentType = _with(rfc3412.ScopedPDU.componentType, "data", FastPDUs())


class FastScopedPduData(rfc3412.ScopedPduData):  # type: ignore[misc]
    componentType = _with(rfc3412.ScopedPduData.componentType, "plaintext", FastScopedPDU())


class FastSNMPv3Message(rfc3412.SNMPv3Message):  # type: ignore[misc]
    componentType = _with(rfc3412.SNMPv3Message.componentType, "msgData", FastScopedPduData())


def install(engine: SnmpEngine) -> bool:
    """Give the engine's v2c and v3 message processing the raw-varbind response spec; False if this
    pysnmp is laid out differently (the engine cannot serve our command generators then)."""
    models = getattr(engine, "message_processing_subsystems", {})
    done = False
    for model in models.values():
        spec = getattr(model, "_snmpMsgSpec", None)
        if isinstance(spec, v2c.Message) and type(spec) is v2c.Message:
            model._snmpMsgSpec = FastV2cMessage()
            done = True
        elif isinstance(spec, rfc3412.SNMPv3Message) and type(spec) is rfc3412.SNMPv3Message:
            model._snmpMsgSpec = FastSNMPv3Message()
            done = True
    return done


# ------------------------------------------------------------------------------ BER
MAX_ARCS = 128  # RFC 2578 §3.5: at most 128 sub-identifiers, each below 2**32
MAX_ARC_BYTES = 5  # 2**32 - 1 takes five base-128 digits


def _length(data: bytes, pos: int, limit: int) -> tuple[int, int]:
    """The length at `pos` and where its contents start; ValueError unless they end by `limit`."""
    if pos >= limit:
        raise ValueError(f"truncated at offset {pos}")
    first = data[pos]
    if first < 0x80:
        length, start = first, pos + 1
    else:
        n = first & 0x7F
        if n == 0 or n > 4:  # indefinite lengths are not BER for SNMP; 4 bytes already allow 4 GiB
            raise ValueError(f"bad length form 0x{first:02x} at offset {pos}")
        if pos + 1 + n > limit:
            raise ValueError(f"truncated length at offset {pos}")
        length, start = int.from_bytes(data[pos + 1:pos + 1 + n], "big"), pos + 1 + n
    if start + length > limit:
        raise ValueError(f"length {length} at offset {pos} runs past the end ({limit})")
    return length, start


_HIGH_BIT = bytes(0x80 if b & 0x80 else 0 for b in range(256))  # bytes.translate table: continuation bytes


def _oid(data: bytes, start: int, end: int) -> Oid:
    body = data[start:end]
    if not body or body[-1] & 0x80:
        raise ValueError(f"empty or unterminated OID at offset {start}")
    # Subidentifiers below 128 are one byte each: take them in one C-level step up to the first one of
    # several bytes (for IF-MIB columns, everything but an ifIndex of 128 and more).
    split = body.translate(_HIGH_BIT).find(0x80)
    arcs = list(body if split == -1 else body[:split])
    if split != -1:
        value = digits = 0
        for byte in body[split:]:
            value = (value << 7) | (byte & 0x7F)
            digits += 1
            if digits > MAX_ARC_BYTES:  # a hostile arc could otherwise grow without bound
                raise ValueError(f"OID sub-identifier longer than {MAX_ARC_BYTES} bytes at offset {start}")
            if byte < 0x80:
                arcs.append(value)
                value = digits = 0
    if len(arcs) > MAX_ARCS:
        raise ValueError(f"OID of more than {MAX_ARCS} sub-identifiers at offset {start}")
    first = arcs[0] if arcs else 0
    head = (0, first) if first < 40 else (1, first - 40) if first < 80 else (2, first - 80)
    return head + tuple(arcs[1:])


def _encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def encode_oid(name: Oid) -> bytes:
    """BER contents of an OBJECT IDENTIFIER (without its tag and length)."""
    if len(name) < 2 or name[0] > 2 or (name[0] < 2 and name[1] >= 40):
        raise ValueError(f"not an OID: {'.'.join(map(str, name))}")
    out = bytearray()
    for arc in (name[0] * 40 + name[1], *name[2:]):
        if arc < 0x80:
            out.append(arc)
            continue
        if arc < 0:
            raise ValueError(f"negative arc in {'.'.join(map(str, name))}")
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


def encode_request_varbinds(names: list[Oid] | tuple[Oid, ...]) -> bytes:
    """The contents of a request's VarBindList: SEQUENCE {name, NULL} per OID."""
    out = bytearray()
    for name in names:
        body = encode_oid(name)
        varbind = b"\x06" + _encode_length(len(body)) + body + b"\x05\x00"
        out += b"\x30" + _encode_length(len(varbind)) + varbind
    return bytes(out)


_UNSIGNED = frozenset({0x41, 0x42, 0x43, 0x46, 0x47})  # Counter32, Gauge32, TimeTicks, Counter64, UInteger32


def _value(tag: int, data: bytes, start: int, end: int) -> Value:
    if tag in _UNSIGNED:
        return int.from_bytes(data[start:end], "big", signed=False)
    if tag == 0x02:
        return int.from_bytes(data[start:end], "big", signed=True)
    if tag == 0x04 or tag == 0x44:
        # surrogateescape keeps bytes that are not UTF-8 recoverable: see snmp_quirks.display_text
        return data[start:end].decode("utf-8", "surrogateescape")
    if tag == 0x40:
        return ".".join(str(b) for b in data[start:end])
    if tag == 0x06:
        return ".".join(str(a) for a in _oid(data, start, end))
    return None  # NULL, noSuchObject, noSuchInstance, endOfMibView


def decode_varbinds(data: bytes) -> list[tuple[Oid, Value]]:
    """The contents of a BER VarBindList (concatenated SEQUENCE {name OID, value}) as (oid, value) pairs.

    pyasn1 hands a tagged Any its contents, without the list's own tag and length."""
    pos, end = 0, len(data)
    out: list[tuple[Oid, Value]] = []
    while pos < end:
        if data[pos] != 0x30:
            raise ValueError(f"not a VarBind at offset {pos}")
        vb_len, pos = _length(data, pos + 1, end)
        vb_end = pos + vb_len
        if pos >= vb_end or data[pos] != 0x06:
            raise ValueError(f"VarBind without an OID at offset {pos}")
        oid_len, oid_start = _length(data, pos + 1, vb_end)
        name = _oid(data, oid_start, oid_start + oid_len)
        pos = oid_start + oid_len
        if pos >= vb_end:
            raise ValueError(f"VarBind without a value at offset {pos}")
        tag = data[pos]
        val_len, val_start = _length(data, pos + 1, vb_end)
        if val_start + val_len != vb_end:
            raise ValueError(f"VarBind at offset {pos} has {vb_end - val_start - val_len} stray bytes")
        out.append((name, _value(tag, data, val_start, val_start + val_len)))
        pos = vb_end
    return out


# ------------------------------------------------------------------------------ command generators
def _varbinds(pdu: Any) -> list[tuple[Oid, Value]]:
    raw = pdu.getComponentByPosition(3)
    if not isinstance(raw, RawVarBindList):  # install() gives every engine of ours the raw spec
        raise ValueError("variable-bindings decoded by pyasn1 (an engine without snmp_fastpdu.install)")
    return decode_varbinds(bytes(raw))


def _deliver(engine: SnmpEngine, handle: Any, indication: Any, pdu: Any, cb_fun: Any, cb_ctx: Any) -> None:
    if indication or pdu is None:
        cb_fun(engine, handle, indication, 0, 0, (), cb_ctx)
        return
    try:
        varbinds = _varbinds(pdu)
    except (ValueError, IndexError) as e:
        cb_fun(engine, handle, f"undecodable response: {e}", 0, 0, (), cb_ctx)
        return
    cb_fun(engine, handle, None, v2c.apiPDU.get_error_status(pdu),
           v2c.apiPDU.get_error_index(pdu, muteErrors=True), varbinds, cb_ctx)


def _raw_pdu(pdu: Any, second: int, third: int, names: list[Oid] | tuple[Oid, ...]) -> Any:
    """Fill a request PDU: request-id (the message processing replaces it), the two integers (error
    status and index, or non-repeaters and max-repetitions) and the pre-encoded variable-bindings."""
    for pos, value in enumerate((v1.getNextRequestID(), univ.Integer(second), univ.Integer(third),
                                 RawVarBindList(encode_request_varbinds(names)))):
        pdu.setComponentByPosition(pos, value, verifyConstraints=False, matchTags=False, matchConstraints=False)
    return pdu


class GetGenerator(cmdgen.GetCommandGenerator):  # type: ignore[misc]
    def send_varbinds(self, snmpEngine: SnmpEngine, targetName: Any, contextEngineId: Any, contextName: Any,
                      names: list[Oid], cbFun: Any, cbCtx: Any = None) -> Any:
        """Send a Get of `names` (OID tuples, not varbinds)."""
        pdu = _raw_pdu(FastGetRequestPDU(), 0, 0, names)
        return self.send_pdu(snmpEngine, targetName, contextEngineId, contextName, pdu,
                             self.process_response_varbinds, (cbFun, cbCtx))

    def process_response_varbinds(self, snmpEngine: SnmpEngine, sendRequestHandle: Any, errorIndication: Any,
                                  PDU: Any, cbCtx: Any) -> None:
        cb_fun, cb_ctx = cbCtx
        _deliver(snmpEngine, sendRequestHandle, errorIndication, PDU, cb_fun, cb_ctx)


class BulkGenerator(cmdgen.BulkCommandGeneratorSingleRun):  # type: ignore[misc]
    def send_varbinds(self, snmpEngine: SnmpEngine, targetName: Any, contextEngineId: Any, contextName: Any,
                      nonRepeaters: int, maxRepetitions: int, names: list[Oid], cbFun: Any,
                      cbCtx: Any = None) -> Any:
        """Send a GetBulk of `names` (OID tuples, not varbinds)."""
        pdu = _raw_pdu(FastGetBulkRequestPDU(), nonRepeaters, maxRepetitions, names)
        return self.send_pdu(snmpEngine, targetName, contextEngineId, contextName, pdu,
                             self.process_response_varbinds,
                             (targetName, nonRepeaters, maxRepetitions, contextEngineId, contextName, pdu, cbFun,
                              cbCtx))

    def process_response_varbinds(self, snmpEngine: SnmpEngine, sendRequestHandle: Any, errorIndication: Any,
                                  PDU: Any, cbCtx: Any) -> None:
        *_, cb_fun, cb_ctx = cbCtx
        _deliver(snmpEngine, sendRequestHandle, errorIndication, PDU, cb_fun, cb_ctx)
