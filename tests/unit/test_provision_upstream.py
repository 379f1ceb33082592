"""Dependencies first: a customer site whose data center does not run its intended config is refused
(exit 2) before any lock or change, and the message names the data center."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from netkit.errors import InputError
from netkit.provision.rollout import provision_many
from netkit.provision.transaction import ProvisionOptions, SiteTransaction
from netkit.provision.upstream import upstream_sites
from test_provision_transaction import World, render


@pytest.fixture
def w(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return World(tmp_path, monkeypatch)


def tx(w: World, site: str) -> SiteTransaction:
    return SiteTransaction(w.inv, site, replace(w.env, check_upstream=True), w.factory, render=render)


def test_upstream_of_a_customer_site_is_its_data_center(w: World) -> None:
    assert upstream_sites(w.inv, "moj-hq") == ["nat-dc"]
    assert upstream_sites(w.inv, "nat-dc") == []


def test_a_site_before_its_data_center_is_refused_and_nothing_changes(w: World) -> None:
    with pytest.raises(InputError, match=r"data center nat-dc.*dc-core1, dc-core2 differ") as e:
        tx(w, "moj-hq").provision(ProvisionOptions())
    assert e.value.exit_code == 2
    assert set(w.routers.values()) == {"hostname factory\n"}
    assert [b.calls for b in w.backends] == [["backup", "diff"]]  # the live check only: a diff, discarded
    assert w.env.audit.entries() == []


def test_a_confirmed_data_center_record_is_enough(w: World) -> None:
    assert tx(w, "nat-dc").provision(ProvisionOptions()).result == "confirmed"
    w.backends.clear()
    assert tx(w, "moj-hq").provision(ProvisionOptions()).result == "confirmed"
    assert [b.calls for b in w.backends] == [["backup", "push", "check", "confirm"]]  # no live check


def test_a_data_center_that_runs_its_intended_config_without_record_passes_the_live_check(w: World) -> None:
    for name in ("dc-core1", "dc-core2"):
        w.routers[name] = render(w.inv, w.inv.devices[name])
    assert tx(w, "moj-hq").provision(ProvisionOptions()).result == "confirmed"


def test_the_data_center_in_the_same_batch_is_not_asked(w: World) -> None:
    env = replace(w.env, check_upstream=True)
    reports = provision_many(w.inv, ["nat-dc", "moj-hq"], env, w.factory, ProvisionOptions(), render=render)
    assert [r.result for r in reports] == ["confirmed", "confirmed"]
    assert len(w.backends) == 1
