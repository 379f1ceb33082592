"""The shapes the getters return: NAPALM's models (napalm.base.models), restated so mypy can check them,
plus the shape of the driver's one extra getter, `get_ospf_neighbors`."""

from __future__ import annotations

from typing import TypedDict


class FactsDict(TypedDict):
    os_version: str
    uptime: float
    interface_list: list[str]
    vendor: str
    serial_number: str
    model: str
    hostname: str
    fqdn: str


class InterfaceDict(TypedDict):
    is_up: bool
    is_enabled: bool
    description: str
    last_flapped: float
    mtu: int
    speed: float
    mac_address: str


class PrefixLength(TypedDict):
    prefix_length: int


class InterfacesIPDict(TypedDict, total=False):
    ipv4: dict[str, PrefixLength]
    ipv6: dict[str, PrefixLength]


class InterfaceCounterDict(TypedDict):
    tx_errors: int
    rx_errors: int
    tx_discards: int
    rx_discards: int
    tx_octets: int
    rx_octets: int
    tx_unicast_packets: int
    rx_unicast_packets: int
    tx_multicast_packets: int
    rx_multicast_packets: int
    tx_broadcast_packets: int
    rx_broadcast_packets: int


class BGPStateAddressFamilyDict(TypedDict):
    received_prefixes: int
    accepted_prefixes: int
    sent_prefixes: int


class BGPStateNeighborDict(TypedDict):
    local_as: int
    remote_as: int
    remote_id: str
    is_up: bool
    is_enabled: bool
    description: str
    uptime: int
    address_family: dict[str, BGPStateAddressFamilyDict]


class BGPStateNeighborsPerVRFDict(TypedDict):
    router_id: str
    peers: dict[str, BGPStateNeighborDict]


class ConfigDict(TypedDict):
    running: str
    candidate: str
    startup: str


class SNMPCommunityDict(TypedDict):
    acl: str
    mode: str


class SNMPDict(TypedDict):
    chassis_id: str
    community: dict[str, SNMPCommunityDict]
    contact: str
    location: str


class PingResultDictEntry(TypedDict):
    ip_address: str
    rtt: float


class PingSuccessDict(TypedDict):
    probes_sent: int
    packet_loss: int
    rtt_min: float
    rtt_max: float
    rtt_avg: float
    rtt_stddev: float
    results: list[PingResultDictEntry]


class PingResultDict(TypedDict, total=False):
    success: PingSuccessDict
    error: str


class AliveDict(TypedDict):
    is_alive: bool


class OspfNeighborDict(TypedDict):
    """One OSPF adjacency as `get_ospf_neighbors` reports it (the napalm_frr extra getter)."""

    neighbor_id: str  # the neighbour's router id
    address: str  # its address on the shared link
    interface: str  # our interface ("eth1", FRR's ":address" suffix removed)
    state: str  # "Full", "2-Way", "Init", ... (FRR's state without the "/DR" role part)
    role: str  # "DR", "Backup", "DROther" (FRR's view of the neighbour's role)
    priority: int
    is_up: bool  # state == "Full"
    uptime: float  # seconds in the current state (0.0 when FRR does not say)


class OspfInstanceDict(TypedDict):
    router_id: str
    neighbors: list[OspfNeighborDict]
