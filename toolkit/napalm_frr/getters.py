"""The read side of FrrDriver: NAPALM getters from vtysh JSON and the router's Linux shell."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from napalm.base import constants as c
from napalm.base.exceptions import CommandErrorException

from napalm_frr import parsers
from napalm_frr.models import (
    BGPStateNeighborsPerVRFDict,
    ConfigDict,
    FactsDict,
    InterfaceCounterDict,
    InterfaceDict,
    InterfacesIPDict,
    OspfInstanceDict,
    PingResultDict,
    SNMPDict,
)
from napalm_frr.remote import Rc

if TYPE_CHECKING:
    from napalm_frr.transport import CommandResult

# Secrets in an FRR configuration, masked by get_config(sanitized=True).
FRR_SANITIZE_FILTERS = {
    r"^(\s*(?:enable )?password)( \d)? \S+\s*$": r"\1\2 <removed>",
    r"^(\s*neighbor \S+ password) .+$": r"\1 <removed>",
    r"^(\s*ip ospf authentication-key) .+$": r"\1 <removed>",
    r"^(\s*ip ospf message-digest-key \d+ md5) .+$": r"\1 <removed>",
    r"^(\s*key-string) .+$": r"\1 <removed>",
    r"^(\s*ip rip authentication string) .+$": r"\1 <removed>",
    r"^(\s*(?:area-password|domain-password|isis password)(?: clear| md5)?) .+$": r"\1 <removed>",
}
BANNER = ("Building configuration", "Current configuration")


def strip_banner(text: str) -> str:
    """`show running-config` without vtysh's "Building configuration..." lines."""
    lines = text.splitlines(keepends=True)
    while lines and (lines[0].startswith(BANNER) or not lines[0].strip()):
        lines.pop(0)
    return "".join(lines)


def sanitize(text: str) -> str:
    for pattern, replacement in FRR_SANITIZE_FILTERS.items():
        text = re.sub(pattern, replacement, text, flags=re.M)
    return text


