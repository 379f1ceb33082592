"""A metric family that renders itself fast, and the text exposition that uses it.

prometheus_client formats every sample on its own (sorting and escaping labels, formatting floats):
about 20 µs a sample here, 2 s for 100,000 series. `FastFamily` keeps each series' label text, rendered
once (when the interface table was polled; for probe targets when the cache was built), and writes
`name{labels} value` lines with one join; `FastHistogram` does the same for the probes' RTT histogram. Their
`samples` are still built on demand, so registries, `get_sample_value` and `generate_latest` work as usual.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence

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


def _head(name: str, documentation: str, typ: str) -> str:
    doc = documentation.replace("\\", r"\\").replace("\n", r"\n")
    return f"# HELP {name} {doc}\n# TYPE {name} {typ}\n"


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
        head = _head(self.sample_name, self.documentation, self.type)
        name = self.sample_name
        fmt = format_value
        # Most values are integers (counters, status): skip the generic formatter for them.
        return head + "".join([f"{name}{text} {value}\n" if type(value) is int else f"{name}{text} {fmt(value)}\n"
                               for _, text, value in self._rows])


class FastHistogram(Metric):
    """Rows of (label values, pre-rendered label text, cumulative bucket counts, sum) for one histogram
    family whose series share the bounds `les` (as the `le` label writes them, the last one +Inf)."""

    def __init__(self, name: str, documentation: str, label_names: tuple[str, ...], les: tuple[str, ...]) -> None:
        self._rows: list[tuple[tuple[str, ...], str, Sequence[int], float]] = []
        self._extra: list[Sample] = []
        super().__init__(name, documentation, "histogram")
        self.label_names = label_names
        self.les = les

    @property
    def samples(self) -> list[Sample]:
        out: list[Sample] = []
        for values, _, counts, total in self._rows:
            labels = dict(zip(self.label_names, values, strict=True))
            out += [Sample(f"{self.name}_bucket", {**labels, "le": le}, float(n))
                    for le, n in zip(self.les, counts, strict=True)]
            out += [Sample(f"{self.name}_count", labels, float(counts[-1])), Sample(f"{self.name}_sum", labels, total)]
        return out + self._extra

    @samples.setter
    def samples(self, value: list[Sample]) -> None:
        self._extra = list(value)

    def add_rows(self, rows: Iterable[tuple[tuple[str, ...], str, Sequence[int], float]]) -> None:
        self._rows.extend(rows)

    def render(self) -> str:
        name = self.name
        lines = [_head(name, self.documentation, "histogram")]
        for _, text, counts, total in self._rows:
            bucket = f"{name}_bucket{text[:-1]}{',' if len(text) > 2 else ''}le="
            lines += [f'{bucket}"{le}"}} {n}\n' for le, n in zip(self.les, counts, strict=True)]
            lines.append(f"{name}_count{text} {counts[-1]}\n{name}_sum{text} {format_value(total)}\n")
        return "".join(lines)


class _One:
    def __init__(self, metric: Metric) -> None:
        self.metric = metric

    def collect(self) -> Iterator[Metric]:
        yield self.metric


def render_metrics(collectors: Iterable[Collector]) -> bytes:
    """The text exposition of every family the collectors yield (FastFamily and FastHistogram the fast way)."""
    parts: list[str] = []
    for collector in collectors:
        for metric in collector.collect():
            if isinstance(metric, (FastFamily, FastHistogram)):
                parts.append(metric.render())
            else:
                parts.append(generate_latest(_One(metric)).decode())
    return "".join(parts).encode()

