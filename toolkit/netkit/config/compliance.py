"""Compliance: a device's running config against its intended config, per feature, with remediation.

Both configs are parsed into trees and compared by lineage (a statement with its parents), so order
and indentation do not matter and a changed neighbour shows as one missing and one extra line inside
its section. Lines FRR never prints (its defaults) and the noise of `show running-config` headers are
ignored. Intended lines that carry a secret mark (`@@secret:...@@`) match any value in the running
config: secrets are compared by whoever holds them, never here.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from netkit.config.marks import SECRET_MARK_RE
from netkit.config.models import RenderedConfig
from netkit.config.parse import ConfigTree, Line, parse
from netkit.config.remediation import remediation
from netkit.errors import InputError
from netkit.inventory.models import Platform
from netkit.platforms import get

SEP = " > "

@functools.cache
def _noise(platform: str) -> re.Pattern[str] | None:
    """Statements `show running-config` adds or that a platform never prints back."""
    rules = get(platform).syntax
    return re.compile(rules.noise) if rules is not None and rules.noise else None


@functools.cache
def _features(platform: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    rules = get(platform).syntax
    return tuple((f, re.compile(p)) for f, p in rules.features) if rules is not None else ()


class FeatureCompliance(BaseModel):
    model_config = ConfigDict(frozen=True)

    feature: str
    compliant: bool
    missing: list[str]  # intended statements absent from the running config ("parent > child")
    extra: list[str]  # running statements the intended config does not have


class DeviceCompliance(BaseModel):
    device: str
    site: str
    platform: Platform
    source: str  # where the running config came from
    compliant: bool
    features: list[FeatureCompliance]
    remediation: str  # commands that make the device compliant ("" when it is)
    error: str = ""  # the running config could not be obtained


def _lineage(line: Line) -> tuple[str, ...]:
    parts: list[str] = []
    node: Line | None = line
    while node is not None:
        parts.append(node.text)
        node = node.parent
    return tuple(reversed(parts))


def _clean(tree: ConfigTree) -> ConfigTree:
    """Drop noise statements (and their children) from a parsed tree."""
    noise = _noise(tree.syntax)
    if noise is None:
        return tree
    roots = [r for r in tree.roots if not noise.search(r.text)]
    kept = {id(x) for r in roots for x in (r, *r.descendants())}
    return ConfigTree(tree.syntax, roots, [ln for ln in tree.lines if id(ln) in kept], tree.errors)


def _secret_matches(intended: ConfigTree, running: ConfigTree) -> None:
    """Rewrite running statements that match an intended statement with a secret mark into that statement."""
    patterns = []
    for line in intended.lines:
        if SECRET_MARK_RE.search(line.text):
            parts = SECRET_MARK_RE.split(line.text)[::2]  # the text around the marks (odd items: their names)
            rx = re.compile("^" + r"\S+".join(re.escape(p) for p in parts) + "$")
            patterns.append((_lineage(line)[:-1], rx, line.text))
    if not patterns:
        return
    for line in running.lines:
        parents = _lineage(line)[:-1]
        for want_parents, rx, text in patterns:
            if parents == want_parents and rx.match(line.text):
                line.text = text
                for node in (line, *line.descendants()):
                    node.path = f"{node.parent.path} {node.text}" if node.parent is not None else node.text
                break


def feature_of(syntax: str, lineage: tuple[str, ...]) -> str:
    path = " ".join(lineage)
    for feature, rx in _features(syntax):
        if rx.search(path):
            return feature
    return "system"


def compare(rendered: RenderedConfig, running_text: str, site: str, source: str) -> DeviceCompliance:
    """Running vs intended for one device (its main configuration file)."""
    syntax = rendered.platform.value
    intended = _clean(parse(rendered.text, syntax))
    running = _clean(parse(running_text, syntax))
    _secret_matches(intended, running)
    want = {_lineage(ln) for ln in intended.lines}
    have = {_lineage(ln) for ln in running.lines}
    feature = {lin: feature_of(syntax, lin) for lin in want | have}
    by_feature: dict[str, tuple[list[str], list[str]]] = {}
    for lin in sorted(want - have):
        by_feature.setdefault(feature[lin], ([], []))[0].append(SEP.join(lin))
    for lin in sorted(have - want):
        by_feature.setdefault(feature[lin], ([], []))[1].append(SEP.join(lin))
    names = sorted(set(feature.values()))
    features = [FeatureCompliance(feature=f, compliant=f not in by_feature, missing=by_feature.get(f, ([], []))[0],
                                  extra=by_feature.get(f, ([], []))[1]) for f in names]
    compliant = not by_feature
    fix = "" if compliant else remediation(syntax, running, intended, rendered.device)
    return DeviceCompliance(device=rendered.device, site=site, platform=rendered.platform, source=source,
                            compliant=compliant, features=features, remediation=fix)


def unreachable(rendered: RenderedConfig, site: str, source: str, error: str) -> DeviceCompliance:
    return DeviceCompliance(device=rendered.device, site=site, platform=rendered.platform, source=source,
                            compliant=False, features=[], remediation="", error=error)


def backup_file(backups: Path, site: str, device: str) -> Path | None:
    """A device's backed-up running config: `<dir>/<site>/<device>.cfg`, else `<dir>/<device>.cfg`."""
    for candidate in (backups / site / f"{device}.cfg", backups / f"{device}.cfg"):
        if candidate.is_file():
            return candidate
    return None


def from_backups(rendered: RenderedConfig, site: str, backups: Path) -> DeviceCompliance:
    if not backups.is_dir():
        raise InputError(f"backup store {backups} does not exist (run `netkit backup --all`, or give --backups DIR)")
    path = backup_file(backups, site, rendered.device)
    if path is None:
        return unreachable(rendered, site, f"backups:{backups}",
                           f"no backup of {rendered.device} in {backups} (expected {site}/{rendered.device}.cfg)")
    return compare(rendered, path.read_text(), site, f"backup:{path}")
