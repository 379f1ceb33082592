"""The network's local time: an IANA zone from the inventory (`netkit_network.timezone`, the lab's is
Asia/Phnom_Penh). Instants stay UTC inside netkit; people's times (maintenance windows, report months,
alert and report texts) are read and written in this zone."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from netkit.errors import InputError


def zone(name: str) -> tzinfo:
    """The zone called `name` (`UTC`, `Asia/Phnom_Penh` ...); an unknown name is bad input."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise InputError(f"time zone {name!r} is not an IANA zone name (e.g. Asia/Phnom_Penh, UTC)") from e


def local(moment: datetime, tz: tzinfo) -> datetime:
    """`moment` in the zone; a time without a zone is taken as already local."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def offset_text(moment: datetime) -> str:
    """`UTC+07:00` for an aware local time."""
    off = moment.utcoffset()
    if off is None:
        return "UTC"
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def stamp(moment: datetime, tz: tzinfo) -> str:
    """`2026-11-01 07:00 (Asia/Phnom_Penh, UTC+07:00)`: how netkit writes a time for people."""
    t = local(moment, tz)
    return f"{t:%Y-%m-%d %H:%M} ({getattr(tz, 'key', str(tz))}, {offset_text(t)})"
