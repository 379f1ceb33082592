"""Scheduled bandwidth tests: only in the off-peak window (local time), bounded, one at a time, misses
counted in a row, exposed beside the agreement, alerted on."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time

from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.inventory.models import BandwidthTests
from netkit.localtime import zone
from netkit.monitor.as_code.rules_links import Links
from netkit.monitor.as_code.rules_windows import PRODUCTION
from netkit.monitor.as_code.slo import site_rules
from netkit.monitor.exporter.bandwidth import BandwidthTester, in_off_peak, iperf3_args, received_bps
from netkit.monitor.exporter.cache import MonitorCache
from netkit.monitor.exporter.plan import build_plan
from test_monitor_collectors import registry_for

PP = zone("Asia/Phnom_Penh")


def _iperf(bps: float) -> str:
    return json.dumps({"end": {"sum_received": {"bits_per_second": bps}}})


def test_the_off_peak_window_is_local_and_may_cross_midnight() -> None:
    s = BandwidthTests(off_peak_at=time(23, 0), off_peak_minutes=240)
    assert in_off_peak(datetime(2026, 11, 3, 16, 0, tzinfo=UTC), s, PP)      # 23:00 local
    assert in_off_peak(datetime(2026, 11, 3, 19, 59, tzinfo=UTC), s, PP)     # 02:59 local, the next day
    assert not in_off_peak(datetime(2026, 11, 3, 20, 0, tzinfo=UTC), s, PP)  # 03:00 local
    assert not in_off_peak(datetime(2026, 11, 3, 23, 30, tzinfo=UTC), s, PP)  # 23:30 UTC is 06:30 local


def test_a_test_is_bounded_in_seconds_and_rate() -> None:
    inv = load_inventory(DEFAULT_INVENTORY)
    plan = build_plan(inv)
    assert inv.network.bandwidth_tests is not None
    rtk = next(t for t in plan.bandwidth if t.site == "moj-ratanakiri")
    args = iperf3_args(rtk, inv.network.bandwidth_tests)
    assert args[:3] == ["iperf3", "-c", "198.18.17.65"]  # the site router's LAN gateway
    assert args[args.index("-t") + 1] == "5" and args[args.index("-b") + 1] == str(int(20e6 * 1.2))
    assert {t.site for t in plan.bandwidth} == set(inv.sites) - {"nat-dc"}  # the data center is no uplink
    assert received_bps(_iperf(9.6e6)) == 9.6e6


def test_tests_run_one_at_a_time_only_off_peak_and_count_misses_in_a_row() -> None:
    inv = load_inventory(DEFAULT_INVENTORY)
    plan = build_plan(inv)
    assert plan.bandwidth_tests is not None
    cache = MonitorCache(plan)
    running, most, calls = 0, 0, []
    delivered = {"198.18.17.65": 9.6e6}  # Ratanakiri's 10 Mbit/s link; the others deliver 1.2 x agreed

    async def fake_iperf3(args: list[str], timeout: float) -> tuple[int, str]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        calls.append(args[2])
        rate = float(args[args.index("-b") + 1])
        return 0, _iperf(delivered.get(args[2], rate))

    now = [datetime(2026, 11, 3, 12, 0, tzinfo=UTC).timestamp()]  # 19:00 local: peak hours
    tester = BandwidthTester(list(plan.bandwidth), plan.bandwidth_tests, PP, now=lambda: now[0], run=fake_iperf3,
                             states=cache.bandwidth, may=lambda host: True)  # the fake sends nothing
    asyncio.run(tester.run_due())
    assert calls == []
    for day in (4, 5, 6):
        now[0] = datetime(2026, 11, day, 18, 30, tzinfo=UTC).timestamp()  # 01:30 local
        asyncio.run(tester.run_due())
        asyncio.run(tester.run_due())  # already tested today: nothing more
    assert most == 1 and len(calls) == 3 * len(plan.bandwidth)
    rtk, hq = cache.bandwidth["moj-ratanakiri"], cache.bandwidth["moj-hq"]
    assert (rtk.tests, rtk.misses, rtk.misses_in_a_row, rtk.last_bps) == (3, 3, 3, 9.6e6)
    assert (hq.tests, hq.misses, hq.misses_in_a_row) == (3, 0, 0)
    reg = registry_for(cache)
    labels = {"site": "moj-ratanakiri", "ministry": "moj", "province": "Ratanakiri"}
    assert reg.get_sample_value("netkit_bandwidth_test_bits_per_second", labels) == 9.6e6
    assert reg.get_sample_value("netkit_bandwidth_agreed_bits_per_second", labels) == 20e6
    assert reg.get_sample_value("netkit_bandwidth_test_misses_in_a_row", labels) == 3
    assert reg.get_sample_value("netkit_bandwidth_tests_total", labels) == 3


def test_the_rule_fires_after_n_misses_in_a_row() -> None:
    inv = load_inventory(DEFAULT_INVENTORY)
    group = site_rules(inv, inv.sites["moj-ratanakiri"], PRODUCTION, Links())
    (alert,) = [r for r in group.rules if getattr(r, "alert", "") == "NetkitBandwidthBelowAgreement"]
    assert alert.expr.endswith(">= 3") and 'site="moj-ratanakiri"' in alert.expr
    dc = site_rules(inv, inv.sites["nat-dc"], PRODUCTION, Links())
    assert not [r for r in dc.rules if getattr(r, "alert", "") == "NetkitBandwidthBelowAgreement"]
