"""Run Debian's Prometheus and Alertmanager on loopback from netkit's generated config.

Everything lives under one directory (default: <state dir>/monitor/stack): the generated prometheus.yml,
rules, file_sd targets, alertmanager.yml, the TSDB and Alertmanager data, logs and pidfiles. `up` starts
both (or, when they already run, rewrites the config and reloads them with SIGHUP), `down` stops them by
the PIDs it recorded (checking each PID still runs our binary with our config before signalling it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from netkit.errors import EnvironmentProblem, NetkitError
from netkit.inventory.models import Inventory
from netkit.monitor.as_code.filesd import plan_targets, write_targets
from netkit.monitor.as_code.rules_build import generate_rules
from netkit.monitor.as_code.rules_config import (
    AlertmanagerSettings,
    alertmanager_config,
    check_alertmanager_text,
    check_prometheus_config,
    prometheus_config,
    prometheus_settings_for,
)
from netkit.monitor.as_code.rules_links import Links
from netkit.monitor.as_code.rules_windows import PRODUCTION, WindowSet
from netkit.monitor.exporter.daemon import monitor_dir
from netkit.monitor.exporter.webconfig import ExporterScrape
from netkit.procs import process_alive, read_pid

PROMETHEUS = "prometheus"
ALERTMANAGER = "alertmanager"
_BINARIES = {PROMETHEUS: ("prometheus",), ALERTMANAGER: ("prometheus-alertmanager", "alertmanager")}


def default_stack_dir() -> Path:
    return monitor_dir() / "stack"


@dataclass(frozen=True)
class StackSettings:
    prometheus_listen: str = "127.0.0.1:9090"
    alertmanager_listen: str = "127.0.0.1:9093"
    exporters: tuple[str, ...] = ("127.0.0.1:9430",)
    windows: WindowSet = PRODUCTION
    alertmanager: AlertmanagerSettings = field(default_factory=AlertmanagerSettings)
    links: Links = field(default_factory=Links)
    retention: str = "15d"
    exporter_scrape: ExporterScrape | None = None
    watchers: tuple[str, ...] = ()  # `netkit backup serve --listen` addresses to scrape


@dataclass(frozen=True)
class ProcessState:
    name: str
    pid: int | None
    alive: bool
    url: str
    ready: bool


@dataclass(frozen=True)
class StackState:
    directory: Path
    processes: list[ProcessState]

    @property
    def running(self) -> bool:
        return all(p.alive for p in self.processes)


def binary(name: str) -> str:
    for candidate in _BINARIES[name]:
        if path := shutil.which(candidate):
            return path
    raise EnvironmentProblem(f"{'/'.join(_BINARIES[name])} not found: install the Debian package "
                             f"{'prometheus' if name == PROMETHEUS else 'prometheus-alertmanager'}")


def _header(what: str) -> list[str]:
    return [f"(`netkit monitor stack up`): {what}. Rewritten on every `stack up`."]


def write_config(inv: Inventory, s: StackSettings, directory: Path) -> None:
    """Generate rules, targets, prometheus.yml and alertmanager.yml under `directory`, all checked."""
    directory.mkdir(parents=True, exist_ok=True)
    generate_rules(inv, directory / "rules", s.windows, s.links)
    # One exporter per shard, in shard order, exactly as `netkit monitor targets` writes them.
    write_targets(plan_targets(inv, len(s.exporters), list(s.exporters)), directory / "targets")
    prom = prometheus_settings_for(s.windows, alertmanagers=(s.alertmanager_listen,),
                                   self_address=s.prometheus_listen, exporter_scrape=s.exporter_scrape,
                                   watchers=s.watchers)
    (directory / "prometheus.yml").write_text(prometheus_config(prom, _header("Prometheus")), encoding="utf-8")
    check_prometheus_config(directory / "prometheus.yml")
    am_text = alertmanager_config(inv, s.alertmanager, _header("Alertmanager"))
    check_alertmanager_text(am_text)
    (directory / "alertmanager.yml").write_text(am_text, encoding="utf-8")


def _command(name: str, s: StackSettings, directory: Path) -> list[str]:
    if name == PROMETHEUS:
        return [binary(PROMETHEUS), f"--config.file={directory / 'prometheus.yml'}",
                f"--storage.tsdb.path={directory / 'data' / 'prometheus'}",
                f"--web.listen-address={s.prometheus_listen}", f"--storage.tsdb.retention.time={s.retention}",
                "--web.enable-lifecycle", "--web.enable-admin-api"]
    return [binary(ALERTMANAGER), f"--config.file={directory / 'alertmanager.yml'}",
            f"--storage.path={directory / 'data' / 'alertmanager'}",
            f"--web.listen-address={s.alertmanager_listen}", "--cluster.listen-address="]


def _pidfile(directory: Path, name: str) -> Path:
    return directory / f"{name}.pid"


def _url(directory: Path, name: str) -> str:
    f = directory / f"{name}.url"
    return f.read_text(encoding="utf-8").strip() if f.exists() else ""


def _our_pid(directory: Path, name: str) -> int | None:
    """The recorded PID, only if that process still runs with our config (PIDs get reused)."""
    if (pid := read_pid(_pidfile(directory, name))) is None:
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return None
    return pid if str(directory / f"{name}.yml") in cmdline else None


def _ready(url: str, timeout: float = 1.0) -> bool:
    try:
        return httpx.get(f"{url}/-/ready", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def status(directory: Path | None = None) -> StackState:
    directory = directory or default_stack_dir()
    procs = []
    for name in (PROMETHEUS, ALERTMANAGER):
        pid, url = _our_pid(directory, name), _url(directory, name)
        procs.append(ProcessState(name, pid, pid is not None, url, pid is not None and bool(url) and _ready(url)))
    return StackState(directory, procs)


def _wait_ready(name: str, url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-8:]
            raise NetkitError(f"{name} exited with code {proc.returncode}; last lines of {log}:\n" + "\n".join(tail))
        if _ready(url):
            return
        time.sleep(0.2)
    raise NetkitError(f"{name} did not become ready at {url} within {timeout:.0f} s (log: {log})")


def up(inv: Inventory, s: StackSettings, directory: Path | None = None, timeout: float = 30.0) -> StackState:
    """Write the config and start Prometheus and Alertmanager, or reload them if they already run."""
    directory = directory or default_stack_dir()
    write_config(inv, s, directory)
    listen = {PROMETHEUS: s.prometheus_listen, ALERTMANAGER: s.alertmanager_listen}
    for name in (ALERTMANAGER, PROMETHEUS):
        url = f"http://{listen[name]}"
        if (pid := _our_pid(directory, name)) is not None and _url(directory, name) == url:
            os.kill(pid, signal.SIGHUP)
            continue
        if pid is not None:
            _stop_one(directory, name)
        log = directory / f"{name}.log"
        with log.open("ab") as out:
            proc = subprocess.Popen(_command(name, s, directory), stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        _pidfile(directory, name).write_text(f"{proc.pid}\n", encoding="utf-8")
        (directory / f"{name}.url").write_text(url + "\n", encoding="utf-8")
        try:
            _wait_ready(name, url, proc, log, timeout)
        except NetkitError:
            down(directory)
            raise
    return status(directory)


def _stop_one(directory: Path, name: str, timeout: float = 10.0,
              sleep: Callable[[float], None] = time.sleep) -> bool:
    pid = _our_pid(directory, name)
    stopped = False
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        stopped = True
    for suffix in (".pid", ".url"):
        (directory / f"{name}{suffix}").unlink(missing_ok=True)
    return stopped


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our own child (tests start it in-process)
    return process_alive(pid)


def down(directory: Path | None = None) -> list[str]:
    """Stop whatever `up` started in `directory`; return the names stopped. Idempotent."""
    directory = directory or default_stack_dir()
    return [name for name in (PROMETHEUS, ALERTMANAGER) if _stop_one(directory, name)]
