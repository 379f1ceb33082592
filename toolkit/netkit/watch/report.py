"""The compliance report per ministry: every device's last backup against its intended configuration,
feature by feature, with the watcher's view of its backups (the data of `netkit report compliance`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from netkit.config.compliance import from_backups
from netkit.config.render import Renderer
from netkit.errors import InputError, NetkitError
from netkit.inventory.models import Inventory
from netkit.provision.masking import Masker
from netkit.watch.state import WatchState


class DeviceRow(BaseModel):
    device: str
    site: str
    compliant: bool | None  # None: no backup to judge
    features: dict[str, bool]  # feature -> compliant
    drift_lines: int
    remediation: str  # masked
    error: str = ""  # masked
    last_backup: datetime | None = None
    backup_ok: bool | None = None
    changes: int = 0


class MinistryCompliance(BaseModel):
    code: str
    name: str
    devices: list[DeviceRow]

    @property
    def compliant(self) -> int:
        return sum(1 for d in self.devices if d.compliant)


class ComplianceReport(BaseModel):
    generated_at: datetime
    source: str
    features: list[str]  # every feature seen, in order
    ministries: list[MinistryCompliance]


def build_compliance_report(inv: Inventory, backups: Path, state: WatchState, masker: Masker,
                            ministry: str | None = None, now: datetime | None = None) -> ComplianceReport:
    if ministry is not None and ministry not in inv.ministries:
        raise InputError(f"{inv.path}: no ministry {ministry!r} (ministries: {', '.join(sorted(inv.ministries))})")
    renderer = Renderer(inv)
    by_ministry: dict[str, list[DeviceRow]] = {}
    seen: dict[str, None] = {}
    for name, dev in sorted(inv.devices.items()):
        if (ministry is not None and dev.ministry != ministry) or not dev.credentials:
            continue
        ds = state.devices.get(name)
        try:
            result = from_backups(renderer.render(dev), dev.site, backups)
        except NetkitError as e:
            row = DeviceRow(device=name, site=dev.site, compliant=None, features={}, drift_lines=0, remediation="",
                            error=masker.mask(str(e)))
        else:
            features = {f.feature: f.compliant for f in result.features}
            seen.update(dict.fromkeys(features))
            row = DeviceRow(device=name, site=dev.site, compliant=None if result.error else result.compliant,
                            features=features, drift_lines=sum(len(f.missing) + len(f.extra) for f in result.features),
                            remediation=masker.mask(result.remediation), error=masker.mask(result.error))
        if ds is not None and ds.success is not None:
            row.last_backup = datetime.fromtimestamp(ds.last_success, UTC) if ds.last_success else None
            row.backup_ok, row.changes = ds.success, ds.commits
            row.error = row.error or ds.error
        by_ministry.setdefault(dev.ministry, []).append(row)
    return ComplianceReport(
        generated_at=now or datetime.now(UTC), source=str(backups), features=sorted(seen),
        ministries=[MinistryCompliance(code=c, name=inv.ministries[c].name, devices=rows)
                    for c, rows in sorted(by_ministry.items())])
