"""Provisioning against the real lab (factory state): FRR routers over SSH through the napalm_frr driver,
Ansible playbooks through ansible-runner. Every fault test ends with every device of the site equal to its
backup. Tests run in file order and build on each other (nat-dc first, then the customer sites)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from netkit.inventory.models import Device, Inventory
from netkit.provision.backend import Progress
from netkit.provision.defaults import ansible_factory, production_env
from netkit.provision.lock import SiteLock
from netkit.provision.plan import default_renderer
from netkit.provision.report import SiteReport
from netkit.provision.transaction import ProvisionOptions, SiteTransaction

pytestmark = pytest.mark.lab
LAB_MODE = "factory"
LAB_CHANGES_DEVICES = True  # it provisions the factory lab: the next module gets a new one
NAT_DC = ("dc-core1", "dc-core2")
CUSTOMER_SITES = ("moj-hq", "moj-ratanakiri", "moj-battambang", "moc-hq", "mowa-hq")

pytest.importorskip("napalm_frr", reason="the napalm_frr driver is not installed yet")


def norm(config: str) -> list[str]:
    """A running config without the lines FRR adds around it (comments, separators, version banner)."""
    skip = ("Building configuration", "Current configuration", "frr version", "end")
    return [ln.rstrip() for ln in config.splitlines()
            if ln.strip() and not ln.startswith("!") and not ln.strip().startswith(skip)]


def running(lab: Any, device: str) -> list[str]:
    return norm(lab.vtysh(device, "show running-config"))


def assert_equal_to_backup(lab: Any, report: SiteReport, devices: tuple[str, ...] | list[str]) -> None:
    env = production_env()
    assert report.backup_id, report.message
    for name in devices:
        backup = env.store.read(report.site, name, report.backup_id)
        assert backup is not None, f"{name}: no backup in {report.backup_id}"
        assert running(lab, name) == norm(backup), f"{name}: running != backup {report.backup_id[:10]}"


def with_extra(device: str, lines: str) -> Callable[[Inventory, Device], str]:
    """The intended configs, plus `lines` appended to one device's (a change to push, or a bad line)."""

    def render(inv: Inventory, dev: Device) -> str:
        text = default_renderer(inv, dev)
        return text.replace("\nend\n", f"\n{lines}\nend\n") if dev.name == device else text

    return render


def transaction(lab: Any, site: str, render: Callable[[Inventory, Device], str] = default_renderer,
                progress: Callable[[Progress], None] | None = None) -> SiteTransaction:
    inv = lab.inventory
    return SiteTransaction(inv, site, production_env(), ansible_factory(inv), progress=progress, render=render)


@contextmanager
def nft_drop(lab: Any, device: str, *rules: str) -> Iterator[Callable[[], None]]:
    """nftables rules inside the device's namespace (chains `c` output, `i` input, set `seen`); removed on
    exit even if the test fails."""
    table = "nkt_fault"
    lab.exec(device, f"nft add table inet {table} && "
             f"nft add chain inet {table} c '{{ type filter hook output priority 0; }}' && "
             f"nft add chain inet {table} i '{{ type filter hook input priority 0; }}' && "
             f"nft add set inet {table} seen '{{ type ipv4_addr; flags dynamic; }}'"
             + "".join(f" && nft 'add rule inet {table} {rule}'" for rule in rules))
    removed = False

    def remove() -> None:
        nonlocal removed
        if not removed:
            removed = True
            lab.exec(device, f"nft delete table inet {table}", check=False)

    try:
        yield remove
    finally:
        remove()


def test_check_shows_diffs_and_changes_nothing(lab: Any) -> None:
    before = {d: running(lab, d) for d in NAT_DC}
    proc = lab.netkit("provision", "site", "nat-dc", "--check", "--json", timeout=300)
    report = SiteReport.model_validate_json(proc.stdout)
    assert proc.returncode == 0, proc.stderr
    assert report.result == "checked"
    for d in NAT_DC:
        assert "router bgp 64512" in report.device(d).diff
        assert running(lab, d) == before[d]
    assert report.device("verify-svc").status == "skipped"


