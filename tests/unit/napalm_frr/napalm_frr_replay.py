"""Recorded FRR output, file per command, as NAPALM's own driver tests keep it.

`mocked_data/<test>/<case>/<command>.txt|json` holds what the router printed for one command:
- a vtysh command is named after the command (`show interface json` -> `show_interface_json.json`);
- an operation of the driver's router-side helper after the operation (`napalm_frr_commit.txt`);
- any other shell command after its argv (`ip -s -j link` -> `ip__s__j_link.json`).
Beside it, `<command>.rc` holds a non-zero exit code and `<command>.stderr` what went to stderr.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from napalm.base.test.double import BaseTestDouble
from napalm_frr import FrrDriver
from napalm_frr.remote import NAME
from napalm_frr.transport import CommandResult

MOCKED_DATA = Path(__file__).parent / "mocked_data"


def command_key(argv: Sequence[str]) -> str:
    if len(argv) > 4 and argv[0] == "sh" and argv[1] == "-c" and argv[3] == NAME:
        return f"{NAME} {argv[4]}"
    if os.path.basename(argv[0]) == "vtysh" and "-c" in argv:
        return argv[list(argv).index("-c") + 1]
    return shlex.join(argv)


def file_stem(argv: Sequence[str]) -> str:
    return str(BaseTestDouble.sanitize_text(command_key(argv)))


def assert_lab_target(argv: Sequence[str]) -> None:
    """Recorded or replayed, a ping only ever aims at lab or loopback addresses (never the Internet)."""
    if argv and os.path.basename(argv[0]) == "ping":
        target = ipaddress.ip_address(argv[-1])
        lab = ipaddress.ip_network("198.18.0.0/15")
        if not (target.is_loopback or target in lab):
            raise AssertionError(f"ping {target}: tests only ping 198.18.0.0/15 or loopback addresses")


class FakeFrrTransport(BaseTestDouble):  # type: ignore[misc]
    """Replays mocked_data/<current_test>/<current_test_case>/ by command; counts what was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []
        self.stdins: list[str | None] = []

    def run(self, argv: Sequence[str], stdin: str | None = None, timeout: float | None = None) -> CommandResult:
        assert_lab_target(argv)
        self.calls.append(list(argv))
        self.stdins.append(stdin)
        stem = file_stem(argv)
        for ext in ("json", "txt"):
            try:
                path = Path(self.find_file(f"{stem}.{ext}"))
                break
            except OSError:
                continue
        else:
            raise OSError(f"no recorded output for {command_key(argv)!r} ({stem}.txt|json) in "
                          f"mocked_data/{self.current_test}/{self.current_test_case}/")
        rc_file, err_file = path.with_suffix(".rc"), path.with_suffix(".stderr")
        return CommandResult(
            rc=int(rc_file.read_text()) if rc_file.exists() else 0,
            stdout=path.read_text(),
            stderr=err_file.read_text() if err_file.exists() else "",
        )

    @property
    def is_alive(self) -> bool:
        return True

    def close(self) -> None:
        pass

    def ops(self) -> list[str]:
        """The driver helper operations asked for, in order."""
        return [command_key(a).split(" ", 1)[1] for a in self.calls if command_key(a).startswith(NAME)]


def write_recording(directory: Path, argv: Sequence[str], result: CommandResult) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    stem = file_stem(argv)
    try:
        json.loads(result.stdout)
        ext = "json"
    except ValueError:
        ext = "txt"
    for old in directory.glob(f"{stem}.*"):
        old.unlink()
    (directory / f"{stem}.{ext}").write_text(result.stdout)
    if result.rc:
        (directory / f"{stem}.rc").write_text(f"{result.rc}\n")
    if result.stderr.strip():
        (directory / f"{stem}.stderr").write_text(result.stderr)


class PatchedFrrDriver(FrrDriver):
    """FrrDriver with the recorded router instead of SSH (NAPALM's `patched_attrs` convention)."""

    def __init__(self, hostname: str, username: str, password: str, timeout: int = 60,
                 optional_args: dict[str, Any] | None = None) -> None:
        super().__init__(hostname, username, password, timeout, optional_args)
        self.patched_attrs = ["_transport"]
        self._transport = FakeFrrTransport()

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    @property
    def fake(self) -> FakeFrrTransport:
        assert isinstance(self._transport, FakeFrrTransport)
        return self._transport
