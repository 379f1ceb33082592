"""Bad input beyond the inventory: options, backup ids, a broken state directory or backup store, a full
disk while writing backups or audit entries. Each gives a clear message and exit 2 (input) or 3 (the
environment), and no device is touched (the routers of the in-memory backend keep their config)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from netkit.cli import provision_cmd
from netkit.cli.app import app
from netkit.errors import EnvironmentProblem, InputError
from netkit.inventory.credentials import resolve_set
from netkit.provision.audit import AuditEntry, AuditLog
from netkit.provision.transaction import ProvisionOptions
from test_provision_transaction import World
from typer.testing import CliRunner

FACTORY = "hostname factory\n"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return World(tmp_path, monkeypatch)


def _untouched(world: World) -> None:
    assert world.backends == [], "a backend was opened: a device could have been touched"
    assert set(world.routers.values()) == {FACTORY}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root)})


def _store_with_a_backup(world: World) -> Path:
    assert world.tx("moj-hq").backup().result == "backed-up"
    world.backends.clear()
    return world.env.store.root


# ---------------------------------------------------------------- the backup store in a state git left it in

def _merge_in_progress(root: Path) -> str:
    (root / ".git" / "MERGE_HEAD").write_text("0" * 40 + "\n")
    return "a merge is in progress"


def _index_locked(root: Path) -> str:
    (root / ".git" / "index.lock").write_text("")
    return "another git process is running there"


def _detached(root: Path) -> str:
    _git(root, "checkout", "-q", "--detach")
    return "HEAD is detached"


def _rebase(root: Path) -> str:
    (root / ".git" / "rebase-merge").mkdir()
    return "a rebase is in progress"


def _corrupt(root: Path) -> str:
    (root / ".git" / "HEAD").write_text("garbage\n")
    return "is not a valid git repository"


def _store_is_a_file(root: Path) -> str:
    shutil.rmtree(root)
    root.write_text("not a store\n")
    return "is a file, not a directory"


@pytest.mark.parametrize("spoil", [_merge_in_progress, _index_locked, _detached, _rebase, _corrupt, _store_is_a_file])
def test_a_backup_store_git_left_half_done_stops_provisioning_before_any_device(world: World, spoil: object) -> None:
    root = _store_with_a_backup(world)
    expected = spoil(root)  # type: ignore[operator]
    with pytest.raises(EnvironmentProblem, match=expected) as e:
        world.tx("moj-hq").provision(ProvisionOptions())
    assert e.value.exit_code == 3 and str(root) in str(e.value)
    _untouched(world)


def test_rollback_and_backup_also_check_the_store_first(world: World) -> None:
    root = _store_with_a_backup(world)
    _merge_in_progress(root)
    for run in (lambda: world.tx("moj-hq").backup(), lambda: world.tx("moj-hq").rollback()):
        with pytest.raises(EnvironmentProblem, match="a merge is in progress"):
            run()
    _untouched(world)


# ---------------------------------------------------------------- a full disk

def test_too_little_free_space_for_the_backups_stops_before_any_device(world: World) -> None:
    world.env.store.free_bytes = lambda path: 200 * 1024
    with pytest.raises(EnvironmentProblem, match=r"backup store .*only 200 KiB free") as e:
        world.tx("moj-hq").provision(ProvisionOptions())
    assert e.value.exit_code == 3
    _untouched(world)


def test_too_little_free_space_for_the_audit_log_stops_before_any_device(world: World) -> None:
    world.env.audit.free_bytes = lambda path: 0
    with pytest.raises(EnvironmentProblem, match=r"audit log .*provision.jsonl: only 0 KiB free"):
        world.tx("moj-hq").provision(ProvisionOptions(check_only=True))
    _untouched(world)


def _enospc(*args: object, **kwargs: object) -> int:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_while_writing_a_backup_leaves_the_store_as_it_was(world: World,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root = _store_with_a_backup(world)
    head = world.env.store.head()
    real = Path.write_text

    def write_text(self: Path, *args: object, **kwargs: object) -> int:
        if self.is_relative_to(root):
            real(self, "half a conf")  # what a full disk leaves behind
            _enospc()
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(EnvironmentProblem, match="No space left on device") as e:
        world.tx("moj-hq").backup()
    assert e.value.exit_code == 3 and "nothing was committed" in str(e.value)
    monkeypatch.undo()
    assert world.env.store.head() == head
    assert (root / "moj-hq" / "moj-hq-r1.cfg").read_text() == FACTORY  # the half-written file was undone
    assert subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True,
                          env={**os.environ, "HOME": str(root)}).stdout == ""


def _entry(site: str = "moj-hq") -> AuditEntry:
    from datetime import UTC, datetime
    now = datetime(2026, 3, 1, tzinfo=UTC)
    return AuditEntry(when=now, finished=now, who="t", host="h", action="provision", site=site, devices=[],
                      result="confirmed", exit_code=0)


def test_disk_full_while_appending_an_audit_entry_leaves_no_half_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    AuditLog(path).append(_entry("first"))
    before = path.read_bytes()

    def half_then_full(fd: int, data: bytes) -> int:
        if len(data) > 10:
            return os.write(fd, data[:10])
        return _enospc()

    with pytest.raises(EnvironmentProblem, match=r"audit log .*cannot append the entry \(No space left on device\)"):
        AuditLog(path, write=half_then_full).append(_entry("second"))
    assert path.read_bytes() == before
    assert [e.site for e in AuditLog(path).entries()] == ["first"]


def test_an_audit_entry_that_cannot_be_written_gives_exit_3_with_the_report(world: World) -> None:
    world.env.audit._write = _enospc  # the disk fills during the transaction, after the checks passed
    report = world.tx("moj-hq").provision(ProvisionOptions())
    assert report.result == "confirmed" and report.exit_code == 3
    assert report.audit_error and "AUDIT ENTRY NOT WRITTEN" in report.message


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root for a private tmpfs")
def test_a_real_full_tmpfs_refuses_the_audit_entry(tmp_path: Path) -> None:
    """A tiny tmpfs in a private mount namespace (the machine's disks are never filled)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    script = (
        "import sys, pathlib; sys.path[:0] = sys.argv[2:]\n"
        "from test_bad_input import _entry\n"
        "from netkit.provision.audit import AuditLog\n"
        "from netkit.errors import EnvironmentProblem\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "(p / 'filler').write_bytes(b'x' * (60 * 1024))\n"
        "log = AuditLog(p / 'audit.jsonl')\n"
        "try:\n"
        "    log.check_ready()\n"
        "except EnvironmentProblem as e:\n"
        "    print('PREFLIGHT', e)\n"
        "try:\n"
        "    [log.append(_entry('x' * 4000)) for _ in range(100)]\n"
        "except EnvironmentProblem as e:\n"
        "    print('APPEND', e)\n"
        "print('LINES', len(log.entries()))\n"
    )
    here = str(Path(__file__).parent)
    proc = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         'mount -t tmpfs -o size=64k tmpfs "$1" && exec "$2" -c "$3" "$1" "$4" "$5"', "sh", str(mnt),
         sys.executable, script, here, str(Path(__file__).parents[2] / "toolkit")],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "PREFLIGHT" in proc.stdout and "only" in proc.stdout
    assert "APPEND" in proc.stdout and "No space left on device" in proc.stdout
    assert "LINES" in proc.stdout  # every line that is there parses: no half line


