"""The shipped monitoring files checked by the real tools: promtool (rules, unit tests, config), amtool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from netkit.errors import NetkitError
from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.monitor.as_code.rules import check_rule_texts
from netkit.monitor.as_code.rules_build import DEFAULT_MONITORS_DIR, generate_rules
from netkit.monitor.as_code.rules_links import Links
from netkit.monitor.as_code.rules_windows import TEST

RULES = DEFAULT_MONITORS_DIR / "prometheus" / "rules"
AM_CONFIG = DEFAULT_MONITORS_DIR / "alertmanager" / "alertmanager.yml"
pytestmark = pytest.mark.skipif(not (shutil.which("promtool") and shutil.which("amtool")),
                                reason="promtool/amtool not installed (Debian prometheus, prometheus-alertmanager)")


def _run(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, cwd=cwd, check=False, timeout=120)


def test_promtool_unit_tests_beside_the_rules_pass() -> None:
    tests = sorted(RULES.glob("*.test.yml"))
    assert [t.name for t in tests] == ["devices.test.yml", "slo-moj.test.yml", "slo-mpt.test.yml"]
    proc = _run("promtool", "test", "rules", *(t.name for t in tests), cwd=RULES)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("SUCCESS") == 3


def test_promtool_check_rules_with_lint_fatal() -> None:
    files = sorted(RULES.glob("*.rules.yml"))
    proc = _run("promtool", "check", "rules", "--lint=all", "--lint-fatal", *map(str, files))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_promtool_check_config_of_the_shipped_prometheus_yml() -> None:
    proc = _run("promtool", "check", "config", "prometheus.yml", cwd=RULES.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS: 6 rule files found" in proc.stdout  # the *.test.yml files are not loaded as rules


def test_amtool_check_config() -> None:
    proc = _run("amtool", "check-config", str(AM_CONFIG))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 inhibit rules" in proc.stdout and "10 receivers" in proc.stdout


@pytest.mark.parametrize(("labels", "receiver"), [
    (["ministry=moj", "severity=page", "site=moj-ratanakiri"], "moj-page"),
    (["ministry=moj", "severity=ticket"], "moj-ticket"),
    (["ministry=mowa", "severity=page"], "mowa-page"),
    (["ministry=mpt", "severity=info"], "mpt-ticket"),
    (["alertname=NetkitExporterDown", "severity=page"], "noc"),
])
def test_alertmanager_routes_by_ministry_and_severity(labels: list[str], receiver: str) -> None:
    proc = _run("amtool", "config", "routes", "test", f"--config.file={AM_CONFIG}", *labels)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == receiver


def test_generated_test_window_rules_pass_promtool(tmp_path: Path) -> None:
    result = generate_rules(load_inventory(DEFAULT_INVENTORY), tmp_path, TEST, Links())
    assert len(result.files) == 6 and result.alerting_rules == 35  # incl. 5 bandwidth, 1 http answer, 2 watcher alerts


def test_promtool_refuses_broken_promql_with_its_own_message() -> None:
    text = "groups:\n- name: g\n  rules:\n  - record: a:b:c\n    expr: sum(rate(x[5m])\n"
    with pytest.raises(NetkitError, match=r"promtool check rules refused .*bad.rules.yml"):
        check_rule_texts({"bad.rules.yml": text})
