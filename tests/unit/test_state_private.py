"""The state directory and its private folders are owner-only, whatever umask or operator loosened them."""

from __future__ import annotations

from pathlib import Path

from netkit.paths import secure_state_dir


def test_a_new_state_directory_is_owner_only(tmp_path: Path) -> None:
    root = secure_state_dir(tmp_path / "state")
    assert root.stat().st_mode & 0o777 == 0o700


def test_loosened_folders_are_tightened(tmp_path: Path) -> None:
    root = tmp_path / "state"
    for d in (root, root / "backups", root / "audit", root / "file_sd"):
        d.mkdir(parents=True)
        d.chmod(0o755)
    secure_state_dir(root)
    assert {d.name: oct(d.stat().st_mode & 0o777) for d in (root, root / "backups", root / "audit")} == {
        "state": "0o700", "backups": "0o700", "audit": "0o700"}
    assert root.joinpath("file_sd").stat().st_mode & 0o777 == 0o755  # not secret; closed by its parent anyway
