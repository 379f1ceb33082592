"""Dashboards built with grafana-foundation-sdk: structure, queries on the metric contract, files in sync."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from netkit.cli.app import app
from netkit.errors import NetkitError
from netkit.monitor.as_code.dashboards import DATASOURCE_UID, check_queries, concrete, dump, panel_queries
from netkit.monitor.as_code.dashboards_boards import all_dashboards
from netkit.monitor.as_code.rules_build import DEFAULT_MONITORS_DIR
from netkit.monitor.as_code.rules_links import DEVICE_UID, OVERVIEW_UID, SITE_UID
from netkit.watch.alerting import DRIFT_UID
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
needs_promtool = pytest.mark.skipif(not shutil.which("promtool"), reason="promtool not installed")


@pytest.fixture(scope="module")
def boards() -> dict[str, dict[str, Any]]:
    return all_dashboards("Asia/Phnom_Penh")  # the lab inventory's zone, as committed


def _contract_names() -> set[str]:
    text = (REPO / "docs" / "metrics-contract.md").read_text(encoding="utf-8")
    names = set(re.findall(r"\bnetkit_[a-z_]+", text))
    # histogram and counter families: the contract names the family, queries use its series
    return names | {f"netkit_probe_rtt_seconds_{s}" for s in ("bucket", "sum", "count")}


def test_four_dashboards_with_stable_uids(boards: dict[str, dict[str, Any]]) -> None:
    assert sorted(boards) == sorted([OVERVIEW_UID, SITE_UID, DEVICE_UID, DRIFT_UID])
    for uid, data in boards.items():
        assert data["uid"] == uid and data["title"].startswith("netkit / ")
        assert "generated" in data["tags"]
        panels = data["panels"]
        assert len({p["id"] for p in panels}) == len(panels)
        for p in panels:
            assert p["gridPos"]["x"] >= 0 and p["gridPos"]["x"] + p["gridPos"]["w"] <= 24
            if p["type"] == "row":
                continue
            assert p["targets"], p["title"]
            assert p["description"] and p["options"] is not None
            for t in p["targets"]:
                assert t["datasource"]["uid"] == DATASOURCE_UID and t["expr"] and t["refId"]


def test_queries_use_only_the_metric_contract_and_netkit_recordings(boards: dict[str, dict[str, Any]]) -> None:
    known = _contract_names()
    for data in boards.values():
        for q in panel_queries(data):
            for name in re.findall(r"\bnetkit_[a-z_]+(?::[a-z_]+:[a-z_]+)?", q.expr):
                assert name in known or name.startswith("netkit_site:"), (q.panel, name)


def test_site_detail_compares_each_measurement_with_its_agreement(boards: dict[str, dict[str, Any]]) -> None:
    by_panel: dict[str, str] = {}
    for q in panel_queries(boards[SITE_UID]):
        by_panel[q.panel] = by_panel.get(q.panel, "") + q.expr
    assert "netkit_mou_availability_ratio" in by_panel["Availability"]
    assert "netkit_mou_latency_seconds" in by_panel["Round-trip time"]
    assert "netkit_mou_loss_ratio" in by_panel["Packet loss"]
    assert "netkit_circuit_committed_bits_per_second" in by_panel["Uplink utilisation"]
    overview = " ".join(q.expr for q in panel_queries(boards[OVERVIEW_UID]))
    assert "netkit_site:slo_error_budget_remaining:ratio" in overview and "netkit_probe_success" in overview


def test_builds_are_deterministic_and_committed_files_in_sync(boards: dict[str, dict[str, Any]]) -> None:
    again = all_dashboards("Asia/Phnom_Penh")
    for uid, data in boards.items():
        assert dump(data) == dump(again[uid])
        committed = DEFAULT_MONITORS_DIR / "grafana" / "dashboards" / f"{uid}.json"
        assert committed.read_text(encoding="utf-8") == dump(data), f"{committed}: run `netkit monitor dashboards`"


def test_provisioning_points_at_the_datasource_the_dashboards_use() -> None:
    ds = (DEFAULT_MONITORS_DIR / "grafana" / "provisioning" / "datasources" / "netkit.yml").read_text()
    assert f"uid: {DATASOURCE_UID}" in ds and "type: prometheus" in ds
    assert "type: file" in (DEFAULT_MONITORS_DIR / "grafana" / "provisioning" / "dashboards" / "netkit.yml").read_text()


def test_concrete_substitutes_grafana_variables() -> None:
    values = {"site": "moj-ratanakiri", "ministry": ".*"}
    assert concrete('rate(x{site=~"$site"}[$__rate_interval])', values, "30s") == 'rate(x{site=~"moj-ratanakiri"}[30s])'
    assert concrete("label_values(netkit_site_info{ministry=~\"$ministry\"}, site)", values, "1m") == \
        'group by (site) (netkit_site_info{ministry=~".*"})'


@needs_promtool
def test_every_query_parses_and_a_broken_one_is_refused(boards: dict[str, dict[str, Any]]) -> None:
    check_queries(boards)
    broken = json.loads(json.dumps(boards[SITE_UID]))
    broken["panels"][1]["targets"][0]["expr"] = "rate(netkit_probe_success[5m]"
    with pytest.raises(NetkitError, match="promtool check rules refused"):
        check_queries({SITE_UID: broken})


@needs_promtool
def test_cli_writes_the_dashboards(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["monitor", "dashboards", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{u}.json" for u in (OVERVIEW_UID, SITE_UID,
                                                                                      DEVICE_UID, DRIFT_UID))
    assert json.loads(result.output)["queries"][SITE_UID] >= 20
