"""Turn `frr-reload.py --test` output into the diff `compare_config` returns.

frr-reload prints the exact commands it would run: a "Lines To Delete" section (each item is its
context lines followed by a `no ...` line) and a "Lines To Add" section. An item starts at a line
without indentation. We show each change once, grouped under its context, in unified-diff style:

     interface eth0
    - description management
    + description uplink

A removed whole block shows as its header alone (`-router ospf`): FRR removes the block with it.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def render(changes: list[Change]) -> str:
    groups: dict[tuple[str, ...], list[Change]] = {}
    for change in changes:
        groups.setdefault(change.context, []).append(change)
    out: list[str] = []
    shown: tuple[str, ...] = ()
    for context, members in groups.items():
        # a context nested in the one just shown continues it; anything else is shown in full
        common = len(shown) if shown and context[: len(shown)] == shown else 0
        out.extend(" " + c for c in context[common:])
        shown = context
        seen: set[tuple[str, str]] = set()
        for change in sorted(members, key=lambda c: c.op != "-"):  # deletions first, stable
            if (change.op, change.line) not in seen:
                seen.add((change.op, change.line))
                out.append(change.op + change.line)
    return "\n".join(out) + ("\n" if out else "")


def diff_text(reload_test_output: str) -> str:
    return render(parse_reload_test(reload_test_output))
