"""`netkit trust DEVICE|SITE...`: read each device's SSH host key, show its fingerprint for an engineer to
confirm against the device's console, and record who confirmed it and when."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from netkit.cli.common import InventoryOption, JsonOption, console, open_inventory, print_json, select_devices
from netkit.trust.store import TrustStore
from netkit.trust.verify import check_keys, trust_offered


def trust(
    targets: Annotated[list[str] | None, typer.Argument(help="Devices or site codes (none: every device).")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Record every new or changed key without asking (scripts; "
                                                    "recorded as confirmed by --yes).")] = False,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Show each device's SSH host key fingerprint; record the ones you confirm (exit 1 if any is left out)."""
    inv = open_inventory(inventory)
    store = TrustStore.for_inventory(inv.path)
    checks = check_keys(select_devices(inv, targets or []), store)
    rows, left = [], 0
    for c in checks:
        row = {"device": c.device, "host": c.host, "status": c.status,
               "fingerprint": c.offered.fingerprint if c.offered else None,
               "recorded": [k.fingerprint for k in c.known], "error": c.error or None}
        if c.status in ("unknown", "changed"):
            if not json:
                console.print(f"{c.problem()}", highlight=False, soft_wrap=True)
            offered = c.offered.fingerprint if c.offered else ""
            if yes or (not json and typer.confirm(f"  trust {c.device}'s key {offered}?", default=False)):
                trust_offered(store, c, "--yes" if yes else "confirmed")
                row["status"] = "trusted now"
            else:
                left += 1
        elif c.status == "unreachable":
            left += 1
        rows.append(row)
    if json:
        print_json({"known_hosts": str(store.known_hosts), "devices": rows})
    else:
        table = Table("device", "host", "status", "fingerprint", title=f"SSH host keys ({store.known_hosts})",
                      title_justify="left")
        for r in rows:
            table.add_row(str(r["device"]), str(r["host"]), str(r["status"]), str(r["fingerprint"] or r["error"]))
        console.print(table)
    if left:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("trust")(trust)
