"""A free TCP port on loopback for servers the unit tests start (Prometheus, Alertmanager, the exporter)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on now (the kernel picked it; it is released again at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