def test_provision_the_core_then_every_site_from_factory(lab: Any) -> None:
    """nat-dc first (the core side of every customer link), then one site alone, then the rest as a batch."""
    reports = []
    for args in (["nat-dc"], ["moj-hq"], list(CUSTOMER_SITES[1:])):
        proc = lab.netkit("provision", "site", *args, "--yes", "--json", timeout=600)
        data = json.loads(proc.stdout)
        batch = [SiteReport.model_validate(r) for r in (data if isinstance(data, list) else [data])]
        assert proc.returncode == 0 and all(r.result == "confirmed" for r in batch), proc.stdout[-4000:]
        reports += batch
    assert [r.site for r in reports] == ["nat-dc", *CUSTOMER_SITES]
    for report in reports[1:]:
        checks = {c.name: c for d in report.devices for c in d.checks}
        assert all(c.passed for c in checks.values())
        assert sum(n.startswith("bgp ") for n in checks) == len(
            [i for i in lab.inventory.devices[report.devices[0].name].interfaces if i.ebgp_peer_asn])
        assert any("198.18.0.193" in n for n in checks)  # the verification service, from the site's loopback
    # the routing really is up: each site's block is in the core's routing table
    routes = lab.vtysh_json("dc-core1", "show ip route json")
    for code in CUSTOMER_SITES:
        assert str(lab.inventory.sites[code].block) in routes, code


