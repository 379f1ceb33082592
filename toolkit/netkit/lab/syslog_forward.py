"""The lab router's syslog forwarder: what rsyslog does on a whitebox FRR router, for the lab.

FRR 8.4 logs to a file (`--log file:` in the daemons' options, with `--command-log-always`, so every
command a vty runs is logged) and sshd to its `-E` file; this process, started inside the router's
namespace, follows both and sends each new line as RFC 5424 over UDP from the management address to the
NOC (the lab host's management address). Run: python -m netkit.lab.syslog_forward --host NAME
--source IP --to IP:PORT --file frr=PATH --file sshd=PATH
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from netkit.watch.syslog import format_5424

POLL_S = 0.2


class Follower:
    """Follows a file like `tail -F`: from its end when first seen, again from the start if it is replaced."""

    def __init__(self, tag: str, path: Path) -> None:
        self.tag, self.path = tag, path
        self.f: IO[str] | None = None
        self.inode = 0

    def lines(self) -> list[str]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return []
        if self.f is None or st.st_ino != self.inode or st.st_size < self.f.tell():
            first = self.f is None and self.inode == 0
            if self.f is not None:
                self.f.close()
            self.f, self.inode = self.path.open(encoding="utf-8", errors="replace"), st.st_ino
            if first:
                self.f.seek(0, 2)
        out = []
        while line := self.f.readline():
            if not line.endswith("\n"):  # a partial line: read it whole next time
                self.f.seek(self.f.tell() - len(line.encode()))
                break
            out.append(line.rstrip("\n"))
        return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", required=True)
    p.add_argument("--source", required=True, help="the management address to send from")
    p.add_argument("--to", required=True, help="NOC syslog receiver IP:PORT")
    p.add_argument("--file", action="append", default=[], help="TAG=PATH, repeatable")
    a = p.parse_args()
    host, _, port = a.to.rpartition(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((a.source, 0))
    # In the order given: the lab gives sshd's log first, so a login precedes the commands of its session.
    followers = [Follower(t, Path(f)) for t, _, f in (spec.partition("=") for spec in a.file)]
    for f in followers:
        f.lines()  # start at the end of what exists already
    while True:
        for f in followers:
            for line in f.lines():
                stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
                with contextlib.suppress(OSError):  # syslog over UDP is fire and forget
                    sock.sendto(format_5424(a.host, f.tag, line, stamp), (host, int(port)))
        time.sleep(POLL_S)


if __name__ == "__main__":
    main()
