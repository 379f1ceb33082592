"""Pure functions from FRR / Linux command output to NAPALM's shapes (unit-tested on recorded output)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from napalm_frr.models import (
    BGPStateAddressFamilyDict,
    BGPStateNeighborDict,
    BGPStateNeighborsPerVRFDict,
    InterfaceCounterDict,
    InterfaceDict,
    InterfacesIPDict,
    OspfInstanceDict,
    OspfNeighborDict,
    PingResultDict,
    PingResultDictEntry,
    SNMPCommunityDict,
    SNMPDict,
)

VERSION_RE = re.compile(r"^FRRouting (?P<version>\S+) \((?P<host>[^)]*)\) on (?P<os>.+?)\.?$", re.M)
AFI_NAMES = {"ipv4Unicast": "ipv4", "ipv6Unicast": "ipv6"}


def load_json(text: str, what: str) -> Any:
    """FRR prints nothing (not `{}`) for some empty tables; anything else that is not JSON is an error."""
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{what}: not JSON ({text.strip()[:200]!r})") from e


def natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def parse_version(text: str) -> tuple[str, str]:
    """(FRR version, hostname) from `show version`."""
    m = VERSION_RE.search(text)
    if not m:
        raise ValueError(f"show version: unexpected output {text.strip()[:200]!r}")
    return m["version"], m["host"]


def parse_kv(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key and " " not in key:
            out[key.strip()] = value.strip()
    return out


def mac(raw: str) -> str:
    return raw.upper() if raw else ""


def _utc_offset(tz: str) -> timezone:
    """`date +%z` output (+0430) to a timezone; UTC when unreadable."""
    m = re.fullmatch(r"([+-])(\d\d)(\d\d)", tz.strip())
    if not m:
        return UTC
    delta = timedelta(hours=int(m[2]), minutes=int(m[3]))
    return timezone(delta if m[1] == "+" else -delta)


def _frr_time(value: str | None, tz: timezone) -> float | None:
    """FRR's "2026/11/21 11:24:41.54" (router local time) to epoch seconds."""
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y/%m/%d %H:%M:%S.%f").replace(tzinfo=tz).timestamp()
    except ValueError:
        return None


def parse_interfaces(data: dict[str, Any], tz: str = "+0000") -> dict[str, InterfaceDict]:
    """`show interface json`. last_flapped: epoch of the last link change, -1.0 when none since FRR started."""
    zone = _utc_offset(tz)
    out: dict[str, InterfaceDict] = {}
    for name in sorted(data, key=natural_key):
        i = data[name]
        changes = [t for t in (_frr_time(i.get("lastLinkUp"), zone), _frr_time(i.get("lastLinkDown"), zone)) if t]
        out[name] = InterfaceDict(
            is_up=i.get("operationalStatus") == "up",
            is_enabled=i.get("administrativeStatus") == "up",
            description=str(i.get("description") or ""),
            last_flapped=max(changes) if changes else -1.0,
            mtu=int(i.get("mtu") or 0),
            speed=float(i.get("speed") or 0),
            mac_address=mac(str(i.get("hardwareAddress") or "")),
        )
    return out


def parse_interfaces_ip(data: dict[str, Any]) -> dict[str, InterfacesIPDict]:
    out: dict[str, InterfacesIPDict] = {}
    for name in sorted(data, key=natural_key):
        entry: InterfacesIPDict = {}
        for addr in data[name].get("ipAddresses") or []:
            ip, _, plen = str(addr.get("address", "")).partition("/")
            if not ip or not plen:
                continue
            if ":" in ip:
                entry.setdefault("ipv6", {})[ip] = {"prefix_length": int(plen)}
            else:
                entry.setdefault("ipv4", {})[ip] = {"prefix_length": int(plen)}
        if entry:
            out[name] = entry
    return out


def parse_ip_link_stats(data: list[dict[str, Any]]) -> dict[str, InterfaceCounterDict]:
    """`ip -s -j link`. Linux keeps no broadcast counters and no transmit multicast counter: those are -1
    (as NAPALM drivers report counters a platform lacks); tx_unicast_packets is every packet sent."""
    out: dict[str, InterfaceCounterDict] = {}
    for link in sorted(data, key=lambda x: natural_key(str(x.get("ifname", "")))):
        stats = link.get("stats64") or link.get("stats") or {}
        rx, tx = stats.get("rx") or {}, stats.get("tx") or {}
        rx_mcast = int(rx.get("multicast", 0))
        out[str(link["ifname"])] = InterfaceCounterDict(
            tx_errors=int(tx.get("errors", 0)), rx_errors=int(rx.get("errors", 0)),
            tx_discards=int(tx.get("dropped", 0)), rx_discards=int(rx.get("dropped", 0)),
            tx_octets=int(tx.get("bytes", 0)), rx_octets=int(rx.get("bytes", 0)),
            tx_unicast_packets=int(tx.get("packets", 0)),
            rx_unicast_packets=max(0, int(rx.get("packets", 0)) - rx_mcast),
            tx_multicast_packets=-1, rx_multicast_packets=rx_mcast,
            tx_broadcast_packets=-1, rx_broadcast_packets=-1,
        )
    return out