# ---------------------------------------------------------------- the state directory

def test_a_state_directory_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    state.write_text("oops\n")
    monkeypatch.setenv("NETKIT_STATE_DIR", str(state))
    for args in (["backup", "log", "moj-hq-r1"], ["lab", "status"]):
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 3, r.output
        assert f"state directory {state} is a file" in " ".join(r.output.split())
        assert "Traceback" not in r.output


def test_a_corrupt_backup_store_is_not_reported_as_empty(world: World) -> None:
    root = _store_with_a_backup(world)
    _corrupt(root)
    r = CliRunner().invoke(app, ["backup", "log", "moj-hq-r1", "-i", str(world.inv.path)])
    assert r.exit_code == 3 and "is not a valid git repository" in r.output and "no backup" not in r.output


@pytest.mark.parametrize("content", [":::\n  - [", "just a string\n", "- a\n- list\n", "username: [1, 2]\n"])
def test_a_corrupt_lab_credentials_file(world: World, content: str) -> None:
    (world.state / "lab" / "credentials.yml").write_text(content)
    with pytest.raises(EnvironmentProblem, match=r"not a valid lab credentials file.*netkit lab up"):
        resolve_set(world.inv, "lab")


# ---------------------------------------------------------------- options

def _cli(world: World, monkeypatch: pytest.MonkeyPatch, args: list[str], stdout: bool = False) -> tuple[int, str]:
    monkeypatch.setattr(provision_cmd, "ansible_factory", lambda inv: world.factory)
    monkeypatch.setattr(provision_cmd, "production_env", lambda *a, **k: world.env)
    r = CliRunner().invoke(app, args)
    return r.exit_code, r.stdout if stdout else r.output


