"""Is a site's declared maintenance window open at a given time?

Windows are written in the network's local time (`netkit_network.timezone`): a weekly window's weekday
and `at`, and a one-off window's start/end without an offset. A one-off time with an explicit offset
(`2026-11-03T22:00:00+00:00`) means that instant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from netkit.inventory.models import MaintenanceWindow
from netkit.localtime import local

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def window_open(window: MaintenanceWindow, now: datetime, tz: tzinfo = UTC) -> bool:
    now = local(now.replace(tzinfo=UTC) if now.tzinfo is None else now, tz)
    if window.start is not None and window.end is not None:
        return local(window.start, tz) <= now < local(window.end, tz)
    if window.weekday is None or window.at is None or window.duration_min is None:
        return False
    length = timedelta(minutes=window.duration_min)
    # A weekly window may have started yesterday (local) and still be running.
    for days_back in range(0, 2):
        day = (now - timedelta(days=days_back)).date()
        if _WEEKDAYS[day.weekday()] != window.weekday:
            continue
        start = datetime.combine(day, window.at, tzinfo=tz)
        if start <= now < start + length:
            return True
    return False


def any_open(windows: list[MaintenanceWindow], now: datetime, tz: tzinfo = UTC) -> bool:
    return any(window_open(w, now, tz) for w in windows)
