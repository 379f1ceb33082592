"""What a site transaction will do to each device: driver, address, intended config, post-check expectations.

Pure functions of the inventory (and the renderer), so unit tests need no device.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from pydantic import BaseModel

from netkit.errors import InputError, NetkitError
from netkit.inventory.models import ROUTER_ROLES, Device, Inventory, Platform, Role
from netkit.platforms import Napalm


def napalm_of(platform: Platform) -> Napalm | None:
    """The platform's NAPALM driver (its spec: the one platform-to-driver table); None: not configured."""
    return platform.spec.napalm


Renderer = Callable[[Inventory, Device], str]


class BgpExpectation(BaseModel):
    peer: str
    name: str


class OspfExpectation(BaseModel):
    neighbor: str
    router_id: str | None = None
    name: str


class PingExpectation(BaseModel):
    name: str
    destination: str
    source: str | None = None


class CheckExpectations(BaseModel):
    interfaces_up: list[str] = []
    bgp_established: list[BgpExpectation] = []
    ospf_full: list[OspfExpectation] = []
    ping: list[PingExpectation] = []


class DevicePlan(BaseModel):
    device: str
    site: str
    platform: str
    supported: bool
    reason: str = ""
    driver: str | None = None
    hostname: str
    config_file: str | None = None
    checks: CheckExpectations = CheckExpectations()


class SitePlan(BaseModel):
    site: str
    devices: list[DevicePlan]  # the ones this run pushes
    skipped: list[DevicePlan]  # in the site but not pushed (service hosts, platforms without a driver)
    configs: dict[str, str]  # device -> intended config


def driver_name(platform: Platform) -> tuple[str | None, str]:
    """(napalm driver name, reason when None). A platform is pushed only when its driver's module is installed."""
    napalm = napalm_of(platform)
    if napalm is None:
        return None, "service host: not configured by netkit"
    try:
        found = importlib.util.find_spec(napalm.module) is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        return None, (f"NAPALM driver {napalm.driver!r} is not installed (pip install {napalm.package}): "
                      "rendered and validated only")
    return napalm.driver, ""


def default_renderer(inventory: Inventory, device: Device) -> str:
    """The config layer's intended configuration (issue 3 contract: RenderedConfig.files)."""
    try:
        from netkit.config.render import render_device
    except ImportError as e:
        raise NetkitError("netkit.config.render is not available in this installation") from e
    files = render_device(inventory, device).files
    main = device.platform.spec.naming.main_file
    if main in files:
        return pushable(files[main], device.platform)
    if len(files) == 1:
        return pushable(next(iter(files.values())), device.platform)
    raise InputError(f"{device.name}: the renderer produced {sorted(files)}; netkit does not know which to push")


def pushable(text: str, platform: Platform) -> str:
    """The config as netkit pushes it: the rendered intent without the lines the platform accepts but never
    shows while they are in effect (its spec's `hidden`; FRR's `ip forwarding`). Pushed as they are, a
    replace diff would show them as missing forever and every run would "change" the device. Dropping
    them keeps replace semantics exact: where FRR runs `no ip forwarding`, the replace removes that line,
    which turns forwarding on."""
    hidden = platform.spec.syntax.hidden if platform.spec.syntax is not None else frozenset()
    if not hidden:
        return text
    return "".join(ln for ln in text.splitlines(keepends=True) if ln.strip() not in hidden)


def _source(device: Device) -> str | None:
    return str(device.loopback.ip) if device.loopback is not None else None


def _target_host(address: str | None, url: str | None) -> str | None:
    if url:
        return urlparse(url).hostname
    return address


def site_gateway(inventory: Inventory, site: str) -> str | None:
    """The address `router` stands for in a site's targets: its site router's LAN gateway."""
    for dev in inventory.site_devices(site):
        if dev.role == Role.SITE_ROUTER:
            lan = next((i for i in dev.interfaces if i.kind == "lan" and i.address is not None), None)
            if lan is not None and lan.address is not None:
                return str(lan.address.ip)
    return None


