"""Rollouts against the real lab (factory state at first): a failed canary stops before any wave, a wave
with more than K failures stops the rest untouched, a rollout killed mid-wave is resumed. Tests run in
file order and build on each other (the data centers are confirmed by the first one)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import NETKIT
from labcopy import copy_inventory
from netkit.monitor.as_code import stack
from netkit.provision.backend import Progress
from netkit.provision.defaults import production_env
from netkit.provision.rollout_record import RolloutRecord
from netkit.provision.transaction import ProvisionOptions
from test_alerting_e2e import free_port
from test_provision_lab import nft_drop, running, transaction, with_extra

pytestmark = pytest.mark.lab
LAB_MODE = "factory"
LAB_CHANGES_DEVICES = True  # it provisions the factory lab: the next module gets a new one
FAST = ("--yes", "--json", "--check-wait", "5", "--confirm-timeout", "30")
VERIFY = "198.18.0.193"  # the verification service every customer site must reach


def rollout(lab: Any, *args: str, timeout: float = 900) -> tuple[int, RolloutRecord]:
    proc = lab.netkit("provision", "site", *args, *FAST, timeout=timeout)
    try:
        return proc.returncode, RolloutRecord.model_validate_json(proc.stdout)
    except ValueError:
        pytest.fail(f"exit {proc.returncode}: {proc.stdout[-3000:]}{proc.stderr[-3000:]}")


def factory(lab: Any, site: str) -> bool:
    return all("router bgp" not in "\n".join(running(lab, d.name)) for d in lab.inventory.site_devices(site)
               if d.is_router)


def test_a_failed_canary_stops_the_rollout_before_any_wave(lab: Any) -> None:
    with nft_drop(lab, "moj-hq-r1", f"c ip daddr {VERIFY} icmp type echo-request drop"):
        code, record = rollout(lab, "--all", "--canary", "moj-hq", "--wave-size", "2")
    assert code == 1 and record.status == "stopped", record.model_dump_json(indent=1)
    assert "canary not confirmed on moj-hq" in record.stop_reason
    assert record.sites["nat-dc"].state == "confirmed" and record.sites["moj-hq"].state == "rolled-back"
    never = [c for c, e in record.sites.items() if e.state == "pending"]
    assert sorted(never) == ["moc-hq", "moj-battambang", "moj-ratanakiri", "mowa-hq"]
    assert all(factory(lab, c) for c in [*never, "moj-hq"])
    assert (production_env().locks_dir.parent / "rollouts" / f"{record.id}.json").is_file()


def test_a_wave_with_more_than_k_failures_stops_and_the_rest_stays_untouched(lab: Any) -> None:
    # wave 1 = moc-hq, moj-battambang (inventory order); moc-hq fails, --max-failed 0
    with nft_drop(lab, "moc-hq-r1", f"c ip daddr {VERIFY} icmp type echo-request drop"):
        code, record = rollout(lab, "--all", "--wave-size", "2", "--max-failed", "0")
    assert code == 1 and record.status == "stopped", record.model_dump_json(indent=1)
    assert "more than --max-failed 0" in record.stop_reason
    assert [w.sites for w in record.waves][1] == ["moc-hq", "moj-battambang"]
    assert record.sites["moc-hq"].state == "rolled-back" and record.sites["moj-battambang"].state == "confirmed"
    for code_ in ("moj-ratanakiri", "moj-hq", "mowa-hq"):
        assert record.sites[code_].state == "pending" and factory(lab, code_)


def test_a_rollout_killed_mid_wave_is_resumed(lab: Any) -> None:
    """kill -9 right after wave 3's commit (the third customer site, factory before); resume: the confirmed
    sites are not redone, the interrupted site is settled (here: its router-side revert timer restores it) and
    ends confirmed."""
    third = sorted(c for c, s in lab.inventory.sites.items() if s.kind == "customer")[2]  # waves of 1, by code
    env = {**os.environ, "NETKIT_INVENTORY": str(lab.inventory.path)}
    proc = subprocess.Popen([*NETKIT, "provision", "site", "--all", "--wave-size", "1", "--yes", "--check-wait", "5",
                             "--confirm-timeout", "30"], stdout=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    rollout_id = ""
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # not a terminal: one line per wave event
            if line.startswith("rollout ") and "wave 3 (" in line and "started" in line:
                rollout_id = line.split()[1].rstrip(":")
                deadline = time.monotonic() + 120
                while factory(lab, third) and time.monotonic() < deadline:
                    time.sleep(0.2)
                os.killpg(proc.pid, signal.SIGKILL)  # committed, not confirmed: its revert timer is running
                break
        else:
            pytest.fail("wave 3 never started")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    store = production_env().locks_dir.parent / "rollouts"
    killed = RolloutRecord.model_validate_json((store / f"{rollout_id}.json").read_text())
    assert killed.status == "running" and killed.sites[third].state == "running"
    done_before = [c for c, e in killed.sites.items() if e.state in ("confirmed", "unchanged")]
    resumed = lab.netkit("provision", "resume", rollout_id, "--json", timeout=900)
    record = RolloutRecord.model_validate_json(resumed.stdout)
    assert resumed.returncode == 0 and record.status == "done", resumed.stdout[-3000:] + resumed.stderr[-2000:]
    assert all(e.state in ("confirmed", "unchanged") for e in record.sites.values())
    audit = [json.loads(ln) for ln in production_env().audit.path.read_text().splitlines()]
    mine = [a for a in audit if a.get("rollout") == rollout_id and a["action"] == "provision"]
    for code in done_before:  # not redone
        assert sum(a["site"] == code for a in mine) == 1, code
    assert not any(factory(lab, c) for c in record.sites if lab.inventory.sites[c].kind == "customer")


def test_outside_its_window_a_site_is_refused_with_exit_2_and_nothing_is_touched(lab: Any, tmp_path: Path) -> None:
    inv = tmp_path / "inventory"
    copy_inventory(lab.inventory.path, inv)
    moj = inv / "group_vars" / "moj.yml"
    data = yaml.safe_load(moj.read_text())
    data["netkit_ministry"]["change_policy"] = {"require_window": True}
    moj.write_text(yaml.safe_dump(data))
    site = "moj-hq"
    (inv / "group_vars" / "site_moj_hq.yml").write_text(
        (inv / "group_vars" / "site_moj_hq.yml").read_text().replace(
            "{reason: weekly change window, weekday: fri, at: \"02:00\", duration_min: 120}",
            "{reason: last year's window, start: \"2025-01-01T00:00:00Z\", end: \"2025-01-01T02:00:00Z\"}"))
    before = running(lab, "moj-hq-r1")
    audit = production_env().audit.path.read_text()
    proc = lab.netkit("provision", "site", site, "-i", str(inv), "--yes", "--json", timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "may only be changed inside a maintenance window" in proc.stderr and "2025-01-01 00:00" in proc.stderr
    assert running(lab, "moj-hq-r1") == before and production_env().audit.path.read_text() == audit
    proc = lab.netkit("provision", "site", site, "-i", str(inv), "--yes", "--json", "--now", "--reason",
                      "lab test: change outside the window", timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert json.loads(production_env().audit.path.read_text().splitlines()[-1])["reason"] == (
        "lab test: change outside the window")


def _silences(url: str, site: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{url}/api/v2/silences", timeout=5) as resp:
        return [s for s in json.loads(resp.read()) if any(m["name"] == "site" and m["value"] == site
                                                           for m in s["matchers"])]


def test_a_silence_holds_during_each_transaction_and_is_gone_after_also_after_a_rollback(
        lab: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = stack.StackSettings(prometheus_listen=f"127.0.0.1:{free_port()}",
                                   alertmanager_listen=f"127.0.0.1:{free_port()}")
    url = f"http://{settings.alertmanager_listen}"
    monkeypatch.setenv("NETKIT_ALERTMANAGER_URL", url)
    try:
        stack.up(lab.inventory, settings, tmp_path / "stack")
        for extra, fault in (("silence-confirmed", None), ("silence-rolled-back", "moj-hq-r1")):
            seen: list[str] = []

            def progress(p: Progress, seen: list[str] = seen) -> None:
                if p.step == "checks" and p.status == "running" and not seen:
                    seen.extend(s["id"] for s in _silences(url, "moj-hq") if s["status"]["state"] == "active")

            render = with_extra("moj-hq-r1", f"interface nk-test0\n description {extra}")
            with contextlib.ExitStack() as stack_:
                if fault:
                    stack_.enter_context(nft_drop(lab, fault, f"c ip daddr {VERIFY} icmp type echo-request drop"))
                report = transaction(lab, "moj-hq", render, progress).provision(ProvisionOptions(check_wait=5))
            assert report.result == ("rolled-back" if fault else "confirmed"), report.model_dump_json(indent=1)
            assert len(seen) == 1, f"no active silence for site=moj-hq during the transaction ({extra})"
            after = {s["id"]: s["status"]["state"] for s in _silences(url, "moj-hq")}
            assert after[seen[0]] == "expired", after
            assert report.silence and seen[0] in report.silence and "expired at the end" in report.silence
            assert json.loads(production_env().audit.path.read_text().splitlines()[-1])["silence"] == report.silence
    finally:
        stack.down(tmp_path / "stack")
