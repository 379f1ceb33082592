"""`netkit monitor status` on the provisioned lab: idle, every site is "ok" (the verification platform's
http answer time is judged on its own threshold, Ratanakiri's rural link meets its agreement); after
`lab impair` on one site, that site and only that one turns "degraded"."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.lab.conftest import Lab

pytestmark = pytest.mark.lab
LAB_MODE = "provisioned"
VICTIM = "moj-battambang"


def _states(lab: Lab) -> dict[str, tuple[str, list[str]]]:
    out = lab.netkit("monitor", "status", "--json", timeout=180)
    assert out.returncode in (0, 1), out.stderr
    return {s["site"]: (s["state"], [p for t in s["targets"] for p in t["problems"]]) for s in json.loads(out.stdout)}


def test_idle_lab_is_ok_and_an_impaired_site_alone_degrades(lab: Lab) -> None:
    lab.wait_converged()
    for _ in range(3):  # Ratanakiri's ~1 % loss costs one echo of five now and then: still within 2 %
        states = _states(lab)
        assert set(states) == set(lab.inventory.sites)
        assert all(state == "ok" for state, _ in states.values()), states
    assert lab.netkit("lab", "impair", f"{VICTIM}-r1", "--loss", "30%").returncode == 0
    try:
        seen = False
        for _ in range(8):  # one cycle may by chance lose too few echoes (or all of them: "down")
            states = _states(lab)
            others = {code: s for code, s in states.items() if code != VICTIM}  # never another site
            assert all(state == "ok" for state, _ in others.values()), others
            if states[VICTIM][0] == "degraded":
                assert any(p.startswith("loss ") for p in states[VICTIM][1]), states[VICTIM]
                seen = True
                break
        assert seen, states
    finally:
        assert lab.netkit("lab", "impair", f"{VICTIM}-r1", "--clear").returncode == 0
