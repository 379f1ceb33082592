"""A UDP relay in front of a real agent that turns every answer above `limit` bytes into tooBig.

Agents with a small maximum message size (484 bytes is the SNMP minimum; 1472 fits one Ethernet frame)
answer a GETBULK whose response would exceed it with error-status tooBig and no varbinds (RFC 3416 4.2.1).
snmpsim (pysnmp) silently drops such answers instead, so the relay plays the agent's part.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType

from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

_V2C = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]


def too_big(response: bytes) -> bytes:
    message, _ = decoder.decode(response, asn1Spec=_V2C.Message())
    pdu = _V2C.apiMessage.get_pdu(message)
    _V2C.apiPDU.set_error_status(pdu, 1)
    _V2C.apiPDU.set_error_index(pdu, 0)
    _V2C.apiPDU.set_varbinds(pdu, [])
    _V2C.apiMessage.set_pdu(message, pdu)
    out: bytes = encoder.encode(message)
    return out


class TooBigProxy:
    def __init__(self, listen: tuple[str, int], agent: tuple[str, int], limit: int) -> None:
        self.agent, self.limit = agent, limit
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(listen)
        self.sock.settimeout(0.2)
        self.answered_too_big = 0
        self.largest_passed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        upstream.settimeout(5)
        with upstream:
            while not self._stop.is_set():
                try:
                    request, client = self.sock.recvfrom(65535)
                except TimeoutError:
                    continue
                upstream.sendto(request, self.agent)
                try:
                    response = upstream.recv(65535)
                except TimeoutError:
                    continue
                if len(response) > self.limit:
                    self.answered_too_big += 1
                    response = too_big(response)
                else:
                    self.largest_passed = max(self.largest_passed, len(response))
                self.sock.sendto(response, client)

    def __enter__(self) -> TooBigProxy:
        self._thread.start()
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
