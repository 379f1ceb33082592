"""Probes from the NOC's vantage point: ICMP (several packets per cycle), TCP connect, HTTP(S).

ICMP uses one icmplib socket for every target of a cycle: echo requests go out in rounds (one per
target per round), replies are matched by (identifier, sequence), so 1,000 targets cost one socket and
one reader instead of 1,000 sockets that would each see every reply.

What is timed is the network, not the exporter: the event loop that runs the probes also decodes SNMP
answers and starts engines, and a reply that waits for the loop must not look like a slow link. An echo
reply's RTT ends at the kernel's receive timestamp (SO_TIMESTAMPNS), a TCP connect's RTT is the kernel's
own measurement of the handshake (TCP_INFO), and an HTTP request runs in a thread of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import ssl
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from cryptography import x509
from icmplib import ICMPRequest, ICMPv4Socket
from icmplib.exceptions import ICMPLibError

from netkit.monitor.exporter.cache import ProbeResult


@dataclass(frozen=True)
class IcmpSettings:
    count: int = 5  # echo requests per target per cycle
    interval: float = 0.1  # seconds between rounds
    timeout: float = 1.0  # wait for the last round's replies
    payload_size: int = 56
    privileged: bool | None = None  # None: raw socket when root, else an unprivileged ICMP datagram socket


SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; the control message has the same number
_TIMESPEC = struct.Struct("@qq")
_ANCILLARY = socket.CMSG_SPACE(_TIMESPEC.size)
TCP_INFO_RTT = struct.Struct("@I")  # struct tcp_info: tcpi_rtt (microseconds) at byte 68
TCP_INFO_RTT_OFFSET = 68


def kernel_receive_time(ancdata: list[tuple[int, int, bytes]]) -> float | None:
    """The SO_TIMESTAMPNS time (unix seconds) in a recvmsg's control messages, if there is one."""
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= _TIMESPEC.size:
            sec, nsec = _TIMESPEC.unpack_from(data)
            return float(sec + nsec / 1e9)
    return None


_STAMPING: list[socket.socket] = []


async def _receive_timestamps_on() -> None:
    """The kernel stamps arriving packets only while a socket asks for it, and switches stamping on a
    moment after the first one does (packets in between get the time they are read). One socket kept
    open for the life of the process keeps it on."""
    if _STAMPING:
        return
    keeper = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # never bound, never sends
    with contextlib.suppress(OSError):
        keeper.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    _STAMPING.append(keeper)
    await asyncio.sleep(0.05)


class _Replies:
    """Reads every echo reply off the socket and files it under (identifier, sequence) with the time the
    kernel received it (unix seconds, as icmplib stamps its requests)."""

    def __init__(self, sock: ICMPv4Socket, privileged: bool) -> None:
        self.sock = sock
        self.privileged = privileged
        self.arrived: dict[int, float] = {}  # sequence -> unix time of arrival
        self.ident = 0

    def drain(self) -> None:
        raw = self.sock.sock
        while True:
            try:
                packet, ancdata, _flags, _addr = raw.recvmsg(2048, _ANCILLARY)
            except OSError:  # BlockingIOError: nothing more to read
                return
            offset = (packet[0] & 0x0F) * 4 if self.privileged else 0
            if len(packet) < offset + 8:
                continue
            kind, _code, _sum, ident, seq = struct.unpack_from("!BBHHH", packet, offset)
            if kind != 0 or (self.privileged and ident != self.ident):
                continue
            arrived = kernel_receive_time(ancdata)
            self.arrived.setdefault(seq, time.time() if arrived is None else arrived)


