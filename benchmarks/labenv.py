"""The isolation the lab benchmarks share: the lab tests' machine-wide lock, so a benchmark that builds
namespaces never collides with a test session (nor skews its timings, nor has its own skewed), and for the
benchmarks that build a lab, their own namespace prefix and state directory."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LOCK_FILE = Path("/run/netkit-lab-tests.lock")


@contextlib.contextmanager
def machine_lock() -> Iterator[None]:
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def isolated_lab(prefix: str, state: Path) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("NETKIT_LAB_PREFIX", "NETKIT_STATE_DIR")}
    os.environ["NETKIT_LAB_PREFIX"], os.environ["NETKIT_STATE_DIR"] = prefix, str(state)
    try:
        with machine_lock():
            yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def factory_lab(inv: Any, routers: int) -> Iterator[None]:
    """The inventory's lab up in factory state for the block, torn down after it (times printed)."""
    from netkit.lab.lifecycle import lab_down, lab_up

    t0 = time.monotonic()
    try:
        lab_up(inv, provisioned=False)
        print(f"   lab of {routers} routers up (factory state) in {time.monotonic() - t0:.1f} s", flush=True)
        yield
    finally:
        t0 = time.monotonic()
        lab_down(inv)
        print(f"   lab down in {time.monotonic() - t0:.1f} s", flush=True)
