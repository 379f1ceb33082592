"""Golden rules: declarative YAML checks in `templates/rules/*.yml` that every rendered config must pass.

A rule has an id, a severity, a description and one check per platform it applies to:

    - id: vty-management-acl
      severity: error
      description: Terminal lines accept logins from the management prefix only.
      checks:
        ios: {within: '^line vty', require: '^access-class \\S+ in$'}
        huawei_vrp: {within: '^user-interface vty', require: '^acl \\d+ inbound$'}

A check is one of: `forbid` (no statement matches), `require` (some statement matches), `within` +
`require`/`forbid` (in every block whose header matches), `collect` + `equals` (the captured values
equal the inventory's list: ntp_servers, syslog_servers, dns_servers). Patterns are Python regexes
matched against each statement's text, or its path (`scope: path`, Junos/RouterOS). A rule may apply
only to some roles, and `only_if`/`unless` name a boolean of the template data (`snmp.allow_v2c`).
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from netkit.config.context import DeviceContext
from netkit.config.models import Severity
from netkit.config.parse import ConfigTree
from netkit.errors import InputError
from netkit.inventory.models import Platform, Role
from netkit.platforms import all_specs


class Violation(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str
    severity: Severity
    line: int  # 0: the file as a whole (something is missing)
    message: str
    text: str = ""


class Check(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    scope: Literal["text", "path"] = "text"  # match the statement text, or its path (parents + text)
    forbid: str | None = None
    require: str | None = None
    within: str | None = None
    collect: str | None = None
    equals: Literal["ntp_servers", "syslog_servers", "dns_servers"] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Check:
        kinds = [k for k in ("forbid", "require", "collect") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("give exactly one of forbid, require, collect")
        if (self.collect is None) != (self.equals is None):
            raise ValueError("collect and equals go together")
        if self.within is not None and self.collect is not None:
            raise ValueError("within goes with require or forbid, not collect")
        for name in ("forbid", "require", "within", "collect"):
            value = getattr(self, name)
            if value is not None:
                try:
                    re.compile(value)
                except re.error as e:
                    raise ValueError(f"{name}: not a valid regular expression ({e})") from e
        if self.collect is not None and re.compile(self.collect).groups < 1:
            raise ValueError("collect needs a capturing group: the value to compare")
        return self

    @cached_property
    def compiled(self) -> dict[str, re.Pattern[str]]:
        return {k: re.compile(v, re.M) for k in ("forbid", "require", "within", "collect")
                if (v := getattr(self, k)) is not None}


class GoldenRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    severity: Severity = "error"
    description: str
    checks: dict[Platform, Check]
    roles: list[Role] | None = None
    only_if: str | None = None
    unless: str | None = None
    source: str = ""  # the file it came from

    @property
    def platforms(self) -> list[Platform]:
        return list(self.checks)


def _flag(ctx: DeviceContext, dotted: str) -> bool:
    value: Any = ctx
    for part in dotted.split("."):
        value = getattr(value, part, None)
    return bool(value)


def applies(rule: GoldenRule, platform: Platform, ctx: DeviceContext) -> bool:
    if platform not in rule.checks:
        return False
    if rule.roles is not None and ctx.role not in {str(r) for r in rule.roles}:
        return False
    if rule.only_if and not _flag(ctx, rule.only_if):
        return False
    return not (rule.unless and _flag(ctx, rule.unless))


def evaluate(rule: GoldenRule, check: Check, tree: ConfigTree, ctx: DeviceContext) -> list[Violation]:
    by_path = check.scope == "path"
    pats = check.compiled
    out: list[Violation] = []

    def v(line: int, message: str, text: str = "") -> None:
        out.append(Violation(rule=rule.id, severity=rule.severity, line=line, message=message, text=text))

    if check.within is not None:
        inner = pats.get("require") or pats["forbid"]
        for block, _m in tree.search(pats["within"], by_path):
            matches = [d for d in block.descendants() if inner.search(d.path if by_path else d.text)]
            if check.require is not None and not matches:
                v(block.lineno, f"{rule.description} (block '{block.text}' has no line matching {check.require!r})",
                  block.text)
            if check.forbid is not None:
                for d in matches:
                    v(d.lineno, f"{rule.description} (forbidden in '{block.text}': {check.forbid!r})", d.text)
    elif check.forbid is not None:
        for line, _m in tree.search(pats["forbid"], by_path):
            v(line.lineno, rule.description, line.text)
    elif check.require is not None:
        if next(tree.search(pats["require"], by_path), None) is None:
            v(0, f"{rule.description} (no line matches {check.require!r})")
    elif check.collect is not None and check.equals is not None:
        found = [(line, m.group(1)) for line, m in tree.search(pats["collect"], by_path)]
        expected = set(getattr(ctx, check.equals))
        have = {value for _l, value in found}
        if have != expected:
            missing = ", ".join(sorted(expected - have)) or "none"
            extra = ", ".join(sorted(have - expected)) or "none"
            first = found[0][0] if found else None
            v(first.lineno if first else 0,
              f"{rule.description} (inventory {check.equals}: missing {missing}; not in the inventory: {extra})",
              first.text if first else "")
    return out


def check_rules(rules: list[GoldenRule], platform: Platform, tree: ConfigTree, ctx: DeviceContext) -> list[Violation]:
    """Every violation of the rules that apply to this device."""
    out: list[Violation] = []
    for rule in rules:
        if applies(rule, platform, ctx):
            out.extend(evaluate(rule, rule.checks[platform], tree, ctx))
    return out


def load_rules(folder: Path) -> list[GoldenRule]:
    """Every rule of `folder/*.yml`, in file then declaration order; any mistake is an InputError."""
    rules: list[GoldenRule] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text()) or []
        except yaml.YAMLError as e:
            problems.append(f"{path}: not valid YAML ({e})")
            continue
        if not isinstance(data, list):
            problems.append(f"{path}: expected a list of rules")
            continue
        for n, item in enumerate(data):
            where = f"{path}: rule {item.get('id', n) if isinstance(item, dict) else n}"
            try:
                rule = GoldenRule.model_validate({**item, "source": str(path)} if isinstance(item, dict) else item)
            except ValidationError as e:
                problems.extend(f"{where}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
                continue
            if rule.id in seen:
                problems.append(f"{where}: id {rule.id!r} is also used in {seen[rule.id]}")
                continue
            seen[rule.id] = str(path)
            rules.append(rule)
    if problems:
        raise InputError("golden rules: " + "; ".join(problems))
    return _with_platform_checks(rules)


def _with_platform_checks(rules: list[GoldenRule]) -> list[GoldenRule]:
    """Add the checks platform modules bring for these rule ids (a rule file's own check wins)."""
    out = []
    for rule in rules:
        extra: dict[Platform, Check] = {}
        for spec in all_specs():
            check = spec.rules.get(rule.id)
            if check is not None and spec.name not in rule.checks:
                try:
                    extra[Platform(spec.name)] = Check.model_validate(dict(check))
                except ValidationError as e:
                    raise InputError(f"netkit.platforms.{spec.name}: rules[{rule.id!r}]: {e.errors()[0]['msg']}") from e
        out.append(rule.model_copy(update={"checks": {**rule.checks, **extra}}) if extra else rule)
    return out
