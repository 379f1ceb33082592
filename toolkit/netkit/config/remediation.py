"""Remediation snippets: the commands that turn a running config into the intended one.

hier_config (2.x) computes the hierarchical difference for FRR (IOS-like, tuned below: FRR's section
exits and the commands that replace their previous value), IOS, EOS, Junos (set/delete commands) and
Huawei VRP (`undo` instead of `no`). RouterOS scripts are flat sections, handled here: missing
commands are added, extra `add` entries are removed with `remove [ find ... ]`.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from netkit.config.parse import ConfigTree, Line
from netkit.errors import EnvironmentProblem

_ROS_KV = re.compile(r'([\w.-]+)=("[^"]*"|\S+)')


def _idempotent(*lineages: tuple[str, ...]) -> list[dict[str, Any]]:
    """hier_config rules: a command whose new value simply replaces the old one (no negation first)."""
    return [{"lineage": [{"startswith": step} for step in lineage]} for lineage in lineages]


def _options(syntax: str) -> tuple[str, dict[str, Any]]:
    """hier_config's OS name and options for a syntax."""
    try:
        from hier_config.options import options_for
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise EnvironmentProblem("hier-config is not installed: pip install 'hier-config>=2.2,<3'") from e
    if syntax == "frr":
        opts = copy.deepcopy(options_for("ios"))
        opts["per_line_sub"] = []
        opts["idempotent_commands"] = _idempotent(
            ("hostname",), ("ip router-id",),
            ("interface", "description"), ("interface", "ip ospf hello-interval"),
            ("interface", "ip ospf dead-interval"), ("interface", "ip ospf network"), ("interface", "ip ospf cost"),
            ("router bgp", "bgp router-id"), ("router bgp", "timers bgp"),
            ("router ospf", "ospf router-id"), ("router ospf", "timers throttle spf"),
            ("router ospf", "timers throttle lsa all"), ("router ospf", "timers lsa min-arrival"),
        )
        # vtysh reads a snippet like a config file: leave every section explicitly.
        opts["sectional_exiting"] = [
            {"lineage": [{"startswith": "router bgp"}, {"startswith": "address-family"}],
             "exit_text": "exit-address-family"},
            *({"lineage": [{"startswith": s}], "exit_text": "exit"}
              for s in ("interface", "router", "route-map", "line", "vrf")),
        ]
        return "ios", opts
    if syntax == "ios":
        return "iosxe", copy.deepcopy(options_for("iosxe"))
    if syntax == "eos":
        return "eos", copy.deepcopy(options_for("eos"))
    if syntax == "junos":
        return "junos", copy.deepcopy(options_for("junos"))
    if syntax == "vrp":
        opts = copy.deepcopy(options_for("ios"))
        opts.update(negation="undo", per_line_sub=[], sectional_exiting=[], idempotent_commands=_idempotent(
            ("sysname",), ("interface", "description"), ("interface", "ip address"),
            ("bgp", "router-id"), ("ospf",), ("interface", "qos lr outbound"),
        ))
        return "vrp", opts
    raise ValueError(f"no hier_config options for {syntax}")


def canonical(tree: ConfigTree, indent: int = 1) -> str:
    """A parsed tree as plain indented text (comments, banners and section exits dropped)."""
    out: list[str] = []

    def walk(lines: list[Line], depth: int) -> None:
        for line in lines:
            out.append(" " * (indent * depth) + line.text)
            walk(line.children, depth + 1)

    walk(tree.roots, 0)
    return "\n".join(out) + "\n"


def _junos_text(tree: ConfigTree) -> str:
    """Junos as `set` commands (what hier_config's juniper style compares)."""
    return "\n".join(f"set {ln.path}" for ln in tree.lines if not ln.children) + "\n"


def hier_remediation(syntax: str, running: ConfigTree, intended: ConfigTree, device: str = "device") -> str:
    from hier_config import HConfig, Host

    os_name, opts = _options(syntax)
    host = Host(device, os_name, opts)
    texts = (_junos_text(running), _junos_text(intended)) if syntax == "junos" else (
        canonical(running), canonical(intended))
    run = HConfig(host=host)
    run.load_from_string(texts[0])
    want = HConfig(host=host)
    want.load_from_string(texts[1])
    delta = run.config_to_get_to(want)
    delta.set_order_weight()
    delta.add_sectional_exiting()
    lines = [c.cisco_style_text() for c in delta.all_children_sorted()]
    return "\n".join(line.rstrip() for line in lines) + ("\n" if lines else "")


def _ros_key(text: str) -> str:
    pairs = [f"{k}={v}" for k, v in _ROS_KV.findall(text) if k != "comment"]
    return " ".join(pairs)


def routeros_remediation(running: ConfigTree, intended: ConfigTree) -> str:
    have = {(ln.parent.text if ln.parent else "", ln.text) for ln in running.lines if ln.parent is not None}
    want = {(ln.parent.text if ln.parent else "", ln.text) for ln in intended.lines if ln.parent is not None}
    sections: dict[str, list[str]] = {}
    for section, text in sorted(have - want):
        if text.startswith("add "):
            where = " ".join(f"{kv}" for kv in _ros_key(text[4:]).split())
            sections.setdefault(section, []).append(f"remove [ find where {where} ]")
    for line in intended.lines:  # intended order: additions in the order they were rendered
        if line.parent is not None and (line.parent.text, line.text) not in have:
            sections.setdefault(line.parent.text, []).append(line.text)
    out: list[str] = []
    for section, commands in sections.items():
        out.append(section)
        out.extend(commands)
    return "\n".join(out) + ("\n" if out else "")


def remediation(syntax: str, running: ConfigTree, intended: ConfigTree, device: str = "device") -> str:
    """The commands that make `running` equal `intended` ("" when they already are)."""
    if syntax == "routeros":
        return routeros_remediation(running, intended)
    return hier_remediation(syntax, running, intended, device)
