"""Stopping the real servers a unit test started (Prometheus, Alertmanager, VictoriaMetrics, exporters)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable


def stop_all(procs: Iterable[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every process, then wait for each (SIGKILL one that will not go within 20 s)."""
    procs = list(procs)
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)
