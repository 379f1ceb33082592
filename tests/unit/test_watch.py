"""The configuration watcher's logic without a device: syslog parsing, change events as FRR 8.4 logs them
(recorded in the lab), intervals per group, the scheduler, state across a restart, backups that commit
only changes, compliance metrics, and secrets kept out of all of it."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest
from netkit.config.render import render_device
from netkit.errors import DeviceError, InputError
from netkit.inventory import Inventory
from netkit.provision.backups import BackupStore
from netkit.provision.masking import Masker
from netkit.watch.backup import run_backup
from netkit.watch.events import ConfigChange, Sessions, SshSession, classify
from netkit.watch.listener import listen, sender_map
from netkit.watch.metrics import WatchCollector
from netkit.watch.schedule import intervals_from_vars, inventory_intervals, next_due, parse_duration
from netkit.watch.service import Watcher, WatchSettings
from netkit.watch.state import load_state, save_state
from netkit.watch.syslog import format_5424, parse
from prometheus_client import CollectorRegistry

DATA = Path(__file__).parent / "data" / "config" / "frr"
ROUTER, SITE = "moj-hq-r1", "moj-hq"
# What the lab's moj-ratanakiri-r1 logged (FRR 8.4.4, `log commands`) for an SSH session of the lab user that
# ran `configure terminal`, `interface eth1`, `description ...`, `end`, `write memory`, as its forwarder sends it.
FRR_LINES = [
    "2026/12/02 15:25:42 ZEBRA: [M7Q4P-46WDR] vty[55]@(config)# interface eth1",
    "2026/12/02 15:25:42 OSPF: [M7Q4P-46WDR] vty[21]@(config)# interface eth1",
    "2026/12/02 15:25:42 ZEBRA: [M7Q4P-46WDR] vty[55]@(config-if)# description hand edit by engineer",
    "2026/12/02 15:25:42 OSPF: [M7Q4P-46WDR] vty[21]@(config-if)# description hand edit by engineer",
    "2026/12/02 15:25:42 ZEBRA: [M7Q4P-46WDR] vty[55]@(config-if)# end",
    "2026/12/02 15:25:42 ZEBRA: [M7Q4P-46WDR] vty[55]@# exit",
]
SSHD_LOGIN = "Accepted password for netkit-lab-60a177 from 198.19.0.1 port 40522 ssh2"
SSHD_LOGOUT = "Disconnected from user netkit-lab-60a177 198.19.0.1 port 40522"


# ---------------------------------------------------------------- syslog and events


def test_rfc5424_and_rfc3164_parse() -> None:
    m = parse(format_5424("moj-ratanakiri-r1", "frr", FRR_LINES[2], "2026-12-02T15:25:42.000Z"), "198.19.0.22")
    assert (m.format, m.host, m.app, m.severity, m.facility) == ("rfc5424", "moj-ratanakiri-r1", "frr", 6, 23)
    assert m.text == FRR_LINES[2]
    m = parse(b"<189>Dec  2 15:25:42 core-sw1 sshd[812]: " + SSHD_LOGIN.encode(), "10.0.0.1")
    assert (m.format, m.host, m.app, m.severity) == ("rfc3164", "core-sw1", "sshd", 5)
    assert m.text == SSHD_LOGIN
    m = parse(b"<14>something else entirely", "10.0.0.1")
    assert (m.format, m.text) == ("raw", "something else entirely")
    m = parse(b'<13>1 2026-12-02T15:25:42Z r1 app - ID47 [x@1 a="b\\]c"] hello', "10.0.0.1")
    assert (m.msgid, m.text) == ("ID47", "hello")


def test_frr_config_commands_are_changes_and_the_rest_is_not() -> None:
    events = [classify(parse(format_5424("r", "frr", line, "-"), "x")) for line in FRR_LINES]
    assert events[:4] == [ConfigChange("interface eth1", ""), ConfigChange("interface eth1", ""),
                          ConfigChange("description hand edit by engineer", ""),
                          ConfigChange("description hand edit by engineer", "")]
    assert events[4:] == [None, None]  # leaving config mode, logging out
    show = "2026/12/02 15:24:59 ZEBRA: [M7Q4P-46WDR] vty[54]@# do write terminal"
    assert classify(parse(format_5424("r", "frr", show, "-"), "x")) is None


def test_vendor_notices_name_the_user() -> None:
    ios = "%SYS-5-CONFIG_I: Configured from console by alice on vty0 (10.1.1.1)"
    junos = "UI_COMMIT: User 'bob' requested 'commit' operation (comment: none)"
    for text, user in ((ios, "alice"), (junos, "bob")):
        event = classify(parse(f"<189>Dec  2 10:00:00 r1 x: {text}".encode(), "x"))
        assert isinstance(event, ConfigChange) and event.user == user


def test_ssh_sessions_name_who_is_logged_in() -> None:
    sessions = Sessions()
    login, logout = classify(parse(format_5424("r", "sshd", SSHD_LOGIN, "-"), "x")), \
        classify(parse(format_5424("r", "sshd", SSHD_LOGOUT, "-"), "x"))
    assert login == SshSession("netkit-lab-60a177", "198.19.0.1:40522", True)
    assert isinstance(login, SshSession) and isinstance(logout, SshSession)
    sessions.update("r1", login, 100.0)
    assert sessions.users("r1", 101, 102) == ["netkit-lab-60a177"] and sessions.users("r2", 101, 102) == []
    sessions.update("r1", logout, 110.0)
    assert sessions.users("r1", 105, 120) == ["netkit-lab-60a177"]  # a change seen just after the logout
    assert sessions.users("r1", 200, 210) == []  # long after
    assert sessions.users("r1", 50, 60) == []  # before the login


# ---------------------------------------------------------------- intervals and state


def test_intervals_per_group_and_durations(lab: Inventory) -> None:
    assert parse_duration("90s") == 90 and parse_duration("4h") == 14400 and parse_duration("1d") == 86400
    with pytest.raises(InputError, match="not a duration"):
        parse_duration("soon")
    got = intervals_from_vars({"a": {"netkit_backup": {"interval": "30m"}}, "b": {}}, 3600)
    assert got == {"a": 1800, "b": 3600}
    assert set(inventory_intervals(lab, 600).values()) == {600}  # the lab inventory sets none
    assert next_due(100, 3600, True, 60) == 3700 and next_due(100, 3600, False, 60) == 160


def test_a_site_group_overrides_its_ministry(lab: Inventory, tmp_path: Path) -> None:
    import shutil

    import yaml
    from netkit.inventory import load_inventory

    inv_dir = tmp_path / "inv"
    shutil.copytree(lab.path, inv_dir)
    for name, interval in (("moj.yml", "6h"), ("site_moj_hq.yml", "15m")):
        path = inv_dir / "group_vars" / name
        data = yaml.safe_load(path.read_text())
        data["netkit_backup"] = {"interval": interval}
        path.write_text(yaml.safe_dump(data))
    got = inventory_intervals(load_inventory(inv_dir), 86400)
    assert got["moj-hq-r1"] == 900 and got["moj-ratanakiri-r1"] == 21600 and got["mowa-hq-r1"] == 86400


def test_state_round_trips(tmp_path: Path) -> None:
    from netkit.watch.state import WatchState

    st = WatchState()
    st.device("r1").commits = 3
    save_state(st, tmp_path / "w" / "state.json")
    assert load_state(tmp_path / "w" / "state.json").devices["r1"].commits == 3
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(InputError, match=r"bad\.json"):
        load_state(tmp_path / "bad.json")


# ---------------------------------------------------------------- backups, compliance, the watcher


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _watcher(lab: Inventory, tmp_path: Path, configs: dict[str, str | Exception], clock: Clock) -> Watcher:
    def fetch(dev: object) -> str:
        value = configs[dev.name]  # type: ignore[attr-defined]
        if isinstance(value, Exception):
            raise value
        return value

    settings = WatchSettings(intervals={ROUTER: 3600.0}, debounce_s=3, retry_s=60)
    from netkit.watch.state import WatchState

    return Watcher(inv=lab, store=BackupStore(tmp_path / "backups"), state=WatchState(),
                   state_path=tmp_path / "state.json", settings=settings, fetch=fetch,
                   intended={ROUTER: render_device(lab, ROUTER)}, masker=Masker(["s3cr3t-pw"]), clock=clock)


def _run_due(w: Watcher) -> list[str]:
    done = []
    for req in w.due(w.clock()):
        w.record(req, run_backup(req, w.fetch, w.store, w.intended.get(req.device.name), w.masker, w.clock))
        done.append(req.reason)
    w.save()
    return done


def test_a_reported_change_is_committed_once_with_the_user_and_judged(lab: Inventory, tmp_path: Path) -> None:
    clean = (DATA / "moj-hq-r1.remediated.cfg").read_text()
    configs: dict[str, str | Exception] = {ROUTER: clean}
    clock = Clock()
    w = _watcher(lab, tmp_path, configs, clock)
    assert _run_due(w) == ["start"]
    first = w.state.devices[ROUTER]
    assert first.success and first.commits == 1 and first.drift_lines == 0 and all(first.compliance.values())
    clock.now += 10
    assert _run_due(w) == []  # not due for an hour, nothing reported

    w.on_syslog(ROUTER, parse(format_5424("r", "sshd", SSHD_LOGIN, "-"), "x"))
    for line in FRR_LINES:
        w.on_syslog(ROUTER, parse(format_5424("r", "frr", line, "-"), "x"))
    assert w.state.devices[ROUTER].change_events == 2  # each command once, not once per daemon
    assert _run_due(w) == []  # still within the quiet period
    clock.now += 3
    configs[ROUTER] = clean.replace("interface eth1\n", "interface eth1\n description hand edit by engineer\n", 1) \
        + "ip route 198.18.99.0/24 Null0\n"
    assert _run_due(w) == ["syslog"]
    ds = w.state.devices[ROUTER]
    assert ds.commits == 2 and ds.pending_since == 0 and ds.drift_lines == 2
    assert ds.compliance["interfaces"] is False and ds.compliance["routing"] is False
    entry = w.store.log(SITE, ROUTER, limit=1)[0]
    assert entry.author == "netkit-lab-60a177" and "+ description hand edit by engineer" in entry.diff

    clock.now += 3600  # the schedule again, unchanged: no commit
    assert _run_due(w) == ["schedule"]
    assert w.state.devices[ROUTER].commits == 2 and w.state.devices[ROUTER].backups == 3

    registry = CollectorRegistry()
    registry.register(WatchCollector(lab, lambda: w.state))
    labels = {"device": ROUTER, "site": SITE, "ministry": "moj"}
    assert registry.get_sample_value("netkit_config_drift_lines", labels) == 2
    assert registry.get_sample_value("netkit_config_compliant", {**labels, "feature": "interfaces"}) == 0
    assert registry.get_sample_value("netkit_config_compliant", {**labels, "feature": "snmp"}) == 1
    assert registry.get_sample_value("netkit_config_changes_total", labels) == 2
    assert registry.get_sample_value("netkit_config_change_events_total", labels) == 2
    assert registry.get_sample_value("netkit_config_backup_success", labels) == 1

    restarted = _watcher(lab, tmp_path, configs, clock)
    restarted.state = load_state(tmp_path / "state.json")
    assert restarted.state.devices[ROUTER].commits == 2 and _run_due(restarted) == []  # schedule resumed


def test_a_device_that_is_down_fails_and_keeps_its_compliance(lab: Inventory, tmp_path: Path) -> None:
    configs: dict[str, str | Exception] = {ROUTER: (DATA / "moj-hq-r1.remediated.cfg").read_text()}
    clock = Clock()
    w = _watcher(lab, tmp_path, configs, clock)
    _run_due(w)
    configs[ROUTER] = DeviceError(ROUTER, "cannot reach 198.19.0.21: password s3cr3t-pw refused")
    clock.now += 3600
    _run_due(w)
    ds = w.state.devices[ROUTER]
    assert ds.success is False and ds.drift_lines == 0 and all(ds.compliance.values())
    assert "s3cr3t-pw" not in ds.error and "s3cr3t-pw" not in (tmp_path / "state.json").read_text()
    assert ds.next_due == clock.now + 60  # retried soon
    w.on_syslog(ROUTER, parse(format_5424("r", "frr", FRR_LINES[2], "-"), "x"))
    clock.now += 10
    assert _run_due(w) == []  # a change reported by a device whose backup just failed waits for the retry
    clock.now += 50
    assert _run_due(w) == ["syslog"]


def test_secrets_typed_by_hand_are_masked_in_commit_messages_and_state(lab: Inventory, tmp_path: Path) -> None:
    clean = (DATA / "moj-hq-r1.remediated.cfg").read_text()
    configs: dict[str, str | Exception] = {ROUTER: clean}
    clock = Clock()
    w = _watcher(lab, tmp_path, configs, clock)
    _run_due(w)
    line = "2026/12/02 15:25:42 BGP: [M7Q4P-46WDR] vty[5]@(config-router)# neighbor 1.2.3.4 password s3cr3t-pw"
    w.on_syslog(ROUTER, parse(format_5424("r", "frr", line, "-"), "x"))
    clock.now += 5
    _run_due(w)
    assert "s3cr3t-pw" not in (tmp_path / "state.json").read_text()
    log = w.store.commits(limit=5)
    assert all("s3cr3t-pw" not in e.message for e in log)


def test_the_listener_maps_senders_to_devices_and_drops_strangers(lab: Inventory) -> None:
    senders = {**sender_map(lab), "127.0.0.2": ROUTER}
    assert senders["198.19.0.22"] == "moj-ratanakiri-r1"
    got: list[tuple[str, str]] = []
    counts: dict[str, int] = {}

    async def main() -> None:
        transport = await listen(("127.0.0.1", 0), senders, lambda d, m: got.append((d, m.text)),
                                 lambda r: counts.__setitem__(r, counts.get(r, 0) + 1))
        port = transport.get_extra_info("sockname")[1]
        for source in ("127.0.0.2", "127.0.0.3"):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind((source, 0))
                s.sendto(format_5424("x", "frr", FRR_LINES[0], "-"), ("127.0.0.1", port))
        await asyncio.sleep(0.2)
        transport.close()

    asyncio.run(main())
    assert got == [(ROUTER, FRR_LINES[0])]
    assert counts == {"device": 1, "unknown_sender": 1}
    with pytest.raises(InputError, match="NOC-side IP"):
        asyncio.run(listen(("noc.example", 514), senders, lambda d, m: None, lambda r: None))
    with pytest.raises(InputError, match="every interface"):
        asyncio.run(listen(("0.0.0.0", 514), senders, lambda d, m: None, lambda r: None))


def test_state_file_is_json(tmp_path: Path) -> None:
    from netkit.watch.state import WatchState

    save_state(WatchState(), tmp_path / "s.json")
    assert json.loads((tmp_path / "s.json").read_text())["version"] == 1


def test_the_compliance_report_per_ministry(lab: Inventory, tmp_path: Path) -> None:
    from netkit.cli.app import app
    from netkit.watch.report import build_compliance_report
    from netkit.watch.report_html import to_html
    from netkit.watch.state import WatchState
    from typer.testing import CliRunner

    store = tmp_path / "backups"
    drifted = (DATA / "moj-hq-r1.drifted.cfg").read_text() + " neighbor 1.2.3.4 password s3cr3t-pw\n"
    (store / SITE).mkdir(parents=True)
    (store / SITE / f"{ROUTER}.cfg").write_text(drifted)
    state = WatchState()
    state.device(ROUTER).success, state.device(ROUTER).last_success, state.device(ROUTER).commits = True, 1e9, 4
    report = build_compliance_report(lab, store, state, Masker(["s3cr3t-pw"]), "moj")
    assert [m.code for m in report.ministries] == ["moj"]
    rows = {d.device: d for d in report.ministries[0].devices}
    assert rows[ROUTER].compliant is False and rows[ROUTER].drift_lines > 0 and rows[ROUTER].changes == 4
    assert rows[ROUTER].features["interfaces"] is False and rows[ROUTER].features["snmp"] is True
    assert rows["moj-ratanakiri-r1"].compliant is None and "no backup" in rows["moj-ratanakiri-r1"].error
    html = to_html(report)
    assert "Ministry of Justice (moj)" in html and "DRIFTED" in html and "Remediation for moj-hq-r1" in html
    assert "s3cr3t-pw" not in html
    with pytest.raises(InputError, match="no ministry"):
        build_compliance_report(lab, store, state, Masker(), "nope")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "compliance", "--ministry", "moj", "--backups", str(store),
                                      "--state-file", str(tmp_path / "none.json"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 drifted" in result.output and "<table>" in out.read_text()


def test_drift_alerts_go_to_engineering_and_never_page_a_ministry(lab: Inventory, tmp_path: Path) -> None:
    import shutil
    import subprocess

    from netkit.monitor.as_code.rules_config import alertmanager_file
    from netkit.monitor.as_code.rules_links import Links
    from netkit.monitor.as_code.rules_windows import PRODUCTION
    from netkit.watch.alerting import config_group

    if not shutil.which("amtool"):
        pytest.skip("amtool not installed")
    rules = {r.alert: r for r in config_group(PRODUCTION, Links()).rules}  # type: ignore[union-attr]
    assert rules["NetkitConfigDrift"].labels == {"severity": "ticket", "team": "engineering"}
    (tmp_path / "am.yml").write_text(alertmanager_file(lab, PRODUCTION))
    for severity in ("ticket", "page"):
        proc = subprocess.run(["amtool", "config", "routes", "test", f"--config.file={tmp_path / 'am.yml'}",
                               "alertname=NetkitConfigDrift", "team=engineering", "ministry=moj",
                               f"severity={severity}", "device=moj-hq-r1"], capture_output=True, text=True)
        assert proc.stdout.strip() == "engineering", proc.stdout + proc.stderr
    proc = subprocess.run(["amtool", "config", "routes", "test", f"--config.file={tmp_path / 'am.yml'}",
                           "alertname=NetkitSiteDown", "ministry=moj", "severity=page"], capture_output=True, text=True)
    assert proc.stdout.strip() == "moj-page"


def test_the_loop_backs_up_at_start_then_only_on_a_notice(lab: Inventory, tmp_path: Path) -> None:
    import time

    from netkit.watch.state import WatchState

    fetched: list[str] = []
    clean = (DATA / "moj-hq-r1.remediated.cfg").read_text()

    def fetch(dev: object) -> str:
        fetched.append(dev.name)  # type: ignore[attr-defined]
        return clean

    w = Watcher(inv=lab, store=BackupStore(tmp_path / "backups"), state=WatchState(),
                state_path=tmp_path / "state.json", settings=WatchSettings(
                    intervals={ROUTER: 3600.0}, debounce_s=0.05, tick_s=0.01), fetch=fetch,
                intended={ROUTER: render_device(lab, ROUTER)}, masker=Masker())

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(w.run(stop))
        while not fetched or ROUTER in w.running:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        assert fetched == [ROUTER] and w.earliest > time.time() + 3000  # nothing due for an hour: no scans
        w.on_syslog(ROUTER, parse(format_5424("r", "frr", FRR_LINES[2], "-"), "x"))
        deadline = time.monotonic() + 5
        while w.state.devices[ROUTER].pending_since and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        stop.set()
        await task

    asyncio.run(main())
    assert fetched == [ROUTER, ROUTER]
    assert w.state.devices[ROUTER].backups == 2 and w.state.devices[ROUTER].commits == 1
    assert load_state(tmp_path / "state.json").devices[ROUTER].change_events == 1
