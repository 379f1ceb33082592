"""Real SNMP agents for tests: snmpsim serving recorded walks of real devices on 127.0.0.x.

Run as a script, this file starts snmpsim's command responder without its privilege drop (snmpsim insists
on switching to an unprivileged user when started as root, and that user cannot then load the rest of the
Python standard library when the interpreter lives under /root). Imported, `SimAgent` starts one agent
process serving every `.snmprec` file of a directory (the community is the file's name without `.snmprec`),
waits until it answers, and stops it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

RECORDINGS = Path(__file__).parent / "data" / "snmprec"
SYS_DESCR = "1.3.6.1.2.1.1.1.0"  # asked for readiness (sysUpTime may be made slow)


class SimAgent:
    """One snmpsim process on host:port serving the given recordings (name -> snmprec text)."""

    def __init__(self, host: str, port: int, recordings: dict[str, str], extra_args: tuple[str, ...] = ()) -> None:
        self.host, self.port = host, port
        self.work = Path(tempfile.mkdtemp(prefix="netkit-snmpsim-"))
        (self.work / "data").mkdir()
        (self.work / "cache").mkdir()
        self.recordings = dict(recordings)
        self.extra_args = extra_args
        self.proc: subprocess.Popen[bytes] | None = None

    def write(self, recordings: dict[str, str]) -> None:
        for old in (self.work / "data").glob("*.snmprec"):
            old.unlink()
        for name, text in recordings.items():
            (self.work / "data" / f"{name}.snmprec").write_text(text)
        self.recordings = dict(recordings)

    def start(self, timeout: float = 30.0) -> SimAgent:
        self.write(self.recordings)
        shutil.rmtree(self.work / "cache", ignore_errors=True)  # a changed recording needs a new index
        (self.work / "cache").mkdir()
        log = open(self.work / "agent.log", "wb")  # noqa: SIM115 (kept open for the process's life)
        self.proc = subprocess.Popen(
            [sys.executable, __file__, f"--data-dir={self.work / 'data'}", f"--cache-dir={self.work / 'cache'}",
             f"--agent-udpv4-endpoint={self.host}:{self.port}", "--logging-method=stderr", "--log-level=error",
             *self.extra_args], stdout=log, stderr=subprocess.STDOUT)
        community = next(iter(self.recordings))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"snmpsim on {self.host}:{self.port} exited: "
                                   f"{(self.work / 'agent.log').read_text()[-2000:]}")
            probe = subprocess.run(["snmpget", "-v2c", "-c", community, "-On", "-t", "0.5", "-r", "0",
                                    f"{self.host}:{self.port}", SYS_DESCR], capture_output=True, text=True,
                                   env={**os.environ, "MIBS": ""})
            if probe.returncode == 0:
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"snmpsim on {self.host}:{self.port} did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def restart(self, recordings: dict[str, str]) -> None:
        self.stop()
        self.recordings = dict(recordings)
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self) -> SimAgent:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def recording(name: str) -> str:
    return (RECORDINGS / f"{name}.snmprec").read_text()


def _main() -> int:
    from snmpsim import daemon
    from snmpsim.commands import responder

    class _SamePrivileges(contextlib.AbstractContextManager[None]):
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def __exit__(self, *exc: object) -> None:
            return None

    daemon.PrivilegesOf = _SamePrivileges  # tests run as root on loopback ports: nothing to drop to
    sys.argv[0] = "snmpsim-command-responder"
    return int(responder.main() or 0)


if __name__ == "__main__":
    raise SystemExit(_main())
