"""A small typed client of Prometheus' HTTP API (instant and range queries), for the SLA report and tests."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from netkit.errors import NetkitError


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    points: list[tuple[float, float]]  # (unix time, value)


class PrometheusClient:
    """Queries one Prometheus server; every failure names the server and the query."""

    def __init__(self, base_url: str, client: httpx.Client | None = None, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def api(self, path: str, params: dict[str, str] | None = None) -> Any:
        """The `data` of one API call (queries are POSTed: they can be long); NetkitError on any failure."""
        url = f"{self.base_url}{path}"
        try:
            resp = self._client.post(url, data=params) if params else self._client.get(url)
        except httpx.HTTPError as e:
            raise NetkitError(f"cannot reach Prometheus at {self.base_url}: {e} (is it running? see --prometheus)") from e
        try:
            body = resp.json()
        except ValueError as e:
            raise NetkitError(f"{url} answered HTTP {resp.status_code} with no JSON: {resp.text[:200]!r}") from e
        if body.get("status") != "success":
            raise NetkitError(f"Prometheus at {self.base_url} refused {(params or {}).get('query', path)!r}: "
                              f"{body.get('errorType', '')}: {body.get('error', resp.text[:200])}")
        return body["data"]

    def query(self, expr: str, at: datetime | float | None = None) -> list[Sample]:
        """An instant query; a scalar result becomes one sample without labels."""
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{_ts(at):.3f}"
        data = self.api("/api/v1/query", params)
        if data["resultType"] == "scalar":
            return [Sample({}, float(data["result"][1]))]
        if data["resultType"] != "vector":
            raise NetkitError(f"query {expr!r} returned a {data['resultType']}, expected an instant vector")
        return [Sample(dict(r["metric"]), float(r["value"][1])) for r in data["result"]]

    def query_range(self, expr: str, start: datetime | float, end: datetime | float, step_s: float) -> list[Series]:
        params = {"query": expr, "start": f"{_ts(start):.3f}", "end": f"{_ts(end):.3f}", "step": f"{step_s:g}"}
        data = self.api("/api/v1/query_range", params)
        return [Series(dict(r["metric"]), [(float(t), float(v)) for t, v in r["values"]]) for r in data["result"]]


def _ts(at: datetime | float) -> float:
    return at.timestamp() if isinstance(at, datetime) else float(at)


def finite(value: float | None) -> float | None:
    """NaN and infinities (0/0 over an empty window) become None: "no data", not a number."""
    return value if value is not None and math.isfinite(value) else None