@pytest.mark.parametrize(("to", "expected"), [
    ("zzz", "is not a commit id"), ("HEAD~1", "is not a commit id"), ("abc", "is not a commit id"),
    ("-1", "is not a commit id"),
])
def test_rollback_to_a_malformed_backup_id_is_refused_before_asking(world: World, monkeypatch: pytest.MonkeyPatch,
                                                                     to: str, expected: str) -> None:
    code, output = _cli(world, monkeypatch, ["rollback", "site", "moj-hq", "-i", str(world.inv.path), f"--to={to}"])
    assert code == 2 and expected in output and "confirm" not in output, output
    _untouched(world)


def test_rollback_to_an_unknown_backup_id(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = _cli(world, monkeypatch, ["rollback", "site", "moj-hq", "-i", str(world.inv.path), "--yes",
                                             "--to", "abcdef1"])
    assert code == 2 and "backup store" in output and "is empty" in output, output
    _store_with_a_backup(world)
    code, output = _cli(world, monkeypatch, ["rollback", "site", "moj-hq", "-i", str(world.inv.path), "--yes",
                                             "--to", "abcdef1", "--json"], stdout=True)
    assert code == 2 and json.loads(output)["error"].startswith("no backup with id 'abcdef1'"), output
    _untouched(world)


@pytest.mark.parametrize(("args", "expected"), [
    (["report", "sla", "--period", "2026-13"], "give a month as YYYY-MM"),
    (["report", "sla", "--period", "last"], "give a month as YYYY-MM"),
    (["monitor", "serve", "--shard", "3/2"], "--shard 3/2"),
    (["provision", "site", "moj-hq", "--confirm-timeout", "-5"], "--confirm-timeout"),
    (["provision", "site", "no-such-site"], "no site 'no-such-site'"),
    (["inventory", "show", "no-such-device"], "no site or device named 'no-such-device'"),
    (["inventory", "check", "--no-such-option"], "No such option"),
    (["inventory", "check", "-i", "/nonexistent/inventory"], "no such inventory"),
])
def test_bad_options_exit_2_and_json_stays_json(world: World, monkeypatch: pytest.MonkeyPatch, args: list[str],
                                                expected: str) -> None:
    code, output = _cli(world, monkeypatch, args)
    assert code == 2 and expected in " ".join(output.split()) and "Traceback" not in output, output
    if args[0] in ("inventory", "provision", "report"):
        result = CliRunner().invoke(app, [*args, "--json"])
        assert result.exit_code == 2
        data = json.loads(result.stdout)
        assert data["ok"] is False and data["exit_code"] == 2


def test_a_message_with_brackets_is_printed_as_written(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise InputError("pattern '^[a-z0-9][a-z0-9-]*$' and [bold]not markup[/bold]")

    monkeypatch.setattr(provision_cmd, "choose_site", fail)
    code, output = _cli(world, monkeypatch, ["provision", "site", "moj-hq", "-i", str(world.inv.path)])
    assert code == 2 and "'^[a-z0-9][a-z0-9-]*$' and [bold]not markup[/bold]" in output


def test_json_stays_json_even_for_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    from netkit.cli import inventory_cmd

    def crash(path: Path) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(inventory_cmd, "load_inventory", crash)
    result = CliRunner().invoke(app, ["inventory", "check", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"ok": False, "error": "internal error: RuntimeError: a bug", "exit_code": 1,
                                         "problems": []}


@pytest.mark.parametrize("content", ['{"prefix": 5', '{"prefix": 5}', ""])
def test_a_corrupt_lab_state_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str) -> None:
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "state.json").write_text(content)
    monkeypatch.setenv("NETKIT_STATE_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["lab", "status", "--json"])
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert "state.json: unreadable lab state" in json.loads(result.stdout)["error"]


@pytest.mark.parametrize(("line", "expected"), [
    ("{% if %}", "Expected an expression"),
    ("{{ 1 | no_such_filter }}", "no_such_filter"),
    ("{{ undefined_name }}", "'undefined_name' is undefined"),
])
def test_a_template_error_names_the_device_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str,
                                                         expected: str) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(Path(__file__).resolve().parents[2] / "templates", templates)
    partial = templates / "frr" / "partials" / "base.j2"
    lines = partial.read_text().count("\n")
    partial.write_text(partial.read_text() + line + "\n")
    monkeypatch.setenv("NETKIT_TEMPLATES", str(templates))
    result = CliRunner().invoke(app, ["render", "device", "moj-hq-r1", "--json"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    error = json.loads(result.stdout)["error"]
    assert error.startswith("moj-hq-r1: ") and f"base.j2:{lines + 1}: " in error and expected in error, error


def test_no_templates_for_a_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETKIT_TEMPLATES", str(tmp_path / "nowhere"))
    result = CliRunner().invoke(app, ["render", "device", "moj-hq-r1"])
    assert result.exit_code == 2 and "no templates for platform frr in" in result.output
