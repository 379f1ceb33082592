"""Alertmanager silences for the length of a site transaction, through Alertmanager's v2 API
(POST /api/v2/silences, DELETE /api/v2/silence/{id}), so the NOC is not paged by our own change.

Each silence matches the site's alerts (`site="<code>"`, the label every netkit alert carries) and is
created with an end of its own (the transaction's longest possible length), so even a killed run leaves
none behind for long; the transaction expires it at its end whatever happened (confirmed, rolled back,
interrupted). Without an answering Alertmanager the run says so and goes on, unless the site's change
policy requires silences: then it is refused before any change (exit 2).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from netkit.errors import InputError, NetkitError
from netkit.inventory.models import Inventory
from netkit.provision.windows import change_policy

DEFAULT_URL = "http://127.0.0.1:9093"


class AlertmanagerError(NetkitError):
    """Alertmanager did not answer, or refused the request."""


class Alertmanager:
    def __init__(self, url: str, timeout: float = 3.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                text = resp.read().decode()
        except urllib.error.HTTPError as e:
            raise AlertmanagerError(f"{self.url}{path}: HTTP {e.code} {e.read().decode(errors='replace')[:200]}") from e
        except (urllib.error.URLError, OSError) as e:
            raise AlertmanagerError(f"{self.url}: {getattr(e, 'reason', e)}") from e
        return json.loads(text) if text.strip() else None

    def create(self, site: str, starts: datetime, ends: datetime, who: str, comment: str) -> str:
        body = {"matchers": [{"name": "site", "value": site, "isRegex": False, "isEqual": True}],
                "startsAt": starts.isoformat(), "endsAt": ends.isoformat(), "createdBy": who, "comment": comment}
        answer = self._call("POST", "/api/v2/silences", body)
        if not isinstance(answer, dict) or not answer.get("silenceID"):
            raise AlertmanagerError(f"{self.url}: no silenceID in the answer {answer!r}")
        return str(answer["silenceID"])

    def expire(self, silence_id: str) -> None:
        self._call("DELETE", f"/api/v2/silence/{silence_id}")

    def state(self, silence_id: str) -> str:
        """active | pending | expired."""
        answer = self._call("GET", f"/api/v2/silence/{silence_id}")
        return str(answer["status"]["state"])


AlertmanagerFactory = Callable[[str], Alertmanager]


def alertmanager_url(inventory: Inventory, site: str) -> str:
    return change_policy(inventory, site).alertmanager_url or os.environ.get("NETKIT_ALERTMANAGER_URL") or DEFAULT_URL


@contextmanager
def silenced(inventory: Inventory, codes: list[str], factory: AlertmanagerFactory | None, who: str, command: str,
             now: datetime, longest: timedelta) -> Iterator[dict[str, str]]:
    """Silence each site's alerts while the block runs; yields site -> what happened (for the audit)."""
    notes: dict[str, str] = {}
    held: list[tuple[str, Alertmanager, str]] = []
    try:
        for code in codes:
            policy = change_policy(inventory, code)
            if factory is None or not (policy.silence or policy.require_silence):
                notes[code] = "no silence (not asked for)"
                continue
            am = factory(alertmanager_url(inventory, code))
            ends = now + longest
            try:
                sid = am.create(code, now, ends, who, f"{command}: site transaction on {code}")
            except AlertmanagerError as e:
                if policy.require_silence:
                    raise InputError(f"site {code}: its change policy requires an Alertmanager silence, and none "
                                     f"could be created ({e}); start Alertmanager (`netkit monitor stack up`) or "
                                     "set change_policy.alertmanager_url. Nothing was changed.") from e
                notes[code] = f"no silence: Alertmanager did not answer ({e}); going on without"
                continue
            held.append((code, am, sid))
            notes[code] = f"silence {sid} at {am.url} (site={code}, ends by itself at {ends:%H:%M:%S} UTC)"
        yield notes
    finally:
        for code, am, sid in held:
            try:
                am.expire(sid)
                notes[code] += "; expired at the end of the transaction"
            except AlertmanagerError as e:
                notes[code] += f"; expiring it failed ({e}): it ends by itself"
