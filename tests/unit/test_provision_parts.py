"""Masking, the backup store, the site lock, post-check expectations, artifact scrubbing, CLI."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest
from netkit.cli.app import app
from netkit.inventory import load_inventory
from netkit.provision.backups import BackupStore
from netkit.provision.lock import SiteLock, SiteLocked
from netkit.provision.masking import MASK, Masker
from netkit.provision.plan import expectations
from netkit.provision.runner import scrub_artifacts
from provision_fixtures import make_inventory, write_lab_credentials
from typer.testing import CliRunner


def test_masker_masks_known_secrets_and_secret_keywords() -> None:
    m = Masker(["s3cret-pw", "ab"])  # too-short values are ignored (they would mask everything)
    text = "user x password s3cret-pw\n neighbor 1.2.3.4 password other\nsnmp-server community pub RO\nab"
    out = m.mask(text)
    assert "s3cret-pw" not in out and "other" not in out and "pub" not in out
    assert out.count(MASK) == 3 and out.endswith("ab")
    assert m.leaks(text) == ["s3cret-pw"] and m.leaks(out) == []


def test_backup_store_commits_logs_and_reads(tmp_path: Path) -> None:
    store = BackupStore(tmp_path / "b")
    first = store.save("s1", {"r1": "hostname a\n", "r2": "x\n"}, "alice", "before provisioning")
    second = store.save("s1", {"r1": "hostname b\n"}, "bob", "before rollback")
    same = store.save("s1", {"r1": "hostname b\n"}, "bob", "again")
    assert len({first, second, same}) == 3  # every backup has its own id
    assert store.read("s1", "r1", first) == "hostname a\n" and store.read("s1", "r1") == "hostname b\n"
    assert store.read("s1", "r2", second) == "x\n" and store.read("s1", "nope") is None
    log = store.log("s1", "r1")
    assert [e.id for e in log] == [second, first]  # only backups that changed the file
    assert "-hostname a" in log[0].diff and "+hostname b" in log[0].diff and log[0].author == "bob"
    assert store.resolve(first[:8]) == first
    assert oct((tmp_path / "b").stat().st_mode & 0o777) == "0o700"


def _hold(locks: str, ready: multiprocessing.synchronize.Event, done: multiprocessing.synchronize.Event) -> None:
    lock = SiteLock(Path(locks), "moj-hq", "netkit provision site moj-hq")
    lock.acquire()
    ready.set()
    done.wait(10)


def test_site_lock_refuses_a_second_holder_and_frees_on_death(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    ready, done = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold, args=(str(tmp_path), ready, done))
    proc.start()
    assert ready.wait(10)
    with pytest.raises(SiteLocked) as exc:
        SiteLock(tmp_path, "moj-hq").acquire()
    assert exc.value.holder is not None and exc.value.holder.pid == proc.pid
    assert "netkit provision site moj-hq" in str(exc.value) and "since" in str(exc.value)
    os.kill(proc.pid, 9)  # a killed holder never leaves a stale lock
    proc.join(5)
    with SiteLock(tmp_path, "moj-hq"):
        pass


def test_expectations_follow_the_topology() -> None:
    inv = load_inventory()
    site = expectations(inv, inv.devices["moj-hq-r1"])
    assert {b.peer for b in site.bgp_established} == {"198.18.16.33", "198.18.16.35"}
    assert {"eth0", "eth1", "eth2", "lan0", "lo"} <= set(site.interfaces_up)
    dests = {p.destination: p for p in site.ping}
    assert dests["198.18.0.193"].source == "198.18.16.1"  # the verification service, from the site's loopback
    assert "198.18.16.65" in dests  # the site's icmp target `router` = its LAN gateway
    core = expectations(inv, inv.devices["dc-core1"])
    assert core.bgp_established == []  # customer sites may still be in factory state
    assert [o.neighbor for o in core.ospf_full] == ["198.18.0.33"]
    assert "eth3" not in core.interfaces_up and "eth1" in core.interfaces_up and "noc0" in core.interfaces_up


def test_scrub_artifacts_masks_every_file(tmp_path: Path) -> None:
    (tmp_path / "artifacts" / "x").mkdir(parents=True)
    (tmp_path / "artifacts" / "x" / "command").write_text(json.dumps({"env": {"NETKIT_CRED_LAB_PASSWORD": "pw-12345"}}))
    (tmp_path / "artifacts" / "x" / "stdout").write_text("ok\n")
    touched = scrub_artifacts(tmp_path, Masker(["pw-12345"]))
    assert touched == [tmp_path / "artifacts" / "x" / "command"]
    assert "pw-12345" not in (tmp_path / "artifacts" / "x" / "command").read_text()


def test_cli_bad_input_and_non_interactive_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("NETKIT_STATE_DIR", str(state))
    write_lab_credentials(state)
    inv = str(make_inventory(tmp_path))
    runner = CliRunner()
    r = runner.invoke(app, ["provision", "site", "atlantis", "-i", inv, "--yes"])
    assert r.exit_code == 2 and "valid sites" in r.output
    r = runner.invoke(app, ["provision", "site", "moj-hq", "-i", inv, "--only", "dc-core1", "--yes"])
    assert r.exit_code == 2 and "its devices: moj-hq-r1" in r.output
    r = runner.invoke(app, ["provision", "site", "moj-hq", "-i", inv])  # stdin is not a terminal
    assert r.exit_code == 2 and "--yes" in r.output
    r = runner.invoke(app, ["rollback", "site", "moj-hq", "-i", inv])
    assert r.exit_code == 2 and "--yes" in r.output
    r = runner.invoke(app, ["backup", "-i", inv])
    assert r.exit_code == 2 and "give a SITE or --all" in r.output
    r = runner.invoke(app, ["backup", "log", "moj-hq-r1", "-i", inv, "--json"])
    assert r.exit_code == 0 and json.loads(r.output) == []
    assert not (state / "runs").exists()  # nothing ran


def test_secrets_broker_serves_each_device_and_leaves_nothing() -> None:
    import socket

    from netkit.inventory.credentials import Credentials
    from netkit.provision.secrets_broker import SecretsBroker
    from pydantic import SecretStr

    broker = SecretsBroker({"r1": Credentials(username="u", password=SecretStr("pw-123456"), snmp_user="netkit",
                                              snmp_auth_key=SecretStr("auth-123456"))})

    def ask(device: str) -> object:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(broker.path))
            s.sendall(device.encode() + b"\n")
            s.shutdown(socket.SHUT_WR)
            return json.loads(s.makefile().read())

    assert oct(broker.path.stat().st_mode & 0o777) == "0o600" and oct(broker.dir.stat().st_mode & 0o777) == "0o700"
    assert ask("r1") == {"username": "u", "password": "pw-123456", "secrets": ["pw-123456", "auth-123456"],
                         "marks": {"username": "u", "password": "pw-123456", "snmp_auth_key": "auth-123456"}}
    assert ask("r2") is None
    broker.close()
    assert not broker.dir.exists()


def test_secrets_broker_takes_another_runs_liveness_check_quietly(capfd: pytest.CaptureFixture[str]) -> None:
    """Each transaction's broker checks the others are alive (connect, hang up): no traceback for that."""
    import time

    from netkit.inventory.credentials import Credentials
    from netkit.provision.secrets_broker import SecretsBroker, sweep_stale
    from pydantic import SecretStr

    broker = SecretsBroker({"r1": Credentials(username="u", password=SecretStr("pw-123456"), snmp_user="netkit")})
    try:
        assert broker.dir not in sweep_stale()  # it answers, so it is kept
        time.sleep(0.2)  # the handler thread runs after the probe hung up
        assert broker.dir.exists()
    finally:
        broker.close()
    assert "Traceback" not in capfd.readouterr().err


def test_secrets_broker_sweeps_what_killed_runs_left(tmp_path: Path) -> None:
    import socket

    from netkit.provision.secrets_broker import sweep_stale

    dead = tmp_path / "netkit-secrets-dead"
    dead.mkdir()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(dead / "s"))  # bound, never listening: like the socket of a killed netkit
    live = tmp_path / "netkit-secrets-live"
    live.mkdir()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(live / "s"))
    server.listen()
    try:
        assert sweep_stale(tmp_path) == [dead]
        assert live.exists() and not dead.exists()
    finally:
        server.close()