def expectations(inventory: Inventory, device: Device) -> CheckExpectations:
    """What must hold after a commit. Links towards other sites count only from a customer site (its uplink
    to the core): the core's side of a customer link may face a router still in factory state."""
    site = inventory.sites[device.site]
    out = CheckExpectations()
    for itf in device.interfaces:
        peer = inventory.devices.get(itf.peer_device) if itf.peer_device else None
        same_site = peer is not None and peer.site == device.site
        uplink = peer is not None and not same_site and site.kind == "customer"
        if itf.kind in ("loopback", "mgmt", "lan", "noc") or (itf.kind == "p2p" and (same_site or uplink)):
            out.interfaces_up.append(itf.name)
        if itf.kind != "p2p" or peer is None or itf.peer_address is None:
            continue
        if itf.ebgp_peer_asn is not None and uplink and itf.ebgp_peer_asn == inventory.network.core_asn:
            out.bgp_established.append(BgpExpectation(peer=str(itf.peer_address), name=peer.name))
            out.ping.append(PingExpectation(name=f"core {peer.name}", destination=str(itf.peer_address)))
        if itf.ospf and same_site and peer.role in ROUTER_ROLES:
            out.ospf_full.append(OspfExpectation(neighbor=str(itf.peer_address), name=peer.name,
                                                 router_id=str(peer.loopback.ip) if peer.loopback else None))
    seen: set[str] = set()
    for dc in (s for s in inventory.sites.values() if s.kind == "datacenter"):
        for t in dc.targets:
            host = _target_host(t.address, t.url)
            if host and host != "router" and host not in seen:
                seen.add(host)
                out.ping.append(PingExpectation(name=f"{dc.code}/{t.name}", destination=host, source=_source(device)))
    for t in site.targets:
        if t.kind != "icmp":
            continue
        host = site_gateway(inventory, site.code) if t.address == "router" else t.address
        if host and host not in seen:
            seen.add(host)
            out.ping.append(PingExpectation(name=f"{site.code}/{t.name}", destination=host, source=_source(device)))
    return out


def choose_site(inventory: Inventory, site: str, only: list[str] | None = None) -> list[Device]:
    inventory.site(site)
    devices = inventory.site_devices(site)
    if only:
        names = {d.name for d in devices}
        unknown = [o for o in only if o not in names]
        if unknown:
            raise InputError(f"site {site} has no device {', '.join(map(repr, unknown))}; "
                             f"its devices: {', '.join(sorted(names))}")
        devices = [d for d in devices if d.name in only]
    return devices


def plan_site(inventory: Inventory, site: str, only: list[str] | None = None,
              render: Renderer = default_renderer) -> SitePlan:
    """Render every pushable device of the site; any rendering error is an InputError (exit 2)."""
    pushed, skipped, configs = [], [], {}
    for dev in choose_site(inventory, site, only):
        driver, reason = driver_name(dev.platform)
        plan = DevicePlan(device=dev.name, site=site, platform=dev.platform.value, supported=driver is not None,
                          reason=reason, driver=driver, hostname=str(dev.mgmt_address))
        if driver is None:
            skipped.append(plan)
            continue
        try:
            configs[dev.name] = render(inventory, dev)
        except NetkitError:
            raise
        except Exception as e:
            raise InputError(f"{dev.name}: rendering the intended config failed: {type(e).__name__}: {e}") from e
        pushed.append(plan.model_copy(update={"checks": expectations(inventory, dev)}))
    return SitePlan(site=site, devices=pushed, skipped=skipped, configs=configs)


def write_plan_files(plan: SitePlan, directory: Path) -> dict[str, Path]:
    """<dir>/<device>.cfg (mode 0600): the intended config each device's task pushes."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    paths = {}
    for dp in plan.devices:
        cfg = directory / f"{dp.device}.cfg"
        fd = os.open(cfg, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(plan.configs[dp.device])
        paths[dp.device] = cfg
    return paths


def standalone_plan(inventory_path: str, device: str, out_dir: str) -> dict[str, object]:
    """For the netkit_intent module when a playbook runs without netkit (ansible-playbook, AWX)."""
    from netkit.inventory import load_inventory

    inv = load_inventory(Path(inventory_path))
    dev = inv.device(device)
    plan = plan_site(inv, dev.site, [device])
    if not plan.devices:
        return plan.skipped[0].model_dump(mode="json")
    paths = write_plan_files(plan, Path(out_dir) / dev.site)
    return {**plan.devices[0].model_dump(mode="json"), "config_file": str(paths[device])}
