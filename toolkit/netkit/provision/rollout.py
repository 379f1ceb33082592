"""The rollout of many sites: which sites and in what order (data centers first), one batch through the
site transactions (`provision_many`), and backing up many sites (`backup_sites`)."""

from __future__ import annotations

from collections.abc import Callable

from netkit.errors import InputError
from netkit.inventory.models import Inventory
from netkit.provision.backend import ProgressCallback
from netkit.provision.plan import Renderer, default_renderer
from netkit.provision.provisioning import provision_sites
from netkit.provision.report import SiteReport
from netkit.provision.steps import BackendFactory, Environment, ProvisionOptions, Steps
from netkit.provision.transaction import SiteTransaction


def rollout_order(inventory: Inventory, sites: list[str], all_sites: bool) -> list[str]:
    """The site codes of a batch: the ones named (each once, in the order given), or with `all_sites` every
    site, data centers first (customer sites peer with their core routers)."""
    if all_sites == bool(sites):
        raise InputError(f"give SITE(s) or --all; valid sites: {', '.join(sorted(inventory.sites))}")
    codes = list(inventory.sites) if all_sites else list(dict.fromkeys(sites))
    if not all_sites:
        return codes
    return sorted(codes, key=lambda c: (inventory.sites[c].kind != "datacenter", codes.index(c)))


def provision_many(inventory: Inventory, sites: list[str], env: Environment, backend_factory: BackendFactory,
                   opts: ProvisionOptions, progress: ProgressCallback | None = None,
                   render: Renderer = default_renderer) -> list[SiteReport]:
    """Several sites in one batch: one Ansible run per phase, each site its own transaction."""
    return provision_sites(Steps(inventory, env, backend_factory, progress, render), sites, opts)


def backup_sites(inventory: Inventory, site: str | None, all_sites: bool,
                 transaction: Callable[[str], SiteTransaction],
                 skipped: Callable[[str, InputError], None]) -> list[SiteReport]:
    """Back up one site, or every site (`all_sites`: a site with nothing to back up is reported to
    `skipped` and the others go on); one backup commit per site."""
    if (site is None) == (not all_sites):
        raise InputError("give a SITE or --all (sites: " + ", ".join(sorted(inventory.sites)) + ")")
    reports = []
    for code in sorted(inventory.sites) if all_sites else [site or ""]:
        try:
            reports.append(transaction(code).backup())
        except InputError as e:
            if not all_sites:
                raise
            skipped(code, e)
    return reports
