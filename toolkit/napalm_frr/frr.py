"""FrrDriver: NAPALM's NetworkDriver for FRRouting, over SSH exec channels to the router's Linux shell.

    import napalm
    driver = napalm.get_network_driver("frr")
    with driver("198.19.0.11", "netops", "secret", optional_args={"port": 22}) as dev:
        dev.load_replace_candidate(filename="frr.conf")
        print(dev.compare_config())
        dev.commit_config(revert_in=300)   # the router reverts by itself unless confirmed
        ...checks...
        dev.confirm_commit()

optional_args: port (22), key_file, allow_agent (False), ssh_strict (False: True checks the user's known_hosts),
known_hosts (a known_hosts file the router's host key must be in; unknown or changed keys are refused before
any credential is sent), keepalive (30),
revert_dir (/var/tmp/napalm-frr), pathspace (FRR `-N` instance name), vtysh (vtysh on PATH),
frr_reload (frr-reload.py on PATH, else /usr/lib/frr/frr-reload.py), startup_config, snmpd_conf
(/etc/snmp/snmpd.conf), lock_wait (60 s).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal, cast

from napalm.base import NetworkDriver
from napalm.base.exceptions import (
    CommandErrorException,
    CommandTimeoutException,
    CommitError,
    ConnectAuthError,
    ConnectionException,
    ConnectTimeoutError,
    LockError,
    MergeConfigException,
    ReplaceConfigException,
)

from napalm_frr import parsers, remote
from napalm_frr.diff import diff_text
from napalm_frr.getters import FrrGetters
from napalm_frr.models import AliveDict
from napalm_frr.remote import Rc, RemoteSettings
from napalm_frr.transport import (
    AuthError,
    CommandResult,
    SshSettings,
    SshTransport,
    TimeoutError_,
    Transport,
    TransportError,
)

Kind = Literal["replace", "merge"]

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def router_errors(text: str) -> str:
    """What FRR said when it refused a change, without frr-reload's log noise (repr lists, timestamps)."""
    keep: list[str] = []
    for line in ANSI.sub("", text).splitlines():
        stripped = line.strip()
        if (not stripped or stripped.startswith(("[", "'", "]")) or (stripped[:2] == "20" and " INFO: " in stripped)
                or "WARNING" in stripped or stripped in keep):
            continue
        keep.append(stripped)
    return "\n".join(keep)


@dataclass(frozen=True)
class Candidate:
    kind: Kind
    session: str
    text: str


