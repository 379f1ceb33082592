"""Rollouts: data centers, canary, waves; stop rules; the record; resume after an interruption. In-memory
backend (tests/unit/test_provision_transaction.py's FakeBackend), no Ansible, no device."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from netkit.errors import InputError
from netkit.provision.report import SiteReport
from netkit.provision.rollout_record import RolloutPolicy, RolloutRecord
from netkit.provision.steps import ProvisionOptions, Steps
from netkit.provision.waves import WaveEvent, new_record, plan_waves, rollout_for, select_sites
from test_provision_transaction import World, render

SITES = ["nat-dc", "moj-hq", "moj-ratanakiri", "moj-battambang", "moc-hq", "mowa-hq"]


@pytest.fixture
def w(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return World(tmp_path, monkeypatch)


def steps(w: World) -> Steps:
    return Steps(w.inv, replace(w.env, check_upstream=True), w.factory, render=render)


def start(w: World, policy: RolloutPolicy, canary: list[str] | None = None,
          events: list[WaveEvent] | None = None) -> RolloutRecord:
    st = steps(w)
    record = new_record(w.inv, SITES, canary or [], policy, "tester", "netkit provision site --all", w.env.clock())
    return rollout_for(st, events.append if events is not None else None).run(record)


def test_waves_data_centers_then_canary_then_waves_of_n(w: World) -> None:
    waves = plan_waves(w.inv, SITES, ["moc-hq"], 2)
    assert [(x.name, x.sites, x.must_confirm) for x in waves] == [
        ("data centers", ["nat-dc"], True), ("canary", ["moc-hq"], True),
        ("wave 1", ["moj-hq", "moj-ratanakiri"], False), ("wave 2", ["moj-battambang", "mowa-hq"], False)]
    with pytest.raises(InputError, match="--canary nope"):
        plan_waves(w.inv, SITES, ["nope"], 2)
    assert sorted(select_sites(w.inv, [], False, ministry=["moj"])) == ["moj-battambang", "moj-hq", "moj-ratanakiri"]
    with pytest.raises(InputError, match="ministries: "):
        select_sites(w.inv, [], False, ministry=["nobody"])


def test_a_rollout_confirms_every_site_and_keeps_a_record(w: World) -> None:
    events: list[WaveEvent] = []
    record = start(w, RolloutPolicy(wave_size=2), ["moj-hq"], events)
    assert record.status == "done" and record.count("confirmed") == 6
    assert [(e.wave.name, e.phase) for e in events][:2] == [("data centers", "start"), ("data centers", "end")]
    assert events[-1].eta_seconds == 0 and all(x.seconds is not None for x in record.waves)
    saved = RolloutRecord.model_validate_json((w.state / "rollouts" / f"{record.id}.json").read_text())
    assert saved.status == "done" and saved.sites["mowa-hq"].state == "confirmed"
    assert {e.rollout for e in w.env.audit.entries()} == {record.id}
    assert len(w.backends) == 4  # one batch per wave, no live upstream check (the record proves nat-dc)


def test_a_failed_canary_stops_before_any_wave(w: World) -> None:
    w.faults["moj-hq-r1"] = "check"
    record = start(w, RolloutPolicy(wave_size=2), ["moj-hq"])
    assert record.status == "stopped" and "canary not confirmed on moj-hq" in record.stop_reason
    assert record.sites["moj-hq"].state == "rolled-back"
    assert {c for c, e in record.sites.items() if e.state == "pending"} == {"moj-ratanakiri", "moj-battambang", "moc-hq", "mowa-hq"}
    assert all(w.routers[d] == "hostname factory\n" for d in ("moj-ratanakiri-r1", "moc-hq-r1", "mowa-hq-r1"))


def test_more_than_k_failures_in_a_wave_stop_the_rollout_and_the_rest_stays_untouched(w: World) -> None:
    w.faults.update({"moj-hq-r1": "check", "moj-ratanakiri-r1": "reject"})
    record = start(w, RolloutPolicy(wave_size=2, max_failed=1))
    assert record.status == "stopped" and "2 site(s) failed in one wave, more than --max-failed 1" in record.stop_reason
    assert record.sites["moj-battambang"].state == "pending" and w.routers["moj-battambang-r1"] == "hostname factory\n"
    w.faults.clear()
    w.faults["moj-hq-r1"] = "check"
    again = start(w, RolloutPolicy(wave_size=2, max_failed_percent=50))  # 1 of 2 = 50%: not more, go on
    assert again.status == "done" and again.count("confirmed", "unchanged") == 5


def test_resume_settles_the_interrupted_sites_and_does_not_redo_confirmed_ones(w: World) -> None:
    st = steps(w)
    calls: list[list[str]] = []

    def killed_in_wave_2(codes: list[str], opts: ProvisionOptions) -> list[SiteReport]:
        from netkit.provision.provisioning import provision_sites

        calls.append(codes)
        if codes[0] == "moj-battambang":
            raise KeyboardInterrupt
        return provision_sites(st, codes, opts)

    record = new_record(w.inv, SITES, [], RolloutPolicy(wave_size=2), "tester", "x", w.env.clock())
    with pytest.raises(KeyboardInterrupt):
        rollout_for(st, run_wave=killed_in_wave_2).run(record)
    saved = rollout_for(st).store.load(record.id)
    assert saved.status == "interrupted" and saved.sites["moj-battambang"].state == "running"
    resumed = rollout_for(steps(w)).resume(record.id)
    assert resumed.status == "done" and resumed.resumed == 1 and resumed.count("confirmed") == 6
    before = [e.site for e in w.env.audit.entries() if e.action == "provision"]
    assert before.count("moj-hq") == 1 and before.count("nat-dc") == 1  # confirmed sites not redone
    with pytest.raises(InputError, match="already done"):
        rollout_for(st).resume(record.id)


def test_resume_restores_a_site_whose_backup_was_stored(w: World) -> None:
    from netkit.provision.settle import settle_site

    st = steps(w)
    since = w.env.clock()
    w.routers["moj-hq-r1"] = "hostname half-done\n"
    w.env.store.save("moj-hq", {"moj-hq-r1": "hostname before\n"}, "tester", "before provisioning")
    state, message = settle_site(st, "moj-hq", since, 30)
    assert state == "pending" and "rolled back to its backup" in message
    assert w.routers["moj-hq-r1"] == "hostname before\n"
    assert w.env.audit.entries("moj-hq")[-1].action == "rollback"
    assert isinstance(since, datetime)


def test_cli_rollout_options_are_checked_before_anything_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from netkit.cli.app import app
    from provision_fixtures import make_inventory, write_lab_credentials
    from typer.testing import CliRunner

    state = tmp_path / "state"
    monkeypatch.setenv("NETKIT_STATE_DIR", str(state))
    write_lab_credentials(state)
    inv = str(make_inventory(tmp_path))
    runner = CliRunner()
    r = runner.invoke(app, ["provision", "site", "--all", "--max-failed", "many", "-i", inv, "--yes"])
    assert r.exit_code == 2 and "give a count (3) or a percentage" in r.output
    r = runner.invoke(app, ["provision", "site", "--all", "--canary", "atlantis", "-i", inv, "--yes"])
    assert r.exit_code == 2 and "--canary atlantis: not among the sites" in r.output
    r = runner.invoke(app, ["provision", "site", "--ministry", "nobody", "-i", inv, "--yes"])
    assert r.exit_code == 2 and "ministries: " in r.output
    r = runner.invoke(app, ["provision", "site", "moj-hq", "--now", "-i", inv, "--yes"])
    assert r.exit_code == 2 and "--now and --reason TEXT go together" in r.output
    r = runner.invoke(app, ["provision", "resume", "20990101T000000-abcdef", "-i", inv])
    assert r.exit_code == 2 and "no rollout '20990101T000000-abcdef'" in r.output
    assert not (state / "runs").exists()  # nothing ran


def test_resume_waits_for_the_revert_timers_when_no_backup_was_stored(w: World) -> None:
    from netkit.provision.settle import settle_site

    w.faults["moj-hq-r1"] = "backup"  # what the diff task does while a commit waits for confirmation
    slept: list[float] = []

    def timer_runs_out(seconds: float) -> None:
        slept.append(seconds)
        w.faults.clear()

    state, message = settle_site(steps(w), "moj-hq", w.env.clock(), 30, sleep=timer_runs_out)
    assert state == "pending" and "no pending commit left" in message and slept == [5]
    w.faults["moj-hq-r1"] = "backup"
    clock = iter(range(0, 1000, 20))
    state, message = settle_site(steps(w), "moj-hq", w.env.clock(), 30, sleep=lambda s: None,
                                 monotonic=lambda: float(next(clock)))
    assert state == "failed" and "still hold a pending commit" in message
