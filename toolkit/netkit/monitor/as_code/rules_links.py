"""Where alerts point the NOC: Grafana dashboards (by stable uid) and runbook sections of docs/alerting.md."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

OVERVIEW_UID = "netkit-ministry-overview"
SITE_UID = "netkit-site-detail"
DEVICE_UID = "netkit-device-interfaces"

DEFAULT_GRAFANA_URL = "http://127.0.0.1:3000"
DEFAULT_RUNBOOK_BASE = "docs/alerting.md"


@dataclass(frozen=True)
class Links:
    grafana_url: str = DEFAULT_GRAFANA_URL
    runbook_base: str = DEFAULT_RUNBOOK_BASE

    def dashboard(self, uid: str, **variables: str) -> str:
        """A dashboard URL; values may be alert templates such as `{{ $labels.device }}` (kept unescaped)."""
        query = "&".join(f"var-{k}={v if v.startswith('{{') else quote(v)}" for k, v in sorted(variables.items()))
        return f"{self.grafana_url.rstrip('/')}/d/{uid}/{uid}" + (f"?{query}" if query else "")

    def runbook(self, alert: str) -> str:
        """docs/alerting.md has one `## <AlertName>` section per alert; GitHub lower-cases the anchor."""
        return f"{self.runbook_base}#{alert.lower()}"
