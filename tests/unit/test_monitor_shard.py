"""Sharding is deterministic, covers every key exactly once, and is stable under adding one device."""

from __future__ import annotations

import pytest
from netkit.errors import InputError
from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.inventory.models import Inventory
from netkit.monitor.exporter.plan import build_plan
from netkit.monitor.exporter.shard import Shard, owner


def test_parse() -> None:
    assert Shard.parse("2/3") == Shard(2, 3)
    assert Shard.parse(None) == Shard(1, 1)
    for bad in ("0/3", "4/3", "a/b", "3", "1/0"):
        with pytest.raises(InputError):
            Shard.parse(bad)


def test_every_key_has_exactly_one_owner() -> None:
    keys = [f"device/r{i}" for i in range(2000)]
    for n in (1, 2, 3, 7):
        owned = [[k for k in keys if Shard(i, n).owns(k)] for i in range(1, n + 1)]
        assert sorted(k for part in owned for k in part) == sorted(keys)
        if n > 1:  # roughly balanced
            assert min(len(p) for p in owned) > len(keys) / n * 0.8


def test_deterministic() -> None:
    assert [owner(f"device/r{i}", 5) for i in range(100)] == [owner(f"device/r{i}", 5) for i in range(100)]
    # The same in every process (each shard is one; Python's hash() would differ between them) and release.
    assert [owner(f"device/r{i}", 5) for i in range(12)] == [1, 3, 3, 2, 1, 1, 5, 1, 2, 1, 2, 3]
    assert [owner(k, 3) for k in ("device/moj-hq-r1", "target/moj-ratanakiri/gateway", "site/nat-dc")] == [1, 1, 2]


def test_adding_a_device_moves_no_other_device() -> None:
    """Through the plans the exporters build (a split by position in a sorted list would fail this: the
    new device sorts first)."""
    inv = load_inventory(DEFAULT_INVENTORY)
    site = inv.sites["moj-hq"]
    new = inv.devices[site.devices[0]].model_copy(update={"name": "aaa-new-r1"})
    grown = inv.model_copy(update={
        "devices": {"aaa-new-r1": new, **inv.devices},
        "sites": {**inv.sites, "moj-hq": site.model_copy(update={"devices": ["aaa-new-r1", *site.devices]})}})

    def owners(of: Inventory) -> dict[str, int]:
        return {d.name: i for i in (1, 2, 3) for d in build_plan(of, Shard(i, 3)).devices}
    before, after = owners(inv), owners(grown)
    assert set(after) == set(before) | {"aaa-new-r1"}
    assert {k: after[k] for k in before} == before


def test_adding_a_shard_moves_only_keys_to_the_new_shard() -> None:
    keys = [f"device/r{i}" for i in range(1000)]
    moved = [k for k in keys if owner(k, 4) != owner(k, 5)]
    assert all(owner(k, 5) == 5 for k in moved)
    assert 100 < len(moved) < 300  # about a fifth, not a reshuffle


def test_plans_of_all_shards_partition_the_lab() -> None:
    inv = load_inventory(DEFAULT_INVENTORY)
    plans = [build_plan(inv, Shard(i, 3)) for i in (1, 2, 3)]
    devices = sorted(d.name for p in plans for d in p.devices)
    probes = sorted(p.key for plan in plans for p in plan.probes)
    assert devices == sorted(inv.devices)
    assert probes == sorted(f"{s.code}/{t.name}" for s in inv.sites.values() for t in s.targets)
    assert sorted(s.site for p in plans for s in p.sites) == sorted(inv.sites)
