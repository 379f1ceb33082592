"""prometheus.yml and alertmanager.yml as typed settings, rendered deterministically and checked by
`promtool check config` / `amtool check-config` before anything uses them."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from netkit.errors import EnvironmentProblem, NetkitError
from netkit.inventory.models import Inventory
from netkit.monitor.as_code.rules import header_text, promtool_path
from netkit.monitor.as_code.rules_devices import EXPORTER_JOB
from netkit.monitor.as_code.rules_windows import WindowSet, duration
from netkit.monitor.as_code.slo import SITE_DOWN_ALERT
from netkit.monitor.exporter.webconfig import ExporterScrape

INTERFACE_ALERTS = "NetkitInterfaceDown|NetkitInterfaceErrors|NetkitUplinkSaturated"


@dataclass(frozen=True)
class PrometheusSettings:
    rule_files: tuple[str, ...] = ("rules/*.rules.yml",)
    file_sd: tuple[str, ...] = ("targets/*.json",)
    alertmanagers: tuple[str, ...] = ("127.0.0.1:9093",)
    self_address: str = "127.0.0.1:9090"
    scrape_interval_s: int = 15
    evaluation_interval_s: int = 30
    exporter_scrape: ExporterScrape | None = None  # https + basic auth to exporters behind a web-config
    watchers: tuple[str, ...] = ()  # `netkit backup serve` metrics endpoints


def prometheus_settings_for(windows: WindowSet, **overrides: Any) -> PrometheusSettings:
    """Settings whose intervals suit the window set (the test set needs 1 s scrapes)."""
    scrape = 1 if windows.name == "test" else 15
    return PrometheusSettings(scrape_interval_s=scrape, evaluation_interval_s=windows.evaluation_interval_s,
                              **overrides)


def prometheus_config(s: PrometheusSettings, header: list[str]) -> str:
    data: dict[str, Any] = {
        "global": {"scrape_interval": duration(s.scrape_interval_s),
                   "evaluation_interval": duration(s.evaluation_interval_s),
                   "external_labels": {"monitor": "netkit"}},
        "rule_files": list(s.rule_files),
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": list(s.alertmanagers)}]}]},
        "scrape_configs": [
            {"job_name": EXPORTER_JOB, **(s.exporter_scrape.scrape_config() if s.exporter_scrape else {}),
             "file_sd_configs": [{"files": list(s.file_sd), "refresh_interval": "30s"}]},
            {"job_name": "prometheus", "static_configs": [{"targets": [s.self_address]}]},
        ],
    }
    if s.watchers:
        data["scrape_configs"].append({"job_name": "netkit-watch", "static_configs": [{"targets": list(s.watchers)}]})
    return header_text(header) + yaml.safe_dump(data, sort_keys=False, width=200)


@dataclass(frozen=True)
class AlertmanagerSettings:
    webhook_base: str = "http://127.0.0.1:9095/alerts"  # receivers post to <base>/<ministry>/<severity>
    group_wait_s: int = 30
    group_interval_s: int = 300
    repeat_interval_s: int = 4 * 3600
    resolve_timeout_s: int = 300


TEST_ALERTMANAGER = AlertmanagerSettings(group_wait_s=1, group_interval_s=2, repeat_interval_s=3600,
                                         resolve_timeout_s=60)


def settings_for(windows: WindowSet, webhook_base: str | None = None) -> AlertmanagerSettings:
    """Production timings, or the test set's seconds-long ones, with the receivers' base URL."""
    base = TEST_ALERTMANAGER if windows.name == "test" else AlertmanagerSettings()
    return replace(base, webhook_base=webhook_base or base.webhook_base)


def alertmanager_file(inv: Inventory, windows: WindowSet, webhook_base: str | None = None) -> str:
    """The text of `netkit monitor alertmanager`, checked by amtool."""
    text = alertmanager_config(inv, settings_for(windows, webhook_base), [
        f"(`netkit monitor alertmanager --windows {windows.name}`) from the inventory of {inv.network.name}.",
        "Do not edit: regenerate. Checked with `amtool check-config`."])
    check_alertmanager_text(text)
    return text


def _receiver(name: str, url: str) -> dict[str, Any]:
    return {"name": name, "webhook_configs": [{"url": url, "send_resolved": True}]}


def alertmanager_config(inv: Inventory, s: AlertmanagerSettings, header: list[str]) -> str:
    """Route each ministry's alerts to its own page and ticket receivers, grouped per site; a site that is
    down silences its interface alerts, an unreachable device its own, a page the matching ticket."""
    base = s.webhook_base.rstrip("/")
    routes: list[dict[str, Any]] = []
    receivers = [_receiver("noc", f"{base}/noc/all"), _receiver("engineering", f"{base}/engineering/all")]
    # Configuration drift and backup alerts are the engineers' work, never a NOC page: matched first.
    routes.append({"matchers": ['team="engineering"'], "receiver": "engineering",
                   "group_by": ["alertname", "device"]})
    for code in sorted(inv.ministries):
        routes.append({
            "matchers": [f'ministry="{code}"'],
            "receiver": f"{code}-ticket",
            "routes": [
                {"matchers": ['severity="page"'], "receiver": f"{code}-page"},
                {"matchers": ['severity="ticket"'], "receiver": f"{code}-ticket",
                 "repeat_interval": duration(6 * s.repeat_interval_s)},
            ],
        })
        receivers += [_receiver(f"{code}-{sev}", f"{base}/{code}/{sev}") for sev in ("page", "ticket")]
    data = {
        "global": {"resolve_timeout": duration(s.resolve_timeout_s)},
        "route": {
            "receiver": "noc",
            "group_by": ["ministry", "site"],
            "group_wait": duration(s.group_wait_s),
            "group_interval": duration(s.group_interval_s),
            "repeat_interval": duration(s.repeat_interval_s),
            "routes": routes,
        },
        "inhibit_rules": [
            {"source_matchers": [f'alertname="{SITE_DOWN_ALERT}"'],
             "target_matchers": [f'alertname=~"{INTERFACE_ALERTS}|NetkitDeviceUnreachable"'],
             "equal": ["site"]},
            {"source_matchers": ['alertname="NetkitDeviceUnreachable"'],
             "target_matchers": [f'alertname=~"{INTERFACE_ALERTS}"'],
             "equal": ["device"]},
            {"source_matchers": ['severity="page"'],
             "target_matchers": ['severity="ticket"'],
             "equal": ["alertname", "site", "target", "sli", "device"]},
        ],
        "receivers": receivers,
    }
    return header_text(header) + yaml.safe_dump(data, sort_keys=False, width=200)


def check_prometheus_config(path: Path) -> None:
    """`promtool check config` on a written file (its rule files and paths resolve next to it)."""
    proc = subprocess.run([promtool_path(), "check", "config", str(path)], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise NetkitError(f"promtool check config refused {path}:\n{(proc.stdout + proc.stderr).strip()}")


def amtool_path() -> str:
    path = shutil.which("amtool")
    if path is None:
        raise EnvironmentProblem("amtool not found: install the Debian package prometheus-alertmanager")
    return path


def check_alertmanager_text(text: str) -> None:
    """`amtool check-config` on the text, in a temporary file."""
    with tempfile.TemporaryDirectory(prefix="netkit-am-") as tmp:
        path = Path(tmp) / "alertmanager.yml"
        path.write_text(text, encoding="utf-8")
        proc = subprocess.run([amtool_path(), "check-config", str(path)], capture_output=True, text=True,
                              check=False)
    if proc.returncode != 0:
        raise NetkitError(f"amtool check-config refused the generated alertmanager.yml:\n"
                          f"{(proc.stdout + proc.stderr).strip()}")
