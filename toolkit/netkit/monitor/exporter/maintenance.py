"""Is a site's declared maintenance window open at a given time? (Times without a zone are UTC.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from netkit.inventory.models import MaintenanceWindow

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def window_open(window: MaintenanceWindow, now: datetime) -> bool:
    now = _utc(now)
    if window.start is not None and window.end is not None:
        return _utc(window.start) <= now < _utc(window.end)
    if window.weekday is None or window.at is None or window.duration_min is None:
        return False
    length = timedelta(minutes=window.duration_min)
    # A weekly window may have started yesterday (or up to a day earlier) and still be running.
    for days_back in range(0, 2):
        day = (now - timedelta(days=days_back)).date()
        if _WEEKDAYS[day.weekday()] != window.weekday:
            continue
        start = datetime.combine(day, window.at, tzinfo=UTC)
        if start <= now < start + length:
            return True
    return False


def any_open(windows: list[MaintenanceWindow], now: datetime) -> bool:
    return any(window_open(w, now) for w in windows)
