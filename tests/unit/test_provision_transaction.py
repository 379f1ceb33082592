"""The site transaction's decisions, with an in-memory backend (no Ansible, no device)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from netkit.errors import InputError, NetkitError
from netkit.inventory import load_inventory
from netkit.inventory.credentials import Credentials
from netkit.inventory.models import Device, Inventory
from netkit.provision.backend import CheckResult, ConfirmOutcome, DeviceOp, Progress, ProgressCallback, PushOutcome
from netkit.provision.lock import SiteLock, SiteLocked
from netkit.provision.masking import Masker
from netkit.provision.plan import DevicePlan, SitePlan
from netkit.provision.report import SiteReport
from netkit.provision.rollout import provision_many
from netkit.provision.transaction import ProvisionOptions, SiteTransaction
from provision_fixtures import PASSWORD, make_env, make_inventory, write_lab_credentials
from pydantic import SecretStr


class FakeBackend:
    """Routers as dicts; faults are injected per device."""

    def __init__(self, routers: dict[str, str], plan: SitePlan, faults: dict[str, str]) -> None:
        self.routers, self.plan, self.faults = routers, plan, faults
        self.pending: dict[str, str] = {}
        self.calls: list[str] = []
        self.gates: dict[str, list[str]] = {}
        self.closed = False

    def _fault(self, device: str, op: str) -> bool:
        return self.faults.get(device) == op

    def backup(self, plans: list[DevicePlan]) -> dict[str, DeviceOp]:
        self.calls.append("backup")
        return {p.device: DeviceOp(device=p.device, ok=False, error="unreachable", unreachable=True)
                if self._fault(p.device, "backup") else DeviceOp(device=p.device, ok=True, running=self.routers[p.device])
                for p in plans}

    def push(self, plans: list[DevicePlan], *, commit: bool, revert_in: int,
             gates: dict[str, list[str]] | None = None) -> PushOutcome:
        backups = self.backup(plans)
        self.calls.append("push" if commit else "diff")
        diffed = {}
        for p in plans:
            want = self.plan.configs[p.device]
            if not backups[p.device].ok:
                diffed[p.device] = backups[p.device]
            elif self._fault(p.device, "reject"):
                diffed[p.device] = DeviceOp(device=p.device, ok=False, rejected=True, error="% Unknown command")
            else:
                diff = "" if self.routers[p.device] == want else f"-{self.routers[p.device]}+{want}"
                diffed[p.device] = DeviceOp(device=p.device, ok=True, diff=diff)
        if not commit:
            return PushOutcome(backups=backups, pushed=diffed)
        out = {}
        for p in plans:
            op = diffed[p.device]
            gate = (gates or {}).get(p.device, [x.device for x in plans])
            if not op.ok or not all(diffed[g].ok for g in gate):
                out[p.device] = op if not op.ok else DeviceOp(device=p.device, ok=False, diff=op.diff,
                                                              error="not every device of the site was diffed")
            elif self._fault(p.device, "unreachable-push"):
                out[p.device] = DeviceOp(device=p.device, ok=False, unreachable=True, diff=op.diff, error="timed out")
            elif op.diff:
                self.pending[p.device] = self.routers[p.device]
                self.routers[p.device] = self.plan.configs[p.device]
                out[p.device] = DeviceOp(device=p.device, ok=True, diff=op.diff, committed=True)
            else:
                out[p.device] = op
        return PushOutcome(backups=backups, pushed=out)

    def check_and_confirm(self, plans: list[DevicePlan], *, wait: int, gates: dict[str, list[str]]) -> ConfirmOutcome:
        self.calls.append("check")
        self.gates = gates
        checks = {}
        for p in plans:
            passed = not self._fault(p.device, "check")
            checks[p.device] = DeviceOp(device=p.device, ok=passed, checks=[
                CheckResult(device=p.device, name="ping verify", kind="reachability", passed=passed)])
        self.calls.append("confirm")
        confirmed = {}
        for p in plans:
            if not all(checks[g].ok for g in gates[p.device]):
                continue
            was = p.device in self.pending and not self._fault(p.device, "expired")
            self.pending.pop(p.device, None)
            confirmed[p.device] = DeviceOp(device=p.device, ok=True, pending_before=was)
        return ConfirmOutcome(checks=checks, confirmed=confirmed)

    def restore(self, plans: list[DevicePlan], configs: dict[str, str]) -> dict[str, DeviceOp]:
        self.calls.append("restore")
        out = {}
        for p in plans:
            if self._fault(p.device, "unreachable-push"):
                out[p.device] = DeviceOp(device=p.device, ok=False, error="timed out")
                continue
            self.pending.pop(p.device, None)
            self.routers[p.device] = configs[p.device]
            out[p.device] = DeviceOp(device=p.device, ok=True, verified=True)
        return out

    def close(self) -> None:
        self.closed = True


def render(inv: Inventory, dev: Device) -> str:
    return f"hostname {dev.name}\npassword {PASSWORD}\n"


class World:
    def __init__(self, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.state = tmp / "state"
        monkeypatch.setenv("NETKIT_STATE_DIR", str(self.state))
        write_lab_credentials(self.state)
        self.inv = load_inventory(make_inventory(tmp))
        self.routers = {n: "hostname factory\n" for n in self.inv.devices}
        self.faults: dict[str, str] = {}
        self.backends: list[FakeBackend] = []
        self.events: list[Progress] = []
        self.env = make_env(self.state)

    def factory(self, plan: SitePlan, creds: dict[str, Credentials], masker: Masker,
                progress: ProgressCallback) -> FakeBackend:
        b = FakeBackend(self.routers, plan, self.faults)
        self.backends.append(b)
        return b

    def tx(self, site: str) -> SiteTransaction:
        return SiteTransaction(self.inv, site, self.env, self.factory, progress=self.events.append, render=render)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return World(tmp_path, monkeypatch)


def test_success_confirms_every_device_and_records_audit(world: World) -> None:
    report = world.tx("nat-dc").provision(ProvisionOptions())
    assert report.result == "confirmed" and report.exit_code == 0
    assert world.backends[0].calls == ["backup", "push", "check", "confirm"] and world.backends[0].closed
    assert {d.name: d.status for d in report.devices} == {"dc-core1": "confirmed", "dc-core2": "confirmed",
                                                          "verify-svc": "skipped"}
    assert world.routers["dc-core1"].startswith("hostname dc-core1")
    entry = world.env.audit.entries("nat-dc")[-1]
    assert entry.result == "confirmed" and entry.who == "tester" and len(entry.devices) == 3
    audit_text = world.env.audit.path.read_text()
    assert PASSWORD not in audit_text and "********" in audit_text
    assert world.env.store.read("nat-dc", "dc-core1", report.backup_id) == "hostname factory\n"
    assert ("dc-core1", "render", "ok") in [(e.device, e.step, e.status) for e in world.events]


def test_rerun_changes_nothing_and_says_so(world: World) -> None:
    world.tx("moj-hq").provision(ProvisionOptions())
    report = world.tx("moj-hq").provision(ProvisionOptions())
    assert report.result == "unchanged" and report.exit_code == 0 and not report.changed
    assert "nothing changed" in report.message
    assert world.backends[-1].calls == ["backup", "push"]


def test_check_only_shows_diffs_and_changes_nothing(world: World) -> None:
    report = world.tx("nat-dc").provision(ProvisionOptions(check_only=True))
    assert report.result == "checked" and report.exit_code == 0
    assert world.backends[0].calls == ["backup", "diff"]
    assert world.routers["dc-core1"] == "hostname factory\n"
    assert report.device("dc-core1").diff and PASSWORD not in report.device("dc-core1").diff
    assert "file_sd" not in report.model_dump()  # nothing reads per-site targets: none are written


@pytest.mark.parametrize("fault", ["check", "expired"])
def test_a_fault_on_one_device_rolls_back_the_whole_site(world: World, fault: str) -> None:
    world.faults["dc-core2"] = fault
    report = world.tx("nat-dc").provision(ProvisionOptions())
    assert report.result == "rolled-back" and report.exit_code == 1
    assert world.backends[0].calls[-1] == "restore"
    assert world.routers["dc-core1"] == world.routers["dc-core2"] == "hostname factory\n"
    assert report.device("dc-core1").status == "rolled-back" and report.device("dc-core1").restored_verified
    assert "rolling the whole site back" in report.message
    assert world.env.audit.entries("nat-dc")[-1].result == "rolled-back"
    assert "file_sd" not in report.model_dump()  # nothing reads per-site targets: none are written


def test_unreachable_before_commit_leaves_it_unchanged_and_rolls_back_the_others(world: World) -> None:
    world.faults["dc-core2"] = "unreachable-push"
    report = world.tx("nat-dc").provision(ProvisionOptions())
    assert report.result == "failed" and report.exit_code == 1  # the unreachable one could not be proven
    assert world.routers["dc-core1"] == "hostname factory\n"
    core2 = report.device("dc-core2")
    assert core2.status == "failed" and "never committed, so unchanged" in (core2.error or "")


def test_backup_failure_changes_nothing(world: World) -> None:
    world.faults["dc-core1"] = "backup"
    report = world.tx("nat-dc").provision(ProvisionOptions())
    assert report.result == "failed" and world.backends[0].calls == ["backup", "push"]  # one Ansible pass
    assert "no device was changed" in report.message
    assert world.routers["dc-core2"] == "hostname factory\n"  # the site's gate held its commit back


def test_in_a_batch_a_site_that_cannot_be_backed_up_does_not_stop_the_others(world: World) -> None:
    world.faults["moj-hq-r1"] = "backup"
    reports = {r.site: r for r in batch(world, ["nat-dc", "moj-hq", "moc-hq"])}
    assert reports["moj-hq"].result == "failed" and world.routers["moj-hq-r1"] == "hostname factory\n"
    assert reports["nat-dc"].result == "confirmed" and reports["moc-hq"].result == "confirmed"


def test_a_rejected_candidate_commits_nothing_in_its_site_and_proves_it(world: World) -> None:
    world.faults["dc-core2"] = "reject"
    report = world.tx("nat-dc").provision(ProvisionOptions())
    assert report.result == "rolled-back" and not report.device("dc-core1").committed
    assert "rejected" in (report.device("dc-core2").error or "")
    assert world.backends[0].calls == ["backup", "push", "restore"]  # the proof: running == backup everywhere
    assert world.routers["dc-core1"] == "hostname factory\n"


def test_bad_input_touches_nothing(world: World) -> None:
    with pytest.raises(InputError, match=r"valid sites: .*moj-hq"):
        world.tx("no-such-site").provision(ProvisionOptions())
    with pytest.raises(InputError, match="its devices: dc-core1, dc-core2, verify-svc"):
        world.tx("nat-dc").provision(ProvisionOptions(only=["nope"]))
    with pytest.raises(InputError, match="no device netkit can configure"):
        world.tx("nat-dc").provision(ProvisionOptions(only=["verify-svc"]))

    def broken(inv: Inventory, dev: Device) -> str:
        raise KeyError("undefined variable")

    tx = SiteTransaction(world.inv, "moj-hq", world.env, world.factory, render=broken)
    with pytest.raises(InputError, match="moj-hq-r1: rendering the intended config failed"):
        tx.provision(ProvisionOptions())

    def needs_a_key(inv: Inventory, dev: Device) -> str:
        return f"hostname {dev.name}\nsnmp-server community @@secret:snmp_community@@ RO\n"

    def no_community(inv: Inventory, device: str) -> Credentials:
        return Credentials(username="netkit", password=SecretStr(PASSWORD), snmp_user="netkit")

    tx = SiteTransaction(world.inv, "moj-hq", world.env, world.factory, render=needs_a_key, credentials=no_community)
    with pytest.raises(InputError, match="moj-hq-r1: the config needs snmp_community but the device's credential"):
        tx.provision(ProvisionOptions())
    assert world.backends == []


def test_second_run_on_a_locked_site_is_refused_with_holder(world: World) -> None:
    lock = SiteLock(world.env.locks_dir, "moj-hq", "netkit provision site moj-hq")
    lock.acquire()
    try:
        with pytest.raises(SiteLocked, match=r"site moj-hq is locked by .*pid \d+.* since 20") as exc:
            world.tx("moj-hq").provision(ProvisionOptions())
        assert exc.value.exit_code == 1
    finally:
        lock.release()
    assert world.backends == []
    assert world.tx("moj-hq").provision(ProvisionOptions()).result == "confirmed"


def test_rollback_restores_the_previous_backup_and_proves_it(world: World) -> None:
    world.tx("moj-hq").provision(ProvisionOptions())
    assert world.routers["moj-hq-r1"].startswith("hostname moj-hq-r1")
    report = world.tx("moj-hq").rollback()
    assert report.result == "restored", report.message
    assert world.routers["moj-hq-r1"] == "hostname factory\n"
    assert report.device("moj-hq-r1").restored_verified
    assert world.backends[-1].calls == ["backup", "restore"] and world.backends[-1].closed
    assert PASSWORD not in report.device("moj-hq-r1").diff
    # and forward again, to an explicit id
    first_provisioned = report.backup_id
    assert first_provisioned is not None
    again = world.tx("moj-hq").rollback(to=first_provisioned)
    assert again.result == "restored" and world.routers["moj-hq-r1"].startswith("hostname moj-hq-r1")
    with pytest.raises(InputError, match="no backup with id"):
        world.tx("moj-hq").rollback(to="deadbeef")


def test_diff_reports_drift_without_changing(world: World) -> None:
    report = world.tx("moj-hq").diff()
    assert report.device("moj-hq-r1").changed and "drift on moj-hq-r1" in report.message
    assert world.routers["moj-hq-r1"] == "hostname factory\n"
    assert world.backends[-1].calls == ["backup", "diff"] and world.backends[-1].closed
    with SiteLock(world.env.locks_dir, "moj-hq"):  # released
        pass


def batch(world: World, sites: list[str]) -> list[SiteReport]:
    return provision_many(world.inv, sites, world.env, world.factory, ProvisionOptions(),
                          progress=world.events.append, render=render)


def test_a_batch_runs_each_phase_once_for_every_site(world: World) -> None:
    reports = batch(world, ["nat-dc", "moj-hq", "moc-hq"])
    assert [r.result for r in reports] == ["confirmed"] * 3
    assert len(world.backends) == 1 and world.backends[0].calls == ["backup", "push", "check", "confirm"]
    gates = world.backends[0].gates
    assert gates["moj-hq-r1"] == ["dc-core1", "dc-core2", "moj-hq-r1"] and gates["dc-core1"] == ["dc-core1", "dc-core2"]
    assert len({r.backup_id for r in reports}) == 3  # one backup commit per site
    assert [e.site for e in world.env.audit.entries()] == ["nat-dc", "moj-hq", "moc-hq"]
    again = batch(world, ["nat-dc", "moj-hq"])
    assert [r.result for r in again] == ["unchanged", "unchanged"]


def test_a_failing_customer_site_does_not_take_the_others_back(world: World) -> None:
    world.faults["moj-hq-r1"] = "check"
    reports = {r.site: r for r in batch(world, ["nat-dc", "moj-hq", "moc-hq"])}
    assert reports["moj-hq"].result == "rolled-back" and world.routers["moj-hq-r1"] == "hostname factory\n"
    assert reports["nat-dc"].result == "confirmed" and reports["moc-hq"].result == "confirmed"


def test_a_failing_datacenter_takes_the_whole_batch_back(world: World) -> None:
    world.faults["dc-core2"] = "check"
    reports = {r.site: r for r in batch(world, ["nat-dc", "moj-hq"])}
    assert reports["nat-dc"].result == "rolled-back" and reports["moj-hq"].result == "rolled-back"
    assert "data-center site nat-dc failed" in reports["moj-hq"].message
    assert all(world.routers[d] == "hostname factory\n" for d in ("dc-core1", "dc-core2", "moj-hq-r1"))


def test_a_batch_with_one_locked_site_is_refused_before_any_device(world: World) -> None:
    with SiteLock(world.env.locks_dir, "moj-hq", "someone else"), pytest.raises(SiteLocked, match="moj-hq"):
        batch(world, ["nat-dc", "moj-hq"])
    assert world.backends == []
    with SiteLock(world.env.locks_dir, "nat-dc"):  # the batch's own locks were released
        pass


def test_cli_provision_json_and_table_with_exit_codes(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from netkit.cli import provision_cmd
    from netkit.cli.app import app
    from typer.testing import CliRunner

    monkeypatch.setattr(provision_cmd, "ansible_factory", lambda inv: world.factory)
    monkeypatch.setattr(provision_cmd, "production_env", lambda *a, **k: world.env)
    runner = CliRunner()
    inv = str(world.inv.path)
    r = runner.invoke(app, ["provision", "site", "moj-hq", "-i", inv, "--check", "--json"])
    assert r.exit_code == 0, r.output
    report = SiteReport.model_validate_json(r.output)
    assert report.result == "checked" and "router bgp 65101" in report.device("moj-hq-r1").diff
    r = runner.invoke(app, ["provision", "site", "moj-hq", "-i", inv, "--yes"])
    assert r.exit_code == 0 and "moj-hq-r1: render ok" in r.output and "moj-hq-r1: backup ok" in r.output
    assert "confirmed" in r.output and "changed and confirmed" in r.output
    world.faults["dc-core2"] = "check"
    r = runner.invoke(app, ["provision", "site", "nat-dc", "moj-ratanakiri", "-i", inv, "--yes", "--json"])
    assert r.exit_code == 1
    assert [x["result"] for x in json.loads(r.output)] == ["rolled-back", "rolled-back"]
    r = runner.invoke(app, ["diff", "site", "moj-hq", "-i", inv])
    assert r.exit_code == 0 and "no drift" in r.output


def test_a_failing_backup_store_rolls_back_from_the_backups_in_memory(world: World,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise NetkitError("backup store: git commit failed: disk full")

    monkeypatch.setattr(world.env.store, "save", broken)
    report = world.tx("moj-hq").provision(ProvisionOptions())
    assert report.result == "rolled-back" and "the backup store failed" in report.message
    assert world.routers["moj-hq-r1"] == "hostname factory\n"


def test_cli_backup_all_log_and_rollback(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from netkit.cli import provision_cmd
    from netkit.cli.app import app
    from typer.testing import CliRunner

    monkeypatch.setattr(provision_cmd, "ansible_factory", lambda inv: world.factory)
    monkeypatch.setattr(provision_cmd, "production_env", lambda *a, **k: world.env)
    runner = CliRunner()
    inv = str(world.inv.path)
    r = runner.invoke(app, ["backup", "--all", "-i", inv, "--json"])
    assert r.exit_code == 0, r.output
    assert sorted(x["site"] for x in json.loads(r.output)) == sorted(world.inv.sites)
    assert runner.invoke(app, ["provision", "site", "moj-hq", "-i", inv, "--yes"]).exit_code == 0
    r = runner.invoke(app, ["backup", "log", "moj-hq-r1", "-i", inv])
    assert r.exit_code == 0 and "hostname factory" in r.output
    r = runner.invoke(app, ["rollback", "site", "moj-hq", "-i", inv, "--yes", "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["result"] == "restored"
    assert world.routers["moj-hq-r1"] == "hostname factory\n"
