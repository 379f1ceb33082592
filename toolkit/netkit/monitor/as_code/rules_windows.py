"""Window sets for the generated rules: the SRE workbook's multi-window multi-burn-rate pairs.

`production` is the workbook's table for a 30-day period. `test` keeps the same burn-rate thresholds
and shrinks every window 60 times (1 h becomes 1 min), so a lab test sees an alert fire and resolve in
about a minute; its `for` durations shrink the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["page", "ticket"]
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def duration(seconds: float) -> str:
    """Prometheus duration literal for a whole number of seconds: 3600 -> '1h', 90 -> '90s'."""
    s = round(seconds)
    if s <= 0:
        raise ValueError(f"duration must be positive, got {seconds}")
    for unit, size in _UNITS:
        if s % size == 0:
            return f"{s // size}{unit}"
    raise AssertionError("unreachable: seconds always divide")


@dataclass(frozen=True)
class BurnWindow:
    """Alert when the error budget burns faster than `budget_share` of the whole period in `long`.

    The threshold is budget_share * period / reference_long (14.4 for 2 % in 1 h of 30 days), computed in
    PromQL from the site's `netkit_mou_period_seconds`, so a 7-day agreement gets its own thresholds.
    """

    long_s: int
    short_s: int
    reference_long_s: int  # the production long window the threshold is defined on
    budget_share: float
    severity: Severity

    @property
    def long(self) -> str:
        return duration(self.long_s)

    @property
    def short(self) -> str:
        return duration(self.short_s)


@dataclass(frozen=True)
class WindowSet:
    name: str
    base_s: int  # rate window of the base SLI recordings and step of every window's subquery
    tile_s: int  # tile of the period's budget (period sums over tiles, not over base steps)
    divisor: int  # production durations are divided by this (periods and alert `for`s)
    evaluation_interval_s: int
    pairs: tuple[BurnWindow, ...]

    @property
    def base(self) -> str:
        return duration(self.base_s)

    @property
    def tile(self) -> str:
        return duration(self.tile_s)

    def rate_window(self, production_seconds: int) -> str:
        """A production rate window in this set: scaled, and at least one base window."""
        return duration(max(self.base_s, production_seconds // self.divisor))

    def hold(self, production_seconds: int) -> str:
        """A production `for` duration in this set: scaled, and at least one evaluation interval."""
        return duration(max(self.evaluation_interval_s, production_seconds // self.divisor))

    def period(self, period_days: int) -> str:
        return duration(period_days * 86400 // self.divisor)

    def windows(self) -> list[int]:
        """Every distinct burn-rate window, shortest first."""
        return sorted({w for p in self.pairs for w in (p.long_s, p.short_s)})


_H = 3600
PRODUCTION = WindowSet(
    name="production", base_s=300, tile_s=_H, divisor=1, evaluation_interval_s=30,
    pairs=(
        BurnWindow(_H, 300, _H, 0.02, "page"),
        BurnWindow(6 * _H, 1800, 6 * _H, 0.05, "page"),
        BurnWindow(24 * _H, 2 * _H, 24 * _H, 0.10, "ticket"),
        BurnWindow(72 * _H, 6 * _H, 72 * _H, 0.10, "ticket"),
    ),
)
TEST = WindowSet(
    name="test", base_s=10, tile_s=60, divisor=60, evaluation_interval_s=2,
    pairs=(
        BurnWindow(60, 10, _H, 0.02, "page"),
        BurnWindow(360, 30, 6 * _H, 0.05, "page"),
        BurnWindow(1440, 120, 24 * _H, 0.10, "ticket"),
        BurnWindow(4320, 360, 72 * _H, 0.10, "ticket"),
    ),
)
WINDOW_SETS = {w.name: w for w in (PRODUCTION, TEST)}
