"""Re-record mocked_data/ from a real FRR router (a developer tool, not a test).

    .venv/bin/python tests/unit/napalm_frr/record_mocked_data.py HOST USERNAME \
        --optional-args '{"snmpd_conf": "/tmp/sample-snmpd.conf"}' [--allow-changes]

The password comes from $NAPALM_FRR_PASSWORD. The recordings in git come from the throwaway
two-router FRR 8.4 setup described in docs/napalm_frr.md (r1: eth1 to r2 with OSPF and an
established eBGP session, eth2 down, a second BGP peer administratively down).

--allow-changes also records the configuration scenarios: they commit, wait for and roll back
changes on the router. Only ever point that at a throwaway lab router.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from napalm_frr import FrrDriver
from napalm_frr.transport import CommandResult, Transport
from napalm_frr_replay import MOCKED_DATA, assert_lab_target, write_recording

Action = Callable[[FrrDriver], Any]

PEER = "198.18.254.1"  # r2 on eth1 (answers)
SILENT = "198.18.254.3"  # on eth2's subnet, nobody there


class Recorder:
    def __init__(self, inner: Transport, directory: Path) -> None:
        self.inner, self.directory = inner, directory

    def run(self, argv: Sequence[str], stdin: str | None = None, timeout: float | None = None) -> CommandResult:
        assert_lab_target(argv)
        result = self.inner.run(argv, stdin=stdin, timeout=timeout)
        write_recording(self.directory, argv, result)
        return result

    @property
    def is_alive(self) -> bool:
        return self.inner.is_alive

    def close(self) -> None:
        self.inner.close()


@dataclass
class Scenario:
    test: str
    case: str
    action: Action
    setup: Action | None = None
    teardown: Action | None = None
    expected: bool = True  # write expected_result.json (NAPALM's getter tests compare against it)
    changes: bool = False
    optional_args: dict[str, Any] = field(default_factory=dict)


def _without_routing(dev: FrrDriver) -> None:
    running = dev.get_config(retrieve="running")["running"]
    bare = re.sub(r"^router (bgp|ospf)\b.*?^exit\n", "", running, flags=re.S | re.M)
    dev.load_replace_candidate(config=bare)
    dev.commit_config()


def _rollback(dev: FrrDriver) -> None:
    dev.rollback()


def _edit(dev: FrrDriver, old: str, new: str) -> str:
    running = dev.get_config(retrieve="running")["running"]
    assert old in running, f"the router's config lacks {old!r}"
    return running.replace(old, new, 1)


def _catch(action: Action) -> Action:
    def run(dev: FrrDriver) -> Any:
        try:
            return {"result": action(dev)}
        except Exception as e:
            return {"exception": type(e).__name__, "message": str(e)}

    return run


def _commit_pending(dev: FrrDriver) -> None:
    dev.load_replace_candidate(config=_edit(dev, "description p2p to nkdrv-r2", "description pending change"))
    dev.commit_config(revert_in=120)


def _commit_again(dev: FrrDriver) -> None:
    dev.load_replace_candidate(config=_edit(dev, "description uplink (peer down)", "description second change"))
    dev.commit_config(revert_in=120)


def _corrupt_candidate(dev: FrrDriver) -> None:
    """Loads a valid candidate, then replaces it on the router behind the driver's back with one that
    frr-reload.py cannot parse: the case where `frr-reload.py --test` exits 1 yet prints a diff that
    deletes everything."""
    dev.load_replace_candidate(config=dev.get_config(retrieve="running")["running"])
    assert dev._candidate is not None
    path = f"{dev.router_info['state_dir']}/cand-{dev._candidate.session}/frr.conf"
    dev._run(["sh", "-c", f"sed -i '1i Building configuration...' {path}"])


def scenarios() -> list[Scenario]:
    getters: list[tuple[str, Action]] = [
        ("test_get_facts", lambda d: d.get_facts()),
        ("test_get_interfaces", lambda d: d.get_interfaces()),
        ("test_get_interfaces_ip", lambda d: d.get_interfaces_ip()),
        ("test_get_interfaces_counters", lambda d: d.get_interfaces_counters()),
        ("test_get_bgp_neighbors", lambda d: d.get_bgp_neighbors()),
        ("test_get_ospf_neighbors", lambda d: d.get_ospf_neighbors()),
        ("test_get_snmp_information", lambda d: d.get_snmp_information()),
        ("test_get_config", lambda d: d.get_config()),
        ("test_get_config_filtered", lambda d: [d.get_config(retrieve=r) for r in ("running", "startup", "candidate")][-1]),
        ("test_get_config_sanitized", lambda d: d.get_config(sanitized=True)),
        ("test_get_config_sanitized_filtered", lambda d: {
            "running": d.get_config(retrieve="running", sanitized=True)["running"],
            "startup": d.get_config(retrieve="startup", sanitized=True)["startup"], "candidate": ""}),
        ("test_ping", lambda d: d.ping(PEER)),
        ("test_cli", lambda d: d.cli(["show ip route", "show nonsense"])),
    ]
    out = [Scenario(test, "normal", action) for test, action in getters]
    out += [
        Scenario("test_ping_lost", "normal", lambda d: d.ping(SILENT, count=3, timeout=1)),
        Scenario("test_ping_error", "normal", lambda d: d.ping(PEER, count=1, source_interface="nosuchif0")),
        Scenario("test_get_bgp_neighbors", "no_bgp", lambda d: d.get_bgp_neighbors(), _without_routing,
                 _rollback, changes=True),
        Scenario("test_get_ospf_neighbors", "no_ospf", lambda d: d.get_ospf_neighbors(), _without_routing,
                 _rollback, changes=True),
        Scenario("test_load_invalid", "replace", _catch(lambda d: d.load_replace_candidate(
            config=_edit(d, "router ospf\n", "router ospf\n bogus-command 42\n"))), expected=False, changes=True),
        Scenario("test_load_invalid", "merge", _catch(lambda d: d.load_merge_candidate(
            config="interface eth1\n ip adress 198.18.254.0/31\nexit\n")), expected=False, changes=True),
        Scenario("test_compare_config", "replace", lambda d: (d.load_replace_candidate(config=_edit(
            d, " neighbor 198.18.254.3 shutdown\n", " neighbor 198.18.254.3 description unreachable peer\n")
            .replace("description p2p to nkdrv-r2", "description core link")), d.compare_config())[1],
            expected=False, changes=True),
        Scenario("test_compare_config", "merge", lambda d: (d.load_merge_candidate(
            config="interface eth2\n description merged\nexit\nip route 198.18.254.96/29 blackhole\n"),
            d.compare_config())[1], expected=False, changes=True),
        Scenario("test_compare_config", "no_change", lambda d: (d.load_replace_candidate(
            config=d.get_config(retrieve="running")["running"]), d.compare_config())[1],
            expected=False, changes=True),
        Scenario("test_compare_config", "reload_failed", _catch(lambda d: (d.load_replace_candidate(
            config=d.get_config(retrieve="running")["running"]), d.compare_config())), expected=False,
            changes=True, optional_args={"frr_reload": "/bin/false"}),
        Scenario("test_compare_config", "invalid_candidate", _catch(lambda d: d.compare_config()),
                 _corrupt_candidate, expected=False, changes=True),
        Scenario("test_commit_config", "rejected", _catch(lambda d: (d.load_replace_candidate(config=_edit(
            d, " ip ospf network point-to-point\n", " ip ospf network point-to-point\n ip ospf area 0.0.0.1\n")),
            d.commit_config(revert_in=60))), expected=False, changes=True),
        Scenario("test_commit_config", "pending", _catch(_commit_again), _commit_pending, _rollback,
                 expected=False, changes=True),
        Scenario("test_commit_config", "confirmed", lambda d: (_commit_pending(d), d.has_pending_commit(),
                                                               d.confirm_commit())[1],
                 teardown=_rollback, expected=False, changes=True),
        Scenario("test_confirm_commit", "no_pending", _catch(lambda d: d.confirm_commit()), expected=False,
                 changes=True),
        Scenario("test_rollback", "no_rollback", _catch(lambda d: d.rollback()), expected=False, changes=True,
                 optional_args={"revert_dir": f"/var/tmp/napalm-frr-record-{secrets.token_hex(3)}"}),
        Scenario("test_has_pending_commit", "none", lambda d: d.has_pending_commit(), expected=False),
    ]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("host")
    parser.add_argument("username")
    parser.add_argument("--optional-args", default="{}", help="JSON optional_args for every scenario")
    parser.add_argument("--allow-changes", action="store_true", help="also record scenarios that change the router")
    parser.add_argument("--only", help="record only this test name")
    args = parser.parse_args()
    password = os.environ.get("NAPALM_FRR_PASSWORD", "")
    base_args = json.loads(args.optional_args)
    for sc in scenarios():
        if (sc.changes and not args.allow_changes) or (args.only and sc.test != args.only):
            continue
        dev = FrrDriver(args.host, args.username, password, timeout=30, optional_args={**base_args, **sc.optional_args})
        dev.open()
        try:
            if sc.setup:
                sc.setup(dev)
            directory = MOCKED_DATA / sc.test / sc.case
            inner = dev._transport
            assert inner is not None
            dev._transport = Recorder(inner, directory)
            try:
                result = sc.action(dev)
            finally:
                dev._transport = inner
            if sc.teardown:
                sc.teardown(dev)
            if sc.expected:
                directory.mkdir(parents=True, exist_ok=True)
                (directory / "expected_result.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
            print(f"recorded {sc.test}/{sc.case}")
        finally:
            dev.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
