"""Change windows and Alertmanager silences around the site transaction (in-memory backend). The real
Alertmanager is exercised by tests/lab/test_rollout_lab.py; here only the paths without one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from netkit.errors import InputError
from netkit.inventory import load_inventory
from netkit.provision.rollout_record import RolloutPolicy
from netkit.provision.silences import Alertmanager
from netkit.provision.steps import Steps
from netkit.provision.transaction import ProvisionOptions, SiteTransaction
from netkit.provision.waves import new_record, rollout_for
from ports import free_port
from test_provision_transaction import World, render

FRIDAY_3AM = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)  # inside moj-hq's weekly window (fri 02:00, 120 min)
MONDAY = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def with_policy(w: World, tmp: Path, policy: dict[str, object], ministry: str | None = None) -> None:
    inv_dir = Path(w.inv.path)
    path = inv_dir / "group_vars" / (f"{ministry}.yml" if ministry else "all.yml")
    data = yaml.safe_load(path.read_text())
    key = "netkit_ministry" if ministry else "netkit_network"
    data[key]["change_policy"] = policy
    path.write_text(yaml.safe_dump(data))
    w.inv = load_inventory(inv_dir)


@pytest.fixture
def w(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return World(tmp_path, monkeypatch)


def at(w: World, moment: datetime) -> None:
    w.env = replace(w.env, clock=lambda: moment)


def test_outside_its_window_a_site_is_refused_and_nothing_is_touched(w: World, tmp_path: Path) -> None:
    with_policy(w, tmp_path, {"require_window": True}, ministry="moj")
    at(w, MONDAY)
    tx = SiteTransaction(w.inv, "moj-hq", w.env, w.factory, render=render)
    with pytest.raises(InputError, match=r"site moj-hq \(moj\) may only be changed inside a maintenance window.*fri 02:00") as e:
        tx.provision(ProvisionOptions())
    assert e.value.exit_code == 2 and w.backends == [] and w.env.audit.entries() == []
    at(w, FRIDAY_3AM)
    assert SiteTransaction(w.inv, "moj-hq", w.env, w.factory, render=render).provision(ProvisionOptions()).result == "confirmed"
    # another ministry has no such policy
    assert SiteTransaction(w.inv, "moc-hq", w.env, w.factory, render=render).provision(ProvisionOptions()).result == "confirmed"


def test_now_with_a_reason_goes_and_the_reason_is_audited(w: World, tmp_path: Path) -> None:
    with_policy(w, tmp_path, {"require_window": True})
    at(w, MONDAY)
    report = SiteTransaction(w.inv, "nat-dc", w.env, w.factory, render=render).provision(
        ProvisionOptions(reason="outage INC-42: restore the uplink"))
    assert report.result == "confirmed"
    assert w.env.audit.entries("nat-dc")[-1].reason == "outage INC-42: restore the uplink"


def test_a_rollout_refuses_the_sites_outside_their_window_and_goes_on(w: World, tmp_path: Path) -> None:
    with_policy(w, tmp_path, {"require_window": True}, ministry="moj")
    at(w, MONDAY)
    steps = Steps(w.inv, w.env, w.factory, render=render)
    record = new_record(w.inv, list(w.inv.sites), [], RolloutPolicy(wave_size=10), "t", "x", MONDAY)
    done = rollout_for(steps).run(record)
    assert {c for c, e in done.sites.items() if e.state == "refused"} == {"moj-hq", "moj-ratanakiri", "moj-battambang"}
    assert done.sites["moc-hq"].state == "confirmed" and w.routers["moj-hq-r1"] == "hostname factory\n"


def test_without_alertmanager_the_run_says_so_and_goes_on_or_is_refused_when_required(w: World, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    w.env = replace(w.env, alertmanager=Alertmanager)
    with_policy(w, tmp_path, {"alertmanager_url": url})
    report = SiteTransaction(w.inv, "nat-dc", w.env, w.factory, render=render).provision(ProvisionOptions())
    assert report.result == "confirmed" and report.silence is not None and "no silence: Alertmanager did not answer" in report.silence
    assert w.env.audit.entries("nat-dc")[-1].silence == report.silence
    with_policy(w, tmp_path, {"alertmanager_url": url, "require_silence": True})
    w.routers["dc-core1"] = "hostname changed-by-hand\n"
    with pytest.raises(InputError, match="requires an Alertmanager silence"):
        SiteTransaction(w.inv, "nat-dc", w.env, w.factory, render=render).provision(ProvisionOptions())
    assert w.routers["dc-core1"] == "hostname changed-by-hand\n"