def test_second_run_reports_no_change(lab: Any) -> None:
    proc = lab.netkit("provision", "site", "moj-hq", "--yes", timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "unchanged" in proc.stdout and "nothing changed" in proc.stdout


def test_post_check_failure_on_one_device_rolls_back_the_whole_site(lab: Any) -> None:
    render = with_extra("dc-core1", "interface nk-test0\n description post-check-fault-test")
    with nft_drop(lab, "dc-core2", "c ip daddr 198.18.0.193 icmp type echo-request drop"):
        report = transaction(lab, "nat-dc", render).provision(ProvisionOptions(check_wait=5))
    assert report.result == "rolled-back", report.model_dump_json(indent=1)
    assert report.device("dc-core1").committed and report.device("dc-core1").status == "rolled-back"
    assert any(not c.passed and "198.18.0.193" in c.name for c in report.device("dc-core2").checks)
    assert all(c.passed for c in report.device("dc-core1").checks)  # only dc-core2 failed, both went back
    assert_equal_to_backup(lab, report, NAT_DC)


def test_a_candidate_the_router_rejects_rolls_back_the_site(lab: Any) -> None:
    render = with_extra("dc-core2", "interface nk-test0\n this-is-not-an-frr-command 42")
    extra = with_extra("dc-core1", "interface nk-test0\n description rejected-candidate-test")

    def both(inv: Inventory, dev: Device) -> str:
        return render(inv, dev) if dev.name == "dc-core2" else extra(inv, dev)

    report = transaction(lab, "nat-dc", both).provision(ProvisionOptions())
    assert report.result == "rolled-back", report.model_dump_json(indent=1)
    assert "rejected" in (report.device("dc-core2").error or "")
    assert_equal_to_backup(lab, report, NAT_DC)


def test_device_unreachable_before_commit(lab: Any) -> None:
    """dc-core2 answers one SSH connection (its backup and diff), then no new one (its commit): dc-core1
    commits, dc-core2 cannot, the site is rolled back and proven equal to its backups once dc-core2
    answers again."""
    one, two = (with_extra(d, "interface nk-test0\n description unreachable-test") for d in NAT_DC)

    def render(inv: Inventory, dev: Device) -> str:
        return one(inv, dev) if dev.name == "dc-core1" else two(inv, dev)

    syn = "i tcp dport 22 tcp flags & (syn | ack) == syn"
    with contextlib.ExitStack() as fault:
        unblock: list[Callable[[], None]] = []

        def progress(p: Progress) -> None:
            if p.device == "dc-core2" and p.step == "backup" and p.status == "running" and not unblock:
                # From here (after the host key check's own connection): one more connection, then none.
                unblock.append(fault.enter_context(
                    nft_drop(lab, "dc-core2", f"{syn} ip saddr @seen drop", f"{syn} add @seen {{ ip saddr }}")))
            if p.step == "rollback" and p.status == "running" and unblock:
                unblock[0]()  # reachable again for the rollback, which must prove every device

        report = transaction(lab, "nat-dc", render, progress).provision(ProvisionOptions())
    assert unblock, "the fault was never injected"
    assert report.result == "rolled-back", report.model_dump_json(indent=1)
    assert report.device("dc-core1").committed and not report.device("dc-core2").committed
    assert "nk-test0" in report.device("dc-core2").diff and report.device("dc-core2").error
    assert_equal_to_backup(lab, report, NAT_DC)


KILLER = """
import os, sys
from netkit.inventory import load_inventory
from netkit.provision.defaults import ansible_factory, production_env
from netkit.provision.plan import default_renderer
from netkit.provision.transaction import ProvisionOptions, SiteTransaction

def render(inv, dev):  # only moj-hq-r1 changes: the data center stays as intended (checked first)
    text = default_renderer(inv, dev)
    if dev.name != "moj-hq-r1":
        return text
    return text.replace("\\nend\\n", "\\ninterface nk-test0\\n description killed-after-commit\\nend\\n")

def progress(p):
    print(p.device, p.step, p.status, flush=True)

inv = load_inventory()
SiteTransaction(inv, "moj-hq", production_env(), ansible_factory(inv), progress=progress, render=render).provision(
    ProvisionOptions(confirm_timeout=int(sys.argv[1]), check_wait=60))
"""


def test_netkit_killed_right_after_commit_the_revert_timer_restores(lab: Any) -> None:
    before = running(lab, "moj-hq-r1")
    proc = subprocess.Popen([sys.executable, "-c", KILLER, "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, "NETKIT_INVENTORY": str(lab.inventory.path)})
    try:
        assert proc.stdout is not None
        committed = False
        for line in proc.stdout:
            committed = committed or line.split()[:3] == ["moj-hq-r1", "commit", "changed"]
            # The pass that commits also hands back the backup it took first; netkit stores it once the pass
            # ends, still long before the post-checks and the confirm. Kill it there: committed, unconfirmed.
            if committed and line.split()[:3] == ["moj-hq-r1", "backup", "ok"]:
                os.killpg(proc.pid, signal.SIGKILL)  # netkit, ansible and the module's SSH session die
                break
        else:
            pytest.fail("the commit never happened: " + (proc.stderr.read() if proc.stderr else ""))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert "description killed-after-commit" in "\n".join(running(lab, "moj-hq-r1"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and running(lab, "moj-hq-r1") != before:
        time.sleep(1)
    assert running(lab, "moj-hq-r1") == before, "the revert timer did not restore the router"
    env = production_env()
    backup = env.store.read("moj-hq", "moj-hq-r1")
    assert backup is not None and norm(backup) == before
    # the lock died with netkit: the next run works and finds nothing to change
    proc2 = lab.netkit("provision", "site", "moj-hq", "--yes", timeout=300)
    assert proc2.returncode == 0 and "unchanged" in proc2.stdout, proc2.stdout + proc2.stderr


def test_two_concurrent_runs_on_one_site(lab: Any) -> None:
    """A run that finds the site locked by another (here held by this test, as a run still going would hold
    it: a real first run finishes a no-change transaction in 2 s, too soon to race) is refused at once and
    touches nothing; the next run works."""
    env = production_env()
    before = running(lab, "moj-ratanakiri-r1")
    with SiteLock(env.locks_dir, "moj-ratanakiri", "netkit provision site moj-ratanakiri (another engineer)"):
        second = lab.netkit("provision", "site", "moj-ratanakiri", "--yes")
    assert second.returncode == 1, second.stdout + second.stderr
    assert "site moj-ratanakiri is locked by" in second.stderr and "since" in second.stderr
    assert running(lab, "moj-ratanakiri-r1") == before
    after = lab.netkit("provision", "site", "moj-ratanakiri", "--yes", timeout=300)
    assert after.returncode == 0, after.stdout + after.stderr


def test_backup_log_diff_and_rollback_commands(lab: Any) -> None:
    proc = lab.netkit("backup", "moj-hq", "--json")
    assert proc.returncode == 0, proc.stderr
    log = lab.netkit("backup", "log", "moj-hq-r1")
    assert log.returncode == 0 and "router bgp 65101" in log.stdout
    diff = lab.netkit("diff", "site", "moj-hq", "--json")
    assert diff.returncode == 0 and SiteReport.model_validate_json(diff.stdout).device("moj-hq-r1").diff == ""
    provisioned = running(lab, "moj-hq-r1")
    rb = lab.netkit("rollback", "site", "moj-hq", "--yes", "--json", timeout=300)
    report = SiteReport.model_validate_json(rb.stdout)
    assert rb.returncode == 0 and report.result == "restored", rb.stdout + rb.stderr
    assert running(lab, "moj-hq-r1") != provisioned and "router bgp 65101" not in "\n".join(running(lab, "moj-hq-r1"))
    again = lab.netkit("provision", "site", "moj-hq", "--yes", timeout=300)
    assert again.returncode == 0 and running(lab, "moj-hq-r1") == provisioned


def test_secrets_never_in_diffs_logs_audit_or_artifacts(lab: Any) -> None:
    creds = lab.netkit_credentials("mowa-hq-r1")
    secret = creds.password.get_secret_value()
    render = with_extra("mowa-hq-r1", f"interface nk-test0\n description key {secret}")
    report = transaction(lab, "mowa-hq", render).provision(ProvisionOptions())
    assert report.result == "confirmed", report.model_dump_json(indent=1)
    assert secret in lab.vtysh("mowa-hq-r1", "show running-config")
    outputs = [report.model_dump_json()]
    for args in (("backup", "log", "mowa-hq-r1"), ("diff", "site", "mowa-hq"), ("backup", "mowa-hq")):
        proc = lab.netkit(*args)
        outputs += [proc.stdout, proc.stderr]
    restore = transaction(lab, "mowa-hq").provision(ProvisionOptions())
    assert restore.result == "confirmed"
    outputs.append(restore.model_dump_json())
    state = Path(os.environ["NETKIT_STATE_DIR"])
    files = [p for d in ("runs", "audit") for p in (state / d).rglob("*") if p.is_file()]
    assert any("job_events" in str(p) for p in files)
    texts = outputs + [p.read_text(errors="replace") for p in files]
    for value in creds.secrets():
        leaks = [t[:200] for t in texts if value in t]
        assert not leaks, f"a secret leaked: {leaks[:2]}"
    assert any("********" in t for t in texts)


def test_playbooks_run_with_plain_ansible_playbook(lab: Any, tmp_path: Path) -> None:
    """The same playbooks without netkit's CLI (as AWX would run them): backups and diffs of a site."""
    playbook = Path(__file__).resolve().parents[2] / "playbooks" / "provision_site.yml"
    ansible = Path(sys.executable).parent / "ansible-playbook"
    proc = subprocess.run(
        [str(ansible), "-i", str(lab.inventory.path), str(playbook), "-e", "site=moj-hq", "--tags", "diff",
         "-e", f"netkit_backup_dir={tmp_path}", "--diff"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "moj-hq-r1" in proc.stdout and "failed=0" in proc.stdout
    assert "router bgp 65101" in (tmp_path / "moj-hq-r1.cfg").read_text()
    secret = lab.netkit_credentials("moj-hq-r1").password.get_secret_value()
    assert secret not in proc.stdout + proc.stderr
