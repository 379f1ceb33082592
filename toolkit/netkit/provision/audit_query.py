"""Reading the audit log back: the entries that match an engineer's filters, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from netkit.errors import InputError
from netkit.provision.audit import AuditEntry, AuditLog


@dataclass(frozen=True)
class AuditFilter:
    site: str | None = None
    device: str | None = None
    user: str | None = None
    result: str | None = None

    def matches(self, entry: AuditEntry) -> bool:
        return ((self.site is None or entry.site == self.site)
                and (self.device is None or any(d.name == self.device for d in entry.devices))
                and (self.user is None or entry.who == self.user)
                and (self.result is None or entry.result == self.result))


def audit_history(path: Path, where: AuditFilter = AuditFilter(), last: int | None = None) -> list[AuditEntry]:
    """The entries of the log at `path` that match `where` (the `last` N of them when given)."""
    try:
        found = [e for e in AuditLog(path).entries() if where.matches(e)]
    except ValueError as e:
        raise InputError(f"{path}: an entry cannot be read ({e}); run `netkit audit verify` to see which") from e
    return found[-last:] if last else found
