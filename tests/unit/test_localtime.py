"""The network's local time at its edges: maintenance windows and report months are Phnom Penh time
(UTC+7), while every instant inside netkit stays UTC."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from netkit.errors import InputError
from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.inventory.models import MaintenanceWindow
from netkit.localtime import stamp, zone
from netkit.monitor.exporter.maintenance import window_open
from netkit.monitor.sla_report.report import parse_period

PP = zone("Asia/Phnom_Penh")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_the_lab_is_in_phnom_penh() -> None:
    assert load_inventory(DEFAULT_INVENTORY).network.timezone == "Asia/Phnom_Penh"
    with pytest.raises(InputError, match="Asia/Phnom_Penh"):
        zone("Asia/Phnom_Pen")


def test_a_weekly_window_that_crosses_midnight_utc() -> None:
    # Saturday 05:00-09:00 in Phnom Penh is Friday 22:00 to Saturday 02:00 UTC.
    w = MaintenanceWindow(reason="core upgrade", weekday="sat", at=time(5, 0), duration_min=240)
    saturday = 7  # 2026-11-07 is a Saturday
    assert not window_open(w, utc(2026, 11, saturday - 1, 21, 59), PP)
    assert window_open(w, utc(2026, 11, saturday - 1, 22, 0), PP)
    assert window_open(w, utc(2026, 11, saturday - 1, 23, 30), PP)   # Friday in UTC, Saturday locally
    assert window_open(w, utc(2026, 11, saturday, 1, 59), PP)
    assert not window_open(w, utc(2026, 11, saturday, 2, 0), PP)
    # Read as UTC (the old behaviour) it would be open at Saturday 05:00 UTC: it is not.
    assert not window_open(w, utc(2026, 11, saturday, 5, 30), PP)
    assert window_open(w, utc(2026, 11, saturday, 5, 30), UTC)


def test_the_lab_window_of_moj_hq_is_friday_two_am_local() -> None:
    inv = load_inventory(DEFAULT_INVENTORY)
    (w,) = inv.sites["moj-hq"].maintenance
    tz = zone(inv.network.timezone)
    assert window_open(w, utc(2026, 11, 5, 19, 30), tz)      # Thursday 19:30 UTC = Friday 02:30 local
    assert not window_open(w, utc(2026, 11, 6, 2, 30), tz)   # Friday 02:30 UTC = 09:30 local


def test_a_month_whose_first_seven_hours_are_the_previous_month_in_utc() -> None:
    p = parse_period("2026-11", utc(2026, 12, 15), "Asia/Phnom_Penh")
    assert p.start == utc(2026, 10, 31, 17, 0) and p.end == utc(2026, 11, 30, 17, 0) and not p.partial
    assert (p.start.year, p.start.month, p.start.day, p.start.hour) == (2026, 11, 1, 0)  # local midnight
    assert stamp(p.start, PP) == "2026-11-01 00:00 (Asia/Phnom_Penh, UTC+07:00)"
    # 2026-10-31 18:00 UTC is already November locally: the month has started, and is partial.
    running = parse_period("2026-11", utc(2026, 10, 31, 18, 0), "Asia/Phnom_Penh")
    assert running.partial and running.end == utc(2026, 10, 31, 18, 0)
    with pytest.raises(InputError, match="not started yet"):
        parse_period("2026-11", utc(2026, 10, 31, 16, 59), "Asia/Phnom_Penh")
    assert parse_period("2026-11", utc(2026, 12, 15)).start == utc(2026, 11, 1)  # UTC when no zone is given


def test_a_one_off_window_with_an_explicit_offset_means_that_instant() -> None:
    explicit = MaintenanceWindow(reason="fibre repair", start=datetime.fromisoformat("2026-11-03T22:00:00+00:00"),
                                 end=datetime.fromisoformat("2026-11-03T23:00:00+00:00"))
    assert window_open(explicit, utc(2026, 11, 3, 22, 30), PP)       # 05:30 on the 4th in Phnom Penh
    assert not window_open(explicit, utc(2026, 11, 3, 15, 30), PP)   # 22:30 on the 3rd locally: not yet
    local = MaintenanceWindow(reason="fibre repair", start=datetime(2026, 11, 3, 22, 0),
                              end=datetime(2026, 11, 3, 23, 0))       # no offset: Phnom Penh time
    assert window_open(local, utc(2026, 11, 3, 15, 30), PP)
    assert not window_open(local, utc(2026, 11, 3, 22, 30), PP)
