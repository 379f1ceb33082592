"""hier_config options shared by platform modules (hier_config is imported only when remediating)."""

from __future__ import annotations

import copy
from typing import Any

from netkit.errors import EnvironmentProblem


def idempotent(*lineages: tuple[str, ...]) -> list[dict[str, Any]]:
    """hier_config rules: a command whose new value simply replaces the old one (no negation first)."""
    return [{"lineage": [{"startswith": step} for step in lineage]} for lineage in lineages]


def options_for(os_name: str) -> dict[str, Any]:
    """A copy of hier_config's own options for one of its OS names."""
    try:
        from hier_config.options import options_for as hier_options
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise EnvironmentProblem("hier-config is not installed: pip install 'hier-config>=2.2,<3'") from e
    return copy.deepcopy(hier_options(os_name))
