"""The syslog receiver: an asyncio UDP endpoint that maps each sender address to its inventory device.

Only the sender address is trusted (the HOSTNAME field is whatever the device says); a datagram from an
address that is no device's management address is counted and dropped.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable

from netkit.errors import InputError
from netkit.inventory.models import Inventory
from netkit.watch.syslog import SyslogMessage, parse

Handler = Callable[[str, SyslogMessage], None]  # (device, message)
Counter = Callable[[str], None]  # result: "device", "unknown_sender"


def sender_map(inv: Inventory) -> dict[str, str]:
    return {str(d.mgmt_address): name for name, d in inv.devices.items()}


class SyslogProtocol(asyncio.DatagramProtocol):
    def __init__(self, senders: dict[str, str], handler: Handler, count: Counter) -> None:
        self.senders = senders
        self.handler = handler
        self.count = count

    def datagram_received(self, data: bytes, addr: tuple[str | int, int]) -> None:
        sender = str(addr[0]).removeprefix("::ffff:")
        device = self.senders.get(sender)
        if device is None:
            self.count("unknown_sender")
            return
        self.count("device")
        self.handler(device, parse(data, sender))


async def listen(address: tuple[str, int], senders: dict[str, str], handler: Handler,
                 count: Counter) -> asyncio.DatagramTransport:
    """Bind the UDP listener on `address` (give the NOC-side address, never 0.0.0.0 by default)."""
    try:
        ip = ipaddress.ip_address(address[0])
    except ValueError as e:
        raise InputError(f"--syslog-listen {address[0]!r}: give the NOC-side IP address to bind") from e
    if ip.is_unspecified:
        raise InputError(f"--syslog-listen {address[0]}: every interface would receive syslog; give the NOC-side "
                         "address (the lab: its host's management address, e.g. 198.19.0.1)")
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.create_datagram_endpoint(lambda: SyslogProtocol(senders, handler, count),
                                                           local_addr=address)
    except OSError as e:
        raise InputError(f"cannot receive syslog on udp {address[0]}:{address[1]}: {e.strerror or e}") from e
    return transport
