"""A fast hierarchical parser for the configuration syntaxes netkit renders.

Each file becomes a tree of `Line`s (text, 1-based line number, parent, children), like ciscoconfparse2
builds, but about 100x faster, which is what validating 10,000 devices needs. The syntax families
(each platform's spec names its own, `netkit.platforms`):
  indent    IOS, EOS, FRR, Huawei VRP: children are indented under their parent
  braces    Junos: `name {` opens a block, `}` closes it, `leaf;` is a statement
  routeros  RouterOS scripts: `/path` lines open a section, commands belong to the last section
Comments, banners and block terminators (`exit`, `quit`, `return`, `end`) are not statements.
Problems the parser itself finds (an unbalanced brace, a command outside any section) are `ParseError`s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from netkit.errors import InputError
from netkit.platforms import Syntax, get

TERMINATORS = frozenset({"exit", "exit-address-family", "exit-vrf", "end", "quit", "return", "exit-vni"})
BANNER = re.compile(r"^banner\s+\S+(?:\s+(\^C|\S))?(.*)$")


class Line:
    """One statement: its text (without indentation, braces or the trailing `;`), its 1-based line
    number, its parent and children, and its path: the texts of its parents and itself joined by
    spaces (Junos `set` style: `system services ssh protocol-version v2`)."""

    __slots__ = ("_path", "children", "lineno", "parent", "text")

    def __init__(self, text: str, lineno: int, parent: Line | None = None) -> None:
        self.text = text
        self.lineno = lineno
        self.parent = parent
        self.children: list[Line] = []
        self._path: str | None = None  # computed when first asked for (most checks match the text only)

    @property
    def path(self) -> str:
        if self._path is None:  # iteratively: a file nested thousands deep must not exhaust the stack
            chain: list[Line] = []
            node: Line | None = self
            while node is not None and node._path is None:
                chain.append(node)
                node = node.parent
            base = node._path if node is not None else None
            for n in reversed(chain):
                n._path = base = n.text if base is None else f"{base} {n.text}"
        assert self._path is not None
        return self._path

    @path.setter
    def path(self, value: str) -> None:
        self._path = value

    def __repr__(self) -> str:
        return f"Line({self.lineno}: {self.path!r})"

    def descendants(self) -> Iterator[Line]:
        stack = list(reversed(self.children))  # depth-first, in file order, without recursion
        while stack:
            child = stack.pop()
            yield child
            stack.extend(reversed(child.children))


@dataclass(frozen=True, slots=True)
class ParseError:
    lineno: int
    message: str
    text: str


class ConfigTree:
    """A parsed file. `search` matches a regex against each statement (its text, or its path), looking
    only at statements whose first word is the pattern's literal first word when it has one: about
    20x faster than scanning every statement with every pattern."""

    __slots__ = ("_index", "errors", "lines", "roots", "syntax")

    def __init__(self, syntax: str, roots: list[Line], lines: list[Line], errors: list[ParseError]) -> None:
        self.syntax = syntax
        self.roots = roots
        self.lines = lines  # every statement in file order
        self.errors = errors
        self._index: dict[bool, dict[str, list[Line]]] = {}

    def by_first_word(self, by_path: bool) -> dict[str, list[Line]]:
        index = self._index.get(by_path)
        if index is None:
            index = self._index[by_path] = {}
            for ln in self.lines:
                index.setdefault((ln.path if by_path else ln.text).split(" ", 1)[0], []).append(ln)
        return index

    def search(self, pattern: re.Pattern[str], by_path: bool = False) -> Iterator[tuple[Line, re.Match[str]]]:
        """Every statement matching `pattern` (anchor it with ^ and $; it sees one statement at a time)."""
        word = first_word(pattern)
        candidates = self.lines if word is None else self.by_first_word(by_path).get(word, ())
        for line in candidates:
            m = pattern.search(line.path if by_path else line.text)
            if m:
                yield line, m


_LITERAL_HEAD = re.compile(r"^\^(/?[A-Za-z0-9_-]+)(?: |\\ |\$|$)")


@lru_cache(maxsize=1024)
def first_word(pattern: re.Pattern[str]) -> str | None:
    """The literal first word every match starts with (`^interface ...` -> interface), if the pattern has one."""
    m = _LITERAL_HEAD.match(pattern.pattern)
    return m.group(1) if m else None


def _indent(text: str, syntax: str, rules: Syntax) -> ConfigTree:
    roots: list[Line] = []
    lines: list[Line] = []
    errors: list[ParseError] = []
    stack: list[tuple[int, Line]] = []
    comments = rules.comments
    banner_end: str | None = None
    banner: list[str] = []  # a banner is one statement: header, text, closing line
    banner_line: Line | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        if banner_end is not None and banner_line is not None:
            banner.append(raw)
            if (raw.strip() == "EOF") if banner_end == "EOF" else (banner_end in raw):
                banner_end = None
                banner_line.text = banner_line.path = "\n".join(banner)
            continue
        stripped = raw.strip()
        if not stripped or stripped[0] in comments or stripped in TERMINATORS:
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if "\t" in raw[:indent + 1]:
            errors.append(ParseError(n, "indented with tabs (use spaces)", raw))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if stack:
            parent: Line | None = stack[-1][1]
        else:
            parent = None
            if indent > 0 and not rules.top_level_indent:
                errors.append(ParseError(n, "indented line with no parent statement above it", raw))
        line = Line(stripped, n, parent)
        if parent is None:
            roots.append(line)
        else:
            parent.children.append(line)
        lines.append(line)
        stack.append((indent, line))
        if indent == 0 and stripped.startswith("banner "):
            m = BANNER.match(stripped)
            if m is not None and m.group(1) is None:
                banner_end = "EOF"  # EOS: the text follows, up to a line `EOF`
            elif m is not None and m.group(1) not in m.group(2):
                banner_end = m.group(1)
            banner, banner_line = [stripped], line
    if banner_end is not None:
        errors.append(ParseError(len(text.splitlines()), f"banner not closed (expected {banner_end})", ""))
    return ConfigTree(syntax, roots, lines, errors)


_JUNOS_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def _braces(text: str, syntax: str) -> ConfigTree:
    roots: list[Line] = []
    lines: list[Line] = []
    errors: list[ParseError] = []
    stack: list[Line] = []
    in_comment = False
    for n, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if in_comment:
            if "*/" in stripped:
                in_comment = False
                stripped = stripped.split("*/", 1)[1].strip()
            else:
                continue
        if stripped.startswith("/*"):
            if "*/" not in stripped:
                in_comment = True
                continue
            stripped = _JUNOS_COMMENT.sub("", stripped).strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped == "}":
            if not stack:
                errors.append(ParseError(n, "closing brace without an open block", raw))
            else:
                stack.pop()
            continue
        parent = stack[-1] if stack else None
        if stripped.endswith("{"):
            line = Line(stripped[:-1].rstrip(), n, parent)
            stack.append(line)
        elif stripped.endswith(";"):
            line = Line(stripped[:-1].rstrip(), n, parent)
        else:
            errors.append(ParseError(n, "statement ends with neither ';' nor '{'", raw))
            line = Line(stripped, n, parent)
        (parent.children if parent is not None else roots).append(line)
        lines.append(line)
    for open_block in stack:
        errors.append(ParseError(open_block.lineno, f"block '{open_block.text}' is never closed", open_block.text))
    return ConfigTree(syntax, roots, lines, errors)


def _routeros(text: str, syntax: str) -> ConfigTree:
    roots: list[Line] = []
    lines: list[Line] = []
    errors: list[ParseError] = []
    section: Line | None = None
    pending = ""
    pending_no = 0
    for n, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if pending:
            stripped = pending + stripped
            n = pending_no
            pending = ""
        if stripped.endswith("\\"):
            pending, pending_no = stripped[:-1], n
            continue
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("/"):
            section = Line(stripped, n)
            roots.append(section)
            lines.append(section)
            continue
        if section is None:
            errors.append(ParseError(n, "command outside any /section", raw))
            continue
        if stripped.count('"') % 2:
            errors.append(ParseError(n, "unbalanced double quote", raw))
        line = Line(stripped, n, section)
        section.children.append(line)
        lines.append(line)
    if pending:
        errors.append(ParseError(pending_no, "line continuation (\\) at the end of the file", pending))
    return ConfigTree(syntax, roots, lines, errors)


def parse(text: str, syntax: str) -> ConfigTree:
    """Parse a configuration file of a platform (`syntax` is its name: `ios`, `huawei_vrp` ...)."""
    rules = get(syntax).syntax
    if rules is None:
        raise InputError(f"platform {syntax!r} has no configuration syntax (netkit does not configure it)")
    if rules.family == "braces":
        return _braces(text, syntax)
    if rules.family == "routeros":
        return _routeros(text, syntax)
    return _indent(text, syntax, rules)
