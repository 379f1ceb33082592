"""What the Cisco-like platforms (IOS, EOS, FRR, NX-OS) share: structure kinds and compliance features."""

from __future__ import annotations

from netkit.platforms.spec import Kind, patterns

SOURCES = (r"^ntp (?:source|local-interface) (?P<name>\S+)$", r"^logging source-interface (?P<name>\S+)$",
           r"^snmp-server trap-source (?P<name>\S+)$",
           r"^ip (?:ssh|tftp|ftp|radius|tacacs) source-interface (?P<name>\S+)$")
KINDS = (
    Kind("interface", patterns(r"^interface (?!range )(?P<name>\S+)$", r"^interface range (?P<range>.+)$"),
         patterns(r"^neighbor \S+ update-source (?P<name>[A-Za-z]\S*)$", *SOURCES,
                  r"^passive-interface (?!default)(?P<name>\S+)$")),
    Kind("ACL", patterns(r"^ip access-list (?:standard |extended )?(?P<name>\S+)$", r"^access-list (?P<name>\d+) "),
         patterns(r"^access-class (?P<name>\S+) in$", r"^ip access-group (?P<name>\S+) (?:vrf \S+ )?(?:in|out)$",
                  r"^snmp-server group .* access (?P<name>\S+)$",
                  r"^snmp-server community \S+ (?:RO|RW|ro|rw) (?P<name>\S+)$",
                  r"^snmp-server ipv4 access-list (?P<name>\S+)$", r"^match ip address (?!prefix-list )(?P<name>\S+)$")),
    Kind("prefix-list", patterns(r"^ip prefix-list (?P<name>\S+) "),
         patterns(r"^match ip address prefix-list (?P<name>\S+)$", r"^neighbor \S+ prefix-list (?P<name>\S+) (?:in|out)$")),
    Kind("route-map", patterns(r"^route-map (?P<name>\S+) "),
         patterns(r"^neighbor \S+ route-map (?P<name>\S+) (?:in|out)$", r"^redistribute .*route-map (?P<name>\S+)$")),
    Kind("policy-map", patterns(r"^policy-map (?P<name>\S+)$"), patterns(r"^service-policy (?:input|output) (?P<name>\S+)$")),
)

# Feature of a statement, by the first match on its path (first applicable rule wins).
FEATURES = (
    ("interfaces", r"^interface |^vlan \d|^spanning-tree"),
    ("snmp", r"^snmp-server |^agentx$"),
    ("ntp", r"^ntp "),
    ("logging", r"^logging |^log "),
    ("aaa", r"^aaa |^username |^line |^ip ssh |^ip access-list |^access-list |^management |^banner |^no aaa "),
    ("routing", r"^router |^ip route |^ip prefix-list |^route-map |^ip router-id|^ip routing|^no ip routing"
                r"|^ip forwarding|^no ipv6 forwarding|^ip default-gateway"),
    ("qos", r"^policy-map |^class-map "),
)
