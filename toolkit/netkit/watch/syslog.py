"""Syslog messages as devices send them: RFC 5424 and RFC 3164 (BSD) parsed into one typed message.

Parsing is lenient the way receivers must be: a datagram that is neither is kept whole as the message text,
so a change notice in an odd format still reaches the event classifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PRI = re.compile(r"^<(?P<pri>\d{1,3})>")
_5424 = re.compile(
    r"^1 (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) (?P<msgid>\S+) "
    r"(?P<sd>-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (?P<msg>.*))?$", re.DOTALL)
_3164 = re.compile(
    r"^(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (?P<host>\S+) (?P<tag>[^:\[\s]+)(?:\[(?P<pid>\d+)\])?: ?"
    r"(?P<msg>.*)$", re.DOTALL)


@dataclass(frozen=True)
class SyslogMessage:
    """One received message. `host` is what the device wrote; the sender address is what netkit trusts."""

    sender: str
    facility: int
    severity: int
    host: str
    app: str
    msgid: str
    text: str
    format: str  # "rfc5424", "rfc3164" or "raw"


def parse(data: bytes, sender: str) -> SyslogMessage:
    line = data.decode("utf-8", errors="replace").removeprefix("\ufeff").rstrip("\r\n\x00")
    pri = 13  # user.notice, RFC 3164's default for a message without PRI
    if m := _PRI.match(line):
        pri = min(int(m.group("pri")), 191)
        line = line[m.end():]
    facility, severity = divmod(pri, 8)
    if m := _5424.match(line):
        msg = (m.group("msg") or "").removeprefix("\ufeff")
        return SyslogMessage(sender, facility, severity, _nil(m.group("host")), _nil(m.group("app")),
                             _nil(m.group("msgid")), msg, "rfc5424")
    if m := _3164.match(line):
        return SyslogMessage(sender, facility, severity, m.group("host"), m.group("tag"), "", m.group("msg"),
                             "rfc3164")
    return SyslogMessage(sender, facility, severity, "", "", "", line, "raw")


def _nil(value: str) -> str:
    return "" if value == "-" else value


def format_5424(host: str, app: str, text: str, timestamp: str, severity: int = 6, facility: int = 23) -> bytes:
    """An RFC 5424 datagram (what the lab's forwarder sends; also used by tests)."""
    return f"<{facility * 8 + severity}>1 {timestamp} {host} {app} - - - {text}".encode()
