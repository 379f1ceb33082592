"""What a syslog message says about a device's configuration: a change (and by whom), or an SSH login.

FRR 8.4 with `log commands` logs every command a vty runs, from vtysh over SSH as from `vtysh -c`, as
`vty[N]@(config-if)# description x` (message id M7Q4P-46WDR, once per daemon that took the command);
`write memory` logs nothing (vtysh writes the file itself). The user is not in those lines: it comes from
sshd's `Accepted ... for USER from IP port P` of a session still open when the command ran. Cisco IOS,
Arista EOS and Junos say the user in the change notice itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netkit.watch.syslog import SyslogMessage

# FRR: only commands typed in a configuration node change anything; `end`/`exit` leave one.
_FRR_CONFIG = re.compile(r"vty\[\d+\]@\((?P<node>config[^)]*)\)# (?P<cmd>.+)$")
_FRR_IGNORED = re.compile(r"^(end|exit|quit|do .*|XFRR_(start|end)_configuration|show .*)$")
_VENDOR = (
    re.compile(r"%SYS-5-CONFIG_[IE]: Configured from (?P<src>\S+) by (?P<user>[^\s(]+)"),  # IOS, EOS
    re.compile(r"UI_COMMIT(?:_COMPLETED)?: User '(?P<user>[^']+)' (requested|performed) .*commit"),  # Junos
    re.compile(r"SHELL/\d/CMDRECORD.*User=(?P<user>[^,\s]+)"),  # Huawei VRP
)
_SSH_LOGIN = re.compile(r"Accepted \S+ for (?P<user>\S+) from (?P<ip>\S+) port (?P<port>\d+)")
_SSH_LOGOUT = re.compile(r"(?:Disconnected from user \S+|Received disconnect from|Connection closed by"
                         r"(?: authenticating)?(?: user \S+)?) (?P<ip>[\d.:a-f]+) port (?P<port>\d+)")


@dataclass(frozen=True)
class ConfigChange:
    command: str  # the command typed, or the vendor's notice ("" when the notice names none)
    user: str  # "" when the message does not say


@dataclass(frozen=True)
class SshSession:
    user: str  # "" for a logout
    session: str  # "ip:port" of the client, which pairs a login with its logout
    opened: bool


Event = ConfigChange | SshSession


def classify(msg: SyslogMessage) -> Event | None:
    text = msg.text
    if m := _FRR_CONFIG.search(text):
        cmd = m.group("cmd").strip()
        return None if _FRR_IGNORED.match(cmd) else ConfigChange(cmd, "")
    for rx in _VENDOR:
        if m := rx.search(text):
            return ConfigChange(text[m.start():].strip(), m.group("user"))
    if m := _SSH_LOGIN.search(text):
        return SshSession(m.group("user"), f"{m.group('ip')}:{m.group('port')}", True)
    if m := _SSH_LOGOUT.search(text):
        return SshSession("", f"{m.group('ip')}:{m.group('port')}", False)
    return None


@dataclass
class _Session:
    user: str
    opened: float
    closed: float | None = None


class Sessions:
    """SSH sessions per device, to name who typed a command that FRR logs without a user. Closed sessions
    are kept a while: a short session (a script, `ssh dev 'vtysh -c ...'`) may close before its commands'
    log lines arrive, which travel in another file and datagram."""

    KEEP_S = 300.0
    SLACK_S = 2.0

    def __init__(self) -> None:
        self._by_device: dict[str, dict[str, _Session]] = {}

    def update(self, device: str, event: SshSession, now: float) -> None:
        sessions = self._by_device.setdefault(device, {})
        if event.opened:
            sessions[event.session] = _Session(event.user, now)
        elif (s := sessions.get(event.session)) is not None:
            s.closed = now
        for key in [k for k, s in sessions.items() if s.closed is not None and now - s.closed > self.KEEP_S]:
            del sessions[key]

    def users(self, device: str, start: float, end: float) -> list[str]:
        """Users with a session open at some moment between `start` and `end`, by login time."""
        found = sorted((s.opened, s.user) for s in self._by_device.get(device, {}).values()
                       if s.opened <= end + self.SLACK_S and (s.closed is None or s.closed >= start - self.SLACK_S))
        return list(dict.fromkeys(user for _, user in found))
