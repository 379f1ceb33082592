"""The lab's record of what it built, and the CLI's exit codes for bad input and a missing environment."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from netkit import procs
from netkit.cli.app import app
from netkit.inventory.generate import NationalShape, write_national_inventory
from netkit.lab import system
from netkit.lab.state import ProcessRecord, StateStore, lab_lock
from typer.testing import CliRunner


def test_state_is_saved_at_each_step_and_reloads(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "lab")
    assert store.load() is None
    store.begin("nk-", Path("/inv"), provisioned=False)
    store.add("namespaces", "nk-a", "nk-b", "nk-a")
    store.add_process("a", ProcessRecord(name="zebra", pid=123, start_time=456))
    with store.change() as st:
        st.phase = "up"
    again = StateStore(tmp_path / "lab").load()
    assert again is not None and again.namespaces == ["nk-a", "nk-b"] and again.phase == "up"
    assert again.processes["a"][0].pid == 123
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.clear()
    assert not store.path.exists() and StateStore(tmp_path / "lab").load() is None


def test_lab_lock_is_reentrant_in_one_process(tmp_path: Path) -> None:
    with lab_lock(tmp_path), lab_lock(tmp_path):  # a signal handler's teardown inside lab up
        pass


def test_process_helpers_know_a_live_process_from_a_dead_one() -> None:
    import os

    me = os.getpid()
    assert procs.process_alive(me) and procs.process_alive(me, procs.process_start_time(me))
    assert not procs.process_alive(me, (procs.process_start_time(me) or 0) + 1)  # a reused PID
    assert not procs.process_alive(2**22 + 12345)


def test_process_cpu_seconds_counts_this_process_work(tmp_path: Path) -> None:
    import os
    import time

    me = os.getpid()
    before = procs.process_cpu_seconds(me)
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:  # burn 0.2 s of CPU
        pass
    after = procs.process_cpu_seconds(me)
    assert before is not None and after is not None and 0.1 <= after - before <= 5, (before, after)
    assert procs.process_cpu_seconds(2**22 + 12345) is None
    pidfile = tmp_path / "x.pid"
    pidfile.write_text(f"{me}\n")
    assert procs.read_pid(pidfile) == me and procs.read_pid(tmp_path / "none.pid") is None


runner = CliRunner()


def test_bad_input_exits_2_before_anything_is_touched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETKIT_STATE_DIR", str(tmp_path / "state"))
    write_national_inventory(tmp_path / "inv", NationalShape(ministries=1, provinces=1, devices_per_site=1))
    out = runner.invoke(app, ["lab", "up", "-i", str(tmp_path / "inv")])
    assert out.exit_code == 2 and "no lab-capable devices" in out.output
    out = runner.invoke(app, ["lab", "impair", "moj-hq-r1:eth1"])
    assert out.exit_code == 2 and "--clear, or at least one of" in out.output
    out = runner.invoke(app, ["lab", "exec", "no-such-device", "--", "true"])
    assert out.exit_code == 2 and "no lab device named 'no-such-device'" in out.output
    assert not (tmp_path / "state").exists()


def test_missing_root_or_package_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETKIT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(system.os, "geteuid", lambda: 1000)
    out = runner.invoke(app, ["lab", "up"])
    assert out.exit_code == 3 and "needs root" in out.output
    monkeypatch.setattr(system.os, "geteuid", lambda: 0)
    monkeypatch.setattr(system, "missing_tools", lambda tools: ["snmpd (Debian package snmpd)"])
    out = runner.invoke(app, ["lab", "up"])
    assert out.exit_code == 3 and "snmpd (Debian package snmpd)" in out.output and "apt-get install" in out.output
    assert not (tmp_path / "state").exists()


def test_generate_writes_a_lab_inventory(tmp_path: Path) -> None:
    out = runner.invoke(app, ["lab", "generate", str(tmp_path / "gen"), "--routers", "5"])
    assert out.exit_code == 0 and (tmp_path / "gen" / "hosts.yml").is_file()
    out = runner.invoke(app, ["inventory", "check", "-i", str(tmp_path / "gen")])
    assert out.exit_code == 0, out.output


def test_health_problems_name_missing_namespaces_dead_daemons_and_dead_relays(tmp_path: Path) -> None:
    from netkit.inventory import load_inventory
    from netkit.lab.plan import plan_lab
    from netkit.lab.status import health_problems

    plan = plan_lab(load_inventory(), "nk-review-none-", run_root=tmp_path / "run")  # nothing of it exists
    store = StateStore(tmp_path / "lab")
    store.begin(plan.prefix, Path("/inv"), provisioned=False)
    link = plan.links[0]
    store.add_process(f"relay {link.name}", ProcessRecord(name="relay", pid=2**22 + 12345))
    problems = health_problems(plan, store)
    assert [p for p in problems if p.startswith("namespace ")] == \
        [f"namespace {ns} is missing" for ns in plan.namespaces]
    iperf3 = ", iperf3" if shutil.which("iperf3") else ""  # routers run an iperf3 server where it is installed
    assert f"dc-core1: snmpd, sshd, watchfrr, zebra, bgpd, ospfd, staticd, syslog-forward{iperf3} not running" in problems
    assert problems[-1] == f"{link.name}: impairment relay not running"
    assert len(problems) == len(plan.namespaces) + len(plan.devices) + 1