class FrrGetters:
    hostname: str

    if TYPE_CHECKING:  # provided by FrrDriver
        def _run(self, argv: list[str], stdin: str | None = None, timeout: float | None = None) -> CommandResult: ...
        def _helper(self, op: str, *args: str, stdin: str | None = None,
                    timeout: float | None = None) -> CommandResult: ...
        def _vtysh(self, command: str) -> str: ...
        def _vtysh_argv(self, command: str) -> list[str]: ...
        def _vtysh_json(self, command: str, daemon: str) -> Any: ...
        def _candidate_text(self) -> str: ...

    def get_facts(self) -> FactsDict:
        version, host = parsers.parse_version(self._vtysh("show version"))
        facts = parsers.parse_kv(self._helper("facts").stdout)
        interfaces = self._vtysh_json("show interface json", "zebra")
        return FactsDict(
            os_version=version, uptime=float(facts.get("uptime") or -1), vendor="FRRouting",
            interface_list=sorted(interfaces, key=parsers.natural_key),
            serial_number=facts.get("serial", ""),
            model=facts.get("model") or f"Linux {facts.get('machine', '')}".strip(),
            hostname=host, fqdn=host,
        )

    def get_interfaces(self) -> dict[str, InterfaceDict]:
        data = self._vtysh_json("show interface json", "zebra")
        tz = self._run(["date", "+%z"]).stdout.strip()
        return parsers.parse_interfaces(data, tz)

    def get_interfaces_ip(self) -> dict[str, InterfacesIPDict]:
        return parsers.parse_interfaces_ip(self._vtysh_json("show interface json", "zebra"))

    def get_interfaces_counters(self) -> dict[str, InterfaceCounterDict]:
        """FRR keeps no counters: the kernel's, from `ip -s -j link` (see parse_ip_link_stats for the -1s)."""
        result = self._run(["ip", "-s", "-j", "link"])
        if result.rc != 0:
            raise CommandErrorException(f"{self.hostname}: ip -s -j link: {result.stderr.strip()}")
        return parsers.parse_ip_link_stats(parsers.load_json(result.stdout, "ip -s -j link") or [])

    def get_bgp_neighbors(self) -> dict[str, BGPStateNeighborsPerVRFDict]:
        summary = self._vtysh_json("show bgp vrf all summary json", "bgpd")
        if not summary:
            return {}
        return parsers.parse_bgp(summary, self._vtysh_json("show bgp vrf all neighbors json", "bgpd"))

    def get_ospf_neighbors(self) -> dict[str, OspfInstanceDict]:
        """Extra getter (not in NAPALM's base): OSPFv2 adjacencies of the default VRF, for post-checks.

        Example::

            {"global": {"router_id": "198.18.254.101",
                        "neighbors": [{"neighbor_id": "198.18.254.102", "address": "198.18.254.1",
                                       "interface": "eth1", "state": "Full", "role": "DROther",
                                       "priority": 1, "is_up": True, "uptime": 671.0}]}}

        {} when ospfd runs no instance.
        """
        instance = self._vtysh_json("show ip ospf json", "ospfd")
        if not instance:
            return {}
        return parsers.parse_ospf(instance, self._vtysh_json("show ip ospf neighbor json", "ospfd"))

    def get_config(
        self,
        retrieve: str = "all",
        full: bool = False,
        sanitized: bool = False,
        format: str = "text",
    ) -> ConfigDict:
        """running: `show running-config` (banner removed); startup: the saved frr.conf; candidate: the
        loaded candidate as given (for a merge, the lines to merge). FRR has no "show running all":
        `full` changes nothing."""
        if format != "text":
            raise NotImplementedError("FRR configurations exist only as text")
        if retrieve not in ("all", "running", "startup", "candidate"):
            raise ValueError(f"retrieve must be all, running, startup or candidate, not {retrieve!r}")
        config = ConfigDict(running="", startup="", candidate="")
        if retrieve in ("all", "running"):
            config["running"] = strip_banner(self._vtysh("show running-config"))
        if retrieve in ("all", "startup"):
            result = self._helper("startup")
            config["startup"] = result.stdout if result.rc == Rc.OK else ""
        if retrieve in ("all", "candidate"):
            config["candidate"] = self._candidate_text()
        if sanitized:
            config = ConfigDict(running=sanitize(config["running"]), startup=sanitize(config["startup"]),
                                candidate=sanitize(config["candidate"]))
        return config

    def get_snmp_information(self) -> SNMPDict:
        """From snmpd's configuration file (optional_args snmpd_conf) when the login user may read it;
        FRR itself has no SNMP configuration. Unreadable: the empty shape."""
        result = self._helper("snmpd")
        if result.rc != Rc.OK:
            return SNMPDict(chassis_id="", community={}, contact="", location="")
        return parsers.parse_snmpd_conf(result.stdout)

    def ping(
        self,
        destination: str,
        source: str = c.PING_SOURCE,
        ttl: int = c.PING_TTL,
        timeout: int = c.PING_TIMEOUT,
        size: int = c.PING_SIZE,
        count: int = c.PING_COUNT,
        vrf: str = c.PING_VRF,
        source_interface: str = c.PING_SOURCE_INTERFACE,
    ) -> PingResultDict:
        """`ping` from the router's shell (iputils; 0.2 s between probes, the fastest a non-root user may)."""
        argv = ["ping", "-n", "-i", "0.2", "-c", str(int(count)), "-W", str(int(timeout)), "-t", str(int(ttl)),
                "-s", str(int(size))]
        if source_interface or source:
            argv += ["-I", source_interface or source]
        argv.append(destination)
        if vrf:
            argv = ["ip", "vrf", "exec", vrf, *argv]
        result = self._run(argv, timeout=int(count) + int(timeout) + 15)
        return parsers.parse_ping(result.stdout, result.stderr)

    def cli(self, commands: list[str], encoding: str = "text") -> dict[str, str | dict[str, Any]]:
        """vtysh commands; the text as FRR prints it (errors such as "% Unknown command" included).
        encoding="json" parses the output (give the commands with their `json` keyword)."""
        if encoding not in ("text", "json"):
            raise NotImplementedError(f"encoding {encoding!r}: FRR answers in text or json")
        if isinstance(commands, str):
            raise TypeError("cli() takes a list of commands")
        out: dict[str, str | dict[str, Any]] = {}
        for command in commands:
            result = self._run(self._vtysh_argv(command))
            text = result.stdout + result.stderr
            if encoding == "json":
                try:
                    out[command] = json.loads(result.stdout or "{}")
                except json.JSONDecodeError as e:
                    raise CommandErrorException(f"{self.hostname}: {command!r} did not answer JSON: "
                                                f"{text.strip()[:300]}") from e
            else:
                out[command] = text
        return out
