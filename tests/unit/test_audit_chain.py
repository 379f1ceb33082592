"""The audit log's hash chain: verify passes on an honest history and names the entry edited, removed or
reordered; `netkit audit log` filters the history."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from netkit.cli.app import app
from netkit.provision.audit import AuditDevice, AuditEntry, AuditLog
from netkit.provision.audit_chain import entry_hash, verify_chain
from netkit.provision.masking import Masker
from typer.testing import CliRunner

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def entry(i: int, site: str, who: str = "alice@ops", result: str = "confirmed", device: str = "r1") -> AuditEntry:
    when = T0 + timedelta(minutes=i)
    return AuditEntry(when=when, finished=when, who=who, host="ops", action="provision", site=site,
                      devices=[AuditDevice(name=device, status="committed", diff=f"+ description change {i}")],
                      result=result, exit_code=0)


@pytest.fixture()
def log(tmp_path: Path) -> Path:
    path = tmp_path / "audit" / "provision.jsonl"
    audit = AuditLog(path, Masker(["s3cretpw"]))
    audit.append(entry(1, "moj-hq", device="moj-hq-r1"))
    audit.append(entry(2, "moj-ratanakiri", who="bob@ops", result="rolled-back", device="moj-ratanakiri-r1"))
    audit.append(entry(3, "moj-hq", device="moj-hq-r1"))
    audit.append(entry(4, "mowa-hq", result="failed", device="mowa-hq-r1"))
    return path


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_an_honest_history_verifies_and_each_entry_links_to_the_one_before(log: Path) -> None:
    report = verify_chain(log)
    assert report.ok and report.entries == 4, report.problems
    records = [json.loads(x) for x in lines(log)]
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    assert records[0]["prev"] == "0" * 64
    for before, after in itertools.pairwise(records):
        assert after["prev"] == before["hash"] == entry_hash(before)
    assert report.head == records[-1]["hash"]
    assert oct(log.stat().st_mode & 0o777) == "0o600"
    assert AuditLog(log).entries(site="moj-hq")[1].devices[0].diff == "+ description change 3"


def test_an_edited_entry_is_named(log: Path) -> None:
    text = lines(log)
    text[1] = text[1].replace("rolled-back", "confirmed")
    log.write_text("\n".join(text) + "\n")
    report = verify_chain(log)
    assert not report.ok
    assert [(p.kind, p.seq, p.line) for p in report.problems] == [("edited", 2, 2)]
    assert "entry #2" in report.problems[0].message and "moj-ratanakiri" in report.problems[0].message


def test_an_edit_that_recomputes_its_own_hash_is_caught_by_the_next_entry(log: Path) -> None:
    text = lines(log)
    record = json.loads(text[1])
    record["who"] = "mallory@ops"
    record["hash"] = entry_hash(record)
    text[1] = json.dumps(record)
    log.write_text("\n".join(text) + "\n")
    report = verify_chain(log)
    assert [(p.kind, p.seq) for p in report.problems] == [("edited", 2)]
    assert "(#2) was changed or replaced" in report.problems[0].message


def test_a_removed_entry_is_named(log: Path) -> None:
    text = lines(log)
    del text[2]
    log.write_text("\n".join(text) + "\n")
    report = verify_chain(log)
    assert [(p.kind, p.seq) for p in report.problems] == [("removed", 3)]
    assert "entry #3 was removed" in report.problems[0].message


def test_reordered_entries_are_named(log: Path) -> None:
    text = lines(log)
    text[1], text[2] = text[2], text[1]
    log.write_text("\n".join(text) + "\n")
    report = verify_chain(log)
    assert [(p.kind, p.seq) for p in report.problems] == [("reordered", 2)]


def test_a_removed_last_entry_is_caught_by_the_recorded_head(log: Path) -> None:
    head = verify_chain(log).head
    log.write_text("\n".join(lines(log)[:-1]) + "\n")
    assert verify_chain(log).ok  # the chain alone cannot see a truncated tail ...
    report = verify_chain(log, expect_head=head[:12])  # ... the head kept elsewhere does
    assert [p.kind for p in report.problems] == ["head"]


def test_secrets_are_masked_before_hashing(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    e = entry(1, "moj-hq")
    e.message = "password s3cretpw"
    AuditLog(path, Masker(["s3cretpw"])).append(e)
    assert "s3cretpw" not in path.read_text() and verify_chain(path).ok


def test_cli_verify_and_log(log: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--file", str(log)])
    assert ok.exit_code == 0 and "4 entries, chain intact" in ok.output
    out = runner.invoke(app, ["audit", "log", "--file", str(log), "--site", "moj-hq", "--json"])
    assert out.exit_code == 0
    assert [e["when"][11:16] for e in json.loads(out.output)] == ["08:01", "08:03"]
    for args, sites in ((["--user", "bob@ops"], ["moj-ratanakiri"]), (["--result", "failed"], ["mowa-hq"]),
                        (["--device", "moj-hq-r1"], ["moj-hq", "moj-hq"])):
        out = runner.invoke(app, ["audit", "log", "--file", str(log), "--json", *args])
        assert [e["site"] for e in json.loads(out.output)] == sites, args
    text = lines(log)
    text[3] = text[3].replace('"failed"', '"confirmed"')
    log.write_text("\n".join(text) + "\n")
    bad = runner.invoke(app, ["audit", "verify", "--file", str(log)])
    assert bad.exit_code == 1 and "entry #4" in bad.output and "edited" in bad.output