async def icmp_probe(hosts: Sequence[str], settings: IcmpSettings | None = None) -> list[ProbeResult]:
    """One cycle: `count` echo requests to every host; a result per host in the same order."""
    s = settings or IcmpSettings()
    if not hosts:
        return []
    if len(hosts) * s.count > 65535:
        raise ValueError("too many ICMP probes for one cycle (65535 sequence numbers)")
    privileged = os.geteuid() == 0 if s.privileged is None else s.privileged
    await _receive_timestamps_on()
    try:
        sock = ICMPv4Socket(privileged=privileged)
    except (ICMPLibError, OSError) as e:
        return [ProbeResult(sent=0, received=0, error=f"cannot open an ICMP socket: {e}") for _ in hosts]
    loop = asyncio.get_running_loop()
    replies = _Replies(sock, privileged)
    replies.ident = random.randint(1, 0xFFFF)
    sent_at: dict[int, float] = {}
    errors: dict[int, str] = {}
    payload = bytes(s.payload_size)
    with contextlib.suppress(OSError):
        sock.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    with contextlib.suppress(OSError):
        sock.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        if privileged:
            sock.sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE (root may exceed rmem_max)
    sock.sock.setblocking(False)
    loop.add_reader(sock.sock.fileno(), replies.drain)
    try:
        for rnd in range(s.count):
            if rnd:
                await asyncio.sleep(s.interval)
            for h, host in enumerate(hosts):
                seq = rnd * len(hosts) + h
                request = ICMPRequest(destination=host, id=replies.ident, sequence=seq, payload=payload)
                try:
                    sock.send(request)  # stamps request.time (unix seconds) just before sendto
                    sent_at[seq] = request.time
                except (ICMPLibError, OSError) as e:
                    errors[h] = str(e)
            await asyncio.sleep(0)  # let the reader take replies that already came in
        deadline = time.monotonic() + s.timeout
        while len(replies.arrived) < len(sent_at) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        replies.drain()
    finally:
        loop.remove_reader(sock.sock.fileno())
        sock.close()
    results: list[ProbeResult] = []
    for h in range(len(hosts)):
        seqs = [rnd * len(hosts) + h for rnd in range(s.count)]
        sent = [q for q in seqs if q in sent_at]
        rtts = tuple(max(0.0, replies.arrived[q] - sent_at[q]) for q in sent if q in replies.arrived)
        results.append(ProbeResult(sent=len(sent), received=len(rtts), rtts=rtts, error=errors.get(h, "")))
    return results


def handshake_rtt(sock: socket.socket | None) -> float | None:
    """The kernel's RTT of a just-connected TCP socket (its SYN / SYN-ACK exchange), in seconds; None
    where TCP_INFO is not available or holds no sample yet."""
    if sock is None or not hasattr(socket, "TCP_INFO"):
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except OSError:
        return None
    if len(info) < TCP_INFO_RTT_OFFSET + TCP_INFO_RTT.size:
        return None
    (micros,) = TCP_INFO_RTT.unpack_from(info, TCP_INFO_RTT_OFFSET)
    return micros / 1e6 if micros else None


async def tcp_probe(host: str, port: int, timeout: float = 2.0) -> ProbeResult:
    started = time.monotonic()
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (TimeoutError, OSError) as e:
        return ProbeResult(sent=1, received=0, error=f"tcp {host}:{port}: {e or 'timeout'}")
    waited = time.monotonic() - started
    rtt = handshake_rtt(writer.get_extra_info("socket")) or waited
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return ProbeResult(sent=1, received=1, rtts=(rtt,))


async def cert_expiry(host: str, port: int, timeout: float = 3.0) -> float | None:
    """notAfter of the certificate the server presents (unverified: we want the date even when bad)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port, ssl=ctx, server_hostname=host), timeout)
    except (TimeoutError, OSError, ssl.SSLError):
        return None
    try:
        ssl_obj = writer.get_extra_info("ssl_object")
        der = ssl_obj.getpeercert(binary_form=True) if ssl_obj else None
        return x509.load_der_x509_certificate(der).not_valid_after_utc.timestamp() if der else None
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


def _timed_get(url: str, timeout: float) -> tuple[httpx.Response, float]:
    """A blocking GET on a new connection (as a probe should be), timed in the thread that waits for it."""
    with httpx.Client(verify=False, follow_redirects=False, trust_env=False) as client:
        started = time.monotonic()
        response = client.get(url, timeout=timeout)
        return response, time.monotonic() - started


async def http_probe(url: str, timeout: float = 5.0) -> ProbeResult:
    """GET `url` in a worker thread, so the time is the service's and the network's, not the time the
    answer waited for a busy event loop (at most a GIL switch interval, 5 ms, is left of that)."""
    try:
        response, rtt = await asyncio.to_thread(_timed_get, url, timeout)
    except httpx.HTTPError as e:
        return ProbeResult(sent=1, received=0, error=f"http {url}: {type(e).__name__}: {e}")
    expiry = None
    if response.url.scheme == "https":
        expiry = await cert_expiry(response.url.host, response.url.port or 443)
    ok = 200 <= response.status_code < 400
    return ProbeResult(sent=1, received=1 if ok else 0, rtts=(rtt,), http_status=response.status_code,
                       cert_expiry=expiry, error="" if ok else f"http {url}: status {response.status_code}")