def parse_bgp(summary: dict[str, Any], neighbors: dict[str, Any]) -> dict[str, BGPStateNeighborsPerVRFDict]:
    """`show bgp vrf all summary json` (router id, prefix counts, uptime) and `show bgp vrf all neighbors json`
    (remote router id, admin shutdown, description). FRR counts received prefixes after inbound policy,
    so received_prefixes == accepted_prefixes (pre-policy counts need soft-reconfiguration inbound)."""
    out: dict[str, BGPStateNeighborsPerVRFDict] = {}
    for vrf, afis in summary.items():
        key = "global" if vrf == "default" else vrf
        details = neighbors.get(vrf) or {}
        router_id = ""
        peers: dict[str, BGPStateNeighborDict] = {}
        for afi, body in (afis or {}).items():
            if not isinstance(body, dict) or "peers" not in body:
                continue
            router_id = router_id or str(body.get("routerId", ""))
            for addr, p in body["peers"].items():
                d = details.get(addr) or {}
                peer = peers.get(addr)
                if peer is None:
                    state = str(p.get("state", ""))
                    peer = peers[addr] = BGPStateNeighborDict(
                        local_as=int(p.get("localAs") or body.get("as") or 0),
                        remote_as=int(p.get("remoteAs") or d.get("remoteAs") or 0),
                        remote_id=str(d.get("remoteRouterId") or "0.0.0.0"),
                        is_up=state == "Established",
                        is_enabled=not d.get("adminShutDown", False) and p.get("peerState") != "Admin",
                        description=str(p.get("desc") or d.get("nbrDesc") or ""),
                        uptime=int(p.get("peerUptimeMsec", 0)) // 1000,
                        address_family={},
                    )
                family = AFI_NAMES.get(afi)
                if family is not None:
                    count = int(p.get("pfxRcd", 0))
                    peer["address_family"][family] = BGPStateAddressFamilyDict(
                        received_prefixes=count, accepted_prefixes=count, sent_prefixes=int(p.get("pfxSnt", 0)))
        out[key] = BGPStateNeighborsPerVRFDict(router_id=router_id, peers=peers)
    return out


def parse_ospf(instance: dict[str, Any], neighbors: dict[str, Any]) -> dict[str, OspfInstanceDict]:
    """`show ip ospf json` and `show ip ospf neighbor json` (default VRF). {} when OSPF is not running."""
    if not instance.get("routerId") and not neighbors.get("neighbors"):
        return {}
    found: list[OspfNeighborDict] = []
    for router_id, entries in (neighbors.get("neighbors") or {}).items():
        for e in entries if isinstance(entries, list) else [entries]:
            full_state = str(e.get("nbrState") or e.get("state") or "")
            state = full_state.split("/")[0]
            found.append(OspfNeighborDict(
                neighbor_id=router_id,
                address=str(e.get("ifaceAddress") or e.get("address") or ""),
                interface=str(e.get("ifaceName", "")).split(":")[0],
                state=state, role=str(e.get("role", "")),
                priority=int(e.get("nbrPriority", e.get("priority", 0))),
                is_up=state == "Full",
                uptime=float(e.get("upTimeInMsec", 0)) / 1000,
            ))
    found.sort(key=lambda n: (natural_key(n["interface"]), n["neighbor_id"]))
    return {"global": OspfInstanceDict(router_id=str(instance.get("routerId", "")), neighbors=found)}


PING_REPLY = re.compile(r"^\d+ bytes from (?P<ip>\S+) .*?time=(?P<rtt>[\d.]+) ms", re.M)
PING_SENT = re.compile(r"^(?P<sent>\d+) packets transmitted, (?P<recv>\d+) (?:packets )?received", re.M)
PING_RTT = re.compile(r"= (?P<min>[\d.]+)/(?P<avg>[\d.]+)/(?P<max>[\d.]+)/(?P<mdev>[\d.]+) ms", re.M)


def parse_ping(stdout: str, stderr: str) -> PingResultDict:
    """iputils `ping -n` output. No statistics line at all means ping could not start (bad host, source)."""
    sent = PING_SENT.search(stdout)
    if not sent:
        message = (stderr.strip() or stdout.strip() or "ping failed").splitlines()[-1]
        return {"error": message}
    probes, received = int(sent["sent"]), int(sent["recv"])
    rtt = PING_RTT.search(stdout)
    results = [PingResultDictEntry(ip_address=m["ip"].removesuffix(":"), rtt=float(m["rtt"])) for m in PING_REPLY.finditer(stdout)]
    return {"success": {
        "probes_sent": probes, "packet_loss": probes - received,
        "rtt_min": float(rtt["min"]) if rtt else 0.0, "rtt_max": float(rtt["max"]) if rtt else 0.0,
        "rtt_avg": float(rtt["avg"]) if rtt else 0.0, "rtt_stddev": float(rtt["mdev"]) if rtt else 0.0,
        "results": results,
    }}


def parse_snmpd_conf(text: str) -> SNMPDict:
    """net-snmp snmpd.conf: sysLocation, sysContact, rocommunity/rwcommunity (v4 and v6), com2sec.
    chassis_id: net-snmp has no chassis id setting; sysName is reported there when set."""
    info = SNMPDict(chassis_id="", community={}, contact="", location="")
    for raw in text.splitlines():
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        key, args = words[0].lower(), words[1:]
        value = " ".join(args)
        if key == "syslocation":
            info["location"] = value
        elif key == "syscontact":
            info["contact"] = value
        elif key == "sysname":
            info["chassis_id"] = value
        elif key in ("rocommunity", "rwcommunity", "rocommunity6", "rwcommunity6") and args:
            acl = args[1] if len(args) > 1 and not args[1].startswith("-") else "N/A"
            info["community"][args[0]] = SNMPCommunityDict(acl=acl, mode=key[:2])
        elif key == "com2sec":
            rest = args[2:] if args and args[0].startswith("-") else args  # [-Cn CONTEXT] SECNAME SOURCE COMMUNITY
            if len(rest) >= 3:
                info["community"].setdefault(rest[2], SNMPCommunityDict(acl=rest[1], mode="ro"))
    return info
