"""The state directory and its private folders are owner-only, whatever umask or operator loosened them."""

from __future__ import annotations

from pathlib import Path

import pytest
from netkit.cli.app import app
from netkit.paths import secure_state_dir
from typer.testing import CliRunner


def test_nothing_is_created_and_a_new_directory_is_closed_after_the_command(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    secure_state_dir(tmp_path / "state")
    assert not (tmp_path / "state").exists()
    monkeypatch.setenv("NETKIT_STATE_DIR", str(tmp_path / "state"))
    out = CliRunner().invoke(app, ["audit", "log", "--file", str(tmp_path / "state" / "audit" / "x.jsonl")])
    assert out.exit_code == 0
    (tmp_path / "state").mkdir(mode=0o755)  # what a command's first write leaves with the usual umask
    (tmp_path / "state").chmod(0o755)
    CliRunner().invoke(app, ["audit", "log", "--file", str(tmp_path / "x.jsonl")])
    assert (tmp_path / "state").stat().st_mode & 0o777 == 0o700


def test_loosened_folders_are_tightened(tmp_path: Path) -> None:
    root = tmp_path / "state"
    for d in (root, root / "backups", root / "audit", root / "file_sd"):
        d.mkdir(parents=True)
        d.chmod(0o755)
    secure_state_dir(root)
    assert {d.name: oct(d.stat().st_mode & 0o777) for d in (root, root / "backups", root / "audit")} == {
        "state": "0o700", "backups": "0o700", "audit": "0o700"}
    assert root.joinpath("file_sd").stat().st_mode & 0o777 == 0o755  # not secret; closed by its parent anyway
