"""Delay, jitter and loss for one lab link on a kernel without netem.

Runs in the lab's wire namespace and moves Ethernet frames between the link's two wire-side veth ends
(detached from their bridge while it runs), holding each frame for `delay ± jitter` and dropping a
share of them. Frames keep their order (jitter never reorders, as on a real circuit). Rate limiting
is not done here: a `tbf` qdisc on each wire-side end shapes what the relay sends.

`python -m netkit.lab.relay --a l0a --b l0b --delay-ms 30 --jitter-ms 5 --loss-pct 2`

The sockets carry the kernel's virtio-net header (PACKET_VNET_HDR), so segmentation-offloaded
super-frames and partial checksums pass through untouched instead of being dropped as oversized.
"""

from __future__ import annotations

import argparse
import collections
import random
import select
import signal
import socket
import sys
import time
from dataclasses import dataclass, field

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
PACKET_IGNORE_OUTGOING = 23
FRAME_MAX = 65536 + 256
QUEUE_MAX = 20000  # frames held per direction (netem's default limit is 1000 packets)


@dataclass(frozen=True)
class Shape:
    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    loss_pct: float = 0.0


def open_port(ifname: str) -> socket.socket:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    sock.bind((ifname, ETH_P_ALL))  # CPython applies htons() to the bind protocol itself
    sock.setblocking(False)
    return sock


@dataclass
class Direction:
    """Frames read from `src`, held, then written to `dst`."""

    src: socket.socket
    dst: socket.socket
    shape: Shape
    rng: random.Random
    queue: collections.deque[tuple[float, bytes]] = field(default_factory=collections.deque)
    last_due: float = 0.0
    passed: int = 0
    dropped: int = 0

    def due_time(self, now: float) -> float:
        jitter = self.rng.uniform(-self.shape.jitter_ms, self.shape.jitter_ms) if self.shape.jitter_ms else 0.0
        due = now + max(0.0, self.shape.delay_ms + jitter) / 1000.0
        self.last_due = max(due, self.last_due)
        return self.last_due

    def receive(self, now: float) -> None:
        while True:
            try:
                frame = self.src.recv(FRAME_MAX)
            except BlockingIOError:
                return
            except OSError:
                return
            if (self.shape.loss_pct and self.rng.random() * 100.0 < self.shape.loss_pct) or \
                    len(self.queue) >= QUEUE_MAX:
                self.dropped += 1
                continue
            self.queue.append((self.due_time(now), frame))

    def flush(self, now: float) -> None:
        while self.queue and self.queue[0][0] <= now:
            _, frame = self.queue.popleft()
            try:
                self.dst.send(frame)
                self.passed += 1
            except OSError:  # the shaping qdisc behind us is full: that frame is lost, as on a full line
                self.dropped += 1

    def next_due(self) -> float | None:
        return self.queue[0][0] if self.queue else None


def relay(a: str, b: str, shape: Shape, seed: int | None = None) -> None:
    rng = random.Random(seed)
    sa, sb = open_port(a), open_port(b)
    directions = {sa.fileno(): Direction(sa, sb, shape, rng), sb.fileno(): Direction(sb, sa, shape, rng)}
    poller = select.epoll()
    for fd in directions:
        poller.register(fd, select.EPOLLIN)
    while True:
        now = time.monotonic()
        dues = [d for x in directions.values() if (d := x.next_due()) is not None]
        timeout = max(0.0, min(dues) - now) if dues else 1.0
        for fd, _ in poller.poll(timeout):
            directions[fd].receive(time.monotonic())
        now = time.monotonic()
        for direction in directions.values():
            direction.flush(now)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="relay frames between two interfaces with delay/jitter/loss")
    parser.add_argument("--a", required=True, help="one end (interface in this namespace)")
    parser.add_argument("--b", required=True, help="the other end")
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--loss-pct", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--lab", default="", help="the lab's namespace prefix (only to tell labs apart in ps)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    relay(args.a, args.b, Shape(args.delay_ms, args.jitter_ms, args.loss_pct), args.seed)


if __name__ == "__main__":
    main()
