"""SNMP polling in several processes (`--workers N`), so decoding uses every core.

Each worker is a forked process with its own event loop and its own SNMP engines, owning a stable share
of the devices (rendezvous hashing again, so a device keeps its worker). It polls them on their own clocks
and sends each device's state to the parent through a pipe; the parent puts it into the cache the
collectors read. Workers are forked before the parent starts its HTTP thread or event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from netkit.monitor.exporter.cache import DeviceState, MonitorCache
from netkit.monitor.exporter.shard import device_key, owner

log = logging.getLogger("netkit.monitor")


def assign(names: list[str], workers: int) -> list[list[str]]:
    parts: list[list[str]] = [[] for _ in range(workers)]
    for name in names:
        parts[owner(device_key(name), workers) - 1].append(name)
    return parts


class _Child:
    """Runs in the worker process: a Monitor limited to its devices, driven by the parent's commands."""

    def __init__(self, make_monitor: Callable[[list[str]], Any], names: list[str], conn: Connection) -> None:
        self.monitor = make_monitor(names)
        self.conn = conn

    def _send_states(self, names: list[str]) -> None:
        self.conn.send(("states", [self.monitor.cache.devices[n] for n in names]))

    async def _forever(self, stop: asyncio.Event) -> None:
        self.monitor.on_polled = lambda name: self._send_states([name])
        await self.monitor.run(stop, probes=False)

    async def main(self) -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        commands: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

        def readable() -> None:
            try:
                commands.put_nowait(self.conn.recv())
            except (EOFError, OSError):
                stop.set()
                loop.remove_reader(self.conn.fileno())
        loop.add_reader(self.conn.fileno(), readable)
        forever: asyncio.Task[None] | None = None
        while not stop.is_set():
            getter = asyncio.create_task(commands.get())
            stopper = asyncio.create_task(stop.wait())
            done, pending = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            for t in pending:
                t.cancel()
            if getter not in done:
                break
            command, _ = getter.result()
            if command == "cycle":
                await self.monitor.poll_all_once()
                self._send_states(list(self.monitor.pollers))
            elif command == "forever" and forever is None:
                forever = asyncio.create_task(self._forever(stop))
            elif command == "stop":
                stop.set()
        if forever is not None:
            await forever
        self.monitor.close()


def _child_main(make_monitor: Callable[[list[str]], Any], names: list[str], conn: Connection,
                others: list[Connection]) -> None:
    for c in others:  # the parent's ends of the pipes
        c.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    asyncio.run(_Child(make_monitor, names, conn).main())


class WorkerPool:
    """The parent's side: start N workers, apply the states they send to the cache."""

    def __init__(self, cache: MonitorCache, make_monitor: Callable[[list[str]], Any], workers: int) -> None:
        self.cache = cache
        names = list(cache.devices)
        self.parts = [p for p in assign(names, workers) if p]
        ctx = multiprocessing.get_context("fork")
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        pairs = [ctx.Pipe() for _ in self.parts]
        for part, (parent_end, child_end) in zip(self.parts, pairs, strict=True):
            others = [p for p, _ in pairs]
            proc = ctx.Process(target=_child_main, args=(make_monitor, part, child_end, others), daemon=True,
                               name="netkit-poll-worker")
            proc.start()
            child_end.close()
            self.conns.append(parent_end)
            self.procs.append(proc)
        self._waiters: dict[int, asyncio.Future[None]] = {}

    def _apply(self, states: list[DeviceState]) -> None:
        for st in states:
            self.cache.devices[st.spec.name] = st

    def _reader(self, i: int) -> Callable[[], None]:
        conn = self.conns[i]

        def readable() -> None:
            loop = asyncio.get_running_loop()
            try:
                kind, payload = conn.recv()
            except (EOFError, OSError):
                loop.remove_reader(conn.fileno())
                for name in self.parts[i]:
                    self.cache.devices[name].record_error("other", f"{name}: its polling worker exited")
                log.error("polling worker %d exited; its %d devices are no longer polled", i, len(self.parts[i]))
                waiter = self._waiters.pop(i, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)
                return
            if kind == "states":
                self._apply(payload)
                waiter = self._waiters.get(i)
                if waiter is not None and not waiter.done() and len(payload) == len(self.parts[i]):
                    waiter.set_result(None)
        return readable

    def attach(self) -> None:
        loop = asyncio.get_running_loop()
        for i, conn in enumerate(self.conns):
            loop.add_reader(conn.fileno(), self._reader(i))

    def detach(self) -> None:
        loop = asyncio.get_running_loop()
        for conn in self.conns:
            with contextlib.suppress(OSError, ValueError):
                loop.remove_reader(conn.fileno())

    async def cycle(self) -> None:
        """Every worker polls each of its devices once; returns when all states are in."""
        loop = asyncio.get_running_loop()
        waits = []
        for i, conn in enumerate(self.conns):
            self._waiters[i] = loop.create_future()
            waits.append(self._waiters[i])
            conn.send(("cycle", None))
        await asyncio.gather(*waits)
        self._waiters.clear()

    def forever(self) -> None:
        for conn in self.conns:
            conn.send(("forever", None))

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError, BrokenPipeError):
                conn.send(("stop", None))
            conn.close()
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.terminate()
                proc.join(2)
