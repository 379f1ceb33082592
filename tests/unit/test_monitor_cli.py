"""`netkit monitor targets|status|stop` through the CLI, and the file_sd output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from netkit.cli.app import app
from netkit.errors import InputError
from netkit.monitor.as_code.filesd import check_file_sd
from netkit.monitor.exporter import daemon
from ports import free_port
from typer.testing import CliRunner

runner = CliRunner()


def test_targets_writes_deterministic_file_sd(tmp_path: Path) -> None:
    out = tmp_path / "sd"
    r = runner.invoke(app, ["monitor", "targets", "--shards", "2", "--out", str(out)])
    assert r.exit_code == 0, r.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["netkit-shard-1-of-2.json", "netkit-shard-2-of-2.json"]
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    runner.invoke(app, ["monitor", "targets", "--shards", "2", "--out", str(out)])
    assert first == {p.name: p.read_bytes() for p in out.iterdir()}
    doc = json.loads((out / "netkit-shard-2-of-2.json").read_text())
    assert doc[0]["targets"] == ["127.0.0.1:9431"] and doc[0]["labels"]["netkit_shard"] == "2/2"
    assert "generated" in doc[0]["labels"]["__meta_netkit_generated"]
    r = runner.invoke(app, ["monitor", "targets", "--shards", "1", "--out", str(out), "--json"])
    assert r.exit_code == 0 and sorted(p.name for p in out.iterdir()) == ["netkit-shard-1-of-1.json"]
    assert json.loads(r.output)[0]["devices"] == 8


def test_targets_rejects_bad_input() -> None:
    r = runner.invoke(app, ["monitor", "targets", "--shards", "2", "--exporter", "127.0.0.1:9430"])
    assert r.exit_code == 2 and "one address per shard" in r.output
    r = runner.invoke(app, ["monitor", "serve", "--shard", "3/2"])
    assert r.exit_code == 2 and "--shard" in r.output
    r = runner.invoke(app, ["monitor", "serve", "--listen", "nowhere"])
    assert r.exit_code == 2 and "HOST:PORT" in r.output


def test_file_sd_check_refuses_bad_documents() -> None:
    for text in ('{"targets": []}', '[{"targets": ["no port"]}]', '[{"targets": ["a:1"], "labels": {"1x": "y"}}]'):
        with pytest.raises(InputError):
            check_file_sd(text, "x.json")


def test_status_reads_a_running_exporter_and_fails_when_unreachable() -> None:
    r = runner.invoke(app, ["monitor", "status", "--from", "http://127.0.0.1:9", "--json"])
    assert r.exit_code == 1 and "cannot read" in r.output


def test_stop_without_exporter_is_not_an_error(tmp_path: Path) -> None:
    r = runner.invoke(app, ["monitor", "stop", "--pidfile", str(tmp_path / "x.pid")])
    assert r.exit_code == 0 and "no exporter" in r.output


def test_stop_signals_only_an_exporter(tmp_path: Path) -> None:
    pidfile = tmp_path / "exporter.pid"
    # a process whose command line looks like `... monitor serve` (it only sleeps)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "monitor", "serve"])
    try:
        pidfile.write_text(f"{proc.pid}\n")
        deadline = time.monotonic() + 5
        while not daemon.is_exporter(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # until the child has exec'd
        assert daemon.is_exporter(proc.pid)
        outcome = daemon.stop(pidfile, timeout=5)
        assert outcome.stopped and proc.wait(5) is not None and not pidfile.exists()
        pidfile.write_text(f"{os.getpid()}\n")  # this pytest is not an exporter: never signalled
        assert not daemon.stop(pidfile).stopped and not pidfile.exists()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_background_serve_and_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real exporter on loopback (its lab targets have no route here, so it sends nothing)."""
    monkeypatch.setenv("NETKIT_STATE_DIR", str(tmp_path))
    pidfile = tmp_path / "monitor" / "exporter.pid"
    port = free_port()
    r = runner.invoke(app, ["monitor", "serve", "--background", "--listen", f"127.0.0.1:{port}"])
    try:
        assert r.exit_code == 0, r.output
        pid = daemon.read_pid(pidfile)
        assert pid is not None and daemon.is_exporter(pid)
        import httpx
        started = time.perf_counter()
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", trust_env=False, timeout=10).text
        assert time.perf_counter() - started < 1.0
        assert 'netkit_exporter_targets{kind="snmp"} 8.0' in text
        assert 'target="gateway"' in text and "netkit_mou_latency_seconds" in text
    finally:
        r2 = runner.invoke(app, ["monitor", "stop"])
    assert r2.exit_code == 0 and "stopped" in r2.output
    assert not pidfile.exists()
