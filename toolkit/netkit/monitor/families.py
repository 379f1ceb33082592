"""A metric family that renders itself fast, and the text exposition that uses it.

prometheus_client formats every sample on its own (sorting and escaping labels, formatting floats):
about 20 µs a sample here, 2 s for 100,000 series. `FastFamily` keeps each series' label text, rendered
once when the interface table was polled, and writes `name{labels} value` lines with one join. Its
`samples` are still built on demand, so registries, `get_sample_value` and `generate_latest` work as usual.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from prometheus_client import generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

Number = int | float


def format_value(value: Number) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return str(floatToGoString(value))  # type: ignore[no-untyped-call]


class FastFamily(Metric):
    """Rows of (label values, pre-rendered label text, value) for one gauge or counter family."""

    def __init__(self, name: str, documentation: str, typ: str, label_names: tuple[str, ...]) -> None:
        self._rows: list[tuple[tuple[str, ...], str, Number]] = []
        self._extra: list[Sample] = []
        super().__init__(name, documentation, typ)
        self.label_names = label_names
        self.sample_name = f"{name}_total" if typ == "counter" else name

    @property
    def samples(self) -> list[Sample]:
        names = self.label_names
        return [Sample(self.sample_name, dict(zip(names, values, strict=True)), float(value))
                for values, _, value in self._rows] + self._extra

    @samples.setter
    def samples(self, value: list[Sample]) -> None:
        self._extra = list(value)

    def add_rows(self, rows: Iterable[tuple[tuple[str, ...], str, Number | None]]) -> None:
        self._rows.extend(r for r in rows if r[2] is not None)  # type: ignore[misc]

    def render(self) -> str:
        doc = self.documentation.replace("\\", r"\\").replace("\n", r"\n")
        head = f"# HELP {self.sample_name} {doc}\n# TYPE {self.sample_name} {self.type}\n"
        name = self.sample_name
        fmt = format_value
        # Most values are integers (counters, status): skip the generic formatter for them.
        return head + "".join([f"{name}{text} {value}\n" if type(value) is int else f"{name}{text} {fmt(value)}\n"
                               for _, text, value in self._rows])


class _One:
    def __init__(self, metric: Metric) -> None:
        self.metric = metric

    def collect(self) -> Iterator[Metric]:
        yield self.metric


def render_metrics(collectors: Iterable[Collector]) -> bytes:
    """The text exposition of every family the collectors yield (FastFamily rendered the fast way)."""
    parts: list[str] = []
    for collector in collectors:
        for metric in collector.collect():
            if isinstance(metric, FastFamily):
                parts.append(metric.render())
            else:
                parts.append(generate_latest(_One(metric)).decode())
    return "".join(parts).encode()

