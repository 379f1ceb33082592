"""Rule generation from the inventory: structure, determinism, joins instead of numbers, files on disk."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from netkit.cli.app import app
from netkit.errors import InputError
from netkit.inventory import DEFAULT_INVENTORY, Inventory, load_inventory
from netkit.monitor.as_code.rules import (
    GENERATED_MARK,
    AlertingRule,
    RecordingRule,
    RuleFile,
    RuleGroup,
    dump_rule_file,
    parse_rule_file,
    write_generated,
)
from netkit.monitor.as_code.rules_build import DEFAULT_MONITORS_DIR, rule_texts
from netkit.monitor.as_code.rules_config import alertmanager_file
from netkit.monitor.as_code.rules_links import Links
from netkit.monitor.as_code.rules_windows import PRODUCTION, TEST, duration
from netkit.monitor.as_code.slo import BURN_ALERT, SITE_DOWN_ALERT, site_rules
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return load_inventory(DEFAULT_INVENTORY)


def _parsed(inv: Inventory) -> dict[str, RuleFile]:
    return {n: parse_rule_file(t, n) for n, t in rule_texts(inv, PRODUCTION, Links()).items()}


def test_one_file_per_ministry_and_one_group_per_site(inv: Inventory) -> None:
    files = _parsed(inv)
    assert sorted(files) == ["config.rules.yml", "devices.rules.yml", "slo-moc.rules.yml", "slo-moj.rules.yml",
                             "slo-mowa.rules.yml", "slo-mpt.rules.yml"]
    assert [g.name for g in files["slo-moj.rules.yml"].groups] == [
        "netkit-slo-moj-battambang", "netkit-slo-moj-hq", "netkit-slo-moj-ratanakiri"]
    for name, rf in files.items():
        if not name.startswith("slo-"):
            continue
        for group in rf.groups:
            site = group.name.removeprefix("netkit-slo-")
            # every selector of the group names its own site, so a site's rules never see another's series
            for rule in group.rules:
                assert rule.labels["site"] == site
                for sel in re.findall(r"\{([^{}]*)\}", rule.expr):
                    if "$labels" not in sel and sel.strip():
                        assert f'site="{site}"' in sel, (group.name, rule.expr)
            alerts = [r for r in group.rules if isinstance(r, AlertingRule)]
            # a site with an http target (the data center's verification platform) has its answer-time alert
            # and every customer site its bandwidth alert (the lab inventory schedules throughput tests)
            own = [("NetkitHttpAnswerSlow", "ticket")] if site == "nat-dc" else [
                ("NetkitBandwidthBelowAgreement", "ticket")]
            assert sorted((a.alert, a.labels["severity"]) for a in alerts) == sorted([
                (BURN_ALERT, "page"), (BURN_ALERT, "ticket"), (SITE_DOWN_ALERT, "page"), *own])


def test_every_alert_tells_the_noc_where_to_look(inv: Inventory) -> None:
    headings = {m.lower() for m in re.findall(r"^## (\w+)", (REPO / "docs" / "alerting.md").read_text(), re.M)}
    for rf in _parsed(inv).values():
        for alert in rf.alerts():
            assert alert.labels["severity"] in ("page", "ticket")
            assert {"summary", "description", "dashboard", "runbook_url"} <= set(alert.annotations)
            # SLO alerts of the lab's sites also carry the Khmer names (every lab site and ministry has one)
            # and the local time of the evaluation.
            extra = set(alert.annotations) - {"summary", "description", "dashboard", "runbook_url"}
            assert extra in (set(), {"site_name_km", "ministry_name_km", "local_time"}), extra
            if extra:
                assert not alert.annotations["site_name_km"].isascii()
                assert alert.annotations["local_time"].endswith(" Asia/Phnom_Penh (UTC+07:00)")
            assert alert.annotations["dashboard"].startswith("http://127.0.0.1:3000/d/netkit-")
            anchor = alert.annotations["runbook_url"].split("#")[1]
            assert alert.annotations["runbook_url"].startswith("docs/alerting.md#") and anchor in headings


def test_agreement_numbers_come_from_the_exporter_gauges_not_from_the_rules(inv: Inventory) -> None:
    for code, site in inv.sites.items():
        group = site_rules(inv, site, PRODUCTION, Links())
        text = "\n".join(r.expr for r in group.rules)
        # the workbook's budget shares (2 %, 5 %, 10 % of the period) are policy, not the agreement
        text = re.sub(r"\((0\.02|0\.05|0\.1) \* ", "(", text)
        for number in (site.mou.availability_pct / 100, site.mou.latency_ms / 1000, site.mou.loss_pct / 100,
                       1 - site.mou.availability_pct / 100):
            assert not re.search(rf"(?<![\d.]){re.escape(repr(round(number, 6)))}(?![\d])", text), (code, number)
        assert "netkit_mou_availability_ratio" in text and "netkit_mou_loss_ratio" in text
        assert "netkit_mou_period_seconds" in text
        # the period is the one range PromQL cannot take from a series: it comes from the inventory
        assert f"[{site.mou.period_days}d:1h]" in text


def test_maintenance_is_excluded_from_every_sli_event(inv: Inventory) -> None:
    group = site_rules(inv, inv.sites["moj-ratanakiri"], PRODUCTION, Links())
    base = [r for r in group.rules if isinstance(r, RecordingRule) and r.record.endswith("_events:rate")]
    assert len(base) == 6
    for rule in base:
        assert 'unless on (site)\n(max by (site) (max_over_time(netkit_site_maintenance{site="moj-ratanakiri"}[5m])) > 0)' \
            in rule.expr
    down = next(r for r in group.rules if isinstance(r, AlertingRule) and r.alert == SITE_DOWN_ALERT)
    assert "netkit_site_maintenance" in down.expr


def test_burn_rate_pairs_follow_the_sre_workbook(inv: Inventory) -> None:
    group = site_rules(inv, inv.sites["moj-ratanakiri"], PRODUCTION, Links())
    page = next(r for r in group.rules if isinstance(r, AlertingRule) and r.labels["severity"] == "page"
                and r.alert == BURN_ALERT)
    assert 'window="1h"' in page.expr and 'window="5m"' in page.expr and "0.02 *" in page.expr
    assert 'window="6h"' in page.expr and 'window="30m"' in page.expr and "0.05 *" in page.expr
    windows = sorted({r.labels.get("window", "") for r in group.rules if isinstance(r, RecordingRule)})
    assert windows == ["", "1d", "1h", "2h", "30d", "30m", "3d", "5m", "6h"]


def test_test_windows_shrink_sixty_times(inv: Inventory) -> None:
    group = site_rules(inv, inv.sites["moj-battambang"], TEST, Links())
    windows = {r.labels.get("window") for r in group.rules if isinstance(r, RecordingRule)} - {None}
    assert windows == {"10s", "30s", "1m", "2m", "6m", "24m", "72m", "12h"}
    assert TEST.hold(120) == "2s" and PRODUCTION.hold(120) == "2m"
    assert duration(90) == "90s" and duration(86400 * 30) == "30d"


def test_generated_files_are_deterministic_headed_and_committed_in_sync(inv: Inventory) -> None:
    first, second = rule_texts(inv, PRODUCTION, Links()), rule_texts(inv, PRODUCTION, Links())
    assert first == second
    for name, text in first.items():
        assert text.startswith(f"{GENERATED_MARK} (`netkit monitor rules --windows production`)")
        committed = DEFAULT_MONITORS_DIR / "prometheus" / "rules" / name
        assert committed.read_text(encoding="utf-8") == text, f"{committed} is stale: run `netkit monitor rules`"


def test_committed_alertmanager_config_is_in_sync(inv: Inventory) -> None:
    if not shutil.which("amtool"):
        pytest.skip("amtool not installed")
    committed = DEFAULT_MONITORS_DIR / "alertmanager" / "alertmanager.yml"
    assert committed.read_text(encoding="utf-8") == alertmanager_file(inv, PRODUCTION)


def test_rule_file_round_trip_and_bad_files() -> None:
    rf = RuleFile(groups=[RuleGroup(name="g", interval="1m", rules=[
        RecordingRule(record="a:b:c", expr="sum(x)\n+ 1", labels={"z": "1", "a": "2"}),
        AlertingRule(alert="A", expr="up == 0", for_="5m", labels={"severity": "page"}, annotations={"s": "t"}),
    ])])
    text = dump_rule_file(rf, ["test", "second line"])
    assert text.splitlines()[:2] == [f"{GENERATED_MARK} test", "# second line"]
    assert "  - alert: A\n    expr: up == 0\n    for: 5m\n" in text
    assert parse_rule_file(text, "x.yml") == rf
    with pytest.raises(InputError, match=r"x\.yml: not valid YAML"):
        parse_rule_file("groups: [", "x.yml")
    with pytest.raises(InputError, match=r"y\.yml: groups\.0\.rules"):
        parse_rule_file("groups: [{name: g, rules: [{expr: up}]}]", "y.yml")


def test_write_generated_touches_only_changes_and_removes_its_own_stale_files(tmp_path: Path) -> None:
    texts = {"a.rules.yml": f"{GENERATED_MARK} a\n", "b.rules.yml": f"{GENERATED_MARK} b\n"}
    write_generated(tmp_path, texts, "*.rules.yml")
    mtime = (tmp_path / "a.rules.yml").stat().st_mtime_ns
    (tmp_path / "mine.rules.yml").write_text("# hand-written\n")
    write_generated(tmp_path, {"a.rules.yml": texts["a.rules.yml"]}, "*.rules.yml")
    assert (tmp_path / "a.rules.yml").stat().st_mtime_ns == mtime
    assert not (tmp_path / "b.rules.yml").exists()
    assert (tmp_path / "mine.rules.yml").exists()


def test_cli_rules_and_bad_windows(tmp_path: Path) -> None:
    if not shutil.which("promtool"):
        pytest.skip("promtool not installed")
    runner = CliRunner()
    result = runner.invoke(app, ["monitor", "rules", "--out", str(tmp_path), "--windows", "test", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["windows"] == "test" and data["sites"] == ["moc-hq", "moj-battambang", "moj-hq", "moj-ratanakiri",
                                                           "mowa-hq", "nat-dc"]
    assert len(list(tmp_path.glob("*.rules.yml"))) == 6  # 5 SLO and device files + the watcher's config.rules.yml
    result = runner.invoke(app, ["monitor", "rules", "--out", str(tmp_path), "--windows", "weekly"])
    assert result.exit_code == 2 and "choose one of production, test" in result.output
