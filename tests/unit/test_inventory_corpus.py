"""A corpus of broken inventories: realistic edits an engineer makes on a copy of `inventory/lab`.

Each one must be refused by `netkit inventory check --json` with exit 2, no traceback, JSON on stdout,
and a FIRST problem that names the file and the host, group or key at fault (the cause before its
consequences). Files, hosts and keys are named by role (`{site_file}`, `{site_router}` ...: see
inventory_corpus.lab_roles), so the corpus follows the lab when it is rebuilt.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from inventory_corpus import (
    LAB,
    Case,
    Mutation,
    Spec,
    add,
    both,
    copy_item,
    dangling,
    drop,
    fill,
    lab_roles,
    rename,
    set_,
    text,
    write,
)
from netkit.cli.app import app
from typer.testing import CliRunner

S, R, N, H = "{site_file}", "{site_router_file}", "{net}", "{hosts}"
OTHER, D, OR = "{other_file}", "{dc_file}", "{other_router_file}"
SITE, NET, DEV = "netkit_site", "netkit_network", "netkit_device"
WEEKLY = {"reason": "change window", "weekday": "fri", "at": "02:00", "duration_min": 120}


def unquoted(file: str, key: str, raw: str) -> Mutation:
    """`key: raw` written without quotes, as an engineer types it (YAML 1.1 then reads it its own way)."""
    return both(set_(file, key, "@@RAW@@"), text(file, "'@@RAW@@'", raw))


def target(**fields: object) -> Mutation:
    return set_(S, f"{SITE}.targets", [{"name": "probe", "kind": "icmp", "address": "{site_gateway}", **fields}])


def window(**fields: object) -> Mutation:
    return set_(S, f"{SITE}.maintenance", [{**WEEKLY, **fields}])


def one_off(start: str, end: str, **more: object) -> Mutation:
    return set_(S, f"{SITE}.maintenance", [{"reason": "fibre works", "start": start, "end": end, **more}])


def link(index: int, path: str, value: object, file: str = S) -> Mutation:
    return set_(file, f"{SITE}.links.{index}.{path}", value)


def C(mutation: Mutation, *first: str, elsewhere: tuple[str, ...] = ()) -> Case:
    return Case(mutation, first, elsewhere)


CORPUS: dict[str, Case] = {
    # ------------------------------------------------ YAML and files: what Ansible reads otherwise or not at all
    "yaml-tab-indent": C(text(R, "  role:", "\trole:"), R, "not valid YAML"),
    "yaml-unclosed-flow-mapping": C(text(S, "}},", ","), S, "not valid YAML"),
    "yaml-duplicate-key-in-host": C(text(R, f"{DEV}:\n", f"{DEV}:\n  platform: frr\n"), R, "duplicate mapping key 'platform'"),
    "yaml-host-listed-twice": C(text(H, "    {site_router}:\n", "    {site_router}:\n            {site_router}:\n"),
                                H, "duplicate mapping key '{site_router}'"),
    "hosts-typo-host-for-hosts": C(text(H, "{site_group}:\n          hosts:", "{site_group}:\n          host:"),
                                   "unexpected key (host) in group ({site_group})"),
    "host-indented-too-shallow": C(text(H, "          hosts:\n            {other_router}:", "          hosts:\n          {other_router}:"),
                                   H, "group {other_group}", "{other_router} is not under hosts:",
                                   elsewhere=("host_vars/{other_router}.yml: host {other_router}",)),
    "host-vars-file-renamed": C(rename(R, "host_vars/{site_router}-old.yml"), "{site_router}-old.yml", "in no group"),
    "host-vars-dangling-symlink": C(dangling(R, "/nonexistent/vault/{site_router}.yml"), R, "cannot be read",
                                    elsewhere=("host {site_router}",)),
    "group-vars-dangling-symlink": C(dangling(S, "../../shared/{site_group}.yml"), S, "cannot be read"),
    "ministry-file-emptied": C(write("{site_ministry_file}", "# TODO\n"), "group {site_ministry}", "netkit_ministry is missing"),
    "network-variable-removed": C(drop(N, NET), "group all", "netkit_network is missing"),
    "variable-typo-in-host": C(text(R, f"{DEV}:", "netkit_devices:"), "host {site_router}", "unknown variable netkit_devices",
                               "did you mean netkit_device?"),
    "variable-typo-in-site": C(text(S, f"{SITE}:", "netkit_sites:"), "unknown variable netkit_sites", "did you mean netkit_site?"),
    "host-vars-as-list": C(write(R, "- ansible_host: {site_router_addr}\n"), R),
    # ------------------------------------------------ netkit_network
    "network-name-missing": C(drop(N, f"{NET}.name"), N, f"{NET}.name", "Field required"),
    "core-asn-with-prefix": C(set_(N, f"{NET}.core_asn", "AS{core_asn}"), N, f"{NET}.core_asn", "'AS{core_asn}'"),
    "core-asn-zero": C(set_(N, f"{NET}.core_asn", 0), N, f"{NET}.core_asn"),
    "core-asn-too-big": C(set_(N, f"{NET}.core_asn", 4294967296), N, f"{NET}.core_asn"),
    "management-prefix-host-bits": C(set_(N, f"{NET}.management_prefix", "198.19.0.1/24"), N, f"{NET}.management_prefix"),
    "management-prefix-bad-length": C(set_(N, f"{NET}.management_prefix", "198.19.0.0/33"), N, f"{NET}.management_prefix"),
    "management-prefix-missing": C(drop(N, f"{NET}.management_prefix"), N, f"{NET}.management_prefix", "Field required"),
    "management-prefix-too-small": C(set_(N, f"{NET}.management_prefix", "198.19.0.0/28"), N,
                                     "outside the management prefix 198.19.0.0/28", f"{NET}.management_prefix"),
    "ntp-server-dns-name": C(set_(N, f"{NET}.ntp_servers", ["ntp.gov.kh"]), N, f"{NET}.ntp_servers.0", "'ntp.gov.kh'"),
    "dns-servers-not-a-list": C(set_(N, f"{NET}.dns_servers", "198.18.0.193"), N, f"{NET}.dns_servers"),
    "syslog-server-bad-octet": C(set_(N, f"{NET}.syslog_servers", ["198.18.0.300"]), N, f"{NET}.syslog_servers.0"),
    "network-key-typo": C(set_(N, f"{NET}.domian", "gov.kh"), N, f"{NET}.domian: unknown key", "did you mean 'domain'?"),
    "noc-prefix-one-address": C(set_(N, f"{NET}.noc.prefix", "198.19.254.0/32"), N, f"{NET}.noc.prefix",
                                "fewer than two usable addresses"),
    "noc-prefix-in-management": C(set_(N, f"{NET}.noc.prefix", "198.19.0.252/30"), N, "noc.prefix 198.19.0.252/30 overlaps"),
    "noc-prefix-in-a-site-block": C(set_(N, f"{NET}.noc.prefix", "{site_link0_prefix}"), N, "overlaps"),
    "noc-device-unknown": C(set_(N, f"{NET}.noc.device", "dc-core9"), N, f"{NET}.noc.device 'dc-core9'"),
    "noc-on-a-link-port": C(both(set_(N, f"{NET}.noc.device", "{site_link0_b}"), set_(N, f"{NET}.noc.interface", "{site_link0_b_if}")),
                            N, f"{NET}.noc.interface '{{site_link0_b_if}}'", "already used by link"),
    "noc-on-the-management-port": C(set_(N, f"{NET}.noc.interface", "{core_mgmt_if}"), N, "noc.interface", "management interface"),
    "noc-on-the-loopback": C(set_(N, f"{NET}.noc.interface", "lo"), N, "noc.interface 'lo'", "loopback"),
    "noc-interface-missing": C(drop(N, f"{NET}.noc.interface"), N, f"{NET}.noc.interface", "Field required"),
    "snmp-v2c-not-a-bool": C(set_(N, f"{NET}.snmp.allow_v2c", "maybe"), N, f"{NET}.snmp.allow_v2c"),
    "snmp-community-in-network": C(set_(N, f"{NET}.snmp.community", "public"), N, f"{NET}.snmp.community: unknown key"),
    "credential-source-unknown": C(set_(N, f"{NET}.credential_sets.lab.source", "vault"), N, "credential_sets.lab.source"),
    "credential-password-in-plain-text": C(set_(N, f"{NET}.credential_sets.ops", {"source": "vars", "username": "ops",
                                           "password": "S3cret!"}), N, "credential_sets.ops", "password in plain text",
                                           "vault-encrypted"),
    "credential-community-in-plain-text": C(set_(N, f"{NET}.credential_sets.ops", {"source": "vars", "username": "ops",
                                            "snmp_community": "public"}), N, "credential_sets.ops", "snmp_community in plain text"),
    "credential-vars-without-password": C(set_(N, f"{NET}.credential_sets.ops", {"source": "vars", "username": "ops"}),
                                          N, "credential_sets.ops", "needs username and password"),
    "credential-key-typo": C(text(N, "      source: lab", "      sorce: lab"), N, "credential_sets.lab.sorce: unknown key",
                             "did you mean 'source'?"),
    "credential-sets-as-list": C(set_(N, f"{NET}.credential_sets", [{"source": "lab"}]), N, f"{NET}.credential_sets"),
    "timezone-misspelt": C(set_(N, f"{NET}.timezone", "Asia/PhnomPenh"), N, "timezone 'Asia/PhnomPenh' is not an IANA zone"),
    "timezone-as-an-offset": C(set_(N, f"{NET}.timezone", "+07:00"), N, "timezone '+07:00'"),
    "timezone-abbreviation": C(set_(N, f"{NET}.timezone", "ICT"), N, "timezone 'ICT'"),
    "timezone-as-a-number": C(set_(N, f"{NET}.timezone", 7), N, f"{NET}.timezone"),
    "timezone-city-only": C(set_(N, f"{NET}.timezone", "Phnom Penh"), N, "timezone 'Phnom Penh'"),
    # ------------------------------------------------ ministries and site groups
    "ministry-code-upper-case": C(set_("{site_ministry_file}", "netkit_ministry.code", "MOJ"), "{site_ministry_file}",
                                  "netkit_ministry.code", "'^[a-z0-9][a-z0-9-]*$'"),
    "ministry-name-missing": C(drop("{site_ministry_file}", "netkit_ministry.name"), "{site_ministry_file}", "netkit_ministry.name"),
    "ministry-as-a-string": C(set_("{site_ministry_file}", "netkit_ministry", "{site_ministry}"), "{site_ministry_file}",
                              "netkit_ministry"),
    "ministry-code-reused-with-another-name": C(set_("{dc_ministry_file}", "netkit_ministry.code", "{site_ministry}"),
                                                "netkit_ministry.code '{site_ministry}' is used by two ministries"),
    "site-outside-any-ministry": C(text(H, "all:\n  children:\n", "all:\n  children:\n    site_rogue:\n      hosts: {{rogue-r1: }}\n"),
                                   "group site_rogue", "is not inside a ministry group"),
    "host-in-no-site-group": C(text(H, "    children:\n", "    hosts:\n        stray-r1:\n      children:\n"), "host stray-r1",
                               "belongs to no site group"),
    "host-in-two-site-groups": C(text(H, "    {other_router}:\n", "    {other_router}:\n            {site_router}:\n"),
                                 "host {site_router}", "is in 2 site groups"),
    "site-group-emptied": C(text(H, "          hosts:\n            {other_router}:\n", "          hosts:\n"), OR,
                            "host {other_router}", "in no group", elsewhere=("group {other_group}",)),
    # ------------------------------------------------ netkit_site: identity and addressing
    "site-code-upper-case": C(set_(S, f"{SITE}.code", "MOJ-HQ"), S, "group {site_group}", f"{SITE}.code",
                              "'^[a-z0-9][a-z0-9-]*$'"),
    "site-code-underscore": C(set_(S, f"{SITE}.code", "{site_group}"), S, f"{SITE}.code"),
    "site-code-reused": C(set_(OTHER, f"{SITE}.code", "{site}"), f"{SITE}.code '{{site}}' is also the code of group"),
    "site-name-missing": C(drop(S, f"{SITE}.name"), S, f"{SITE}.name", "Field required"),
    "site-province-missing": C(drop(S, f"{SITE}.province"), S, f"{SITE}.province"),
    "site-kind-unknown": C(set_(S, f"{SITE}.kind", "branch"), S, f"{SITE}.kind", "'branch'"),
    "site-block-host-bits": C(set_(S, f"{SITE}.block", "198.18.16.1/24"), S, f"{SITE}.block"),
    "site-block-too-small": C(set_(S, f"{SITE}.block", "198.18.16.0/28"), S, f"{SITE}.block", "between /8 and /26"),
    "site-block-too-big": C(set_(S, f"{SITE}.block", "198.0.0.0/7"), S, f"{SITE}.block", "between /8 and /26"),
    "site-block-not-an-address": C(set_(S, f"{SITE}.block", "auto"), S, f"{SITE}.block", "'auto'"),
    "site-block-copied-from-another-site": C(set_(S, f"{SITE}.block", "{other_block}"), "block {other_block}", "overlaps"),
    "site-block-inside-management": C(set_(S, f"{SITE}.block", "198.19.0.0/25"), "overlaps management_prefix"),
    "site-block-holds-the-noc": C(set_(S, f"{SITE}.block", "198.19.254.0/24"), "overlaps"),
    "site-asn-with-letters": C(set_(S, f"{SITE}.asn", "{site_asn}a"), S, f"{SITE}.asn"),
    "site-asn-of-the-core": C(set_(S, f"{SITE}.asn", "{core_asn}"), S, "site {site}", "is the core's ASN"),
    "site-asn-of-another-site": C(set_(S, f"{SITE}.asn", "{other_asn}"), f"{SITE}.asn {{other_asn}} is also used by site"),
    "site-asn-zero": C(set_(S, f"{SITE}.asn", 0), S, f"{SITE}.asn"),
    "site-asn-too-big": C(set_(S, f"{SITE}.asn", 4294967296), S, f"{SITE}.asn"),
    "site-key-typo": C(set_(S, f"{SITE}.maintenence", []), S, f"{SITE}.maintenence: unknown key", "did you mean 'maintenance'?"),
    "site-variable-as-list": C(set_(S, SITE, ["{site}"]), S, "group {site_group}", SITE),
    # ------------------------------------------------ links
    "links-as-mapping": C(set_(S, f"{SITE}.links", {"uplink": "{site_link0_b}"}), S, f"{SITE}.links"),
    "link-end-b-missing": C(drop(S, f"{SITE}.links.0.b"), S, f"{SITE}.links.0.b", "Field required"),
    "link-to-unknown-core": C(link(0, "b.device", "dc-core9"), S, "site {site}", "unknown device 'dc-core9'"),
    "link-device-typo": C(link(0, "a.device", "{site_router}x"), S, "unknown device '{site_router}x'"),
    "link-interface-of-another-platform": C(link(0, "a.interface", "GigabitEthernet0/1"), S,
                                            "{site_router} has no interface 'GigabitEthernet0/1'"),
    "link-interface-name-too-long": C(link(0, "a.interface", "eth-uplink-to-core"), S, "has no interface 'eth-uplink-to-core'"),
    "link-on-the-management-port": C(link(0, "a.interface", "{site_mgmt_if}"), S, "{site_router} {site_mgmt_if}",
                                     "management interface"),
    "link-on-the-loopback": C(link(0, "a.interface", "lo"), S, "{site_router} lo", "loopback"),
    "uplink-on-the-lan-interface": C(link(0, "a.interface", "{site_lan}"), S, "{site_router} {site_lan}", "site LAN interface"),
    "two-links-on-one-router-port": C(link(1, "a.interface", "{site_link0_a_if}"), S, "{site_router} {site_link0_a_if}",
                                      "already used by link"),
    "uplink-on-a-core-port-of-another-site": C(both(link(0, "b.device", "{other_link0_b}"), link(0, "b.interface", "{other_link0_b_if}")),
                                               "{other_link0_b} {other_link0_b_if} is already used by link"),
    "link-with-both-ends-on-the-router": C(link(0, "b", {"device": "{site_router}", "interface": "eth9"}), S,
                                           "both ends are on {site_router}"),
    "link-pasted-twice": C(copy_item(S, f"{SITE}.links"), S, "is declared twice"),
    "link-prefix-outside-the-block": C(link(0, "prefix", "{site_block_outside}"), S, "is outside the site's block"),
    "link-prefix-single-address": C(link(0, "prefix", "{site_link0_single}"), S, "fewer than two usable"),
    "link-prefix-host-bits": C(link(0, "prefix", "198.18.16.33/30"), S, f"{SITE}.links.0.prefix"),
    "link-prefix-of-the-other-link": C(link(1, "prefix", "{site_link0_prefix}"), "duplicate address"),
    "link-committed-zero": C(link(0, "committed_mbps", 0), S, f"{SITE}.links.0.committed_mbps"),
    "link-committed-with-unit": C(link(0, "committed_mbps", "200M"), S, f"{SITE}.links.0.committed_mbps", "'200M'"),
    "link-ospf-not-a-bool": C(link(0, "ospf", "maybe"), S, f"{SITE}.links.0.ospf"),
    "link-end-key-typo": C(link(0, "a", {"device": "{site_router}", "intf": "eth1"}), S, f"{SITE}.links.0.a.intf: unknown key"),
    "link-key-typo": C(link(0, "circuit", "GOV-X"), S, f"{SITE}.links.0.circuit: unknown key", "did you mean 'circuit_id'?"),
    "impairment-loss-over-100": C(link(0, "impairment", {"loss_pct": 150}), S, f"{SITE}.links.0.impairment.loss_pct"),
    "impairment-negative-delay": C(link(0, "impairment", {"delay_ms": -1}), S, "impairment.delay_ms"),
    "impairment-zero-rate": C(link(0, "impairment", {"rate_mbit": 0}), S, "impairment.rate_mbit"),
    "impairment-key-typo": C(link(0, "impairment", {"latency": 40}), S, "impairment.latency: unknown key"),
    "impairment-of-the-other-site": C(link(0, "impairment.jitter_ms", "5ms", file=OTHER), OTHER, "impairment.jitter_ms", "'5ms'"),
    # ------------------------------------------------ targets
    "target-kind-ping": C(target(kind="ping"), S, f"{SITE}.targets.0.kind", "'ping'"),
    "target-without-name": C(set_(S, f"{SITE}.targets", [{"kind": "icmp", "address": "router"}]), S, f"{SITE}.targets.0.name"),
    "target-name-upper-case": C(target(name="Gateway"), S, f"{SITE}.targets.0.name"),
    "target-name-twice": C(add(S, f"{SITE}.targets", {"name": "gateway", "kind": "icmp", "address": "router"}),
                           S, "site {site}", "target name 'gateway' is used twice"),
    "icmp-target-without-address": C(set_(S, f"{SITE}.targets", [{"name": "gw", "kind": "icmp"}]), S, f"{SITE}.targets.0",
                                     "an icmp target needs address"),
    "icmp-target-dns-name": C(target(address="gw.moj.gov.kh"), S, f"{SITE}.targets.0.address", "not an IPv4 address"),
    "icmp-target-bad-octet": C(target(address="198.18.16.300"), S, f"{SITE}.targets.0.address"),
    "tcp-target-without-port": C(target(kind="tcp"), S, f"{SITE}.targets.0", "a tcp target needs port"),
    "tcp-target-port-too-big": C(target(kind="tcp", port=70000), S, f"{SITE}.targets.0.port"),
    "tcp-target-port-by-name": C(target(kind="tcp", port="https"), S, f"{SITE}.targets.0.port", "'https'"),
    "http-target-without-url": C(set_(S, f"{SITE}.targets", [{"name": "web", "kind": "http"}]), S, "an http target needs url"),
    "http-url-without-scheme": C(set_(S, f"{SITE}.targets", [{"name": "web", "kind": "http", "url": "198.18.0.193/health"}]),
                                 S, f"{SITE}.targets.0.url", "must start with http:// or https://"),
    "http-url-scheme-typo": C(set_(S, f"{SITE}.targets", [{"name": "web", "kind": "http", "url": "htp://198.18.0.193/"}]),
                              S, f"{SITE}.targets.0.url", "'htp://198.18.0.193/'"),
    "http-url-port-out-of-range": C(set_(S, f"{SITE}.targets", [{"name": "web", "kind": "http", "url": "http://198.18.0.193:99999/"}]),
                                    S, f"{SITE}.targets.0.url", "from 1 to 65535"),
    "http-url-port-not-a-number": C(set_(S, f"{SITE}.targets", [{"name": "web", "kind": "http", "url": "http://198.18.0.193:http/"}]),
                                    S, f"{SITE}.targets.0.url", "from 1 to 65535"),
    "http-url-without-host": C(set_(S, f"{SITE}.targets", [{"name": "web", "kind": "http", "url": "http:///health"}]),
                               S, f"{SITE}.targets.0.url", "needs a host"),
    "http-url-with-a-space": C(set_(S, f"{SITE}.targets", [{"name": "web", "kind": "http", "url": "http://verify svc/"}]),
                               S, f"{SITE}.targets.0.url", "white space"),
    "icmp-target-with-url": C(target(url="http://198.18.0.193/"), S, f"{SITE}.targets.0", "url is for http targets"),
    "router-target-in-the-data-center": C(add(D, f"{SITE}.targets", {"name": "gw", "kind": "icmp", "address": "router"}),
                                          D, "site {dc}", f"{SITE}.targets.gw", "has none"),
    "dc-target-url-scheme": C(set_(D, f"{SITE}.targets.0.url", "ftp://198.18.0.193/"), D, f"{SITE}.targets.0.url"),
    # ------------------------------------------------ MoU thresholds
    "mou-availability-over-100": C(set_(S, f"{SITE}.mou.availability_pct", 120), S, f"{SITE}.mou.availability_pct", "120"),
    "mou-availability-zero": C(set_(S, f"{SITE}.mou.availability_pct", 0), S, f"{SITE}.mou.availability_pct"),
    "mou-availability-with-percent": C(set_(S, f"{SITE}.mou.availability_pct", "99.9%"), S, "availability_pct", "'99.9%'"),
    "mou-latency-negative": C(set_(S, f"{SITE}.mou.latency_ms", -5), S, f"{SITE}.mou.latency_ms"),
    "mou-loss-over-100": C(set_(S, f"{SITE}.mou.loss_pct", 101), S, f"{SITE}.mou.loss_pct"),
    "mou-bandwidth-with-unit": C(set_(S, f"{SITE}.mou.bandwidth_mbps", "100Mbps"), S, f"{SITE}.mou.bandwidth_mbps"),
    "mou-period-zero": C(set_(S, f"{SITE}.mou.period_days", 0), S, f"{SITE}.mou.period_days"),
    "mou-period-over-a-year": C(set_(S, f"{SITE}.mou.period_days", 400), S, f"{SITE}.mou.period_days"),
    "mou-key-typo": C(set_(S, f"{SITE}.mou.availability", 99.9), S, f"{SITE}.mou.availability: unknown key",
                      "did you mean 'availability_pct'?"),
    # ------------------------------------------------ maintenance windows
    "weekly-time-unquoted": C(both(window(), unquoted(S, f"{SITE}.maintenance.0.at", "22:30")), S, "group {site_group}",
                              f"{SITE}.maintenance.0.at", "quoted string", "1350"),
    "weekly-time-unquoted-one-digit-hour": C(both(window(), unquoted(S, f"{SITE}.maintenance.0.at", "2:00")), S,
                                             f"{SITE}.maintenance.0.at", "quoted"),
    "weekly-time-25h": C(window(at="25:00"), S, f"{SITE}.maintenance.0.at", "'25:00'"),
    "weekly-day-in-full": C(window(weekday="friday"), S, f"{SITE}.maintenance.0.weekday", "'friday'"),
    "weekly-day-capitalised": C(window(weekday="Fri"), S, f"{SITE}.maintenance.0.weekday"),
    "weekly-duration-zero": C(window(duration_min=0), S, f"{SITE}.maintenance.0.duration_min"),
    "weekly-duration-over-a-day": C(window(duration_min=2000), S, f"{SITE}.maintenance.0.duration_min"),
    "weekly-without-duration": C(set_(S, f"{SITE}.maintenance", [{"weekday": "fri", "at": "02:00"}]), S,
                                 f"{SITE}.maintenance.0", "give either start and end"),
    "weekly-key-typo": C(set_(S, f"{SITE}.maintenance", [{"weekday": "fri", "at": "02:00", "duration": 60}]), S,
                         f"{SITE}.maintenance.0.duration: unknown key", "did you mean 'duration_min'?"),
    "window-both-kinds": C(window(start="2026-03-01T02:00:00", end="2026-03-01T04:00:00"), S, f"{SITE}.maintenance.0",
                           "give either"),
    "one-off-end-before-start": C(one_off("2026-03-02T02:00:00", "2026-03-01T02:00:00"), S, f"{SITE}.maintenance.0",
                                  "end must be after start"),
    "one-off-mixed-offsets": C(one_off("2026-03-01T22:00:00+07:00", "2026-03-02T02:00:00"), S, f"{SITE}.maintenance.0",
                               "both carry a UTC offset"),
    "one-off-in-words": C(one_off("next friday", "2026-03-02T02:00:00"), S, f"{SITE}.maintenance.0.start", "'next friday'"),
    "one-off-epoch-number": C(set_(S, f"{SITE}.maintenance", [{"start": 1772330400, "end": "2026-03-01T04:00:00"}]), S,
                              f"{SITE}.maintenance.0.start", "quoted string"),
    "one-off-without-end": C(set_(S, f"{SITE}.maintenance", [{"start": "2026-03-01T02:00:00"}]), S, f"{SITE}.maintenance.0"),
    # ------------------------------------------------ VLANs, access switches, static routes
    "vlan-id-4095": C(set_(S, f"{SITE}.vlans", {"user": 4095}), S, f"{SITE}.vlans.user"),
    "vlan-id-zero": C(set_(S, f"{SITE}.vlans", {"voice": 0}), S, f"{SITE}.vlans.voice"),
    "access-switches-negative": C(set_(S, f"{SITE}.access_switches", -1), S, f"{SITE}.access_switches"),
    "access-switches-too-many": C(set_(S, f"{SITE}.access_switches", 100), S, f"{SITE}.access_switches"),
    "static-route-next-hop-word": C(set_(S, f"{SITE}.static_routes", [{"prefix": "10.0.0.0/8", "next_hop": "isp"}]), S,
                                    f"{SITE}.static_routes.0.next_hop:", "'isp'"),
    "static-route-prefix-bad": C(set_(S, f"{SITE}.static_routes", [{"prefix": "10.0.0.0/33", "next_hop": "null0"}]), S,
                                 f"{SITE}.static_routes.0.prefix"),
    "static-route-without-next-hop": C(set_(S, f"{SITE}.static_routes", [{"prefix": "10.0.0.0/8"}]), S,
                                       f"{SITE}.static_routes.0.next_hop", "Field required"),
    # ------------------------------------------------ netkit_device and ansible_host
    "device-role-router": C(set_(R, f"{DEV}.role", "router"), R, "host {site_router}", f"{DEV}.role", "'router'"),
    "device-platform-cisco": C(set_(R, f"{DEV}.platform", "cisco"), R, "host {site_router}", f"{DEV}.platform", "'cisco'"),
    "device-platform-upper-case": C(set_(R, f"{DEV}.platform", "FRR"), R, f"{DEV}.platform", "'FRR'"),
    "device-router-on-linux": C(set_(R, f"{DEV}.platform", "linux"), R, "platform 'linux' cannot be a site-router"),
    "device-service-host-on-frr": C(set_("{svc_file}", f"{DEV}.platform", "frr"), "{svc_file}", "host {svc}",
                                    "cannot be a service-host"),
    "device-credentials-removed": C(drop(R, f"{DEV}.credentials"), R, "host {site_router}", "credentials is missing"),
    "device-credentials-unknown-set": C(set_(R, f"{DEV}.credentials", "prod"), R, "credentials 'prod' is not a credential set"),
    "device-index-outside-block": C(set_(R, f"{DEV}.index", 40), R, "host {site_router}", "outside its site's block"),
    "device-index-negative": C(set_(R, f"{DEV}.index", -1), R, f"{DEV}.index"),
    "device-index-shared-by-two-cores": C(both(set_("{core_file}", f"{DEV}.index", 0), set_("{core2_file}", f"{DEV}.index", 0)),
                                          "{core_file}", "duplicate address"),
    "device-lan-interface-on-the-uplink": C(set_(R, f"{DEV}.lan_interface", "{site_link0_a_if}"),
                                            "{site_router} {site_link0_a_if} is already its site LAN interface"),
    "device-mgmt-interface-on-the-uplink": C(set_(R, f"{DEV}.mgmt_interface", "{site_link0_a_if}"),
                                             "{site_router} {site_link0_a_if} is already its management interface"),
    "device-v2c-not-a-bool": C(set_(R, f"{DEV}.allow_snmp_v2c", "sometimes"), R, f"{DEV}.allow_snmp_v2c"),
    "device-http-port-zero": C(set_("{svc_file}", f"{DEV}.http_port", 0), "{svc_file}", f"{DEV}.http_port"),
    "device-http-port-word": C(set_("{svc_file}", f"{DEV}.http_port", "eighty"), "{svc_file}", f"{DEV}.http_port"),
    "device-site-key-disagrees": C(set_(R, f"{DEV}.site", "{other}"), R, f"{DEV}.site '{{other}}' is not the site of its group"),
    "device-key-typo": C(set_(R, f"{DEV}.platfrom", "frr"), R, f"{DEV}.platfrom: unknown key", "did you mean 'platform'?"),
    "device-as-a-string": C(set_(R, DEV, "site-router"), R, "host {site_router}", "must be a mapping"),
    "device-as-a-list": C(set_(R, DEV, ["site-router", "frr"]), R, "host {site_router}", "must be a mapping"),
    "device-role-core-on-a-customer-site": C(set_(R, f"{DEV}.role", "core-router"), S, "site {site}",
                                             "a customer site needs a site-router"),
    "ansible-host-removed": C(drop(R, "ansible_host"), R, "host {site_router}", "ansible_host is missing"),
    "ansible-host-dns-name": C(set_(R, "ansible_host", "{site_router}.gov.kh"), R, "is not an IPv4 address"),
    "ansible-host-bad-octet": C(set_(R, "ansible_host", "198.19.0.256"), R, "'198.19.0.256' is not an IPv4 address"),
    "ansible-host-outside-management": C(set_(R, "ansible_host", "198.19.9.21"), R, "outside the management prefix"),
    "ansible-host-copied-from-another-router": C(set_(R, "ansible_host", "{other_router_addr}"),
                                                 "duplicate management address {other_router_addr}"),
}

ROLES = lab_roles()


def _problems(root: Path) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(app, ["inventory", "check", "-i", str(root), "--json"])
    data = json.loads(result.stdout)
    assert data["ok"] is False
    return result.exit_code, [" ".join(p.split()) for p in data["problems"]], result.output


def test_the_lab_itself_is_clean() -> None:
    result = CliRunner().invoke(app, ["inventory", "check", "-i", str(LAB), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["ok"] is True, result.output


def test_the_corpus_is_large_and_every_case_names_a_file_and_a_culprit() -> None:
    assert len(CORPUS) >= 120
    for name, case in CORPUS.items():
        assert case.first, name


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_broken_inventory_is_refused_naming_the_culprit_first(name: str, tmp_path: Path) -> None:
    case = CORPUS[name]
    root = tmp_path / "lab"
    shutil.copytree(LAB, root, symlinks=True)
    case.mutation(root, ROLES)
    code, problems, output = _problems(root)
    assert code == 2, output
    assert "Traceback" not in output and problems, output
    first = problems[0]
    assert str(root) in first, f"the first problem names no file of the inventory: {first}"
    for fragment in fill(list(case.first), ROLES):
        assert fragment in first, f"{fragment!r} not in the first problem: {first}\nall: {problems}"
    rest = " ".join(problems)
    for fragment in fill(list(case.elsewhere), ROLES):
        assert fragment in rest, f"{fragment!r} not in: {problems}"


def test_pydantic_internals_never_leak_into_messages(tmp_path: Path) -> None:
    root = tmp_path / "lab"
    shutil.copytree(LAB, root)
    both(CORPUS["static-route-next-hop-word"].mutation, CORPUS["device-platform-cisco"].mutation)(root, ROLES)
    _, problems, _ = _problems(root)
    assert problems and not any(t in p for p in problems for t in ("lax-or-strict", "function-", "is-instance["))


def test_the_text_output_prints_brackets_as_written(tmp_path: Path) -> None:
    root = tmp_path / "lab"
    shutil.copytree(LAB, root)
    CORPUS["site-code-upper-case"].mutation(root, ROLES)
    result = CliRunner().invoke(app, ["inventory", "check", "-i", str(root)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "String should match pattern '^[a-z0-9][a-z0-9-]*$'" in " ".join(result.output.split())


def test_overlapping_blocks_come_before_the_duplicate_addresses_they_cause(tmp_path: Path) -> None:
    root = tmp_path / "lab"
    shutil.copytree(LAB, root)
    set_(S, f"{SITE}.block", "{other_block}")(root, ROLES)  # same block: every derived address is taken twice
    _, problems, _ = _problems(root)
    overlap = next(i for i, p in enumerate(problems) if "overlaps" in p)
    duplicates = [i for i, p in enumerate(problems) if "duplicate address" in p]
    assert duplicates and overlap < min(duplicates), problems


def test_a_spec_placeholder_unknown_to_the_lab_is_a_corpus_mistake() -> None:
    with pytest.raises(KeyError, match="no role 'nosuch'"):
        fill("{nosuch}", Spec(ROLES))


__all__ = ["CORPUS", "Mutation"]
