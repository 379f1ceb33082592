"""Impairment: option parsing, the tc arguments, and the relay's delay/jitter/loss (over socket pairs)."""

from __future__ import annotations

import random
import socket

import pytest
from netkit.errors import InputError
from netkit.inventory.models import Impairment
from netkit.lab.impair import (
    _netem,
    _tbf,
    describe,
    is_clear,
    parse_duration_ms,
    parse_percent,
    parse_rate_mbit,
)
from netkit.lab.relay import Direction, Shape


def test_parsing() -> None:
    assert parse_duration_ms("30ms", "--delay") == 30
    assert parse_duration_ms("0.5s", "--delay") == 500
    assert parse_duration_ms("800us", "--delay") == pytest.approx(0.8)
    assert parse_duration_ms("7", "--delay") == 7
    assert parse_percent("2%", "--loss") == 2 and parse_percent("0.5", "--loss") == 0.5
    assert parse_rate_mbit("50mbit", "--rate") == 50 and parse_rate_mbit("512kbit", "--rate") == 0.512
    assert parse_rate_mbit("1gbit", "--rate") == 1000 and parse_rate_mbit("1mbps", "--rate") == 8
    for bad, fn in (("fast", parse_duration_ms), ("120%", parse_percent), ("0mbit", parse_rate_mbit),
                    ("-3ms", parse_duration_ms)):
        with pytest.raises(InputError, match="--opt"):
            fn(bad, "--opt")


def test_describe_and_clear() -> None:
    imp = Impairment(delay_ms=30, jitter_ms=5, loss_pct=2, rate_mbit=50)
    assert describe(imp) == "delay 30ms ±5ms, loss 2%, rate 50mbit"
    assert is_clear(None) and is_clear(Impairment()) and not is_clear(Impairment(rate_mbit=1))


def test_tc_arguments() -> None:
    assert _netem(Impairment(delay_ms=30, jitter_ms=5, loss_pct=2, rate_mbit=50)) == \
        ["netem", "delay", "30ms", "5ms", "loss", "2%", "rate", "50000kbit"]
    tbf = _tbf(20)
    assert tbf[:3] == ["tbf", "rate", "20000kbit"] and int(tbf[4]) >= 4096 and "latency" in tbf


def _pair() -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.setblocking(False)
    b.setblocking(False)
    return a, b


def _direction(shape: Shape, seed: int = 1) -> tuple[Direction, socket.socket, socket.socket]:
    """A direction reading from `src_peer`'s partner and writing towards `dst_peer`."""
    src, src_peer = _pair()
    dst, dst_peer = _pair()
    return Direction(src, dst, shape, random.Random(seed)), src_peer, dst_peer


def _drain(sock: socket.socket) -> list[bytes]:
    frames = []
    while True:
        try:
            frames.append(sock.recv(2048))
        except BlockingIOError:
            return frames


def test_frames_are_held_for_the_delay_then_passed_in_order() -> None:
    d, inject, out = _direction(Shape(delay_ms=30))
    for i in range(5):
        inject.send(b"frame%d" % i)
    d.receive(now=100.0)
    d.flush(now=100.029)
    assert _drain(out) == []
    d.flush(now=100.031)
    assert _drain(out) == [b"frame%d" % i for i in range(5)] and d.passed == 5


def test_jitter_varies_the_delay_but_never_reorders() -> None:
    d, inject, out = _direction(Shape(delay_ms=20, jitter_ms=10), seed=7)
    dues = []
    for i in range(200):
        inject.send(b"%d" % i)
        d.receive(now=float(i) * 0.001)
        dues.append(d.queue[-1][0] - i * 0.001)
    assert min(dues) >= 0.010 - 1e-9 and max(dues) <= 0.030 + 0.2  # ordering may hold a frame back a little
    assert len({round(x, 4) for x in dues}) > 50
    d.flush(now=10.0)
    assert _drain(out) == [b"%d" % i for i in range(200)]


def test_loss_drops_about_the_share_asked_for() -> None:
    d, inject, out = _direction(Shape(loss_pct=20), seed=3)
    got = 0
    for i in range(1000):
        inject.send(b"%d" % i)
        d.receive(now=float(i))
        d.flush(now=float(i))
        got += len(_drain(out))
    assert 740 <= got <= 860 and d.dropped == 1000 - got
