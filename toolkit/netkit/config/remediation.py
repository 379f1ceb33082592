"""Remediation snippets: the commands that turn a running config into the intended one.

hier_config (2.x) computes the hierarchical difference for every platform whose spec gives hier_config
options (`netkit.platforms.<name>`: FRR's section exits, Huawei VRP's `undo` ...; Junos as set/delete
commands). RouterOS scripts are flat sections, handled here: missing
commands are added, extra `add` entries are removed with `remove [ find ... ]`.
"""

from __future__ import annotations

import re
from typing import Any

from netkit.config.parse import ConfigTree, Line
from netkit.errors import InputError
from netkit.platforms import get

_ROS_KV = re.compile(r'([\w.-]+)=("[^"]*"|\S+)')


def _options(syntax: str) -> tuple[str, dict[str, Any]]:
    """hier_config's OS name and options for a platform (from its spec)."""
    rules = get(syntax).syntax
    if rules is None or rules.hier_config is None:
        raise InputError(f"platform {syntax!r} has no hier_config options")
    return rules.hier_config()


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
    braces = (rules := get(syntax).syntax) is not None and rules.family == "braces"
    texts = (_junos_text(running), _junos_text(intended)) if braces else (
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
    rules = get(syntax).syntax
    if rules is not None and rules.family == "routeros":
        return routeros_remediation(running, intended)
    return hier_remediation(syntax, running, intended, device)
