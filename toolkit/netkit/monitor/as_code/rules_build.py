"""`netkit monitor rules`: the inventory's rule files, checked by promtool, then written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from netkit.inventory.models import Inventory
from netkit.monitor.as_code.rules import RuleFile, check_rule_texts, dump_rule_file, write_generated
from netkit.monitor.as_code.rules_devices import DevicePolicy, device_group
from netkit.monitor.as_code.rules_links import Links
from netkit.monitor.as_code.rules_windows import WindowSet
from netkit.monitor.as_code.slo import slo_groups_by_ministry

RULE_SUFFIX = ".rules.yml"
# The repository's monitors/ (generated files are committed there for the lab inventory).
DEFAULT_MONITORS_DIR = Path(__file__).resolve().parents[4] / "monitors"


@dataclass(frozen=True)
class RulesResult:
    out_dir: Path
    files: list[Path]
    windows: str
    groups: int
    recording_rules: int
    alerting_rules: int
    sites: list[str] = field(default_factory=list)


def _header(inv: Inventory, windows: WindowSet, what: str) -> list[str]:
    return [
        f"(`netkit monitor rules --windows {windows.name}`) from the inventory of {inv.network.name}.",
        f"{what}",
        "Do not edit: change the inventory or netkit and regenerate. Checked with `promtool check rules`.",
    ]


def rule_texts(inv: Inventory, windows: WindowSet, links: Links,
               policy: DevicePolicy = DevicePolicy()) -> dict[str, str]:
    """File name -> text, for every ministry's SLO rules and the device rules. Pure and deterministic."""
    texts: dict[str, str] = {}
    for ministry, groups in slo_groups_by_ministry(inv, windows, links).items():
        name = inv.ministries[ministry].name
        texts[f"slo-{ministry}{RULE_SUFFIX}"] = dump_rule_file(
            RuleFile(groups=groups), _header(inv, windows, f"SLO rules of the sites of {name} ({ministry})."))
    texts[f"devices{RULE_SUFFIX}"] = dump_rule_file(
        RuleFile(groups=[device_group(windows, links, policy)]),
        _header(inv, windows, "Device and interface alerts of every site."))
    from netkit.watch.alerting import config_group

    texts[f"config{RULE_SUFFIX}"] = dump_rule_file(
        RuleFile(groups=[config_group(windows, links)]),
        _header(inv, windows, "Configuration drift and backup alerts of `netkit backup serve` (engineering)."))
    return texts


def generate_rules(inv: Inventory, out_dir: Path, windows: WindowSet, links: Links,
                   policy: DevicePolicy = DevicePolicy()) -> RulesResult:
    """Build, re-parse, promtool-check, then write (only changed files; stale generated ones removed)."""
    texts = rule_texts(inv, windows, links, policy)
    parsed = list(check_rule_texts(texts).values())
    files = write_generated(out_dir, texts, f"*{RULE_SUFFIX}")
    return RulesResult(
        out_dir=out_dir, files=files, windows=windows.name,
        groups=sum(len(p.groups) for p in parsed),
        recording_rules=sum(len(p.records()) for p in parsed),
        alerting_rules=sum(len(p.alerts()) for p in parsed),
        sites=sorted(c for c, s in inv.sites.items() if s.targets),
    )