class FrrDriver(FrrGetters, NetworkDriver):  # type: ignore[misc]  # napalm ships no type information
    """NAPALM driver for FRRouting (tested with FRR 8.4 on Debian)."""

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        self.platform = "frr"
        self.hostname = hostname
        self.username = username
        self.password = password
        self.timeout = timeout
        opts = dict(optional_args or {})
        self.ssh_settings = SshSettings(
            hostname=hostname, username=username, password=password, port=int(opts.get("port", 22)),
            timeout=float(timeout), key_file=opts.get("key_file"), allow_agent=bool(opts.get("allow_agent", False)),
            look_for_keys=bool(opts.get("key_file")), ssh_strict=bool(opts.get("ssh_strict", False)),
            keepalive=int(opts.get("keepalive", 30)), known_hosts=opts.get("known_hosts") or None,
        )
        self.remote_settings = RemoteSettings(
            revert_dir=str(opts.get("revert_dir", "/var/tmp/napalm-frr")), vtysh=str(opts.get("vtysh", "vtysh")),
            frr_reload=str(opts.get("frr_reload", "")), pathspace=str(opts.get("pathspace", "")),
            startup_config=str(opts.get("startup_config", "")),
            snmpd_conf=str(opts.get("snmpd_conf", "/etc/snmp/snmpd.conf")), lock_wait=int(opts.get("lock_wait", 60)),
        )
        self._transport: Transport | None = None
        self._candidate: Candidate | None = None
        self.router_info: dict[str, str] = {}

    # ------------------------------------------------------------------ connection
    def open(self) -> None:
        transport = SshTransport(self.ssh_settings)
        try:
            transport.open()
        except AuthError as e:
            raise ConnectAuthError(str(e)) from e
        except TimeoutError_ as e:
            raise ConnectTimeoutError(str(e)) from e
        except TransportError as e:
            raise ConnectionException(str(e)) from e
        self._transport = transport
        self._probe()

    def _probe(self) -> None:
        result = self._helper("probe")
        if result.rc != Rc.OK:
            self.close()
            raise ConnectionException(f"{self.hostname}: the router is not usable as an FRR router "
                                      f"({(result.stdout + result.stderr).strip()})")
        self.router_info = parsers.parse_kv(result.stdout)

    def close(self) -> None:
        """Closes the connection; a loaded candidate is discarded (its files removed from the router)."""
        if getattr(self, "_candidate", None) is not None and self.is_alive()["is_alive"]:
            with contextlib.suppress(Exception):
                self.discard_config()
        transport, self._transport = getattr(self, "_transport", None), None
        if transport is not None:
            transport.close()

    def is_alive(self) -> AliveDict:
        transport = getattr(self, "_transport", None)
        return {"is_alive": bool(transport is not None and transport.is_alive)}

    # ------------------------------------------------------------------ running commands
    def _run(self, argv: list[str], stdin: str | None = None, timeout: float | None = None) -> CommandResult:
        if self._transport is None:
            raise ConnectionException(f"{self.hostname}: not connected (call open() first)")
        try:
            return self._transport.run(argv, stdin=stdin, timeout=timeout)
        except TimeoutError_ as e:
            raise CommandTimeoutException(str(e)) from e
        except TransportError as e:
            raise ConnectionException(str(e)) from e

    def _helper(self, op: str, *args: str, stdin: str | None = None, timeout: float | None = None) -> CommandResult:
        return self._run(remote.argv(self.remote_settings, op, *args), stdin=stdin, timeout=timeout)

    def _vtysh_argv(self, command: str) -> list[str]:
        ns = self.remote_settings.pathspace
        return [self.remote_settings.vtysh, *(["-N", ns] if ns else []), "-c", command]

    def _vtysh(self, command: str) -> str:
        result = self._run(self._vtysh_argv(command))
        if result.rc != 0:
            raise CommandErrorException(f"{self.hostname}: vtysh -c {command!r} exited {result.rc}: "
                                        f"{(result.stdout + result.stderr).strip()[:500]}")
        return result.stdout

    def _vtysh_json(self, command: str, daemon: str) -> Any:
        """JSON from a show command; {} when the daemon that would answer is not running."""
        result = self._run(self._vtysh_argv(command))
        text = result.stdout.strip()
        if result.rc != 0 or not text.startswith(("{", "[")):
            message = (result.stdout + result.stderr).strip()
            if not text or f"{daemon} is not running" in message or "instance not found" in message.lower():
                return {}
            raise CommandErrorException(f"{self.hostname}: vtysh -c {command!r}: {message[:500]}")
        try:
            return parsers.load_json(text, command)
        except ValueError as e:
            raise CommandErrorException(f"{self.hostname}: {e}") from e

    # ------------------------------------------------------------------ candidate and commit
    def load_replace_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        self._load("replace", filename, config)

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        self._load("merge", filename, config)

    def _error(self, kind: Kind) -> type[Exception]:
        return cast("type[Exception]", ReplaceConfigException if kind == "replace" else MergeConfigException)

    def _load(self, kind: Kind, filename: str | None, config: str | None) -> None:
        error = self._error(kind)
        if filename is not None:
            try:
                with open(filename) as f:
                    config = f.read()
            except OSError as e:
                raise error(f"{self.hostname}: cannot read the candidate {filename}: {e}") from e
        if config is None or not config.strip():
            raise error(f"{self.hostname}: the candidate is empty (give filename= or config= with FRR configuration)")
        text = config if config.endswith("\n") else config + "\n"
        self.discard_config()
        session = secrets.token_hex(6)
        result = self._helper("load", session, stdin=text)
        if result.rc == Rc.INVALID:
            raise error(f"{self.hostname}: FRR rejects the candidate, nothing was changed:\n{result.stdout.strip()}")
        if result.rc != Rc.OK:
            raise error(f"{self.hostname}: cannot load the candidate (rc {result.rc}): "
                        f"{(result.stdout + result.stderr).strip()}")
        self._candidate = Candidate(kind, session, text)

    def compare_config(self) -> str:
        """What committing would change, as `frr-reload.py --test` computes it (the commands it will run).
        A merge candidate is compared as running + candidate. Raises rather than ever returning the
        wipe-everything diff frr-reload prints when it fails."""
        cand = self._candidate
        if cand is None:
            return ""
        result = self._helper("diff", cand.session, cand.kind)
        if result.rc != Rc.OK:
            raise self._error(cand.kind)(
                f"{self.hostname}: frr-reload.py --test failed (rc {result.rc}), no trustworthy diff: "
                f"{router_errors(result.stderr)[:1000]}")
        return diff_text(result.stdout)

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        cand = self._candidate
        if cand is None:
            raise CommitError(f"{self.hostname}: no candidate loaded (load_replace_candidate/load_merge_candidate)")
        if revert_in is not None and int(revert_in) <= 0:
            raise CommitError(f"{self.hostname}: revert_in must be a positive number of seconds, not {revert_in!r}")
        commit_id = f"{int(time.time())}-{secrets.token_hex(3)}"
        seconds = str(int(revert_in)) if revert_in else "0"
        result = self._helper("commit", cand.session, cand.kind, seconds, commit_id, message,
                              stdin=remote.timer_script(self.remote_settings),
                              timeout=max(self.timeout, self.remote_settings.lock_wait + 30))
        detail = router_errors(result.stdout + result.stderr)
        if result.rc == Rc.OK:
            self._candidate = None
            return
        if result.rc == Rc.PENDING:
            raise CommitError(f"{self.hostname}: Pending commit confirm already in process! ({detail})")
        if result.rc == Rc.LOCKED:
            raise LockError(f"{self.hostname}: {detail}")
        if result.rc == Rc.APPLY_FAILED:
            raise CommitError(f"{self.hostname}: FRR rejected the change; the previous configuration was "
                              f"restored:\n{detail}")
        if result.rc == Rc.RESTORE_FAILED:
            raise CommitError(f"{self.hostname}: FRR rejected the change AND restoring the previous configuration "
                              f"failed; the router needs attention:\n{detail}")
        if result.rc == Rc.SAVE_FAILED:
            self._candidate = None
            raise CommitError(f"{self.hostname}: committed, but `write memory` failed: {detail}")
        raise CommitError(f"{self.hostname}: commit failed (rc {result.rc}): {detail}")

    def _status(self) -> dict[str, str]:
        """The router's commit state: pending, commit_id, deadline, remaining (s), last_revert, rollback."""
        result = self._helper("status")
        if result.rc != Rc.OK:
            raise CommandErrorException(f"{self.hostname}: cannot read the commit state: {result.stdout.strip()}")
        return parsers.parse_kv(result.stdout)

    def has_pending_commit(self) -> bool:
        return self._status().get("pending") == "1"

    def confirm_commit(self) -> None:
        result = self._helper("confirm", timeout=max(self.timeout, self.remote_settings.lock_wait + 30))
        if result.rc == Rc.NO_PENDING:
            raise CommitError(f"{self.hostname}: No pending commit-confirm found!")
        if result.rc == Rc.LOCKED:
            raise LockError(f"{self.hostname}: {result.stdout.strip()}")
        if result.rc != Rc.OK:
            raise CommitError(f"{self.hostname}: confirm failed (rc {result.rc}): "
                              f"{(result.stdout + result.stderr).strip()}")

    def _candidate_text(self) -> str:
        return self._candidate.text if self._candidate is not None else ""

    def discard_config(self) -> None:
        cand, self._candidate = self._candidate, None
        if cand is not None and self._transport is not None:
            self._helper("discard", cand.session)

    def rollback(self) -> None:
        """Back to the configuration before the last commit made through this driver (a pending commit is
        cancelled, its timer stopped); the result is saved. Repeating it is harmless."""
        result = self._helper("rollback", timeout=max(self.timeout, self.remote_settings.lock_wait + 30))
        detail = router_errors(result.stdout + result.stderr)
        if result.rc == Rc.NO_ROLLBACK:
            raise CommitError(f"{self.hostname}: nothing to roll back to (no commit through napalm_frr on this router)")
        if result.rc == Rc.LOCKED:
            raise LockError(f"{self.hostname}: {detail}")
        if result.rc != Rc.OK:
            raise CommitError(f"{self.hostname}: rollback failed (rc {result.rc}): {detail}")
