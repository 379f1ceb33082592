"""Turn `frr-reload.py --test` output into the diff `compare_config` returns.

frr-reload prints the exact commands it would run: a "Lines To Delete" section (each item is its
context lines followed by a `no ...` line) and a "Lines To Add" section. An item starts at a line
without indentation. We show each change once, placed under its context, in unified-diff style:

     interface eth0
    - description management
    + description uplink

A removed whole block shows as its header alone (`-router ospf`): FRR removes the block with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# A vtysh-only setting that frr-reload lists as "to add" on every run whether or not it changes.
NOISE = frozenset({"service integrated-vtysh-config"})


@dataclass(frozen=True)
class Change:
    op: Literal["-", "+"]
    context: tuple[str, ...]
    line: str


def _undo_no(line: str) -> str:
    """The running-config line a delete command removes: `no X` removes X, `X` removes `no X`."""
    indent = line[: len(line) - len(line.lstrip())]
    body = line.strip()
    return indent + (body[3:] if body.startswith("no ") else "no " + body)


def parse_reload_test(output: str) -> list[Change]:
    section: Literal["-", "+"] | None = None
    items: list[tuple[Literal["-", "+"], list[str]]] = []
    for raw in output.splitlines():
        line = raw.rstrip()
        if line == "Lines To Delete":
            section = "-"
            continue
        if line == "Lines To Add":
            section = "+"
            continue
        if section is None or not line.strip() or set(line) == {"="}:
            continue
        if not line[0].isspace() or not items or items[-1][0] != section:
            items.append((section, [line]))
        else:
            items[-1][1].append(line)
    changes: list[Change] = []
    for op, lines in items:
        *context, last = lines
        if op == "+" and not context and last.strip() in NOISE:
            continue
        changes.append(Change(op, tuple(context), _undo_no(last) if op == "-" else last))
    return changes


@dataclass
class _Node:
    op: str = " "  # " " = unchanged context
    children: dict[str, _Node] = field(default_factory=dict)


def render(changes: list[Change]) -> str:
    """Each change placed under its context, once; a block added or removed whole shows its header
    with the change sign and its lines beneath it."""
    root = _Node()
    for change in changes:
        node = root
        for line in change.context:
            node = node.children.setdefault(line, _Node())
        leaf = node.children.setdefault(change.line, _Node())
        leaf.op = change.op
    out: list[str] = []

    def walk(node: _Node) -> None:
        for text, child in node.children.items():
            out.append(child.op + text)
            walk(child)

    walk(root)
    return "\n".join(out) + ("\n" if out else "")


def diff_text(reload_test_output: str) -> str:
    return render(parse_reload_test(reload_test_output))
