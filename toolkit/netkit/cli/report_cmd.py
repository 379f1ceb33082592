"""`netkit report sla`: the monthly per-ministry report of every site against its agreement;
`netkit report compliance`: every device's configuration against its intent, per ministry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from netkit.cli.common import InventoryOption, JsonOption, console, open_inventory, print_json
from netkit.errors import InputError
from netkit.monitor.sla_report.report import build_sla_report, parse_period
from netkit.monitor.sla_report.report_pdf import write_pdf
from netkit.monitor.sla_report.report_prometheus import PrometheusClient
from netkit.monitor.sla_report.report_render import to_csv, to_html

report_app = typer.Typer(help="Reports for the ministries: SLA (from Prometheus), configuration compliance.",
                         no_args_is_help=True)


@report_app.command("sla")
def sla(
    period: Annotated[str, typer.Option(help="The month, YYYY-MM, in the inventory's time zone "
                                        "(netkit_network.timezone; the lab's is Asia/Phnom_Penh).")],
    ministry: Annotated[str | None, typer.Option(help="Only this ministry's sites (its code, e.g. moj).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="html (with plots), pdf (the same, printed by headless "
                                     "chromium; needs --out) or csv.")] = "html",
    prometheus: Annotated[str, typer.Option(envvar="NETKIT_PROMETHEUS_URL",
                                            help="Prometheus base URL.")] = "http://127.0.0.1:9090",
    out: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Each site's measured availability, latency and loss for the month against its agreement."""
    if fmt not in ("html", "pdf", "csv"):
        raise InputError(f"--format {fmt!r}: choose html, pdf or csv")
    if fmt == "pdf" and out is None:
        raise InputError("--format pdf writes a file: give --out FILE.pdf")
    with PrometheusClient(prometheus) as client:
        tz = open_inventory(inventory).network.timezone
        report = build_sla_report(client, parse_period(period, datetime.now(UTC), tz), ministry)
    if json:
        print_json(report.model_dump(mode="json"))
        return
    text = to_csv(report) if fmt == "csv" else to_html(report)
    if out is None:
        typer.echo(text, nl=False)
        return
    if fmt == "pdf":
        write_pdf(text, out)
    else:
        out.write_text(text, encoding="utf-8")
    sites = sum(len(m.sites) for m in report.ministries)
    breached = sum(1 for m in report.ministries for s in m.sites if s.met is False)
    console.print(f"[green]ok[/] {out}: {sites} sites of {len(report.ministries)} ministries for {period}"
                  f"{' (partial month)' if report.period.partial else ''}; {breached} breached an agreement",
                  highlight=False, soft_wrap=True)


@report_app.command("compliance")
def compliance_report(
    ministry: Annotated[str | None, typer.Option(help="Only this ministry's devices (its code, e.g. moj).")] = None,
    backups: Annotated[Path | None, typer.Option("--backups", help="Backup store [default: <state>/backups].",
                                                 file_okay=False)] = None,
    state_file: Annotated[Path | None, typer.Option(
        "--state-file", help="The watcher's state [default: <state>/watch/state.json].")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the HTML here instead of standard output.")] = None,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Every device's last backup against its intended configuration, per ministry and feature (HTML)."""
    from netkit.paths import state_dir
    from netkit.watch.report import build_compliance_report
    from netkit.watch.report_html import to_html as compliance_html
    from netkit.watch.serve import default_state_file, masker_for
    from netkit.watch.state import load_state

    inv = open_inventory(inventory)
    report = build_compliance_report(inv, backups or state_dir() / "backups",
                                     load_state(state_file or default_state_file()), masker_for(inv), ministry)
    if json:
        print_json(report.model_dump(mode="json"))
        return
    text = compliance_html(report)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    devices = [d for m in report.ministries for d in m.devices]
    console.print(f"[green]ok[/] {out}: {len(devices)} devices of {len(report.ministries)} ministries; "
                  f"{sum(1 for d in devices if d.compliant is False)} drifted", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
