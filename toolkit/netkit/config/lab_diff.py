"""`netkit validate --lab`: each FRR config loaded into its lab device as a candidate, diffed, discarded.

The config layer never opens a connection itself: the caller passes `open_session`, which returns a
NAPALM-style driver already opened (load_replace_candidate, compare_config, discard_config, close).
A device that rejects the candidate is a finding; the diff is reported, never committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from pydantic import BaseModel

from netkit.config.models import Finding, RenderedConfig


class CandidateSession(Protocol):
    def load_replace_candidate(self, filename: str | None = None, config: str | None = None) -> None: ...
    def compare_config(self) -> str: ...
    def discard_config(self) -> None: ...
    def close(self) -> None: ...


class LabDiff(BaseModel):
    device: str
    diff: str  # what a commit would change on the running lab device ("" when it already matches)
    error: str = ""


OpenSession = Callable[[str], CandidateSession]


def lab_diffs(configs: list[RenderedConfig], open_session: OpenSession) -> tuple[list[LabDiff], list[Finding]]:
    """Load each config as a candidate on its lab device, ask for the diff, discard it."""
    diffs: list[LabDiff] = []
    findings: list[Finding] = []
    for cfg in configs:
        try:
            session = open_session(cfg.device)
        except Exception as e:  # each driver raises its own types; report, go on with the next device
            findings.append(Finding(device=cfg.device, check="lab", file=cfg.main_file,
                                    message=f"cannot reach the lab device: {type(e).__name__}: {e}"))
            diffs.append(LabDiff(device=cfg.device, diff="", error=str(e)))
            continue
        try:
            session.load_replace_candidate(config=cfg.text)
            diff = session.compare_config()
            diffs.append(LabDiff(device=cfg.device, diff=diff))
        except Exception as e:
            findings.append(Finding(device=cfg.device, check="lab", file=cfg.main_file,
                                    message=f"the lab device rejects the candidate: {type(e).__name__}: {e}"))
            diffs.append(LabDiff(device=cfg.device, diff="", error=str(e)))
        finally:
            try:
                session.discard_config()
            finally:
                session.close()
    return diffs, findings
