"""How the driver reaches the router: one SSH connection, one exec channel per command.

The router's exec shell is a Linux shell (as on a whitebox router) where `vtysh` reaches FRR. The
driver only needs `run(argv, stdin)`; tests replace the SSH transport with one that replays
recorded output.
"""

from __future__ import annotations

import base64
import hashlib
import select
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import paramiko


@dataclass(frozen=True)
class CommandResult:
    rc: int
    stdout: str
    stderr: str


class TransportError(Exception):
    """The SSH connection failed or broke (not: the command failed)."""


class AuthError(TransportError):
    """The router refused the credentials."""


class HostKeyError(TransportError):
    """The router's SSH host key is unknown or not the one recorded: nothing was sent to it."""


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's SHA256 fingerprint of a public key: `SHA256:` and unpadded base64."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")


class _RefuseUnknown(paramiko.MissingHostKeyPolicy):
    """paramiko asks this before authenticating: refuse, showing the key offered."""

    def __init__(self, known_hosts: str) -> None:
        self.known_hosts = known_hosts

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        raise HostKeyError(f"{hostname}: unknown SSH host key {key.get_name()} {fingerprint(key)} (not in "
                           f"{self.known_hosts}); refused before sending any credential")


class TimeoutError_(TransportError):
    """Connecting or a command took longer than the timeout."""


class Transport(Protocol):
    def run(self, argv: Sequence[str], stdin: str | None = None, timeout: float | None = None) -> CommandResult:
        """Run argv (shell-quoted) in the router's exec shell; stdin is sent then closed."""
        ...

    @property
    def is_alive(self) -> bool: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SshSettings:
    hostname: str
    username: str
    password: str
    port: int = 22
    timeout: float = 60
    key_file: str | None = None
    allow_agent: bool = False
    look_for_keys: bool = False
    ssh_strict: bool = False  # True: the host key must already be in the user's known_hosts
    known_hosts: str | None = None  # the host key must be the one in this file (implies strict)
    keepalive: int = 30


class SshTransport:
    """paramiko client; exec channels only (no PTY, no SFTP), so the router's CLI shell is never involved."""

    def __init__(self, settings: SshSettings) -> None:
        self.settings = settings
        self._client: paramiko.SSHClient | None = None

    def open(self) -> None:
        s = self.settings
        client = paramiko.SSHClient()
        if s.known_hosts:
            try:
                client.load_host_keys(s.known_hosts)
            except FileNotFoundError:
                pass  # no key known yet: every key is unknown, and refused
            except OSError as e:
                raise HostKeyError(f"{s.hostname}: cannot read known_hosts {s.known_hosts}: {e}") from e
            client.set_missing_host_key_policy(_RefuseUnknown(s.known_hosts))
        elif s.ssh_strict:
            client.load_system_host_keys()
            client.set_missing_host_key_policy(paramiko.RejectPolicy())
        else:
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        try:
            client.connect(
                s.hostname, port=s.port, username=s.username, password=s.password or None,
                key_filename=s.key_file, allow_agent=s.allow_agent, look_for_keys=s.look_for_keys,
                timeout=s.timeout, banner_timeout=s.timeout, auth_timeout=s.timeout,
            )
        except paramiko.BadHostKeyException as e:  # raised before authentication: no credential was sent
            client.close()
            raise HostKeyError(f"{s.hostname}:{s.port}: SSH host key CHANGED: offered {e.key.get_name()} "
                               f"{fingerprint(e.key)}, recorded {e.expected_key.get_name()} "
                               f"{fingerprint(e.expected_key)}; refused before sending any credential") from e
        except HostKeyError:
            client.close()
            raise
        except paramiko.AuthenticationException as e:
            client.close()
            raise AuthError(f"{s.username}@{s.hostname}:{s.port}: authentication failed ({e})") from e
        except TimeoutError as e:
            client.close()
            raise TimeoutError_(f"{s.hostname}:{s.port}: no SSH answer within {s.timeout:g} s") from e
        except (paramiko.SSHException, OSError) as e:
            client.close()
            raise TransportError(f"{s.hostname}:{s.port}: cannot open SSH ({type(e).__name__}: {e})") from e
        transport = client.get_transport()
        if transport is not None and s.keepalive:
            transport.set_keepalive(s.keepalive)
        self._client = client

    @property
    def is_alive(self) -> bool:
        if self._client is None:
            return False
        transport = self._client.get_transport()
        return bool(transport is not None and transport.is_active())

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def run(self, argv: Sequence[str], stdin: str | None = None, timeout: float | None = None) -> CommandResult:
        if self._client is None:
            raise TransportError(f"{self.settings.hostname}: not connected (call open() first)")
        transport = self._client.get_transport()
        if transport is None or not transport.is_active():
            raise TransportError(f"{self.settings.hostname}: the SSH connection is closed")
        limit = timeout if timeout is not None else self.settings.timeout
        try:
            chan = transport.open_session(timeout=limit)
        except (paramiko.SSHException, OSError) as e:
            raise TransportError(f"{self.settings.hostname}: cannot open an exec channel ({e})") from e
        try:
            return _exec(chan, shlex.join(argv), stdin, limit, self.settings.hostname)
        finally:
            chan.close()


def _exec(chan: paramiko.Channel, command: str, stdin: str | None, limit: float, host: str) -> CommandResult:
    deadline = time.monotonic() + limit
    chan.settimeout(limit)
    try:
        chan.exec_command(command)
        if stdin:
            chan.sendall(stdin.encode())
        chan.shutdown_write()
    except TimeoutError as e:
        raise TimeoutError_(f"{host}: sending the command took longer than {limit:g} s") from e
    except (paramiko.SSHException, OSError) as e:
        raise TransportError(f"{host}: exec failed ({e})") from e
    out, err = bytearray(), bytearray()
    # Read both streams as they come: an unread stderr would stall the remote once its window fills.
    while True:
        if chan.recv_ready():
            out += chan.recv(65536)
        elif chan.recv_stderr_ready():
            err += chan.recv_stderr(65536)
        elif chan.eof_received or chan.closed:
            break
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError_(f"{host}: command still running after {limit:g} s: {command[:120]}")
            select.select([chan], [], [], min(remaining, 1.0))
    while chan.recv_stderr_ready():
        err += chan.recv_stderr(65536)
    if not chan.status_event.wait(max(0.1, deadline - time.monotonic())):
        raise TimeoutError_(f"{host}: no exit status after {limit:g} s: {command[:120]}")
    rc = chan.recv_exit_status()
    return CommandResult(rc=rc, stdout=out.decode(errors="replace"), stderr=err.decode(errors="replace"))
