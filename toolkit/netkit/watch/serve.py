"""`netkit backup serve` wired for production: inventory, backup store, state file, metrics, syslog."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, start_http_server

from netkit.config.models import RenderedConfig
from netkit.config.render import Renderer
from netkit.errors import InputError, NetkitError
from netkit.inventory.credentials import credentials_for
from netkit.inventory.models import Inventory
from netkit.paths import state_dir
from netkit.provision.backups import BackupStore
from netkit.provision.masking import Masker
from netkit.watch.backup import Fetch, napalm_fetch
from netkit.watch.listener import listen, sender_map
from netkit.watch.metrics import WatchCollector
from netkit.watch.schedule import inventory_intervals
from netkit.watch.service import Watcher, WatchSettings
from netkit.watch.state import load_state

log = logging.getLogger("netkit.watch")


def default_state_file() -> Path:
    return state_dir() / "watch" / "state.json"


@dataclass(frozen=True)
class ServeOptions:
    metrics_listen: tuple[str, int] = ("127.0.0.1", 9431)
    syslog_listen: tuple[str, int] | None = None  # None: no syslog, schedule only
    default_interval_s: float = 24 * 3600.0
    debounce_s: float = 3.0
    retry_s: float = 60.0
    concurrency: int = 10
    store: Path | None = None
    state_file: Path | None = None
    devices: tuple[str, ...] = ()  # restrict to these (default: every device with a driver)


def masker_for(inv: Inventory) -> Masker:
    masker = Masker()
    for dev in inv.devices.values():
        with contextlib.suppress(NetkitError):
            masker.add(credentials_for(inv, dev).secrets())
    return masker


def intended_configs(inv: Inventory, names: list[str]) -> dict[str, RenderedConfig]:
    renderer = Renderer(inv)
    out = {}
    for name in names:
        try:
            out[name] = renderer.render(name)
        except NetkitError as e:  # no intent, no compliance: still backed up
            log.warning("%s: no intended config to compare with: %s", name, e)
    return out


def build_watcher(inv: Inventory, opts: ServeOptions, fetch: Fetch | None = None) -> Watcher:
    names = list(opts.devices) or [n for n, d in inv.devices.items() if d.credentials and d.platform.spec.napalm]
    unknown = sorted(set(names) - set(inv.devices))
    if unknown:
        raise InputError(f"{inv.path}: no device named {', '.join(unknown)}")
    intervals = {n: i for n, i in inventory_intervals(inv, opts.default_interval_s).items() if n in names}
    state_path = opts.state_file or default_state_file()
    settings = WatchSettings(intervals=intervals, debounce_s=opts.debounce_s, retry_s=opts.retry_s,
                             concurrency=opts.concurrency)
    return Watcher(inv=inv, store=BackupStore(opts.store or state_dir() / "backups"), state=load_state(state_path),
                   state_path=state_path, settings=settings, fetch=fetch or napalm_fetch(inv),
                   intended=intended_configs(inv, names), masker=masker_for(inv))


async def _serve(watcher: Watcher, opts: ServeOptions) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    transport = None
    if opts.syslog_listen is not None:
        transport = await listen(opts.syslog_listen, sender_map(watcher.inv), watcher.on_syslog, watcher.count)
        log.info("syslog on udp %s:%d", *opts.syslog_listen)
    try:
        await watcher.run(stop)
    finally:
        if transport is not None:
            transport.close()


def serve(inv: Inventory, opts: ServeOptions) -> None:
    """Run until SIGTERM/SIGINT. Metrics at http://<metrics_listen>/metrics."""
    watcher = build_watcher(inv, opts)
    registry = CollectorRegistry()
    registry.register(WatchCollector(inv, lambda: watcher.state))
    try:
        server, _ = start_http_server(opts.metrics_listen[1], opts.metrics_listen[0], registry)
    except OSError as e:
        raise InputError(f"cannot serve metrics on {opts.metrics_listen[0]}:{opts.metrics_listen[1]}: "
                         f"{e.strerror or e}") from e
    log.info("watching %d devices; metrics on http://%s:%d/metrics", len(watcher.settings.intervals),
             *opts.metrics_listen)
    try:
        asyncio.run(_serve(watcher, opts))
    finally:
        server.shutdown()
