"""Hands each device's credentials to netkit's Ansible modules over a Unix socket, for one transaction.

Secrets never go through module arguments, extra vars or the environment (ansible-runner records those
in its artifacts), and never touch the disk: if netkit is killed, the socket dies with it and nothing
is left to find. The socket lives in a private 0700 directory and is itself 0600 (root's modules only).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import socketserver
import tempfile
import threading
from pathlib import Path

from netkit.config.secrets import mark_values
from netkit.inventory.credentials import Credentials


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        device = self.rfile.readline(256).decode(errors="replace").strip()
        if not device:  # another run's `sweep_stale` checking this broker is alive: it hangs up unasked
            return
        creds: dict[str, Credentials] = self.server.credentials  # type: ignore[attr-defined]
        found = creds.get(device)
        answer = None if found is None else {
            "username": found.username, "password": found.password.get_secret_value(), "secrets": found.secrets(),
            "marks": mark_values(found),
        }
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the module gave up waiting (it says so)
            self.wfile.write(json.dumps(answer).encode())


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


PREFIX = "netkit-secrets-"


def sweep_stale(tmp: Path | None = None) -> list[Path]:
    """Remove what brokers of killed runs left (a dead socket in an empty directory: never a secret)."""
    removed = []
    for d in Path(tmp or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        sock = d / "s"
        if not d.is_dir() or d.stat().st_uid != os.geteuid():
            continue
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(1)
                s.connect(str(sock))
            continue  # a live run's broker
        except OSError:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


class SecretsBroker:
    def __init__(self, credentials: dict[str, Credentials]) -> None:
        sweep_stale()
        self.dir = Path(tempfile.mkdtemp(prefix=PREFIX))  # short path: sun_path holds 108 bytes
        self.path = self.dir / "s"
        old = os.umask(0o177)
        try:
            self.server = _Server(str(self.path), _Handler)
        finally:
            os.umask(old)
        self.server.credentials = credentials  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, name="netkit-secrets", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)
